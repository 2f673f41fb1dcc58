//! The tenant chain: OpenID discovery of the tenant, then its signing keys (to verify the token).

use super::service_failure;
use crate::doctor::plan::Plan;
use crate::doctor::progress::Recorder;
use crate::http::{Chain, Http, Track};
use crate::token_endpoint::{self, Discovery};
use authcheck_model::evidence::Response;
use authcheck_model::knowledge::clouds;
use authcheck_model::report::{Check, CheckStatus};

/// What the tenant chain learned.
#[derive(Debug, Clone, Default)]
pub struct TenantFacts {
    pub discovery: Option<Discovery>,
    /// Entra's refusal of discovery (an unknown tenant): the answer when no token request got one.
    pub refused: Option<Response>,
    /// The tenant's signing keys (JWKS JSON text), when read.
    pub jwks: Option<String>,
    pub checks: Vec<Check>,
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

/// Tenant discovery, then its signing keys.
pub async fn tenant_chain(
    http: &Http,
    plan: &Plan,
    live: &dyn Track,
    start: Chain,
) -> (TenantFacts, Chain) {
    let track = Recorder::new(live);
    let (mut facts, chain) = discover_then_keys(http, plan, &track, start).await;
    facts.checks = track.checks();
    (facts, chain)
}

async fn discover_then_keys(
    http: &Http,
    plan: &Plan,
    track: &dyn Track,
    start: Chain,
) -> (TenantFacts, Chain) {
    track.start("tenant.discovery");
    let (d, c) = token_endpoint::discover(http, &plan.authority, &plan.tenant, start).await;
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
                    let (k, c2) = token_endpoint::fetch_jwks(http, u, c).await;
                    match &k {
                        Ok(_) => {
                            track.done("tenant.jwks", CheckStatus::Ok, "signing keys read".into())
                        }
                        Err(e) => track.done("tenant.jwks", CheckStatus::Failed, e.clone()),
                    }
                    let facts = TenantFacts {
                        discovery: Some(d),
                        jwks: k.ok(),
                        ..TenantFacts::default()
                    };
                    (facts, c2)
                }
                None => {
                    track.done(
                        "tenant.jwks",
                        CheckStatus::Skipped,
                        "discovery named no jwks_uri".into(),
                    );
                    let facts = TenantFacts {
                        discovery: Some(d),
                        ..TenantFacts::default()
                    };
                    (facts, c)
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
            (TenantFacts::default(), c)
        }
        Err(Ok(resp)) => {
            track.done(
                "tenant.discovery",
                CheckStatus::Failed,
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
            let facts = TenantFacts {
                refused: Some(resp),
                ..TenantFacts::default()
            };
            (facts, c)
        }
        Err(Err(e)) => {
            track.done("tenant.discovery", CheckStatus::Failed, e);
            track.done(
                "tenant.jwks",
                CheckStatus::Skipped,
                "discovery failed".into(),
            );
            (TenantFacts::default(), c)
        }
    }
}
