//! The simulator's token endpoints, scenario by scenario, over real HTTP against the real binary.

mod sim_common;

use serde_json::{json, Value};
use sim_common::*;

const TENANT: &str = "8f2b4c1d-6e3a-4b5c-9d7e-0a1b2c3d4e5f";
const PURVIEW_APP: &str = "3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40";
const PP_APP: &str = "6d1e9b3a-4c2f-4a7e-8b5d-1f3a5c7e9b20";
const ORDERS_API: &str = "9e4b2d7c-5a1f-4c3e-b8d6-7a2c4e6f8b11";

fn claims_of(body: &Value) -> Value {
    let t = body["access_token"].as_str().expect("access_token");
    let part = t.split('.').nth(1).expect("payload");
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("b64");
    serde_json::from_slice(&bytes).expect("claims")
}

/// Every failing scenario whose client fails at the token endpoint: status, error, code.
const TOKEN_FAILURES: &[(&str, u16, &str, i64)] = &[
    ("client-secret-invalid", 401, "invalid_client", 7000215),
    ("client-secret-id-used", 401, "invalid_client", 7000215),
    ("client-secret-expired", 401, "invalid_client", 7000222),
    ("client-credential-missing", 401, "invalid_client", 7000216),
    (
        "certificate-credential-invalid",
        401,
        "invalid_client",
        700027,
    ),
    (
        "app-not-found-in-tenant",
        400,
        "unauthorized_client",
        700016,
    ),
    ("service-principal-missing", 401, "invalid_client", 7000229),
    ("tenant-not-found", 400, "invalid_request", 90002),
    (
        "single-tenant-app-on-common-endpoint",
        400,
        "invalid_request",
        50194,
    ),
    (
        "spa-cross-origin-redemption",
        400,
        "invalid_request",
        9002326,
    ),
    ("invalid-scope", 400, "invalid_scope", 1002012),
    (
        "resource-principal-missing",
        400,
        "invalid_resource",
        500011,
    ),
    ("conditional-access-blocked", 400, "invalid_grant", 53003),
    (
        "federated-credential-mismatch",
        400,
        "invalid_request",
        700213,
    ),
    ("admin-consent-missing", 400, "invalid_grant", 65001),
    ("mfa-required", 400, "invalid_grant", 50076),
    ("user-assignment-required", 400, "invalid_grant", 50105),
    (
        "public-client-flows-disabled",
        401,
        "invalid_client",
        7000218,
    ),
    (
        "public-client-with-credential",
        401,
        "invalid_client",
        700025,
    ),
    ("service-unavailable", 503, "temporarily_unavailable", 90033),
    ("clock-skew", 401, "invalid_client", 700024),
];

#[tokio::test]
async fn each_token_failure_scenario_answers_as_entra() {
    for (name, status, error, code) in TOKEN_FAILURES {
        let sim = SimProc::start(name, &[]);
        let (st, body) = client_token(&sim).await;
        assert_aad_error(st, &body, *status, error, *code);
        // The scenario names the rule it shows.
        assert!(
            sim.info["expect"].as_array().is_some_and(|e| !e.is_empty()),
            "{name} expects a rule"
        );
        match *name {
            "mfa-required" => assert_eq!(body["suberror"], "basic_action"),
            "admin-consent-missing" => assert_eq!(body["suberror"], "consent_required"),
            "service-unavailable" => {}
            _ => {}
        }
    }
}

#[tokio::test]
async fn the_secret_id_scenario_hands_out_a_guid() {
    let sim = SimProc::start("client-secret-id-used", &[]);
    let s = sim.env("AZURE_CLIENT_SECRET").unwrap();
    assert!(uuid::Uuid::parse_str(&s).is_ok(), "{s}");
}

#[tokio::test]
async fn healthy_client_credentials_give_a_v1_token_that_verifies() {
    let sim = SimProc::start("healthy", &[]);
    let (st, body) = client_token(&sim).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().unwrap() > 3000);
    let c = verified_claims(&sim, TENANT, body["access_token"].as_str().unwrap()).await;
    assert_eq!(c["aud"], "https://purview.azure.net");
    assert_eq!(c["iss"], format!("https://sts.windows.net/{TENANT}/"));
    assert_eq!(c["appid"], PURVIEW_APP);
    assert_eq!(c["appidacr"], "1");
    assert_eq!(c["ver"], "1.0");
    assert_eq!(c["idtyp"], "app");
    assert_eq!(c["tid"], TENANT);
    assert_eq!(c["oid"], c["sub"]);
    assert!(c["uti"].is_string());
    let (iat, nbf, exp) = (
        c["iat"].as_i64().unwrap(),
        c["nbf"].as_i64().unwrap(),
        c["exp"].as_i64().unwrap(),
    );
    assert!(iat <= nbf && nbf < exp);
    assert!(c.get("scp").is_none());
}

#[tokio::test]
async fn custom_api_gets_a_v2_token_with_roles() {
    let sim = SimProc::start("healthy", &[]);
    let form = vec![
        ("grant_type", "client_credentials".to_string()),
        ("client_id", PURVIEW_APP.to_string()),
        ("client_secret", sim.env("AZURE_CLIENT_SECRET").unwrap()),
        ("scope", "api://contoso-orders/.default".to_string()),
    ];
    let (st, body) = token(&sim, TENANT, true, &form, None).await;
    assert_eq!(st, 200, "{body}");
    let c = verified_claims(&sim, TENANT, body["access_token"].as_str().unwrap()).await;
    assert_eq!(c["aud"], ORDERS_API);
    assert_eq!(c["iss"], format!("{}/{TENANT}/v2.0", sim.s("authority")));
    assert_eq!(c["azp"], PURVIEW_APP);
    assert_eq!(c["ver"], "2.0");
    assert_eq!(c["roles"], json!(["Orders.Read"]));
    assert!(c.get("appid").is_none());
}

#[tokio::test]
async fn v1_endpoint_answers_with_v1_fields() {
    let sim = SimProc::start("healthy", &[]);
    let form = vec![
        ("grant_type", "client_credentials".to_string()),
        ("client_id", PURVIEW_APP.to_string()),
        ("client_secret", sim.env("AZURE_CLIENT_SECRET").unwrap()),
        ("resource", "https://management.azure.com/".to_string()),
    ];
    let (st, body) = token(&sim, TENANT, false, &form, None).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["resource"], "https://management.azure.com/");
    assert!(body["expires_on"].is_string());
    assert_eq!(claims_of(&body)["aud"], "https://management.azure.com/");
    // `scope` without `resource` on v1, `resource` on v2.
    let form = vec![
        ("grant_type", "client_credentials".to_string()),
        ("client_id", PURVIEW_APP.to_string()),
        ("client_secret", sim.env("AZURE_CLIENT_SECRET").unwrap()),
        ("scope", "https://management.azure.com/.default".to_string()),
    ];
    let (st, body) = token(&sim, TENANT, false, &form, None).await;
    assert_aad_error(st, &body, 400, "invalid_request", 900144);
    let form = vec![
        ("grant_type", "client_credentials".to_string()),
        ("client_id", PURVIEW_APP.to_string()),
        ("client_secret", sim.env("AZURE_CLIENT_SECRET").unwrap()),
        ("resource", "https://management.azure.com/".to_string()),
    ];
    let (st, body) = token(&sim, TENANT, true, &form, None).await;
    assert_aad_error(st, &body, 400, "invalid_request", 901002);
}

#[tokio::test]
async fn healthy_certificate_and_federated_assertions_are_accepted() {
    let sim = SimProc::start("healthy", &[]);
    let aud = format!("{}/{TENANT}/oauth2/v2.0/token", sim.s("authority"));
    let base = |assertion: String| {
        vec![
            ("grant_type", "client_credentials".to_string()),
            ("client_id", PURVIEW_APP.to_string()),
            ("scope", "https://purview.azure.net/.default".to_string()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string(),
            ),
            ("client_assertion", assertion),
        ]
    };
    let (st, body) = token(&sim, TENANT, true, &base(cert_assertion(&sim, &aud)), None).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(claims_of(&body)["appidacr"], "2");
    let fed = std::fs::read_to_string(sim.s("federated_token_file")).unwrap();
    let (st, body) = token(&sim, TENANT, true, &base(fed), None).await;
    assert_eq!(st, 200, "{body}");
    // An assertion for another audience is refused.
    let (st, body) = token(
        &sim,
        TENANT,
        true,
        &base(cert_assertion(&sim, "https://example.com/")),
        None,
    )
    .await;
    assert_aad_error(st, &body, 401, "invalid_client", 700021);
}

#[tokio::test]
async fn healthy_ropc_gives_a_delegated_token() {
    let sim = SimProc::start("healthy", &[]);
    let form = vec![
        ("grant_type", "password".to_string()),
        ("client_id", PP_APP.to_string()),
        ("username", "alice@contoso.onmicrosoft.com".to_string()),
        ("password", "Sim-Fixture-Passw0rd!".to_string()),
        (
            "scope",
            "https://api.powerplatform.com/.default openid profile offline_access".to_string(),
        ),
        ("client_info", "1".to_string()),
    ];
    let (st, body) = token(&sim, TENANT, true, &form, None).await;
    assert_eq!(st, 200, "{body}");
    assert!(body["id_token"].is_string() && body["refresh_token"].is_string());
    assert!(body["client_info"].is_string());
    let c = verified_claims(&sim, TENANT, body["access_token"].as_str().unwrap()).await;
    assert_eq!(c["scp"], "EnvironmentManagement.Environments.Read");
    assert_eq!(c["upn"], "alice@contoso.onmicrosoft.com");
    assert!(c.get("idtyp").is_none() && c.get("roles").is_none());
    // A wrong password.
    let mut bad = form.clone();
    bad[3].1 = "nope".into();
    let (st, body) = token(&sim, TENANT, true, &bad, None).await;
    assert_aad_error(st, &body, 400, "invalid_grant", 50126);
}

#[tokio::test]
async fn malformed_requests_get_entra_errors_never_a_crash() {
    let sim = SimProc::start("healthy", &[]);
    type Case = (Vec<(&'static str, String)>, u16, &'static str, i64);
    let cases: Vec<Case> = vec![
        (vec![], 400, "invalid_request", 900144),
        (
            vec![("grant_type", "client_credentials".into())],
            400,
            "invalid_request",
            900144,
        ),
        (
            vec![
                ("grant_type", "magic".into()),
                ("client_id", PURVIEW_APP.into()),
            ],
            400,
            "unsupported_grant_type",
            70003,
        ),
        (
            vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", "not-a-guid".into()),
                ("scope", "x".into()),
            ],
            400,
            "unauthorized_client",
            700038,
        ),
        (
            vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", PURVIEW_APP.into()),
            ],
            400,
            "invalid_request",
            900144,
        ),
        (
            vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", PURVIEW_APP.into()),
                ("scope", "https://purview.azure.net/.default".into()),
            ],
            401,
            "invalid_client",
            7000216,
        ),
        (
            vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", PURVIEW_APP.into()),
                ("scope", "https://purview.azure.net/.default".into()),
                ("client_assertion", "x.y".into()),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
                ),
            ],
            400,
            "invalid_request",
            50027,
        ),
        (
            vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", PURVIEW_APP.into()),
                ("scope", "purview.azure.net/.default".into()),
                ("client_secret", "x".into()),
            ],
            401,
            "invalid_client",
            7000215,
        ),
    ];
    for (form, status, error, code) in cases {
        let (st, body) = token(&sim, TENANT, true, &form, None).await;
        assert_aad_error(st, &body, status, error, code);
    }
    // Raw garbage, a GET, a bad tenant.
    let url = format!("{}/{TENANT}/oauth2/v2.0/token", sim.s("authority"));
    let r = http()
        .post(&url)
        .body(vec![0xff, 0x00, b'%', b'=', b'&'])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = http().get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error_codes"], json!([900561]));
    let (st, body) = token(&sim, "not a tenant!", true, &[], None).await;
    assert_aad_error(st, &body, 400, "invalid_request", 900023);
    // The server is still up.
    let (st, _) = client_token(&sim).await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn discovery_documents_and_keys() {
    let sim = SimProc::start("healthy", &[]);
    let a = sim.s("authority");
    let (st, _, d) = get(
        &format!("{a}/{TENANT}/v2.0/.well-known/openid-configuration"),
        None,
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(d["issuer"], format!("{a}/{TENANT}/v2.0"));
    assert_eq!(
        d["token_endpoint"],
        format!("{a}/{TENANT}/oauth2/v2.0/token")
    );
    let (st, _, d1) = get(
        &format!("{a}/{TENANT}/.well-known/openid-configuration"),
        None,
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(d1["issuer"], format!("https://sts.windows.net/{TENANT}/"));
    let (st, _, k) = get(d["jwks_uri"].as_str().unwrap(), None).await;
    assert_eq!(st, 200);
    let keys = k["keys"].as_array().unwrap();
    assert!(keys.len() >= 2);
    assert!(keys
        .iter()
        .all(|k| k["kty"] == "RSA" && k["x5c"].is_array() && k["issuer"].is_string()));
    let (st, _, k1) = get(&format!("{a}/common/discovery/keys"), None).await;
    assert_eq!(st, 200);
    assert!(k1["keys"][0].get("issuer").is_none());
    let (st, _, e) = get(
        &format!("{a}/00000000-1111-2222-3333-444444444444/v2.0/.well-known/openid-configuration"),
        None,
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(e["error_codes"], json!([90002]));
}

#[tokio::test]
async fn client_request_id_becomes_the_correlation_id() {
    let sim = SimProc::start("client-secret-invalid", &[]);
    let url = format!("{}/{TENANT}/oauth2/v2.0/token", sim.s("authority"));
    let cid = "5b0c7e4a-1111-4222-8333-944445555666";
    let r = http()
        .post(url)
        .header("client-request-id", cid)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", PURVIEW_APP),
            ("client_secret", "x"),
            ("scope", "https://purview.azure.net/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["correlation_id"], cid);
}

#[tokio::test]
async fn the_log_has_field_names_and_never_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("sim.jsonl");
    let sim = SimProc::start("healthy", &["--log", log.to_str().unwrap()]);
    let _ = client_token(&sim).await;
    let secret = sim.env("AZURE_CLIENT_SECRET").unwrap();
    let url = format!("{}/{TENANT}/oauth2/v2.0/token", sim.s("authority"));
    let _ = http()
        .post(url)
        .header("Origin", "http://localhost:3000")
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await;
    // Regression (issue 11): JSON sent as a form body has no `=`; it was logged whole.
    let url = format!("{}/{TENANT}/oauth2/v2.0/token", sim.s("authority"));
    let _ = http()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(r#"{"client_secret":"CANARY-json-as-form"}"#)
        .send()
        .await;
    drop(sim);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains(&secret));
    assert!(!text.contains("CANARY"), "{text}");
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["method"], "POST");
    assert!(first["form_fields"]
        .as_array()
        .unwrap()
        .contains(&json!("client_secret")));
    assert!(text.contains("\"origin\":\"http://localhost:3000\""));
}

/// A scenario with an `[operator]` hands over the operator's own ARM and Graph tokens in its env
/// (`AUTHCHECK_ARM_TOKEN`, `AUTHCHECK_GRAPH_TOKEN`): app-only tokens of the operator's app, valid
/// for an hour from start-up, that read what the operator's roles and permissions allow.
#[tokio::test]
async fn an_operator_gets_reader_tokens_at_start_up() {
    const AUDITOR_APP: &str = "5a6b7c8d-1e2f-4a3b-8c4d-9e0f1a2b3c4d";
    let sim = SimProc::start("rbac-propagation-pending", &[]);
    let arm = sim.env("AUTHCHECK_ARM_TOKEN").expect("an ARM token");
    let graph = sim.env("AUTHCHECK_GRAPH_TOKEN").expect("a Graph token");
    let now = chrono::Utc::now().timestamp();

    let c = verified_claims(&sim, TENANT, &arm).await;
    assert_eq!(c["aud"], "https://management.azure.com");
    assert_eq!(c["appid"], AUDITOR_APP);
    assert_eq!(c["idtyp"], "app");
    let left = c["exp"].as_i64().unwrap() - now;
    assert!((50 * 60..=61 * 60).contains(&left), "{left} s left");

    let g = claims_of(&json!({ "access_token": graph }));
    assert_eq!(g["aud"], "https://graph.microsoft.com");
    assert_eq!(g["appid"], AUDITOR_APP);
    assert!(g["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "Application.Read.All"));
    let left = g["exp"].as_i64().unwrap() - now;
    assert!((50 * 60..=61 * 60).contains(&left), "{left} s left");

    // Graph reads the app under test; ARM lists role assignments at the workspace, including
    // the app's young one, though the app itself may not read them yet.
    let (st, _, app) = get(
        &format!(
            "{}/v1.0/applications(appId='{PURVIEW_APP}')",
            sim.s("graph")
        ),
        Some(&graph),
    )
    .await;
    assert_eq!(st, 200, "{app}");
    let url = format!(
        "{}{}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01",
        sim.s("arm"),
        sim.s("arm_scope")
    );
    let (st, _, body) = get(&url, Some(&arm)).await;
    assert_eq!(st, 200, "{body}");
    assert!(!body["value"].as_array().unwrap().is_empty(), "{body}");

    // A scenario without an operator hands over no reader token.
    let plain = SimProc::start("rbac-role-missing", &[]);
    assert!(plain.env("AUTHCHECK_ARM_TOKEN").is_none());
    assert!(plain.env("AUTHCHECK_GRAPH_TOKEN").is_none());
}

/// `[signing] publish_current_key = false`: the token endpoint still issues tokens signed with the
/// current key, but no key set publishes it, so the token's `kid` is unknown to anyone who
/// fetches the keys, and the APIs (which verify with the published keys) refuse it.
#[tokio::test]
async fn a_withdrawn_signing_key_is_in_no_key_set_and_the_apis_refuse_its_tokens() {
    let sim = SimProc::start("token-signature-invalid", &[]);
    let a = sim.s("authority");
    let (st, body) = client_token(&sim).await;
    assert_eq!(st, 200, "{body}");
    let t = body["access_token"].as_str().unwrap().to_string();
    let header = jsonwebtoken::decode_header(&t).expect("header");
    let kid = header.kid.expect("kid");
    assert_eq!(header.x5t.as_deref(), Some(kid.as_str()));

    // The discovery document's key set, and the v1 ones, do not hold the kid, but do hold keys.
    let (st, _, d) = get(
        &format!("{a}/{TENANT}/v2.0/.well-known/openid-configuration"),
        None,
    )
    .await;
    assert_eq!(st, 200);
    for url in [
        d["jwks_uri"].as_str().unwrap().to_string(),
        format!("{a}/{TENANT}/discovery/keys"),
        format!("{a}/common/discovery/keys"),
    ] {
        let (st, _, k) = get(&url, None).await;
        assert_eq!(st, 200, "{url}");
        let keys = k["keys"].as_array().expect("keys");
        assert!(!keys.is_empty(), "{url}: {k}");
        assert!(
            keys.iter()
                .all(|j| j["kid"] != kid.as_str() && j["x5t"] != kid.as_str()),
            "{url} publishes the withdrawn key {kid}"
        );
        // The token verifies with none of the published keys either.
        for j in keys {
            let key = jsonwebtoken::DecodingKey::from_rsa_components(
                j["n"].as_str().unwrap(),
                j["e"].as_str().unwrap(),
            )
            .unwrap();
            let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
            v.validate_aud = false;
            assert!(jsonwebtoken::decode::<Value>(&t, &key, &v).is_err());
        }
    }

    // The token is otherwise Entra's: issuer, audience, lifetime.
    let c = claims_of(&body);
    assert_eq!(c["iss"], format!("https://sts.windows.net/{TENANT}/"));
    // The documented audience (`.io` is still accepted).
    assert_eq!(c["aud"], "https://api.loganalytics.azure.com");
    assert!(c["exp"].as_i64().unwrap() > c["iat"].as_i64().unwrap());

    // Log Analytics refuses it: 401, invalid_token, a signature error naming the kid.
    let url = format!(
        "{}/v1/workspaces/{}/query?query=Heartbeat",
        sim.s("loganalytics"),
        sim.s("workspace_id")
    );
    let (st, www, body) = get(&url, Some(&t)).await;
    assert_eq!(st, 401, "{body}");
    assert_eq!(body["error"]["code"], "InvalidTokenError");
    assert_eq!(
        body["error"]["innererror"]["code"],
        "SignatureVerificationFailed"
    );
    let www = www.expect("WWW-Authenticate");
    assert!(www.starts_with("Bearer "), "{www}");
    assert!(www.contains("error=\"invalid_token\""), "{www}");
    let desc = www
        .split("error_description=\"")
        .nth(1)
        .expect("error_description");
    assert!(desc.to_ascii_lowercase().contains("signature"), "{www}");
    assert!(desc.contains(&kid), "{www}");

    // So does ARM, in its own words.
    let arm_token = {
        let form = vec![
            ("grant_type", "client_credentials".to_string()),
            ("client_id", PURVIEW_APP.to_string()),
            ("scope", "https://management.azure.com/.default".to_string()),
            ("client_secret", sim.env("AZURE_CLIENT_SECRET").unwrap()),
        ];
        let (st, b) = token(&sim, TENANT, true, &form, None).await;
        assert_eq!(st, 200, "{b}");
        b["access_token"].as_str().unwrap().to_string()
    };
    let (st, www, body) = get(
        &format!(
            "{}{}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01",
            sim.s("arm"),
            sim.s("arm_scope")
        ),
        Some(&arm_token),
    )
    .await;
    assert_eq!(st, 401, "{body}");
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    assert!(www.unwrap().contains("error=\"invalid_token\""));
}
