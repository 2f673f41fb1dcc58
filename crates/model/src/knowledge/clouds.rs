//! The national clouds: where each one's authority, Graph and ARM live.

/// One cloud's endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cloud {
    /// The key used on the command line and in evidence (`public`, `usgov`, `china`).
    pub key: &'static str,
    pub display_name: &'static str,
    /// The authority host a client sends token requests to.
    pub authority_host: &'static str,
    /// Other hosts that issue tokens for the same cloud (legacy or partner names).
    pub other_authority_hosts: &'static [&'static str],
    /// The issuer host of v1 tokens (`https://{sts}/{tid}/`).
    pub sts_host: &'static str,
    pub graph_host: &'static str,
    pub arm_host: &'static str,
    /// The `az cloud set --name` value.
    pub az_name: &'static str,
    /// The suffix of the initial (`*.onmicrosoft…`) domain every tenant of this cloud gets. A custom
    /// domain ending in `.us` or `.cn` says nothing about the cloud; this suffix does.
    pub tenant_domain_suffix: &'static str,
    /// The `cloud_instance_name` a tenant's OpenID discovery document names for this cloud.
    pub instance_name: &'static str,
    /// The Microsoft Learn pages these hosts come from.
    pub sources: &'static [&'static str],
}

/// The national-cloud endpoints page: authority, Graph and admin-consent hosts per cloud.
const NATIONAL_CLOUDS: &str =
    "https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud";

pub const CLOUDS: &[Cloud] = &[
    Cloud {
        key: "public",
        display_name: "Azure public cloud",
        authority_host: "login.microsoftonline.com",
        other_authority_hosts: &[
            "login.windows.net",
            "sts.windows.net",
            "login.microsoft.com",
        ],
        sts_host: "sts.windows.net",
        graph_host: "graph.microsoft.com",
        arm_host: "management.azure.com",
        az_name: "AzureCloud",
        tenant_domain_suffix: "onmicrosoft.com",
        instance_name: "microsoftonline.com",
        sources: &[NATIONAL_CLOUDS],
    },
    Cloud {
        key: "usgov",
        display_name: "Azure US Government",
        authority_host: "login.microsoftonline.us",
        other_authority_hosts: &["login.usgovcloudapi.net"],
        sts_host: "sts.windows.net",
        graph_host: "graph.microsoft.us",
        arm_host: "management.usgovcloudapi.net",
        az_name: "AzureUSGovernment",
        tenant_domain_suffix: "onmicrosoft.us",
        instance_name: "microsoftonline.us",
        sources: &[
            NATIONAL_CLOUDS,
            // US Government v1 tokens are issued by `https://sts.windows.net/{tid}/` too.
            "https://learn.microsoft.com/answers/questions/1190472/what-are-the-token-issuers-for-the-sovereign-cloud",
        ],
    },
    Cloud {
        key: "china",
        display_name: "Microsoft Azure operated by 21Vianet",
        authority_host: "login.chinacloudapi.cn",
        other_authority_hosts: &["login.partner.microsoftonline.cn"],
        sts_host: "sts.chinacloudapi.cn",
        graph_host: "microsoftgraph.chinacloudapi.cn",
        arm_host: "management.chinacloudapi.cn",
        az_name: "AzureChinaCloud",
        tenant_domain_suffix: "partner.onmschina.cn",
        instance_name: "partner.microsoftonline.cn",
        sources: &[NATIONAL_CLOUDS],
    },
];

/// The cloud with this key (`public`, `usgov`, `china`; a few common aliases are accepted).
pub fn by_key(key: &str) -> Option<&'static Cloud> {
    let k = key.to_ascii_lowercase();
    let k = match k.as_str() {
        "azurecloud" | "azure" | "global" | "commercial" => "public",
        "azureusgovernment" | "usgovernment" | "gov" | "gcchigh" => "usgov",
        "azurechinacloud" | "mooncake" | "21vianet" => "china",
        other => other,
    };
    CLOUDS.iter().find(|c| c.key == k)
}

/// The cloud a discovery document's `cloud_instance_name` names (`microsoftonline.us` → US
/// Government). The China cloud's older `chinacloudapi.cn` is accepted too.
pub fn by_instance_name(name: &str) -> Option<&'static Cloud> {
    let n = name.trim().to_ascii_lowercase();
    if n == "chinacloudapi.cn" {
        return by_key("china");
    }
    CLOUDS.iter().find(|c| c.instance_name == n)
}

/// One Power Platform API deployment: its host (and token audience) and the Entra cloud its
/// tenants sign in to. GCC runs on the public cloud's Entra ID; GCC High and DoD on Azure
/// Government's; China on 21Vianet's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PowerPlatformCloud {
    /// `public`, `gcc`, `gcc-high`, `dod`, `china`.
    pub key: &'static str,
    pub display_name: &'static str,
    /// The API host; the token audience is `https://{host}`.
    pub host: &'static str,
    /// The key of the Entra cloud (`CLOUDS`) whose tenants use it.
    pub entra_cloud: &'static str,
}

/// Hosts: the Power Platform API authentication page (and the Power Automate IP-address page for
/// the sovereign hosts). Which Entra ID each uses: "GCC High … requires the customer to leverage
/// Azure AD Government … in contrast to GCC which leverages Public Azure AD",
/// https://learn.microsoft.com/power-platform/admin/powerapps-us-government
pub const POWER_PLATFORM_CLOUDS: &[PowerPlatformCloud] = &[
    PowerPlatformCloud {
        key: "public",
        display_name: "commercial",
        host: "api.powerplatform.com",
        entra_cloud: "public",
    },
    PowerPlatformCloud {
        key: "gcc",
        display_name: "GCC",
        host: "api.gov.powerplatform.microsoft.us",
        entra_cloud: "public",
    },
    PowerPlatformCloud {
        key: "gcc-high",
        display_name: "GCC High",
        host: "api.high.powerplatform.microsoft.us",
        entra_cloud: "usgov",
    },
    PowerPlatformCloud {
        key: "dod",
        display_name: "DoD",
        host: "api.appsplatform.us",
        entra_cloud: "usgov",
    },
    PowerPlatformCloud {
        key: "china",
        display_name: "China (21Vianet)",
        host: "api.powerplatform.partner.microsoftonline.cn",
        entra_cloud: "china",
    },
];

/// The Power Platform deployment with this key (`gcc-high`; `gcchigh`, `high`, `usgov` accepted).
pub fn power_platform_by_key(key: &str) -> Option<&'static PowerPlatformCloud> {
    let k = key.trim().to_ascii_lowercase();
    let k = match k.as_str() {
        "gcchigh" | "high" | "usgov" | "usgovhigh" => "gcc-high",
        "gov" | "usgovgcc" => "gcc",
        "usgovdod" => "dod",
        "commercial" | "prod" => "public",
        "mooncake" => "china",
        other => other,
    };
    POWER_PLATFORM_CLOUDS.iter().find(|c| c.key == k)
}

/// The Power Platform deployment an audience or host names (`https://api.high.powerplatform.microsoft.us/.default`).
pub fn power_platform_by_audience(aud: &str) -> Option<&'static PowerPlatformCloud> {
    let a = aud.trim().to_ascii_lowercase();
    let a = a.strip_prefix("https://").unwrap_or(&a);
    let host = a.split('/').next().unwrap_or(a);
    POWER_PLATFORM_CLOUDS
        .iter()
        .find(|c| host == c.host || host.ends_with(&format!(".{}", c.host)))
}

/// The cloud an authority, Graph or ARM host belongs to.
pub fn by_host(host: &str) -> Option<&'static Cloud> {
    let h = host.trim().trim_end_matches('/').to_ascii_lowercase();
    let h = h.strip_prefix("https://").unwrap_or(&h);
    let h = h.split('/').next().unwrap_or(h);
    CLOUDS.iter().find(|c| {
        c.authority_host == h
            || c.other_authority_hosts.contains(&h)
            || c.graph_host == h
            || c.arm_host == h
            || (c.key != "public" && c.sts_host == h)
    })
}

/// The cloud of a token issuer (`https://login.microsoftonline.us/{tid}/v2.0`). None for the v1
/// issuer `https://sts.windows.net/{tid}/`: the public cloud and US Government both issue it, so it
/// alone does not tell them apart.
pub fn by_issuer(iss: &str) -> Option<&'static Cloud> {
    let rest = iss.strip_prefix("https://")?;
    let host = rest.split('/').next()?;
    if host.eq_ignore_ascii_case("sts.windows.net") {
        return None;
    }
    by_host(host)
}

/// True for the v1 issuer host that more than one cloud uses.
pub fn issuer_is_shared(iss: &str) -> bool {
    iss.strip_prefix("https://")
        .and_then(|r| r.split('/').next())
        .is_some_and(|h| h.eq_ignore_ascii_case("sts.windows.net"))
}

/// The cloud a tenant's initial domain belongs to (`contoso.onmicrosoft.us` → US Government,
/// `contoso.partner.onmschina.cn` → China). None for a GUID or a custom domain: `contoso.us` may be
/// a public-cloud tenant's.
pub fn by_tenant_domain(tenant: &str) -> Option<&'static Cloud> {
    let t = tenant.trim().trim_end_matches('.').to_ascii_lowercase();
    CLOUDS
        .iter()
        .find(|c| t.ends_with(&format!(".{}", c.tenant_domain_suffix)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fact: US Government v1 tokens are issued by `sts.windows.net` too, so that issuer proves no
    /// cloud; only the `.onmicrosoft.us` / `.partner.onmschina.cn` initial domains name one.
    #[test]
    fn issuer_and_domain_evidence_of_a_cloud() {
        assert_eq!(
            by_issuer("https://sts.windows.net/3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9/"),
            None
        );
        assert!(issuer_is_shared("https://sts.windows.net/x/"));
        assert_eq!(
            by_issuer("https://login.microsoftonline.us/x/v2.0").map(|c| c.key),
            Some("usgov")
        );
        assert_eq!(
            by_tenant_domain("fabrikam.onmicrosoft.us").map(|c| c.key),
            Some("usgov")
        );
        assert_eq!(
            by_tenant_domain("Contoso.Partner.OnmsChina.cn").map(|c| c.key),
            Some("china")
        );
        assert_eq!(by_tenant_domain("contoso.us"), None);
        assert_eq!(by_tenant_domain("contoso.com.cn"), None);
        assert_eq!(
            by_tenant_domain("contoso.onmicrosoft.com").map(|c| c.key),
            Some("public")
        );
        assert_eq!(
            by_instance_name("microsoftonline.us").map(|c| c.key),
            Some("usgov")
        );
        assert_eq!(
            by_instance_name("partner.microsoftonline.cn").map(|c| c.key),
            Some("china")
        );
        assert_eq!(
            power_platform_by_audience("https://api.high.powerplatform.microsoft.us/.default")
                .map(|c| (c.key, c.entra_cloud)),
            Some(("gcc-high", "usgov"))
        );
        assert_eq!(
            power_platform_by_audience("https://api.gov.powerplatform.microsoft.us")
                .map(|c| c.entra_cloud),
            Some("public")
        );
        assert_eq!(
            power_platform_by_key("gcchigh").map(|c| c.host),
            Some("api.high.powerplatform.microsoft.us")
        );
        for c in CLOUDS {
            assert!(c
                .sources
                .iter()
                .all(|u| u.starts_with("https://learn.microsoft.com/")));
        }
    }
}
