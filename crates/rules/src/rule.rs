//! Rule files: their TOML shape, and the checks made when one is loaded (unknown keys, bad CEL,
//! unknown evidence paths, repeated match ids, literals outside a field's vocabulary), each
//! reported with the file and line. The build script makes the same checks on `rules/*.toml`.

use crate::analysis;
use authcheck_model::evidence::fields;
use authcheck_model::report::{Confidence, Severity};
use cel::IdedExpr;
use serde::Deserialize;
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
    /// The observed failure the rule explains, when other rules are alternative causes of the
    /// same failure (`client-secret-rejected`): findings that share it count as one fault.
    #[serde(default)]
    pub fault: Option<String>,
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
    /// A short label for this alternative (`aadsts`, `graph`, `text`), unique within the rule.
    #[serde(default)]
    pub id: Option<Spanned<String>>,
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
    /// The observed failure this alternative explains, when it differs from the rule's `fault`.
    #[serde(default)]
    pub fault: Option<String>,
    /// This alternative restates what a wrapper said (an SDK's "interaction required") rather than
    /// naming a cause: when another rule explains the same input, the finding is counted within
    /// that rule's fault instead of as a fault of its own.
    #[serde(default)]
    pub wrapper: bool,
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

/// A rule file that passed the load-time checks, with its conditions parsed.
pub struct CheckedRule {
    pub spec: RuleSpec,
    /// Each `[[match]]`'s condition, in order.
    pub conditions: Vec<IdedExpr>,
    /// Each `[[fix]]`'s `when`, in order.
    pub fix_conditions: Vec<Option<IdedExpr>>,
}

/// Parses and checks one rule file.
pub fn parse(file: &str, src: &str) -> Result<RuleSpec, RuleError> {
    parse_checked(file, src).map(|c| c.spec)
}

/// Parses and checks one rule file, keeping the parsed conditions.
pub fn parse_checked(file: &str, src: &str) -> Result<CheckedRule, RuleError> {
    let spec = parse_trusted(file, src)?;
    check(file, src, spec)
}

/// Parses a rule file without the checks.
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

/// The load-time checks of a parsed rule: name, match ids, CEL syntax, evidence paths,
/// vocabularies, templates.
pub fn check(file: &str, src: &str, spec: RuleSpec) -> Result<CheckedRule, RuleError> {
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
    for f in spec
        .fault
        .iter()
        .chain(spec.matches.iter().filter_map(|m| m.fault.as_ref()))
    {
        if f.is_empty()
            || !f
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(RuleError {
                file: file.into(),
                line: 1,
                message: format!("fault `{f}` is not kebab-case"),
            });
        }
    }
    if spec.matches.is_empty() {
        return Err(RuleError {
            file: file.into(),
            line: 1,
            message: "a rule needs at least one [[match]]".into(),
        });
    }
    let mut conditions = Vec::with_capacity(spec.matches.len());
    for (i, m) in spec.matches.iter().enumerate() {
        if let Some(id) = &m.id {
            // Findings name the match that fired them: two with one id could not be told apart.
            if spec.matches[..i].iter().any(|earlier| {
                earlier
                    .id
                    .as_ref()
                    .is_some_and(|e| e.get_ref() == id.get_ref())
            }) {
                return Err(err(
                    id.span(),
                    format!("match id `{}` is used twice in this rule", id.get_ref()),
                ));
            }
        }
        let expr = check_condition(m.when.get_ref()).map_err(|e| err(m.when.span(), e))?;
        check_vocabulary(src, m.when.span(), &expr).map_err(|(at, e)| err(at..at, e))?;
        conditions.push(expr);
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
    let mut fix_conditions = Vec::with_capacity(spec.fix.len());
    for f in &spec.fix {
        for t in [Some(&f.text), f.portal.as_ref(), f.command.as_ref()]
            .into_iter()
            .flatten()
        {
            check_template(t.get_ref()).map_err(|e| err(t.span(), e))?;
        }
        fix_conditions.push(match &f.when {
            Some(w) => {
                let expr = check_condition(w.get_ref()).map_err(|e| err(w.span(), e))?;
                check_vocabulary(src, w.span(), &expr).map_err(|(at, e)| err(at..at, e))?;
                Some(expr)
            }
            None => None,
        });
    }
    Ok(CheckedRule {
        spec,
        conditions,
        fix_conditions,
    })
}

/// Parses a CEL condition and checks every evidence path it names.
pub fn check_condition(expr: &str) -> Result<IdedExpr, String> {
    let program = cel::Program::compile(expr)
        .map_err(|e| format!("bad CEL condition: {}", one_line(&e.to_string())))?;
    for path in analysis::read_paths(program.expression()) {
        if !fields::is_known(&path) {
            return Err(format!("unknown evidence path `{path}` in condition"));
        }
    }
    Ok(program.expression().clone())
}

/// Refuses a string literal compared with a fixed-vocabulary field that can never hold it; the
/// error carries the byte offset of the literal in `src` (or of the condition).
fn check_vocabulary(
    src: &str,
    span: std::ops::Range<usize>,
    expr: &IdedExpr,
) -> Result<(), (usize, String)> {
    let Some(m) = analysis::vocab_mismatches(expr).into_iter().next() else {
        return Ok(());
    };
    let written = src.get(span.clone()).unwrap_or("");
    let at = [format!("'{}'", m.literal), format!("\"{}\"", m.literal)]
        .iter()
        .filter_map(|q| written.find(q.as_str()))
        .min()
        .map_or(span.start, |i| span.start + i);
    let close: Vec<&str> = m
        .allowed
        .iter()
        .copied()
        .filter(|v| v.eq_ignore_ascii_case(&m.literal) || v.replace('-', "_") == m.literal)
        .collect();
    let hint = match close.first() {
        Some(v) => format!("; did you mean '{v}'?"),
        None => String::new(),
    };
    Err((
        at,
        format!(
            "`{}` is never '{}': its values are {}{hint}",
            m.path,
            m.literal,
            m.allowed
                .iter()
                .map(|v| format!("'{v}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
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
