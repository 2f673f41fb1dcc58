//! Reader tokens for Graph and ARM: from a file or `AUTHCHECK_*_TOKEN`, from the signed-in Azure
//! CLI, from the managed identity, or asked of the token endpoint with the user's own credential.

use super::{service_failure, token_check};
use crate::credential::{Credential, Env, Secret};
use crate::doctor::plan::Plan;
use crate::doctor::ReaderAuth;
use crate::http::{Chain, Http};
use crate::token_endpoint::{self, Endpoint, Outcome, TokenRequest};
use authcheck_model::evidence::derive;
use authcheck_model::report::CheckStatus;
use authcheck_offline::jwt;
use std::time::Duration;

/// A token for reading Graph or ARM.
pub(super) async fn reader_token(
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
                Credential::None
                    | Credential::AccessToken { .. }
                    | Credential::Interactive { .. }
                    | Credential::DeviceCode
                    | Credential::Browser { .. }
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

/// `az account get-access-token`, with the timeout (also the operator identity of `fix --graph-auth az`).
pub(crate) async fn az_token(
    resource: &str,
    tenant: &str,
    timeout: Duration,
) -> Result<Secret, String> {
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
