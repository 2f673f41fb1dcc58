//! From findings to steps: one repair per finding the tool knows how to make safely, from the
//! evidence the doctor gathered (the app's ids, its ungranted permissions, the scope and principal
//! of the missing role, the subject the workload presents), with the few ids the evidence lacks
//! (the resource's service principal, the role definition) read with the operator's identity.
//! Every other finding becomes a manual step carrying the finding's own fix.

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
}

/// The plan for these findings, in their order (root cause first), one entry per rule.
pub async fn build(cx: &Context<'_>, findings: &[Finding]) -> RepairPlan {
    let mut plan = RepairPlan::default();
    let mut seen: Vec<&str> = vec![];
    for f in findings {
        if seen.contains(&f.rule.as_str()) {
            continue;
        }
        seen.push(&f.rule);
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
                steps.push(Step::manual(
                    &f.rule,
                    format!("Add {} to the existing delegated grant for {name}", scopes.join(" ")),
                    vec!["The app already holds a tenant-wide grant for this API; its scope must be extended, which this version of `fix` does not do.".into()],
                    Some(format!("az ad app permission admin-consent --id {client_id}")),
                ));
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

/// Assigns the refused user to the app (default access). Turning "Assignment required" off instead
/// is the operator's choice and is left as a manual alternative.
async fn user_assignment(cx: &Context<'_>, f: &Finding) -> Vec<Step> {
    let ev = cx.evidence;
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
    let mut s = Step::automatic(
        &f.rule,
        format!("Assign {upn} to the enterprise application (default access)"),
        Request {
            service: Service::Graph,
            method: "POST".into(),
            url: format!("{base}/servicePrincipals/{sp}/appRoleAssignedTo"),
            body: json!({
                "principalId": uid.clone().unwrap_or_else(|_| format!("(the object id of {upn})")),
                "resourceId": sp,
                "appRoleId": "00000000-0000-0000-0000-000000000000",
            }),
        },
        permissions::ASSIGN_APP_ROLE,
        format!("DELETE {base}/servicePrincipals/{sp}/appRoleAssignedTo/{{id}} (the id is printed when the step is applied)"),
    );
    s.instructions.push(format!("Or, if everyone in the tenant may use the app, turn \"Assignment required\" off instead (not made by fix): PATCH {base}/servicePrincipals/{sp} with {{\"appRoleAssignmentRequired\": false}}"));
    match uid {
        Ok(_) => vec![s],
        Err(e) => vec![blocked_lookup(s, &e)],
    }
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
