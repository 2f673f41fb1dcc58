//! GitHub workflow annotations: `::error`, `::warning` and `::notice` commands, one per finding, and
//! a collapsed group with the summary and the checks.

use super::{CheckStatus, Finding, Report, Severity};
use std::fmt::Write as _;

/// Renders a report as workflow commands.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let file = report
        .input
        .as_ref()
        .and_then(|i| i.name.as_deref())
        .filter(|n| super::sarif::is_path(n));
    for (i, f) in report.findings.iter().enumerate() {
        let mut props = Vec::new();
        if let Some(file) = file {
            props.push(format!("file={}", escape_property(file)));
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("{}: {}", f.rule, f.title))
        ));
        let _ = writeln!(
            out,
            "::{} {}::{}",
            command(f.severity),
            props.join(","),
            escape_data(&strip_controls(&annotation_text(f, i == 0)))
        );
    }
    // A check that works with a caveat is worth an annotation of its own: the group is collapsed.
    for c in report
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Warning)
    {
        let _ = writeln!(
            out,
            "::warning title={}::{}",
            escape_property(&format!("check {}", one_line(&c.name))),
            escape_data(&strip_controls(&one_line(&c.detail)))
        );
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "::group::{}",
        escape_data(&format!(
            "authcheck {}: {}, {}, {}",
            report.command,
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            plural(s.infos, "info")
        ))
    );
    // Every line in the group starts with a fixed word, so text from the input can never start a
    // line with `::` and be taken for a workflow command.
    match (&s.could_not_diagnose, report.findings.is_empty()) {
        (Some(why), true) => {
            let _ = writeln!(out, "authcheck: could not diagnose: {}", one_line(why));
        }
        (None, true) => match &s.note {
            Some(note) => {
                let _ = writeln!(out, "authcheck: note: {}", one_line(note));
            }
            None => {
                let _ = writeln!(out, "authcheck: no known problem found");
            }
        },
        _ => {}
    }
    for (i, f) in report.findings.iter().enumerate() {
        let _ = writeln!(
            out,
            "finding {}: {}[{}] {} (confidence: {})",
            i + 1,
            f.severity.as_str(),
            one_line(&f.rule),
            one_line(&f.title),
            f.confidence.as_str()
        );
    }
    for c in &report.checks {
        let mark = c.status.as_str();
        let _ = writeln!(
            out,
            "check {}: {} {}",
            mark,
            one_line(&c.name),
            one_line(&c.detail)
        );
    }
    let _ = writeln!(out, "::endgroup::");
    out
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// The message, then the fix: the annotation is all a reader sees in the run summary.
fn annotation_text(f: &Finding, first: bool) -> String {
    let mut t = f.message.trim().to_string();
    if first {
        t.push_str(&format!(
            "\nmost likely cause (confidence: {})",
            f.confidence.as_str()
        ));
    } else {
        t.push_str(&format!("\nconfidence: {}", f.confidence.as_str()));
    }
    for (i, step) in f.fix.iter().enumerate() {
        t.push_str(&format!("\nfix {}: {}", i + 1, step.text.trim()));
        if let Some(p) = &step.portal {
            t.push_str(&format!("\n  portal: {}", p.trim()));
        }
        if let Some(c) = &step.command {
            let verb = if super::text::is_url(c) { "open:" } else { "$" };
            t.push_str(&format!("\n  {verb} {}", c.trim()));
        }
    }
    if let Some(d) = f.docs.first() {
        t.push_str(&format!("\ndocs: {d}"));
    }
    t
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Keeps line breaks (escaped later) and drops the rest: an escape sequence from the input must not
/// recolour the log.
fn strip_controls(s: &str) -> String {
    super::text::clean(s)
}

/// A log line: no line breaks or other control characters.
fn one_line(s: &str) -> String {
    super::text::clean(s).replace('\n', " ")
}

/// Escapes a command's message, as GitHub's toolkit does.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value (`file=`, `title=`): also `:` and `,`, which separate them.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
