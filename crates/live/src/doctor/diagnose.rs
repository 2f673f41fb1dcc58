//! The live checks, run concurrently along their chains of dependent requests, turned into one
//! evidence document, judged by the rules.

use super::config::Expectations;
use super::plan::Plan;
use super::progress::{Tracker, CHECK_ORDER};
use super::DoctorError;
use super::ReaderAuth;
use crate::credential::{Credential, Env, Secret};
use crate::http::{Chain, Http, Track};
use crate::token_endpoint::{self, Endpoint, Outcome, TokenRequest};
use crate::workload_oidc;
use crate::{arm, dataplane, graph};
use authcheck_model::evidence::{derive, Evidence};
use authcheck_model::knowledge::clouds;
use authcheck_model::report::{CheckStatus, InputInfo, Report};
use authcheck_offline::{arm_facts, graph_facts, jwt};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    pub requests: Vec<crate::http::Sent>,
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
                Outcome::Refused { response } if service_failure(&response) => Err((
                    CheckStatus::Failed,
                    token_check(&Outcome::Refused { response }).1,
                )),
                Outcome::Refused { response } => Err((
                    CheckStatus::Skipped,
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
fn service_failure(r: &authcheck_model::evidence::Response) -> bool {
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
    judge: super::Judge<'_>,
) -> Result<Diagnosis, DoctorError> {
    let ca = match &plan.ca_file {
        Some(p) => Some(
            std::fs::read(p)
                .map_err(|e| DoctorError::Input(format!("--ca-file {}: {e}", p.display())))?,
        ),
        None => None,
    };
    let http = Http::new(plan.limits, ca.as_deref())
        .map_err(|e| DoctorError::Input(format!("--ca-file: {e}")))?;
    let track: &dyn Track = tracker.as_ref();
    let mut secrets = cred.secrets();
    track.done(
        "credential",
        if matches!(cred, Credential::None) { CheckStatus::Failed } else { CheckStatus::Ok },
        match cred {
            Credential::Secret { origin, .. } => format!("a client secret from {origin}"),
            Credential::Certificate { cert, origin } => format!(
                "certificate {} from {origin}{}",
                cert.thumbprint,
                match cert.not_after.filter(|t| *t < now).and_then(|t| chrono::DateTime::from_timestamp(t, 0)) {
                    Some(t) => format!(" (expired {})", t.format("%Y-%m-%d")),
                    None => String::new(),
                }
            ),
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
                    let mine = graph_facts::policies_for(all, &plan.client_id, sp_id);
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
        (_discovery, disc_err, jwks, c1),
        (outcome, token, scratch, purview_roles, c2),
        (graph_facts, graph_token, c3),
        (arm_facts, arm_token, c4),
    ) = tokio::join!(discovery_chain, token_chain, graph_chain, arm_chain);
    let longest = c1.max(c2).max(c3).max(c4);
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
        let _ = workload_oidc::fill_from_token(assertion.expose(), &mut ev);
    }
    // Only a federated credential presents the job's subject; a job signing in with a secret or a
    // certificate must not be judged against the app's federated credentials.
    let federated = matches!(cred, Credential::Federated { .. });
    let github_subject = workload_oidc::github_expected(&plan.github);
    if let (Some(e), true) = (&github_subject, federated) {
        workload_oidc::fill_expected(e, &mut ev);
    }
    let ado_subject = plan.ado.expected();
    if let (Some(e), true) = (&ado_subject, federated) {
        workload_oidc::fill_expected(e, &mut ev);
    }
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
                        Ok(()) => {
                            // A check that ran but found a bad signature has failed.
                            let state = ev.token.signature.clone().unwrap_or_default();
                            let status = match state.as_str() {
                                "invalid" | "unknown-kid" | "unsigned" => CheckStatus::Failed,
                                _ => CheckStatus::Ok,
                            };
                            let detail = match &ev.token.signature_detail {
                                Some(d) if !d.is_empty() => format!("{state}: {d}"),
                                _ => state,
                            };
                            track.done("token.signature", status, detail)
                        }
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
        graph_facts::fill_evidence(f, &mut ev);
    }
    for (check, expected) in [
        ("github.subject", &github_subject),
        ("ado.subject", &ado_subject),
    ] {
        if let Some(e) = expected {
            let compared = workload_oidc::compare(e, &ev.app)
                .map(|c| format!("; {c}"))
                .unwrap_or_default();
            let issuer = match (&e.issuer, e.platform) {
                (Some(i), workload_oidc::AZURE_PIPELINES) => format!(" (issuer {i})"),
                _ => String::new(),
            };
            track.done(
                check,
                CheckStatus::Ok,
                format!(
                    "{} presents subject {}{issuer}{compared}",
                    e.platform, e.subject
                ),
            );
        }
    }
    if ado_subject.is_none() && federated && plan.ado.present() {
        if let Some(missing) = plan.ado.missing() {
            track.done(
                "ado.subject",
                CheckStatus::Skipped,
                format!("the Azure Pipelines subject sc://ORG/PROJECT/CONNECTION needs {missing}"),
            );
        }
    }
    if let Some((facts, scope, principal)) = &arm_facts {
        let required: Vec<String> = if plan.roles.is_empty() {
            plan.api
                .map(|a| a.reader_roles.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default()
        } else {
            plan.roles.clone()
        };
        arm_facts::fill_evidence(facts, scope, principal, &required, &mut ev);
    }
    let target = plan
        .api
        .map(Ok)
        .or_else(|| plan.api_uri.as_deref().map(Err));
    derive::derive(&mut ev, target);

    // Expectations from --config.
    let expectation_failed = check_expectations(&plan.expect, &ev, track);

    let findings = judge(&ev);
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
