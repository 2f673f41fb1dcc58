//! The ARM chain: a token for reading ARM, then — once the principal's object id is known, from the
//! user's token or from Graph — its role assignments and the role names at `--scope-arm`.

use super::reader::reader_token;
use crate::arm;
use crate::credential::{Credential, Env, Secret};
use crate::doctor::plan::Plan;
use crate::doctor::progress::Recorder;
use crate::http::{Chain, Http, Track};
use authcheck_model::report::{Check, CheckStatus};
use authcheck_offline::arm_facts::ArmFacts;
use std::future::Future;

/// The role assignments read at a scope for a principal.
#[derive(Debug, Default)]
pub struct ArmRead {
    pub facts: ArmFacts,
    pub scope: String,
    pub principal: String,
}

/// What the ARM chain learned.
#[derive(Debug, Default)]
pub struct ArmChainFacts {
    pub read: Option<ArmRead>,
    /// The reader token (kept only so that it is never printed).
    pub token: Option<Secret>,
    pub checks: Vec<Check>,
}

/// A reader token, then the role assignments of the principal `principal` resolves to (with the
/// chain it took to learn it).
pub async fn arm_chain(
    http: &Http,
    plan: &Plan,
    env: &dyn Env,
    cred: &Credential,
    principal: impl Future<Output = (Option<String>, Chain)>,
    live: &dyn Track,
    start: Chain,
) -> (ArmChainFacts, Chain) {
    let track = Recorder::new(live);
    let (read, token, chain) =
        token_then_roles(http, plan, env, cred, principal, &track, start).await;
    let facts = ArmChainFacts {
        read,
        token,
        checks: track.checks(),
    };
    (facts, chain)
}

async fn token_then_roles(
    http: &Http,
    plan: &Plan,
    env: &dyn Env,
    cred: &Credential,
    principal: impl Future<Output = (Option<String>, Chain)>,
    track: &dyn Track,
    start: Chain,
) -> (Option<ArmRead>, Option<Secret>, Chain) {
    let Some(scope) = &plan.scope_arm else {
        for n in ["arm.token", "arm.role_assignments", "arm.role_definitions"] {
            track.done(n, CheckStatus::Skipped, "no --scope-arm given".into());
        }
        return (None, None, start);
    };
    let arm_resource = format!("https://{}/", plan.cloud.arm_host);
    track.start("arm.token");
    let (t, c) = reader_token(plan, env, cred, http, "arm", &arm_resource, start).await;
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
    let (principal, known) = principal.await;
    let c = c.max(known);
    let Some(principal) = principal else {
        for n in ["arm.role_assignments", "arm.role_definitions"] {
            track.done(
                n,
                CheckStatus::Skipped,
                "the principal's object id is unknown (no token, no service principal read)".into(),
            );
        }
        return (None, Some(token), c);
    };
    let (facts, c2) = arm::read(http, &plan.arm, token.expose(), scope, &principal, track, c).await;
    let read = ArmRead {
        facts,
        scope: scope.clone(),
        principal,
    };
    (Some(read), Some(token), c2)
}
