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
}

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

/// The cloud of a token issuer (`https://sts.windows.net/{tid}/`, `https://login.microsoftonline.us/{tid}/v2.0`).
pub fn by_issuer(iss: &str) -> Option<&'static Cloud> {
    let rest = iss.strip_prefix("https://")?;
    let host = rest.split('/').next()?;
    if host.eq_ignore_ascii_case("sts.windows.net") {
        return by_key("public");
    }
    by_host(host)
}
