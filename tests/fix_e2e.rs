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
use fix_run::{first_rule, no_operator_token, repair_cycle, root, run, start};
use std::path::Path;
use std::process::{Command, Stdio};

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
        wrong.append(&mut repair_cycle(&sim, scenario).0);
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

// ---- Grants extended, assignments by choice (user, group, app role, off), SPA vs Origin ----

/// A `fix` scenario from `fixtures/fix/` plus an operator and `extra` TOML, started.
fn start_fix(name: &str, operator: &str, extra: &str, dir: &Path) -> SimProc {
    let text = std::fs::read_to_string(root().join(format!("fixtures/fix/scenario-{name}.toml")))
        .unwrap()
        + "\n"
        + &std::fs::read_to_string(root().join(format!("fixtures/fix/{operator}.toml"))).unwrap()
        + "\n"
        + extra;
    let p = dir.join(format!("{name}+{operator}.toml"));
    std::fs::write(&p, text).unwrap();
    SimProc::start(p.to_str().unwrap(), &[])
}

/// Doctor fails with `rule` → `fix --yes EXTRA` applies and is healthy → doctor healthy → a
/// second `fix` plans nothing. Returns the first fix's plan document.
fn repaired(sim: &SimProc, rule: &str, extra: &[&str]) -> Value {
    let before = run(sim, "doctor", &["--format", "json"]);
    assert_ne!(before.code, 0, "{}", before.stdout);
    assert_eq!(first_rule(&before), rule, "{}", before.stdout);
    let fix = run(
        sim,
        "fix",
        &[&["--yes", "--format", "json"][..], extra].concat(),
    );
    let doc = fix.json();
    assert_eq!(fix.code, 0, "{doc:#}\n{}", fix.stderr);
    assert_eq!(doc["after"]["healthy"], true, "{doc:#}");
    let after = run(sim, "doctor", &["--format", "json"]);
    assert_eq!(after.code, 0, "{}", after.stdout);
    let again = run(sim, "fix", &["--yes", "--format", "json"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.json()["steps"].as_array().map_or(0, Vec::len), 0);
    no_operator_token(sim, &[&before, &fix, &after, &again]);
    doc
}

/// A Graph request with the operator's token, outside the tool: (status, JSON body).
fn graph_call(sim: &SimProc, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let http = sim_common::http();
        let url = format!("{}/v1.0/{path}", sim.s("graph"));
        let tok = sim.env("AUTHCHECK_GRAPH_TOKEN").unwrap();
        let mut r = http
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url)
            .bearer_auth(tok);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    })
}

#[test]
fn a_grant_missing_one_scope_is_extended_not_duplicated() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start_fix("consent-scope-added", "operator-admin", "", dir.path());
    let doc = repaired(&sim, "admin-consent-missing", &[]);
    let step = &doc["steps"][0];
    assert_eq!(step["request"]["method"], "PATCH", "{doc:#}");
    assert!(step["request"]["url"]
        .as_str()
        .unwrap()
        .contains("/v1.0/oauth2PermissionGrants/"));
    // The scope sent keeps the granted one and adds the missing one.
    assert_eq!(
        step["request"]["body"]["scope"],
        "EnvironmentManagement.Environments.Read EnvironmentManagement.Settings.Read",
        "{doc:#}"
    );
    assert!(step["undo"]
        .as_str()
        .unwrap()
        .contains("\"scope\":\"EnvironmentManagement.Environments.Read\""));
    assert_eq!(doc["outcome"]["applied"][0]["status"], 204, "{doc:#}");

    // A second POST for the same client and API is refused as Graph refuses it.
    let (_, sp) = graph_call(
        &sim,
        "GET",
        &format!("servicePrincipals(appId='{}')", sim.s("client_id")),
        None,
    );
    let (_, grants) = graph_call(
        &sim,
        "GET",
        &format!(
            "servicePrincipals/{}/oauth2PermissionGrants",
            sp["id"].as_str().unwrap()
        ),
        None,
    );
    let g = &grants["value"][0];
    let (status, _) = graph_call(
        &sim,
        "POST",
        "oauth2PermissionGrants",
        Some(
            serde_json::json!({"clientId": g["clientId"], "consentType": "AllPrincipals", "resourceId": g["resourceId"], "scope": "EnvironmentManagement.Settings.Read"}),
        ),
    );
    assert_eq!(status, 409);
}

#[test]
fn an_operator_may_turn_assignment_off_instead_of_assigning() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start("user-assignment-required", "operator-admin", dir.path());
    let doc = repaired(
        &sim,
        "user-assignment-required",
        &["--choose", "user-assignment-required=assignment-off"],
    );
    let step = &doc["steps"][0];
    assert_eq!(step["request"]["method"], "PATCH", "{doc:#}");
    assert_eq!(step["request"]["body"]["appRoleAssignmentRequired"], false);
    assert_eq!(step["choice"]["chosen"], "assignment-off");
    assert_eq!(step["choice"]["decided_by"], "operator");
    assert!(step["undo"].as_str().unwrap().contains("true"));
    // The options are in the plan, each with its request.
    let ids: Vec<&str> = step["choice"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["assign-user", "assignment-off"], "{doc:#}");
}

#[test]
fn a_group_the_user_is_in_may_be_assigned_instead_and_lets_them_in() {
    let dir = tempfile::tempdir().unwrap();
    // By default the user alone is assigned; the group is offered.
    let sim = start_fix("group-assignment", "operator-admin", "", dir.path());
    let plan = run(&sim, "fix", &["--plan-only", "--format", "json"]);
    let doc = plan.json();
    let step = &doc["steps"][0];
    assert_eq!(step["choice"]["chosen"], "assign-user", "{doc:#}");
    assert_eq!(step["choice"]["decided_by"], "default");
    let ids: Vec<&str> = step["choice"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["assign-user", "assign-group", "assignment-off"]);
    assert!(plan.stdout.contains("Power Platform admins"));

    let doc = repaired(
        &sim,
        "user-assignment-required",
        &["--choose", "user-assignment-required=assign-group"],
    );
    let step = &doc["steps"][0];
    assert_eq!(step["request"]["method"], "POST");
    assert_eq!(step["choice"]["chosen"], "assign-group");
    let group_id = step["request"]["body"]["principalId"].as_str().unwrap();
    // The assignment is the group's, not Alice's.
    let (_, to) = graph_call(
        &sim,
        "GET",
        &format!(
            "servicePrincipals(appId='{}')/appRoleAssignedTo",
            sim.s("client_id")
        ),
        None,
    );
    let types: Vec<(&str, &str)> = to["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["principalType"].as_str().unwrap(),
                a["principalId"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(types, [("Group", group_id)]);
}

#[test]
fn an_app_refused_by_an_api_that_requires_assignment_gets_default_access() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start_fix("api-assignment-required", "operator-admin", "", dir.path());
    let before = run(&sim, "doctor", &["--format", "json"]);
    assert!(
        before.stdout.contains("501051"),
        "the simulator answers AADSTS501051: {}",
        before.stdout
    );
    let doc = repaired(&sim, "user-assignment-required", &[]);
    let step = &doc["steps"][0];
    assert_eq!(
        step["request"]["body"]["appRoleId"], "00000000-0000-0000-0000-000000000000",
        "{doc:#}"
    );
    assert_eq!(step["choice"]["decided_by"], "default");
    assert_eq!(doc["outcome"]["applied"][0]["status"], 201);
}

#[test]
fn with_several_app_roles_the_plan_waits_for_a_choice_and_changes_nothing_without_one() {
    let dir = tempfile::tempdir().unwrap();
    // Another app of the tenant holds the Orders API's two app roles, so the API defines them.
    let roles = r#"
[[apps]]
name = "orders-admin"
display_name = "contoso-orders-admin"
created = "100 days ago"

[[apps.permissions]]
api = "contoso-orders-api"
kind = "Role"
value = "Orders.Read"
granted_at = "100 days ago"

[[apps.permissions]]
api = "contoso-orders-api"
kind = "Role"
value = "Orders.Write"
granted_at = "100 days ago"
"#;
    let sim = start_fix(
        "api-assignment-required",
        "operator-admin",
        roles,
        dir.path(),
    );
    // No terminal, no --choose: the step lists the options, nothing is applied.
    let fix = run(&sim, "fix", &["--yes", "--format", "json"]);
    assert_eq!(fix.code, 1);
    assert!(fix.stderr.contains("waits for a choice"), "{}", fix.stderr);
    let doc = fix.json();
    let step = &doc["steps"][0];
    assert_eq!(step["kind"], "manual", "{doc:#}");
    assert!(step["choice"]["chosen"].is_null());
    let ids: Vec<&str> = step["choice"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "assign-app-role:Orders.Read",
            "assign-app-role:Orders.Write",
            "assignment-off"
        ]
    );
    assert!(doc["outcome"].is_null(), "{doc:#}");
    let text = run(&sim, "fix", &[]);
    assert!(
        text.stdout.contains("waits for a choice"),
        "{}",
        text.stdout
    );
    assert_eq!(
        first_rule(&run(&sim, "doctor", &["--format", "json"])),
        "user-assignment-required"
    );

    // Chosen: that role is assigned, and the API lets the app in.
    let doc = repaired(
        &sim,
        "user-assignment-required",
        &[
            "--choose",
            "user-assignment-required=assign-app-role:Orders.Read",
        ],
    );
    assert_eq!(
        doc["steps"][0]["choice"]["chosen"],
        "assign-app-role:Orders.Read"
    );
}

#[test]
fn spa_or_origin_is_decided_by_the_evidence_and_an_operator_may_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start("spa-cross-origin-redemption", "operator-admin", dir.path());
    // The client sends a secret: a browser app cannot, so the Origin header must go (manual).
    let fix = run(&sim, "fix", &["--yes", "--format", "json"]);
    assert_eq!(fix.code, 1);
    let doc = fix.json();
    let step = &doc["steps"][0];
    assert_eq!(step["kind"], "manual", "{doc:#}");
    assert_eq!(step["choice"]["chosen"], "drop-origin");
    assert_eq!(step["choice"]["decided_by"], "evidence");
    assert!(doc["outcome"].is_null());
    // The operator may say it is a browser app; with no redirect URI seen, that repair is manual too.
    let chosen = run(
        &sim,
        "fix",
        &[
            "--plan-only",
            "--format",
            "json",
            "--choose",
            "spa-cross-origin-redemption=spa",
        ],
    );
    let doc = chosen.json();
    assert_eq!(doc["steps"][0]["choice"]["chosen"], "spa", "{doc:#}");
    assert_eq!(doc["steps"][0]["choice"]["decided_by"], "operator");
}

#[test]
fn a_bad_choice_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start("user-assignment-required", "operator-admin", dir.path());
    for bad in [
        "user-assignment-required",
        "rbac-role-missing=assign-user",
        "spa-cross-origin-redemption=web",
    ] {
        let r = run(&sim, "fix", &["--choose", bad]);
        assert_eq!(r.code, 2, "{bad}: {}", r.stderr);
        assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.contains("--choose"), "{}", r.stderr);
    }
}

/// The README's "run one by hand" block works as written, from the repository's root, with the
/// built binary first on PATH.
#[test]
fn the_readme_block_that_runs_a_repair_by_hand_works() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let marker = "run one by hand from the repository's root";
    let after = &readme[readme.find(marker).expect("the README names the block")..];
    let start = after.find("```\n").unwrap() + 4;
    let block = &after[start..start + after[start..].find("```").unwrap()];
    assert!(block.contains("authcheck_sim_fix --yes"), "{block}");
    let script: String = block
        .lines()
        .map(|l| match l.find("  # ") {
            Some(i) => l[..i].trim_end(),
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let bin = Path::new(env!("CARGO_BIN_EXE_authcheck"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        // The trap only cleans up when a line fails before the block's own `kill`.
        .arg(format!(
            "set -e\ntrap '[ -z \"${{AUTHCHECK_SIM_PID:-}}\" ] || kill \"$AUTHCHECK_SIM_PID\" 2>/dev/null || true' EXIT\n{script}"
        ))
        .current_dir(root())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env_remove("AUTHCHECK_GRAPH_TOKEN")
        .env_remove("AUTHCHECK_ARM_TOKEN")
        .env_remove("AZURE_CLIENT_SECRET")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("doctor again: healthy ✓"), "{stdout}");
    assert!(stdout.contains("the plan is empty"), "{stdout}");
}

/// On a terminal (a pseudo-terminal from util-linux `script`), an undecided choice is asked:
/// the answer picks the option, the confirmation applies it, and the doctor is healthy after.
#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_the_plan_asks_which_repair() {
    let dir = tempfile::tempdir().unwrap();
    let roles = r#"
[[apps]]
name = "orders-admin"
created = "100 days ago"

[[apps.permissions]]
api = "contoso-orders-api"
kind = "Role"
value = "Orders.Read"

[[apps.permissions]]
api = "contoso-orders-api"
kind = "Role"
value = "Orders.Write"
"#;
    let sim = start_fix(
        "api-assignment-required",
        "operator-admin",
        roles,
        dir.path(),
    );
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut cmd = vec![quote(env!("CARGO_BIN_EXE_authcheck")), "fix".into()];
    for a in sim.info["doctor_args"].as_array().unwrap() {
        cmd.push(quote(a.as_str().unwrap()));
    }
    cmd.push("--no-prompt".into());
    let mut c = Command::new("script");
    c.args(["-qec", &cmd.join(" "), "/dev/null"]);
    c.env_clear();
    for (k, v) in sim.info["env"].as_object().unwrap() {
        c.env(k, v.as_str().unwrap());
    }
    c.env("NO_COLOR", "1")
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux script");
    // The second option (Orders.Write), then yes to "Apply 1 change?".
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"2\ny\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Which repair?"), "{text}");
    assert!(
        text.contains(
            "choice: assign-app-role:Orders.Write (decided by operator: chosen on the terminal)"
        ),
        "{text}"
    );
    assert!(text.contains("doctor again: healthy"), "{text}");
    assert_eq!(out.status.code(), Some(0), "{text}");
    let after = run(&sim, "doctor", &["--format", "json"]);
    assert_eq!(after.code, 0, "{}", after.stdout);
}

/// Issue 14's "done means", over every built-in scenario rather than a chosen few: with an
/// operator who may make every change, a plan whose steps are all automatic is applied and leaves
/// the doctor healthy, and `fix` again plans nothing; a plan that mixes automatic and manual steps
/// repairs its automatic part (those findings are gone afterwards) and names the rest. A scenario
/// whose plan is manual only is left as it was. The table of what each scenario planned is printed
/// when anything is wrong.
#[test]
fn every_scenario_with_an_automatic_repair_is_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(root().join("fixtures/scenarios"))
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension().is_some_and(|x| x == "toml"))
                .then(|| p.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .filter(|n| n != "healthy")
        .collect();
    names.sort();
    let mut table = vec![];
    let mut wrong = vec![];
    let mut repaired = 0;
    let own = regex::Regex::new(r"(?ms)^\[operator\]\n.*?(?:^\[|\z)").unwrap();
    for scenario in &names {
        // A scenario's own operator (an auditor who may only read) gives way to the admin.
        let text =
            std::fs::read_to_string(root().join(format!("fixtures/scenarios/{scenario}.toml")))
                .unwrap();
        let text = own.replace(&text, |c: &regex::Captures| {
            if c[0].ends_with('[') {
                "[".to_string()
            } else {
                String::new()
            }
        });
        let p = dir.path().join(format!("{scenario}.toml"));
        std::fs::write(
            &p,
            format!(
                "{text}\n{}",
                std::fs::read_to_string(root().join("fixtures/fix/operator-admin.toml")).unwrap()
            ),
        )
        .unwrap();
        let sim = SimProc::start(p.to_str().unwrap(), &[]);
        let plan = run(&sim, "fix", &["--plan-only", "--format", "json"]).json();
        let steps = plan["steps"].as_array().cloned().unwrap_or_default();
        let auto: Vec<&Value> = steps.iter().filter(|s| s["kind"] == "automatic").collect();
        let manual = steps.len() - auto.len();
        table.push(format!(
            "{scenario}: {} automatic, {manual} manual",
            auto.len()
        ));
        if auto.is_empty() || auto.iter().any(|s| !s["blocked"].is_null()) {
            continue;
        }
        let fixed: Vec<String> = auto
            .iter()
            .map(|s| s["finding"].as_str().unwrap_or("").to_string())
            .collect();
        let fix = run(&sim, "fix", &["--yes", "--format", "json"]);
        let doc = fix.json();
        let applied = doc["outcome"]["applied"].as_array().map_or(0, Vec::len);
        if applied < auto.len() {
            wrong.push(format!(
                "{scenario}: applied {applied} of {} automatic steps: {}",
                auto.len(),
                doc["outcome"]
            ));
            continue;
        }
        let findings = |r: &fix_run::Run| -> Vec<String> {
            r.json()["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["rule"].as_str().unwrap_or("").to_string())
                .collect()
        };
        let after = run(&sim, "doctor", &["--format", "json"]);
        let left = findings(&after);
        if let Some(f) = fixed.iter().find(|f| left.contains(f)) {
            wrong.push(format!(
                "{scenario}: {f} is still found after fix: {left:?}"
            ));
            continue;
        }
        if manual > 0 {
            repaired += 1;
            continue;
        }
        // A repair may uncover the next problem (a new service principal holds no role yet):
        // `fix` again repairs that too, until nothing automatic is left (three rounds at most).
        let mut rounds = vec![findings(&after)];
        let mut healthy = after.code == 0;
        for _ in 0..3 {
            if healthy {
                break;
            }
            let again = run(&sim, "fix", &["--yes", "--format", "json"]);
            let d = again.json();
            let auto_left = d["steps"]
                .as_array()
                .map_or(0, |v| v.iter().filter(|s| s["kind"] == "automatic").count());
            if auto_left == 0 {
                break;
            }
            let after = run(&sim, "doctor", &["--format", "json"]);
            rounds.push(findings(&after));
            healthy = after.code == 0;
        }
        let again = run(&sim, "fix", &["--yes", "--format", "json"]);
        let n = again.json()["steps"].as_array().map_or(0, Vec::len);
        if !healthy || again.code != 0 || n != 0 {
            wrong.push(format!(
                "{scenario}: findings after each round {rounds:?}; last fix exit {} with {n} steps",
                again.code
            ));
            continue;
        }
        repaired += 1;
    }
    eprintln!(
        "fix repaired {repaired} of {} failing scenarios",
        names.len()
    );
    assert!(
        wrong.is_empty() && repaired >= 10,
        "{repaired} repaired\n{}\n\nwhat each planned:\n{}",
        wrong.join("\n"),
        table.join("\n")
    );
}
