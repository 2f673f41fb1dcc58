//! End to end: `authcheck fix` against `authcheck sim`, over HTTP on loopback.
//!
//! Each scenario is a built-in failing tenant plus an operator (`fixtures/fix/operator-*.toml`):
//! the doctor fails, `fix --yes` applies the plan with the operator's tokens, the doctor is then
//! healthy, and `fix` again plans nothing. An operator without the permission a step needs gets
//! that step marked, nothing applied and a non-zero exit naming the permission; a new secret goes
//! to a 0600 file and nowhere else. No test times anything; a guard only kills a hung run.

use serde_json::Value;

mod sim_common;
use sim_common::SimProc;
#[path = "support/fix_run.rs"]
mod fix_run;
use fix_run::{first_rule, no_operator_token, run, start};

#[test]
fn each_repair_leaves_the_doctor_healthy_and_a_second_fix_plans_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut wrong = vec![];
    for scenario in [
        "admin-consent-missing",
        "rbac-role-missing",
        "public-client-flows-disabled",
        "user-assignment-required",
        "redirect-uri-mismatch",
        "federated-credential-mismatch",
        "resource-principal-missing",
    ] {
        let sim = start(scenario, "operator-admin", dir.path());
        let before = run(&sim, "doctor", &["--format", "json"]);
        if before.code == 0 || first_rule(&before) != scenario {
            wrong.push(format!(
                "{scenario}: doctor before: exit {}, first {}",
                before.code,
                first_rule(&before)
            ));
            continue;
        }
        let fix = run(&sim, "fix", &["--yes", "--format", "json"]);
        let doc = fix.json();
        assert_eq!(doc["schema"], "authcheck.plan/v1");
        let step = &doc["steps"][0];
        let applied = doc["outcome"]["applied"].as_array().map_or(0, Vec::len);
        if fix.code != 0 || doc["after"]["healthy"] != true || applied == 0 {
            wrong.push(format!(
                "{scenario}: fix exit {}, applied {applied}, after {}, stderr {}",
                fix.code, doc["after"], fix.stderr
            ));
        }
        // The step names its finding, the exact request, the permission and the undo.
        if step["finding"] != scenario
            || step["request"]["url"].as_str().is_none()
            || step["permission"].as_str().is_none()
            || step["undo"].as_str().is_none()
        {
            wrong.push(format!("{scenario}: step {step}"));
        }
        let after = run(&sim, "doctor", &["--format", "json"]);
        if after.code != 0 {
            wrong.push(format!(
                "{scenario}: doctor after fix: exit {} ({})",
                after.code,
                first_rule(&after)
            ));
        }
        let again = run(&sim, "fix", &["--yes", "--format", "json"]);
        let steps = again.json()["steps"].as_array().map_or(0, Vec::len);
        if again.code != 0 || steps != 0 {
            wrong.push(format!(
                "{scenario}: second fix: exit {}, {steps} steps",
                again.code
            ));
        }
        no_operator_token(&sim, &[&before, &fix, &after, &again]);
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn a_missing_service_principal_is_made_and_the_next_problem_is_reported_honestly() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start("service-principal-missing", "operator-admin", dir.path());
    let fix = run(&sim, "fix", &["--yes", "--format", "json"]);
    let doc = fix.json();
    assert_eq!(doc["outcome"]["applied"][0]["status"], 201, "{doc}");
    // The scenario's app has no Purview collection role: the doctor now says so, and fix does
    // not claim success.
    assert_eq!(doc["after"]["healthy"], false, "{doc}");
    assert_eq!(
        doc["after"]["findings"][0], "data-plane-role-missing",
        "{doc}"
    );
    assert_eq!(fix.code, 1);
}

#[test]
fn an_operator_without_the_permission_gets_the_step_marked_and_nothing_applied() {
    let dir = tempfile::tempdir().unwrap();
    for (scenario, permission) in [
        (
            "admin-consent-missing",
            "DelegatedPermissionGrant.ReadWrite.All",
        ),
        (
            "rbac-role-missing",
            "Microsoft.Authorization/roleAssignments/write",
        ),
    ] {
        let sim = start(scenario, "operator-reader", dir.path());
        let fix = run(&sim, "fix", &["--yes", "--format", "json"]);
        assert_eq!(fix.code, 1, "{scenario}: {}", fix.stderr);
        assert!(
            fix.stderr.contains(permission),
            "{scenario}: {}",
            fix.stderr
        );
        assert_eq!(fix.stderr.trim().lines().count(), 1, "{}", fix.stderr);
        let doc = fix.json();
        assert!(
            doc["steps"][0]["blocked"]
                .as_str()
                .is_some_and(|b| b.contains(permission)),
            "{doc}"
        );
        assert!(doc["outcome"].is_null(), "{doc}");
        // Nothing changed.
        let after = run(&sim, "doctor", &["--format", "json"]);
        assert_eq!(first_rule(&after), scenario);
        assert_ne!(after.code, 0);
    }
}

#[test]
fn without_a_terminal_or_yes_and_with_plan_only_nothing_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start("rbac-role-missing", "operator-admin", dir.path());
    let ask = run(&sim, "fix", &[]);
    assert_eq!(ask.code, 1);
    assert!(ask.stderr.contains("no terminal"), "{}", ask.stderr);
    assert!(ask.stdout.contains("PUT "), "{}", ask.stdout);
    let plan = run(&sim, "fix", &["--plan-only", "--format", "json"]);
    assert_eq!(plan.code, 1);
    let doc = plan.json();
    assert_eq!(doc["mode"], "plan-only");
    assert_eq!(doc["steps"][0]["request"]["method"], "PUT");
    assert_eq!(
        doc["steps"][0]["request"]["body"]["properties"]["principalType"],
        "ServicePrincipal"
    );
    let after = run(&sim, "doctor", &["--format", "json"]);
    assert_eq!(first_rule(&after), "rbac-role-missing");
}

#[test]
fn without_an_operator_identity_the_repair_is_a_manual_step_saying_why() {
    // The built-in scenario has no operator: no AUTHCHECK_GRAPH_TOKEN, and the app cannot read
    // its own registration.
    let sim = SimProc::start("public-client-flows-disabled", &[]);
    let fix = run(&sim, "fix", &["--yes", "--format", "json"]);
    assert_eq!(fix.code, 1);
    let doc = fix.json();
    assert_eq!(doc["steps"][0]["kind"], "manual", "{doc}");
    assert!(
        doc["steps"][0]["action"]
            .as_str()
            .is_some_and(|a| a.contains("AUTHCHECK_GRAPH_TOKEN")),
        "{doc}"
    );
    assert!(doc["outcome"].is_null());
}

#[test]
fn a_new_secret_goes_to_a_0600_file_and_into_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start("client-secret-expired", "operator-admin", dir.path());
    let out = dir.path().join("new-secret");
    let out_s = out.to_str().unwrap();

    // Without --secret-out the step cannot be made, and nothing is.
    let refused = run(&sim, "fix", &["--yes"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("--secret-out"),
        "{}",
        refused.stderr
    );

    let text = run(&sim, "fix", &["--yes", "--secret-out", out_s]);
    assert_eq!(text.code, 0, "{}\n{}", text.stdout, text.stderr);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let secret = std::fs::read_to_string(&out).unwrap().trim().to_string();
    assert!(secret.len() >= 20, "a secret was written");

    // The client now uses the new secret: healthy, and nothing left to plan.
    let with_new = ["--client-secret-file", out_s];
    let doctor = run(
        &sim,
        "doctor",
        &[&["--format", "json"][..], &with_new].concat(),
    );
    assert_eq!(doctor.code, 0, "{}\n{}", doctor.stdout, doctor.stderr);
    let again = run(
        &sim,
        "fix",
        &[&["--format", "json"][..], &with_new].concat(),
    );
    assert_eq!(again.json()["steps"].as_array().map_or(0, Vec::len), 0);

    // An existing path is refused before anything is done: one line, exit 2.
    let exists = run(&sim, "fix", &["--yes", "--secret-out", out_s]);
    assert_eq!(exists.code, 2);
    assert_eq!(exists.stderr.trim().lines().count(), 1, "{}", exists.stderr);
    assert!(exists.stderr.contains("--secret-out"), "{}", exists.stderr);

    for r in [&refused, &text, &doctor, &again, &exists] {
        for o in [&r.stdout, &r.stderr] {
            assert!(!o.contains(&secret), "the new secret reached an output");
        }
    }
    no_operator_token(&sim, &[&refused, &text, &doctor, &again, &exists]);
}

/// The simulator's writes check the caller as Graph and ARM do, in their error shapes.
#[tokio::test]
async fn the_simulator_refuses_writes_as_the_services_do() {
    let dir = tempfile::tempdir().unwrap();
    let reader = start("rbac-role-missing", "operator-reader", dir.path());
    let http = sim_common::http();
    let graph = reader.s("graph");
    let tok = reader.env("AUTHCHECK_GRAPH_TOKEN").unwrap();
    let r = http
        .post(format!("{graph}/v1.0/oauth2PermissionGrants"))
        .bearer_auth(&tok)
        .json(&serde_json::json!({"clientId": "x", "consentType": "AllPrincipals", "resourceId": "y", "scope": "User.Read"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["error"]["code"], "Authorization_RequestDenied");
    assert!(b["error"]["innerError"]["request-id"].is_string());

    let arm = reader.s("arm");
    let scope = reader.s("arm_scope");
    let url = format!(
        "{arm}{scope}/providers/Microsoft.Authorization/roleAssignments/{}?api-version=2022-04-01",
        uuid::Uuid::new_v4()
    );
    let body = serde_json::json!({"properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7", "principalId": "00000000-0000-0000-0000-000000000001"}});
    let arm_tok = reader.env("AUTHCHECK_ARM_TOKEN").unwrap();
    let r = http
        .put(&url)
        .bearer_auth(&arm_tok)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["error"]["code"], "AuthorizationFailed");

    // An operator who may write: a second identical assignment is a 409.
    let admin = start("healthy", "operator-admin", dir.path());
    let (arm, scope) = (admin.s("arm"), admin.s("arm_scope"));
    let arm_tok = admin.env("AUTHCHECK_ARM_TOKEN").unwrap();
    let graph_tok = admin.env("AUTHCHECK_GRAPH_TOKEN").unwrap();
    let sp: Value = http
        .get(format!(
            "{}/v1.0/servicePrincipals(appId='{}')",
            admin.s("graph"),
            admin.s("client_id")
        ))
        .bearer_auth(&graph_tok)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body = serde_json::json!({"properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7", "principalId": sp["id"], "principalType": "ServicePrincipal"}});
    let mut statuses = vec![];
    for _ in 0..2 {
        let url = format!("{arm}{scope}/providers/Microsoft.Authorization/roleAssignments/{}?api-version=2022-04-01", uuid::Uuid::new_v4());
        let r = http
            .put(&url)
            .bearer_auth(&arm_tok)
            .json(&body)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status().as_u16() == 409 {
            let b: Value = r.json().await.unwrap();
            assert_eq!(b["error"]["code"], "RoleAssignmentExists");
        }
    }
    assert_eq!(statuses, vec![201, 409]);
}
