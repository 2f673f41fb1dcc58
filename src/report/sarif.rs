//! SARIF 2.1.0: one run, one rule descriptor per rule that fired, one result per finding. Shaped for
//! GitHub code scanning (stable `ruleId`, `partialFingerprints`, a file location when there is a file).

use super::{CheckStatus, Finding, Report, Severity};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where the tool is described: the package's homepage or repository when `Cargo.toml` names one.
pub fn information_uri() -> &'static str {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|u| !u.is_empty())
        .unwrap_or("https://github.com/authcheck/authcheck")
}
/// The `partialFingerprints` key; bump the version if the hashed text ever changes.
pub const FINGERPRINT_KEY: &str = "authcheckFinding/v1";

/// Renders a report as a SARIF 2.1.0 log.
pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(&to_value(report)).unwrap_or_else(|_| "{}".into())
}

/// The SARIF log as a JSON value.
pub fn to_value(report: &Report) -> Value {
    // One descriptor per rule, in order of first appearance; results point at it by index.
    let mut rule_ids: Vec<&str> = Vec::new();
    let mut rules: Vec<Value> = Vec::new();
    for f in &report.findings {
        if rule_ids.contains(&f.rule.as_str()) {
            continue;
        }
        rule_ids.push(&f.rule);
        rules.push(descriptor(f));
    }
    let results: Vec<Value> = report
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let index = rule_ids.iter().position(|r| *r == f.rule).unwrap_or(0);
            result(report, f, index, i == 0)
        })
        .collect();
    let mut run = Map::new();
    run.insert(
        "tool".into(),
        json!({
            "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "informationUri": information_uri(),
                "rules": rules,
            }
        }),
    );
    if let Some(uri) = file_uri(report) {
        run.insert(
            "artifacts".into(),
            json!([{ "location": { "uri": uri }, "roles": ["analysisTarget"] }]),
        );
    }
    run.insert("results".into(), Value::Array(results));
    run.insert(
        "automationDetails".into(),
        json!({ "id": format!("authcheck/{}/", report.command) }),
    );
    run.insert("columnKind".into(), json!("unicodeCodePoints"));
    let mut props = Map::new();
    props.insert("command".into(), json!(report.command));
    props.insert("summary".into(), json!(report.summary));
    if !report.checks.is_empty() {
        props.insert("checks".into(), json!(report.checks));
    }
    run.insert("properties".into(), Value::Object(props));
    // Nothing known in the input: the run succeeded, and says what it read.
    if let (Some(note), true) = (&report.summary.note, report.findings.is_empty()) {
        run.insert(
            "invocations".into(),
            json!([{
                "executionSuccessful": true,
                "toolExecutionNotifications": [{
                    "level": "note",
                    "message": { "text": note },
                    "descriptor": { "id": "nothing-known-found" }
                }]
            }]),
        );
    }
    // A check that works with a caveat: the run succeeded, with a warning-level notification per
    // such check (a check is not a result: it has no rule and no location).
    let warned: Vec<Value> = report
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Warning)
        .map(|c| {
            json!({
                "level": "warning",
                "message": { "text": format!("{}: {}", c.name, c.detail) },
                "descriptor": { "id": "check-warning" },
                "properties": { "check": c.name }
            })
        })
        .collect();
    if !warned.is_empty() {
        let mut notes = warned;
        if let Some(Value::Array(inv)) = run.get("invocations") {
            if let Some(Value::Array(prev)) = inv
                .first()
                .and_then(|i| i.get("toolExecutionNotifications"))
            {
                notes.splice(0..0, prev.iter().cloned());
            }
        }
        run.insert(
            "invocations".into(),
            json!([{ "executionSuccessful": true, "toolExecutionNotifications": notes }]),
        );
    }
    // A run that could not diagnose did not succeed, whatever its (empty) results say.
    if let (Some(why), true) = (
        &report.summary.could_not_diagnose,
        report.findings.is_empty(),
    ) {
        // The error first; any check warnings stay after it.
        let mut notes = vec![json!({
            "level": "error",
            "message": { "text": format!("could not diagnose: {why}") },
            "descriptor": { "id": "could-not-diagnose" }
        })];
        if let Some(Value::Array(prev)) = run
            .get("invocations")
            .and_then(|i| i.get(0))
            .and_then(|i| i.get("toolExecutionNotifications"))
        {
            notes.extend(
                prev.iter()
                    .filter(|n| n["descriptor"]["id"] == "check-warning")
                    .cloned(),
            );
        }
        run.insert(
            "invocations".into(),
            json!([{ "executionSuccessful": false, "toolExecutionNotifications": notes }]),
        );
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [Value::Object(run)],
    })
}

/// SARIF's three levels for our three severities.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn descriptor(f: &Finding) -> Value {
    let mut d = Map::new();
    d.insert("id".into(), json!(f.rule));
    d.insert("name".into(), json!(pascal(&f.rule)));
    d.insert("shortDescription".into(), json!({ "text": f.title }));
    if let Some(url) = f.docs.first() {
        d.insert("helpUri".into(), json!(url));
    }
    d.insert(
        "help".into(),
        json!({ "text": format!("`authcheck explain {}` describes this rule and how to fix it.", f.rule) }),
    );
    d.insert(
        "defaultConfiguration".into(),
        json!({ "level": level(f.severity) }),
    );
    d.insert(
        "properties".into(),
        json!({ "tags": ["entra-id", "authentication"] }),
    );
    Value::Object(d)
}

fn result(report: &Report, f: &Finding, rule_index: usize, first: bool) -> Value {
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(f.rule));
    r.insert("ruleIndex".into(), json!(rule_index));
    r.insert("level".into(), json!(level(f.severity)));
    r.insert("message".into(), json!({ "text": message_text(f) }));
    r.insert("locations".into(), json!([location(report)]));
    r.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: fingerprint(f) }),
    );
    r.insert(
        "properties".into(),
        json!({
            "title": f.title,
            "confidence": f.confidence,
            "mostLikelyCause": first,
            "evidence": f.evidence,
            "fix": f.fix,
            "docs": f.docs,
        }),
    );
    Value::Object(r)
}

/// The message, then the fix in one paragraph: code scanning shows only the message text.
fn message_text(f: &Finding) -> String {
    let mut text = f.message.trim().to_string();
    if !f.fix.is_empty() {
        text.push_str("\n\nFix:");
        for (i, step) in f.fix.iter().enumerate() {
            text.push_str(&format!("\n{}. {}", i + 1, step.text.trim()));
            if let Some(p) = &step.portal {
                text.push_str(&format!("\n   Portal: {}", p.trim()));
            }
            if let Some(c) = &step.command {
                let verb = if super::text::is_url(c) {
                    "Open"
                } else {
                    "Run"
                };
                text.push_str(&format!("\n   {verb}: {}", c.trim()));
            }
        }
    }
    text
}

/// A file when the input is one; otherwise a logical location naming what was diagnosed.
fn location(report: &Report) -> Value {
    match file_uri(report) {
        Some(uri) => json!({
            "physicalLocation": {
                "artifactLocation": { "uri": uri, "index": 0 },
                "region": { "startLine": 1 }
            }
        }),
        None => {
            let name = report
                .input
                .as_ref()
                .and_then(|i| i.name.clone())
                .map(|n| {
                    if n == "-" {
                        "standard input".to_string()
                    } else {
                        n
                    }
                })
                .unwrap_or_else(|| report.command.clone());
            json!({
                "logicalLocations": [{
                    "name": name,
                    "fullyQualifiedName": format!("authcheck::{}::{}", report.command, name),
                    "kind": "module"
                }]
            })
        }
    }
}

/// The input as a URI reference, when it names a file (not stdin, not a token given inline).
pub fn file_uri(report: &Report) -> Option<String> {
    let name = report.input.as_ref()?.name.as_deref()?;
    if !is_path(name) {
        return None;
    }
    let slashed = name.replace('\\', "/");
    let bytes = slashed.as_bytes();
    // A Windows drive path is not a relative reference: make it a file URI (`file:///C:/…`).
    if bytes.len() > 2 && bytes[1] == b':' && bytes[2] == b'/' && bytes[0].is_ascii_alphabetic() {
        let (drive, rest) = slashed.split_at(2);
        return Some(format!("file:///{drive}{}", percent_encode_path(rest)));
    }
    Some(percent_encode_path(&slashed))
}

/// Whether an input name is a path (the CLI names stdin `-` or `standard input`, and a token given
/// on the command line `the token argument`).
pub fn is_path(name: &str) -> bool {
    !(name.is_empty()
        || name == "-"
        || name == "standard input"
        || name == "the token argument"
        || name.chars().any(char::is_control))
}

/// What a URI path may hold as it is: unreserved characters, sub-delimiters, `/` and `@`. `:` is
/// encoded too: in a relative reference it would make `a:b.txt` read as a URI with the scheme `a`.
const PATH: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b'@');

fn percent_encode_path(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, PATH).to_string()
}

/// Stable across runs and machines: the rule and the case-specific message, nothing else.
pub fn fingerprint(f: &Finding) -> String {
    let mut h = Sha256::new();
    h.update(f.rule.as_bytes());
    h.update([0u8]);
    h.update(f.message.as_bytes());
    let digest = h.finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `admin-consent-missing` → `AdminConsentMissing` (SARIF's optional `name`, meant to be readable).
fn pascal(rule: &str) -> String {
    rule.split(['-', '_', '.'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}
