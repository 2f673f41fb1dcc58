//! From findings to steps: one repair per finding the tool knows how to make safely, from the
//! evidence the doctor gathered (the app's ids, its ungranted permissions, the scope and principal
//! of the missing role, the subject the workload presents), with the few ids the evidence lacks
//! (the resource's service principal, the role definition) read with the operator's identity.
//! Every other finding becomes a manual step carrying the finding's own fix.

use super::choice::{decide, ChoiceOption, Decision};
use super::permissions;
use super::{Operator, RepairPlan, Request, Service, Step};
use crate::doctor::Plan as DoctorPlan;
use crate::http::{Chain, Http, Req};
use authcheck_model::evidence::Evidence;
use authcheck_model::report::Finding;
use serde_json::{json, Value};
use std::path::Path;

/// The ARM api-version of the role assignment and definition requests.
const ARM_AUTHZ_API: &str = "2022-04-01";
/// How long a new client secret lives (Microsoft recommends less than 12 months).
const NEW_SECRET_DAYS: i64 = 180;

/// Where a plan is built: the doctor's settings and evidence, the operator, and `--secret-out`.
pub struct Context<'a> {
    pub doctor: &'a DoctorPlan,
    pub evidence: &'a Evidence,
    pub operator: &'a Operator,
    pub http: &'a Http,
    pub now: i64,
    pub secret_out: Option<&'a Path>,
    /// `--choose FINDING=OPTION`, checked already.
    pub choices: &'a [(String, String)],
}

impl Context<'_> {
    /// The operator's `--choose` for this finding.
    fn picked(&self, f: &Finding) -> Option<&str> {
        self.choices
            .iter()
            .find(|(k, _)| *k == f.rule)
            .map(|(_, v)| v.as_str())
    }
}

/// The plan for these findings, in their order (root cause first), one entry per rule.
pub async fn build(cx: &Context<'_>, findings: &[Finding]) -> RepairPlan {
    let mut plan = RepairPlan::default();
    let mut seen: Vec<&str> = vec![];
    for f in findings {
        // The two Purview findings have one repair (the role on the collection the call
        // targets): the first, root cause first, makes it.
        let key = match f.rule.as_str() {
            "data-plane-role-missing" | "purview-role-on-other-collection" => {
                "purview-collection-role"
            }
            r => r,
        };
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let steps = match f.rule.as_str() {
            "admin-consent-missing" => admin_consent(cx, f).await,
            "rbac-role-missing" => azure_role(cx, f).await,
            "public-client-flows-disabled" => public_client(cx, f),
            "user-assignment-required" => user_assignment(cx, f).await,
            "service-principal-missing" => service_principal(cx, f, cx.doctor.client_id.clone(), "the app"),
            "resource-principal-missing" => match cx.evidence.resource.app_id.clone() {
                Some(id) => service_principal(cx, f, id, "the API"),
                None => vec![manual_from(f)],
            },
            "redirect-uri-mismatch" => redirect_uri(cx, f),
            "spa-cross-origin-redemption" => spa_or_origin(cx, f),
            "client-secret-expired" => new_secret(cx, f),
            "federated-credential-mismatch" => federated_credential(cx, f),
            "data-plane-role-missing" | "purview-role-on-other-collection" => super::dataplane::purview_role(cx, f).await,
            "power-platform-application-user-missing" => super::dataplane::application_user(cx, f).await,
            "power-platform-management-app-missing" => super::dataplane::management_app(cx, f),
            "rbac-propagation-pending" => vec![Step::manual(
                &f.rule,
                "Wait for the new role assignment to take effect (nothing to change)".into(),
                vec!["Role assignments take minutes (ARM) to an hour (some data planes) to be in force; ask for a new token afterwards.".into()],
                Some("authcheck doctor --wait".into()),
            )],
            _ => vec![manual_from(f)],
        };
        plan.steps.extend(steps);
    }
    plan
}

/// A manual step from the finding's own fix.
pub(super) fn manual_from(f: &Finding) -> Step {
    let command = f.fix.iter().find_map(|s| s.command.clone());
    let instructions = f.fix.iter().map(|s| s.text.clone()).collect();
    Step::manual(
        &f.rule,
        format!("{} (no safe automatic repair)", f.title),
        instructions,
        command,
    )
}

/// A finding `fix` could repair, had the doctor read what the repair needs (the app registration,
/// its service principal, the role assignments): a manual step saying why, with the finding's fix.
pub(super) fn missing(cx: &Context<'_>, f: &Finding, service: Service) -> Step {
    let mut s = manual_from(f);
    let why = match cx.operator.token(service) {
        Err(e) => format!(" — {e}"),
        Ok(_) => String::new(),
    };
    s.action = format!(
        "{} (an automatic repair needs facts the doctor could not read{why})",
        f.title
    );
    s
}

fn graph_base(cx: &Context<'_>) -> String {
    format!("{}/v1.0", cx.doctor.graph.trim_end_matches('/'))
}

/// A GET with the operator's token; the JSON on success, else why not.
pub(super) async fn read(
    cx: &Context<'_>,
    service: Service,
    url: String,
    label: &str,
) -> Result<Value, String> {
    let token = cx.operator.token(service).map_err(str::to_string)?;
    let (r, _) = cx
        .http
        .send(
            &Req::get(url, label).bearer(token.expose()),
            Chain::default(),
        )
        .await;
    match r {
        Ok(r) if r.is_success() => r.json().ok_or_else(|| "the answer is not JSON".into()),
        Ok(r) => {
            let (code, msg) = r
                .json()
                .map(|j| crate::http::service_error(&j))
                .unwrap_or((None, None));
            Err(format!(
                "HTTP {}{}",
                r.status,
                code.map(|c| format!(" {c}")).unwrap_or_default()
            ) + &msg.map(|m| format!(": {m}")).unwrap_or_default())
        }
        Err(e) => Err(e.short()),
    }
}

/// The service principal object id of an app id (read with the operator's Graph token).
async fn sp_of(cx: &Context<'_>, app_id: &str) -> Result<String, String> {
    let url = format!(
        "{}/servicePrincipals(appId='{app_id}')?$select=id,displayName",
        graph_base(cx)
    );
    let v = read(cx, Service::Graph, url, "fix.lookup.sp").await?;
    v["id"]
        .as_str()
        .map(String::from)
        .ok_or_else(|| format!("no service principal for {app_id}"))
}

fn blocked_lookup(mut s: Step, why: &str) -> Step {
    s.blocked = Some(format!("could not read an id the request needs: {why}"));
    s
}

async fn admin_consent(cx: &Context<'_>, f: &Finding) -> Vec<Step> {
    let ev = cx.evidence;
    let ungranted: Vec<_> = ev
        .app
        .required_permissions
        .iter()
        .filter(|p| p.granted == Some(false))
        .collect();
    let Some(client_sp) = ev.sp.object_id.clone() else {
        return vec![missing(cx, f, Service::Graph)];
    };
    if ungranted.is_empty() {
        return vec![missing(cx, f, Service::Graph)];
    }
    let client_id = ev.app.app_id.clone().unwrap_or(cx.doctor.client_id.clone());
    let mut resources: Vec<String> = vec![];
    for p in &ungranted {
        if let Some(r) = &p.resource_app_id {
            if !resources.contains(r) {
                resources.push(r.clone());
            }
        }
    }
    let base = graph_base(cx);
    let mut steps = vec![];
    for rid in resources {
        let name = ungranted
            .iter()
            .find(|p| p.resource_app_id.as_deref() == Some(&rid))
            .and_then(|p| p.resource_name.clone())
            .unwrap_or_else(|| rid.clone());
        let resource_sp = sp_of(cx, &rid).await;
        let rsp = resource_sp
            .clone()
            .unwrap_or_else(|_| format!("(service principal of {rid})"));
        let of_kind = |k: &str| -> Vec<&authcheck_model::evidence::Permission> {
            ungranted
                .iter()
                .copied()
                .filter(|p| {
                    p.resource_app_id.as_deref() == Some(&rid) && p.kind.as_deref() == Some(k)
                })
                .collect()
        };
        // Delegated permissions: one tenant-wide grant per resource.
        let scopes: Vec<String> = of_kind("Scope")
            .iter()
            .filter_map(|p| p.value.clone())
            .collect();
        if !scopes.is_empty() {
            let existing = ev
                .sp
                .delegated_grants
                .iter()
                .any(|g| g.resource_app_id.as_deref() == Some(&rid));
            if existing {
                steps.push(extend_grant(cx, f, &client_sp, &resource_sp, &scopes, &name).await);
            } else {
                let s = Step::automatic(
                    &f.rule,
                    format!("Grant admin consent for {} on {name} (delegated, all users)", scopes.join(" ")),
                    Request {
                        service: Service::Graph,
                        method: "POST".into(),
                        url: format!("{base}/oauth2PermissionGrants"),
                        body: json!({
                            "clientId": client_sp,
                            "consentType": "AllPrincipals",
                            "resourceId": rsp,
                            "scope": scopes.join(" "),
                        }),
                    },
                    permissions::GRANT_DELEGATED,
                    format!("DELETE {base}/oauth2PermissionGrants/{{id}} (the id is printed when the step is applied), or `az ad app permission revoke --id {client_id} --api {rid}`"),
                );
                steps.push(match &resource_sp {
                    Ok(_) => s,
                    Err(e) => blocked_lookup(s, e),
                });
            }
        }
        // Application permissions: one app role assignment each.
        for p in of_kind("Role") {
            let (Some(role_id), Some(value)) = (p.id.clone(), p.value.clone()) else {
                continue;
            };
            let s = Step::automatic(
                &f.rule,
                format!("Grant admin consent for {value} on {name} (application permission)"),
                Request {
                    service: Service::Graph,
                    method: "POST".into(),
                    url: format!("{base}/servicePrincipals/{rsp}/appRoleAssignedTo"),
                    body: json!({
                        "principalId": client_sp,
                        "resourceId": rsp,
                        "appRoleId": role_id,
                    }),
                },
                permissions::ASSIGN_APP_ROLE,
                format!("DELETE {base}/servicePrincipals/{rsp}/appRoleAssignedTo/{{id}} (the id is printed when the step is applied)"),
            );
            steps.push(match &resource_sp {
                Ok(_) => s,
                Err(e) => blocked_lookup(s, e),
            });
        }
    }
    if steps.is_empty() {
        steps.push(missing(cx, f, Service::Graph));
    }
    steps
}

/// A tenant-wide grant exists for the API but lacks scopes: its `scope` is sent back with the
/// missing ones appended (nothing dropped). Graph refuses a second grant for the same client,
/// resource and consent type, so a POST is never the repair here.
/// <https://learn.microsoft.com/en-us/graph/api/oauth2permissiongrant-update>
async fn extend_grant(
    cx: &Context<'_>,
    f: &Finding,
    client_sp: &str,
    resource_sp: &Result<String, String>,
    missing: &[String],
    name: &str,
) -> Step {
    let base = graph_base(cx);
    let grant = match resource_sp {
        Ok(rsp) => read(
            cx,
            Service::Graph,
            format!("{base}/servicePrincipals/{client_sp}/oauth2PermissionGrants"),
            "fix.lookup.grant",
        )
        .await
        .and_then(|v| {
            v["value"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|g| {
                    g["resourceId"]
                        .as_str()
                        .is_some_and(|r| r.eq_ignore_ascii_case(rsp))
                        && g["consentType"].as_str() == Some("AllPrincipals")
                })
                .and_then(|g| {
                    Some((
                        g["id"].as_str()?.to_string(),
                        g["scope"].as_str().unwrap_or("").to_string(),
                    ))
                })
                .ok_or_else(|| format!("no tenant-wide grant of {client_sp} on {rsp}"))
        }),
        Err(e) => Err(e.clone()),
    };
    let (id, old) = grant
        .clone()
        .unwrap_or_else(|_| ("(the grant's id)".into(), String::new()));
    let mut all: Vec<String> = old.split_whitespace().map(String::from).collect();
    let kept = all.clone();
    for m in missing {
        if !all.iter().any(|a| a.eq_ignore_ascii_case(m)) {
            all.push(m.clone());
        }
    }
    let url = format!("{base}/oauth2PermissionGrants/{id}");
    let s = Step::automatic(
        &f.rule,
        format!(
            "Add {} to the existing delegated grant on {name} (keeping {})",
            missing.join(" "),
            if kept.is_empty() {
                "nothing else".into()
            } else {
                kept.join(" ")
            }
        ),
        Request {
            service: Service::Graph,
            method: "PATCH".into(),
            url: url.clone(),
            body: json!({ "scope": all.join(" ") }),
        },
        permissions::GRANT_DELEGATED_UPDATE,
        format!("PATCH {url} with {}", json!({ "scope": kept.join(" ") })),
    );
    match grant {
        Ok(_) => s,
        Err(e) => blocked_lookup(s, &e),
    }
}

/// "Assignment required" refuses a user (AADSTS50105) or an app (AADSTS501051). For a user: assign
/// the user (the default: the narrowest change), a group the user is in (every member gets in),
/// or turn assignment off (everyone in the tenant gets in) — the operator picks with `--choose`.
async fn user_assignment(cx: &Context<'_>, f: &Finding) -> Vec<Step> {
    let ev = cx.evidence;
    if f.match_id.as_deref() == Some("app-not-assigned") || ev.response.codes.contains(&501051) {
        return api_assignment(cx, f).await;
    }
    let user = ev.request.username.clone().or(ev.token.user.clone());
    let (Some(sp), Some(upn)) = (ev.sp.object_id.clone(), user) else {
        return vec![missing(cx, f, Service::Graph)];
    };
    let base = graph_base(cx);
    let uid = read(
        cx,
        Service::Graph,
        format!("{base}/users/{upn}?$select=id"),
        "fix.lookup.user",
    )
    .await
    .and_then(|v| {
        v["id"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| format!("no user {upn}"))
    });
    let assign = |id: String| Request {
        service: Service::Graph,
        method: "POST".into(),
        url: format!("{base}/servicePrincipals/{sp}/appRoleAssignedTo"),
        body: json!({
            "principalId": id,
            "resourceId": sp,
            "appRoleId": DEFAULT_ACCESS,
        }),
    };
    let undo = format!("DELETE {base}/servicePrincipals/{sp}/appRoleAssignedTo/{{id}} (the id is printed when the step is applied)");
    let s = Step::automatic(
        &f.rule,
        format!("Assign {upn} to the enterprise application (default access)"),
        assign(
            uid.clone()
                .unwrap_or_else(|_| format!("(the object id of {upn})")),
        ),
        permissions::ASSIGN_APP_ROLE,
        undo.clone(),
    );
    let mut options = vec![ChoiceOption {
        id: "assign-user".into(),
        summary: format!("assign {upn} alone (default access)"),
        steps: vec![match &uid {
            Ok(_) => s,
            Err(e) => blocked_lookup(s, e),
        }],
    }];
    // The groups the user is in (read with the operator's identity; User.Read.All).
    let groups: Vec<(String, String)> = match read(
        cx,
        Service::Graph,
        format!("{base}/users/{upn}/transitiveMemberOf?$select=id,displayName"),
        "fix.lookup.groups",
    )
    .await
    {
        Ok(v) => v["value"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|g| g["@odata.type"].as_str() == Some("#microsoft.graph.group"))
            .filter_map(|g| Some((g["id"].as_str()?.into(), g["displayName"].as_str()?.into())))
            .collect(),
        Err(_) => vec![],
    };
    let one = groups.len() == 1;
    for (gid, gname) in &groups {
        options.push(ChoiceOption {
            id: if one {
                "assign-group".into()
            } else {
                format!("assign-group:{gname}")
            },
            summary: format!("assign the group {gname}, which {upn} is in: every member of it gets in"),
            steps: vec![Step::automatic(
                &f.rule,
                format!("Assign the group {gname} (with {upn} in it) to the enterprise application (default access)"),
                assign(gid.clone()),
                permissions::ASSIGN_APP_ROLE,
                undo.clone(),
            )],
        });
    }
    options.push(assignment_off(
        cx,
        f,
        &sp,
        "the enterprise application",
        "every user of the tenant",
    ));
    decide(
        f,
        cx.picked(f),
        options,
        Decision::Default(
            "assign-user".into(),
            format!("assigning {upn} alone is the narrowest change; --choose user-assignment-required=… for a group or to turn assignment off"),
        ),
    )
}

/// The app role id of "default access": an assignment to an app that defines no app roles.
/// <https://learn.microsoft.com/en-us/graph/api/resources/approleassignment> (appRoleId)
const DEFAULT_ACCESS: &str = "00000000-0000-0000-0000-000000000000";

/// "Assignment required" off on a service principal: the `PATCH`, and its undo.
fn assignment_off(cx: &Context<'_>, f: &Finding, sp: &str, what: &str, who: &str) -> ChoiceOption {
    let url = format!("{}/servicePrincipals/{sp}", graph_base(cx));
    ChoiceOption {
        id: "assignment-off".into(),
        summary: format!("turn \"Assignment required\" off on {what}: {who} gets in"),
        steps: vec![Step::automatic(
            &f.rule,
            format!("Turn \"Assignment required\" off on {what} ({who} gets in)"),
            Request {
                service: Service::Graph,
                method: "PATCH".into(),
                url: url.clone(),
                body: json!({"appRoleAssignmentRequired": false}),
            },
            permissions::WRITE_SP,
            format!("PATCH {url} with {{\"appRoleAssignmentRequired\": true}}"),
        )],
    }
}

/// AADSTS501051: the API's service principal requires assignment and the calling app holds none
/// of its app roles. Assign the app role the API defines for applications (default access when it
/// defines none); with several, the operator picks; or turn assignment off on the API.
async fn api_assignment(cx: &Context<'_>, f: &Finding) -> Vec<Step> {
    let ev = cx.evidence;
    let base = graph_base(cx);
    let client_sp = match ev.sp.object_id.clone() {
        Some(s) => Ok(s),
        None => sp_of(cx, &cx.doctor.client_id).await,
    };
    let api_url = match (&ev.resource.app_id, ev.resource.uri.as_ref().or(ev.request.target.as_ref())) {
        (Some(id), _) => format!("{base}/servicePrincipals(appId='{id}')?$select=id,displayName,appRoles"),
        (None, Some(uri)) => format!(
            "{base}/servicePrincipals?$filter=servicePrincipalNames/any(n:n eq '{uri}')&$select=id,displayName,appRoles"
        ),
        (None, None) => return vec![missing(cx, f, Service::Graph)],
    };
    let api = read(cx, Service::Graph, api_url, "fix.lookup.api")
        .await
        .and_then(|v| {
            let sp = if v["value"].is_array() {
                v["value"][0].clone()
            } else {
                v
            };
            if sp["id"].is_string() {
                Ok(sp)
            } else {
                Err("no service principal for the API".to_string())
            }
        });
    let (api, client_sp) = match (api, client_sp) {
        (Ok(a), Ok(c)) => (a, c),
        (Err(e), _) | (_, Err(e)) => {
            let mut s = missing(cx, f, Service::Graph);
            s.action = format!("{} (could not read an id the repair needs: {e})", f.title);
            return vec![s];
        }
    };
    let api_sp = api["id"].as_str().unwrap_or_default().to_string();
    let api_name = api["displayName"].as_str().unwrap_or("the API").to_string();
    // App roles an application may hold.
    let roles: Vec<(String, String)> = api["appRoles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["isEnabled"].as_bool() != Some(false))
        .filter(|r| {
            r["allowedMemberTypes"]
                .as_array()
                .is_some_and(|m| m.iter().any(|t| t == "Application"))
        })
        .filter_map(|r| {
            Some((
                r["id"].as_str()?.into(),
                r["value"].as_str().unwrap_or("").into(),
            ))
        })
        .collect();
    let any_roles = api["appRoles"].as_array().is_some_and(|a| !a.is_empty());
    let assign = |role_id: &str, label: &str| {
        Step::automatic(
        &f.rule,
        format!("Assign the app {} {label} on {api_name}", cx.doctor.client_id),
        Request {
            service: Service::Graph,
            method: "POST".into(),
            url: format!("{base}/servicePrincipals/{api_sp}/appRoleAssignedTo"),
            body: json!({"principalId": client_sp, "resourceId": api_sp, "appRoleId": role_id}),
        },
        permissions::ASSIGN_APP_ROLE,
        format!("DELETE {base}/servicePrincipals/{api_sp}/appRoleAssignedTo/{{id}} (the id is printed when the step is applied)"),
    )
    };
    let mut options = vec![];
    if roles.is_empty() && !any_roles {
        options.push(ChoiceOption {
            id: "assign-app-role".into(),
            summary: format!("assign the app to {api_name} with default access ({api_name} defines no app roles)"),
            steps: vec![assign(DEFAULT_ACCESS, "default access (the API defines no app roles)")],
        });
    } else if roles.len() == 1 {
        let (id, value) = &roles[0];
        options.push(ChoiceOption {
            id: "assign-app-role".into(),
            summary: format!("give the app the app role {value}, the only one {api_name} defines for applications"),
            steps: vec![assign(id, &format!("the app role {value}"))],
        });
    } else {
        for (id, value) in &roles {
            options.push(ChoiceOption {
                id: format!("assign-app-role:{value}"),
                summary: format!("give the app the app role {value} on {api_name}"),
                steps: vec![assign(id, &format!("the app role {value}"))],
            });
        }
    }
    options.push(assignment_off(
        cx,
        f,
        &api_sp,
        &api_name,
        "every app and user of the tenant",
    ));
    let decision = if options.len() == 2 && options[0].id == "assign-app-role" {
        Decision::Default(
            "assign-app-role".into(),
            format!("{api_name} offers one way in for an app; --choose user-assignment-required=assignment-off to turn assignment off instead"),
        )
    } else if roles.is_empty() {
        Decision::Ask(format!("{api_name} defines app roles, none of them for applications: which one the app needs is the API's business"))
    } else {
        Decision::Ask(format!("{api_name} defines {} app roles for applications: which one the app needs is the API's business", roles.len()))
    };
    decide(f, cx.picked(f), options, decision)
}

/// AADSTS9002326: a token request with an `Origin` header for an app whose redirect URI is not an
/// SPA one. Two repairs: register the redirect URI as SPA (automatic; web URIs kept), or make the
/// server code stop sending `Origin` (manual). A client credential or a server-side flow settles
/// it (a browser cannot keep a secret); a browser with no credential settles it the other way;
/// otherwise the operator chooses.
fn spa_or_origin(cx: &Context<'_>, f: &Finding) -> Vec<Step> {
    use authcheck_model::evidence::{CredentialKind, Flow};
    if !matches!(
        f.match_id.as_deref(),
        Some("aadsts" | "text" | "origin-on-web-app")
    ) {
        return vec![manual_from(f)];
    }
    let ev = cx.evidence;
    let app = &ev.app;
    let origin = ev
        .request
        .origin
        .clone()
        .unwrap_or_else(|| "the Origin header".into());
    let drop = ChoiceOption {
        id: "drop-origin".into(),
        summary: "the server code (or a proxy, gateway or tool in front of it) stops sending the Origin header; the registration stays Web".into(),
        steps: vec![Step::manual(
            &f.rule,
            format!("Stop sending `Origin: {origin}` on the token request (server code, proxy or tool)"),
            vec![
                "Remove the header in the HTTP client that calls the token endpoint, or stop the proxy or gateway from adding it; keep the app's redirect URIs of type Web.".into(),
            ],
            None,
        )],
    };
    let spa_steps = match (&ev.request.redirect_uri, &app.object_id) {
        (Some(uri), Some(obj)) if !app.spa_redirect_uris.contains(uri) => {
            let existing = app.spa_redirect_uris.clone();
            let mut all = existing.clone();
            all.push(uri.clone());
            let url = format!("{}/applications/{obj}", graph_base(cx));
            vec![Step::automatic(
                &f.rule,
                format!(
                    "Register {uri} as a single-page application redirect URI (the {} web URI{} stay)",
                    app.web_redirect_uris.len(),
                    if app.web_redirect_uris.len() == 1 { "" } else { "s" }
                ),
                Request {
                    service: Service::Graph,
                    method: "PATCH".into(),
                    url: url.clone(),
                    body: json!({"spa": {"redirectUris": all}}),
                },
                permissions::WRITE_APP,
                format!("PATCH {url} with {}", json!({"spa": {"redirectUris": existing}})),
            )]
        }
        _ => {
            let mut s = manual_from(f);
            s.action = "Register the browser app's redirect URI as a single-page application (the doctor saw no redirect URI to register, or could not read the app)".into();
            vec![s]
        }
    };
    let spa = ChoiceOption {
        id: "spa".into(),
        summary: "the app is a browser app: register its redirect URI as a single-page application (auth code with PKCE, no secret)".into(),
        steps: spa_steps,
    };
    let server_side = ev.request.secret_sent
        || matches!(
            ev.request.credential,
            Some(CredentialKind::Secret | CredentialKind::Certificate | CredentialKind::Federated)
        )
        || matches!(
            ev.request.flow,
            Some(Flow::ClientCredentials | Flow::OnBehalfOf | Flow::Ropc | Flow::ManagedIdentity)
        );
    let decision = if server_side {
        Decision::Evidence(
            "drop-origin".into(),
            "the request carries a client credential or uses a server-side flow, which a browser app cannot: the Origin header is the mistake".into(),
        )
    } else if ev.env.browser {
        Decision::Evidence(
            "spa".into(),
            "the request came from a browser with no client credential: the app is a single-page application".into(),
        )
    } else {
        Decision::Ask(
            "the evidence does not show whether the caller is a browser app or server code".into(),
        )
    };
    decide(f, cx.picked(f), vec![spa, drop], decision)
}

async fn azure_role(cx: &Context<'_>, f: &Finding) -> Vec<Step> {
    let ev = cx.evidence;
    let scope = ev.rbac.scope.clone().or(cx.doctor.scope_arm.clone());
    let (Some(scope), Some(principal), Some(role)) = (
        scope,
        ev.rbac.principal_id.clone(),
        ev.rbac.required_roles.first().cloned(),
    ) else {
        return vec![missing(cx, f, Service::Arm)];
    };
    let principal_type = if ev.token.delegated {
        "User"
    } else {
        "ServicePrincipal"
    };
    let arm = cx.doctor.arm.trim_end_matches('/');
    let defs = read(
        cx,
        Service::Arm,
        format!(
            "{arm}{scope}/providers/Microsoft.Authorization/roleDefinitions?$filter=roleName eq '{role}'&api-version={ARM_AUTHZ_API}"
        ),
        "fix.lookup.role",
    )
    .await
    .and_then(|v| {
        v["value"][0]["id"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| format!("no role definition named {role}"))
    });
    let def_id = defs
        .clone()
        .unwrap_or_else(|_| format!("(the id of the role definition {role})"));
    let name = uuid::Uuid::new_v4().to_string();
    let url = format!(
        "{arm}{scope}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version={ARM_AUTHZ_API}"
    );
    let mut s = Step::automatic(
        &f.rule,
        format!("Assign the Azure role {role} to {principal_type} {principal} at {scope}"),
        Request {
            service: Service::Arm,
            method: "PUT".into(),
            url: url.clone(),
            body: json!({"properties": {
                "roleDefinitionId": def_id,
                "principalId": principal,
                "principalType": principal_type,
            }}),
        },
        permissions::ASSIGN_AZURE_ROLE,
        format!("DELETE {url}, or `az role assignment delete --ids {scope}/providers/Microsoft.Authorization/roleAssignments/{name}`"),
    );
    s.arm_scope = Some(scope);
    match defs {
        Ok(_) => vec![s],
        Err(e) => vec![blocked_lookup(s, &e)],
    }
}

/// The app registration's object id, or a manual step when Graph was not read.
fn app_object(cx: &Context<'_>, f: &Finding) -> Result<String, Vec<Step>> {
    cx.evidence
        .app
        .object_id
        .clone()
        .ok_or_else(|| vec![missing(cx, f, Service::Graph)])
}

fn app_write(
    cx: &Context<'_>,
    f: &Finding,
    action: String,
    method: &str,
    sub: &str,
    body: Value,
    undo: String,
) -> Vec<Step> {
    let obj = match app_object(cx, f) {
        Ok(o) => o,
        Err(s) => return s,
    };
    let url = format!("{}/applications/{obj}{sub}", graph_base(cx));
    vec![Step::automatic(
        &f.rule,
        action,
        Request {
            service: Service::Graph,
            method: method.into(),
            url,
            body,
        },
        permissions::WRITE_APP,
        undo,
    )]
}

fn public_client(cx: &Context<'_>, f: &Finding) -> Vec<Step> {
    let obj = cx.evidence.app.object_id.clone().unwrap_or_default();
    app_write(
        cx,
        f,
        "Turn on \"Allow public client flows\" on the app registration".into(),
        "PATCH",
        "",
        json!({"isFallbackPublicClient": true}),
        format!(
            "PATCH {}/applications/{obj} with {{\"isFallbackPublicClient\": false}}",
            graph_base(cx)
        ),
    )
}

fn service_principal(cx: &Context<'_>, f: &Finding, app_id: String, whose: &str) -> Vec<Step> {
    let base = graph_base(cx);
    vec![Step::automatic(
        &f.rule,
        format!("Create the service principal (enterprise application) of {whose} {app_id} in this tenant"),
        Request {
            service: Service::Graph,
            method: "POST".into(),
            url: format!("{base}/servicePrincipals"),
            body: json!({"appId": app_id}),
        },
        permissions::CREATE_SP,
        format!("DELETE {base}/servicePrincipals(appId='{app_id}'), or `az ad sp delete --id {app_id}` (this also removes its grants and role assignments)"),
    )]
}

fn redirect_uri(cx: &Context<'_>, f: &Finding) -> Vec<Step> {
    let app = &cx.evidence.app;
    let Some(uri) = cx.evidence.request.redirect_uri.clone() else {
        return vec![missing(cx, f, Service::Graph)];
    };
    // The platform the app already uses for this kind of client: SPA when it has only SPA URIs.
    let (platform, existing) =
        if !app.spa_redirect_uris.is_empty() && app.web_redirect_uris.is_empty() {
            ("spa", app.spa_redirect_uris.clone())
        } else {
            ("web", app.web_redirect_uris.clone())
        };
    if existing.contains(&uri) {
        return vec![missing(cx, f, Service::Graph)];
    }
    let mut all = existing.clone();
    all.push(uri.clone());
    let obj = app.object_id.clone().unwrap_or_default();
    app_write(
        cx,
        f,
        format!(
            "Add {uri} as a {platform} redirect URI (keeping the {} there)",
            existing.len()
        ),
        "PATCH",
        "",
        json!({ platform: {"redirectUris": all} }),
        format!(
            "PATCH {}/applications/{obj} with {}",
            graph_base(cx),
            json!({ platform: {"redirectUris": existing} })
        ),
    )
}

fn new_secret(cx: &Context<'_>, f: &Finding) -> Vec<Step> {
    let end = chrono::DateTime::from_timestamp(cx.now + NEW_SECRET_DAYS * 86_400, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let obj = cx.evidence.app.object_id.clone().unwrap_or_default();
    let mut steps = app_write(
        cx,
        f,
        match cx.secret_out {
            Some(p) => format!("Add a new client secret (valid {NEW_SECRET_DAYS} days) beside the expired one; its value goes to {} (mode 0600) only", p.display()),
            None => "Add a new client secret beside the expired one".into(),
        },
        "POST",
        "/addPassword",
        json!({"passwordCredential": {"displayName": "authcheck fix", "endDateTime": end}}),
        format!("POST {}/applications/{obj}/removePassword with {{\"keyId\": \"…\"}} (the key id is printed when the step is applied)", graph_base(cx)),
    );
    for s in &mut steps {
        if s.request.is_some() {
            s.returns_secret = true;
            if cx.secret_out.is_none() {
                s.blocked = Some("a new secret needs --secret-out PATH: it is written to that file (mode 0600) and nowhere else".into());
            }
            s.instructions.push("Then give your app the new secret from that file (its configuration or vault), and remove the expired one when nothing uses it.".into());
        }
    }
    steps
}

fn federated_credential(cx: &Context<'_>, f: &Finding) -> Vec<Step> {
    let Some(a) = &cx.evidence.request.assertion else {
        return vec![missing(cx, f, Service::Graph)];
    };
    let (Some(iss), Some(sub)) = (a.iss.clone(), a.sub.clone()) else {
        return vec![missing(cx, f, Service::Graph)];
    };
    let aud = a
        .aud
        .first()
        .cloned()
        .unwrap_or_else(|| "api://AzureADTokenExchange".into());
    // A name from the subject: letters, digits and dashes, as Entra allows.
    let mut name: String = sub
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    name = format!("authcheck-{}", name.trim_matches('-'));
    name.truncate(120);
    let base = graph_base(cx);
    let obj = cx.evidence.app.object_id.clone().unwrap_or_default();
    app_write(
        cx,
        f,
        format!("Add a federated credential for issuer {iss} and subject {sub} (exactly as the workload presents it)"),
        "POST",
        "/federatedIdentityCredentials",
        json!({"name": name, "issuer": iss, "subject": sub, "audiences": [aud]}),
        format!("DELETE {base}/applications/{obj}/federatedIdentityCredentials/{name}"),
    )
}
