//! `authcheck triage`: diagnose whatever the customer pasted or attached.

use super::{finish, read_input, CliError, ReportArgs};
use crate::report::{Check, CheckStatus, EvidenceRef, InputInfo, Report};
use authcheck_model::evidence::{derive, Evidence};
use authcheck_offline::{self as sources, Kind, ReadNote};
use clap::Args;
use std::io::{BufReader, Read};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct TriageArgs {
    /// What to read: a file, or `-` for standard input (the default). Several files, or a folder
    /// (every file in it), make one diagnosis: `az` exports, error texts, tokens, HAR and logs.
    #[arg(value_name = "FILE|DIR|-")]
    pub inputs: Vec<String>,
    /// What the input is, when detection guesses wrong (applies to every file).
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
    /// The API the caller wanted to reach (`purview`, `powerplatform`, `loganalytics`, … or a resource URI).
    #[arg(long, value_name = "NAME|URI")]
    pub api: Option<String>,
    /// A JWKS file to check token signatures against.
    #[arg(long, value_name = "FILE")]
    pub jwks: Option<PathBuf>,
    /// The Azure scope to judge exported role assignments at (default: the scope an ARM error in
    /// the input names).
    #[arg(long, visible_alias = "arm-scope", value_name = "SCOPE")]
    pub scope_arm: Option<String>,
    /// A role that allows the call, for judging exported role assignments (repeatable; default:
    /// what the API or the ARM action needs).
    #[arg(long = "role", value_name = "ROLE")]
    pub roles: Vec<String>,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// One file to read: its path, the name shown, and the folder it was found in.
struct Entry {
    path: String,
    shown: String,
    folder: Option<String>,
}

/// The inputs as files: a folder gives its files (sorted; hidden files and subfolders skipped).
fn expand(inputs: &[String]) -> Result<Vec<Entry>, CliError> {
    if inputs.len() > 1 && inputs.iter().any(|i| i == "-") {
        return Err(CliError::Input(
            "`-` (standard input) cannot be combined with other inputs".into(),
        ));
    }
    let mut out = Vec::new();
    for i in inputs {
        let p = std::path::Path::new(i);
        if i == "-" || !p.is_dir() {
            out.push(Entry {
                path: i.clone(),
                shown: if i == "-" {
                    "standard input".into()
                } else {
                    i.clone()
                },
                folder: None,
            });
            continue;
        }
        let rd = std::fs::read_dir(p)
            .map_err(|e| CliError::Input(format!("{i}: cannot read the folder: {e}")))?;
        let mut names: Vec<(String, std::path::PathBuf)> = Vec::new();
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || e.path().is_dir() {
                continue;
            }
            // Regular files only (following links): a named pipe would block the read forever,
            // a device or socket is not an attachment.
            if !std::fs::metadata(e.path()).is_ok_and(|m| m.is_file()) {
                super::note(&format!(
                    "authcheck: skipped {name:?} in {i}: not a regular file"
                ));
                continue;
            }
            names.push((name, e.path()));
        }
        if names.is_empty() {
            return Err(CliError::Input(format!("{i}: an empty folder")));
        }
        names.sort();
        for (name, path) in names {
            out.push(Entry {
                path: path.display().to_string(),
                shown: name,
                folder: Some(i.clone()),
            });
        }
    }
    Ok(out)
}

/// The roles and scope exported role assignments are judged with.
fn rbac_context(args: &TriageArgs) -> sources::az_export::RbacContext {
    sources::az_export::RbacContext {
        scope: args.scope_arm.clone(),
        roles: args.roles.clone(),
        api: args.api.as_deref().and_then(|a| {
            authcheck_model::knowledge::apis::by_key(a)
                .or_else(|| authcheck_model::knowledge::apis::by_resource(a))
        }),
    }
}

pub fn run(args: &TriageArgs, color: bool) -> Result<i32, CliError> {
    let now = args.report.now()?;
    let inputs = if args.inputs.is_empty() {
        vec!["-".to_string()]
    } else {
        args.inputs.clone()
    };
    let entries = expand(&inputs)?;
    let (ev, notes, name) = match entries.as_slice() {
        [one] if one.folder.is_none() => {
            let name = one.path.clone();
            let (ev, notes) = read_one(args, &name, &one.shown, now)?;
            (ev, notes, name)
        }
        _ => {
            let name = inputs.join(", ");
            let (ev, notes) = read_bundle(args, &entries, &name, now)?;
            (ev, notes, name)
        }
    };
    let rules = args.report.rule_set()?;
    let (mut findings, eval_notes) = rules.evaluate(&ev);
    super::rule_notes(&eval_notes);
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
    // The process ends soon after: freeing every condition tree built would cost more than a
    // whole JWT decoder's run (bench_startup), and the OS takes the memory back anyway.
    std::mem::forget(rules);
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
    if report.findings.is_empty() && ev.input.kind.as_deref() == Some("unrecognised-text") {
        report.summary.note = Some(unrecognised_note(&ev));
    }
    if !ev.timeline.is_empty() {
        report.timeline = Some(ev.timeline.clone());
    }
    if args.report.show_evidence {
        report.evidence = serde_json::to_value(&ev).ok();
    }
    Ok(finish(&mut report, &args.report, color))
}

/// What was read when nothing known was found: the line count and the first line (redacted).
fn unrecognised_note(ev: &Evidence) -> String {
    let lines = &ev.response.messages;
    let first: String = lines
        .first()
        .map(|l| l.chars().take(80).collect())
        .unwrap_or_default();
    let more = if lines.first().is_some_and(|l| l.chars().count() > 80) {
        "…"
    } else {
        ""
    };
    format!(
        "nothing authcheck knows was found; here is what was read: {} line{} of text, the first “{first}{more}”",
        lines.len(),
        if lines.len() == 1 { "" } else { "s" }
    )
}

/// One input, as before bundles: streamed kinds stream, the rest is read whole.
fn read_one(
    args: &TriageArgs,
    name: &str,
    shown: &str,
    now: i64,
) -> Result<(Evidence, Vec<ReadNote>), CliError> {
    // HAR, sign-in exports and SDK logs are streamed with no size limit; the rest is read whole.
    let (head, mut reader) = open_peek(name, shown)?;
    let kind = args.kind.or_else(|| sources::detect::detect_head(&head));
    match kind {
        Some(k) if k.is_streamed() => {
            super::input::check_head(shown, &head)?;
            let mut stream =
                BufReader::with_capacity(256 * 1024, std::io::Cursor::new(head).chain(reader));
            let mut ev = new_evidence(name, now);
            let notes = sources::read_stream(&mut stream, k, &mut ev)
                .map_err(|e| CliError::Input(format!("{shown}: {e}")))?;
            finish_evidence(&mut ev, args.api.as_deref());
            Ok((ev, notes))
        }
        _ => {
            let text = if name == "-" {
                let mut buf = head;
                (&mut reader)
                    .take(super::input::MAX_INPUT + 1)
                    .read_to_end(&mut buf)
                    .map_err(|e| CliError::Input(format!("{shown}: cannot read: {e}")))?;
                super::input::text_from_bytes(shown, buf)?
            } else {
                drop(reader);
                read_input(name)?
            };
            let kind = kind.unwrap_or_else(|| sources::detect::detect(&text));
            if kind == Kind::Az {
                let mut ev = new_evidence(name, now);
                let notes = sources::az_export::read(shown, &text, &rbac_context(args), &mut ev)
                    .map_err(|e| CliError::Input(format!("{shown}: {e}")))?;
                finish_evidence(&mut ev, args.api.as_deref());
                return Ok((ev, notes));
            }
            let jwks = match &args.jwks {
                Some(p) => Some(read_input(&p.display().to_string())?),
                None => None,
            };
            let ev = build_evidence(
                &text,
                name,
                Some(kind),
                args.api.as_deref(),
                jwks.as_deref(),
                now,
            )?;
            Ok((ev, Vec::new()))
        }
    }
}

/// Several files (or a folder) into ONE evidence document: each file is read with its own kind;
/// `az` exports are gathered and turned into facts last, once the error texts said which scope and
/// principal are in question. Each namespace a file filled names that file as its source.
/// A file that cannot be read stops the run with one line naming it (exit 2).
fn read_bundle(
    args: &TriageArgs,
    entries: &[Entry],
    name: &str,
    now: i64,
) -> Result<(Evidence, Vec<ReadNote>), CliError> {
    let mut ev = new_evidence(name, now);
    let mut notes = Vec::new();
    let mut bundle = sources::az_export::Bundle::default();
    let jwks = match &args.jwks {
        Some(p) => Some(read_input(&p.display().to_string())?),
        None => None,
    };
    let mut kinds: Vec<Kind> = Vec::new();
    for e in entries {
        let in_folder = |err: CliError| match (err, &e.folder) {
            (CliError::Input(m), Some(dir)) => CliError::Input(format!(
                "{m} (a file in the folder {dir}; remove it or name the files to read)"
            )),
            (other, _) => other,
        };
        let fail = |m: String| in_folder(CliError::Input(format!("{}: {m}", e.path)));
        let (head, reader) = open_peek(&e.path, &e.path).map_err(in_folder)?;
        let kind = args.kind.or_else(|| sources::detect::detect_head(&head));
        let before = ev.input.sources.clone();
        let kind = match kind {
            Some(k) if k.is_streamed() => {
                super::input::check_head(&e.path, &head).map_err(in_folder)?;
                let mut stream =
                    BufReader::with_capacity(256 * 1024, std::io::Cursor::new(head).chain(reader));
                let read = sources::read_stream(&mut stream, k, &mut ev)
                    .map_err(|err| fail(err.to_string()))?;
                notes.extend(read);
                k
            }
            _ => {
                drop(reader);
                let text = read_input(&e.path).map_err(in_folder)?;
                let k = kind.unwrap_or_else(|| sources::detect::detect(&text));
                match k {
                    Kind::Az => bundle
                        .add(&e.shown, &text)
                        .map_err(|err| fail(err.to_string()))?,
                    Kind::Evidence => {
                        return Err(fail(
                            "an evidence document cannot be combined with other inputs; triage it alone".into(),
                        ))
                    }
                    _ => {
                        // Judged on its own first: facts of earlier files must not make a file
                        // with nothing in it look readable.
                        let mut alone = new_evidence(&e.path, now);
                        sources::read_artifact(&text, k, jwks.as_deref(), &mut alone)
                            .map_err(|err| fail(err.to_string()))?;
                        sources::read_artifact(&text, k, jwks.as_deref(), &mut ev)
                            .map_err(|err| fail(err.to_string()))?;
                        let detail = if alone.input.kind.as_deref() == Some("unrecognised-text") {
                            format!(
                                "{}: nothing authcheck knows was found in it ({} lines read as text)",
                                e.shown,
                                alone.response.messages.len()
                            )
                        } else {
                            format!("{}: read as {}", e.shown, k.as_str())
                        };
                        notes.push(ReadNote::ok("input.read", detail));
                    }
                }
                k
            }
        };
        kinds.push(kind);
        let shown = &e.shown;
        for (ns, src) in ev.input.sources.iter_mut() {
            if before.get(ns) != Some(src) {
                *src = format!("{src} ({shown})");
            }
        }
    }
    if !bundle.is_empty() {
        bundle.fill_evidence(&rbac_context(args), &mut ev);
        notes.extend(std::mem::take(&mut bundle.notes));
    }
    kinds.dedup();
    ev.input.kind = Some(match kinds.as_slice() {
        [Kind::Az] => "az-export".into(),
        [_] => ev.input.kind.clone().unwrap_or_else(|| "bundle".into()),
        _ => "bundle".into(),
    });
    finish_evidence(&mut ev, args.api.as_deref());
    Ok((ev, notes))
}

/// Opens the input and reads its first bytes (enough to tell the kind) without losing them.
fn open_peek(path: &str, shown: &str) -> Result<(Vec<u8>, Box<dyn Read>), CliError> {
    use std::io::IsTerminal;
    if path == "-" && std::io::stdin().is_terminal() {
        // Someone typing or pasting: say how to finish, and read to the end in one go, so that
        // one Ctrl-D ends the input (peeking first and reading on would wait for a second one).
        eprintln!("authcheck: paste the error, then press Ctrl-D on a line of its own (Ctrl-Z and Enter on Windows)");
        let mut all = Vec::new();
        std::io::stdin()
            .lock()
            .take(super::input::MAX_INPUT + 1)
            .read_to_end(&mut all)
            .map_err(|e| CliError::Input(format!("{shown}: cannot read: {e}")))?;
        let rest = all.split_off(all.len().min(sources::detect::HEAD));
        return Ok((all, Box::new(std::io::Cursor::new(rest))));
    }
    let mut reader: Box<dyn Read> = if path == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(super::input::open_file(path, shown)?)
    };
    let mut head = Vec::with_capacity(sources::detect::HEAD);
    (&mut reader)
        .take(sources::detect::HEAD as u64)
        .read_to_end(&mut head)
        .map_err(|e| CliError::Input(format!("{shown}: cannot read: {e}")))?;
    Ok((head, reader))
}

fn new_evidence(name: &str, now: i64) -> Evidence {
    let mut ev = Evidence::new(now);
    ev.env.command = Some(authcheck_model::evidence::Command::Triage);
    ev.input.name = Some(name.to_string());
    ev
}

/// The target API (`--api`) and the derived facts.
fn finish_evidence(ev: &mut Evidence, api: Option<&str>) {
    let target = api.map(|a| {
        authcheck_model::knowledge::apis::by_key(a)
            .or_else(|| authcheck_model::knowledge::apis::by_resource(a))
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
