//! Benchmark (not a test): the doctor against the in-process simulator with injected latency.
//!
//! Prints, per scenario, the wall time divided by the sum of every request's latency (how much the
//! concurrency saves: far below 1 is good) and by the latency of the longest chain of dependent
//! requests (how close the run comes to the floor: near 1 is good).
//!
//! `cargo run --release --example bench_doctor -- [LATENCY_MS] [SCENARIO…]`

use authcheck::cli::doctor::{self, DoctorWords, MapEnv};
use authcheck_sim::{self as sim, Scenario, SimOptions};
use clap::Parser;
use std::time::Instant;

fn main() {
    let mut argv: Vec<String> = std::env::args().skip(1).collect();
    let latency: u64 = match argv.first().and_then(|a| a.parse().ok()) {
        Some(n) => {
            argv.remove(0);
            n
        }
        None => 100,
    };
    let names: Vec<String> = if argv.is_empty() {
        vec![
            "healthy".into(),
            "rbac-role-missing".into(),
            "client-secret-invalid".into(),
        ]
    } else {
        argv
    };
    let rt = doctor::runtime().expect("runtime");
    println!(
        "{:<28} {:>4} {:>9} {:>9} {:>9} {:>10} {:>10}",
        "scenario", "reqs", "wall ms", "sum ms", "chain ms", "wall/sum", "wall/chain"
    );
    for name in &names {
        let scenario = Scenario::builtin(name).expect("a built-in scenario");
        rt.block_on(async {
            let opts = SimOptions {
                latency_ms: latency,
                ..SimOptions::default()
            };
            let handle = sim::start(scenario, opts).await.expect("simulator");
            let mut words = handle.info.doctor_args.clone();
            words.extend(["--no-prompt".into(), "--no-progress".into()]);
            let parsed = DoctorWords::try_parse_from(&words).expect("doctor_args parse");
            let env = MapEnv(handle.info.env.clone());
            let t = Instant::now();
            let d = doctor::run_async(&parsed.args, &env, false)
                .await
                .expect("diagnosis");
            let wall = t.elapsed().as_secs_f64() * 1000.0;
            let sum: f64 = d
                .requests
                .iter()
                .map(|r| r.latency.as_secs_f64() * 1000.0)
                .sum();
            let chain = d.longest_chain.as_secs_f64() * 1000.0;
            println!(
                "{:<28} {:>4} {:>9.0} {:>9.0} {:>9.0} {:>10.2} {:>10.2}",
                name,
                d.requests.len(),
                wall,
                sum,
                chain,
                wall / sum.max(1.0),
                wall / chain.max(1.0)
            );
            handle.shutdown().await;
        });
    }
}
