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
    /// The cloud whose discovery document for the tenant answered, when that is not the cloud
    /// in use: the tenant's own document said so (`cloud_instance_name`), or this cloud refused
    /// the tenant and another cloud's authority knew it.
    pub home_cloud: Option<&'static clouds::Cloud>,
    pub checks: Vec<Check>,
}

/// The cloud an OpenID configuration's `cloud_instance_name` names.
fn cloud_of_instance(name: &str) -> Option<&'static clouds::Cloud> {
    clouds::by_instance_name(name)
}

/// Tenant discovery, then its signing keys.
pub async fn tenant_chain(
    http: &Http,
    plan: &Plan,
    live: &dyn Track,
    start: Chain,
) -> (TenantFacts, Chain) {
    let track = Recorder::new(live);
    let (mut facts, mut chain) = discover_then_keys(http, plan, &track, start).await;
    // A tenant this cloud does not know: ask the other clouds' discovery documents, so that a
    // finding about the tenant's cloud rests on an answer, not on a guess.
    let not_found = facts
        .refused
        .as_ref()
        .is_some_and(|r| r.codes.iter().any(|c| [90002, 90038, 90051].contains(c)));
    if not_found {
        let (home, c) = ask_other_clouds(http, plan, &track, chain).await;
        facts.home_cloud = home;
        chain = c;
    }
    if facts.home_cloud.is_none() {
        facts.home_cloud = facts
            .discovery
            .as_ref()
            .and_then(|d| d.cloud_instance.as_deref())
            .and_then(cloud_of_instance)
            .filter(|c| c.key != plan.cloud.key);
    }
    facts.checks = track.checks();
    (facts, chain)
}

/// Asks each other cloud's authority for the tenant's discovery document; the first that
/// answers is the tenant's cloud (by its `cloud_instance_name`, else by the authority asked).
async fn ask_other_clouds(
    http: &Http,
    plan: &Plan,
    track: &dyn Track,
    start: Chain,
) -> (Option<&'static clouds::Cloud>, Chain) {
    track.start("tenant.cloud");
    if plan.other_clouds.is_empty() {
        track.done(
            "tenant.cloud",
            CheckStatus::Skipped,
            "the authority is not a known cloud's, so the other clouds' authorities are unknown (set AUTHCHECK_AUTHORITY_HOST_USGOV / _CHINA / _PUBLIC)".into(),
        );
        return (None, start);
    }
    let asked: Vec<String> = plan
        .other_clouds
        .iter()
        .map(|(c, _)| c.display_name.to_string())
        .collect();
    let mut errors = Vec::new();
    let mut latest = start;
    for (cloud, authority) in &plan.other_clouds {
        let (d, c) = token_endpoint::discover(http, authority, &plan.tenant, latest).await;
        latest = c;
        match d {
            Ok(d) => {
                let home = d
                    .cloud_instance
                    .as_deref()
                    .and_then(cloud_of_instance)
                    .unwrap_or(*cloud);
                track.done(
                    "tenant.cloud",
                    CheckStatus::Failed,
                    format!(
                        "the tenant lives in {}: {} answered its discovery document{}; the authority of {} did not know it",
                        home.display_name,
                        crate::http::host_of(authority),
                        d.cloud_instance
                            .as_deref()
                            .map(|i| format!(" (cloud_instance_name {i})"))
                            .unwrap_or_default(),
                        plan.cloud.display_name
                    ),
                );
                return (Some(home), latest);
            }
            Err(Ok(_)) => {}
            Err(Err(e)) => errors.push(format!("{}: {e}", cloud.display_name)),
        }
    }
    if errors.is_empty() {
        track.done(
            "tenant.cloud",
            CheckStatus::Ok,
            format!(
                "no other cloud knows the tenant either (asked {})",
                asked.join(", ")
            ),
        );
    } else {
        track.done(
            "tenant.cloud",
            CheckStatus::Skipped,
            format!("could not ask every cloud: {}", errors.join("; ")),
        );
    }
    (None, latest)
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
