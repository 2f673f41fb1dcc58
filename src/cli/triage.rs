//! `authcheck triage`: diagnose whatever the customer pasted or attached.

use super::{finish, read_input, CliError, ReportArgs};
use crate::evidence::{derive, Evidence};
use crate::report::{InputInfo, Report};
use crate::sources::{self, Kind};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct TriageArgs {
    /// The file to read, or `-` for standard input.
    #[arg(value_name = "FILE|-", default_value = "-")]
    pub input: String,
    /// What the input is, when detection guesses wrong.
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
    /// The API the caller wanted to reach (`purview`, `powerplatform`, `loganalytics`, … or a resource URI).
    #[arg(long, value_name = "NAME|URI")]
    pub api: Option<String>,
    /// A JWKS file to check token signatures against.
    #[arg(long, value_name = "FILE")]
    pub jwks: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run(args: &TriageArgs, color: bool) -> Result<i32, CliError> {
    let now = args.report.now()?;
    let text = read_input(&args.input)?;
    let name = if args.input == "-" {
        "-".to_string()
    } else {
        args.input.clone()
    };
    let jwks = match &args.jwks {
        Some(p) => Some(read_input(&p.display().to_string())?),
        None => None,
    };
    let ev = build_evidence(
        &text,
        &name,
        args.kind,
        args.api.as_deref(),
        jwks.as_deref(),
        now,
    )?;
    let rules = args.report.rule_set()?;
    let (findings, _notes) = rules.evaluate(&ev);
    let mut report = Report::new("triage");
    report.input = Some(InputInfo {
        name: Some(name),
        kind: ev.input.kind.clone(),
    });
    report.findings = findings;
    if args.report.show_evidence {
        report.evidence = serde_json::to_value(&ev).ok();
    }
    Ok(finish(&mut report, &args.report, color))
}

/// Reads an artifact into a derived evidence document (shared with tests and `decode`).
pub fn build_evidence(
    text: &str,
    name: &str,
    kind: Option<Kind>,
    api: Option<&str>,
    jwks: Option<&str>,
    now: i64,
) -> Result<Evidence, CliError> {
    let mut ev = Evidence::new(now);
    ev.env.command = Some("triage".into());
    ev.input.name = Some(name.to_string());
    let shown = if name == "-" { "standard input" } else { name };
    let kind = kind.unwrap_or_else(|| sources::detect::detect(text));
    sources::read_artifact(text, kind, jwks, &mut ev)
        .map_err(|e| CliError::Input(format!("{shown}: {e}")))?;
    let target = match api {
        Some(a) => Some(
            crate::knowledge::apis::by_key(a)
                .or_else(|| crate::knowledge::apis::by_resource(a))
                .map(Ok)
                .unwrap_or(Err(a)),
        ),
        None => None,
    };
    derive::derive(&mut ev, target);
    Ok(ev)
}
