//! Applying a plan against the simulator in-process, over loopback HTTP: steps run in order with
//! the operator's token, the first refusal stops the run, and what was and was not made is said —
//! and is so in the tenant.

use authcheck_live::credential::Secret;
use authcheck_live::fix::{self, permissions, Operator, RepairPlan, Request, Service, Step};
use authcheck_live::http::{Chain, Http, Req};
use authcheck_sim::{Scenario, SimOptions};
use serde_json::{json, Value};

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn step(method: &str, url: String, body: Value) -> Step {
    Step::automatic(
        "test",
        format!("{method} {url}"),
        Request {
            service: Service::Graph,
            method: method.into(),
            url,
            body,
        },
        permissions::WRITE_APP,
        "undo".into(),
    )
}

#[tokio::test]
async fn the_first_refusal_stops_the_run_and_later_steps_are_not_made() {
    let text = std::fs::read_to_string(root().join("fixtures/scenarios/healthy.toml")).unwrap()
        + "\n"
        + &std::fs::read_to_string(root().join("fixtures/fix/operator-admin.toml")).unwrap();
    let scenario = Scenario::from_toml(&text, "healthy+operator-admin").unwrap();
    let sim = authcheck_sim::start(scenario, SimOptions::default())
        .await
        .unwrap();
    let graph = format!("{}/v1.0", sim.info.graph);
    let token = sim.info.env["AUTHCHECK_GRAPH_TOKEN"].clone();
    let http = Http::new(Default::default(), None).unwrap();
    let read = |url: String| {
        let http = &http;
        let token = token.clone();
        async move {
            let (r, _) = http
                .send(&Req::get(url, "test").bearer(&token), Chain::default())
                .await;
            r.unwrap().json().unwrap()
        }
    };
    let app: Value = read(format!(
        "{graph}/applications(appId='{}')",
        sim.info.client_id
    ))
    .await;
    let obj = app["id"].as_str().unwrap().to_string();
    let mut uris: Vec<Value> = app["web"]["redirectUris"].as_array().unwrap().clone();
    assert!(!uris.is_empty());
    uris.push(json!("https://app.contoso.example/callback"));

    let plan = RepairPlan {
        steps: vec![
            // Made: a redirect URI added, the existing ones sent with it.
            step(
                "PATCH",
                format!("{graph}/applications/{obj}"),
                json!({"web": {"redirectUris": uris}}),
            ),
            // Refused: the app has its service principal already (409).
            step(
                "POST",
                format!("{graph}/servicePrincipals"),
                json!({"appId": sim.info.client_id}),
            ),
            // Never sent.
            step(
                "PATCH",
                format!("{graph}/applications/{obj}"),
                json!({"isFallbackPublicClient": true}),
            ),
        ],
    };
    let op = Operator {
        graph: Ok(Secret::new(token.clone())),
        arm: Err("none".into()),
        purview: Err("none".into()),
        powerplatform: Err("none".into()),
        bap_base: String::new(),
    };
    let out = fix::apply(&plan, &op, &http, None).await;
    assert_eq!(out.applied.len(), 1);
    assert_eq!(out.applied[0].step, 0);
    assert_eq!(out.applied[0].status, 204);
    let failed = out.failed.as_ref().expect("step 2 refused");
    assert_eq!(failed.step, 1);
    assert!(
        failed
            .reason
            .starts_with("HTTP 409 Request_MultipleObjectsWithSameKeyValue"),
        "{}",
        failed.reason
    );
    assert_eq!(out.not_applied, vec![2]);
    // The tenant agrees: the URI is there beside the old ones, public client flows still off.
    let after: Value = read(format!("{graph}/applications/{obj}")).await;
    assert_eq!(after["web"]["redirectUris"], json!(uris));
    assert_eq!(after["isFallbackPublicClient"], false);
    // No token in what the outcome says.
    let shown = serde_json::to_string(&out).unwrap();
    assert!(!shown.contains(&token));
    sim.shutdown().await;
}
