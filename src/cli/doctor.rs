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
    /// When a new role has not taken effect yet, keep probing (a fresh token each time, backing
    /// off) until it has, or until DURATION passes (`90s`, `10m`, `1h`; default: the window
    /// Microsoft documents for the API, 10m for ARM, 60m for Application Insights, 24h for a
    /// managed identity that holds the role through a group).
    #[arg(long, value_name = "DURATION", num_args = 0..=1, default_missing_value = "documented")]
    pub wait: Option<String>,
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
    let notes = std::sync::Mutex::new(Vec::new());
    let judge = |ev: &authcheck_model::evidence::Evidence| {
        let (findings, n) = rules.evaluate(ev);
        if let Ok(mut all) = notes.lock() {
            all.extend(n);
        }
        findings
    };
    let diagnosis = authcheck_live::doctor::run(&args.opts, env, live, now, &judge).await;
    if let Ok(all) = notes.lock() {
        super::rule_notes(&all);
    }
    Ok(diagnosis?)
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

/// `90s`, `10m`, `1h` or plain seconds.
fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let t = s.trim();
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = n.parse().ok()?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return None,
    };
    Some(std::time::Duration::from_secs(secs))
}

/// Whether the run's verdict is that a role is in place but not yet in force.
fn propagation_pending(d: &Diagnosis) -> bool {
    d.report
        .findings
        .first()
        .is_some_and(|f| f.rule == "rbac-propagation-pending")
}

/// `--wait`: probes again on a backoff while propagation is pending, with one line of progress on
/// stderr, until the call works or `limit` passes. Returns the last diagnosis and how long it
/// waited.
fn wait_for_propagation(
    args: &DoctorArgs,
    first: Diagnosis,
    limit: std::time::Duration,
) -> Result<(Diagnosis, std::time::Duration, bool), CliError> {
    let start = std::time::Instant::now();
    let mut d = first;
    let mut pause = std::time::Duration::from_secs(2);
    while propagation_pending(&d) {
        let elapsed = start.elapsed();
        if elapsed >= limit {
            eprintln!();
            return Ok((d, elapsed, false));
        }
        eprint!(
            "\rauthcheck: waiting for the role to take effect: {} s of up to {} s",
            elapsed.as_secs(),
            limit.as_secs()
        );
        std::thread::sleep(pause.min(limit.saturating_sub(elapsed)));
        pause = (pause * 2).min(std::time::Duration::from_secs(30));
        // A fresh run: a new token, since services cache authorization per token.
        d = run_with_env(args, &credential::ProcessEnv, false)?;
    }
    let waited = start.elapsed();
    if waited.as_secs() > 0 || waited.subsec_millis() > 0 {
        eprintln!();
    }
    Ok((d, waited, true))
}

pub fn run(args: &DoctorArgs, color: bool) -> Result<i32, CliError> {
    let live = progress_wanted(args);
    let limit = match args.wait.as_deref() {
        Some("documented") | None => None,
        Some(w) => Some(parse_duration(w).ok_or_else(|| {
            CliError::Input(format!("--wait {w}: not a duration (90s, 10m, 1h)"))
        })?),
    };
    let mut d = run_with_env(args, &credential::ProcessEnv, live)?;
    // A bare `--wait` waits as long as Microsoft documents for this API and principal.
    let limit = limit.or_else(|| {
        args.wait.as_ref().map(|_| {
            let minutes = d.evidence.rbac.propagation_window_minutes.unwrap_or(60);
            std::time::Duration::from_secs(minutes.max(1) as u64 * 60)
        })
    });
    if let (Some(limit), true) = (limit, propagation_pending(&d)) {
        let (last, waited, took_effect) = wait_for_propagation(args, d, limit)?;
        d = last;
        if took_effect {
            eprintln!(
                "authcheck: the role took effect after {} s of waiting",
                waited.as_secs()
            );
        } else {
            eprintln!(
                "authcheck: the role did not take effect within {} s: it is missing where the call needs it, or stuck; check the assignment's scope and principal",
                waited.as_secs()
            );
        }
    }
    if args.report.inner.show_evidence {
        d.report.evidence = serde_json::to_value(&d.evidence).ok();
    }
    let _ = super::finish(&mut d.report, &args.report.inner, color);
    Ok(exit_code(&d, &args.report.inner))
}
