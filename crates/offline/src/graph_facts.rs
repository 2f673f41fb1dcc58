//! Microsoft Graph objects as evidence: the app registration, its service principal, grants,
//! assignees, federated credentials, permission names, sign-ins and conditional access policies,
//! from the JSON Graph returns. The live doctor and `az` exports both come through here, so the same
//! rules run whichever way the objects were obtained.
use authcheck_model::evidence::{
    Assignee, ConditionalAccessPolicy, Evidence, FederatedCredential, Grant, Permission,
    Secret as SecretFact, SignInGroup,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// What was read. Raw JSON objects, turned into evidence by [`fill_evidence`].
#[derive(Debug, Default)]
pub struct GraphFacts {
    /// `Some(None)`: looked up, not found.
    pub application: Option<Option<Value>>,
    pub service_principal: Option<Option<Value>>,
    /// The target API's service principal.
    pub target_principal: Option<Option<Value>>,
    pub app_role_assignments: Option<Vec<Value>>,
    pub delegated_grants: Option<Vec<Value>>,
    pub assignees: Option<Vec<Value>>,
    pub federated_credentials: Option<Vec<Value>>,
    /// Service principals of the APIs the app requests permissions from, by app id.
    pub resource_principals: BTreeMap<String, Value>,
    pub signins: Option<Vec<Value>>,
    /// Conditional access policies (all of them; [`policies_for`] picks the app's).
    pub conditional_access: Option<Vec<Value>>,
}

/// The enabled conditional access policies that cover `app_id` (or its service principal `sp_id`)
/// and are not excluded for it, with what they demand, as `name (block)` lines for the check detail.
pub fn policies_for(policies: &[Value], app_id: &str, sp_id: Option<&str>) -> Vec<String> {
    policies
        .iter()
        .map(|p| conditional_access_policy(p, Some(app_id), sp_id))
        .filter(|p| p.state.as_deref() == Some("enabled") && !p.excluded)
        .filter(|p| p.applies_to_workload_identity || (p.includes_app && p.includes_users))
        .map(|p| {
            format!(
                "{} ({})",
                p.display_name.as_deref().unwrap_or("unnamed"),
                p.grant_controls.join(", ")
            )
        })
        .collect()
}

/// One `conditionalAccessPolicy` object as it bears on the app `app_id` and its service principal
/// `sp_id` (shared with `az rest` exports).
pub fn conditional_access_policy(
    p: &Value,
    app_id: Option<&str>,
    sp_id: Option<&str>,
) -> ConditionalAccessPolicy {
    let is = |list: &[String], id: Option<&str>| {
        id.is_some_and(|id| list.iter().any(|x| x.eq_ignore_ascii_case(id)))
    };
    let apps = strings(p.pointer("/conditions/applications/includeApplications"));
    let not_apps = strings(p.pointer("/conditions/applications/excludeApplications"));
    let sps = strings(p.pointer("/conditions/clientApplications/includeServicePrincipals"));
    let not_sps = strings(p.pointer("/conditions/clientApplications/excludeServicePrincipals"));
    let users = p.pointer("/conditions/users");
    let includes_users = ["includeUsers", "includeGroups", "includeRoles"]
        .iter()
        .any(|k| {
            strings(users.and_then(|u| u.get(*k)))
                .iter()
                .any(|x| x != "None")
        })
        || users
            .and_then(|u| u.get("includeGuestsOrExternalUsers"))
            .is_some_and(|g| !g.is_null());
    let grant_controls = strings(p.pointer("/grantControls/builtInControls"));
    ConditionalAccessPolicy {
        id: str_of(p, "id").map(str::to_string),
        display_name: str_of(p, "displayName").map(str::to_string),
        state: str_of(p, "state").map(str::to_string),
        block: grant_controls
            .iter()
            .any(|c| c.eq_ignore_ascii_case("block")),
        grant_operator: p
            .pointer("/grantControls/operator")
            .and_then(|o| o.as_str())
            .map(str::to_string),
        grant_controls,
        applies_to_workload_identity: sps.iter().any(|s| s == "ServicePrincipalsInMyTenant")
            || is(&sps, sp_id),
        includes_app: apps.iter().any(|a| a == "All") || is(&apps, app_id),
        applications: apps.clone(),
        includes_users,
        excluded: is(&not_apps, app_id) || is(&not_sps, sp_id),
        locations: strings(p.pointer("/conditions/locations/includeLocations")),
        excluded_locations: strings(p.pointer("/conditions/locations/excludeLocations")),
    }
}

/// Records, of all the tenant's policies, the ones that can apply to the app's sign-ins in
/// `sp.conditional_access`: those naming its service principal as a workload identity, those
/// including the app as a target resource for users, and those excluding either. A policy for
/// other service principals that targets `All` resources is left out: it never meets this app.
pub fn fill_conditional_access(
    policies: &[Value],
    app_id: Option<&str>,
    sp_id: Option<&str>,
    ev: &mut Evidence,
) {
    ev.sp.conditional_access_checked = true;
    ev.sp.conditional_access = policies
        .iter()
        .map(|p| conditional_access_policy(p, app_id, sp_id))
        .filter(|p| {
            p.applies_to_workload_identity || (p.includes_app && p.includes_users) || p.excluded
        })
        .collect();
}

pub fn list(v: &Value) -> Vec<Value> {
    v.get("value")
        .and_then(|a| a.as_array())
        .cloned()
        .unwrap_or_default()
}

pub fn str_of<'v>(v: &'v Value, k: &str) -> Option<&'v str> {
    v.get(k).and_then(|x| x.as_str())
}

pub fn quote(s: &str) -> String {
    s.replace('\'', "''")
}

pub fn time_of(v: &Value, k: &str) -> (Option<i64>, Option<String>) {
    let s = str_of(v, k).map(str::to_string);
    let at = s
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|d| d.timestamp());
    (at, s)
}

/// A certificate's SHA-1 thumbprint from Graph's `customKeyIdentifier` (base64 bytes, or hex as `az` shows it).
fn thumbprint(v: &str) -> String {
    use base64::Engine as _;
    if v.len() == 40 && v.chars().all(|c| c.is_ascii_hexdigit()) {
        return v.to_ascii_uppercase();
    }
    match base64::engine::general_purpose::STANDARD.decode(v) {
        Ok(b) if b.len() == 20 => b.iter().map(|x| format!("{x:02X}")).collect(),
        _ => v.to_string(),
    }
}

/// The SHA-256 thumbprint (upper-case hex) of a certificate Graph returned in `key` (base64 DER,
/// present only when the key credential is selected explicitly).
fn sha256_thumbprint(key_b64: &str) -> Option<String> {
    use base64::Engine as _;
    use sha2::Digest as _;
    let der = base64::engine::general_purpose::STANDARD
        .decode(key_b64.trim())
        .ok()
        .filter(|d| !d.is_empty())?;
    Some(
        sha2::Sha256::digest(&der)
            .iter()
            .map(|x| format!("{x:02X}"))
            .collect(),
    )
}

pub fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// One `federatedIdentityCredential` object as a fact (shared with `az` exports).
pub fn federated_credential(c: &Value) -> FederatedCredential {
    FederatedCredential {
        name: str_of(c, "name").map(str::to_string),
        issuer: str_of(c, "issuer").map(str::to_string),
        subject: str_of(c, "subject").map(str::to_string),
        audiences: strings(c.get("audiences")),
    }
}

/// Turns what was read into evidence facts.
pub fn fill_evidence(f: &GraphFacts, ev: &mut Evidence) {
    // Permission names: (api app id, permission id) → (value, api name).
    let mut names: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut api_names: BTreeMap<String, String> = BTreeMap::new();
    let mut sp_to_app: BTreeMap<String, String> = BTreeMap::new();
    let mut principals: Vec<&Value> = f.resource_principals.values().collect();
    if let Some(Some(t)) = &f.target_principal {
        principals.push(t);
    }
    for sp in principals {
        let app_id = str_of(sp, "appId").unwrap_or_default().to_string();
        if let Some(id) = str_of(sp, "id") {
            sp_to_app.insert(id.to_string(), app_id.clone());
        }
        if let Some(n) = str_of(sp, "displayName") {
            api_names.insert(app_id.clone(), n.to_string());
        }
        for k in ["appRoles", "oauth2PermissionScopes"] {
            for r in sp.get(k).and_then(|x| x.as_array()).into_iter().flatten() {
                if let (Some(id), Some(val)) = (str_of(r, "id"), str_of(r, "value")) {
                    names.insert((app_id.clone(), id.to_string()), val.to_string());
                }
            }
        }
    }
    match &f.application {
        Some(Some(a)) => {
            ev.note_source("app", "graph");
            let app = &mut ev.app;
            app.known = true;
            app.exists = Some(true);
            app.app_id = str_of(a, "appId").map(str::to_string);
            app.object_id = str_of(a, "id").map(str::to_string);
            app.display_name = str_of(a, "displayName").map(str::to_string);
            app.sign_in_audience = str_of(a, "signInAudience").map(str::to_string);
            app.public_client_flows = Some(
                a.get("isFallbackPublicClient")
                    .and_then(|b| b.as_bool())
                    .unwrap_or(false),
            );
            app.spa_redirect_uris = strings(a.pointer("/spa/redirectUris"));
            app.web_redirect_uris = strings(a.pointer("/web/redirectUris"));
            app.public_client_redirect_uris = strings(a.pointer("/publicClient/redirectUris"));
            app.identifier_uris = strings(a.get("identifierUris"));
            app.disabled_by_microsoft = str_of(a, "disabledByMicrosoftStatus").map(str::to_string);
            app.secrets = a
                .get("passwordCredentials")
                .and_then(|x| x.as_array())
                .into_iter()
                .flatten()
                .map(|s| {
                    let (start_at, _) = time_of(s, "startDateTime");
                    let (end_at, end) = time_of(s, "endDateTime");
                    SecretFact {
                        key_id: str_of(s, "keyId").map(str::to_string),
                        display_name: str_of(s, "displayName").map(str::to_string),
                        hint: str_of(s, "hint").map(str::to_string),
                        start_at,
                        end_at,
                        end,
                        ..SecretFact::default()
                    }
                })
                .collect();
            app.certificates = a
                .get("keyCredentials")
                .and_then(|x| x.as_array())
                .into_iter()
                .flatten()
                .map(|c| {
                    let (start_at, _) = time_of(c, "startDateTime");
                    let (end_at, end) = time_of(c, "endDateTime");
                    authcheck_model::evidence::Certificate {
                        key_id: str_of(c, "keyId").map(str::to_string),
                        display_name: str_of(c, "displayName").map(str::to_string),
                        thumbprint: str_of(c, "customKeyIdentifier").map(thumbprint),
                        thumbprint_sha256: str_of(c, "key").and_then(sha256_thumbprint),
                        start_at,
                        end_at,
                        end,
                        ..Default::default()
                    }
                })
                .collect();
            let mut perms = Vec::new();
            for r in a
                .get("requiredResourceAccess")
                .and_then(|x| x.as_array())
                .into_iter()
                .flatten()
            {
                let rid = str_of(r, "resourceAppId").unwrap_or_default().to_string();
                for p in r
                    .get("resourceAccess")
                    .and_then(|x| x.as_array())
                    .into_iter()
                    .flatten()
                {
                    let id = str_of(p, "id").unwrap_or_default().to_string();
                    perms.push(Permission {
                        resource_app_id: Some(rid.clone()),
                        resource_name: api_names.get(&rid).cloned().or_else(|| {
                            authcheck_model::knowledge::apis::by_resource(&rid)
                                .map(|x| x.display_name.to_string())
                        }),
                        kind: str_of(p, "type").map(str::to_string),
                        value: names.get(&(rid.clone(), id.clone())).cloned(),
                        id: Some(id),
                        granted: None,
                    });
                }
            }
            app.required_permissions = perms;
            if let Some(fics) = &f.federated_credentials {
                app.federated_credentials = fics.iter().map(federated_credential).collect();
            }
        }
        Some(None) => {
            ev.note_source("app", "graph");
            ev.app.exists = Some(false);
        }
        None => {}
    }
    match &f.service_principal {
        Some(Some(s)) => {
            ev.note_source("sp", "graph");
            let sp = &mut ev.sp;
            // Grants are only known when they were read.
            sp.known = f.app_role_assignments.is_some() && f.delegated_grants.is_some();
            sp.exists = Some(true);
            sp.object_id = str_of(s, "id").map(str::to_string);
            sp.display_name = str_of(s, "displayName").map(str::to_string);
            sp.enabled = s.get("accountEnabled").and_then(|b| b.as_bool());
            sp.assignment_required = s.get("appRoleAssignmentRequired").and_then(|b| b.as_bool());
            sp.app_owner_tenant_id = str_of(s, "appOwnerOrganizationId").map(str::to_string);
            for r in f.app_role_assignments.iter().flatten() {
                let rid = str_of(r, "resourceId")
                    .and_then(|x| sp_to_app.get(x).cloned())
                    .or_else(|| {
                        str_of(r, "resourceDisplayName")
                            .and_then(|n| api_names.iter().find(|(_, v)| v.as_str() == n))
                            .map(|(k, _)| k.clone())
                    });
                let role = str_of(r, "appRoleId").unwrap_or_default().to_string();
                let value = rid
                    .as_ref()
                    .and_then(|a| names.get(&(a.clone(), role.clone())).cloned())
                    .unwrap_or(role);
                sp.app_roles.push(Grant {
                    resource_app_id: rid,
                    resource_name: str_of(r, "resourceDisplayName").map(str::to_string),
                    value: Some(value),
                    consent_type: None,
                    created_at: time_of(r, "createdDateTime").0,
                });
            }
            for g in f.delegated_grants.iter().flatten() {
                let rid = str_of(g, "resourceId").and_then(|x| sp_to_app.get(x).cloned());
                for scope in str_of(g, "scope").unwrap_or_default().split_whitespace() {
                    sp.delegated_grants.push(Grant {
                        resource_app_id: rid.clone(),
                        resource_name: rid.as_ref().and_then(|r| api_names.get(r).cloned()),
                        value: Some(scope.to_string()),
                        consent_type: str_of(g, "consentType").map(str::to_string),
                        created_at: None,
                    });
                }
            }
            sp.assignees = f
                .assignees
                .iter()
                .flatten()
                .map(|a| Assignee {
                    principal_id: str_of(a, "principalId").map(str::to_string),
                    principal_type: str_of(a, "principalType").map(str::to_string),
                    display_name: str_of(a, "principalDisplayName").map(str::to_string),
                })
                .collect();
        }
        Some(None) => {
            ev.note_source("sp", "graph");
            ev.sp.exists = Some(false);
        }
        None => {}
    }
    if let Some(t) = &f.target_principal {
        ev.resource.sp_in_tenant = Some(t.is_some());
        ev.note_source("resource", "graph");
    }
    if let Some(items) = &f.signins {
        fill_signins(items, ev);
    }
    if let Some(policies) = &f.conditional_access {
        let app_of = |v: &Option<Option<Value>>| {
            v.as_ref()
                .and_then(|o| o.as_ref())
                .and_then(|o| str_of(o, "appId"))
                .map(str::to_string)
        };
        let app_id = app_of(&f.application)
            .or_else(|| app_of(&f.service_principal))
            .or_else(|| ev.request.client_id.clone())
            .or_else(|| ev.token.client_id.clone());
        let sp_id = f
            .service_principal
            .as_ref()
            .and_then(|o| o.as_ref())
            .and_then(|o| str_of(o, "id"))
            .map(str::to_string);
        fill_conditional_access(policies, app_id.as_deref(), sp_id.as_deref(), ev);
        if !ev.input.sources.contains_key("sp") {
            ev.note_source("sp", "graph");
        }
    }
}

fn fill_signins(items: &[Value], ev: &mut Evidence) {
    let s = &mut ev.signins;
    s.checked = true;
    s.total = items.len() as i64;
    let mut groups: BTreeMap<(i64, String), SignInGroup> = BTreeMap::new();
    for i in items {
        let code = i
            .pointer("/status/errorCode")
            .and_then(|c| c.as_i64())
            .unwrap_or(0);
        if code == 0 {
            continue;
        }
        s.failures += 1;
        let resource = str_of(i, "resourceDisplayName").map(str::to_string);
        let at = time_of(i, "createdDateTime").0;
        let g = groups
            .entry((code, resource.clone().unwrap_or_default()))
            .or_insert_with(|| SignInGroup {
                error_code: Some(code),
                app_id: str_of(i, "appId").map(str::to_string),
                app_name: str_of(i, "appDisplayName").map(str::to_string),
                resource,
                conditional_access: str_of(i, "conditionalAccessStatus").map(str::to_string),
                ..SignInGroup::default()
            });
        g.count += 1;
        g.first_at = match (g.first_at, at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        g.last_at = match (g.last_at, at) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    let mut gs: Vec<SignInGroup> = groups.into_values().collect();
    gs.sort_by_key(|g| std::cmp::Reverse(g.count));
    s.top_error_code = gs.first().and_then(|g| g.error_code);
    s.groups = gs;
    ev.note_source("signins", "graph");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_from_the_certificate() {
        // SHA-256 of the three bytes "abc".
        assert_eq!(
            sha256_thumbprint("YWJj").as_deref(),
            Some("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")
        );
        assert_eq!(sha256_thumbprint(""), None);
        assert_eq!(sha256_thumbprint("%%"), None);
    }

    #[test]
    fn thumbprints() {
        assert_eq!(thumbprint("ab".repeat(20).as_str()), "AB".repeat(20));
        // 20 bytes of 0x01 in base64.
        assert_eq!(thumbprint("AQEBAQEBAQEBAQEBAQEBAQEBAQE="), "01".repeat(20));
    }

    #[test]
    fn conditional_access_policies() {
        let p = |state: &str, sps: &[&str], not_sps: &[&str], users: &[&str], grant: &str| {
            serde_json::json!({
                "id": "p", "displayName": format!("{state} {grant}"), "state": state,
                "conditions": {
                    "applications": {"includeApplications": ["All"], "excludeApplications": []},
                    "users": {"includeUsers": users, "includeGroups": [], "includeRoles": []},
                    "clientApplications": {"includeServicePrincipals": sps, "excludeServicePrincipals": not_sps},
                    "locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}
                },
                "grantControls": {"operator": "OR", "builtInControls": [grant]}
            })
        };
        let wi = conditional_access_policy(
            &p("enabled", &["sp1"], &[], &["None"], "block"),
            Some("cid"),
            Some("SP1"),
        );
        assert!(wi.block && wi.applies_to_workload_identity && wi.includes_app);
        assert!(!wi.includes_users && !wi.excluded);
        assert_eq!(wi.excluded_locations, vec!["AllTrusted"]);
        let excluded = conditional_access_policy(
            &p(
                "enabled",
                &["ServicePrincipalsInMyTenant"],
                &["sp1"],
                &[],
                "block",
            ),
            Some("cid"),
            Some("sp1"),
        );
        assert!(excluded.applies_to_workload_identity && excluded.excluded);
        let users = conditional_access_policy(
            &serde_json::json!({"state": "enabled", "conditions": {"applications": {"includeApplications": ["cid"]},
                "users": {"includeUsers": ["All"]}}, "grantControls": {"builtInControls": ["mfa"]}}),
            Some("CID"),
            None,
        );
        assert!(users.includes_app && users.includes_users && !users.block);
        assert!(!users.applies_to_workload_identity);

        let all = vec![
            p("enabled", &["sp1"], &[], &[], "block"),
            p(
                "enabledForReportingButNotEnforced",
                &["sp1"],
                &[],
                &[],
                "block",
            ),
            p("enabled", &["sp1"], &["sp1"], &[], "block"),
            p("enabled", &["other"], &[], &[], "mfa"),
        ];
        assert_eq!(
            policies_for(&all, "cid", Some("sp1")),
            vec!["enabled block (block)"]
        );
        let mut ev = Evidence::new(1_800_000_000);
        ev.request.flow = Some(authcheck_model::evidence::Flow::ClientCredentials);
        fill_conditional_access(&all, Some("cid"), Some("sp1"), &mut ev);
        authcheck_model::evidence::derive::derive(&mut ev, None);
        // The MFA policy for another service principal never meets this app.
        assert_eq!(ev.sp.conditional_access.len(), 3);
        assert_eq!(ev.sp.blocking_policies, vec!["enabled block"]);
        assert!(ev.populated().contains(&"sp"));
    }

    #[test]
    fn app_facts() {
        let app = serde_json::json!({
            "id": "obj", "appId": "cid", "displayName": "Reports",
            "signInAudience": "AzureADMyOrg",
            "spa": {"redirectUris": ["http://localhost:3000"]},
            "web": {"redirectUris": []},
            "passwordCredentials": [{"keyId": "k", "hint": "abc", "endDateTime": "2026-01-01T00:00:00Z"}],
            "requiredResourceAccess": [{"resourceAppId": "00000003-0000-0000-c000-000000000000",
                "resourceAccess": [{"id": "r1", "type": "Role"}]}]
        });
        let graph_sp = serde_json::json!({"id": "gsp", "appId": "00000003-0000-0000-c000-000000000000",
            "displayName": "Microsoft Graph", "appRoles": [{"id": "r1", "value": "User.Read.All"}]});
        let f = GraphFacts {
            application: Some(Some(app)),
            service_principal: Some(Some(
                serde_json::json!({"id": "sp", "accountEnabled": true}),
            )),
            app_role_assignments: Some(vec![]),
            delegated_grants: Some(vec![]),
            resource_principals: BTreeMap::from([(
                "00000003-0000-0000-c000-000000000000".to_string(),
                graph_sp,
            )]),
            ..GraphFacts::default()
        };
        let mut ev = Evidence::new(1_800_000_000);
        fill_evidence(&f, &mut ev);
        authcheck_model::evidence::derive::derive(&mut ev, None);
        assert_eq!(ev.app.spa_redirect_uris, vec!["http://localhost:3000"]);
        assert!(ev.app.spa_only);
        assert_eq!(
            ev.app.required_permissions[0].value.as_deref(),
            Some("User.Read.All")
        );
        assert_eq!(ev.app.required_permissions[0].granted, Some(false));
        assert!(ev.app.all_secrets_expired);
    }
}
