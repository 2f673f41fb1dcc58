//! `authcheck demo`: starts the simulator in-process and runs the doctor against each built-in
//! scenario, one verdict line each. It is the same path as `authcheck sim` then `authcheck doctor`
//! with the simulator's `env` and `doctor_args`: the words are parsed by the doctor's own parser and
//! the environment is handed to the same loader, only from a map instead of the process.

use super::doctor::{self, DoctorWords, MapEnv};
use super::CliError;
use authcheck_sim::{self as sim, Scenario, SimOptions};
use clap::{Args, Parser, ValueEnum};

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Scenarios to run (all built-in ones when none is named); `authcheck sim --list` names them.
    pub scenarios: Vec<String>,
    /// Output: a verdict line per scenario, JSON with each scenario's report, or one HTML page of them.
    #[arg(long, value_enum, default_value_t = DemoFormat::Text)]
    pub format: DemoFormat,
    /// Show each scenario's findings and checks under its verdict.
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoFormat {
    Text,
    Json,
    Html,
}

/// One scenario's result.
#[derive(Debug, serde::Serialize)]
pub struct Verdict {
    pub scenario: String,
    pub description: String,
    pub expected: Option<String>,
    /// The rule of `findings[0]`, if any.
    pub found: Option<String>,
    pub title: Option<String>,
    pub exit_code: i32,
    /// The diagnosis matches the scenario's expectation.
    pub ok: bool,
    /// Why the doctor could not run against this scenario.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub report: crate::report::Report,
}

/// Runs the doctor against one built-in scenario in an in-process simulator.
pub async fn run_scenario(name: &str) -> Result<Verdict, CliError> {
    let scenario = Scenario::builtin(name).map_err(|e| CliError::Input(e.to_string()))?;
    let handle = sim::start(scenario, SimOptions::default())
        .await
        .map_err(|e| {
            CliError::Unavailable(format!("the simulator did not start: {}", e.one_line()))
        })?;
    let info = handle.info.clone();
    let mut words = info.doctor_args.clone();
    words.extend(["--no-prompt".to_string(), "--no-progress".to_string()]);
    let parsed = DoctorWords::try_parse_from(&words).map_err(|e| {
        CliError::Input(format!(
            "scenario {name}: the simulator's doctor_args do not parse: {}",
            e.to_string().lines().next().unwrap_or("")
        ))
    });
    let result = match parsed {
        Ok(p) => doctor::run_async(&p.args, &MapEnv(info.env.clone()), false)
            .await
            .map(|d| (d, p.args)),
        Err(e) => Err(e),
    };
    handle.shutdown().await;
    let (mut d, args) = result?;
    d.report.tally();
    let exit_code = doctor::exit_code(&d, &args.report.inner);
    let found = d.report.findings.first().map(|f| f.rule.clone());
    let expected = info.expect.first().cloned();
    let ok = match &expected {
        Some(e) => found.as_deref() == Some(e.as_str()),
        None => d.report.summary.errors == 0,
    };
    Ok(Verdict {
        scenario: info.scenario.clone(),
        description: info.description.clone(),
        title: d.report.findings.first().map(|f| f.title.clone()),
        expected,
        found,
        exit_code,
        ok,
        error: None,
        report: d.report,
    })
}

pub fn run(args: &DemoArgs, color: bool) -> Result<i32, CliError> {
    let names: Vec<String> = if args.scenarios.is_empty() {
        sim::scenario::BUILTIN
            .iter()
            .map(|(n, _)| n.to_string())
            .collect()
    } else {
        args.scenarios.clone()
    };
    for n in &names {
        Scenario::builtin(n).map_err(|e| CliError::Input(e.to_string()))?;
    }
    let rt = doctor::runtime()?;
    let mut verdicts = Vec::new();
    for n in &names {
        let v = match rt.block_on(run_scenario(n)) {
            Ok(v) => v,
            // One scenario that cannot run does not stop the others.
            Err(e) => Verdict {
                scenario: n.clone(),
                description: String::new(),
                expected: None,
                found: None,
                title: None,
                exit_code: e.code(),
                ok: false,
                error: Some(e.to_string()),
                report: crate::report::Report::new("doctor"),
            },
        };
        if args.format == DemoFormat::Text {
            super::emit(&verdict_line(&v, color, args.verbose));
        }
        verdicts.push(v);
    }
    let passed = verdicts.iter().filter(|v| v.ok).count();
    match args.format {
        DemoFormat::Text => super::emit(&format!(
            "\n{passed} of {} scenarios diagnosed as documented. Run one yourself: `authcheck sim --scenario NAME`, then `authcheck doctor` with the env and doctor_args it prints.",
            verdicts.len()
        )),
        DemoFormat::Json => super::emit(&serde_json::to_string_pretty(&verdicts).unwrap_or_default()),
        DemoFormat::Html => super::emit(&html_page(&verdicts, passed)),
    }
    Ok(if passed == verdicts.len() { 0 } else { 1 })
}

/// The demo as one HTML page: every scenario's verdict, then its report.
fn html_page(verdicts: &[Verdict], passed: usize) -> String {
    use crate::report::html;
    let parts: Vec<html::Part<'_>> = verdicts
        .iter()
        .map(|v| html::Part {
            name: &v.scenario,
            description: &v.description,
            ok: v.ok,
            outcome: verdict_what(v),
            report: &v.report,
        })
        .collect();
    html::render_parts(
        "authcheck demo",
        &format!(
            "{passed} of {} scenarios diagnosed as documented.",
            verdicts.len()
        ),
        &parts,
    )
}

/// What a scenario came to, in a few words.
fn verdict_what(v: &Verdict) -> String {
    let failed = v
        .report
        .checks
        .iter()
        .filter(|c| c.status == crate::report::CheckStatus::Failed)
        .count();
    let what = match (&v.found, &v.title) {
        (Some(r), Some(t)) => format!("{r}: {t}"),
        _ if failed > 0 => format!("no finding, {failed} checks failed (exit {})", v.exit_code),
        _ => "no finding: the setup works".to_string(),
    };
    let mut what = match &v.error {
        Some(e) => format!("could not run: {e}"),
        None => what,
    };
    if !v.ok && v.error.is_none() {
        what.push_str(&format!(
            "  (expected {})",
            v.expected.as_deref().unwrap_or("no error")
        ));
    }
    what
}

fn verdict_line(v: &Verdict, color: bool, verbose: bool) -> String {
    use colored::Colorize;
    let mark = if v.ok { "✓" } else { "✗" };
    let mark = if !color {
        mark.to_string()
    } else if v.ok {
        mark.green().to_string()
    } else {
        mark.red().to_string()
    };
    let mut line = format!("{mark} {:<42} {}", v.scenario, verdict_what(v));
    if verbose {
        for f in &v.report.findings {
            line.push_str(&format!(
                "\n    {} {}: {}",
                f.severity.as_str(),
                f.rule,
                f.message
            ));
        }
        for c in &v.report.checks {
            line.push_str(&format!(
                "\n    {} {:<28} {}",
                c.status.mark(),
                c.name,
                c.detail
            ));
        }
    }
    line
}
