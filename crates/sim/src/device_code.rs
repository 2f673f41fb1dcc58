//! The device authorization grant: `POST /{tenant}/oauth2/v2.0/devicecode` (`scope`) and
//! `POST /{tenant}/oauth2/devicecode` (v1, `resource`) hand out a user code and a device code; the
//! verification page (`/devicelogin`) takes the user code and starts the sign-in pages; the token
//! endpoint's `urn:ietf:params:oauth:grant-type:device_code` polls answer `authorization_pending`,
//! `slow_down`, `authorization_declined`, `expired_token` or `bad_verification_code` until the
//! sign-in ends. Response shapes: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code

use super::aad_error::{self as e, AadError};
use super::http::{Reply, Req};
use super::signin::{self, DeviceGrant, DeviceStatus, Flow, FlowKind, Step};
use super::Sim;
use serde_json::json;

/// The device-code endpoint.
pub fn devicecode(sim: &Sim, req: &Req, tenant_seg: &str, v2: bool) -> Reply {
    let corr = req.correlation_id();
    let trace = uuid::Uuid::new_v4().to_string();
    match grant(sim, req, tenant_seg, v2) {
        Ok(v) => Reply::json(200, &v)
            .header("client-request-id", corr)
            .header("x-ms-request-id", trace)
            .header("Cache-Control", "no-store, no-cache"),
        Err(err) => {
            super::token_endpoint::error_reply(&err, &trace, &corr, req.now, &sim.info.authority)
        }
    }
}

fn grant(sim: &Sim, req: &Req, tenant_seg: &str, v2: bool) -> Result<serde_json::Value, AadError> {
    let w = &sim.world;
    if req.method != "POST" {
        return Err(e::post_only(&req.method));
    }
    let multi = matches!(
        tenant_seg.to_ascii_lowercase().as_str(),
        "common" | "organizations"
    );
    if !multi && !w.is_this_tenant(tenant_seg) {
        return Err(e::tenant_not_found(tenant_seg));
    }
    let form = req.form();
    let Some(client_id) = form.get("client_id").filter(|c| !c.is_empty()) else {
        return Err(e::missing_parameter("client_id"));
    };
    let key = if v2 { "scope" } else { "resource" };
    let Some(scope) = form.get(key).filter(|s| !s.trim().is_empty()) else {
        return Err(e::missing_parameter(key));
    };
    super::token_endpoint::target_of(scope, v2)?;
    let Some(app) = w.app_by_client_id(client_id) else {
        return Err(e::app_not_found(client_id, w.tenant_name()));
    };
    if multi && !app.multi_tenant() {
        return Err(e::single_tenant_on_common(&app.app_id, &app.display_name));
    }
    let spec = &w.scenario.tenant.device_code;
    let user_code = signin::user_code();
    let device_code = format!("DAQABAAEAAA{}", signin::random_token(96));
    let uri = format!("{}/devicelogin", sim.info.authority.trim_end_matches('/'));
    let message = format!(
        "To sign in, use a web browser to open the page {uri} and enter the code {user_code} to authenticate."
    );
    if let Ok(mut st) = sim.signin.lock() {
        st.devices.insert(
            device_code.clone(),
            DeviceGrant {
                user_code: user_code.clone(),
                app_id: app.app_id.clone(),
                tenant: tenant_seg.to_string(),
                scope: scope.clone(),
                v2,
                expires: req.now + spec.expires_in_seconds,
                interval_ms: (spec.interval_seconds.max(0) as u64) * 1000,
                last_poll: None,
                polls: 0,
                status: DeviceStatus::Pending,
            },
        );
    }
    // v1 writes `verification_url` and its numbers as strings, as its token responses do.
    Ok(if v2 {
        json!({
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": uri,
            "expires_in": spec.expires_in_seconds,
            "interval": spec.interval_seconds,
            "message": message,
        })
    } else {
        json!({
            "user_code": user_code,
            "device_code": device_code,
            "verification_url": uri,
            "expires_in": spec.expires_in_seconds.to_string(),
            "interval": spec.interval_seconds.to_string(),
            "message": message,
        })
    })
}

/// What a poll of the token endpoint finds: the user who signed in, or the answer to give.
pub fn poll(sim: &Sim, req: &Req, app_id: &str, device_code: &str) -> Result<Approved, AadError> {
    let slow_down_polls = sim.world.scenario.tenant.device_code.slow_down_polls;
    let mut st = sim.signin.lock().map_err(|_| e::transient())?;
    let Some(d) = st.devices.get_mut(device_code) else {
        return Err(e::device_bad_code());
    };
    if !d.app_id.eq_ignore_ascii_case(app_id) {
        return Err(e::device_bad_code());
    }
    let now = std::time::Instant::now();
    let too_soon = d
        .last_poll
        .is_some_and(|t| (now.duration_since(t).as_millis() as u64) + 250 < d.interval_ms);
    d.last_poll = Some(now);
    d.polls += 1;
    match &d.status {
        DeviceStatus::Redeemed => return Err(e::device_bad_code()),
        DeviceStatus::Declined => return Err(e::device_declined()),
        DeviceStatus::Failed(err) => {
            let err = err.clone();
            return Err(err);
        }
        DeviceStatus::Approved(_) => {}
        DeviceStatus::Pending => {
            if req.now >= d.expires {
                return Err(e::device_expired());
            }
            if d.polls <= slow_down_polls || too_soon {
                // RFC 8628: each slow_down adds five seconds to the interval.
                d.interval_ms += 5000;
                return Err(e::device_slow_down());
            }
            return Err(e::device_pending());
        }
    }
    let DeviceStatus::Approved(upn) = std::mem::replace(&mut d.status, DeviceStatus::Redeemed)
    else {
        return Err(e::device_bad_code());
    };
    Ok(Approved {
        upn,
        scope: d.scope.clone(),
        v2: d.v2,
    })
}

/// A device code whose sign-in finished.
pub struct Approved {
    pub upn: String,
    pub scope: String,
    pub v2: bool,
}

fn code_form(error: Option<&str>) -> Reply {
    signin::page(
        "Enter code",
        error,
        "<form method=\"post\" action=\"/common/oauth2/deviceauth\">\n<p>Enter the code displayed on your app or device.</p>\n<input type=\"text\" name=\"otc\" placeholder=\"Code\" autocomplete=\"off\">\n<input type=\"submit\" value=\"Next\">\n</form>\n",
    )
}

/// `GET /devicelogin`: the page asking for the code.
pub fn verification_page(_sim: &Sim, _req: &Req) -> Reply {
    code_form(None)
}

/// `POST /common/oauth2/deviceauth`: the code typed; a good one starts the sign-in.
pub fn enter_code(sim: &Sim, req: &Req) -> Reply {
    if req.method != "POST" {
        return code_form(None);
    }
    let typed: String = req
        .form()
        .get("otc")
        .map(|s| {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_uppercase()
        })
        .unwrap_or_default();
    let found = sim.signin.lock().ok().and_then(|st| {
        st.devices.iter().find_map(|(dc, d)| {
            (d.user_code == typed).then(|| {
                (
                    dc.clone(),
                    d.app_id.clone(),
                    d.tenant.clone(),
                    d.scope.clone(),
                    d.v2,
                    d.expires,
                    matches!(d.status, DeviceStatus::Pending),
                )
            })
        })
    });
    let Some((device_code, app_id, tenant, scope, v2, expires, pending)) = found else {
        return code_form(Some("That code didn't work. Check the code and try again."));
    };
    if req.now >= expires || !pending {
        return code_form(Some(
            "AADSTS70019: The code you entered has expired. Get a new code from the device you're trying to sign in to and try again.",
        ));
    }
    signin::begin(
        sim,
        Flow {
            app_id,
            tenant,
            scope,
            v2,
            kind: FlowKind::Device { device_code },
            step: Step::Confirm,
            upn: None,
            mfa_done: false,
        },
    )
}
