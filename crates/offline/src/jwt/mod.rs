//! JWT source: decodes an access or id token into header and claims, says precisely what is wrong
//! with a damaged one, fills the `token.*` evidence, checks the signature against a JWKS document,
//! and explains every claim for `authcheck decode`.
//!
//! The raw token and its signature never leave this module in any printable form: errors name
//! segments and character positions, never content, and [`DecodedJwt`]'s `Debug` hides the
//! signature.

mod explain;

pub use explain::explain;

use authcheck_model::evidence::{Evidence, SignatureVerdict, TokenKind};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// base64url as tokens use it, forgiving stray low bits in the last character so a cut token reads
/// as far as it goes (and then fails as truncated JSON, which says more).
const LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    base64::engine::GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// A JWT part, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    Header,
    Payload,
    Signature,
}

impl std::fmt::Display for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Segment::Header => "header",
            Segment::Payload => "payload",
            Segment::Signature => "signature",
        })
    }
}

/// Why a string is not a decodable JWT. Every message is one line and never quotes the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("no token found: the input is empty")]
    Empty,
    #[error("not a JWT: whitespace inside the token at character {position}; it was probably wrapped or split when copied: join it back into one line")]
    Whitespace { position: usize },
    #[error("not a JWT: the token ends in `...`, so it is a shortened copy (as logs and documentation print them), not the whole token")]
    Shortened,
    #[error("not a JWT: this looks like a Microsoft account (MSA) access token (it starts with `EwA`/`EwB`); those are opaque and cannot be decoded, only the API they were issued for can read them")]
    MsaOpaque,
    #[error("not a JWT: this looks like a refresh token (it starts with `0.` or `1.`); refresh tokens are opaque to clients and cannot be decoded; pass the access token instead")]
    RefreshToken,
    #[error("not a JWT: no `.` separators, so this is an opaque token (a refresh token, an authorization code or another service's token), not a JSON web token; only access and id tokens can be decoded")]
    Opaque,
    #[error("not a JWT: this is an encrypted token (JWE, 5 segments); only the service it was issued for can read it")]
    Encrypted,
    #[error("not a JWT: found {found} segments separated by `.`, a JWT has 3 (header.payload.signature){hint}")]
    Segments { found: usize, hint: &'static str },
    #[error("not a JWT: the {segment} segment is empty")]
    EmptySegment { segment: Segment },
    #[error("not a JWT: the {segment} segment is not base64url: character {position} of the token is `{ch}`{hint}")]
    NotBase64Url {
        segment: Segment,
        position: usize,
        ch: char,
        hint: &'static str,
    },
    #[error("not a JWT: the {segment} segment has an impossible base64url length ({len} characters): the token was cut short when copied")]
    BadLength { segment: Segment, len: usize },
    #[error("not a JWT: the {segment} segment decodes to bytes that are not UTF-8 text")]
    NotUtf8 { segment: Segment },
    #[error("not a JWT: the {segment} segment decodes but its JSON ends early: the token was cut short when copied")]
    TruncatedJson { segment: Segment },
    #[error("not a JWT: the {segment} segment decodes but is not JSON ({detail})")]
    NotJson { segment: Segment, detail: String },
    #[error("not a JWT: the {segment} segment is JSON but not an object")]
    NotObject { segment: Segment },
    #[error("not a JWT: the header has no `alg`")]
    NoAlg,
    #[error("the signature segment is empty although the header says `alg: {alg}`: the token was cut after the payload")]
    MissingSignature { alg: String },
    #[error("the signature is {len} bytes, but {alg} with an RSA key of at least 2048 bits gives at least 256: the token was cut short when copied")]
    TruncatedSignature { alg: String, len: usize },
}

/// A decoded token. Holds what verification needs; its `Debug` output never shows the signature.
#[derive(Clone)]
pub struct DecodedJwt {
    /// The header as JSON, in token order.
    pub header: Map<String, Value>,
    /// The claims as JSON, in token order.
    pub claims: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

impl std::fmt::Debug for DecodedJwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodedJwt")
            .field("header", &self.header)
            .field("claims", &self.claims)
            .field(
                "signature",
                &format_args!("<{} bytes>", self.signature.len()),
            )
            .finish()
    }
}

impl DecodedJwt {
    /// `base64url(header) "." base64url(payload)`: what the signature covers.
    pub fn signing_input(&self) -> &str {
        &self.signing_input
    }

    /// The raw signature bytes. Never print them.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// Header `alg`.
    pub fn alg(&self) -> &str {
        self.header.get("alg").and_then(Value::as_str).unwrap_or("")
    }

    fn header_str(&self, k: &str) -> Option<String> {
        self.header
            .get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    fn claim_str(&self, k: &str) -> Option<String> {
        self.claims.get(k).and_then(value_as_string)
    }
}

/// A string claim, or a number/bool written as a string.
fn value_as_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(a) => a.first().and_then(value_as_string),
        _ => None,
    }
}

/// A list claim: an array of strings, or a space-separated string.
fn value_as_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(value_as_string).collect(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// A time claim in Unix seconds (Entra writes integers; some tools write floats or strings).
/// Values beyond ±10^11 seconds (about year 5000) are not times; refusing them keeps the
/// arithmetic on them (seconds to expiry) from overflowing.
fn value_as_time(v: Option<&Value>) -> Option<i64> {
    const LIMIT: i64 = 100_000_000_000;
    let t = match v? {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.abs() < LIMIT as f64)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }?;
    (t.abs() < LIMIT).then_some(t)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        Some(&s[prefix.len()..])
    } else {
        None
    }
}

/// Removes what usually surrounds a pasted token: whitespace, an `Authorization:` header name, the
/// `Bearer ` scheme and quotes.
pub fn strip_wrapping(s: &str) -> &str {
    let mut t = s.trim();
    loop {
        let before = t;
        if let Some(r) = strip_prefix_ci(t, "authorization:") {
            t = r.trim();
        }
        if let Some(r) = strip_prefix_ci(t, "bearer ") {
            t = r.trim();
        }
        for q in ['"', '\'', '`'] {
            if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
                t = t[1..t.len() - 1].trim();
            }
        }
        if let Some(r) = t.strip_suffix(',') {
            t = r.trim_end();
        }
        if t == before {
            return t;
        }
    }
}

/// The token to decode in what people actually have: a bare token (quoted, `Bearer …`, an
/// `Authorization:` line), a token-endpoint JSON response (its `access_token`, else `id_token`), an
/// MSAL token cache (its first `AccessToken` secret, else `IdToken`), or any text holding one, such
/// as a cURL command (the token after `Bearer `, else the first). Returns the token and where it was
/// found; None when nothing token-shaped is there (decode the stripped text for a precise error).
pub fn pick_token(text: &str) -> Option<(&str, &'static str)> {
    let stripped = strip_wrapping(text);
    // A token, whole or damaged (wrapped, cut): decoding it says precisely what is wrong.
    if stripped.starts_with("eyJ") {
        return Some((stripped, "the token"));
    }
    let found = find_tokens(text);
    if found.is_empty() {
        return None;
    }
    if let Ok(v) = serde_json::from_str::<Value>(text.trim()) {
        let first_secret = |section: &str| {
            v.get(section)?
                .as_object()?
                .values()
                .find_map(|e| e.get("secret")?.as_str())
        };
        let choices = [
            (
                v.get("access_token").and_then(Value::as_str),
                "the access_token of the token response",
            ),
            (
                first_secret("AccessToken"),
                "the first access token of the MSAL cache",
            ),
            (
                v.get("id_token").and_then(Value::as_str),
                "the id_token of the token response",
            ),
            (
                first_secret("IdToken"),
                "the first id token of the MSAL cache",
            ),
        ];
        for (candidate, place) in choices {
            if let Some(t) = candidate.and_then(|c| found.iter().find(|f| **f == c.trim())) {
                return Some((t, place));
            }
        }
    }
    let after_bearer = found.iter().find(|t| {
        let at = text.find(**t).unwrap_or(0);
        text[..at]
            .trim_end()
            .to_ascii_lowercase()
            .ends_with("bearer")
    });
    Some(match after_bearer {
        Some(t) => (t, "the bearer token in the text"),
        None => (found[0], "the first token in the text"),
    })
}

fn is_b64url(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// True when `s` (already stripped) is shaped like a JWT, or like a damaged copy of one (a single
/// word starting with `eyJ` with a `.` in it), so that decoding can say precisely what is wrong.
pub fn looks_like_jwt(s: &str) -> bool {
    s.starts_with("eyJ")
        && s.contains('.')
        && s.len() >= 16
        && s.chars()
            .all(|c| is_b64url(c) || c == '.' || c == '=' || c == '+' || c == '/')
}

/// Every JWT-shaped substring of free text (a header, a payload both starting with `eyJ`, and a
/// signature), in order of appearance, without repeats.
pub fn find_tokens(text: &str) -> Vec<&str> {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
            .expect("token pattern")
    });
    let mut out: Vec<&str> = Vec::new();
    for m in re.find_iter(text) {
        // Not the tail of a longer base64 word.
        let prev = text[..m.start()].chars().next_back();
        if prev.is_some_and(|c| is_b64url(c) || c == '.') {
            continue;
        }
        if !out.contains(&m.as_str()) {
            out.push(m.as_str());
        }
    }
    out
}

/// Decodes a base64url segment, checking its alphabet first so the error can point at the
/// character. `offset` is the 1-based position of the segment's first character in the token.
fn decode_segment(seg: &str, which: Segment, offset: usize) -> Result<Vec<u8>, JwtError> {
    let body = seg.trim_end_matches('=');
    for (i, c) in body.chars().enumerate() {
        if !is_b64url(c) {
            let hint = match c {
                '+' | '/' => ": that is standard base64, not the URL-safe alphabet a JWT uses; the token was re-encoded by some tool",
                '%' => ": the token was URL-encoded; decode it first",
                '=' => ": padding in the middle; two tokens were glued together",
                _ => "",
            };
            return Err(JwtError::NotBase64Url {
                segment: which,
                position: offset + i,
                ch: c,
                hint,
            });
        }
    }
    if body.len() % 4 == 1 {
        return Err(JwtError::BadLength {
            segment: which,
            len: body.len(),
        });
    }
    LENIENT
        .decode(body.as_bytes())
        .map_err(|_| JwtError::BadLength {
            segment: which,
            len: body.len(),
        })
}

fn decode_json(seg: &str, which: Segment, offset: usize) -> Result<Map<String, Value>, JwtError> {
    if seg.is_empty() {
        return Err(JwtError::EmptySegment { segment: which });
    }
    let bytes = decode_segment(seg, which, offset)?;
    let text = String::from_utf8(bytes).map_err(|_| JwtError::NotUtf8 { segment: which })?;
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(JwtError::NotObject { segment: which }),
        Err(e) if e.is_eof() => Err(JwtError::TruncatedJson { segment: which }),
        Err(e) => Err(JwtError::NotJson {
            segment: which,
            detail: e.to_string(),
        }),
    }
}

/// Decodes a token (wrapping is stripped first). Does not verify anything.
pub fn decode(raw: &str) -> Result<DecodedJwt, JwtError> {
    let s = strip_wrapping(raw);
    if s.is_empty() {
        return Err(JwtError::Empty);
    }
    if let Some((i, _)) = s.chars().enumerate().find(|(_, c)| c.is_whitespace()) {
        return Err(JwtError::Whitespace { position: i + 1 });
    }
    if s.ends_with("...") || s.ends_with('…') {
        return Err(JwtError::Shortened);
    }
    let parts: Vec<&str> = s.split('.').collect();
    if !s.starts_with("ey") {
        if s.starts_with("EwA") || s.starts_with("EwB") || s.starts_with("EwC") {
            return Err(JwtError::MsaOpaque);
        }
        if (s.starts_with("0.") || s.starts_with("1.")) && s.len() > 40 {
            return Err(JwtError::RefreshToken);
        }
    }
    match parts.len() {
        1 => return Err(JwtError::Opaque),
        3 => {}
        5 => return Err(JwtError::Encrypted),
        n => {
            return Err(JwtError::Segments {
                found: n,
                hint: if n == 2 {
                    "; the signature part is missing: the copy was cut short"
                } else {
                    "; the token was glued to other text or copied twice"
                },
            })
        }
    }
    let header = decode_json(parts[0], Segment::Header, 1)?;
    let payload_at = parts[0].len() + 2;
    let claims = decode_json(parts[1], Segment::Payload, payload_at)?;
    let alg = match header.get("alg").and_then(Value::as_str) {
        Some(a) => a.to_string(),
        None => return Err(JwtError::NoAlg),
    };
    let sig_at = payload_at + parts[1].len() + 1;
    let signature = if parts[2].is_empty() {
        Vec::new()
    } else {
        decode_segment(parts[2], Segment::Signature, sig_at)?
    };
    let unsigned = alg.eq_ignore_ascii_case("none");
    if signature.is_empty() && !unsigned {
        return Err(JwtError::MissingSignature { alg });
    }
    if (alg.starts_with("RS") || alg.starts_with("PS")) && signature.len() < 256 {
        return Err(JwtError::TruncatedSignature {
            alg,
            len: signature.len(),
        });
    }
    Ok(DecodedJwt {
        header,
        claims,
        signing_input: format!("{}.{}", parts[0], parts[1]),
        signature,
    })
}

/// Fills the raw `token.*` facts. Derived ones (expired, app_only, audience match…) come later in
/// `evidence::derive`.
pub fn fill_evidence(d: &DecodedJwt, ev: &mut Evidence) {
    let t = &mut ev.token;
    t.present = true;
    t.alg = d.header_str("alg");
    t.kid = d.header_str("kid");
    t.x5t = d.header_str("x5t");
    t.typ = d.header_str("typ");
    t.header_nonce = d.header.contains_key("nonce");
    t.ver = d.claim_str("ver");
    t.aud = d.claims.get("aud").and_then(value_as_string);
    t.iss = d.claim_str("iss");
    t.tid = d.claim_str("tid");
    t.oid = d.claim_str("oid");
    t.sub = d.claim_str("sub");
    t.client_id = d.claim_str("appid").or_else(|| d.claim_str("azp"));
    t.app_name = d.claim_str("app_displayname");
    t.idtyp = d.claim_str("idtyp");
    t.scp = value_as_list(d.claims.get("scp"));
    t.roles = value_as_list(d.claims.get("roles"));
    t.user = d
        .claim_str("upn")
        .or_else(|| d.claim_str("preferred_username"))
        .or_else(|| d.claim_str("unique_name"));
    t.amr = value_as_list(d.claims.get("amr"));
    t.wids = value_as_list(d.claims.get("wids"));
    t.iat = value_as_time(d.claims.get("iat"));
    t.nbf = value_as_time(d.claims.get("nbf"));
    t.exp = value_as_time(d.claims.get("exp"));
    t.kind = Some(token_kind(d));
    ev.note_source("token", "jwt");
}

/// `access` or `id`: access tokens always name their client (`appid`/`azp`) or carry permissions;
/// id tokens carry neither, and their audience is the client itself.
fn token_kind(d: &DecodedJwt) -> TokenKind {
    let has = |k: &str| d.claims.contains_key(k);
    if has("scp") || has("roles") || has("appid") || has("idtyp") {
        return TokenKind::Access;
    }
    if has("azp") {
        // A v2 id token may carry `azp` equal to its audience; an access token's azp is the caller.
        let aud = d.claims.get("aud").and_then(value_as_string);
        return if aud.is_some() && aud == d.claim_str("azp") && !has("azpacr") {
            TokenKind::Id
        } else {
            TokenKind::Access
        };
    }
    if has("nonce") || has("at_hash") || has("c_hash") || has("auth_time") {
        return TokenKind::Id;
    }
    let aud = d.claims.get("aud").and_then(value_as_string);
    if aud
        .as_deref()
        .is_some_and(authcheck_model::evidence::derive::looks_like_guid)
    {
        TokenKind::Id
    } else {
        TokenKind::Access
    }
}

/// True when the token is for Microsoft Graph (any cloud's Graph host, or Graph's app id).
fn is_graph_token(d: &DecodedJwt) -> bool {
    let aud = d
        .claims
        .get("aud")
        .and_then(value_as_string)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let aud = aud.trim_end_matches('/');
    aud == "00000003-0000-0000-c000-000000000000"
        || authcheck_model::knowledge::clouds::CLOUDS
            .iter()
            .any(|c| aud == format!("https://{}", c.graph_host))
        || aud == "https://graph.windows.net"
}

/// A key of a JWKS document, as far as verification needs it.
struct JwksKey<'a> {
    kid: Option<&'a str>,
    x5t: Option<&'a str>,
    raw: &'a Map<String, Value>,
}

fn key_list(jwks: &Value) -> Result<Vec<JwksKey<'_>>, String> {
    let Some(obj) = jwks.as_object() else {
        return Err("not a JWKS document: expected a JSON object with a `keys` list".into());
    };
    let Some(keys) = obj.get("keys") else {
        if let Some(uri) = obj.get("jwks_uri").and_then(Value::as_str) {
            return Err(format!(
                "this is an OpenID configuration, not a key set; download its jwks_uri ({uri}) and pass that file"
            ));
        }
        return Err("not a JWKS document: no `keys` list".into());
    };
    let Some(keys) = keys.as_array() else {
        return Err("not a JWKS document: `keys` is not a list".into());
    };
    let mut out = Vec::new();
    for k in keys {
        let Some(m) = k.as_object() else {
            return Err("not a JWKS document: an entry of `keys` is not an object".into());
        };
        out.push(JwksKey {
            kid: m.get("kid").and_then(Value::as_str),
            x5t: m.get("x5t").and_then(Value::as_str),
            raw: m,
        });
    }
    Ok(out)
}

/// Builds a verification key from `n`/`e`, `x`/`y` or the first `x5c` certificate.
fn decoding_key(k: &JwksKey<'_>) -> Result<jsonwebtoken::DecodingKey, String> {
    use jsonwebtoken::DecodingKey;
    let s = |f: &str| k.raw.get(f).and_then(Value::as_str);
    let name = k.kid.or(k.x5t).unwrap_or("without a kid");
    let kty = s("kty").unwrap_or("");
    if let (Some(n), Some(e)) = (s("n"), s("e")) {
        return DecodingKey::from_rsa_components(n, e)
            .map_err(|_| format!("key {name}: `n`/`e` are not base64url RSA components"));
    }
    if let (Some(x), Some(y)) = (s("x"), s("y")) {
        return DecodingKey::from_ec_components(x, y)
            .map_err(|_| format!("key {name}: `x`/`y` are not base64url EC coordinates"));
    }
    if let Some(cert) = k
        .raw
        .get("x5c")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str)
    {
        let pem = format!("-----BEGIN CERTIFICATE-----\n{cert}\n-----END CERTIFICATE-----\n");
        let key = if kty == "EC" {
            DecodingKey::from_ec_pem(pem.as_bytes())
        } else {
            DecodingKey::from_rsa_pem(pem.as_bytes())
        };
        return key.map_err(|_| format!("key {name}: its x5c certificate cannot be read"));
    }
    Err(format!(
        "key {name} has no usable key material (no `n`/`e`, `x`/`y` or `x5c`)"
    ))
}

fn set_sig(ev: &mut Evidence, state: SignatureVerdict, detail: String) {
    ev.token.signature = Some(state);
    ev.token.signature_detail = Some(detail);
}

/// Verifies the signature against a JWKS document (the issuer's `discovery/v2.0/keys`). Sets
/// `token.signature` and `token.signature_detail`; expiry and audience are the rules' business.
/// Errs only when the JWKS document itself cannot be used.
pub fn check_signature(d: &DecodedJwt, jwks_json: &str, ev: &mut Evidence) -> Result<(), String> {
    let doc: Value = serde_json::from_str(jwks_json).map_err(|e| {
        format!(
            "not a JWKS document: not JSON ({})",
            e.to_string().split(" at line").next().unwrap_or("")
        )
    })?;
    let keys = key_list(&doc)?;
    let alg_name = d.alg().to_string();
    if alg_name.eq_ignore_ascii_case("none") {
        set_sig(
            ev,
            SignatureVerdict::Unsigned,
            "the header says `alg: none`: the token carries no signature, so anyone could have written it; Entra never issues such tokens".into(),
        );
        return Ok(());
    }
    if d.header.contains_key("nonce") && is_graph_token(d) {
        set_sig(
            ev,
            SignatureVerdict::NotVerifiableByDesign,
            "a Microsoft Graph token with a `nonce` in its header: the signature covers a hash of that nonce, so only Graph itself can verify it; this is by design, not a fault".into(),
        );
        return Ok(());
    }
    let alg: jsonwebtoken::Algorithm = match alg_name.parse() {
        Ok(a) => a,
        Err(_) => {
            set_sig(
                ev,
                SignatureVerdict::Invalid,
                format!("the header names algorithm `{alg_name}`, which no Entra key signs with"),
            );
            return Ok(());
        }
    };
    if matches!(
        alg,
        jsonwebtoken::Algorithm::HS256
            | jsonwebtoken::Algorithm::HS384
            | jsonwebtoken::Algorithm::HS512
    ) {
        set_sig(
            ev,
            SignatureVerdict::Invalid,
            format!("the header says `{alg_name}`, a shared-secret algorithm: Entra signs with RSA keys, so this token was not issued by Entra"),
        );
        return Ok(());
    }
    let kid = d.header_str("kid");
    let x5t = d.header_str("x5t");
    let chosen: Vec<&JwksKey<'_>> = match (&kid, &x5t) {
        (None, None) => keys.iter().collect(),
        _ => keys
            .iter()
            .filter(|k| {
                (kid.is_some() && k.kid == kid.as_deref())
                    || (x5t.is_some() && (k.x5t == x5t.as_deref() || k.kid == x5t.as_deref()))
            })
            .collect(),
    };
    let named = kid
        .as_deref()
        .or(x5t.as_deref())
        .map(|k| format!("`{k}`"))
        .unwrap_or_else(|| "(none in the header)".into());
    if chosen.is_empty() {
        let known: Vec<&str> = keys.iter().filter_map(|k| k.kid).take(6).collect();
        set_sig(
            ev,
            SignatureVerdict::UnknownKid,
            format!(
                "no key in the key set has kid {named} (it holds {} key{}{}): the token was signed by another tenant's or another cloud's keys, by an app-specific signing key, or by a key that a rollover withdrew from this key set (or that a saved copy of it predates)",
                keys.len(),
                if keys.len() == 1 { "" } else { "s" },
                if known.is_empty() { String::new() } else { format!(": {}", known.join(", ")) }
            ),
        );
        return Ok(());
    }
    let sig = URL_SAFE_NO_PAD.encode(&d.signature);
    for k in &chosen {
        let key = decoding_key(k)?;
        // A key of the wrong family (EC key for an RS256 token) simply does not verify.
        if let Ok(true) = jsonwebtoken::crypto::verify(&sig, d.signing_input.as_bytes(), &key, alg)
        {
            set_sig(
                ev,
                SignatureVerdict::Valid,
                format!(
                    "{alg_name} signature verifies with key {}",
                    k.kid
                        .or(k.x5t)
                        .map(|s| format!("`{s}`"))
                        .unwrap_or_default()
                ),
            );
            return Ok(());
        }
    }
    set_sig(
        ev,
        SignatureVerdict::Invalid,
        format!(
            "the {alg_name} signature does not verify with key {named}: the token was changed after it was signed (a claim edited by hand or by a proxy), or it was signed by a different key that reuses the kid"
        ),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s.as_bytes())
    }

    fn token(h: &str, p: &str) -> String {
        format!(
            "{}.{}.{}",
            b64(h),
            b64(p),
            URL_SAFE_NO_PAD.encode([7u8; 256])
        )
    }

    #[test]
    fn strips_wrapping() {
        assert_eq!(
            strip_wrapping("  Authorization: Bearer abc.def "),
            "abc.def"
        );
        assert_eq!(strip_wrapping("\"bearer abc\""), "abc");
        assert_eq!(strip_wrapping("'abc',"), "abc");
    }

    #[test]
    fn decodes_and_explains_errors() {
        let t = token(
            r#"{"typ":"JWT","alg":"RS256","kid":"k1"}"#,
            r#"{"aud":["a","b"],"exp":5}"#,
        );
        let d = decode(&t).unwrap();
        assert_eq!(d.alg(), "RS256");
        let mut ev = Evidence::new(0);
        fill_evidence(&d, &mut ev);
        assert_eq!(ev.token.aud.as_deref(), Some("a"));
        assert!(!format!("{d:?}").contains(&t[t.rfind('.').unwrap() + 1..]));

        let parts: Vec<&str> = t.split('.').collect();
        assert!(matches!(
            decode(&format!("{}.{}", parts[0], parts[1])),
            Err(JwtError::Segments { found: 2, .. })
        ));
        assert!(matches!(decode("a.b.c.d.e"), Err(JwtError::Encrypted)));
        assert!(matches!(
            decode("EwBwA8l6BAAUO9chh8"),
            Err(JwtError::MsaOpaque)
        ));
        assert!(matches!(decode("opaque"), Err(JwtError::Opaque)));
        let bad = format!("{}.{}+x.{}", parts[0], parts[1], parts[2]);
        match decode(&bad) {
            Err(JwtError::NotBase64Url {
                segment,
                position,
                ch,
                ..
            }) => {
                assert_eq!(segment, Segment::Payload);
                assert_eq!(ch, '+');
                assert_eq!(position, parts[0].len() + parts[1].len() + 2);
            }
            other => panic!("{other:?}"),
        }
        let cut = format!(
            "{}.{}.{}",
            parts[0],
            &parts[1][..parts[1].len() - 4],
            parts[2]
        );
        assert!(
            matches!(decode(&cut), Err(JwtError::TruncatedJson { .. })),
            "{:?}",
            decode(&cut)
        );
        let ws = format!(
            "{}.{} {}.{}",
            parts[0],
            &parts[1][..4],
            &parts[1][4..],
            parts[2]
        );
        assert!(matches!(decode(&ws), Err(JwtError::Whitespace { .. })));
    }

    #[test]
    fn finds_tokens_in_text() {
        let t = token(r#"{"alg":"RS256"}"#, r#"{"aud":"x"}"#);
        let text = format!("Authorization: Bearer {t}\nand again {t}.");
        assert_eq!(find_tokens(&text), vec![t.as_str()]);
    }
    #[test]
    fn verifies_es256_and_finds_keys_by_x5t() {
        use aws_lc_rs::rand::SystemRandom;
        use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
        let kp = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let point = kp.public_key().as_ref().to_vec(); // 0x04 || x || y
        let (x, y) = (&point[1..33], &point[33..65]);
        let input = format!(
            "{}.{}",
            b64(r#"{"alg":"ES256","x5t":"t1"}"#),
            b64(r#"{"aud":"https://purview.azure.net"}"#)
        );
        let sig = kp.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
        let t = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()));
        let d = decode(&t).unwrap();
        let jwks = serde_json::json!({"keys": [
            {"kty": "RSA", "kid": "other", "n": "AQAB", "e": "AQAB"},
            {"kty": "EC", "crv": "P-256", "x5t": "t1", "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y)}
        ]})
        .to_string();
        let mut ev = Evidence::new(0);
        check_signature(&d, &jwks, &mut ev).unwrap();
        assert_eq!(
            ev.token.signature.map(|v| v.as_str()),
            Some("valid"),
            "{:?}",
            ev.token.signature_detail
        );
        // The same token with one claim edited no longer verifies.
        let edited = format!(
            "{}.{}.{}",
            b64(r#"{"alg":"ES256","x5t":"t1"}"#),
            b64(r#"{"aud":"https://management.azure.com/"}"#),
            URL_SAFE_NO_PAD.encode(sig.as_ref())
        );
        let mut ev = Evidence::new(0);
        check_signature(&decode(&edited).unwrap(), &jwks, &mut ev).unwrap();
        assert_eq!(ev.token.signature.map(|v| v.as_str()), Some("invalid"));
        // A key set that is not one is an error naming what is wrong.
        assert!(check_signature(&d, "[1,2]", &mut ev)
            .unwrap_err()
            .contains("`keys`"));
    }
    #[test]
    fn odd_claim_values_never_panic() {
        let t = token(
            r#"{"alg":"RS256","kid":7}"#,
            r#"{"aud":17,"exp":-1e30,"iat":"1795520520","nbf":9223372036854775807,"roles":"A B","scp":[1,"x"],"wids":null,"x":{"y":[]}}"#,
        );
        let d = decode(&t).unwrap();
        let mut ev = Evidence::new(1_795_521_600);
        fill_evidence(&d, &mut ev);
        assert_eq!(ev.token.exp, None);
        assert_eq!(ev.token.nbf, None);
        assert_eq!(ev.token.iat, Some(1_795_520_520));
        assert_eq!(ev.token.aud.as_deref(), Some("17"));
        assert_eq!(ev.token.roles, vec!["A", "B"]);
        authcheck_model::evidence::derive::derive(&mut ev, None);
        let view = explain(&d, &ev);
        assert_eq!(view.claims.len(), 8);
    }

    #[test]
    fn damaged_copies_never_panic() {
        let t = token(
            r#"{"typ":"JWT","alg":"RS256","kid":"k"}"#,
            r#"{"aud":"https://purview.azure.net","exp":1795524120,"scp":"a b"}"#,
        );
        let bytes: Vec<char> = t.chars().collect();
        for i in (0..bytes.len()).step_by(7) {
            let mut cut: String = bytes[..i].iter().collect();
            let _ = decode(&cut);
            cut.push('~');
            let _ = decode(&cut);
            let mut swapped = bytes.clone();
            swapped[i] = ['.', ' ', '=', '+', 'é', '\0'][i % 6];
            let s: String = swapped.into_iter().collect();
            if let Ok(d) = decode(&s) {
                let mut ev = Evidence::new(0);
                fill_evidence(&d, &mut ev);
                let _ = explain(&d, &ev);
            }
        }
    }
}
