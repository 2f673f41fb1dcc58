//! The simulator behind `authcheck sim`: Entra ID in a box. A loopback HTTP(S) server that plays the token endpoints
//! (v1 and v2; client credentials with a secret, a certificate assertion or a federated
//! assertion; ROPC; device code; authorization code with PKCE after real HTML sign-in pages), OpenID discovery and JWKS with real RS256 keys, the Microsoft Graph reads the
//! doctor makes, ARM role assignments, and data-plane stand-ins for Purview, the Power Platform API
//! and Log Analytics — all deciding from a scenario's tenant state, answering with the real
//! services' shapes, and injecting the scenario's faults.
//!
//! # Library use
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use authcheck_sim::{self as sim, Scenario, SimOptions};
//! let scenario = Scenario::builtin("client-secret-invalid")?;
//! let handle = sim::start(scenario, SimOptions::default()).await?;
//! println!("{}", handle.info.authority);          // http://127.0.0.1:PORT
//! let _env = &handle.info.env;                     // AZURE_TENANT_ID, AZURE_CLIENT_ID, …
//! let _args = &handle.info.doctor_args;            // --tenant … --client-id … --api …
//! handle.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! The layout of one server on one port: the authority at the root (`/{tenant}/oauth2/v2.0/token`,
//! `/{tenant}/oauth2/token`, `/{tenant}/oauth2/v2.0/authorize`,
//! `/{tenant}/v2.0/.well-known/openid-configuration`, `/{tenant}/discovery/v2.0/keys`, the v1
//! forms, `/common/userrealm/{user}`; that is the tenant's own cloud, and the other clouds'
//! authorities, which do not know the tenant, are under `/cloud/{public|usgov|china}`), Graph
//! under `/graph` (`/graph/v1.0/…`), ARM under `/arm`, the data planes under `/purview`,
//! `/powerplatform`, `/loganalytics`, `/appinsights`, `/monitoring` (custom metrics) and
//! `/logsingestion` (the Logs Ingestion API), IMDS at
//! `/metadata/identity/oauth2/token`, and the external OIDC issuer of federated tokens under
//! `/federation`.
//!
//! Files: `scenario` (the TOML model and the built-ins), `world` (the scenario resolved at start),
//! `keys` (RSA keys and certificates), `tokens` (minting, discovery, JWKS, bearer checks),
//! `token_endpoint` and `aad_error` (Entra's decisions and bodies), `authorize`, `device_code` and
//! `signin` (the device authorization grant and the HTML sign-in pages), `imds`, `graph`,
//! `graph_write` (the repairs' writes; `arm` has its role-assignment write), `arm`, `dataplane`, `server` (HTTP, faults, log), `tls`.
//!
//! Fidelity notes: first-party APIs (Graph, ARM, Purview, Power Platform, Log Analytics) get v1
//! tokens even from the v2 endpoint, as Entra issues them (`aud` is the resource URI as asked, the
//! issuer `https://sts.windows.net/{tid}/`); v2 tokens (`aud` = the app id GUID, `azp`, issuer
//! `{authority}/{tid}/v2.0`) go to the scenario's own APIs (apps with `identifier_uris`).

mod aad_error;
mod arm;
mod authorize;
mod dataplane;
mod device_code;
mod error;
mod graph;
mod graph_write;
mod http;
mod imds;
pub mod keys;
pub mod scenario;
mod server;
mod signin;
mod tls;
mod token_endpoint;
mod tokens;
mod world;

pub use error::SimError;
pub use scenario::{Scenario, ScenarioError};

use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use world::{World, WorldCell};

/// Options for [`start`].
#[derive(Debug, Clone, Default)]
pub struct SimOptions {
    /// 0 for any free port.
    pub port: u16,
    pub tls: bool,
    pub latency_ms: u64,
    pub log: Option<PathBuf>,
    /// The redaction layer every log line passes before it is written (the binary passes its
    /// own; the simulator crate cannot depend on the parsers that know the secret shapes).
    pub log_scrub: Option<fn(&str) -> String>,
    pub state_dir: Option<PathBuf>,
}

/// Where the simulator listens and how to point a client at it: the JSON line `authcheck sim`
/// prints once it listens.
#[derive(Debug, Clone, Serialize)]
pub struct SimInfo {
    pub scenario: String,
    pub description: String,
    /// The rules `authcheck doctor` must report for this scenario, root cause first.
    pub expect: Vec<String>,
    /// The authority host (`AZURE_AUTHORITY_HOST`): `http(s)://127.0.0.1:PORT`.
    pub authority: String,
    pub tenant_id: String,
    pub client_id: String,
    /// The base URL of Graph (append `/v1.0/…`).
    pub graph: String,
    /// The base URL of ARM (append `/subscriptions/…`).
    pub arm: String,
    pub purview: String,
    pub powerplatform: String,
    pub loganalytics: String,
    /// The data-plane base URLs by API key.
    pub dataplanes: BTreeMap<String, String>,
    /// The issuer of the federated tokens the simulator mints for the client.
    pub federation_issuer: String,
    /// The CA certificate to trust (`--tls` only).
    pub ca: Option<String>,
    /// The client's certificate + key PEM (`AZURE_CLIENT_CERTIFICATE_PATH`) when it has one.
    pub client_certificate: Option<String>,
    /// The federated token file (`AZURE_FEDERATED_TOKEN_FILE`) when the client federates.
    pub federated_token_file: Option<String>,
    /// The Azure scope (`/subscriptions/…/workspaces/…`) the scenario's RBAC is about.
    pub arm_scope: String,
    pub workspace_id: String,
    /// Environment variables for a client of the scenario's app, plus the operator's reader
    /// tokens (`AUTHCHECK_ARM_TOKEN`, `AUTHCHECK_GRAPH_TOKEN`) when the scenario has an
    /// `[operator]` (fixture values only).
    pub env: BTreeMap<String, String>,
    /// Arguments that point `authcheck doctor` at the scenario.
    pub doctor_args: Vec<String>,
}

/// The running simulator's shared state.
pub struct Sim {
    /// The tenant; the repair endpoints (Graph and ARM writes) replace it version by version.
    pub(crate) world: WorldCell,
    pub info: SimInfo,
    latency_ms: u64,
    /// Matching requests each fault has hit so far.
    fault_hits: Mutex<Vec<u64>>,
    log: Option<Mutex<std::fs::File>>,
    log_scrub: Option<fn(&str) -> String>,
    /// Refresh tokens handed out, by value.
    refresh_tokens: Mutex<std::collections::HashMap<String, token_endpoint::RefreshEntry>>,
    /// Interactive sign-ins under way, device and authorization codes, users' consents.
    signin: Mutex<signin::State>,
}

impl Sim {
    /// Counts a hit on the first fault of this endpoint family that still applies.
    fn take_fault(&self, family: &str) -> Option<scenario::FaultSpec> {
        let mut hits = self.fault_hits.lock().ok()?;
        for (i, f) in self.world.scenario.faults.iter().enumerate() {
            let applies = f.endpoint == family || (f.endpoint == "any" && family != "other");
            if !applies {
                continue;
            }
            if f.count == 0 || hits[i] < f.count {
                hits[i] += 1;
                return Some(f.clone());
            }
        }
        None
    }

    /// One JSON line per request: what was asked, never a secret.
    fn log(&self, req: &http::Req, family: &str, status: u16, fault: Option<&str>) {
        let Some(log) = &self.log else { return };
        const SECRET_NAMES: &[&str] = &[
            "client_secret",
            "password",
            "client_assertion",
            "assertion",
            "refresh_token",
            "code",
            "access_token",
            "device_code",
            "code_verifier",
            "passwd",
            "otc",
            "flowToken",
        ];
        let query: BTreeMap<&String, String> = req
            .query
            .iter()
            .map(|(k, v)| {
                let shown = if SECRET_NAMES.contains(&k.as_str()) {
                    "(redacted)".to_string()
                } else {
                    v.clone()
                };
                (k, shown)
            })
            .collect();
        let form_fields: Vec<String> = if req
            .header("content-type")
            .is_some_and(|c| c.contains("x-www-form-urlencoded"))
        {
            http::parse_urlencoded(&String::from_utf8_lossy(&req.body))
                .into_iter()
                .map(|(k, _)| {
                    // Only what is shaped like a field name: a body that is no form (JSON sent
                    // as one) would otherwise be logged whole as a "name", secrets and all.
                    let is_name = !k.is_empty()
                        && k.len() <= 64
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "_.-[]".contains(c));
                    if is_name {
                        k
                    } else {
                        format!("(not a field name, {} bytes)", k.len())
                    }
                })
                .collect()
        } else {
            vec![]
        };
        let mut headers = BTreeMap::new();
        for h in [
            "origin",
            "user-agent",
            "client-request-id",
            "x-client-sku",
            "x-client-ver",
            "content-type",
        ] {
            if let Some(v) = req.header(h) {
                headers.insert(h, v.to_string());
            }
        }
        if let Some(a) = req.header("authorization") {
            // The scheme only: the token or the Basic credential never reaches the log.
            headers.insert(
                "authorization",
                a.split_whitespace().next().unwrap_or("").to_string(),
            );
        }
        let line = serde_json::json!({
            "time": aad_error::iso(req.now),
            "method": req.method,
            "path": req.path,
            "query": query,
            "form_fields": form_fields,
            "headers": headers,
            "endpoint": family,
            "status": status,
            "fault": fault,
        });
        let line = line.to_string();
        let line = match self.log_scrub {
            Some(scrub) => scrub(&line),
            None => line,
        };
        if let Ok(mut f) = log.lock() {
            let _ = writeln!(f, "{line}");
        }
    }
}

/// A running simulator.
pub struct SimHandle {
    pub info: SimInfo,
    pub addr: std::net::SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    /// The state folder, when the simulator made it (and so removes it at shutdown).
    owned_dir: Option<PathBuf>,
}

impl SimHandle {
    /// Stops accepting, closes open connections, waits for the server task, and removes the
    /// state folder it made (the CA, the client's certificate and federated token).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        if let Some(d) = self.owned_dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// Starts a simulator for `scenario` on 127.0.0.1. Must be called inside a Tokio runtime.
pub async fn start(scenario: Scenario, opts: SimOptions) -> Result<SimHandle, SimError> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port))
        .await
        .map_err(|source| SimError::Listen {
            port: opts.port,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SimError::Listen {
        port: opts.port,
        source,
    })?;
    let scheme = if opts.tls { "https" } else { "http" };
    let base = format!("{scheme}://127.0.0.1:{}", addr.port());
    let t0 = chrono::Utc::now().timestamp();
    // Key generation is CPU work; keep it off the async threads.
    let world = tokio::task::spawn_blocking(move || World::build(scenario, t0))
        .await
        .map_err(SimError::Setup)??;
    let state_dir = match &opts.state_dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!(
            "authcheck-sim-{}-{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        )),
    };
    // The folder is made on first use: most scenarios without TLS write nothing.
    let write = |name: &str, text: &str| -> Result<String, SimError> {
        std::fs::create_dir_all(&state_dir).map_err(|source| SimError::Write {
            path: state_dir.clone(),
            source,
        })?;
        let p = state_dir.join(name);
        std::fs::write(&p, text).map_err(|source| SimError::Write {
            path: p.clone(),
            source,
        })?;
        Ok(p.display().to_string())
    };
    let tls = if opts.tls { Some(tls::make()?) } else { None };
    let ca = match &tls {
        Some(t) => Some(write("ca.pem", &t.ca_pem)?),
        None => None,
    };
    let mut info = build_info(&world, &base);
    info.ca = ca;
    // The operator's own reader tokens: fixtures minted here, not secrets of any real tenant.
    if let Some(op) = &world.scenario.operator {
        for (var, token) in operator_tokens(&world, &base, op)? {
            info.env.insert(var.to_string(), token);
        }
    }
    // The client's own files: its certificate and key, its federated token.
    let client = &world.scenario.client;
    if let Some(cert_name) = &client.certificate {
        let key = if cert_name == "unregistered" {
            world.unregistered.as_ref()
        } else {
            world
                .scenario
                .client_app()
                .and_then(|_| world.app_by_name(client.app.as_deref().unwrap_or("")))
                .and_then(|a| a.certs.iter().find(|c| &c.name == cert_name))
                .map(|c| &c.key)
        };
        if let Some(k) = key {
            let p = write("client-cert.pem", &format!("{}{}", k.key_pem, k.cert_pem))?;
            info.env
                .insert("AZURE_CLIENT_CERTIFICATE_PATH".into(), p.clone());
            info.client_certificate = Some(p);
        }
    }
    if let Some(f) = &client.federated {
        let now = chrono::Utc::now().timestamp() + f.clock_skew_minutes * 60;
        let claims = serde_json::json!({
            "iss": f.issuer.clone().unwrap_or_else(|| info.federation_issuer.clone()),
            "sub": f.subject,
            "aud": f.audience,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        let p = write("federated-token", &world.federation.sign(&claims))?;
        info.env
            .insert("AZURE_FEDERATED_TOKEN_FILE".into(), p.clone());
        info.federated_token_file = Some(p);
    }
    if let Some(ca) = &info.ca {
        info.doctor_args.push("--ca-file".into());
        info.doctor_args.push(ca.clone());
        info.env.insert("REQUESTS_CA_BUNDLE".into(), ca.clone());
        info.env.insert("SSL_CERT_FILE".into(), ca.clone());
    }
    let log = match &opts.log {
        Some(p) => Some(Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|source| SimError::Write {
                    path: p.clone(),
                    source,
                })?,
        )),
        None => None,
    };
    let nfaults = world.scenario.faults.len();
    let sim = Arc::new(Sim {
        world: WorldCell::new(world),
        info: info.clone(),
        latency_ms: opts.latency_ms,
        fault_hits: Mutex::new(vec![0; nfaults]),
        log,
        log_scrub: opts.log_scrub,
        refresh_tokens: Mutex::new(Default::default()),
        signin: Mutex::new(Default::default()),
    });
    let acceptor = tls.map(|t| tokio_rustls::TlsAcceptor::from(t.config));
    let (stop, rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(server::serve(listener, sim, acceptor, rx));
    Ok(SimHandle {
        info,
        addr,
        stop,
        task,
        owned_dir: opts.state_dir.is_none().then_some(state_dir),
    })
}

/// The operator's tokens for ARM and Graph, as `AUTHCHECK_ARM_TOKEN` and `AUTHCHECK_GRAPH_TOKEN`
/// (and for the Purview and Power Platform data planes, as `AUTHCHECK_PURVIEW_TOKEN` and
/// `AUTHCHECK_POWERPLATFORM_TOKEN`, when the tenant has their service principals):
/// app-only tokens of the operator's app, carrying its granted application permissions, valid
/// for the operator's token lifetime from now; with `[operator] user`, the Power Platform token
/// is that user's delegated one (`scp` `user_impersonation`) through the operator's app.
fn operator_tokens(
    w: &World,
    authority: &str,
    op: &scenario::OperatorSpec,
) -> Result<Vec<(&'static str, String)>, SimError> {
    let app = w
        .app_by_name(&op.app)
        .ok_or_else(|| SimError::Scenario(format!("operator.app `{}` names no app", op.app)))?;
    let now = chrono::Utc::now().timestamp();
    let mut out = Vec::new();
    for (var, key) in [
        ("AUTHCHECK_ARM_TOKEN", "arm"),
        ("AUTHCHECK_GRAPH_TOKEN", "graph"),
        ("AUTHCHECK_PURVIEW_TOKEN", "purview"),
        ("AUTHCHECK_POWERPLATFORM_TOKEN", "powerplatform"),
    ] {
        let api = authcheck_model::knowledge::apis::by_key(key)
            .ok_or_else(|| SimError::Scenario(format!("no API {key}")))?;
        // As a client asks for `{resource}/.default`.
        let asked = api.resource_uri.trim_end_matches('/').to_string();
        let Some(resource) = w.resource(&asked) else {
            // The data planes' principals may be absent from a tenant (a scenario about that):
            // the operator then has no token for them, as in real life.
            if matches!(key, "purview" | "powerplatform") {
                continue;
            }
            return Err(SimError::Scenario(format!(
                "operator: the tenant has no service principal for {asked}"
            )));
        };
        // The operator's user, for the Power Platform admin API only: a delegated token.
        let user = op
            .user
            .as_deref()
            .filter(|_| key == "powerplatform")
            .and_then(|u| w.user_by_upn(u));
        let g = tokens::Grant {
            app,
            resource: &resource,
            resource_as_asked: asked.clone(),
            user,
            roles: if user.is_some() {
                vec![]
            } else {
                w.granted_roles(app, &resource.app_id)
            },
            scopes: if user.is_some() {
                vec!["user_impersonation".into()]
            } else {
                vec![]
            },
            auth: tokens::ClientAuth::Secret,
        };
        let (token, _) = tokens::mint_for(w, authority, &g, now, op.token_lifetime_minutes * 60);
        out.push((var, token));
    }
    Ok(out)
}

fn build_info(w: &World, base: &str) -> SimInfo {
    let s = &w.scenario;
    let c = &s.client;
    let app = s.client_app().and_then(|a| w.app_by_name(&a.name));
    let client_id = c
        .client_id
        .clone()
        .or_else(|| app.map(|a| a.app_id.clone()))
        .unwrap_or_default();
    let tenant = c.tenant.clone().unwrap_or_else(|| w.tenant_id.clone());
    let graph = format!("{base}/graph");
    let arm = format!("{base}/arm");
    let purview = format!("{base}/purview");
    let powerplatform = format!("{base}/powerplatform");
    let loganalytics = format!("{base}/loganalytics");
    let appinsights = format!("{base}/appinsights");
    // Custom metrics: `https://{region}.monitoring.azure.com{resourceId}/metrics` in Azure.
    let monitoring = format!("{base}/monitoring");
    // The Logs Ingestion API: a data collection endpoint or a DCR's logs-ingestion endpoint
    // (`https://{name}.{region}-1.ingest.monitor.azure.com`) in Azure.
    let logsingestion = format!("{base}/logsingestion");
    let dataplanes: BTreeMap<String, String> = [
        ("purview", &purview),
        ("powerplatform", &powerplatform),
        ("loganalytics", &loganalytics),
        ("appinsights", &appinsights),
        ("monitor", &monitoring),
        ("logsingestion", &logsingestion),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.clone()))
    .collect();
    let mut env = BTreeMap::new();
    env.insert("AZURE_TENANT_ID".to_string(), tenant.clone());
    env.insert("AZURE_CLIENT_ID".to_string(), client_id.clone());
    // Each cloud's authority: the tenant's own at the root, the others under `/cloud/{key}`.
    let own_cloud = w.cloud().key;
    let authority_of = |key: &str| {
        if key == own_cloud {
            base.to_string()
        } else {
            format!("{base}/cloud/{key}")
        }
    };
    for cl in authcheck_model::knowledge::clouds::CLOUDS {
        env.insert(
            format!("AUTHCHECK_AUTHORITY_HOST_{}", cl.key.to_ascii_uppercase()),
            authority_of(cl.key),
        );
    }
    // The cloud the client is pointed at: its own, or another (an SDK left on its default).
    let client_cloud = c
        .authority_cloud
        .clone()
        .unwrap_or_else(|| own_cloud.to_string());
    let client_authority = authority_of(&client_cloud);
    env.insert("AZURE_AUTHORITY_HOST".to_string(), client_authority.clone());
    env.insert(
        "AUTHCHECK_AUTHORITY_HOST".to_string(),
        client_authority.clone(),
    );
    env.insert("AUTHCHECK_GRAPH_ENDPOINT".to_string(), graph.clone());
    env.insert("AUTHCHECK_ARM_ENDPOINT".to_string(), arm.clone());
    env.insert("AUTHCHECK_PURVIEW_ENDPOINT".to_string(), purview.clone());
    env.insert(
        "AUTHCHECK_POWERPLATFORM_ENDPOINT".to_string(),
        powerplatform.clone(),
    );
    // The Power Platform admin API (api.bap.microsoft.com) is served by the same stand-in.
    env.insert("AUTHCHECK_BAP_ENDPOINT".to_string(), powerplatform.clone());
    env.insert(
        "AUTHCHECK_LOGANALYTICS_ENDPOINT".to_string(),
        loganalytics.clone(),
    );
    env.insert(
        "AUTHCHECK_APPINSIGHTS_ENDPOINT".to_string(),
        appinsights.clone(),
    );
    env.insert("AUTHCHECK_MONITOR_ENDPOINT".to_string(), monitoring.clone());
    env.insert(
        "AUTHCHECK_LOGSINGESTION_ENDPOINT".to_string(),
        logsingestion.clone(),
    );
    if c.credential == "secret" || c.secret.is_some() {
        let first_secret_id = app
            .and_then(|a| a.secrets.first())
            .map(|s| s.key_id.clone())
            .unwrap_or_default();
        let secret = c
            .secret
            .clone()
            .unwrap_or_default()
            .replace("{secret_id}", &first_secret_id);
        env.insert("AZURE_CLIENT_SECRET".to_string(), secret);
    }
    if let Some(u) = &c.username {
        env.insert("AZURE_USERNAME".to_string(), u.clone());
    }
    if let Some(p) = &c.password {
        env.insert("AZURE_PASSWORD".to_string(), p.clone());
    }
    if c.credential == "managed-identity" {
        // azure-identity's IMDS override; the simulator serves /metadata/identity/oauth2/token.
        env.insert(
            "AZURE_POD_IDENTITY_AUTHORITY_HOST".to_string(),
            base.to_string(),
        );
        env.insert("AUTHCHECK_IMDS_ENDPOINT".to_string(), base.to_string());
    }
    let api = c.api.clone();
    let api_endpoint = dataplanes.get(&api).cloned();
    let mut doctor_args = vec![
        "--tenant".to_string(),
        tenant.clone(),
        "--client-id".to_string(),
        client_id.clone(),
        "--api".to_string(),
        api.clone(),
        "--authority-host".to_string(),
        client_authority.clone(),
        "--graph-endpoint".to_string(),
        graph.clone(),
        "--arm-endpoint".to_string(),
        arm.clone(),
    ];
    if let Some(e) = api_endpoint {
        doctor_args.push("--api-endpoint".into());
        doctor_args.push(e);
    }
    doctor_args.push("--credential".into());
    doctor_args.push(c.credential.clone());
    if client_cloud != "public" {
        doctor_args.push("--cloud".into());
        doctor_args.push(client_cloud.clone());
    }
    if c.endpoint == "v1" {
        doctor_args.push("--endpoint-version".into());
        doctor_args.push("v1".into());
    }
    if let Some(sc) = &c.scope {
        doctor_args.push(
            if c.endpoint == "v1" {
                "--resource"
            } else {
                "--scope"
            }
            .into(),
        );
        doctor_args.push(sc.clone());
    }
    if let Some(u) = &c.username {
        doctor_args.push("--username".into());
        doctor_args.push(u.clone());
    }
    if let Some(r) = &c.redirect_uri {
        doctor_args.push("--redirect-uri".into());
        doctor_args.push(r.clone());
    }
    if c.credential == "managed-identity" {
        doctor_args.push("--imds-endpoint".into());
        doctor_args.push(base.to_string());
    }
    if let Some(o) = &c.origin {
        doctor_args.push("--origin".into());
        doctor_args.push(o.clone());
    }
    if api == "loganalytics" || api == "arm" {
        doctor_args.push("--arm-scope".into());
        doctor_args.push(w.workspace_resource_id.clone());
        doctor_args.push("--workspace-id".into());
        doctor_args.push(s.azure.workspace_id.clone());
    }
    if api == "appinsights" {
        doctor_args.push("--arm-scope".into());
        doctor_args.push(w.component_resource_id.clone());
        doctor_args.push("--app-id".into());
        doctor_args.push(s.azure.appinsights_app_id.clone());
    }
    if api == "monitor" {
        doctor_args.push("--resource-id".into());
        doctor_args.push(w.vm_resource_id.clone());
    }
    if api == "logsingestion" {
        // The endpoint comes with --api-endpoint above (the doctor's --dce).
        doctor_args.push("--dcr-immutable-id".into());
        doctor_args.push(s.azure.dcr_immutable_id.clone());
        doctor_args.push("--stream".into());
        doctor_args.push(s.azure.dcr_stream.clone());
        doctor_args.push("--resource-id".into());
        doctor_args.push(w.dcr_resource_id.clone());
    }
    SimInfo {
        scenario: s.name.clone(),
        description: s.description.trim().to_string(),
        expect: s.expect.clone(),
        authority: base.to_string(),
        tenant_id: w.tenant_id.clone(),
        client_id,
        graph,
        arm,
        purview,
        powerplatform,
        loganalytics,
        dataplanes,
        federation_issuer: format!("{base}/federation"),
        ca: None,
        client_certificate: None,
        federated_token_file: None,
        arm_scope: w.workspace_resource_id.clone(),
        workspace_id: s.azure.workspace_id.clone(),
        env,
        doctor_args,
    }
}
