//! Microsoft Graph (`/v1.0/…`), the reads the doctor makes: the application and its service
//! principal, app role assignments both ways, delegated grants, federated credentials, sign-ins and
//! conditional access policies, with `$select`, `$filter`, `$top` paging through
//! `@odata.nextLink`, and Graph's error shape.

use super::aad_error::iso;
use super::http::{percent_encode, Reply, Req};
use super::scenario::derived_guid;
use super::tokens::{self, TokenProblem};
use super::world::{App, World};
use super::Sim;
use authcheck_model::knowledge::apis;
use serde_json::{json, Map, Value};

const READ_APPS: &[&str] = &[
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const READ_AUDIT: &[&str] = &["AuditLog.Read.All"];
const READ_USERS: &[&str] = &[
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const READ_POLICY: &[&str] = &["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"];

/// A Graph error reply.
pub fn error(status: u16, code: &str, message: &str, req: &Req) -> Reply {
    let rid = uuid::Uuid::new_v4().to_string();
    let date = chrono::DateTime::from_timestamp(req.now, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    Reply::json(
        status,
        &json!({"error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": date,
                "request-id": rid,
                "client-request-id": req.header("client-request-id").unwrap_or(&rid),
            }
        }}),
    )
    .header("request-id", rid)
}

/// Handles a request under the Graph base; `path` starts after the base.
pub fn handle(sim: &Sim, req: &Req, path: &str) -> Reply {
    let w = &sim.world;
    let graph = apis::by_key("graph").expect("graph is a known API");
    let claims = match tokens::check_bearer(w, &sim.info.authority, req, &|aud| {
        apis::audience_matches(graph, aud)
    }) {
        Ok(c) => c,
        Err(p) => {
            let msg = match p {
                TokenProblem::Missing => "Access token is empty.".to_string(),
                TokenProblem::Malformed => {
                    "IDX14100: JWT is not well formed, there are no dots (.).".to_string()
                }
                TokenProblem::BadSignature
                | TokenProblem::UnknownKey { .. }
                | TokenProblem::WrongIssuer { .. } => {
                    "Access token validation failure.".to_string()
                }
                TokenProblem::Expired { .. } => {
                    "Lifetime validation failed, the token is expired.".to_string()
                }
                TokenProblem::NotYetValid { .. } => {
                    "Lifetime validation failed, the token is not yet valid.".to_string()
                }
                TokenProblem::WrongAudience { .. } => {
                    "Access token validation failure. Invalid audience.".to_string()
                }
            };
            return error(401, "InvalidAuthenticationToken", &msg, req).header(
                "WWW-Authenticate",
                format!(
                    "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                    sim.info.authority.trim_end_matches('/')
                ),
            );
        }
    };
    if req.method != "GET" {
        return super::graph_write::handle(sim, req, path, &claims);
    }
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
    let mut held = tokens::claim_list(&claims, "roles");
    held.extend(tokens::claim_list(&claims, "scp"));
    let allowed = |need: &[&str]| need.iter().any(|n| held.iter().any(|h| h == n));
    let denied = || {
        error(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
            req,
        )
    };
    let base = format!("{}/{version}", sim.info.graph.trim_end_matches('/'));
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let first = segs.first().copied().unwrap_or("");

    // applications…
    if first.starts_with("applications") {
        if !allowed(READ_APPS) {
            return denied();
        }
        let app = match key_segment(first, "applications") {
            Key::None if segs.len() == 1 => {
                let all: Vec<Value> = w.apps.iter().map(|a| application(w, a)).collect();
                return collection(
                    req,
                    &format!("{base}/applications"),
                    path,
                    all,
                    "applications",
                );
            }
            Key::AppId(id) => w.app_by_client_id(&id),
            Key::None => segs.get(1).and_then(|id| w.app_by_object_id(id)),
            Key::Bad => return error(400, "BadRequest", "Invalid object identifier.", req),
        };
        let sub = if matches!(key_segment(first, "applications"), Key::AppId(_)) {
            segs.get(1).copied()
        } else {
            segs.get(2).copied()
        };
        let Some(app) = app else {
            return error(
                404,
                "Request_ResourceNotFound",
                &format!("Resource '{}' does not exist or one of its queried reference-property objects are not present.", segs.get(1).copied().unwrap_or(first)),
                req,
            );
        };
        return match sub {
            None => single(
                req,
                &format!("{base}/$metadata#applications/$entity"),
                application(w, app),
            ),
            Some("federatedIdentityCredentials") => {
                let items = app
                    .spec
                    .federated_credentials
                    .iter()
                    .map(|f| {
                        json!({
                            "id": derived_guid(&format!("fic:{}:{}", app.spec.name, f.name)),
                            "name": f.name,
                            "issuer": f.issuer.clone().unwrap_or_else(|| sim.info.federation_issuer.clone()),
                            "subject": f.subject,
                            "description": null,
                            "audiences": f.audiences,
                        })
                    })
                    .collect();
                collection(
                    req,
                    &format!(
                        "{base}/applications/{}/federatedIdentityCredentials",
                        app.object_id
                    ),
                    path,
                    items,
                    "federatedIdentityCredentials",
                )
            }
            Some(other) => error(
                400,
                "BadRequest",
                &format!("Resource not found for the segment '{other}'."),
                req,
            ),
        };
    }

    if first.starts_with("servicePrincipals") {
        if !allowed(READ_APPS) {
            return denied();
        }
        let sps = service_principals(w);
        let key = key_segment(first, "servicePrincipals");
        let (sp, sub) = match key {
            Key::None if segs.len() == 1 => {
                let all: Vec<Value> = sps.into_iter().map(|(v, _)| v).collect();
                return collection(
                    req,
                    &format!("{base}/servicePrincipals"),
                    path,
                    all,
                    "servicePrincipals",
                );
            }
            Key::AppId(id) => (
                sps.into_iter().find(|(v, _)| {
                    v["appId"]
                        .as_str()
                        .is_some_and(|a| a.eq_ignore_ascii_case(&id))
                }),
                segs.get(1).copied(),
            ),
            Key::None => (
                sps.into_iter().find(|(v, _)| {
                    v["id"]
                        .as_str()
                        .is_some_and(|a| segs.get(1).is_some_and(|s| a.eq_ignore_ascii_case(s)))
                }),
                segs.get(2).copied(),
            ),
            Key::Bad => return error(400, "BadRequest", "Invalid object identifier.", req),
        };
        let Some((sp, app)) = sp else {
            return error(
                404,
                "Request_ResourceNotFound",
                &format!("Resource '{}' does not exist or one of its queried reference-property objects are not present.", segs.get(1).copied().unwrap_or(first)),
                req,
            );
        };
        let sp_id = sp["id"].as_str().unwrap_or("").to_string();
        return match sub {
            None => single(
                req,
                &format!("{base}/$metadata#servicePrincipals/$entity"),
                sp,
            ),
            Some("appRoleAssignments") => {
                let items = app.map(|a| app_role_assignments(w, a)).unwrap_or_default();
                collection(
                    req,
                    &format!("{base}/servicePrincipals/{sp_id}/appRoleAssignments"),
                    path,
                    items,
                    "appRoleAssignments",
                )
            }
            Some("appRoleAssignedTo") => {
                let items = assigned_to(w, &sp_id, app);
                collection(
                    req,
                    &format!("{base}/servicePrincipals/{sp_id}/appRoleAssignedTo"),
                    path,
                    items,
                    "appRoleAssignedTo",
                )
            }
            Some("oauth2PermissionGrants") => {
                let items = app.map(|a| grants(w, a)).unwrap_or_default();
                collection(
                    req,
                    &format!("{base}/servicePrincipals/{sp_id}/oauth2PermissionGrants"),
                    path,
                    items,
                    "oauth2PermissionGrants",
                )
            }
            Some(other) => error(
                400,
                "BadRequest",
                &format!("Resource not found for the segment '{other}'."),
                req,
            ),
        };
    }

    // users/{id or upn}/transitiveMemberOf: the groups a user is in (the repairs may assign one).
    // Application permission User.Read.All, least privileged:
    // https://learn.microsoft.com/en-us/graph/api/user-list-transitivememberof
    if first == "users" && segs.len() == 3 && segs[2] == "transitiveMemberOf" {
        if !allowed(READ_USERS) {
            return denied();
        }
        let key = segs[1];
        let Some(u) = w.users.iter().find(|u| {
            u.spec.upn.eq_ignore_ascii_case(key) || u.object_id.eq_ignore_ascii_case(key)
        }) else {
            return error(
                404,
                "Request_ResourceNotFound",
                &format!("Resource '{key}' does not exist or one of its queried reference-property objects are not present."),
                req,
            );
        };
        let items: Vec<Value> = w
            .scenario
            .groups
            .iter()
            .filter(|g| g.has_member(&u.spec.upn))
            .map(|g| {
                json!({
                    "@odata.type": "#microsoft.graph.group",
                    "id": g.id(),
                    "displayName": g.shown_name(),
                    "securityEnabled": true,
                })
            })
            .collect();
        return collection(
            req,
            &format!("{base}/users/{}/transitiveMemberOf", u.object_id),
            path,
            items,
            "directoryObjects",
        );
    }

    // users/{id or upn}: the repairs look a user up to assign them to an app.
    if first == "users" && segs.len() == 2 {
        if !allowed(READ_USERS) {
            return denied();
        }
        let key = segs[1];
        let Some(u) = w.users.iter().find(|u| {
            u.spec.upn.eq_ignore_ascii_case(key) || u.object_id.eq_ignore_ascii_case(key)
        }) else {
            return error(
                404,
                "Request_ResourceNotFound",
                &format!("Resource '{key}' does not exist or one of its queried reference-property objects are not present."),
                req,
            );
        };
        return single(
            req,
            &format!("{base}/$metadata#users/$entity"),
            json!({"id": u.object_id, "userPrincipalName": u.spec.upn, "displayName": u.display_name}),
        );
    }

    if first == "oauth2PermissionGrants" {
        if !allowed(READ_APPS) {
            return denied();
        }
        let items: Vec<Value> = w.apps.iter().flat_map(|a| grants(w, a)).collect();
        return collection(
            req,
            &format!("{base}/oauth2PermissionGrants"),
            path,
            items,
            "oauth2PermissionGrants",
        );
    }

    if first == "auditLogs" && segs.get(1) == Some(&"signIns") {
        if !allowed(READ_AUDIT) {
            return denied();
        }
        let items: Vec<Value> = w
            .signins
            .iter()
            .map(|s| {
                let ok = s.code == 0;
                json!({
                    "id": s.id,
                    "createdDateTime": iso(s.at),
                    "appId": s.app_id,
                    "appDisplayName": s.app_name,
                    "resourceDisplayName": s.resource.clone().and_then(|r| apis::by_resource(&r).map(|a| a.display_name.to_string())).or(s.resource.clone()),
                    "resourceId": s.resource.clone().and_then(|r| apis::by_resource(&r).and_then(|a| a.app_id.map(String::from))),
                    "userPrincipalName": s.user,
                    "clientAppUsed": if s.user.is_some() { "Mobile Apps and Desktop clients" } else { "" },
                    "conditionalAccessStatus": if s.code == 53003 { "failure" } else if ok { "success" } else { "notApplied" },
                    "status": {
                        "errorCode": s.code,
                        "failureReason": if ok { "Other.".to_string() } else { authcheck_model::knowledge::aadsts::lookup(s.code).map(|c| c.meaning.to_string()).unwrap_or_else(|| format!("AADSTS{}", s.code)) },
                        "additionalDetails": null,
                    },
                })
            })
            .collect();
        return collection(
            req,
            &format!("{base}/auditLogs/signIns"),
            path,
            items,
            "auditLogs/signIns",
        );
    }

    if rest.trim_end_matches('/') == "identity/conditionalAccess/policies" {
        if !allowed(READ_POLICY) {
            return denied();
        }
        let items: Vec<Value> = w
            .scenario
            .conditional_access
            .iter()
            .map(|p| {
                let app_ids: Vec<String> = p
                    .apps
                    .iter()
                    .map(|n| if n == "All" { n.clone() } else { w.app_by_name(n).map(|a| a.app_id.clone()).unwrap_or_default() })
                    .collect();
                let users: Vec<String> = p
                    .users
                    .iter()
                    .map(|n| if n == "All" { n.clone() } else { w.user_by_upn(n).map(|u| u.object_id.clone()).unwrap_or_default() })
                    .collect();
                let sps: Vec<String> = p
                    .workload_identities
                    .iter()
                    .map(|n| if n == "All" { "ServicePrincipalsInMyTenant".into() } else { w.app_by_name(n).map(|a| a.sp_object_id.clone()).unwrap_or_default() })
                    .collect();
                json!({
                    "id": p.id.clone().unwrap_or_else(|| derived_guid(&format!("ca:{}", p.name))),
                    "displayName": p.name,
                    "state": p.state,
                    "createdDateTime": iso(w.t0 - 30 * 86_400),
                    "conditions": {
                        "applications": {"includeApplications": app_ids, "excludeApplications": []},
                        "users": {"includeUsers": users, "excludeUsers": []},
                        "clientApplications": if sps.is_empty() { Value::Null } else { json!({"includeServicePrincipals": sps, "excludeServicePrincipals": []}) },
                    },
                    "grantControls": {"operator": "OR", "builtInControls": [p.grant]},
                })
            })
            .collect();
        return collection(
            req,
            &format!("{base}/identity/conditionalAccess/policies"),
            path,
            items,
            "identity/conditionalAccess/policies",
        );
    }

    error(
        400,
        "BadRequest",
        &format!("Resource not found for the segment '{first}'."),
        req,
    )
}

pub(crate) enum Key {
    None,
    AppId(String),
    Bad,
}

/// Reads `applications(appId='…')` / `servicePrincipals(appId='…')`.
pub(crate) fn key_segment(seg: &str, name: &str) -> Key {
    let Some(rest) = seg.strip_prefix(name) else {
        return Key::Bad;
    };
    if rest.is_empty() {
        return Key::None;
    }
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .map(str::trim);
    match inner.and_then(|i| i.strip_prefix("appId=")) {
        Some(v) => {
            let v = v.trim().trim_matches('\'');
            Key::AppId(v.to_string())
        }
        None => Key::Bad,
    }
}

/// The service principal object of a well-known API.
pub(crate) fn api_sp_id(key: &str) -> String {
    derived_guid(&format!("sp-api:{key}"))
}

pub(crate) fn application(w: &World, a: &App) -> Value {
    let mut rra: Vec<Value> = vec![];
    for p in &a.perms {
        let access = json!({"id": p.id, "type": p.kind});
        if let Some(entry) = rra
            .iter_mut()
            .find(|e| e["resourceAppId"] == json!(p.resource_app_id))
        {
            if let Some(list) = entry["resourceAccess"].as_array_mut() {
                list.push(access);
            }
        } else {
            rra.push(json!({"resourceAppId": p.resource_app_id, "resourceAccess": [access]}));
        }
    }
    json!({
        "id": a.object_id,
        "deletedDateTime": null,
        "appId": a.app_id,
        "displayName": a.display_name,
        "createdDateTime": iso(a.created),
        "description": null,
        "disabledByMicrosoftStatus": null,
        "identifierUris": a.spec.identifier_uris,
        "isFallbackPublicClient": a.spec.public_client_flows,
        "publisherDomain": w.scenario.tenant.domain,
        "signInAudience": a.spec.sign_in_audience,
        "keyCredentials": a.certs.iter().map(|c| json!({
            "customKeyIdentifier": c.key.thumbprint_hex,
            "displayName": format!("CN={}", c.name),
            "endDateTime": iso(c.end),
            "key": null,
            "keyId": c.key_id,
            "startDateTime": iso(c.start),
            "type": "AsymmetricX509Cert",
            "usage": "Verify",
        })).collect::<Vec<_>>(),
        "passwordCredentials": a.secrets.iter().map(|s| json!({
            "customKeyIdentifier": null,
            "displayName": s.name,
            "endDateTime": iso(s.end),
            "hint": s.value.chars().take(3).collect::<String>(),
            "keyId": s.key_id,
            "secretText": null,
            "startDateTime": iso(s.start),
        })).collect::<Vec<_>>(),
        "requiredResourceAccess": rra,
        "publicClient": {"redirectUris": a.spec.public_client_redirect_uris},
        "spa": {"redirectUris": a.spec.spa_redirect_uris},
        "web": {
            "homePageUrl": null,
            "logoutUrl": null,
            "redirectUris": a.spec.web_redirect_uris,
            "implicitGrantSettings": {"enableAccessTokenIssuance": false, "enableIdTokenIssuance": false},
        },
        "appRoles": own_app_roles(w, a),
    })
}

/// App roles an app exposes: the `Role` permissions other apps in the scenario request from it.
pub(crate) fn own_app_roles(w: &World, a: &App) -> Vec<Value> {
    let mut out: Vec<Value> = vec![];
    for other in &w.apps {
        for p in other.perms.iter().filter(|p| p.resource_app_id == a.app_id) {
            if out.iter().any(|v| v["id"] == json!(p.id)) {
                continue;
            }
            if p.kind == "Role" {
                out.push(json!({
                    "allowedMemberTypes": ["Application"],
                    "description": p.value, "displayName": p.value,
                    "id": p.id, "isEnabled": true, "origin": "Application", "value": p.value,
                }));
            }
        }
    }
    out
}

/// Every service principal in the tenant: the scenario's apps that have one and the well-known
/// APIs that are present, each with the app roles and scopes the scenario uses.
pub(crate) fn service_principals(w: &World) -> Vec<(Value, Option<&App>)> {
    let mut out = vec![];
    for a in w.apps.iter().filter(|a| a.spec.service_principal) {
        let mut names = vec![a.app_id.clone()];
        names.extend(a.spec.identifier_uris.iter().cloned());
        out.push((
            json!({
                "id": a.sp_object_id,
                "appId": a.app_id,
                "displayName": a.display_name,
                "accountEnabled": a.spec.enabled,
                "appRoleAssignmentRequired": a.spec.assignment_required,
                "appOwnerOrganizationId": w.tenant_id,
                "servicePrincipalType": "Application",
                "servicePrincipalNames": names,
                "signInAudience": a.spec.sign_in_audience,
                "appRoles": own_app_roles(w, a),
                "oauth2PermissionScopes": [],
                "createdDateTime": iso(a.created),
            }),
            Some(a),
        ));
    }
    for api in apis::APIS {
        let Some(app_id) = api.app_id else { continue };
        if w.resource(api.resource_uri).is_none() {
            continue;
        }
        let mut roles: Vec<Value> = vec![];
        let mut scopes: Vec<Value> = vec![];
        for p in w.apps.iter().flat_map(|a| a.perms.iter()) {
            if p.resource_app_id != app_id {
                continue;
            }
            let (list, member) = if p.kind == "Role" {
                (&mut roles, "Application")
            } else {
                (&mut scopes, "User")
            };
            if list.iter().any(|v| v["id"] == json!(p.id)) {
                continue;
            }
            if member == "Application" {
                list.push(json!({"allowedMemberTypes": ["Application"], "description": p.value, "displayName": p.value, "id": p.id, "isEnabled": true, "origin": "Application", "value": p.value}));
            } else {
                list.push(json!({"adminConsentDescription": p.value, "adminConsentDisplayName": p.value, "id": p.id, "isEnabled": true, "type": "Admin", "value": p.value}));
            }
        }
        out.push((
            json!({
                "id": api_sp_id(api.key),
                "appId": app_id,
                "displayName": api.display_name,
                "accountEnabled": true,
                "appRoleAssignmentRequired": false,
                "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
                "servicePrincipalType": "Application",
                "servicePrincipalNames": [app_id, api.resource_uri],
                "signInAudience": "AzureADMultipleOrgs",
                "appRoles": roles,
                "oauth2PermissionScopes": scopes,
            }),
            None,
        ));
    }
    out
}

/// The service principal id of a resource app id.
pub(crate) fn resource_sp(w: &World, resource_app_id: &str) -> (String, String) {
    if let Some(api) = apis::APIS
        .iter()
        .find(|a| a.app_id == Some(resource_app_id))
    {
        return (api_sp_id(api.key), api.display_name.to_string());
    }
    match w.app_by_client_id(resource_app_id) {
        Some(a) => (a.sp_object_id.clone(), a.display_name.clone()),
        None => (derived_guid(resource_app_id), resource_app_id.to_string()),
    }
}

fn app_role_assignments(w: &World, a: &App) -> Vec<Value> {
    let defaults = a
        .spec
        .assigned_to_apis
        .iter()
        .filter_map(|n| w.app_by_name(n))
        .map(|r| default_access(a, r));
    a.perms
        .iter()
        .filter(|p| p.kind == "Role" && p.granted)
        .map(|p| {
            let (rid, rname) = resource_sp(w, &p.resource_app_id);
            json!({
                "id": derived_guid(&format!("ara:{}:{}", a.sp_object_id, p.id)),
                "deletedDateTime": null,
                "appRoleId": p.id,
                "createdDateTime": iso(p.granted_at),
                "principalDisplayName": a.display_name,
                "principalId": a.sp_object_id,
                "principalType": "ServicePrincipal",
                "resourceDisplayName": rname,
                "resourceId": rid,
            })
        })
        .chain(defaults)
        .collect()
}

/// An app's default access (no app role) to an API of the tenant that defines none.
fn default_access(client: &App, api: &App) -> Value {
    json!({
        "id": derived_guid(&format!("ara:{}:{}", client.sp_object_id, api.sp_object_id)),
        "deletedDateTime": null,
        "appRoleId": "00000000-0000-0000-0000-000000000000",
        "createdDateTime": iso(client.created),
        "principalDisplayName": client.display_name,
        "principalId": client.sp_object_id,
        "principalType": "ServicePrincipal",
        "resourceDisplayName": api.display_name,
        "resourceId": api.sp_object_id,
    })
}

fn assigned_to(w: &World, sp_id: &str, app: Option<&App>) -> Vec<Value> {
    let mut out = vec![];
    if let Some(app) = app {
        for c in w
            .apps
            .iter()
            .filter(|c| c.spec.assigned_to_apis.contains(&app.spec.name))
        {
            out.push(default_access(c, app));
        }
        for u in w
            .users
            .iter()
            .filter(|u| u.spec.assigned_to.contains(&app.spec.name))
        {
            out.push(json!({
                "id": derived_guid(&format!("assign:{}:{}", u.object_id, sp_id)),
                "deletedDateTime": null,
                "appRoleId": "00000000-0000-0000-0000-000000000000",
                "createdDateTime": iso(app.created),
                "principalDisplayName": u.display_name,
                "principalId": u.object_id,
                "principalType": "User",
                "resourceDisplayName": app.display_name,
                "resourceId": sp_id,
            }));
        }
        for g in w
            .scenario
            .groups
            .iter()
            .filter(|g| g.assigned_to.contains(&app.spec.name))
        {
            out.push(json!({
                "id": derived_guid(&format!("assign:{}:{}", g.id(), sp_id)),
                "deletedDateTime": null,
                "appRoleId": "00000000-0000-0000-0000-000000000000",
                "createdDateTime": iso(app.created),
                "principalDisplayName": g.shown_name(),
                "principalId": g.id(),
                "principalType": "Group",
                "resourceDisplayName": app.display_name,
                "resourceId": sp_id,
            }));
        }
    }
    for client in &w.apps {
        for p in client
            .perms
            .iter()
            .filter(|p| p.kind == "Role" && p.granted)
        {
            if resource_sp(w, &p.resource_app_id).0 == sp_id {
                out.push(json!({
                    "id": derived_guid(&format!("ara:{}:{}", client.sp_object_id, p.id)),
                    "deletedDateTime": null,
                    "appRoleId": p.id,
                    "createdDateTime": iso(p.granted_at),
                    "principalDisplayName": client.display_name,
                    "principalId": client.sp_object_id,
                    "principalType": "ServicePrincipal",
                    "resourceDisplayName": resource_sp(w, &p.resource_app_id).1,
                    "resourceId": sp_id,
                }));
            }
        }
    }
    out
}

pub(crate) fn grants(w: &World, a: &App) -> Vec<Value> {
    let mut by_resource: Vec<(String, Vec<String>)> = vec![];
    for p in a.perms.iter().filter(|p| p.kind == "Scope" && p.granted) {
        match by_resource
            .iter_mut()
            .find(|(r, _)| *r == p.resource_app_id)
        {
            Some((_, v)) => v.push(p.value.clone()),
            None => by_resource.push((p.resource_app_id.clone(), vec![p.value.clone()])),
        }
    }
    by_resource
        .into_iter()
        .map(|(rapp, scopes)| {
            let (rid, _) = resource_sp(w, &rapp);
            json!({
                "clientId": a.sp_object_id,
                "consentType": "AllPrincipals",
                "id": derived_guid(&format!("grant:{}:{rid}", a.sp_object_id)),
                "principalId": null,
                "resourceId": rid,
                "scope": format!(" {}", scopes.join(" ")),
            })
        })
        .collect()
}

fn single(req: &Req, context: &str, v: Value) -> Reply {
    let mut v = select(req, v);
    if let Some(o) = v.as_object_mut() {
        let mut m = Map::new();
        m.insert("@odata.context".into(), json!(context));
        m.extend(std::mem::take(o));
        *o = m;
    }
    Reply::json(200, &v)
}

fn select(req: &Req, v: Value) -> Value {
    let Some(sel) = req.query.get("$select") else {
        return v;
    };
    let keep: Vec<&str> = sel.split(',').map(str::trim).collect();
    match v {
        Value::Object(o) => Value::Object(
            o.into_iter()
                // Graph names a directory object's type (`@odata.type`) whatever is selected.
                .filter(|(k, _)| {
                    k.starts_with("@odata.") || keep.iter().any(|s| s.eq_ignore_ascii_case(k))
                })
                .collect(),
        ),
        other => other,
    }
}

/// A filtered, selected, paged collection.
fn collection(req: &Req, self_url: &str, _path: &str, items: Vec<Value>, ctx: &str) -> Reply {
    let items = match req.query.get("$filter") {
        Some(f) => match Filter::parse(f) {
            Some(filter) => items.into_iter().filter(|v| filter.matches(v)).collect(),
            None => {
                return error(
                    400,
                    "BadRequest",
                    &format!("Invalid filter clause: the simulator does not understand `{f}`."),
                    req,
                )
            }
        },
        None => items,
    };
    let top = req
        .query
        .get("$top")
        .and_then(|t| t.parse::<usize>().ok())
        .filter(|t| *t > 0)
        .unwrap_or(100)
        .min(999);
    let skip = req
        .query
        .get("$skiptoken")
        .and_then(|t| {
            t.strip_prefix("X%27")
                .or(Some(t.as_str()))
                .and_then(|t| t.parse::<usize>().ok())
        })
        .unwrap_or(0);
    let page: Vec<Value> = items
        .iter()
        .skip(skip)
        .take(top)
        .cloned()
        .map(|v| select(req, v))
        .collect();
    let mut out = json!({
        "@odata.context": format!("{}/$metadata#{ctx}", self_url.split("/v1.0").next().unwrap_or(self_url).to_string() + "/v1.0"),
        "value": page,
    });
    if skip + top < items.len() {
        let mut q: Vec<String> = req
            .query
            .iter()
            .filter(|(k, _)| k.as_str() != "$skiptoken")
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        q.push(format!("$skiptoken={}", skip + top));
        out["@odata.nextLink"] = json!(format!("{self_url}?{}", q.join("&")));
    }
    Reply::json(200, &out)
}

/// The `$filter` forms the doctor and `fix` use: `field eq 'v'`, `field ge 2026-…Z`, `a/b eq 1`,
/// and a collection holding a value, `servicePrincipalNames/any(n:n eq 'v')`, joined by `and`.
struct Filter {
    clauses: Vec<(String, String, String)>,
}

impl Filter {
    fn parse(f: &str) -> Option<Filter> {
        let mut clauses = vec![];
        for part in split_and(f) {
            let mut it = part.trim().splitn(3, ' ');
            let field = it.next()?.trim().to_string();
            let op = it.next()?.trim().to_ascii_lowercase();
            let value = it.next()?.trim().trim_matches('\'').to_string();
            // `coll/any(n:n eq 'v')`: the lambda's variable is `n` (or any name), its test `eq`.
            if let Some((coll, _)) = field.split_once("/any(") {
                if op != "eq" || !value.ends_with(')') {
                    return None;
                }
                let v = value.trim_end_matches(')').trim_matches('\'').to_string();
                clauses.push((coll.to_string(), "any".into(), v));
                continue;
            }
            if !matches!(op.as_str(), "eq" | "ne" | "ge" | "le" | "gt" | "lt") || field.is_empty() {
                return None;
            }
            clauses.push((field, op, value));
        }
        (!clauses.is_empty()).then_some(Filter { clauses })
    }

    fn matches(&self, v: &Value) -> bool {
        self.clauses.iter().all(|(field, op, want)| {
            let mut cur = v;
            for k in field.split('/') {
                cur = &cur[k];
            }
            if op == "any" {
                return cur.as_array().is_some_and(|a| {
                    a.iter()
                        .any(|x| x.as_str().is_some_and(|x| x.eq_ignore_ascii_case(want)))
                });
            }
            let have = match cur {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            let (h, w) = (have.to_ascii_lowercase(), want.to_ascii_lowercase());
            match op.as_str() {
                "eq" => h == w,
                "ne" => h != w,
                "ge" => h >= w,
                "le" => h <= w,
                "gt" => h > w,
                "lt" => h < w,
                _ => false,
            }
        })
    }
}

fn split_and(f: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut quoted = false;
    let words: Vec<&str> = f.split(' ').collect();
    for w in words {
        let q = w.matches('\'').count();
        if !quoted && w.eq_ignore_ascii_case("and") {
            out.push(std::mem::take(&mut cur));
            continue;
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
        if q % 2 == 1 {
            quoted = !quoted;
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}
