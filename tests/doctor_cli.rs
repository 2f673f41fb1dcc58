//! The doctor's and the demo's `--help`, snapshotted so their options never change by accident.

use std::process::Command;

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_authcheck"))
        .args(args)
        .env_clear()
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(!s.contains('\x1b'));
    s
}

#[test]
fn help_doctor() {
    insta::assert_snapshot!("help_doctor", help(&["doctor", "--help"]));
}

#[test]
fn help_demo() {
    insta::assert_snapshot!("help_demo", help(&["demo", "--help"]));
}

#[test]
fn a_missing_tenant_is_one_clear_line_and_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_authcheck"))
        .args(["doctor", "--client-id", "c", "--api", "purview"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("--tenant"), "{err}");
}

#[test]
fn an_unknown_api_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_authcheck"))
        .args([
            "doctor",
            "--tenant",
            "t",
            "--client-id",
            "c",
            "--api",
            "sharepointish",
        ])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--api sharepointish"));
}

#[test]
fn a_missing_certificate_file_is_one_clear_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_authcheck"))
        .args([
            "doctor",
            "--tenant",
            "t",
            "--client-id",
            "c",
            "--api",
            "purview",
        ])
        .env_clear()
        .env("AZURE_CLIENT_CERTIFICATE_PATH", "/nonexistent/cert.pfx")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("/nonexistent/cert.pfx") && err.contains("cannot read"),
        "{err}"
    );
}

#[test]
fn an_unknown_demo_scenario_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_authcheck"))
        .args(["demo", "no-such-scenario"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A loopback port with nothing listening: every request to it is refused at once.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// No credential and no network: the run says it could not diagnose, in every format, and never
/// that nothing is wrong.
#[test]
fn no_credential_and_no_network_is_never_ok() {
    let base = format!("http://127.0.0.1:{}", closed_port());
    for format in ["text", "json", "sarif", "junit", "github"] {
        let out = Command::new(env!("CARGO_BIN_EXE_authcheck"))
            .args([
                "doctor",
                "--tenant",
                "contoso.onmicrosoft.com",
                "--client-id",
                "3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40",
                "--api",
                "graph",
                "--no-prompt",
                "--retries",
                "0",
                "--format",
                format,
            ])
            .args([
                "--authority-host",
                &base,
                "--graph-endpoint",
                &base,
                "--arm-endpoint",
                &base,
            ])
            .env_clear()
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(3), "{format}: {text}");
        assert!(!text.contains("no known problem"), "{format}: {text}");
        let why = "credential: none found";
        match format {
            "text" => assert!(
                text.trim_end()
                    .lines()
                    .last()
                    .is_some_and(|l| l.starts_with("could not diagnose: ") && l.contains(why)),
                "{text}"
            ),
            "json" => {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                let s = v["summary"]["could_not_diagnose"].as_str().unwrap_or("");
                assert!(s.contains(why), "{text}");
            }
            "sarif" => {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                let inv = &v["runs"][0]["invocations"][0];
                assert_eq!(inv["executionSuccessful"], false, "{text}");
                let note = inv["toolExecutionNotifications"][0]["message"]["text"]
                    .as_str()
                    .unwrap_or("");
                assert!(note.contains(why), "{text}");
            }
            "junit" => {
                assert!(text.contains(r#"errors="1""#), "{text}");
                assert!(
                    text.contains("<error message=\"could not diagnose: credential: none found"),
                    "{text}"
                );
            }
            _ => assert!(
                text.contains("authcheck: could not diagnose: credential: none found"),
                "{text}"
            ),
        }
    }
}

/// Everything missing is named in one run, each with where it can come from.
#[test]
fn missing_inputs_are_named_all_at_once() {
    let out = Command::new(env!("CARGO_BIN_EXE_authcheck"))
        .args(["doctor"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    for needed in [
        "--tenant",
        "AZURE_TENANT_ID",
        "--client-id",
        "AZURE_CLIENT_ID",
        "--api",
    ] {
        assert!(err.contains(needed), "{needed}: {err}");
    }
}

/// `eval "$(authcheck sim --print-env)"` returns at once with the simulator serving in the
/// background, and `authcheck_sim_doctor` diagnoses it; `sim --list` gives one line per scenario.
/// The healthy scenario is healthy through it: the exported secret is the simulator's own, not a
/// redacted stand-in (which the client-secret-invalid run below could not tell apart).
#[test]
fn sim_print_env_is_one_line_to_a_running_simulator() {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_authcheck"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let healthy = Command::new("bash")
        .arg("-c")
        .arg(
            r#"eval "$(authcheck sim --scenario healthy --print-env)" || exit 9
authcheck_sim_doctor --no-progress > /dev/null; code=$?
kill "$AUTHCHECK_SIM_PID"
exit $code"#,
        )
        .env("PATH", &path)
        .env("NO_COLOR", "1")
        .env_remove("AZURE_CLIENT_SECRET")
        .output()
        .unwrap();
    assert_eq!(
        healthy.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&healthy.stderr)
    );

    let script = r#"eval "$(authcheck sim --scenario client-secret-invalid --print-env)" || exit 9
authcheck_sim_doctor --format json --no-progress > "$OUT"; code=$?
kill "$AUTHCHECK_SIM_PID"
exit $code"#;
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("report.json");
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("PATH", path)
        .env("OUT", &out_file)
        .env("NO_COLOR", "1")
        .env_remove("AZURE_CLIENT_SECRET")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    assert_eq!(report["findings"][0]["rule"], "client-secret-invalid");

    let list = Command::new(bin).args(["sim", "--list"]).output().unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.lines().count() > 20);
    assert!(text
        .lines()
        .all(|l| l.contains("(expects ") && l.split_whitespace().count() > 3));
}

#[test]
fn bad_azure_monitor_inputs_are_one_line_and_exit_2() {
    for (args, names) in [
        (
            &["--api", "appinsights", "--app-id", "my-app"][..],
            "--app-id my-app",
        ),
        (
            &["--api", "metrics", "--resource-id", "vm-contoso-01"][..],
            "--resource-id vm-contoso-01",
        ),
        (
            &[
                "--api",
                "metrics",
                "--resource-id",
                "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/v",
                "--region",
                "evil.example/x",
            ][..],
            "--region evil.example/x",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_authcheck"))
            .args([
                "doctor",
                "--tenant",
                "contoso.onmicrosoft.com",
                "--client-id",
            ])
            .arg("3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40")
            .args(args)
            .env_clear()
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(names), "{err}");
    }
}

/// `--api logsingestion` needs an endpoint, a rule and a stream: every missing one is named in one
/// line with where it can come from, beside the tenant.
#[test]
fn logs_ingestion_inputs_are_reported_all_at_once() {
    let out = Command::new(env!("CARGO_BIN_EXE_authcheck"))
        .args(["doctor", "--client-id", "c", "--api", "logsingestion"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    for want in [
        "--tenant",
        "--dce",
        "AUTHCHECK_LOGSINGESTION_ENDPOINT",
        "--dcr-immutable-id",
        "AUTHCHECK_DCR_IMMUTABLE_ID",
        "--stream",
        "`stream` in --config",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }

    let out = Command::new(env!("CARGO_BIN_EXE_authcheck"))
        .args([
            "doctor",
            "--tenant",
            "t",
            "--client-id",
            "c",
            "--api",
            "logsingestion",
            "--dce",
            "https://x.eastus-1.ingest.monitor.azure.com",
            "--dcr-immutable-id",
            "my-rule",
            "--stream",
            "Custom-T",
        ])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--dcr-immutable-id my-rule"), "{err}");
}

/// An input only one API reads, given for another API on the command line, is refused in one
/// line naming the flag and both APIs: silently ignoring it would let the user believe it was used.
#[test]
fn an_input_for_another_api_is_refused_not_ignored() {
    for (flag, value, api) in [
        (
            "--dce",
            "https://dce.example.ingest.monitor.azure.com",
            "purview",
        ),
        (
            "--app-id",
            "3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40",
            "loganalytics",
        ),
        ("--region", "westeurope", "appinsights"),
        (
            "--workspace",
            "3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40",
            "metrics",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_authcheck"))
            .args([
                "doctor",
                "--tenant",
                "8f2b4c1d-6e3a-4b5c-9d7e-0a1b2c3d4e5f",
                "--client-id",
                "3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40",
                "--api",
                api,
                flag,
                value,
            ])
            .env_clear()
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(
            err.contains(flag) && err.contains(api),
            "{flag} with {api}: {err}"
        );
    }
}
