//! End to end: the real binary's `doctor` against the real binary's `sim`, over HTTP on loopback.
//!
//! For every built-in scenario: `authcheck sim --scenario NAME` prints its JSON line; the doctor
//! runs with that line's `env` (and nothing else of this process's environment) and `doctor_args`;
//! its JSON report must lead with the scenario's expected rule. Fault scenarios (latency, 429
//! storms, 5xx, resets, truncated bodies, a proxy's HTML page) must end with every check accounted
//! for, a documented exit code and no panic. No test asserts a duration; a guard only kills a run
//! that hangs far past its timeouts.

use std::path::PathBuf;
use std::process::{Command, Stdio};

mod sim_common;
use sim_common::SimProc as Sim;
#[path = "support/fix_run.rs"]
mod fix_run;
use fix_run::Run;

fn start_sim(scenario: &str) -> Sim {
    Sim::start(scenario, &[])
}

fn start_sim_with(scenario: &str, extra: &[&str]) -> Sim {
    Sim::start(scenario, extra)
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_authcheck"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the doctor with the simulator's env and args plus `extra`, killing it if it hangs.
fn doctor(sim: &Sim, extra: &[&str]) -> Run {
    fix_run::exec(sim, "doctor", extra, &[])
}

fn report(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "doctor JSON: {e}\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        )
    })
}

fn builtin_scenarios() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("fixtures/scenarios"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.ends_with(".toml"))
                .map(|n| n.trim_end_matches(".toml").to_string())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn no_panic(run: &Run) {
    assert!(
        !run.stderr.contains("internal error") && !run.stderr.contains("panicked"),
        "{}",
        run.stderr
    );
}

/// Each check is `ok`, `failed`, `skipped` or `warning` with a reason.
fn every_check_accounted(r: &serde_json::Value) {
    let checks = r["checks"].as_array().expect("checks");
    assert!(!checks.is_empty());
    for c in checks {
        let s = c["status"].as_str().unwrap();
        assert!(["ok", "failed", "skipped", "warning"].contains(&s), "{c}");
        assert!(
            !c["detail"].as_str().unwrap_or("").is_empty(),
            "a check without a reason: {c}"
        );
        assert_ne!(c["detail"], "did not finish", "{c}");
    }
}

/// A check's status says whether the thing works: a refused token request or an API answering
/// with an error status is failed, never ok.
fn marks_mean_health(scenario: &str, r: &serde_json::Value) {
    for c in r["checks"].as_array().into_iter().flatten() {
        let detail = c["detail"].as_str().unwrap_or("");
        let refused = detail.starts_with("refused");
        let error_status = c["name"] == "dataplane.call"
            && detail
                .strip_prefix("HTTP ")
                .and_then(|d| d.get(..3))
                .and_then(|n| n.parse::<u16>().ok())
                .is_some_and(|n| n >= 400);
        if refused || error_status {
            assert_eq!(c["status"], "failed", "{scenario}: {c}");
        }
    }
}

#[test]
fn every_scenario_is_diagnosed_as_documented() {
    let names = builtin_scenarios();
    assert!(!names.is_empty(), "no scenarios under fixtures/scenarios");
    let mut wrong = Vec::new();
    for name in &names {
        let sim = start_sim(name);
        let expect: Vec<String> = sim.info["expect"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let run = doctor(&sim, &["--format", "json"]);
        no_panic(&run);
        let r = report(&run);
        every_check_accounted(&r);
        marks_mean_health(name, &r);
        // A call failing now, with a finding that explains it: the run fails, whatever the
        // finding's severity (propagation pending is a warning and still means "not yet").
        let fails_now = r["checks"].as_array().into_iter().flatten().any(|c| {
            (c["name"] == "token.request" || c["name"] == "dataplane.call")
                && c["status"] == "failed"
        });
        let has_findings = r["findings"].as_array().is_some_and(|f| !f.is_empty());
        if fails_now && has_findings && run.code != 1 {
            wrong.push(format!("{name}: a call fails now, yet exit {}", run.code));
        }
        let first = r["findings"][0]["rule"].as_str().map(str::to_string);
        match expect.first() {
            // A rule still being written: reported, not failed; strict once its file exists.
            Some(e) if !root().join(format!("rules/{e}.toml")).exists() => {
                eprintln!(
                    "pending: {name} expects {e}, which has no rule file yet (got {first:?})"
                );
            }
            Some(e) => {
                if first.as_deref() != Some(e.as_str()) {
                    wrong.push(format!(
                        "{name}: expected {e}, got {first:?} (exit {}); checks: {}",
                        run.code, r["checks"]
                    ));
                } else if run.code != 1 && r["findings"][0]["severity"] == "error" {
                    wrong.push(format!("{name}: exit {} with an error finding", run.code));
                }
            }
            None => {
                if r["summary"]["errors"].as_u64() != Some(0) || run.code != 0 {
                    wrong.push(format!(
                        "{name}: expected no error, got {first:?} (exit {})",
                        run.code
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// A scenario file: the healthy tenant plus faults.
fn fault_scenario(name: &str, faults: &str) -> PathBuf {
    let base = std::fs::read_to_string(root().join("fixtures/scenarios/healthy.toml")).unwrap();
    fault_scenario_text(name, &format!("{base}\n{faults}\n"))
}

/// A scenario file with this text, renamed.
fn fault_scenario_text(name: &str, text: &str) -> PathBuf {
    let text = regex::Regex::new(r#"(?m)^name = "[^"]*""#)
        .unwrap()
        .replace(text, format!("name = \"{name}\"").as_str())
        .into_owned();
    let dir = std::env::temp_dir().join(format!("authcheck-doctor-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}.toml"));
    std::fs::write(&p, text).unwrap();
    p
}

fn start_sim_file(p: &std::path::Path) -> Sim {
    start_sim(p.to_str().unwrap())
}

#[test]
fn faults_end_with_every_check_accounted_for() {
    // (name, faults, allowed exit codes)
    let cases: &[(&str, &str, &[i32])] = &[
        (
            "fault-latency",
            "[[faults]]\nendpoint = \"any\"\nkind = \"latency\"\ndelay_ms = 200\n",
            &[0],
        ),
        (
            "fault-throttle-recovers",
            "[[faults]]\nendpoint = \"graph\"\nkind = \"throttle\"\nretry_after = 1\ncount = 2\n",
            &[0],
        ),
        (
            "fault-throttle-storm",
            "[[faults]]\nendpoint = \"any\"\nkind = \"throttle\"\nretry_after = 1\n",
            &[1, 3],
        ),
        (
            "fault-5xx",
            "[[faults]]\nendpoint = \"token\"\nkind = \"error\"\nstatus = 503\nretry_after = 1\n",
            &[1, 3],
        ),
        (
            "fault-reset",
            "[[faults]]\nendpoint = \"any\"\nkind = \"reset\"\n",
            &[3],
        ),
        (
            "fault-truncate",
            "[[faults]]\nendpoint = \"any\"\nkind = \"truncate\"\n",
            &[1, 3],
        ),
        (
            "fault-proxy-html",
            "[[faults]]\nendpoint = \"any\"\nkind = \"html\"\n",
            &[1, 3],
        ),
    ];
    let mut wrong = Vec::new();
    for (name, faults, codes) in cases {
        let p = fault_scenario(name, faults);
        let sim = start_sim_file(&p);
        let run = doctor(
            &sim,
            &["--format", "json", "--timeout", "3", "--retries", "2"],
        );
        no_panic(&run);
        let r = report(&run);
        every_check_accounted(&r);
        if !codes.contains(&run.code) {
            wrong.push(format!(
                "{name}: exit {} (wanted one of {codes:?}); findings {}; checks {}",
                run.code, r["findings"], r["checks"]
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// A token endpoint that throttles once, then issues: the token request works, with a warning —
/// `!` in the text report, `warning` in JSON — and the run still passes. `--graph-auth none`
/// keeps the reader tokens off the token endpoint, so the one throttled request is the user's.
#[test]
fn a_token_issued_after_a_throttle_is_a_warning() {
    let p = fault_scenario(
        "fault-token-throttle-once",
        "[[faults]]\nendpoint = \"token\"\nkind = \"throttle\"\nretry_after = 1\ncount = 1\n",
    );
    let sim = start_sim_file(&p);
    let run = doctor(
        &sim,
        &["--format", "json", "--retries", "2", "--graph-auth", "none"],
    );
    no_panic(&run);
    let r = report(&run);
    every_check_accounted(&r);
    let req = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "token.request")
        .expect("a token.request check");
    assert_eq!(req["status"], "warning", "{req}");
    assert!(
        req["detail"].as_str().unwrap().contains("only on try 2"),
        "{req}"
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let sim = start_sim_file(&p);
    let run = doctor(
        &sim,
        &["--format", "text", "--retries", "2", "--graph-auth", "none"],
    );
    no_panic(&run);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("! token.request")),
        "{}",
        run.stdout
    );
}

/// A Graph read that worked only after a throttle is a warning too, never a plain ✓: the first
/// Graph request is answered 429 once, then the reads succeed. (ARM reads go through the same
/// marking in `diagnose`; the healthy Purview scenario makes none.)
#[test]
fn a_graph_or_arm_read_that_worked_after_a_throttle_is_a_warning() {
    let p = fault_scenario(
        "fault-reads-throttle-once",
        "[[faults]]\nendpoint = \"graph\"\nkind = \"throttle\"\nretry_after = 1\ncount = 1\n",
    );
    let sim = start_sim_file(&p);
    let run = doctor(&sim, &["--format", "json", "--retries", "2"]);
    no_panic(&run);
    let r = report(&run);
    every_check_accounted(&r);
    let retried: Vec<&serde_json::Value> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["detail"].as_str().unwrap_or("").contains("only on try 2"))
        .collect();
    let c = retried
        .iter()
        .find(|c| c["name"].as_str().unwrap().starts_with("graph."))
        .unwrap_or_else(|| panic!("no retried Graph read: {}", r["checks"]));
    assert_eq!(c["status"], "warning", "{c}");
    assert_eq!(run.code, 0, "{}", run.stdout);
}

/// A role assigned within the documented window is held but may not be honoured yet: `!`, while
/// the call it should allow is still ✗ and the run fails. An old assignment gets no such line.
#[test]
fn a_role_still_propagating_is_a_warning_beside_the_failed_call() {
    let sim = start_sim("rbac-propagation-pending");
    let run = doctor(&sim, &["--format", "json"]);
    no_panic(&run);
    let r = report(&run);
    every_check_accounted(&r);
    let checks = r["checks"].as_array().unwrap();
    let find = |n: &str| checks.iter().find(|c| c["name"] == n);
    let p = find("arm.role_propagation").expect("a propagation check");
    assert_eq!(p["status"], "warning", "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("assigned 5 minutes ago"),
        "{p}"
    );
    assert_eq!(find("dataplane.call").unwrap()["status"], "failed");
    assert_eq!(run.code, 1, "{}", run.stdout);
    let sim = start_sim("healthy");
    let r = report(&doctor(&sim, &["--format", "json"]));
    assert!(
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"] != "arm.role_propagation"),
        "{}",
        r["checks"]
    );
}

/// The credential and every token stay out of every output format.
#[test]
fn no_secret_or_token_in_any_output() {
    let jwt = regex::Regex::new(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{8,}")
        .unwrap();
    for scenario in [
        "healthy",
        "client-secret-invalid",
        "client-secret-id-used",
        "rbac-propagation-pending",
    ] {
        if !root()
            .join(format!("fixtures/scenarios/{scenario}.toml"))
            .exists()
        {
            continue;
        }
        let sim = start_sim(scenario);
        let mut secrets: Vec<String> = [
            "AZURE_CLIENT_SECRET",
            "AZURE_PASSWORD",
            "AUTHCHECK_ARM_TOKEN",
            "AUTHCHECK_GRAPH_TOKEN",
        ]
        .iter()
        .filter_map(|k| sim.info["env"][k].as_str().map(str::to_string))
        .filter(|s| s.len() >= 6)
        .collect();
        // The operator's reader tokens (a scenario's `[operator]`): neither whole nor their
        // signatures.
        for k in ["AUTHCHECK_ARM_TOKEN", "AUTHCHECK_GRAPH_TOKEN"] {
            if let Some(t) = sim.info["env"][k].as_str() {
                secrets.push(t.rsplit('.').next().unwrap().to_string());
            }
        }
        if scenario == "rbac-propagation-pending" {
            assert!(
                sim.info["env"]["AUTHCHECK_ARM_TOKEN"].is_string()
                    && sim.info["env"]["AUTHCHECK_GRAPH_TOKEN"].is_string(),
                "the scenario's operator hands over its reader tokens"
            );
        }
        if let Some(f) = sim.info["env"]["AZURE_FEDERATED_TOKEN_FILE"].as_str() {
            if let Ok(t) = std::fs::read_to_string(f) {
                secrets.push(t.trim().to_string());
            }
        }
        for format in ["text", "json", "sarif", "junit", "github"] {
            for extra in [&[][..], &["--show-evidence"][..]] {
                let mut args = vec!["--format", format];
                args.extend_from_slice(extra);
                let run = doctor(&sim, &args);
                no_panic(&run);
                for out in [&run.stdout, &run.stderr] {
                    for s in &secrets {
                        assert!(
                            !out.contains(s.as_str()),
                            "{scenario} --format {format} {extra:?}: the secret appears"
                        );
                    }
                    assert!(
                        !jwt.is_match(out),
                        "{scenario} --format {format} {extra:?}: a whole token appears"
                    );
                }
            }
        }
    }
}

#[test]
fn http_to_a_remote_host_is_refused_with_exit_2() {
    let run = Command::new(bin())
        .args([
            "doctor",
            "--tenant",
            "contoso.onmicrosoft.com",
            "--client-id",
            "11111111-1111-1111-1111-111111111111",
            "--api",
            "purview",
            "--authority-host",
            "http://login.example.com",
        ])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("loopback"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn a_token_is_not_sent_to_another_host() {
    let run = Command::new(bin())
        .args([
            "doctor",
            "--tenant",
            "contoso.onmicrosoft.com",
            "--client-id",
            "11111111-1111-1111-1111-111111111111",
            "--api",
            "purview",
            "--call",
            "https://example.com/catalog",
        ])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("only to the API"), "{err}");
}

#[test]
fn over_tls_with_the_simulator_ca() {
    let sim = start_sim_with("healthy", &["--tls"]);
    assert!(sim.info["authority"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    // The simulator's env names its CA (SSL_CERT_FILE), which the doctor trusts in addition.
    let run = doctor(&sim, &["--format", "json"]);
    no_panic(&run);
    let r = report(&run);
    every_check_accounted(&r);
    assert_eq!(run.code, 0, "{}", r["checks"]);
    let token = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "token.request")
        .unwrap();
    assert_eq!(token["status"], "ok", "{token}");
}

/// `authcheck demo` is a convenience, not a separate path: for each scenario it reaches the same
/// findings as `authcheck sim` + `authcheck doctor` with the simulator's env and args.
#[test]
fn demo_matches_sim_plus_doctor() {
    let names = builtin_scenarios();
    let out = Command::new(bin())
        .arg("demo")
        .args(&names)
        .args(["--format", "json"])
        .env_clear()
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("internal error"), "{stderr}");
    let verdicts: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("demo JSON: {e}: {stderr}"));
    let rules = |r: &serde_json::Value| -> Vec<String> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    let mut differ = Vec::new();
    for v in verdicts.as_array().unwrap() {
        let name = v["scenario"].as_str().unwrap();
        let sim = start_sim(name);
        let run = doctor(&sim, &["--format", "json"]);
        let direct = report(&run);
        if rules(&direct) != rules(&v["report"])
            || run.code != v["exit_code"].as_i64().unwrap() as i32
        {
            differ.push(format!(
                "{name}: demo {:?} (exit {}) vs doctor {:?} (exit {})",
                rules(&v["report"]),
                v["exit_code"],
                rules(&direct),
                run.code
            ));
        }
    }
    assert!(differ.is_empty(), "\n{}", differ.join("\n"));
}

/// The simulator's args with `--credential` replaced.
fn with_credential(sim: &Sim, kind: &str) -> Vec<String> {
    let mut args: Vec<String> = sim.info["doctor_args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    if let Some(i) = args.iter().position(|a| a == "--credential") {
        args[i + 1] = kind.to_string();
    }
    args
}

fn doctor_args_env(sim: &Sim, args: &[String], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.arg("doctor").args(args).env_clear();
    for (k, v) in sim.info["env"].as_object().unwrap() {
        cmd.env(k, v.as_str().unwrap());
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn check<'a>(r: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {}", r["checks"]))
}

#[test]
fn certificate_and_federated_credentials_get_tokens() {
    let sim = start_sim("healthy");
    for kind in ["certificate", "federated"] {
        let mut args = with_credential(&sim, kind);
        args.extend(["--format".into(), "json".into()]);
        if kind == "federated" {
            args.extend(
                [
                    "--github-repo",
                    "contoso/orders-api",
                    "--github-ref",
                    "refs/heads/main",
                    "--github-event",
                    "push",
                ]
                .map(String::from),
            );
        }
        let run = doctor_args_env(&sim, &args, &[]);
        no_panic(&run);
        let r = report(&run);
        assert_eq!(
            check(&r, "token.request")["status"],
            "ok",
            "{kind}: {}",
            r["checks"]
        );
        assert_eq!(
            check(&r, "token.request")["detail"],
            "a token was issued",
            "{kind}"
        );
        assert_eq!(run.code, 0, "{kind}: {}", r["findings"]);
        if kind == "federated" {
            let d = check(&r, "github.subject")["detail"].as_str().unwrap();
            assert!(
                d.contains("repo:contoso/orders-api:ref:refs/heads/main"),
                "{d}"
            );
        }
    }
}

#[test]
fn an_access_token_the_user_has_is_used_as_is() {
    let sim = start_sim("healthy");
    // Get a token as the user's code would, straight from the simulator.
    let url = format!(
        "{}/{}/oauth2/v2.0/token",
        sim.info["authority"].as_str().unwrap(),
        sim.info["tenant_id"].as_str().unwrap()
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let token: String = rt.block_on(async {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", sim.info["client_id"].as_str().unwrap()),
            (
                "client_secret",
                sim.info["env"]["AZURE_CLIENT_SECRET"].as_str().unwrap(),
            ),
            ("scope", "https://purview.azure.net/.default"),
        ];
        let v: serde_json::Value = reqwest::Client::new()
            .post(&url)
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["access_token"].as_str().unwrap().to_string()
    });
    let mut args = with_credential(&sim, "token");
    args.extend(["--format".into(), "json".into(), "--show-evidence".into()]);
    let run = doctor_args_env(&sim, &args, &[("AUTHCHECK_ACCESS_TOKEN", &token)]);
    no_panic(&run);
    let r = report(&run);
    assert_eq!(check(&r, "token.request")["status"], "skipped");
    assert_eq!(
        check(&r, "dataplane.call")["status"],
        "ok",
        "{}",
        r["checks"]
    );
    assert_eq!(r["evidence"]["token"]["present"], true);
    assert!(!run.stdout.contains(&token));
    assert!(!run.stdout.contains(token.rsplit('.').next().unwrap()));
}

/// The scenario's operator (an auditor app with Reader on the subscription and Graph read
/// permissions) reads ARM and Graph with its own tokens, which the simulator hands over as
/// `AUTHCHECK_ARM_TOKEN` / `AUTHCHECK_GRAPH_TOKEN` (what `--graph-auth az` is in real life): the
/// young role assignment is seen and the propagation delay is named. Reading with the app's own
/// credential instead (`--graph-auth same`), the role assignments stay out of sight.
#[test]
fn rbac_propagation_is_seen_with_a_reader_identity() {
    let sim = start_sim("rbac-propagation-pending");
    let token = |k: &str| {
        sim.info["env"][k]
            .as_str()
            .unwrap_or_else(|| panic!("the operator's {k} is in the env"))
            .to_string()
    };
    let (arm_token, graph_token) = (token("AUTHCHECK_ARM_TOKEN"), token("AUTHCHECK_GRAPH_TOKEN"));
    let run = doctor(&sim, &["--format", "json"]);
    no_panic(&run);
    let r = report(&run);
    assert_eq!(
        check(&r, "arm.role_assignments")["status"],
        "ok",
        "{}",
        r["checks"]
    );
    assert_eq!(check(&r, "graph.application")["status"], "ok");
    assert_eq!(
        r["findings"][0]["rule"], "rbac-propagation-pending",
        "{}",
        r["findings"]
    );
    for out in [&run.stdout, &run.stderr] {
        assert!(!out.contains(&arm_token) && !out.contains(&graph_token));
    }

    let run = doctor(&sim, &["--format", "json", "--graph-auth", "same"]);
    no_panic(&run);
    let r = report(&run);
    assert_eq!(
        check(&r, "arm.role_assignments")["status"],
        "skipped",
        "{}",
        r["checks"]
    );
}

/// `--graph-auth az` reads Graph with the signed-in Azure CLI's token, whatever the credential
/// under test does (here: none at all). A stand-in `az` on PATH prints a token the simulator
/// issued for Graph.
#[cfg(unix)]
#[test]
fn graph_auth_az_reads_with_the_cli_token() {
    use std::os::unix::fs::PermissionsExt;
    let sim = start_sim("healthy");
    let url = format!(
        "{}/{}/oauth2/v2.0/token",
        sim.info["authority"].as_str().unwrap(),
        sim.info["tenant_id"].as_str().unwrap()
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let graph_token: String = rt.block_on(async {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", sim.info["client_id"].as_str().unwrap()),
            (
                "client_secret",
                sim.info["env"]["AZURE_CLIENT_SECRET"].as_str().unwrap(),
            ),
            ("scope", "https://graph.microsoft.com/.default"),
        ];
        let v: serde_json::Value = reqwest::Client::new()
            .post(&url)
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["access_token"].as_str().unwrap().to_string()
    });
    let dir = std::env::temp_dir().join(format!("authcheck-fake-az-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let az = dir.join("az");
    std::fs::write(&az, format!("#!/bin/sh\nprintf '%s\\n' '{graph_token}'\n")).unwrap();
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut args = with_credential(&sim, "none");
    args.extend([
        "--format".into(),
        "json".into(),
        "--graph-auth".into(),
        "az".into(),
    ]);
    let path = format!("{}:/usr/bin:/bin", dir.display());
    let run = doctor_args_env(&sim, &args, &[("PATH", &path)]);
    no_panic(&run);
    let r = report(&run);
    assert_eq!(check(&r, "graph.token")["status"], "ok", "{}", r["checks"]);
    assert_eq!(check(&r, "graph.application")["status"], "ok");
    assert_eq!(r["findings"][0]["rule"], "client-credential-missing");
    assert!(!run.stdout.contains(&graph_token));
}

/// `HTTP_PROXY` / `HTTPS_PROXY` and `NO_PROXY` are honoured: through a proxy that does not answer,
/// nothing can be read (exit 3); with the simulator's host in `NO_PROXY`, everything can.
#[test]
fn proxy_settings_are_honoured() {
    let sim = start_sim("healthy");
    // A port nothing listens on: the proxy is unreachable.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let mut args = with_credential(&sim, "secret");
    args.extend([
        "--format".into(),
        "json".into(),
        "--timeout".into(),
        "2".into(),
    ]);
    let run = doctor_args_env(
        &sim,
        &args,
        &[("HTTP_PROXY", &proxy), ("HTTPS_PROXY", &proxy)],
    );
    no_panic(&run);
    assert_eq!(run.code, 3, "{}", run.stdout);
    let run = doctor_args_env(
        &sim,
        &args,
        &[
            ("HTTP_PROXY", &proxy),
            ("HTTPS_PROXY", &proxy),
            ("NO_PROXY", "127.0.0.1,localhost"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
}

/// Azure Pipelines: the subject a workload identity federation service connection presents with
/// the Azure DevOps issuer (`sc://ORG/PROJECT/CONNECTION`, issuer
/// `https://vstoken.dev.azure.com/{organization-id}`), worked out from the pipeline's predefined
/// variables and `--ado-service-connection`, and compared exactly with the app's federated
/// credentials as Graph shows them.
#[test]
fn azure_pipelines_subject_is_compared_exactly() {
    const ORG_ID: &str = "6c6f3423-1c84-4625-995a-f7f143a1e43d";
    let base = std::fs::read_to_string(root().join("fixtures/scenarios/healthy.toml")).unwrap();
    let anchor = "[[apps.federated_credentials]]\nname = \"github-main\"";
    assert!(
        base.contains(anchor),
        "healthy.toml changed its federated credential"
    );
    let text = base.replacen(
        anchor,
        &format!(
            "[[apps.federated_credentials]]\nname = \"ado-prod\"\nissuer = \"https://vstoken.dev.azure.com/{ORG_ID}\"\nsubject = \"sc://Contoso/Orders/prod-arm\"\n\n{anchor}"
        ),
        1,
    );
    let sim = start_sim_file(&fault_scenario_text("ado-federated", &text));
    let pipeline = |project: &'static str| {
        vec![
            ("SYSTEM_COLLECTIONURI", "https://dev.azure.com/Contoso/"),
            ("SYSTEM_COLLECTIONID", ORG_ID),
            ("SYSTEM_TEAMPROJECT", project),
        ]
    };
    let run_with = |project: &'static str, connection: Option<&str>| {
        let mut args = with_credential(&sim, "federated");
        args.extend(["--format".into(), "json".into()]);
        if let Some(c) = connection {
            args.extend(["--ado-service-connection".into(), c.to_string()]);
        }
        let run = doctor_args_env(&sim, &args, &pipeline(project));
        no_panic(&run);
        report(&run)
    };

    let r = run_with("Orders", Some("prod-arm"));
    let d = check(&r, "ado.subject")["detail"].as_str().unwrap();
    assert_eq!(
        d,
        format!("Azure Pipelines presents subject sc://Contoso/Orders/prod-arm (issuer https://vstoken.dev.azure.com/{ORG_ID}); matches federated credential ado-prod")
    );

    // The project's name differs in case from the credential's: Entra compares exactly.
    let r = run_with("orders", Some("prod-arm"));
    let d = check(&r, "ado.subject")["detail"].as_str().unwrap();
    assert!(
        d.contains("ado-prod has `sc://Contoso/Orders/prod-arm`, which differs only in case"),
        "{d}"
    );
    assert!(
        d.contains("change it to `sc://Contoso/orders/prod-arm`"),
        "{d}"
    );

    // Another connection: the exact subject and issuer to add.
    let r = run_with("Orders", Some("staging-arm"));
    let d = check(&r, "ado.subject")["detail"].as_str().unwrap();
    assert!(
        d.ends_with(&format!("add one with issuer https://vstoken.dev.azure.com/{ORG_ID}, subject sc://Contoso/Orders/staging-arm, audience api://AzureADTokenExchange")),
        "{d}"
    );

    // In a pipeline without the connection's name: said, not guessed.
    let r = run_with("Orders", None);
    let c = check(&r, "ado.subject");
    assert_eq!(c["status"], "skipped", "{c}");
    assert!(
        c["detail"]
            .as_str()
            .unwrap()
            .contains("--ado-service-connection"),
        "{c}"
    );
}

/// Conditional Access as evidence: the operator's Graph read brings the tenant's policies; the
/// enabled blocking one that names the app's service principal is named in the finding, the
/// report-only one is not.
#[test]
fn conditional_access_finding_names_the_blocking_policy() {
    let sim = start_sim("conditional-access-blocked");
    let run = doctor(&sim, &["--format", "json", "--show-evidence"]);
    no_panic(&run);
    let r = report(&run);
    let f = &r["findings"][0];
    assert_eq!(f["rule"], "conditional-access-blocked", "{}", r["findings"]);
    assert_eq!(f["confidence"], "certain");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("Block workload identities outside trusted locations"),
        "{msg}"
    );
    assert!(!msg.contains("Report-only"), "{msg}");
    assert_eq!(
        r["evidence"]["sp"]["blocking_policies"],
        serde_json::json!(["Block workload identities outside trusted locations"])
    );
    let d = check(&r, "graph.conditional_access")["detail"]
        .as_str()
        .unwrap();
    assert!(!d.contains("Report-only"), "{d}");
}

/// `doctor --wait` on `scenario`, whose role takes `minutes` to propagate in the file: made to
/// take effect after `seconds` (a little after the assignment's age), the doctor keeps probing
/// with fresh tokens and ends healthy with the call ✓; with a one-second wait on the scenario as
/// it is, the run fails, says the role did not take effect, and the call stays ✗.
fn wait_case(scenario: &str, minutes: u32, seconds: u32) {
    let base = std::fs::read_to_string(root().join(format!("fixtures/scenarios/{scenario}.toml")))
        .unwrap();
    let soon = base.replace(
        &format!("propagation_minutes = {minutes}"),
        &format!("propagation_minutes = {minutes}\npropagation_seconds = {seconds}"),
    );
    assert_ne!(soon, base);
    let sim = start_sim_file(&fault_scenario_text(&format!("{scenario}-soon"), &soon));
    let run = doctor(&sim, &["--format", "json", "--no-progress", "--wait=60s"]);
    no_panic(&run);
    assert_eq!(run.code, 0, "{scenario}: {}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("took effect after"), "{}", run.stderr);
    let r = report(&run);
    assert_eq!(
        r["findings"].as_array().map(Vec::len),
        Some(0),
        "{scenario}: {}",
        r["findings"]
    );
    assert_eq!(check(&r, "dataplane.call")["status"], "ok", "{scenario}");

    let sim = start_sim(scenario);
    let run = doctor(&sim, &["--format", "json", "--no-progress", "--wait=1s"]);
    no_panic(&run);
    assert_eq!(run.code, 1, "{scenario}: {}", run.stderr);
    assert!(
        run.stderr.contains("did not take effect within"),
        "{}",
        run.stderr
    );
    let r = report(&run);
    assert_eq!(
        r["findings"][0]["rule"], "rbac-propagation-pending",
        "{scenario}"
    );
    assert_eq!(
        check(&r, "dataplane.call")["status"],
        "failed",
        "{scenario}"
    );
}

/// Log Analytics: Log Analytics Reader assigned five minutes ago, in force after five minutes and
/// four seconds.
#[test]
fn wait_sees_a_role_take_effect_or_says_it_did_not() {
    wait_case("rbac-propagation-pending", 30, 304);
}

/// Application Insights, whose query API takes up to an hour to honour a new role: assigned
/// twenty minutes ago, in force after twenty minutes and four seconds.
#[test]
fn wait_sees_an_application_insights_role_take_effect() {
    wait_case("appinsights-propagation", 60, 1204);
}

/// `scenario` with its role assignment `from` replaced by `to` and nothing expected: the doctor's
/// probe is accepted, the run is healthy with the call ✓, and the simulator's log shows the POST
/// to `posted` (the probe went where the API takes data). Returns the report.
fn healthy_after_the_role(scenario: &str, from: &str, to: &str, posted: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(root().join(format!("fixtures/scenarios/{scenario}.toml")))
        .unwrap()
        .replace(from, to)
        .replace("expect = [\"rbac-role-missing\"]", "expect = []");
    assert!(text.contains(to), "{scenario}: {from} not found");
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("sim.log");
    let p = fault_scenario_text(&format!("{scenario}-ok"), &text);
    let sim = start_sim_with(p.to_str().unwrap(), &["--log", log.to_str().unwrap()]);
    let run = doctor(&sim, &["--format", "json", "--no-progress"]);
    no_panic(&run);
    assert_eq!(run.code, 0, "{scenario}: {}\n{}", run.stdout, run.stderr);
    let r = report(&run);
    let call = check(&r, "dataplane.call");
    assert_eq!(call["status"], "ok", "{call}");
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("\"POST\"") && l.contains(posted)),
        "{log}"
    );
    r
}

/// `--api metrics`: with Monitoring Metrics Publisher on the resource group the doctor's probe
/// (a metric with no data points, posted to the resource's /metrics) is accepted.
#[test]
fn custom_metrics_with_the_publisher_role_are_healthy() {
    healthy_after_the_role(
        "metrics-publisher-missing",
        "role = \"Monitoring Reader\"",
        "role = \"Monitoring Metrics Publisher\"",
        "/virtualMachines/vm-contoso-01/metrics",
    );
}

/// Custom metrics: the publisher role assigned five minutes ago, in force after five minutes and
/// four seconds.
#[test]
fn wait_sees_a_custom_metrics_role_take_effect() {
    wait_case("metrics-propagation", 10, 304);
}

/// `--api logsingestion` with Monitoring Metrics Publisher on the data collection rule: the probe,
/// an empty batch posted to the rule's stream, is accepted (204) and the role was read from ARM.
#[test]
fn logs_ingestion_with_the_publisher_role_is_healthy() {
    let r = healthy_after_the_role(
        "logs-ingestion-role-missing",
        "role = \"Log Analytics Contributor\"\nscope = \"workspace\"",
        "role = \"Monitoring Metrics Publisher\"\nscope = \"dcr\"",
        "/dataCollectionRules/dcr-3f9c2b7e41d84a6c9e0f5b1a2c3d4e5f/streams/Custom-AppEvents",
    );
    assert_eq!(check(&r, "dataplane.call")["detail"], "HTTP 204");
    assert_eq!(check(&r, "arm.role_assignments")["status"], "ok");
}

/// The Logs Ingestion API refuses a caller with no role on the rule: the fix assigns Monitoring
/// Metrics Publisher on the rule itself (not on the workspace where the caller's role is).
#[test]
fn logs_ingestion_role_missing_fix_names_the_rule() {
    let sim = start_sim("logs-ingestion-role-missing");
    let run = doctor(&sim, &["--format", "json", "--no-progress"]);
    no_panic(&run);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = report(&run);
    let f = &r["findings"][0];
    assert_eq!(f["rule"], "rbac-role-missing", "{f}");
    let call = check(&r, "dataplane.call");
    assert_eq!(call["detail"], "HTTP 403 OperationFailed", "{call}");
    let commands: Vec<&str> = f["fix"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["command"].as_str())
        .collect();
    assert!(
        commands
            .iter()
            .any(|c| c.contains("--role \"Monitoring Metrics Publisher\"")
                && c.ends_with(
                    "/providers/Microsoft.Insights/dataCollectionRules/dcr-contoso-app-events"
                )),
        "{commands:?}"
    );
    assert_eq!(
        commands
            .iter()
            .filter(|c| c.starts_with("az role assignment create"))
            .count(),
        1,
        "{commands:?}"
    );
}

/// A publisher role on the data collection rule assigned five minutes ago: the Logs Ingestion API
/// still answers 403 and the doctor names its own documented window, 30 minutes.
#[test]
fn logs_ingestion_propagation_names_its_30_minutes() {
    let text = std::fs::read_to_string(
        root().join("fixtures/scenarios/logs-ingestion-role-missing.toml"),
    )
    .unwrap()
    .replace(
        "role = \"Log Analytics Contributor\"\nscope = \"workspace\"\ncreated = \"20 days ago\"",
        "role = \"Monitoring Metrics Publisher\"\nscope = \"dcr\"\ncreated = \"5 minutes ago\"",
    )
    .replace(
        "display_name = \"Contoso\"\n",
        "display_name = \"Contoso\"\npropagation_minutes = 30\n",
    );
    assert!(text.contains("created = \"5 minutes ago\"") && text.contains("propagation_minutes"));
    let sim = start_sim_file(&fault_scenario_text("logs-ingestion-propagation", &text));
    let run = doctor(&sim, &["--format", "json", "--no-progress"]);
    no_panic(&run);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = report(&run);
    let f = &r["findings"][0];
    assert_eq!(f["rule"], "rbac-propagation-pending", "{f}");
    assert!(
        f["message"].as_str().unwrap().contains("up to 30 minutes"),
        "{f}"
    );
    assert_eq!(check(&r, "arm.role_propagation")["status"], "warning");
}

/// A US Government tenant asked at the public authority: the doctor asks the other clouds'
/// discovery documents, the US Government one answers, and the finding names that cloud from the
/// answer. Told the right cloud (`--cloud usgov` and its authority), the same tenant is found and
/// no other cloud is asked.
#[test]
fn a_tenant_of_another_cloud_is_found_by_asking_the_clouds() {
    let sim = start_sim("usgov-tenant-at-public-authority");
    let run = doctor(&sim, &["--format", "json", "--no-progress"]);
    no_panic(&run);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let r = report(&run);
    let cloud = check(&r, "tenant.cloud");
    assert_eq!(cloud["status"], "failed", "{cloud}");
    let detail = cloud["detail"].as_str().unwrap();
    assert!(
        detail.contains("Azure US Government") && detail.contains("microsoftonline.us"),
        "{detail}"
    );
    let f = &r["findings"][0];
    assert_eq!(f["rule"], "tenant-not-found", "{f}");
    assert_eq!(f["match"], "wrong-cloud-discovered", "{f}");
    let text = f.to_string();
    assert!(text.contains("login.microsoftonline.us"), "{text}");
    // The possible-cause rule does not repeat as a guess what the answer established.
    assert!(
        !r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "tenant-in-another-cloud"),
        "{}",
        r["findings"]
    );
    // Pointed at its own cloud, the tenant is found and no other cloud is asked.
    let own = sim.env("AUTHCHECK_AUTHORITY_HOST_USGOV").unwrap();
    let mut args: Vec<String> = sim.info["doctor_args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    let i = args.iter().position(|a| a == "--authority-host").unwrap();
    args[i + 1] = own;
    args.extend(["--cloud", "usgov", "--format", "json", "--no-progress"].map(String::from));
    let run = doctor_args_env(&sim, &args, &[]);
    no_panic(&run);
    let r = report(&run);
    assert_eq!(
        check(&r, "tenant.discovery")["status"],
        "ok",
        "{}",
        r["checks"]
    );
    assert!(
        !r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "tenant.cloud"),
        "{}",
        r["checks"]
    );
    assert!(
        !r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "tenant-not-found"),
        "{}",
        r["findings"]
    );
}

/// With `--graph-auth az` and no `AUTHCHECK_PURVIEW_TOKEN`, the doctor asks the Azure CLI for the
/// operator's Purview token, as `fix` does, and reads the collection roles with it: the role held
/// on another collection is named. A stand-in `az` prints the simulator's operator tokens by
/// resource; neither token reaches the report.
#[cfg(unix)]
#[test]
fn graph_auth_az_reads_purview_roles_with_the_cli_token() {
    use std::os::unix::fs::PermissionsExt;
    let sim = start_sim("purview-role-on-other-collection");
    let purview = sim
        .env("AUTHCHECK_PURVIEW_TOKEN")
        .expect("an operator Purview token");
    let graph = sim
        .env("AUTHCHECK_GRAPH_TOKEN")
        .expect("an operator Graph token");
    let dir = tempfile::tempdir().unwrap();
    let az = dir.path().join("az");
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\ncase \"$*\" in\n  *purview.azure.net*) printf '%s\\n' '{purview}' ;;\n  *) printf '%s\\n' '{graph}' ;;\nesac\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = Command::new(bin());
    cmd.arg("doctor");
    for a in sim.info["doctor_args"].as_array().unwrap() {
        cmd.arg(a.as_str().unwrap());
    }
    cmd.args(["--format", "json", "--no-progress", "--graph-auth", "az"]);
    cmd.env_clear();
    for (k, v) in sim.info["env"].as_object().unwrap() {
        if !k.starts_with("AUTHCHECK_PURVIEW_TOKEN") {
            cmd.env(k, v.as_str().unwrap());
        }
    }
    cmd.env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()));
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    no_panic(&run);
    let r = report(&run);
    let roles = check(&r, "dataplane.purview_roles");
    assert_eq!(roles["status"], "ok", "{roles}");
    assert!(
        roles["detail"].as_str().unwrap().contains("elsewhere"),
        "{roles}"
    );
    assert_eq!(
        r["findings"][0]["rule"], "purview-role-on-other-collection",
        "{}",
        r["findings"]
    );
    for t in [&purview, &graph] {
        let sig = t.rsplit('.').next().unwrap();
        assert!(!run.stdout.contains(sig) && !run.stderr.contains(sig));
    }
}
