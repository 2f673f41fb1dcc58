//! The rule engine: loads rule files (embedded and `--rules DIR`), evaluates their CEL conditions
//! over the evidence, fills messages and fixes, and ranks findings so the likeliest root cause
//! comes first. It knows nothing of HTTP or of where evidence came from.

pub mod rule;
pub mod template;

use authcheck_model::evidence::Evidence;
use authcheck_model::report::{Confidence, EvidenceRef, Finding, FixStep, Severity};
pub use rule::{RuleError, RuleSpec};
use std::path::Path;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// A loaded rule with its conditions compiled on first use.
pub struct Rule {
    pub spec: RuleSpec,
    /// Where it came from (`rules/x.toml` or a path under `--rules`).
    pub file: String,
    /// The source text (for `rules NAME`).
    pub source: String,
    compiled: Vec<OnceLock<Option<cel::Program>>>,
    fix_compiled: Vec<OnceLock<Option<cel::Program>>>,
}

impl Rule {
    fn new(file: String, source: String, spec: RuleSpec) -> Self {
        let compiled = spec.matches.iter().map(|_| OnceLock::new()).collect();
        let fix_compiled = spec.fix.iter().map(|_| OnceLock::new()).collect();
        Rule {
            spec,
            file,
            source,
            compiled,
            fix_compiled,
        }
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }
}

/// Every rule in force.
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

/// Errors met while evaluating (a condition that failed at run time counts as not matching).
#[derive(Debug, Clone)]
pub struct EvalNote {
    pub rule: String,
    pub message: String,
}

impl RuleSet {
    /// The rules built into the binary.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let mut rules = Vec::with_capacity(EMBEDDED_RULES.len());
        for (file, src) in EMBEDDED_RULES {
            let name = format!("rules/{file}");
            let spec = rule::parse_trusted(&name, src)?;
            rules.push(Rule::new(name, src.to_string(), spec));
        }
        Ok(RuleSet { rules })
    }

    /// Adds the rules of a folder; a rule with the name of a loaded one replaces it.
    pub fn load_dir(&mut self, dir: &Path) -> Result<usize, RuleError> {
        let rd = std::fs::read_dir(dir).map_err(|e| RuleError {
            file: dir.display().to_string(),
            line: 0,
            message: format!("cannot read the rules folder: {e}"),
        })?;
        let mut paths: Vec<_> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for p in &paths {
            let file = p.display().to_string();
            let src = std::fs::read_to_string(p).map_err(|e| RuleError {
                file: file.clone(),
                line: 0,
                message: format!("cannot read: {e}"),
            })?;
            let spec = rule::parse(&file, &src)?;
            let r = Rule::new(file, src, spec);
            // User rules are compiled now, so a bad one is refused before anything runs.
            r.compile_all().map_err(|(line, message)| RuleError {
                file: r.file.clone(),
                line,
                message,
            })?;
            if let Some(i) = self.rules.iter().position(|x| x.name() == r.name()) {
                self.rules[i] = r;
            } else {
                self.rules.push(r);
            }
        }
        Ok(paths.len())
    }

    pub fn get(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name() == name)
    }

    /// Runs every rule that can apply and returns the findings, best first.
    pub fn evaluate(&self, ev: &Evidence) -> (Vec<Finding>, Vec<EvalNote>) {
        let doc = serde_json::to_value(ev).unwrap_or_default();
        let populated = ev.populated();
        let mut ctx = cel::Context::default();
        // The standard `matches` compiles its pattern on every call; rules call it often.
        let _ = ctx.add_function("matches", cached_matches);
        for ns in authcheck_model::evidence::NAMESPACES {
            let v = doc.get(*ns).cloned().unwrap_or(serde_json::Value::Null);
            let _ = ctx.add_variable(*ns, json_to_cel(&v));
        }
        let mut findings = Vec::new();
        let mut notes = Vec::new();
        for rule in &self.rules {
            let mut best: Option<Finding> = None;
            for (i, m) in rule.spec.matches.iter().enumerate() {
                // Skip a condition whose namespaces hold nothing: it cannot be about this input.
                let used = rule::evidence_paths(m.when.get_ref());
                let needs_data = !used.is_empty()
                    && used.iter().all(|p| {
                        let ns = p.split('.').next().unwrap_or("");
                        ns != "input" && ns != "env"
                    });
                if needs_data
                    && !used
                        .iter()
                        .any(|p| populated.contains(&p.split('.').next().unwrap_or("")))
                {
                    continue;
                }
                let Some(program) =
                    rule.compiled[i].get_or_init(|| cel::Program::compile(m.when.get_ref()).ok())
                else {
                    continue;
                };
                match program.execute(&ctx) {
                    Ok(cel::Value::Bool(true)) => {}
                    Ok(_) => continue,
                    Err(e) => {
                        notes.push(EvalNote {
                            rule: rule.name().to_string(),
                            message: e.to_string(),
                        });
                        continue;
                    }
                }
                let severity = m.severity.unwrap_or(rule.spec.severity);
                let confidence = m.confidence.unwrap_or(rule.spec.confidence);
                let score = score(confidence, rule.spec.priority + m.boost, severity);
                if best.as_ref().is_some_and(|b| b.score >= score) {
                    continue;
                }
                let evidence = m
                    .evidence
                    .iter()
                    .filter_map(|p| {
                        let path = p.get_ref();
                        let value = template::lookup(&doc, path)?;
                        let ns = path.split('.').next().unwrap_or("");
                        let source = ev
                            .input
                            .sources
                            .get(ns)
                            .cloned()
                            .unwrap_or_else(|| ns.to_string());
                        Some(EvidenceRef {
                            source,
                            path: path.clone(),
                            value,
                        })
                    })
                    .collect();
                let fix = rule
                    .spec
                    .fix
                    .iter()
                    .enumerate()
                    .filter(|(j, f)| match &f.when {
                        None => true,
                        Some(w) => rule.fix_compiled[*j]
                            .get_or_init(|| cel::Program::compile(w.get_ref()).ok())
                            .as_ref()
                            .is_some_and(|p| matches!(p.execute(&ctx), Ok(cel::Value::Bool(true)))),
                    })
                    .map(|(_, f)| FixStep {
                        text: template::fill(f.text.get_ref(), &doc),
                        command: f
                            .command
                            .as_ref()
                            .map(|c| template::fill(c.get_ref(), &doc)),
                        portal: f.portal.as_ref().map(|c| template::fill(c.get_ref(), &doc)),
                    })
                    .collect();
                best = Some(Finding {
                    rule: rule.name().to_string(),
                    severity,
                    confidence,
                    title: rule.spec.title.clone(),
                    message: template::fill(m.message.get_ref(), &doc),
                    evidence,
                    fix,
                    docs: rule.spec.docs.clone(),
                    score,
                });
            }
            if let Some(f) = best {
                findings.push(f);
            }
        }
        rank(&mut findings);
        (findings, notes)
    }
}

impl Rule {
    /// Compiles every condition now; the error carries the line.
    pub fn compile_all(&self) -> Result<(), (usize, String)> {
        for (i, m) in self.spec.matches.iter().enumerate() {
            let p = cel::Program::compile(m.when.get_ref()).map_err(|e| {
                (
                    rule::line_of(&self.source, m.when.span().start),
                    e.to_string(),
                )
            })?;
            let _ = self.compiled[i].set(Some(p));
        }
        Ok(())
    }
}

/// Confidence outranks everything; then how root-cause-like the rule is; then severity.
fn score(c: Confidence, priority: i64, s: Severity) -> i64 {
    let c = match c {
        Confidence::Certain => 3,
        Confidence::Likely => 2,
        Confidence::Possible => 1,
    };
    let s = match s {
        Severity::Error => 3,
        Severity::Warning => 2,
        Severity::Info => 1,
    };
    c * 100_000 + priority.clamp(-999, 9_999) * 10 + s
}

/// Orders findings best first; ties by rule name so output is stable.
pub fn rank(findings: &mut [Finding]) {
    findings.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.rule.cmp(&b.rule)));
}

/// Converts JSON to a CEL value: integers stay `int`, objects become maps with string keys.
pub fn json_to_cel(v: &serde_json::Value) -> cel::Value {
    use serde_json::Value as J;
    match v {
        J::Null => cel::Value::Null,
        J::Bool(b) => cel::Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => cel::Value::Int(i),
            None => cel::Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        J::String(s) => cel::Value::String(std::sync::Arc::new(s.clone())),
        J::Array(a) => cel::Value::List(std::sync::Arc::new(a.iter().map(json_to_cel).collect())),
        J::Object(o) => {
            let m: std::collections::HashMap<String, cel::Value> =
                o.iter().map(|(k, v)| (k.clone(), json_to_cel(v))).collect();
            cel::Value::Map(m.into())
        }
    }
}

/// CEL `text.matches(pattern)` / `matches(text, pattern)` with each pattern compiled once per
/// process (RE2 syntax, as CEL specifies; `regex-lite` implements it without Unicode tables, so
/// `(?i)` folds ASCII letters only — rule phrases are English).
fn cached_matches(
    cel::extractors::This(text): cel::extractors::This<std::sync::Arc<String>>,
    pattern: std::sync::Arc<String>,
) -> cel::ResolveResult {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static CACHE: OnceLock<Mutex<HashMap<String, Option<regex_lite::Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let re = {
        let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(pattern.as_str().to_string())
            .or_insert_with(|| regex_lite::Regex::new(&pattern).ok())
            .clone()
    };
    match re {
        Some(re) => Ok(cel::Value::Bool(re.is_match(&text))),
        None => Err(cel::ExecutionError::function_error(
            "matches",
            format!("'{pattern}' is not a valid regular expression"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_set(cond: &str) -> RuleSet {
        let src = format!(
            "name = \"t\"\ntitle = \"t\"\nseverity = \"error\"\nconfidence = \"certain\"\nsummary = \"s\"\nwhy = \"w\"\n[[match]]\nwhen = \"{cond}\"\nmessage = \"m\"\n"
        );
        let spec = rule::parse("t.toml", &src).expect("test rule parses");
        RuleSet {
            rules: vec![Rule::new("t.toml".into(), src, spec)],
        }
    }

    #[test]
    fn matches_uses_the_pattern_and_reports_a_bad_one() {
        let mut ev = Evidence::new(0);
        ev.response.messages = vec!["Need Admin Approval".into()];
        let (f, _) = rule_set("response.messages.exists(m, m.matches('(?i)need admin approval'))")
            .evaluate(&ev);
        assert_eq!(f.len(), 1);
        let (f, _) = rule_set("response.messages.exists(m, m.matches('^approval'))").evaluate(&ev);
        assert!(f.is_empty());
        let (f, notes) =
            rule_set("response.messages.exists(m, m.matches('(unclosed'))").evaluate(&ev);
        assert!(f.is_empty());
        assert!(
            notes
                .iter()
                .any(|n| n.message.contains("regular expression")),
            "{notes:?}"
        );
    }
}
