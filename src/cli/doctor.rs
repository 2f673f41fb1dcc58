//! `authcheck doctor`: the doctor's options (from the live crate) plus the report options, run on a
//! runtime of its own, judged by the rule set, rendered like any report.

use super::{CliError, ReportArgs};
use authcheck_live::credential::{self, Env};
pub use authcheck_live::doctor::{Diagnosis, DoctorError, DoctorOptions, MapEnv};
use clap::Args;

#[derive(Args, Debug, Clone, Default)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub opts: DoctorOptions,
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

impl From<DoctorError> for CliError {
    fn from(e: DoctorError) -> Self {
        match e {
            DoctorError::Input(m) => CliError::Input(m),
            DoctorError::Unavailable(m) => CliError::Unavailable(m),
        }
    }
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
    // A finding that explains a call failing right now (a refused token request, an API answering
    // 401/403) fails the run whatever its severity: the setup does not work yet, even when the
    // cause is only that a new role has not propagated.
    let fails_now = d.report.checks.iter().any(|c| {
        matches!(c.name.as_str(), "token.request" | "dataplane.call")
            && c.status == crate::report::CheckStatus::Failed
    });
    if fails_now && !d.report.findings.is_empty() && args.fail_on != super::FailOn::Never {
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
    !args.opts.no_progress
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
    let now = args.report.inner.now()?;
    let rules = args.report.inner.rule_set()?;
    let judge = |ev: &authcheck_model::evidence::Evidence| rules.evaluate(ev).0;
    Ok(authcheck_live::doctor::run(&args.opts, env, live, now, &judge).await?)
}

/// A runtime for the live checks.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    Ok(authcheck_live::doctor::runtime()?)
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
