//! The Azure Instance Metadata Service token endpoint (`/metadata/identity/oauth2/token`), as a
//! managed identity sees it: the `Metadata: true` header, `resource`, an optional `client_id` /
//! `object_id` / `msi_res_id`, and "Identity not found" when the resource has no such identity.
//! azure-identity reaches it through `AZURE_POD_IDENTITY_AUTHORITY_HOST`.

use super::aad_error;
use super::http::{Reply, Req};
use super::tokens::{self, ClientAuth, Grant};
use super::Sim;
use serde_json::json;

fn imds_error(status: u16, error: &str, description: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

pub fn handle(sim: &Sim, req: &Req) -> Reply {
    let w = &sim.world;
    if req.method != "GET" {
        return imds_error(405, "invalid_request", "Only GET is supported");
    }
    if !req
        .header("metadata")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return imds_error(
            400,
            "invalid_request",
            "Required metadata header not specified",
        );
    }
    let Some(resource) = req.query.get("resource").filter(|r| !r.is_empty()) else {
        return imds_error(
            400,
            "invalid_request",
            "Required query variable 'resource' is missing",
        );
    };
    let identity = w
        .scenario
        .managed_identity
        .as_ref()
        .and_then(|mi| w.app_by_name(&mi.app));
    let Some(app) = identity else {
        return imds_error(400, "invalid_request", "Identity not found");
    };
    let asked_other = req
        .query
        .get("client_id")
        .is_some_and(|c| !c.eq_ignore_ascii_case(&app.app_id))
        || req
            .query
            .get("object_id")
            .or_else(|| req.query.get("principal_id"))
            .is_some_and(|o| !o.eq_ignore_ascii_case(&app.sp_object_id));
    if asked_other {
        return imds_error(400, "invalid_request", "Identity not found");
    }
    let resource_uri = resource.strip_suffix("/.default").unwrap_or(resource);
    let Some(res) = w.resource(resource_uri) else {
        let e = aad_error::resource_not_found(resource_uri, w.tenant_name());
        return imds_error(
            400,
            "invalid_resource",
            &format!("AADSTS{}: {}", e.code, e.message),
        );
    };
    let g = Grant {
        app,
        resource: &res,
        resource_as_asked: resource_uri.to_string(),
        user: None,
        roles: w.granted_roles(app, &res.app_id),
        scopes: vec![],
        auth: ClientAuth::Assertion,
    };
    let (token, exp) = tokens::mint(w, &sim.info.authority, &g, req.now);
    let expires_in = exp - req.now;
    Reply::json(
        200,
        &json!({
            "access_token": token,
            "client_id": app.app_id,
            "expires_in": expires_in.to_string(),
            "expires_on": exp.to_string(),
            "ext_expires_in": expires_in.to_string(),
            "not_before": (req.now - 300).to_string(),
            "resource": resource_uri,
            "token_type": "Bearer",
        }),
    )
}
