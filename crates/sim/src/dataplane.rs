//! Data-plane stand-ins: Microsoft Purview (catalog, scanning, account and metadata-policy APIs,
//! authorized by collection roles), the Power Platform API (delegated permissions; an app reaches
//! it only as a registered management application with an application user in the environment),
//! the Log Analytics query API (Azure RBAC on the workspace) and the Application Insights query
//! API (Azure RBAC on the component), custom metrics ingestion (Monitoring Metrics Publisher
//! on the resource the metrics are about) and the Logs Ingestion API (Monitoring Metrics Publisher
//! on the data collection rule). Each checks the token's
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
use super::world::World;
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

/// The one token preamble of the stand-ins: the caller's claims when the bearer token is good for
/// the API `key`, else the stand-in's 401 — the body `unauthorized` builds for the problem, with
/// the `WWW-Authenticate` challenge naming `resource` (the audience form the service names).
fn bearer_for(
    sim: &Sim,
    req: &Req,
    key: &str,
    resource: &str,
    unauthorized: impl Fn(&TokenProblem) -> Reply,
) -> Result<Claims, Reply> {
    check(sim, req, key)
        .map_err(|p| unauthorized(&p).header("WWW-Authenticate", challenge(sim, resource, &p)))
}

/// Whether `oid` holds one of the API's roles on `resource` (or above it), in force at `now`
/// (propagation included).
fn holds_role(w: &super::world::World, oid: &str, resource: &str, api_key: &str, now: i64) -> bool {
    let api = apis::by_key(api_key).expect("known API");
    w.effective_roles(oid, resource, now)
        .into_iter()
        .any(|(r, in_force)| {
            in_force
                && api
                    .reader_roles
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(&r.role_name))
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
    let claims = match bearer_for(sim, req, "purview", "https://purview.azure.net", |p| {
        let (code, msg) = problem_text(p);
        Reply::json(
            401,
            &json!({"error": {"code": "Unauthorized", "message": msg, "details": [{"code": code, "message": msg}]}}),
        )
    }) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let (_, oid) = tokens::caller(&claims);
    let (family, needed) = purview_operation(path, &req.method);
    let account = &w.scenario.purview.account;
    let collection = req
        .query
        .get("collection")
        .or_else(|| req.query.get("collectionName"))
        .cloned()
        .or_else(|| policy_collection(w, path))
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
        "metadata-policy" => return metadata_policy_op(sim, req, path, &collection),
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

/// The account's collections with their parents (the root's parent is empty).
fn purview_collections(w: &World) -> Vec<(String, String)> {
    let account = &w.scenario.purview.account;
    let mut collections: Vec<(String, String)> = vec![(account.clone(), String::new())];
    for c in &w.scenario.purview.collections {
        collections.push((c.name.clone(), c.parent.clone()));
    }
    collections
}

/// The id of a collection's metadata policy (a GUID, as Purview's are).
fn policy_id(collection: &str) -> String {
    super::scenario::derived_guid(&format!("purview-policy:{collection}"))
}

/// The collection whose policy `…/metadataPolicies/{policyId}` names.
fn policy_collection(w: &World, path: &str) -> Option<String> {
    let p = path.trim_end_matches('/');
    let lower = p.to_ascii_lowercase();
    let id = lower.strip_prefix("/policystore/metadatapolicies/")?;
    purview_collections(w)
        .into_iter()
        .map(|(n, _)| n)
        .find(|n| policy_id(n).eq_ignore_ascii_case(id))
}

/// Purview's metadata-policy API (`/policystore/…`), once the caller is known to be Collection
/// Admin where it asks: list the policies (all, or `?collectionName=` one), read one by id or
/// by collection, or replace one (`PUT /policystore/metadataPolicies/{policyId}`).
///
/// Requests and shapes from the REST reference and the tutorial:
/// <https://learn.microsoft.com/en-us/rest/api/purview/metadatapolicydataplane/metadata-policy>,
/// <https://learn.microsoft.com/en-us/purview/tutorial-metadata-policy-collections-apis>.
/// A PUT replaces the policy's role rules whole (so a client must send back what it read, with
/// its change); a role still propagating is kept, as it was not shown. The 404 and 400 texts
/// are the simulator's own.
fn metadata_policy_op(sim: &Sim, req: &Req, path: &str, collection: &str) -> Reply {
    let w = &sim.world;
    let p = path.trim_end_matches('/').to_ascii_lowercase();
    let not_found = |what: &str| {
        Reply::json(
            404,
            &json!({"error": {"code": "NotFound", "message": format!("No metadata policy for {what}.")}}),
        )
    };
    let known = purview_collections(w)
        .into_iter()
        .any(|(n, _)| n.eq_ignore_ascii_case(collection));
    if p == "/policystore/metadataroles" {
        return Reply::json(200, &metadata_roles());
    }
    if p == "/policystore/metadatapolicies" && req.method == "GET" {
        return match req.query.get("collectionName") {
            Some(c) if !known => not_found(&format!("collection '{c}'")),
            Some(_) => Reply::json(
                200,
                &json!({"values": [policy_json(w, collection, req.now)]}),
            ),
            None => Reply::json(200, &metadata_policies(sim, req.now)),
        };
    }
    if p.starts_with("/policystore/collections/") && p.ends_with("/metadatapolicy") {
        if !known || req.method != "GET" {
            return not_found(&format!("collection '{collection}'"));
        }
        return Reply::json(200, &policy_json(w, collection, req.now));
    }
    if p.starts_with("/policystore/metadatapolicies/") {
        if policy_collection(w, path).is_none() {
            return not_found(&format!("policy '{}'", p.rsplit('/').next().unwrap_or("")));
        }
        return match req.method.as_str() {
            "GET" => Reply::json(200, &policy_json(w, collection, req.now)),
            "PUT" => put_policy(sim, req, collection),
            _ => Reply::json(
                405,
                &json!({"error": {"code": "MethodNotAllowed", "message": "A metadata policy is read with GET and replaced with PUT."}}),
            ),
        };
    }
    not_found("this path")
}

/// The built-in metadata roles (`GET /policystore/metadataroles`), by id and name.
fn metadata_roles() -> Value {
    let values: Vec<Value> = PURVIEW_ROLES
        .iter()
        .map(|(slug, name)| {
            let id = format!("purviewmetadatarole_builtin_{slug}");
            json!({"id": id, "name": id, "type": "Microsoft.Purview/role", "properties": {"provisioningState": "Provisioned", "roleType": "BuiltIn", "friendlyName": name, "cnfCondition": []}})
        })
        .collect();
    json!({ "values": values })
}

/// Purview's built-in collection roles: the slug in a rule id, and the name the scenario uses.
const PURVIEW_ROLES: &[(&str, &str)] = &[
    ("collection-administrator", "Collection Admin"),
    ("data-source-administrator", "Data Source Administrator"),
    ("data-curator", "Data Curator"),
    ("purview-reader", "Data Reader"),
    ("policy-author", "Policy Author"),
];

/// `PUT /policystore/metadataPolicies/{policyId}`: the collection's role rules become those
/// sent. Any GUID is taken as a principal (Purview does not look it up either).
fn put_policy(sim: &Sim, req: &Req, collection: &str) -> Reply {
    let bad = |m: &str| Reply::json(400, &json!({"error": {"code": "BadRequest", "message": m}}));
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return bad("The request body is not a metadata policy in JSON.");
    };
    let Some(rules) = body
        .pointer("/properties/attributeRules")
        .and_then(Value::as_array)
    else {
        return bad("The policy has no properties.attributeRules.");
    };
    if let Some(id) = body.get("id").and_then(Value::as_str) {
        if !id.eq_ignore_ascii_case(&policy_id(collection)) {
            return bad("The policy id in the body is not the one in the path.");
        }
    }
    // (role name, principal) pairs the policy now holds.
    let suffix = format!(":{}", collection.to_ascii_lowercase());
    let mut wanted: Vec<(String, String)> = vec![];
    for r in rules {
        let id = r
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let Some(slug) = id
            .strip_prefix("purviewmetadatarole_builtin_")
            .and_then(|x| x.strip_suffix(&suffix))
        else {
            continue;
        };
        let Some((_, role)) = PURVIEW_ROLES.iter().find(|(s, _)| *s == slug) else {
            continue;
        };
        let members = r
            .get("dnfCondition")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
            .filter(|c| {
                c.get("attributeName").and_then(Value::as_str) == Some("principal.microsoft.id")
            })
            .filter_map(|c| c.get("attributeValueIncludedIn").and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str);
        for m in members {
            if !wanted
                .iter()
                .any(|(r2, p)| r2 == role && p.eq_ignore_ascii_case(m))
            {
                wanted.push((role.to_string(), m.to_string()));
            }
        }
    }
    let now = req.now;
    let next = sim.world.write(|w| -> Result<Value, ()> {
        let visible = |w: &World, r: &super::world::CollectionRole| {
            r.collection.eq_ignore_ascii_case(collection) && w.in_effect(r.created, now)
        };
        let snapshot = w.clone();
        w.collection_roles.retain(|r| {
            !visible(&snapshot, r)
                || wanted.iter().any(|(role, p)| {
                    role.eq_ignore_ascii_case(&r.role) && p.eq_ignore_ascii_case(&r.principal_id)
                })
        });
        for (role, p) in &wanted {
            let held = w.collection_roles.iter().any(|r| {
                r.collection.eq_ignore_ascii_case(collection)
                    && r.role.eq_ignore_ascii_case(role)
                    && r.principal_id.eq_ignore_ascii_case(p)
            });
            if !held {
                w.collection_roles.push(super::world::CollectionRole {
                    principal_id: p.clone(),
                    role: role.clone(),
                    collection: collection.to_string(),
                    created: now,
                });
            }
        }
        Ok(policy_json(w, collection, now))
    });
    match next {
        Ok(v) => Reply::json(200, &v),
        Err(()) => bad("The policy could not be written."),
    }
}

/// The metadata policies (one per collection): who holds which collection role, in Purview's
/// `attributeRules` form. Assignments still propagating are left out, as Purview shows them late.
fn metadata_policies(sim: &Sim, now: i64) -> Value {
    let w = &sim.world;
    let values: Vec<Value> = purview_collections(w)
        .iter()
        .map(|(name, _)| policy_json(w, name, now))
        .collect();
    json!({ "values": values })
}

/// One collection's metadata policy.
fn policy_json(w: &World, collection: &str, now: i64) -> Value {
    let Some((name, parent)) = purview_collections(w)
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(collection))
    else {
        return Value::Null;
    };
    let mut roles: Vec<(String, Vec<String>)> = vec![];
    for r in w
        .collection_roles
        .iter()
        .filter(|r| r.collection.eq_ignore_ascii_case(&name) && w.in_effect(r.created, now))
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
        "id": policy_id(&name),
        "version": 1,
        "properties": {
            "description": "",
            "decisionRules": [],
            "attributeRules": rules,
            "collection": {"type": "CollectionReference", "referenceName": name},
            "parentCollectionName": parent,
        },
    })
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
    if path
        .to_ascii_lowercase()
        .starts_with("/providers/microsoft.businessappplatform/")
    {
        return bap(sim, req, path, &claims);
    }
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

/// The Power Platform admin API (`https://api.bap.microsoft.com`, served here under the Power
/// Platform stand-in; `AUTHCHECK_BAP_ENDPOINT` points at it): the requests `authcheck fix` makes.
///
/// - `GET /providers/Microsoft.BusinessAppPlatform/scopes/admin/environments`: the environments.
/// - `POST …/scopes/admin/environments/{environment}/addAppUser` with `{"servicePrincipalAppId"}`:
///   makes the app an application user of the environment. Its callers must be Power Platform
///   administrators or a registered management application, and it answers 200 whenever the
///   caller may call it (so a second call is harmless)
///   (<https://learn.microsoft.com/en-us/power-platform/admin/create-dataverseapplicationuser>).
/// - `GET /providers/Microsoft.BusinessAppPlatform/adminApplications`: the registered management
///   applications (same page), for an administrator or a management application.
/// - `PUT /providers/Microsoft.BusinessAppPlatform/adminApplications/{appId}`: registers a
///   management application. Only an administrator signed in as a user may: a service principal
///   cannot register one
///   (<https://learn.microsoft.com/en-us/power-platform/admin/powerplatform-api-create-service-principal>).
///
/// The simulator accepts tokens for the Power Platform API here (the real admin API has its own
/// audience). Its 403 and 404 bodies are its own words in Azure's `{"error": {"code",
/// "message"}}` envelope: Microsoft documents no error body for these requests.
/// Adds the app with client id `app_id` (by its scenario name) to one of the Power Platform lists
/// once: a second request changes nothing, as the real admin API's repeats do not duplicate. An id
/// naming no app of the tenant is a 400 naming what was looked for.
fn add_app_once(
    sim: &Sim,
    app_id: &str,
    what: &str,
    list: impl Fn(&mut crate::scenario::PowerPlatformSpec) -> &mut Vec<String>,
) -> Result<(), Reply> {
    let Some(name) = sim
        .world
        .app_by_client_id(app_id)
        .map(|a| a.spec.name.clone())
    else {
        return Err(Reply::json(
            400,
            &json!({"error": {"code": "BadRequest", "message": format!("No {what} '{app_id}' in this tenant.")}}),
        ));
    };
    let _ = sim.world.write(|w| -> Result<(), ()> {
        let names = list(&mut w.scenario.powerplatform);
        if !names.contains(&name) {
            names.push(name.clone());
        }
        Ok(())
    });
    Ok(())
}

fn bap(sim: &Sim, req: &Req, path: &str, claims: &Claims) -> Reply {
    let w = &sim.world;
    let pp = &w.scenario.powerplatform;
    let (client, oid) = tokens::caller(claims);
    let app_only = tokens::app_only(claims);
    let app_name = w
        .app_by_client_id(&client)
        .map(|a| a.spec.name.clone())
        .unwrap_or_default();
    let management_app = app_only
        && (pp.management_apps.contains(&app_name)
            || w.scenario
                .operator
                .as_ref()
                .is_some_and(|o| o.app == app_name && o.powerplatform_management_app));
    let admin = !app_only
        && w.users.iter().any(|u| {
            u.object_id.eq_ignore_ascii_case(&oid)
                && pp
                    .admins
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(&u.spec.upn))
        });
    let forbidden = |what: &str| {
        Reply::json(
            403,
            &json!({"error": {"code": "Forbidden", "message": format!("The caller (application '{client}', object id '{oid}') may not {what}.")}}),
        )
    };
    let segs: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(str::to_ascii_lowercase)
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let env = &pp.environment;
    let env_json = json!({
        "id": format!("/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{env}"),
        "name": env,
        "type": "Microsoft.BusinessAppPlatform/scopes/environments",
        "location": "europe",
        "properties": {"displayName": "Contoso (default)", "environmentSku": "Default"},
    });
    match (req.method.as_str(), &segs[2..]) {
        ("GET", ["scopes", "admin", "environments"]) => {
            if !(admin || management_app) {
                return forbidden("list the environments: it is neither a Power Platform administrator nor a registered management application");
            }
            Reply::json(200, &json!({ "value": [env_json] }))
        }
        ("POST", ["scopes", "admin", "environments", e, "addappuser"]) => {
            if !(admin || management_app) {
                return forbidden("add application users: it is neither a Power Platform administrator nor a registered management application");
            }
            if !e.eq_ignore_ascii_case(env) {
                return Reply::json(
                    404,
                    &json!({"error": {"code": "EnvironmentNotFound", "message": format!("Environment '{e}' was not found.")}}),
                );
            }
            let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            let Some(app_id) = body["servicePrincipalAppId"].as_str() else {
                return Reply::json(
                    400,
                    &json!({"error": {"code": "BadRequest", "message": "servicePrincipalAppId is required."}}),
                );
            };
            if let Err(r) = add_app_once(sim, app_id, "service principal for application", |pp| {
                &mut pp.application_users
            }) {
                return r;
            }
            Reply::json(200, &json!({ "servicePrincipalAppId": app_id }))
        }
        ("GET", ["adminapplications"]) => {
            // The registered management applications. Microsoft documents the request (a
            // registered service principal may make it) but not the answer's shape: the
            // simulator's is `{"value": [{"applicationId": …}]}`.
            if !(admin || management_app) {
                return forbidden("list the management applications: it is neither a Power Platform administrator nor a registered management application");
            }
            let mut names = pp.management_apps.clone();
            if let Some(o) = w
                .scenario
                .operator
                .as_ref()
                .filter(|o| o.powerplatform_management_app)
            {
                if !names.contains(&o.app) {
                    names.push(o.app.clone());
                }
            }
            let value: Vec<Value> = names
                .iter()
                .filter_map(|n| w.app_by_name(n))
                .map(|a| json!({ "applicationId": a.app_id }))
                .collect();
            Reply::json(200, &json!({ "value": value }))
        }
        ("PUT", ["adminapplications", app_id]) => {
            if app_only {
                return forbidden("register management applications: only a Power Platform administrator signed in as a user may");
            }
            if !admin {
                return forbidden("register management applications: the user is not a Power Platform administrator");
            }
            if let Err(r) = add_app_once(sim, app_id, "application", |pp| &mut pp.management_apps) {
                return r;
            }
            Reply::json(200, &json!({ "applicationId": app_id }))
        }
        _ => Reply::json(
            404,
            &json!({"error": {"code": "NotFound", "message": "The simulator's Power Platform admin API has no such operation."}}),
        ),
    }
}

// ---------------------------------------------------------------- Log Analytics

fn la_error(status: u16, code: &str, message: &str, inner: Option<(&str, &str)>) -> Reply {
    let mut e = json!({"message": message, "code": code, "correlationId": uuid::Uuid::new_v4().to_string()});
    if let Some((c, m)) = inner {
        e["innererror"] = json!({"code": c, "message": m});
    }
    Reply::json(status, &json!({ "error": e }))
}

/// The query APIs' 401: no token at all, or a token that is not valid here (the reason inside).
fn query_unauthorized(p: &TokenProblem) -> Reply {
    if *p == TokenProblem::Missing {
        return la_error(
            401,
            "AuthorizationRequiredError",
            "Valid authentication was not provided",
            None,
        );
    }
    let (code, msg) = problem_text(p);
    la_error(
        401,
        "InvalidTokenError",
        "The provided authentication is not valid for this resource",
        Some((code, &msg)),
    )
}

pub fn loganalytics(sim: &Sim, req: &Req, path: &str) -> Reply {
    query_api(
        sim,
        req,
        path,
        &QueryApi {
            key: "loganalytics",
            audience: "https://api.loganalytics.io",
            segment: "workspaces",
            exact_path: false,
            id: |w| &w.scenario.azure.workspace_id,
            not_found: ("WorkspaceNotFoundError", "Workspace"),
            resource: |w| &w.workspace_resource_id,
            columns: || json!([{"name": "TimeGenerated", "type": "datetime"}, {"name": "Count", "type": "long"}]),
            value: 42,
        },
    )
}

/// What differs between the two query APIs: the path, the id that names the workspace or
/// component, its not-found answer, the resource its role is read on, and the result table.
struct QueryApi {
    key: &'static str,
    audience: &'static str,
    /// `workspaces` or `apps` in `/v1/{segment}/{id}/query`.
    segment: &'static str,
    /// Nothing may follow `/query` (Application Insights; Log Analytics ignores it).
    exact_path: bool,
    id: fn(&super::world::World) -> &str,
    /// The not-found code and the noun of its message.
    not_found: (&'static str, &'static str),
    resource: fn(&super::world::World) -> &str,
    columns: fn() -> Value,
    value: i64,
}

/// `/v1/{segment}/{id}/query` on one of the query APIs: a token for its audience, a known id,
/// then [`query_answer`].
fn query_api(sim: &Sim, req: &Req, path: &str, api: &QueryApi) -> Reply {
    let w = &sim.world;
    let claims = match bearer_for(sim, req, api.key, api.audience, query_unauthorized) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let id = match (segs.first(), segs.get(1), segs.get(2), segs.get(3)) {
        (Some(&"v1"), Some(seg), Some(id), Some(&"query"))
            if *seg == api.segment && !(api.exact_path && segs.len() > 4) =>
        {
            *id
        }
        _ => {
            return la_error(
                404,
                "PathNotFoundError",
                "The requested path does not exist",
                None,
            )
        }
    };
    if !id.eq_ignore_ascii_case((api.id)(w)) {
        return la_error(
            404,
            api.not_found.0,
            &format!("{} {id} not found", api.not_found.1),
            None,
        );
    }
    query_answer(
        w,
        req,
        &claims,
        api.key,
        (api.resource)(w),
        (api.columns)(),
        json!(api.value),
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
    query_api(
        sim,
        req,
        path,
        &QueryApi {
            key: "appinsights",
            audience: "https://api.applicationinsights.io",
            segment: "apps",
            exact_path: true,
            id: |w| &w.scenario.azure.appinsights_app_id,
            not_found: ("ApplicationNotFoundError", "Application"),
            resource: |w| &w.component_resource_id,
            columns: || json!([{"name": "timestamp", "type": "datetime"}, {"name": "itemCount", "type": "int"}]),
            value: 7,
        },
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
    if !holds_role(w, &oid, resource, api_key, req.now) {
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
    let claims = match bearer_for(sim, req, "monitor", "https://monitoring.azure.com/", |p| {
        metrics_error(401, "InvalidToken", &problem_text(p).1)
    }) {
        Ok(c) => c,
        Err(r) => return r,
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
    // New roles are honoured after the tenant's propagation delay, as on the query APIs (Microsoft
    // documents no window of its own for this endpoint, so Azure RBAC's applies).
    if !holds_role(w, &oid, resource, "monitor", req.now) {
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

// ---------------------------------------------------------------- Logs Ingestion API

/// An error of the Logs Ingestion API: the Azure Core envelope its REST specification declares for
/// every error (`{"error": {"code", "message"}}`, with the code also in `x-ms-error-code`).
/// Specification: https://github.com/Azure/azure-rest-api-specs/blob/main/specification/monitor/data-plane/ingestion/stable/2023-01-01/DataCollectionRules.json
fn ingestion_error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
    .header("x-ms-error-code", code.to_string())
}

/// `POST /dataCollectionRules/{DCR immutable id}/streams/{stream}?api-version=2023-01-01` on a
/// data collection endpoint or a DCR's logs-ingestion endpoint
/// (https://learn.microsoft.com/azure/azure-monitor/logs/logs-ingestion-api-overview): a token for
/// `https://monitor.azure.com`, Monitoring Metrics Publisher on the data collection rule or above
/// it, a JSON array of records; 204 when accepted.
///
/// What Microsoft documents of its refusals, and what the simulator adds:
/// - 403 for a caller without the role: code `OperationFailed`, message beginning "The
///   authentication token provided does not have access to ingest data for the data collection
///   rule with immutable Id" (the Azure Monitor Ingestion client library's troubleshooting guide,
///   https://github.com/Azure/azure-sdk-for-python/blob/main/sdk/monitor/azure-monitor-ingestion/TROUBLESHOOTING.md,
///   quotes it cut short; the simulator ends it with the id). A new role may take up to 30 minutes
///   (https://learn.microsoft.com/azure/azure-monitor/logs/tutorial-logs-ingestion-code#troubleshooting);
///   the tenant's propagation delay applies.
/// - 401 (no token, a token for another audience, expired, badly signed): Microsoft documents no
///   body; the simulator's is `InvalidToken` with what is wrong, in the same envelope, and a
///   `WWW-Authenticate` challenge naming `https://monitor.azure.com`.
/// - An unknown rule (404 `NotFound`), an unknown stream (400 `InvalidStream`), a missing
///   `api-version` (400 `MissingApiVersionParameter`), a body that is not a JSON array (400
///   `InvalidRequestBody`) and a method other than POST (405): the simulator's own codes.
/// - An empty array (the doctor's probe) is accepted and stores nothing.
pub fn logs_ingestion(sim: &Sim, req: &Req, path: &str) -> Reply {
    let w = &sim.world;
    let claims = match bearer_for(
        sim,
        req,
        "logsingestion",
        "https://monitor.azure.com",
        |p| ingestion_error(401, "InvalidToken", &problem_text(p).1),
    ) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (Some(dcrs), Some(id), Some(streams), Some(stream), None) = (
        segs.first(),
        segs.get(1),
        segs.get(2),
        segs.get(3),
        segs.get(4),
    ) else {
        return ingestion_error(404, "NotFound", "The requested path does not exist.");
    };
    if !dcrs.eq_ignore_ascii_case("dataCollectionRules") || !streams.eq_ignore_ascii_case("streams")
    {
        return ingestion_error(404, "NotFound", "The requested path does not exist.");
    }
    if req.method != "POST" {
        return ingestion_error(405, "MethodNotAllowed", "Logs are sent with POST.");
    }
    if !req.query.contains_key("api-version") {
        return ingestion_error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter is required.",
        );
    }
    let az = &w.scenario.azure;
    if !id.eq_ignore_ascii_case(&az.dcr_immutable_id) {
        return ingestion_error(
            404,
            "NotFound",
            &format!("Data collection rule with immutable Id '{id}' not found."),
        );
    }
    let (_, oid) = tokens::caller(&claims);
    if !holds_role(w, &oid, &w.dcr_resource_id, "logsingestion", req.now) {
        return ingestion_error(
            403,
            "OperationFailed",
            &format!("The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '{id}'."),
        );
    }
    if !stream.eq_ignore_ascii_case(&az.dcr_stream) {
        return ingestion_error(
            400,
            "InvalidStream",
            &format!("Stream '{stream}' is not declared in data collection rule '{id}'."),
        );
    }
    if !serde_json::from_slice::<Value>(&req.body).is_ok_and(|v| v.is_array()) {
        return ingestion_error(
            400,
            "InvalidRequestBody",
            "The request body must be a JSON array of records.",
        );
    }
    Reply::empty(204)
}
