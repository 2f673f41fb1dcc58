//! Repairs on the data planes' own authorization, made with the operator's tokens for them:
//! a Purview collection role (the collection's metadata policy, read and written back with the
//! principal added), a Power Platform application user in an environment and a Power Platform
//! management-application registration (the Power Platform admin API).
//!
//! Facts, each with its source:
//! - Purview collection roles live in each collection's metadata policy: `GET
//!   /policystore/metadataPolicies?collectionName=…` (or `/policystore/collections/{name}/metadataPolicy`)
//!   reads it, `PUT /policystore/metadataPolicies/{policyId}` replaces it whole; a role's members
//!   are the `principal.microsoft.id` values of the attribute rule
//!   `purviewmetadatarole_builtin_{role}:{collection}`; api-version 2021-07-01; token audience
//!   `https://purview.azure.net`. Only a Collection Admin of the collection may change it.
//!   <https://learn.microsoft.com/en-us/purview/tutorial-metadata-policy-collections-apis>,
//!   <https://learn.microsoft.com/en-us/rest/api/purview/metadatapolicydataplane/metadata-policy>,
//!   <https://learn.microsoft.com/en-us/purview/catalog-permissions>.
//! - An application user: `POST https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{environment}/addAppUser?api-version=2020-10-01`
//!   with `{"servicePrincipalAppId": …}`; callers must be Power Platform administrators or a
//!   registered management application; it answers 200 when the caller may call it.
//!   <https://learn.microsoft.com/en-us/power-platform/admin/create-dataverseapplicationuser>.
//! - A management application: `PUT https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/adminApplications/{appId}?api-version=2020-10-01`
//!   with an administrator's user token; a service principal cannot register one.
//!   <https://learn.microsoft.com/en-us/power-platform/admin/powerplatform-api-create-service-principal>.

use super::permissions::Need;
use super::repairs::{manual_from, missing, read, Context};
use super::{Operator, Request, Service, Step};
use authcheck_model::report::Finding;
use serde_json::{json, Value};

/// The Power Platform admin API.
pub const BAP: &str = "https://api.bap.microsoft.com";
/// The Purview data plane's resource (token audience).
pub const PURVIEW_RESOURCE: &str = "https://purview.azure.net";
const PURVIEW_API: &str = "2021-07-01";
const BAP_API: &str = "2020-10-01";

/// `PUT /policystore/metadataPolicies/{policyId}`: Collection Admin on the collection.
pub const PURVIEW_COLLECTION_ADMIN: Need = Need {
    named: "Collection Admin on the collection (Microsoft Purview's own collection role, not an Azure or Graph permission), with a token for https://purview.azure.net in AUTHCHECK_PURVIEW_TOKEN",
    any_of: &[],
    and_one_of: &[],
    arm_action: None,
    source: "https://learn.microsoft.com/en-us/purview/tutorial-metadata-policy-collections-apis",
};

/// `POST …/environments/{environment}/addAppUser`.
pub const PP_ADD_APP_USER: Need = Need {
    named: "Power Platform administrator, or a registered Power Platform management application, with a token for the Power Platform admin API in AUTHCHECK_POWERPLATFORM_TOKEN",
    any_of: &[],
    and_one_of: &[],
    arm_action: None,
    source: "https://learn.microsoft.com/en-us/power-platform/admin/create-dataverseapplicationuser",
};

/// `PUT …/adminApplications/{appId}`.
pub const PP_REGISTER_APP: Need = Need {
    named: "Power Platform administrator signed in as a user (a delegated token for the Power Platform admin API in AUTHCHECK_POWERPLATFORM_TOKEN; a service principal cannot register one)",
    any_of: &[],
    and_one_of: &[],
    arm_action: None,
    source: "https://learn.microsoft.com/en-us/power-platform/admin/powerplatform-api-create-service-principal",
};

/// Purview's built-in collection roles: the name the doctor uses, and the role id's slug.
const PURVIEW_ROLES: &[(&str, &str)] = &[
    ("Collection Admin", "collection-administrator"),
    ("Data Source Administrator", "data-source-administrator"),
    ("Data Curator", "data-curator"),
    ("Data Reader", "purview-reader"),
    ("Policy Author", "policy-author"),
];

/// Adds the app's principal to the collection role the call needs, on the collection it targets
/// (the root collection, named after the account, when none is given).
pub async fn purview_role(cx: &Context<'_>, f: &Finding) -> Vec<Step> {
    let ev = cx.evidence;
    let d = &ev.dataplane;
    let collection = d
        .collection
        .clone()
        .or(cx.doctor.collection.clone())
        .or(cx.doctor.purview_account.clone());
    let principal = ev.token.oid.clone().or(ev.api_call.principal_id.clone());
    let role = d.role_needed.as_deref().and_then(|r| {
        PURVIEW_ROLES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(r))
    });
    let (Some(base), Some(principal), Some(&(role, slug))) =
        (cx.doctor.purview_base.clone(), principal, role)
    else {
        return vec![missing(cx, f, Service::Purview)];
    };
    if cx.operator.token(Service::Purview).is_err() {
        return vec![missing(cx, f, Service::Purview)];
    }
    let base = base.trim_end_matches('/').to_string();
    // The collection's policy; with no collection named, the root's (the policy without a
    // parent), which covers every collection.
    let read_url = match &collection {
        Some(c) => format!(
            "{base}/policystore/metadataPolicies?collectionName={c}&api-version={PURVIEW_API}"
        ),
        None => format!("{base}/policystore/metadataPolicies?api-version={PURVIEW_API}"),
    };
    let shown = collection
        .clone()
        .unwrap_or_else(|| "(the root collection)".into());
    let policy = read(
        cx,
        Service::Purview,
        read_url.clone(),
        "fix.lookup.purview_policy",
    )
    .await
    .and_then(|v| {
        let list = v
            .get("values")
            .or_else(|| v.get("value"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let root = |p: &&Value| {
            p.pointer("/properties/parentCollectionName")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        };
        match &collection {
            Some(_) => list.first().cloned(),
            None => list.iter().find(root).cloned(),
        }
        .ok_or_else(|| format!("no metadata policy for collection {shown}"))
    });
    let collection = policy
        .as_ref()
        .ok()
        .and_then(|p| p.pointer("/properties/collection/referenceName"))
        .and_then(Value::as_str)
        .map(String::from)
        .unwrap_or(shown);
    let rule_id = format!("purviewmetadatarole_builtin_{slug}:{collection}");
    let action =
        format!("Give principal {principal} the Purview role {role} on collection {collection}");
    let undo = format!(
        "Read the policy again (GET {read_url}), take {principal} out of the principal.microsoft.id list of rule {rule_id}, and PUT it back to {base}/policystore/metadataPolicies/{{its id}}?api-version={PURVIEW_API}; or in the Microsoft Purview governance portal: Data Map > Collections > {collection} > Role assignments > {role} > remove"
    );
    let mut policy = match policy {
        Ok(p) => p,
        Err(e) => {
            let mut s = Step::automatic(
                &f.rule,
                action,
                Request {
                    service: Service::Purview,
                    method: "PUT".into(),
                    url: format!(
                        "{base}/policystore/metadataPolicies/(the id of the policy of {collection})?api-version={PURVIEW_API}"
                    ),
                    body: Value::Null,
                },
                PURVIEW_COLLECTION_ADMIN,
                undo,
            );
            s.blocked = Some(format!(
                "the operator cannot read the metadata policy of collection {collection} ({e}): changing its roles needs Collection Admin on {collection}, Microsoft Purview's own role"
            ));
            return vec![s];
        }
    };
    if !add_member(&mut policy, &rule_id, slug, &principal) {
        // The policy already names the principal: nothing to write here.
        let mut s = manual_from(f);
        // Wherever else the principal holds the role, the repair is on the collection the call
        // targets; only when that collection's own policy names it already is there nothing to
        // write: the role is still taking effect, or the call touches another collection than
        // the doctor was told.
        s.action = format!(
            "{} (the metadata policy of {collection} already gives {principal} {role}: wait for it to take effect and ask for a new token; if the call touches what another collection owns, run again with --collection set to that collection)",
            f.title
        );
        return vec![s];
    }
    let Some(id) = policy.get("id").and_then(Value::as_str).map(String::from) else {
        return vec![missing(cx, f, Service::Purview)];
    };
    vec![Step::automatic(
        &f.rule,
        action,
        Request {
            service: Service::Purview,
            method: "PUT".into(),
            url: format!("{base}/policystore/metadataPolicies/{id}?api-version={PURVIEW_API}"),
            body: policy,
        },
        PURVIEW_COLLECTION_ADMIN,
        undo,
    )]
}

/// Adds `principal` to the members of the attribute rule `rule_id` (made in the shape Purview
/// uses when the policy has none for the role), keeping everything else. False when it is a
/// member already.
fn add_member(policy: &mut Value, rule_id: &str, slug: &str, principal: &str) -> bool {
    let Some(props) = policy.get_mut("properties").and_then(Value::as_object_mut) else {
        return false;
    };
    let rules = props
        .entry("attributeRules")
        .or_insert_with(|| json!([]))
        .as_array_mut();
    let Some(rules) = rules else { return false };
    let role_id = format!("purviewmetadatarole_builtin_{slug}");
    let existing = rules.iter_mut().find(|r| {
        r.get("id")
            .and_then(Value::as_str)
            .is_some_and(|i| i.eq_ignore_ascii_case(rule_id))
    });
    let Some(rule) = existing else {
        rules.push(json!({
            "kind": "attributerule",
            "id": rule_id,
            "name": rule_id,
            "dnfCondition": [[
                {"attributeName": "principal.microsoft.id", "attributeValueIncludedIn": [principal]},
                {"fromRule": role_id, "attributeName": "derived.purview.role", "attributeValueIncludes": role_id},
            ]],
        }));
        return true;
    };
    let conds = rule
        .get_mut("dnfCondition")
        .and_then(Value::as_array_mut)
        .and_then(|d| d.first_mut())
        .and_then(Value::as_array_mut);
    let Some(conds) = conds else { return false };
    let members = conds
        .iter_mut()
        .find(|c| c.get("attributeName").and_then(Value::as_str) == Some("principal.microsoft.id"));
    match members {
        Some(c) => {
            let list = c
                .as_object_mut()
                .map(|o| {
                    o.entry("attributeValueIncludedIn")
                        .or_insert_with(|| json!([]))
                })
                .and_then(Value::as_array_mut);
            let Some(list) = list else { return false };
            if list.iter().any(|v| {
                v.as_str()
                    .is_some_and(|v| v.eq_ignore_ascii_case(principal))
            }) {
                return false;
            }
            list.push(json!(principal));
            true
        }
        None => {
            conds.insert(
                0,
                json!({"attributeName": "principal.microsoft.id", "attributeValueIncludedIn": [principal]}),
            );
            true
        }
    }
}

fn bap_environments_url(op: &Operator) -> String {
    format!(
        "{}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version={BAP_API}",
        op.bap_base.trim_end_matches('/')
    )
}

/// Adds the app as an application user of the environment. The operator's right to do it is
/// tested by listing the environments as an administrator, which needs the same standing.
pub async fn application_user(cx: &Context<'_>, f: &Finding) -> Vec<Step> {
    let ev = cx.evidence;
    let client = ev
        .token
        .client_id
        .clone()
        .or(ev.app.app_id.clone())
        .unwrap_or(cx.doctor.client_id.clone());
    if client.is_empty() || cx.operator.token(Service::PowerPlatform).is_err() {
        return vec![missing(cx, f, Service::PowerPlatform)];
    }
    let op = cx.operator;
    let listed = read(
        cx,
        Service::PowerPlatform,
        bap_environments_url(op),
        "fix.lookup.pp_environments",
    )
    .await;
    let known = ev.dataplane.environment.clone().or_else(|| {
        // `…/environments/{id}` in the URL the doctor called.
        let url = ev.api_call.url.as_deref()?;
        let (_, rest) = url.split_once("/environments/")?;
        rest.split(['/', '?']).next().map(String::from)
    });
    let names: Vec<String> = listed
        .as_ref()
        .ok()
        .and_then(|v| v["value"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e["name"].as_str().map(String::from))
        .collect();
    let env = match (&known, &listed) {
        (Some(e), _) => Some(e.clone()),
        (None, Ok(_)) if names.len() == 1 => Some(names[0].clone()),
        (None, Ok(_)) => {
            let mut s = manual_from(f);
            s.action = format!(
                "{} (fix cannot tell which environment: {})",
                f.title,
                if names.is_empty() {
                    "the operator sees none".to_string()
                } else {
                    format!("there are {}", names.join(", "))
                }
            );
            s.instructions.push(format!("Say which with `--call` on the environment's own URL, or add the app user there: POST {}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{{environment}}/addAppUser?api-version={BAP_API} with {{\"servicePrincipalAppId\": \"{client}\"}}", op.bap_base.trim_end_matches('/')));
            return vec![s];
        }
        (None, Err(_)) => None,
    };
    let env_shown = env.clone().unwrap_or_else(|| "(the environment)".into());
    let mut s = Step::automatic(
        &f.rule,
        format!("Add app {client} as an application user of Power Platform environment {env_shown}"),
        Request {
            service: Service::PowerPlatform,
            method: "POST".into(),
            url: format!(
                "{}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{env_shown}/addAppUser?api-version={BAP_API}",
                op.bap_base.trim_end_matches('/')
            ),
            body: json!({ "servicePrincipalAppId": client }),
        },
        PP_ADD_APP_USER,
        format!("Power Platform admin center > Manage > Environments > {env_shown} > Settings > Users + permissions > Application users > select app {client} > Deactivate, then Delete (no documented API call removes it)"),
    );
    s.instructions.push("Then give the application user a security role with only the privileges the app needs (Application users > the app > Edit security roles).".into());
    if let Err(e) = listed {
        s.blocked = Some(format!(
            "the operator may not manage the environments' users ({e}): it needs to be a Power Platform administrator or a registered management application"
        ));
    }
    vec![s]
}

/// Registers the app as a Power Platform management application.
pub fn management_app(cx: &Context<'_>, f: &Finding) -> Vec<Step> {
    let ev = cx.evidence;
    let client = ev
        .token
        .client_id
        .clone()
        .or(ev.app.app_id.clone())
        .unwrap_or(cx.doctor.client_id.clone());
    if client.is_empty() {
        return vec![missing(cx, f, Service::PowerPlatform)];
    }
    let url = format!(
        "{}/providers/Microsoft.BusinessAppPlatform/adminApplications/{client}?api-version={BAP_API}",
        cx.operator.bap_base.trim_end_matches('/')
    );
    vec![Step::automatic(
        &f.rule,
        format!("Register app {client} as a Power Platform management application"),
        Request {
            service: Service::PowerPlatform,
            method: "PUT".into(),
            url,
            body: json!({}),
        },
        PP_REGISTER_APP,
        format!("`Remove-PowerAppManagementApp -ApplicationId {client}` (Microsoft.PowerApps.Administration.PowerShell), signed in as a Power Platform administrator"),
    )]
}

/// The pre-check of a data-plane step: the operator has a token for it; registering a
/// management application needs a user's (delegated) token. The collection and environment
/// rights were tested while the plan was built (reading the policy, listing the environments).
pub fn precheck(s: &mut Step, op: &Operator) {
    let Some(req) = &s.request else { return };
    let token = match op.token(req.service) {
        Ok(t) => t,
        Err(why) => {
            let svc = match req.service {
                Service::Purview => "Purview",
                _ => "Power Platform",
            };
            s.blocked = Some(format!("{svc}: {why}"));
            return;
        }
    };
    if s.need != Some(PP_REGISTER_APP) {
        return;
    }
    let app_only = authcheck_offline::jwt::decode(token.expose())
        .map(|t| {
            t.claims.get("idtyp").and_then(Value::as_str) == Some("app")
                || !t.claims.contains_key("scp")
        })
        .unwrap_or(true);
    if app_only {
        s.blocked = Some(format!(
            "the operator's Power Platform token is app-only: the operator lacks {}",
            PP_REGISTER_APP.named
        ));
    } else {
        s.unverified = Some(
            "the operator's Power Platform token is a user's: whether the user is a Power Platform administrator only the admin API can say".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Value {
        json!({"id": "p1", "version": 1, "properties": {"attributeRules": [
            {"id": "purviewmetadatarole_builtin_data-curator:acct", "dnfCondition": [[
                {"attributeName": "principal.microsoft.id", "attributeValueIncludedIn": ["a"]},
                {"fromRule": "purviewmetadatarole_builtin_data-curator", "attributeName": "derived.purview.role", "attributeValueIncludes": "purviewmetadatarole_builtin_data-curator"}
            ]]},
            {"id": "purviewmetadatarole_builtin_collection-administrator:acct", "dnfCondition": [[
                {"attributeName": "principal.microsoft.id", "attributeValueIncludedIn": ["admin"]}
            ]]}
        ], "decisionRules": [{"kind": "decisionrule"}]}})
    }

    #[test]
    fn a_member_is_added_and_nothing_else_changes() {
        let mut p = policy();
        assert!(add_member(
            &mut p,
            "purviewmetadatarole_builtin_data-curator:acct",
            "data-curator",
            "b"
        ));
        let rules = p["properties"]["attributeRules"].as_array().unwrap();
        assert_eq!(
            rules[0]["dnfCondition"][0][0]["attributeValueIncludedIn"],
            json!(["a", "b"])
        );
        assert_eq!(
            rules[1]["dnfCondition"][0][0]["attributeValueIncludedIn"],
            json!(["admin"])
        );
        assert_eq!(
            p["properties"]["decisionRules"],
            json!([{"kind": "decisionrule"}])
        );
        // Twice: nothing to add.
        assert!(!add_member(
            &mut p,
            "purviewmetadatarole_builtin_data-curator:acct",
            "data-curator",
            "B"
        ));
    }

    /// A token with these claims and a meaningless signature: the pre-check reads claims only.
    fn token(claims: Value) -> crate::credential::Secret {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let enc = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
        crate::credential::Secret::new(format!(
            "{}.{}.{}",
            enc(json!({"alg": "RS256", "typ": "JWT"})),
            enc(claims),
            URL_SAFE_NO_PAD.encode([7u8; 256])
        ))
    }

    fn register_step() -> Step {
        Step::automatic(
            "power-platform-management-app-missing",
            "register".into(),
            Request {
                service: Service::PowerPlatform,
                method: "PUT".into(),
                url:
                    "http://127.0.0.1:1/providers/Microsoft.BusinessAppPlatform/adminApplications/x"
                        .into(),
                body: json!({}),
            },
            PP_REGISTER_APP,
            "undo".into(),
        )
    }

    fn operator(pp: Result<crate::credential::Secret, String>) -> Operator {
        Operator {
            graph: Err("none".into()),
            arm: Err("none".into()),
            purview: Err("none".into()),
            powerplatform: pp,
            bap_base: BAP.into(),
        }
    }

    #[test]
    fn only_a_users_token_may_register_a_management_application() {
        let mut s = register_step();
        precheck(
            &mut s,
            &operator(Ok(token(json!({"idtyp": "app", "roles": []})))),
        );
        assert!(s.blocked.unwrap().contains("app-only"));
        let mut s = register_step();
        precheck(
            &mut s,
            &operator(Ok(token(json!({"scp": "user_impersonation"})))),
        );
        assert!(s.blocked.is_none() && s.unverified.is_some());
        let mut s = register_step();
        precheck(&mut s, &operator(Err("no operator identity".into())));
        assert!(s
            .blocked
            .unwrap()
            .starts_with("Power Platform: no operator identity"));
    }

    #[test]
    fn a_missing_rule_is_made_in_purviews_shape() {
        let mut p = policy();
        assert!(add_member(
            &mut p,
            "purviewmetadatarole_builtin_purview-reader:acct",
            "purview-reader",
            "c"
        ));
        let rules = p["properties"]["attributeRules"].as_array().unwrap();
        assert_eq!(rules.len(), 3);
        assert_eq!(
            rules[2]["dnfCondition"][0][0]["attributeValueIncludedIn"],
            json!(["c"])
        );
        assert_eq!(
            rules[2]["dnfCondition"][0][1]["attributeValueIncludes"],
            "purviewmetadatarole_builtin_purview-reader"
        );
    }
}
