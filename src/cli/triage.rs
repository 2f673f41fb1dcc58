//! `authcheck triage`: diagnose whatever the customer pasted or attached.

use super::{finish, read_input, CliError, ReportArgs};
use crate::evidence::{derive, Evidence};
use crate::report::{Check, CheckStatus, EvidenceRef, InputInfo, Report};
use crate::sources::{self, Kind, ReadNote};
use clap::Args;
use std::io::{BufReader, Read};
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
    let name = if args.input == "-" {
        "-".to_string()
    } else {
        args.input.clone()
    };
    let shown = if name == "-" {
        "standard input".to_string()
    } else {
        name.clone()
    };
    // HAR, sign-in exports and SDK logs are streamed with no size limit; the rest is read whole.
    let (head, mut reader) = open_peek(&args.input, &shown)?;
    let kind = args.kind.or_else(|| sources::detect::detect_head(&head));
    let mut notes: Vec<ReadNote> = Vec::new();
    let ev = match kind {
        Some(k) if k.is_streamed() => {
            check_head(&shown, &head)?;
            let mut stream =
                BufReader::with_capacity(256 * 1024, std::io::Cursor::new(head).chain(reader));
            let mut ev = new_evidence(&name, now);
            notes = sources::read_stream(&mut stream, k, &mut ev)
                .map_err(|e| CliError::Input(format!("{shown}: {e}")))?;
            finish_evidence(&mut ev, args.api.as_deref());
            ev
        }
        _ => {
            let text = if args.input == "-" {
                let mut buf = head;
                (&mut reader)
                    .take(super::input::MAX_INPUT + 1)
                    .read_to_end(&mut buf)
                    .map_err(|e| CliError::Input(format!("{shown}: cannot read: {e}")))?;
                text_of(&shown, buf)?
            } else {
                drop(reader);
                read_input(&args.input)?
            };
            let jwks = match &args.jwks {
                Some(p) => Some(read_input(&p.display().to_string())?),
                None => None,
            };
            build_evidence(
                &text,
                &name,
                kind,
                args.api.as_deref(),
                jwks.as_deref(),
                now,
            )?
        }
    };
    let rules = args.report.rule_set()?;
    let (mut findings, _notes) = rules.evaluate(&ev);
    // Sign-in counts travel with the top finding, whatever its rule lists as evidence.
    if ev.signins.checked && !ev.signins.groups.is_empty() {
        if let Some(f) = findings.first_mut() {
            if !f.evidence.iter().any(|e| e.path == "signins.groups") {
                let groups: Vec<_> = ev.signins.groups.iter().take(5).collect();
                f.evidence.push(EvidenceRef {
                    source: ev
                        .input
                        .sources
                        .get("signins")
                        .cloned()
                        .unwrap_or_else(|| "signins".into()),
                    path: "signins.groups".into(),
                    value: serde_json::to_value(groups).unwrap_or_default(),
                });
            }
        }
    }
    // The next most frequent sign-in failures, diagnosed the same way, after the first.
    if ev.signins.checked {
        let mut codes: Vec<i64> = Vec::new();
        for g in &ev.signins.groups {
            if let Some(c) = g.error_code {
                if Some(c) != ev.signins.top_error_code && !codes.contains(&c) {
                    codes.push(c);
                }
            }
        }
        for code in codes.into_iter().take(2) {
            let mut focused = ev.clone();
            if !sources::signin_log::focus(&mut focused, code) {
                continue;
            }
            let (more, _) = rules.evaluate(&focused);
            let Some(mut f) = more.into_iter().next() else {
                continue;
            };
            if findings.iter().any(|x| x.rule == f.rule) {
                continue;
            }
            let groups: Vec<_> = ev
                .signins
                .groups
                .iter()
                .filter(|g| g.error_code == Some(code))
                .collect();
            f.evidence.push(EvidenceRef {
                source: focused
                    .input
                    .sources
                    .get("response")
                    .cloned()
                    .unwrap_or_else(|| "signins".into()),
                path: "signins.groups".into(),
                value: serde_json::to_value(groups).unwrap_or_default(),
            });
            findings.push(f);
        }
    }
    let mut report = Report::new("triage");
    report.input = Some(InputInfo {
        name: Some(name),
        kind: ev.input.kind.clone(),
    });
    report.findings = findings;
    report.checks = notes
        .into_iter()
        .map(|n| Check {
            name: n.name,
            status: if n.failed {
                CheckStatus::Failed
            } else {
                CheckStatus::Ok
            },
            detail: n.detail,
        })
        .collect();
    if args.report.show_evidence {
        report.evidence = serde_json::to_value(&ev).ok();
    }
    Ok(finish(&mut report, &args.report, color))
}

/// Opens the input and reads its first bytes (enough to tell the kind) without losing them.
fn open_peek(path: &str, shown: &str) -> Result<(Vec<u8>, Box<dyn Read>), CliError> {
    let mut reader: Box<dyn Read> = if path == "-" {
        Box::new(std::io::stdin())
    } else {
        let f = std::fs::File::open(path).map_err(|e| {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_string(),
                std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
                _ => e.to_string(),
            };
            CliError::Input(format!("{shown}: cannot open: {why}"))
        })?;
        if f.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            return Err(CliError::Input(format!("{shown}: is a folder, not a file")));
        }
        Box::new(f)
    };
    let mut head = Vec::with_capacity(sources::detect::HEAD);
    (&mut reader)
        .take(sources::detect::HEAD as u64)
        .read_to_end(&mut head)
        .map_err(|e| CliError::Input(format!("{shown}: cannot read: {e}")))?;
    Ok((head, reader))
}

/// The one-line refusals for a streamed input, judged on its first bytes.
fn check_head(shown: &str, head: &[u8]) -> Result<(), CliError> {
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Err(CliError::Input(format!(
            "{shown}: is UTF-16 text; save it as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`)"
        )));
    }
    if head.contains(&0) {
        return Err(CliError::Input(format!(
            "{shown}: looks like binary data, not text"
        )));
    }
    if head.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(CliError::Input(format!("{shown}: is empty")));
    }
    Ok(())
}

/// Standard input read whole (not a streamed kind): the same checks as a file.
fn text_of(shown: &str, buf: Vec<u8>) -> Result<String, CliError> {
    if buf.len() as u64 > super::input::MAX_INPUT {
        return Err(CliError::Input(format!(
            "{shown}: larger than {} MiB; paste the error message or the failing response instead",
            super::input::MAX_INPUT / 1024 / 1024
        )));
    }
    check_head(shown, &buf)?;
    let body = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf);
    let text = std::str::from_utf8(body).map_err(|e| {
        CliError::Input(format!(
            "{shown}: not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    Ok(text.to_string())
}

fn new_evidence(name: &str, now: i64) -> Evidence {
    let mut ev = Evidence::new(now);
    ev.env.command = Some("triage".into());
    ev.input.name = Some(name.to_string());
    ev
}

/// The target API (`--api`) and the derived facts.
fn finish_evidence(ev: &mut Evidence, api: Option<&str>) {
    let target = api.map(|a| {
        crate::knowledge::apis::by_key(a)
            .or_else(|| crate::knowledge::apis::by_resource(a))
            .ok_or(a)
    });
    derive::derive(ev, target);
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
    let mut ev = new_evidence(name, now);
    let shown = if name == "-" { "standard input" } else { name };
    let kind = kind.unwrap_or_else(|| sources::detect::detect(text));
    sources::read_artifact(text, kind, jwks, &mut ev)
        .map_err(|e| CliError::Input(format!("{shown}: {e}")))?;
    finish_evidence(&mut ev, api);
    Ok(ev)
}
