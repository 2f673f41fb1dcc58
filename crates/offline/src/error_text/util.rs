//! Small text helpers shared by the error-text scanners and the other sources that read text (HAR,
//! SDK logs, redaction): the regex cache, entity and escape undoing, percent-decoding, masked-value
//! detection, trailer stripping, timestamps.

use regex::Regex;
use std::borrow::Cow;

/// A compiled regex, built once per call site (the pattern expression is evaluated only then).
/// Shared by every text-reading source.
macro_rules! re {
    ($s:expr) => {{
        static R: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
        R.get_or_init(|| $crate::error_text::util::compile($s))
    }};
}
pub(crate) use re;

/// `re!(pattern).captures(text)`, but only when `gate` (cheap literal checks with [`has_ci`]) holds:
/// otherwise None, and the pattern is never compiled. The gate must hold for every text the
/// pattern can match.
macro_rules! captures_if {
    ($t:expr, $gate:expr, $s:expr) => {{
        if $gate {
            $crate::error_text::util::re!($s).captures($t)
        } else {
            None
        }
    }};
}
pub(crate) use captures_if;

/// The first captures of `re` in `text` whose groups hold at most the given number of characters
/// (`(group, max)` pairs), searching on from the next start when a match holds more. `re` is a
/// pattern whose bounded runs are written unbounded (`'([^']+)'` for `'([^']{1,300})'`): a bounded
/// repetition of a Unicode class compiles to thousands of automaton states. Exact only when each
/// limited group is a forced run (a class up to a delimiter it excludes), so that a match at a given
/// start is the one the bounded pattern would find there, if any.
pub fn captures_within<'t>(
    re: &Regex,
    text: &'t str,
    limits: &[(usize, usize)],
) -> Option<regex::Captures<'t>> {
    let mut at = 0;
    loop {
        let c = re.captures_at(text, at)?;
        let fits = limits.iter().all(|&(g, max)| {
            c.get(g)
                .is_none_or(|m| m.as_str().chars().nth(max).is_none())
        });
        if fits {
            return Some(c);
        }
        let start = c.get(0)?.start();
        at = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
}

/// Compiles a built-in pattern. The patterns are literals of this crate, so a failure is a bug
/// caught by the tests, never input-dependent.
pub fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in regex is valid")
}

/// Whether `text` may hold `needle` as a case-insensitive regex (`(?i)`) would match it: an ASCII
/// case-insensitive search, and always true when the text has one of the two non-ASCII letters
/// Unicode case folding maps onto ASCII (KELVIN SIGN for `k`, LONG S for `s`). `needle` must be a
/// literal every match of the gated pattern contains. Used to skip compiling and running the large
/// phrase patterns (bounded repetitions of Unicode classes build big automata) on pastes that
/// cannot match them; it never changes what a pattern finds.
pub fn has_ci(text: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    let b = text.as_bytes();
    if n.is_empty() {
        return true;
    }
    let folds = |ascii: u8, other: char| {
        needle.bytes().any(|c| c.eq_ignore_ascii_case(&ascii)) && text.contains(other)
    };
    if !text.is_ascii() && (folds(b'k', '\u{212A}') || folds(b's', '\u{17F}')) {
        return true;
    }
    let first = n[0].to_ascii_lowercase();
    b.len() >= n.len()
        && (0..=b.len() - n.len()).any(|i| {
            b[i].to_ascii_lowercase() == first && b[i..i + n.len()].eq_ignore_ascii_case(n)
        })
}

/// `az login … -p VALUE` (also `--password`, `--secret`): group 1 is everything up to the
/// value, group 2 the value (quoted or a word). Both the error-text scrub and the redaction
/// replace group 2.
pub const AZ_LOGIN_SECRET: &str =
    r#"(?i)(\baz\s+login\b[^\n]*?\s(?:-p|--password|--secret)\s+)("[^"]*"|'[^']*'|\S+)"#;

/// Reads the next line of `reader` (its end included) into `buf`, as text; None at the end. A
/// line that is not UTF-8 is read with replacement characters and counted in `not_utf8`.
pub fn read_line_lossy<'a>(
    reader: &mut dyn std::io::BufRead,
    buf: &'a mut Vec<u8>,
    not_utf8: &mut u64,
) -> std::io::Result<Option<Cow<'a, str>>> {
    buf.clear();
    if reader.read_until(b'\n', buf)? == 0 {
        return Ok(None);
    }
    let bytes: &'a [u8] = buf;
    Ok(Some(match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            *not_utf8 += 1;
            String::from_utf8_lossy(bytes)
        }
    }))
}

/// The host of a URL as text shows it (`https://HOST:port/path?q`): lower case, port kept; None
/// without `://`.
pub fn url_host(url: &str) -> Option<String> {
    url.split("://")
        .nth(1)
        .and_then(|r| r.split(['/', '?', '#']).next())
        .map(|h| h.to_ascii_lowercase())
}

/// The path of a URL as text shows it, from the first `/` after the scheme's `://` (query and
/// fragment included); empty when there is none.
pub fn url_path(url: &str) -> &str {
    url.split("://")
        .nth(1)
        .and_then(|r| r.find('/').map(|i| &r[i..]))
        .unwrap_or("")
}

/// Undoes the HTML entities people paste from web pages and portals (`&#39;`, `&quot;`, …).
pub fn html_unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let semi = tail.as_bytes().iter().take(12).position(|b| *b == b';');
        let decoded = semi.and_then(|j| entity(&tail[1..j]).map(|c| (c, j)));
        match decoded {
            Some((c, j)) => {
                out.push(c);
                rest = &tail[j + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn entity(name: &str) -> Option<char> {
    match name {
        "quot" => Some('"'),
        "apos" => Some('\''),
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "nbsp" => Some(' '),
        _ => {
            let n = if let Some(h) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                u32::from_str_radix(h, 16).ok()?
            } else {
                name.strip_prefix('#')?.parse::<u32>().ok()?
            };
            char::from_u32(n).filter(|c| *c != '\0')
        }
    }
}

/// Undoes one level of JSON/C-style backslash escaping (`\"`, `\n`, `\r\n`, `\u0027`, `\/`), so text
/// that was a JSON string inside another document reads as plain text.
pub fn unescape_backslashes(s: &str) -> Cow<'_, str> {
    if !s.contains('\\') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.peek().map(|p| p.1) {
            Some('"') | Some('\'') | Some('/') | Some('\\') => {
                let (_, n) = it.next().unwrap_or((i, c));
                out.push(n);
            }
            Some('n') => {
                it.next();
                out.push('\n');
            }
            Some('r') => {
                it.next();
                // `\r\n` becomes one line break; a lone `\r` too.
                let next_is_n = s.get(i + 2..i + 4) == Some("\\n");
                if !next_is_n {
                    out.push('\n');
                }
            }
            Some('t') => {
                it.next();
                out.push(' ');
            }
            Some('u') => {
                let hex = s.get(i + 2..i + 6);
                match hex
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .and_then(char::from_u32)
                    .filter(|c| *c != '\0')
                {
                    Some(ch) => {
                        for _ in 0..5 {
                            it.next();
                        }
                        out.push(ch);
                    }
                    None => out.push('\\'),
                }
            }
            _ => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

/// The text with entities and up to two levels of backslash escaping undone, and `\r\n` as `\n`.
pub fn flatten(text: &str) -> String {
    let t = html_unescape(text);
    let mut s = if t.contains('\r') {
        t.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        t.into_owned()
    };
    // curl -v marks header lines with `< ` and `> `.
    if s.contains("\n< ") || s.starts_with("< ") || s.contains("\n> ") || s.starts_with("> ") {
        s = re!(r"(?m)^[<>] ").replace_all(&s, "").into_owned();
    }
    // An HTML page: tags become spaces so table cells read as `Label: value`.
    if re!(r"(?i)</(?:p|div|td|tr|span|table|h\d|body|html|li|b|pre)>").is_match(&s) {
        s = re!(r"<[/!]?[A-Za-z][^<>]{0,500}>")
            .replace_all(&s, " ")
            .into_owned();
    }
    for _ in 0..2 {
        if !(s.contains("\\\"") || s.contains("\\n") || s.contains("\\u0") || s.contains("\\'")) {
            break;
        }
        s = unescape_backslashes(&s).into_owned();
    }
    let normalized = match normalize_aadsts(&s) {
        Cow::Owned(n) => Some(n),
        Cow::Borrowed(_) => None,
    };
    normalized.unwrap_or(s)
}

/// `AADSTS` codes as people retype or tools reformat them — any letter case, spaces or a colon
/// between the prefix and the number (`aadsts 50076`, `AADSTS : 700016`, `AadSts-7000215`) —
/// written the one way Entra does (`AADSTS50076`), so every scanner reads them alike.
pub fn normalize_aadsts(s: &str) -> Cow<'_, str> {
    if !has_ci(s, "aadsts") {
        return Cow::Borrowed(s);
    }
    let r = re!(r"(?i)aadsts(?:[ \t]*[:#-]?[ \t]*)(\d{4,9})\b");
    if r.captures_iter(s).all(|c| {
        c.get(0)
            .is_some_and(|m| m.as_str().starts_with("AADSTS") && m.len() == 6 + c[1].len())
    }) {
        return Cow::Borrowed(s);
    }
    r.replace_all(s, "AADSTS$1")
}

/// Up to `n` bytes of `s` before byte `i`, cut on a character boundary.
pub fn before(s: &str, i: usize, n: usize) -> &str {
    let i = i.min(s.len());
    let mut start = i.saturating_sub(n);
    while start < i && !s.is_char_boundary(start) {
        start += 1;
    }
    s.get(start..i).unwrap_or("")
}

/// Up to `n` bytes of `s` from byte `i`, cut on a character boundary.
pub fn after(s: &str, i: usize, n: usize) -> &str {
    let i = i.min(s.len());
    let mut end = (i + n).min(s.len());
    while end > i && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(i..end).unwrap_or("")
}

/// True for a GUID in its 8-4-4-4-12 form, blanks around it ignored.
pub fn is_guid(s: &str) -> bool {
    authcheck_model::evidence::derive::looks_like_guid(s)
}

/// True when a value was masked or left as a placeholder by whoever pasted it: `***`, `xxxx`,
/// `<client_id>`, `{tenant}`, `${VAR}`, `$(VAR)`, `...`, the all-zero GUID, `REDACTED`.
pub fn is_masked(s: &str) -> bool {
    let t = s.trim();
    if t.is_empty() {
        return true;
    }
    let l = t.to_ascii_lowercase();
    if t.contains('*')
        || l.contains("xxxx")
        || t.contains("...")
        || t.contains('…')
        || (t.starts_with('<') && t.ends_with('>'))
        || (t.starts_with('{') && t.ends_with('}'))
        || (t.starts_with('[') && t.ends_with(']'))
        || t.starts_with("${")
        || t.starts_with("$(")
        || t.starts_with("{{")
        || (t.starts_with('%') && t.ends_with('%') && t.len() > 2)
        || l.contains("redacted")
        || l.contains("removed")
        || l.starts_with("your-")
        || l.starts_with("your_")
        || l.starts_with("<")
        || matches!(
            l.as_str(),
            "null"
                | "none"
                | "undefined"
                | "nil"
                | "hidden"
                | "secret"
                | "changeme"
                | "placeholder"
        )
    {
        return true;
    }
    // The all-zero GUID and GUIDs of one repeated digit are examples, not IDs.
    if t.len() == 36 && t.contains('-') {
        let digits: Vec<char> = t.chars().filter(|c| *c != '-').collect();
        if digits.iter().all(|c| *c == digits[0]) {
            return true;
        }
    }
    false
}

/// A value worth keeping as an identifier: trimmed of quotes and punctuation, and not masked.
pub fn clean_id(s: &str) -> Option<String> {
    let t = s
        .trim()
        .trim_matches(|c: char| c == '\'' || c == '"' || c == '`')
        .trim()
        .trim_end_matches(['.', ',', ';'])
        .trim();
    if t.is_empty() || t.len() > 300 || is_masked(t) {
        None
    } else {
        Some(t.to_string())
    }
}

/// A tenant as the error names it, kept only when it could be a token-endpoint segment (a GUID, a
/// domain, `common`/`organizations`/`consumers`), never a display name.
pub fn clean_tenant(s: &str) -> Option<String> {
    let t = clean_id(s)?;
    let l = t.to_ascii_lowercase();
    let ok = is_guid(&t)
        || matches!(l.as_str(), "common" | "organizations" | "consumers")
        || (t.contains('.')
            && !t.contains(char::is_whitespace)
            && !t.contains('/')
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
    ok.then_some(t)
}

/// Cuts the `Trace ID: … Correlation ID: … Timestamp: …` trailer Entra appends to its messages,
/// collapses whitespace and trims leftover separators.
pub fn strip_trailer(s: &str) -> String {
    let cut = re!(r"(?i)(?:\s-\s*)?\b(?:trace\s*id|correlation\s*id|timestamp)\s*:")
        .find(s)
        .map(|m| m.start())
        .unwrap_or(s.len());
    let collapsed = collapse_ws(&s[..cut]);
    collapsed
        .trim_end_matches(|c: char| c == '-' || c == ',' || c == ';' || c.is_whitespace())
        .trim()
        .to_string()
}

/// Every run of whitespace as one space.
pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// Reads Entra's timestamps: `2026-11-24 10:12:44Z`, RFC 3339, with or without fractions.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let t = s
        .trim()
        .trim_matches(|c| c == '[' || c == ']' || c == '\'' || c == '"');
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(d.timestamp());
    }
    let t2 = t.replace(' ', "T");
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(&t2) {
        return Some(d.timestamp());
    }
    let bare = t2.trim_end_matches('Z');
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(bare, f) {
            return Some(d.and_utc().timestamp());
        }
    }
    None
}

/// Percent-decoding for form and query values (`+` is a space); invalid escapes are kept as
/// written.
pub fn url_decode(s: &str) -> String {
    if !s.contains('%') && !s.contains('+') {
        return s.to_string();
    }
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// OAuth 2.0 `error` values Entra returns (RFC 6749 and OpenID Connect).
pub const OAUTH_ERRORS: &[&str] = &[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "access_denied",
    "unsupported_response_type",
    "server_error",
    "temporarily_unavailable",
    "interaction_required",
    "login_required",
    "consent_required",
    "account_selection_required",
    "invalid_resource",
    "authorization_pending",
    "authorization_declined",
    "expired_token",
    "bad_verification_code",
    "slow_down",
];

pub fn is_oauth_error(s: &str) -> bool {
    OAUTH_ERRORS.contains(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_ci_is_a_superset_of_case_insensitive_matching() {
        assert!(has_ci(
            "AADSTS500011: The resource PRINCIPAL named x",
            "principal named"
        ));
        assert!(!has_ci("principal  named", "principal named"));
        assert!(!has_ci("ab", "abc"));
        assert!(has_ci("anything", ""));
        // Unicode case folding maps KELVIN SIGN onto `k` and LONG S onto `s`: the gate lets them
        // through, as `(?i)` would match them.
        let kelvin = "\u{212A}eys for app";
        assert!(compile("(?i)keys for app").is_match(kelvin));
        assert!(has_ci(kelvin, "keys for app"));
        assert!(has_ci("\u{17F}ecret", "secret"));
        assert!(!has_ci("\u{17F}ecret", "other"));
    }

    #[test]
    fn aadsts_in_any_case_and_spacing() {
        assert_eq!(normalize_aadsts("aadsts 50076: x"), "AADSTS50076: x");
        assert_eq!(normalize_aadsts("AADSTS : 700016"), "AADSTS700016");
        assert_eq!(
            normalize_aadsts("AadSts-7000215 and AADSTS50012"),
            "AADSTS7000215 and AADSTS50012"
        );
        assert!(matches!(
            normalize_aadsts("AADSTS50076: x"),
            Cow::Borrowed(_)
        ));
        assert_eq!(normalize_aadsts("aadsts: the user"), "aadsts: the user");
        assert!(flatten("Error aadsts  90002: tenant").contains("AADSTS90002: tenant"));
    }

    #[test]
    fn entities_and_escapes() {
        assert_eq!(
            html_unescape("it&#39;s &quot;x&quot; &amp;"),
            "it's \"x\" &"
        );
        assert_eq!(html_unescape("&bogus; & &#xZZ;"), "&bogus; & &#xZZ;");
        assert_eq!(flatten(r#"a\r\nb \"c\" \u0027d\u0027"#), "a\nb \"c\" 'd'");
        assert_eq!(url_decode("a%20b+c%2F%"), "a b c/%");
        assert_eq!(url_decode("%"), "%");
        assert_eq!(url_decode("%4"), "%4");
        assert_eq!(url_decode("a%3Ab+c%"), "a:b c%");
        assert_eq!(url_decode("%zz%4"), "%zz%4");
        assert_eq!(url_decode("%+5"), "% 5");
        assert_eq!(
            url_host("GET https://Acct.Purview.azure.com:443/scan?x#y").as_deref(),
            Some("acct.purview.azure.com:443")
        );
        assert_eq!(url_host("no url"), None);
        assert_eq!(url_path("https://h/a/b?c=1"), "/a/b?c=1");
        assert_eq!(url_path("https://h?c=1"), "");
        assert_eq!(url_path("h/a"), "");
    }

    #[test]
    fn lines_lossy() {
        let mut r = std::io::Cursor::new(b"a\r\n\xff b\nc".to_vec());
        let (mut buf, mut bad) = (Vec::new(), 0);
        let mut lines = Vec::new();
        while let Some(l) = read_line_lossy(&mut r, &mut buf, &mut bad).unwrap() {
            lines.push(l.into_owned());
        }
        assert_eq!(lines, ["a\r\n", "\u{fffd} b\n", "c"]);
        assert_eq!(bad, 1);
    }

    #[test]
    fn masks_and_trailers() {
        assert!(is_masked("***"));
        assert!(is_masked("<client_id>"));
        assert!(is_masked("00000000-0000-0000-0000-000000000000"));
        assert!(is_masked("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"));
        assert!(!is_masked("5e2c8a51-0f9c-4a7e-b1d2-7c3f6a9e1b24"));
        assert_eq!(
            strip_trailer("AADSTS1: x.\r\n Trace ID: a Correlation ID: b Timestamp: c"),
            "AADSTS1: x."
        );
        assert_eq!(parse_timestamp("2026-11-24 10:12:44Z"), Some(1795515164));
        assert_eq!(
            parse_timestamp("2026-11-24T10:12:44.1234567Z"),
            Some(1795515164)
        );
    }
}
