//! Text: rustc-like diagnostics for people. Colour only when asked (the CLI decides from `--color`,
//! `NO_COLOR` and whether stdout is a terminal); the layout never depends on the terminal's width,
//! so snapshots are stable.

use super::{Check, CheckStatus, ClaimLine, Finding, Report, Severity, TokenView};
use colored::Color;
use std::fmt::Write as _;

/// Lines are wrapped at this many characters; commands, URLs and portal paths are never broken.
const WIDTH: usize = 100;
/// Evidence values longer than this are shortened in text (JSON and SARIF keep them whole).
const MAX_VALUE: usize = 90;

/// Renders a report as text.
pub fn render(report: &Report, opts: super::RenderOptions) -> String {
    let p = Painter { on: opts.color };
    let mut out = String::new();
    if let Some(token) = &report.token {
        token_block(&mut out, &p, report, token);
    }
    if !report.checks.is_empty() {
        checks_block(&mut out, &p, &report.checks);
    }
    // `--show-evidence` also names the `[[match]]` alternative that fired each finding.
    let show_match = report.evidence.is_some();
    let mut first = true;
    for group in report.fault_groups() {
        // Alternative causes of one observed failure: one fault, shown under one heading.
        if group.len() > 1 {
            let _ = writeln!(
                out,
                "{} {}",
                p.bold_color("one of these causes:", Color::Magenta),
                p.dim(&format!(
                    "{} explanations of one failure, counted once",
                    group.len()
                ))
            );
            out.push('\n');
        }
        for f in group {
            finding_block(&mut out, &p, f, first, show_match);
            out.push('\n');
            first = false;
        }
    }
    summary_line(&mut out, &p, report);
    if let Some(ev) = &report.evidence {
        out.push('\n');
        let _ = writeln!(out, "{}", p.bold("evidence:"));
        let pretty = serde_json::to_string_pretty(ev).unwrap_or_else(|_| "{}".into());
        for line in pretty.lines() {
            let _ = writeln!(out, "  {}", clean(line));
        }
    }
    out
}

/// ANSI styling through `colored`'s colour codes, without its process-wide switch: whether to
/// colour is this renderer's option, not global state.
struct Painter {
    on: bool,
}

impl Painter {
    fn paint(&self, text: &str, color: Option<Color>, bold: bool, dim: bool) -> String {
        if !self.on || text.is_empty() {
            return text.to_string();
        }
        let mut codes: Vec<String> = Vec::new();
        if bold {
            codes.push("1".into());
        }
        if dim {
            codes.push("2".into());
        }
        if let Some(c) = color {
            codes.push(c.to_fg_str().into_owned());
        }
        if codes.is_empty() {
            return text.to_string();
        }
        format!("\x1b[{}m{}\x1b[0m", codes.join(";"), text)
    }
    fn bold(&self, t: &str) -> String {
        self.paint(t, None, true, false)
    }
    fn dim(&self, t: &str) -> String {
        self.paint(t, None, false, true)
    }
    fn color(&self, t: &str, c: Color) -> String {
        self.paint(t, Some(c), false, false)
    }
    fn bold_color(&self, t: &str, c: Color) -> String {
        self.paint(t, Some(c), true, false)
    }
    /// The blue gutter (`-->`, `|`, `=`) of rustc's diagnostics.
    fn gutter(&self, t: &str) -> String {
        self.bold_color(t, Color::Blue)
    }
}

fn severity_color(s: Severity) -> Color {
    match s {
        Severity::Error => Color::Red,
        Severity::Warning => Color::Yellow,
        Severity::Info => Color::Cyan,
    }
}

fn finding_block(out: &mut String, p: &Painter, f: &Finding, first: bool, show_match: bool) {
    let sev = f.severity.as_str();
    let _ = writeln!(
        out,
        "{}{}",
        p.bold_color(
            &format!("{sev}[{}]", clean(&f.rule)),
            severity_color(f.severity)
        ),
        p.bold(&format!(": {}", clean(&f.title)))
    );
    for e in &f.evidence {
        let value = shorten(&compact(&e.value), MAX_VALUE);
        let ns = e.path.split('.').next().unwrap_or("");
        // The engine falls back to the namespace when no source was recorded; saying it twice helps no one.
        let source = if e.source.is_empty() || e.source == ns {
            String::new()
        } else {
            format!(" ({})", clean(&e.source))
        };
        let _ = writeln!(
            out,
            "  {} {} = {}{}",
            p.gutter("-->"),
            clean(&e.path),
            value,
            p.dim(&source)
        );
    }
    let bar = p.gutter("|");
    let _ = writeln!(out, "   {bar}");
    for line in wrap(&f.message, WIDTH - 5) {
        if line.is_empty() {
            let _ = writeln!(out, "   {bar}");
        } else {
            let _ = writeln!(out, "   {bar} {line}");
        }
    }
    let _ = writeln!(out, "   {bar}");
    let eq = p.gutter("=");
    let confidence = format!("confidence: {}", f.confidence.as_str());
    if first {
        let _ = writeln!(
            out,
            "   {eq} {} ({confidence})",
            p.bold_color("most likely cause", Color::Magenta)
        );
    } else {
        let _ = writeln!(out, "   {eq} {confidence}");
    }
    if show_match {
        if let Some(id) = &f.match_id {
            let _ = writeln!(
                out,
                "   {eq} {} {}#{}",
                p.bold("matched:"),
                clean(&f.rule),
                clean(id)
            );
        }
    }
    if !f.fix.is_empty() {
        let _ = writeln!(out, "   {eq} {}", p.bold("fix:"));
        for (i, step) in f.fix.iter().enumerate() {
            let num = format!("{}.", i + 1);
            let pad = " ".repeat(num.len() + 1);
            for (j, line) in wrap(&step.text, WIDTH - 8 - pad.len()).iter().enumerate() {
                if j == 0 {
                    let _ = writeln!(out, "       {num} {line}");
                } else if line.is_empty() {
                    out.push('\n');
                } else {
                    let _ = writeln!(out, "       {pad}{line}");
                }
            }
            if let Some(portal) = &step.portal {
                let _ = writeln!(out, "       {pad}{} {}", p.dim("portal:"), clean(portal));
            }
            if let Some(cmd) = &step.command {
                let cmd = clean(cmd);
                // Some fixes are a link to open (the admin consent URL), not a shell command.
                let shown = if is_url(&cmd) {
                    format!("{} {cmd}", p.dim("open:"))
                } else {
                    p.color(&format!("$ {cmd}"), Color::Green)
                };
                let _ = writeln!(out, "       {pad}{shown}");
            }
        }
    }
    for (i, d) in f.docs.iter().enumerate() {
        if i == 0 {
            let _ = writeln!(out, "   {eq} {} {}", p.bold("docs:"), clean(d));
        } else {
            let _ = writeln!(out, "           {}", clean(d));
        }
    }
}

/// Whether a fix's `command` is a link to open rather than something to run.
pub(super) fn is_url(cmd: &str) -> bool {
    let c = cmd.trim();
    (c.starts_with("https://") || c.starts_with("http://")) && !c.contains(char::is_whitespace)
}

fn summary_line(out: &mut String, p: &Painter, report: &Report) {
    let s = &report.summary;
    if let (true, Some(why)) = (report.findings.is_empty(), &s.could_not_diagnose) {
        let _ = writeln!(
            out,
            "{} {}",
            p.bold_color("could not diagnose:", Color::Red),
            clean(why)
        );
        return;
    }
    if let (true, Some(note)) = (report.findings.is_empty(), &s.note) {
        let _ = writeln!(out, "{} {}", p.bold("note:"), clean(note));
        return;
    }
    if report.findings.is_empty() {
        let _ = writeln!(
            out,
            "{} no known problem found{}",
            p.bold_color("ok:", Color::Green),
            input_suffix(report)
        );
        return;
    }
    let mut parts = Vec::new();
    if s.errors > 0 {
        parts.push(plural(s.errors, "error"));
    }
    if s.warnings > 0 {
        parts.push(plural(s.warnings, "warning"));
    }
    if s.infos > 0 {
        parts.push(plural(s.infos, "info"));
    }
    if parts.is_empty() {
        // The summary was not tallied; count what is there rather than say nothing.
        parts.push(plural(report.findings.len(), "finding"));
    }
    let color = if s.errors > 0 {
        Color::Red
    } else if s.warnings > 0 {
        Color::Yellow
    } else {
        Color::Cyan
    };
    let _ = writeln!(
        out,
        "{} {}{}",
        p.bold_color("summary:", color),
        parts.join(", "),
        input_suffix(report)
    );
}

fn input_suffix(report: &Report) -> String {
    match report.input.as_ref().and_then(|i| i.name.as_deref()) {
        Some(name) if !name.is_empty() && name != "-" => format!(" in {}", clean(name)),
        Some("-") => " in standard input".into(),
        _ => String::new(),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn checks_block(out: &mut String, p: &Painter, checks: &[Check]) {
    let _ = writeln!(out, "{}", p.bold("checks:"));
    let width = checks
        .iter()
        .map(|c| clean(&c.name).chars().count())
        .max()
        .unwrap_or(0);
    for c in checks {
        let mark = c.status.mark();
        let color = match c.status {
            CheckStatus::Ok => Color::Green,
            CheckStatus::Failed => Color::Red,
            CheckStatus::Skipped => Color::BrightBlack,
            CheckStatus::Warning => Color::Yellow,
        };
        let name = clean(&c.name);
        let pad = " ".repeat(width.saturating_sub(name.chars().count()));
        let indent = 2 + 1 + 1 + width + 2;
        let lines = wrap(&c.detail, WIDTH.saturating_sub(indent).max(40));
        let mut lines = lines.into_iter().filter(|l| !l.is_empty());
        let first = lines.next().unwrap_or_default();
        let first = if c.status == CheckStatus::Skipped {
            p.dim(&first)
        } else {
            first
        };
        let _ = writeln!(out, "  {} {name}{pad}  {first}", p.bold_color(mark, color));
        for l in lines {
            let _ = writeln!(out, "{}{l}", " ".repeat(indent));
        }
    }
    out.push('\n');
}

fn token_block(out: &mut String, p: &Painter, report: &Report, t: &TokenView) {
    let from = report
        .input
        .as_ref()
        .and_then(|i| i.name.as_deref())
        .map(|n| if n == "-" { "standard input" } else { n })
        .map(|n| format!(" from {}", clean(n)))
        .unwrap_or_default();
    let _ = writeln!(out, "{}{from}", p.bold("token"));
    let all: Vec<&ClaimLine> = t.header.iter().chain(t.claims.iter()).collect();
    let claim_w = all
        .iter()
        .map(|c| clean(&c.claim).chars().count())
        .chain(std::iter::once("claim".len()))
        .max()
        .unwrap_or(5);
    if !t.header.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "  {}", p.bold("header"));
        table(out, p, &t.header, claim_w);
    }
    if !t.claims.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "  {}", p.bold("claims"));
        table(out, p, &t.claims, claim_w);
    }
    out.push('\n');
    let state = if t.signature.is_empty() {
        "not-checked".to_string()
    } else {
        clean(&t.signature)
    };
    let color = match state.as_str() {
        "valid" => Color::Green,
        "invalid" | "unsigned" | "unknown-kid" => Color::Red,
        _ => Color::Yellow,
    };
    let _ = writeln!(
        out,
        "  {} {}",
        p.bold("signature:"),
        p.bold_color(&state, color)
    );
    for line in wrap(&t.signature_detail, WIDTH - 4) {
        if !line.is_empty() {
            let _ = writeln!(out, "    {line}");
        }
    }
    out.push('\n');
}

/// One row per claim: the name, its value, and under the value, indented, what it means. Meanings
/// are sentences and values can be long (`scp`, `roles`), so each gets the full width rather than a
/// narrow column; nothing depends on the terminal.
fn table(out: &mut String, p: &Painter, rows: &[ClaimLine], claim_w: usize) {
    let value_col = 4 + claim_w + 2;
    let meaning_col = value_col + 2;
    for row in rows {
        let claim = clean(&row.claim);
        let claim_pad = " ".repeat(claim_w.saturating_sub(claim.chars().count()));
        let value = claim_value(&row.value);
        let value_lines = wrap(&value, WIDTH.saturating_sub(value_col).max(40));
        let mut value_lines = value_lines.into_iter().filter(|l| !l.is_empty());
        let first = value_lines.next().unwrap_or_default();
        let line = format!("    {}{claim_pad}  {first}", p.bold(&claim));
        let _ = writeln!(out, "{}", line.trim_end());
        for l in value_lines {
            let _ = writeln!(out, "{}{l}", " ".repeat(value_col));
        }
        for l in wrap(&row.meaning, WIDTH.saturating_sub(meaning_col).max(40)) {
            if !l.is_empty() {
                let _ = writeln!(out, "{}{}", " ".repeat(meaning_col), p.dim(&l));
            }
        }
    }
}

/// A claim's value as a reader expects it: strings bare, everything else as compact JSON.
/// Arrays are spaced (`["a", "b"]`) so a long list wraps between items.
fn claim_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => clean(s),
        serde_json::Value::Array(items) => format!(
            "[{}]",
            items.iter().map(compact).collect::<Vec<_>>().join(", ")
        ),
        other => compact(other),
    }
}

fn compact(v: &serde_json::Value) -> String {
    clean(&serde_json::to_string(v).unwrap_or_default())
}

/// Shortens to `max` characters with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// Removes control characters that could move the cursor or change colours, with the whole ANSI
/// escape sequence they start: input text is untrusted and ends up in messages. Newlines stay;
/// tabs become spaces. Shared by the reporters that write for people.
pub(super) fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push(' '),
            '\x1b' => {
                // CSI (`ESC [ … final`) and OSC (`ESC ] … BEL or ESC \`) sequences go whole.
                match chars.peek() {
                    Some('[') => {
                        chars.next();
                        for d in chars.by_ref() {
                            if ('@'..='~').contains(&d) {
                                break;
                            }
                        }
                    }
                    Some(']') => {
                        chars.next();
                        while let Some(d) = chars.next() {
                            if d == '\u{7}' || (d == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                                break;
                            }
                        }
                    }
                    _ => {}
                }
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Greedy word wrap. Paragraph breaks (blank lines) stay as empty lines; single newlines are the
/// hard wraps of prose written in rule files and read as spaces; a word longer than the width (a URL) gets a line of its own and is never cut.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let text = clean(text);
    let mut lines = Vec::new();
    for (i, para) in text
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .enumerate()
    {
        if i > 0 {
            lines.push(String::new());
        }
        let mut line = String::new();
        let mut len = 0;
        for word in para.split_whitespace() {
            let wl = word.chars().count();
            if len > 0 && len + 1 + wl > width {
                lines.push(std::mem::take(&mut line));
                len = 0;
            }
            if len > 0 {
                line.push(' ');
                len += 1;
            }
            line.push_str(word);
            len += wl;
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_long_words_whole() {
        let w = wrap(
            "short https://example.com/a/very/long/path/that/exceeds short",
            10,
        );
        assert!(w.contains(&"https://example.com/a/very/long/path/that/exceeds".to_string()));
        assert!(w.iter().all(|l| l.len() <= 10 || !l.contains(' ')));
    }

    #[test]
    fn clean_strips_escape_sequences() {
        assert_eq!(clean("a\x1b[31mb\u{7}c\td\x1b[0m"), "abc d");
        assert_eq!(clean("x\x1b]0;title\u{7}y\x1b]8;;u\x1b\\z"), "xyz");
    }
}
