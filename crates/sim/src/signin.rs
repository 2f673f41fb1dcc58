//! The interactive sign-in both delegated flows share: real HTML pages a browser (or a test posting
//! forms) completes — account, password, an MFA prompt when the user has MFA or conditional access
//! asks for it, a consent screen when consent is missing and the user may give it — and Entra's
//! decisions between them (conditional access blocks, user assignment, consent). A device-code
//! sign-in starts at the verification page (`/devicelogin`); an authorization-code sign-in at
//! `/authorize`. Every step posts to `/{tenant}/login` with the flow's `flowToken`.
//!
//! The state (flows under way, device codes, authorization codes, the consents users gave) lives
//! in [`State`], one per running simulator.

use super::aad_error::{self as e, AadError};
use super::http::{percent_encode, Reply, Req};
use super::world::{App, User};
use super::Sim;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::collections::{HashMap, HashSet};

/// What the sign-ins under way and their results are.
#[derive(Default)]
pub struct State {
    /// Sign-ins in progress, by `flowToken`.
    pub flows: HashMap<String, Flow>,
    /// Device codes handed out, by `device_code`.
    pub devices: HashMap<String, DeviceGrant>,
    /// Authorization codes handed out, by value.
    pub codes: HashMap<String, AuthCode>,
    /// Delegated permissions users consented to: (app id, upn, resource app id, permission), all
    /// lower-cased but the permission.
    pub consents: HashSet<(String, String, String, String)>,
}

/// One sign-in in progress.
pub struct Flow {
    pub app_id: String,
    /// The tenant segment the flow began on (its pages post there).
    pub tenant: String,
    /// `scope` (v2) or `resource` (v1) as the client asked.
    pub scope: String,
    pub v2: bool,
    pub kind: FlowKind,
    pub step: Step,
    pub upn: Option<String>,
    pub mfa_done: bool,
}

/// Where a sign-in came from, and where its result goes.
pub enum FlowKind {
    Device {
        device_code: String,
    },
    Authorize {
        redirect_uri: String,
        state: Option<String>,
        /// (method, challenge) of PKCE.
        challenge: Option<(String, String)>,
        nonce: Option<String>,
        /// `query` (a 302) or `form_post` (a page that posts the answer to the redirect URI).
        form_post: bool,
    },
}

/// The page a sign-in waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Device code only: "Are you trying to sign in to …?"
    Confirm,
    Account,
    Password,
    Mfa,
    Consent,
}

/// A device code and where its sign-in stands.
pub struct DeviceGrant {
    pub user_code: String,
    pub app_id: String,
    pub tenant: String,
    pub scope: String,
    pub v2: bool,
    pub expires: i64,
    pub interval_ms: u64,
    pub last_poll: Option<std::time::Instant>,
    pub polls: u32,
    pub status: DeviceStatus,
}

pub enum DeviceStatus {
    Pending,
    Approved(String),
    Declined,
    Failed(AadError),
    Redeemed,
}

/// An authorization code and what it was issued for.
pub struct AuthCode {
    pub app_id: String,
    pub upn: String,
    pub redirect_uri: String,
    pub challenge: Option<(String, String)>,
    pub scope: String,
    pub v2: bool,
    pub nonce: Option<String>,
    pub issued: i64,
    pub redeemed: bool,
}

/// A random URL-safe value of `bytes` random bytes.
pub fn random_token(bytes: usize) -> String {
    let mut v = Vec::with_capacity(bytes);
    while v.len() < bytes {
        v.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    v.truncate(bytes);
    URL_SAFE_NO_PAD.encode(v)
}

/// A user code as Entra shows them: nine letters and digits, easy to type.
pub fn user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    uuid::Uuid::new_v4().as_bytes()[..9]
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect()
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// One sign-in page: Entra's title, a heading, an optional error line, and a form.
pub fn page(heading: &str, error: Option<&str>, form: &str) -> Reply {
    let err = error
        .map(|m| {
            format!(
                "<div id=\"usernameError\" role=\"alert\">{}</div>\n",
                html_escape(m)
            )
        })
        .unwrap_or_default();
    Reply::html(
        200,
        &format!(
            "<!DOCTYPE html>\n<html dir=\"ltr\" lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>Sign in to your account</title></head>\n<body>\n<div id=\"lightbox\">\n<div role=\"heading\" aria-level=\"1\">{}</div>\n{err}{form}</div>\n</body></html>\n",
            html_escape(heading)
        ),
    )
    .header("Cache-Control", "no-store, no-cache")
    .header("X-Frame-Options", "DENY")
}

/// A form posting to `action` with the flow's token and the given inputs and buttons.
fn form(action: &str, flow_token: &str, inputs: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{}\">\n<input type=\"hidden\" name=\"flowToken\" value=\"{}\">\n{inputs}</form>\n",
        html_escape(action),
        html_escape(flow_token)
    )
}

/// Entra's error page: the AADSTS line, request and correlation ids, the time.
pub fn error_page(req: &Req, err: &AadError) -> Reply {
    let trace = uuid::Uuid::new_v4().to_string();
    let corr = req.correlation_id();
    let ts = e::entra_timestamp(req.now);
    let msg = html_escape(&err.headline());
    Reply::html(
        if err.status == 200 { 200 } else { err.status },
        &format!(
            "<!DOCTYPE html>\n<html dir=\"ltr\" lang=\"en\"><head><link rel=\"icon\" href=\"data:,\"><title>Sign in to your account</title></head>\n<body>\n<div id=\"error\">\n<h1>Sorry, but we're having trouble signing you in.</h1>\n<p>{msg}</p>\n<table><tr><td>Request Id:</td><td>{trace}</td></tr><tr><td>Correlation Id:</td><td>{corr}</td></tr><tr><td>Timestamp:</td><td>{ts}</td></tr><tr><td>Message:</td><td>{msg}</td></tr></table>\n</div>\n</body></html>\n"
        ),
    )
    .header("x-ms-request-id", trace)
}

/// Starts a sign-in and shows its first page.
pub fn begin(sim: &Sim, flow: Flow) -> Reply {
    let token = random_token(48);
    let reply = show(sim, &token, &flow, None);
    if let Ok(mut st) = sim.signin.lock() {
        st.flows.insert(token, flow);
    }
    reply
}

/// The page of the step a flow waits on.
fn show(sim: &Sim, token: &str, flow: &Flow, error: Option<&str>) -> Reply {
    let w = &sim.world;
    let action = format!("/{}/login", flow.tenant);
    let app_name = w
        .app_by_client_id(&flow.app_id)
        .map(|a| a.display_name.clone())
        .unwrap_or_else(|| flow.app_id.clone());
    let upn = flow.upn.clone().unwrap_or_default();
    match flow.step {
        Step::Confirm => page(
            &format!("Are you trying to sign in to {app_name}?"),
            error,
            &form(
                &action,
                token,
                "<p>Only continue if you downloaded the app from a store or website that you trust.</p>\n<button type=\"submit\" name=\"continue\" value=\"no\">Cancel</button>\n<button type=\"submit\" name=\"continue\" value=\"yes\">Continue</button>\n",
            ),
        ),
        Step::Account => page(
            "Sign in",
            error,
            &form(
                &action,
                token,
                "<input type=\"email\" name=\"login\" placeholder=\"Email, phone, or Skype\" autocomplete=\"username\">\n<input type=\"submit\" value=\"Next\">\n",
            ),
        ),
        Step::Password => page(
            "Enter password",
            error,
            &form(
                &action,
                token,
                &format!(
                    "<div>{}</div>\n<input type=\"password\" name=\"passwd\" placeholder=\"Password\" autocomplete=\"current-password\">\n<input type=\"submit\" value=\"Sign in\">\n",
                    html_escape(&upn)
                ),
            ),
        ),
        Step::Mfa => page(
            "Enter code",
            error,
            &form(
                &action,
                token,
                "<p>Enter the code displayed in the authenticator app on your mobile device.</p>\n<input type=\"tel\" name=\"otc\" placeholder=\"Code\" autocomplete=\"one-time-code\">\n<input type=\"submit\" value=\"Verify\">\n",
            ),
        ),
        Step::Consent => {
            let scopes = requested_permissions(sim, flow).join(", ");
            page(
                "Permissions requested",
                error,
                &form(
                    &action,
                    token,
                    &format!(
                        "<p>{} needs permission to: {}</p>\n<button type=\"submit\" name=\"consent\" value=\"decline\">Cancel</button>\n<button type=\"submit\" name=\"consent\" value=\"accept\">Accept</button>\n",
                        html_escape(&app_name),
                        html_escape(&scopes)
                    ),
                ),
            )
        }
    }
}

/// `POST /{tenant}/login`: one step of a sign-in.
pub fn post_step(sim: &Sim, req: &Req) -> Reply {
    if req.method != "POST" {
        return error_page(req, &e::post_only(&req.method));
    }
    let f = req.form();
    let Some(token) = f.get("flowToken").cloned() else {
        return error_page(req, &e::missing_parameter("flowToken"));
    };
    let Some(mut flow) = sim
        .signin
        .lock()
        .ok()
        .and_then(|mut s| s.flows.remove(&token))
    else {
        // An unknown or finished flow: Entra says the flow token expired.
        return error_page(
            req,
            &AadError::new(
                400,
                "invalid_request",
                50089,
                "Flow token expired. Authentication failed: start the sign-in again.",
            ),
        );
    };
    let w = &sim.world;
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let retry = |flow: Flow, msg: &str| {
        let r = show(sim, &token, &flow, Some(msg));
        if let Ok(mut st) = sim.signin.lock() {
            st.flows.insert(token.clone(), flow);
        }
        r
    };
    match flow.step {
        Step::Confirm => {
            if get("continue") != "yes" {
                return decline(sim, req, flow);
            }
            flow.step = Step::Account;
            retry_free(sim, &token, flow)
        }
        Step::Account => {
            let login = get("login");
            match w.user_by_upn(&login) {
                Some(u) => {
                    flow.upn = Some(u.spec.upn.clone());
                    flow.step = Step::Password;
                    retry_free(sim, &token, flow)
                }
                None => retry(
                    flow,
                    "AADSTS50034: We couldn't find an account with that username. Try another, or check the tenant.",
                ),
            }
        }
        Step::Password => {
            let Some(user) = flow.upn.as_deref().and_then(|u| w.user_by_upn(u)) else {
                flow.step = Step::Account;
                return retry(flow, "Enter your account first.");
            };
            if get("passwd") != user.spec.password {
                return retry(flow, "AADSTS50126: Your account or password is incorrect.");
            }
            decide(sim, req, &token, flow)
        }
        Step::Mfa => {
            let Some(user) = flow.upn.as_deref().and_then(|u| w.user_by_upn(u)) else {
                flow.step = Step::Account;
                return retry(flow, "Enter your account first.");
            };
            if get("otc") != user.spec.mfa_code {
                return retry(
                    flow,
                    "You didn't enter the expected verification code. Please try again.",
                );
            }
            flow.mfa_done = true;
            decide(sim, req, &token, flow)
        }
        Step::Consent => {
            if get("consent") != "accept" {
                return fail(sim, req, flow, e::consent_declined());
            }
            record_consent(sim, &flow);
            finish(sim, req, flow)
        }
    }
}

/// Shows the flow's next page and keeps the flow.
fn retry_free(sim: &Sim, token: &str, flow: Flow) -> Reply {
    let r = show(sim, token, &flow, None);
    if let Ok(mut st) = sim.signin.lock() {
        st.flows.insert(token.to_string(), flow);
    }
    r
}

/// After the password (and after MFA): Entra's decisions, in its order — conditional access that
/// blocks, the second factor, user assignment, consent.
fn decide(sim: &Sim, req: &Req, token: &str, mut flow: Flow) -> Reply {
    let w = &sim.world;
    let (Some(app), Some(user)) = (
        w.app_by_client_id(&flow.app_id),
        flow.upn.as_deref().and_then(|u| w.user_by_upn(u)),
    ) else {
        return fail(sim, req, flow, e::login_required());
    };
    let ca = w.ca_for(app, Some(user));
    if ca.is_some_and(|p| p.grant == "block") {
        return fail(sim, req, flow, e::ca_blocked());
    }
    if (user.spec.mfa || ca.is_some_and(|p| p.grant == "mfa")) && !flow.mfa_done {
        if user.spec.mfa_code.is_empty() {
            // No method registered: the sign-in cannot go on until the user registers one.
            let resource = super::token_endpoint::target_of(&flow.scope, flow.v2)
                .ok()
                .and_then(|t| w.resource(&t.resource))
                .map(|r| r.app_id)
                .unwrap_or_default();
            return fail(sim, req, flow, e::mfa_registration_required(&resource));
        }
        flow.step = Step::Mfa;
        return retry_free(sim, token, flow);
    }
    if app.spec.assignment_required && !w.user_assigned(app, user) {
        let err = e::user_not_assigned(&app.display_name, &app.app_id, &user.spec.upn);
        return fail(sim, req, flow, err);
    }
    match consent_state(sim, app, user, &flow.scope, flow.v2) {
        Ok(()) => finish(sim, req, flow),
        Err(err) if err.code == 65001 && user.spec.may_consent => {
            flow.step = Step::Consent;
            retry_free(sim, token, flow)
        }
        Err(err) => fail(sim, req, flow, err),
    }
}

/// Whether every permission the sign-in asks for is consented (by an admin for everyone, or by
/// this user).
pub fn consent_state(
    sim: &Sim,
    app: &App,
    user: &User,
    scope: &str,
    v2: bool,
) -> Result<(), AadError> {
    let target = super::token_endpoint::target_of(scope, v2)?;
    let Some(resource) = sim.world.resource(&target.resource) else {
        return Err(e::resource_not_found(
            &target.resource,
            sim.world.tenant_name(),
        ));
    };
    super::token_endpoint::delegated_scopes(sim, app, Some(user), &resource, &target).map(|_| ())
}

/// The permissions a consent screen lists: those named, or for `.default` every delegated
/// permission the app registration requests of the resource.
fn requested_permissions(sim: &Sim, flow: &Flow) -> Vec<String> {
    let w = &sim.world;
    let Ok(target) = super::token_endpoint::target_of(&flow.scope, flow.v2) else {
        return vec![];
    };
    if !target.permissions.is_empty() {
        return target.permissions;
    }
    let (Some(app), Some(res)) = (
        w.app_by_client_id(&flow.app_id),
        w.resource(&target.resource),
    ) else {
        return vec![];
    };
    app.perms
        .iter()
        .filter(|p| p.kind == "Scope" && p.resource_app_id.eq_ignore_ascii_case(&res.app_id))
        .map(|p| p.value.clone())
        .collect()
}

fn record_consent(sim: &Sim, flow: &Flow) {
    let w = &sim.world;
    let Ok(target) = super::token_endpoint::target_of(&flow.scope, flow.v2) else {
        return;
    };
    let Some(res) = w.resource(&target.resource) else {
        return;
    };
    let perms = requested_permissions(sim, flow);
    let upn = flow.upn.clone().unwrap_or_default().to_ascii_lowercase();
    if let Ok(mut st) = sim.signin.lock() {
        for p in perms {
            st.consents.insert((
                flow.app_id.to_ascii_lowercase(),
                upn.clone(),
                res.app_id.to_ascii_lowercase(),
                p,
            ));
        }
    }
}

/// Whether `upn` consented to `permission` of the resource for the app.
pub fn user_consented(
    sim: &Sim,
    app_id: &str,
    upn: &str,
    resource_app_id: &str,
    perm: &str,
) -> bool {
    sim.signin.lock().is_ok_and(|st| {
        st.consents.contains(&(
            app_id.to_ascii_lowercase(),
            upn.to_ascii_lowercase(),
            resource_app_id.to_ascii_lowercase(),
            perm.to_string(),
        ))
    })
}

/// The sign-in succeeded: approve the device code, or redirect with an authorization code.
fn finish(sim: &Sim, req: &Req, flow: Flow) -> Reply {
    let upn = flow.upn.clone().unwrap_or_default();
    let app_name = sim
        .world
        .app_by_client_id(&flow.app_id)
        .map(|a| a.display_name.clone())
        .unwrap_or_default();
    match flow.kind {
        FlowKind::Device { device_code } => {
            if let Ok(mut st) = sim.signin.lock() {
                if let Some(d) = st.devices.get_mut(&device_code) {
                    d.status = DeviceStatus::Approved(upn);
                }
            }
            page(
                &app_name,
                None,
                "<p>You have signed in to the application on your device. You may now close this window.</p>\n",
            )
        }
        FlowKind::Authorize {
            redirect_uri,
            state,
            challenge,
            nonce,
            form_post,
        } => {
            let code = format!("1.{}", random_token(96));
            if let Ok(mut st) = sim.signin.lock() {
                st.codes.insert(
                    code.clone(),
                    AuthCode {
                        app_id: flow.app_id.clone(),
                        upn,
                        redirect_uri: redirect_uri.clone(),
                        challenge,
                        scope: flow.scope.clone(),
                        v2: flow.v2,
                        nonce,
                        issued: req.now,
                        redeemed: false,
                    },
                );
            }
            let mut q = vec![("code", code)];
            if let Some(s) = state {
                q.push(("state", s));
            }
            q.push(("session_state", uuid::Uuid::new_v4().to_string()));
            answer(&redirect_uri, &q, form_post)
        }
    }
}

/// The device code's sign-in was cancelled on the "are you trying to sign in" page.
fn decline(sim: &Sim, req: &Req, flow: Flow) -> Reply {
    match &flow.kind {
        FlowKind::Device { device_code } => {
            if let Ok(mut st) = sim.signin.lock() {
                if let Some(d) = st.devices.get_mut(device_code) {
                    d.status = DeviceStatus::Declined;
                }
            }
            page(
                "Sign-in cancelled",
                None,
                "<p>You have declined to sign in to the application on your device. You may now close this window.</p>\n",
            )
        }
        FlowKind::Authorize { .. } => fail(sim, req, flow, e::consent_declined()),
    }
}

/// The sign-in failed: the device code's poll will say so and the page shows Entra's error; an
/// authorization request goes back to the app with `error` and `error_description`.
pub fn fail(sim: &Sim, req: &Req, flow: Flow, err: AadError) -> Reply {
    match flow.kind {
        FlowKind::Device { device_code } => {
            let page = error_page(req, &err);
            if let Ok(mut st) = sim.signin.lock() {
                if let Some(d) = st.devices.get_mut(&device_code) {
                    d.status = DeviceStatus::Failed(err);
                }
            }
            page
        }
        FlowKind::Authorize {
            redirect_uri,
            state,
            form_post,
            ..
        } => error_answer(req, &redirect_uri, state.as_deref(), &err, form_post),
    }
}

/// The OAuth `error` an authorization response carries for an AADSTS code.
fn authorize_error(err: &AadError) -> &'static str {
    match err.code {
        65001 => "consent_required",
        50076 | 50079 => "interaction_required",
        50058 => "login_required",
        65004 | 50105 | 53003 => "access_denied",
        _ => {
            if err.error == "invalid_grant" {
                "invalid_request"
            } else {
                err.error
            }
        }
    }
}

/// The error sent back to the app, as Entra sends it once the redirect URI is trusted: in a
/// redirect's query, or posted by a page (`response_mode=form_post`).
pub fn error_answer(
    req: &Req,
    redirect_uri: &str,
    state: Option<&str>,
    err: &AadError,
    form_post: bool,
) -> Reply {
    let trace = uuid::Uuid::new_v4().to_string();
    let desc = format!(
        "{}\r\nTrace ID: {trace}\r\nCorrelation ID: {}\r\nTimestamp: {}",
        err.headline(),
        req.correlation_id(),
        e::entra_timestamp(req.now)
    );
    let mut q = vec![
        ("error", authorize_error(err).to_string()),
        ("error_description", desc),
    ];
    if err.code != 0 {
        q.push((
            "error_uri",
            format!("https://login.microsoftonline.com/error?code={}", err.code),
        ));
    }
    if let Some(s) = state {
        q.push(("state", s.to_string()));
    }
    answer(redirect_uri, &q, form_post)
}

fn answer(uri: &str, q: &[(&str, String)], form_post: bool) -> Reply {
    if !form_post {
        return redirect(uri, q);
    }
    let inputs: String = q
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{k}\" value=\"{}\">\n",
                html_escape(v)
            )
        })
        .collect();
    Reply::html(
        200,
        &format!(
            "<!DOCTYPE html>\n<html><head><link rel=\"icon\" href=\"data:,\"><title>Working...</title></head>\n<body onload=\"document.forms[0].submit()\">\n<form method=\"POST\" name=\"hiddenform\" action=\"{}\">\n{inputs}<noscript><p>Script is disabled. Click Submit to continue.</p><input type=\"submit\" value=\"Submit\"></noscript>\n</form>\n</body></html>\n",
            html_escape(uri)
        ),
    )
    .header("Cache-Control", "no-store, no-cache")
}

fn redirect(uri: &str, q: &[(&str, String)]) -> Reply {
    let query: Vec<String> = q
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect();
    let sep = if uri.contains('?') { '&' } else { '?' };
    Reply::empty(302)
        .header("Location", format!("{uri}{sep}{}", query.join("&")))
        .header("Cache-Control", "no-store, no-cache")
}

/// Whether a redirect URI sent matches a registered one. Entra compares exactly, except that a
/// loopback URI registered without a port matches the same URI on any port (native apps pick a
/// free port at run time).
pub fn redirect_matches(registered: &str, sent: &str) -> bool {
    if registered == sent {
        return true;
    }
    let split = |u: &str| -> Option<(String, Option<String>, String)> {
        let rest = u.strip_prefix("http://")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p.to_string())),
            None => (authority, None),
        };
        let path = if path.is_empty() { "/" } else { path };
        Some((host.to_ascii_lowercase(), port, path.to_string()))
    };
    match (split(registered), split(sent)) {
        (Some((rh, None, rp)), Some((sh, _, sp))) => {
            matches!(rh.as_str(), "localhost" | "127.0.0.1") && rh == sh && rp == sp
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_ports_are_ignored_only_when_registered_without_one() {
        assert!(redirect_matches(
            "http://localhost",
            "http://localhost:53111"
        ));
        assert!(redirect_matches(
            "http://localhost",
            "http://localhost:53111/"
        ));
        assert!(!redirect_matches(
            "http://localhost:8400/",
            "http://localhost:8400/callback"
        ));
        assert!(!redirect_matches(
            "http://localhost:8400",
            "http://localhost:8401"
        ));
        assert!(!redirect_matches(
            "https://app.example/cb",
            "https://app.example/cb/"
        ));
    }

    #[test]
    fn user_codes_are_nine_typeable_characters() {
        let c = user_code();
        assert_eq!(c.len(), 9);
        assert!(c
            .chars()
            .all(|x| x.is_ascii_uppercase() || x.is_ascii_digit()));
    }
}
