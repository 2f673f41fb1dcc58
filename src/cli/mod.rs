//! The commands. Each returns an exit code: 0 nothing at or above `--fail-on`, 1 findings at or
//! above it, 2 usage or input error, 3 the checks could not run.

mod decode;
#[cfg(feature = "sim")]
pub mod demo;
pub mod doctor;
mod explain;
pub mod fix;
mod input;
mod redact;
mod rules_cmd;
mod shell;
#[cfg(feature = "sim")]
mod sim;
mod triage;

use crate::report::{self, Format, RenderOptions, Report, Severity};
use authcheck_offline::redact as layer;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

pub use input::read_input;
pub use triage::build_evidence;

/// Why a command stopped early.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad arguments or unreadable input: exit 2.
    #[error("{0}")]
    Input(String),
    /// The checks could not run (network, permissions): exit 3.
    #[error("{0}")]
    Unavailable(String),
}

impl CliError {
    pub fn code(&self) -> i32 {
        match self {
            CliError::Input(_) => 2,
            CliError::Unavailable(_) => 3,
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "authcheck",
    version,
    about = "Finds out why an Entra ID app cannot get a token, or gets one an Azure API refuses, and how to fix it.",
    propagate_version = true,
    arg_required_else_help = true
)]
pub struct Cli {
    /// When to colour text output (NO_COLOR is honoured with `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Diagnose an artifact: an error message, a token-endpoint body, an SDK exception, a token.
    Triage(triage::TriageArgs),
    /// Decode a JWT: every claim explained, the signature checked, the token rules run.
    Decode(decode::DecodeArgs),
    /// Explain an AADSTS code or a rule: `AADSTS65001`, `65001`, `admin-consent-missing`.
    Explain(explain::ExplainArgs),
    /// List the rules, or show one.
    Rules(rules_cmd::RulesArgs),
    /// Run the simulator: Entra, Graph, ARM and data planes on loopback.
    #[cfg(feature = "sim")]
    Sim(sim::SimArgs),
    /// Diagnose live why an app cannot get a token, or gets one an API refuses.
    Doctor(Box<doctor::DoctorArgs>),
    /// Run the doctor, plan the repairs its findings call for, apply them after confirmation with
    /// the operator's identity, and run the doctor again.
    Fix(Box<fix::FixArgs>),
    /// Run the doctor against the built-in simulated tenant, every documented failure in turn.
    #[cfg(feature = "sim")]
    Demo(demo::DemoArgs),
    /// Redact a HAR, JSON export or log so it can be attached to a ticket: secrets, cookies,
    /// codes and token signatures removed, tokens shown as their claims.
    Redact(redact::RedactArgs),
    /// Print a completion script for a shell: `authcheck completions bash > /etc/bash_completion.d/authcheck`.
    Completions(shell::CompletionsArgs),
    /// Print the manual page (roff): `authcheck man > authcheck.1 && man -l authcheck.1`; with
    /// `--out-dir DIR`, write a page for every command there instead (authcheck-triage.1, …).
    Man(shell::ManArgs),
}

/// Options shared by every command that reports findings.
#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Extra rule folders (`*.toml`), loaded after the built-in rules; a rule with the same name replaces it.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    /// Include the whole evidence document in the report (JSON) or after it (text).
    #[arg(long)]
    pub show_evidence: bool,
    /// Judge times against this instant (RFC 3339 or Unix seconds) instead of the clock.
    #[arg(long, env = "AUTHCHECK_NOW", value_name = "TIME", hide = true)]
    pub now: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

impl ReportArgs {
    /// The instant to judge times against.
    pub fn now(&self) -> Result<i64, CliError> {
        match &self.now {
            None => Ok(chrono::Utc::now().timestamp()),
            Some(s) => parse_time(s).ok_or_else(|| {
                CliError::Input(format!(
                    "--now / AUTHCHECK_NOW: `{s}` is not an RFC 3339 time or Unix seconds"
                ))
            }),
        }
    }

    /// The rule set: built-in plus `--rules` folders.
    pub fn rule_set(&self) -> Result<authcheck_rules::RuleSet, CliError> {
        load_rules(&self.rules_dirs)
    }

    /// The exit code a finished report earns.
    pub fn exit_code(&self, report: &Report) -> i32 {
        let threshold = match self.fail_on {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Never => return 0,
        };
        match report.worst() {
            Some(w) if w >= threshold => 1,
            _ => 0,
        }
    }
}

/// The built-in rules plus those of each folder.
pub fn load_rules(dirs: &[PathBuf]) -> Result<authcheck_rules::RuleSet, CliError> {
    let mut rs = authcheck_rules::RuleSet::builtin()
        .map_err(|e| CliError::Input(format!("built-in rule {e}")))?;
    for d in dirs {
        rs.load_dir(d)
            .map_err(|e| CliError::Input(format!("--rules: {e}")))?;
    }
    Ok(rs)
}

/// Reads RFC 3339 or Unix seconds.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp())
}

/// Whether to colour: `--color`, then `NO_COLOR`, then whether stdout is a terminal.
pub fn use_color(choice: ColorChoice) -> bool {
    use std::io::IsTerminal;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Writes to stdout through the redaction layer ([`layer::scrub`]); a closed pipe (`| head`) is
/// not an error. Every command's output goes through here (or [`finish`], which also ends here).
pub fn emit(text: &str) {
    emit_unscrubbed(&layer::scrub(text));
}

/// Stderr's one writer for notes and errors: through the redaction layer, one line.
pub fn note(line: &str) {
    eprintln!("{}", one_line(&layer::scrub(line)));
}

/// A rule whose condition could not be evaluated on this evidence (a CEL runtime error, typically
/// in a `--rules` file): said on stderr, once per rule and message, so a broken rule is never
/// silently taken for one that did not match.
pub fn rule_notes(notes: &[authcheck_rules::EvalNote]) {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for n in notes {
        if seen.contains(&(n.rule.as_str(), n.message.as_str())) {
            continue;
        }
        seen.push((&n.rule, &n.message));
        note(&format!(
            "warning: rule {} could not be evaluated, so it was not applied: {}",
            n.rule, n.message
        ));
    }
}

/// Writes to stdout without the redaction layer: only for `authcheck sim`'s JSON line, which
/// hands the simulated tenant's own fixture credentials to its client on purpose.
pub fn emit_unscrubbed(text: &str) {
    let mut out = std::io::stdout().lock();
    let mut written = out.write_all(text.as_bytes());
    if written.is_ok() && !text.ends_with('\n') {
        written = out.write_all(b"\n");
    }
    if let Err(e) = written.and_then(|_| out.flush()) {
        // A closed pipe (`| head`) is the reader's choice; anything else (a full disk) means the
        // report was not delivered, and the run must not end as if it had been.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let _ = OUTPUT_FAILED.set(e.to_string());
        }
    }
}

/// An error message as one line on a terminal: control characters (a newline or an escape
/// sequence in a file name) are shown escaped, never obeyed.
pub fn one_line(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Why standard output could not be written, when it could not.
static OUTPUT_FAILED: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Renders and prints a report, returning the exit code it earns. The report passes the
/// redaction layer twice: as a document before any renderer sees it (so wrapping or escaping
/// cannot hide a secret), and as bytes in [`emit`] (so no format, present or future, can add one).
pub fn finish(report: &mut Report, args: &ReportArgs, color: bool) -> i32 {
    report.tally();
    scrub_report(report);
    emit(&report::render(
        report,
        args.format,
        RenderOptions { color },
    ));
    args.exit_code(report)
}

/// Every string of the report through the redaction layer (fields named like secrets replaced
/// whole). The ranking scores, which are not serialized, are kept.
pub fn scrub_report(report: &mut Report) {
    let Ok(mut v) = serde_json::to_value(&*report) else {
        return;
    };
    if layer::scrub_value(&mut v).total() == 0 {
        return;
    }
    match serde_json::from_value::<Report>(v) {
        Ok(mut clean) => {
            for (c, f) in clean.findings.iter_mut().zip(&report.findings) {
                c.score = f.score;
            }
            *report = clean;
        }
        Err(_) => {
            // Cannot happen for a document just serialized; never print the unscrubbed one.
            report.findings.clear();
            report.evidence = None;
        }
    }
}

/// One line on stderr for a panic, never a backtrace.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        note(&format!(
            "authcheck: internal error{at}: {msg} (this is a bug; please report it)"
        ));
    }));
}

/// Parses arguments and runs; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // Bare `authcheck`: the usage and the command list, as a start.
            let _ = e.print();
            return 2;
        }
        Err(e) if e.use_stderr() => {
            note(&format!("authcheck: {}", shell::one_line_error(&e)));
            return 2;
        }
        Err(e) => {
            let _ = e.print();
            return 0;
        }
    };
    let color = use_color(cli.color);
    colored::control::set_override(color);
    let result = match cli.command {
        Command::Triage(a) => triage::run(&a, color),
        Command::Decode(a) => decode::run(&a, color),
        Command::Explain(a) => explain::run(&a, color),
        Command::Rules(a) => rules_cmd::run(&a, color),
        #[cfg(feature = "sim")]
        Command::Sim(a) => sim::run(&a),
        Command::Doctor(a) => doctor::run(&a, color),
        Command::Fix(a) => fix::run(&a, color),
        #[cfg(feature = "sim")]
        Command::Demo(a) => demo::run(&a, color),
        Command::Redact(a) => redact::run(&a),
        Command::Completions(a) => shell::completions(&a),
        Command::Man(a) => shell::man(&a),
    };
    if let Some(why) = OUTPUT_FAILED.get() {
        note(&format!(
            "authcheck: error: cannot write to standard output: {why}"
        ));
        return 2;
    }
    match result {
        Ok(code) => code,
        Err(e) => {
            note(&format!("authcheck: error: {e}"));
            e.code()
        }
    }
}
