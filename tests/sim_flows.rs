//! Refresh tokens, managed identity (IMDS) and the authorize endpoint, healthy and failing.

mod sim_common;

use serde_json::{json, Value};
use sim_common::*;

const TENANT: &str = "8f2b4c1d-6e3a-4b5c-9d7e-0a1b2c3d4e5f";
const PURVIEW_APP: &str = "3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40";
const PP_APP: &str = "6d1e9b3a-4c2f-4a7e-8b5d-1f3a5c7e9b20";

async fn ropc_then_refresh(scenario: &str) -> (u16, Value) {
    let sim = SimProc::start(scenario, &[]);
    let scope = "https://api.powerplatform.com/.default offline_access openid profile";
    let form = vec![
        ("grant_type", "password".to_string()),
        ("client_id", PP_APP.to_string()),
        ("username", "alice@contoso.onmicrosoft.com".to_string()),
        ("password", "Sim-Fixture-Passw0rd!".to_string()),
        ("scope", scope.to_string()),
    ];
    let (st, body) = token(&sim, TENANT, true, &form, None).await;
    assert_eq!(st, 200, "{body}");
    let rt = body["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_string();
    let form = vec![
        ("grant_type", "refresh_token".to_string()),
        ("client_id", PP_APP.to_string()),
        ("refresh_token", rt),
        ("scope", scope.to_string()),
    ];
    token(&sim, TENANT, true, &form, None).await
}

#[tokio::test]
async fn refresh_tokens_redeem_until_they_go_stale() {
    let (st, body) = ropc_then_refresh("healthy").await;
    assert_eq!(st, 200, "{body}");
    assert!(body["access_token"].is_string() && body["refresh_token"].is_string());
    let (st, body) = ropc_then_refresh("refresh-token-expired").await;
    assert_aad_error(st, &body, 400, "invalid_grant", 700082);
    assert_eq!(body["suberror"], "bad_token");
    // A refresh token the simulator never issued.
    let sim = SimProc::start("healthy", &[]);
    let form = vec![
        ("grant_type", "refresh_token".to_string()),
        ("client_id", PP_APP.to_string()),
        ("refresh_token", "1.made-up".to_string()),
        (
            "scope",
            "https://api.powerplatform.com/.default".to_string(),
        ),
    ];
    let (st, body) = token(&sim, TENANT, true, &form, None).await;
    assert_aad_error(st, &body, 400, "invalid_grant", 9002313);
}

async fn imds(sim: &SimProc, query: &str, metadata: bool) -> (u16, Value) {
    let url = format!(
        "{}/metadata/identity/oauth2/token?api-version=2018-02-01&{query}",
        sim.s("authority")
    );
    let mut rb = http().get(url);
    if metadata {
        rb = rb.header("Metadata", "true");
    }
    let r = rb.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn managed_identity_through_imds() {
    let sim = SimProc::start("healthy", &[]);
    let (st, body) = imds(&sim, "resource=https://purview.azure.net", true).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["client_id"], PURVIEW_APP);
    assert_eq!(body["resource"], "https://purview.azure.net");
    assert!(body["expires_on"].is_string());
    let c = verified_claims(&sim, TENANT, body["access_token"].as_str().unwrap()).await;
    assert_eq!(c["appid"], PURVIEW_APP);
    assert_eq!(c["appidacr"], "2");
    let (st, body) = imds(&sim, "resource=https://purview.azure.net", false).await;
    assert_eq!(st, 400);
    assert_eq!(
        body["error_description"],
        "Required metadata header not specified"
    );
    let (st, body) = imds(&sim, "", true).await;
    assert_eq!(st, 400, "{body}");
    // msal-node and @azure/identity ask with a trailing slash when the pod identity host is set.
    let url = format!(
        "{}/metadata/identity/oauth2/token/?api-version=2018-02-01&resource=https://purview.azure.net",
        sim.s("authority")
    );
    let r = http()
        .get(url)
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);

    let sim = SimProc::start("managed-identity-unavailable", &[]);
    assert_eq!(
        sim.env("AZURE_POD_IDENTITY_AUTHORITY_HOST").unwrap(),
        sim.s("authority")
    );
    let cid = sim.env("AZURE_CLIENT_ID").unwrap();
    let (st, body) = imds(
        &sim,
        &format!("resource=https://purview.azure.net&client_id={cid}"),
        true,
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_request", "error_description": "Identity not found"})
    );
}

#[tokio::test]
async fn authorize_checks_the_redirect_uri() {
    let sim = SimProc::start("redirect-uri-mismatch", &[]);
    let redirect = sim.arg("--redirect-uri").unwrap();
    let url = format!("{}/{TENANT}/oauth2/v2.0/authorize", sim.s("authority"));
    let r = http()
        .get(&url)
        .query(&[
            ("client_id", PURVIEW_APP),
            ("redirect_uri", redirect.as_str()),
            ("response_type", "code"),
            ("scope", "openid"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("AADSTS50011: The redirect URI &#39;http://localhost:8400/callback&#39;"),
        "{page}"
    );
    let r = http()
        .get(&url)
        .query(&[
            ("client_id", PURVIEW_APP),
            ("redirect_uri", "http://localhost:8400/"),
            ("response_type", "code"),
            ("scope", "openid"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}
