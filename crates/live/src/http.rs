//! The one HTTP helper every live source uses: a per-request timeout, bounded retries of 429 and
//! 503 that honour `Retry-After`, the loopback-only rule for `http://`, and a record of each
//! request's latency (for the benchmark) that never holds a header or a body.
//!
//! Sources build a [`Req`], send it here and read the [`Reply`]; none of them retries on its own.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a request failed before any HTTP status came back (or after retries ran out of time).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum HttpError {
    /// The URL is not one authcheck will send to (`http://` to a non-loopback host, a bad URL).
    #[error("refused to send to {url}: {reason}")]
    Refused { url: String, reason: String },
    /// No answer within the timeout.
    #[error("{host}: no answer within {secs} s")]
    Timeout { host: String, secs: u64 },
    /// Could not connect, or the connection was reset.
    #[error("{host}: {detail}")]
    Connect { host: String, detail: String },
    /// The answer's body could not be read whole (cut off, reset mid-body).
    #[error("{host}: the answer was cut off ({detail})")]
    Body { host: String, detail: String },
}

impl HttpError {
    /// A short reason for a check's detail line.
    pub fn short(&self) -> String {
        self.to_string()
    }
}

/// A request, kept as parts so it can be sent again on a retry.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// `application/x-www-form-urlencoded` fields. Their values may be secrets: never logged.
    pub form: Option<Vec<(String, String)>>,
    /// A JSON body (the repairs' Graph and ARM writes). Never logged either.
    pub json: Option<serde_json::Value>,
    /// What the request is for, in the latency record (`token`, `graph.application`, …).
    pub label: String,
}

impl Req {
    pub fn get(url: impl Into<String>, label: impl Into<String>) -> Self {
        Req {
            method: reqwest::Method::GET,
            url: url.into(),
            headers: Vec::new(),
            form: None,
            json: None,
            label: label.into(),
        }
    }

    /// A write with a JSON body (`POST`, `PATCH`, `PUT`).
    pub fn write_json(
        method: reqwest::Method,
        url: impl Into<String>,
        body: serde_json::Value,
        label: impl Into<String>,
    ) -> Self {
        Req {
            method,
            url: url.into(),
            headers: Vec::new(),
            form: None,
            json: Some(body),
            label: label.into(),
        }
    }

    pub fn post_form(
        url: impl Into<String>,
        form: Vec<(String, String)>,
        label: impl Into<String>,
    ) -> Self {
        Req {
            method: reqwest::Method::POST,
            url: url.into(),
            headers: Vec::new(),
            form: Some(form),
            json: None,
            label: label.into(),
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("Authorization", format!("Bearer {token}"))
    }
}

/// An answer that came back with a status.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
    /// Tries it took (1 when the first answer was kept).
    pub attempts: u32,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// Seconds the server asked to wait (`Retry-After` as seconds; an HTTP date is not used).
    pub fn retry_after(&self) -> Option<u64> {
        self.header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
    }
}

/// The latency of everything sent before a request in its chain of dependent requests. Each
/// request returns the chain extended by itself, so the longest chain is the largest value seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Chain(pub Duration);

/// One request in the latency record: no URL query, header or body, only what it was for.
#[derive(Debug, Clone)]
pub struct Sent {
    pub label: String,
    pub status: Option<u16>,
    pub attempts: u32,
    /// Time from the first try to the kept answer, retries and waits included.
    pub latency: Duration,
    /// The chain's latency including this request.
    pub chain: Duration,
}

/// Timeouts and retry bounds.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Per try.
    pub timeout: Duration,
    /// Retries after the first try, for 429 and 503 only.
    pub max_retries: u32,
    /// The longest wait between tries: a `Retry-After` beyond it ends the retries (the answer is
    /// kept and reported) rather than asking again sooner than the service said.
    pub max_wait: Duration,
    /// The wait when the server gives no `Retry-After` (doubled on each retry).
    pub base_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(10),
            max_retries: 2,
            max_wait: Duration::from_secs(5),
            base_wait: Duration::from_millis(200),
        }
    }
}

/// The shared client.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    pub limits: Limits,
    record: Arc<Mutex<Vec<Sent>>>,
}

/// True for `localhost`, `127.0.0.0/8` and `::1`.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The host (and port) of a URL, for messages and host checks.
pub fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| url.to_string())
}

/// The instance metadata service: link-local, answered by the host itself, `http://` by design.
pub const IMDS_HOST: &str = "169.254.169.254";

/// Checks that authcheck may send to `url`: `https://`, or `http://` to a loopback host (or to
/// the instance metadata service, which never leaves the machine).
pub fn check_url(url: &str) -> Result<reqwest::Url, HttpError> {
    let refused = |reason: &str| HttpError::Refused {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let u = reqwest::Url::parse(url).map_err(|e| refused(&format!("not a URL ({e})")))?;
    let host = u.host_str().ok_or_else(|| refused("no host"))?.to_string();
    match u.scheme() {
        "https" => Ok(u),
        "http" if is_loopback(&host) || host == IMDS_HOST => Ok(u),
        "http" => Err(refused(
            "http:// is accepted for loopback hosts only; use https://",
        )),
        other => Err(refused(&format!("unsupported scheme {other}"))),
    }
}

impl Http {
    /// A client honouring `HTTPS_PROXY`/`NO_PROXY`, trusting the extra roots of `ca_pem` too.
    pub fn new(limits: Limits, ca_pem: Option<&[u8]>) -> Result<Http, String> {
        let mut b = reqwest::Client::builder()
            .timeout(limits.timeout)
            .connect_timeout(limits.timeout)
            .user_agent(concat!("authcheck/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| format!("not a PEM certificate bundle: {e}"))?;
            if certs.is_empty() {
                return Err("holds no PEM certificate".into());
            }
            b = b.tls_certs_merge(certs);
        }
        let client = b.build().map_err(|e| e.to_string())?;
        Ok(Http {
            client,
            limits,
            record: Arc::new(Mutex::new(Vec::new())),
        })
    }

    /// Every request sent so far.
    pub fn sent(&self) -> Vec<Sent> {
        self.record.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Sends `req`, retrying 429 and 503 a bounded number of times. Returns the kept answer and the
    /// chain extended by this request's latency.
    pub async fn send(&self, req: &Req, chain: Chain) -> (Result<Reply, HttpError>, Chain) {
        let started = Instant::now();
        let (result, attempts) = self.send_inner(req).await;
        let latency = started.elapsed();
        let chain = Chain(chain.0 + latency);
        if let Ok(mut r) = self.record.lock() {
            r.push(Sent {
                label: req.label.clone(),
                status: result.as_ref().ok().map(|r| r.status),
                attempts,
                latency,
                chain: chain.0,
            });
        }
        (result, chain)
    }

    async fn send_inner(&self, req: &Req) -> (Result<Reply, HttpError>, u32) {
        let url = match check_url(&req.url) {
            Ok(u) => u,
            Err(e) => return (Err(e), 0),
        };
        let host = host_of(&req.url);
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let out = self.try_once(req, &url, &host).await;
            let wait = match &out {
                Ok(r)
                    if (r.status == 429 || r.status == 503)
                        && attempt <= self.limits.max_retries =>
                {
                    match r.retry_after().map(Duration::from_secs) {
                        // Asked to wait longer than a run should: keep the answer, do not ask early.
                        Some(asked) if asked > self.limits.max_wait => None,
                        Some(asked) => Some(asked),
                        None => Some(self.limits.base_wait * 2u32.pow(attempt - 1)),
                    }
                }
                // A reset or a cut-off answer is worth one more try, like a 503.
                Err(HttpError::Connect { .. } | HttpError::Body { .. })
                    if attempt <= self.limits.max_retries.min(1) =>
                {
                    Some(self.limits.base_wait)
                }
                _ => None,
            };
            match wait {
                Some(w) => tokio::time::sleep(w).await,
                None => {
                    return (
                        out.map(|mut r| {
                            r.attempts = attempt;
                            r
                        }),
                        attempt,
                    )
                }
            }
        }
    }

    async fn try_once(
        &self,
        req: &Req,
        url: &reqwest::Url,
        host: &str,
    ) -> Result<Reply, HttpError> {
        let mut b = self.client.request(req.method.clone(), url.clone());
        for (k, v) in &req.headers {
            b = b.header(k, v);
        }
        if let Some(f) = &req.form {
            b = b.form(f);
        }
        if let Some(j) = &req.json {
            b = b
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(j.to_string());
        }
        let secs = self.limits.timeout.as_secs().max(1);
        let resp = b.send().await.map_err(|e| classify(&e, host, secs))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| match classify(&e, host, secs) {
                HttpError::Connect { host, detail } => HttpError::Body { host, detail },
                other => other,
            })?;
        Ok(Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            attempts: 1,
        })
    }
}

/// How a JSON read (Graph, ARM, a data plane) ended when it did not give a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadError {
    /// No answer at all.
    Http(HttpError),
    /// An answer with a status and, when the body is JSON, the service's error code and message.
    Status {
        status: u16,
        code: Option<String>,
        message: Option<String>,
        /// The whole body as JSON, for sources that read more from it.
        body: Option<serde_json::Value>,
    },
    /// A success whose body is not JSON (an HTML page, a cut body).
    Unreadable(String),
}

impl ReadError {
    /// A short reason for a check's detail line (the service's code and message, no body).
    pub fn short(&self) -> String {
        match self {
            ReadError::Http(e) => e.short(),
            ReadError::Status {
                status,
                code,
                message,
                ..
            } => {
                let mut s = format!("HTTP {status}");
                if let Some(c) = code {
                    s.push_str(&format!(" {c}"));
                }
                if let Some(m) = message {
                    let m: String = m.chars().take(160).collect();
                    s.push_str(&format!(": {m}"));
                }
                s
            }
            ReadError::Unreadable(w) => w.clone(),
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ReadError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The service's error code and message: `{"error": {"code", "message"}}` (Graph, ARM, Log
/// Analytics), `{"error": "…", "error_description"}` (OAuth), `{"errorCode", "errorMessage"}`
/// (Purview's Atlas catalog), or `{"code", "message"}`.
pub fn service_error(json: &serde_json::Value) -> (Option<String>, Option<String>) {
    let s = |v: Option<&serde_json::Value>| v.and_then(|x| x.as_str()).map(str::to_string);
    let e = json.get("error");
    let code = s(e.and_then(|e| e.get("code")))
        .or_else(|| s(e))
        .or_else(|| s(json.get("errorCode")))
        .or_else(|| s(json.get("code")));
    let message = s(e.and_then(|e| e.get("message")))
        .or_else(|| s(json.get("error_description")))
        .or_else(|| s(json.get("errorMessage")))
        .or_else(|| s(json.get("message")));
    (code, message)
}

/// Says what a body that is not JSON looks like, without quoting it.
pub fn describe_non_json(reply: &Reply) -> String {
    let ct = reply
        .header("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    let t = reply.body.trim_start();
    let head = t.get(..200).unwrap_or(t).to_ascii_lowercase();
    if ct.contains("html") || head.starts_with("<!doctype html") || head.starts_with("<html") {
        format!(
            "HTTP {} with an HTML page instead of JSON (a proxy, firewall or captive portal answered?)",
            reply.status
        )
    } else if t.is_empty() {
        format!("HTTP {} with an empty body", reply.status)
    } else if t.starts_with('{') || t.starts_with('[') {
        format!("HTTP {} with a JSON body that was cut off", reply.status)
    } else {
        format!("HTTP {} with a body that is not JSON", reply.status)
    }
}

impl Http {
    /// GETs JSON with a bearer token. The token goes to `url` only; callers check the host.
    pub async fn get_json(
        &self,
        url: &str,
        token: &str,
        label: &str,
        chain: Chain,
    ) -> (Result<serde_json::Value, ReadError>, Chain) {
        let req = Req::get(url, label).bearer(token);
        let (reply, chain) = self.send(&req, chain).await;
        (read_json(reply), chain)
    }
}

/// Reads an answer as JSON, or says why it is not a usable one.
pub fn read_json(reply: Result<Reply, HttpError>) -> Result<serde_json::Value, ReadError> {
    let reply = reply.map_err(ReadError::Http)?;
    let json = reply.json();
    if reply.is_success() {
        return json.ok_or_else(|| ReadError::Unreadable(describe_non_json(&reply)));
    }
    let (code, message) = match &json {
        Some(j) => service_error(j),
        None => (None, Some(describe_non_json(&reply))),
    };
    Err(ReadError::Status {
        status: reply.status,
        code,
        message,
        body: json,
    })
}

/// Turns a reqwest error into a short reason that names no URL query or secret.
fn classify(e: &reqwest::Error, host: &str, secs: u64) -> HttpError {
    if e.is_timeout() {
        return HttpError::Timeout {
            host: host.to_string(),
            secs,
        };
    }
    let detail = if e.is_connect() {
        "could not connect".to_string()
    } else if e.is_body() || e.is_decode() {
        "body could not be read".to_string()
    } else {
        // The innermost cause names what happened (reset, closed) without the request.
        let mut src: &dyn std::error::Error = e;
        while let Some(s) = src.source() {
            src = s;
        }
        let s = src.to_string();
        if s.is_empty() {
            "the connection failed".to_string()
        } else {
            format!("the connection failed: {s}")
        }
    };
    if e.is_body() || e.is_decode() {
        HttpError::Body {
            host: host.to_string(),
            detail,
        }
    } else {
        HttpError::Connect {
            host: host.to_string(),
            detail,
        }
    }
}

/// Where live sources report each check as it starts and ends (the doctor's progress display and
/// the report's `checks`). Sources only say what happened; the doctor decides how to show it.
pub trait Track: Send + Sync {
    fn start(&self, name: &str);
    fn done(&self, name: &str, status: authcheck_model::report::CheckStatus, detail: String);
    /// Words for the person at the terminal (Entra's device-code message, a URL to open): on
    /// stderr, above a live display rather than under its redraws.
    fn say(&self, text: &str) {
        eprintln!("authcheck: {text}");
    }
}

/// A tracker that records nothing (library use, tests).
pub struct NoTrack;

impl Track for NoTrack {
    fn start(&self, _name: &str) {}
    fn done(&self, _name: &str, _status: authcheck_model::report::CheckStatus, _detail: String) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_error_shapes() {
        let j = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
        assert_eq!(
            service_error(&j(
                r#"{"error":{"code":"AuthorizationFailed","message":"m"}}"#
            )),
            (Some("AuthorizationFailed".into()), Some("m".into()))
        );
        assert_eq!(
            service_error(&j(
                r#"{"requestId":"r","errorCode":"ATLAS-403-00-001","errorMessage":"m"}"#
            )),
            (Some("ATLAS-403-00-001".into()), Some("m".into()))
        );
        assert_eq!(
            service_error(&j(r#"{"error":"invalid_client","error_description":"d"}"#)),
            (Some("invalid_client".into()), Some("d".into()))
        );
    }

    #[test]
    fn http_only_on_loopback() {
        assert!(check_url("http://127.0.0.1:8080/x").is_ok());
        assert!(check_url("http://localhost/x").is_ok());
        assert!(check_url("http://[::1]:9/x").is_ok());
        assert!(check_url("https://login.microsoftonline.com/x").is_ok());
        assert!(matches!(
            check_url("http://login.microsoftonline.com/x"),
            Err(HttpError::Refused { .. })
        ));
        assert!(check_url("ftp://127.0.0.1/").is_err());
    }
}
