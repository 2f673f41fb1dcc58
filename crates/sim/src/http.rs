//! The request and reply types every endpoint works with, independent of the HTTP server: a
//! request already read into memory, and a reply that may also be a broken one (a reset or a
//! truncated body) when a fault says so.

use serde_json::Value;
use std::collections::BTreeMap;

/// One request, read whole.
#[derive(Debug, Clone, Default)]
pub struct Req {
    pub method: String,
    /// The path, percent-decoded.
    pub path: String,
    /// Query parameters, decoded (the last value wins).
    pub query: BTreeMap<String, String>,
    /// Header names lower-cased.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
    /// The instant the request is judged at (Unix seconds).
    pub now: i64,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The form body (`application/x-www-form-urlencoded`), decoded; repeated names keep the first.
    pub fn form(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let text = String::from_utf8_lossy(&self.body);
        for (k, v) in parse_urlencoded(&text) {
            out.entry(k).or_insert(v);
        }
        out
    }

    /// The bearer token of the `Authorization` header, if any.
    pub fn bearer(&self) -> Option<&str> {
        let h = self.header("authorization")?;
        let (scheme, rest) = h.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| rest.trim())
            .filter(|t| !t.is_empty())
    }

    /// The client's `client-request-id`, or a fresh id: Entra echoes it as the correlation id.
    pub fn correlation_id(&self) -> String {
        self.header("client-request-id")
            .filter(|v| uuid::Uuid::parse_str(v).is_ok())
            .map(|v| v.to_ascii_lowercase())
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
    }
}

/// What to send back.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub content_type: &'static str,
    pub broken: Broken,
}

/// How a fault breaks the reply on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    No,
    /// Close the connection before any byte of the reply.
    Reset,
    /// Announce the whole length, send half, then close.
    Truncate,
}

impl Reply {
    pub fn json(status: u16, v: &Value) -> Reply {
        Reply {
            status,
            headers: vec![],
            body: serde_json::to_vec(v).unwrap_or_default(),
            content_type: "application/json; charset=utf-8",
            broken: Broken::No,
        }
    }

    pub fn html(status: u16, text: &str) -> Reply {
        Reply {
            status,
            headers: vec![],
            body: text.as_bytes().to_vec(),
            content_type: "text/html",
            broken: Broken::No,
        }
    }

    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: vec![],
            body: vec![],
            content_type: "text/plain",
            broken: Broken::No,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// Decodes `a=b&c=d` with `+` as space and percent escapes.
pub fn parse_urlencoded(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Percent-decodes; with `plus`, `+` is a space (form and query encoding). Invalid escapes are
/// kept as written.
pub fn percent_decode(s: &str, plus: bool) -> String {
    if plus && s.contains('+') {
        let spaced = s.replace('+', " ");
        return percent_encoding::percent_decode_str(&spaced)
            .decode_utf8_lossy()
            .into_owned();
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// What a query value may hold as it is: RFC 3986's unreserved characters.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a query value.
pub fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms() {
        let v = parse_urlencoded("a=b+c&scope=https%3A%2F%2Fx%2F.default&bad=%zz&end=%4");
        assert_eq!(v[0], ("a".into(), "b c".into()));
        assert_eq!(v[1].1, "https://x/.default");
        assert_eq!(v[2].1, "%zz");
        assert_eq!(v[3].1, "%4");
    }
}
