//! `authcheck triage` on what customers attach: HAR files (Chrome, Edge, Firefox, Fiddler), sign-in
//! log exports (portal CSV and JSON, Graph `auditLogs/signIns`), SDK debug logs (`az --debug`, MSAL
//! Python, azure-identity/MSAL .NET). Each fixture must put the right rule first, and the evidence
//! must name where it came from (HAR entry index and URL, sign-in row, log line). Truncated,
//! mis-encoded and wrong-version files give a clear message and what could be read.
//!
//! Runs the real binary with `AUTHCHECK_NOW` fixed and `NO_COLOR=1`.

use serde_json::Value;
use std::io::Write;
use std::process::Stdio;

mod cli_common;
use cli_common::{authcheck, run};

/// `triage FILE --format json`, parsed; panics with stderr when the output is not JSON.
fn triage_json(file: &str, extra: &[&str]) -> (Value, i32) {
    let mut args = vec!["triage", file, "--format", "json"];
    args.extend_from_slice(extra);
    let out = run(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{file}: not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out.status.code().unwrap_or(-1))
}

fn first_rule(report: &Value) -> &str {
    report["findings"][0]["rule"]
        .as_str()
        .unwrap_or("<no finding>")
}

/// Every evidence source of the first finding.
fn sources(report: &Value) -> Vec<String> {
    report["findings"][0]["evidence"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["source"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn check<'a>(report: &'a Value, name: &str) -> Option<&'a Value> {
    report["checks"]
        .as_array()?
        .iter()
        .find(|c| c["name"].as_str() == Some(name))
}

fn assert_no_secrets(text: &str) {
    for canary in ["CANARY", "SIGCANARY", "U0lHQ0FOQVJZ", "Xy7Q~", "Qw8Q~"] {
        assert!(
            !text.contains(canary),
            "a secret ({canary}) reached the output:\n{text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// HAR

#[test]
fn chrome_spa_token_request_with_origin_is_cross_origin_redemption() {
    let (r, code) = triage_json("fixtures/har/chrome-spa-cross-origin.har", &[]);
    assert_eq!(code, 1);
    assert_eq!(first_rule(&r), "spa-cross-origin-redemption");
    assert_eq!(r["input"]["kind"], "har");
    let src = sources(&r);
    assert!(
        src.iter().any(
            |s| s.starts_with("har entry #3 POST https://login.microsoftonline.com/")
                && s.ends_with("/oauth2/v2.0/token")
        ),
        "evidence names the entry: {src:?}"
    );
    assert_no_secrets(&r.to_string());
}

#[test]
fn edge_arm_403_is_rbac_role_missing_and_the_token_is_followed() {
    let (r, code) = triage_json(
        "fixtures/har/edge-arm-authorization-failed.har",
        &["--show-evidence"],
    );
    assert_eq!(code, 1);
    assert_eq!(first_rule(&r), "rbac-role-missing");
    let src = sources(&r);
    assert!(
        src.iter().any(|s| s == "har entry #3 GET https://management.azure.com/subscriptions/6c1f4a2b-0000-4000-8000-00000000aaaa/resourcegroups/rg-hr-data"),
        "{src:?}"
    );
    // The bearer token of the refused call was decoded (claims only).
    assert_eq!(
        r["evidence"]["token"]["aud"],
        "https://management.azure.com/"
    );
    assert_eq!(r["evidence"]["api_call"]["status"], 403);
    // Which token went where: issued at entry #1, sent to entries #2 and #3.
    let tokens: Vec<&str> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == "har.token")
        .filter_map(|c| c["detail"].as_str())
        .collect();
    assert!(
        tokens
            .iter()
            .any(|t| t.contains("issued at entry #1")
                && t.contains("#3 GET management.azure.com → 403")),
        "{tokens:?}"
    );
    assert_no_secrets(&r.to_string());
}

#[test]
fn safari_expired_token_is_judged_at_the_request_time() {
    let (r, _) = triage_json(
        "fixtures/har/safari-expired-token.har",
        &["--show-evidence"],
    );
    assert_eq!(first_rule(&r), "token-expired");
    assert_eq!(r["evidence"]["token"]["seconds_to_expiry"], -300);
}

#[test]
fn a_token_valid_when_sent_is_not_expired_a_year_later() {
    let out = authcheck()
        .args([
            "triage",
            "fixtures/har/edge-arm-authorization-failed.har",
            "--format",
            "json",
            "--show-evidence",
        ])
        .env("AUTHCHECK_NOW", "2027-11-24T12:00:00Z")
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(first_rule(&r), "rbac-role-missing");
    assert_eq!(r["evidence"]["token"]["expired"], false);
}

#[test]
fn firefox_graph_token_sent_to_arm_is_wrong_audience() {
    let (r, _) = triage_json("fixtures/har/firefox-wrong-audience.har", &[]);
    assert_eq!(first_rule(&r), "wrong-audience");
    assert!(sources(&r)
        .iter()
        .any(|s| s == "har entry #0 GET https://management.azure.com/subscriptions"));
}

#[test]
fn fiddler_form_params_give_secret_facts_never_the_secret() {
    let (r, _) = triage_json(
        "fixtures/har/fiddler-client-secret-invalid.har",
        &["--show-evidence"],
    );
    assert_eq!(first_rule(&r), "client-secret-invalid");
    assert_eq!(r["evidence"]["request"]["secret_sent"], true);
    assert_eq!(r["evidence"]["request"]["grant_type"], "client_credentials");
    assert_no_secrets(&r.to_string());
}

#[test]
fn authorize_error_page_is_redirect_uri_mismatch() {
    let (r, _) = triage_json("fixtures/har/edge-authorize-redirect-uri-mismatch.har", &[]);
    assert_eq!(first_rule(&r), "redirect-uri-mismatch");
    assert!(sources(&r).iter().any(|s| s
        .starts_with("har entry #1 GET https://login.microsoftonline.com/")
        && s.ends_with("/oauth2/v2.0/authorize")));
}

#[test]
fn truncated_har_is_diagnosed_from_the_entries_read() {
    let (r, code) = triage_json("fixtures/har/truncated-after-token.har", &[]);
    assert_eq!(code, 1);
    assert_eq!(first_rule(&r), "spa-cross-origin-redemption");
    let c = check(&r, "har.complete").expect("a failed check says the file was cut");
    assert_eq!(c["status"], "failed");
    assert!(
        c["detail"]
            .as_str()
            .unwrap()
            .contains("truncated after entry #3"),
        "{c}"
    );
}

#[test]
fn har_cut_before_the_first_entry_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.har");
    std::fs::write(
        &p,
        "{\"log\": {\"version\": \"1.2\", \"entries\": [ {\"request\": {\"url\": \"https://lo",
    )
    .unwrap();
    let out = run(&["triage", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("truncated"), "{err}");
}

#[test]
fn mis_encoded_har_reports_where_reading_stopped() {
    let (r, _) = triage_json("fixtures/har/not-utf8-after-entry-0.har", &[]);
    assert_eq!(first_rule(&r), "spa-cross-origin-redemption");
    let c = check(&r, "har.entries").expect("failed check");
    let d = c["detail"].as_str().unwrap();
    assert!(d.contains("entry #1") && d.contains("UTF-8"), "{d}");
}

#[test]
fn utf16_har_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("utf16.har");
    let text = std::fs::read_to_string("fixtures/har/fiddler-client-secret-invalid.har").unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(&p, bytes).unwrap();
    let out = run(&["triage", "--kind", "har", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1);
    assert!(err.contains("UTF-16"), "{err}");
}

#[test]
fn har_of_another_version_is_read_with_a_note() {
    let (r, _) = triage_json("fixtures/har/version-2.0.har", &[]);
    assert_eq!(first_rule(&r), "spa-cross-origin-redemption");
    let c = check(&r, "har.version").expect("version note");
    assert!(c["detail"].as_str().unwrap().contains("2.0"));
}

#[test]
fn not_a_har_with_kind_har_is_one_line() {
    let out = run(&[
        "triage",
        "--kind",
        "har",
        "fixtures/signins/other-columns.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not a HAR"), "{err}");
}

#[test]
fn har_from_stdin_streams_too() {
    let mut child = authcheck()
        .args(["triage", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let data = std::fs::read("fixtures/har/chrome-spa-cross-origin.har").unwrap();
    child.stdin.take().unwrap().write_all(&data).unwrap();
    let out = child.wait_with_output().unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(first_rule(&r), "spa-cross-origin-redemption");
}

#[test]
fn every_format_keeps_har_secrets_out() {
    for format in ["text", "json", "sarif", "junit", "github"] {
        for f in [
            "fixtures/har/canaries.har",
            "fixtures/har/edge-arm-authorization-failed.har",
            "fixtures/har/chrome-spa-cross-origin.har",
        ] {
            let out = run(&["triage", f, "--format", format, "--show-evidence"]);
            assert_no_secrets(&String::from_utf8_lossy(&out.stdout));
            assert_no_secrets(&String::from_utf8_lossy(&out.stderr));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sign-in exports

#[test]
fn portal_csv_dominated_by_50105_is_user_assignment_required() {
    let (r, code) = triage_json("fixtures/signins/portal-user-assignment-required.csv", &[]);
    assert_eq!(code, 1);
    assert_eq!(first_rule(&r), "user-assignment-required");
    assert_eq!(r["input"]["kind"], "signin-log");
    let ev = r["findings"][0]["evidence"].as_array().unwrap();
    let groups = ev
        .iter()
        .find(|e| e["path"] == "signins.groups")
        .expect("counts in the evidence");
    assert_eq!(groups["value"][0]["error_code"], 50105);
    assert_eq!(groups["value"][0]["count"], 180);
    assert!(groups["value"][0]["first_at"].is_i64());
    assert!(
        sources(&r)
            .iter()
            .any(|s| s == "sign-in CSV row 3: AADSTS50105 in 180 of 245 failures"),
        "{:?}",
        sources(&r)
    );
}

#[test]
fn the_next_failures_are_diagnosed_too() {
    let (r, _) = triage_json("fixtures/signins/portal-user-assignment-required.csv", &[]);
    let rules: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(rules[0], "user-assignment-required");
    // 40 × AADSTS50126 (wrong password) and 25 × AADSTS53003 (conditional access).
    assert!(rules.contains(&"user-credentials-invalid"), "{rules:?}");
    assert!(rules.contains(&"conditional-access-blocked"), "{rules:?}");
}

#[test]
fn text_output_shows_the_counts() {
    let out = run(&[
        "triage",
        "fixtures/signins/portal-user-assignment-required.csv",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("AADSTS50105 × 180"), "{text}");
    assert!(text.contains("signins.groups"), "{text}");
}

#[test]
fn reordered_and_extra_columns_are_tolerated() {
    let (r, _) = triage_json("fixtures/signins/portal-reordered-columns.csv", &[]);
    assert_eq!(first_rule(&r), "user-assignment-required");
}

#[test]
fn graph_signins_json_dominated_by_7000215_is_client_secret_invalid() {
    let (r, _) = triage_json("fixtures/signins/graph-service-principal-signins.json", &[]);
    assert_eq!(first_rule(&r), "client-secret-invalid");
    assert!(sources(&r)
        .iter()
        .any(|s| s == "sign-in JSON value[1]: AADSTS7000215 in 90 of 105 failures"));
}

#[test]
fn portal_json_array_with_ca_failures_is_conditional_access_blocked() {
    let (r, _) = triage_json("fixtures/signins/portal-conditional-access.json", &[]);
    assert_eq!(first_rule(&r), "conditional-access-blocked");
}

#[test]
fn csv_with_other_columns_is_one_line() {
    let out = run(&[
        "triage",
        "--kind",
        "signins",
        "fixtures/signins/other-columns.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("without the sign-in export's columns"),
        "{err}"
    );
}

#[test]
fn truncated_csv_is_read_up_to_the_cut() {
    let (r, _) = triage_json("fixtures/signins/truncated.csv", &[]);
    assert_eq!(first_rule(&r), "user-assignment-required");
    let c = check(&r, "signins.complete").expect("truncation check");
    assert_eq!(c["status"], "failed");
    assert!(c["detail"].as_str().unwrap().contains("truncated"));
}

#[test]
fn latin1_csv_is_read_with_a_note() {
    let (r, _) = triage_json("fixtures/signins/latin1.csv", &[]);
    assert_eq!(first_rule(&r), "user-assignment-required");
    assert_eq!(
        check(&r, "signins.encoding").expect("encoding note")["status"],
        "failed"
    );
}

// ---------------------------------------------------------------------------------------------
// SDK logs

#[test]
fn az_debug_with_7000215_is_client_secret_invalid() {
    let (r, code) = triage_json(
        "fixtures/sdk-logs/az-debug-client-secret-invalid.log",
        &["--show-evidence"],
    );
    assert_eq!(code, 1);
    assert_eq!(first_rule(&r), "client-secret-invalid");
    assert_eq!(r["input"]["kind"], "sdk-log");
    assert!(sources(&r).iter().any(|s| s
        .starts_with("sdk log line 10: failing token request https://login.microsoftonline.com/")));
    assert_eq!(r["evidence"]["request"]["secret_sent"], true);
    assert_no_secrets(&r.to_string());
}

#[test]
fn msal_python_log_with_700016_is_app_not_found() {
    let (r, _) = triage_json("fixtures/sdk-logs/msal-python-app-not-found.log", &[]);
    assert_eq!(first_rule(&r), "app-not-found-in-tenant");
    assert!(sources(&r).iter().any(|s| s.starts_with("sdk log line 7:")));
}

#[test]
fn azure_identity_python_log_is_client_secret_invalid() {
    let (r, _) = triage_json(
        "fixtures/sdk-logs/azure-identity-python-secret-invalid.log",
        &[],
    );
    assert_eq!(first_rule(&r), "client-secret-invalid");
    assert!(sources(&r)
        .iter()
        .any(|s| s.starts_with("sdk log line 3: failing token request")));
}

#[test]
fn dotnet_log_with_arm_403_is_rbac_role_missing() {
    let (r, _) = triage_json("fixtures/sdk-logs/dotnet-msal-arm-403.log", &[]);
    assert_eq!(first_rule(&r), "rbac-role-missing");
    assert!(sources(&r)
        .iter()
        .any(|s| s.starts_with("sdk log line 6: refused API call https://management.azure.com/")));
}

#[test]
fn empty_and_binary_inputs_keep_their_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.har");
    std::fs::write(&empty, "  \n").unwrap();
    let bin = dir.path().join("bin.har");
    std::fs::write(&bin, b"{\"log\":{\x00\x01\x02").unwrap();
    for (p, want) in [(&empty, "is empty"), (&bin, "binary")] {
        let out = run(&["triage", "--kind", "har", p.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(want), "{err}");
    }
}
