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
