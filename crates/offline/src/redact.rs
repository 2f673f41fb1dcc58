//! Redaction: makes a HAR, a JSON export or a log safe to attach to a ticket. Secrets, passwords,
//! client assertions, cookies, `Authorization` values, authorization codes and refresh tokens are
//! replaced by `[redacted]`; a JWT is replaced by its main claims without the signature
//! (`[redacted JWT: aud=…, appid=…, exp=…]`). Everything else keeps its value, and JSON stays
//! valid JSON. HAR and JSON are streamed (each element of the top-level arrays is read, redacted and
//! written, then dropped); logs are redacted line by line. The same text redaction is used by the
//! HAR source for the URLs it keeps.

use super::error_text::util::{re, read_line_lossy, url_decode, AZ_LOGIN_SECRET};
use super::jwt;
use regex::{Captures, Regex};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, Write};

/// The marker that replaces a secret.
pub const REDACTED: &str = "[redacted]";

/// Query, form and `key=value` parameters whose value is a secret.
const SECRET_PARAMS: &str = r"(?i)(^|[?&#;\s\x22'(,\x{FEFF}`\[{<|/:])(client_secret|password|passwd|pwd|client_assertion|assertion|refresh_token|access_token|id_token|code|code_verifier|device_code|sig|subject_token|actor_token|samlresponse|secret|accountkey|sharedaccesskey|accesskey)=([^&\s\x22'#<>]*)";

/// JSON (and Python dict) keys whose value is a secret.
const SECRET_KEYS: &str = "sig|pwd|accountkey|sharedaccesskey|client_secret|clientsecret|secret|secrettext|secret_text|password|passwd|client_assertion|clientassertion|assertion|refresh_token|refreshtoken|access_token|accesstoken|id_token|idtoken|code_verifier|device_code|subject_token|actor_token|samlresponse";

/// Headers whose whole value is a secret (besides `Authorization` and cookies).
const SECRET_HEADERS: &[&str] = &[
    "x-api-key",
    "api-key",
    "ocp-apim-subscription-key",
    "x-functions-key",
    "x-ms-token-aad-access-token",
    "x-ms-token-aad-id-token",
    "x-ms-token-aad-refresh-token",
    "x-ms-client-secret",
    "x-csrf-token",
    "x-xsrf-token",
];

/// How many values of each kind were replaced.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stats {
    pub tokens: u64,
    pub secrets: u64,
    pub cookies: u64,
    pub headers: u64,
    /// HAR entries, JSON elements or log lines read.
    pub items: u64,
    /// Log lines that were not UTF-8 (read with replacement characters).
    pub not_utf8_lines: u64,
    /// Values replaced, by what they were (`jwt`, `client-secret`, `sas-signature`, …).
    pub kinds: BTreeMap<&'static str, u64>,
    /// Elements of a HAR's `log.entries` that were not HAR entries (not an object, or an object
    /// without `request`/`response`): left out of the entry count, their values redacted as JSON.
    pub bad_entries: u64,
    /// JSON documents read (a file may hold several HARs one after the other).
    pub documents: u64,
    /// Text around or between the documents (a line before a HAR), redacted line by line.
    pub text_outside: bool,
    /// Lines of text read (outside any document).
    pub lines: u64,
    /// Why part of the input had to be redacted line by line instead of as JSON, when it had to.
    pub fallback: Option<String>,
}

impl Stats {
    pub fn total(&self) -> u64 {
        self.tokens + self.secrets + self.cookies + self.headers
    }

    /// Counts one replaced value of `kind`.
    fn hit(&mut self, kind: &'static str) {
        *self.kinds.entry(kind).or_default() += 1;
        match kind {
            "jwt" | "token" | "refresh-token" => self.tokens += 1,
            "cookie" | "set-cookie" => self.cookies += 1,
            "authorization-header" | "key-header" => self.headers += 1,
            _ => self.secrets += 1,
        }
    }
}

/// What a secret named `name` (a parameter, a JSON key, a form field) is, for the counts.
fn kind_of_name(name: &str) -> &'static str {
    match name.to_ascii_lowercase().as_str() {
        "sig" => "sas-signature",
        "accountkey" | "sharedaccesskey" | "accesskey" => "connection-string-key",
        "code" | "device_code" => "authorization-code",
        "refresh_token" | "refreshtoken" => "refresh-token",
        "access_token" | "accesstoken" | "id_token" | "idtoken" | "subject_token"
        | "actor_token" => "token",
        "password" | "passwd" | "pwd" => "password",
        "client_assertion" | "clientassertion" | "assertion" | "samlresponse" => "assertion",
        "code_verifier" => "pkce-verifier",
        _ => "client-secret",
    }
}

fn is_secret_key(k: &str) -> bool {
    let l = k.to_ascii_lowercase();
    SECRET_KEYS.split('|').any(|s| s == l)
}

/// `[redacted JWT: aud=…, appid=…, …, exp=…]`, or None when `raw` is not a readable JWT.
pub fn jwt_summary(raw: &str) -> Option<String> {
    let d = jwt::decode(raw).ok()?;
    let mut parts = Vec::new();
    for k in [
        "aud",
        "iss",
        "appid",
        "azp",
        "app_displayname",
        "idtyp",
        "oid",
        "tid",
        "upn",
        "preferred_username",
        "scp",
        "roles",
        "nbf",
        "exp",
    ] {
        let Some(v) = d.claims.get(k) else { continue };
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Array(a) => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect::<Vec<_>>()
                .join(" "),
            Value::Number(n) if k == "exp" || k == "nbf" => n
                .as_i64()
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_else(|| n.to_string()),
            other => other.to_string(),
        };
        // Only characters that need no escaping in any output format (JSON, XML, HTML, a
        // workflow command), so a summary can be put into rendered output as it is.
        let text: String = text
            .chars()
            .take(200)
            .map(|c| {
                if c.is_alphanumeric() || " -._:/@~+=".contains(c) {
                    c
                } else {
                    '?'
                }
            })
            .collect();
        parts.push(format!("{k}={text}"));
    }
    Some(format!("[redacted JWT: {}]", parts.join(", ")))
}

fn redact_token(raw: &str, stats: &mut Stats) -> String {
    match jwt_summary(raw) {
        Some(s) => {
            stats.hit("jwt");
            s
        }
        None => {
            stats.hit("token");
            "[redacted token]".into()
        }
    }
}

/// A run of token characters that starts with a JWT: one token, or several glued together
/// (`…sig` + `eyJ…`, or joined by `.`). Each readable token becomes its claims; whatever is left
/// (signatures, pieces that do not decode) becomes one `[redacted token]`, so no signature
/// survives however the tokens were joined.
fn redact_token_run(run: &str, stats: &mut Stats) -> String {
    if jwt::decode(run).is_ok() {
        return redact_token(run, stats);
    }
    // Segments between dots, a segment cut again where another token's header starts inside it.
    let mut segs: Vec<&str> = Vec::new();
    for seg in run.split('.') {
        let mut rest = seg;
        while let Some(i) = rest.get(1..).and_then(|r| r.find("eyJ")).map(|i| i + 1) {
            segs.push(&rest[..i]);
            rest = &rest[i..];
        }
        segs.push(rest);
    }
    let mut shown = Vec::new();
    let mut leftover = false;
    let mut i = 0;
    while i < segs.len() {
        if segs[i].starts_with("eyJ") {
            let found = [3usize, 5].into_iter().find_map(|n| {
                let parts = segs.get(i..i + n)?;
                jwt_summary(&parts.join(".")).map(|s| (n, s))
            });
            if let Some((n, summary)) = found {
                stats.hit("jwt");
                shown.push(summary);
                i += n;
                continue;
            }
        }
        if !segs[i].is_empty() {
            leftover = true;
        }
        i += 1;
    }
    if leftover || shown.is_empty() {
        stats.hit("token");
        shown.push("[redacted token]".into());
    }
    shown.join(" ")
}

/// A value that stands for a secret without being one: `…`, `***`, `<secret>`, `${SECRET}`,
/// `$(secret)` — what documentation and fix steps write (`client_secret=…`), kept as written.
fn is_placeholder(v: &str) -> bool {
    let t = v.trim().trim_matches(['"', '\'']);
    (!t.is_empty() && t.chars().all(|c| matches!(c, '…' | '.' | '*' | '•')))
        || (t.starts_with('<') && t.ends_with('>'))
        || (t.starts_with("${") && t.ends_with('}'))
        || (t.starts_with("$(") && t.ends_with(')'))
}

/// A secret value: a JWT becomes its claims, anything else `[redacted]` (an empty value stays
/// empty). `kind` says what it is, for the counts.
fn redact_secret(value: &str, kind: &'static str, stats: &mut Stats) -> String {
    if value.is_empty() || value.starts_with("[redacted") || is_placeholder(value) {
        return value.to_string();
    }
    if jwt::looks_like_jwt(value.trim()) {
        return redact_token_run(value.trim(), stats);
    }
    stats.hit(kind);
    REDACTED.into()
}

/// Redacts secrets inside free text: query and form parameters, JSON or dict fields, JWTs,
/// `Bearer`/`Basic` values, cookie headers, `az login -p`. Returns the text borrowed when nothing
/// was found.
pub fn redact_text(s: &str) -> Cow<'_, str> {
    let mut stats = Stats::default();
    redact_text_counted(s, &mut stats)
}

/// The output layer: every byte a command writes (rendered reports in any format, evidence,
/// error and progress lines, the simulator's log) passes through this before it leaves the
/// process, whichever parser or renderer produced it. It replaces the secret shapes
/// [`redact_text`] knows and keeps everything else — client and tenant IDs, key IDs, secret hints,
/// `az` commands — as it is.
pub fn scrub(s: &str) -> Cow<'_, str> {
    redact_text(s)
}

/// [`scrub`] for a JSON document before it is rendered (so a secret cannot escape by being
/// wrapped across lines or escaped by a renderer): every string, with fields named like secrets
/// replaced whole. Returns what was replaced.
pub fn scrub_value(v: &mut Value) -> Stats {
    let mut stats = Stats::default();
    redact_value(None, v, &mut stats);
    stats
}

fn quick_reject(s: &str) -> bool {
    // Every pattern below needs one of these; most strings (HTML, scripts, names) have none.
    !(s.contains('=')
        || s.contains(':')
        || s.contains("-----BEGIN")
        || s.contains("eyJ")
        || s.contains(".A")
        || s.contains("AQAB")
        || s.contains("M.")
        || s.contains(" -p ")
        || s.contains("--password")
        || s.contains("--secret")
        || has_key_body_line(s))
}

/// A line that is exactly 64 base64 characters: how PEM wraps a key's body.
fn is_key_body_line(l: &str) -> bool {
    let l = l.trim_matches([' ', '\t', '\r', '\n']);
    l.len() == 64
        && l.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// The last line of a PEM body: 2 to 64 base64 characters, `=` padding allowed.
fn is_key_tail_line(l: &str) -> bool {
    let l = l.trim_matches([' ', '\t', '\r', '\n']);
    let body = l.trim_end_matches('=');
    (2..=64).contains(&l.len())
        && l.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

fn has_key_body_line(s: &str) -> bool {
    s.len() >= 130 && s.lines().any(is_key_body_line)
}

/// How many lines make a PEM body without its `BEGIN` line: at least three lines of base64 in
/// PEM's 64-column wrapping (a 2048-bit RSA key has 25), which no id, hint or message has.
const KEY_BODY_LINES: usize = 3;

/// Applies `re` with `f` to `out` when it matches (the text stays borrowed while nothing does).
fn replace_in(out: &mut Cow<'_, str>, re: &Regex, f: impl FnMut(&Captures) -> String) {
    if re.is_match(out) {
        let r = re.replace_all(out, f).into_owned();
        *out = Cow::Owned(r);
    }
}

fn redact_text_counted<'a>(s: &'a str, stats: &mut Stats) -> Cow<'a, str> {
    if s.len() < 8 || quick_reject(s) {
        return Cow::Borrowed(s);
    }
    let mut out: Cow<'a, str> = Cow::Borrowed(s);
    // Parameters (`client_secret=…&code=…`), with a JWT value shown as its claims.
    replace_in(&mut out, re!(SECRET_PARAMS), |c| {
        // `error?code=7000215` is an error code, not an authorization code.
        if c[2].eq_ignore_ascii_case("code") && c[3].bytes().all(|b| b.is_ascii_digit()) {
            return c[0].to_string();
        }
        let v = url_decode(&c[3]);
        format!(
            "{}{}={}",
            &c[1],
            &c[2],
            redact_secret(&v, kind_of_name(&c[2]), stats)
        )
    });
    // JSON fields, escaped JSON inside a string, Python dicts.
    let json_field = re!(&format!(
        r#"(?i)"({SECRET_KEYS})"(\s*:\s*)"((?:[^"\\]|\\.)*)""#
    ));
    let escaped_field = re!(&format!(
        r#"(?i)\\"({SECRET_KEYS})\\"(\s*:\s*)\\"((?:[^"\\]|\\[^"])*)\\""#
    ));
    let dict_field = re!(&format!(
        r#"(?i)'({SECRET_KEYS})'(\s*:\s*)'((?:[^'\\]|\\.)*)'"#
    ));
    // The same field once escaped for XML or HTML (a rendered JUnit or HTML report).
    let entity_field = re!(&format!(
        r#"(?i)&quot;({SECRET_KEYS})&quot;(\s*:\s*)&quot;(.*?)&quot;"#
    ));
    let numeric_entity_field = re!(&format!(
        r#"(?i)&#(?:34|x22);({SECRET_KEYS})&#(?:34|x22);(\s*:\s*)&#(?:34|x22);(.*?)&#(?:34|x22);"#
    ));
    for (p, q) in [
        (json_field, "\""),
        (escaped_field, "\\\""),
        (dict_field, "'"),
        (entity_field, "&quot;"),
        (numeric_entity_field, "&#34;"),
    ] {
        replace_in(&mut out, p, |c| {
            format!(
                "{q}{}{q}{}{q}{}{q}",
                &c[1],
                &c[2],
                redact_secret(&c[3], kind_of_name(&c[1]), stats)
            )
        });
    }
    // Any JWT left (a bearer token in a header line, a token in prose), with whatever token
    // characters are glued to it: several tokens in a row leave no signature behind.
    replace_in(
        &mut out,
        re!(r"eyJ[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*)+"),
        |c| {
            let m = &c[0];
            if m.matches('.').count() >= 2 {
                redact_token_run(m, stats)
            } else {
                m.to_string()
            }
        },
    );
    // Opaque Entra tokens on their own: refresh tokens and authorization codes (`0.A…`, `1.A…`,
    // the older `AQAB…`/`OAQAB…`) and Microsoft account tokens (`M.C5…_BAY.…`). Real ones run to
    // hundreds of characters; the short `1.A…` of a token's `rh` claim is no credential and stays.
    replace_in(
        &mut out,
        re!(
            r"(^|[^A-Za-z0-9_.*!$-])((?:[01]\.A[A-Za-z0-9_-]{80,}|O?AQAB[A-Za-z0-9_-]{80,}|M\.[A-Z0-9]+_[A-Z0-9]+\.[A-Za-z0-9_!*$-]{40,})(?:[.*!$][A-Za-z0-9_!*$-]+)*)"
        ),
        |c| {
            stats.hit("token");
            format!("{}[redacted token]", &c[1])
        },
    );
    // Opaque credentials after an auth scheme.
    let scheme = re!(
        r"(?i)\b(Bearer|Basic|PoP|SharedKey|SharedAccessSignature|Negotiate|NTLM)(\s+)([A-Za-z0-9._~+/=:%&-]{8,})"
    );
    replace_in(&mut out, scheme, |c| {
        let v = &c[3];
        // `Bearer authorization_uri=…` is a challenge, not a credential.
        if v.contains('=')
            && !v.ends_with('=')
            && !c[1].eq_ignore_ascii_case("sharedaccesssignature")
        {
            return c[0].to_string();
        }
        stats.hit("auth-scheme-credential");
        format!("{}{}{REDACTED}", &c[1], &c[2])
    });
    // Cookie headers as logs print them.
    let cookie =
        re!(r#"(?im)((?:^|[\s'"{,])['"]?(?:set-)?cookie['"]?\s*[:=]\s*)(['"]?)([^\r\n'"]+)"#);
    replace_in(&mut out, cookie, |c| {
        if c[3].starts_with("[redacted") {
            return c[0].to_string();
        }
        stats.hit(if c[1].to_ascii_lowercase().contains("set-") {
            "set-cookie"
        } else {
            "cookie"
        });
        format!("{}{}{REDACTED}", &c[1], &c[2])
    });
    replace_in(&mut out, re!(AZ_LOGIN_SECRET), |c| {
        stats.hit("password");
        format!("{}{REDACTED}", &c[1])
    });
    redact_more_shapes(&mut out, stats);
    out
}

/// The secret shapes of scripts, configuration and pages: PowerShell and shell assignments,
/// environment dumps, YAML, HTML form fields (an OIDC form_post page), key headers as logs print
/// them, passwords in URLs, and private keys.
fn redact_more_shapes(out: &mut Cow<'_, str>, stats: &mut Stats) {
    let already =
        |v: &str| v.trim_start_matches(['"', '\'']).starts_with("[redacted") || is_placeholder(v);
    // `$client_secret = 'x'`, `password = "x"` (PowerShell hashtables and scripts, INI files).
    let assignment = re!(&format!(
        r#"(?i)(\$?\b(?:{SECRET_KEYS}|clientsecret|secretvalue)\s*=\s*)(['"])([^'"\r\n]*)(['"])"#
    ));
    replace_in(out, assignment, |c| {
        if c[3].is_empty() || already(&c[3]) {
            return c[0].to_string();
        }
        stats.hit("script-assignment");
        format!("{}{}{REDACTED}{}", &c[1], &c[2], &c[4])
    });
    // Environment dumps: `AZURE_CLIENT_SECRET=…`, `export AZURE_PASSWORD=…`, `$env:X_TOKEN = …`.
    let env_var = re!(
        r"(?mR)^(\s*(?:export\s+|set\s+|\$[Ee][Nn][Vv]:)?[A-Z0-9_]*(?:SECRET|PASSWORD|PASSWD|TOKEN|ACCOUNT_KEY|API_KEY|ACCESS_KEY|CONNECTION_STRING)[A-Z0-9_]*\s*=\s*)(\S[^\r\n]*)$"
    );
    replace_in(out, env_var, |c| {
        if already(&c[2]) {
            return c[0].to_string();
        }
        stats.hit("environment-variable");
        format!("{}{REDACTED}", &c[1])
    });
    // YAML and other `key: value` lines with an unquoted key.
    let yaml = re!(&format!(
        r#"(?imR)^(\s*-?\s*(?:{SECRET_KEYS}|clientsecret|secretvalue|accountkey)\s*:\s*)([^\s#][^\r\n]*)$"#
    ));
    replace_in(out, yaml, |c| {
        if already(&c[2]) {
            return c[0].to_string();
        }
        stats.hit("yaml-field");
        format!("{}{REDACTED}", &c[1])
    });
    // HTML form fields: `<input name="code" value="…">`, in either attribute order.
    let field_names = "code|id_token|access_token|refresh_token|client_secret|password|passwd|client_assertion|samlresponse|state|session_state";
    let name_then_value = re!(&format!(
        r#"(?i)(<input\b[^>]*?\bname\s*=\s*["']?(?:{field_names})["']?[^>]*?\bvalue\s*=\s*["']?)([^"'>\s]*)"#
    ));
    let value_then_name = re!(&format!(
        r#"(?i)(<input\b[^>]*?\bvalue\s*=\s*["']?)([^"'>\s]*)(["']?[^>]*?\bname\s*=\s*["']?(?:{field_names})\b)"#
    ));
    replace_in(out, name_then_value, |c| {
        if c[2].is_empty() || already(&c[2]) {
            return c[0].to_string();
        }
        stats.hit("form-field");
        format!("{}{REDACTED}", &c[1])
    });
    replace_in(out, value_then_name, |c| {
        if c[2].is_empty() || already(&c[2]) {
            return c[0].to_string();
        }
        stats.hit("form-field");
        format!("{}{REDACTED}{}", &c[1], &c[3])
    });
    // Key headers as a log line prints them: `Ocp-Apim-Subscription-Key: …`.
    let header = re!(&format!(
        r#"(?im)((?:^|[\s'{{,])['"]?(?:{})['"]?\s*:\s*['"]?)([^\s'",}}]+)"#,
        SECRET_HEADERS.join("|")
    ));
    replace_in(out, header, |c| {
        if already(&c[2]) {
            return c[0].to_string();
        }
        stats.hit("key-header");
        format!("{}{REDACTED}", &c[1])
    });
    // A password in a URL: `https://user:password@host`.
    let userinfo = re!(r#"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@'"]+:)([^@\s/'"]+)(@)"#);
    replace_in(out, userinfo, |c| {
        if already(&c[2]) {
            return c[0].to_string();
        }
        stats.hit("url-password");
        format!("{}{REDACTED}{}", &c[1], &c[3])
    });
    // Private keys (PEM): the whole block.
    let pem = re!(
        r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)"
    );
    replace_in(out, pem, |c| {
        stats.hit("private-key");
        format!("-----BEGIN {}----- {REDACTED}", &c[1])
    });
    // A key's body pasted without its `BEGIN` line: three or more lines of base64 wrapped at 64
    // columns. It may be a certificate (public), but nothing in a report needs its bytes.
    if has_key_body_line(out) {
        let text = out.to_string();
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut kept = String::with_capacity(text.len());
        let mut i = 0;
        let mut changed = false;
        while i < lines.len() {
            let mut j = i;
            while j < lines.len() && is_key_body_line(lines[j]) {
                j += 1;
            }
            let mut end = j;
            if j > i && j < lines.len() && is_key_tail_line(lines[j]) {
                end = j + 1;
            }
            if end - i >= KEY_BODY_LINES {
                stats.hit("key-body");
                kept.push_str("[redacted key material]");
                if lines[end - 1].ends_with('\n') {
                    kept.push('\n');
                }
                changed = true;
                i = end;
            } else {
                kept.push_str(lines[i]);
                i += 1;
            }
        }
        if changed {
            *out = Cow::Owned(kept);
        }
    }
}

/// `a=1; b=2` → `a=[redacted]; b=[redacted]` (a `Cookie` header).
fn redact_cookie_header(v: &str, stats: &mut Stats) -> String {
    v.split(';')
        .map(|part| match part.split_once('=') {
            Some((n, val)) if !val.trim().is_empty() => {
                stats.hit("cookie");
                format!("{n}={REDACTED}")
            }
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// `id=abc; Path=/; Secure` → `id=[redacted]; Path=/; Secure` (a `Set-Cookie` header; Firefox
/// joins several with newlines).
fn redact_set_cookie(v: &str, stats: &mut Stats) -> String {
    v.split('\n')
        .map(|line| {
            let (first, rest) = match line.find(';') {
                Some(i) => (&line[..i], &line[i..]),
                None => (line, ""),
            };
            match first.split_once('=') {
                Some((n, val)) if !val.trim().is_empty() => {
                    stats.hit("set-cookie");
                    format!("{n}={REDACTED}{rest}")
                }
                _ => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn redact_header_value(name: &str, value: &str, stats: &mut Stats) -> Option<String> {
    let n = name.to_ascii_lowercase();
    match n.as_str() {
        "cookie" => Some(redact_cookie_header(value, stats)),
        "set-cookie" => Some(redact_set_cookie(value, stats)),
        "authorization" | "proxy-authorization" => {
            let v = value.trim();
            Some(match v.split_once(' ') {
                Some((scheme, cred)) if jwt::looks_like_jwt(cred.trim()) => {
                    format!("{scheme} {}", redact_token_run(cred.trim(), stats))
                }
                Some((scheme, _)) => {
                    stats.hit("authorization-header");
                    format!("{scheme} {REDACTED}")
                }
                None => {
                    stats.hit("authorization-header");
                    REDACTED.into()
                }
            })
        }
        _ if SECRET_HEADERS.contains(&n.as_str()) => {
            stats.hit("key-header");
            Some(REDACTED.into())
        }
        _ => None,
    }
}

/// A request or response body: JSON is redacted field by field, base64 is decoded first, anything
/// else (forms, pages) as text.
fn redact_body(text: &str, base64: bool, stats: &mut Stats) -> Option<String> {
    if base64 {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::STANDARD;
        let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let decoded = engine.decode(clean).ok()?;
        let inner = String::from_utf8(decoded).ok()?;
        let red = redact_body(&inner, false, stats)?;
        return Some(engine.encode(red.as_bytes()));
    }
    let t = text.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(mut v) = serde_json::from_str::<Value>(text) {
            let before = stats.total();
            redact_value(None, &mut v, stats);
            if stats.total() == before {
                return None;
            }
            return serde_json::to_string(&v).ok();
        }
    }
    match redact_text_counted(text, stats) {
        Cow::Borrowed(_) => None,
        Cow::Owned(s) => Some(s),
    }
}

/// Redacts a JSON value in place. `key` is the field that holds it: it decides how HAR parts
/// (`headers`, `cookies`, `queryString`, `params`, body `text`) are read.
pub fn redact_value(key: Option<&str>, v: &mut Value, stats: &mut Stats) {
    match v {
        Value::String(s) => {
            if key.is_some_and(is_secret_key) {
                let r = redact_secret(s, kind_of_name(key.unwrap_or("")), stats);
                *s = r;
            } else if let Cow::Owned(r) = redact_text_counted(s, stats) {
                *s = r;
            }
        }
        Value::Array(items) => {
            let pair_kind = match key {
                Some("headers") => Some("header"),
                Some("cookies") => Some("cookie"),
                Some("queryString") | Some("params") => Some("param"),
                _ => None,
            };
            for it in items.iter_mut() {
                match (pair_kind, it) {
                    (Some(kind), Value::Object(m)) => redact_pair(kind, m, stats),
                    (_, other) => redact_value(key, other, stats),
                }
            }
        }
        Value::Object(m) => redact_object(m, stats),
        _ => {}
    }
}

fn redact_object(m: &mut Map<String, Value>, stats: &mut Stats) {
    let base64 = m.get("encoding").and_then(Value::as_str) == Some("base64");
    let is_body = m.contains_key("mimeType") || m.contains_key("encoding");
    for (k, child) in m.iter_mut() {
        if k == "text" && is_body {
            if let Value::String(s) = child {
                if let Some(r) = redact_body(s, base64, stats) {
                    *s = r;
                }
                continue;
            }
        }
        redact_value(Some(k.as_str()), child, stats);
    }
}

/// A HAR `{name, value}` pair (header, cookie, query or form parameter).
fn redact_pair(kind: &str, m: &mut Map<String, Value>, stats: &mut Stats) {
    let name = m
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let Some(Value::String(value)) = m.get_mut("value") else {
        // Odd shapes: redact what is there.
        for (k, c) in m.iter_mut() {
            redact_value(Some(k.as_str()), c, stats);
        }
        return;
    };
    let replaced = match kind {
        "cookie" => {
            if value.is_empty() {
                None
            } else {
                stats.hit("cookie");
                Some(REDACTED.to_string())
            }
        }
        "header" => redact_header_value(&name, value, stats),
        _ => {
            let l = name.to_ascii_lowercase();
            if is_secret_key(&l) || matches!(l.as_str(), "code" | "sig" | "pwd") {
                Some(redact_secret(&url_decode(value), kind_of_name(&l), stats))
            } else {
                None
            }
        }
    };
    let replaced = replaced.or_else(|| match redact_text_counted(value, stats) {
        Cow::Owned(r) => Some(r),
        Cow::Borrowed(_) => None,
    });
    if let Some(r) = replaced {
        *value = r;
    }
    // Other fields of the pair (`comment`, cookie `path`/`domain`) are kept as they are.
}

/// What [`redact_stream`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Har,
    Json,
    Text,
}

/// Why redaction stopped.
#[derive(Debug, thiserror::Error)]
pub enum RedactError {
    /// The input is not what it claimed to be, or ends early. The message never holds input text.
    #[error("{0}")]
    Input(String),
    #[error("cannot write the output: {0}")]
    Write(std::io::Error),
}

/// Redacts `reader` into `writer`: HAR and JSON streamed element by element, text line by line.
///
/// A file may hold several documents: each HAR (`{"log": {…`) is walked as a HAR wherever it
/// starts on a line of its own — after a line of text, after another HAR — and each JSON
/// document that follows the start of the file or another document is read as JSON. Text before,
/// between or after them is redacted line by line. The returned shape is that of the first
/// document (or text when there is none).
pub fn redact_stream(
    reader: &mut dyn BufRead,
    writer: &mut dyn Write,
) -> Result<(Shape, Stats), RedactError> {
    let read_err = |e: std::io::Error| RedactError::Input(format!("cannot read: {e}"));
    let mut stats = Stats::default();
    let mut shape: Option<Shape> = None;
    if reader.fill_buf().map_err(read_err)?.starts_with(BOM) {
        reader.consume(BOM.len());
        // A byte order mark stays for text and HAR; JSON does not allow one, so it goes there.
        let next = reader.fill_buf().map_err(read_err)?;
        let first = next.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if !matches!(first, Some(b'{') | Some(b'[')) || is_har_start(next) {
            writer.write_all(BOM).map_err(RedactError::Write)?;
        }
    }
    let mut text_seen = false;
    loop {
        let buf = reader.fill_buf().map_err(read_err)?;
        if buf.is_empty() {
            break;
        }
        let ws = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if ws > 0 {
            writer.write_all(&buf[..ws]).map_err(RedactError::Write)?;
            reader.consume(ws);
            continue;
        }
        if is_har_start(buf) {
            shape.get_or_insert(Shape::Har);
            stats.documents += 1;
            redact_har(reader, writer, &mut stats)?;
            continue;
        }
        if starts_json(buf) && !text_seen {
            shape.get_or_insert(Shape::Json);
            stats.documents += 1;
            redact_json(reader, writer, &mut stats)?;
            continue;
        }
        text_seen = true;
        shape.get_or_insert(Shape::Text);
        redact_lines(reader, writer, &mut stats, true)?;
    }
    stats.text_outside = text_seen && stats.documents > 0;
    writer.flush().map_err(RedactError::Write)?;
    // The shape of the first document (after text, only a HAR starts one); text when none.
    let shape = match shape {
        Some(Shape::Text) if stats.documents > 0 => Shape::Har,
        Some(s) => s,
        None => Shape::Text,
    };
    if shape == Shape::Text {
        stats.items = stats.lines;
    }
    Ok((shape, stats))
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `bytes` start with a JSON object or array (`[` before `{`, `[`, `]` or `"`: a log line may
/// start with `[2026-…]`).
fn starts_json(bytes: &[u8]) -> bool {
    match bytes.first() {
        Some(b'{') => true,
        Some(b'[') => bytes[1..]
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| matches!(b, b'{' | b'[' | b']' | b'"')),
        _ => false,
    }
}

/// `bytes` start with a HAR document: `{`, then `"log"` and its object.
fn is_har_start(bytes: &[u8]) -> bool {
    bytes.first() == Some(&b'{') && super::detect::detect_head(bytes) == Some(super::Kind::Har)
}

/// One JSON document, streamed (objects and arrays near the top element by element).
fn redact_json(
    reader: &mut dyn BufRead,
    writer: &mut dyn Write,
    stats: &mut Stats,
) -> Result<(), RedactError> {
    let mut w = JsonWriter {
        out: writer,
        io_error: None,
    };
    let result = {
        let mut de = serde_json::Deserializer::from_reader(&mut *reader);
        Node {
            w: &mut w,
            stats: &mut *stats,
            depth: 0,
            key: None,
        }
        .deserialize(&mut de)
    };
    if let Some(e) = w.io_error.take() {
        return Err(RedactError::Write(e));
    }
    if let Err(e) = result {
        let what = if e.is_eof() {
            format!("the file is truncated (after {} elements)", stats.items)
        } else {
            format!("not valid JSON at line {} column {}", e.line(), e.column())
        };
        return Err(RedactError::Input(what));
    }
    Ok(())
}

/// A HAR, walked entry by entry: the bytes outside the entries and every entry with nothing to
/// redact are written back exactly as read; in an entry with secrets only those strings change
/// (or, when a string cannot be found as written, the entry is written again as JSON).
fn redact_har(
    reader: &mut dyn BufRead,
    writer: &mut dyn Write,
    stats: &mut Stats,
) -> Result<(), RedactError> {
    let mut sink = HarRedactor {
        out: writer,
        stats,
        pending: Vec::new(),
        index: 0,
        error: None,
    };
    let walked = super::har_walk::walk(reader, &mut sink);
    if let Some(e) = sink.error.take() {
        return Err(e);
    }
    match walked {
        Ok(()) => {}
        Err(super::har_walk::Stop::Eof) => {
            return Err(RedactError::Input(format!(
                "the file is truncated after entry #{}",
                sink.index.saturating_sub(1)
            )))
        }
        Err(super::har_walk::Stop::NotHar(why)) => {
            return Err(RedactError::Input(format!("not a HAR file: {why}")))
        }
        Err(super::har_walk::Stop::Io(e)) => {
            return Err(RedactError::Input(format!("cannot read: {e}")))
        }
    }
    sink.flush()
}

struct HarRedactor<'w, 's> {
    out: &'w mut dyn Write,
    stats: &'s mut Stats,
    /// Bytes outside the entries, redacted as text when the next entry (or the end) comes.
    pending: Vec<u8>,
    index: usize,
    error: Option<RedactError>,
}

impl HarRedactor<'_, '_> {
    fn flush(&mut self) -> Result<(), RedactError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let bytes = std::mem::take(&mut self.pending);
        match std::str::from_utf8(&bytes) {
            Ok(t) => {
                let red = redact_text_counted(t, self.stats);
                self.out.write_all(red.as_bytes())
            }
            Err(_) => self.out.write_all(&bytes),
        }
        .map_err(RedactError::Write)
    }

    fn entry(&mut self, bytes: &[u8]) -> Result<(), RedactError> {
        self.flush()?;
        let index = self.index;
        self.index += 1;
        let mut v: Value = serde_json::from_slice(bytes).map_err(|e| {
            RedactError::Input(format!(
                "entry #{index} is not valid JSON ({}, counted within the entry); it cannot be redacted safely",
                e
            ))
        })?;
        let is_entry = v
            .as_object()
            .is_some_and(|m| m.contains_key("request") || m.contains_key("response"));
        if is_entry {
            self.stats.items += 1;
        } else {
            // Not an entry (an array, an object without request or response): not counted as
            // one, and every value in it redacted all the same.
            self.stats.bad_entries += 1;
        }
        let before = self.stats.total();
        match &mut v {
            Value::Object(m) => redact_object(m, self.stats),
            other => redact_value(None, other, self.stats),
        }
        if self.stats.total() == before {
            return self.out.write_all(bytes).map_err(RedactError::Write);
        }
        // Replace only the strings that changed, in the bytes as written.
        let original: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
        let mut pairs = Vec::new();
        changed_strings(&original, &v, &mut pairs);
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        let mut all_found = true;
        for (old, new) in &pairs {
            let (Ok(o), Ok(n)) = (serde_json::to_string(old), serde_json::to_string(new)) else {
                all_found = false;
                break;
            };
            if !text.contains(&o) {
                all_found = false;
                break;
            }
            text = text.replace(&o, &n);
        }
        let patched_ok = all_found
            && serde_json::from_str::<Value>(&text)
                .map(|p| p == v)
                .unwrap_or(false);
        if patched_ok {
            return self
                .out
                .write_all(text.as_bytes())
                .map_err(RedactError::Write);
        }
        let pretty =
            serde_json::to_string_pretty(&v).map_err(|e| RedactError::Input(e.to_string()))?;
        let indented = pretty.replace('\n', "\n      ");
        self.out
            .write_all(indented.as_bytes())
            .map_err(RedactError::Write)
    }
}

impl super::har_walk::HarSink for HarRedactor<'_, '_> {
    fn entry_bytes(&mut self, bytes: &[u8]) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.entry(bytes) {
            self.error = Some(e);
        }
    }
    fn scalar_entry(&mut self) {
        self.stats.bad_entries += 1;
    }
    fn verbatim(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        // Between entries there are only separators; a long run (pages) is flushed at a line end.
        if self.pending.len() > 1 << 20 {
            if let Some(nl) = self.pending.iter().rposition(|b| *b == b'\n') {
                let rest = self.pending.split_off(nl + 1);
                if let Err(e) = self.flush() {
                    self.error.get_or_insert(e);
                }
                self.pending = rest;
            }
        }
    }
}

/// The string leaves that differ between two values of the same shape.
fn changed_strings(a: &Value, b: &Value, out: &mut Vec<(String, String)>) {
    match (a, b) {
        (Value::String(x), Value::String(y)) if x != y => out.push((x.clone(), y.clone())),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                changed_strings(p, q, out);
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            for ((_, p), (_, q)) in x.iter().zip(y) {
                changed_strings(p, q, out);
            }
        }
        _ => {}
    }
}

/// Redacts a log line by line (PEM private keys as whole blocks). With `until_har`, stops before a
/// line that starts a HAR document and returns true (the HAR is left in the reader). A line that
/// holds a HAR-like document inside it (`see: {"log": {…`) cannot be walked as one: it is
/// redacted as text and [`Stats::fallback`] says so.
fn redact_lines(
    reader: &mut dyn BufRead,
    writer: &mut dyn Write,
    stats: &mut Stats,
    until_har: bool,
) -> Result<bool, RedactError> {
    let mut buf = Vec::new();
    let mut in_key = false;
    // Lines that may be a key's body without its `BEGIN` line, held until the run ends.
    let mut body: Vec<String> = Vec::new();
    loop {
        let next = read_line_lossy(reader, &mut buf, &mut stats.not_utf8_lines)
            .map_err(|e| RedactError::Input(format!("cannot read: {e}")))?;
        let (held, ends_run) = match &next {
            Some(l) if !in_key && is_key_body_line(l) => (true, false),
            Some(l) if !in_key && !body.is_empty() && is_key_tail_line(l) => (true, true),
            _ => (false, true),
        };
        if held {
            stats.lines += 1;
            body.push(next.as_deref().unwrap_or_default().to_string());
        }
        if ends_run && !body.is_empty() {
            flush_body(&mut body, writer, stats)?;
        }
        if held {
            if until_har && har_next(reader)? {
                flush_body(&mut body, writer, stats)?;
                return Ok(true);
            }
            continue;
        }
        let Some(line) = next else {
            return Ok(false);
        };
        stats.lines += 1;
        if line.contains("-----BEGIN") && line.contains("PRIVATE KEY-----") {
            in_key = true;
            stats.hit("private-key");
            writer
                .write_all(b"[redacted private key]\n")
                .map_err(RedactError::Write)?;
            if line.contains("-----END") {
                in_key = false;
            }
            continue;
        }
        if in_key {
            if line.contains("-----END") {
                in_key = false;
            }
            continue;
        }
        if stats.fallback.is_none() && har_inside_line(&line) {
            stats.fallback = Some(format!(
                "line {} holds a HAR that does not start on a line of its own; it was redacted line by line, where cookies and headers written as name/value pairs may survive: put the HAR on a line of its own and run redact again",
                stats.lines
            ));
        }
        let red = redact_text_counted(&line, stats);
        writer
            .write_all(red.as_bytes())
            .map_err(RedactError::Write)?;
        if until_har && !in_key && har_next(reader)? {
            return Ok(true);
        }
    }
}

/// Whether what comes next is a HAR's opening (`{"log": {`), after spaces.
fn har_next(reader: &mut dyn BufRead) -> Result<bool, RedactError> {
    let next = reader
        .fill_buf()
        .map_err(|e| RedactError::Input(format!("cannot read: {e}")))?;
    let ws = next
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    Ok(is_har_start(&next[ws..]))
}

/// Writes held base64 lines: one redaction mark for a run long enough to be a key's body, else
/// each line through the text layer.
fn flush_body(
    body: &mut Vec<String>,
    writer: &mut dyn Write,
    stats: &mut Stats,
) -> Result<(), RedactError> {
    if body.len() >= KEY_BODY_LINES {
        stats.hit("key-body");
        writer
            .write_all(b"[redacted key material]\n")
            .map_err(RedactError::Write)?;
    } else {
        for l in body.iter() {
            let red = redact_text_counted(l, stats);
            writer
                .write_all(red.as_bytes())
                .map_err(RedactError::Write)?;
        }
    }
    body.clear();
    Ok(())
}

/// A HAR's opening (`{"log": {`) somewhere after the start of a line of text.
fn har_inside_line(line: &str) -> bool {
    line.match_indices('{').any(|(i, _)| {
        i > 0
            && !line[..i].trim().is_empty()
            && super::detect::detect_head(&line.as_bytes()[i..]) == Some(super::Kind::Har)
    })
}

/// Writes JSON with two-space indentation, one nesting level at a time.
struct JsonWriter<'w> {
    out: &'w mut dyn Write,
    io_error: Option<std::io::Error>,
}

impl JsonWriter<'_> {
    fn write<E: de::Error>(&mut self, b: &[u8]) -> Result<(), E> {
        if let Err(e) = self.out.write_all(b) {
            self.io_error = Some(e);
            return Err(E::custom("write failed"));
        }
        Ok(())
    }
    /// A whole value, pretty-printed and indented to `depth`.
    fn value<E: de::Error>(&mut self, v: &Value, depth: usize) -> Result<(), E> {
        let pretty = serde_json::to_string_pretty(v).map_err(E::custom)?;
        let pad = "  ".repeat(depth);
        let mut first = true;
        for line in pretty.split('\n') {
            if !first {
                self.write(b"\n")?;
                self.write(pad.as_bytes())?;
            }
            first = false;
            self.write(line.as_bytes())?;
        }
        Ok(())
    }
}

/// One node of the document: objects at depth 0–1 and arrays at depth 0–2 are streamed; anything
/// below is read whole, redacted and written.
struct Node<'a, 'w> {
    w: &'a mut JsonWriter<'w>,
    stats: &'a mut Stats,
    depth: usize,
    key: Option<String>,
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.depth <= 2 {
            d.deserialize_any(self)
        } else {
            let mut v = Value::deserialize(d)?;
            redact_value(self.key.as_deref(), &mut v, self.stats);
            self.w.value(&v, self.depth)
        }
    }
}

use serde::Deserialize as _;

impl<'de> Visitor<'de> for Node<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let pad = "  ".repeat(self.depth + 1);
        self.w.write(b"{")?;
        let mut n = 0;
        while let Some(k) = map.next_key::<String>()? {
            self.w.write(if n == 0 { b"\n" } else { b",\n" })?;
            n += 1;
            self.w.write(pad.as_bytes())?;
            let key_json = serde_json::to_string(&k).map_err(de::Error::custom)?;
            self.w.write(key_json.as_bytes())?;
            self.w.write(b": ")?;
            if self.depth < 2 {
                map.next_value_seed(Node {
                    w: &mut *self.w,
                    stats: &mut *self.stats,
                    depth: self.depth + 1,
                    key: Some(k),
                })?;
            } else {
                let mut v: Value = map.next_value()?;
                redact_value(Some(&k), &mut v, self.stats);
                self.w.value(&v, self.depth + 1)?;
            }
        }
        if n > 0 {
            self.w.write(b"\n")?;
            self.w.write("  ".repeat(self.depth).as_bytes())?;
        }
        self.w.write(b"}")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let pad = "  ".repeat(self.depth + 1);
        self.w.write(b"[")?;
        let mut n = 0;
        while let Some(mut v) = seq.next_element::<Value>()? {
            self.stats.items += 1;
            self.w.write(if n == 0 { b"\n" } else { b",\n" })?;
            n += 1;
            self.w.write(pad.as_bytes())?;
            match &mut v {
                Value::Object(m) => redact_object(m, self.stats),
                other => redact_value(self.key.as_deref(), other, self.stats),
            }
            self.w.value(&v, self.depth + 1)?;
        }
        if n > 0 {
            self.w.write(b"\n")?;
            self.w.write("  ".repeat(self.depth).as_bytes())?;
        }
        self.w.write(b"]")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        let mut val = Value::String(v.to_string());
        redact_value(self.key.as_deref(), &mut val, self.stats);
        self.w.value(&val, self.depth)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        let mut val = Value::String(v);
        redact_value(self.key.as_deref(), &mut val, self.stats);
        self.w.value(&val, self.depth)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.w.value(&Value::Bool(v), self.depth)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.w.value(&Value::from(v), self.depth)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.w.value(&Value::from(v), self.depth)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.w.value(&Value::from(v), self.depth)
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.w.value(&Value::Null, self.depth)
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.w.value(&Value::Null, self.depth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_and_fields() {
        let t = "grant_type=client_credentials&client_secret=Abc~123.xyz&code=0.AAA-code&scope=x";
        let r = redact_text(t);
        assert!(!r.contains("Abc~123") && !r.contains("0.AAA-code"), "{r}");
        assert!(r.contains("grant_type=client_credentials") && r.contains("scope=x"));
        let j = r#"{"error_code":"x","refresh_token":"0.ARrefresh","code":"AuthorizationFailed"}"#;
        let r = redact_text(j);
        assert!(
            !r.contains("0.ARrefresh") && r.contains("AuthorizationFailed"),
            "{r}"
        );
        let c = "'Set-Cookie': 'fpc=AbcCookie; expires=x'";
        assert!(!redact_text(c).contains("AbcCookie"));
    }

    fn token(aud: &str) -> String {
        use base64::Engine as _;
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.{}",
            b.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
            b.encode(format!(r#"{{"aud":"{aud}","exp":1795521600}}"#)),
            b.encode(format!("SIGCANARY{}", "s".repeat(256)))
        )
    }

    #[test]
    fn glued_tokens_each_show_their_claims_and_no_signature_survives() {
        let (a, b, c) = (token("a"), token("b"), token("c"));
        for glued in [
            format!("{a}{b}"),
            format!("{a}.{b}"),
            format!("{a}{b}{c}"),
            format!("{a}.{b}.{c}"),
            format!("{a}.{b}.junk"),
            format!("{a}..{b}"),
        ] {
            let r = redact_text(&glued);
            assert!(!r.contains("U0lHQ0FOQVJZ"), "{glued}\n{r}");
            assert!(r.contains("aud=a") && r.contains("aud=b"), "{r}");
        }
    }

    #[test]
    fn escaped_fields_of_a_rendered_report_are_redacted() {
        for t in [
            "&quot;client_secret&quot;: &quot;CANARY1&quot;",
            "&#34;password&#34;:&#34;CANARY2&#34;",
            "see `client_secret=CANARY3`",
        ] {
            assert!(!scrub(t).contains("CANARY"), "{t}");
        }
    }

    #[test]
    fn the_layer_keeps_ids_hints_key_ids_and_commands() {
        let keep = "app 3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40 in tenant 8f2b4c1d-6e3a-4b5c-9d7e-0a1b2c3d4e5f: secret hint Xy7, key id 9b1c-4f, rh 1.AXkAKgwePw2LbEyaHysjTV5vcEZIf3kAutdPukPawfj2MBN5AAA.\n$ az ad app credential list --id 3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40 --query '[].{hint:hint, keyId:keyId}'";
        assert_eq!(scrub(keep), keep);
        // Placeholders in documentation and fix steps are no secrets.
        let doc = "e.g. grant_type=client_credentials&client_id=…&client_secret=…\nAZURE_CLIENT_SECRET=<secret>\nclient_secret: ${SECRET}";
        assert_eq!(scrub(doc), doc);
    }

    #[test]
    fn opaque_refresh_tokens_and_codes_are_counted_by_kind() {
        let mut stats = Stats::default();
        let rt = format!("refresh 0.AXEA{}", "r".repeat(120));
        let r = redact_text_counted(&rt, &mut stats);
        assert_eq!(r, "refresh [redacted token]");
        let r = redact_text_counted("sv=1&sig=abc%2Fdef&se=2", &mut stats);
        assert!(r.contains("sig=[redacted]"), "{r}");
        assert_eq!(stats.kinds.get("token"), Some(&1));
        assert_eq!(stats.kinds.get("sas-signature"), Some(&1));
        assert_eq!(stats.total(), 2);
    }
}
