//! `authcheck decode`: a token's header and claims explained, its signature checked, the token rules run.

use super::{finish, read_input, CliError, ReportArgs};
use crate::report::{InputInfo, Report};
use authcheck_model::evidence::derive;
use authcheck_model::evidence::Evidence;
use authcheck_offline::jwt;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct DecodeArgs {
    /// The token, or `-` to read it from standard input (safer: it stays out of shell history).
    #[arg(value_name = "JWT|-", default_value = "-")]
    pub token: String,
    /// The API the token is meant for (`purview`, `arm`, … or a resource URI): checks the audience.
    #[arg(long, value_name = "NAME|URI")]
    pub api: Option<String>,
    /// A JWKS file (the issuer's `discovery/v2.0/keys`) to check the signature against.
    #[arg(long, value_name = "FILE")]
    pub jwks: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run(args: &DecodeArgs, color: bool) -> Result<i32, CliError> {
    let now = args.report.now()?;
    let (raw, name) = if args.token == "-" {
        (read_input("-")?, "standard input".to_string())
    } else if std::path::Path::new(&args.token).is_file() {
        (read_input(&args.token)?, args.token.clone())
    } else if !args.token.trim_start().starts_with("eyJ")
        && (args.token.contains('/')
            || [".jwt", ".txt", ".json"]
                .iter()
                .any(|x| args.token.ends_with(x)))
    {
        return Err(CliError::Input(format!(
            "{}: no such file (and not a token)",
            args.token
        )));
    } else {
        (args.token.clone(), "the token argument".to_string())
    };
    let raw = match jwt::pick_token(&raw) {
        Some((token, place)) => {
            if place != "the token" {
                super::note(&format!("authcheck: decoding {place}"));
            }
            token
        }
        None => jwt::strip_wrapping(&raw),
    };
    let decoded = jwt::decode(raw).map_err(|e| CliError::Input(format!("{name}: {e}")))?;
    let mut ev = Evidence::new(now);
    ev.env.command = Some(authcheck_model::evidence::Command::Decode);
    ev.input.kind = Some("jwt".into());
    ev.input.name = Some(name.clone());
    jwt::fill_evidence(&decoded, &mut ev);
    if let Some(p) = &args.jwks {
        let keys = read_input(&p.display().to_string())?;
        jwt::check_signature(&decoded, &keys, &mut ev)
            .map_err(|e| CliError::Input(format!("{}: {e}", p.display())))?;
    }
    let target = args.api.as_deref().map(|a| {
        authcheck_model::knowledge::apis::by_key(a)
            .or_else(|| authcheck_model::knowledge::apis::by_resource(a))
            .ok_or(a)
    });
    derive::derive(&mut ev, target);
    let rules = args.report.rule_set()?;
    let (findings, notes) = rules.evaluate(&ev);
    super::rule_notes(&notes);
    // The process ends soon after: freeing every condition tree built would cost more than a
    // whole JWT decoder's run (bench_startup), and the OS takes the memory back anyway.
    std::mem::forget(rules);
    let mut report = Report::new("decode");
    report.input = Some(InputInfo {
        name: Some(name),
        kind: Some("jwt".into()),
    });
    report.token = Some(jwt::explain(&decoded, &ev));
    report.findings = findings;
    if args.report.show_evidence {
        report.evidence = serde_json::to_value(&ev).ok();
    }
    Ok(finish(&mut report, &args.report, color))
}
