//! End to end: `authcheck fix` repairing the data planes' own authorization against
//! `authcheck sim`, over HTTP on loopback: a Purview collection role (the collection's metadata
//! policy read and written back with the principal added) and a Power Platform application
//! user (the admin API's `addAppUser`), with the operator's own Purview and Power Platform
//! tokens. An operator without Collection Admin, or without Power Platform standing, gets the
//! step marked, nothing applied and a non-zero exit naming what it lacks. No test times
//! anything.

use serde_json::{json, Value};

#[path = "support/fix_run.rs"]
mod fix_run;
mod sim_common;
use fix_run::{first_rule, no_operator_token, repair_cycle, run, run_without, start, start_own};

#[test]
fn purview_and_power_platform_repairs_leave_the_doctor_healthy_and_a_second_fix_plans_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut wrong = vec![];
    for (scenario, service, method) in [
        ("data-plane-role-missing", "purview", "PUT"),
        (
            "power-platform-application-user-missing",
            "powerplatform",
            "POST",
        ),
    ] {
        let sim = start(scenario, "operator-admin", dir.path());
        let (mut w, step) = repair_cycle(&sim, scenario);
        if !w.is_empty() {
            wrong.append(&mut w);
        } else if step["request"]["service"] != service || step["request"]["method"] != method {
            wrong.push(format!("{scenario}: step {step}"));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// The Purview step sends the policy back whole: the role the app already held stays, the
/// operator's own Collection Admin stays, and the app is added to the role the call needs.
#[test]
fn the_purview_policy_is_sent_back_whole_with_the_principal_added() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start("data-plane-role-missing", "operator-admin", dir.path());
    let plan = run(&sim, "fix", &["--plan-only", "--format", "json"]);
    assert_eq!(plan.code, 1, "{}", plan.stderr);
    let doc = plan.json();
    let req = &doc["steps"][0]["request"];
    assert!(
        req["url"]
            .as_str()
            .is_some_and(|u| u.contains("/policystore/metadataPolicies/")
                && u.contains("api-version=2021-07-01")),
        "{req}"
    );
    let rules = req["body"]["properties"]["attributeRules"]
        .as_array()
        .unwrap_or_else(|| panic!("{req}"));
    let members = |role: &str| -> Vec<String> {
        rules
            .iter()
            .filter(|r| {
                r["id"]
                    .as_str()
                    .is_some_and(|i| i.starts_with(&format!("purviewmetadatarole_builtin_{role}:")))
            })
            .flat_map(|r| r["dnfCondition"][0].as_array().cloned().unwrap_or_default())
            .filter(|c| c["attributeName"] == "principal.microsoft.id")
            .flat_map(|c| {
                c["attributeValueIncludedIn"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|v| v.as_str().map(String::from))
            .collect()
    };
    let curators = members("data-curator");
    let sources = members("data-source-administrator");
    let admins = members("collection-administrator");
    assert_eq!(curators.len(), 1, "{req}");
    // The app held Data Source Administrator before: it is still there, and it is the same
    // principal the step adds as Data Curator.
    assert_eq!(sources, curators, "{req}");
    assert_eq!(admins.len(), 1, "the operator's own role stays: {req}");
    assert!(doc["steps"][0]["permission"]
        .as_str()
        .is_some_and(|p| p.contains("Collection Admin")));
    // --plan-only changed nothing.
    let after = run(&sim, "doctor", &["--format", "json"]);
    assert_eq!(first_rule(&after), "data-plane-role-missing");
}

#[test]
fn an_operator_without_collection_admin_or_power_platform_standing_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for (scenario, lacks) in [
        ("data-plane-role-missing", "Collection Admin"),
        (
            "power-platform-application-user-missing",
            "Power Platform administrator",
        ),
    ] {
        let sim = start(scenario, "operator-reader", dir.path());
        let fix = run(&sim, "fix", &["--yes", "--format", "json"]);
        assert_eq!(fix.code, 1, "{scenario}: {}", fix.stderr);
        assert!(fix.stderr.contains(lacks), "{scenario}: {}", fix.stderr);
        assert_eq!(fix.stderr.trim().lines().count(), 1, "{}", fix.stderr);
        let doc = fix.json();
        assert_eq!(doc["steps"][0]["kind"], "automatic", "{doc}");
        assert!(
            doc["steps"][0]["blocked"]
                .as_str()
                .is_some_and(|b| b.contains(lacks)),
            "{doc}"
        );
        assert!(doc["outcome"].is_null(), "{doc}");
        let after = run(&sim, "doctor", &["--format", "json"]);
        assert_eq!(first_rule(&after), scenario);
        no_operator_token(&sim, &[&fix, &after]);
    }
}

/// Without the operator's token for the data plane, nothing can be read or checked: the repair
/// is a manual step naming the variable to set, not a pass.
#[test]
fn without_the_operators_data_plane_token_the_repair_is_manual_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    for (scenario, var) in [
        ("data-plane-role-missing", "AUTHCHECK_PURVIEW_TOKEN"),
        (
            "power-platform-application-user-missing",
            "AUTHCHECK_POWERPLATFORM_TOKEN",
        ),
    ] {
        let sim = start(scenario, "operator-admin", dir.path());
        let fix = run_without(&sim, "fix", &["--yes", "--format", "json"], &[var]);
        assert_eq!(fix.code, 1, "{scenario}: {}", fix.stderr);
        let doc = fix.json();
        assert_eq!(doc["steps"][0]["kind"], "manual", "{doc}");
        assert!(
            doc["steps"][0]["action"]
                .as_str()
                .is_some_and(|a| a.contains(var)),
            "{doc}"
        );
        assert!(doc["outcome"].is_null(), "{doc}");
        let after = run(&sim, "doctor", &["--format", "json"]);
        assert_eq!(first_rule(&after), scenario);
    }
}

/// The stand-ins' write endpoints check the caller as the services do: Purview's terse 403 for
/// a caller without Collection Admin; the admin API refuses an app-only token that would
/// register a management application, and a caller with no standing that would add an
/// application user.
#[tokio::test]
async fn the_stand_ins_refuse_writes_the_caller_may_not_make() {
    let dir = tempfile::tempdir().unwrap();
    let http = sim_common::http();
    let reader = start("data-plane-role-missing", "operator-reader", dir.path());
    let purview = reader.s("purview");
    let tok = reader.env("AUTHCHECK_PURVIEW_TOKEN").unwrap();
    let r = http
        .get(format!(
            "{purview}/policystore/metadataPolicies?api-version=2021-07-01"
        ))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["error"]["message"], "Not authorized to access account");

    // An operator who is Collection Admin reads the root policy and writes it back.
    let admin = start("data-plane-role-missing", "operator-admin", dir.path());
    let purview = admin.s("purview");
    let tok = admin.env("AUTHCHECK_PURVIEW_TOKEN").unwrap();
    let list: Value = http
        .get(format!(
            "{purview}/policystore/metadataPolicies?api-version=2021-07-01"
        ))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut policy = list["values"][0].clone();
    let id = policy["id"].as_str().unwrap().to_string();
    let root = policy["properties"]["collection"]["referenceName"]
        .as_str()
        .unwrap()
        .to_string();
    let rid = format!("purviewmetadatarole_builtin_purview-reader:{root}");
    policy["properties"]["attributeRules"]
        .as_array_mut()
        .unwrap()
        .push(json!({"kind": "attributerule", "id": rid, "name": rid, "dnfCondition": [[
            {"attributeName": "principal.microsoft.id", "attributeValueIncludedIn": ["11111111-2222-3333-4444-555555555555"]}
        ]]}));
    let url = format!("{purview}/policystore/metadataPolicies/{id}?api-version=2021-07-01");
    let r = http
        .put(&url)
        .bearer_auth(&tok)
        .json(&policy)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let back: Value = http
        .get(&url)
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(back
        .to_string()
        .contains("11111111-2222-3333-4444-555555555555"));
    // The reader may not write it.
    let r = http
        .put(format!(
            "{}/policystore/metadataPolicies/{id}?api-version=2021-07-01",
            reader.s("purview")
        ))
        .bearer_auth(reader.env("AUTHCHECK_PURVIEW_TOKEN").unwrap())
        .json(&policy)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);

    // Power Platform: an app-only token may not register a management application, even the
    // management application's own.
    let bap = admin.env("AUTHCHECK_BAP_ENDPOINT").unwrap();
    let pp = admin.env("AUTHCHECK_POWERPLATFORM_TOKEN").unwrap();
    let r = http
        .put(format!(
            "{bap}/providers/Microsoft.BusinessAppPlatform/adminApplications/{}?api-version=2020-10-01",
            admin.s("client_id")
        ))
        .bearer_auth(&pp)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["error"]["code"], "Forbidden");
    // A caller with no Power Platform standing may not add an application user.
    let r = http
        .post(format!(
            "{}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/x/addAppUser?api-version=2020-10-01",
            reader.env("AUTHCHECK_BAP_ENDPOINT").unwrap()
        ))
        .bearer_auth(reader.env("AUTHCHECK_POWERPLATFORM_TOKEN").unwrap())
        .json(&json!({"servicePrincipalAppId": reader.s("client_id")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
}

/// The two scenarios whose operator comes with them: a Collection Admin of the root collection
/// (Purview), and Dana, a Power Platform administrator whose token for the admin API is her own
/// (delegated), as registering a management application requires. Doctor fails, `fix --yes`
/// repairs, the doctor is healthy, and a second `fix` plans nothing.
#[test]
fn other_collection_and_management_app_repairs_leave_the_doctor_healthy_and_a_second_fix_plans_nothing(
) {
    let dir = tempfile::tempdir().unwrap();
    let mut wrong = vec![];
    for (scenario, service, method) in [
        ("purview-role-on-other-collection", "purview", "PUT"),
        (
            "power-platform-management-app-missing",
            "powerplatform",
            "PUT",
        ),
    ] {
        let sim = start_own(scenario, None, dir.path());
        // One write: the Purview pair of findings (this one and data-plane-role-missing) share it.
        let (mut w, step) = repair_cycle(&sim, scenario);
        if !w.is_empty() {
            wrong.append(&mut w);
        } else if step["request"]["service"] != service || step["request"]["method"] != method {
            wrong.push(format!("{scenario}: step {step}"));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// The role goes on the collection the call targets (the root here), whatever the principal
/// holds elsewhere; the policy of the root is sent back whole and the role on Finance stays.
#[test]
fn the_other_collection_repair_adds_the_role_where_the_call_goes_and_keeps_the_one_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start_own("purview-role-on-other-collection", None, dir.path());
    let before = run(&sim, "doctor", &["--format", "json"]);
    let b = before.json();
    assert_eq!(
        b["findings"][0]["match"], "elsewhere",
        "{}",
        b["findings"][0]
    );
    assert!(
        b["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Data Curator") && m.contains("finance")),
        "{}",
        b["findings"][0]
    );
    let plan = run(&sim, "fix", &["--plan-only", "--format", "json"]);
    assert_eq!(plan.code, 1, "{}", plan.stderr);
    let doc = plan.json();
    let steps = doc["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 1, "one write for both Purview findings: {doc}");
    let body = &steps[0]["request"]["body"];
    assert_eq!(
        body["properties"]["collection"]["referenceName"], "contoso-purview",
        "{body}"
    );
    let curators: Vec<&Value> = body["properties"]["attributeRules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["id"] == "purviewmetadatarole_builtin_data-curator:contoso-purview")
        .collect();
    assert_eq!(curators.len(), 1, "{body}");
    let principal = b["findings"][0]["message"]
        .as_str()
        .and_then(|m| m.split_whitespace().nth(1))
        .unwrap()
        .to_string();
    assert_eq!(
        curators[0]["dnfCondition"][0][0]["attributeValueIncludedIn"],
        json!([principal]),
        "{body}"
    );
    let fix = run(&sim, "fix", &["--yes", "--format", "json"]);
    assert_eq!(fix.code, 0, "{}", fix.stderr);
    let after = run(&sim, "doctor", &["--format", "json"]).json();
    let roles = after["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "dataplane.purview_roles")
        .map(|c| c["detail"].as_str().unwrap_or("").to_string())
        .unwrap_or_default();
    assert!(
        roles.contains("Data Curator on the root collection")
            && roles.contains("elsewhere: Data Curator on finance"),
        "{roles}"
    );
}

/// Registering a management application needs a user's token: an operator whose Power Platform
/// token is app-only (a management application itself, so it may list them) gets the step
/// marked, nothing applied, exit 1 naming what it lacks; the same tenant with Dana's delegated
/// token is repaired by the first test.
#[test]
fn an_app_only_operator_cannot_register_a_management_application() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start_own(
        "power-platform-management-app-missing",
        Some((
            "user = \"dana@contoso.onmicrosoft.com\"",
            "powerplatform_management_app = true",
        )),
        dir.path(),
    );
    let before = run(&sim, "doctor", &["--format", "json"]);
    assert_eq!(first_rule(&before), "power-platform-management-app-missing");
    let fix = run(&sim, "fix", &["--yes", "--format", "json"]);
    assert_eq!(fix.code, 1, "{}", fix.stderr);
    assert_eq!(fix.stderr.trim().lines().count(), 1, "{}", fix.stderr);
    assert!(fix.stderr.contains("signed in as a user"), "{}", fix.stderr);
    let doc = fix.json();
    assert_eq!(doc["steps"][0]["kind"], "automatic", "{doc}");
    assert!(
        doc["steps"][0]["blocked"]
            .as_str()
            .is_some_and(|b| b.contains("app-only")),
        "{doc}"
    );
    assert!(doc["outcome"].is_null(), "{doc}");
    let after = run(&sim, "doctor", &["--format", "json"]);
    assert_eq!(first_rule(&after), "power-platform-management-app-missing");
    no_operator_token(&sim, &[&before, &fix, &after]);
}
