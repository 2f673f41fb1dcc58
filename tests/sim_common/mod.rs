//! Shared by the simulator tests: start the real binary, read its JSON line, act as the scenario's
//! client over real HTTP.

#![allow(dead_code)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running `authcheck sim`; killed when dropped.
pub struct SimProc {
    child: Child,
    pub info: Value,
    /// The simulator's state folder (CA, client certificate, federated token), removed on drop.
    _state: tempfile::TempDir,
}

impl SimProc {
    pub fn start(scenario: &str, extra: &[&str]) -> SimProc {
        let state = tempfile::tempdir().expect("state dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_authcheck"))
            .args(["sim", "--scenario", scenario, "--port", "0"])
            .arg("--state-dir")
            .arg(state.path())
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("authcheck sim starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        let mut reader = BufReader::new(stdout);
        reader.read_line(&mut line).expect("JSON line");
        // Keep draining stdout so the simulator never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = std::io::Read::read_to_end(&mut reader, &mut sink);
        });
        let info: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("sim {scenario}: bad JSON line {line:?}: {e}"));
        SimProc {
            child,
            info,
            _state: state,
        }
    }

    pub fn s(&self, k: &str) -> String {
        self.info[k].as_str().unwrap_or("").to_string()
    }

    pub fn env(&self, k: &str) -> Option<String> {
        self.info["env"][k].as_str().map(String::from)
    }

    /// The value after `flag` in `doctor_args`.
    pub fn arg(&self, flag: &str) -> Option<String> {
        let a = self.info["doctor_args"].as_array()?;
        let i = a.iter().position(|v| v == flag)?;
        a.get(i + 1).and_then(|v| v.as_str()).map(String::from)
    }
}

impl Drop for SimProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// POSTs a form to a token endpoint; returns the status and the JSON body.
pub async fn token(
    sim: &SimProc,
    tenant: &str,
    v2: bool,
    form: &[(&str, String)],
    origin: Option<&str>,
) -> (u16, Value) {
    let url = format!(
        "{}/{tenant}/oauth2/{}token",
        sim.s("authority"),
        if v2 { "v2.0/" } else { "" }
    );
    let mut rb = http().post(url).form(form);
    if let Some(o) = origin {
        rb = rb.header("Origin", o);
    }
    let r = rb.send().await.expect("token request");
    let status = r.status().as_u16();
    let body: Value = r.json().await.expect("JSON body");
    (status, body)
}

/// Builds a certificate client assertion from the client's PEM file (key + certificate).
pub fn cert_assertion(sim: &SimProc, aud: &str) -> String {
    let pem = std::fs::read_to_string(sim.s("client_certificate")).expect("cert file");
    let key_end =
        pem.find("-----END PRIVATE KEY-----").expect("key") + "-----END PRIVATE KEY-----".len();
    let key_pem = &pem[..key_end];
    let cert_b64: String = pem[key_end..]
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.trim().is_empty())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(cert_b64)
        .expect("cert base64");
    use sha2::Digest;
    let x5t256 = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&der));
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    h.x5t_s256 = Some(x5t256);
    let client = sim.env("AZURE_CLIENT_ID").unwrap_or_default();
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"iss": client, "sub": client, "aud": aud, "jti": uuid::Uuid::new_v4().to_string(), "nbf": now, "exp": now + 600, "iat": now});
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(key_pem.as_bytes()).expect("key");
    jsonwebtoken::encode(&h, &claims, &key).expect("sign")
}

/// Requests a token the way the scenario's client would (its credential, tenant, scope, origin).
pub async fn client_token(sim: &SimProc) -> (u16, Value) {
    let tenant = sim.env("AZURE_TENANT_ID").unwrap_or_default();
    let client = sim.env("AZURE_CLIENT_ID").unwrap_or_default();
    let v2 = sim.arg("--endpoint-version").as_deref() != Some("v1");
    let api = sim.arg("--api").unwrap_or_default();
    let resource = authcheck_model::knowledge::apis::by_key(&api)
        .map(|a| a.resource_uri.trim_end_matches('/').to_string())
        .unwrap_or_default();
    let scope = sim
        .arg("--scope")
        .unwrap_or_else(|| format!("{resource}/.default"));
    let cred = sim.arg("--credential").unwrap_or_default();
    let mut form: Vec<(&str, String)> = vec![("client_id", client)];
    if v2 {
        form.push(("scope", scope));
    } else {
        form.push(("resource", sim.arg("--resource").unwrap_or(resource)));
    }
    if let Some(s) = sim.env("AZURE_CLIENT_SECRET") {
        form.push(("client_secret", s));
    }
    match cred.as_str() {
        "password" => {
            form.push(("grant_type", "password".into()));
            form.push(("username", sim.env("AZURE_USERNAME").unwrap_or_default()));
            form.push(("password", sim.env("AZURE_PASSWORD").unwrap_or_default()));
        }
        "certificate" => {
            form.push(("grant_type", "client_credentials".into()));
            let aud = format!("{}/{tenant}/oauth2/v2.0/token", sim.s("authority"));
            form.push((
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
            ));
            form.push(("client_assertion", cert_assertion(sim, &aud)));
        }
        "federated" => {
            form.push(("grant_type", "client_credentials".into()));
            let t = std::fs::read_to_string(sim.s("federated_token_file")).expect("token file");
            form.push((
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
            ));
            form.push(("client_assertion", t));
        }
        _ => form.push(("grant_type", "client_credentials".into())),
    }
    let origin = sim.arg("--origin");
    token(sim, &tenant, v2, &form, origin.as_deref()).await
}

/// Asserts an Entra error body: the fields, the code, the description's lines.
pub fn assert_aad_error(status: u16, body: &Value, want_status: u16, want_error: &str, code: i64) {
    assert_eq!(status, want_status, "status; body {body}");
    assert_eq!(body["error"], want_error, "error; body {body}");
    assert_eq!(
        body["error_codes"],
        json!([code]),
        "error_codes; body {body}"
    );
    let d = body["error_description"].as_str().unwrap_or("");
    assert!(d.starts_with(&format!("AADSTS{code}: ")), "description {d}");
    assert!(d.contains("\r\nTrace ID: "), "{d}");
    assert!(d.contains("\r\nCorrelation ID: "), "{d}");
    assert!(d.contains("\r\nTimestamp: "), "{d}");
    for k in ["timestamp", "trace_id", "correlation_id"] {
        assert!(body[k].is_string(), "{k} in {body}");
    }
    assert_eq!(
        body["error_uri"],
        format!("https://login.microsoftonline.com/error?code={code}")
    );
}

/// The claims of a JWT after checking its signature against the simulator's JWKS.
pub async fn verified_claims(sim: &SimProc, tenant: &str, jwt: &str) -> Value {
    let jwks: Value = http()
        .get(format!(
            "{}/{tenant}/discovery/v2.0/keys",
            sim.s("authority")
        ))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("jwks json");
    let header = jsonwebtoken::decode_header(jwt).expect("header");
    let kid = header.kid.expect("kid");
    let jwk = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("kid published");
    let key = jsonwebtoken::DecodingKey::from_rsa_components(
        jwk["n"].as_str().unwrap(),
        jwk["e"].as_str().unwrap(),
    )
    .expect("key");
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.validate_aud = false;
    jsonwebtoken::decode::<Value>(jwt, &key, &v)
        .expect("signature verifies")
        .claims
}

/// GET with a bearer token; returns status, `WWW-Authenticate` and the JSON body (Null if none).
pub async fn get(url: &str, token: Option<&str>) -> (u16, Option<String>, Value) {
    let mut rb = http().get(url);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    let r = rb.send().await.expect("request");
    let status = r.status().as_u16();
    let www = r
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let body = r.json().await.unwrap_or(Value::Null);
    (status, www, body)
}
