//! The doctor's chains of dependent requests, one function each: tenant discovery then its keys,
//! the user's token request then its refresh, the data-plane reads with that token, Graph and ARM
//! each after a reader token. Each returns its facts as a typed struct (what the services answered,
//! and the check lines its requests decided) for [`super::assemble`]; none decides what is wrong.

mod arm;
mod dataplane;
mod graph;
pub(crate) mod reader;
mod tenant;
mod token;

pub use arm::{arm_chain, ArmChainFacts, ArmRead};
pub use dataplane::{dataplane_chain, CallRecord, DataPlaneFacts, DataPlaneReaders};
pub use graph::{graph_chain, GraphChainFacts};
pub use tenant::{tenant_chain, TenantFacts};
pub use token::{token_chain, user_request, TokenFacts};

use crate::token_endpoint::Outcome;
use authcheck_model::evidence::Response;
use authcheck_model::report::CheckStatus;

/// A throttle or server error that outlasted the retries: no answer about the setup.
pub(crate) fn service_failure(r: &Response) -> bool {
    r.status.is_some_and(|s| s == 429 || s >= 500)
}

/// The token-endpoint outcome in a check line.
pub(crate) fn token_check(outcome: &Outcome) -> (CheckStatus, String) {
    match outcome {
        // It works, but only after the endpoint throttled or failed: a busier hour may not wait.
        Outcome::Issued { attempts, .. } if *attempts > 1 => (
            CheckStatus::Warning,
            format!(
                "a token was issued, but only on try {attempts}: the endpoint throttled or failed first"
            ),
        ),
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
        // Refused is broken, whatever the reason: the check mark says whether the thing works.
        Outcome::Refused { response } => (
            CheckStatus::Failed,
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
