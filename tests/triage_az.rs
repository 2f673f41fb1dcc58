//! `authcheck triage` on Azure CLI exports (`az ad app show`, `az ad sp show`/`list`,
//! `az ad app permission list-grants`, `az ad app federated-credential list`,
//! `az role assignment list`, `az rest` Graph collections) and on bundles: a folder, or several
//! files, read into ONE evidence document with an error text, then derived and judged once.
//! Fixtures: `fixtures/az/<case>/` (see its README). Every fact names the file it came from.
//!
//! Runs the real binary with `AUTHCHECK_NOW` fixed and `NO_COLOR=1`.

use serde_json::Value;
use std::io::Write;
use std::process::{Output, Stdio};

mod cli_common;
use cli_common::{authcheck, run};

const AZ: &str = "fixtures/az";

fn path(rel: &str) -> String {
    format!("{AZ}/{rel}")
}

/// `triage INPUTS… --format json --show-evidence`, parsed; panics with stderr when not JSON.
fn triage(inputs: &[&str], extra: &[&str]) -> (Value, i32) {
    let mut args = vec!["triage".to_string()];
    args.extend(inputs.iter().map(|i| path(i)));
    args.extend(
        ["--format", "json", "--show-evidence"]
            .iter()
            .chain(extra)
            .map(|s| s.to_string()),
    );
    let out = authcheck().args(&args).output().expect("run authcheck");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{inputs:?}: not JSON ({e}); stderr: {}",
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

fn source(report: &Value, namespace: &str) -> String {
    report["evidence"]["input"]["sources"][namespace]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn check_details(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| format!("{} {} {}", c["name"], c["status"], c["detail"]))
                .collect()
        })
        .unwrap_or_default()
}

/// One line on stderr, exit 2, nothing on stdout, no panic.
fn assert_input_error(out: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains(what), "`{what}` not named: {stderr}");
}

// ---------------------------------------------------------------------------------------------
// One case per rule

#[test]
fn conditional_access_export_names_the_blocking_policy() {
    let (r, code) = triage(&["conditional-access"], &[]);
    assert_eq!(first_rule(&r), "conditional-access-blocked", "{r:#}");
    assert_eq!(code, 1);
    let f = &r["findings"][0];
    assert_eq!(f["confidence"], "certain");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("Block workload identities outside Contoso networks"),
        "{msg}"
    );
    // The report-only policy is listed but never blocks; the MFA policy targets users only.
    let sp = &r["evidence"]["sp"];
    assert_eq!(
        sp["blocking_policies"],
        serde_json::json!(["Block workload identities outside Contoso networks"])
    );
    assert_eq!(sp["conditional_access"].as_array().unwrap().len(), 3);
    assert!(
        source(&r, "sp").contains("ca-policies.json"),
        "{}",
        source(&r, "sp")
    );
    let fix = f["fix"][0]["portal"].as_str().unwrap();
    assert!(
        fix.ends_with(
            "Policies > Block workload identities outside Contoso networks > Assignments"
        ),
        "{fix}"
    );
    assert!(check_details(&r)
        .iter()
        .any(|c| c.contains("3 conditional access policies")));
}

#[test]
fn folder_requested_permission_without_grant_is_admin_consent_missing() {
    let (r, code) = triage(&["consent"], &[]);
    assert_eq!(first_rule(&r), "admin-consent-missing", "{r:#}");
    assert_eq!(code, 1);
    let ev = &r["evidence"];
    // Names come from the Graph service principal in the bundle; User.Read is granted.
    assert_eq!(
        ev["app"]["ungranted_permissions"],
        serde_json::json!(["Microsoft Graph Mail.Send"])
    );
    assert_eq!(ev["sp"]["known"], true);
    assert_eq!(ev["input"]["kind"], "az-export");
    // Each namespace names its files, and the finding carries them.
    assert!(
        source(&r, "app").contains("az ad app show (app.json)"),
        "{}",
        source(&r, "app")
    );
    assert!(source(&r, "app").contains("graph-sp.json"));
    let sp = source(&r, "sp");
    assert!(sp.contains("az ad sp list (sp-list.json)"), "{sp}");
    assert!(
        sp.contains("az ad app permission list-grants (grants.json)"),
        "{sp}"
    );
    let ev_sources: Vec<&str> = r["findings"][0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["source"].as_str())
        .collect();
    assert!(
        ev_sources.iter().any(|s| s.contains("app.json")),
        "{ev_sources:?}"
    );
    // How each file was read is a check.
    let checks = check_details(&r).join("\n");
    for f in ["app.json", "grants.json", "graph-sp.json", "sp-list.json"] {
        assert!(checks.contains(f), "{checks}");
    }
}

#[test]
fn single_file_with_every_secret_expired_is_client_secret_expired() {
    let (r, code) = triage(&["secret-expired/app.json"], &[]);
    assert_eq!(first_rule(&r), "client-secret-expired", "{r:#}");
    assert_eq!(code, 1);
    assert_eq!(r["input"]["kind"], "az-export");
    assert_eq!(r["evidence"]["app"]["all_secrets_expired"], true);
    assert!(source(&r, "app").contains("secret-expired/app.json"));
}

#[test]
fn several_files_assignment_required_and_50105_is_user_assignment_required() {
    let (r, _) = triage(
        &[
            "user-assignment/sp.json",
            "user-assignment/assigned-to.json",
            "user-assignment/signin-error.txt",
        ],
        &[],
    );
    assert_eq!(first_rule(&r), "user-assignment-required", "{r:#}");
    let ev = &r["evidence"];
    assert_eq!(ev["sp"]["assignment_required"], true);
    assert_eq!(ev["sp"]["assignees"][0]["display_name"], "Finance Analysts");
    assert_eq!(ev["input"]["kind"], "bundle");
    // The error text's facts name the text file; the service principal's name its exports.
    assert!(
        source(&r, "response").contains("signin-error.txt"),
        "{}",
        source(&r, "response")
    );
    let sp = source(&r, "sp");
    assert!(
        sp.contains("az ad sp show (fixtures/az/user-assignment/sp.json)"),
        "{sp}"
    );
    assert!(sp.contains("assigned-to.json"), "{sp}");
}

#[test]
fn spa_only_app_and_9002326_is_spa_cross_origin_redemption() {
    let (r, _) = triage(&["spa"], &[]);
    assert_eq!(first_rule(&r), "spa-cross-origin-redemption", "{r:#}");
    assert_eq!(r["evidence"]["app"]["spa_only"], true);
    assert_eq!(r["evidence"]["request"]["origin"], "http://localhost:3000");
}

#[test]
fn arm_denial_with_a_ten_minute_old_role_is_rbac_propagation_pending() {
    let (r, _) = triage(&["rbac-pending"], &[]);
    assert_eq!(first_rule(&r), "rbac-propagation-pending", "{r:#}");
    let rbac = &r["evidence"]["rbac"];
    assert_eq!(rbac["checked"], true);
    assert_eq!(rbac["has_sufficient_role"], true);
    assert_eq!(rbac["youngest_sufficient_minutes"], 10);
    // Judged at the scope and for the principal the ARM error names; the assignment on another
    // resource group does not count.
    assert_eq!(
        rbac["scope"],
        "/subscriptions/8d7c6b5a-4938-4271-a6b5-c4d3e2f1a0b9/resourceGroups/rg-reports"
    );
    assert_eq!(rbac["principal_id"], "5b4a3928-1706-4f5e-8d4c-3b2a19087f6e");
    assert_eq!(rbac["assignments"].as_array().map(Vec::len), Some(1));
    assert!(source(&r, "rbac").contains("az role assignment list (role-assignments.json)"));
    assert!(
        source(&r, "api_call").contains("arm-error.json"),
        "{}",
        source(&r, "api_call")
    );
}

#[test]
fn arm_denial_without_a_matching_role_is_rbac_role_missing() {
    let (r, code) = triage(&["rbac-missing"], &[]);
    assert_eq!(first_rule(&r), "rbac-role-missing", "{r:#}");
    assert_eq!(code, 1);
    let rbac = &r["evidence"]["rbac"];
    assert_eq!(rbac["checked"], true);
    assert_eq!(rbac["has_sufficient_role"], false);
    assert_eq!(
        rbac["required_roles"],
        serde_json::json!(["Reader", "Contributor", "Owner"])
    );
}

#[test]
fn role_assignments_alone_are_judged_at_scope_arm() {
    let scope = "/subscriptions/8d7c6b5a-4938-4271-a6b5-c4d3e2f1a0b9/resourceGroups/rg-reports";
    let (r, _) = triage(
        &["rbac-missing/role-assignments.json"],
        &["--scope-arm", scope],
    );
    assert_eq!(first_rule(&r), "rbac-role-missing", "{r:#}");
    assert_eq!(r["evidence"]["rbac"]["scope"], scope);
    // `--role` replaces the roles the action would need.
    let (r, _) = triage(
        &["rbac-missing/role-assignments.json"],
        &["--scope-arm", scope, "--role", "Storage Blob Data Reader"],
    );
    assert_eq!(r["evidence"]["rbac"]["has_sufficient_role"], true, "{r:#}");
    // Without a scope, the assignments are not judged, and a check says why.
    let (r, _) = triage(&["rbac-missing/role-assignments.json"], &[]);
    assert_eq!(r["evidence"]["rbac"]["checked"], false);
    let checks = check_details(&r).join("\n");
    assert!(checks.contains("--scope-arm"), "{checks}");
}

#[test]
fn github_subject_differing_in_case_and_700213_is_federated_credential_mismatch() {
    let (r, _) = triage(&["federated"], &[]);
    assert_eq!(first_rule(&r), "federated-credential-mismatch", "{r:#}");
    let creds = &r["evidence"]["app"]["federated_credentials"];
    assert_eq!(
        creds[0]["subject"],
        "repo:Contoso-Eng/orders-service:environment:Production"
    );
    let app = source(&r, "app");
    assert!(app.contains("az ad app list (app-list.json)"), "{app}");
    assert!(app.contains("federated-credentials.json"), "{app}");
}

// ---------------------------------------------------------------------------------------------
// Forms and refusals

#[test]
fn a_file_with_nothing_known_in_a_folder_is_named_not_refused() {
    // Readable text is not bad input: the folder is read, and the report says which file held
    // nothing authcheck knows.
    let out = run(&["triage", &path("garbage"), "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        check_details(&r)
            .iter()
            .any(|c| c.contains("notes.txt: nothing authcheck knows was found in it")),
        "{:?}",
        check_details(&r)
    );
}

#[test]
fn a_binary_file_named_among_several_is_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("capture.bin");
    std::fs::write(&bin, b"\0\x01\x02binary").unwrap();
    let out = run(&["triage", &path("garbage/app.json"), bin.to_str().unwrap()]);
    assert_input_error(&out, "capture.bin");
}

#[test]
fn hidden_files_and_subfolders_of_a_folder_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(path("secret-expired/app.json"), dir.path().join("app.json")).unwrap();
    std::fs::write(dir.path().join(".DS_Store"), b"\0\0\x01binary").unwrap();
    std::fs::create_dir(dir.path().join("old")).unwrap();
    std::fs::write(dir.path().join("old/garbage.txt"), "nothing here").unwrap();
    let out = run(&["triage", dir.path().to_str().unwrap(), "--format", "json"]);
    let r: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(first_rule(&r), "client-secret-expired");
}

#[test]
fn an_empty_folder_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().to_str().unwrap().to_string();
    let out = run(&["triage", &p]);
    assert_input_error(&out, &p);
}

#[test]
fn an_empty_list_takes_its_kind_from_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["app.json", "sp-list.json", "graph-sp.json"] {
        std::fs::copy(path(&format!("consent/{f}")), dir.path().join(f)).unwrap();
    }
    std::fs::write(dir.path().join("grants.json"), "[]\n").unwrap();
    let out = run(&[
        "triage",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--show-evidence",
    ]);
    let r: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(first_rule(&r), "admin-consent-missing");
    // No grant at all: both permissions are ungranted.
    assert_eq!(
        r["evidence"]["app"]["ungranted_permissions"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[test]
fn an_az_export_on_standard_input_is_detected() {
    let mut child = authcheck()
        .args(["triage", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let body = std::fs::read(path("secret-expired/app.json")).unwrap();
    child.stdin.take().unwrap().write_all(&body).unwrap();
    let out = child.wait_with_output().unwrap();
    let r: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(first_rule(&r), "client-secret-expired");
    assert_eq!(r["input"]["kind"], "az-export");
}

#[test]
fn standard_input_cannot_join_files() {
    let out = run(&["triage", "-", &path("spa/app.json")]);
    assert_input_error(&out, "standard input");
}

#[test]
fn an_evidence_document_cannot_join_a_bundle() {
    let out = run(&[
        "triage",
        "fixtures/rules/federated-credential-mismatch/fire-case-only--subject-case.evidence.json",
        &path("federated/github-login.txt"),
    ]);
    assert_input_error(&out, "fire-case-only--subject-case.evidence.json");
}

#[test]
fn kind_az_export_on_something_else_is_one_line() {
    let out = run(&[
        "triage",
        &path("rbac-missing/arm-error.json"),
        "--kind",
        "az-export",
    ]);
    assert_input_error(&out, "arm-error.json");
}

#[test]
fn the_text_report_names_the_export() {
    let out = run(&["triage", &path("secret-expired/app.json")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("client-secret-expired"), "{text}");
    assert!(text.contains("az ad app show"), "{text}");
}

#[test]
fn a_secret_text_in_an_export_never_reaches_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let body = std::fs::read_to_string(path("secret-expired/app.json")).unwrap();
    let mut app: Value = serde_json::from_str(&body).unwrap();
    app["passwordCredentials"][0]["secretText"] =
        "CANARY8Q~fakeSecretTextValue0123456789abcd".into();
    let p = dir.path().join("app.json");
    std::fs::write(&p, serde_json::to_string_pretty(&app).unwrap()).unwrap();
    for format in ["text", "json", "sarif", "junit", "github"] {
        let out = run(&[
            "triage",
            p.to_str().unwrap(),
            "--format",
            format,
            "--show-evidence",
        ]);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.contains("client-secret-expired"), "{format}: {all}");
        assert!(
            !all.contains("CANARY"),
            "{format}: the secret reached the output"
        );
    }
}
