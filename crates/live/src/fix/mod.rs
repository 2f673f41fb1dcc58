//! `authcheck fix`: from the doctor's findings to a plan of repairs, a pre-check of what the
//! operator may do, and the writes themselves — with the operator's own identity
//! (`AUTHCHECK_GRAPH_TOKEN` / `AUTHCHECK_ARM_TOKEN`, or `az` with `--graph-auth az`), never the
//! failing app's credential.
//!
//! A plan is a list of [`Step`]s in the order they must run. An automatic step carries the exact
//! request (method, URL, JSON body with the tenant's real ids), what the operator needs for it and
//! how to undo it; a manual step carries the change a person must make (code, a wait, a policy).
//! Nothing is ever deleted: collections are sent whole with the new value added, a new secret is
//! added beside the old ones.

mod apply;
mod choice;
pub(crate) mod dataplane;
pub mod permissions;
mod repairs;

pub use apply::{apply, precheck, Applied, Failed, Outcome, SecretSink};
pub use choice::{parse_choice, resolve, Choice, ChoiceOption, CHOICES};
pub use repairs::{build, Context};

use crate::credential::{Env, Secret};
use crate::doctor::{Plan as DoctorPlan, ReaderAuth};
use permissions::Need;
use serde::Serialize;

/// What kind of step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// authcheck makes the request.
    Automatic,
    /// A person makes the change (code, configuration, a wait, a choice).
    Manual,
}

/// Which service a request goes to, and so which operator token it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Graph,
    Arm,
    /// A Purview account's data plane (`https://{account}.purview.azure.com`).
    Purview,
    /// The Power Platform admin API (`https://api.bap.microsoft.com`).
    PowerPlatform,
}

/// The exact request an automatic step makes.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub service: Service,
    pub method: String,
    pub url: String,
    pub body: serde_json::Value,
}

/// One step of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// The rule whose finding this step repairs.
    pub finding: String,
    pub kind: StepKind,
    /// What the step changes, in a line.
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Request>,
    /// What the operator needs to make the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission_source: Option<String>,
    /// How to take the change back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undo: Option<String>,
    /// For a manual step: what to do, and the command when there is one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub instructions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Why the operator cannot make this step (the pre-check's verdict), when it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
    /// The pre-check could not tell (a delegated token acting with the user's directory roles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unverified: Option<String>,
    #[serde(skip)]
    pub need: Option<Need>,
    /// The ARM scope the step writes at (for the pre-check).
    #[serde(skip)]
    pub arm_scope: Option<String>,
    /// The answer carries a new client secret, for the `--secret-out` file only.
    #[serde(skip)]
    pub returns_secret: bool,
    /// When the finding has more than one repair: the options, the one taken and who took it
    /// (an undecided choice is a manual step that changes nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choice: Option<Choice>,
}

impl Step {
    /// An automatic step: the request, what the operator needs for it, and its undo.
    pub fn automatic(
        finding: &str,
        action: String,
        request: Request,
        need: Need,
        undo: String,
    ) -> Step {
        Step {
            finding: finding.to_string(),
            kind: StepKind::Automatic,
            action,
            request: Some(request),
            permission: Some(need.named.to_string()),
            permission_source: Some(need.source.to_string()),
            undo: Some(undo),
            instructions: vec![],
            command: None,
            blocked: None,
            unverified: None,
            need: Some(need),
            arm_scope: None,
            returns_secret: false,
            choice: None,
        }
    }

    fn manual(
        finding: &str,
        action: String,
        instructions: Vec<String>,
        command: Option<String>,
    ) -> Step {
        Step {
            finding: finding.to_string(),
            kind: StepKind::Manual,
            action,
            request: None,
            permission: None,
            permission_source: None,
            undo: None,
            instructions,
            command,
            blocked: None,
            unverified: None,
            need: None,
            arm_scope: None,
            returns_secret: false,
            choice: None,
        }
    }
}

/// The repairs for one diagnosis.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RepairPlan {
    pub steps: Vec<Step>,
}

impl RepairPlan {
    pub fn automatic(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.kind == StepKind::Automatic)
    }

    /// The steps that wait for the operator to choose a repair.
    pub fn undecided(&self) -> impl Iterator<Item = (usize, &Step)> {
        self.steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.choice.as_ref().is_some_and(|c| c.chosen.is_none()))
    }

    /// The automatic steps the operator may not make.
    pub fn blocked(&self) -> impl Iterator<Item = &Step> {
        self.automatic().filter(|s| s.blocked.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// The operator's identity: a Graph token and an ARM token, each with why it is missing when it is
/// (and tokens for the Purview and Power Platform data planes, for their repairs).
pub struct Operator {
    pub graph: Result<Secret, String>,
    pub arm: Result<Secret, String>,
    pub purview: Result<Secret, String>,
    pub powerplatform: Result<Secret, String>,
    /// The Power Platform admin API's base URL (`AUTHCHECK_BAP_ENDPOINT`, else Microsoft's).
    pub bap_base: String,
}

impl Operator {
    pub fn token(&self, s: Service) -> Result<&Secret, &str> {
        match s {
            Service::Graph => self.graph.as_ref().map_err(String::as_str),
            Service::Arm => self.arm.as_ref().map_err(String::as_str),
            Service::Purview => self.purview.as_ref().map_err(String::as_str),
            Service::PowerPlatform => self.powerplatform.as_ref().map_err(String::as_str),
        }
    }
}

/// The operator's tokens: `--graph-auth az` asks the Azure CLI; otherwise `--graph-token-file` /
/// `--arm-token-file` or `AUTHCHECK_GRAPH_TOKEN` / `AUTHCHECK_ARM_TOKEN`. The app's own credential
/// is never used for a write.
pub async fn operator(plan: &DoctorPlan, env: &dyn Env) -> Operator {
    let graph_resource = format!("https://{}", plan.cloud.graph_host);
    let arm_resource = format!("https://{}/", plan.cloud.arm_host);
    let one = |var: &str, file: &Option<std::path::PathBuf>| -> Result<Secret, String> {
        if let Some(p) = file {
            return std::fs::read_to_string(p)
                .map(|t| Secret::new(authcheck_offline::jwt::strip_wrapping(&t)))
                .map_err(|e| format!("{}: {e}", p.display()));
        }
        env.var(var)
            .filter(|v| !v.trim().is_empty())
            .map(|v| Secret::new(authcheck_offline::jwt::strip_wrapping(&v)))
            .ok_or_else(|| {
                format!(
                    "no operator identity: set {var}, or run with --graph-auth az after `az login`"
                )
            })
    };
    let bap_base = env
        .var("AUTHCHECK_BAP_ENDPOINT")
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| dataplane::BAP.to_string());
    // The data planes' tokens come from the environment; with `--graph-auth az`, Purview's from
    // the Azure CLI when none is set. The Power Platform admin API's from the environment only.
    let purview_env = one("AUTHCHECK_PURVIEW_TOKEN", &None);
    let powerplatform = one("AUTHCHECK_POWERPLATFORM_TOKEN", &None).map_err(|_| {
        "no operator identity for the Power Platform admin API: set AUTHCHECK_POWERPLATFORM_TOKEN to the operator's token for it (`--graph-auth az` does not ask for one)".to_string()
    });
    if plan.reader == ReaderAuth::Az {
        let timeout = plan.limits.timeout;
        let tenant = &plan.tenant;
        use crate::doctor::chains::reader::az_token;
        let purview = match purview_env {
            Ok(t) => Ok(t),
            Err(_) => az_token(dataplane::PURVIEW_RESOURCE, tenant, timeout).await,
        };
        return Operator {
            graph: az_token(&graph_resource, tenant, timeout).await,
            arm: az_token(&arm_resource, tenant, timeout).await,
            purview,
            powerplatform,
            bap_base,
        };
    }
    Operator {
        graph: one("AUTHCHECK_GRAPH_TOKEN", &plan.graph_token_file),
        arm: one("AUTHCHECK_ARM_TOKEN", &plan.arm_token_file),
        purview: purview_env,
        powerplatform,
        bap_base,
    }
}

/// The permissions a token carries: its application permissions (`roles`) and its delegated ones
/// (`scp`), read without checking the signature — the service checks it; this only predicts what
/// the service will say.
pub fn held_permissions(token: &Secret) -> (Vec<String>, Vec<String>) {
    let Ok(t) = authcheck_offline::jwt::decode(token.expose()) else {
        return (vec![], vec![]);
    };
    let list = |claim: &str| -> Vec<String> {
        match t.claims.get(claim) {
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            Some(serde_json::Value::String(s)) => s.split_whitespace().map(String::from).collect(),
            _ => vec![],
        }
    };
    (list("roles"), list("scp"))
}
