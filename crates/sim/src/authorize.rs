//! The authorize endpoint (`/{tenant}/oauth2/v2.0/authorize` and the v1 form): it checks the
//! client and the redirect URI the way Entra does before showing a sign-in page, and renders
//! Entra's error page (AADSTS50011 and kin) when they are wrong; then the sign-in pages of
//! [`super::signin`] take over, ending in a redirect to the app with a code (PKCE-bound when the
//! request carried a challenge) or with `error` and `error_description`. `prompt=none` answers
//! at once: nobody is signed in to the simulator, so `login_required`.

use super::aad_error::{self as e, AadError};
use super::http::{Reply, Req};
use super::signin::{self, Flow, FlowKind, Step};
use super::Sim;

fn page(_sim: &Sim, req: &Req, err: &AadError) -> Reply {
    signin::error_page(req, err)
}

pub fn handle(sim: &Sim, req: &Req, tenant_seg: &str, v2: bool) -> Reply {
    let w = &sim.world;
    let multi = matches!(
        tenant_seg.to_ascii_lowercase().as_str(),
        "common" | "organizations"
    );
    if !multi && !w.is_this_tenant(tenant_seg) {
        return page(sim, req, &e::tenant_not_found(tenant_seg));
    }
    let q = &req.query;
    let Some(client_id) = q.get("client_id").filter(|c| !c.is_empty()) else {
        return page(sim, req, &e::missing_parameter("client_id"));
    };
    let Some(app) = w.app_by_client_id(client_id) else {
        return page(sim, req, &e::app_not_found(client_id, w.tenant_name()));
    };
    if multi && !app.multi_tenant() {
        return page(
            sim,
            req,
            &e::single_tenant_on_common(&app.app_id, &app.display_name),
        );
    }
    let registered: Vec<&String> = app
        .spec
        .web_redirect_uris
        .iter()
        .chain(&app.spec.spa_redirect_uris)
        .chain(&app.spec.public_client_redirect_uris)
        .collect();
    match q.get("redirect_uri") {
        None if registered.is_empty() => page(
            sim,
            req,
            &AadError::new(
                400,
                "invalid_request",
                500113,
                "No reply address is registered for the application.",
            ),
        ),
        Some(r) if !registered.iter().any(|g| signin::redirect_matches(g, r)) => page(
            sim,
            req,
            &AadError::new(
                400,
                "invalid_request",
                50011,
                format!("The redirect URI '{r}' specified in the request does not match the redirect URIs configured for the application '{}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.", app.app_id),
            ),
        ),
        _ if q.get("response_type").is_none_or(|r| r.is_empty()) => {
            page(sim, req, &e::missing_parameter("response_type"))
        }
        _ => start(sim, req, tenant_seg, app, v2),
    }
}

/// The request is acceptable: answer `prompt=none` at once, else show the first sign-in page.
fn start(sim: &Sim, req: &Req, tenant_seg: &str, app: &super::world::App, v2: bool) -> Reply {
    let q = &req.query;
    let redirect_uri = match q.get("redirect_uri") {
        Some(r) => r.clone(),
        None => app
            .spec
            .public_client_redirect_uris
            .iter()
            .chain(&app.spec.web_redirect_uris)
            .chain(&app.spec.spa_redirect_uris)
            .next()
            .cloned()
            .unwrap_or_default(),
    };
    let state = q.get("state").cloned();
    let key = if v2 { "scope" } else { "resource" };
    let scope = q.get(key).cloned().unwrap_or_default();
    let flow = |kind| Flow {
        app_id: app.app_id.clone(),
        tenant: tenant_seg.to_string(),
        scope: scope.clone(),
        v2,
        kind,
        step: Step::Account,
        upn: None,
        mfa_done: false,
    };
    let form_post = match q.get("response_mode").map(String::as_str) {
        None | Some("query") | Some("fragment") => false,
        Some("form_post") => true,
        Some(other) => {
            let err = AadError::new(
                400,
                "invalid_request",
                70007,
                format!("The provided value '{other}' for the input parameter 'response_mode' is not supported."),
            );
            return signin::error_answer(req, &redirect_uri, state.as_deref(), &err, false);
        }
    };
    let fail =
        |err: AadError| signin::error_answer(req, &redirect_uri, state.as_deref(), &err, form_post);
    if q.get("response_type").map(String::as_str) != Some("code") {
        return fail(AadError::new(
            400,
            "unsupported_response_type",
            70005,
            "The provided value for the input parameter 'response_type' is not allowed for this client. Expected value is 'code'.",
        ));
    }
    // A sign-in that asks only for OpenID Connect scopes (`openid profile`) is valid: Entra signs
    // the user in and issues an ID token.
    let oidc_only = !scope.trim().is_empty()
        && scope.split_whitespace().all(|s| {
            ["openid", "profile", "email", "offline_access"]
                .contains(&s.to_ascii_lowercase().as_str())
        });
    if v2 && !oidc_only && super::token_endpoint::target_of(&scope, v2).is_err() {
        return fail(e::scope_invalid(&scope));
    }
    let challenge = match (q.get("code_challenge"), q.get("code_challenge_method")) {
        (None, _) => None,
        (Some(c), _) if !(43..=128).contains(&c.len()) => {
            return fail(AadError::new(
                400,
                "invalid_request",
                50147,
                "The code_challenge is missing or has an invalid size: it must be 43 to 128 characters.",
            ));
        }
        (Some(c), m) => {
            let m = m.cloned().unwrap_or_else(|| "plain".into());
            if m != "S256" && m != "plain" {
                // Microsoft documents S256 and plain only; no AADSTS code is invented for others.
                return fail(AadError::new(
                    400,
                    "invalid_request",
                    0,
                    format!("The code_challenge_method '{m}' is not supported: use S256."),
                ));
            }
            Some((m, c.clone()))
        }
    };
    if q.get("prompt").map(String::as_str) == Some("none") {
        return fail(e::login_required());
    }
    signin::begin(
        sim,
        flow(FlowKind::Authorize {
            redirect_uri: redirect_uri.clone(),
            state: state.clone(),
            challenge,
            nonce: q.get("nonce").cloned(),
            form_post,
        }),
    )
}
