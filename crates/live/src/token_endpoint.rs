//! The Entra token endpoint and tenant discovery, probed live: the token request made as the user's
//! own code makes it (v1 `resource` or v2 `scope`, its `Origin` header, its credential), the exact
//! error body captured, and the tenant's OpenID configuration and signing keys.
//!
//! Only the authority host ever sees the credential.

use super::credential::{Credential, Secret};
use super::http::{Chain, Http, HttpError, Reply, Req};
use authcheck_model::evidence::{Evidence, Response};

/// v1 (`/oauth2/token`, `resource`) or v2 (`/oauth2/v2.0/token`, `scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Endpoint {
    V1,
    V2,
}

impl Endpoint {
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::V1 => "v1",
            Endpoint::V2 => "v2",
        }
    }
}

/// The token request as the user's code makes it.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// `https://login.microsoftonline.com` (no trailing slash), or a loopback simulator.
    pub authority: String,
    /// The tenant segment as written.
    pub tenant: String,
    pub endpoint: Endpoint,
    pub client_id: String,
    /// v1 `resource`.
    pub resource: Option<String>,
    /// v2 `scope`, as written (space separated).
    pub scope: Option<String>,
    /// The `Origin` header the user's client sends.
    pub origin: Option<String>,
}

impl TokenRequest {
    pub fn url(&self) -> String {
        match self.endpoint {
            Endpoint::V1 => format!("{}/{}/oauth2/token", self.authority, self.tenant),
            Endpoint::V2 => format!("{}/{}/oauth2/v2.0/token", self.authority, self.tenant),
        }
    }

    /// The authority host without scheme, for evidence.
    pub fn authority_host(&self) -> String {
        super::http::host_of(&self.authority)
    }
}

/// How the token request ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A token came back. Kept in memory only, to decode it and to call the API with it.
    Issued {
        access_token: Secret,
        refresh_token: Option<Secret>,
        /// How many tries it took (more than 1: the endpoint throttled or failed first).
        attempts: u32,
    },
    /// Entra answered with an error (the body is in `response`).
    Refused { response: Box<Response> },
    /// The answer was not a token response at all (an HTML page from a proxy, a cut body).
    Unreadable { status: u16, what: String },
    /// No answer.
    Failed(HttpError),
    /// The request was not made (an access token was supplied, or the credential could not sign).
    NotMade(String),
}

/// The form fields of the request. Values may be secrets; they go only into the POST body.
fn form(req: &TokenRequest, cred: &Credential, now: i64) -> Result<Vec<(String, String)>, String> {
    let mut f: Vec<(String, String)> = vec![("client_id".into(), req.client_id.clone())];
    if let Some(r) = &req.resource {
        f.push(("resource".into(), r.clone()));
    }
    if let Some(s) = &req.scope {
        f.push(("scope".into(), s.clone()));
    }
    match cred {
        Credential::Secret { value, .. } => {
            f.push(("grant_type".into(), "client_credentials".into()));
            f.push(("client_secret".into(), value.expose().to_string()));
        }
        Credential::Certificate { cert, .. } => {
            let a = cert.sign_assertion(&req.client_id, &req.url(), now)?;
            f.push(("grant_type".into(), "client_credentials".into()));
            f.push((
                "client_assertion_type".into(),
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
            ));
            f.push(("client_assertion".into(), a.expose().to_string()));
        }
        Credential::Federated { assertion, .. } => {
            f.push(("grant_type".into(), "client_credentials".into()));
            f.push((
                "client_assertion_type".into(),
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
            ));
            f.push(("client_assertion".into(), assertion.expose().to_string()));
        }
        Credential::Password {
            username,
            password,
            client_secret,
        } => {
            f.push(("grant_type".into(), "password".into()));
            f.push(("username".into(), username.clone()));
            f.push(("password".into(), password.expose().to_string()));
            if let Some(s) = client_secret {
                f.push(("client_secret".into(), s.expose().to_string()));
            }
        }
        Credential::None => {
            f.push(("grant_type".into(), "client_credentials".into()));
        }
        Credential::AccessToken { .. } => return Err("an access token was supplied".into()),
        Credential::ManagedIdentity { .. } => {
            return Err("a managed identity asks IMDS, not the token endpoint".into())
        }
        Credential::Interactive { .. } => {
            return Err(
                "an interactive sign-in needs a browser; the authorize request is checked instead"
                    .into(),
            )
        }
        Credential::DeviceCode | Credential::Browser { .. } => {
            return Err("a delegated sign-in is made by the sign-in module".into())
        }
    }
    Ok(f)
}

/// The grant type the request uses.
pub fn grant_type(cred: &Credential) -> Option<&'static str> {
    match cred {
        Credential::Password { .. } => Some("password"),
        Credential::AccessToken { .. } => None,
        Credential::ManagedIdentity { .. } => None,
        Credential::Interactive { .. } | Credential::Browser { .. } => Some("authorization_code"),
        Credential::DeviceCode => Some("urn:ietf:params:oauth:grant-type:device_code"),
        _ => Some("client_credentials"),
    }
}

/// Makes the token request.
pub async fn request(
    http: &Http,
    req: &TokenRequest,
    cred: &Credential,
    chain: Chain,
    label: &str,
) -> (Outcome, Chain) {
    let now = chrono::Utc::now().timestamp();
    let fields = match form(req, cred, now) {
        Ok(f) => f,
        Err(e) => return (Outcome::NotMade(e), chain),
    };
    let mut r = Req::post_form(req.url(), fields, label);
    if let Some(o) = &req.origin {
        r = r.header("Origin", o.clone());
    }
    let (reply, chain) = http.send(&r, chain).await;
    (read_reply(reply), chain)
}

pub(crate) fn read_reply(reply: Result<Reply, HttpError>) -> Outcome {
    let reply = match reply {
        Ok(r) => r,
        Err(e) => return Outcome::Failed(e),
    };
    let Some(json) = reply.json() else {
        return Outcome::Unreadable {
            status: reply.status,
            what: describe_non_json(&reply),
        };
    };
    if reply.is_success() {
        if let Some(t) = json.get("access_token").and_then(|v| v.as_str()) {
            return Outcome::Issued {
                access_token: Secret::new(t),
                refresh_token: json
                    .get("refresh_token")
                    .and_then(|v| v.as_str())
                    .map(Secret::new),
                attempts: reply.attempts,
            };
        }
        return Outcome::Unreadable {
            status: reply.status,
            what: "a success without an access_token".into(),
        };
    }
    Outcome::Refused {
        response: Box::new(parse_error(reply.status, &json)),
    }
}

pub use super::http::describe_non_json;

/// Reads an Entra OAuth error body (token endpoint or discovery) into `response` facts.
pub fn parse_error(status: u16, json: &serde_json::Value) -> Response {
    let s = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let mut codes: Vec<i64> = json
        .get("error_codes")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|c| c.as_i64()).collect())
        .unwrap_or_default();
    let description = s("error_description");
    if let Some(d) = &description {
        for c in aadsts_codes(d) {
            if !codes.contains(&c) {
                codes.push(c);
            }
        }
    }
    let timestamp = s("timestamp");
    Response {
        status: Some(status as i64),
        error: s("error"),
        code: codes.first().copied(),
        codes,
        suberror: s("suberror"),
        claims_challenge: json.get("claims").is_some_and(|c| !c.is_null()),
        trace_id: s("trace_id"),
        correlation_id: s("correlation_id"),
        timestamp_at: timestamp.as_deref().and_then(|t| {
            chrono::NaiveDateTime::parse_from_str(t.trim_end_matches('Z'), "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|d| d.and_utc().timestamp())
                .or_else(|| {
                    chrono::DateTime::parse_from_rfc3339(t)
                        .ok()
                        .map(|d| d.timestamp())
                })
        }),
        timestamp,
        error_uri: s("error_uri"),
        messages: description.clone().into_iter().collect(),
        error_description: description,
        token_issued: false,
    }
}

/// `AADSTS65001` → 65001, every one in order.
fn aadsts_codes(text: &str) -> Vec<i64> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("AADSTS") {
        let digits: String = rest[i + 6..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        if let Ok(n) = digits.parse::<i64>() {
            if !out.contains(&n) {
                out.push(n);
            }
        }
        rest = &rest[i + 6..];
    }
    out
}

/// Redeems a refresh token once, as the user's code does when its access token runs out.
pub async fn refresh(
    http: &Http,
    req: &TokenRequest,
    cred: &Credential,
    refresh_token: &Secret,
    chain: Chain,
) -> (Outcome, Chain) {
    let mut f: Vec<(String, String)> = vec![
        ("grant_type".into(), "refresh_token".into()),
        ("client_id".into(), req.client_id.clone()),
        ("refresh_token".into(), refresh_token.expose().to_string()),
    ];
    if let Some(s) = &req.scope {
        f.push(("scope".into(), s.clone()));
    }
    if let Some(r) = &req.resource {
        f.push(("resource".into(), r.clone()));
    }
    if let Credential::Password {
        client_secret: Some(s),
        ..
    } = cred
    {
        f.push(("client_secret".into(), s.expose().to_string()));
    }
    let (reply, chain) = http
        .send(&Req::post_form(req.url(), f, "token.refresh"), chain)
        .await;
    (read_reply(reply), chain)
}

/// Asks the instance metadata service for a token (`GET /metadata/identity/oauth2/token`), as
/// azure-identity's ManagedIdentityCredential does.
pub async fn imds(
    http: &Http,
    imds_base: &str,
    resource: &str,
    client_id: Option<&str>,
    chain: Chain,
) -> (Outcome, Chain) {
    let mut url = match reqwest::Url::parse(&format!(
        "{}/metadata/identity/oauth2/token",
        imds_base.trim_end_matches('/')
    )) {
        Ok(u) => u,
        Err(e) => return (Outcome::NotMade(format!("--imds-endpoint: {e}")), chain),
    };
    url.query_pairs_mut()
        .append_pair("api-version", "2018-02-01")
        .append_pair("resource", resource);
    if let Some(c) = client_id.filter(|c| !c.is_empty()) {
        url.query_pairs_mut().append_pair("client_id", c);
    }
    let req = Req::get(url.as_str(), "token.request").header("Metadata", "true");
    let (reply, chain) = http.send(&req, chain).await;
    (read_reply(reply), chain)
}

/// Checks the authorize request of an interactive sign-in (client, tenant, redirect URI) without a
/// browser: Entra answers a bad one with an error page naming the AADSTS code.
pub async fn authorize_probe(
    http: &Http,
    req: &TokenRequest,
    redirect_uri: Option<&str>,
    chain: Chain,
) -> (Outcome, Chain) {
    let path = match req.endpoint {
        Endpoint::V1 => "oauth2/authorize",
        Endpoint::V2 => "oauth2/v2.0/authorize",
    };
    let mut url = match reqwest::Url::parse(&format!("{}/{}/{path}", req.authority, req.tenant)) {
        Ok(u) => u,
        Err(e) => return (Outcome::NotMade(e.to_string()), chain),
    };
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("client_id", &req.client_id)
            .append_pair("response_type", "code")
            .append_pair("response_mode", "query")
            .append_pair("state", "authcheck")
            .append_pair("prompt", "none");
        if let Some(s) = &req.scope {
            q.append_pair("scope", s);
        }
        if let Some(r) = &req.resource {
            q.append_pair("resource", r);
        }
        if let Some(r) = redirect_uri {
            q.append_pair("redirect_uri", r);
        }
    }
    let (reply, chain) = http
        .send(&Req::get(url.as_str(), "token.authorize"), chain)
        .await;
    let reply = match reply {
        Ok(r) => r,
        Err(e) => return (Outcome::Failed(e), chain),
    };
    // A redirect back to the app (with `error=` when sign-in cannot go on silently) means the
    // request itself was accepted.
    if (300..400).contains(&reply.status) || reply.status == 200 && !reply.body.contains("AADSTS") {
        return (
            Outcome::NotMade(
                "the authorize request was accepted; sign-in itself needs a browser".into(),
            ),
            chain,
        );
    }
    let mut scratch = authcheck_model::evidence::Evidence::default();
    if authcheck_offline::error_text::parse(&reply.body, &mut scratch) {
        let mut r = scratch.response;
        r.status = Some(reply.status as i64);
        if r.messages.is_empty() {
            if let Some(m) = page_message(&reply.body) {
                r.messages.push(m.clone());
                r.error_description.get_or_insert(m);
            }
        }
        return (
            Outcome::Refused {
                response: Box::new(r),
            },
            chain,
        );
    }
    (
        Outcome::Unreadable {
            status: reply.status,
            what: describe_non_json(&reply),
        },
        chain,
    )
}

/// `AADSTS50011: The redirect URI …` from an error page, tags and entities removed.
fn page_message(html: &str) -> Option<String> {
    let i = html.find("AADSTS")?;
    let rest = &html[i..];
    let end = rest.find('<').unwrap_or(rest.len());
    Some(
        rest[..end]
            .replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
            .trim()
            .to_string(),
    )
}

/// Records the request as the user's code makes it (facts only) and how it ended.
pub fn fill_evidence(req: &TokenRequest, cred: &Credential, outcome: &Outcome, ev: &mut Evidence) {
    let r = &mut ev.request;
    r.endpoint = authcheck_model::evidence::Endpoint::parse(req.endpoint.as_str());
    r.authority_host = Some(req.authority_host());
    r.tenant = Some(req.tenant.clone());
    r.client_id = Some(req.client_id.clone());
    r.resource = req.resource.clone();
    r.scopes = req
        .scope
        .as_deref()
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    r.origin = req.origin.clone();
    r.grant_type = grant_type(cred).map(str::to_string);
    cred.fill_request(r);
    ev.note_source("request", "doctor");
    match outcome {
        Outcome::Issued { .. } => {
            ev.response.status = Some(200);
            ev.response.token_issued = true;
            ev.note_source("response", "token-endpoint");
        }
        Outcome::Refused { response } => {
            ev.response = (**response).clone();
            ev.note_source("response", "token-endpoint");
        }
        Outcome::Unreadable { status, what } => {
            // A 5xx is a fact about the service even when its body is unreadable.
            if *status >= 500 || *status == 429 {
                ev.response.status = Some(*status as i64);
                ev.response.messages.push(what.clone());
                ev.note_source("response", "token-endpoint");
            }
        }
        Outcome::Failed(_) | Outcome::NotMade(_) => {}
    }
}

/// What tenant discovery found.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    pub issuer: Option<String>,
    pub jwks_uri: Option<String>,
    pub token_endpoint: Option<String>,
    pub cloud_instance: Option<String>,
    pub tenant_region_scope: Option<String>,
}

/// Reads `{authority}/{tenant}/v2.0/.well-known/openid-configuration`. An Entra error (unknown tenant)
/// comes back as `Err(Ok(response))`.
pub async fn discover(
    http: &Http,
    authority: &str,
    tenant: &str,
    chain: Chain,
) -> (Result<Discovery, Result<Response, String>>, Chain) {
    let url = format!("{authority}/{tenant}/v2.0/.well-known/openid-configuration");
    let (reply, chain) = http.send(&Req::get(url, "tenant.discovery"), chain).await;
    let reply = match reply {
        Ok(r) => r,
        Err(e) => return (Err(Err(e.short())), chain),
    };
    let Some(json) = reply.json() else {
        return (Err(Err(describe_non_json(&reply))), chain);
    };
    if !reply.is_success() {
        if json.get("error").is_some() {
            return (Err(Ok(parse_error(reply.status, &json))), chain);
        }
        return (Err(Err(format!("HTTP {}", reply.status))), chain);
    }
    let s = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_string);
    (
        Ok(Discovery {
            issuer: s("issuer"),
            jwks_uri: s("jwks_uri"),
            token_endpoint: s("token_endpoint"),
            cloud_instance: s("cloud_instance_name"),
            tenant_region_scope: s("tenant_region_scope"),
        }),
        chain,
    )
}

/// Fetches the signing keys (JWKS JSON text).
pub async fn fetch_jwks(
    http: &Http,
    jwks_uri: &str,
    chain: Chain,
) -> (Result<String, String>, Chain) {
    let (reply, chain) = http.send(&Req::get(jwks_uri, "tenant.jwks"), chain).await;
    let out = match reply {
        Ok(r) if r.is_success() && r.json().is_some_and(|j| j.get("keys").is_some()) => Ok(r.body),
        Ok(r) if r.is_success() => Err(describe_non_json(&r)),
        Ok(r) => Err(format!("HTTP {}", r.status)),
        Err(e) => Err(e.short()),
    };
    (out, chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_entra_error() {
        let body = serde_json::json!({
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided. Trace ID: x",
            "error_codes": [7000215],
            "timestamp": "2026-11-24 12:00:00Z",
            "trace_id": "t", "correlation_id": "c"
        });
        let r = parse_error(401, &body);
        assert_eq!(r.codes, vec![7000215]);
        assert_eq!(r.code, Some(7000215));
        assert_eq!(r.timestamp_at, Some(1795521600));
        assert_eq!(r.error.as_deref(), Some("invalid_client"));
    }

    #[test]
    fn codes_in_text() {
        assert_eq!(
            aadsts_codes("AADSTS50076: x AADSTS50079 y AADSTS50076"),
            vec![50076, 50079]
        );
    }
}
