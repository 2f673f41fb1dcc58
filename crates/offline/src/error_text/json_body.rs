//! JSON-shaped bodies inside the paste: token-endpoint answers, ARM/Graph/data-plane errors, and
//! the same as Python dict reprs (MSAL Python), Node `util.inspect` output (`{ error: '…' }`) or a
//! JSON string nested in another JSON string (`"ResponseBody": "{\"error\":…}"`).
//!
//! Candidates are the top-level balanced `{…}` spans, found in one pass with a byte budget so that
//! unbalanced input cannot make it quadratic; each is parsed strictly, then leniently.

use super::util::{self, clean_id, is_oauth_error};
use super::{ApiBody, Ctx};
use authcheck_model::evidence::Evidence;
use serde_json::{Map, Value};

const MAX_CANDIDATES: usize = 200;
const MAX_NESTED_DEPTH: usize = 4;

/// Reads every JSON-like body; returns true when at least one parsed.
pub fn scan(text: &str, ev: &mut Evidence, cx: &mut Ctx) -> bool {
    let mut any = false;
    let trimmed_len = text.trim().len();
    for (start, end) in candidates(text) {
        let span = &text[start..end];
        if let Some(v) = parse_lenient(span) {
            if !v.is_object() {
                continue;
            }
            any = true;
            if span.len() * 10 >= trimmed_len * 9 {
                cx.whole_json = true;
            }
            walk(&v, ev, cx, 0, 0);
        }
    }
    any
}

/// Strict JSON, then the Python/JS relaxed form.
fn parse_lenient(span: &str) -> Option<Value> {
    if let Ok(v) = serde_json::from_str::<Value>(span) {
        return Some(v);
    }
    // Reprs are small; a large span that is not JSON is left to the text scanners.
    if span.len() > 4 << 20 {
        return None;
    }
    let converted = relaxed_to_json(span)?;
    serde_json::from_str::<Value>(&converted).ok()
}

/// Top-level balanced `{…}` spans (byte ranges). Quotes are tracked only where a string can start
/// (after `{ [ : , (` or `=`), so an apostrophe in prose does not derail the scan.
fn candidates(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut budget: usize = b.len().saturating_mul(2).saturating_add(1 << 16);
    let mut i = 0;
    while i < b.len() && out.len() < MAX_CANDIDATES {
        if b[i] != b'{' {
            i += 1;
            continue;
        }
        match match_brace(b, i, &mut budget) {
            Some(end) => {
                if end - i >= 10 {
                    out.push((i, end));
                }
                i = end;
            }
            None => {
                if budget == 0 {
                    break;
                }
                i += 1;
            }
        }
    }
    out
}

/// The end (exclusive) of the balanced object starting at `start`, or None.
fn match_brace(b: &[u8], start: usize, budget: &mut usize) -> Option<usize> {
    let mut depth: usize = 0;
    let mut quote: Option<u8> = None;
    let mut last_sig: u8 = b'{';
    let mut i = start;
    while i < b.len() {
        if *budget == 0 {
            return None;
        }
        *budget -= 1;
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
                last_sig = c;
            } else if c == b'\n' && q != b'`' && q != b'"' {
                // A single-quoted string never spans lines in a repr: it was prose.
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return if c == b'}' { Some(i + 1) } else { None };
                }
            }
            b'"' | b'\'' | b'`' => {
                if matches!(last_sig, b'{' | b'[' | b':' | b',' | b'(' | b'=') {
                    quote = Some(c);
                }
            }
            _ => {}
        }
        if !c.is_ascii_whitespace() {
            last_sig = c;
        }
        i += 1;
    }
    None
}

/// Python dict repr / JS object literal → JSON: single-quoted and backtick strings, bare keys,
/// `True`/`False`/`None`/`undefined`, trailing commas.
fn relaxed_to_json(s: &str) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' | '\'' | '`' => {
                let (lit, next) = read_string(&chars, i)?;
                push_json_string(&mut out, &lit);
                i = next;
            }
            ',' => {
                let mut j = i + 1;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                if j < chars.len() && (chars[j] == '}' || chars[j] == ']') {
                    i += 1; // trailing comma
                } else {
                    out.push(',');
                    i += 1;
                }
            }
            c if c.is_alphabetic() || c == '_' || c == '$' => {
                let st = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric()
                        || chars[i] == '_'
                        || chars[i] == '$'
                        || chars[i] == '-'
                        || chars[i] == '.')
                {
                    i += 1;
                }
                let word: String = chars[st..i].iter().collect();
                // Python string prefixes: u'…', b'…', r'…'.
                if matches!(word.as_str(), "u" | "b" | "r" | "f")
                    && i < chars.len()
                    && (chars[i] == '\'' || chars[i] == '"')
                {
                    continue;
                }
                let mut j = i;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                let is_key = j < chars.len() && chars[j] == ':';
                match word.as_str() {
                    _ if is_key => push_json_string(&mut out, &word),
                    "True" | "true" => out.push_str("true"),
                    "False" | "false" => out.push_str("false"),
                    "None" | "null" | "undefined" | "NaN" | "Infinity" => out.push_str("null"),
                    _ => push_json_string(&mut out, &word),
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(out)
}

/// Reads a quoted string starting at `i`; returns its value and the index after the closing quote.
fn read_string(chars: &[char], i: usize) -> Option<(String, usize)> {
    let q = chars[i];
    let mut s = String::new();
    let mut j = i + 1;
    while j < chars.len() {
        let c = chars[j];
        if c == '\\' && j + 1 < chars.len() {
            let n = chars[j + 1];
            match n {
                'n' => s.push('\n'),
                'r' => s.push('\r'),
                't' => s.push('\t'),
                '\\' => s.push('\\'),
                '\'' | '"' | '`' | '/' => s.push(n),
                'u' if j + 5 < chars.len() => {
                    let hex: String = chars[j + 2..j + 6].iter().collect();
                    match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        Some(ch) => {
                            s.push(ch);
                            j += 6;
                            continue;
                        }
                        None => s.push('u'),
                    }
                }
                other => {
                    s.push('\\');
                    s.push(other);
                }
            }
            j += 2;
            continue;
        }
        if c == q {
            return Some((s, j + 1));
        }
        s.push(c);
        j += 1;
    }
    None
}

fn push_json_string(out: &mut String, s: &str) {
    out.push_str(&Value::String(s.to_string()).to_string());
}

fn get_str<'a>(m: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| match m.get(*k) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.as_str()),
        _ => None,
    })
}

fn walk(v: &Value, ev: &mut Evidence, cx: &mut Ctx, depth: usize, nested: usize) {
    if depth > 64 {
        return;
    }
    match v {
        Value::Object(m) => {
            visit_object(m, ev, cx, depth);
            for child in m.values() {
                walk(child, ev, cx, depth + 1, nested);
            }
        }
        Value::Array(a) => {
            for child in a.iter().take(10_000) {
                walk(child, ev, cx, depth + 1, nested);
            }
        }
        Value::String(s) => {
            let t = s.trim();
            if nested < MAX_NESTED_DEPTH
                && t.starts_with('{')
                && t.ends_with('}')
                && t.len() < 8 << 20
            {
                if let Some(inner) = parse_lenient(t) {
                    walk(&inner, ev, cx, depth + 1, nested + 1);
                }
            }
        }
        _ => {}
    }
}

fn visit_object(m: &Map<String, Value>, ev: &mut Evidence, cx: &mut Ctx, depth: usize) {
    // A token-endpoint error: {"error": "invalid_client", "error_description": …, "error_codes": […]}.
    if let Some(err) = get_str(m, &["error"]) {
        let oauthish = m.contains_key("error_description")
            || m.contains_key("error_codes")
            || is_oauth_error(err);
        if oauthish && !err.contains(' ') {
            token_error(m, err, ev, cx);
        }
    }
    // MSAL.js errors serialised: {"errorCode": "invalid_request", "errorMessage": …, "subError": …}.
    if let Some(err) = get_str(m, &["errorCode"]) {
        if is_oauth_error(err) {
            ev.response.error.get_or_insert_with(|| err.to_string());
            if let Some(d) = get_str(m, &["errorMessage"]) {
                cx.message(d);
            }
            if let Some(s) = get_str(m, &["subError", "suberror"]) {
                ev.response.suberror.get_or_insert_with(|| s.to_string());
            }
        }
    }
    // A successful token response (`az account get-access-token` spells it in camelCase).
    if (m.contains_key("access_token")
        && (m.contains_key("token_type") || m.contains_key("expires_in")))
        || (m.contains_key("accessToken")
            && (m.contains_key("expiresOn")
                || m.contains_key("expires_on")
                || m.contains_key("tokenType")))
    {
        ev.response.token_issued = true;
        cx.token_body = true;
    }
    // ARM, Graph and data-plane errors: {"error": {"code": …, "message": …}} or Graph's legacy
    // {"odata.error": {…}}.
    for key in ["error", "odata.error", "Error"] {
        if let Some(Value::Object(e)) = m.get(key) {
            if e.contains_key("code") || e.contains_key("message") || e.contains_key("Code") {
                api_error(e, m, ev, cx);
            }
        }
    }
    // A bare {"code": "…", "message": "…"} at the top of a body (some data planes answer so).
    if depth == 0 && !m.contains_key("error") {
        if let (Some(code), Some(_)) = (
            get_str(m, &["code", "Code"]),
            get_str(m, &["message", "Message"]),
        ) {
            if is_api_code(code) {
                api_error(m, m, ev, cx);
            }
        }
    }
    // Any other message-like field, for phrase matching.
    for k in [
        "message",
        "Message",
        "errorMessage",
        "error_description",
        "detail",
    ] {
        if let Some(s) = get_str(m, &[k]) {
            if s.len() > 8 && !s.trim_start().starts_with('{') && looks_like_error_prose(s) {
                cx.message(s);
            }
        }
    }
    // Purview: the collection in a body.
    if let Some(Value::Object(c)) = m.get("collection") {
        if let Some(name) = get_str(c, &["referenceName"]) {
            ev.dataplane
                .collection
                .get_or_insert_with(|| name.to_string());
        }
    }
}

/// Prose worth matching rules against: an error, a denial, a failure.
fn looks_like_error_prose(s: &str) -> bool {
    super::util::re!(r"(?i)error|fail|denied|not |invalid|insufficient|unauthori|forbidden|expired|unavailable|AADSTS|permission|consent|approval|authoriz")
        .is_match(s)
}

fn token_error(m: &Map<String, Value>, err: &str, ev: &mut Evidence, cx: &mut Ctx) {
    cx.token_body = true;
    let r = &mut ev.response;
    if r.error.is_none() {
        r.error = Some(err.to_string());
    }
    if let Some(d) = get_str(m, &["error_description"]) {
        if r.error_description.is_none() {
            r.error_description = Some(util::strip_trailer(d));
        }
        cx.message(d);
    }
    if let Some(Value::Array(codes)) = m.get("error_codes") {
        for c in codes {
            let n = c
                .as_i64()
                .or_else(|| c.as_str().and_then(|s| s.trim().parse().ok()));
            if let Some(n) = n {
                if !cx.error_codes.contains(&n) && cx.error_codes.len() < super::entra::MAX_CODES {
                    cx.error_codes.push(n);
                }
            }
        }
    }
    if let Some(t) = get_str(m, &["timestamp"]) {
        if r.timestamp.is_none() {
            r.timestamp = Some(t.to_string());
            r.timestamp_at = util::parse_timestamp(t);
        }
    }
    if let Some(t) = get_str(m, &["trace_id"]) {
        if r.trace_id.is_none() {
            r.trace_id = clean_id(t);
        }
    }
    if let Some(t) = get_str(m, &["correlation_id"]) {
        if r.correlation_id.is_none() {
            r.correlation_id = clean_id(t);
        }
    }
    if let Some(t) = get_str(m, &["error_uri"]) {
        r.error_uri.get_or_insert_with(|| t.to_string());
    }
    if let Some(t) = get_str(m, &["suberror"]) {
        r.suberror.get_or_insert_with(|| t.to_string());
    }
    if get_str(m, &["claims"]).is_some() {
        r.claims_challenge = true;
    }
    if let Some(s) = m
        .get("status")
        .or_else(|| m.get("statusCode"))
        .and_then(|v| v.as_i64())
    {
        if (100..600).contains(&s) {
            r.status.get_or_insert(s);
        }
    }
}

/// PascalCase or Pascal_Case: how ARM, Graph and data planes spell their codes (OAuth's are snake_case).
pub fn is_api_code(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 80
        && (b[0].is_ascii_uppercase() || s.starts_with("0x"))
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.')
}

fn api_error(e: &Map<String, Value>, outer: &Map<String, Value>, ev: &mut Evidence, cx: &mut Ctx) {
    let code = get_str(e, &["code", "Code"]);
    // `{"error": {"code": "invalid_client"}}` is not an API error.
    if code.is_some_and(is_oauth_error) {
        return;
    }
    let message = match e.get("message").or_else(|| e.get("Message")) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => get_str(o, &["value"]).map(str::to_string),
        _ => None,
    };
    if code.is_none() && message.is_none() {
        return;
    }
    let a = &mut ev.api_call;
    a.made = true;
    if let Some(c) = code {
        if a.code.is_none() {
            a.code = Some(c.to_string());
        } else {
            push_inner(a, c);
        }
    }
    if let Some(msg) = &message {
        if a.message.is_none() {
            a.message = Some(util::strip_trailer(msg));
        }
        cx.message(msg);
    }
    let mut graph = code.is_some_and(|c| c.contains('_'));
    for k in ["innerError", "innererror", "InnerError"] {
        if let Some(Value::Object(inner)) = e.get(k) {
            inner_error(inner, ev, cx, &mut graph, 0);
        }
    }
    if let Some(Value::Array(details)) = e.get("details") {
        for d in details.iter().take(50) {
            if let Value::Object(d) = d {
                if let Some(c) = get_str(d, &["code"]) {
                    push_inner(&mut ev.api_call, c);
                }
                if let Some(m) = get_str(d, &["message"]) {
                    cx.message(m);
                }
            }
        }
    }
    if let Some(c) = get_str(e, &["correlationId", "correlation_id"]).and_then(clean_id) {
        ev.api_call.request_id.get_or_insert(c);
    }
    if let Some(s) = outer
        .get("status")
        .or_else(|| outer.get("statusCode"))
        .and_then(|v| v.as_i64())
    {
        if (100..600).contains(&s) {
            ev.api_call.status.get_or_insert(s);
        }
    }
    let kind = if graph {
        ApiBody::Graph
    } else if code.is_some_and(|c| {
        c.starts_with("InvalidAuthenticationToken")
            || c.contains("AuthorizationFailed")
            || c == "ExpiredAuthenticationToken"
            || c == "AuthenticationFailed"
            || c == "InvalidAuthenticationTokenTenant"
            || c == "SubscriptionNotFound"
            || c == "ResourceGroupNotFound"
    }) {
        ApiBody::Arm
    } else {
        ApiBody::DataPlane
    };
    cx.api_body.get_or_insert(kind);
}

fn inner_error(
    inner: &Map<String, Value>,
    ev: &mut Evidence,
    cx: &mut Ctx,
    graph: &mut bool,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    if let Some(rid) = get_str(inner, &["request-id", "requestId"]).and_then(clean_id) {
        *graph = *graph || inner.contains_key("request-id");
        ev.api_call.request_id = Some(rid);
    }
    if inner.contains_key("client-request-id") || inner.contains_key("date") {
        *graph = true;
    }
    if let Some(c) = get_str(inner, &["code"]) {
        push_inner(&mut ev.api_call, c);
    }
    if let Some(m) = get_str(inner, &["message"]) {
        cx.message(m);
    }
    for k in ["innerError", "innererror"] {
        if let Some(Value::Object(i)) = inner.get(k) {
            inner_error(i, ev, cx, graph, depth + 1);
        }
    }
}

/// Adds an inner error code once (not the outer code again), up to 32 of them.
pub fn push_inner(a: &mut authcheck_model::evidence::ApiCall, c: &str) {
    if a.code.as_deref() != Some(c)
        && a.inner_codes.len() < 32
        && !a.inner_codes.iter().any(|x| x == c)
    {
        a.inner_codes.push(c.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relaxed_forms() {
        let py = r#"{'error': 'invalid_grant', 'error_codes': [65001], 'ok': True, 'x': None, "d": "it's"}"#;
        let v = parse_lenient(py).expect("python repr");
        assert_eq!(v["error"], "invalid_grant");
        assert_eq!(v["d"], "it's");
        let js = "{\n  error: 'invalid_client',\n  error_description: `AADSTS7000215:\n line`,\n  error_codes: [ 7000215 ],\n}";
        let v = parse_lenient(js).expect("node inspect");
        assert_eq!(v["error_codes"][0], 7000215);
    }

    #[test]
    fn candidates_are_linear_and_balanced() {
        let t = "x {\"a\": \"}\"} y {'b': 'it}'} {0}";
        let c = candidates(t);
        assert_eq!(c.len(), 2);
        let many = "{".repeat(200_000);
        assert!(candidates(&many).is_empty());
    }
}
