//! Delegated sign-in the way people sign in, as a probe: the device authorization grant (Entra's
//! message shown, the token endpoint polled at the interval it gives) and the authorization code
//! with PKCE on a loopback redirect URI (the system browser opened, or the URL printed). Whatever
//! Entra answers — a token, a refusal at the token endpoint, or an error sent back to the redirect
//! URI — becomes the token request's outcome, so the rules judge it like any token error.
//!
//! Nothing secret is printed: not the device code, not the authorization code, not the PKCE
//! verifier. The user code is meant to be read by the user; it is in Entra's message.

use crate::credential::Secret;
use crate::http::{Chain, Http, Req};
use crate::token_endpoint::{self, Endpoint, Outcome, TokenRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Where the sign-in's words for the user go (stderr in the binary; a test may collect them).
pub type Say<'a> = &'a (dyn Fn(&str) + Sync);

fn base(req: &TokenRequest) -> String {
    format!("{}/{}", req.authority.trim_end_matches('/'), req.tenant)
}

/// A number Entra may write as a JSON number (v2) or a string (v1).
fn number(v: &serde_json::Value, key: &str) -> Option<u64> {
    let x = v.get(key)?;
    x.as_u64()
        .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))
}

/// The device authorization grant: asks for a code, shows Entra's message, and polls until the
/// sign-in ends one way or the other.
pub async fn device_code(
    http: &Http,
    req: &TokenRequest,
    say: Say<'_>,
    chain: Chain,
) -> (Outcome, Chain) {
    let (url, mut fields) = match req.endpoint {
        Endpoint::V2 => (
            format!("{}/oauth2/v2.0/devicecode", base(req)),
            vec![("scope".to_string(), req.scope.clone().unwrap_or_default())],
        ),
        Endpoint::V1 => (
            format!("{}/oauth2/devicecode", base(req)),
            vec![(
                "resource".to_string(),
                req.resource.clone().unwrap_or_default(),
            )],
        ),
    };
    fields.insert(0, ("client_id".into(), req.client_id.clone()));
    let (reply, mut chain) = http
        .send(&Req::post_form(url, fields, "token.devicecode"), chain)
        .await;
    let reply = match reply {
        Ok(r) => r,
        Err(e) => return (Outcome::Failed(e), chain),
    };
    let Some(json) = reply.json() else {
        return (
            Outcome::Unreadable {
                status: reply.status,
                what: token_endpoint::describe_non_json(&reply),
            },
            chain,
        );
    };
    if !reply.is_success() {
        return (
            Outcome::Refused {
                response: Box::new(token_endpoint::parse_error(reply.status, &json)),
            },
            chain,
        );
    }
    let (Some(device_code), Some(message)) = (
        json.get("device_code").and_then(|v| v.as_str()),
        json.get("message").and_then(|v| v.as_str()),
    ) else {
        return (
            Outcome::Unreadable {
                status: reply.status,
                what: "a device-code answer without device_code or message".into(),
            },
            chain,
        );
    };
    let device_code = Secret::new(device_code);
    say(message);
    let mut interval = number(&json, "interval").unwrap_or(5);
    let expires_in = number(&json, "expires_in").unwrap_or(900);
    let started = tokio::time::Instant::now();
    // Entra ends the flow with `expired_token`; this bound only guards against a silent server.
    let give_up = Duration::from_secs(expires_in + 2 * interval + 5);
    loop {
        tokio::time::sleep(Duration::from_secs(interval)).await;
        if started.elapsed() > give_up {
            return (
                Outcome::NotMade(format!(
                    "the device code lapsed after {expires_in} s without an answer from Entra"
                )),
                chain,
            );
        }
        let code_field = match req.endpoint {
            Endpoint::V2 => "device_code",
            Endpoint::V1 => "code",
        };
        let mut f = vec![
            ("grant_type".to_string(), DEVICE_GRANT.to_string()),
            ("client_id".to_string(), req.client_id.clone()),
            (code_field.to_string(), device_code.expose().to_string()),
        ];
        if let (Endpoint::V1, Some(r)) = (req.endpoint, &req.resource) {
            f.push(("resource".into(), r.clone()));
        }
        let (reply, c) = http
            .send(&Req::post_form(req.url(), f, "token.request"), chain)
            .await;
        chain = c;
        let outcome = token_endpoint::read_reply(reply);
        if let Outcome::Refused { response } = &outcome {
            match response.error.as_deref() {
                Some("authorization_pending") => continue,
                Some("slow_down") => {
                    // RFC 8628: five seconds more between polls from now on.
                    interval += 5;
                    continue;
                }
                _ => {}
            }
        }
        return (outcome, chain);
    }
}

/// A PKCE pair: the verifier kept in memory, the S256 challenge sent.
fn pkce() -> (Secret, String) {
    use sha2::Digest;
    let mut bytes = Vec::with_capacity(32);
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    let verifier = URL_SAFE_NO_PAD.encode(&bytes);
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    (Secret::new(verifier), challenge)
}

/// The authorize URL of a browser sign-in.
fn authorize_url(
    req: &TokenRequest,
    redirect_uri: &str,
    state: &str,
    challenge: &str,
) -> Result<reqwest::Url, String> {
    let path = match req.endpoint {
        Endpoint::V1 => "oauth2/authorize",
        Endpoint::V2 => "oauth2/v2.0/authorize",
    };
    let mut url =
        reqwest::Url::parse(&format!("{}/{path}", base(req))).map_err(|e| e.to_string())?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("client_id", &req.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("response_mode", "query");
        if let Some(s) = &req.scope {
            q.append_pair("scope", s);
        }
        if let Some(r) = &req.resource {
            q.append_pair("resource", r);
        }
        q.append_pair("state", state)
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("prompt", "select_account");
    }
    Ok(url)
}

/// Opens `url` in the system browser: `$BROWSER` (a `:`-separated list, as Python's webbrowser
/// reads it), then the platform's opener. False when none could start.
pub fn open_browser(url: &str, browser_var: Option<&str>) -> bool {
    let mut candidates: Vec<Vec<String>> = Vec::new();
    if let Some(b) = browser_var.filter(|b| !b.trim().is_empty()) {
        for cmd in b.split(':').filter(|c| !c.trim().is_empty()) {
            candidates.push(vec![cmd.trim().to_string()]);
        }
    } else if cfg!(target_os = "macos") {
        candidates.push(vec!["open".into()]);
    } else if cfg!(windows) {
        candidates.push(vec![
            "cmd".into(),
            "/C".into(),
            "start".into(),
            String::new(),
        ]);
    } else {
        candidates.push(vec!["xdg-open".into()]);
    }
    candidates.into_iter().any(|argv| {
        let mut cmd = std::process::Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        cmd.status().is_ok_and(|s| s.success())
    })
}

/// What came back to the loopback redirect URI.
struct Returned {
    params: Vec<(String, String)>,
}

impl Returned {
    fn get(&self, k: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

/// Waits for the browser's request to the redirect URI; answers it with a page saying where to
/// look next. Other requests (a favicon) get a 404 and the wait goes on.
async fn wait_for_redirect(
    listener: tokio::net::TcpListener,
    path: &str,
    limit: Duration,
) -> Result<Returned, String> {
    let wait = async {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                continue;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
                match sock.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let head = String::from_utf8_lossy(&buf);
            let target = head
                .lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .unwrap_or("")
                .to_string();
            let (p, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
            let params: Vec<(String, String)> = url_pairs(query);
            let ours = p == path || p.trim_end_matches('/') == path.trim_end_matches('/');
            if !ours || !params.iter().any(|(k, _)| k == "code" || k == "error") {
                let _ = sock
                    .write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    )
                    .await;
                continue;
            }
            let body = "<!DOCTYPE html><html><head><link rel=\"icon\" href=\"data:,\"><title>authcheck</title></head><body><p>Sign-in finished. You can close this window and return to authcheck.</p></body></html>";
            let _ = sock
                .write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                )
                .await;
            return Returned { params };
        }
    };
    tokio::time::timeout(limit, wait).await.map_err(|_| {
        format!(
            "no sign-in came back to the redirect URI within {} s",
            limit.as_secs()
        )
    })
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

/// The loopback redirect URI to listen on: the one given (it must be `http://localhost` or
/// `http://127.0.0.1`, with or without a port), or `http://localhost:PORT` on a free port.
async fn listen(
    redirect_uri: Option<&str>,
) -> Result<(tokio::net::TcpListener, String, String), String> {
    let Some(r) = redirect_uri else {
        let l = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| format!("cannot listen on a loopback port: {e}"))?;
        let port = l.local_addr().map_err(|e| e.to_string())?.port();
        return Ok((l, format!("http://localhost:{port}"), "/".into()));
    };
    let u = reqwest::Url::parse(r).map_err(|e| format!("--redirect-uri {r}: {e}"))?;
    let host = u.host_str().unwrap_or("");
    if u.scheme() != "http" || !matches!(host, "localhost" | "127.0.0.1") {
        return Err(format!(
            "--redirect-uri {r}: a browser sign-in listens on a loopback redirect URI (http://localhost[:PORT][/path])"
        ));
    }
    let l = tokio::net::TcpListener::bind(("127.0.0.1", u.port().unwrap_or(0)))
        .await
        .map_err(|e| format!("--redirect-uri {r}: cannot listen there: {e}"))?;
    let port = l.local_addr().map_err(|e| e.to_string())?.port();
    let path = u.path().to_string();
    let uri = if u.port().is_some() {
        r.to_string()
    } else {
        format!(
            "http://{host}:{port}{}",
            if path == "/" && !r.ends_with('/') {
                ""
            } else {
                path.as_str()
            }
        )
    };
    Ok((l, uri, path))
}

/// The authorization code with PKCE on a loopback redirect URI, redeemed at the token endpoint.
pub async fn browser(
    http: &Http,
    req: &TokenRequest,
    redirect_uri: Option<&str>,
    browser_var: Option<&str>,
    limit: Duration,
    say: Say<'_>,
    chain: Chain,
) -> (Outcome, Chain) {
    let (listener, redirect_uri, path) = match listen(redirect_uri).await {
        Ok(x) => x,
        Err(e) => return (Outcome::NotMade(e), chain),
    };
    // A silent authorize request first: a client, tenant or redirect URI Entra refuses is answered
    // with an error page, which no redirect would ever carry back. Found here, no browser opens.
    let (probe, chain) =
        token_endpoint::authorize_probe(http, req, Some(&redirect_uri), chain).await;
    if !matches!(probe, Outcome::NotMade(_)) {
        return (probe, chain);
    }
    let (verifier, challenge) = pkce();
    let state = uuid::Uuid::new_v4().simple().to_string();
    let url = match authorize_url(req, &redirect_uri, &state, &challenge) {
        Ok(u) => u,
        Err(e) => return (Outcome::NotMade(e), chain),
    };
    let url_s = url.to_string();
    if let Err(e) = crate::http::check_url(&url_s) {
        return (Outcome::Failed(e), chain);
    }
    let opened = open_browser(&url_s, browser_var);
    if opened {
        say(&format!(
            "A web browser has been opened at {url_s}. Continue the sign-in there (authcheck waits at {redirect_uri})."
        ));
    } else {
        say(&format!(
            "No web browser could be opened. Open this URL to sign in (authcheck waits at {redirect_uri}): {url_s}"
        ));
    }
    let started = std::time::Instant::now();
    let back = match wait_for_redirect(listener, &path, limit).await {
        Ok(b) => b,
        Err(e) => return (Outcome::NotMade(e), chain),
    };
    let chain = Chain(chain.0 + started.elapsed());
    if back.get("state") != Some(state.as_str()) {
        return (
            Outcome::NotMade(
                "the redirect came back without this sign-in's state: not trusted, nothing redeemed".into(),
            ),
            chain,
        );
    }
    if let Some(error) = back.get("error") {
        let body = serde_json::json!({
            "error": error,
            "error_description": back.get("error_description"),
            "error_uri": back.get("error_uri"),
        });
        let mut r = token_endpoint::parse_error(400, &body);
        // A redirect has no HTTP status of its own to report.
        r.status = None;
        return (
            Outcome::Refused {
                response: Box::new(r),
            },
            chain,
        );
    }
    let Some(code) = back.get("code").map(Secret::new) else {
        return (
            Outcome::NotMade("the redirect carried neither code nor error".into()),
            chain,
        );
    };
    let mut f = vec![
        ("grant_type".to_string(), "authorization_code".to_string()),
        ("client_id".to_string(), req.client_id.clone()),
        ("code".to_string(), code.expose().to_string()),
        ("redirect_uri".to_string(), redirect_uri.clone()),
        ("code_verifier".to_string(), verifier.expose().to_string()),
    ];
    if let Some(s) = &req.scope {
        f.push(("scope".into(), s.clone()));
    }
    if let Some(r) = &req.resource {
        f.push(("resource".into(), r.clone()));
    }
    let (reply, chain) = http
        .send(&Req::post_form(req.url(), f, "token.request"), chain)
        .await;
    (token_endpoint::read_reply(reply), chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_is_the_s256_of_the_verifier() {
        use sha2::Digest;
        let (v, c) = pkce();
        assert!(v.expose().len() >= 43);
        assert_eq!(
            c,
            URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(v.expose().as_bytes()))
        );
    }

    #[cfg(unix)]
    #[test]
    fn browser_opener_falls_through_to_the_next_and_reports_failure() {
        // `$BROWSER` is a `:`-separated list tried in order; a failing opener is not an opened
        // browser, so the doctor prints the URL instead.
        assert!(!open_browser("http://127.0.0.1:1/", Some("false")));
        assert!(!open_browser(
            "http://127.0.0.1:1/",
            Some("/nonexistent/browser")
        ));
        assert!(open_browser("http://127.0.0.1:1/", Some("false:true")));
    }

    #[test]
    fn numbers_as_v1_and_v2_write_them() {
        let v = serde_json::json!({"a": 5, "b": "900"});
        assert_eq!(number(&v, "a"), Some(5));
        assert_eq!(number(&v, "b"), Some(900));
    }
}
