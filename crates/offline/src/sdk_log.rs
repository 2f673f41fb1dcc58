//! SDK debug log source: MSAL (Python `logging`, .NET), azure-identity and azure-core debug logs,
//! `az --debug` output. The log is read line by line; each record (a prefixed line and its
//! continuation lines) loses its prefix, records are grouped into HTTP exchanges
//! (`Request URL: …` up to the next one, urllib3's `"POST /…/oauth2/v2.0/token HTTP/1.1" 400`,
//! MSAL's token-cache events), and the failing token request — else the first refused API call,
//! else the error records — is handed to the error-text parser. Memory is bounded by the size of
//! one exchange. Lines are numbered from 1; the chosen exchange's first line is named in
//! `input.sources`.

use super::error_text::util::{re, read_line_lossy};
use super::{error_text, ReadNote, SourceError};
use authcheck_model::evidence::Evidence;
use std::io::BufRead;

/// An exchange or the error records are cut at this size.
const MAX_EXCHANGE: usize = 512 * 1024;

/// The log prefixes: Python `logging` (default and with time), az CLI, .NET MSAL, azure-identity
/// for .NET/JS/Java. The message follows the match.
const PREFIX: &str = r"(?x)^\s*(?:
    (?:DEBUG|INFO|WARNING|ERROR|CRITICAL):\s?(?:[A-Za-z_][\w.]*:\s?)?          # python / az --debug
  | \d{4}-\d{2}-\d{2}[\sT][\d:.,]+\S*\s+(?:-\s+)?(?:[\w.\[\]-]+\s+-\s+)?\[?(?:DEBUG|INFO|WARNING|WARN|ERROR|VERBOSE|TRACE|CRITICAL)\]?\s*(?:-\s+)?(?:[\w.]+\s*[:-]\s+)?
  | \[\d{4}-\d{2}-\d{2}[^\]]{0,40}\]\s*\[?(?:DEBUG|INFO|WARNING|WARN|ERROR|VERBOSE|TRACE)\]?\s*[:-]?\s*
  | (?:False|True)?\s*MSAL\s+[\d.]+\s+MSAL\.\w+\s+[^\[]{0,80}\[[^\]]{0,60}\]\s*(?:-\s*)?
  | \[MSAL:\d{4}\]\s*(?:INFO|VERBOSE|WARNING|ERROR|ALWAYS)?\s*(?:\[[^\]]{0,60}\])?\s*:?\s*
)";

#[derive(Default)]
struct Exchange {
    line: u64,
    text: String,
    url: Option<String>,
    status: Option<i64>,
    token: bool,
    aadsts: bool,
}

impl Exchange {
    fn failed(&self) -> bool {
        self.status.is_some_and(|s| s >= 400) || self.aadsts || self.text.contains("\"error\"")
    }
    fn push(&mut self, msg: &str) {
        if self.text.len() + msg.len() < MAX_EXCHANGE {
            self.text.push_str(msg);
            self.text.push('\n');
        }
    }
}

#[derive(Default)]
struct State {
    lines: u64,
    records: u64,
    current: Option<Exchange>,
    failed_token: Option<Exchange>,
    failed_api: Option<Exchange>,
    /// Records that carry an error (AADSTS, an exception, `ERROR:`), from the first one.
    errors: Exchange,
    exchanges: u64,
    token_requests: u64,
    not_utf8: u64,
}

fn is_token_url(u: &str) -> bool {
    let l = u.to_ascii_lowercase();
    l.contains("/oauth2/token") || l.contains("/oauth2/v2.0/token")
}

impl State {
    fn close(&mut self) {
        let Some(x) = self.current.take() else { return };
        self.exchanges += 1;
        if x.token {
            self.token_requests += 1;
        }
        if !x.failed() {
            return;
        }
        if x.token && self.failed_token.is_none() {
            self.failed_token = Some(x);
        } else if !x.token
            && x.status.is_some_and(|s| s == 401 || s == 403)
            && self.failed_api.is_none()
        {
            self.failed_api = Some(x);
        }
    }

    /// One record: its first line number and its message (prefix removed, continuation lines kept).
    fn record(&mut self, line: u64, msg: &str) {
        self.records += 1;
        let starts_request =
            re!(r#"(?i)(?:^|\s)Request URL:\s*['"]?(https?://[^\s'"]+)"#).captures(msg);
        let urllib3 = re!(r#"(?:^|\s)(https?://[^\s"]+)\s+"(GET|POST|PUT|PATCH|DELETE|HEAD) ([^\s"]+) HTTP/[\d.]+" (\d{3})"#).captures(msg);
        let msal_event = msg.contains("token_endpoint")
            && (msg.contains("\"error\"") || msg.contains("'error'"));
        if let Some(c) = starts_request {
            self.close();
            let url = c[1].to_string();
            let token = is_token_url(&url);
            let mut x = Exchange {
                line,
                token,
                url: Some(url),
                ..Exchange::default()
            };
            x.push(msg);
            self.current = Some(x);
        } else if let Some(c) = urllib3 {
            // urllib3 logs the answer of a request MSAL made itself (no `Request URL` record).
            let path = &c[3];
            let status: i64 = c[4].parse().unwrap_or(0);
            let same = self.current.as_ref().is_some_and(|x| {
                x.url
                    .as_deref()
                    .is_some_and(|u| u.contains(path.split('?').next().unwrap_or(path)))
            });
            if same {
                if let Some(x) = self.current.as_mut() {
                    x.status.get_or_insert(status);
                    x.push(msg);
                }
            } else {
                self.close();
                let url = format!("{}{}", &c[1], path.split('?').next().unwrap_or(path));
                let token = is_token_url(&url);
                let mut x = Exchange {
                    line,
                    token,
                    url: Some(url.clone()),
                    status: Some(status),
                    ..Exchange::default()
                };
                x.push(&format!("{} {url}", &c[2]));
                x.push(&format!("Response status: {status}"));
                self.current = Some(x);
            }
        } else if msal_event {
            // MSAL Python's token-cache event: the request's parameters and Entra's answer.
            self.close();
            let mut x = Exchange {
                line,
                token: true,
                ..Exchange::default()
            };
            x.push(msg);
            x.aadsts = msg.contains("AADSTS");
            self.current = Some(x);
            self.close();
        } else if let Some(x) = self.current.as_mut() {
            if let Some(c) = re!(r"(?i)(?:^|\s)Response status:\s*'?(\d{3})").captures(msg) {
                x.status = c[1].parse().ok();
            }
            if msg.contains("AADSTS") {
                x.aadsts = true;
            }
            x.push(msg);
        }
        if re!(r#"AADSTS\d{4,}|(?m)^\s*(?:ERROR|Error)\b|[A-Z]\w+(?:Error|Exception)\b|\berror_description\b|"error"\s*:"#).is_match(msg) {
            if self.errors.text.is_empty() {
                self.errors.line = line;
            }
            self.errors.aadsts |= msg.contains("AADSTS");
            self.errors.push(msg);
        }
    }
}

/// Reads an SDK log into `ev`.
pub fn read(reader: &mut dyn BufRead, ev: &mut Evidence) -> Result<Vec<ReadNote>, SourceError> {
    let prefix = re!(PREFIX);
    let mut st = State::default();
    let mut buf = Vec::new();
    let mut rec_line = 0u64;
    let mut rec = String::new();
    while let Some(line) = read_line_lossy(reader, &mut buf, &mut st.not_utf8)
        .map_err(|e| SourceError::Other(format!("cannot read: {e}")))?
    {
        st.lines += 1;
        let line = line.trim_end_matches(['\n', '\r']);
        match prefix.find(line) {
            Some(m) => {
                if !rec.is_empty() || rec_line > 0 {
                    st.record(rec_line, &rec);
                }
                rec.clear();
                rec_line = st.lines;
                rec.push_str(&line[m.end()..]);
            }
            None => {
                if rec_line == 0 && rec.is_empty() {
                    rec_line = st.lines;
                }
                if rec.len() < MAX_EXCHANGE {
                    if !rec.is_empty() {
                        rec.push('\n');
                    }
                    rec.push_str(line);
                }
            }
        }
    }
    if !rec.is_empty() {
        st.record(rec_line, &rec);
    }
    st.close();
    ev.input.kind = Some("sdk-log".into());
    let mut notes = vec![];
    let summary = format!(
        "read {} lines ({} records): {} HTTP exchanges, {} token requests",
        st.lines, st.records, st.exchanges, st.token_requests
    );
    let (chosen, what) = if let Some(x) = st.failed_token.as_ref() {
        (x, "failing token request")
    } else if let Some(x) = st.failed_api.as_ref() {
        (x, "refused API call")
    } else if !st.errors.text.is_empty() {
        (&st.errors, "first error record")
    } else {
        notes.push(ReadNote::ok("sdk-log.read", summary));
        return Err(SourceError::Other(format!(
            "read {} lines: found no failing token request, refused API call or error in the log",
            st.lines
        )));
    };
    // The exchange, plus the error records when they add the AADSTS text the exchange lacks.
    let mut text = chosen.text.clone();
    if !chosen.aadsts && st.errors.aadsts && !std::ptr::eq(chosen, &st.errors) {
        text.push_str(&st.errors.text);
    }
    let found = error_text::parse(&text, ev);
    if !found {
        return Err(SourceError::NothingFound);
    }
    let url = chosen
        .url
        .as_deref()
        .map(|u| u.split(['?', '#']).next().unwrap_or(u).to_string());
    let where_ = match &url {
        Some(u) => format!("sdk log line {}: {what} {u}", chosen.line),
        None => format!("sdk log line {}: {what}", chosen.line),
    };
    for ns in [
        "request",
        "response",
        "api_call",
        "token",
        "env",
        "resource",
        "dataplane",
    ] {
        if ev.input.sources.contains_key(ns) {
            ev.note_source(ns, &where_);
        }
    }
    ev.input.kind = Some("sdk-log".into());
    notes.push(ReadNote::ok(
        "sdk-log.read",
        format!("{summary}; the {what} starts at line {}", chosen.line),
    ));
    if st.not_utf8 > 0 {
        notes.push(ReadNote::failed(
            "sdk-log.encoding",
            format!(
                "{} lines are not UTF-8 (read with replacement characters)",
                st.not_utf8
            ),
        ));
    }
    Ok(notes)
}
