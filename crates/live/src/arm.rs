//! Azure Resource Manager, read live: the principal's role assignments at, above and below a scope
//! (with their creation times) and the names of their roles.
//!
//! The ARM token goes to the ARM host only.

use super::http::{Chain, Http, ReadError, Track};
use authcheck_model::report::CheckStatus;
use serde_json::Value;

use authcheck_offline::arm_facts::{last_segment, ArmFacts};

const API_VERSION: &str = "2022-04-01";

/// Built-in role ids, for when role definitions cannot be read.
const BUILTIN_ROLES: &[(&str, &str)] = &[
    ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"),
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"),
    (
        "73c42c96-874c-492b-b04d-ab87d138a893",
        "Log Analytics Reader",
    ),
    (
        "92aaf0da-9dab-42b6-94a3-d43ce8d16293",
        "Log Analytics Contributor",
    ),
    ("43d0d8ad-25c7-4714-9337-8ba259a9fe05", "Monitoring Reader"),
    (
        "3913510d-42f4-4e42-8a64-420c390055eb",
        "Monitoring Metrics Publisher",
    ),
];

/// Reads the principal's role assignments and the role names at `scope`.
pub async fn read(
    http: &Http,
    base: &str,
    token: &str,
    scope: &str,
    principal_id: &str,
    track: &dyn Track,
    chain: Chain,
) -> (ArmFacts, Chain) {
    let scope = scope.trim_end_matches('/');
    let assignments_url = format!(
        "{base}{scope}/providers/Microsoft.Authorization/roleAssignments?api-version={API_VERSION}&$filter=principalId eq '{principal_id}'"
    );
    let definitions_url = format!(
        "{base}{scope}/providers/Microsoft.Authorization/roleDefinitions?api-version={API_VERSION}"
    );
    track.start("arm.role_assignments");
    track.start("arm.role_definitions");
    let (a, d) = tokio::join!(
        http.get_json(&assignments_url, token, "arm.role_assignments", chain),
        http.get_json(&definitions_url, token, "arm.role_definitions", chain)
    );
    let ((a, c1), (d, c2)) = (a, d);
    let mut facts = ArmFacts::default();
    match a {
        Ok(v) => {
            let items: Vec<Value> = v
                .get("value")
                .and_then(|x| x.as_array())
                .cloned()
                .unwrap_or_default();
            track.done(
                "arm.role_assignments",
                CheckStatus::Ok,
                format!(
                    "{} role assignments for the principal at or around {scope}",
                    items.len()
                ),
            );
            facts.assignments = Some(items);
        }
        Err(e) => {
            let (s, d) = why(&e);
            track.done("arm.role_assignments", s, d);
        }
    }
    for (id, name) in BUILTIN_ROLES {
        facts.role_names.insert(id.to_string(), name.to_string());
    }
    match d {
        Ok(v) => {
            let mut n = 0;
            for r in v
                .get("value")
                .and_then(|x| x.as_array())
                .into_iter()
                .flatten()
            {
                let id = r
                    .get("name")
                    .and_then(|x| x.as_str())
                    .map(str::to_string)
                    .or_else(|| r.get("id").and_then(|x| x.as_str()).map(last_segment));
                let name = r.pointer("/properties/roleName").and_then(|x| x.as_str());
                if let (Some(id), Some(name)) = (id, name) {
                    facts
                        .role_names
                        .insert(id.to_ascii_lowercase(), name.to_string());
                    n += 1;
                }
            }
            track.done(
                "arm.role_definitions",
                CheckStatus::Ok,
                format!("{n} role definitions"),
            );
        }
        Err(e) => {
            let (s, d) = why(&e);
            track.done(
                "arm.role_definitions",
                s,
                format!("{d}; built-in role names used"),
            );
        }
    }
    (facts, c1.max(c2))
}

fn why(e: &ReadError) -> (CheckStatus, String) {
    match e {
        ReadError::Status { status: 401, code, .. } => (
            CheckStatus::Skipped,
            format!(
                "ARM refused the reading token ({}); run with --graph-auth az or give a valid ARM token",
                code.as_deref().unwrap_or("unauthorized")
            ),
        ),
        ReadError::Status { status: 403, code, .. } => (
            CheckStatus::Skipped,
            format!(
                "the identity reading ARM may not read role assignments ({}); run with --graph-auth az as someone with Reader at the scope",
                code.as_deref().unwrap_or("forbidden")
            ),
        ),
        other => (CheckStatus::Failed, other.short()),
    }
}
