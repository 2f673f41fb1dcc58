//! Load-time checks of `--rules DIR` beyond the TOML shape: a match id used twice in one rule,
//! and a string literal compared with a fixed-vocabulary field that never holds it
//! (`request.flow == 'client_credentials'`; the flow is `client-credentials`). Each is refused
//! with exit 2 and one line naming the file and the line. The built-in rules get the same checks
//! in the build.

mod cli_common;
use cli_common::authcheck;

const TOKEN: &str = "fixtures/tokens/arm-user-v1.jwt";

const HEAD: &str = r#"name = "local-check"
title = "t"
severity = "warning"
confidence = "likely"
summary = "s"
why = "w"
"#;

/// Runs `decode` (and `triage`, `rules`) with a folder holding `local-check.toml` = `body`;
/// returns the stderr of each, after asserting the one-line exit-2 refusal.
fn refused(body: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("local-check.toml");
    std::fs::write(&file, format!("{HEAD}{body}")).unwrap();
    let dir_s = dir.path().to_string_lossy().to_string();
    let runs = [
        vec!["decode", TOKEN, "--rules", &dir_s],
        vec![
            "triage",
            "fixtures/reports/consent-error.txt",
            "--rules",
            &dir_s,
        ],
        vec!["rules", "--rules", &dir_s],
    ];
    runs.iter()
        .map(|args| {
            let out = authcheck().args(args).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(out.stdout.is_empty(), "{args:?}");
            assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
            assert!(
                stderr.contains(&file.to_string_lossy().to_string()),
                "{args:?}: the file is not named: {stderr}"
            );
            stderr
        })
        .collect()
}

#[test]
fn a_match_id_used_twice_is_refused_with_its_line() {
    let body = r#"
[[match]]
id = "aadsts"
when = "7000215 in response.codes"
message = "m"

[[match]]
id = "aadsts"
when = "7000222 in response.codes"
message = "m"
"#;
    for e in refused(body) {
        assert!(e.contains("local-check.toml:14:"), "{e}");
        assert!(e.contains("`aadsts` is used twice"), "{e}");
    }
}

#[test]
fn a_literal_outside_a_fields_vocabulary_is_refused_with_its_line() {
    let body = r#"
[[match]]
id = "flow"
when = """
response.error == 'invalid_client'
  && request.flow == 'client_credentials'
"""
message = "m"
"#;
    for e in refused(body) {
        assert!(e.contains("local-check.toml:12:"), "{e}");
        assert!(
            e.contains("`request.flow` is never 'client_credentials'"),
            "{e}"
        );
        assert!(e.contains("did you mean 'client-credentials'"), "{e}");
    }
}

#[test]
fn vocabularies_are_checked_in_lists_fix_conditions_and_through_variables() {
    let in_list = r#"
[[match]]
when = "token.signature in ['invalid', 'bad-signature']"
message = "m"
"#;
    for e in refused(in_list) {
        assert!(e.contains("local-check.toml:9:"), "{e}");
        assert!(e.contains("'bad-signature'"), "{e}");
    }
    let through_variable = r#"
[[match]]
when = "signins.groups.exists(g, g.conditional_access == 'failed')"
message = "m"
"#;
    for e in refused(through_variable) {
        assert!(e.contains("signins.groups[].conditional_access"), "{e}");
    }
    let in_fix = r#"
[[match]]
when = "token.present"
message = "m"

[[fix]]
when = "app.federated_match == 'case_only'"
text = "t"
"#;
    for e in refused(in_fix) {
        assert!(e.contains("local-check.toml:13:"), "{e}");
        assert!(e.contains("did you mean 'case-only'"), "{e}");
    }
}

#[test]
fn a_literal_inside_the_vocabulary_loads() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("local-check.toml"),
        format!(
            "{HEAD}\n[[match]]\nid = \"a\"\nwhen = \"request.flow in ['client-credentials', 'ropc']\"\nmessage = \"m\"\n"
        ),
    )
    .unwrap();
    let out = authcheck()
        .args(["decode", TOKEN, "--rules"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c < 2), "{out:?}");
}

#[test]
fn fields_lists_each_vocabulary() {
    let out = authcheck().args(["rules", "--fields"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let flow = text
        .split("\nrequest.flow ")
        .nth(1)
        .expect("request.flow listed");
    let values = flow.lines().nth(2).unwrap_or("");
    assert!(
        values.contains("values: 'client-credentials', 'ropc'"),
        "{values}"
    );
    let json = authcheck()
        .args(["rules", "--fields", "--format", "json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let signature = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "token.signature")
        .unwrap();
    assert!(signature["values"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "unknown-kid"));
    let client_id = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "request.client_id")
        .unwrap();
    assert!(client_id.get("values").is_none());
}

/// A condition that loads but fails when run (here an index past the end of a list) is not taken
/// for a rule that did not match: triage and decode say on stderr which rule could not be applied,
/// and still report what the other rules found.
#[test]
fn a_condition_that_fails_at_run_time_is_reported_not_silent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("local-check.toml"),
        format!(
            "{HEAD}
[[match]]
id = \"broken\"
when = \"response.messages[40] == 'x'\"
message = \"m\"

[[match]]
id = \"broken-token\"
when = \"token.present && token.oid[40] == 'x'\"
message = \"m\"
"
        ),
    )
    .unwrap();
    let dir_s = dir.path().to_string_lossy().to_string();
    for args in [
        vec![
            "triage",
            "fixtures/reports/consent-error.txt",
            "--rules",
            &dir_s,
        ],
        vec!["decode", TOKEN, "--rules", &dir_s],
    ] {
        let out = authcheck().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("warning: rule local-check could not be evaluated")
                && stderr.contains("`broken"),
            "{args:?}: {stderr}"
        );
        assert_eq!(
            stderr.lines().count(),
            1,
            "one line for the one condition that ran: {stderr}"
        );
        assert!(
            !out.stdout.is_empty(),
            "{args:?}: the report is still printed"
        );
    }
}
