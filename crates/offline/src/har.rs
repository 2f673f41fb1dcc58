//! HAR source: an HTTP Archive (HAR 1.2) exported from Chrome, Edge, Firefox, Safari or Fiddler,
//! read as a stream — each `log.entries[]` element is parsed, looked at and dropped, so a 1 GB file
//! costs the memory of its largest entry.
//!
//! It finds the token-endpoint requests (`/oauth2/token`, `/oauth2/v2.0/token`), authorize
//! requests and API calls answered 401/403, and picks the failing exchange: the first token-endpoint
//! error, else the first authorize error, else the first 401/403 API call. That exchange is handed
//! to the error-text parser (request facts, error body, `WWW-Authenticate`), which keeps facts about
//! secrets, never their values; bearer tokens are decoded with the JWT source. Which token went to
//! which API is noted for the reader. Entries are numbered as in `log.entries` (0-based, as `jq`
//! counts), and the chosen entry is named in `input.sources`, so findings cite it.

use super::har_walk::{walk, HarSink, Stop, WalkedEntry};
use super::{error_text, jwt, redact, ReadNote, SourceError};
use authcheck_model::evidence::Evidence;
use authcheck_model::timeline::{self, FailureCounter};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::io::BufRead;

/// Bodies longer than this are not kept for the error parser (error bodies are small).
const MAX_BODY: usize = 1024 * 1024;
/// Distinct bearer tokens remembered for the token → API note.
const MAX_TOKENS: usize = 16;

/// Reads a HAR from `reader` into `ev`.
pub fn read(reader: &mut dyn BufRead, ev: &mut Evidence) -> Result<Vec<ReadNote>, SourceError> {
    let mut st = State::default();
    let result = walk(reader, &mut st);
    let mut notes = Vec::new();
    match result {
        Err(Stop::Io(e)) => return Err(SourceError::Other(format!("cannot read: {e}"))),
        Err(Stop::NotHar(why)) => return Err(SourceError::Other(format!("not a HAR file: {why}"))),
        Err(Stop::Eof) if st.entries == 0 => {
            return Err(SourceError::Other(if st.log_seen {
                "the file ends before the first entry (truncated)".into()
            } else {
                "the file ends before its `log` object (truncated)".into()
            }))
        }
        Err(Stop::Eof) => notes.push(ReadNote::failed(
            "har.complete",
            format!(
                "the file is truncated after entry #{}; diagnosed the {} entries read",
                st.entries - 1,
                st.entries
            ),
        )),
        Ok(()) if !st.log_seen => {
            return Err(SourceError::Other("not a HAR file: no `log` object".into()))
        }
        Ok(()) => {}
    }
    if let Some((first, why)) = &st.first_skipped {
        notes.push(ReadNote::failed(
            "har.entries",
            format!(
                "{} entries could not be read and were skipped (the first, entry #{first}: {why})",
                st.skipped
            ),
        ));
    }
    if let Some(v) = &st.version {
        if v != "1.2" {
            notes.push(ReadNote::failed(
                "har.version",
                format!("HAR version {v}, not 1.2: read leniently, fields may be missing"),
            ));
        }
    }
    st.fill(ev, &mut notes)?;
    Ok(notes)
}

fn json_reason(e: &serde_json::Error) -> String {
    let kind = match e.classify() {
        serde_json::error::Category::Io => "cannot read",
        serde_json::error::Category::Syntax => "not valid JSON",
        serde_json::error::Category::Data => "unexpected JSON",
        serde_json::error::Category::Eof => "unexpected end",
    };
    // serde_json's message names the line and column, never the text itself.
    let msg = e.to_string();
    let msg = if msg.contains("invalid unicode") || msg.contains("UTF-8") || msg.contains("utf-8") {
        format!("not UTF-8 text ({msg})")
    } else {
        msg
    };
    format!("{kind}: {msg}")
}

/// A token-endpoint or authorize exchange, kept until the end (a few at most).
#[derive(Default)]
struct Exchange {
    /// `startedDateTime` (Unix seconds).
    started: Option<i64>,
    index: usize,
    method: String,
    /// Without the query string.
    url: String,
    status: i64,
    origin: Option<String>,
    /// The form body or query, secrets included: in memory only, for the error-text parser.
    form: String,
    /// The response body (error JSON or a page), and the `Location` header.
    body: String,
    location: Option<String>,
}

/// An API call answered 401/403.
#[derive(Default)]
struct ApiExchange {
    started: Option<i64>,
    index: usize,
    method: String,
    url: String,
    status: i64,
    challenges: Vec<String>,
    headers: Vec<String>,
    body: String,
    /// The bearer token it carried: in memory only, decoded at the end.
    bearer: Option<String>,
}

/// A bearer token seen in the archive: where it was issued and where it went (facts, no token).
struct TokenSeen {
    hash: [u8; 8],
    summary: String,
    issued_at_entry: Option<usize>,
    used: Vec<String>,
}

#[derive(Default)]
struct State {
    log_seen: bool,
    version: Option<String>,
    creator: Option<String>,
    entries: usize,
    token_requests: usize,
    authorize_requests: usize,
    api_failures: usize,
    first_token: Option<Exchange>,
    failed_token: Option<Exchange>,
    failed_authorize: Option<Exchange>,
    failed_api: Option<ApiExchange>,
    tokens: Vec<TokenSeen>,
    skipped: usize,
    first_skipped: Option<(usize, String)>,
    /// An entry with its bodies left out, reused from one entry to the next.
    slim: Vec<u8>,
    /// Token-endpoint, authorize and API exchanges for the HTML report's timeline.
    exchanges: Vec<timeline::Exchange>,
    exchanges_left_out: usize,
    /// Failed exchanges over time by code, for the HTML report's chart.
    over_time: FailureCounter,
}

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(*p)?;
    }
    cur.as_str()
}

fn num(v: &Value, path: &[&str]) -> Option<i64> {
    let mut cur = v;
    for p in path {
        cur = cur.get(*p)?;
    }
    as_i64(cur)
}

/// A number as HAR writers put it: an integer, a float or a string of digits.
fn as_i64(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f as i64))
        .or_else(|| v.as_str().and_then(|x| x.trim().parse().ok()))
}

/// The JWT an `Authorization: Bearer …` header carries.
fn bearer_of(authorization: Option<&str>) -> Option<String> {
    let a = authorization?.trim();
    let t = a
        .strip_prefix("Bearer ")
        .or_else(|| a.strip_prefix("bearer "))?;
    Some(t.trim().to_string()).filter(|t| jwt::looks_like_jwt(t))
}

/// What is looked at first in an entry: strings are borrowed when they have no escapes, and
/// everything not named here (bodies, timings, cookies) is skipped by the parser unread.
#[derive(serde::Deserialize)]
struct Peek<'a> {
    #[serde(rename = "startedDateTime", borrow, default)]
    started: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    request: PeekRequest<'a>,
    #[serde(default)]
    response: PeekResponse,
}

#[derive(serde::Deserialize, Default)]
struct PeekRequest<'a> {
    #[serde(borrow, default)]
    method: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    headers: Vec<PeekHeader<'a>>,
}

#[derive(serde::Deserialize, Default)]
struct PeekResponse {
    #[serde(default)]
    status: Option<Value>,
}

#[derive(serde::Deserialize)]
struct PeekHeader<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    value: Option<Cow<'a, str>>,
}

/// `name`/`value` pairs (headers, query, params), tolerant of odd shapes.
fn pairs<'a>(v: &'a Value, path: &[&str]) -> Vec<(&'a str, String)> {
    let mut cur = v;
    for p in path {
        match cur.get(*p) {
            Some(x) => cur = x,
            None => return vec![],
        }
    }
    let Some(arr) = cur.as_array() else {
        return vec![];
    };
    arr.iter()
        .filter_map(|p| {
            let name = p.get("name")?.as_str()?;
            let value = match p.get("value") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            Some((name, value))
        })
        .collect()
}

fn header<'a>(hs: &'a [(&str, String)], name: &str) -> Option<&'a str> {
    hs.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn without_query(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or(url).to_string()
}

fn host_of(url: &str) -> String {
    error_text::util::url_host(url).unwrap_or_default()
}

/// The path of a URL, without its scheme, host and query.
fn path_of(url: &str) -> String {
    let u = without_query(url);
    let rest = u.split_once("://").map(|(_, r)| r).unwrap_or(&u);
    match rest.find('/') {
        Some(i) => rest[i..].to_string(),
        None => "/".into(),
    }
}

/// `startedDateTime` as Unix seconds.
fn started_at(t: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(t.trim())
        .ok()
        .map(|t| t.timestamp())
}

/// The first `AADSTSnnnn` in a body or a redirect, as `AADSTSnnnn`.
fn aadsts_code(text: &str) -> Option<String> {
    let i = text.find("AADSTS")?;
    let digits: String = text[i + 6..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    (!digits.is_empty()).then(|| format!("AADSTS{digits}"))
}

fn is_token_url(url: &str) -> bool {
    let p = without_query(url).to_ascii_lowercase();
    p.ends_with("/oauth2/token") || p.ends_with("/oauth2/v2.0/token")
}

fn is_authorize_url(url: &str) -> bool {
    let p = without_query(url).to_ascii_lowercase();
    p.ends_with("/oauth2/authorize") || p.ends_with("/oauth2/v2.0/authorize")
}

/// The response body as text (HAR may base64-encode it), capped.
fn body_text(entry: &Value) -> String {
    let Some(text) = s(entry, &["response", "content", "text"]) else {
        return String::new();
    };
    if text.len() > MAX_BODY {
        return String::new();
    }
    if s(entry, &["response", "content", "encoding"]) == Some("base64") {
        use base64::Engine as _;
        let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        return base64::engine::general_purpose::STANDARD
            .decode(clean)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
    }
    text.to_string()
}

/// The request's form fields as one `a=b&c=d` text (or the raw body when it is not a form).
fn form_text(entry: &Value) -> String {
    let params = pairs(entry, &["request", "postData", "params"]);
    if let Some(t) = s(entry, &["request", "postData", "text"]) {
        if !t.is_empty() && t.len() <= MAX_BODY {
            return t.to_string();
        }
    }
    params
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn token_hash(raw: &str) -> [u8; 8] {
    let d = Sha256::digest(raw.as_bytes());
    let mut out = [0u8; 8];
    out.copy_from_slice(&d[..8]);
    out
}

/// Whether the string whose contents are at `contents` is the value of a `"text"` key (a
/// request or response body).
fn is_text_value(bytes: &[u8], contents: &std::ops::Range<usize>) -> bool {
    let before = bytes[..contents.start.saturating_sub(1)].trim_ascii_end();
    let Some(before) = before.strip_suffix(b":") else {
        return false;
    };
    let before = before.trim_ascii_end();
    // `"text"`, and not the end of a longer key with an escaped quote (`"a\"text"`).
    before.ends_with(b"\"text\"") && !before[..before.len() - 6].ends_with(b"\\")
}

impl HarSink for State {
    fn entry_bytes(&mut self, bytes: &[u8]) {
        State::entry_bytes(self, bytes)
    }
    fn entry(&mut self, e: &WalkedEntry<'_>) {
        State::walked_entry(self, e)
    }
    fn creator_bytes(&mut self, bytes: &[u8]) {
        State::creator_bytes(self, bytes)
    }
    fn version(&mut self, v: &str) {
        self.version = Some(v.to_string());
    }
    fn log_seen(&mut self) {
        self.log_seen = true;
    }
}

impl State {
    /// One element of `log.entries`, looked at without its bodies first: most of a HAR's bytes
    /// are bodies of page loads and API calls that only need their URL, status and bearer token
    /// looked at. Token-endpoint and authorize exchanges and 401/403 answers, whose bodies are
    /// read, and entries of an unexpected shape are parsed again whole.
    ///
    /// An entry that is not UTF-8 is parsed whole, so it is skipped with the parser's reason as
    /// before; but a body left out is not checked for bad escapes or control bytes: an entry
    /// whose only fault is there is read, not skipped.
    fn walked_entry(&mut self, e: &WalkedEntry<'_>) {
        if e.non_ascii && simdutf8::basic::from_utf8(e.bytes).is_err() {
            return self.entry_bytes(e.bytes);
        }
        let mut slim = std::mem::take(&mut self.slim);
        slim.clear();
        let mut from = 0;
        for r in e.long_strings.iter().filter(|r| is_text_value(e.bytes, r)) {
            slim.extend_from_slice(&e.bytes[from..r.start]);
            from = r.end;
        }
        let peeked = if from == 0 {
            self.peeked_entry(e.bytes)
        } else {
            slim.extend_from_slice(&e.bytes[from..]);
            self.peeked_entry(&slim)
        };
        self.slim = slim;
        if !peeked {
            self.entry_bytes(e.bytes);
        }
    }

    /// Reads an entry that is neither a token-endpoint nor an authorize exchange nor refused:
    /// only its bearer token matters. False when it is one of those, or not of the usual shape.
    fn peeked_entry(&mut self, bytes: &[u8]) -> bool {
        let Ok(p) = serde_json::from_slice::<Peek>(bytes) else {
            return false;
        };
        let url = p.request.url.as_deref().unwrap_or("");
        let status = p.response.status.as_ref().and_then(as_i64).unwrap_or(0);
        if is_token_url(url) || is_authorize_url(url) || matches!(status, 401 | 403) {
            return false;
        }
        let index = self.entries;
        self.entries += 1;
        let authorization = p
            .request
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("authorization"))
            .and_then(|h| h.value.as_deref());
        if let Some(b) = bearer_of(authorization) {
            let method = p.request.method.as_deref().unwrap_or("GET");
            self.note_use(&b, index, &method.to_ascii_uppercase(), url, status);
            let at = p.started.as_deref().and_then(started_at);
            let m = method.to_ascii_uppercase();
            self.record(index, at, "api", &m, url, status, None, status >= 400);
        }
        true
    }

    /// One element of `log.entries`, as bytes.
    fn entry_bytes(&mut self, bytes: &[u8]) {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(v) => self.entry(v),
            Err(e) => {
                let index = self.entries;
                self.entries += 1;
                self.skipped += 1;
                if self.first_skipped.is_none() {
                    self.first_skipped = Some((
                        index,
                        format!("{}, counted within the entry", json_reason(&e)),
                    ));
                }
            }
        }
    }

    fn creator_bytes(&mut self, bytes: &[u8]) {
        if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
            let name = v.get("name").and_then(Value::as_str).unwrap_or("");
            let ver = v.get("version").and_then(Value::as_str).unwrap_or("");
            if !name.is_empty() {
                self.creator = Some(format!("{name} {ver}").trim().chars().take(60).collect());
            }
        }
    }

    fn entry(&mut self, e: Value) {
        let index = self.entries;
        self.entries += 1;
        let url = s(&e, &["request", "url"]).unwrap_or("").to_string();
        let method = s(&e, &["request", "method"])
            .unwrap_or("GET")
            .to_ascii_uppercase();
        let status = num(&e, &["response", "status"]).unwrap_or(0);
        let started = s(&e, &["startedDateTime"]).and_then(started_at);
        let req_headers = pairs(&e, &["request", "headers"]);
        let resp_headers = pairs(&e, &["response", "headers"]);

        if is_token_url(&url) {
            self.token_requests += 1;
            let body = body_text(&e);
            // A token that came back is remembered (by hash) to follow it to the APIs.
            if status < 300 {
                if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(&body) {
                    if let Some(raw) = m.get("access_token").and_then(Value::as_str) {
                        self.remember_token(raw, Some(index), None);
                    }
                }
            }
            let failed = status >= 400 || body.contains("\"error\"");
            let code = if failed { aadsts_code(&body) } else { None };
            self.record(index, started, "token", &method, &url, status, code, failed);
            let keep = if failed {
                self.failed_token.is_none()
            } else {
                self.first_token.is_none()
            };
            if keep {
                let x = Exchange {
                    started,
                    index,
                    method,
                    url: without_query(&url),
                    status,
                    origin: header(&req_headers, "origin").map(str::to_string),
                    form: form_text(&e),
                    body,
                    location: None,
                };
                if failed {
                    self.failed_token = Some(x);
                } else {
                    self.first_token = Some(x);
                }
            }
            return;
        }
        if is_authorize_url(&url) {
            self.authorize_requests += 1;
            let location = header(&resp_headers, "location").map(str::to_string);
            let body = body_text(&e);
            let loc_error = location.as_deref().is_some_and(|l| l.contains("error="));
            let page_error = body.contains("AADSTS");
            let code = location
                .as_deref()
                .and_then(aadsts_code)
                .or_else(|| aadsts_code(&body));
            let failed = loc_error || page_error || status >= 400;
            self.record(
                index,
                started,
                "authorize",
                &method,
                &url,
                status,
                code,
                failed,
            );
            if (loc_error || page_error || status >= 400) && self.failed_authorize.is_none() {
                let query = url
                    .split_once('?')
                    .map(|(_, q)| q)
                    .unwrap_or("")
                    .to_string();
                self.failed_authorize = Some(Exchange {
                    started,
                    index,
                    method,
                    url: without_query(&url),
                    status,
                    origin: None,
                    form: query,
                    body: if page_error { body } else { String::new() },
                    location,
                });
            }
            return;
        }
        // Any other call: a bearer token it carried, and its answer when refused.
        let bearer = bearer_of(header(&req_headers, "authorization"));
        if let Some(b) = &bearer {
            self.note_use(b, index, &method, &url, status);
        }
        let challenges: Vec<String> = resp_headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("www-authenticate"))
            .map(|(_, v)| v.clone())
            .collect();
        if bearer.is_some() || matches!(status, 401 | 403) {
            self.record(
                index,
                started,
                "api",
                &method,
                &url,
                status,
                None,
                status >= 400,
            );
        }
        if matches!(status, 401 | 403) {
            self.api_failures += 1;
            // The first refusal of a call that carried a token or got a challenge; a refused
            // call without either (a static file, a cookie-protected page) only until one comes.
            let authish = bearer.is_some() || !challenges.is_empty();
            let replace = match &self.failed_api {
                None => true,
                Some(f) => authish && f.bearer.is_none() && f.challenges.is_empty(),
            };
            if replace {
                let keep_headers = [
                    "x-ms-request-id",
                    "request-id",
                    "x-ms-correlation-request-id",
                    "retry-after",
                    "x-ms-failure-cause",
                ];
                self.failed_api = Some(ApiExchange {
                    started,
                    index,
                    method,
                    url: redact::redact_text(&url).into_owned(),
                    status,
                    challenges,
                    headers: resp_headers
                        .iter()
                        .filter(|(n, _)| keep_headers.iter().any(|k| n.eq_ignore_ascii_case(k)))
                        .map(|(n, v)| format!("{n}: {v}"))
                        .collect(),
                    body: body_text(&e),
                    bearer,
                });
            }
        }
    }

    /// An exchange for the timeline, and a failure for the chart when it failed.
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        entry: usize,
        at: Option<i64>,
        kind: &str,
        method: &str,
        url: &str,
        status: i64,
        code: Option<String>,
        failed: bool,
    ) {
        if failed {
            let label = code.clone().unwrap_or_else(|| format!("HTTP {status}"));
            self.over_time.add(at, &label);
        }
        if self.exchanges.len() >= timeline::MAX_EXCHANGES {
            self.exchanges_left_out += 1;
            return;
        }
        self.exchanges.push(timeline::Exchange {
            entry,
            at,
            kind: kind.to_string(),
            method: method.to_string(),
            host: host_of(url),
            path: redact::redact_text(&path_of(url)).into_owned(),
            status,
            code,
            failed,
            diagnosed: false,
        });
    }

    /// A bearer token sent to an API, remembered with where it went.
    fn note_use(&mut self, bearer: &str, index: usize, method: &str, url: &str, status: i64) {
        let used = format!("#{index} {method} {} → {status}", host_of(url));
        self.remember_token(bearer, None, Some(used));
    }

    fn remember_token(&mut self, raw: &str, issued: Option<usize>, used: Option<String>) {
        let hash = token_hash(raw);
        if let Some(t) = self.tokens.iter_mut().find(|t| t.hash == hash) {
            if let Some(u) = used {
                if t.used.len() < 8 {
                    t.used.push(u);
                }
            }
            return;
        }
        if self.tokens.len() >= MAX_TOKENS {
            return;
        }
        let summary = redact::jwt_summary(raw).unwrap_or_else(|| "an opaque token".into());
        self.tokens.push(TokenSeen {
            hash,
            summary,
            issued_at_entry: issued,
            used: used.into_iter().collect(),
        });
    }

    /// Fills the evidence from the failing exchange, and notes what was read.
    fn fill(mut self, ev: &mut Evidence, notes: &mut Vec<ReadNote>) -> Result<(), SourceError> {
        ev.input.kind = Some("har".into());
        let mut exchanges = std::mem::take(&mut self.exchanges);
        ev.timeline.failures = std::mem::take(&mut self.over_time).finish();
        let creator = self
            .creator
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        let mut summary = format!(
            "read {} entries{creator}: {} token-endpoint request(s), {} authorize request(s), {} API call(s) refused with 401/403",
            self.entries, self.token_requests, self.authorize_requests, self.api_failures
        );
        // The first token-endpoint error, else the first authorize error, else the first refused
        // API call; a successful token request only when nothing failed.
        let exchange = self
            .failed_token
            .as_ref()
            .or(self.failed_authorize.as_ref())
            .or(if self.failed_api.is_none() {
                self.first_token.as_ref()
            } else {
                None
            });
        // Tokens and times are judged at the moment of the failing request, not today: a token
        // that was valid when it was sent is not the problem, even if it has expired since.
        let started = exchange.and_then(|x| x.started).or_else(|| {
            if exchange.is_none() {
                self.failed_api.as_ref().and_then(|a| a.started)
            } else {
                None
            }
        });
        // The exchange diagnosed is marked on the timeline (added when it was beyond the cap).
        let diagnosed = match (exchange, &self.failed_api) {
            (Some(x), _) => Some((
                x.index,
                x.started,
                x.method.clone(),
                x.url.clone(),
                x.status,
            )),
            (None, Some(a)) => Some((
                a.index,
                a.started,
                a.method.clone(),
                a.url.clone(),
                a.status,
            )),
            (None, None) => None,
        };
        if let Some((index, at, method, url, status)) = diagnosed {
            match exchanges.iter_mut().find(|x| x.entry == index) {
                Some(x) => x.diagnosed = true,
                None => {
                    let kind = if is_token_url(&url) {
                        "token"
                    } else if is_authorize_url(&url) {
                        "authorize"
                    } else {
                        "api"
                    };
                    exchanges.push(timeline::Exchange {
                        entry: index,
                        at,
                        kind: kind.into(),
                        method,
                        host: host_of(&url),
                        path: redact::redact_text(&path_of(&url)).into_owned(),
                        status,
                        code: None,
                        failed: true,
                        diagnosed: true,
                    });
                    self.exchanges_left_out = self.exchanges_left_out.saturating_sub(1);
                }
            }
        }
        ev.timeline.exchanges = exchanges;
        ev.timeline.exchanges_left_out = self.exchanges_left_out;
        let mut judged = None;
        if let Some(t) = started {
            ev.env.now = t;
            let iso = chrono::DateTime::from_timestamp(t, 0)
                .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default();
            judged = Some(format!("; times are judged at that request's time, {iso}"));
        }
        if let Some(x) = exchange {
            let mut text = format!("{} {}\n", x.method, x.url);
            if let Some(o) = &x.origin {
                text.push_str(&format!("Origin: {o}\n"));
            }
            if !x.form.is_empty() {
                text.push_str(&x.form);
                text.push('\n');
            }
            if x.status > 0 {
                text.push_str(&format!("HTTP/1.1 {}\n", x.status));
            }
            if let Some(l) = &x.location {
                text.push_str(&format!("Location: {}\n", error_text::util::url_decode(l)));
            }
            text.push_str(&x.body);
            error_text::parse(&text, ev);
            if let Some(o) = &x.origin {
                ev.request.origin.get_or_insert_with(|| o.clone());
                ev.env.browser = true;
            }
            let where_ = format!("har entry #{} {} {}", x.index, x.method, x.url);
            for ns in ["request", "response", "env", "resource"] {
                if ev.input.sources.contains_key(ns) || ns == "request" {
                    ev.note_source(ns, &where_);
                }
            }
            summary.push_str(&format!(
                "; the failing exchange is entry #{} {} {} → {}",
                x.index, x.method, x.url, x.status
            ));
        } else if let Some(a) = &self.failed_api {
            let mut text = format!("{} {}\nHTTP/1.1 {}\n", a.method, a.url, a.status);
            for c in &a.challenges {
                text.push_str(&format!("WWW-Authenticate: {c}\n"));
            }
            for h in &a.headers {
                text.push_str(h);
                text.push('\n');
            }
            text.push_str(&a.body);
            error_text::parse(&text, ev);
            ev.api_call.made = true;
            ev.api_call.status.get_or_insert(a.status);
            if ev.api_call.url.is_none() {
                ev.api_call.url = Some(a.url.clone());
                ev.api_call.method = Some(a.method.clone());
            }
            if ev.api_call.host.is_none() {
                ev.api_call.host = Some(host_of(&a.url));
            }
            if let Some(b) = &a.bearer {
                if let Ok(d) = jwt::decode(b) {
                    jwt::fill_evidence(&d, ev);
                }
            }
            let where_ = format!(
                "har entry #{} {} {}",
                a.index,
                a.method,
                without_query(&a.url)
            );
            for ns in ["api_call", "token", "response", "dataplane", "resource"] {
                if ev.input.sources.contains_key(ns)
                    || ns == "api_call"
                    || (ns == "token" && ev.token.present)
                {
                    ev.note_source(ns, &where_);
                }
            }
            summary.push_str(&format!(
                "; the failing exchange is entry #{} {} {} → {}",
                a.index,
                a.method,
                without_query(&a.url),
                a.status
            ));
        } else {
            notes.insert(0, ReadNote::ok("har.read", summary));
            return Err(SourceError::Other(format!(
                "read {} entries: found no token-endpoint request, authorize error or API call refused with 401/403",
                self.entries
            )));
        }
        if let Some(j) = judged {
            summary.push_str(&j);
        }
        notes.insert(0, ReadNote::ok("har.read", summary));
        for t in self.tokens.iter().take(6) {
            let from = t
                .issued_at_entry
                .map(|i| format!("issued at entry #{i}"))
                .unwrap_or_else(|| "issued outside the archive".into());
            let to = if t.used.is_empty() {
                "not used in the archive".to_string()
            } else {
                format!("sent to {}", t.used.join(", "))
            };
            notes.push(ReadNote::ok(
                "har.token",
                format!("{} — {from}; {to}", t.summary),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod timeline_tests {
    use super::*;

    fn entry(at: &str, method: &str, url: &str, status: i64, bearer: bool, body: &str) -> Value {
        let headers = if bearer {
            serde_json::json!([{"name": "Authorization", "value": "Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.c2ln"}])
        } else {
            serde_json::json!([])
        };
        serde_json::json!({
            "startedDateTime": at,
            "request": {"method": method, "url": url, "headers": headers},
            "response": {"status": status, "headers": [], "content": {"text": body}}
        })
    }

    /// However long the archive, the timeline keeps `MAX_EXCHANGES` and always the diagnosed one;
    /// failures over time count every failure, kept or not.
    #[test]
    fn the_timeline_is_capped_and_keeps_the_failing_exchange() {
        let mut entries = Vec::new();
        for i in 0..250 {
            entries.push(entry(
                &format!("2026-11-24T10:{:02}:00Z", i % 60),
                "GET",
                "https://graph.microsoft.com/v1.0/me?x=1",
                if i % 50 == 49 { 500 } else { 200 },
                true,
                "",
            ));
        }
        entries.push(entry(
            "2026-11-24T11:30:00Z",
            "POST",
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
            401,
            false,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#,
        ));
        let har = serde_json::json!({"log": {"version": "1.2", "entries": entries}}).to_string();
        let mut ev = Evidence::default();
        read(&mut har.as_bytes(), &mut ev).expect("reads");
        let t = &ev.timeline;
        assert_eq!(t.exchanges.len(), timeline::MAX_EXCHANGES + 1);
        assert_eq!(t.exchanges_left_out, 250 + 1 - timeline::MAX_EXCHANGES - 1);
        let last = t.exchanges.last().unwrap();
        assert!(last.diagnosed && last.failed && last.kind == "token");
        assert_eq!(last.entry, 250);
        assert_eq!(last.path, "/contoso.onmicrosoft.com/oauth2/v2.0/token");
        assert_eq!(t.exchanges.iter().filter(|x| x.diagnosed).count(), 1);
        assert!(
            t.exchanges.iter().all(|x| !x.path.contains('?')),
            "no query strings"
        );
        let f = t.failures.as_ref().expect("failures over time");
        let count = |code: &str| -> i64 {
            let k = f.codes.iter().position(|c| c == code).unwrap();
            f.buckets.iter().map(|b| b.counts[k]).sum()
        };
        assert_eq!(count("HTTP 500"), 5);
        assert_eq!(count("AADSTS7000215"), 1);
    }
}
