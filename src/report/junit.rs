//! JUnit XML: one test case per finding (errors and warnings fail), one per check, and one passing
//! case when nothing was found, so CI dashboards show what authcheck looked at.

use super::{CheckStatus, Finding, Report, Severity};
use std::fmt::Write as _;

/// One `<testcase>` before it is written.
struct Case {
    classname: String,
    name: String,
    outcome: Outcome,
}

enum Outcome {
    Pass {
        out: Option<String>,
    },
    Failure {
        message: String,
        kind: String,
        body: String,
    },
    Skipped {
        message: String,
    },
    /// The run itself failed (JUnit's `<error>`, not a `<failure>`).
    Error {
        message: String,
    },
}

/// Renders a report as a JUnit XML document.
pub fn render(report: &Report) -> String {
    let classname = format!("authcheck.{}", report.command);
    let mut cases: Vec<Case> = Vec::new();
    for check in &report.checks {
        let classname = format!("{classname}.check");
        let outcome = match check.status {
            CheckStatus::Ok => Outcome::Pass {
                out: (!check.detail.is_empty()).then(|| check.detail.clone()),
            },
            CheckStatus::Failed => Outcome::Failure {
                message: check.detail.clone(),
                kind: "check".into(),
                body: check.detail.clone(),
            },
            CheckStatus::Skipped => Outcome::Skipped {
                message: check.detail.clone(),
            },
            // It works: a passing case, with the caveat where a CI shows a case's output.
            CheckStatus::Warning => Outcome::Pass {
                out: Some(format!("warning: {}", check.detail)),
            },
        };
        cases.push(Case {
            classname,
            name: check.name.clone(),
            outcome,
        });
    }
    for (i, f) in report.findings.iter().enumerate() {
        let body = finding_body(f, i == 0);
        let outcome = match f.severity {
            Severity::Error | Severity::Warning => Outcome::Failure {
                message: format!("{}: {}", f.title, f.message),
                kind: f.severity.as_str().into(),
                body,
            },
            // Information is worth reading but fails nothing.
            Severity::Info => Outcome::Pass { out: Some(body) },
        };
        cases.push(Case {
            classname: classname.clone(),
            name: f.rule.clone(),
            outcome,
        });
    }
    match (
        &report.summary.could_not_diagnose,
        report.findings.is_empty(),
    ) {
        // A run that could not diagnose is an error of the run, not a pass.
        (Some(why), true) => cases.push(Case {
            classname: classname.clone(),
            name: "diagnosis".into(),
            outcome: Outcome::Error {
                message: format!("could not diagnose: {why}"),
            },
        }),
        (None, true) => cases.push(Case {
            classname: classname.clone(),
            name: if report.summary.note.is_some() {
                "nothing known found".into()
            } else {
                "no known problem found".into()
            },
            outcome: Outcome::Pass {
                out: report.summary.note.clone(),
            },
        }),
        _ => {}
    }
    let tests = cases.len();
    let failures = cases
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Failure { .. }))
        .count();
    let skipped = cases
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Skipped { .. }))
        .count();
    let errors = cases
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Error { .. }))
        .count();
    let counts =
        format!(r#"tests="{tests}" failures="{failures}" errors="{errors}" skipped="{skipped}""#);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, r#"<testsuites name="authcheck" {counts}>"#);
    let _ = writeln!(out, r#"  <testsuite name="authcheck" {counts}>"#);
    let _ = writeln!(out, "    <properties>");
    for (k, v) in [
        ("command", report.command.as_str()),
        ("version", report.tool.version.as_str()),
        (
            "input",
            report
                .input
                .as_ref()
                .and_then(|i| i.name.as_deref())
                .unwrap_or(""),
        ),
    ] {
        if !v.is_empty() {
            let _ = writeln!(
                out,
                r#"      <property name="{}" value="{}"/>"#,
                attr(k),
                attr(v)
            );
        }
    }
    let _ = writeln!(out, "    </properties>");
    for c in &cases {
        let open = format!(
            r#"    <testcase classname="{}" name="{}""#,
            attr(&c.classname),
            attr(&c.name)
        );
        match &c.outcome {
            Outcome::Pass { out: None } => {
                let _ = writeln!(out, "{open}/>");
            }
            Outcome::Pass { out: Some(text) } => {
                let _ = writeln!(out, "{open}>");
                let _ = writeln!(out, "      <system-out>{}</system-out>", text_node(text));
                let _ = writeln!(out, "    </testcase>");
            }
            Outcome::Failure {
                message,
                kind,
                body,
            } => {
                let _ = writeln!(out, "{open}>");
                let _ = writeln!(
                    out,
                    r#"      <failure message="{}" type="{}">{}</failure>"#,
                    attr(message),
                    attr(kind),
                    text_node(body)
                );
                let _ = writeln!(out, "    </testcase>");
            }
            Outcome::Skipped { message } => {
                let _ = writeln!(out, "{open}>");
                if message.is_empty() {
                    let _ = writeln!(out, "      <skipped/>");
                } else {
                    let _ = writeln!(out, r#"      <skipped message="{}"/>"#, attr(message));
                }
                let _ = writeln!(out, "    </testcase>");
            }
            Outcome::Error { message } => {
                let _ = writeln!(out, "{open}>");
                let _ = writeln!(
                    out,
                    r#"      <error message="{}" type="could-not-diagnose"/>"#,
                    attr(message)
                );
                let _ = writeln!(out, "    </testcase>");
            }
        }
    }
    let _ = writeln!(out, "  </testsuite>");
    let _ = writeln!(out, "</testsuites>");
    out
}

/// The failure's body: what a CI reader needs without running authcheck again.
fn finding_body(f: &Finding, first: bool) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "{}[{}]: {}", f.severity.as_str(), f.rule, f.title);
    let _ = writeln!(b, "{}", f.message.trim());
    if first {
        let _ = writeln!(
            b,
            "most likely cause (confidence: {})",
            f.confidence.as_str()
        );
    } else {
        let _ = writeln!(b, "confidence: {}", f.confidence.as_str());
    }
    for e in &f.evidence {
        let _ = writeln!(
            b,
            "evidence: {} = {} ({})",
            e.path,
            serde_json::to_string(&e.value).unwrap_or_default(),
            e.source
        );
    }
    for (i, step) in f.fix.iter().enumerate() {
        let _ = writeln!(b, "fix {}: {}", i + 1, step.text.trim());
        if let Some(p) = &step.portal {
            let _ = writeln!(b, "  portal: {}", p.trim());
        }
        if let Some(c) = &step.command {
            let verb = if super::text::is_url(c) { "open:" } else { "$" };
            let _ = writeln!(b, "  {verb} {}", c.trim());
        }
    }
    for d in &f.docs {
        let _ = writeln!(b, "docs: {d}");
    }
    b
}

/// Drops what XML 1.0 cannot carry at all (most control characters, U+FFFE, U+FFFF), and terminal
/// escape sequences whole, since CI pages show this text to people.
fn xml_chars(s: &str) -> Vec<char> {
    let s = if s.contains('\x1b') {
        super::text::clean(s)
    } else {
        s.to_string()
    };
    s.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r')
                || (!c.is_control() && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

/// Escapes an attribute value; line breaks and tabs become character references so parsers keep them.
pub fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in xml_chars(s) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes element text.
pub fn text_node(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in xml_chars(s) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}
