//! Benchmark (not a test): what one `authcheck decode`, `triage` and `explain` costs as a whole
//! process, each against its yardstick in the same run: `decode` and `triage` of a 2 KB paste
//! against jwt-cli decoding the same token (DESIGN.md: no slower than a plain JWT decoder;
//! triage at most twice that), `explain` against `true` (the cheapest process there is).
//!
//! Prints the median wall time per run and the ratios. jwt-cli is found through `JWT_CLI`,
//! `/work/tools/bin/jwt` or `jwt` on the PATH (`cargo install --root /work/tools jwt-cli`).
//!
//! `cargo build --release -p authcheck && cargo run --release --example bench_startup -- [RUNS]`

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

/// jwt-cli's `jwt`, if it can be found.
fn jwt_cli() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("JWT_CLI") {
        return Some(PathBuf::from(p));
    }
    let tools = PathBuf::from("/work/tools/bin/jwt");
    if tools.exists() {
        return Some(tools);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("jwt"))
            .find(|p| p.is_file())
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
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
        .expect("build authcheck first: cargo build --release -p authcheck");
    let token = root.join("fixtures/tokens/arm-user-v1.jwt");
    let paste = root.join("fixtures/text/azure-identity-dotnet-secret.txt");
    let token_s = token.to_string_lossy().to_string();
    let paste_s = paste.to_string_lossy().to_string();
    let raw_token = std::fs::read_to_string(&token).unwrap_or_default();
    let paste_len = std::fs::metadata(&paste).map(|m| m.len()).unwrap_or(0);

    println!(
        "{runs} runs each (median wall time), binary {}",
        bin.display()
    );
    println!(
        "{:<40} {:>10}   {:<26} {:>10} {:>8}",
        "command", "median", "yardstick", "median", "ratio"
    );
    let row = |name: &str, d: Duration, base_name: &str, base: Option<Duration>| match base {
        Some(b) => println!(
            "{name:<40} {:>8.2}ms   {base_name:<26} {:>8.2}ms {:>7.2}×",
            ms(d),
            ms(b),
            d.as_secs_f64() / b.as_secs_f64()
        ),
        None => println!(
            "{name:<40} {:>8.2}ms   {base_name:<26} {:>10} {:>8}",
            ms(d),
            "—",
            "—"
        ),
    };

    let truth = median_run(runs, Path::new("true"), &[]);
    let jwt = jwt_cli();
    let jwt_time = jwt
        .as_deref()
        .and_then(|j| median_run(runs, j, &["decode", raw_token.trim()]));
    let jwt_name = if jwt_time.is_some() {
        "jwt decode (jwt-cli)"
    } else {
        "jwt-cli (not found)"
    };

    if let Some(d) = median_run(runs, &bin, &["decode", &token_s]) {
        row("authcheck decode TOKEN", d, jwt_name, jwt_time);
    }
    if let Some(d) = median_run(runs, &bin, &["triage", &paste_s]) {
        let name = format!("authcheck triage PASTE ({paste_len} B)");
        row(&name, d, jwt_name, jwt_time);
    }
    for subject in ["AADSTS65001", "admin-consent-missing"] {
        if let Some(d) = median_run(runs, &bin, &["explain", subject]) {
            row(&format!("authcheck explain {subject}"), d, "true", truth);
        }
    }
    println!("goals: decode ÷ jwt-cli ≤ 1; triage ÷ jwt-cli ≤ 2; explain engine-free");
}
