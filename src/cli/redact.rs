//! `authcheck redact IN -o OUT`: a HAR, a JSON export or a log made safe to attach to a ticket.

use super::CliError;
use authcheck_offline::redact::{self, Shape};
use clap::{Args, ValueEnum};
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct RedactArgs {
    /// The file to redact, or `-` for standard input.
    #[arg(value_name = "IN|-")]
    pub input: String,
    /// Where to write the redacted copy (`-` or nothing for standard output).
    #[arg(short = 'o', long = "output", value_name = "OUT|-")]
    pub output: Option<PathBuf>,
    /// How to write the summary of what was removed (on standard error): a line, or a JSON object.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    Text,
    Json,
}

pub fn run(args: &RedactArgs) -> Result<i32, CliError> {
    let shown = if args.input == "-" {
        "standard input".to_string()
    } else {
        args.input.clone()
    };
    let input: Box<dyn Read> = if args.input == "-" {
        Box::new(std::io::stdin())
    } else {
        let f = super::input::open_file(&args.input, &shown)?;
        Box::new(f)
    };
    let mut reader = BufReader::with_capacity(256 * 1024, input);
    {
        use std::io::BufRead;
        let head = reader
            .fill_buf()
            .map_err(|e| CliError::Input(format!("{shown}: cannot read: {e}")))?;
        if head.is_empty() {
            return Err(CliError::Input(format!("{shown}: is empty")));
        }
        super::input::check_head(&shown, head)?;
    }
    let to_stdout = args.output.as_deref().is_none_or(|p| p == Path::new("-"));
    let result = if to_stdout {
        // Into an unnamed temporary file first, copied out only once the whole input is redacted:
        // an input that fails half-way (bad JSON, a truncated HAR) leaves nothing on stdout.
        let mut spool = tempfile::tempfile()
            .map_err(|e| CliError::Input(format!("cannot create a temporary file: {e}")))?;
        let r = {
            let mut w = BufWriter::with_capacity(256 * 1024, &mut spool);
            redact::redact_stream(&mut reader, &mut w).and_then(|x| {
                w.flush().map_err(redact::RedactError::Write)?;
                Ok(x)
            })
        };
        if r.is_ok() {
            let copied = spool.rewind().and_then(|_| {
                let stdout = std::io::stdout();
                let mut out = stdout.lock();
                std::io::copy(&mut spool, &mut out)?;
                out.flush()
            });
            match copied {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => {
                    return Err(CliError::Input(format!(
                        "cannot write to standard output: {e}"
                    )))
                }
                Ok(()) => {}
            }
        }
        r
    } else {
        let out = args.output.as_deref().unwrap_or(Path::new("-"));
        if args.input != "-" && same_file(Path::new(&args.input), out) {
            return Err(CliError::Input(format!(
                "{}: is the input; write the redacted copy to another file",
                out.display()
            )));
        }
        write_safely(out, |w| redact::redact_stream(&mut reader, w))?
    };
    let (shape, stats) = result.map_err(|e| match e {
        redact::RedactError::Input(m) => {
            CliError::Input(format!("{shown}: {m}; nothing was written"))
        }
        redact::RedactError::Write(e) => CliError::Input(format!("cannot write the output: {e}")),
    })?;
    if let Some(why) = &stats.fallback {
        super::note(&format!("authcheck: warning: {shown}: {why}"));
    }
    match args.format {
        SummaryFormat::Text => super::note(&summary_line(shape, &stats)),
        SummaryFormat::Json => {
            let v = summary_json(shape, &stats);
            eprintln!("{}", serde_json::to_string(&v).unwrap_or_default());
        }
    }
    Ok(0)
}

fn shape_name(shape: Shape) -> &'static str {
    match shape {
        Shape::Har => "har",
        Shape::Json => "json",
        Shape::Text => "text",
    }
}

/// `authcheck: redacted 17 values (6 jwt, 3 client-secret, …) in 6 HAR entries`, and what else
/// the reader should know (entries that were not entries, text around the documents, a fallback).
fn summary_line(shape: Shape, stats: &redact::Stats) -> String {
    let what = match shape {
        Shape::Har => "HAR entries",
        Shape::Json => "JSON elements",
        Shape::Text => "lines",
    };
    let kinds = stats
        .kinds
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut line = format!(
        "authcheck: redacted {} values ({} tokens, {} secrets, {} cookies, {} headers{}{kinds}) in {} {what}",
        stats.total(),
        stats.tokens,
        stats.secrets,
        stats.cookies,
        stats.headers,
        if kinds.is_empty() { "" } else { "; by kind: " },
        stats.items
    );
    if stats.documents > 1 {
        line.push_str(&format!(" ({} documents)", stats.documents));
    }
    if stats.bad_entries > 0 {
        line.push_str(&format!(
            "; {} elements of log.entries were not HAR entries (not counted; their values redacted as JSON)",
            stats.bad_entries
        ));
    }
    if stats.text_outside {
        line.push_str(&format!(
            "; {} lines of text around the documents were redacted line by line",
            stats.lines
        ));
    }
    if stats.fallback.is_some() {
        line.push_str("; FELL BACK to line-by-line redaction for a HAR it could not read as JSON (see the warning above)");
    }
    if stats.not_utf8_lines > 0 {
        line.push_str(&format!(
            "; {} lines were not UTF-8 and were rewritten with replacement characters",
            stats.not_utf8_lines
        ));
    }
    line
}

fn summary_json(shape: Shape, stats: &redact::Stats) -> serde_json::Value {
    serde_json::json!({
        "schema": "authcheck.redact-summary/v1",
        "shape": shape_name(shape),
        "documents": stats.documents,
        "items": stats.items,
        "redacted": {
            "total": stats.total(),
            "tokens": stats.tokens,
            "secrets": stats.secrets,
            "cookies": stats.cookies,
            "headers": stats.headers,
            "by_kind": stats.kinds,
        },
        "not_har_entries": stats.bad_entries,
        "text_outside_documents": stats.text_outside,
        "lines_of_text": stats.lines,
        "fallback": stats.fallback,
        "not_utf8_lines": stats.not_utf8_lines,
    })
}

/// Writes the redacted copy to `out` without harming what is there: a new file created
/// exclusively in `out`'s folder (never through a link), given the mode of the file it replaces,
/// and renamed over it only when complete. A device or a named pipe at `out` (`/dev/null`, a
/// pipe a reader waits on) is written in place; a symbolic link is refused.
fn write_safely<T>(
    out: &Path,
    produce: impl FnOnce(&mut dyn Write) -> Result<T, redact::RedactError>,
) -> Result<Result<T, redact::RedactError>, CliError> {
    let shown = super::one_line(&out.display().to_string());
    let existing = std::fs::symlink_metadata(out).ok();
    if existing
        .as_ref()
        .is_some_and(|m| m.file_type().is_symlink())
    {
        return Err(CliError::Input(format!(
            "{shown}: is a symbolic link; give the path of the file itself"
        )));
    }
    if existing
        .as_ref()
        .is_some_and(|m| !m.is_file() && !m.is_dir())
    {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(out)
            .map_err(|e| CliError::Input(format!("{shown}: cannot open: {e}")))?;
        let mut w = BufWriter::with_capacity(256 * 1024, f);
        let r = produce(&mut w).and_then(|x| {
            w.flush().map_err(redact::RedactError::Write)?;
            Ok(x)
        });
        return Ok(r);
    }
    if existing.as_ref().is_some_and(|m| m.is_dir()) {
        return Err(CliError::Input(format!("{shown}: is a folder")));
    }
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".authcheck-redact-")
        .tempfile_in(dir)
        .map_err(|e| CliError::Input(format!("{shown}: cannot create a file beside it: {e}")))?;
    if let Some(m) = &existing {
        // Keep the mode of the file being replaced (a 0600 copy stays 0600).
        let _ = std::fs::set_permissions(tmp.path(), m.permissions());
    }
    let mut w = BufWriter::with_capacity(256 * 1024, tmp.as_file());
    let r = produce(&mut w).and_then(|x| {
        w.flush().map_err(redact::RedactError::Write)?;
        Ok(x)
    });
    drop(w);
    if r.is_ok() {
        tmp.persist(out)
            .map_err(|e| CliError::Input(format!("{shown}: cannot write: {}", e.error)))?;
    }
    Ok(r)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
