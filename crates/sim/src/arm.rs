//! Azure Resource Manager: role assignments at a scope (filtered by principal, with the ones
//! inherited from the subscription and resource group), role definitions, the subscription and the
//! Log Analytics workspace, and ARM's 401/403 bodies. Authorization honours the tenant's
//! propagation delay: an assignment younger than it is listed but not yet in force.

use super::aad_error::iso;
use super::http::{Reply, Req};
use super::tokens::{self, TokenProblem};
use super::world::{role_by_id, role_by_name, World, BUILTIN_ROLES};
use super::Sim;
use authcheck_model::knowledge::apis;
use serde_json::{json, Value};

fn arm_error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
    .header("x-ms-request-id", uuid::Uuid::new_v4().to_string())
    .header(
        "x-ms-failure-cause",
        if status == 403 { "gateway" } else { "" }.to_string(),
    )
}

/// The 401 ARM answers for a token problem, with its `WWW-Authenticate` challenge.
pub fn unauthorized(sim: &Sim, p: &TokenProblem, now: i64) -> Reply {
    let arm = apis::by_key("arm").expect("arm is a known API");
    let (code, msg) = match p {
        TokenProblem::Missing => (
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.".to_string(),
        ),
        TokenProblem::Malformed => (
            "InvalidAuthenticationToken",
            "The access token is invalid.".to_string(),
        ),
        TokenProblem::BadSignature | TokenProblem::UnknownKey { .. } => (
            "InvalidAuthenticationToken",
            "The access token has an invalid signature.".to_string(),
        ),
        TokenProblem::WrongIssuer { iss } => (
            "InvalidAuthenticationTokenTenant",
            format!("The access token is from the wrong issuer '{iss}'. It must match the tenant 'https://sts.windows.net/{}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/{}' to get the token.", sim.world.tenant_id, sim.world.tenant_id),
        ),
        TokenProblem::Expired { exp } => (
            "ExpiredAuthenticationToken",
            format!(
                "The access token expiry UTC time '{}' is earlier than current UTC time '{}'.",
                us_time(*exp),
                us_time(now)
            ),
        ),
        TokenProblem::NotYetValid { .. } => (
            "InvalidAuthenticationToken",
            "The access token is not yet valid.".to_string(),
        ),
        TokenProblem::WrongAudience { aud } => (
            "InvalidAuthenticationTokenAudience",
            format!(
                "The access token has been obtained for wrong audience or resource '{aud}'. It should exactly match with one of the allowed audiences {}.",
                arm.audiences
                    .iter()
                    .filter(|a| a.starts_with("https://"))
                    .map(|a| format!("'{a}'"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        ),
    };
    let auth = sim.info.authority.trim_end_matches('/');
    arm_error(401, code, &msg).header(
        "WWW-Authenticate",
        format!(
            "Bearer authorization_uri=\"{auth}/\", error=\"invalid_token\", error_description=\"{}\"",
            msg.replace('"', "'")
        ),
    )
}

/// `11/24/2026 12:00:00 PM`: the form ARM writes times in its token errors.
fn us_time(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%-m/%-d/%Y %-I:%M:%S %p")
        .to_string()
}

fn role_assignment_json(w: &World, r: &super::world::RoleAssignment) -> Value {
    let sub = &w.scenario.azure.subscription_id;
    json!({
        "properties": {
            "roleDefinitionId": format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{}", r.role_id),
            "principalId": r.principal_id,
            "principalType": r.principal_type,
            "scope": r.scope,
            "condition": null,
            "conditionVersion": null,
            "createdOn": iso(r.created),
            "updatedOn": iso(r.created),
            "createdBy": "2f4b8a3c-1d5e-4f6a-8b7c-9d0e1f2a3b4c",
            "updatedBy": "2f4b8a3c-1d5e-4f6a-8b7c-9d0e1f2a3b4c",
            "delegatedManagedIdentityResourceId": null,
            "description": null,
        },
        "id": format!("{}/providers/Microsoft.Authorization/roleAssignments/{}", r.scope, r.id),
        "type": "Microsoft.Authorization/roleAssignments",
        "name": r.id,
    })
}

fn role_definition_json(sub: &str, (name, id, actions): &(&str, &str, &[&str])) -> Value {
    json!({
        "properties": {
            "roleName": name,
            "type": "BuiltInRole",
            "description": format!("Built-in role {name}."),
            "assignableScopes": ["/"],
            "permissions": [{"actions": actions, "notActions": [], "dataActions": [], "notDataActions": []}],
            "createdOn": "2015-02-02T21:55:09.8806423Z",
            "updatedOn": "2024-01-01T00:00:00.0000000Z",
            "createdBy": null,
            "updatedBy": null,
        },
        "id": format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{id}"),
        "type": "Microsoft.Authorization/roleDefinitions",
        "name": id,
    })
}

/// True when the principal holds, in force at `now`, a role whose actions cover `action` at `scope`.
pub fn authorized(w: &World, principal: &str, scope: &str, action: &str, now: i64) -> bool {
    w.effective_roles(principal, scope, now)
        .into_iter()
        .filter(|(_, in_force)| *in_force)
        .any(|(r, _)| {
            role_by_id(&r.role_id)
                .is_some_and(|(_, _, acts)| acts.iter().any(|a| action_matches(a, action)))
        })
}

fn action_matches(pattern: &str, action: &str) -> bool {
    let (p, a) = (pattern.to_ascii_lowercase(), action.to_ascii_lowercase());
    if p == "*" {
        return true;
    }
    if p == "*/read" {
        return a.ends_with("/read");
    }
    match p.strip_suffix('*') {
        Some(prefix) => a.starts_with(prefix),
        None => p == a,
    }
}

/// The 403 for a missing permission.
pub fn forbidden(client: &str, oid: &str, action: &str, scope: &str) -> Reply {
    arm_error(
        403,
        "AuthorizationFailed",
        &format!("The client '{client}' with object id '{oid}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials."),
    )
}

/// Handles a request under the ARM base; `path` starts after the base.
pub fn handle(sim: &Sim, req: &Req, path: &str) -> Reply {
    let w = &sim.world;
    let arm = apis::by_key("arm").expect("arm is a known API");
    let claims = match tokens::check_bearer(w, &sim.info.authority, req, &|aud| {
        arm.audiences.contains(&aud)
    }) {
        Ok(c) => c,
        Err(p) => return unauthorized(sim, &p, req.now),
    };
    if !req.query.contains_key("api-version") {
        return arm_error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        );
    }
    let (client, oid) = tokens::caller(&claims);
    if req.method == "PUT" {
        return put_role_assignment(sim, req, path, &client, &oid);
    }
    if req.method != "GET" {
        return arm_error(
            405,
            "MethodNotAllowed",
            "The simulator's ARM writes role assignments only.",
        );
    }
    let az = &w.scenario.azure;
    let sub = &az.subscription_id;
    let path = path.trim_end_matches('/');
    let lower = path.to_ascii_lowercase();
    if !lower.starts_with(&format!("/subscriptions/{}", sub.to_ascii_lowercase())) {
        if lower.starts_with("/subscriptions/") {
            let other = path.split('/').nth(2).unwrap_or("");
            return arm_error(
                404,
                "SubscriptionNotFound",
                &format!("The subscription '{other}' could not be found."),
            );
        }
        return arm_error(
            404,
            "NoRegisteredProviderFound",
            "No registered resource provider found for this path.",
        );
    }
    const RA: &str = "/providers/microsoft.authorization/roleassignments";
    const RD: &str = "/providers/microsoft.authorization/roledefinitions";
    const PERMS: &str = "/providers/microsoft.authorization/permissions";
    if let Some(scope) = lower.strip_suffix(PERMS).map(|s| &path[..s.len()]) {
        // What the caller may do at the scope: the actions of its roles in force there (any
        // caller may ask about itself).
        let items: Vec<Value> = w
            .effective_roles(&oid, scope, req.now)
            .into_iter()
            .filter(|(_, in_force)| *in_force)
            .filter_map(|(r, _)| role_by_id(&r.role_id))
            .map(|(_, _, acts)| json!({"actions": acts, "notActions": [], "dataActions": [], "notDataActions": []}))
            .collect();
        return Reply::json(200, &json!({ "value": items }));
    }
    if let Some(idx) = lower.find(RA) {
        let scope = &path[..idx];
        let action = "Microsoft.Authorization/roleAssignments/read";
        if !authorized(w, &oid, scope, action, req.now) {
            return forbidden(&client, &oid, action, scope);
        }
        let filter = req.query.get("$filter").map(String::as_str).unwrap_or("");
        let at_scope = filter.contains("atScope()");
        // `principalId eq '…'` and `assignedTo('…')` both name the principal.
        let principal = filter
            .split("principalId eq '")
            .nth(1)
            .or_else(|| filter.split("assignedTo('").nth(1))
            .and_then(|r| r.split('\'').next())
            .map(str::to_ascii_lowercase);
        let s = scope.to_ascii_lowercase();
        let items: Vec<Value> = w
            .role_assignments
            .iter()
            .filter(|r| {
                let rs = r.scope.to_ascii_lowercase();
                let above_or_at = s == rs || s.starts_with(&format!("{rs}/"));
                let below = rs.starts_with(&format!("{s}/"));
                above_or_at || (!at_scope && below)
            })
            .filter(|r| {
                principal
                    .as_ref()
                    .is_none_or(|p| r.principal_id.to_ascii_lowercase() == *p)
            })
            .map(|r| role_assignment_json(w, r))
            .collect();
        return Reply::json(200, &json!({ "value": items }));
    }
    if let Some(idx) = lower.find(RD) {
        let rest = &path[idx + RD.len()..];
        let id = rest.trim_start_matches('/');
        if !id.is_empty() {
            return match role_by_id(id) {
                Some(r) => Reply::json(200, &role_definition_json(sub, r)),
                None => arm_error(
                    404,
                    "RoleDefinitionDoesNotExist",
                    "The specified role definition with ID does not exist.",
                ),
            };
        }
        let filter = req.query.get("$filter").map(String::as_str).unwrap_or("");
        let name = filter
            .split("roleName eq '")
            .nth(1)
            .and_then(|r| r.split('\'').next());
        let items: Vec<Value> = match name {
            Some(n) => role_by_name(n)
                .into_iter()
                .map(|r| role_definition_json(sub, r))
                .collect(),
            None => BUILTIN_ROLES
                .iter()
                .map(|r| role_definition_json(sub, r))
                .collect(),
        };
        return Reply::json(200, &json!({ "value": items }));
    }
    // Plain resources: the subscription, the resource group, the workspace.
    let rg = format!("/subscriptions/{sub}/resourceGroups/{}", az.resource_group);
    let known: Vec<(String, Value)> = vec![
        (
            format!("/subscriptions/{sub}"),
            json!({"id": format!("/subscriptions/{sub}"), "subscriptionId": sub, "tenantId": w.tenant_id, "displayName": "Contoso Analytics", "state": "Enabled"}),
        ),
        (
            rg.clone(),
            json!({"id": rg, "name": az.resource_group, "type": "Microsoft.Resources/resourceGroups", "location": "westeurope", "properties": {"provisioningState": "Succeeded"}}),
        ),
        (
            w.workspace_resource_id.clone(),
            json!({"id": w.workspace_resource_id, "name": az.workspace_name, "type": "Microsoft.OperationalInsights/workspaces", "location": "westeurope", "properties": {"customerId": az.workspace_id, "provisioningState": "Succeeded", "sku": {"name": "PerGB2018"}}}),
        ),
        (
            w.component_resource_id.clone(),
            json!({"id": w.component_resource_id, "name": az.appinsights_name, "type": "microsoft.insights/components", "location": "westeurope", "kind": "web", "properties": {"AppId": az.appinsights_app_id, "Application_Type": "web", "provisioningState": "Succeeded"}}),
        ),
        (
            w.dcr_resource_id.clone(),
            json!({"id": w.dcr_resource_id, "name": az.dcr_name, "type": "Microsoft.Insights/dataCollectionRules", "location": "westeurope", "kind": "Direct", "properties": {"immutableId": az.dcr_immutable_id, "streamDeclarations": {az.dcr_stream.clone(): {"columns": [{"name": "TimeGenerated", "type": "datetime"}, {"name": "Message", "type": "string"}]}}, "provisioningState": "Succeeded"}}),
        ),
    ];
    match known
        .into_iter()
        .find(|(id, _)| id.eq_ignore_ascii_case(path))
    {
        Some((id, v)) => {
            let action = if id == w.workspace_resource_id {
                "Microsoft.OperationalInsights/workspaces/read"
            } else if id == w.component_resource_id {
                "Microsoft.Insights/components/read"
            } else if id == w.dcr_resource_id {
                "Microsoft.Insights/dataCollectionRules/read"
            } else if id.contains("/resourceGroups/") {
                "Microsoft.Resources/subscriptions/resourceGroups/read"
            } else {
                "Microsoft.Resources/subscriptions/read"
            };
            if !authorized(w, &oid, &id, action, req.now) {
                return forbidden(&client, &oid, action, &id);
            }
            Reply::json(200, &v)
        }
        None => arm_error(
            404,
            "ResourceNotFound",
            &format!("The Resource '{path}' was not found."),
        ),
    }
}

/// `PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{name}`: a new role assignment,
/// if the caller may write role assignments at the scope (Owner, User Access Administrator, or
/// a custom role with `Microsoft.Authorization/roleAssignments/write`:
/// <https://learn.microsoft.com/en-us/azure/role-based-access-control/role-assignments-rest>).
/// The same role for the same principal at the same scope is refused with 409
/// `RoleAssignmentExists`; a principal the directory lacks with 400 `PrincipalNotFound`.
fn put_role_assignment(sim: &Sim, req: &Req, path: &str, client: &str, oid: &str) -> Reply {
    const RA: &str = "/providers/microsoft.authorization/roleassignments/";
    let path = path.trim_end_matches('/');
    let lower = path.to_ascii_lowercase();
    let sub = sim
        .world
        .scenario
        .azure
        .subscription_id
        .to_ascii_lowercase();
    let Some(idx) = lower.find(RA) else {
        return arm_error(
            405,
            "MethodNotAllowed",
            "The simulator's ARM writes role assignments only.",
        );
    };
    let scope = &path[..idx];
    let name = &path[idx + RA.len()..];
    if !lower.starts_with(&format!("/subscriptions/{sub}")) {
        let other = path.split('/').nth(2).unwrap_or("");
        return arm_error(
            404,
            "SubscriptionNotFound",
            &format!("The subscription '{other}' could not be found."),
        );
    }
    if uuid::Uuid::parse_str(name).is_err() {
        return arm_error(
            400,
            "InvalidRoleAssignmentId",
            &format!("The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID."),
        );
    }
    let action = "Microsoft.Authorization/roleAssignments/write";
    if !authorized(&sim.world, oid, scope, action, req.now) {
        return forbidden(client, oid, action, scope);
    }
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let props = &body["properties"];
    let (Some(role_def), Some(principal)) = (
        props["roleDefinitionId"].as_str(),
        props["principalId"].as_str(),
    ) else {
        return arm_error(
            400,
            "InvalidRequestContent",
            "The request content must hold properties.roleDefinitionId and properties.principalId.",
        );
    };
    let role_guid = role_def.rsplit('/').next().unwrap_or("");
    let Some((rname, rid, _)) = role_by_id(role_guid) else {
        return arm_error(
            404,
            "RoleDefinitionDoesNotExist",
            "The specified role definition with ID does not exist.",
        );
    };
    let w = &sim.world;
    let Some(ptype) = w.principal_type(principal) else {
        return arm_error(
            400,
            "PrincipalNotFound",
            &format!("Principal {} does not exist in the directory {}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay.", principal.replace('-', ""), w.tenant_id),
        );
    };
    if let Some(given) = props["principalType"].as_str() {
        if !given.eq_ignore_ascii_case(ptype) {
            return arm_error(
                400,
                "UnmatchedPrincipalType",
                &format!("The PrincipalId '{}' has type '{ptype}' , which is different from specified PrincipalType '{given}'.", principal.replace('-', "")),
            );
        }
    }
    let ra = super::world::RoleAssignment {
        id: name.to_ascii_lowercase(),
        principal_id: principal.to_ascii_lowercase(),
        principal_type: ptype,
        role_name: rname.to_string(),
        role_id: rid.to_string(),
        scope: scope.to_string(),
        created: req.now,
    };
    let made = sim.world.write(|w| {
        if !w.add_role_assignment(ra) {
            return Err(());
        }
        let r = w.role_assignments.last().ok_or(())?;
        Ok(role_assignment_json(w, r))
    });
    match made {
        Ok(v) => Reply::json(201, &v),
        Err(()) => arm_error(
            409,
            "RoleAssignmentExists",
            "The role assignment already exists.",
        ),
    }
}
