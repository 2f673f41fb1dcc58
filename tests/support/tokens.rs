//! Generates the token fixtures under `fixtures/tokens/` (and the token fixtures of the token
//! rules): real RS256 signatures from fresh RSA keys, in Entra's v1 and v2 shapes, with times
//! relative to NOW = 2026-11-24T12:00:00Z, plus the matching JWKS files and damaged copies.
//!
//! Run with `cargo test --test decode generate_token_fixtures -- --ignored`, then refresh the
//! snapshot (`cargo insta review` or `INSTA_UPDATE=always`). Every run makes new keys, so every
//! token and key changes together.

#![allow(dead_code)]

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Map, Value};
use sha1::Digest as _;
use std::path::Path;

/// 2026-11-24T12:00:00Z.
pub const NOW: i64 = 1_795_521_600;

pub const TENANT: &str = "3f1e0c2a-8b4d-4c6e-9a1f-2b3c4d5e6f70";
pub const CLIENT: &str = "5e2c8a51-0f9c-4a7e-b1d2-7c3f6a9e1b24";
pub const SP_OID: &str = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
pub const USER_OID: &str = "b7c8d9e0-f1a2-4b3c-8d4e-5f6a7b8c9d0e";
pub const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// One signing key: the private key for signing, and its public JWK as Entra publishes it.
pub struct SigningKey {
    pub kid: String,
    encoding: EncodingKey,
    pub jwk: Value,
}

impl SigningKey {
    pub fn generate() -> SigningKey {
        let kp =
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
                .expect("RSA key");
        let pkcs8 = kp.serialize_der();
        let encoding =
            EncodingKey::from_rsa_pem(kp.serialize_pem().as_bytes()).expect("PKCS#8 PEM");
        let aws = aws_lc_rs::rsa::KeyPair::from_pkcs8(&pkcs8).expect("aws-lc reads the key");
        let comps = aws_lc_rs::rsa::PublicKeyComponents::<Vec<u8>>::from(
            aws_lc_rs::signature::KeyPair::public_key(&aws),
        );
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            "accounts.accesscontrol.windows.net",
        );
        let cert = params.self_signed(&kp).expect("self-signed certificate");
        let der: &[u8] = cert.der().as_ref();
        let x5t = URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(der));
        let jwk = json!({
            "kty": "RSA",
            "use": "sig",
            "kid": x5t,
            "x5t": x5t,
            "n": URL_SAFE_NO_PAD.encode(&comps.n),
            "e": URL_SAFE_NO_PAD.encode(&comps.e),
            "x5c": [STANDARD.encode(der)],
            "issuer": format!("https://login.microsoftonline.com/{TENANT}/v2.0"),
        });
        SigningKey {
            kid: x5t,
            encoding,
            jwk,
        }
    }

    /// Signs `claims` with an Entra-like header (`typ`, `alg`, `kid`, and `x5t` for v1 tokens).
    pub fn sign(&self, claims: &Value, v1: bool, extra_header: &[(&str, &str)]) -> String {
        let mut h = Map::new();
        h.insert("typ".into(), json!("JWT"));
        for (k, v) in extra_header {
            h.insert((*k).into(), json!(v));
        }
        h.insert("alg".into(), json!("RS256"));
        if v1 {
            h.insert("x5t".into(), json!(self.kid));
        }
        h.insert("kid".into(), json!(self.kid));
        sign_raw(&Value::Object(h), claims, &self.encoding)
    }
}

fn b64json(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("json"))
}

fn sign_raw(header: &Value, claims: &Value, key: &EncodingKey) -> String {
    let input = format!("{}.{}", b64json(header), b64json(claims));
    let sig = jsonwebtoken::crypto::sign(input.as_bytes(), key, Algorithm::RS256).expect("sign");
    format!("{input}.{sig}")
}

/// Keeps jsonwebtoken's `Header` type in use so a change of its API shows here first.
fn _header_type_check() -> Header {
    Header::new(Algorithm::RS256)
}

fn v1_common(aud: &str, iat: i64, exp: i64) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("aud".into(), json!(aud));
    m.insert(
        "iss".into(),
        json!(format!("https://sts.windows.net/{TENANT}/")),
    );
    m.insert("iat".into(), json!(iat));
    m.insert("nbf".into(), json!(iat));
    m.insert("exp".into(), json!(exp));
    m
}

fn v2_common(aud: &str, iat: i64, exp: i64) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("aud".into(), json!(aud));
    m.insert(
        "iss".into(),
        json!(format!("https://login.microsoftonline.com/{TENANT}/v2.0")),
    );
    m.insert("iat".into(), json!(iat));
    m.insert("nbf".into(), json!(iat));
    m.insert("exp".into(), json!(exp));
    m
}

fn with(mut m: Map<String, Value>, extra: Value) -> Value {
    if let Value::Object(e) = extra {
        for (k, v) in e {
            m.insert(k, v);
        }
    }
    Value::Object(m)
}

/// An app-only v1 access token for `aud` (client credentials with a secret).
fn app_v1(aud: &str, iat: i64, exp: i64, extra: Value) -> Value {
    let base = with(
        v1_common(aud, iat, exp),
        json!({
            "aio": "k2RgYGhw9fL3/3b1ZSYXXSUAAA==",
            "app_displayname": "contoso-reporting",
            "appid": CLIENT,
            "appidacr": "1",
            "idp": format!("https://sts.windows.net/{TENANT}/"),
            "idtyp": "app",
            "oid": SP_OID,
            "rh": "1.AXkAKgwePw2LbEyaHysjTV5vcDUtsH_M2BJ1oAAA.",
            "sub": SP_OID,
            "tid": TENANT,
            "uti": "Qm9yaW5nVG9rZW5JZDAx",
            "ver": "1.0",
            "xms_tcdt": 1_580_000_000,
        }),
    );
    match (base, extra) {
        (Value::Object(m), e) => with(m, e),
        (b, _) => b,
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut t = text.to_string();
    if !t.ends_with('\n') {
        t.push('\n');
    }
    std::fs::write(dir.join(name), t).expect("write fixture");
}

/// Writes every token fixture under `root` (the crate root).
pub fn write_all(root: &Path) {
    let tok = root.join("fixtures/tokens");
    let rules = root.join("fixtures/rules");
    let a = SigningKey::generate();
    let b = SigningKey::generate();
    let jwks = json!({"keys": [a.jwk.clone()]});
    write(
        &tok,
        "jwks.json",
        &serde_json::to_string_pretty(&jwks).unwrap(),
    );
    let other = json!({"keys": [b.jwk.clone()]});
    write(
        &tok,
        "jwks-other-tenant.json",
        &serde_json::to_string_pretty(&other).unwrap(),
    );
    // The same key published with its certificate only (no n/e), as some key sets do.
    let mut x5c_only = a.jwk.clone();
    if let Value::Object(m) = &mut x5c_only {
        m.remove("n");
        m.remove("e");
    }
    write(
        &tok,
        "jwks-x5c-only.json",
        &serde_json::to_string_pretty(&json!({"keys": [x5c_only]})).unwrap(),
    );

    let iat = NOW - 18 * 60;
    let exp = NOW + 42 * 60;

    // Purview, v1, app-only.
    let purview_claims = app_v1("https://purview.azure.net", iat, exp, json!({}));
    let purview = a.sign(&purview_claims, true, &[]);
    write(&tok, "purview-app-v1.jwt", &purview);

    // Power Platform API, v2, app-only and delegated.
    let pp_app = a.sign(
        &with(
            v2_common("https://api.powerplatform.com", iat, exp),
            json!({
                "aio": "E2RgYJg0mP7/3b1ZSYXXSUAAA==",
                "azp": CLIENT,
                "azpacr": "1",
                "idtyp": "app",
                "oid": SP_OID,
                "rh": "1.AXkAKgwePw2LbEyaHysjTV5vcAXk_YXGpedGkT4S9YkS30MAAA.",
                "sub": SP_OID,
                "tid": TENANT,
                "uti": "UHBBcHBUb2tlbklkMDI",
                "ver": "2.0",
            }),
        ),
        false,
        &[],
    );
    write(&tok, "powerplatform-app-v2.jwt", &pp_app);
    let pp_user = a.sign(
        &with(
            v2_common("https://api.powerplatform.com", iat, exp),
            json!({
                "aio": "AVQAq/8ZAAAAo2RgYJg0mP7",
                "azp": CLIENT,
                "azpacr": "0",
                "name": "Megan Bowen",
                "oid": USER_OID,
                "preferred_username": "megan@contoso.example",
                "rh": "1.AXkAKgwePw2LbEyaHysjTV5vcAXk_YXGpedGkT4S9YkS30MAAB.",
                "scp": "AppManagement.ApplicationPackages.Install AppManagement.ApplicationPackages.Read",
                "sid": "0f2d6c1e-4b5a-4e3f-9a8b-7c6d5e4f3a2b",
                "sub": "u9Xq3Zb0bH1n2T8nYk4x0qW2e5r7t9y1u3i5o7p9a1s",
                "tid": TENANT,
                "uti": "UHBVc2VyVG9rZW5JZDAz",
                "ver": "2.0",
                "xms_cc": ["cp1"],
            }),
        ),
        false,
        &[],
    );
    write(&tok, "powerplatform-user-v2.jwt", &pp_user);

    // Log Analytics, v1, app-only.
    let la = a.sign(
        &app_v1("https://api.loganalytics.io", iat, exp, json!({})),
        true,
        &[],
    );
    write(&tok, "loganalytics-app-v1.jwt", &la);

    // ARM, v1, delegated from the Azure CLI, a user with directory roles.
    let arm_user_claims = with(
        v1_common("https://management.core.windows.net/", iat, exp),
        json!({
            "acr": "1",
            "aio": "AVQAq/8ZAAAAbWFnaWM",
            "amr": ["pwd", "mfa"],
            "appid": AZURE_CLI,
            "appidacr": "0",
            "family_name": "Bowen",
            "given_name": "Megan",
            "groups": ["6e1f0c2a-0000-4000-8000-000000000001"],
            "idtyp": "user",
            "ipaddr": "203.0.113.7",
            "name": "Megan Bowen",
            "oid": USER_OID,
            "puid": "10032001C0FFEE00",
            "rh": "1.AXkAKgwePw2LbEyaHysjTV5vcEZIf3kAutdPukPawfj2MBN5AAA.",
            "scp": "user_impersonation",
            "sid": "0f2d6c1e-4b5a-4e3f-9a8b-7c6d5e4f3a2b",
            "sub": "Yb3n2T8nYk4x0qW2e5r7t9y1u3i5o7p9a1sDfGhJkL",
            "tid": TENANT,
            "unique_name": "megan@contoso.example",
            "upn": "megan@contoso.example",
            "uti": "QXJtVXNlclRva2VuMDQ",
            "ver": "1.0",
            "wids": ["f2ef992c-3afb-46b9-b7cf-a126ee74c451", "b79fbf4d-3ef9-4689-8143-76b194e85509"],
            "xms_idrel": "1 20",
            "xms_tcdt": 1_580_000_000,
            "xms_zz_custom": "kept as-is",
            "contoso_tier": "gold",
        }),
    );
    let arm_user = a.sign(&arm_user_claims, true, &[]);
    write(&tok, "arm-user-v1.jwt", &arm_user);

    // ARM, app-only: expired three hours ago; and one that expires in five minutes.
    let expired = a.sign(
        &app_v1(
            "https://management.azure.com/",
            NOW - 4 * 3600,
            NOW - 3 * 3600,
            json!({}),
        ),
        true,
        &[],
    );
    write(&tok, "expired-arm-app-v1.jwt", &expired);
    let soon = a.sign(
        &app_v1(
            "https://management.azure.com/",
            NOW - 55 * 60,
            NOW + 5 * 60,
            json!({}),
        ),
        true,
        &[],
    );
    write(&tok, "expires-soon-arm-app-v1.jwt", &soon);

    // Issued two hours in the future (the judging clock is behind).
    let future = a.sign(
        &app_v1(
            "https://management.azure.com/",
            NOW + 2 * 3600,
            NOW + 3 * 3600,
            json!({}),
        ),
        true,
        &[],
    );
    write(&tok, "nbf-future-arm-app-v1.jwt", &future);
    // Within tolerance: issued two minutes ahead.
    let slight = a.sign(
        &app_v1(
            "https://management.azure.com/",
            NOW + 2 * 60,
            NOW + 62 * 60,
            json!({}),
        ),
        true,
        &[],
    );

    // Graph with a header nonce, app-only with roles, and one with no roles at all.
    let graph_roles = a.sign(
        &app_v1(
            "https://graph.microsoft.com",
            iat,
            exp,
            json!({"roles": ["Application.Read.All", "User.Read.All"]}),
        ),
        true,
        &[("nonce", "h0K7Yl2sQm9RZk3x5bU1oVgN8pC4wE6tJaFdHyLs")],
    );
    write(&tok, "graph-app-nonce-v1.jwt", &graph_roles);
    let graph_noroles = a.sign(
        &app_v1("https://graph.microsoft.com", iat, exp, json!({})),
        true,
        &[("nonce", "pQ3rS5tU7vW9xY1zA2bC4dE6fG8hI0jK2lM4nO6p")],
    );
    write(&tok, "graph-app-noroles-v1.jwt", &graph_noroles);

    // An id token (v2).
    let id = a.sign(
        &with(
            v2_common(CLIENT, iat, exp),
            json!({
                "aio": "AUQAu/8ZAAAAaWRUb2tlbg",
                "name": "Megan Bowen",
                "nonce": "678910",
                "oid": USER_OID,
                "preferred_username": "megan@contoso.example",
                "rh": "1.AXkAKgwePw2LbEyaHysjTV5vcFGKLF6cD35KsdJ8P2qeGyR5AAB.",
                "sid": "0f2d6c1e-4b5a-4e3f-9a8b-7c6d5e4f3a2b",
                "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
                "tid": TENANT,
                "uti": "SWRUb2tlbklkMDU",
                "ver": "2.0",
            }),
        ),
        false,
        &[],
    );
    write(&tok, "id-token-v2.jwt", &id);

    // Tampered: the Purview token with `exp` pushed a day later, signature kept.
    let mut tampered_claims = purview_claims.clone();
    tampered_claims["exp"] = json!(exp + 86_400);
    let parts: Vec<&str> = purview.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], b64json(&tampered_claims), parts[2]);
    write(&tok, "tampered-purview-app-v1.jwt", &tampered);

    // Signed by another key (another tenant's, not in jwks.json).
    let other_signed = b.sign(&purview_claims, true, &[]);
    write(&tok, "other-key-purview-app-v1.jwt", &other_signed);

    // alg none.
    let none_header = json!({"typ": "JWT", "alg": "none"});
    let unsigned = format!(
        "{}.{}.",
        b64json(&none_header),
        b64json(&app_v1(
            "https://management.azure.com/",
            iat,
            exp,
            json!({})
        ))
    );
    write(&tok, "alg-none-arm-app-v1.jwt", &unsigned);

    // Damaged copies.
    let p: Vec<&str> = purview.split('.').collect();
    let mut bad = p[1].to_string();
    bad.replace_range(40..41, "*");
    write(
        &tok,
        "malformed-bad-base64.jwt",
        &format!("{}.{}.{}", p[0], bad, p[2]),
    );
    write(
        &tok,
        "malformed-two-segments.jwt",
        &format!("{}.{}", p[0], p[1]),
    );
    write(
        &tok,
        "malformed-truncated.jwt",
        &format!("{}.{}.{}", p[0], p[1], &p[2][..p[2].len() / 2]),
    );
    write(
        &tok,
        "malformed-cut-in-payload.jwt",
        // Cut on a 4-character boundary so the base64 is sound and the JSON ends early.
        &format!("{}.{}.{}", p[0], &p[1][..(p[1].len() - 30) / 4 * 4], p[2]),
    );
    let mut wrapped = purview.clone();
    wrapped.insert(76, '\n');
    write(&tok, "malformed-whitespace.jwt", &wrapped);
    write(
        &tok,
        "malformed-not-json.jwt",
        &format!(
            "{}.{}.{}",
            p[0],
            URL_SAFE_NO_PAD.encode(b"exp=1795524120;aud=purview"),
            p[2]
        ),
    );
    write(
        &tok,
        "malformed-jwe.jwt",
        &format!(
            "{}.{}.{}.{}.{}",
            b64json(&json!({"alg": "RSA-OAEP", "enc": "A256GCM", "typ": "JWT"})),
            "OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGe",
            "48V1_ALb6US04U3b",
            "5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji",
            "XFBoMYUZodetZdvTiFvSkQ"
        ),
    );
    write(
        &tok,
        "malformed-msa-opaque.txt",
        "EwBwA8l6BAAUO9chh8cJscQLmU+LSWpbnr0vmwwAAXTOBQ/qo3KQJ2d4ZVd8ZjRQbDNnMFpjTUt0MGJyb0dxN0NGaG1JSE1ZdXRYSUVnAAAA",
    );
    write(&tok, "malformed-shortened.jwt", "eyJ0eXAiOiJKV1QiLCJu...");

    // Rule fixtures made of tokens (sidecars are written by hand beside them).
    let r = |rule: &str| rules.join(rule);
    write(
        &r("token-expired"),
        "fire-token--expired-arm-app.jwt",
        &expired,
    );
    write(&r("token-expired"), "pass-expires-in-5-minutes.jwt", &soon);
    write(
        &r("clock-skew"),
        "fire-token-nbf--issued-2h-in-future.jwt",
        &future,
    );
    write(&r("clock-skew"), "pass-issued-2-minutes-ahead.jwt", &slight);
    write(
        &r("token-signature-invalid"),
        "fire-unsigned--alg-none.jwt",
        &unsigned,
    );
    write(
        &r("token-signature-invalid"),
        "pass-graph-nonce.jwt",
        &graph_roles,
    );
    write(
        &r("wrong-audience"),
        "fire-token--purview-token-for-arm.jwt",
        &purview,
    );
    write(
        &r("wrong-audience"),
        "pass-purview-token-for-purview.jwt",
        &purview,
    );
    write(
        &r("delegated-only-api-app-token"),
        "fire-token--app-token.jwt",
        &pp_app,
    );
    write(
        &r("delegated-only-api-app-token"),
        "pass-user-token.jwt",
        &pp_user,
    );
    write(
        &r("api-permission-missing"),
        "fire-graph-app-no-roles.jwt",
        &graph_noroles,
    );
    write(
        &r("api-permission-missing"),
        "pass-graph-app-with-roles.jwt",
        &graph_roles,
    );
}
