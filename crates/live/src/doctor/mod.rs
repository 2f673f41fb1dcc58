//! The doctor: live diagnosis. Resolves flags, environment and `--config` into a [`Plan`], probes
//! the token endpoint as the user's code does, reads the app registration, service principal, grants
//! and federated credentials from Graph, role assignments from ARM, and calls the data plane with the
//! token — independent requests at once — and assembles one evidence document for the rules.
//!
//! Settings come from flags, then the environment (`AZURE_*`), then `--config FILE`. No option takes
//! a secret as its value.

mod assemble;
pub(crate) mod chains;
mod config;
mod diagnose;
mod expect;
mod plan;
mod progress;

pub use assemble::{assemble, credential_check, Assembled, Facts};
pub use chains::{
    arm_chain, dataplane_chain, graph_chain, tenant_chain, token_chain, user_request,
    ArmChainFacts, ArmRead, CallRecord, DataPlaneFacts, GraphChainFacts, TenantFacts, TokenFacts,
};
pub use config::{Config, Expectations, ExpectedRole};
pub use diagnose::{diagnose, Diagnosis};
pub use plan::Plan;
pub use progress::{Recorder, Tracker, CHECK_ORDER};

use crate::credential::{self, Env};
use crate::token_endpoint::Endpoint;
use authcheck_model::evidence::Evidence;
use authcheck_model::report::Finding;
use clap::{Args, ValueEnum};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Why a doctor run could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    /// A setting or input is wrong (exit 2): names the flag, variable or file.
    #[error("{0}")]
    Input(String),
    /// The checks could not run at all (exit 3).
    #[error("{0}")]
    Unavailable(String),
}

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

/// The doctor's options: flags, each also settable from the environment or `--config`. No option
/// takes a secret as its value.
#[derive(Args, Debug, Clone, Default)]
pub struct DoctorOptions {
    /// The tenant: a GUID, a domain, `organizations` or `common` (or AZURE_TENANT_ID).
    #[arg(long, value_name = "TENANT")]
    pub tenant: Option<String>,
    /// The application (client) id (or AZURE_CLIENT_ID).
    #[arg(long, value_name = "GUID")]
    pub client_id: Option<String>,
    /// The API to call: purview, powerplatform, loganalytics, appinsights, metrics (custom metrics),
    /// logsingestion (the Logs Ingestion API), arm, graph, or a resource URI.
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
    /// Application Insights application id (the component's "Application ID", a GUID; used to
    /// build `--call` against its query API when none is given, with `--api appinsights`).
    #[arg(long, value_name = "GUID")]
    pub app_id: Option<String>,
    /// The ARM id of the resource custom metrics are sent for (`/subscriptions/…/providers/…`;
    /// with `--api metrics`): the doctor posts a probe with no data points to its `/metrics` and
    /// checks roles there unless `--scope-arm` says otherwise. With `--api logsingestion`, the data
    /// collection rule's ARM id, where its roles are checked.
    #[arg(long, value_name = "ARM-ID")]
    pub resource_id: Option<String>,
    /// The Logs Ingestion API's endpoint (`--api logsingestion`): a data collection endpoint or the
    /// DCR's logs-ingestion endpoint, `https://NAME.REGION-1.ingest.monitor.azure.com` (or
    /// AUTHCHECK_LOGSINGESTION_ENDPOINT, or `dce` in --config).
    #[arg(long, value_name = "URL")]
    pub dce: Option<String>,
    /// The data collection rule's immutable id, `dcr-` and 32 hex digits (`--api logsingestion`;
    /// or AUTHCHECK_DCR_IMMUTABLE_ID, or `dcr_immutable_id` in --config).
    #[arg(long, value_name = "dcr-ID")]
    pub dcr_immutable_id: Option<String>,
    /// The stream the rule declares, as `Custom-MyTable` (`--api logsingestion`; or
    /// AUTHCHECK_DCR_STREAM, or `stream` in --config).
    #[arg(long, value_name = "NAME")]
    pub stream: Option<String>,
    /// The resource's Azure region (`westeurope`), for the custom metrics host
    /// `REGION.monitoring.azure.com` (`--api metrics`).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Base URL of the API's data plane (`https://ACCOUNT.purview.azure.com`; or
    /// AUTHCHECK_PURVIEW_ENDPOINT, AUTHCHECK_POWERPLATFORM_ENDPOINT, AUTHCHECK_LOGANALYTICS_ENDPOINT,
    /// AUTHCHECK_APPINSIGHTS_ENDPOINT, AUTHCHECK_MONITOR_ENDPOINT, AUTHCHECK_LOGSINGESTION_ENDPOINT):
    /// the doctor then calls a harmless read there when no `--call` is given.
    #[arg(long, value_name = "URL")]
    pub api_endpoint: Option<String>,
    /// Which credential to use when several are set: secret, certificate (AZURE_CLIENT_CERTIFICATE_PATH:
    /// PEM or PFX, its password in AZURE_CLIENT_CERTIFICATE_PASSWORD), federated, password, token
    /// (an access token), managed-identity, device-code (sign in on another device with the code
    /// shown), browser (sign in in the system browser; PKCE, loopback redirect URI), interactive
    /// (check the authorize request without signing in), or none (send none, to see what Entra says).
    #[arg(long, value_name = "KIND")]
    pub credential: Option<String>,
    /// The instance metadata service for `--credential managed-identity` (or
    /// AUTHCHECK_IMDS_ENDPOINT, AZURE_POD_IDENTITY_AUTHORITY_HOST; default http://169.254.169.254).
    #[arg(long, value_name = "URL")]
    pub imds_endpoint: Option<String>,
    /// The redirect URI a browser sign-in listens on and sends (`--credential browser`, a loopback
    /// `http://localhost[:PORT]`; default a free port), or the one `--credential interactive` checks.
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
    /// Azure Pipelines service connection name, for its federated subject
    /// (default AUTHCHECK_ADO_SERVICE_CONNECTION).
    #[arg(long, value_name = "NAME")]
    pub ado_service_connection: Option<String>,
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
}

/// What judges the assembled evidence: the rule set, as a function so this crate needs no engine.
pub type Judge<'a> = &'a (dyn Fn(&Evidence) -> Vec<Finding> + Sync);

/// Runs one diagnosis with the given environment: loads the credential, probes, assembles and
/// judges. `live` draws progress on the terminal and allows a prompt for a missing secret.
pub async fn run(
    opts: &DoctorOptions,
    env: &dyn Env,
    live: bool,
    now: i64,
    judge: Judge<'_>,
) -> Result<Diagnosis, DoctorError> {
    let plan = opts.plan(env)?;
    let cred = credential::load(
        env,
        &credential::Sources {
            client_secret_file: opts.client_secret_file.clone(),
            access_token_file: opts.access_token_file.clone(),
            username: opts.username.clone(),
            prompt: !opts.no_prompt && live,
            only: plan.credential.clone(),
            managed_identity_client_id: Some(plan.client_id.clone()).filter(|c| !c.is_empty()),
            redirect_uri: plan.redirect_uri.clone(),
        },
    )
    .map_err(|e| DoctorError::Input(e.to_string()))?;
    let tracker = Tracker::new(live);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
    let anim = tokio::spawn(tracker.clone().animate(stop_rx));
    let d = diagnose(&plan, env, &cred, tracker.clone(), now, judge).await;
    let _ = stop_tx.send(());
    let _ = anim.await;
    d
}

/// A runtime for the live checks: two worker threads are plenty for I/O.
pub fn runtime() -> Result<tokio::runtime::Runtime, DoctorError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| DoctorError::Unavailable(format!("cannot start the async runtime: {e}")))
}

/// The environment of a map (the simulator's `env`), falling back to nothing.
pub struct MapEnv(pub BTreeMap<String, String>);

impl Env for MapEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}
