//! `authcheck doctor`: live diagnosis. Probes the token endpoint as the user's code does, reads the
//! app registration, service principal, grants and federated credentials from Graph, role
//! assignments from ARM, and calls the data plane with the token — independent requests at once —
//! then lets the rules decide what is wrong.
//!
//! Settings come from flags, then the environment (`AZURE_*`), then `--config FILE`. No flag takes a
//! secret as its value.

use super::{CliError, ReportArgs};
use crate::evidence::{derive, Evidence};
use crate::knowledge::{apis, clouds};
use crate::report::{Check, CheckStatus, InputInfo, Report};
use crate::sources::credential::{self, Credential, Env, Secret};
use crate::sources::github_oidc::{self, GithubContext};
use crate::sources::http::{Chain, Http, Limits, Track};
use crate::sources::token_endpoint::{self, Endpoint, Outcome, TokenRequest};
use crate::sources::{arm, dataplane, graph, jwt};
use clap::{Args, ValueEnum};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the doctor reads Graph and ARM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReaderAuth {
    /// A token from the environment when one is set, else the same credential.
    Auto,
    /// The same credential as the token request, asking for a Graph (or ARM) token.
    Same,
    /// The signed-in Azure CLI (`az account get-access-token`).
    Az,
    /// `AUTHCHECK_GRAPH_TOKEN` / `AUTHCHECK_ARM_TOKEN`, or `--graph-token-file` / `--arm-token-file`.
    Env,
    /// Do not read Graph or ARM.
    None,
}

#[derive(Args, Debug, Clone, Default)]
pub struct DoctorArgs {
    /// The tenant: a GUID, a domain, `organizations` or `common` (or AZURE_TENANT_ID).
    #[arg(long, value_name = "TENANT")]
    pub tenant: Option<String>,
    /// The application (client) id (or AZURE_CLIENT_ID).
    #[arg(long, value_name = "GUID")]
    pub client_id: Option<String>,
    /// The API to call: purview, powerplatform, loganalytics, appinsights, monitor, arm, graph, or a resource URI.
    #[arg(long, value_name = "NAME|URI")]
    pub api: Option<String>,
    /// The token endpoint the user's code calls.
    #[arg(long, visible_alias = "endpoint-version", value_enum)]
    pub endpoint: Option<Endpoint>,
    /// The v1 `resource` exactly as the user's code sends it.
    #[arg(long, value_name = "URI")]
    pub resource: Option<String>,
    /// The v2 `scope` exactly as the user's code sends it (space separated).
    #[arg(long, value_name = "SCOPES")]
    pub scope: Option<String>,
    /// The `Origin` header the user's client sends (a browser app).
    #[arg(long, value_name = "URL")]
    pub origin: Option<String>,
    /// Call this URL with the token (GET) to see what the API says.
    #[arg(long, value_name = "URL")]
    pub call: Option<String>,
    /// The ARM scope to check role assignments at (`/subscriptions/…/resourceGroups/…`).
    #[arg(long, visible_alias = "arm-scope", value_name = "SCOPE")]
    pub scope_arm: Option<String>,
    /// Roles any one of which the principal needs at `--scope-arm` (default: the API's reader roles).
    #[arg(long = "role", value_name = "ROLE")]
    pub roles: Vec<String>,
    /// Purview account name.
    #[arg(long, value_name = "NAME")]
    pub purview_account: Option<String>,
    /// Purview collection the call targets.
    #[arg(long, value_name = "NAME")]
    pub collection: Option<String>,
    /// Log Analytics workspace id (used to build `--call` against the public API when none is given).
    #[arg(long, visible_alias = "workspace-id", value_name = "GUID")]
    pub workspace: Option<String>,
    /// Base URL of the API's data plane (`https://ACCOUNT.purview.azure.com`; or
    /// AUTHCHECK_PURVIEW_ENDPOINT, AUTHCHECK_POWERPLATFORM_ENDPOINT, AUTHCHECK_LOGANALYTICS_ENDPOINT):
    /// the doctor then calls a harmless read there when no `--call` is given.
    #[arg(long, value_name = "URL")]
    pub api_endpoint: Option<String>,
    /// Which credential to use when several are set: secret, certificate, federated, password,
    /// token (an access token), or none (send none, to see what Entra says).
    #[arg(long, value_name = "KIND")]
    pub credential: Option<String>,
    /// The instance metadata service for `--credential managed-identity` (or
    /// AUTHCHECK_IMDS_ENDPOINT, AZURE_POD_IDENTITY_AUTHORITY_HOST; default http://169.254.169.254).
    #[arg(long, value_name = "URL")]
    pub imds_endpoint: Option<String>,
    /// The redirect URI an interactive sign-in sends (`--credential interactive`).
    #[arg(long, value_name = "URL")]
    pub redirect_uri: Option<String>,
    /// ROPC user name (the password comes from AZURE_PASSWORD only).
    #[arg(long, value_name = "UPN")]
    pub username: Option<String>,
    /// Read the client secret from this file.
    #[arg(long, value_name = "FILE")]
    pub client_secret_file: Option<PathBuf>,
    /// Use this access token (a file) instead of asking for one.
    #[arg(long, value_name = "FILE")]
    pub access_token_file: Option<PathBuf>,
    /// The national cloud.
    #[arg(long, value_name = "public|usgov|china")]
    pub cloud: Option<String>,
    /// Authority base URL (or AZURE_AUTHORITY_HOST); `http://` only for loopback.
    #[arg(long, value_name = "URL")]
    pub authority_host: Option<String>,
    /// Graph base URL (or AUTHCHECK_GRAPH_ENDPOINT).
    #[arg(long, value_name = "URL")]
    pub graph_endpoint: Option<String>,
    /// ARM base URL (or AUTHCHECK_ARM_ENDPOINT).
    #[arg(long, value_name = "URL")]
    pub arm_endpoint: Option<String>,
    /// Extra CA certificates (PEM) to trust, for TLS-inspecting proxies (or AUTHCHECK_CA_FILE,
    /// SSL_CERT_FILE, REQUESTS_CA_BUNDLE).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// How to read Graph and ARM.
    #[arg(long, value_enum)]
    pub graph_auth: Option<ReaderAuth>,
    /// A Graph token in a file (with --graph-auth env).
    #[arg(long, value_name = "FILE")]
    pub graph_token_file: Option<PathBuf>,
    /// An ARM token in a file (with --graph-auth env).
    #[arg(long, value_name = "FILE")]
    pub arm_token_file: Option<PathBuf>,
    /// GitHub repository `ORG/REPO` (default GITHUB_REPOSITORY).
    #[arg(long, value_name = "ORG/REPO")]
    pub github_repo: Option<String>,
    /// Git ref (default GITHUB_REF).
    #[arg(long, value_name = "REF")]
    pub github_ref: Option<String>,
    /// GitHub deployment environment the job uses.
    #[arg(long, value_name = "NAME")]
    pub github_environment: Option<String>,
    /// GitHub event (default GITHUB_EVENT_NAME).
    #[arg(long, value_name = "EVENT")]
    pub github_event: Option<String>,
    /// Seconds each request may take.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Retries of a 429 or 503 (each waits as `Retry-After` says, at most 5 s).
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// CI settings and expectations (`authcheck.toml`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Never prompt for a secret.
    #[arg(long)]
    pub no_prompt: bool,
    /// No live progress display.
    #[arg(long)]
    pub no_progress: bool,
    #[command(flatten)]
    pub report: ReportArgsOpt,
}

/// `ReportArgs` with a `Default`, so the demo can build arguments without clap.
#[derive(Args, Debug, Clone)]
pub struct ReportArgsOpt {
    #[command(flatten)]
    pub inner: ReportArgs,
}

impl Default for ReportArgsOpt {
    fn default() -> Self {
        ReportArgsOpt {
            inner: ReportArgs {
                format: crate::report::Format::Json,
                fail_on: super::FailOn::Error,
                rules_dirs: Vec::new(),
                show_evidence: false,
                now: None,
            },
        }
    }
}

/// `authcheck.toml`: the same settings as the flags, plus expectations.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub tenant: Option<String>,
    pub client_id: Option<String>,
    pub api: Option<String>,
    pub endpoint: Option<String>,
    pub resource: Option<String>,
    pub scope: Option<String>,
    pub origin: Option<String>,
    pub call: Option<String>,
    pub scope_arm: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    pub purview_account: Option<String>,
    pub collection: Option<String>,
    pub workspace: Option<String>,
    pub api_endpoint: Option<String>,
    pub credential: Option<String>,
    pub imds_endpoint: Option<String>,
    pub redirect_uri: Option<String>,
    pub cloud: Option<String>,
    pub authority_host: Option<String>,
    pub graph_endpoint: Option<String>,
    pub arm_endpoint: Option<String>,
    pub graph_auth: Option<ReaderAuth>,
    pub github_environment: Option<String>,
    pub timeout: Option<u64>,
    pub retries: Option<u32>,
    #[serde(default)]
    pub expect: Expectations,
}

/// What must hold for the pipeline to go on.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// Roles the principal must hold, each at a scope.
    #[serde(default)]
    pub roles: Vec<ExpectedRole>,
    /// Permissions that must be consented, as `API Permission` (`Microsoft Graph User.Read.All`) or just the value.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// No secret may expire within this many days.
    pub secrets_valid_days: Option<i64>,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedRole {
    pub role: String,
    pub scope: String,
}

fn load_config(path: &std::path::Path) -> Result<Config, CliError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Input(format!("--config {name}: cannot read: {e}")))?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        CliError::Input(format!(
            "--config {name}:{line}: {}",
            e.message().lines().next().unwrap_or("invalid")
        ))
    })
}

/// Everything a run needs, resolved from flags, environment and config.
#[derive(Debug, Clone)]
pub struct Plan {
    pub tenant: String,
    pub client_id: String,
    pub cloud: &'static clouds::Cloud,
    pub authority: String,
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

fn base_url(s: &str) -> Result<String, CliError> {
    let t = s.trim().trim_end_matches('/');
    let t = if t.contains("://") {
        t.to_string()
    } else {
        format!("https://{t}")
    };
    crate::sources::http::check_url(&t).map_err(|e| CliError::Input(e.to_string()))?;
    Ok(t)
}

impl DoctorArgs {
    /// Resolves the settings. `env` is the process environment, or a simulator's for the demo.
    pub fn plan(&self, env: &dyn Env) -> Result<Plan, CliError> {
        let cfg = match &self.config {
            Some(p) => load_config(p)?,
            None => Config::default(),
        };
        let pick = |flag: &Option<String>, var: &str, c: &Option<String>| {
            flag.clone()
                .or_else(|| env.var(var).filter(|v| !v.is_empty()))
                .or_else(|| c.clone())
        };
        let tenant = pick(&self.tenant, "AZURE_TENANT_ID", &cfg.tenant).ok_or_else(|| {
            CliError::Input(
                "--tenant: missing (or set AZURE_TENANT_ID, or `tenant` in --config)".into(),
            )
        })?;
        let credential = self.credential.clone().or(cfg.credential.clone());
        let managed = matches!(credential.as_deref(), Some("managed-identity" | "msi"));
        let client_id = pick(&self.client_id, "AZURE_CLIENT_ID", &cfg.client_id)
            .or_else(|| managed.then(String::new))
            .ok_or_else(|| {
                CliError::Input(
                    "--client-id: missing (or set AZURE_CLIENT_ID, or `client_id` in --config)"
                        .into(),
                )
            })?;
        let cloud_key =
            pick(&self.cloud, "AUTHCHECK_CLOUD", &cfg.cloud).unwrap_or_else(|| "public".into());
        let cloud = clouds::by_key(&cloud_key).ok_or_else(|| {
            CliError::Input(format!(
                "--cloud {cloud_key}: not a cloud (public, usgov, china)"
            ))
        })?;
        let authority = base_url(
            &pick(
                &self.authority_host,
                "AZURE_AUTHORITY_HOST",
                &cfg.authority_host,
            )
            .unwrap_or_else(|| cloud.authority_host.to_string()),
        )
        .map_err(|e| CliError::Input(format!("--authority-host: {e}")))?;
        let graph = base_url(
            &pick(
                &self.graph_endpoint,
                "AUTHCHECK_GRAPH_ENDPOINT",
                &cfg.graph_endpoint,
            )
            .unwrap_or_else(|| cloud.graph_host.to_string()),
        )
        .map_err(|e| CliError::Input(format!("--graph-endpoint: {e}")))?;
        let arm = base_url(
            &pick(
                &self.arm_endpoint,
                "AUTHCHECK_ARM_ENDPOINT",
                &cfg.arm_endpoint,
            )
            .unwrap_or_else(|| cloud.arm_host.to_string()),
        )
        .map_err(|e| CliError::Input(format!("--arm-endpoint: {e}")))?;
        let api_arg = self.api.clone().or(cfg.api.clone());
        let (api, api_uri) = match &api_arg {
            None => (None, None),
            Some(a) => match apis::by_key(a).or_else(|| apis::by_resource(a)) {
                Some(x) => (Some(x), None),
                None if a.contains("://") || a.starts_with("api://") || derive::looks_like_guid(a) => {
                    (None, Some(a.clone()))
                }
                None => {
                    return Err(CliError::Input(format!(
                        "--api {a}: not a known API (purview, powerplatform, loganalytics, appinsights, monitor, arm, graph) or a resource URI"
                    )))
                }
            },
        };
        let endpoint = match (self.endpoint, cfg.endpoint.as_deref()) {
            (Some(e), _) => e,
            (None, Some("v1")) => Endpoint::V1,
            (None, Some("v2") | None) => Endpoint::V2,
            (None, Some(o)) => {
                return Err(CliError::Input(format!(
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
            return Err(CliError::Input(
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
        if let Some(b) = &purview_base {
            dataplane::host_allowed(b, api, None).map_err(CliError::Input)?;
        }
        if call.is_none() {
            call = default_call(
                api,
                api_endpoint.as_deref(),
                workspace.as_deref(),
                self.purview_account
                    .as_deref()
                    .or(cfg.purview_account.as_deref()),
            );
        }
        if let Some(c) = &call {
            dataplane::host_allowed(c, api, api_uri.as_deref()).map_err(CliError::Input)?;
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
            graph,
            arm,
            api,
            api_uri,
            request,
            call,
            scope_arm: self.scope_arm.clone().or(cfg.scope_arm.clone()),
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
            .map_err(|e| CliError::Input(format!("--imds-endpoint: {e}")))?,
            redirect_uri: self.redirect_uri.clone().or(cfg.redirect_uri.clone()),
            expect: cfg.expect,
        })
    }
}

/// A harmless read on the API's data plane, to see what the API says of the token.
fn default_call(
    api: Option<&apis::Api>,
    endpoint: Option<&str>,
    workspace: Option<&str>,
    purview_account: Option<&str>,
) -> Option<String> {
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
            base(Some("https://api.loganalytics.io".into()))
                .map(|b| format!("{b}/v1/workspaces/{ws}/query?query=print%201"))
        }
        _ => None,
    }
}

/// The order checks are listed in, whatever order they finished in.
const CHECK_ORDER: &[&str] = &[
    "credential",
    "tenant.discovery",
    "tenant.jwks",
    "token.request",
    "token.refresh",
    "token.decode",
    "token.signature",
    "github.subject",
    "graph.token",
    "graph.application",
    "graph.service_principal",
    "graph.target_principal",
    "graph.app_role_assignments",
    "graph.delegated_grants",
    "graph.assignees",
    "graph.federated_credentials",
    "graph.permission_names",
    "graph.signins",
    "graph.conditional_access",
    "arm.token",
    "arm.role_assignments",
    "arm.role_definitions",
    "dataplane.purview_roles",
    "dataplane.call",
];

#[derive(Debug, Clone)]
struct Line {
    name: String,
    status: Option<CheckStatus>,
    detail: String,
}

/// Collects checks as they start and end, and draws them on a terminal when asked.
pub struct Tracker {
    lines: Mutex<Vec<Line>>,
    live: bool,
}

impl Tracker {
    pub fn new(live: bool) -> Arc<Tracker> {
        Arc::new(Tracker {
            lines: Mutex::new(Vec::new()),
            live,
        })
    }

    fn upsert(&self, name: &str, status: Option<CheckStatus>, detail: String) {
        if let Ok(mut l) = self.lines.lock() {
            match l.iter_mut().find(|x| x.name == name) {
                Some(x) => {
                    // A start after an end changes nothing; a later end refines the earlier one.
                    if status.is_some() {
                        x.status = status;
                        x.detail = detail;
                    }
                }
                None => l.push(Line {
                    name: name.to_string(),
                    status,
                    detail,
                }),
            }
        }
    }

    /// The checks, in a stable order; a check that never ended counts as failed.
    pub fn checks(&self) -> Vec<Check> {
        let lines = self.lines.lock().map(|l| l.clone()).unwrap_or_default();
        let mut out: Vec<Check> = lines
            .into_iter()
            .map(|l| Check {
                name: l.name,
                status: l.status.unwrap_or(CheckStatus::Failed),
                detail: if l.status.is_none() {
                    "did not finish".into()
                } else {
                    l.detail
                },
            })
            .collect();
        let rank = |n: &str| {
            CHECK_ORDER
                .iter()
                .position(|x| *x == n)
                .unwrap_or(usize::MAX)
        };
        out.sort_by(|a, b| rank(&a.name).cmp(&rank(&b.name)).then(a.name.cmp(&b.name)));
        out
    }

    /// Draws the lines on stderr (a terminal); returns how many lines were drawn.
    fn draw(&self, frame: usize, previous: usize) -> usize {
        use std::io::Write;
        const SPIN: &[char] = &['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
        let lines = self.lines.lock().map(|l| l.clone()).unwrap_or_default();
        let mut s = String::new();
        if previous > 0 {
            s.push_str(&format!("\x1b[{previous}A"));
        }
        for l in &lines {
            let (mark, detail) = match l.status {
                None => (SPIN[frame % SPIN.len()].to_string(), String::new()),
                Some(CheckStatus::Ok) => ("\x1b[32m✓\x1b[0m".into(), l.detail.clone()),
                Some(CheckStatus::Failed) => ("\x1b[31m✗\x1b[0m".into(), l.detail.clone()),
                Some(CheckStatus::Skipped) => ("\x1b[2m–\x1b[0m".into(), l.detail.clone()),
            };
            let d: String = detail.chars().take(90).collect();
            s.push_str(&format!("\x1b[2K{mark} {:<28} {d}\n", l.name));
        }
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(s.as_bytes());
        let _ = err.flush();
        lines.len()
    }

    /// Redraws until `stop` fires, then once more.
    pub async fn animate(self: Arc<Self>, mut stop: tokio::sync::oneshot::Receiver<()>) {
        if !self.live {
            return;
        }
        let mut frame = 0;
        let mut drawn = 0;
        loop {
            drawn = self.draw(frame, drawn);
            frame += 1;
            tokio::select! {
                _ = &mut stop => break,
                _ = tokio::time::sleep(Duration::from_millis(90)) => {}
            }
        }
        self.draw(frame, drawn);
        eprintln!();
    }
}

impl Track for Tracker {
    fn start(&self, name: &str) {
        self.upsert(name, None, String::new());
    }
    fn done(&self, name: &str, status: CheckStatus, detail: String) {
        self.upsert(name, Some(status), detail);
    }
}

/// What a run produced.
pub struct Diagnosis {
    pub report: Report,
    pub evidence: Evidence,
    /// The checks could not run at all (exit 3 unless findings say otherwise).
    pub unavailable: bool,
    /// An expectation from `--config` failed.
    pub expectation_failed: bool,
    /// Values that must never be printed (the credential, issued tokens), for tests.
    pub secrets: Vec<String>,
    /// Every request sent, with its latency and its chain's (for the benchmark).
    pub requests: Vec<crate::sources::http::Sent>,
    /// The latency of the longest chain of dependent requests.
    pub longest_chain: Duration,
}

/// A token for reading Graph or ARM.
async fn reader_token(
    plan: &Plan,
    env: &dyn Env,
    cred: &Credential,
    http: &Http,
    which: &str,
    resource: &str,
    chain: Chain,
) -> (Result<Secret, (CheckStatus, String)>, Chain) {
    let (var, file) = match which {
        "graph" => ("AUTHCHECK_GRAPH_TOKEN", &plan.graph_token_file),
        _ => ("AUTHCHECK_ARM_TOKEN", &plan.arm_token_file),
    };
    let from_env = || -> Option<Result<Secret, (CheckStatus, String)>> {
        if let Some(p) = file {
            return Some(
                std::fs::read_to_string(p)
                    .map(|t| Secret::new(jwt::strip_wrapping(&t)))
                    .map_err(|e| (CheckStatus::Failed, format!("{}: {e}", p.display()))),
            );
        }
        env.var(var)
            .filter(|v| !v.trim().is_empty())
            .map(|v| Ok(Secret::new(jwt::strip_wrapping(&v))))
    };
    let mode = match plan.reader {
        ReaderAuth::Auto if from_env().is_some() => ReaderAuth::Env,
        ReaderAuth::Auto => ReaderAuth::Same,
        m => m,
    };
    match mode {
        ReaderAuth::None => (
            Err((CheckStatus::Skipped, "--graph-auth none".into())),
            chain,
        ),
        ReaderAuth::Env => (
            from_env().unwrap_or_else(|| {
                Err((
                    CheckStatus::Skipped,
                    format!("--graph-auth env: {var} is not set"),
                ))
            }),
            chain,
        ),
        ReaderAuth::Az => {
            let out = az_token(resource, &plan.tenant, plan.limits.timeout).await;
            (out.map_err(|e| (CheckStatus::Skipped, e)), chain)
        }
        ReaderAuth::Same | ReaderAuth::Auto => {
            if let Credential::ManagedIdentity { client_id } = cred {
                let (o, chain) =
                    token_endpoint::imds(http, &plan.imds, resource, client_id.as_deref(), chain)
                        .await;
                return match o {
                    Outcome::Issued { access_token, .. } => (Ok(access_token), chain),
                    other => (
                        Err((
                            CheckStatus::Skipped,
                            format!(
                                "the managed identity got no {which} token ({}); run with --graph-auth az",
                                token_check(&other).1
                            ),
                        )),
                        chain,
                    ),
                };
            }
            if matches!(
                cred,
                Credential::None | Credential::AccessToken { .. } | Credential::Interactive { .. }
            ) {
                return (
                    Err((
                        CheckStatus::Skipped,
                        format!("no credential to read {which} with; run with --graph-auth az, or set {var}"),
                    )),
                    chain,
                );
            }
            let req = TokenRequest {
                endpoint: Endpoint::V2,
                resource: None,
                scope: Some(format!("{}/.default", resource.trim_end_matches('/'))),
                origin: None,
                ..plan.request.clone()
            };
            let (outcome, chain) =
                token_endpoint::request(http, &req, cred, chain, &format!("{which}.token")).await;
            let r = match outcome {
                Outcome::Issued { access_token, .. } => Ok(access_token),
                Outcome::Refused { response } => Err((
                    if service_failure(&response) {
                        CheckStatus::Failed
                    } else {
                        CheckStatus::Skipped
                    },
                    format!(
                        "the same credential got no {which} token ({}); run with --graph-auth az",
                        response
                            .code
                            .map(|c| format!("AADSTS{c}"))
                            .or(response.error)
                            .unwrap_or_else(|| "refused".into())
                    ),
                )),
                Outcome::Unreadable { what, .. } => Err((CheckStatus::Failed, what)),
                Outcome::Failed(e) => Err((CheckStatus::Failed, e.short())),
                Outcome::NotMade(e) => Err((CheckStatus::Skipped, e)),
            };
            (r, chain)
        }
    }
}

/// `az account get-access-token`, with the timeout.
async fn az_token(resource: &str, tenant: &str, timeout: Duration) -> Result<Secret, String> {
    let mut cmd = tokio::process::Command::new("az");
    cmd.args([
        "account",
        "get-access-token",
        "--resource",
        resource,
        "--query",
        "accessToken",
        "-o",
        "tsv",
    ]);
    if derive::looks_like_guid(tenant) {
        cmd.args(["--tenant", tenant]);
    }
    cmd.stdin(std::process::Stdio::null());
    cmd.kill_on_drop(true);
    let out = tokio::time::timeout(timeout * 3, cmd.output())
        .await
        .map_err(|_| "--graph-auth az: `az` did not answer in time".to_string())?
        .map_err(|_| "--graph-auth az: the Azure CLI (`az`) is not installed".to_string())?;
    if !out.status.success() {
        return Err("--graph-auth az: `az account get-access-token` failed; run `az login`".into());
    }
    let t = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if t.is_empty() {
        return Err("--graph-auth az: `az` returned no token".into());
    }
    Ok(Secret::new(t))
}

/// The data-plane call with the token, as a check.
async fn call_api(
    http: &Http,
    plan: &Plan,
    token: &Option<Secret>,
    c: Chain,
    track: &dyn Track,
    scratch: &mut Evidence,
) -> Chain {
    let mut c_end = c;
    match (&plan.call, token) {
        (Some(url), Some(t)) => {
            track.start("dataplane.call");
            let (o, c2) = dataplane::call(http, url, t.expose(), c, scratch).await;
            c_end = c2;
            match o {
                dataplane::CallOutcome::Answered { status } => track.done(
                    "dataplane.call",
                    CheckStatus::Ok,
                    format!(
                        "HTTP {status}{}",
                        scratch
                            .api_call
                            .code
                            .as_deref()
                            .map(|c| format!(" {c}"))
                            .unwrap_or_default()
                    ),
                ),
                dataplane::CallOutcome::Failed(e) => {
                    track.done("dataplane.call", CheckStatus::Failed, e.short())
                }
            }
        }
        (Some(_), None) => track.done(
            "dataplane.call",
            CheckStatus::Skipped,
            "no token to call with".into(),
        ),
        (None, _) => track.done(
            "dataplane.call",
            CheckStatus::Skipped,
            "no --call URL given".into(),
        ),
    }
    c_end
}

/// A throttle or server error that outlasted the retries: no answer about the setup.
fn service_failure(r: &crate::evidence::Response) -> bool {
    r.status.is_some_and(|s| s == 429 || s >= 500)
}

/// The cloud an OpenID configuration's `cloud_instance_name` names.
fn cloud_of_instance(name: &str) -> Option<&'static clouds::Cloud> {
    match name.to_ascii_lowercase().as_str() {
        "microsoftonline.com" => clouds::by_key("public"),
        "microsoftonline.us" => clouds::by_key("usgov"),
        "partner.microsoftonline.cn" | "chinacloudapi.cn" => clouds::by_key("china"),
        _ => None,
    }
}

/// The v1-style resource a request is for (IMDS takes `resource`).
fn resource_of(r: &TokenRequest) -> String {
    r.resource.clone().unwrap_or_else(|| {
        r.scope
            .as_deref()
            .and_then(|s| s.split_whitespace().next())
            .map(|s| s.strip_suffix("/.default").unwrap_or(s).to_string())
            .unwrap_or_default()
    })
}

/// The token-endpoint outcome in a check line.
fn token_check(outcome: &Outcome) -> (CheckStatus, String) {
    match outcome {
        Outcome::Issued { .. } => (CheckStatus::Ok, "a token was issued".into()),
        Outcome::Refused { response } if service_failure(response) => (
            CheckStatus::Failed,
            format!(
                "the service failed: HTTP {}{}",
                response.status.unwrap_or(0),
                response
                    .code
                    .map(|c| format!(" AADSTS{c}"))
                    .unwrap_or_default()
            ),
        ),
        Outcome::Refused { response } => (
            CheckStatus::Ok,
            format!(
                "refused: {}",
                response
                    .code
                    .map(|c| format!("AADSTS{c}"))
                    .or(response.error.clone())
                    .unwrap_or_else(|| format!("HTTP {}", response.status.unwrap_or(0)))
            ),
        ),
        Outcome::Unreadable { what, .. } => (CheckStatus::Failed, what.clone()),
        Outcome::Failed(e) => (CheckStatus::Failed, e.short()),
        Outcome::NotMade(why) => (CheckStatus::Skipped, why.clone()),
    }
}

/// Runs the live checks and the rules.
pub async fn diagnose(
    plan: &Plan,
    env: &dyn Env,
    cred: &Credential,
    tracker: Arc<Tracker>,
    now: i64,
    rules: &crate::engine::RuleSet,
) -> Result<Diagnosis, CliError> {
    let ca = match &plan.ca_file {
        Some(p) => Some(
            std::fs::read(p)
                .map_err(|e| CliError::Input(format!("--ca-file {}: {e}", p.display())))?,
        ),
        None => None,
    };
    let http = Http::new(plan.limits, ca.as_deref())
        .map_err(|e| CliError::Input(format!("--ca-file: {e}")))?;
    let track: &dyn Track = tracker.as_ref();
    let mut secrets = cred.secrets();
    track.done(
        "credential",
        if matches!(cred, Credential::None) { CheckStatus::Failed } else { CheckStatus::Ok },
        match cred {
            Credential::Secret { origin, .. } => format!("a client secret from {origin}"),
            Credential::Certificate { cert, origin } => format!("certificate {} from {origin}", cert.thumbprint),
            Credential::Federated { origin, .. } => format!("a federated token from {origin}"),
            Credential::Password { username, client_secret, .. } => format!(
                "user {username}, password from AZURE_PASSWORD{}",
                if client_secret.is_some() { ", and a client secret" } else { "" }
            ),
            Credential::AccessToken { origin, .. } => format!("an access token from {origin}"),
            Credential::ManagedIdentity { client_id } => match client_id {
                Some(c) => format!("the user-assigned managed identity {c}, through {}", plan.imds),
                None => format!("the system-assigned managed identity, through {}", plan.imds),
            },
            Credential::Interactive { redirect_uri } => format!(
                "an interactive sign-in{}",
                redirect_uri.as_deref().map(|r| format!(" returning to {r}")).unwrap_or_default()
            ),
            Credential::None => "none found: AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE are unset".into(),
        },
    );
    let start = Chain::default();
    // Delegated flows through MSAL always ask for the OpenID scopes too (and so get a refresh token).
    let mut user_request = plan.request.clone();
    if matches!(
        cred,
        Credential::Password { .. } | Credential::Interactive { .. }
    ) && user_request.endpoint == Endpoint::V2
    {
        if let Some(scope) = &user_request.scope {
            let mut words: Vec<&str> = scope.split_whitespace().collect();
            for o in ["openid", "profile", "offline_access"] {
                if !words.contains(&o) {
                    words.push(o);
                }
            }
            user_request.scope = Some(words.join(" "));
        }
    }
    let user_request = user_request;
    let refresh_outcome: Mutex<Option<Outcome>> = Mutex::new(None);
    // The principal's object id, and the chain it took to learn it: from the user's token, else Graph.
    let (oid_tx, oid_rx) = tokio::sync::oneshot::channel::<(Option<String>, Chain)>();
    let (sp_tx, sp_rx) = tokio::sync::oneshot::channel::<(Option<String>, Chain)>();

    // Tenant discovery, then its signing keys.
    let discovery_chain = async {
        track.start("tenant.discovery");
        let (d, c) = token_endpoint::discover(&http, &plan.authority, &plan.tenant, start).await;
        match d {
            Ok(d) => {
                track.done(
                    "tenant.discovery",
                    CheckStatus::Ok,
                    format!(
                        "tenant found{}{}",
                        d.cloud_instance
                            .as_deref()
                            .map(|c| format!(" ({c})"))
                            .unwrap_or_default(),
                        match d.cloud_instance.as_deref().and_then(cloud_of_instance) {
                            Some(c) if c.key != plan.cloud.key => format!(
                                "; it belongs to {}, not {}: use --cloud {}",
                                c.display_name, plan.cloud.display_name, c.key
                            ),
                            _ => String::new(),
                        }
                    ),
                );
                match &d.jwks_uri {
                    Some(u) => {
                        track.start("tenant.jwks");
                        let (k, c2) = token_endpoint::fetch_jwks(&http, u, c).await;
                        match &k {
                            Ok(_) => track.done(
                                "tenant.jwks",
                                CheckStatus::Ok,
                                "signing keys read".into(),
                            ),
                            Err(e) => track.done("tenant.jwks", CheckStatus::Failed, e.clone()),
                        }
                        (Some(d), None, k.ok(), c2)
                    }
                    None => {
                        track.done(
                            "tenant.jwks",
                            CheckStatus::Skipped,
                            "discovery named no jwks_uri".into(),
                        );
                        (Some(d), None, None, c)
                    }
                }
            }
            Err(Ok(resp)) if service_failure(&resp) => {
                track.done(
                    "tenant.discovery",
                    CheckStatus::Failed,
                    format!("the service failed: HTTP {}", resp.status.unwrap_or(0)),
                );
                track.done(
                    "tenant.jwks",
                    CheckStatus::Skipped,
                    "discovery failed".into(),
                );
                (None, None, None, c)
            }
            Err(Ok(resp)) => {
                track.done(
                    "tenant.discovery",
                    CheckStatus::Ok,
                    format!(
                        "refused: {}",
                        resp.code
                            .map(|c| format!("AADSTS{c}"))
                            .or(resp.error.clone())
                            .unwrap_or_default()
                    ),
                );
                track.done(
                    "tenant.jwks",
                    CheckStatus::Skipped,
                    "the tenant was not found".into(),
                );
                (None, Some(resp), None, c)
            }
            Err(Err(e)) => {
                track.done("tenant.discovery", CheckStatus::Failed, e);
                track.done(
                    "tenant.jwks",
                    CheckStatus::Skipped,
                    "discovery failed".into(),
                );
                (None, None, None, c)
            }
        }
    };

    // The user's token request, then the data-plane call with its token.
    let token_chain = async {
        let (outcome, token, c) = match cred {
            Credential::AccessToken { token, .. } => {
                track.done(
                    "token.request",
                    CheckStatus::Skipped,
                    "an access token was supplied".into(),
                );
                (
                    Outcome::NotMade("an access token was supplied".into()),
                    Some(token.clone()),
                    start,
                )
            }
            _ => {
                track.start("token.request");
                let (o, c) = match cred {
                    Credential::ManagedIdentity { client_id } => {
                        token_endpoint::imds(
                            &http,
                            &plan.imds,
                            &resource_of(&user_request),
                            client_id.as_deref(),
                            start,
                        )
                        .await
                    }
                    Credential::Interactive { redirect_uri } => {
                        token_endpoint::authorize_probe(
                            &http,
                            &user_request,
                            redirect_uri.as_deref(),
                            start,
                        )
                        .await
                    }
                    _ => {
                        token_endpoint::request(&http, &user_request, cred, start, "token.request")
                            .await
                    }
                };
                let (s, d) = token_check(&o);
                track.done("token.request", s, d);
                // A refresh token: redeem it once, as the user's code will when the token runs out.
                let (o, c, refreshed) = match &o {
                    Outcome::Issued {
                        refresh_token: Some(rt),
                        ..
                    } => {
                        track.start("token.refresh");
                        let (r, c2) =
                            token_endpoint::refresh(&http, &user_request, cred, rt, c).await;
                        let (s, d) = token_check(&r);
                        track.done("token.refresh", s, d);
                        (o.clone(), c2, Some(r))
                    }
                    _ => {
                        track.done(
                            "token.refresh",
                            CheckStatus::Skipped,
                            "no refresh token came back".into(),
                        );
                        (o, c, None)
                    }
                };
                let t = match &o {
                    Outcome::Issued { access_token, .. } => Some(access_token.clone()),
                    _ => None,
                };
                *refresh_outcome.lock().unwrap_or_else(|e| e.into_inner()) = refreshed;
                (o, t, c)
            }
        };
        // The token's object id is the principal ARM checks (no need to wait for Graph).
        let oid = token
            .as_ref()
            .and_then(|t| jwt::decode(t.expose()).ok())
            .and_then(|d| {
                d.claims
                    .get("oid")
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            });
        let _ = oid_tx.send((oid.clone(), c));
        let purview = async {
            let (Some(base), Some(t), Some(p)) = (&plan.purview_base, &token, &oid) else {
                track.done(
                    "dataplane.purview_roles",
                    CheckStatus::Skipped,
                    if plan.purview_base.is_some() {
                        "no token to read them with".into()
                    } else {
                        "not a Purview call".into()
                    },
                );
                return (None, c);
            };
            let collection = plan.collection.clone().or(plan.purview_account.clone());
            let shown = collection
                .clone()
                .unwrap_or_else(|| "the root collection".into());
            track.start("dataplane.purview_roles");
            let (r, c2) =
                dataplane::read_purview_roles(&http, base, t.expose(), p, collection.as_deref(), c)
                    .await;
            match r {
                Ok(Some(roles)) => {
                    track.done(
                        "dataplane.purview_roles",
                        CheckStatus::Ok,
                        if roles.is_empty() {
                            format!("no collection role on {shown} or above")
                        } else {
                            format!("{} on {shown}", roles.join(", "))
                        },
                    );
                    (Some(roles), c2)
                }
                Ok(None) => {
                    track.done(
                        "dataplane.purview_roles",
                        CheckStatus::Skipped,
                        format!("the account returned no metadata policy for {shown}"),
                    );
                    (None, c2)
                }
                Err(e) => {
                    let (s, d) = match e.status() {
                        Some(401 | 403) => (
                            CheckStatus::Skipped,
                            "reading collection roles needs Collection Admin; the identity has not"
                                .to_string(),
                        ),
                        _ => (CheckStatus::Failed, e.short()),
                    };
                    track.done("dataplane.purview_roles", s, d);
                    (None, c2)
                }
            }
        };
        let call = async {
            let mut scratch = Evidence::new(now);
            let c_end = call_api(&http, plan, &token, c, track, &mut scratch).await;
            (scratch, c_end)
        };
        let ((roles, c_roles), (scratch, c_call)) = tokio::join!(purview, call);
        (outcome, token, scratch, roles, c_call.max(c_roles))
    };

    // Graph: a reader token, then everything about the app.
    let graph_resource = format!("https://{}", plan.cloud.graph_host);
    let graph_chain = async {
        track.start("graph.token");
        let (t, c) = reader_token(plan, env, cred, &http, "graph", &graph_resource, start).await;
        match t {
            Ok(token) => {
                track.done(
                    "graph.token",
                    CheckStatus::Ok,
                    "a token for reading Graph".into(),
                );
                let reader = graph::GraphReader {
                    http: &http,
                    base: plan.graph.clone(),
                    token: token.expose(),
                    track,
                };
                let target_app = plan.api.and_then(|a| a.app_id);
                let (facts, c2) = reader.read_all(&plan.client_id, target_app, true, c).await;
                if let Some(all) = &facts.conditional_access {
                    let sp_id = facts
                        .service_principal
                        .as_ref()
                        .and_then(|s| s.as_ref())
                        .and_then(|s| s.get("id"))
                        .and_then(|v| v.as_str());
                    let mine = graph::policies_for(all, &plan.client_id, sp_id);
                    let detail = if mine.is_empty() {
                        format!("{} policies, none covers the app", all.len())
                    } else {
                        format!("covering the app: {}", mine.join("; "))
                    };
                    track.done("graph.conditional_access", CheckStatus::Ok, detail);
                }
                let sp_id = facts
                    .service_principal
                    .as_ref()
                    .and_then(|s| s.as_ref())
                    .and_then(|s| s.get("id"))
                    .and_then(|v| v.as_str())
                    .map(str::to_string);
                let _ = sp_tx.send((sp_id, c2));
                (Some(facts), Some(token), c2)
            }
            Err((s, d)) => {
                track.done("graph.token", s, d.clone());
                for n in CHECK_ORDER
                    .iter()
                    .filter(|n| n.starts_with("graph.") && **n != "graph.token")
                {
                    track.done(
                        n,
                        CheckStatus::Skipped,
                        "no Graph token (see graph.token)".into(),
                    );
                }
                let _ = sp_tx.send((None, c));
                (None, None, c)
            }
        }
    };

    // ARM: a reader token, then the principal's role assignments at the scope.
    let arm_resource = format!("https://{}/", plan.cloud.arm_host);
    let arm_chain = async {
        let Some(scope) = &plan.scope_arm else {
            for n in ["arm.token", "arm.role_assignments", "arm.role_definitions"] {
                track.done(n, CheckStatus::Skipped, "no --scope-arm given".into());
            }
            return (None, None, start);
        };
        track.start("arm.token");
        let (t, c) = reader_token(plan, env, cred, &http, "arm", &arm_resource, start).await;
        let token = match t {
            Ok(t) => {
                track.done(
                    "arm.token",
                    CheckStatus::Ok,
                    "a token for reading ARM".into(),
                );
                t
            }
            Err((s, d)) => {
                track.done("arm.token", s, d);
                for n in ["arm.role_assignments", "arm.role_definitions"] {
                    track.done(
                        n,
                        CheckStatus::Skipped,
                        "no ARM token (see arm.token)".into(),
                    );
                }
                return (None, None, c);
            }
        };
        let (principal, c) = match oid_rx.await {
            Ok((Some(o), known)) => (Some(o), c.max(known)),
            _ => match sp_rx.await {
                Ok((p, known)) => (p, c.max(known)),
                Err(_) => (None, c),
            },
        };
        let Some(principal) = principal else {
            for n in ["arm.role_assignments", "arm.role_definitions"] {
                track.done(
                    n,
                    CheckStatus::Skipped,
                    "the principal's object id is unknown (no token, no service principal read)"
                        .into(),
                );
            }
            return (None, Some(token), c);
        };
        let (facts, c2) = arm::read(
            &http,
            &plan.arm,
            token.expose(),
            scope,
            &principal,
            track,
            c,
        )
        .await;
        (Some((facts, scope.clone(), principal)), Some(token), c2)
    };

    let (
        (disc, disc_err, jwks, c1),
        (outcome, token, scratch, purview_roles, c2),
        (graph_facts, graph_token, c3),
        (arm_facts, arm_token, c4),
    ) = tokio::join!(discovery_chain, token_chain, graph_chain, arm_chain);
    let longest = c1.max(c2).max(c3).max(c4);
    let _ = disc;
    for t in [&token, &graph_token, &arm_token].into_iter().flatten() {
        secrets.push(t.expose().to_string());
    }
    if let Outcome::Issued {
        refresh_token: Some(rt),
        ..
    } = &outcome
    {
        secrets.push(rt.expose().to_string());
    }

    // Evidence, from every source.
    let mut ev = Evidence::new(now);
    ev.env.command = Some("doctor".into());
    ev.env.cloud = Some(plan.cloud.key.into());
    ev.env.non_interactive = env.var("CI").is_some()
        || env.var("GITHUB_ACTIONS").is_some()
        || env.var("TF_BUILD").is_some();
    ev.input.kind = Some("live".into());
    ev.input.name = Some("doctor".into());
    if matches!(cred, Credential::AccessToken { .. }) {
        ev.request.client_id = Some(plan.client_id.clone());
        ev.request.tenant = Some(plan.tenant.clone());
        ev.request.endpoint = Some(plan.request.endpoint.as_str().into());
        ev.request.resource = plan.request.resource.clone();
        ev.request.scopes = plan
            .request
            .scope
            .as_deref()
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
    } else {
        token_endpoint::fill_evidence(&user_request, cred, &outcome, &mut ev);
        // A refresh that failed is the answer the user's code will meet next: it leads.
        let refreshed = refresh_outcome.lock().ok().and_then(|mut r| r.take());
        if let Some(r) = &refreshed {
            if let Outcome::Issued { access_token, .. } = r {
                secrets.push(access_token.expose().to_string());
            }
            if let Outcome::Refused { response } = r {
                ev.request.refresh_token_sent = true;
                ev.response = (**response).clone();
                ev.note_source("response", "token-endpoint");
            }
        }
    }
    if !ev.response.token_issued && ev.response.codes.is_empty() {
        if let Some(r) = disc_err {
            ev.response = r;
            ev.note_source("response", "tenant-discovery");
        }
    }
    if let Credential::Federated { assertion, .. } = cred {
        let _ = github_oidc::fill_from_token(assertion.expose(), &mut ev);
    }
    let github_subject = github_oidc::fill_expected(&plan.github, &mut ev);
    if let Some(t) = &token {
        match jwt::decode(t.expose()) {
            Ok(d) => {
                jwt::fill_evidence(&d, &mut ev);
                ev.note_source("token", "token-endpoint");
                track.done(
                    "token.decode",
                    CheckStatus::Ok,
                    "the token was decoded".into(),
                );
                match &jwks {
                    Some(keys) => match jwt::check_signature(&d, keys, &mut ev) {
                        Ok(()) => track.done(
                            "token.signature",
                            CheckStatus::Ok,
                            ev.token
                                .signature
                                .clone()
                                .unwrap_or_else(|| "checked".into()),
                        ),
                        Err(e) => track.done("token.signature", CheckStatus::Failed, e),
                    },
                    None => track.done(
                        "token.signature",
                        CheckStatus::Skipped,
                        "the tenant's keys were not read".into(),
                    ),
                }
            }
            Err(e) => track.done("token.decode", CheckStatus::Failed, e.to_string()),
        }
    } else {
        track.done(
            "token.decode",
            CheckStatus::Skipped,
            "no token was issued".into(),
        );
        track.done(
            "token.signature",
            CheckStatus::Skipped,
            "no token was issued".into(),
        );
    }
    if scratch.api_call.made || scratch.api_call.url.is_some() {
        ev.api_call = scratch.api_call.clone();
        ev.note_source("api_call", "dataplane");
    }
    if plan.api.is_some_and(|a| a.key == "purview") {
        if let Some(url) = &plan.call {
            dataplane::fill_purview(
                url,
                plan.collection.as_deref(),
                plan.purview_account.as_deref(),
                &mut ev,
            );
            if let Some(roles) = &purview_roles {
                ev.dataplane.roles_held = roles.clone();
            }
        }
    }
    if plan.api.is_some_and(|a| a.key == "powerplatform") && ev.api_call.made {
        dataplane::fill_powerplatform(None, &mut ev);
    }
    if let Some(f) = &graph_facts {
        graph::fill_evidence(f, &mut ev);
    }
    if let Some(sub) = &github_subject {
        let compared = github_oidc::compare(sub, &ev.app)
            .map(|c| format!("; {c}"))
            .unwrap_or_default();
        track.done(
            "github.subject",
            CheckStatus::Ok,
            format!("GitHub presents subject {sub}{compared}"),
        );
    }
    if let Some((facts, scope, principal)) = &arm_facts {
        let required: Vec<String> = if plan.roles.is_empty() {
            plan.api
                .map(|a| a.reader_roles.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default()
        } else {
            plan.roles.clone()
        };
        arm::fill_evidence(facts, scope, principal, &required, &mut ev);
    }
    let target = plan
        .api
        .map(Ok)
        .or_else(|| plan.api_uri.as_deref().map(Err));
    derive::derive(&mut ev, target);

    // Expectations from --config.
    let expectation_failed = check_expectations(&plan.expect, &ev, track);

    let (findings, _notes) = rules.evaluate(&ev);
    let checks = tracker.checks();
    let token_unanswered = checks
        .iter()
        .any(|c| c.name == "token.request" && c.status == CheckStatus::Failed);
    let nothing_ran = !checks
        .iter()
        .any(|c| c.status == CheckStatus::Ok && c.name != "credential");
    let mut report = Report::new("doctor");
    report.input = Some(InputInfo {
        name: Some("doctor".into()),
        kind: Some("live".into()),
    });
    report.findings = findings;
    report.checks = checks;
    Ok(Diagnosis {
        report,
        evidence: ev,
        unavailable: token_unanswered || nothing_ran,
        expectation_failed,
        secrets,
        requests: http.sent(),
        longest_chain: longest.0,
    })
}

/// Checks `--config` expectations against the evidence; each becomes a check line.
fn check_expectations(x: &Expectations, ev: &Evidence, track: &dyn Track) -> bool {
    let mut failed = false;
    for r in &x.roles {
        let name = format!("expect.role {} at {}", r.role, r.scope);
        if !ev.rbac.checked {
            track.done(
                &name,
                CheckStatus::Skipped,
                "role assignments were not read (give --scope-arm)".into(),
            );
            continue;
        }
        let scope = r.scope.trim_end_matches('/').to_ascii_lowercase();
        let held = ev.rbac.assignments.iter().any(|a| {
            let s = a
                .scope
                .as_deref()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_ascii_lowercase();
            a.role_name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(&r.role))
                && (s == scope || scope.starts_with(&format!("{s}/")))
        });
        if held {
            track.done(&name, CheckStatus::Ok, "held".into());
        } else {
            failed = true;
            track.done(
                &name,
                CheckStatus::Failed,
                format!(
                    "the principal does not hold {} at or above {}",
                    r.role, r.scope
                ),
            );
        }
    }
    for p in &x.permissions {
        let name = format!("expect.permission {p}");
        if !ev.app.known || !ev.sp.known {
            track.done(
                &name,
                CheckStatus::Skipped,
                "the app's permissions and grants were not read".into(),
            );
            continue;
        }
        let want = p.to_ascii_lowercase();
        let perm = ev.app.required_permissions.iter().find(|q| {
            let v = q.value.clone().unwrap_or_default().to_ascii_lowercase();
            let full = format!("{} {}", q.resource_name.clone().unwrap_or_default(), v)
                .to_ascii_lowercase();
            want == v || want == full
        });
        match perm {
            Some(q) if q.granted == Some(true) => {
                track.done(&name, CheckStatus::Ok, "requested and consented".into())
            }
            Some(_) => {
                failed = true;
                track.done(
                    &name,
                    CheckStatus::Failed,
                    "requested but not consented".into(),
                );
            }
            None => {
                failed = true;
                track.done(
                    &name,
                    CheckStatus::Failed,
                    "not among the app's requested permissions".into(),
                );
            }
        }
    }
    if let Some(days) = x.secrets_valid_days {
        let name = format!("expect.secrets valid {days} days");
        if !ev.app.known {
            track.done(
                &name,
                CheckStatus::Skipped,
                "the app registration was not read".into(),
            );
        } else {
            let short: Vec<String> = ev
                .app
                .secrets
                .iter()
                .filter(|s| s.days_to_expiry.is_some_and(|d| d < days))
                .map(|s| {
                    format!(
                        "{} ({} days)",
                        s.display_name
                            .clone()
                            .or(s.key_id.clone())
                            .unwrap_or_default(),
                        s.days_to_expiry.unwrap_or(0)
                    )
                })
                .collect();
            if short.is_empty() {
                track.done(
                    &name,
                    CheckStatus::Ok,
                    format!(
                        "{} secrets, none ending within {days} days",
                        ev.app.secrets.len()
                    ),
                );
            } else {
                failed = true;
                track.done(
                    &name,
                    CheckStatus::Failed,
                    format!("ending soon: {}", short.join(", ")),
                );
            }
        }
    }
    failed
}

/// The exit code of a finished diagnosis.
pub fn exit_code(d: &Diagnosis, args: &ReportArgs) -> i32 {
    let by_findings = args.exit_code(&d.report);
    if by_findings != 0 {
        return by_findings;
    }
    if d.expectation_failed && args.fail_on != super::FailOn::Never {
        return 1;
    }
    if d.unavailable {
        return 3;
    }
    0
}

/// Whether the live display may draw: text output to a terminal, stderr a terminal too.
fn progress_wanted(args: &DoctorArgs) -> bool {
    use std::io::IsTerminal;
    !args.no_progress
        && args.report.inner.format == crate::report::Format::Text
        && std::io::stdout().is_terminal()
        && std::io::stderr().is_terminal()
}

/// Runs one diagnosis with the given environment; shared by `doctor` and `demo`.
pub async fn run_async(
    args: &DoctorArgs,
    env: &dyn Env,
    live: bool,
) -> Result<Diagnosis, CliError> {
    let plan = args.plan(env)?;
    let now = args.report.inner.now()?;
    let cred = credential::load(
        env,
        &credential::Sources {
            client_secret_file: args.client_secret_file.clone(),
            access_token_file: args.access_token_file.clone(),
            username: args.username.clone(),
            prompt: !args.no_prompt && live,
            only: plan.credential.clone(),
            managed_identity_client_id: Some(plan.client_id.clone()).filter(|c| !c.is_empty()),
            redirect_uri: plan.redirect_uri.clone(),
        },
    )
    .map_err(|e| CliError::Input(e.to_string()))?;
    let rules = args.report.inner.rule_set()?;
    let tracker = Tracker::new(live);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
    let anim = tokio::spawn(tracker.clone().animate(stop_rx));
    let d = diagnose(&plan, env, &cred, tracker.clone(), now, &rules).await;
    let _ = stop_tx.send(());
    let _ = anim.await;
    d
}

/// A runtime for the live checks: two worker threads are plenty for I/O.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Unavailable(format!("cannot start the async runtime: {e}")))
}

/// Runs one diagnosis on a runtime of its own.
pub fn run_with_env(args: &DoctorArgs, env: &dyn Env, live: bool) -> Result<Diagnosis, CliError> {
    runtime()?.block_on(run_async(args, env, live))
}

/// `DoctorArgs` parsed from a list of words (the simulator's `doctor_args`).
#[derive(clap::Parser, Debug)]
#[command(name = "doctor", no_binary_name = true)]
pub struct DoctorWords {
    #[command(flatten)]
    pub args: DoctorArgs,
}

pub fn run(args: &DoctorArgs, color: bool) -> Result<i32, CliError> {
    let live = progress_wanted(args);
    let mut d = run_with_env(args, &credential::ProcessEnv, live)?;
    if args.report.inner.show_evidence {
        d.report.evidence = serde_json::to_value(&d.evidence).ok();
    }
    let _ = super::finish(&mut d.report, &args.report.inner, color);
    Ok(exit_code(&d, &args.report.inner))
}

/// The environment of a map (the simulator's `env`), falling back to nothing.
pub struct MapEnv(pub BTreeMap<String, String>);

impl Env for MapEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}
