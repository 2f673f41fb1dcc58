//! Resolving flags, environment and `--config` into one plan: tenant, client, cloud and hosts,
//! the token request as the user's code makes it, and what else to check.

use super::config::{load_config, Config, Expectations};
use super::DoctorError;
use super::{DoctorOptions, ReaderAuth};
use crate::credential::Env;
use crate::dataplane;
use crate::http::Limits;
use crate::token_endpoint::{Endpoint, TokenRequest};
use crate::workload_oidc::{AzurePipelinesContext, GithubContext};
use authcheck_model::evidence::derive;
use authcheck_model::knowledge::{apis, clouds};
use std::path::PathBuf;
use std::time::Duration;

/// Everything a run needs, resolved from flags, environment and config.
#[derive(Debug, Clone)]
pub struct Plan {
    pub tenant: String,
    pub client_id: String,
    pub cloud: &'static clouds::Cloud,
    pub authority: String,
    /// The other clouds' authorities, asked for the tenant's discovery document when this
    /// cloud does not know the tenant: `AUTHCHECK_AUTHORITY_HOST_{PUBLIC,USGOV,CHINA}` when set,
    /// else the real hosts when the authority in use is a real one (never guessed for a custom or
    /// loopback authority).
    pub other_clouds: Vec<(&'static clouds::Cloud, String)>,
    pub graph: String,
    pub arm: String,
    pub api: Option<&'static apis::Api>,
    /// The resource URI as given when it is not a well-known API.
    pub api_uri: Option<String>,
    pub request: TokenRequest,
    pub call: Option<String>,
    pub scope_arm: Option<String>,
    pub roles: Vec<String>,
    pub purview_account: Option<String>,
    pub collection: Option<String>,
    /// The Purview account's data-plane base URL, when known.
    pub purview_base: Option<String>,
    pub reader: ReaderAuth,
    pub graph_token_file: Option<PathBuf>,
    pub arm_token_file: Option<PathBuf>,
    pub github: GithubContext,
    pub ado: AzurePipelinesContext,
    pub limits: Limits,
    pub ca_file: Option<PathBuf>,
    pub expect: Expectations,
    /// Which credential kind to use (`--credential`).
    pub credential: Option<String>,
    /// The instance metadata service base URL.
    pub imds: String,
    /// The redirect URI of an interactive sign-in.
    pub redirect_uri: Option<String>,
}

fn base_url(s: &str) -> Result<String, DoctorError> {
    let t = s.trim().trim_end_matches('/');
    let t = if t.contains("://") {
        t.to_string()
    } else {
        format!("https://{t}")
    };
    crate::http::check_url(&t).map_err(|e| DoctorError::Input(e.to_string()))?;
    Ok(t)
}

impl DoctorOptions {
    /// Resolves the settings. `env` is the process environment, or a simulator's for the demo.
    pub fn plan(&self, env: &dyn Env) -> Result<Plan, DoctorError> {
        let cfg = match &self.config {
            Some(p) => load_config(p)?,
            None => Config::default(),
        };
        let pick = |flag: &Option<String>, var: &str, c: &Option<String>| {
            flag.clone()
                .or_else(|| env.var(var).filter(|v| !v.is_empty()))
                .or_else(|| c.clone())
        };
        let tenant = pick(&self.tenant, "AZURE_TENANT_ID", &cfg.tenant);
        let credential = self.credential.clone().or(cfg.credential.clone());
        let managed = matches!(credential.as_deref(), Some("managed-identity" | "msi"));
        let client_id = pick(&self.client_id, "AZURE_CLIENT_ID", &cfg.client_id)
            .or_else(|| managed.then(String::new));
        // Every missing input at once, each with where it can come from: one run tells all.
        let mut missing = Vec::new();
        if tenant.is_none() {
            missing.push("--tenant (or AZURE_TENANT_ID, or `tenant` in --config)");
        }
        if client_id.is_none() {
            missing.push("--client-id (or AZURE_CLIENT_ID, or `client_id` in --config)");
        }
        let nothing_to_ask_for = self.api.is_none()
            && cfg.api.is_none()
            && self.resource.is_none()
            && cfg.resource.is_none()
            && self.scope.is_none()
            && cfg.scope.is_none();
        if nothing_to_ask_for {
            missing.push(
                "--api, the API to call (or `api` in --config; or --resource / --scope as your code sends them)",
            );
        }
        // The Logs Ingestion API's URL is built from three inputs; without a --call each is needed.
        let logs_ingestion = self
            .api
            .as_deref()
            .or(cfg.api.as_deref())
            .and_then(|a| apis::by_key(a).or_else(|| apis::by_resource(a)))
            .is_some_and(|a| a.key == "logsingestion");
        let dce = self
            .dce
            .clone()
            .or_else(|| self.api_endpoint.clone())
            .or_else(|| {
                env.var("AUTHCHECK_LOGSINGESTION_ENDPOINT")
                    .filter(|v| !v.is_empty())
            })
            .or_else(|| cfg.dce.clone())
            .or_else(|| cfg.api_endpoint.clone());
        let dcr_immutable_id = pick(
            &self.dcr_immutable_id,
            "AUTHCHECK_DCR_IMMUTABLE_ID",
            &cfg.dcr_immutable_id,
        );
        let stream = pick(&self.stream, "AUTHCHECK_DCR_STREAM", &cfg.stream);
        if logs_ingestion && self.call.is_none() && cfg.call.is_none() {
            if dce.is_none() {
                missing.push("--dce, the data collection endpoint or the DCR's logs-ingestion endpoint (or AUTHCHECK_LOGSINGESTION_ENDPOINT, or `dce` in --config)");
            }
            if dcr_immutable_id.is_none() {
                missing.push("--dcr-immutable-id, the rule's immutable id dcr-… (or AUTHCHECK_DCR_IMMUTABLE_ID, or `dcr_immutable_id` in --config)");
            }
            if stream.is_none() {
                missing.push("--stream, the stream the rule declares, Custom-… (or AUTHCHECK_DCR_STREAM, or `stream` in --config)");
            }
        }
        if !missing.is_empty() {
            return Err(DoctorError::Input(format!(
                "missing: {}",
                missing.join("; ")
            )));
        }
        let (Some(tenant), Some(client_id), false) = (tenant, client_id, nothing_to_ask_for) else {
            return Err(DoctorError::Input(format!(
                "missing: {}",
                missing.join("; ")
            )));
        };
        let authority_written = pick(
            &self.authority_host,
            "AZURE_AUTHORITY_HOST",
            &cfg.authority_host,
        );
        // No --cloud: the cloud of the authority host, when it is a known one.
        let cloud_key = pick(&self.cloud, "AUTHCHECK_CLOUD", &cfg.cloud)
            .or_else(|| {
                authority_written
                    .as_deref()
                    .and_then(clouds::by_host)
                    .map(|c| c.key.to_string())
            })
            .unwrap_or_else(|| "public".into());
        let cloud = clouds::by_key(&cloud_key).ok_or_else(|| {
            DoctorError::Input(format!(
                "--cloud {cloud_key}: not a cloud (public, usgov, china)"
            ))
        })?;
        let authority = base_url(
            &authority_written
                .clone()
                .unwrap_or_else(|| cloud.authority_host.to_string()),
        )
        .map_err(|e| DoctorError::Input(format!("--authority-host: {e}")))?;
        let authority_is_real = authority.starts_with("https://")
            && clouds::by_host(&crate::http::host_of(&authority)).is_some();
        let mut other_clouds = Vec::new();
        for c in clouds::CLOUDS.iter().filter(|c| c.key != cloud.key) {
            let var = format!("AUTHCHECK_AUTHORITY_HOST_{}", c.key.to_ascii_uppercase());
            let url = match env.var(&var).filter(|v| !v.trim().is_empty()) {
                Some(v) => {
                    Some(base_url(&v).map_err(|e| DoctorError::Input(format!("{var}: {e}")))?)
                }
                None => authority_is_real.then(|| format!("https://{}", c.authority_host)),
            };
            if let Some(u) = url.filter(|u| u != &authority) {
                other_clouds.push((c, u));
            }
        }
        let graph = base_url(
            &pick(
                &self.graph_endpoint,
                "AUTHCHECK_GRAPH_ENDPOINT",
                &cfg.graph_endpoint,
            )
            .unwrap_or_else(|| cloud.graph_host.to_string()),
        )
        .map_err(|e| DoctorError::Input(format!("--graph-endpoint: {e}")))?;
        let arm = base_url(
            &pick(
                &self.arm_endpoint,
                "AUTHCHECK_ARM_ENDPOINT",
                &cfg.arm_endpoint,
            )
            .unwrap_or_else(|| cloud.arm_host.to_string()),
        )
        .map_err(|e| DoctorError::Input(format!("--arm-endpoint: {e}")))?;
        let api_arg = self.api.clone().or(cfg.api.clone());
        let (api, api_uri) = match &api_arg {
            None => (None, None),
            Some(a) => match apis::by_key(a).or_else(|| apis::by_resource(a)) {
                Some(x) => (Some(x), None),
                None if a.contains("://") || a.starts_with("api://") || derive::looks_like_guid(a) => {
                    (None, Some(a.clone()))
                }
                None => {
                    return Err(DoctorError::Input(format!(
                        "--api {a}: not a known API (purview, powerplatform, loganalytics, appinsights, metrics, logsingestion, arm, graph) or a resource URI"
                    )))
                }
            },
        };
        let endpoint = match (self.endpoint, cfg.endpoint.as_deref()) {
            (Some(e), _) => e,
            (None, Some("v1")) => Endpoint::V1,
            (None, Some("v2") | None) => Endpoint::V2,
            (None, Some(o)) => {
                return Err(DoctorError::Input(format!(
                    "--config: endpoint `{o}` is not v1 or v2"
                )))
            }
        };
        let resource_written = self.resource.clone().or(cfg.resource.clone());
        let scope_written = self.scope.clone().or(cfg.scope.clone());
        let default_uri = api.map(|a| a.resource_uri.to_string()).or(api_uri.clone());
        // What the user's code sends: as written when given, else what a correct client sends.
        let (resource, scope) = match (resource_written, scope_written, endpoint) {
            (r @ Some(_), s, _) | (r, s @ Some(_), _) => (r, s),
            (None, None, Endpoint::V1) => (default_uri.clone(), None),
            (None, None, Endpoint::V2) => (
                None,
                default_uri.map(|u| format!("{}/.default", u.trim_end_matches('/'))),
            ),
        };
        if resource.is_none() && scope.is_none() {
            return Err(DoctorError::Input(
                "--api: missing: name the API to call (or give --resource / --scope as your code sends it)".into(),
            ));
        }
        let request = TokenRequest {
            authority: authority.clone(),
            tenant: tenant.clone(),
            endpoint,
            client_id: client_id.clone(),
            resource,
            scope,
            origin: self.origin.clone().or(cfg.origin.clone()),
        };
        let mut call = self.call.clone().or(cfg.call.clone());
        let workspace = self.workspace.clone().or(cfg.workspace.clone());
        let app_id = self.app_id.clone().or(cfg.app_id.clone());
        if let Some(a) = &app_id {
            if !derive::looks_like_guid(a) {
                return Err(DoctorError::Input(format!(
                    "--app-id {a}: not a GUID (the Application ID on the Application Insights component's API Access page)"
                )));
            }
        }
        // An input that only one API reads, given on the command line for another: refused, so
        // no one believes it was used (from --config it may serve another run, and is left alone).
        if let (Some(a), Some(typed)) = (api, api_arg.as_deref()) {
            for (flag, given, key, shown) in [
                (
                    "--app-id",
                    self.app_id.is_some(),
                    "appinsights",
                    "appinsights",
                ),
                ("--region", self.region.is_some(), "monitor", "metrics"),
                (
                    "--dce",
                    self.dce.is_some(),
                    "logsingestion",
                    "logsingestion",
                ),
                (
                    "--dcr-immutable-id",
                    self.dcr_immutable_id.is_some(),
                    "logsingestion",
                    "logsingestion",
                ),
                (
                    "--stream",
                    self.stream.is_some(),
                    "logsingestion",
                    "logsingestion",
                ),
                (
                    "--workspace",
                    self.workspace.is_some(),
                    "loganalytics",
                    "loganalytics",
                ),
            ] {
                if given && a.key != key {
                    return Err(DoctorError::Input(format!(
                        "{flag}: only read with --api {shown}, and this run's --api is {typed}"
                    )));
                }
            }
        }
        let api_endpoint = match api {
            Some(a) => pick(
                &self.api_endpoint,
                &format!("AUTHCHECK_{}_ENDPOINT", a.key.to_ascii_uppercase()),
                &cfg.api_endpoint,
            ),
            None => self.api_endpoint.clone().or(cfg.api_endpoint.clone()),
        };
        let purview_account = self.purview_account.clone().or(cfg.purview_account.clone());
        let purview_base = match api {
            Some(a) if a.key == "purview" => api_endpoint
                .clone()
                .map(|e| e.trim_end_matches('/').to_string())
                .or_else(|| {
                    purview_account
                        .as_ref()
                        .map(|n| format!("https://{n}.purview.azure.com"))
                }),
            _ => None,
        };
        let resource_id = self.resource_id.clone().or(cfg.resource_id.clone());
        if let Some(r) = &resource_id {
            if !r.to_ascii_lowercase().starts_with("/subscriptions/") || r.contains(['?', '#', ' '])
            {
                return Err(DoctorError::Input(format!(
                    "--resource-id {r}: not an ARM resource id (/subscriptions/<sub>/resourceGroups/<rg>/providers/<type>/<name>)"
                )));
            }
        }
        if let Some(d) = &dcr_immutable_id {
            let hex = d.get(4..).unwrap_or("");
            if !d.to_ascii_lowercase().starts_with("dcr-")
                || hex.len() != 32
                || !hex.chars().all(|c| c.is_ascii_hexdigit())
            {
                return Err(DoctorError::Input(format!(
                    "--dcr-immutable-id {d}: not a data collection rule's immutable id (dcr- and 32 hex digits, on the rule's overview page)"
                )));
            }
        }
        if let Some(st) = &stream {
            if st.is_empty()
                || !st
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(DoctorError::Input(format!(
                    "--stream {st}: not a stream name (letters, digits, - and _, as Custom-MyTable)"
                )));
            }
        }
        let dce = match dce.filter(|_| logs_ingestion) {
            Some(d) => Some(base_url(&d).map_err(|e| DoctorError::Input(format!("--dce: {e}")))?),
            None => None,
        };
        let region = self.region.clone().or(cfg.region.clone());
        if let Some(r) = &region {
            if r.is_empty() || !r.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(DoctorError::Input(format!(
                    "--region {r}: not an Azure region name (letters and digits, as `westeurope`)"
                )));
            }
        }
        if let Some(b) = &purview_base {
            dataplane::host_allowed(b, api, None).map_err(DoctorError::Input)?;
        }
        if call.is_none() {
            call = default_call(
                api,
                &CallInputs {
                    endpoint: dce.as_deref().or(api_endpoint.as_deref()),
                    workspace: workspace.as_deref(),
                    app_id: app_id.as_deref(),
                    resource_id: resource_id.as_deref(),
                    region: region.as_deref(),
                    purview_account: self
                        .purview_account
                        .as_deref()
                        .or(cfg.purview_account.as_deref()),
                    dcr_and_stream: dcr_immutable_id.as_deref().zip(stream.as_deref()),
                },
            );
        }
        if let Some(c) = &call {
            dataplane::host_allowed(c, api, api_uri.as_deref()).map_err(DoctorError::Input)?;
        }
        let mut github = GithubContext::from_env(|k| env.var(k));
        if self.github_repo.is_some() {
            github.repository = self.github_repo.clone();
        }
        if self.github_ref.is_some() {
            github.git_ref = self.github_ref.clone();
        }
        if let Some(e) = self
            .github_environment
            .clone()
            .or(cfg.github_environment.clone())
        {
            github.environment = Some(e);
        }
        if self.github_event.is_some() {
            github.event = self.github_event.clone();
        }
        let mut ado = AzurePipelinesContext::from_env(|k| env.var(k));
        if let Some(n) = self
            .ado_service_connection
            .as_deref()
            .filter(|n| !n.trim().is_empty())
        {
            ado.service_connection = Some(n.to_string());
        }
        let mut roles = self.roles.clone();
        if roles.is_empty() {
            roles = cfg.roles.clone();
        }
        let limits = Limits {
            timeout: Duration::from_secs(self.timeout.or(cfg.timeout).unwrap_or(10).max(1)),
            max_retries: self.retries.or(cfg.retries).unwrap_or(2).min(5),
            ..Limits::default()
        };
        Ok(Plan {
            tenant,
            client_id,
            cloud,
            authority,
            other_clouds,
            graph,
            arm,
            api,
            api_uri,
            request,
            call,
            // Custom metrics: the roles that matter are on the resource the metrics are about; the
            // Logs Ingestion API: on the data collection rule.
            scope_arm: self
                .scope_arm
                .clone()
                .or(cfg.scope_arm.clone())
                .or_else(|| {
                    resource_id.clone().filter(|_| {
                        api.is_some_and(|a| matches!(a.key, "monitor" | "logsingestion"))
                    })
                }),
            roles,
            purview_account,
            purview_base,
            collection: self.collection.clone().or(cfg.collection.clone()),
            reader: self
                .graph_auth
                .or(cfg.graph_auth)
                .unwrap_or(ReaderAuth::Auto),
            graph_token_file: self.graph_token_file.clone(),
            arm_token_file: self.arm_token_file.clone(),
            github,
            ado,
            limits,
            ca_file: self.ca_file.clone().or_else(|| {
                ["AUTHCHECK_CA_FILE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"]
                    .iter()
                    .find_map(|k| env.var(k).filter(|v| !v.is_empty()))
                    .map(PathBuf::from)
            }),
            credential,
            imds: base_url(
                &self
                    .imds_endpoint
                    .clone()
                    .or_else(|| env.var("AUTHCHECK_IMDS_ENDPOINT"))
                    .or_else(|| env.var("AZURE_POD_IDENTITY_AUTHORITY_HOST"))
                    .or(cfg.imds_endpoint.clone())
                    .unwrap_or_else(|| "http://169.254.169.254".into()),
            )
            .map_err(|e| DoctorError::Input(format!("--imds-endpoint: {e}")))?,
            redirect_uri: self.redirect_uri.clone().or(cfg.redirect_uri.clone()),
            expect: cfg.expect,
        })
    }
}

/// What the default call of each API is built from (flags, environment and config resolved).
struct CallInputs<'a> {
    /// The API's base URL as given (`--api-endpoint`, or `--dce` for the Logs Ingestion API).
    endpoint: Option<&'a str>,
    workspace: Option<&'a str>,
    app_id: Option<&'a str>,
    resource_id: Option<&'a str>,
    region: Option<&'a str>,
    purview_account: Option<&'a str>,
    /// The data collection rule's immutable id and its stream.
    dcr_and_stream: Option<(&'a str, &'a str)>,
}

/// A harmless read on the API's data plane, to see what the API says of the token (for the
/// ingestion APIs, a POST that stores nothing: see `dataplane::probe_body`).
fn default_call(api: Option<&apis::Api>, inputs: &CallInputs) -> Option<String> {
    let CallInputs {
        endpoint,
        workspace,
        app_id,
        resource_id,
        region,
        purview_account,
        dcr_and_stream,
    } = *inputs;
    let api = api?;
    let base = |real: Option<String>| -> Option<String> {
        endpoint
            .map(|e| e.trim_end_matches('/').to_string())
            .or(real)
    };
    match api.key {
        "purview" => base(purview_account.map(|a| format!("https://{a}.purview.azure.com")))
            .map(|b| format!("{b}/catalog/api/atlas/v2/types/typedefs/headers")),
        "powerplatform" => base(Some("https://api.powerplatform.com".into())).map(|b| {
            format!("{b}/environmentmanagement/environments?api-version=2022-03-01-preview")
        }),
        "loganalytics" => {
            let ws = workspace?;
            base(Some("https://api.loganalytics.azure.com".into()))
                .map(|b| format!("{b}/v1/workspaces/{ws}/query?query=print%201"))
        }
        "appinsights" => {
            let app = app_id?;
            base(Some("https://api.applicationinsights.io".into()))
                .map(|b| format!("{b}/v1/apps/{app}/query?query=print%201"))
        }
        "monitor" => {
            let id = resource_id?.trim_end_matches('/');
            base(region.map(|r| format!("https://{r}.monitoring.azure.com")))
                .map(|b| format!("{b}{id}/metrics"))
        }
        // https://learn.microsoft.com/azure/azure-monitor/logs/logs-ingestion-api-overview#uri
        "logsingestion" => {
            let (dcr, stream) = dcr_and_stream?;
            base(None).map(|b| {
                format!("{b}/dataCollectionRules/{dcr}/streams/{stream}?api-version=2023-01-01")
            })
        }
        _ => None,
    }
}
