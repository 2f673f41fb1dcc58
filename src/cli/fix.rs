//! `authcheck fix`: runs the doctor, turns its findings into a plan of repairs, shows it, asks
//! (or takes `--yes`), applies the automatic steps in order with the operator's identity, stops at
//! the first failure, and runs the doctor again. Exit 0 only when that second run is healthy.

use super::doctor::{self, DoctorArgs, ReportArgsOpt};
use super::{emit, CliError, FailOn, ReportArgs};
use authcheck_live::credential::{Env, ProcessEnv};
use authcheck_live::doctor::{Diagnosis, DoctorOptions};
use authcheck_live::fix::{self, Outcome, RepairPlan, SecretSink, StepKind};
use authcheck_live::http::Http;
use authcheck_model::report::Severity;
use clap::{Args, ValueEnum};
use serde_json::json;
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct FixArgs {
    #[command(flatten)]
    pub opts: DoctorOptions,
    /// Apply the plan without asking (for pipelines).
    #[arg(long)]
    pub yes: bool,
    /// Print the plan and change nothing.
    #[arg(long, conflicts_with = "yes")]
    pub plan_only: bool,
    /// Where a new client secret goes, when a repair makes one: a new file created with mode 0600
    /// (never stdout, a log or the report).
    #[arg(long, value_name = "PATH")]
    pub secret_out: Option<PathBuf>,
    /// Which repair to make where a finding has several, as FINDING=OPTION (repeatable):
    /// `user-assignment-required=assign-user|assign-group[:NAME]|assign-app-role[:VALUE]|assignment-off`,
    /// `spa-cross-origin-redemption=spa|drop-origin`. Without it the evidence decides when it can;
    /// otherwise `fix` asks on a terminal, and without one that step changes nothing.
    #[arg(long = "choose", value_name = "FINDING=OPTION")]
    pub choose: Vec<String>,
    /// Output: the plan and outcome as text, or as JSON (`authcheck.plan/v1`).
    #[arg(long, value_enum, default_value_t = FixFormat::Text)]
    pub format: FixFormat,
    /// Extra rule folders, as for `doctor`.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    /// Judge times against this instant (RFC 3339 or Unix seconds) instead of the clock.
    #[arg(long, env = "AUTHCHECK_NOW", value_name = "TIME", hide = true)]
    pub now: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FixFormat {
    Text,
    Json,
}

impl FixArgs {
    fn doctor_args(&self) -> DoctorArgs {
        let mut opts = self.opts.clone();
        opts.no_progress = true;
        DoctorArgs {
            opts,
            wait: None,
            report: ReportArgsOpt {
                inner: ReportArgs {
                    format: crate::report::Format::Json,
                    fail_on: FailOn::Error,
                    rules_dirs: self.rules_dirs.clone(),
                    show_evidence: false,
                    now: self.now.clone(),
                },
            },
        }
    }
}

/// The findings to repair: the errors, or the warnings when a warning is why the doctor failed.
fn to_repair(d: &Diagnosis, code: i32) -> Vec<authcheck_model::report::Finding> {
    if code == 0 {
        return vec![];
    }
    let errors: Vec<_> = d
        .report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .cloned()
        .collect();
    if errors.is_empty() {
        d.report.findings.clone()
    } else {
        errors
    }
}

fn rules_of(d: &Diagnosis) -> Vec<String> {
    d.report.findings.iter().map(|f| f.rule.clone()).collect()
}

/// What the run did, for the JSON document and the exit code.
struct Run {
    before: Vec<String>,
    plan: RepairPlan,
    mode: &'static str,
    outcome: Option<Outcome>,
    after: Option<(Vec<String>, bool)>,
    note: Option<String>,
    code: i32,
}

pub fn run(args: &FixArgs, color: bool) -> Result<i32, CliError> {
    let _ = color;
    let sink = match &args.secret_out {
        Some(p) => Some(SecretSink::new(p).map_err(CliError::Input)?),
        None => None,
    };
    let choices = args
        .choose
        .iter()
        .map(|c| fix::parse_choice(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::Input)?;
    let rt = doctor::runtime()?;
    let env = ProcessEnv;
    let run = rt.block_on(run_async(args, &env, sink.as_ref(), &choices))?;
    if args.format == FixFormat::Json {
        let doc = json!({
            "schema": "authcheck.plan/v1",
            "tool": {"name": "authcheck", "version": env!("CARGO_PKG_VERSION")},
            "command": "fix",
            "mode": run.mode,
            "before": {"findings": run.before},
            "steps": run.plan.steps,
            "outcome": run.outcome,
            "after": run.after.as_ref().map(|(f, healthy)| json!({"findings": f, "healthy": healthy})),
            "note": run.note,
        });
        emit(&serde_json::to_string_pretty(&doc).unwrap_or_default());
    }
    Ok(run.code)
}

async fn run_async(
    args: &FixArgs,
    env: &dyn Env,
    sink: Option<&SecretSink>,
    choices: &[(String, String)],
) -> Result<Run, CliError> {
    let text = args.format == FixFormat::Text;
    let dargs = args.doctor_args();
    let d = doctor::run_async(&dargs, env, false).await?;
    let code = doctor::exit_code(&d, &dargs.report.inner);
    let before = rules_of(&d);
    let mut run = Run {
        before: before.clone(),
        plan: RepairPlan::default(),
        mode: if args.plan_only { "plan-only" } else { "apply" },
        outcome: None,
        after: None,
        note: None,
        code: 0,
    };
    if d.unavailable && d.report.findings.is_empty() {
        return Err(CliError::Unavailable(
            "the doctor could not diagnose the setup, so there is nothing to plan from; run `authcheck doctor` with the same options to see why".into(),
        ));
    }
    let findings = to_repair(&d, code);
    if findings.is_empty() {
        if text {
            emit("authcheck fix: the doctor finds nothing to repair: the plan is empty.");
        }
        run.note = Some("nothing to repair".into());
        return Ok(run);
    }
    let dplan = args.opts.plan(env)?;
    let ca = match &dplan.ca_file {
        Some(p) => Some(
            std::fs::read(p)
                .map_err(|e| CliError::Input(format!("--ca-file {}: {e}", p.display())))?,
        ),
        None => None,
    };
    let http = Http::new(dplan.limits, ca.as_deref())
        .map_err(|e| CliError::Input(format!("--ca-file: {e}")))?;
    let op = fix::operator(&dplan, env).await;
    let cx = fix::Context {
        doctor: &dplan,
        evidence: &d.evidence,
        operator: &op,
        http: &http,
        now: args
            .now
            .as_deref()
            .and_then(super::parse_time)
            .unwrap_or_else(|| chrono::Utc::now().timestamp()),
        secret_out: sink.map(SecretSink::path),
        choices,
    };
    let mut plan = fix::build(&cx, &findings).await;
    if !args.plan_only {
        ask_choices(&mut plan);
    }
    fix::precheck(&mut plan, &op, &http, &dplan.arm).await;
    if text {
        emit(&render_plan(&plan, &before));
    }
    let autos = plan.automatic().count();
    let blocked: Vec<String> = plan
        .steps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            s.blocked
                .as_ref()
                .filter(|_| s.kind == StepKind::Automatic)
                .map(|b| format!("step {}: {b}", i + 1))
        })
        .collect();
    let undecided: Vec<String> = plan
        .undecided()
        .map(|(i, s)| format!("step {} ({})", i + 1, s.finding))
        .collect();
    run.plan = plan;
    run.code = 1;
    if !undecided.is_empty() {
        eprintln!(
            "authcheck: fix: {} waits for a choice (--choose FINDING=OPTION): it changes nothing",
            undecided.join(", ")
        );
    }
    if !blocked.is_empty() {
        let msg = format!(
            "nothing applied: the operator cannot make every step ({})",
            blocked.join("; ")
        );
        eprintln!("authcheck: fix: {}", super::one_line(&msg));
        run.note = Some(msg);
        return Ok(run);
    }
    if args.plan_only {
        run.note = Some("--plan-only: nothing applied".into());
        return Ok(run);
    }
    if autos == 0 {
        let msg = "no step can be made automatically: make the manual steps above, then run `authcheck doctor` again";
        eprintln!("authcheck: fix: {msg}");
        run.note = Some(msg.into());
        return Ok(run);
    }
    if !args.yes {
        match confirm(autos) {
            Some(true) => {}
            Some(false) => {
                run.note = Some("not confirmed: nothing applied".into());
                eprintln!("authcheck: fix: not confirmed: nothing applied");
                return Ok(run);
            }
            None => {
                let msg = "no terminal to confirm on and no --yes: nothing applied";
                eprintln!("authcheck: fix: {msg}");
                run.note = Some(msg.into());
                return Ok(run);
            }
        }
    }
    let outcome = fix::apply(&run.plan, &op, &http, sink).await;
    if text {
        emit(&render_outcome(&run.plan, &outcome));
    }
    let made_secret = outcome
        .applied
        .iter()
        .any(|a| run.plan.steps[a.step].returns_secret);
    run.outcome = Some(outcome.clone());
    // The doctor again; with the new secret when one was made (from its file, never in memory
    // longer than the load), since the client's own configuration still holds the old one.
    let mut again = dargs.clone();
    if let (true, Some(s)) = (made_secret, sink) {
        again.opts.client_secret_file = Some(s.path().to_path_buf());
        again.opts.credential = Some("secret".into());
    }
    let d2 = doctor::run_async(&again, env, false).await?;
    let code2 = doctor::exit_code(&d2, &again.report.inner);
    let healthy = code2 == 0;
    if text {
        emit(&if healthy {
            "doctor again: healthy ✓".to_string()
        } else {
            format!(
                "doctor again: still failing: {}",
                if d2.report.findings.is_empty() {
                    "the checks could not run".to_string()
                } else {
                    rules_of(&d2).join(", ")
                }
            )
        });
    }
    run.after = Some((rules_of(&d2), healthy));
    run.code = if healthy && outcome.failed.is_none() {
        0
    } else {
        1
    };
    Ok(run)
}

/// On a terminal, asks which repair to make for each step that waits for a choice; without one
/// the steps stay undecided (they change nothing).
fn ask_choices(plan: &mut RepairPlan) {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return;
    }
    // Resolving a step may replace it by several: walk from the end.
    let pending: Vec<usize> = plan.undecided().map(|(i, _)| i).collect();
    for i in pending.into_iter().rev() {
        let Some(c) = plan.steps[i].choice.clone() else {
            continue;
        };
        eprintln!("\n{} — {}:", plan.steps[i].finding, c.why);
        for (n, o) in c.options.iter().enumerate() {
            eprintln!("  {}) {}: {}", n + 1, o.id, o.summary);
        }
        eprint!("Which repair? [1-{}, Enter for none] ", c.options.len());
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line).is_err() {
            return;
        }
        let picked = line
            .trim()
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| c.options.get(n));
        if let Some(o) = picked {
            fix::resolve(plan, i, &o.id);
        }
    }
}

/// Asks on the terminal; `None` when there is no terminal to ask on.
fn confirm(n: usize) -> Option<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return None;
    }
    eprint!("Apply {n} change{}? [y/N] ", if n == 1 { "" } else { "s" });
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    Some(matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

fn render_plan(plan: &RepairPlan, before: &[String]) -> String {
    let mut out = String::new();
    let autos = plan.automatic().count();
    out.push_str(&format!(
        "authcheck fix: {} step{} ({autos} automatic, {} manual) for: {}\n",
        plan.steps.len(),
        if plan.steps.len() == 1 { "" } else { "s" },
        plan.steps.len() - autos,
        before.join(", ")
    ));
    for (i, s) in plan.steps.iter().enumerate() {
        let kind = match s.kind {
            StepKind::Automatic => "",
            StepKind::Manual => "manual: ",
        };
        out.push_str(&format!(
            "\n{}. [{}] {kind}{}\n",
            i + 1,
            s.finding,
            s.action
        ));
        if let Some(r) = &s.request {
            out.push_str(&format!("   {} {}\n", r.method, r.url));
            out.push_str(&format!("   {}\n", r.body));
        }
        if let Some(p) = &s.permission {
            out.push_str(&format!("   needs: {p}\n"));
        }
        if let Some(u) = &s.undo {
            out.push_str(&format!("   undo:  {u}\n"));
        }
        for t in &s.instructions {
            out.push_str(&format!("   - {t}\n"));
        }
        if let Some(c) = &s.command {
            out.push_str(&format!("   $ {c}\n"));
        }
        if let Some(b) = &s.blocked {
            out.push_str(&format!("   ✗ cannot be made: {b}\n"));
        }
        if let Some(u) = &s.unverified {
            out.push_str(&format!("   ? not checked ahead: {u}\n"));
        }
        if let Some(c) = &s.choice {
            match (&c.chosen, &c.decided_by) {
                (Some(o), Some(by)) => {
                    let others: Vec<&str> = c
                        .options
                        .iter()
                        .map(|x| x.id.as_str())
                        .filter(|x| x != o)
                        .collect();
                    out.push_str(&format!(
                        "   choice: {o} (decided by {by}: {}); others: {} (--choose {}=…)\n",
                        c.why,
                        others.join(", "),
                        c.key
                    ));
                }
                _ => out.push_str(&format!(
                    "   ⏸ waits for a choice: --choose {}={}\n",
                    c.key,
                    c.options
                        .iter()
                        .map(|x| x.id.as_str())
                        .collect::<Vec<_>>()
                        .join("|")
                )),
            }
        }
    }
    out
}

fn render_outcome(plan: &RepairPlan, o: &Outcome) -> String {
    let mut out = String::from("\napplying:\n");
    for a in &o.applied {
        out.push_str(&format!(
            "  ✓ {}. {} (HTTP {}{})\n",
            a.step + 1,
            plan.steps[a.step].action,
            a.status,
            a.id.as_ref()
                .map(|i| format!(", id {i}"))
                .unwrap_or_default()
        ));
    }
    if let Some(f) = &o.failed {
        out.push_str(&format!(
            "  ✗ {}. {}: {}\n",
            f.step + 1,
            plan.steps[f.step].action,
            f.reason
        ));
        out.push_str("  stopped at the first failure.\n");
    }
    for i in &o.not_applied {
        out.push_str(&format!(
            "  – {}. not applied: {}\n",
            i + 1,
            plan.steps[*i].action
        ));
    }
    out
}
