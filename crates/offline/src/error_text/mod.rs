//! Error-text source: turns whatever a customer pasted — a token-endpoint body, an SDK exception,
//! CLI output, an ARM/Graph/data-plane error, a `WWW-Authenticate` header, a request as curl or a
//! form body, a token — into evidence facts. It never decides what is wrong.
//!
//! The order matters for secrets: request facts (secret present, empty, GUID-shaped …) are read
//! from the text first; then every secret value and token is replaced in a scrubbed copy, and
//! everything that keeps text (messages, URLs) is taken from that copy only.
//!
//! Every scanner is a set of regexes (linear time) or a single pass; nothing here can panic on
//! input, and a 30 MB paste is read in one pass per scanner.

mod api;
mod entra;
mod json_body;
mod request;
mod sdk;
mod tokens;
pub(crate) mod util;

use authcheck_model::evidence::Evidence;

/// Where the API answer was read from, for `input.sources`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApiBody {
    Arm,
    Graph,
    DataPlane,
}

/// What the scanners learnt beyond the evidence fields, to merge at the end.
#[derive(Debug, Default)]
pub(crate) struct Ctx {
    /// `error_codes` of a token-endpoint body, in order.
    pub error_codes: Vec<i64>,
    /// Every message found, in order of discovery (merged into `response.messages`).
    pub messages: Vec<String>,
    /// A token-endpoint JSON body (error or success) was parsed.
    pub token_body: bool,
    /// The kind of API error body parsed, if any.
    pub api_body: Option<ApiBody>,
    /// A JSON document spans (nearly) the whole input.
    pub whole_json: bool,
    /// A phrase of a known failure (SDK, managed identity, consent page, 5xx) was seen.
    pub phrase: bool,
    /// The request side held something (a token URL, a grant type).
    pub request_seen: bool,
    /// How many codes an earlier call (another body of the same HAR) had found.
    pub prior_codes: usize,
}

impl Ctx {
    /// Adds a message once (whitespace-insensitive; a message already inside a longer one is dropped).
    pub fn message(&mut self, m: &str) {
        let m = util::strip_trailer(m);
        let m: String = m.chars().take(4000).collect();
        let t = m.trim_start();
        if m.len() < 3 || self.messages.len() >= 64 || t.starts_with('{') || t.starts_with('[') {
            return;
        }
        if self.messages.iter().any(|x| x.contains(&m)) {
            return;
        }
        self.messages.push(m);
    }
}

/// Extracts every fact it can; returns false when the text holds nothing it recognises (no AADSTS
/// code, no OAuth error, no ARM/Graph/data-plane error, no token, no known failure phrase).
pub fn parse(text: &str, ev: &mut Evidence) -> bool {
    parse_with_keys(text, None, ev)
}

/// [`parse`], and the signature of a token found in the text checked against `jwks` (a JWKS
/// document), since the raw token never leaves this source.
pub fn parse_with_keys(text: &str, jwks: Option<&str>, ev: &mut Evidence) -> bool {
    let mut cx = Ctx {
        prior_codes: ev.response.codes.len(),
        ..Ctx::default()
    };
    let flat = util::flatten(text);
    let safe_flat = request::scrub(&flat);
    let safe_raw = request::scrub(&util::html_unescape(text));

    // Secrets become facts from the unscrubbed text; every value kept comes from the scrubbed one.
    request::scan(
        &request::without_challenges(&safe_flat),
        &request::without_challenges(&flat),
        ev,
        &mut cx,
    );
    tokens::scan(&flat, jwks, ev);

    // From here on only scrubbed text is read.
    if !json_body::scan(&safe_raw, ev, &mut cx) {
        json_body::scan(&safe_flat, ev, &mut cx);
    }
    entra::scan(&safe_flat, ev, &mut cx);
    api::scan(&safe_flat, ev, &mut cx);
    sdk::scan(&safe_flat, ev, &mut cx);

    finish(ev, cx)
}

fn finish(ev: &mut Evidence, cx: Ctx) -> bool {
    // `error_codes` first, then every AADSTS code in order of appearance, without repeats (after
    // whatever an earlier call found).
    let found_codes = std::mem::take(&mut ev.response.codes);
    let split = cx.prior_codes.min(found_codes.len());
    let mut codes: Vec<i64> = Vec::with_capacity(found_codes.len() + cx.error_codes.len());
    for c in found_codes[..split]
        .iter()
        .chain(cx.error_codes.iter())
        .chain(found_codes[split..].iter())
    {
        if !codes.contains(c) {
            codes.push(*c);
        }
    }
    ev.response.code = codes.first().copied();
    ev.response.codes = codes;
    for m in cx.messages.iter() {
        if !ev.response.messages.contains(m) {
            ev.response.messages.push(m.clone());
        }
    }

    let found = !ev.response.codes.is_empty()
        || ev.response.error.is_some()
        || ev.response.token_issued
        || ev.api_call.made
        || ev.token.present
        || ev.env.exception_type.is_some()
        || cx.phrase
        || cx.request_seen;

    // Which source filled what.
    let response_src = if cx.token_body {
        "token-endpoint-body"
    } else {
        "pasted-text"
    };
    if ev.response != Default::default() {
        ev.note_source("response", response_src);
    }
    if ev.api_call.made {
        let src = match cx.api_body {
            Some(ApiBody::Arm) => "arm-body",
            Some(ApiBody::Graph) => "graph-body",
            Some(ApiBody::DataPlane) => "dataplane-body",
            None => "pasted-text",
        };
        ev.note_source("api_call", src);
    }
    if ev.request != Default::default() {
        ev.note_source("request", "pasted-text");
    }
    if ev.env.sdk.is_some()
        || ev.env.credential_type.is_some()
        || ev.env.exception_type.is_some()
        || ev.env.browser
        || ev.env.non_interactive
    {
        ev.note_source("env", "pasted-text");
    }
    if ev.resource != Default::default() {
        ev.note_source("resource", "pasted-text");
    }
    if ev.dataplane != Default::default() {
        ev.note_source("dataplane", "pasted-text");
    }
    if ev.token.present && !ev.input.sources.contains_key("token") {
        ev.note_source("token", "pasted-text");
    }

    if ev.input.kind.is_none() && found {
        let kind = if cx.whole_json && cx.token_body && !ev.api_call.made {
            "token-response"
        } else if cx.whole_json && cx.api_body == Some(ApiBody::Graph) {
            "graph-error"
        } else if cx.whole_json && cx.api_body == Some(ApiBody::Arm) {
            "arm-error"
        } else {
            "error-text"
        };
        ev.input.kind = Some(kind.into());
    }
    found
}
