//! Data-plane stand-ins: Microsoft Purview (catalog, scanning, account and metadata-policy APIs,
//! authorized by collection roles), the Power Platform API (delegated permissions; an app reaches
//! it only as a registered management application with an application user in the environment),
//! the Log Analytics query API (Azure RBAC on the workspace) and the Application Insights query
//! API (Azure RBAC on the component), and custom metrics ingestion (Monitoring Metrics Publisher
//! on the resource the metrics are about). Each checks the token's
//! audience, lifetime and signature and then the caller's authorization, honouring the tenant's
//! propagation delay, and answers with the service's own status, body and `WWW-Authenticate`.
//!
//! Power Platform 403 codes. Both are the simulator's own inventions, not codes the real service
//! is known to send; they keep two different faults apart so the doctor can be tested on each:
//! `AppOnlyTokenNotSupported` — an app-only token from an app the scenario gives no standing with
//! the API (not in `powerplatform.management_apps`): the API publishes delegated permissions only
//! and the caller has no Power Platform role, so its body says that and nothing else (in
//! particular not "management application", which is a different fault and a different rule);
//! `ApplicationUserNotFound` — a management application without an application user in the
//! environment.
//!
//! The real service refuses such calls with a generic body, as seen in public reports:
//! `{"error":{"code":"Forbidden","message":"The service principal with id '…' for application '…'
//! does not have permission to access the path '…' in tenant '…'."}}` — the same words whether the
//! app lacks a Power Platform role or (on the older admin APIs) a management application
//! registration, so the simulator does not copy it.

use super::http::{Reply, Req};
use super::tokens::{self, Claims, TokenProblem};
use super::Sim;
use authcheck_model::knowledge::apis;
use serde_json::{json, Value};

fn problem_text(p: &TokenProblem) -> (&'static str, String) {
    match p {
        TokenProblem::Missing => ("MissingToken", "No access token was provided.".into()),
        TokenProblem::Malformed => ("InvalidToken", "The access token is malformed.".into()),
        TokenProblem::BadSignature => (
            "SignatureVerificationFailed",
            "The access token signature could not be verified.".into(),
        ),
        TokenProblem::UnknownKey { kid } => (
            "SignatureVerificationFailed",
            format!("Signature validation failed: the token's signing key (kid '{kid}') is not among the issuer's published keys."),
        ),
        TokenProblem::WrongIssuer { iss } => (
            "InvalidIssuer",
            format!("The access token issuer '{iss}' is not trusted."),
        ),
        TokenProblem::Expired { .. } => ("TokenExpired", "The access token is expired.".into()),
        TokenProblem::NotYetValid { .. } => (
            "TokenNotYetValid",
            "The access token is not yet valid.".into(),
        ),
        TokenProblem::WrongAudience { aud } => (
            "InvalidAudience",
            format!("The access token audience '{aud}' is not valid for this resource."),
        ),
    }
}

fn challenge(sim: &Sim, resource: &str, p: &TokenProblem) -> String {
    let auth = format!(
        "{}/{}",
        sim.info.authority.trim_end_matches('/'),
        sim.world.tenant_id
    );
    let (_, desc) = problem_text(p);
    if *p == TokenProblem::Missing {
        format!("Bearer authorization_uri=\"{auth}\", resource_id=\"{resource}\"")
    } else {
        format!(
            "Bearer authorization_uri=\"{auth}\", resource_id=\"{resource}\", error=\"invalid_token\", error_description=\"{}\"",
            desc.replace('"', "'")
        )
    }
}

fn check(sim: &Sim, req: &Req, key: &str) -> Result<Claims, TokenProblem> {
    let api = apis::by_key(key).expect("known API");
    tokens::check_bearer(&sim.world, &sim.info.authority, req, &|aud| {
        apis::audience_matches(api, aud)
    })
}

// ---------------------------------------------------------------- Purview

/// The collection role an operation needs, and the API family's name.
fn purview_operation(path: &str, method: &str) -> (&'static str, &'static [&'static str]) {
    let p = path.to_ascii_lowercase();
    let write = method != "GET";
    if p.starts_with("/scan") {
        ("scanning", &["Data Source Administrator"])
    } else if p.starts_with("/account") {
        ("account", &["Collection Admin"])
    } else if p.starts_with("/policystore/metadatapolicies")
        || p.starts_with("/policystore/metadataroles")
    {
        ("metadata-policy", &["Collection Admin"])
    } else if p.starts_with("/policystore") || p.starts_with("/pds") {
        ("devops-policy", &["Policy Author"])
    } else if write {
        ("catalog", &["Data Curator"])
    } else {
        ("catalog", &["Data Curator", "Data Reader"])
    }
}

pub fn purview(sim: &Sim, req: &Req, path: &str) -> Reply {
    let w = &sim.world;
    let claims = match check(sim, req, "purview") {
        Ok(c) => c,
        Err(p) => {
            let (code, msg) = problem_text(&p);
            return Reply::json(401, &json!({"error": {"code": "Unauthorized", "message": msg, "details": [{"code": code, "message": msg}]}}))
                .header("WWW-Authenticate", challenge(sim, "https://purview.azure.net", &p));
        }
    };
    let (_, oid) = tokens::caller(&claims);
    let (family, needed) = purview_operation(path, &req.method);
    let account = &w.scenario.purview.account;
    let collection = req
        .query
        .get("collection")
        .cloned()
        .or_else(|| {
            let segs: Vec<&str> = path.split('/').collect();
            segs.iter()
                .position(|s| s.eq_ignore_ascii_case("collections"))
                .and_then(|i| segs.get(i + 1).map(|s| s.to_string()))
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| account.clone());
    let held = w.collection_roles_for(&oid, &collection, req.now);
    let ok = held
        .iter()
        .any(|(r, in_force)| *in_force && needed.iter().any(|n| n.eq_ignore_ascii_case(r)));
    if !ok {
        // Purview's real answer is terse: it names neither the collection nor the role, so the
        // doctor has to work them out from the API family, the collection and the roles it reads.
        let body = json!({"error": {"code": "Unauthorized", "message": "Not authorized to access account"}});
        return Reply::json(403, &body);
    }
    let body = match family {
        "account" => {
            let mut cols =
                vec![json!({"name": account, "friendlyName": account, "parentCollection": null})];
            for c in &w.scenario.purview.collections {
                cols.push(json!({"name": c.name, "friendlyName": c.name, "parentCollection": {"type": "CollectionReference", "referenceName": c.parent}}));
            }
            json!({"value": cols, "count": cols.len()})
        }
        "scanning" => json!({"value": [], "count": 0}),
        "metadata-policy" => metadata_policies(sim, req.now),
        "devops-policy" => json!({"value": []}),
        _ => json!({"@search.count": 0, "value": []}),
    };
    Reply::json(200, &body)
}

/// Purview's role ids in metadata policies.
fn purview_role_id(role: &str) -> String {
    let slug = match role.to_ascii_lowercase().as_str() {
        "collection admin" | "collection administrator" => "collection-administrator".to_string(),
        "data source administrator" => "data-source-administrator".to_string(),
        "data curator" => "data-curator".to_string(),
        "data reader" => "purview-reader".to_string(),
        "policy author" => "policy-author".to_string(),
        other => other.replace(' ', "-"),
    };
    format!("purviewmetadatarole_builtin_{slug}")
}

/// The metadata policies (one per collection): who holds which collection role, in Purview's
/// `attributeRules` form. Assignments still propagating are left out, as Purview shows them late.
fn metadata_policies(sim: &Sim, now: i64) -> Value {
    let w = &sim.world;
    let account = &w.scenario.purview.account;
    let mut collections: Vec<(String, String)> = vec![(account.clone(), String::new())];
    for c in &w.scenario.purview.collections {
        collections.push((c.name.clone(), c.parent.clone()));
    }
    let values: Vec<Value> = collections
        .iter()
        .map(|(name, parent)| {
            let mut roles: Vec<(String, Vec<String>)> = vec![];
            for r in w
                .collection_roles
                .iter()
                .filter(|r| r.collection.eq_ignore_ascii_case(name) && w.in_effect(r.created, now))
            {
                let id = purview_role_id(&r.role);
                match roles.iter_mut().find(|(k, _)| *k == id) {
                    Some((_, p)) => p.push(r.principal_id.clone()),
                    None => roles.push((id, vec![r.principal_id.clone()])),
                }
            }
            let rules: Vec<Value> = roles
                .into_iter()
                .map(|(role, principals)| {
                    let rid = format!("{role}:{name}");
                    json!({
                        "kind": "attributerule",
                        "id": rid,
                        "name": rid,
                        "dnfCondition": [[
                            {"attributeName": "principal.microsoft.id", "attributeValueIncludedIn": principals},
                            {"fromRule": role, "attributeName": "derived.purview.role", "attributeValueIncludes": role},
                        ]],
                    })
                })
                .collect();
            json!({
                "name": format!("policy_{name}"),
                "id": super::scenario::derived_guid(&format!("purview-policy:{name}")),
                "version": 1,
                "properties": {
                    "description": "",
                    "decisionRules": [],
                    "attributeRules": rules,
                    "collection": {"type": "CollectionReference", "referenceName": name},
                    "parentCollectionName": parent,
                },
            })
        })
        .collect();
    json!({ "values": values })
}

// ---------------------------------------------------------------- Power Platform

pub fn powerplatform(sim: &Sim, req: &Req, path: &str) -> Reply {
    let w = &sim.world;
    // Each deployment (commercial, GCC, GCC High, DoD, China) is its own service: it takes only
    // tokens whose audience is its own host.
    let deployment = w.power_platform_cloud();
    let own = format!("https://{}", deployment.host);
    let api = apis::by_key("powerplatform").expect("known API");
    let accepts = |aud: &str| {
        apis::audience_matches(api, aud)
            && authcheck_model::knowledge::clouds::power_platform_by_audience(aud)
                .map_or(deployment.key == "public", |c| c.key == deployment.key)
    };
    let claims = match tokens::check_bearer(&sim.world, &sim.info.authority, req, &accepts) {
        Ok(c) => c,
        Err(p) => {
            let (code, msg) = problem_text(&p);
            return Reply::json(401, &json!({"error": {"code": code, "message": msg}}))
                .header("WWW-Authenticate", challenge(sim, &own, &p));
        }
    };
    let env = &w.scenario.powerplatform.environment;
    let (client, oid) = tokens::caller(&claims);
    if tokens::app_only(&claims) {
        let app = w.app_by_client_id(&client);
        let name = app.map(|a| a.spec.name.clone()).unwrap_or_default();
        let pp = &w.scenario.powerplatform;
        if !pp.management_apps.contains(&name) {
            return Reply::json(
                403,
                &json!({"error": {"code": "AppOnlyTokenNotSupported", "message": format!("The Power Platform API accepts delegated (user) tokens. The app-only token of application '{client}' (service principal '{oid}') carries no Power Platform role that allows this operation.")}}),
            );
        }
        if !pp.application_users.contains(&name) {
            return Reply::json(
                403,
                &json!({"error": {"code": "ApplicationUserNotFound", "message": format!("Application '{client}' is not an application user in environment '{env}'.")}}),
            );
        }
    }
    let p = path.trim_end_matches('/').to_ascii_lowercase();
    let env_json = json!({
        "id": env,
        "name": env,
        "displayName": "Contoso (default)",
        "type": "Default",
        "geo": "europe",
        "tenantId": w.tenant_id,
        "dataverseId": "7c1e0a4b-2d3f-4e5a-8b6c-9d0e1f2a3b4c",
    });
    if p == "/environmentmanagement/environments" {
        return Reply::json(200, &json!({"value": [env_json]}));
    }
    if let Some(rest) = p.strip_prefix("/environmentmanagement/environments/") {
        let id = rest.split('/').next().unwrap_or("");
        if id.eq_ignore_ascii_case(env) {
            return Reply::json(200, &env_json);
        }
        return Reply::json(
            404,
            &json!({"error": {"code": "EnvironmentNotFound", "message": format!("Environment '{id}' was not found.")}}),
        );
    }
    Reply::json(
        404,
        &json!({"error": {"code": "NotFound", "message": "The simulator's Power Platform API has no such operation."}}),
    )
}

// ---------------------------------------------------------------- Log Analytics

fn la_error(status: u16, code: &str, message: &str, inner: Option<(&str, &str)>) -> Reply {
    let mut e = json!({"message": message, "code": code, "correlationId": uuid::Uuid::new_v4().to_string()});
    if let Some((c, m)) = inner {
        e["innererror"] = json!({"code": c, "message": m});
    }
    Reply::json(status, &json!({ "error": e }))
}

pub fn loganalytics(sim: &Sim, req: &Req, path: &str) -> Reply {
    let w = &sim.world;
    let claims = match check(sim, req, "loganalytics") {
        Ok(c) => c,
        Err(p) => {
            let (code, msg) = problem_text(&p);
            let r = if p == TokenProblem::Missing {
                la_error(
                    401,
                    "AuthorizationRequiredError",
                    "Valid authentication was not provided",
                    None,
                )
            } else {
                la_error(
                    401,
                    "InvalidTokenError",
                    "The provided authentication is not valid for this resource",
                    Some((code, &msg)),
                )
            };
            return r.header(
                "WWW-Authenticate",
                challenge(sim, "https://api.loganalytics.io", &p),
            );
        }
    };
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (Some(&"v1"), Some(&"workspaces"), Some(ws), Some(&"query")) =
        (segs.first(), segs.get(1), segs.get(2), segs.get(3))
    else {
        return la_error(
            404,
            "PathNotFoundError",
            "The requested path does not exist",
            None,
        );
    };
    let az = &w.scenario.azure;
    if !ws.eq_ignore_ascii_case(&az.workspace_id) {
        return la_error(
            404,
            "WorkspaceNotFoundError",
            &format!("Workspace {ws} not found"),
            None,
        );
    }
    let columns =
        json!([{"name": "TimeGenerated", "type": "datetime"}, {"name": "Count", "type": "long"}]);
    query_answer(
        w,
        req,
        &claims,
        "loganalytics",
        &w.workspace_resource_id,
        columns,
        json!(42),
    )
}

// ---------------------------------------------------------------- Application Insights

/// `GET|POST /v1/apps/{appId}/query`: the Application Insights query API, authorized by an Azure
/// role on the component (or above it) that reads it.
///
/// The query APIs of Application Insights and Log Analytics run on one platform and answer in
/// one error format (`{"error": {"message", "code", "innererror"}}`, the codes
/// `InsufficientAccessError`, `BadArgumentError`, `ThrottledError`), so the bodies are those of
/// the Log Analytics stand-in; the component is found by its application id. New roles are
/// honoured after the tenant's propagation delay (Microsoft documents up to 60 minutes for this
/// API; scenarios give it as `propagation_minutes`, tests as `propagation_seconds`).
pub fn appinsights(sim: &Sim, req: &Req, path: &str) -> Reply {
    let w = &sim.world;
    let claims = match check(sim, req, "appinsights") {
        Ok(c) => c,
        Err(p) => {
            let (code, msg) = problem_text(&p);
            let r = if p == TokenProblem::Missing {
                la_error(
                    401,
                    "AuthorizationRequiredError",
                    "Valid authentication was not provided",
                    None,
                )
            } else {
                la_error(
                    401,
                    "InvalidTokenError",
                    "The provided authentication is not valid for this resource",
                    Some((code, &msg)),
                )
            };
            return r.header(
                "WWW-Authenticate",
                challenge(sim, "https://api.applicationinsights.io", &p),
            );
        }
    };
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (Some(&"v1"), Some(&"apps"), Some(app), Some(&"query"), None) = (
        segs.first(),
        segs.get(1),
        segs.get(2),
        segs.get(3),
        segs.get(4),
    ) else {
        return la_error(
            404,
            "PathNotFoundError",
            "The requested path does not exist",
            None,
        );
    };
    let az = &w.scenario.azure;
    if !app.eq_ignore_ascii_case(&az.appinsights_app_id) {
        return la_error(
            404,
            "ApplicationNotFoundError",
            &format!("Application {app} not found"),
            None,
        );
    }
    let columns =
        json!([{"name": "timestamp", "type": "datetime"}, {"name": "itemCount", "type": "int"}]);
    query_answer(
        w,
        req,
        &claims,
        "appinsights",
        &w.component_resource_id,
        columns,
        json!(7),
    )
}

/// What the Log Analytics and Application Insights query APIs share once the path names a known
/// workspace or component: a query is required, then a reader role on `resource` that is in force
/// (propagation included), then one result table of `columns` with one row.
fn query_answer(
    w: &super::world::World,
    req: &Req,
    claims: &Claims,
    api_key: &str,
    resource: &str,
    columns: Value,
    count: Value,
) -> Reply {
    let query = if req.method == "POST" {
        serde_json::from_slice::<Value>(&req.body)
            .ok()
            .and_then(|v| v.get("query").and_then(Value::as_str).map(String::from))
    } else {
        req.query.get("query").cloned()
    };
    if query.as_deref().is_none_or(|q| q.trim().is_empty()) {
        return la_error(
            400,
            "BadArgumentError",
            "The request had some invalid properties",
            Some(("QueryValidationError", "A query is required")),
        );
    }
    let (_, oid) = tokens::caller(claims);
    let api = apis::by_key(api_key).expect("known API");
    let ok = w
        .effective_roles(&oid, resource, req.now)
        .into_iter()
        .any(|(r, in_force)| {
            in_force
                && api
                    .reader_roles
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(&r.role_name))
        });
    if !ok {
        return la_error(
            403,
            "InsufficientAccessError",
            "The provided credentials have insufficient access to perform the requested operation",
            None,
        );
    }
    Reply::json(
        200,
        &json!({"tables": [{
            "name": "PrimaryResult",
            "columns": columns,
            "rows": [[super::aad_error::iso(req.now - 60), count]],
        }]}),
    )
}

// ---------------------------------------------------------------- Custom metrics

fn metrics_error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
}

/// `POST {resourceId}/metrics`: custom metrics ingestion (`https://{region}.monitoring.azure.com`
/// in Azure), authorized by Monitoring Metrics Publisher on the resource or above it; tokens
/// for `https://monitoring.azure.com/`.
///
/// Microsoft does not document this endpoint's error bodies, so these are the simulator's own,
/// in Azure's usual `{"error": {"code", "message"}}` envelope: 401 `InvalidToken` with what is
/// wrong with the token (and a `WWW-Authenticate` challenge), 403 `Forbidden` naming the action
/// (`Microsoft.Insights/Metrics/Write`) and the resource. A body with no data points (the
/// doctor's probe) is accepted and stores nothing; a body that is not JSON is a 400.
pub fn metrics(sim: &Sim, req: &Req, path: &str) -> Reply {
    let w = &sim.world;
    let claims = match check(sim, req, "monitor") {
        Ok(c) => c,
        Err(p) => {
            let (_, msg) = problem_text(&p);
            return metrics_error(401, "InvalidToken", &msg).header(
                "WWW-Authenticate",
                challenge(sim, "https://monitoring.azure.com/", &p),
            );
        }
    };
    let Some(resource) = path
        .strip_suffix("/metrics")
        .filter(|r| r.to_ascii_lowercase().starts_with("/subscriptions/"))
    else {
        return metrics_error(404, "NotFound", "The requested path does not exist.");
    };
    if req.method != "POST" {
        return metrics_error(
            405,
            "MethodNotAllowed",
            "Custom metrics are sent with POST.",
        );
    }
    let (_, oid) = tokens::caller(&claims);
    let api = apis::by_key("monitor").expect("known API");
    let ok = w
        .effective_roles(&oid, resource, req.now)
        .into_iter()
        .any(|(r, in_force)| {
            in_force
                && api
                    .reader_roles
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(&r.role_name))
        });
    if !ok {
        return metrics_error(
            403,
            "Forbidden",
            &format!("The principal '{oid}' may not perform action 'Microsoft.Insights/Metrics/Write' on resource '{resource}'."),
        );
    }
    if serde_json::from_slice::<Value>(&req.body).is_err() {
        return metrics_error(400, "BadRequest", "The request body is not valid JSON.");
    }
    Reply::json(200, &json!({}))
}
