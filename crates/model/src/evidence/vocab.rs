//! Fixed vocabularies: the evidence fields whose values come from a closed set that the sources
//! and `derive` assign (`request.flow` is `client-credentials`, never `client_credentials`). Rule
//! loading refuses a condition that compares such a field with a string outside its set, and
//! `authcheck rules --fields` prints each set. This is the one place the sets are written down:
//! authcheck's own vocabularies are enums (the evidence fields have their types), and values that
//! come from Microsoft's services as they are (`grant_type` as sent, `signInAudience`, principal
//! types, policy states) stay strings with their known values listed here.

/// Declares one of authcheck's own vocabularies as an enum: each variant serialises as its
/// spelling, and `ALL` lists the spellings for the rule loader and `rules --fields`.
macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $s)] $v),+
        }

        impl $name {
            /// Every spelling, in declaration order.
            pub const ALL: &'static [&'static str] = &[$($s),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$v => $s),+
                }
            }

            /// The variant spelled `s`, if any.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($s => Some($name::$v),)+
                    _ => None,
                }
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// `env.command`: the command that built the evidence.
    Command { Triage = "triage", Decode = "decode", Doctor = "doctor" }
}

vocabulary! {
    /// `request.endpoint`: the token endpoint's version.
    Endpoint { V1 = "v1", V2 = "v2" }
}

vocabulary! {
    /// `request.tenant_kind`: how the tenant segment is written.
    TenantKind {
        Guid = "guid",
        Domain = "domain",
        Common = "common",
        Organizations = "organizations",
        Consumers = "consumers",
    }
}

vocabulary! {
    /// `request.flow`: authcheck's short name for the OAuth flow (`grant_type` keeps the wire value).
    Flow {
        ClientCredentials = "client-credentials",
        Ropc = "ropc",
        AuthCode = "auth-code",
        Refresh = "refresh",
        OnBehalfOf = "on-behalf-of",
        DeviceCode = "device-code",
        ManagedIdentity = "managed-identity",
        Interactive = "interactive",
    }
}

vocabulary! {
    /// `request.target_problem`: what is wrong with how the target resource is written.
    TargetProblem {
        NoScheme = "no-scheme",
        TrailingSlash = "trailing-slash",
        DoubleSlash = "double-slash",
        NoDefaultSuffix = "no-default-suffix",
    }
}

vocabulary! {
    /// `request.credential`: what the client presented.
    CredentialKind {
        Secret = "secret",
        Certificate = "certificate",
        Federated = "federated",
        Password = "password",
        None = "none",
        ManagedIdentity = "managed-identity",
    }
}

vocabulary! {
    /// `token.kind`.
    TokenKind { Access = "access", Id = "id" }
}

vocabulary! {
    /// `token.signature`: what checking the signature found.
    SignatureVerdict {
        NotChecked = "not-checked",
        Valid = "valid",
        Invalid = "invalid",
        UnknownKid = "unknown-kid",
        NotVerifiableByDesign = "not-verifiable-by-design",
        Unsigned = "unsigned",
    }
}

vocabulary! {
    /// `app.federated_match`: how a client assertion compares with the federated credentials.
    FederatedMatch {
        Exact = "exact",
        CaseOnly = "case-only",
        IssuerOnly = "issuer-only",
        None = "none",
    }
}

vocabulary! {
    /// `resource.permission_model`: how an API decides what a caller may do.
    PermissionModel {
        /// Delegated permissions only; an app reaches it through a role the service admin gives
        /// it (Power Platform API).
        DelegatedOnly = "delegated-only",
        /// OAuth permissions only: `scp` for users, `roles` for apps (Graph).
        ApplicationAndDelegated = "application-and-delegated",
        /// Any valid token for the audience; what it may do is Azure RBAC or the service's own roles.
        Rbac = "rbac",
    }
}

vocabulary! {
    /// `dataplane.operation`: the Purview API family called.
    PurviewOperation {
        Catalog = "catalog",
        Scanning = "scanning",
        Account = "account",
        MetadataPolicy = "metadata-policy",
        DevopsPolicy = "devops-policy",
    }
}

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
            "unrecognised-text",
        ],
    ),
    ("env.cloud", CLOUD_KEYS),
    ("env.command", Command::ALL),
    ("request.endpoint", Endpoint::ALL),
    ("request.tenant_kind", TenantKind::ALL),
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
    ("request.flow", Flow::ALL),
    ("request.target_api", API_KEYS),
    ("request.target_problem", TargetProblem::ALL),
    ("request.credential", CredentialKind::ALL),
    ("token.kind", TokenKind::ALL),
    ("token.idtyp", &["app", "user"]),
    ("token.aud_api", API_KEYS),
    ("token.cloud", CLOUD_KEYS),
    ("token.signature", SignatureVerdict::ALL),
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
    ("app.federated_match", FederatedMatch::ALL),
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
    ("resource.permission_model", PermissionModel::ALL),
    ("dataplane.service", API_KEYS),
    ("dataplane.operation", PurviewOperation::ALL),
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
    "logsingestion",
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
