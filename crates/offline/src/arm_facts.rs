//! Azure role assignments as evidence: ARM's role-assignment and role-definition JSON turned into
//! `rbac` facts, for the live doctor and for `az role assignment list` exports alike.

use authcheck_model::evidence::{Evidence, RoleAssignment};
use serde_json::Value;
use std::collections::BTreeMap;

/// What was read.
#[derive(Debug, Default)]
pub struct ArmFacts {
    pub assignments: Option<Vec<Value>>,
    /// Role definition id (last segment, lower case) → role name.
    pub role_names: BTreeMap<String, String>,
}

pub fn last_segment(id: &str) -> String {
    id.rsplit('/').next().unwrap_or(id).to_ascii_lowercase()
}

/// Turns what was read into `rbac` facts.
pub fn fill_evidence(
    f: &ArmFacts,
    scope: &str,
    principal_id: &str,
    required: &[String],
    ev: &mut Evidence,
) {
    let Some(items) = &f.assignments else {
        return;
    };
    let r = &mut ev.rbac;
    r.checked = true;
    r.scope = Some(scope.to_string());
    r.principal_id = Some(principal_id.to_string());
    r.required_roles = required.to_vec();
    let scope_l = scope.trim_end_matches('/').to_ascii_lowercase();
    for a in items {
        let p = a.get("properties").unwrap_or(a);
        let s = |k: &str| p.get(k).and_then(|x| x.as_str()).map(str::to_string);
        // The principal's own assignments only, whatever the server's filter did.
        if s("principalId").is_some_and(|id| !id.eq_ignore_ascii_case(principal_id)) {
            continue;
        }
        let a_scope = s("scope");
        // Only what applies at the scope: at it or above it (assignments below it do not help).
        if let Some(sc) = &a_scope {
            let l = sc.trim_end_matches('/').to_ascii_lowercase();
            let applies = l.is_empty() || l == scope_l || scope_l.starts_with(&format!("{l}/"));
            if !applies {
                continue;
            }
        }
        let def = s("roleDefinitionId");
        let created = s("createdOn")
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map(|d| d.timestamp());
        r.assignments.push(RoleAssignment {
            role_name: def
                .as_deref()
                .and_then(|d| f.role_names.get(&last_segment(d)).cloned()),
            role_definition_id: def,
            scope: a_scope,
            principal_id: s("principalId"),
            principal_type: s("principalType"),
            created_at: created,
            ..RoleAssignment::default()
        });
    }
    ev.note_source("rbac", "arm");
}
