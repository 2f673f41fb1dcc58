//! Azure CLI exports, read offline: what `az ad app show`, `az ad sp show`,
//! `az ad app permission list-grants`, `az ad app federated-credential list` and
//! `az role assignment list` print (and `az ad app list` / `az ad sp list` arrays, and the
//! `{"value": […]}` answers of `az rest`). The JSON is mapped into evidence by the same functions the
//! live doctor uses ([`graph::fill_evidence`], [`arm::fill_evidence`]), so the same rules run.
//!
//! Several files make one bundle: each is classified on its own ([`Bundle::add`]), then the whole
//! bundle is turned into facts at once ([`Bundle::fill_evidence`]), after any error text or token in
//! the bundle was read, because the role assignments are judged at the scope and for the principal
//! an ARM error names.

use super::{ReadNote, SourceError};
use crate::arm_facts as arm;
use crate::graph_facts::{self as graph, GraphFacts};
use authcheck_model::evidence::Evidence;
use serde_json::Value;
use std::collections::BTreeMap;

/// What one exported object (or list element) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    /// A Graph `application` (`az ad app show`).
    App,
    /// A Graph `servicePrincipal` (`az ad sp show`).
    Sp,
    /// An `oAuth2PermissionGrant` (`az ad app permission list-grants`).
    Grant,
    /// An `appRoleAssignment` (`az rest …/appRoleAssignments` or `…/appRoleAssignedTo`).
    AppRoleAssignment,
    /// An Azure role assignment (`az role assignment list`).
    RoleAssignment,
    /// A `federatedIdentityCredential` (`az ad app federated-credential list`).
    FederatedCredential,
    /// A `conditionalAccessPolicy` (`az rest --uri …/identity/conditionalAccess/policies`).
    ConditionalAccessPolicy,
}

impl Shape {
    /// The command that prints it, for notes and evidence sources.
    pub fn command(self) -> &'static str {
        match self {
            Shape::App => "az ad app show",
            Shape::Sp => "az ad sp show",
            Shape::Grant => "az ad app permission list-grants",
            Shape::AppRoleAssignment => "Graph appRoleAssignments",
            Shape::RoleAssignment => "az role assignment list",
            Shape::FederatedCredential => "az ad app federated-credential list",
            Shape::ConditionalAccessPolicy => "az rest identity/conditionalAccess/policies",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Shape::App => "app registration",
            Shape::Sp => "service principal",
            Shape::Grant => "delegated grant",
            Shape::AppRoleAssignment => "app role assignment",
            Shape::RoleAssignment => "role assignment",
            Shape::FederatedCredential => "federated credential",
            Shape::ConditionalAccessPolicy => "conditional access policy",
        }
    }

    fn plural(self) -> String {
        match self.what().strip_suffix('y') {
            Some(stem) => format!("{stem}ies"),
            None => format!("{}s", self.what()),
        }
    }
}

fn has(o: &serde_json::Map<String, Value>, k: &str) -> bool {
    o.contains_key(k)
}

/// The shape of one JSON object, or `None` when it is not something `az` prints.
pub fn shape_of(v: &Value) -> Option<Shape> {
    let o = v.as_object()?;
    if has(o, "error") {
        return None;
    }
    if has(o, "appId") && (has(o, "servicePrincipalType") || has(o, "appRoleAssignmentRequired")) {
        return Some(Shape::Sp);
    }
    if has(o, "appId") && (has(o, "requiredResourceAccess") || has(o, "signInAudience")) {
        return Some(Shape::App);
    }
    let p = o.get("properties").and_then(|p| p.as_object()).unwrap_or(o);
    if has(p, "principalId")
        && has(p, "scope")
        && (has(p, "roleDefinitionName") || has(p, "roleDefinitionId"))
    {
        return Some(Shape::RoleAssignment);
    }
    if has(o, "consentType") && has(o, "clientId") {
        return Some(Shape::Grant);
    }
    if has(o, "issuer") && has(o, "subject") && has(o, "audiences") {
        return Some(Shape::FederatedCredential);
    }
    if has(o, "appRoleId") && has(o, "principalId") && has(o, "resourceId") {
        return Some(Shape::AppRoleAssignment);
    }
    if has(o, "conditions") && has(o, "grantControls") {
        return Some(Shape::ConditionalAccessPolicy);
    }
    None
}

/// The objects of an export: the object itself, a list's elements, or an `az rest` answer's
/// `value`. `None` when the JSON is not an export (an element is not something `az` prints).
fn objects(v: &Value) -> Option<Vec<(Shape, &Value)>> {
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) if shape_of(v).is_none() => {
            let list = o.get("value")?.as_array()?;
            // Only a Graph collection wrapper: `value` plus `@odata.*` keys.
            if o.keys().any(|k| k != "value" && !k.starts_with("@odata.")) {
                return None;
            }
            list.iter().collect()
        }
        other => vec![other],
    };
    items
        .into_iter()
        .map(|i| shape_of(i).map(|s| (s, i)))
        .collect()
}

/// True when `text` is JSON that `az` prints for one of the known commands (an empty list too).
pub fn looks_like(text: &str) -> bool {
    let t = text.trim_start_matches('\u{feff}').trim();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return false;
    }
    match serde_json::from_str::<Value>(t) {
        Ok(v) => objects(&v).is_some(),
        Err(_) => false,
    }
}

/// The shape an empty list most likely holds, from its file name (`grants.json`, `roles.json`, …).
fn shape_from_name(name: &str) -> Option<Shape> {
    let base = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    if base.contains("conditional") || base.contains("ca-polic") || base.contains("ca_polic") {
        Some(Shape::ConditionalAccessPolicy)
    } else if base.contains("federated") || base.contains("fic") {
        Some(Shape::FederatedCredential)
    } else if base.contains("grant") {
        Some(Shape::Grant)
    } else if base.contains("approle") || base.contains("assignedto") {
        Some(Shape::AppRoleAssignment)
    } else if base.contains("role") || base.contains("rbac") {
        Some(Shape::RoleAssignment)
    } else {
        None
    }
}

/// Everything read from the `az` files of a bundle, with the file each object came from.
#[derive(Debug, Default)]
pub struct Bundle {
    items: Vec<(Shape, String, Value)>,
    /// The files that held each shape (an empty list counts: it says "there are none").
    files: BTreeMap<Shape, Vec<String>>,
    /// The files that held a list (`az ad app list`, `az ad sp list`) rather than one object.
    lists: std::collections::BTreeSet<String>,
    /// How each file was read, for the report's checks.
    pub notes: Vec<ReadNote>,
}

/// What the role assignments are judged against, beside what the bundle says.
#[derive(Debug, Default, Clone)]
pub struct RbacContext {
    /// `--scope-arm`; otherwise the scope an ARM error in the bundle names.
    pub scope: Option<String>,
    /// Roles that would allow the call (`--role`); otherwise from the API or the action.
    pub roles: Vec<String>,
    /// `--api`, when it names a known API.
    pub api: Option<&'static authcheck_model::knowledge::apis::Api>,
}

impl Bundle {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.files.is_empty()
    }

    /// Reads one `az` file named `name` (as shown to the user). An error when it is not an export.
    pub fn add(&mut self, name: &str, text: &str) -> Result<(), SourceError> {
        let t = text.trim_start_matches('\u{feff}').trim();
        let v: Value = serde_json::from_str(t).map_err(|e| {
            SourceError::Other(format!(
                "not the JSON `az` prints (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        let objs = objects(&v).ok_or_else(|| {
            SourceError::Other(
                "JSON, but not an `az` export authcheck reads (app, service principal, grants, \
                 federated credentials, role assignments or conditional access policies)"
                    .into(),
            )
        })?;
        if objs.is_empty() {
            match shape_from_name(name) {
                Some(s) => {
                    self.files.entry(s).or_default().push(name.to_string());
                    self.notes.push(ReadNote::ok(
                        "az.read",
                        format!("{name}: an empty list, read as no {}", s.plural()),
                    ));
                }
                None => self.notes.push(ReadNote::failed(
                    "az.read",
                    format!("{name}: an empty list of unknown kind; name it after what it lists (grants.json, roles.json, …)"),
                )),
            }
            return Ok(());
        }
        if v.is_array() {
            self.lists.insert(name.to_string());
        }
        let mut counts: BTreeMap<Shape, usize> = BTreeMap::new();
        for (s, o) in objs {
            *counts.entry(s).or_default() += 1;
            self.items.push((s, name.to_string(), o.clone()));
        }
        let mut parts = Vec::new();
        for (s, n) in &counts {
            let files = self.files.entry(*s).or_default();
            if !files.iter().any(|f| f == name) {
                files.push(name.to_string());
            }
            let what = if *n == 1 {
                s.what().to_string()
            } else {
                s.plural()
            };
            parts.push(format!("{n} {what}"));
        }
        self.notes.push(ReadNote::ok(
            "az.read",
            format!("{name}: {}", parts.join(", ")),
        ));
        Ok(())
    }

    fn of(&self, s: Shape) -> impl Iterator<Item = (&str, &Value)> {
        self.items
            .iter()
            .filter(move |(x, _, _)| *x == s)
            .map(|(_, f, v)| (f.as_str(), v))
    }

    /// `command (file, file)` for the files that held shape `s`.
    fn source(&self, s: Shape, only: Option<&str>) -> Option<String> {
        let files: Vec<&str> = match only {
            Some(f) => vec![f],
            None => self.files.get(&s)?.iter().map(String::as_str).collect(),
        };
        let command = match s {
            Shape::App if files.iter().all(|f| self.lists.contains(*f)) => "az ad app list",
            Shape::Sp if files.iter().all(|f| self.lists.contains(*f)) => "az ad sp list",
            _ => s.command(),
        };
        (!files.is_empty()).then(|| format!("{command} ({})", files.join(", ")))
    }

    /// Turns the bundle into facts in `ev` (raw facts; derive afterwards). Reads `ev` for what
    /// other files of the bundle said (the client id, the ARM error's scope and principal).
    pub fn fill_evidence(&mut self, ctx: &RbacContext, ev: &mut Evidence) {
        let mut notes = self.fill_graph(ev);
        if let Some(src) = self.source(Shape::ConditionalAccessPolicy, None) {
            if ev.sp.conditional_access_checked {
                let sp_src = match ev.input.sources.get("sp") {
                    Some(s) if s != "graph" => format!("{s}; {src}"),
                    _ => src,
                };
                ev.note_source("sp", &sp_src);
            }
        }
        notes.extend(self.fill_rbac(ctx, ev));
        self.notes.extend(notes);
    }

    fn fill_graph(&self, ev: &mut Evidence) -> Vec<ReadNote> {
        let mut notes = Vec::new();
        let apps: Vec<(&str, &Value)> = self.of(Shape::App).collect();
        if apps.len() > 1 {
            notes.push(ReadNote::failed(
                "az.app",
                format!(
                    "{} app registrations in the bundle; the first ({}) is the one judged",
                    apps.len(),
                    apps[0].0
                ),
            ));
        }
        let app = apps.first().copied();
        let str_at = |v: &Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        // The client: the app's id, else the id the error or token names.
        let client_id = app
            .and_then(|(_, a)| str_at(a, "appId"))
            .or_else(|| ev.request.client_id.clone())
            .or_else(|| ev.token.client_id.clone());
        let sps: Vec<(&str, &Value)> = self.of(Shape::Sp).collect();
        let own = match &client_id {
            Some(cid) => sps
                .iter()
                .copied()
                .find(|(_, s)| str_at(s, "appId").is_some_and(|a| a.eq_ignore_ascii_case(cid))),
            None if sps.len() == 1 => sps.first().copied(),
            None => None,
        };
        let own_id = own.and_then(|(_, s)| str_at(s, "id"));
        let mut resource_principals = BTreeMap::new();
        for (_, s) in &sps {
            if own.is_some_and(|(_, o)| std::ptr::eq(o, *s)) {
                continue;
            }
            if let Some(a) = str_at(s, "appId") {
                resource_principals.insert(a, (*s).clone());
            }
        }
        let has_file = |s: Shape| self.files.contains_key(&s);
        let mine = |v: &Value, k: &str| {
            own_id
                .as_deref()
                .is_some_and(|id| str_at(v, k).is_some_and(|x| x.eq_ignore_ascii_case(id)))
        };
        let grants = has_file(Shape::Grant).then(|| {
            self.of(Shape::Grant)
                .filter(|(_, g)| mine(g, "clientId"))
                .map(|(_, g)| g.clone())
                .collect::<Vec<_>>()
        });
        let requests_roles = app.is_some_and(|(_, a)| {
            a.get("requiredResourceAccess")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
                .flat_map(|r| {
                    r.get("resourceAccess")
                        .and_then(|x| x.as_array())
                        .into_iter()
                        .flatten()
                })
                .any(|p| p.get("type").and_then(|t| t.as_str()) == Some("Role"))
        });
        let app_roles = if has_file(Shape::AppRoleAssignment) {
            Some(
                self.of(Shape::AppRoleAssignment)
                    .filter(|(_, r)| mine(r, "principalId"))
                    .map(|(_, r)| r.clone())
                    .collect::<Vec<_>>(),
            )
        } else if grants.is_some() && !requests_roles {
            // No application permission is requested: none needs a grant to be judged.
            Some(Vec::new())
        } else {
            None
        };
        if grants.is_some() && app_roles.is_none() && own.is_some() {
            notes.push(ReadNote::failed(
                "az.grants",
                format!(
                    "the app requests application permissions, but their grants are not in the bundle; add `az rest --url https://graph.microsoft.com/v1.0/servicePrincipals/{}/appRoleAssignments`",
                    own_id.as_deref().unwrap_or("<sp-object-id>")
                ),
            ));
        }
        let assignees = has_file(Shape::AppRoleAssignment).then(|| {
            self.of(Shape::AppRoleAssignment)
                .filter(|(_, r)| mine(r, "resourceId"))
                .map(|(_, r)| r.clone())
                .collect::<Vec<_>>()
        });
        let fics = has_file(Shape::FederatedCredential).then(|| {
            self.of(Shape::FederatedCredential)
                .map(|(_, c)| c.clone())
                .collect::<Vec<_>>()
        });
        let policies = has_file(Shape::ConditionalAccessPolicy).then(|| {
            self.of(Shape::ConditionalAccessPolicy)
                .map(|(_, p)| p.clone())
                .collect::<Vec<_>>()
        });
        if policies.is_some() && client_id.is_none() && own.is_none() {
            notes.push(ReadNote::failed(
                "az.conditional_access",
                "conditional access policies read, but no app registration, service principal or client id says which app they are judged for",
            ));
        }
        if own.is_none() && (has_file(Shape::Grant) || has_file(Shape::AppRoleAssignment)) {
            notes.push(ReadNote::failed(
                "az.grants",
                format!(
                    "grants are judged only with the app's service principal; add `az ad sp show --id {}`",
                    client_id.as_deref().unwrap_or("<app-id>")
                ),
            ));
        }
        if app.is_none() && own.is_none() {
            // Federated credentials alone still say what is trusted.
            if let Some(f) = &fics {
                ev.app.federated_credentials = f.iter().map(graph::federated_credential).collect();
                if let Some(s) = self.source(Shape::FederatedCredential, None) {
                    ev.note_source("app", &s);
                }
            }
            if !sps.is_empty() {
                let why = match &client_id {
                    Some(cid) => format!("none has the client id {cid}"),
                    None => "no app registration or client id tells which is the app's".into(),
                };
                notes.push(ReadNote::failed(
                    "az.sp",
                    format!("{} service principals read as APIs': {why}", sps.len()),
                ));
            }
            let f = GraphFacts {
                resource_principals,
                conditional_access: policies.filter(|_| client_id.is_some()),
                ..GraphFacts::default()
            };
            graph::fill_evidence(&f, ev);
            return notes;
        }
        let facts = GraphFacts {
            application: app.map(|(_, a)| Some(a.clone())),
            service_principal: own.map(|(_, s)| Some(s.clone())),
            app_role_assignments: app_roles.filter(|_| own.is_some()),
            delegated_grants: grants.filter(|_| own.is_some()),
            assignees: assignees.filter(|_| own.is_some()),
            federated_credentials: fics.clone(),
            resource_principals,
            conditional_access: policies,
            ..GraphFacts::default()
        };
        graph::fill_evidence(&facts, ev);
        if let Some((file, _)) = app {
            let mut src = vec![self.source(Shape::App, Some(file)).unwrap_or_default()];
            if facts.federated_credentials.is_some() {
                src.extend(self.source(Shape::FederatedCredential, None));
            }
            if !facts.resource_principals.is_empty() {
                let files: Vec<&str> = sps
                    .iter()
                    .filter(|(_, s)| !own.is_some_and(|(_, o)| std::ptr::eq(o, *s)))
                    .map(|(f, _)| *f)
                    .collect();
                src.push(format!(
                    "permission names from az ad sp show ({})",
                    files.join(", ")
                ));
            }
            ev.note_source("app", &src.join("; "));
        } else if fics.is_some() {
            if let Some(f) = &facts.federated_credentials {
                ev.app.federated_credentials = f.iter().map(graph::federated_credential).collect();
            }
            if let Some(s) = self.source(Shape::FederatedCredential, None) {
                ev.note_source("app", &s);
            }
        }
        if let Some((file, _)) = own {
            let mut src = vec![self.source(Shape::Sp, Some(file)).unwrap_or_default()];
            if facts.delegated_grants.is_some() {
                src.extend(self.source(Shape::Grant, None));
            }
            if facts.app_role_assignments.is_some() || facts.assignees.is_some() {
                src.extend(self.source(Shape::AppRoleAssignment, None));
            }
            ev.note_source("sp", &src.join("; "));
        }
        notes
    }

    fn fill_rbac(&self, ctx: &RbacContext, ev: &mut Evidence) -> Vec<ReadNote> {
        let mut notes = Vec::new();
        if !self.files.contains_key(&Shape::RoleAssignment) {
            return notes;
        }
        let items: Vec<Value> = self
            .of(Shape::RoleAssignment)
            .map(|(_, v)| v.clone())
            .collect();
        let Some(src) = self.source(Shape::RoleAssignment, None) else {
            return notes;
        };
        let Some(scope) = ctx.scope.clone().or_else(|| ev.api_call.scope.clone()) else {
            notes.push(ReadNote::failed(
                "az.rbac",
                format!("{src}: no scope to judge the role assignments at; pass --scope-arm or add the ARM error to the bundle"),
            ));
            return notes;
        };
        let prop = |v: &Value, k: &str| {
            v.get("properties")
                .unwrap_or(v)
                .get(k)
                .and_then(|x| x.as_str())
                .map(str::to_string)
        };
        let mut listed: Vec<String> = items
            .iter()
            .filter_map(|v| prop(v, "principalId"))
            .collect();
        listed.sort();
        listed.dedup();
        let principal = ev
            .api_call
            .principal_id
            .clone()
            .or_else(|| ev.sp.object_id.clone())
            .or_else(|| ev.token.oid.clone().filter(|_| !ev.token.delegated))
            .or_else(|| (listed.len() == 1).then(|| listed[0].clone()));
        let Some(principal) = principal else {
            notes.push(ReadNote::failed(
                "az.rbac",
                format!("{src}: assignments of {} principals and none named as the caller; add the ARM error or the service principal to the bundle", listed.len()),
            ));
            return notes;
        };
        let mut role_names = BTreeMap::new();
        for v in &items {
            if let (Some(id), Some(name)) =
                (prop(v, "roleDefinitionId"), prop(v, "roleDefinitionName"))
            {
                let key = id.rsplit('/').next().unwrap_or(&id).to_ascii_lowercase();
                role_names.insert(key, name);
            }
        }
        let facts = arm::ArmFacts {
            assignments: Some(items),
            role_names,
        };
        let required = required_roles(ctx, ev);
        arm::fill_evidence(&facts, &scope, &principal, &required, ev);
        ev.note_source("rbac", &src);
        notes.push(ReadNote::ok(
            "az.rbac",
            format!(
                "{} role assignment(s) of {principal} apply at {scope}",
                ev.rbac.assignments.len()
            ),
        ));
        notes
    }
}

/// The roles any one of which allows the call: `--role`, else the API's reader roles, else what
/// the ARM action needs (a read: Reader and up; a role write: Owner or an access administrator;
/// another write: Contributor or Owner).
fn required_roles(ctx: &RbacContext, ev: &Evidence) -> Vec<String> {
    if !ctx.roles.is_empty() {
        return ctx.roles.clone();
    }
    let api = ctx.api.or_else(|| {
        ev.api_call
            .api
            .as_deref()
            .and_then(authcheck_model::knowledge::apis::by_key)
    });
    if let Some(a) = api.filter(|a| a.key != "arm" && !a.reader_roles.is_empty()) {
        return a.reader_roles.iter().map(|s| s.to_string()).collect();
    }
    let action = ev
        .api_call
        .action
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    let roles: &[&str] = if action.is_empty() || action.ends_with("/read") {
        &["Reader", "Contributor", "Owner"]
    } else if action.starts_with("microsoft.authorization/") {
        &[
            "Owner",
            "User Access Administrator",
            "Role Based Access Control Administrator",
        ]
    } else {
        &["Contributor", "Owner"]
    };
    roles.iter().map(|s| s.to_string()).collect()
}

/// Reads a single `az` file into `ev` (the single-file form of `triage`).
pub fn read(
    name: &str,
    text: &str,
    ctx: &RbacContext,
    ev: &mut Evidence,
) -> Result<Vec<ReadNote>, SourceError> {
    let mut b = Bundle::default();
    b.add(name, text)?;
    if b.is_empty() {
        return Err(SourceError::Other(
            "an empty list, and its name does not say of what; nothing to read".into(),
        ));
    }
    ev.input.kind = Some("az-export".into());
    b.fill_evidence(ctx, ev);
    Ok(b.notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let app = serde_json::json!({"appId": "a", "signInAudience": "AzureADMyOrg", "requiredResourceAccess": []});
        let sp = serde_json::json!({"appId": "a", "signInAudience": "AzureADMyOrg", "servicePrincipalType": "Application"});
        assert_eq!(shape_of(&app), Some(Shape::App));
        assert_eq!(shape_of(&sp), Some(Shape::Sp));
        assert!(looks_like(
            r#"[{"clientId":"c","consentType":"AllPrincipals","resourceId":"r","scope":"User.Read"}]"#
        ));
        assert!(looks_like(
            r#"{"@odata.context":"x","value":[{"appRoleId":"r","principalId":"p","resourceId":"s"}]}"#
        ));
        assert!(looks_like("[]"));
        assert!(!looks_like(
            r#"{"error":{"code":"AuthorizationFailed","message":"x"}}"#
        ));
        assert!(!looks_like(
            r#"{"error":"invalid_client","error_codes":[7000215]}"#
        ));
        assert!(!looks_like(r#"[{"x":1}]"#));
        assert!(!looks_like("AADSTS50105: not assigned"));
    }

    #[test]
    fn empty_lists_take_their_kind_from_the_name() {
        assert_eq!(shape_from_name("dir/grants.json"), Some(Shape::Grant));
        assert_eq!(shape_from_name("roles.json"), Some(Shape::RoleAssignment));
        assert_eq!(
            shape_from_name("fic.json"),
            Some(Shape::FederatedCredential)
        );
        assert_eq!(shape_from_name("x.json"), None);
    }
}
