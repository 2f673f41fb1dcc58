//! The well-known APIs a token is asked for: their app ids, resource URIs, the audience forms their
//! tokens carry, and how they grant access.

pub use crate::evidence::vocab::PermissionModel;

/// One well-known API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Api {
    /// The key used on the command line and in evidence.
    pub key: &'static str,
    pub display_name: &'static str,
    /// The first-party app id of the API's service principal.
    pub app_id: Option<&'static str>,
    /// The resource URI to ask for: v1 `resource`, and the v2 scope is this plus `/.default`.
    pub resource_uri: &'static str,
    /// Every `aud` form a valid token for the API carries (v1 tokens: the URI; v2: often the app id).
    pub audiences: &'static [&'static str],
    /// Hosts the API answers on (data-plane calls).
    pub hosts: &'static [&'static str],
    pub permission_model: PermissionModel,
    /// Roles that let an identity read through the API, for the RBAC check.
    pub reader_roles: &'static [&'static str],
}

pub const APIS: &[Api] = &[
    Api {
        key: "graph",
        display_name: "Microsoft Graph",
        app_id: Some("00000003-0000-0000-c000-000000000000"),
        resource_uri: "https://graph.microsoft.com",
        audiences: &[
            "https://graph.microsoft.com",
            "https://graph.microsoft.com/",
            "00000003-0000-0000-c000-000000000000",
        ],
        hosts: &["graph.microsoft.com"],
        permission_model: PermissionModel::ApplicationAndDelegated,
        reader_roles: &[],
    },
    Api {
        key: "arm",
        display_name: "Azure Resource Manager",
        app_id: Some("797f4846-ba00-4fd7-ba43-dac1f8f63013"),
        resource_uri: "https://management.azure.com/",
        audiences: &[
            "https://management.azure.com/",
            "https://management.azure.com",
            "https://management.core.windows.net/",
            "https://management.core.windows.net",
            "797f4846-ba00-4fd7-ba43-dac1f8f63013",
        ],
        hosts: &["management.azure.com"],
        permission_model: PermissionModel::Rbac,
        reader_roles: &["Reader", "Contributor", "Owner"],
    },
    Api {
        key: "purview",
        display_name: "Microsoft Purview",
        app_id: Some("73c2949e-da2d-457a-9607-fcc665198967"),
        resource_uri: "https://purview.azure.net",
        audiences: &[
            "https://purview.azure.net",
            "https://purview.azure.net/",
            "73c2949e-da2d-457a-9607-fcc665198967",
        ],
        hosts: &["purview.azure.com"],
        permission_model: PermissionModel::Rbac,
        reader_roles: &["Data Reader", "Data Curator", "Collection Admin"],
    },
    Api {
        key: "powerplatform",
        display_name: "Power Platform API",
        app_id: Some("8578e004-a5c6-46e7-913e-12f58912df43"),
        resource_uri: "https://api.powerplatform.com",
        audiences: &[
            "https://api.powerplatform.com",
            "https://api.powerplatform.com/",
            "8578e004-a5c6-46e7-913e-12f58912df43",
        ],
        hosts: &["api.powerplatform.com"],
        permission_model: PermissionModel::DelegatedOnly,
        reader_roles: &[],
    },
    Api {
        key: "loganalytics",
        display_name: "Log Analytics API",
        app_id: Some("ca7f3f0b-7d91-482c-8e09-c5d840d0eac5"),
        resource_uri: "https://api.loganalytics.io",
        audiences: &[
            "https://api.loganalytics.io",
            "https://api.loganalytics.io/",
            "https://api.loganalytics.azure.com",
            "ca7f3f0b-7d91-482c-8e09-c5d840d0eac5",
        ],
        hosts: &["api.loganalytics.io", "api.loganalytics.azure.com"],
        permission_model: PermissionModel::Rbac,
        reader_roles: &[
            "Log Analytics Reader",
            "Reader",
            "Log Analytics Contributor",
            "Monitoring Reader",
            "Contributor",
            "Owner",
        ],
    },
    Api {
        key: "appinsights",
        display_name: "Application Insights API",
        app_id: Some("f5c26e74-f226-4ae8-85f0-b4af0080ac9e"),
        resource_uri: "https://api.applicationinsights.io",
        audiences: &[
            "https://api.applicationinsights.io",
            "https://api.applicationinsights.io/",
            "f5c26e74-f226-4ae8-85f0-b4af0080ac9e",
        ],
        hosts: &["api.applicationinsights.io"],
        permission_model: PermissionModel::Rbac,
        reader_roles: &["Reader", "Monitoring Reader", "Contributor", "Owner"],
    },
    Api {
        key: "monitor",
        display_name: "Azure Monitor custom metrics",
        app_id: None,
        resource_uri: "https://monitoring.azure.com/",
        audiences: &[
            "https://monitoring.azure.com/",
            "https://monitoring.azure.com",
        ],
        hosts: &["monitoring.azure.com"],
        permission_model: PermissionModel::Rbac,
        reader_roles: &["Monitoring Metrics Publisher"],
    },
    Api {
        key: "keyvault",
        display_name: "Azure Key Vault",
        app_id: Some("cfa8b339-82a2-471a-a3c9-0fc0be7a4093"),
        resource_uri: "https://vault.azure.net",
        audiences: &[
            "https://vault.azure.net",
            "https://vault.azure.net/",
            "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
        ],
        hosts: &["vault.azure.net"],
        permission_model: PermissionModel::Rbac,
        reader_roles: &[
            "Key Vault Secrets User",
            "Key Vault Reader",
            "Key Vault Administrator",
        ],
    },
    Api {
        key: "storage",
        display_name: "Azure Storage",
        app_id: Some("e406a681-f3d4-42a8-90b6-c2b029497af1"),
        resource_uri: "https://storage.azure.com",
        audiences: &[
            "https://storage.azure.com",
            "https://storage.azure.com/",
            "e406a681-f3d4-42a8-90b6-c2b029497af1",
        ],
        hosts: &[
            "blob.core.windows.net",
            "queue.core.windows.net",
            "table.core.windows.net",
            "dfs.core.windows.net",
        ],
        permission_model: PermissionModel::Rbac,
        reader_roles: &[
            "Storage Blob Data Reader",
            "Storage Blob Data Contributor",
            "Storage Blob Data Owner",
        ],
    },
];

/// The API with this key.
pub fn by_key(key: &str) -> Option<&'static Api> {
    let k = key.to_ascii_lowercase();
    let k = match k.as_str() {
        "power-platform" | "powerplatformapi" | "pp" => "powerplatform",
        "log-analytics" | "la" | "logs" => "loganalytics",
        "app-insights" | "applicationinsights" | "ai" => "appinsights",
        "azure-monitor" | "metrics" => "monitor",
        "management" | "azure-resource-manager" => "arm",
        "microsoft-graph" | "msgraph" => "graph",
        "key-vault" | "vault" => "keyvault",
        other => other,
    };
    APIS.iter().find(|a| a.key == k)
}

/// Normalises a resource or audience for comparison: lower case, no trailing slash, no `/.default`.
pub fn normalize_resource(s: &str) -> String {
    let s = s.trim();
    let s = s.strip_suffix("/.default").unwrap_or(s);
    s.trim_end_matches('/').to_ascii_lowercase()
}

/// The API a resource URI, audience, app id or scope names.
pub fn by_resource(s: &str) -> Option<&'static Api> {
    let n = normalize_resource(s);
    if n.is_empty() {
        return None;
    }
    // A scope such as `https://graph.microsoft.com/User.Read` names the API by its prefix.
    APIS.iter().find(|a| {
        a.audiences.iter().any(|aud| normalize_resource(aud) == n)
            || a.app_id.is_some_and(|id| id == n)
            || n.strip_prefix(&normalize_resource(a.resource_uri))
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// The API a request host belongs to (`myaccount.purview.azure.com`, `api.loganalytics.io`).
pub fn by_host(host: &str) -> Option<&'static Api> {
    let h = host.to_ascii_lowercase();
    APIS.iter().find(|a| {
        a.hosts
            .iter()
            .any(|suffix| h == *suffix || h.ends_with(&format!(".{suffix}")))
    })
}

/// True when `aud` is a valid audience for `api`.
pub fn audience_matches(api: &Api, aud: &str) -> bool {
    let n = normalize_resource(aud);
    api.audiences.iter().any(|a| normalize_resource(a) == n)
}

/// The Purview API family a data-plane call belongs to, from its host and path (the path may
/// carry its query): `scanning` (`{account}.scan.purview.azure.com`, `/scan…`), `catalog`
/// (`{account}.catalog.purview.azure.com`, `/catalog…`, `/datamap…`), `metadata-policy`
/// (`/policystore/metadataPolicies`, `/policystore/metadataRoles`), `devops-policy` (any other
/// `/policystore/` path, `/devopspolicies`), `account` (`/account…`). The evidence field
/// `dataplane.operation` holds it; the role it needs is derived from it.
pub fn purview_operation(host: &str, path: &str) -> Option<&'static str> {
    let h = host.to_ascii_lowercase();
    let p = path.to_ascii_lowercase();
    let under = |dir: &str| p.contains(&format!("/{dir}/")) || p.starts_with(&format!("/{dir}"));
    if h.contains(".scan.purview.") {
        Some("scanning")
    } else if h.contains(".catalog.purview.") {
        Some("catalog")
    } else if p.contains("/policystore/metadatapolicies")
        || p.contains("/policystore/metadataroles")
        || (p.contains("/policystore/collections/") && p.contains("/metadatapolicy"))
    {
        Some("metadata-policy")
    } else if p.contains("/policystore/") || p.contains("/devopspolicies") {
        Some("devops-policy")
    } else if under("scan") {
        Some("scanning")
    } else if under("account") {
        Some("account")
    } else if under("catalog") || under("datamap") {
        Some("catalog")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purview_families_by_path() {
        let op = |p| purview_operation("acct.purview.azure.com", p);
        assert_eq!(op("/catalog/api/atlas/v2/entity"), Some("catalog"));
        assert_eq!(op("/datamap/api/atlas/v2/types/typedefs"), Some("catalog"));
        assert_eq!(op("/catalog"), Some("catalog"));
        assert_eq!(op("/scan/datasources"), Some("scanning"));
        assert_eq!(op("/scan"), Some("scanning"));
        assert_eq!(op("/policystore/metadataPolicies"), Some("metadata-policy"));
        assert_eq!(
            op("/policystore/metadataroles?api-version=2021-07-01"),
            Some("metadata-policy")
        );
        assert_eq!(op("/policystore/devOpsPolicies/x"), Some("devops-policy"));
        assert_eq!(op("/policystore/other"), Some("devops-policy"));
        assert_eq!(op("/x/devopspolicies"), Some("devops-policy"));
        assert_eq!(op("/account/collections/sales"), Some("account"));
        assert_eq!(op("/account"), Some("account"));
        assert_eq!(op("/"), None);
        assert_eq!(op(""), None);
        assert_eq!(op("/share/x"), None);
    }

    #[test]
    fn purview_families_by_host() {
        assert_eq!(
            purview_operation("acct.scan.purview.azure.com", "/datasources"),
            Some("scanning")
        );
        assert_eq!(
            purview_operation("ACCT.Catalog.Purview.Azure.com", "/api/atlas/v2/entity"),
            Some("catalog")
        );
        assert_eq!(purview_operation("", "/scan/x"), Some("scanning"));
        assert_eq!(purview_operation("acct.purview.azure.com", "/api"), None);
    }
}
