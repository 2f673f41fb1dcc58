//! Benchmark (not a test): what one `authcheck explain`, `decode` and `triage` costs, as whole
//! processes, against the cheapest process there is (`true`) and, when it is installed, a plain JWT
//! decoder (`jwt decode` from jwt-cli, set `JWT_CLI=/path/to/jwt`).
//!
//! Prints the median wall time per run and each command's ratio to the baseline process.
//!
//! `cargo build --release && cargo run --release --example bench_startup -- [RUNS]`

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn median_run(runs: usize, program: &Path, args: &[&str]) -> Option<Duration> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let status = Command::new(program)
            .args(args)
            .env("AUTHCHECK_NOW", "2026-11-24T12:00:00Z")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        times.push(start.elapsed());
        // Findings give exit 1; anything above means the command itself failed.
        if status.code().is_none_or(|c| c > 1) {
            eprintln!("{} {:?} failed: {status}", program.display(), args);
            return None;
        }
    }
    times.sort();
    Some(times[runs / 2])
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = ["release", "debug"]
        .iter()
        .map(|p| root.join("target").join(p).join("authcheck"))
        .find(|p| p.exists())
        .expect("build authcheck first: cargo build --release");
    let token = root.join("fixtures/tokens/arm-user-v1.jwt");
    let error = root.join("fixtures/rules/admin-consent-missing/fire-msal-python.txt");
    let token_s = token.to_string_lossy().to_string();
    let error_s = error.to_string_lossy().to_string();

    let baseline = median_run(runs, Path::new("true"), &[]).expect("`true` runs");
    println!("{} runs each, binary {}", runs, bin.display());
    println!("{:<34} {:>10} {:>10}", "command", "median", "÷ true");
    let show = |name: &str, d: Duration| {
        println!(
            "{:<34} {:>8.2}ms {:>10.1}",
            name,
            d.as_secs_f64() * 1e3,
            d.as_secs_f64() / baseline.as_secs_f64()
        );
    };
    show("true", baseline);
    if let Ok(jwt) = std::env::var("JWT_CLI") {
        let raw = std::fs::read_to_string(&token).unwrap_or_default();
        if let Some(d) = median_run(runs, Path::new(&jwt), &["decode", raw.trim()]) {
            show("jwt decode (jwt-cli)", d);
        }
    }
    let cases: [(&str, Vec<&str>); 4] = [
        (
            "authcheck explain AADSTS65001",
            vec!["explain", "AADSTS65001"],
        ),
        (
            "authcheck explain admin-consent-…",
            vec!["explain", "admin-consent-missing"],
        ),
        ("authcheck decode TOKEN", vec!["decode", &token_s]),
        ("authcheck triage ERROR", vec!["triage", &error_s]),
    ];
    for (name, args) in cases {
        if let Some(d) = median_run(runs, &bin, &args) {
            show(name, d);
        }
    }
}
