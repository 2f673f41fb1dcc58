//! Walks `rules/`: every rule must have a fixture that fires it (and comes first) and a near miss
//! that must not fire it, under `fixtures/rules/<rule>/`.
//!
//! Fixture files: `fire*` and `pass*` with any extension. The kind is detected as `triage` would,
//! except `*.jwt` (a token) and `*.evidence.json` (an evidence document). A sidecar
//! `<fixture>.toml` may set `api = "purview"` (the target API), `now = "RFC 3339"` and
//! `first = false` (the rule must fire but need not lead). Times are judged at [`NOW`].

use authcheck::cli::build_evidence;
use authcheck_offline::Kind;
use authcheck_rules::RuleSet;
use std::path::{Path, PathBuf};

/// The fixed instant every fixture is judged at.
pub const NOW: &str = "2026-11-24T12:00:00Z";

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Sidecar {
    api: Option<String>,
    now: Option<String>,
    first: Option<bool>,
    kind: Option<String>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures_of(rule: &str) -> Vec<PathBuf> {
    let dir = root().join("fixtures/rules").join(rule);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| {
        let n = p.file_name().unwrap().to_string_lossy().to_string();
        (n.starts_with("fire") || n.starts_with("pass"))
            && !(n.ends_with(".toml") && n.matches('.').count() >= 2)
    });
    v.sort();
    v
}

fn run_fixture(rules: &RuleSet, path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let side_path = PathBuf::from(format!("{}.toml", path.display()));
    let side: Sidecar = match std::fs::read_to_string(&side_path) {
        Ok(s) => toml::from_str(&s).map_err(|e| format!("{}: {e}", side_path.display()))?,
        Err(_) => Sidecar::default(),
    };
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let kind = match side.kind.as_deref() {
        Some("text") => Some(Kind::Text),
        Some("json") => Some(Kind::Json),
        Some("jwt") => Some(Kind::Jwt),
        Some(other) => return Err(format!("unknown kind {other}")),
        None if name.ends_with(".jwt") => Some(Kind::Jwt),
        None if name.ends_with(".evidence.json") => Some(Kind::Evidence),
        None => None,
    };
    let now = authcheck::cli::parse_time(side.now.as_deref().unwrap_or(NOW)).unwrap();
    let ev = build_evidence(&text, &name, kind, side.api.as_deref(), None, now)
        .map_err(|e| e.to_string())?;
    let (findings, notes) = rules.evaluate(&ev);
    // A pattern that does not compile makes its match silently never fire: refuse it here.
    if let Some(n) = notes
        .iter()
        .find(|n| n.message.contains("regular expression"))
    {
        return Err(format!("rule {}: {}", n.rule, n.message));
    }
    Ok(findings.into_iter().map(|f| f.rule).collect())
}

#[test]
fn every_rule_fires_on_its_fixtures_and_not_on_its_near_misses() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    let mut failures = Vec::new();
    for rule in &rules.rules {
        let name = rule.name();
        let files = fixtures_of(name);
        let fires: Vec<_> = files
            .iter()
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("fire"))
            .collect();
        let passes: Vec<_> = files
            .iter()
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("pass"))
            .collect();
        if fires.is_empty() {
            failures.push(format!(
                "{name}: no fire* fixture in fixtures/rules/{name}/"
            ));
        }
        if passes.is_empty() {
            failures.push(format!(
                "{name}: no pass* (near miss) fixture in fixtures/rules/{name}/"
            ));
        }
        for f in fires {
            let first = std::fs::read_to_string(format!("{}.toml", f.display()))
                .ok()
                .and_then(|s| toml::from_str::<Sidecar>(&s).ok())
                .and_then(|s| s.first)
                .unwrap_or(true);
            match run_fixture(&rules, f) {
                Err(e) => failures.push(format!("{}: {e}", f.display())),
                Ok(found) if !found.iter().any(|r| r == name) => failures.push(format!(
                    "{}: `{name}` did not fire (got {found:?})",
                    f.display()
                )),
                Ok(found) if first && found[0] != name => failures.push(format!(
                    "{}: `{name}` fired but {found:?} came first",
                    f.display()
                )),
                Ok(_) => {}
            }
        }
        for p in passes {
            match run_fixture(&rules, p) {
                Err(_) => {} // a near miss may be input triage refuses: that is not the rule firing
                Ok(found) if found.iter().any(|r| r == name) => failures.push(format!(
                    "{}: near miss fired `{name}` (got {found:?})",
                    p.display()
                )),
                Ok(_) => {}
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} rule fixture problems:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[test]
fn every_builtin_rule_passes_the_load_time_checks() {
    // Built-in rules skip these checks at start-up; this is where they are made.
    for r in &RuleSet::builtin().expect("built-in rules load").rules {
        authcheck_rules::rule::parse(&r.file, &r.source).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn every_builtin_condition_compiles() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    for r in &rules.rules {
        r.compile_all()
            .unwrap_or_else(|(line, e)| panic!("{}:{line}: {e}", r.file));
    }
}
