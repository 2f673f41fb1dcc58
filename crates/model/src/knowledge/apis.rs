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
    /// Where one service of the API needs its own data roles (`queue.core.windows.net`): host
    /// suffix and the roles that read there, in place of `reader_roles`.
    pub host_roles: &'static [(&'static str, &'static [&'static str])],
    /// How long a new role assignment may take before the API honours it.
    pub role_propagation: Propagation,
    /// The Microsoft Learn pages the audiences, hosts and roles above come from.
    pub sources: &'static [&'static str],
}

/// How long a role assignment may take to be honoured, as Microsoft documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Propagation {
    /// The documented upper bound, in minutes.
    pub minutes: i64,
    /// A token obtained after the change sees it at once (ARM caches authorization per token).
    pub new_token_sees_it: bool,
    /// The page that says so.
    pub source: &'static str,
}

/// Azure Resource Manager (and, by default, any API authorized through Azure RBAC): up to 10
/// minutes, and signing in again (a new token) forces the refresh.
pub const RBAC_PROPAGATION: Propagation = Propagation {
    minutes: 10,
    new_token_sees_it: true,
    source: "https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#symptom---role-assignment-changes-are-not-being-detected",
};

/// Application Insights' query REST API: up to 60 minutes after the assignment.
pub const APPINSIGHTS_PROPAGATION: Propagation = Propagation {
    minutes: 60,
    new_token_sees_it: false,
    source: "https://learn.microsoft.com/azure/azure-monitor/app/app-insights-azure-ad-api",
};

/// The Logs Ingestion API: a new role on a data collection rule can take up to 30 minutes to be
/// honoured (the page's troubleshooting table says so for a 403).
pub const LOGS_INGESTION_PROPAGATION: Propagation = Propagation {
    minutes: 30,
    new_token_sees_it: false,
    source: "https://learn.microsoft.com/azure/azure-monitor/logs/tutorial-logs-ingestion-code#troubleshooting",
};

/// A managed identity that holds the role through a group: the managed-identity back end caches
/// a token per resource for about 24 hours, so the change can take that long.
pub const MANAGED_IDENTITY_GROUP_PROPAGATION: Propagation = Propagation {
    minutes: 24 * 60,
    new_token_sees_it: false,
    source: "https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/managed-identity-best-practice-recommendations#limitation-of-using-managed-identities-for-authorization",
};

/// The window that applies: the managed-identity-through-a-group one when that is the case, else
/// the API's own (Azure RBAC's for an unknown API).
pub fn propagation_for(api: Option<&Api>, managed_identity_via_group: bool) -> Propagation {
    if managed_identity_via_group {
        return MANAGED_IDENTITY_GROUP_PROPAGATION;
    }
    api.map_or(RBAC_PROPAGATION, |a| a.role_propagation)
}

/// The roles that let an identity read through `api` at `host` (a service's own data roles where
/// it has them, else the API's reader roles).
pub fn reader_roles_for(api: &Api, host: Option<&str>) -> &'static [&'static str] {
    let h = host.unwrap_or("").to_ascii_lowercase();
    api.host_roles
        .iter()
        .find(|(suffix, _)| h == *suffix || h.ends_with(&format!(".{suffix}")))
        .map_or(api.reader_roles, |(_, roles)| roles)
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
        host_roles: &[],
        role_propagation: RBAC_PROPAGATION,
        sources: &["https://learn.microsoft.com/graph/deployments"],
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
        host_roles: &[],
        role_propagation: RBAC_PROPAGATION,
        sources: &["https://learn.microsoft.com/azure/role-based-access-control/troubleshooting"],
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
        host_roles: &[],
        role_propagation: RBAC_PROPAGATION,
        sources: &["https://learn.microsoft.com/purview/tutorial-using-rest-apis"],
    },
    Api {
        key: "powerplatform",
        display_name: "Power Platform API",
        app_id: Some("8578e004-a5c6-46e7-913e-12f58912df43"),
        resource_uri: "https://api.powerplatform.com",
        // Public cloud, then GCC, GCC High, DoD and China (21Vianet).
        audiences: &[
            "https://api.powerplatform.com",
            "https://api.powerplatform.com/",
            "8578e004-a5c6-46e7-913e-12f58912df43",
            "https://api.gov.powerplatform.microsoft.us",
            "https://api.high.powerplatform.microsoft.us",
            "https://api.appsplatform.us",
            "https://api.powerplatform.partner.microsoftonline.cn",
        ],
        hosts: &[
            "api.powerplatform.com",
            "api.gov.powerplatform.microsoft.us",
            "api.high.powerplatform.microsoft.us",
            "api.appsplatform.us",
            "api.powerplatform.partner.microsoftonline.cn",
        ],
        permission_model: PermissionModel::DelegatedOnly,
        reader_roles: &[],
        host_roles: &[],
        role_propagation: RBAC_PROPAGATION,
        sources: &[
            "https://learn.microsoft.com/power-platform/admin/programmability-authentication-v2",
            "https://learn.microsoft.com/power-automate/ip-address-configuration",
        ],
    },
    Api {
        key: "loganalytics",
        display_name: "Log Analytics API",
        app_id: Some("ca7f3f0b-7d91-482c-8e09-c5d840d0eac5"),
        // The documented audience and host are `api.loganalytics.azure.com`; the older `.io` forms
        // are still accepted.
        resource_uri: "https://api.loganalytics.azure.com",
        audiences: &[
            "https://api.loganalytics.azure.com",
            "https://api.loganalytics.azure.com/",
            "https://api.loganalytics.io",
            "https://api.loganalytics.io/",
            "ca7f3f0b-7d91-482c-8e09-c5d840d0eac5",
        ],
        hosts: &["api.loganalytics.azure.com", "api.loganalytics.io"],
        permission_model: PermissionModel::Rbac,
        reader_roles: &[
            "Log Analytics Reader",
            "Reader",
            "Log Analytics Contributor",
            "Monitoring Reader",
            "Contributor",
            "Owner",
        ],
        host_roles: &[],
        role_propagation: RBAC_PROPAGATION,
        sources: &["https://learn.microsoft.com/azure/azure-monitor/logs/api/access-api"],
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
        host_roles: &[],
        role_propagation: APPINSIGHTS_PROPAGATION,
        sources: &["https://learn.microsoft.com/azure/azure-monitor/app/app-insights-azure-ad-api"],
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
        host_roles: &[],
        role_propagation: RBAC_PROPAGATION,
        sources: &["https://learn.microsoft.com/azure/azure-monitor/essentials/metrics-store-custom-rest-api"],
    },
    Api {
        key: "logsingestion",
        display_name: "Azure Monitor Logs Ingestion API",
        app_id: None,
        // `POST {endpoint}/dataCollectionRules/{DCR immutable id}/streams/{stream}?api-version=
        // 2023-01-01`, a token for `https://monitor.azure.com` (US Government
        // `https://monitor.azure.us`, 21Vianet `https://monitor.azure.cn`), Monitoring Metrics
        // Publisher on the data collection rule (or above it).
        resource_uri: "https://monitor.azure.com",
        audiences: &[
            "https://monitor.azure.com",
            "https://monitor.azure.com/",
            "https://monitor.azure.us",
            "https://monitor.azure.us/",
            "https://monitor.azure.cn",
            "https://monitor.azure.cn/",
        ],
        // A data collection endpoint (`{dce}.{region}.ingest.monitor.azure.com`) or a DCR's own
        // logs-ingestion endpoint.
        hosts: &[
            "ingest.monitor.azure.com",
            "ingest.monitor.azure.us",
            "ingest.monitor.azure.cn",
        ],
        permission_model: PermissionModel::Rbac,
        // The role's data action (`Microsoft.Insights/Telemetry/Write`) is what ingestion needs;
        // Owner and Contributor carry no data actions, so "or above" means a wider scope, not a
        // bigger role (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/monitor#monitoring-metrics-publisher).
        reader_roles: &["Monitoring Metrics Publisher"],
        host_roles: &[],
        role_propagation: LOGS_INGESTION_PROPAGATION,
        sources: &[
            "https://learn.microsoft.com/azure/azure-monitor/logs/logs-ingestion-api-overview",
            "https://learn.microsoft.com/azure/azure-monitor/logs/tutorial-logs-ingestion-code",
        ],
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
        // Reading a secret's value is a data action: Key Vault Reader reads metadata only (names,
        // attributes), never values, so it is not among them.
        reader_roles: &[
            "Key Vault Secrets User",
            "Key Vault Secrets Officer",
            "Key Vault Administrator",
        ],
        host_roles: &[],
        role_propagation: RBAC_PROPAGATION,
        sources: &["https://learn.microsoft.com/azure/key-vault/general/rbac-guide"],
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
            "file.core.windows.net",
        ],
        permission_model: PermissionModel::Rbac,
        reader_roles: &[
            "Storage Blob Data Reader",
            "Storage Blob Data Contributor",
            "Storage Blob Data Owner",
        ],
        host_roles: &[
            ("queue.core.windows.net", &[
                "Storage Queue Data Reader",
                "Storage Queue Data Message Processor",
                "Storage Queue Data Contributor",
            ]),
            ("table.core.windows.net", &[
                "Storage Table Data Reader",
                "Storage Table Data Contributor",
            ]),
            // Azure Files over REST with a token (not SMB): the privileged data roles.
            ("file.core.windows.net", &[
                "Storage File Data Privileged Reader",
                "Storage File Data Privileged Contributor",
            ]),
        ],
        role_propagation: RBAC_PROPAGATION,
        sources: &[
            "https://learn.microsoft.com/azure/storage/blobs/assign-azure-role-data-access",
            "https://learn.microsoft.com/azure/storage/queues/assign-azure-role-data-access",
            "https://learn.microsoft.com/azure/storage/tables/assign-azure-role-data-access",
            "https://learn.microsoft.com/azure/storage/files/authorize-oauth-rest",
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
        "logs-ingestion" | "ingestion" | "dcr" => "logsingestion",
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
    fn every_api_names_its_microsoft_learn_source() {
        for a in APIS {
            assert!(!a.sources.is_empty(), "{}", a.key);
            for u in a.sources.iter().chain([&a.role_propagation.source]) {
                assert!(
                    u.starts_with("https://learn.microsoft.com/"),
                    "{}: {u}",
                    a.key
                );
            }
        }
    }

    /// Fact: Key Vault Reader reads metadata, never secret values; it must not count as enough to
    /// read through the data plane (or a principal holding only it is told to wait).
    #[test]
    fn key_vault_reader_is_not_enough_to_read_secrets() {
        let kv = by_key("keyvault").unwrap();
        assert!(!kv.reader_roles.contains(&"Key Vault Reader"));
        assert!(kv.reader_roles.contains(&"Key Vault Secrets User"));
    }

    /// Fact: queues, tables and Azure Files have their own data roles; a blob role reads none of them.
    #[test]
    fn storage_services_need_their_own_data_roles() {
        let st = by_key("storage").unwrap();
        assert_eq!(
            by_host("acct.file.core.windows.net").map(|a| a.key),
            Some("storage")
        );
        let q = reader_roles_for(st, Some("acct.queue.core.windows.net"));
        assert!(
            q.contains(&"Storage Queue Data Reader") && !q.contains(&"Storage Blob Data Reader")
        );
        let t = reader_roles_for(st, Some("ACCT.table.core.windows.net"));
        assert!(
            t.contains(&"Storage Table Data Reader") && !t.contains(&"Storage Blob Data Reader")
        );
        let f = reader_roles_for(st, Some("acct.file.core.windows.net"));
        assert!(f.contains(&"Storage File Data Privileged Reader"));
        let b = reader_roles_for(st, Some("acct.blob.core.windows.net"));
        assert!(b.contains(&"Storage Blob Data Reader"));
        assert_eq!(reader_roles_for(st, None), st.reader_roles);
    }

    /// Fact: Log Analytics documents `https://api.loganalytics.azure.com`; `.io` is still accepted.
    #[test]
    fn log_analytics_documented_audience_first() {
        let la = by_key("loganalytics").unwrap();
        assert_eq!(la.resource_uri, "https://api.loganalytics.azure.com");
        assert!(audience_matches(la, "https://api.loganalytics.io"));
        assert!(audience_matches(la, "https://api.loganalytics.azure.com/"));
        assert_eq!(
            by_host("api.loganalytics.azure.com").map(|a| a.key),
            Some("loganalytics")
        );
    }

    /// Fact: the Power Platform API of GCC, GCC High, DoD and China, and the Logs Ingestion API.
    #[test]
    fn other_clouds_power_platform_and_logs_ingestion() {
        for host in [
            "api.gov.powerplatform.microsoft.us",
            "x.environment.api.high.powerplatform.microsoft.us",
            "api.appsplatform.us",
            "api.powerplatform.partner.microsoftonline.cn",
        ] {
            assert_eq!(
                by_host(host).map(|a| a.key),
                Some("powerplatform"),
                "{host}"
            );
        }
        assert_eq!(
            by_resource("https://api.high.powerplatform.microsoft.us/.default").map(|a| a.key),
            Some("powerplatform")
        );
        assert_eq!(
            by_resource("https://monitor.azure.com/.default").map(|a| a.key),
            Some("logsingestion")
        );
        assert_eq!(
            by_host("my-dce-a1b2.eastus-1.ingest.monitor.azure.com").map(|a| a.key),
            Some("logsingestion")
        );
        assert_eq!(
            by_resource("https://monitoring.azure.com/").map(|a| a.key),
            Some("monitor")
        );
    }

    /// Fact: ARM up to 10 minutes (a new token sees it), Application Insights' REST API up to 60,
    /// the Logs Ingestion API up to 30, a managed identity holding the role through a group up to 24 hours.
    #[test]
    fn propagation_windows_per_service() {
        let arm = propagation_for(by_key("arm"), false);
        assert_eq!((arm.minutes, arm.new_token_sees_it), (10, true));
        assert_eq!(propagation_for(by_key("appinsights"), false).minutes, 60);
        assert_eq!(propagation_for(by_key("logsingestion"), false).minutes, 30);
        assert_eq!(propagation_for(None, false).minutes, 10);
        assert_eq!(propagation_for(by_key("arm"), true).minutes, 24 * 60);
    }

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
