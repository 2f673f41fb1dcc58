//! Fault injection, scenario files given by path, `--tls`, and the library API.

mod sim_common;

use serde_json::Value;
use sim_common::*;

const TENANT: &str = "8f2b4c1d-6e3a-4b5c-9d7e-0a1b2c3d4e5f";

fn faulty_scenario(dir: &std::path::Path) -> std::path::PathBuf {
    let healthy = include_str!("../fixtures/scenarios/healthy.toml");
    let text = format!(
        "{}\n{}",
        healthy.replacen("name = \"healthy\"", "name = \"faulty\"", 1),
        r#"
[[faults]]
endpoint = "graph"
kind = "throttle"
retry_after = 3
count = 1

[[faults]]
endpoint = "arm"
kind = "error"
status = 500
count = 1

[[faults]]
endpoint = "purview"
kind = "reset"
count = 1

[[faults]]
endpoint = "loganalytics"
kind = "truncate"
count = 1

[[faults]]
endpoint = "powerplatform"
kind = "html"
count = 1

[[faults]]
endpoint = "discovery"
kind = "latency"
delay_ms = 5
count = 1
"#
    );
    let p = dir.join("faulty.toml");
    std::fs::write(&p, text).unwrap();
    p
}

#[tokio::test]
async fn faults_hit_then_the_endpoint_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let path = faulty_scenario(dir.path());
    let sim = SimProc::start(path.to_str().unwrap(), &[]);
    assert_eq!(sim.s("scenario"), "faulty");
    let (st, tok) = client_token(&sim).await;
    assert_eq!(st, 200);
    let purview_token = tok["access_token"].as_str().unwrap().to_string();

    // Graph: 429 with Retry-After, then normal (401 here: no token).
    let r = http()
        .get(format!("{}/v1.0/applications", sim.s("graph")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "3");
    let r = http()
        .get(format!("{}/v1.0/applications", sim.s("graph")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    // ARM: 500 once.
    let r = http()
        .get(format!("{}/subscriptions/x?api-version=1", sim.s("arm")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 500);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InternalServerError");

    // Purview: the connection is reset, then the call works.
    let url = format!("{}/catalog/api/atlas/v2/types/typedefs", sim.s("purview"));
    let err = http().get(&url).bearer_auth(&purview_token).send().await;
    assert!(err.is_err(), "reset expected, got {err:?}");
    let (st, _, _) = get(&url, Some(&purview_token)).await;
    assert_eq!(st, 200);

    // Log Analytics: the body is cut short.
    let url = format!(
        "{}/v1/workspaces/{}/query?query=x",
        sim.s("loganalytics"),
        sim.s("workspace_id")
    );
    let r = http().get(&url).send().await.unwrap();
    assert!(r.bytes().await.is_err(), "truncated body expected");

    // Power Platform: an HTML page from a proxy.
    let r = http()
        .get(format!(
            "{}/environmentmanagement/environments",
            sim.s("powerplatform")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 502);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("<html>"));

    // Discovery: only slower.
    let (st, _, _) = get(
        &format!(
            "{}/{TENANT}/v2.0/.well-known/openid-configuration",
            sim.s("authority")
        ),
        None,
    )
    .await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn service_unavailable_sends_retry_after() {
    let sim = SimProc::start("service-unavailable", &[]);
    let url = format!("{}/{TENANT}/oauth2/v2.0/token", sim.s("authority"));
    let r = http()
        .post(url)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(r.headers()["retry-after"], "7");
}

#[tokio::test]
async fn tls_serves_https_with_the_printed_ca() {
    let sim = SimProc::start("healthy", &["--tls"]);
    assert!(sim.s("authority").starts_with("https://127.0.0.1:"));
    let ca = std::fs::read(sim.s("ca")).unwrap();
    assert_eq!(sim.env("REQUESTS_CA_BUNDLE").unwrap(), sim.s("ca"));
    let client = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
        .build()
        .unwrap();
    let r = client
        .get(format!(
            "{}/{TENANT}/v2.0/.well-known/openid-configuration",
            sim.s("authority")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let d: Value = r.json().await.unwrap();
    assert!(d["token_endpoint"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
}

#[tokio::test]
async fn unknown_scenario_is_a_usage_error() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_authcheck"))
        .args(["sim", "--scenario", "no-such-scenario", "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    // A file with an unknown key: one line naming the file, the line and the key.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\nbogus = 1\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_authcheck"))
        .args(["sim", "--scenario", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("line 2") && err.contains("bogus"), "{err}");
}

#[tokio::test]
async fn library_api_starts_and_stops_in_process() {
    use authcheck_sim::{self as sim, Scenario, SimOptions};
    assert!(Scenario::names().contains(&"healthy"));
    for n in Scenario::names() {
        let s = Scenario::builtin(n).unwrap();
        if n != "healthy" {
            assert!(!s.expect.is_empty(), "{n} names its rule");
            // Named after its rule, or a variant on another API (appinsights-role-missing) of a
            // rule that has its own namesake scenario.
            assert!(
                s.expect[0] == n || Scenario::names().contains(&s.expect[0].as_str()),
                "{n} is named after its rule {} or varies a scenario that is",
                s.expect[0]
            );
        }
    }
    let h = sim::start(
        Scenario::builtin("client-secret-invalid").unwrap(),
        SimOptions::default(),
    )
    .await
    .unwrap();
    let url = format!(
        "{}/{}/oauth2/v2.0/token",
        h.info.authority, h.info.tenant_id
    );
    let r = http()
        .post(url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", h.info.client_id.as_str()),
            ("client_secret", h.info.env["AZURE_CLIENT_SECRET"].as_str()),
            ("scope", "https://purview.azure.net/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    h.shutdown().await;
}
