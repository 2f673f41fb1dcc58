//! Rule files: their TOML shape, and the checks made when one is loaded (unknown keys, bad CEL,
//! unknown evidence paths), each reported with the file and line.

use authcheck_model::evidence::{fields, NAMESPACES};
use authcheck_model::report::{Confidence, Severity};
use serde::Deserialize;
use std::sync::OnceLock;
use toml::Spanned;

/// A rule as written in `rules/<name>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable identifier; must equal the file stem.
    pub name: String,
    pub title: String,
    pub severity: Severity,
    /// The default confidence of the rule's matches.
    pub confidence: Confidence,
    /// How much this rule tends to be the root cause rather than a symptom (0–100, default 50);
    /// breaks ties between findings of equal confidence.
    #[serde(default = "default_priority")]
    pub priority: i64,
    /// A grouping word: `credential`, `consent`, `token`, `rbac`, `tenant`, `user`, `request`, `service`.
    #[serde(default)]
    pub category: Option<String>,
    /// One line: what the rule catches.
    pub summary: String,
    /// Why this breaks sign-in or the call.
    pub why: String,
    /// AADSTS codes this rule explains (the catalog maps them here too).
    #[serde(default)]
    pub codes: Vec<i64>,
    #[serde(rename = "match")]
    pub matches: Vec<MatchSpec>,
    #[serde(default)]
    pub fix: Vec<FixSpec>,
    #[serde(default)]
    pub docs: Vec<String>,
}

fn default_priority() -> i64 {
    50
}

/// One alternative way the rule fires.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    /// A short label for this alternative (`aadsts`, `graph`, `text`).
    #[serde(default)]
    pub id: Option<String>,
    /// CEL condition over the evidence.
    pub when: Spanned<String>,
    #[serde(default)]
    pub confidence: Option<Confidence>,
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Adds to the rule's priority for this alternative (may be negative).
    #[serde(default)]
    pub boost: i64,
    /// The case at hand, a template filled from the evidence.
    pub message: Spanned<String>,
    /// Evidence paths to show as what fired the rule.
    #[serde(default)]
    pub evidence: Vec<Spanned<String>>,
}

/// One fix step; every string is a template.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixSpec {
    pub text: Spanned<String>,
    #[serde(default)]
    pub portal: Option<Spanned<String>>,
    #[serde(default)]
    pub command: Option<Spanned<String>>,
    /// Show this step only when the CEL condition holds.
    #[serde(default)]
    pub when: Option<Spanned<String>>,
}

/// Why a rule file was refused.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct RuleError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// The 1-based line of a byte offset.
pub fn line_of(src: &str, offset: usize) -> usize {
    src[..offset.min(src.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

/// Parses and checks one rule file. CEL is syntax-checked here; evaluation compiles lazily.
pub fn parse(file: &str, src: &str) -> Result<RuleSpec, RuleError> {
    let spec = parse_trusted(file, src)?;
    check(file, src, spec)
}

/// Parses a rule file without the checks: for the built-in rules, which the test suite checks
/// (`tests/rules_catalog.rs`), so start-up does not pay for compiling every condition.
pub fn parse_trusted(file: &str, src: &str) -> Result<RuleSpec, RuleError> {
    toml::from_str(src).map_err(|e| {
        let line = e.span().map(|s| line_of(src, s.start)).unwrap_or(1);
        RuleError {
            file: file.into(),
            line,
            message: e.message().trim().to_string(),
        }
    })
}

/// The load-time checks of a parsed rule: name, CEL syntax, evidence paths, templates.
pub fn check(file: &str, src: &str, spec: RuleSpec) -> Result<RuleSpec, RuleError> {
    let err = |span: std::ops::Range<usize>, message: String| RuleError {
        file: file.into(),
        line: line_of(src, span.start),
        message,
    };
    let stem = std::path::Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    if spec.name != stem {
        return Err(RuleError {
            file: file.into(),
            line: 1,
            message: format!(
                "rule name `{}` does not match the file name `{stem}.toml`",
                spec.name
            ),
        });
    }
    if !spec
        .name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(RuleError {
            file: file.into(),
            line: 1,
            message: "rule names are kebab-case".into(),
        });
    }
    if spec.matches.is_empty() {
        return Err(RuleError {
            file: file.into(),
            line: 1,
            message: "a rule needs at least one [[match]]".into(),
        });
    }
    for m in &spec.matches {
        check_condition(m.when.get_ref()).map_err(|e| err(m.when.span(), e))?;
        check_template(m.message.get_ref()).map_err(|e| err(m.message.span(), e))?;
        for p in &m.evidence {
            if !fields::is_known(p.get_ref()) {
                return Err(err(
                    p.span(),
                    format!("unknown evidence path `{}`", p.get_ref()),
                ));
            }
        }
    }
    for f in &spec.fix {
        for t in [Some(&f.text), f.portal.as_ref(), f.command.as_ref()]
            .into_iter()
            .flatten()
        {
            check_template(t.get_ref()).map_err(|e| err(t.span(), e))?;
        }
        if let Some(w) = &f.when {
            check_condition(w.get_ref()).map_err(|e| err(w.span(), e))?;
        }
    }
    Ok(spec)
}

/// Syntax-checks a CEL condition and checks every evidence path it names.
pub fn check_condition(expr: &str) -> Result<(), String> {
    cel::Program::compile(expr)
        .map_err(|e| format!("bad CEL condition: {}", one_line(&e.to_string())))?;
    for path in evidence_paths(expr) {
        if !fields::is_known(&path) {
            return Err(format!("unknown evidence path `{path}` in condition"));
        }
    }
    Ok(())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The dotted evidence paths an expression reads (`request.client_id`, `app.secrets`), ignoring
/// method calls, string literals and macro variables.
pub fn evidence_paths(expr: &str) -> Vec<String> {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r#"'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\b[A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*(\s*\()?"#)
            .unwrap()
    });
    let mut out = Vec::new();
    for cap in re.captures_iter(expr) {
        let m = cap.get(0).unwrap().as_str();
        if m.starts_with('\'') || m.starts_with('"') {
            continue;
        }
        let is_call = cap.get(1).is_some();
        let chain: Vec<&str> = m.trim_end_matches('(').split('.').map(str::trim).collect();
        if !NAMESPACES.contains(&chain[0]) {
            continue;
        }
        let parts = if is_call {
            &chain[..chain.len() - 1]
        } else {
            &chain[..]
        };
        if parts.len() >= 2 {
            out.push(parts.join("."));
        } else if parts.len() == 1 && !is_call {
            // a bare namespace is fine
        }
    }
    out
}

/// Checks `{{ … }}` placeholders: each alternative is an evidence path or a quoted literal.
pub fn check_template(t: &str) -> Result<(), String> {
    for slot in super::template::slots(t)? {
        for alt in slot {
            if let super::template::Alt::Path(p) = alt {
                if !fields::is_known(&p) {
                    return Err(format!("unknown evidence path `{p}` in template"));
                }
            }
        }
    }
    Ok(())
}
