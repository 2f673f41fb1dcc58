//! Mutation tests of every offline parser and of redaction, from a fixed seed over the project's
//! own fixtures: no parser panics on any mutant (truncated, spliced, salted with the bytes the
//! scanners care about), and a canary planted in each secret shape never survives redaction,
//! however the lines around it are arranged.
//!
//! The budget is small by default so `cargo test` stays quick; `AUTHCHECK_FUZZ_CASES=2000 cargo
//! test -p authcheck-offline --test mutations` runs longer (and `AUTHCHECK_FUZZ_SEED=N` another
//! seed). A failing input is written to `target/fuzz-failures/` to be replayed and then kept in
//! `fixtures/fuzz/` under the name of the bug it pins.

use authcheck_model::evidence::{derive, Evidence};
use authcheck_offline::{read_artifact, read_stream, redact, Kind};
use std::path::{Path, PathBuf};

mod mutate;
use mutate::{cases, mutate, seed, Rng};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every fixture file that a parser reads (not READMEs or scenario files).
fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root().join("fixtures")];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = p.to_string_lossy().to_string();
            if p.is_dir() {
                if !name.ends_with("scenarios") && !name.ends_with("snapshots") {
                    stack.push(p);
                }
            } else if !name.ends_with("README.md")
                && std::fs::metadata(&p).is_ok_and(|m| m.len() < 512 * 1024)
            {
                if let Ok(b) = std::fs::read(&p) {
                    out.push((name, b));
                }
            }
        }
    }
    out.sort();
    out
}

/// One parser run, named.
type Attempt<'a> = (&'static str, Box<dyn Fn() + 'a>);

/// Runs every parser over `bytes`; returns the name of the one that panicked, if any.
fn run_all(bytes: &[u8]) -> Option<&'static str> {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let attempts: [Attempt<'_>; 9] = [
        ("text", Box::new(|| artifact(&text, Kind::Text))),
        ("json", Box::new(|| artifact(&text, Kind::Json))),
        ("jwt", Box::new(|| artifact(&text, Kind::Jwt))),
        ("az", Box::new(|| artifact(&text, Kind::Az))),
        ("evidence", Box::new(|| artifact(&text, Kind::Evidence))),
        ("har", Box::new(|| stream(bytes, Kind::Har))),
        ("signins", Box::new(|| stream(bytes, Kind::Signins))),
        ("sdk-log", Box::new(|| stream(bytes, Kind::SdkLog))),
        (
            "redact",
            Box::new(|| {
                let mut out = Vec::new();
                let _ = redact::redact_stream(&mut &bytes[..], &mut out);
                let _ = redact::redact_text(&text);
            }),
        ),
    ];
    for (name, f) in attempts {
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err() {
            return Some(name);
        }
    }
    None
}

fn artifact(text: &str, kind: Kind) {
    let mut ev = Evidence::new(1_795_521_600);
    if read_artifact(text, kind, None, &mut ev).is_ok() {
        derive::derive(&mut ev, None);
    }
}

fn stream(bytes: &[u8], kind: Kind) {
    let mut ev = Evidence::new(1_795_521_600);
    if read_stream(&mut &bytes[..], kind, &mut ev).is_ok() {
        derive::derive(&mut ev, None);
    }
}

fn save_failure(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = root().join("target/fuzz-failures");
    let _ = std::fs::create_dir_all(&dir);
    let p = dir.join(name);
    let _ = std::fs::write(&p, bytes);
    p
}

#[test]
fn no_parser_panics_on_mutated_fixtures() {
    // The panic hook would print each caught panic; the test reports them itself.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let corpus = corpus();
    assert!(corpus.len() > 100, "the fixtures were not found");
    let mut rng = Rng(seed());
    let mut failures = Vec::new();
    // The pinned regressions first, as they are.
    for (name, bytes) in &corpus {
        if name.contains("fixtures/fuzz/") {
            if let Some(p) = run_all(bytes) {
                failures.push(format!("{p} panics on {name}"));
            }
        }
    }
    for (i, (name, bytes)) in corpus.iter().enumerate() {
        for c in 0..cases() {
            let other = &corpus[rng.below(corpus.len())].1;
            let m = mutate(&mut rng, bytes, other);
            if let Some(p) = run_all(&m) {
                let saved = save_failure(&format!("{i}-{c}-{p}"), &m);
                failures.push(format!(
                    "{p} panics on a mutant of {name}: {}",
                    saved.display()
                ));
            }
        }
    }
    std::panic::set_hook(hook);
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn canaries_never_survive_redaction_however_arranged() {
    let shapes = std::fs::read_to_string(root().join("fixtures/redact/secret-shapes.txt")).unwrap();
    let lines: Vec<&str> = shapes.lines().collect();
    // A PEM block spans lines: keep it whole.
    let mut units: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].starts_with("-----BEGIN") {
            let mut block = vec![lines[i]];
            i += 1;
            while i < lines.len() && !lines[i - 1].starts_with("-----END") {
                block.push(lines[i]);
                i += 1;
            }
            units.push(block.join("\n"));
        } else {
            units.push(lines[i].to_string());
            i += 1;
        }
    }
    let noise = [
        "2026-11-24 10:00:00 INFO request ok",
        "AADSTS7000215: Invalid client secret provided.",
        "{\"status\": 200}",
        "",
        "    at Contoso.Worker.Run()",
    ];
    let mut rng = Rng(seed() ^ 0x5EC2E7);
    for _ in 0..cases() * 20 {
        let mut order: Vec<&String> = units.iter().collect();
        for k in (1..order.len()).rev() {
            order.swap(k, rng.below(k + 1));
        }
        let eol = if rng.below(2) == 0 { "\n" } else { "\r\n" };
        let mut text = String::new();
        for u in order {
            if rng.below(3) == 0 {
                text.push_str(noise[rng.below(noise.len())]);
                text.push_str(eol);
            }
            let indent = " ".repeat(rng.below(3) * 2);
            text.push_str(&indent);
            text.push_str(&u.replace('\n', eol));
            text.push_str(eol);
        }
        let mut out = Vec::new();
        // Text that starts like JSON and is not is refused ("nothing was written"): the CLI then
        // keeps no output, so only a completed copy is checked.
        if redact::redact_stream(&mut text.as_bytes(), &mut out).is_err() {
            out.clear();
        }
        let out = String::from_utf8_lossy(&out);
        assert!(
            !out.contains("CANARY"),
            "a canary survived:\n{}",
            out.lines()
                .filter(|l| l.contains("CANARY"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert!(!redact::redact_text(&text).contains("CANARY"), "{text}");
    }
}
