//! The simulator's Graph, ARM and data planes, scenario by scenario, over real HTTP.

mod sim_common;

use serde_json::{json, Value};
use sim_common::*;

const TENANT: &str = "8f2b4c1d-6e3a-4b5c-9d7e-0a1b2c3d4e5f";
const PURVIEW_APP: &str = "3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40";

async fn app_token(sim: &SimProc, scope: &str) -> String {
    let form = vec![
        ("grant_type", "client_credentials".to_string()),
        ("client_id", PURVIEW_APP.to_string()),
        ("client_secret", sim.env("AZURE_CLIENT_SECRET").unwrap()),
        ("scope", scope.to_string()),
    ];
    let (st, body) = token(sim, TENANT, true, &form, None).await;
    assert_eq!(st, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn graph_reads_for_the_doctor() {
    let sim = SimProc::start("healthy", &[]);
    let g = format!("{}/v1.0", sim.s("graph"));
    let t = app_token(&sim, "https://graph.microsoft.com/.default").await;
    let (st, _, app) = get(
        &format!("{g}/applications(appId='{PURVIEW_APP}')"),
        Some(&t),
    )
    .await;
    assert_eq!(st, 200, "{app}");
    assert_eq!(app["appId"], PURVIEW_APP);
    assert_eq!(app["passwordCredentials"][0]["hint"], "Qx4");
    assert!(app["passwordCredentials"][0]["secretText"].is_null());
    assert_eq!(app["keyCredentials"][0]["type"], "AsymmetricX509Cert");
    assert!(app["requiredResourceAccess"].as_array().unwrap().len() >= 2);
    // $select
    let (_, _, sel) = get(
        &format!("{g}/applications(appId='{PURVIEW_APP}')?$select=appId,signInAudience"),
        Some(&t),
    )
    .await;
    let keys: Vec<&String> = sel
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !k.starts_with('@'))
        .collect();
    assert_eq!(keys, vec!["appId", "signInAudience"]);
    // $filter form
    let (_, _, list) = get(
        &format!("{g}/applications?$filter=appId eq '{PURVIEW_APP}'"),
        Some(&t),
    )
    .await;
    assert_eq!(list["value"].as_array().unwrap().len(), 1);
    let oid = app["id"].as_str().unwrap();
    let (st, _, fics) = get(
        &format!("{g}/applications/{oid}/federatedIdentityCredentials"),
        Some(&t),
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(
        fics["value"][0]["subject"],
        "repo:contoso/orders-api:ref:refs/heads/main"
    );
    let (st, _, sp) = get(
        &format!("{g}/servicePrincipals(appId='{PURVIEW_APP}')"),
        Some(&t),
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(sp["accountEnabled"], true);
    let spid = sp["id"].as_str().unwrap();
    let (_, _, ara) = get(
        &format!("{g}/servicePrincipals/{spid}/appRoleAssignments"),
        Some(&t),
    )
    .await;
    assert!(ara["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["appRoleId"] == "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30"));
    let (st, _, _) = get(
        &format!("{g}/servicePrincipals(appId='{PURVIEW_APP}')/appRoleAssignedTo"),
        Some(&t),
    )
    .await;
    assert_eq!(st, 200);
    let (_, _, graph_sp) = get(
        &format!(
            "{g}/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=appRoles"
        ),
        Some(&t),
    )
    .await;
    assert!(graph_sp["appRoles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["value"] == "Application.Read.All"));
    // Delegated grants of the ROPC app.
    let (_, _, pp_sp) = get(
        &format!("{g}/servicePrincipals(appId='6d1e9b3a-4c2f-4a7e-8b5d-1f3a5c7e9b20')"),
        Some(&t),
    )
    .await;
    let (_, _, grants) = get(
        &format!(
            "{g}/oauth2PermissionGrants?$filter=clientId eq '{}'",
            pp_sp["id"].as_str().unwrap()
        ),
        Some(&t),
    )
    .await;
    assert_eq!(grants["value"][0]["consentType"], "AllPrincipals");
    assert!(grants["value"][0]["scope"]
        .as_str()
        .unwrap()
        .contains("EnvironmentManagement.Environments.Read"));
    // Paging.
    let (_, _, page1) = get(
        &format!("{g}/auditLogs/signIns?$filter=appId eq '{PURVIEW_APP}'&$top=2"),
        Some(&t),
    )
    .await;
    assert_eq!(page1["value"].as_array().unwrap().len(), 2);
    let next = page1["@odata.nextLink"].as_str().expect("nextLink");
    let (_, _, page2) = get(next, Some(&t)).await;
    assert_eq!(page2["value"].as_array().unwrap().len(), 1);
    assert!(page2.get("@odata.nextLink").is_none());
    let (st, _, ca) = get(
        &format!("{g}/identity/conditionalAccess/policies"),
        Some(&t),
    )
    .await;
    assert_eq!(st, 200);
    assert!(ca["value"].is_array());
    // Not found.
    let (st, _, nf) = get(
        &format!("{g}/applications(appId='00000000-0000-0000-0000-00000000abcd')"),
        Some(&t),
    )
    .await;
    assert_eq!(st, 404);
    assert_eq!(nf["error"]["code"], "Request_ResourceNotFound");
}

#[tokio::test]
async fn graph_denies_without_permission_and_without_token() {
    let sim = SimProc::start("api-permission-missing", &[]);
    let g = format!("{}/v1.0", sim.s("graph"));
    let t = app_token(&sim, "https://graph.microsoft.com/.default").await;
    let (st, _, body) = get(
        &format!("{g}/applications(appId='{PURVIEW_APP}')"),
        Some(&t),
    )
    .await;
    assert_eq!(st, 403);
    assert_eq!(body["error"]["code"], "Authorization_RequestDenied");
    assert_eq!(
        body["error"]["message"],
        "Insufficient privileges to complete the operation."
    );
    assert!(body["error"]["innerError"]["request-id"].is_string());
    let (st, www, body) = get(&format!("{g}/applications"), None).await;
    assert_eq!(st, 401);
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    assert!(www.unwrap().starts_with("Bearer"));
    // A Purview token at Graph: wrong audience.
    let p = app_token(&sim, "https://purview.azure.net/.default").await;
    let (st, _, body) = get(&format!("{g}/applications"), Some(&p)).await;
    assert_eq!(st, 401);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Invalid audience"));
}

#[tokio::test]
async fn arm_role_assignments_with_inheritance() {
    let sim = SimProc::start("healthy", &[]);
    let t = app_token(&sim, "https://management.azure.com/.default").await;
    let scope = sim.s("arm_scope");
    let sp = {
        let g = app_token(&sim, "https://graph.microsoft.com/.default").await;
        let (_, _, sp) = get(
            &format!(
                "{}/v1.0/servicePrincipals(appId='{PURVIEW_APP}')",
                sim.s("graph")
            ),
            Some(&g),
        )
        .await;
        sp["id"].as_str().unwrap().to_string()
    };
    let url = format!(
        "{}{scope}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=principalId eq '{sp}'",
        sim.s("arm")
    );
    let (st, _, body) = get(&url, Some(&t)).await;
    assert_eq!(st, 200, "{body}");
    let v = body["value"].as_array().unwrap();
    assert_eq!(
        v.len(),
        2,
        "resource group and subscription assignments are inherited"
    );
    for a in v {
        assert!(a["properties"]["createdOn"]
            .as_str()
            .unwrap()
            .ends_with('Z'));
        assert_eq!(a["properties"]["principalType"], "ServicePrincipal");
        assert!(a["properties"]["roleDefinitionId"]
            .as_str()
            .unwrap()
            .contains("/roleDefinitions/"));
        assert!(scope.starts_with(a["properties"]["scope"].as_str().unwrap()));
    }
    let rd = v[0]["properties"]["roleDefinitionId"].as_str().unwrap();
    let (st, _, def) = get(
        &format!("{}{rd}?api-version=2022-04-01", sim.s("arm")),
        Some(&t),
    )
    .await;
    assert_eq!(st, 200);
    assert!(def["properties"]["roleName"].is_string());
    // A Purview token at ARM, and no token.
    let p = app_token(&sim, "https://purview.azure.net/.default").await;
    let (st, www, body) = get(&url, Some(&p)).await;
    assert_eq!(st, 401);
    assert_eq!(body["error"]["code"], "InvalidAuthenticationTokenAudience");
    assert!(www.unwrap().contains("error=\"invalid_token\""));
    let (st, _, body) = get(&url, None).await;
    assert_eq!(st, 401);
    assert_eq!(body["error"]["code"], "AuthenticationFailed");
}

#[tokio::test]
async fn healthy_data_planes_answer() {
    let sim = SimProc::start("healthy", &[]);
    let p = app_token(&sim, "https://purview.azure.net/.default").await;
    for path in [
        "/catalog/api/atlas/v2/types/typedefs",
        "/scan/datasources",
        "/account/collections",
        "/policystore/metadataPolicies",
    ] {
        let (st, _, body) = get(&format!("{}{path}", sim.s("purview")), Some(&p)).await;
        assert_eq!(st, 200, "{path}: {body}");
    }
    let (_, _, pol) = get(
        &format!("{}/policystore/metadataPolicies", sim.s("purview")),
        Some(&p),
    )
    .await;
    let rules = pol["values"][0]["properties"]["attributeRules"]
        .as_array()
        .unwrap();
    assert!(rules
        .iter()
        .any(|r| r["id"] == "purviewmetadatarole_builtin_data-curator:contoso-purview"));
    let la = app_token(&sim, "https://api.loganalytics.io/.default").await;
    let url = format!(
        "{}/v1/workspaces/{}/query?query=Heartbeat",
        sim.s("loganalytics"),
        sim.s("workspace_id")
    );
    let (st, _, body) = get(&url, Some(&la)).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["tables"][0]["name"], "PrimaryResult");
    let pp = app_token(&sim, "https://api.powerplatform.com/.default").await;
    let (st, _, body) = get(
        &format!(
            "{}/environmentmanagement/environments",
            sim.s("powerplatform")
        ),
        Some(&pp),
    )
    .await;
    assert_eq!(st, 200, "{body}");
}

/// The scenario's client gets a token, then calls its API's data plane.
async fn data_plane_call(name: &str) -> (u16, Option<String>, Value) {
    let sim = SimProc::start(name, &[]);
    let (st, body) = client_token(&sim).await;
    assert_eq!(st, 200, "{name}: {body}");
    let t = body["access_token"].as_str().unwrap().to_string();
    let url = match sim.arg("--api").unwrap().as_str() {
        "purview" => format!("{}/catalog/api/atlas/v2/types/typedefs", sim.s("purview")),
        "loganalytics" => format!(
            "{}/v1/workspaces/{}/query?query=Heartbeat",
            sim.s("loganalytics"),
            sim.s("workspace_id")
        ),
        "powerplatform" => format!(
            "{}/environmentmanagement/environments/Default-2b7c3f1e-6a4d-4f8e-9c0b-7d1e2f3a4b5c",
            sim.s("powerplatform")
        ),
        "graph" => format!(
            "{}/v1.0/applications(appId='{PURVIEW_APP}')",
            sim.s("graph")
        ),
        other => panic!("{other}"),
    };
    get(&url, Some(&t)).await
}

#[tokio::test]
async fn data_plane_scenarios_refuse_as_the_services_do() {
    let (st, _, body) = data_plane_call("data-plane-role-missing").await;
    assert_eq!(st, 403);
    // As terse as Purview's own: neither the collection nor the role is named.
    assert_eq!(body["error"]["code"], "Unauthorized");
    assert_eq!(body["error"]["message"], "Not authorized to access account");
    assert!(!body.to_string().contains("Data Curator"), "{body}");

    let (st, _, body) = data_plane_call("rbac-role-missing").await;
    assert_eq!(st, 403);
    assert_eq!(body["error"]["code"], "InsufficientAccessError");

    let (st, _, body) = data_plane_call("rbac-propagation-pending").await;
    assert_eq!(st, 403);
    assert_eq!(body["error"]["code"], "InsufficientAccessError");

    let (st, www, body) = data_plane_call("wrong-audience").await;
    assert_eq!(st, 401);
    assert_eq!(body["error"]["code"], "InvalidTokenError");
    assert_eq!(body["error"]["innererror"]["code"], "InvalidAudience");
    assert!(www.unwrap().contains("error=\"invalid_token\""));

    let (st, _, body) = data_plane_call("delegated-only-api-app-token").await;
    assert_eq!(st, 403);
    assert_eq!(body["error"]["code"], "AppOnlyTokenNotSupported");
    // The fault is the missing delegated route / Power Platform role, not a management
    // application registration (a different fault, with its own rule and scenario).
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.contains("delegated"), "{msg}");
    assert!(!msg.to_ascii_lowercase().contains("management"), "{msg}");

    let (st, _, body) = data_plane_call("power-platform-application-user-missing").await;
    assert_eq!(st, 403);
    assert_eq!(body["error"]["code"], "ApplicationUserNotFound");

    let (st, _, body) = data_plane_call("api-permission-missing").await;
    assert_eq!(st, 403);
    assert_eq!(body["error"]["code"], "Authorization_RequestDenied");
}

#[tokio::test]
async fn propagation_shows_in_arm_too() {
    let sim = SimProc::start("rbac-propagation-pending", &[]);
    let t = app_token(&sim, "https://management.azure.com/.default").await;
    let url = format!(
        "{}{}?api-version=2023-09-01",
        sim.s("arm"),
        sim.s("arm_scope")
    );
    let (st, _, body) = get(&url, Some(&t)).await;
    assert_eq!(st, 403, "{body}");
    assert_eq!(body["error"]["code"], "AuthorizationFailed");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("If access was recently granted"));
    let _ = json!(null);
}

/// The Application Insights query API: authorized by an Azure role on the component, answering in
/// the query platform's error format; a role on the Log Analytics workspace does not reach it.
#[tokio::test]
async fn application_insights_query_api_answers_as_the_service_does() {
    let sim = SimProc::start("appinsights-role-missing", &[]);
    let app = sim.arg("--app-id").expect("--app-id in doctor_args");
    let scope = sim.arg("--arm-scope").expect("--arm-scope in doctor_args");
    assert!(
        scope.ends_with("/providers/Microsoft.Insights/components/appi-contoso"),
        "{scope}"
    );
    let base = sim.info["dataplanes"]["appinsights"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        sim.env("AUTHCHECK_APPINSIGHTS_ENDPOINT"),
        Some(base.clone())
    );
    let url = format!("{base}/v1/apps/{app}/query?query=requests%20%7C%20count");

    // No token, then a token for another API.
    let (st, www, body) = get(&url, None).await;
    assert_eq!(st, 401, "{body}");
    assert_eq!(body["error"]["code"], "AuthorizationRequiredError");
    assert!(www.unwrap().contains("https://api.applicationinsights.io"));
    let la = app_token(&sim, "https://api.loganalytics.io/.default").await;
    let (st, www, body) = get(&url, Some(&la)).await;
    assert_eq!(st, 401, "{body}");
    assert_eq!(body["error"]["code"], "InvalidTokenError");
    assert_eq!(body["error"]["innererror"]["code"], "InvalidAudience");
    assert!(www.unwrap().contains("error=\"invalid_token\""));

    // The right audience, but only Log Analytics Reader on the workspace: 403.
    let ai = app_token(&sim, "https://api.applicationinsights.io/.default").await;
    let (st, _, body) = get(&url, Some(&ai)).await;
    assert_eq!(st, 403, "{body}");
    assert_eq!(body["error"]["code"], "InsufficientAccessError");
    // POST with a JSON body is the same operation.
    let r = http()
        .post(format!("{base}/v1/apps/{app}/query"))
        .bearer_auth(&ai)
        .json(&json!({"query": "requests | count"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // Another application id, another path, no query.
    let (st, _, body) = get(
        &format!("{base}/v1/apps/00000000-0000-0000-0000-000000000001/query?query=x"),
        Some(&ai),
    )
    .await;
    assert_eq!(st, 404, "{body}");
    assert_eq!(body["error"]["code"], "ApplicationNotFoundError");
    let (st, _, _) = get(&format!("{base}/v1/apps/{app}/events/requests"), Some(&ai)).await;
    assert_eq!(st, 404);
    let (st, _, body) = get(&format!("{base}/v1/apps/{app}/query"), Some(&ai)).await;
    assert_eq!(st, 400, "{body}");
    assert_eq!(body["error"]["code"], "BadArgumentError");

    // Monitoring Reader on the component, in force: 200 with a table.
    let sim = SimProc::start("appinsights-wrong-audience", &[]);
    let base = sim.info["dataplanes"]["appinsights"]
        .as_str()
        .unwrap()
        .to_string();
    let ai = app_token(&sim, "https://api.applicationinsights.io/.default").await;
    let (st, _, body) = get(
        &format!("{base}/v1/apps/{app}/query?query=requests%20%7C%20count"),
        Some(&ai),
    )
    .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["tables"][0]["name"], "PrimaryResult");

    // Monitoring Reader assigned 20 minutes ago, the tenant's window 60 minutes: still 403.
    let sim = SimProc::start("appinsights-propagation", &[]);
    let ai = app_token(&sim, "https://api.applicationinsights.io/.default").await;
    let (st, _, body) = get(
        &format!(
            "{}/v1/apps/{app}/query?query=requests",
            sim.info["dataplanes"]["appinsights"].as_str().unwrap()
        ),
        Some(&ai),
    )
    .await;
    assert_eq!(st, 403, "{body}");
    assert_eq!(body["error"]["code"], "InsufficientAccessError");
}

/// Custom metrics ingestion: `POST {resourceId}/metrics` with a token for
/// `https://monitoring.azure.com/`, authorized by Monitoring Metrics Publisher on the resource.
#[tokio::test]
async fn custom_metrics_ingestion_needs_the_publisher_role() {
    let sim = SimProc::start("metrics-publisher-missing", &[]);
    let id = sim
        .arg("--resource-id")
        .expect("--resource-id in doctor_args");
    assert!(
        id.ends_with("/providers/Microsoft.Compute/virtualMachines/vm-contoso-01"),
        "{id}"
    );
    let base = sim.info["dataplanes"]["monitor"]
        .as_str()
        .unwrap()
        .to_string();
    let url = format!("{base}{id}/metrics");
    let probe = json!({"time": "2026-01-01T00:00:00Z", "data": {"baseData": {"metric": "m", "namespace": "n", "series": []}}});
    let post = |token: String| {
        let url = url.clone();
        let probe = probe.clone();
        async move {
            let r = http()
                .post(url)
                .bearer_auth(token)
                .json(&probe)
                .send()
                .await
                .unwrap();
            let st = r.status().as_u16();
            let www = r
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap().to_string());
            (st, www, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // An ARM token: 401 with a challenge naming the metrics audience.
    let arm = app_token(&sim, "https://management.azure.com/.default").await;
    let (st, www, body) = post(arm).await;
    assert_eq!(st, 401, "{body}");
    assert_eq!(body["error"]["code"], "InvalidToken");
    assert!(www.unwrap().contains("https://monitoring.azure.com/"));
    // The right audience, only Monitoring Reader: 403 naming the action.
    let t = app_token(&sim, "https://monitoring.azure.com/.default").await;
    let (st, _, body) = post(t.clone()).await;
    assert_eq!(st, 403, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Microsoft.Insights/Metrics/Write"));
    // GET is not how metrics are sent.
    let (st, _, _) = get(&url, Some(&t)).await;
    assert_eq!(st, 405);

    // With the publisher role on the resource group: the probe is accepted.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/scenarios/metrics-publisher-missing.toml"),
    )
    .unwrap()
    .replace(
        "role = \"Monitoring Reader\"",
        "role = \"Monitoring Metrics Publisher\"",
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("metrics-ok.toml");
    std::fs::write(&p, text).unwrap();
    let sim = SimProc::start(p.to_str().unwrap(), &[]);
    let base = sim.info["dataplanes"]["monitor"].as_str().unwrap();
    let t = app_token(&sim, "https://monitoring.azure.com/.default").await;
    let r = http()
        .post(format!("{base}{id}/metrics"))
        .bearer_auth(&t)
        .json(&probe)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

/// The Logs Ingestion API: `POST {endpoint}/dataCollectionRules/{immutable id}/streams/{stream}
/// ?api-version=2023-01-01` with a token for `https://monitor.azure.com`, authorized by Monitoring
/// Metrics Publisher on the data collection rule; refusals in the Azure Core error envelope.
#[tokio::test]
async fn logs_ingestion_needs_the_publisher_role_on_the_rule() {
    let sim = SimProc::start("logs-ingestion-role-missing", &[]);
    let dcr = sim.arg("--dcr-immutable-id").expect("--dcr-immutable-id");
    let stream = sim.arg("--stream").expect("--stream");
    let rule_id = sim.arg("--resource-id").expect("--resource-id");
    assert!(
        rule_id
            .ends_with("/providers/Microsoft.Insights/dataCollectionRules/dcr-contoso-app-events"),
        "{rule_id}"
    );
    let base = sim.info["dataplanes"]["logsingestion"]
        .as_str()
        .unwrap()
        .to_string();
    let url = |dcr: &str, stream: &str| {
        format!("{base}/dataCollectionRules/{dcr}/streams/{stream}?api-version=2023-01-01")
    };
    let post = |url: String, token: String, body: Value| async move {
        let r = http()
            .post(url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let st = r.status().as_u16();
        let h = |n: &str| r.headers().get(n).map(|v| v.to_str().unwrap().to_string());
        let (www, code) = (h("www-authenticate"), h("x-ms-error-code"));
        (
            st,
            www,
            code,
            r.json::<Value>().await.unwrap_or(Value::Null),
        )
    };
    // A custom-metrics token (another audience): 401 with a challenge naming monitor.azure.com.
    let wrong = app_token(&sim, "https://monitoring.azure.com//.default").await;
    let (st, www, code, body) = post(url(&dcr, &stream), wrong, json!([])).await;
    assert_eq!(st, 401, "{body}");
    assert_eq!(body["error"]["code"], "InvalidToken");
    assert_eq!(code.as_deref(), Some("InvalidToken"));
    assert!(www.unwrap().contains("https://monitor.azure.com"));
    // The right audience, but only Log Analytics Contributor on the workspace: 403 OperationFailed.
    let t = app_token(&sim, "https://monitor.azure.com/.default").await;
    let (st, _, code, body) = post(url(&dcr, &stream), t.clone(), json!([])).await;
    assert_eq!(st, 403, "{body}");
    assert_eq!(body["error"]["code"], "OperationFailed");
    assert_eq!(code.as_deref(), Some("OperationFailed"));
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains(
            "does not have access to ingest data for the data collection rule with immutable Id"
        ) && msg.contains(&dcr),
        "{msg}"
    );
    // An unknown rule, GET, no api-version.
    let (st, _, _, _) = post(
        url("dcr-00000000000000000000000000000000", &stream),
        t.clone(),
        json!([]),
    )
    .await;
    assert_eq!(st, 404);
    let (st, _, _) = get(&url(&dcr, &stream), Some(&t)).await;
    assert_eq!(st, 405);
    let (st, _, _, body) = post(
        format!("{base}/dataCollectionRules/{dcr}/streams/{stream}"),
        t,
        json!([]),
    )
    .await;
    assert_eq!(st, 400, "{body}");

    // With the publisher role on the rule: an empty batch and a record are accepted (204), a body
    // that is not an array and an undeclared stream are not.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/scenarios/logs-ingestion-role-missing.toml"),
    )
    .unwrap()
    .replace(
        "role = \"Log Analytics Contributor\"\nscope = \"workspace\"",
        "role = \"Monitoring Metrics Publisher\"\nscope = \"dcr\"",
    );
    assert!(text.contains("scope = \"dcr\""));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("logs-ok.toml");
    std::fs::write(&p, text).unwrap();
    let sim = SimProc::start(p.to_str().unwrap(), &[]);
    let base = sim.info["dataplanes"]["logsingestion"]
        .as_str()
        .unwrap()
        .to_string();
    let url = |stream: &str| {
        format!("{base}/dataCollectionRules/{dcr}/streams/{stream}?api-version=2023-01-01")
    };
    let t = app_token(&sim, "https://monitor.azure.com/.default").await;
    let (st, _, _, _) = post(url(&stream), t.clone(), json!([])).await;
    assert_eq!(st, 204);
    let record = json!([{"TimeGenerated": "2026-01-01T00:00:00Z", "Message": "hello"}]);
    let (st, _, _, _) = post(url(&stream), t.clone(), record).await;
    assert_eq!(st, 204);
    let (st, _, code, _) = post(url(&stream), t.clone(), json!({"Message": "x"})).await;
    assert_eq!((st, code.as_deref()), (400, Some("InvalidRequestBody")));
    let (st, _, code, _) = post(url("Custom-Other"), t, json!([])).await;
    assert_eq!((st, code.as_deref()), (400, Some("InvalidStream")));
}

/// Custom metrics honour the tenant's propagation delay: the publisher role assigned five minutes
/// ago is refused until it is in force.
#[tokio::test]
async fn custom_metrics_wait_for_a_new_role() {
    let sim = SimProc::start("metrics-propagation", &[]);
    let id = sim.arg("--resource-id").unwrap();
    let base = sim.info["dataplanes"]["monitor"].as_str().unwrap();
    let t = app_token(&sim, "https://monitoring.azure.com/.default").await;
    let probe = json!({"time": "2026-01-01T00:00:00Z", "data": {"baseData": {"metric": "m", "namespace": "n", "series": []}}});
    let r = http()
        .post(format!("{base}{id}/metrics"))
        .bearer_auth(&t)
        .json(&probe)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
}
