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

/// A JWT's claims, read without checking the signature (Graph tokens are signed over a hashed
/// nonce, which a plain JWT library cannot verify).
fn claims_of(jwt: &str) -> Value {
    use base64::Engine;
    let part = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// Completes the simulator's sign-in pages as Alice (account, then password) from an authorize
/// URL, returning where they redirect.
async fn sign_in_as_alice(base: &str, url: &str) -> reqwest::Url {
    let c = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut resp = c.get(url).send().await.unwrap();
    for _ in 0..6 {
        if let Some(l) = resp.headers().get("location") {
            return reqwest::Url::parse(l.to_str().unwrap()).unwrap();
        }
        let page = resp.text().await.unwrap();
        let form_at = page
            .find("<form")
            .unwrap_or_else(|| panic!("no form: {page}"));
        let html = &page[form_at..page[form_at..].find("</form>").unwrap() + form_at];
        let value_of = |tag: &str, attr: &str| -> Option<String> {
            let k = format!("{attr}=\"");
            let i = tag.find(&k)? + k.len();
            Some(tag[i..i + tag[i..].find('"')?].replace("&amp;", "&"))
        };
        let action = value_of(&html[..html.find('>').unwrap()], "action").expect("action");
        let mut data: Vec<(String, String)> = vec![];
        let mut inputs = vec![];
        for piece in html.split('<').skip(1) {
            let tag = piece.split('>').next().unwrap_or("");
            if !tag.starts_with("input") && !tag.starts_with("button") {
                continue;
            }
            let Some(n) = value_of(tag, "name") else {
                continue;
            };
            if value_of(tag, "type").as_deref() == Some("hidden") {
                data.push((n, value_of(tag, "value").unwrap_or_default()));
            } else {
                inputs.push(n);
            }
        }
        if inputs.iter().any(|n| n == "login") {
            data.push(("login".into(), "alice@contoso.onmicrosoft.com".into()));
        } else if inputs.iter().any(|n| n == "passwd") {
            data.push(("passwd".into(), "Sim-Fixture-Passw0rd!".into()));
        } else {
            panic!("an unexpected page: {page}");
        }
        resp = c
            .post(format!("{base}{action}"))
            .form(&data)
            .send()
            .await
            .unwrap();
    }
    panic!("the sign-in pages did not end");
}

/// Fact: a sign-in that asks only for OpenID Connect scopes gets an ID token and an access token
/// for Microsoft Graph, which hosts those scopes and the UserInfo endpoint
/// (https://learn.microsoft.com/entra/identity-platform/scopes-oidc#openid-connect-scopes,
/// https://learn.microsoft.com/entra/identity-platform/userinfo), and a refresh token when
/// `offline_access` was asked. No consent is needed: the tenant's user consented to nothing else.
#[tokio::test]
async fn an_openid_only_code_is_redeemed_for_an_id_token_and_a_graph_token() {
    use base64::Engine;
    use sha2::Digest;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/scenarios/signin/device-code-signin.toml"
    );
    let sim = SimProc::start(path, &[]);
    let base = sim.s("authority");
    let tid = sim.s("tenant_id");
    let cid = sim.s("client_id");
    let verifier = "an-openid-only-verifier-0123456789-abcdefghijklmnop";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let scope = "openid profile email offline_access";
    let mut url = reqwest::Url::parse(&format!("{base}/{tid}/oauth2/v2.0/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &cid)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", "http://localhost")
        .append_pair("scope", scope)
        .append_pair("state", "s-oidc")
        .append_pair("nonce", "n-oidc")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let back = sign_in_as_alice(&base, url.as_str()).await;
    let q: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    assert_eq!(q.get("state").map(String::as_str), Some("s-oidc"), "{back}");
    let code = q.get("code").unwrap_or_else(|| panic!("no code: {back}"));
    let form = vec![
        ("grant_type", "authorization_code".to_string()),
        ("client_id", cid.clone()),
        ("code", code.clone()),
        ("redirect_uri", "http://localhost".to_string()),
        ("code_verifier", verifier.to_string()),
        ("scope", scope.to_string()),
    ];
    let (st, body) = token(&sim, &tid, true, &form, None).await;
    assert_eq!(st, 200, "{body}");
    let id = claims_of(body["id_token"].as_str().expect("id_token"));
    assert_eq!(id["aud"], cid.as_str());
    assert_eq!(id["iss"], format!("{base}/{tid}/v2.0"));
    assert_eq!(id["nonce"], "n-oidc");
    assert_eq!(id["preferred_username"], "alice@contoso.onmicrosoft.com");
    let at = claims_of(body["access_token"].as_str().expect("access_token"));
    assert_eq!(at["aud"], "00000003-0000-0000-c000-000000000000", "{at}");
    assert_eq!(at["scp"], "openid profile email", "{at}");
    assert_eq!(at["tid"], tid.as_str());
    assert!(body["refresh_token"].is_string(), "{body}");
    let granted: Vec<&str> = body["scope"].as_str().unwrap().split(' ').collect();
    for s in ["openid", "profile", "email", "offline_access"] {
        assert!(granted.contains(&s), "{body}");
    }
    // The same sign-in without offline_access: no refresh token.
    let mut url = url.clone();
    url.query_pairs_mut().clear();
    url.query_pairs_mut()
        .append_pair("client_id", &cid)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", "http://localhost")
        .append_pair("scope", "openid profile");
    let back = sign_in_as_alice(&base, url.as_str()).await;
    let q: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    let form = vec![
        ("grant_type", "authorization_code".to_string()),
        ("client_id", cid.clone()),
        ("code", q["code"].clone()),
        ("redirect_uri", "http://localhost".to_string()),
        ("scope", "openid profile".to_string()),
    ];
    let (st, body) = token(&sim, &tid, true, &form, None).await;
    assert_eq!(st, 200, "{body}");
    assert!(
        body["id_token"].is_string() && body.get("refresh_token").is_none(),
        "{body}"
    );
    assert_eq!(
        claims_of(body["access_token"].as_str().unwrap())["scp"],
        "openid profile"
    );
    // Client credentials still need `/.default` for every scope, OpenID ones included.
    let form = vec![
        ("grant_type", "client_credentials".to_string()),
        ("client_id", cid),
        ("client_secret", "x".to_string()),
        ("scope", "openid".to_string()),
    ];
    let (st, body) = token(&sim, &tid, true, &form, None).await;
    assert_eq!(st, 400, "{body}");
}

async fn get_json(url: &str) -> (u16, Value) {
    let r = http().get(url).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// A US Government tenant: its own authority (the simulator's root) answers discovery naming its
/// cloud; the public and China authorities (`/cloud/public`, `/cloud/china`) do not know it
/// (AADSTS90002), at discovery and at the token endpoint. Its v1 tokens are issued by
/// `sts.windows.net`, as US Government's are.
#[tokio::test]
async fn a_us_government_tenant_is_known_only_to_its_own_cloud() {
    let sim = SimProc::start("usgov-tenant-at-public-authority", &[]);
    let base = sim.s("authority");
    let tid = sim.s("tenant_id");
    let public = format!("{base}/cloud/public");
    assert_eq!(sim.env("AZURE_AUTHORITY_HOST").unwrap(), public);
    assert_eq!(sim.env("AUTHCHECK_AUTHORITY_HOST_PUBLIC").unwrap(), public);
    assert_eq!(sim.env("AUTHCHECK_AUTHORITY_HOST_USGOV").unwrap(), base);
    assert_eq!(
        sim.env("AUTHCHECK_AUTHORITY_HOST_CHINA").unwrap(),
        format!("{base}/cloud/china")
    );
    assert_eq!(sim.arg("--authority-host").unwrap(), public);
    let (st, d) = get_json(&format!(
        "{base}/{tid}/v2.0/.well-known/openid-configuration"
    ))
    .await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["cloud_instance_name"], "microsoftonline.us");
    assert_eq!(d["tenant_region_scope"], "USGov");
    assert_eq!(d["tenant_region_sub_scope"], "DODCON");
    assert_eq!(d["msgraph_host"], "graph.microsoft.us");
    assert_eq!(d["issuer"], format!("{base}/{tid}/v2.0"));
    let (_, d1) = get_json(&format!("{base}/{tid}/.well-known/openid-configuration")).await;
    assert_eq!(d1["issuer"], format!("https://sts.windows.net/{tid}/"));
    for other in [public.clone(), format!("{base}/cloud/china")] {
        let (st, e) = get_json(&format!(
            "{other}/{tid}/v2.0/.well-known/openid-configuration"
        ))
        .await;
        assert_eq!(
            (st, e["error"].as_str()),
            (400, Some("invalid_tenant")),
            "{e}"
        );
        assert_eq!(e["error_codes"][0], 90002, "{e}");
        let r = http()
            .post(format!("{other}/{tid}/oauth2/v2.0/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", PURVIEW_APP),
                (
                    "client_secret",
                    "Qx48Q~sim.fixture-secret.not-a-real-credential.0001",
                ),
                ("scope", "https://purview.azure.net/.default"),
            ])
            .send()
            .await
            .unwrap();
        let st = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        assert_aad_error(st, &body, 400, "invalid_request", 90002);
    }
    // The public cloud's own discovery of `common` answers, naming that cloud.
    let (st, d) = get_json(&format!(
        "{public}/common/v2.0/.well-known/openid-configuration"
    ))
    .await;
    assert_eq!(
        (st, d["cloud_instance_name"].as_str()),
        (200, Some("microsoftonline.com"))
    );
    // At its own authority the tenant issues tokens, v1 from sts.windows.net.
    let form = vec![
        ("grant_type", "client_credentials".to_string()),
        ("client_id", PURVIEW_APP.to_string()),
        (
            "client_secret",
            "Qx48Q~sim.fixture-secret.not-a-real-credential.0001".to_string(),
        ),
        ("scope", "https://purview.azure.net/.default".to_string()),
    ];
    let (st, body) = token(&sim, &tid, true, &form, None).await;
    assert_eq!(st, 200, "{body}");
    let c = verified_claims(&sim, &tid, body["access_token"].as_str().unwrap()).await;
    assert_eq!(c["iss"], format!("https://sts.windows.net/{tid}/"));
    // A commercial Power Platform audience is no resource of a US Government directory.
    let mut form = form.clone();
    form[3].1 = "https://api.powerplatform.com/.default".into();
    let (st, body) = token(&sim, &tid, true, &form, None).await;
    assert_aad_error(st, &body, 400, "invalid_resource", 500011);
    // Scenarios written before clouds existed are public-cloud tenants.
    let sim = SimProc::start("healthy", &[]);
    let base = sim.s("authority");
    let (_, d) = get_json(&format!(
        "{base}/{TENANT}/v2.0/.well-known/openid-configuration"
    ))
    .await;
    assert_eq!(d["cloud_instance_name"], "microsoftonline.com");
    assert_eq!(d["msgraph_host"], "graph.microsoft.com");
    let (st, _) = get_json(&format!(
        "{base}/cloud/usgov/{TENANT}/v2.0/.well-known/openid-configuration"
    ))
    .await;
    assert_eq!(st, 400);
}

/// The Power Platform stand-in plays the GCC deployment: it takes a token for
/// `https://api.gov.powerplatform.microsoft.us` and refuses the commercial audience with 401, its
/// challenge naming the GCC resource.
#[tokio::test]
async fn a_gcc_power_platform_api_takes_only_gcc_tokens() {
    let sim = SimProc::start("power-platform-wrong-cloud-audience", &[]);
    let pp = sim.env("AUTHCHECK_POWERPLATFORM_ENDPOINT").unwrap();
    let call = format!("{pp}/environmentmanagement/environments?api-version=2022-03-01-preview");
    let ask = |scope: &str| {
        vec![
            ("grant_type", "client_credentials".to_string()),
            ("client_id", PURVIEW_APP.to_string()),
            (
                "client_secret",
                "Qx48Q~sim.fixture-secret.not-a-real-credential.0001".to_string(),
            ),
            ("scope", scope.to_string()),
        ]
    };
    let (st, body) = token(
        &sim,
        TENANT,
        true,
        &ask("https://api.powerplatform.com/.default"),
        None,
    )
    .await;
    assert_eq!(st, 200, "{body}");
    let (st, challenge, body) = get(&call, body["access_token"].as_str()).await;
    assert_eq!(st, 401, "{body}");
    assert_eq!(body["error"]["code"], "InvalidAudience", "{body}");
    let challenge = challenge.expect("WWW-Authenticate");
    assert!(
        challenge.contains("resource_id=\"https://api.gov.powerplatform.microsoft.us\""),
        "{challenge}"
    );
    let (st, body) = token(
        &sim,
        TENANT,
        true,
        &ask("https://api.gov.powerplatform.microsoft.us/.default"),
        None,
    )
    .await;
    assert_eq!(st, 200, "{body}");
    let (st, _, body) = get(&call, body["access_token"].as_str()).await;
    assert_eq!(st, 200, "{body}");
    // GCC High's audience belongs to US Government's directory, not this public-cloud tenant's.
    let (st, body) = token(
        &sim,
        TENANT,
        true,
        &ask("https://api.high.powerplatform.microsoft.us/.default"),
        None,
    )
    .await;
    assert_aad_error(st, &body, 400, "invalid_resource", 500011);
}
