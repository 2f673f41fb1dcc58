//! The authorize endpoint (`/{tenant}/oauth2/v2.0/authorize` and the v1 form), as far as the
//! simulator can take an interactive sign-in: it checks the client and the redirect URI the way
//! Entra does before showing a sign-in page, and renders Entra's error page (AADSTS50011 and kin)
//! when they are wrong. There is no user interface behind it.

use super::aad_error::{self as e, AadError};
use super::http::{Reply, Req};
use super::Sim;

fn page(sim: &Sim, req: &Req, err: &AadError) -> Reply {
    let trace = uuid::Uuid::new_v4().to_string();
    let corr = req.correlation_id();
    let ts = e::entra_timestamp(req.now);
    let msg = html_escape(&err.message);
    let _ = sim;
    Reply::html(
        err.status,
        &format!(
            "<!DOCTYPE html>\n<html dir=\"ltr\" lang=\"en\"><head><title>Sign in to your account</title></head>\n<body>\n<div id=\"error\">\n<h1>Sorry, but we're having trouble signing you in.</h1>\n<p>AADSTS{}: {msg}</p>\n<table><tr><td>Request Id:</td><td>{trace}</td></tr><tr><td>Correlation Id:</td><td>{corr}</td></tr><tr><td>Timestamp:</td><td>{ts}</td></tr><tr><td>Message:</td><td>AADSTS{}: {msg}</td></tr></table>\n</div>\n</body></html>\n",
            err.code, err.code
        ),
    )
    .header("x-ms-request-id", trace)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

pub fn handle(sim: &Sim, req: &Req, tenant_seg: &str) -> Reply {
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
        Some(r) if !registered.contains(&r) => page(
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
        _ => Reply::html(
            200,
            "<!DOCTYPE html>\n<html><head><title>Sign in to your account</title></head><body><p>authcheck sim: the request is valid; the simulator has no interactive sign-in.</p></body></html>\n",
        ),
    }
}
