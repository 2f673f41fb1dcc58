//! Behaviours no built-in scenario leads with: expired tokens at ARM and the data planes, a disabled
//! service principal, assertions outside their time window or from the wrong issuer, Basic client
//! authentication, Purview's per-family collection roles.

mod sim_common;

use serde_json::{json, Value};
use sim_common::*;

const TENANT: &str = "8f2b4c1d-6e3a-4b5c-9d7e-0a1b2c3d4e5f";
const PURVIEW_APP: &str = "3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40";

/// The healthy scenario with edits, written to a file the binary loads by path.
fn variant(dir: &std::path::Path, name: &str, edit: impl Fn(String) -> String) -> String {
    let healthy = include_str!("../fixtures/scenarios/healthy.toml");
    let text = edit(healthy.replacen("name = \"healthy\"", &format!("name = \"{name}\""), 1));
    let p = dir.join(format!("{name}.toml"));
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn cc_form(sim: &SimProc, scope: &str) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "client_credentials".to_string()),
        ("client_id", PURVIEW_APP.to_string()),
        ("client_secret", sim.env("AZURE_CLIENT_SECRET").unwrap()),
        ("scope", scope.to_string()),
    ]
}

#[tokio::test]
async fn expired_tokens_are_refused_with_each_services_words() {
    let dir = tempfile::tempdir().unwrap();
    // Tokens that expired ten minutes before they were handed out: what a stale cache replays.
    let p = variant(dir.path(), "stale-tokens", |t| {
        t.replacen(
            "display_name = \"Contoso\"\n",
            "display_name = \"Contoso\"\ntoken_lifetime_minutes = -10\n",
            1,
        )
    });
    let sim = SimProc::start(&p, &[]);
    let (_, arm) = token(
        &sim,
        TENANT,
        true,
        &cc_form(&sim, "https://management.azure.com/.default"),
        None,
    )
    .await;
    let t = arm["access_token"].as_str().unwrap();
    let url = format!(
        "{}{}?api-version=2023-09-01",
        sim.s("arm"),
        sim.s("arm_scope")
    );
    let (st, www, body) = get(&url, Some(t)).await;
    assert_eq!(st, 401);
    assert_eq!(body["error"]["code"], "ExpiredAuthenticationToken");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("is earlier than current UTC time"));
    assert!(www.unwrap().contains("invalid_token"));
    let (_, la) = token(
        &sim,
        TENANT,
        true,
        &cc_form(&sim, "https://api.loganalytics.io/.default"),
        None,
    )
    .await;
    let url = format!(
        "{}/v1/workspaces/{}/query?query=x",
        sim.s("loganalytics"),
        sim.s("workspace_id")
    );
    let (st, _, body) = get(&url, la["access_token"].as_str()).await;
    assert_eq!(st, 401);
    assert_eq!(body["error"]["innererror"]["code"], "TokenExpired");
    let (_, g) = token(
        &sim,
        TENANT,
        true,
        &cc_form(&sim, "https://graph.microsoft.com/.default"),
        None,
    )
    .await;
    let (st, _, body) = get(
        &format!("{}/v1.0/applications", sim.s("graph")),
        g["access_token"].as_str(),
    )
    .await;
    assert_eq!(st, 401);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
}

#[tokio::test]
async fn a_disabled_service_principal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = variant(dir.path(), "disabled", |t| {
        t.replacen(
            "web_redirect_uris = [\"https://exampleURI.com\"]\n",
            "web_redirect_uris = [\"https://exampleURI.com\"]\nenabled = false\n",
            1,
        )
    });
    let sim = SimProc::start(&p, &[]);
    let (st, body) = client_token(&sim).await;
    assert_aad_error(st, &body, 400, "unauthorized_client", 7000112);
}

#[tokio::test]
async fn assertions_outside_their_window_or_from_strangers() {
    let sim = SimProc::start("healthy", &[]);
    let aud = format!("{}/{TENANT}/oauth2/v2.0/token", sim.s("authority"));
    // An expired certificate assertion, re-signed with the client's key.
    let pem = std::fs::read_to_string(sim.s("client_certificate")).unwrap();
    let key_end = pem.find("-----END PRIVATE KEY-----").unwrap() + 25;
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(&pem.as_bytes()[..key_end]).unwrap();
    let good = cert_assertion(&sim, &aud);
    let header = jsonwebtoken::decode_header(&good).unwrap();
    let now = chrono::Utc::now().timestamp();
    let old = json!({"iss": PURVIEW_APP, "sub": PURVIEW_APP, "aud": aud, "jti": "1", "nbf": now - 7200, "exp": now - 3600});
    let expired = jsonwebtoken::encode(&header, &old, &key).unwrap();
    let form = |a: String| {
        vec![
            ("grant_type", "client_credentials".to_string()),
            ("client_id", PURVIEW_APP.to_string()),
            ("scope", "https://purview.azure.net/.default".to_string()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string(),
            ),
            ("client_assertion", a),
        ]
    };
    let (st, body) = token(&sim, TENANT, true, &form(expired), None).await;
    assert_aad_error(st, &body, 401, "invalid_client", 700024);
    // A tampered signature.
    let mut parts: Vec<String> = good.split('.').map(String::from).collect();
    parts[2] = parts[2].chars().rev().collect();
    let (st, body) = token(&sim, TENANT, true, &form(parts.join(".")), None).await;
    assert_aad_error(st, &body, 401, "invalid_client", 700027);
    // A federated token from an issuer no credential names.
    let h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    let stranger = json!({"iss": "https://token.actions.githubusercontent.com", "sub": "repo:x/y:ref:refs/heads/main", "aud": "api://AzureADTokenExchange", "exp": now + 600});
    let (st, body) = token(
        &sim,
        TENANT,
        true,
        &form(jsonwebtoken::encode(&h, &stranger, &key).unwrap()),
        None,
    )
    .await;
    assert_aad_error(st, &body, 400, "invalid_request", 700211);
    // The right issuer and subject for the wrong audience.
    let fed_claims = json!({"iss": sim.s("federation_issuer"), "sub": "repo:contoso/orders-api:ref:refs/heads/main", "aud": "api://SomethingElse", "exp": now + 600});
    let (st, body) = token(
        &sim,
        TENANT,
        true,
        &form(jsonwebtoken::encode(&h, &fed_claims, &key).unwrap()),
        None,
    )
    .await;
    assert_aad_error(st, &body, 400, "invalid_request", 700212);
    // The right claims signed by the wrong key.
    let forged = json!({"iss": sim.s("federation_issuer"), "sub": "repo:contoso/orders-api:ref:refs/heads/main", "aud": "api://AzureADTokenExchange", "exp": now + 600});
    let (st, body) = token(
        &sim,
        TENANT,
        true,
        &form(jsonwebtoken::encode(&h, &forged, &key).unwrap()),
        None,
    )
    .await;
    assert_aad_error(st, &body, 401, "invalid_client", 700027);
}

#[tokio::test]
async fn basic_client_authentication_works() {
    let sim = SimProc::start("healthy", &[]);
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{PURVIEW_APP}:{}",
        sim.env("AZURE_CLIENT_SECRET").unwrap()
    ));
    let r = http()
        .post(format!("{}/{TENANT}/oauth2/v2.0/token", sim.s("authority")))
        .header("Authorization", format!("Basic {basic}"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", PURVIEW_APP),
            ("scope", "https://purview.azure.net/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn purview_families_need_their_own_roles() {
    let dir = tempfile::tempdir().unwrap();
    // Only Data Curator, on a sub-collection.
    let p = variant(dir.path(), "curator-only", |t| {
        let start = t.find("[[purview.roles]]").unwrap();
        let end = t.find("[[role_assignments]]").unwrap();
        format!(
            "{}[purview]\n[[purview.collections]]\nname = \"finance\"\nparent = \"contoso-purview\"\n\n[[purview.roles]]\nprincipal = \"purview-reader\"\nrole = \"Data Curator\"\ncollection = \"finance\"\n\n{}",
            &t[..start],
            &t[end..]
        )
    });
    let sim = SimProc::start(&p, &[]);
    let (_, tok) = token(
        &sim,
        TENANT,
        true,
        &cc_form(&sim, "https://purview.azure.net/.default"),
        None,
    )
    .await;
    let t = tok["access_token"].as_str().unwrap();
    let base = sim.s("purview");
    let cases: &[(&str, u16)] = &[
        (
            "/catalog/api/atlas/v2/types/typedefs?collection=finance",
            200,
        ),
        ("/catalog/api/atlas/v2/types/typedefs", 403),
        ("/scan/datasources?collection=finance", 403),
        ("/account/collections/finance", 403),
        ("/policystore/metadataPolicies?collection=finance", 403),
        ("/policystore/dataPolicies?collection=finance", 403),
    ];
    for (path, want) in cases {
        let (st, _, body): (u16, Option<String>, Value) =
            get(&format!("{base}{path}"), Some(t)).await;
        assert_eq!(st, *want, "{path}: {body}");
    }
    let (st, www, _) = get(&format!("{base}/catalog/api/atlas/v2/types/typedefs"), None).await;
    assert_eq!(st, 401);
    assert!(www
        .unwrap()
        .contains("resource_id=\"https://purview.azure.net\""));
}

#[tokio::test]
async fn the_token_expired_scenario_mints_stale_tokens() {
    let sim = SimProc::start("token-expired", &["--latency", "1"]);
    let (st, body) = client_token(&sim).await;
    assert_eq!(st, 200, "{body}");
    let t = body["access_token"].as_str().unwrap();
    let url = format!(
        "{}/v1/workspaces/{}/query?query=x",
        sim.s("loganalytics"),
        sim.s("workspace_id")
    );
    let (st, www, body) = get(&url, Some(t)).await;
    assert_eq!(st, 401);
    assert_eq!(body["error"]["innererror"]["code"], "TokenExpired");
    assert!(www.unwrap().contains("The access token is expired"));
}

#[tokio::test]
async fn arm_takes_assigned_to_filters() {
    let sim = SimProc::start("healthy", &[]);
    let (_, arm) = token(
        &sim,
        TENANT,
        true,
        &cc_form(&sim, "https://management.azure.com/.default"),
        None,
    )
    .await;
    let g = {
        let (_, t) = token(
            &sim,
            TENANT,
            true,
            &cc_form(&sim, "https://graph.microsoft.com/.default"),
            None,
        )
        .await;
        let (_, _, sp) = get(
            &format!(
                "{}/v1.0/servicePrincipals(appId='{PURVIEW_APP}')",
                sim.s("graph")
            ),
            t["access_token"].as_str(),
        )
        .await;
        sp["id"].as_str().unwrap().to_string()
    };
    let url = format!(
        "{}{}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=assignedTo('{g}')",
        sim.s("arm"),
        sim.s("arm_scope")
    );
    let (st, _, body) = get(&url, arm["access_token"].as_str()).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["value"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn graph_tokens_carry_a_nonce_and_do_not_verify_outside_graph() {
    let sim = SimProc::start("healthy", &[]);
    let (st, body) = token(
        &sim,
        TENANT,
        true,
        &cc_form(&sim, "https://graph.microsoft.com/.default"),
        None,
    )
    .await;
    assert_eq!(st, 200);
    let t = body["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(t).unwrap();
    assert!(header.nonce.is_some(), "Graph tokens carry a nonce");
    // Checked against the published keys the way any other token is, the signature fails …
    let jwks: Value = http()
        .get(format!(
            "{}/{TENANT}/discovery/v2.0/keys",
            sim.s("authority")
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header.kid.clone().unwrap().as_str())
        .unwrap();
    let key = jsonwebtoken::DecodingKey::from_rsa_components(
        jwk["n"].as_str().unwrap(),
        jwk["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.validate_aud = false;
    let err = jsonwebtoken::decode::<Value>(t, &key, &v).unwrap_err();
    assert_eq!(
        *err.kind(),
        jsonwebtoken::errors::ErrorKind::InvalidSignature
    );
    // … while Graph itself accepts the token.
    let (st, _, _) = get(
        &format!(
            "{}/v1.0/applications(appId='{PURVIEW_APP}')",
            sim.s("graph")
        ),
        Some(t),
    )
    .await;
    assert_eq!(st, 200);
    // Other tokens carry no nonce.
    let (_, p) = token(
        &sim,
        TENANT,
        true,
        &cc_form(&sim, "https://purview.azure.net/.default"),
        None,
    )
    .await;
    assert!(
        jsonwebtoken::decode_header(p["access_token"].as_str().unwrap())
            .unwrap()
            .nonce
            .is_none()
    );
}

#[tokio::test]
async fn odd_requests_never_take_the_server_down() {
    let sim = SimProc::start("healthy", &[]);
    let a = sim.s("authority");
    let bearers = [
        "",
        "Bearer",
        "Bearer a.b.c",
        "Bearer eyJhbGciOiJub25lIn0.e30.",
        "Bearer eyJub25jZSI6MX0.e30.x",
        "Basic ????",
        "Basic Og==",
    ];
    let paths = [
        "/",
        "/%",
        "/%zz/oauth2/v2.0/token",
        "/graph",
        "/graph/v1.0",
        "/graph/v1.0/applications(appId=",
        "/graph/v1.0/servicePrincipals(appId='x')/appRoleAssignedTo?$top=-1&$skiptoken=zz",
        "/graph/v2.0/x",
        "/arm/subscriptions",
        "/arm/subscriptions/5f1c2a8e-3b4d-4e6f-9a0b-1c2d3e4f5a6b/providers/Microsoft.Authorization/roleDefinitions/?api-version=1",
        "/purview/",
        "/powerplatform/x",
        "/loganalytics/v1/workspaces//query",
        "/metadata/identity/oauth2/token?resource=%ff",
        "/federation/keys",
        "/common/userrealm/",
        "/organizations/oauth2/v2.0/authorize?client_id=&redirect_uri=",
        "/8f2b4c1d-6e3a-4b5c-9d7e-0a1b2c3d4e5f/oauth2/v2.0/token?grant_type=client_credentials",
    ];
    for p in paths {
        for b in bearers {
            for method in [
                reqwest::Method::GET,
                reqwest::Method::POST,
                reqwest::Method::DELETE,
            ] {
                let mut rb = http()
                    .request(method.clone(), format!("{a}{p}"))
                    .header("Metadata", "true")
                    .body(vec![0xfe, b'{', b'%', b'=', 0x00]);
                if !b.is_empty() {
                    rb = rb.header("Authorization", b);
                }
                let r = rb
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{method} {p} [{b}]: {e}"));
                assert!(
                    r.status().as_u16() < 500,
                    "{method} {p} [{b}]: {}",
                    r.status()
                );
            }
        }
    }
    let (st, _) = client_token(&sim).await;
    assert_eq!(st, 200);
}
