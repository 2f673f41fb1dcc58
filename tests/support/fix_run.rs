//! Running `authcheck fix` and `doctor` against a simulator: with an operator appended for the
//! fix suites (tests/fix_e2e.rs, tests/fix_dataplane_e2e.rs), and `exec` alone for
//! tests/doctor_e2e.rs. No test times anything; a guard only kills a hung run.

#![allow(dead_code)]

use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::sim_common::SimProc;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A built-in scenario with an operator appended, started.
pub fn start(scenario: &str, operator: &str, dir: &Path) -> SimProc {
    let text = std::fs::read_to_string(root().join(format!("fixtures/scenarios/{scenario}.toml")))
        .unwrap()
        + "\n"
        + &std::fs::read_to_string(root().join(format!("fixtures/fix/{operator}.toml"))).unwrap();
    let p = dir.join(format!("{scenario}+{operator}.toml"));
    std::fs::write(&p, text).unwrap();
    SimProc::start(p.to_str().unwrap(), &[])
}

/// A built-in scenario that carries its own operator, started as it is, or with `edit` applied
/// to its text (`None` for no change).
pub fn start_own(scenario: &str, edit: Option<(&str, &str)>, dir: &Path) -> SimProc {
    let mut text =
        std::fs::read_to_string(root().join(format!("fixtures/scenarios/{scenario}.toml")))
            .unwrap();
    if let Some((from, to)) = edit {
        assert!(text.contains(from), "{scenario}: no `{from}` to replace");
        text = text.replace(from, to);
    }
    let p = dir.join(format!("{scenario}+own-operator.toml"));
    std::fs::write(&p, text).unwrap();
    SimProc::start(p.to_str().unwrap(), &[])
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "JSON: {e}\nstdout: {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

/// `authcheck CMD` with the simulator's environment and doctor arguments plus `extra`.
pub fn run(sim: &SimProc, cmd: &str, extra: &[&str]) -> Run {
    run_without(sim, cmd, extra, &[])
}

/// As [`run`], without the simulator's environment variables named in `drop`.
pub fn run_without(sim: &SimProc, cmd: &str, extra: &[&str], drop: &[&str]) -> Run {
    let args: Vec<&str> = ["--no-prompt"]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    exec(sim, cmd, &args, drop)
}

/// `authcheck CMD` with the simulator's doctor arguments plus `extra`, and only the simulator's
/// environment (less the variables in `drop`), killed if it hangs; never a panic.
pub fn exec(sim: &SimProc, cmd: &str, extra: &[&str], drop: &[&str]) -> Run {
    let mut c = Command::new(env!("CARGO_BIN_EXE_authcheck"));
    c.arg(cmd);
    for a in sim.info["doctor_args"].as_array().unwrap() {
        c.arg(a.as_str().unwrap());
    }
    c.args(extra);
    c.env_clear();
    for (k, v) in sim.info["env"].as_object().unwrap() {
        if !drop.contains(&k.as_str()) {
            c.env(k, v.as_str().unwrap());
        }
    }
    c.env("NO_COLOR", "1");
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    // A hang guard, not a timing assertion.
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            panic!("{cmd} hung against {}", sim.info["scenario"]);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let r = Run {
        code: status.code().unwrap_or(-1),
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
    };
    assert!(
        !r.stderr.contains("internal error") && !r.stderr.contains("panicked"),
        "{}",
        r.stderr
    );
    r
}

pub fn first_rule(doctor: &Run) -> String {
    doctor.json()["findings"][0]["rule"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// The operator's tokens never reach an output.
pub fn no_operator_token(sim: &SimProc, runs: &[&Run]) {
    for k in [
        "AUTHCHECK_GRAPH_TOKEN",
        "AUTHCHECK_ARM_TOKEN",
        "AUTHCHECK_PURVIEW_TOKEN",
        "AUTHCHECK_POWERPLATFORM_TOKEN",
    ] {
        let Some(t) = sim.env(k) else {
            assert!(
                k.contains("PURVIEW") || k.contains("POWERPLATFORM"),
                "no {k}"
            );
            continue;
        };
        let sig = t.rsplit('.').next().unwrap().to_string();
        for r in runs {
            for out in [&r.stdout, &r.stderr] {
                assert!(!out.contains(&t) && !out.contains(&sig), "{k} in output");
            }
        }
    }
}

/// One repair end to end against a started scenario: the doctor fails with `scenario`'s finding
/// first, `fix --yes` makes exactly one automatic, unblocked step for it (with a request, the
/// permission it needs and its undo) and reports the doctor healthy afterwards, the doctor then
/// passes, and `fix` again plans nothing; no operator token appears in any output. Returns what
/// went wrong (empty when nothing did) and the automatic step, for the caller's own checks.
pub fn repair_cycle(sim: &SimProc, scenario: &str) -> (Vec<String>, Value) {
    let mut wrong = vec![];
    let before = run(sim, "doctor", &["--format", "json"]);
    if before.code != 1 || first_rule(&before) != scenario {
        wrong.push(format!(
            "{scenario}: doctor before: exit {}, first {}",
            before.code,
            first_rule(&before)
        ));
        return (wrong, Value::Null);
    }
    let fix = run(sim, "fix", &["--yes", "--format", "json"]);
    let doc = fix.json();
    assert_eq!(doc["schema"], "authcheck.plan/v1");
    if fix.code != 0 || doc["after"]["healthy"] != true {
        wrong.push(format!(
            "{scenario}: fix exit {}, outcome {}, after {}, stderr {}",
            fix.code, doc["outcome"], doc["after"], fix.stderr
        ));
    }
    let steps = doc["steps"].as_array().cloned().unwrap_or_default();
    let automatic: Vec<Value> = steps
        .into_iter()
        .filter(|s| s["kind"] == "automatic")
        .collect();
    let step = automatic.first().cloned().unwrap_or(Value::Null);
    if automatic.len() != 1
        || step["finding"] != scenario
        || step["request"]["url"].as_str().is_none()
        || !step["blocked"].is_null()
        || step["permission"].as_str().is_none()
        || step["undo"].as_str().is_none()
    {
        wrong.push(format!("{scenario}: steps {}", doc["steps"]));
    }
    let after = run(sim, "doctor", &["--format", "json"]);
    if after.code != 0 {
        wrong.push(format!(
            "{scenario}: doctor after fix: exit {} ({})",
            after.code,
            first_rule(&after)
        ));
    }
    let again = run(sim, "fix", &["--yes", "--format", "json"]);
    let n = again.json()["steps"].as_array().map_or(0, Vec::len);
    if again.code != 0 || n != 0 {
        wrong.push(format!(
            "{scenario}: second fix: exit {}, {n} steps",
            again.code
        ));
    }
    no_operator_token(sim, &[&before, &fix, &after, &again]);
    (wrong, step)
}
