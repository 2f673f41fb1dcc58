//! `authcheck explain`: what an AADSTS code or a rule means and how to fix it. Reads the catalog and
//! the built-in rule table (statics made at build time); never loads the rule engine or parses a
//! condition, so it starts as fast as a plain lookup.

use super::{emit, CliError};
use authcheck_model::knowledge::aadsts;
use authcheck_rules::RuleDef;
use clap::{Args, ValueEnum};
use colored::Colorize;
use serde_json::json;

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// `AADSTS65001`, `65001`, or a rule name such as `admin-consent-missing`.
    pub subject: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

/// The built-in rule of this name.
pub fn builtin_rule(name: &str) -> Option<&'static RuleDef> {
    authcheck_rules::builtin_rule(name)
}

pub fn run(args: &ExplainArgs, _color: bool) -> Result<i32, CliError> {
    let subject = args.subject.trim();
    if let Some(code) = aadsts::parse_code(subject) {
        let entry = aadsts::lookup(code).ok_or_else(|| {
            CliError::Input(format!(
                "AADSTS{code}: not in authcheck's catalog of {} codes; check the number, or paste the whole error into `authcheck triage -`",
                aadsts::all().len()
            ))
        })?;
        let rule = entry.rule.and_then(builtin_rule);
        match args.format {
            ExplainFormat::Json => emit(
                &serde_json::to_string_pretty(&json!({
                    "code": format!("AADSTS{}", entry.code),
                    "name": entry.name,
                    "meaning": entry.meaning,
                    "rule": rule.map(rule_json),
                }))
                .unwrap_or_default(),
            ),
            ExplainFormat::Text => {
                let mut out = format!(
                    "{}  {}\n\n  {}\n",
                    format!("AADSTS{}", entry.code).bold(),
                    entry.name,
                    entry.meaning
                );
                match rule {
                    Some(r) => {
                        out.push('\n');
                        out.push_str(&rule_text(r));
                    }
                    None => out.push_str("\n  No rule diagnoses this code on its own; `authcheck triage` on the whole error may tell more.\n"),
                }
                emit(&out);
            }
        }
        return Ok(0);
    }
    let rule = builtin_rule(subject).ok_or_else(|| {
        CliError::Input(format!(
            "`{subject}` is neither an AADSTS code nor a rule name; `authcheck rules` lists the rules"
        ))
    })?;
    match args.format {
        ExplainFormat::Json => {
            emit(&serde_json::to_string_pretty(&rule_json(rule)).unwrap_or_default())
        }
        ExplainFormat::Text => emit(&rule_text(rule)),
    }
    Ok(0)
}

fn rule_json(r: &RuleDef) -> serde_json::Value {
    json!({
        "rule": r.name,
        "title": r.title,
        "severity": r.severity,
        "confidence": r.confidence,
        "summary": r.summary,
        "why": r.why.trim(),
        "codes": r.codes.iter().map(|c| format!("AADSTS{c}")).collect::<Vec<_>>(),
        "fix": r.fix.iter().map(|f| json!({
            "text": f.text,
            "portal": f.portal,
            "command": f.command,
        })).collect::<Vec<_>>(),
        "docs": r.docs,
    })
}

/// A rule's page: what it catches, why it matters, how to fix it (templates left unfilled).
pub fn rule_text(r: &RuleDef) -> String {
    let mut out = format!(
        "{} {}\n  {}\n\n",
        r.name.bold(),
        format!("({})", r.severity.as_str()).dimmed(),
        r.title
    );
    out.push_str(&format!("  {}\n\n", r.summary));
    for line in wrap(r.why.trim(), 96) {
        out.push_str(&format!("  {line}\n"));
    }
    if !r.codes.is_empty() {
        let codes: Vec<String> = r.codes.iter().map(|c| format!("AADSTS{c}")).collect();
        out.push_str(&format!("\n  codes: {}\n", codes.join(", ")));
    }
    if !r.fix.is_empty() {
        out.push_str("\n  fix:\n");
        for (i, f) in r.fix.iter().enumerate() {
            out.push_str(&format!("    {}. {}\n", i + 1, blank(&f.text)));
            if let Some(p) = &f.portal {
                out.push_str(&format!("       portal: {}\n", blank(p)));
            }
            if let Some(c) = &f.command {
                out.push_str(&format!("       $ {}\n", blank(c)));
            }
        }
    }
    for d in r.docs.iter() {
        out.push_str(&format!("  docs: {d}\n"));
    }
    out
}

/// Greedy word wrap.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split("\n\n") {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + word.len() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines.push(String::new());
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// A template with every placeholder shown as `<name>` (no evidence to fill it from).
fn blank(t: &str) -> String {
    authcheck_rules::template::fill(t, &serde_json::Value::Null)
}
