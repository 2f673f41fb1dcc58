//! Microsoft Graph writes, the ones `authcheck fix` makes: admin consent (a delegated grant or an
//! app role assignment), a user's assignment to an app, a service principal for an app id, the app's public client setting and
//! redirect URIs, a new client secret, a federated credential. Each checks the caller's token the
//! way Graph does (the application permission in `roles`, or the delegated one in `scp`) and
//! answers 403 `Authorization_RequestDenied` without it; a duplicate is refused as Graph refuses
//! it, so nothing is ever made twice.
//!
//! Permissions (least privileged first), from the Graph reference pages:
//! - `POST /oauth2PermissionGrants`: DelegatedPermissionGrant.ReadWrite.All
//!   (<https://learn.microsoft.com/en-us/graph/api/oauth2permissiongrant-post>)
//! - `POST /servicePrincipals/{id}/appRoleAssignedTo`: AppRoleAssignment.ReadWrite.All and
//!   Application.Read.All (<https://learn.microsoft.com/en-us/graph/api/serviceprincipal-post-approleassignedto>)
//! - `POST /servicePrincipals`: Application.ReadWrite.All
//!   (<https://learn.microsoft.com/en-us/graph/api/serviceprincipal-post-serviceprincipals>)
//! - `PATCH /servicePrincipals/{id}` (assignment required off): Application.ReadWrite.All
//!   (<https://learn.microsoft.com/en-us/graph/api/serviceprincipal-update>)
//! - `PATCH /oauth2PermissionGrants/{id}` (more scopes on a grant): DelegatedPermissionGrant.ReadWrite.All
//!   (<https://learn.microsoft.com/en-us/graph/api/oauth2permissiongrant-update>)
//! - `PATCH /applications/{id}`, `POST …/addPassword`, `POST …/federatedIdentityCredentials`:
//!   Application.ReadWrite.All (<https://learn.microsoft.com/en-us/graph/api/application-update>,
//!   <https://learn.microsoft.com/en-us/graph/api/application-addpassword>,
//!   <https://learn.microsoft.com/en-us/graph/api/application-post-federatedidentitycredentials>)
//!
//! The duplicate and not-found messages are our reading of what Graph answers, not copies.

use super::aad_error::iso;
use super::graph::{self, error, key_segment, Key};
use super::http::{Reply, Req};
use super::scenario::{derived_guid, FederatedCredentialSpec};
use super::tokens::{self, Claims};
use super::world::{permission_id, Secret, World};
use super::Sim;
use authcheck_model::knowledge::apis;
use serde_json::{json, Value};

const WRITE_APPS: &[&str] = &["Application.ReadWrite.All", "Directory.ReadWrite.All"];
const WRITE_GRANTS: &[&str] = &[
    "DelegatedPermissionGrant.ReadWrite.All",
    "Directory.ReadWrite.All",
];
const WRITE_APP_ROLES: &[&str] = &["AppRoleAssignment.ReadWrite.All"];
const READ_APPS: &[&str] = &[
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

/// The app role id of "default access" (an assignment with no particular role).
const DEFAULT_ACCESS: &str = "00000000-0000-0000-0000-000000000000";

/// A refused write: the reply Graph gives.
type Refusal = Reply;

/// Handles a write under the Graph base; `path` starts after the base.
pub fn handle(sim: &Sim, req: &Req, path: &str, claims: &Claims) -> Reply {
    let mut held = tokens::claim_list(claims, "roles");
    held.extend(tokens::claim_list(claims, "scp"));
    let has = |need: &[&str]| need.iter().any(|n| held.iter().any(|h| h == n));
    let denied = || {
        error(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
            req,
        )
    };
    let rest = path.trim_start_matches('/');
    let (version, rest) = rest.split_once('/').unwrap_or((rest, ""));
    if version != "v1.0" && version != "beta" {
        return error(
            400,
            "BadRequest",
            &format!("Invalid version: {version}"),
            req,
        );
    }
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(_) => {
            return error(
                400,
                "BadRequest",
                "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
                req,
            )
        }
    };
    let method = req.method.as_str();
    let first = segs.first().copied().unwrap_or("");
    let result = match (method, first, segs.len()) {
        ("POST", "oauth2PermissionGrants", 1) => {
            if !has(WRITE_GRANTS) {
                return denied();
            }
            add_grant(sim, req, &body)
        }
        ("PATCH", "oauth2PermissionGrants", 2) => {
            if !has(WRITE_GRANTS) {
                return denied();
            }
            update_grant(sim, req, segs[1], &body)
        }
        ("POST", "servicePrincipals", 1) => {
            if !has(WRITE_APPS) {
                return denied();
            }
            add_service_principal(sim, req, &body)
        }
        ("PATCH", "servicePrincipals", 2) => {
            if !has(WRITE_APPS) {
                return denied();
            }
            update_service_principal(sim, req, segs[1], &body)
        }
        ("POST", "servicePrincipals", 3) if segs[2] == "appRoleAssignedTo" => {
            if !(has(WRITE_APP_ROLES) && has(READ_APPS)) {
                return denied();
            }
            add_app_role_assignment(sim, req, segs[1], &body)
        }
        (_, f, _) if f.starts_with("applications") => {
            if !has(WRITE_APPS) {
                return denied();
            }
            // `applications/{objectId}/…` or `applications(appId='…')/…`.
            let (key, sub) = match key_segment(f, "applications") {
                Key::AppId(id) => (
                    sim.world.app_by_client_id(&id).map(|a| a.object_id.clone()),
                    segs.get(1).copied(),
                ),
                Key::None => (
                    segs.get(1)
                        .and_then(|id| sim.world.app_by_object_id(id))
                        .map(|a| a.object_id.clone()),
                    segs.get(2).copied(),
                ),
                Key::Bad => return error(400, "BadRequest", "Invalid object identifier.", req),
            };
            let Some(object_id) = key else {
                return not_found(req, segs.get(1).copied().unwrap_or(f));
            };
            match (method, sub) {
                ("PATCH", None) => update_application(sim, req, &object_id, &body),
                ("POST", Some("addPassword")) => add_password(sim, req, &object_id, &body),
                ("POST", Some("federatedIdentityCredentials")) => {
                    add_federated_credential(sim, req, &object_id, &body)
                }
                _ => Err(unsupported(req)),
            }
        }
        _ => Err(unsupported(req)),
    };
    result.unwrap_or_else(|r| r)
}

fn unsupported(req: &Req) -> Reply {
    error(
        405,
        "Request_BadRequest",
        "The simulator's Graph does not support this write.",
        req,
    )
}

fn not_found(req: &Req, id: &str) -> Reply {
    error(
        404,
        "Request_ResourceNotFound",
        &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        req,
    )
}

fn bad(req: &Req, msg: &str) -> Reply {
    error(400, "Request_BadRequest", msg, req)
}

fn str_field<'a>(req: &Req, body: &'a Value, name: &str) -> Result<&'a str, Refusal> {
    body[name]
        .as_str()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad(req, &format!("Property '{name}' is required.")))
}

/// The resource app id behind a service principal object id: a well-known API's or an app's.
fn resource_app_of_sp(w: &World, sp_id: &str) -> Option<String> {
    for api in apis::APIS {
        let Some(app_id) = api.app_id else { continue };
        if graph::api_sp_id(api.key).eq_ignore_ascii_case(sp_id)
            && w.resource(api.resource_uri).is_some()
        {
            return Some(app_id.to_string());
        }
    }
    w.app_by_sp_id(sp_id).map(|a| a.app_id.clone())
}

/// `POST /oauth2PermissionGrants`: admin consent for delegated permissions (AllPrincipals).
fn add_grant(sim: &Sim, req: &Req, body: &Value) -> Result<Reply, Refusal> {
    let client = str_field(req, body, "clientId")?;
    let resource = str_field(req, body, "resourceId")?;
    let scope = str_field(req, body, "scope")?;
    let consent = body["consentType"].as_str().unwrap_or("");
    if consent != "AllPrincipals" {
        // A per-user grant needs a principal; the repairs only make tenant-wide ones.
        return Err(bad(
            req,
            "The simulator only makes consentType 'AllPrincipals' grants.",
        ));
    }
    let w = &sim.world;
    if w.app_by_sp_id(client).is_none() {
        return Err(not_found(req, client));
    }
    let Some(rapp) = resource_app_of_sp(w, resource) else {
        return Err(not_found(req, resource));
    };
    let values: Vec<String> = scope.split_whitespace().map(String::from).collect();
    sim.world.write(|w| {
        let app = w
            .app_by_sp_id(client)
            .ok_or_else(|| not_found(req, client))?;
        let already = app
            .perms
            .iter()
            .any(|p| p.kind == "Scope" && p.granted && p.resource_app_id == rapp);
        if already {
            return Err(error(
                409,
                "Request_MultipleObjectsWithSameKeyValue",
                "Permission entry already exists.",
                req,
            ));
        }
        for v in &values {
            let id = permission_id("Scope", v, &rapp);
            w.grant_permission(client, &rapp, "Scope", v, &id, req.now);
        }
        let app = w
            .app_by_sp_id(client)
            .ok_or_else(|| not_found(req, client))?;
        let grant = graph::grants(w, app)
            .into_iter()
            .find(|g| g["resourceId"].as_str() == Some(resource))
            .unwrap_or(Value::Null);
        Ok(Reply::json(
            201,
            &with_context(sim, "oauth2PermissionGrants/$entity", grant),
        ))
    })
}

/// `PATCH /oauth2PermissionGrants/{id}`: the grant's `scope` replaced by the one sent (as Graph
/// does: the caller sends the scopes to keep with the new ones); 204 No Content.
/// <https://learn.microsoft.com/en-us/graph/api/oauth2permissiongrant-update>
fn update_grant(sim: &Sim, req: &Req, id: &str, body: &Value) -> Result<Reply, Refusal> {
    let scope = body["scope"]
        .as_str()
        .ok_or_else(|| bad(req, "Property 'scope' must be a string."))?;
    let values: Vec<String> = scope.split_whitespace().map(String::from).collect();
    let w = &sim.world;
    let found = w.apps.iter().find_map(|a| {
        graph::grants(w, a)
            .into_iter()
            .find(|g| g["id"].as_str().is_some_and(|g| g.eq_ignore_ascii_case(id)))
            .map(|g| {
                (
                    a.sp_object_id.clone(),
                    g["resourceId"].as_str().unwrap_or("").to_string(),
                )
            })
    });
    let Some((client, resource)) = found else {
        return Err(not_found(req, id));
    };
    let Some(rapp) = resource_app_of_sp(w, &resource) else {
        return Err(not_found(req, &resource));
    };
    sim.world.write(|w| {
        if let Some(app) = w.apps.iter_mut().find(|a| a.sp_object_id == client) {
            for p in app
                .perms
                .iter_mut()
                .filter(|p| p.kind == "Scope" && p.resource_app_id.eq_ignore_ascii_case(&rapp))
            {
                p.granted = values.contains(&p.value);
            }
        }
        for v in &values {
            let pid = permission_id("Scope", v, &rapp);
            w.grant_permission(&client, &rapp, "Scope", v, &pid, req.now);
        }
        Ok(Reply::empty(204))
    })
}

/// `POST /servicePrincipals/{id}/appRoleAssignedTo`: admin consent for an application permission.
fn add_app_role_assignment(
    sim: &Sim,
    req: &Req,
    resource_sp_id: &str,
    body: &Value,
) -> Result<Reply, Refusal> {
    let principal = str_field(req, body, "principalId")?;
    let resource = str_field(req, body, "resourceId")?;
    let role_id = str_field(req, body, "appRoleId")?;
    if !resource.eq_ignore_ascii_case(resource_sp_id) {
        return Err(bad(
            req,
            "The resourceId in the body must be the service principal in the URL.",
        ));
    }
    let w = &sim.world;
    // A group assigned to an app (default access): its members are let in.
    if let Some(g) = w
        .scenario
        .groups
        .iter()
        .find(|g| g.id().eq_ignore_ascii_case(principal))
    {
        let Some(app) = w.app_by_sp_id(resource) else {
            return Err(not_found(req, resource));
        };
        if role_id != DEFAULT_ACCESS {
            return Err(bad(
                req,
                &format!("The app role '{role_id}' is not defined on resource '{resource}'."),
            ));
        }
        let (gname, app_name) = (g.name.clone(), app.spec.name.clone());
        return sim.world.write(|w| {
            let g = w
                .scenario
                .groups
                .iter_mut()
                .find(|g| g.name == gname)
                .ok_or_else(|| not_found(req, principal))?;
            if g.assigned_to.contains(&app_name) {
                return Err(bad(
                    req,
                    "Permission being assigned already exists on the object",
                ));
            }
            g.assigned_to.push(app_name.clone());
            let (gid, gshown) = (g.id(), g.shown_name());
            let app = w
                .app_by_name(&app_name)
                .ok_or_else(|| not_found(req, resource))?;
            let v = json!({
                "id": derived_guid(&format!("assign:{gid}:{}", app.sp_object_id)),
                "deletedDateTime": null,
                "appRoleId": DEFAULT_ACCESS,
                "createdDateTime": iso(req.now),
                "principalDisplayName": gshown,
                "principalId": gid,
                "principalType": "Group",
                "resourceDisplayName": app.display_name,
                "resourceId": app.sp_object_id,
            });
            Ok(Reply::json(
                201,
                &with_context(sim, "appRoleAssignments/$entity", v),
            ))
        });
    }
    // A user assigned to an app (default access), as "Assignment required" asks.
    if let Some(user) = w
        .users
        .iter()
        .find(|u| u.object_id.eq_ignore_ascii_case(principal))
    {
        let Some(app) = w.app_by_sp_id(resource) else {
            return Err(not_found(req, resource));
        };
        if role_id != DEFAULT_ACCESS {
            return Err(bad(
                req,
                &format!("The app role '{role_id}' is not defined on resource '{resource}'."),
            ));
        }
        let (uid, uname, app_name) = (
            user.object_id.clone(),
            user.display_name.clone(),
            app.spec.name.clone(),
        );
        return sim.world.write(|w| {
            let u = w
                .users
                .iter_mut()
                .find(|u| u.object_id == uid)
                .ok_or_else(|| not_found(req, principal))?;
            if u.spec.assigned_to.contains(&app_name) {
                return Err(bad(
                    req,
                    "Permission being assigned already exists on the object",
                ));
            }
            u.spec.assigned_to.push(app_name.clone());
            let app = w
                .app_by_name(&app_name)
                .ok_or_else(|| not_found(req, resource))?;
            let v = json!({
                "id": derived_guid(&format!("assign:{uid}:{}", app.sp_object_id)),
                "deletedDateTime": null,
                "appRoleId": DEFAULT_ACCESS,
                "createdDateTime": iso(req.now),
                "principalDisplayName": uname,
                "principalId": uid,
                "principalType": "User",
                "resourceDisplayName": app.display_name,
                "resourceId": app.sp_object_id,
            });
            Ok(Reply::json(
                201,
                &with_context(sim, "appRoleAssignments/$entity", v),
            ))
        });
    }
    let Some(rapp) = resource_app_of_sp(w, resource) else {
        return Err(not_found(req, resource));
    };
    if w.app_by_sp_id(principal).is_none() {
        return Err(not_found(req, principal));
    }
    // Default access for an app on an API of the tenant that defines no app roles.
    // <https://learn.microsoft.com/en-us/graph/api/resources/approleassignment> (appRoleId)
    if role_id == DEFAULT_ACCESS {
        let api = w
            .app_by_sp_id(resource)
            .filter(|a| graph::own_app_roles(w, a).is_empty())
            .map(|a| a.spec.name.clone());
        let Some(api) = api else {
            return Err(bad(
                req,
                &format!("The app role '{role_id}' is not defined on resource '{resource}'."),
            ));
        };
        return sim.world.write(|w| {
            let app = w
                .apps
                .iter_mut()
                .find(|a| a.sp_object_id.eq_ignore_ascii_case(principal))
                .ok_or_else(|| not_found(req, principal))?;
            if app.spec.assigned_to_apis.contains(&api) {
                return Err(bad(
                    req,
                    "Permission being assigned already exists on the object",
                ));
            }
            app.spec.assigned_to_apis.push(api.clone());
            let (pid, pname) = (app.sp_object_id.clone(), app.display_name.clone());
            let r = w
                .app_by_name(&api)
                .ok_or_else(|| not_found(req, resource))?;
            let v = json!({
                "id": derived_guid(&format!("ara:{pid}:{}", r.sp_object_id)),
                "deletedDateTime": null,
                "appRoleId": DEFAULT_ACCESS,
                "createdDateTime": iso(req.now),
                "principalDisplayName": pname,
                "principalId": pid,
                "principalType": "ServicePrincipal",
                "resourceDisplayName": r.display_name,
                "resourceId": r.sp_object_id,
            });
            Ok(Reply::json(
                201,
                &with_context(sim, "appRoleAssignments/$entity", v),
            ))
        });
    }
    // The app role must be one the resource defines: here, one some app of the tenant requests.
    let Some(value) = w
        .apps
        .iter()
        .flat_map(|a| a.perms.iter())
        .find(|p| {
            p.kind == "Role" && p.resource_app_id == rapp && p.id.eq_ignore_ascii_case(role_id)
        })
        .map(|p| p.value.clone())
    else {
        return Err(bad(
            req,
            &format!("The app role '{role_id}' is not defined on resource '{resource}'."),
        ));
    };
    sim.world.write(|w| {
        if !w.grant_permission(principal, &rapp, "Role", &value, role_id, req.now) {
            return Err(bad(
                req,
                "Permission being assigned already exists on the object",
            ));
        }
        let app = w
            .app_by_sp_id(principal)
            .ok_or_else(|| not_found(req, principal))?;
        let (rid, rname) = graph::resource_sp(w, &rapp);
        let v = json!({
            "id": derived_guid(&format!("ara:{}:{role_id}", app.sp_object_id)),
            "deletedDateTime": null,
            "appRoleId": role_id,
            "createdDateTime": iso(req.now),
            "principalDisplayName": app.display_name,
            "principalId": app.sp_object_id,
            "principalType": "ServicePrincipal",
            "resourceDisplayName": rname,
            "resourceId": rid,
        });
        Ok(Reply::json(
            201,
            &with_context(sim, "appRoleAssignments/$entity", v),
        ))
    })
}

/// `PATCH /servicePrincipals/{id}`: `appRoleAssignmentRequired` ("Assignment required?"), the one
/// property the repairs change; 204 No Content.
/// <https://learn.microsoft.com/en-us/graph/api/serviceprincipal-update>
fn update_service_principal(
    sim: &Sim,
    req: &Req,
    sp_id: &str,
    body: &Value,
) -> Result<Reply, Refusal> {
    let required = match &body["appRoleAssignmentRequired"] {
        Value::Bool(b) => *b,
        Value::Null => return Err(unsupported(req)),
        _ => return Err(bad(req, "appRoleAssignmentRequired must be a boolean.")),
    };
    sim.world.write(|w| {
        let app = w
            .apps
            .iter_mut()
            .find(|a| a.sp_object_id.eq_ignore_ascii_case(sp_id) && a.spec.service_principal)
            .ok_or_else(|| not_found(req, sp_id))?;
        app.spec.assignment_required = required;
        Ok(Reply::empty(204))
    })
}

/// `POST /servicePrincipals`: the enterprise application of an app id (the scenario's own apps,
/// or a well-known API the tenant lacks).
fn add_service_principal(sim: &Sim, req: &Req, body: &Value) -> Result<Reply, Refusal> {
    let app_id = str_field(req, body, "appId")?.to_string();
    let in_use = || {
        error(
            409,
            "Request_MultipleObjectsWithSameKeyValue",
            &format!("The service principal cannot be created, updated, or restored because the service principal name {app_id} is already in use."),
            req,
        )
    };
    sim.world.write(|w| {
        if let Some(app) = w.apps.iter_mut().find(|a| a.app_id.eq_ignore_ascii_case(&app_id)) {
            if app.spec.service_principal {
                return Err(in_use());
            }
            app.spec.service_principal = true;
        } else if let Some(api) = apis::APIS
            .iter()
            .find(|a| a.app_id.is_some_and(|id| id.eq_ignore_ascii_case(&app_id)))
        {
            let missing = &mut w.scenario.tenant.missing_resource_principals;
            let before = missing.len();
            missing.retain(|k| apis::by_key(k).is_none_or(|m| m.key != api.key));
            if missing.len() == before {
                return Err(in_use());
            }
        } else {
            return Err(bad(
                req,
                &format!("The appId '{app_id}' of the service principal does not reference a valid application object."),
            ));
        }
        let sp = graph::service_principals(w)
            .into_iter()
            .map(|(v, _)| v)
            .find(|v| v["appId"].as_str().is_some_and(|a| a.eq_ignore_ascii_case(&app_id)))
            .unwrap_or(Value::Null);
        Ok(Reply::json(201, &with_context(sim, "servicePrincipals/$entity", sp)))
    })
}

/// `PATCH /applications/{id}`: `isFallbackPublicClient` and the redirect URIs of each platform.
/// As in Graph, a collection in the body replaces the one stored: the caller sends the old URIs
/// with the new.
fn update_application(
    sim: &Sim,
    req: &Req,
    object_id: &str,
    body: &Value,
) -> Result<Reply, Refusal> {
    let uris = |platform: &str| -> Result<Option<Vec<String>>, Refusal> {
        match &body[platform]["redirectUris"] {
            Value::Null => Ok(None),
            Value::Array(a) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(String::from)
                        .ok_or_else(|| bad(req, "redirectUris must be strings."))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            _ => Err(bad(req, "redirectUris must be an array.")),
        }
    };
    let public = match &body["isFallbackPublicClient"] {
        Value::Null => None,
        Value::Bool(b) => Some(*b),
        _ => return Err(bad(req, "isFallbackPublicClient must be a boolean.")),
    };
    let (spa, web, native) = (uris("spa")?, uris("web")?, uris("publicClient")?);
    sim.world.write(|w| {
        let app = w
            .app_by_object_id_mut(object_id)
            .ok_or_else(|| not_found(req, object_id))?;
        if let Some(b) = public {
            app.spec.public_client_flows = b;
        }
        if let Some(u) = spa {
            app.spec.spa_redirect_uris = u;
        }
        if let Some(u) = web {
            app.spec.web_redirect_uris = u;
        }
        if let Some(u) = native {
            app.spec.public_client_redirect_uris = u;
        }
        Ok(Reply::empty(204))
    })
}

/// `POST /applications/{id}/addPassword`: a new secret beside the others; its value is in this
/// answer only.
fn add_password(sim: &Sim, req: &Req, object_id: &str, body: &Value) -> Result<Reply, Refusal> {
    let cred = &body["passwordCredential"];
    let name = cred["displayName"].as_str().unwrap_or("").to_string();
    let end = match cred["endDateTime"].as_str() {
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|d| d.timestamp())
            .map_err(|_| bad(req, "endDateTime is not a date and time."))?,
        None => req.now + 2 * 365 * 86_400,
    };
    if end <= req.now {
        return Err(bad(req, "endDateTime must be in the future."));
    }
    let key_id = uuid::Uuid::new_v4().to_string();
    // Shaped like Entra's: three characters, `Q~`, then random characters.
    let random = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let value = format!("Sim8Q~{}", &random[..34]);
    sim.world.write(|w| {
        let app = w
            .app_by_object_id_mut(object_id)
            .ok_or_else(|| not_found(req, object_id))?;
        app.secrets.push(Secret {
            key_id: key_id.clone(),
            name: name.clone(),
            value: value.clone(),
            start: req.now,
            end,
        });
        Ok(Reply::json(
            200,
            &with_context(
                sim,
                "microsoft.graph.passwordCredential",
                json!({
                    "customKeyIdentifier": null,
                    "displayName": name,
                    "endDateTime": iso(end),
                    "hint": value.chars().take(3).collect::<String>(),
                    "keyId": key_id,
                    "secretText": value,
                    "startDateTime": iso(req.now),
                }),
            ),
        ))
    })
}

/// `POST /applications/{id}/federatedIdentityCredentials`.
fn add_federated_credential(
    sim: &Sim,
    req: &Req,
    object_id: &str,
    body: &Value,
) -> Result<Reply, Refusal> {
    let name = str_field(req, body, "name")?.to_string();
    let issuer = str_field(req, body, "issuer")?.to_string();
    let subject = str_field(req, body, "subject")?.to_string();
    let audiences: Vec<String> = body["audiences"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if audiences.len() != 1 {
        return Err(bad(req, "audiences must hold exactly one value."));
    }
    sim.world.write(|w| {
        let app = w
            .app_by_object_id_mut(object_id)
            .ok_or_else(|| not_found(req, object_id))?;
        let fics = &app.spec.federated_credentials;
        if fics.iter().any(|f| f.name.eq_ignore_ascii_case(&name)) {
            return Err(error(
                409,
                "Request_MultipleObjectsWithSameKeyValue",
                &format!("A federated identity credential named '{name}' already exists on this application."),
                req,
            ));
        }
        if fics.iter().any(|f| {
            f.subject == subject
                && f.issuer.as_deref().unwrap_or(&sim.info.federation_issuer) == issuer
        }) {
            return Err(error(
                409,
                "Request_MultipleObjectsWithSameKeyValue",
                "A federated identity credential with this issuer and subject already exists on this application.",
                req,
            ));
        }
        let id = derived_guid(&format!("fic:{}:{name}", app.spec.name));
        app.spec.federated_credentials.push(FederatedCredentialSpec {
            name: name.clone(),
            issuer: Some(issuer.clone()),
            subject: subject.clone(),
            audiences: audiences.clone(),
        });
        Ok(Reply::json(
            201,
            &with_context(
                sim,
                &format!("applications('{object_id}')/federatedIdentityCredentials/$entity"),
                json!({"id": id, "name": name, "issuer": issuer, "subject": subject, "description": null, "audiences": audiences}),
            ),
        ))
    })
}

fn with_context(sim: &Sim, ctx: &str, v: Value) -> Value {
    let mut out = json!({
        "@odata.context": format!("{}/v1.0/$metadata#{ctx}", sim.info.graph.trim_end_matches('/')),
    });
    if let (Some(o), Value::Object(m)) = (out.as_object_mut(), v) {
        o.extend(m);
    }
    out
}
