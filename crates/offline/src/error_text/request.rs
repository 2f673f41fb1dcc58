//! The token request as the paste shows it: form bodies, curl, PowerShell hashtables, URLs, JSON
//! or environment variables. Secrets are turned into facts here and nowhere else; [`scrub`] then
//! removes every secret value and token from the text the other scanners read.

use super::util::{clean_id, clean_tenant, is_guid, is_masked, re, url_decode, AZ_LOGIN_SECRET};
use super::Ctx;
use authcheck_model::evidence::Endpoint;
use authcheck_model::evidence::{Assertion, Evidence};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Parameter names as forms, JSON, hashtables, SDK options and `AZURE_*` variables spell them.
/// Group 1 is the name; the value is group 2 (double-quoted), 3 (single-quoted), 4 (the inside of a
/// `[…]` list of at most [`MAX_LIST`] characters) or 5 (a bare word). The list's length is checked
/// by [`params`], not by the pattern: a bounded repetition of a Unicode class compiles to an automaton
/// thousands of states long, which made this pattern alone cost ~11 ms per run.
const PARAM: &str = r#"(?i)(?:^|[^A-Za-z0-9_])\\?["']?(grant_type|client_id|clientid|azure_client_id|client_secret|clientsecret|azure_client_secret|client_assertion|clientassertion|client_assertion_type|resource|scope|scopes|username|azure_username|password|azure_password|refresh_token|code_verifier|redirect_uri|redirecturi|tenant_id|tenantid|azure_tenant_id|authority|azure_authority_host|origin)\\?["']?[ \t]*[:=][ \t]*(?:\\?"((?:[^"\\\r\n]|\\[^"])*)\\?"|'([^'\r\n]*)'|\[([^\]\r\n]*)\]|([^\s&"',;})\]\\]*))"#;

/// The longest `[…]` list value read as a list; a longer one is read as a bare word from its `[`.
const MAX_LIST: usize = 2_000;

/// Whether `c` ends a bare-word value (group 5 of [`PARAM`]: `[^\s&"',;})\]\\]`).
fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '&' | '"' | '\'' | ',' | ';' | '}' | ')' | ']' | '\\')
}

/// A request has a dozen parameters; a paste with more than this many is not a request, and
/// reading only the first ones keeps a hostile paste fast.
const MAX_PARAMS: usize = 2_000;

/// One `name = value` of the request as [`PARAM`] reads it.
struct Param<'t> {
    /// The name, lower case.
    key: String,
    /// The value, trimmed; percent-decoded unless it was quoted.
    value: String,
    /// The inside of a `[…]` list value.
    list: Option<&'t str>,
}

/// The first [`MAX_PARAMS`] parameters of `text`.
fn params(text: &str) -> impl Iterator<Item = Param<'_>> {
    let re = re!(PARAM);
    let mut at = 0;
    std::iter::from_fn(move || {
        // Every match holds a name, so `at` always moves on.
        let c = re.captures_at(text, at)?;
        let key = c
            .get(1)
            .map(|m| m.as_str().to_ascii_lowercase())
            .unwrap_or_default();
        if let Some(list) = c.get(4).filter(|l| l.as_str().chars().count() > MAX_LIST) {
            // Too long for a list: the value is the bare word starting at the `[`, as a pattern
            // bounded to MAX_LIST would have read it (its next alternative).
            let open = list.start() - 1;
            let end = text[open..]
                .find(ends_word)
                .map_or(text.len(), |i| open + i);
            at = end;
            return Some(Param {
                key,
                value: url_decode(&text[open..end]).trim().to_string(),
                list: None,
            });
        }
        at = c.get(0).map_or(text.len(), |m| m.end());
        let quoted = c.get(2).or(c.get(3));
        let raw = quoted.or(c.get(5)).map(|m| m.as_str()).unwrap_or("");
        Some(Param {
            key,
            value: if quoted.is_some() {
                raw.trim().to_string()
            } else {
                url_decode(raw).trim().to_string()
            },
            list: c.get(4).map(|m| m.as_str()),
        })
    })
    .take(MAX_PARAMS)
}

/// Reads the request from `safe` (the scrubbed text: every value kept comes from there) and the
/// secret facts from `raw` (the unscrubbed text: only facts about secrets are taken from it).
// Each arm reads "parameter → fact"; folding its condition into a guard would scatter them.
#[allow(clippy::collapsible_match)]
pub fn scan(safe: &str, raw: &str, ev: &mut Evidence, cx: &mut Ctx) {
    secrets(raw, &mut ev.request);
    let flat = safe;
    let mut browser = false;
    let r = &mut ev.request;
    for Param { key, value, list } in params(flat) {
        match key.as_str() {
            "grant_type" => {
                if r.grant_type.is_none() && !is_masked(&value) && !value.contains(' ') {
                    r.grant_type = Some(value.to_ascii_lowercase());
                    cx.request_seen = true;
                }
            }
            "client_id" | "clientid" | "azure_client_id" => {
                if r.client_id.is_none() {
                    r.client_id = clean_id(&value).filter(|v| !v.contains(' '));
                }
            }
            "client_assertion_type" => {}
            "resource" => {
                if r.resource.is_none() && !value.starts_with('/') && !value.contains(' ') {
                    r.resource = clean_id(&value);
                }
            }
            "scope" | "scopes" => {
                if !r.scopes.is_empty() {
                    continue;
                }
                let items: Vec<String> = match list {
                    Some(l) => l.split(',').filter_map(clean_id).collect(),
                    None => value.split_whitespace().filter_map(clean_id).collect(),
                };
                if items.iter().any(|s| s.starts_with('/')) {
                    continue; // an ARM scope, not an OAuth one
                }
                r.scopes = items;
            }
            "username" | "azure_username" => {
                if r.username.is_none() {
                    r.username = clean_id(&value).filter(|v| !v.contains(' '));
                }
            }
            "redirect_uri" | "redirecturi" => {
                if r.redirect_uri.is_none() {
                    r.redirect_uri = clean_id(&value);
                }
            }
            "tenant_id" | "tenantid" | "azure_tenant_id" => {
                if r.tenant.is_none() {
                    r.tenant = clean_tenant(&value);
                }
            }
            "authority" | "azure_authority_host" => authority(r, &value),
            "origin" => {
                if r.origin.is_none() && value.starts_with("http") {
                    r.origin = clean_id(&value);
                    browser = true;
                }
            }
            _ => {}
        }
    }
    if browser {
        ev.env.browser = true;
    }
    let r = &mut ev.request;
    // An `Origin:` header, as curl, a HAR copy or a browser console shows it.
    if r.origin.is_none() {
        if let Some(c) =
            re!(r#"(?im)(?:^|[\s"'])origin["']?\s*:\s*["']?(https?://[^\s"',;]+)"#).captures(flat)
        {
            r.origin = clean_id(&c[1]);
            ev.env.browser = r.origin.is_some() || ev.env.browser;
        }
    }
    if r.origin.is_none() {
        if let Some(c) = re!(r"(?i)from origin '(https?://[^']+)'").captures(flat) {
            r.origin = clean_id(&c[1]);
            ev.env.browser = true;
        }
    }
    // The token endpoint: `https://{host}/{tenant}/oauth2[/v2.0]/token`.
    for c in re!(r"(?i)https?://([a-z0-9.-]+(?::\d+)?)/([^/\s?#'\x22<>]+)/oauth2/(v2\.0/)?(token|authorize|devicecode)\b").captures_iter(flat) {
        let is_token = c[4].eq_ignore_ascii_case("token");
        let v = if c.get(3).is_some() {
            Endpoint::V2
        } else {
            Endpoint::V1
        };
        // A token URL outranks an authorize URL seen before it.
        if r.endpoint.is_none() || (is_token && !cx.request_seen) {
            r.endpoint = Some(v);
        }
        if r.authority_host.is_none() {
            r.authority_host = Some(c[1].to_ascii_lowercase());
        }
        if r.tenant.is_none() {
            r.tenant = clean_tenant(&url_decode(&c[2]));
        }
        if is_token {
            cx.request_seen = true;
        }
    }
    // A raw request: `POST /{tenant}/oauth2/v2.0/token HTTP/1.1` with a `Host:` header.
    if let Some(c) = re!(r"(?im)^\s*POST\s+/([^/\s?]+)/oauth2/(v2\.0/)?token\b").captures(flat) {
        r.endpoint.get_or_insert(if c.get(2).is_some() {
            Endpoint::V2
        } else {
            Endpoint::V1
        });
        if r.tenant.is_none() {
            r.tenant = clean_tenant(&c[1]);
        }
        if r.authority_host.is_none() {
            if let Some(h) = re!(r"(?im)^\s*host:\s*([a-z0-9.-]+(?::\d+)?)\s*$").captures(flat) {
                r.authority_host = Some(h[1].to_ascii_lowercase());
            }
        }
        cx.request_seen = true;
    }
    // `az login --service-principal -u APP -p SECRET --tenant T`.
    if let Some(m) = re!(r"(?im)\baz\s+login\b[^\n]*").find(flat) {
        let line = m.as_str();
        let sp = line.contains("--service-principal");
        for c in re!(r#"(?:^|\s)(-u|--username|-p|--password|--secret|-t|--tenant|--federated-token)\s+("[^"]*"|'[^']*'|\S+)"#).captures_iter(line) {
            let v = c[2].trim_matches(|ch| ch == '"' || ch == '\'').to_string();
            match &c[1] {
                "-u" | "--username" if sp => {
                    if r.client_id.is_none() {
                        r.client_id = clean_id(&v);
                    }
                }
                "-u" | "--username" => {
                    if r.username.is_none() {
                        r.username = clean_id(&v);
                    }
                }
                // The value is read from the unscrubbed text, by `secrets`.
                "-p" | "--password" | "--secret" => {}
                "-t" | "--tenant" => {
                    if r.tenant.is_none() {
                        r.tenant = clean_tenant(&v);
                    }
                }
                "--federated-token" => r.assertion_sent = true,
                _ => {}
            }
        }
        if sp && r.grant_type.is_none() && (r.secret_sent || r.assertion_sent) {
            r.grant_type = Some("client_credentials".into());
        }
    }
}

/// The text without `WWW-Authenticate` challenges: their `authorization_uri` and `client_id` name
/// the API's authority and app, not the caller's request.
pub fn without_challenges(flat: &str) -> std::borrow::Cow<'_, str> {
    re!(r"(?im)^.*(?:www-authenticate|\b(?:Bearer|PoP)\s+(?:authorization_uri|realm|error|resource_id|client_id|claims)\s*=).*$").replace_all(flat, "")
}

/// Facts about the secrets the request carried, read from the unscrubbed text; no value is kept
/// except the secret's first three characters (in memory only).
fn secrets(raw: &str, r: &mut authcheck_model::evidence::Request) {
    for Param { key, value, list } in params(raw) {
        match key.as_str() {
            "client_secret" | "clientsecret" | "azure_client_secret" if list.is_none() => {
                secret_facts(r, &value)
            }
            "client_assertion" | "clientassertion" => {
                r.assertion_sent = true;
                if r.assertion.is_none() {
                    r.assertion = assertion_claims(&value);
                }
            }
            "password" | "azure_password" => r.password_sent = true,
            "refresh_token" => r.refresh_token_sent = true,
            "code_verifier" => r.code_verifier_sent = true,
            _ => {}
        }
    }
    if let Some(m) = re!(r"(?im)\baz\s+login\b[^\n]*").find(raw) {
        let line = m.as_str();
        let sp = line.contains("--service-principal");
        for c in
            re!(r#"(?:^|\s)(-p|--password|--secret)\s+("[^"]*"|'[^']*'|\S+)"#).captures_iter(line)
        {
            let v = c[2].trim_matches(|ch| ch == '"' || ch == '\'').to_string();
            if sp {
                secret_facts(r, &v);
            } else {
                r.password_sent = true;
            }
        }
    }
}

/// Facts about a client secret; only the first three characters stay, in memory.
fn secret_facts(r: &mut authcheck_model::evidence::Request, value: &str) {
    if r.secret_sent && (r.secret_prefix.is_some() || r.secret_is_guid || r.secret_empty) {
        return; // the first literal secret wins
    }
    r.secret_sent = true;
    let v = value.trim();
    // A variable reference (`$secret`, `process.env.X`, `os.environ[...]`) says nothing about the value.
    let is_reference = re!(r"^(?:\$[A-Za-z_][A-Za-z0-9_:.]*|process\.env\.\w+|os\.environ.*|Environment\.GetEnvironmentVariable.*)$").is_match(v);
    if is_reference {
        return;
    }
    r.secret_empty = v.is_empty();
    r.secret_is_guid = is_guid(v);
    r.secret_is_placeholder = !v.is_empty()
        && (is_masked(v) || {
            let l = v.to_ascii_lowercase();
            l.contains("client_secret")
                || l.contains("clientsecret")
                || l == "xxx"
                || l == "password"
                || l == "todo"
        });
    r.secret_prefix = if v.is_empty() || r.secret_is_placeholder {
        None
    } else {
        Some(v.chars().take(3).collect())
    };
}

/// `https://login.microsoftonline.com/contoso.onmicrosoft.com` as an `authority` option.
fn authority(r: &mut authcheck_model::evidence::Request, value: &str) {
    if let Some(c) =
        re!(r"(?i)^https?://([a-z0-9.-]+(?::\d+)?)/?([^/\s?#]*)").captures(value.trim())
    {
        if r.authority_host.is_none() {
            r.authority_host = Some(c[1].to_ascii_lowercase());
        }
        if r.tenant.is_none() {
            r.tenant = clean_tenant(&c[2]);
        }
    }
}

/// The claims of a client assertion (never its signature), read without keeping the assertion.
fn assertion_claims(value: &str) -> Option<Assertion> {
    let v = value.trim();
    let mut parts = v.split('.');
    let header = parts.next()?;
    let payload = parts.next()?;
    parts.next()?;
    let h: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header.trim_end_matches('=')).ok()?).ok()?;
    let p: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?)
            .ok()?;
    let s = |o: &serde_json::Value, k: &str| o.get(k).and_then(|x| x.as_str()).map(str::to_string);
    let n = |k: &str| {
        p.get(k)
            .and_then(|x| x.as_i64().or_else(|| x.as_f64().map(|f| f as i64)))
    };
    let aud = match p.get("aud") {
        Some(serde_json::Value::String(a)) => vec![a.clone()],
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => vec![],
    };
    Some(Assertion {
        iss: s(&p, "iss"),
        sub: s(&p, "sub"),
        aud,
        exp: n("exp"),
        nbf: n("nbf"),
        iat: n("iat"),
        x5t: s(&h, "x5t"),
        x5t_s256: s(&h, "x5t#S256"),
        ..Assertion::default()
    })
}

/// Replaces the value after every secret-bearing name (`client_secret=`, `"password": "`, …).
/// Names are searched without consuming values, so a secret whose name sits inside another
/// value (`client_secret=password: 'x'`) is still found; a quoted value is cut at its closing quote.
fn redact_named_values(text: &str) -> String {
    let key = re!(
        r#"(?i)(?:client_secret|clientsecret|client_assertion|clientassertion|password|passwd|pwd|refresh_token|access_token|id_token|code_verifier|secret|api[_-]?key)\\?["']?[ \t]*[:=][ \t]*(\\?["'])?"#
    );
    let b = text.as_bytes();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut last_end = 0;
    for whole in key.find_iter(text) {
        let start = whole.end();
        let quote = whole
            .as_str()
            .bytes()
            .last()
            .filter(|c| *c == b'"' || *c == b'\'');
        // Bytes already inside the previous value are redacted anyway: scanning resumes after
        // them, which keeps a paste of a thousand names in a row linear.
        let mut end = start.max(last_end);
        while end < b.len() {
            let c = b[end];
            let stop = match quote {
                Some(q) => c == q || c == b'\n' || c == b'\\',
                None => {
                    matches!(
                        c,
                        b'"' | b'\'' | b'\\' | b'&' | b',' | b';' | b'}' | b'<' | b'>'
                    ) || c.is_ascii_whitespace()
                }
            };
            if stop {
                break;
            }
            end += 1;
        }
        last_end = last_end.max(end);
        if end > start && !text[start..end].starts_with("<redacted>") {
            spans.push((start, end));
        }
    }
    if spans.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (st, en) in spans {
        if en <= at {
            continue;
        }
        let st = st.max(at);
        out.push_str(&text[at..st]);
        out.push_str("<redacted>");
        at = en;
    }
    out.push_str(&text[at..]);
    out
}

/// Replaces every secret value (client secret, password, refresh token, assertion, code, access
/// token) and every JWT with a marker, so no later scanner can copy one into the evidence.
pub fn scrub(text: &str) -> String {
    let s = redact_named_values(text);
    // Authorization codes and SAS signatures only as query or form parameters.
    let form = re!(r"(?i)([?&#](?:code|sig)=)([^&\s\x22'<>]+)");
    let s = form.replace_all(&s, |c: &regex::Captures| {
        // `error?code=7000215` is an error page, not an authorization code.
        if c[2].bytes().all(|b| b.is_ascii_digit()) {
            c[0].to_string()
        } else {
            format!("{}<redacted>", &c[1])
        }
    });
    // Tokens after named secrets, so a secret glued to a token is still found by its name.
    let jwt = re!(r"eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*)?");
    let s = jwt.replace_all(&s, "<jwt>");
    let bearer = re!(r"(?i)\b(Bearer|Basic)\s+([A-Za-z0-9.~+/=-]{16,})");
    let s = bearer.replace_all(&s, "${1} <redacted>");
    let s = re!(AZ_LOGIN_SECRET).replace_all(&s, "${1}<redacted>");
    s.into_owned()
}

#[cfg(test)]
mod tests {
    use super::super::util;
    use super::*;

    #[test]
    fn params_read_as_the_bounded_list_pattern_did() {
        // The pattern as it was, with the list bounded in the regex itself.
        let bounded = util::compile(&PARAM.replace(r"[^\]\r\n]*", r"[^\]\r\n]{0,2000}"));
        assert_ne!(bounded.as_str(), PARAM);
        let long = "x".repeat(MAX_LIST + 1);
        let exact = "y".repeat(MAX_LIST);
        let texts = [
            format!("scope=[{long}] client_id=abc"),
            format!("scope=[{long}]&client_id=abc"),
            format!("scope: [{exact}] scopes=['a', 'b'] resource=[r\nx"),
            format!("scope = [{long}\u{e9} b,client_id='c'"),
            "client_id=\"a\" tenant_id='t' scope=[a b] x=1".to_string(),
        ];
        for t in &texts {
            let want: Vec<(String, String, Option<&str>)> = bounded
                .captures_iter(t)
                .map(|c| {
                    let quoted = c.get(2).or(c.get(3));
                    let raw = quoted.or(c.get(5)).map(|m| m.as_str()).unwrap_or("");
                    let value = if quoted.is_some() {
                        raw.trim().to_string()
                    } else {
                        url_decode(raw).trim().to_string()
                    };
                    (
                        c[1].to_ascii_lowercase(),
                        value,
                        c.get(4).map(|m| m.as_str()),
                    )
                })
                .collect();
            let got: Vec<_> = params(t).map(|p| (p.key, p.value, p.list)).collect();
            assert_eq!(got, want, "{t}");
        }
    }

    #[test]
    fn scrub_removes_secret_values() {
        let t = r#"client_secret=abc~DEF.123&x=1 "client_secret": "q9~zz" password: 'hunter2' az login --service-principal -u a -p s3cr3t --tenant t Bearer abcdefghijklmnopqrstuvwxyz"#;
        let s = scrub(t);
        for secret in [
            "abc~DEF.123",
            "q9~zz",
            "hunter2",
            "s3cr3t",
            "abcdefghijklmnop",
        ] {
            assert!(!s.contains(secret), "{secret} in {s}");
        }
        let s = scrub("az login --service-principal -u a -p s3cr3t --tenant t");
        assert!(!s.contains("s3cr3t"), "{s}");
    }

    #[test]
    fn secret_shapes() {
        let mut r = authcheck_model::evidence::Request::default();
        secret_facts(&mut r, "3f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b");
        assert!(r.secret_is_guid && r.secret_sent);
        let mut r = authcheck_model::evidence::Request::default();
        secret_facts(&mut r, "");
        assert!(r.secret_empty);
        let mut r = authcheck_model::evidence::Request::default();
        secret_facts(&mut r, "<client-secret>");
        assert!(r.secret_is_placeholder && r.secret_prefix.is_none());
    }
}
