//! Fixed vocabularies: the evidence fields whose values come from a closed set that the sources
//! and `derive` assign (`request.flow` is `client-credentials`, never `client_credentials`). Rule
//! loading refuses a condition that compares such a field with a string outside its set, and
//! `authcheck rules --fields` prints each set. This is the one place the sets are written down.

/// Field path (as in [`super::fields::FIELDS`], lists written `[]`) → the values it may hold.
/// Well-known API keys and cloud keys are those of `knowledge::apis::APIS` and
/// `knowledge::clouds::CLOUDS` (a test keeps them in step).
pub static VOCABULARIES: &[(&str, &[&str])] = &[
    (
        "input.kind",
        &[
            "jwt",
            "token-response",
            "error-text",
            "arm-error",
            "graph-error",
            "har",
            "signin-log",
            "sdk-log",
            "az-export",
            "bundle",
            "evidence",
            "live",
        ],
    ),
    ("env.cloud", CLOUD_KEYS),
    ("env.command", &["triage", "decode", "doctor"]),
    ("request.endpoint", &["v1", "v2"]),
    (
        "request.tenant_kind",
        &["guid", "domain", "common", "organizations", "consumers"],
    ),
    (
        "request.grant_type",
        &[
            "client_credentials",
            "password",
            "authorization_code",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "device_code",
            "urn:ietf:params:oauth:grant-type:device_code",
        ],
    ),
    (
        "request.flow",
        &[
            "client-credentials",
            "ropc",
            "auth-code",
            "refresh",
            "on-behalf-of",
            "device-code",
            "managed-identity",
            "interactive",
        ],
    ),
    ("request.target_api", API_KEYS),
    (
        "request.target_problem",
        &[
            "no-scheme",
            "trailing-slash",
            "double-slash",
            "no-default-suffix",
        ],
    ),
    (
        "request.credential",
        &[
            "secret",
            "certificate",
            "federated",
            "password",
            "none",
            "managed-identity",
        ],
    ),
    ("token.kind", &["access", "id"]),
    ("token.idtyp", &["app", "user"]),
    ("token.aud_api", API_KEYS),
    ("token.cloud", CLOUD_KEYS),
    (
        "token.signature",
        &[
            "not-checked",
            "valid",
            "invalid",
            "unknown-kid",
            "not-verifiable-by-design",
            "unsigned",
        ],
    ),
    (
        "app.sign_in_audience",
        &[
            "AzureADMyOrg",
            "AzureADMultipleOrgs",
            "AzureADandPersonalMicrosoftAccount",
            "PersonalMicrosoftAccount",
        ],
    ),
    ("app.required_permissions[].kind", &["Role", "Scope"]),
    (
        "app.federated_match",
        &["exact", "case-only", "issuer-only", "none"],
    ),
    (
        "sp.assignees[].principal_type",
        &["User", "Group", "ServicePrincipal"],
    ),
    (
        "sp.conditional_access[].state",
        &["enabled", "disabled", "enabledForReportingButNotEnforced"],
    ),
    ("sp.conditional_access[].grant_operator", &["OR", "AND"]),
    ("resource.api", API_KEYS),
    (
        "resource.permission_model",
        &["delegated-only", "application-and-delegated", "rbac"],
    ),
    ("dataplane.service", API_KEYS),
    (
        "dataplane.operation",
        &[
            "catalog",
            "scanning",
            "account",
            "metadata-policy",
            "devops-policy",
        ],
    ),
    ("api_call.api", API_KEYS),
    (
        "signins.groups[].conditional_access",
        &["success", "failure", "notApplied"],
    ),
];

/// The keys of the well-known APIs (`knowledge::apis::APIS`).
const API_KEYS: &[&str] = &[
    "graph",
    "arm",
    "purview",
    "powerplatform",
    "loganalytics",
    "appinsights",
    "monitor",
    "keyvault",
    "storage",
];

/// The keys of the clouds (`knowledge::clouds::CLOUDS`).
const CLOUD_KEYS: &[&str] = &["public", "usgov", "china"];

/// The values a field may hold, when it is a fixed vocabulary. `path` is written as in
/// [`VOCABULARIES`]; indices (`[0]`) are normalised to `[]`.
pub fn allowed(path: &str) -> Option<&'static [&'static str]> {
    let norm = super::fields::normalize(path);
    VOCABULARIES
        .iter()
        .find(|(p, _)| *p == norm)
        .map(|(_, values)| *values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{apis, clouds};

    #[test]
    fn every_vocabulary_names_a_known_field() {
        for (path, values) in VOCABULARIES {
            assert!(super::super::fields::is_known(path), "{path}");
            assert!(!values.is_empty(), "{path}");
        }
    }

    #[test]
    fn api_and_cloud_keys_follow_the_knowledge_tables() {
        let api: Vec<_> = apis::APIS.iter().map(|a| a.key).collect();
        assert_eq!(api, API_KEYS);
        let cloud: Vec<_> = clouds::CLOUDS.iter().map(|c| c.key).collect();
        assert_eq!(cloud, CLOUD_KEYS);
    }

    #[test]
    fn indices_are_normalised() {
        assert!(allowed("signins.groups[0].conditional_access").is_some());
        assert_eq!(
            allowed("request.flow").map(|v| v[0]),
            Some("client-credentials")
        );
        assert!(allowed("request.client_id").is_none());
    }
}
