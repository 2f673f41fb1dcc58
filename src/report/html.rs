//! HTML: one self-contained page a support engineer attaches to a ticket — the verdict first, each
//! finding with its evidence and fix (a copy button per command), the checks, and, for sign-in
//! exports and HARs, failures over time as an inline SVG chart and the HAR's exchanges as a
//! timeline. Styles and the script are inline (`html.css`, `html.js`); nothing is fetched, and a
//! Content-Security-Policy allows only that one script (by its hash), so the page works offline and
//! text from the input can never run as code. Every piece of input text is escaped.

use super::{Check, CheckStatus, Finding, Report, TokenView};
use authcheck_model::timeline::{Exchange, FailureSeries, Timeline};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

const CSS: &str = include_str!("html.css");
const SCRIPT: &str = include_str!("html.js");

/// One report on a page of its own.
pub fn render(report: &Report) -> String {
    let what = report
        .input
        .as_ref()
        .and_then(|i| i.name.as_deref())
        .filter(|n| *n != report.command)
        .map(shown_name)
        .map(|n| format!(": {n}"))
        .unwrap_or_default();
    let title = format!("authcheck {}{what}", report.command);
    let mut body = String::new();
    header(&mut body, &title, report);
    report_body(&mut body, report, 2, "");
    page(&title, &body, &report.tool.version)
}

/// One part of a page of several reports (`demo`).
pub struct Part<'a> {
    /// The part's name (a scenario).
    pub name: &'a str,
    /// One line under the name (what the scenario is).
    pub description: &'a str,
    /// The part came out as expected.
    pub ok: bool,
    /// The line beside the mark in the overview (`admin-consent-missing: …`, `expected …`).
    pub outcome: String,
    pub report: &'a Report,
}

/// Several reports on one page: an overview table, then each report in a section that opens.
pub fn render_parts(title: &str, verdict: &str, parts: &[Part<'_>]) -> String {
    let mut body = String::new();
    let version = parts
        .first()
        .map(|p| p.report.tool.version.clone())
        .unwrap_or_default();
    let _ = writeln!(body, "<header><h1>{}</h1></header>", esc(title));
    let failed = parts.iter().filter(|p| !p.ok).count();
    let _ = writeln!(
        body,
        "<section id=\"verdict\" class=\"verdict {}\"><h2>Verdict</h2><p>{}</p></section>",
        if failed == 0 { "ok" } else { "error" },
        esc(verdict)
    );
    body.push_str("<section id=\"overview\"><h2>Scenarios</h2><table class=\"scenarios\"><thead><tr><th></th><th>scenario</th><th>result</th></tr></thead><tbody>\n");
    for (i, p) in parts.iter().enumerate() {
        let _ = writeln!(
            body,
            "<tr class=\"{}\"><td class=\"mark\">{}</td><td><a href=\"#part-{i}\">{}</a></td><td>{}</td></tr>",
            if p.ok { "ok" } else { "failed" },
            if p.ok { "✓" } else { "✗" },
            esc(p.name),
            esc(&p.outcome)
        );
    }
    body.push_str("</tbody></table></section>\n");
    for (i, p) in parts.iter().enumerate() {
        let _ = writeln!(
            body,
            "<details class=\"scenario\" id=\"part-{i}\" data-scenario=\"{}\"><summary>{} {} — {}</summary>",
            esc(p.name),
            if p.ok { "✓" } else { "✗" },
            esc(p.name),
            esc(&p.outcome)
        );
        if !p.description.is_empty() {
            let _ = writeln!(body, "<p class=\"muted\">{}</p>", esc(p.description));
        }
        report_body(&mut body, p.report, 3, &format!("part-{i}-"));
        body.push_str("</details>\n");
    }
    page(title, &body, &version)
}

/// The Content-Security-Policy: no source but the inline styles and this one script.
fn csp() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{hash}'; img-src data:; base-uri 'none'; form-action 'none'"
    )
}

fn page(title: &str, body: &str, version: &str) -> String {
    let mut out = String::with_capacity(body.len() + CSS.len() + SCRIPT.len() + 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n");
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        esc(&csp())
    );
    let _ = writeln!(out, "<title>{}</title>", esc(title));
    let _ = writeln!(out, "<style>\n{CSS}</style>\n</head>\n<body>");
    out.push_str(body);
    let _ = writeln!(
        out,
        "<footer>Made by authcheck {} — a self-contained page: it loads nothing from the network. Secrets, codes, cookies and token signatures were removed before it was written.</footer>",
        esc(version)
    );
    let _ = writeln!(out, "<script>{SCRIPT}</script>\n</body>\n</html>");
    out
}

fn header(out: &mut String, title: &str, report: &Report) {
    let _ = writeln!(out, "<header><h1>{}</h1>", esc(title));
    let mut meta = Vec::new();
    let live = report
        .input
        .as_ref()
        .is_some_and(|i| i.kind.as_deref() == Some("live"));
    if live {
        meta.push("a live run against the tenant".to_string());
    } else if let Some(i) = &report.input {
        if let Some(n) = &i.name {
            meta.push(format!("read {}", esc(&shown_name(n))));
        }
        if let Some(k) = &i.kind {
            meta.push(format!("as {}", esc(k)));
        }
    }
    if !meta.is_empty() {
        let _ = writeln!(out, "<p class=\"meta\">{}</p>", meta.join(" "));
    }
    out.push_str("</header>\n");
}

/// Everything of one report below its title; `level` is the heading level of its sections, and
/// `p` prefixes its element ids (several reports on one page must not share ids).
fn report_body(out: &mut String, report: &Report, level: u8, p: &str) {
    let h = level;
    verdict(out, report, h, p);
    if !report.findings.is_empty() {
        let _ = writeln!(out, "<section id=\"{p}findings\"><h{h}>Findings</h{h}>");
        for (i, f) in report.findings.iter().enumerate() {
            finding(out, f, i, h + 1, p);
        }
        out.push_str("</section>\n");
    }
    if !report.checks.is_empty() {
        checks(out, &report.checks, h, p);
    }
    if let Some(t) = &report.timeline {
        timeline(out, t, h, p);
    }
    if let Some(t) = &report.token {
        token(out, t, h, p);
    }
    if let Some(ev) = &report.evidence {
        let pretty = serde_json::to_string_pretty(ev).unwrap_or_else(|_| "{}".into());
        let _ = writeln!(
            out,
            "<section id=\"{p}evidence\"><h{h}>Evidence</h{h}><details><summary>the whole evidence document</summary><pre><code>{}</code></pre></details></section>",
            esc(&pretty)
        );
    }
}

fn verdict(out: &mut String, report: &Report, h: u8, p: &str) {
    let s = &report.summary;
    let (class, lines): (&str, Vec<String>) = if report.findings.is_empty() {
        if let Some(why) = &s.could_not_diagnose {
            (
                "undiagnosed",
                vec![format!("<strong>Could not diagnose:</strong> {}", esc(why))],
            )
        } else if let Some(note) = &s.note {
            (
                "empty",
                vec![format!("<strong>Note:</strong> {}", esc(note))],
            )
        } else {
            (
                "ok",
                vec!["<strong>No known problem found.</strong>".to_string()],
            )
        }
    } else {
        let top = &report.findings[0];
        let mut counts = Vec::new();
        for (n, word) in [
            (s.errors, "error"),
            (s.warnings, "warning"),
            (s.infos, "info"),
        ] {
            if n > 0 {
                counts.push(format!("{n} {word}{}", if n == 1 { "" } else { "s" }));
            }
        }
        if counts.is_empty() {
            counts.push(format!("{} findings", report.findings.len()));
        }
        (
            top.severity.as_str(),
            vec![
                format!(
                    "<strong>Most likely cause:</strong> <a href=\"#{p}finding-0\">{}</a> <span class=\"muted\">({} confidence, {})</span>",
                    esc(&top.title),
                    esc(top.confidence.as_str()),
                    esc(&top.rule)
                ),
                format!("<span class=\"muted\">{}</span>", counts.join(", ")),
            ],
        )
    };
    let _ = write!(
        out,
        "<section id=\"{p}verdict\" class=\"verdict {class}\"><h{h}>Verdict</h{h}>"
    );
    for l in lines {
        let _ = write!(out, "<p>{l}</p>");
    }
    out.push_str("</section>\n");
}

fn finding(out: &mut String, f: &Finding, i: usize, h: u8, p: &str) {
    let sev = f.severity.as_str();
    let _ = writeln!(
        out,
        "<article class=\"finding {sev}\" id=\"{p}finding-{i}\" data-rule=\"{}\" data-severity=\"{sev}\" data-confidence=\"{}\">",
        esc(&f.rule),
        esc(f.confidence.as_str())
    );
    let _ = writeln!(out, "<h{h} class=\"title\">{}</h{h}>", esc(&f.title));
    let _ = writeln!(
        out,
        "<p class=\"badges\"><span class=\"badge {sev} severity\">{sev}</span><span class=\"badge confidence\">confidence: {}</span><span class=\"badge rule\">{}</span></p>",
        esc(f.confidence.as_str()),
        esc(&f.rule)
    );
    let _ = writeln!(out, "<p class=\"message\">{}</p>", esc(&f.message));
    if !f.evidence.is_empty() {
        let _ = writeln!(
            out,
            "<h{} class=\"sub\">Evidence that fired it</h{}>\n<dl class=\"evidence\">",
            h + 1,
            h + 1
        );
        for e in &f.evidence {
            let value = serde_json::to_string(&e.value).unwrap_or_default();
            let _ = writeln!(
                out,
                "<dt>{}</dt><dd><code class=\"value\">{}</code><span class=\"source\">from {}</span></dd>",
                esc(&e.path),
                esc(&value),
                esc(&e.source)
            );
        }
        out.push_str("</dl>\n");
    }
    if !f.fix.is_empty() {
        let _ = writeln!(
            out,
            "<h{} class=\"sub\">Fix</h{}>\n<ol class=\"fix\">",
            h + 1,
            h + 1
        );
        for step in &f.fix {
            let _ = write!(out, "<li><p class=\"step\">{}</p>", esc(&step.text));
            if let Some(p) = &step.portal {
                let _ = write!(out, "<p class=\"portal\">Portal: {}</p>", esc(p));
            }
            if let Some(c) = &step.command {
                let _ = write!(
                    out,
                    "<div class=\"cmd\"><pre><code class=\"command\">{}</code></pre><button class=\"copy\" type=\"button\" hidden>Copy</button></div>",
                    esc(c)
                );
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ol>\n");
    }
    let links: Vec<String> = f
        .docs
        .iter()
        .map(|d| {
            if d.starts_with("https://") || d.starts_with("http://") {
                format!("<a href=\"{}\" rel=\"noreferrer\">{}</a>", esc(d), esc(d))
            } else {
                esc(d)
            }
        })
        .collect();
    if !links.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"docs muted\">Read more: {}</p>",
            links.join(" · ")
        );
    }
    out.push_str("</article>\n");
}

fn checks(out: &mut String, checks: &[Check], h: u8, p: &str) {
    let _ = writeln!(
        out,
        "<section id=\"{p}checks\"><h{h}>Checks</h{h}>\n<ul class=\"checks\">"
    );
    for c in checks {
        let (class, label) = match c.status {
            CheckStatus::Ok => ("ok", "works"),
            CheckStatus::Failed => ("failed", "broken"),
            CheckStatus::Skipped => ("skipped", "skipped"),
            CheckStatus::Warning => ("warning", "works, with a warning"),
        };
        let _ = writeln!(
            out,
            "<li class=\"check {class}\" data-status=\"{class}\"><span class=\"mark\" title=\"{label}\">{}</span><span class=\"name\">{}</span><span class=\"detail\">{}</span></li>",
            c.status.mark(),
            esc(&c.name),
            esc(&c.detail)
        );
    }
    out.push_str("</ul></section>\n");
}

fn timeline(out: &mut String, t: &Timeline, h: u8, p: &str) {
    if let Some(s) = &t.failures {
        failures_chart(out, s, h, p);
    }
    if !t.exchanges.is_empty() {
        exchanges(out, t, h, p);
    }
}

/// Chart geometry, in SVG user units (the SVG scales to the page's width).
const CHART_W: f64 = 640.0;
const CHART_H: f64 = 220.0;
const LEFT: f64 = 36.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 34.0;

/// Failures over time: one stacked bar (`g.bucket`) per time bucket, empty buckets included.
fn failures_chart(out: &mut String, s: &FailureSeries, h: u8, p: &str) {
    let total: i64 = s.buckets.iter().map(|b| b.total()).sum();
    let max = s
        .buckets
        .iter()
        .map(|b| b.total())
        .max()
        .unwrap_or(0)
        .max(1);
    let n = s.buckets.len().max(1) as f64;
    let plot_w = CHART_W - LEFT - RIGHT;
    let plot_h = CHART_H - TOP - BOTTOM;
    let slot = plot_w / n;
    // A lone bucket is a bar, not a wall.
    let bar = (slot * 0.8).clamp(1.0, 48.0);
    let base = TOP + plot_h;
    let _ = writeln!(
        out,
        "<section id=\"{p}over-time\"><h{h}>Failures over time</h{h}>\n<figure>"
    );
    let first = s.buckets.first().map(|b| b.start).unwrap_or(0);
    let last_end = s.buckets.last().map(|b| b.start).unwrap_or(0) + s.bucket_seconds;
    let _ = writeln!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {CHART_W} {CHART_H}\" role=\"img\" aria-labelledby=\"{p}over-time-caption\" data-buckets=\"{}\" data-bucket-seconds=\"{}\">",
        s.buckets.len(),
        s.bucket_seconds
    );
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\"/><line class=\"axis\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{base}\"/>",
        CHART_W - RIGHT
    );
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max}</text><text x=\"{}\" y=\"{base}\" text-anchor=\"end\">0</text>",
        LEFT - 4.0,
        TOP + 10.0,
        LEFT - 4.0
    );
    for (i, b) in s.buckets.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let parts: Vec<String> = s
            .codes
            .iter()
            .zip(&b.counts)
            .filter(|(_, c)| **c > 0)
            .map(|(code, c)| format!("{code} × {c}"))
            .collect();
        let what = if parts.is_empty() {
            "no failures".to_string()
        } else {
            parts.join(", ")
        };
        let _ = write!(
            out,
            "<g class=\"bucket\" data-start=\"{}\" data-total=\"{}\"><title>{}: {}</title>",
            b.start,
            b.total(),
            esc(&span(b.start, s.bucket_seconds)),
            esc(&what)
        );
        if b.total() == 0 {
            let _ = write!(
                out,
                "<rect class=\"empty\" x=\"{x:.2}\" y=\"{:.2}\" width=\"{bar:.2}\" height=\"1.5\"/>",
                base - 1.5
            );
        }
        let mut y = base;
        for (k, c) in b.counts.iter().enumerate() {
            if *c == 0 {
                continue;
            }
            let hgt = plot_h * (*c as f64) / (max as f64);
            y -= hgt;
            let _ = write!(
                out,
                "<rect class=\"c{}\" x=\"{x:.2}\" y=\"{y:.2}\" width=\"{bar:.2}\" height=\"{hgt:.2}\"/>",
                k.min(5)
            );
        }
        out.push_str("</g>\n");
    }
    let _ = writeln!(
        out,
        "<text x=\"{LEFT}\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
        CHART_H - 12.0,
        esc(&tick(first)),
        CHART_W - RIGHT,
        CHART_H - 12.0,
        esc(&tick(last_end))
    );
    // Two more times along the axis on a long series, at the start of the buckets a third and
    // two thirds of the way.
    if s.buckets.len() >= 9 {
        for k in [1, 2] {
            let i = s.buckets.len() * k / 3;
            let _ = writeln!(
                out,
                "<text x=\"{:.2}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                LEFT + slot * i as f64,
                CHART_H - 12.0,
                esc(&tick(s.buckets[i].start))
            );
        }
    }
    out.push_str("</svg>\n");
    let _ = writeln!(
        out,
        "<figcaption id=\"{p}over-time-caption\">{total} failure{} from {} to {}, one bar per {} (UTC){}.</figcaption>",
        if total == 1 { "" } else { "s" },
        esc(&clock(first)),
        esc(&clock(last_end)),
        esc(&width_words(s.bucket_seconds)),
        if s.untimed > 0 {
            format!("; {} more without a readable time", s.untimed)
        } else {
            String::new()
        }
    );
    out.push_str("<ul class=\"legend\">");
    for (k, code) in s.codes.iter().enumerate() {
        let n: i64 = s.buckets.iter().map(|b| b.counts[k]).sum();
        let _ = write!(
            out,
            "<li><span class=\"swatch c{}\"></span>{} × {n}</li>",
            k.min(5),
            esc(code)
        );
    }
    out.push_str("</ul></figure></section>\n");
}

/// A HAR's exchanges in order, the diagnosed one marked.
fn exchanges(out: &mut String, t: &Timeline, h: u8, p: &str) {
    let _ = writeln!(
        out,
        "<section id=\"{p}exchanges\"><h{h}>Token and API exchanges</h{h}>\n<ol class=\"exchanges\">"
    );
    let first = t.exchanges.iter().filter_map(|x| x.at).min();
    for x in &t.exchanges {
        exchange(out, x, first);
    }
    out.push_str("</ol>\n");
    if t.exchanges_left_out > 0 {
        let _ = writeln!(
            out,
            "<p class=\"muted\">{} more exchanges are not shown.</p>",
            t.exchanges_left_out
        );
    }
    out.push_str("</section>\n");
}

fn exchange(out: &mut String, x: &Exchange, first: Option<i64>) {
    let mut class = vec![
        "exchange".to_string(),
        format!("kind-{}", css_word(&x.kind)),
    ];
    if x.failed {
        class.push("failed".into());
    }
    if x.diagnosed {
        class.push("diagnosed".into());
    }
    let when = match (x.at, first) {
        (Some(a), Some(f)) => format!("{} (+{} s)", clock(a), a - f),
        (Some(a), None) => clock(a),
        _ => "time unknown".into(),
    };
    let _ = write!(
        out,
        "<li class=\"{}\" data-entry=\"{}\"><span class=\"kind\">{}</span> <span class=\"muted\">entry #{} · {}</span><br><code>{} {}{}</code> → <span class=\"status\">{}</span>",
        class.join(" "),
        x.entry,
        esc(match x.kind.as_str() {
            "token" => "token endpoint",
            "authorize" => "authorize",
            _ => "API",
        }),
        x.entry,
        esc(&when),
        esc(&x.method),
        esc(&x.host),
        esc(&x.path),
        x.status
    );
    if let Some(c) = &x.code {
        let _ = write!(out, " <span class=\"code\">{}</span>", esc(c));
    }
    if x.diagnosed {
        out.push_str(" <span class=\"flag\">← the failing exchange diagnosed above</span>");
    }
    out.push_str("</li>\n");
}

fn token(out: &mut String, t: &TokenView, h: u8, p: &str) {
    let _ = writeln!(out, "<section id=\"{p}token\"><h{h}>Token</h{h}>");
    for (name, lines) in [("Header", &t.header), ("Claims", &t.claims)] {
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<h{} class=\"sub\">{name}</h{}><dl class=\"evidence\">",
            h + 1,
            h + 1
        );
        for c in lines.iter() {
            let value = match &c.value {
                serde_json::Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            let _ = writeln!(
                out,
                "<dt>{}</dt><dd><code>{}</code><span class=\"source\">{}</span></dd>",
                esc(&c.claim),
                esc(&value),
                esc(&c.meaning)
            );
        }
        out.push_str("</dl>\n");
    }
    let _ = writeln!(
        out,
        "<p>Signature: <strong>{}</strong> <span class=\"muted\">{}</span></p></section>",
        esc(&t.signature),
        esc(&t.signature_detail)
    );
}

/// `-` is standard input.
fn shown_name(n: &str) -> String {
    if n == "-" {
        "standard input".into()
    } else {
        n.to_string()
    }
}

fn clock(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| t.to_string())
}

/// A time on the chart's axis, short enough that four fit (the caption gives the year).
fn tick(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%m-%d %H:%M").to_string())
        .unwrap_or_else(|| t.to_string())
}

fn span(start: i64, width: i64) -> String {
    format!("{} – {}", clock(start), clock(start + width))
}

fn width_words(w: i64) -> String {
    match w {
        w if w % 604_800 == 0 => plural_unit(w / 604_800, "week"),
        w if w % 86_400 == 0 => plural_unit(w / 86_400, "day"),
        w if w % 3600 == 0 => plural_unit(w / 3600, "hour"),
        w if w % 60 == 0 => plural_unit(w / 60, "minute"),
        w => plural_unit(w, "second"),
    }
}

fn plural_unit(n: i64, unit: &str) -> String {
    if n == 1 {
        unit.to_string()
    } else {
        format!("{n} {unit}s")
    }
}

/// A word safe in a class name.
fn css_word(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Text made safe for HTML content and double-quoted attributes; control characters other than
/// newline and tab are shown escaped rather than written.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Severity;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\"\u{1b}[31m"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;\\u{1b}[31m"
        );
    }

    #[test]
    fn the_policy_allows_exactly_the_inline_script() {
        let page = render(&Report::new("triage"));
        assert!(page.contains(&esc(&csp())));
        assert!(!page.contains(" src="), "nothing is loaded from elsewhere");
        assert!(!page.contains("<link"), "no external styles");
    }

    #[test]
    fn severity_names_are_css_classes() {
        for s in [Severity::Error, Severity::Warning, Severity::Info] {
            assert!(CSS.contains(&format!(".badge.{}", s.as_str())));
        }
    }
}
