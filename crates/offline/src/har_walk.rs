//! The HAR byte walker: one pass over a HAR document's JSON that tracks only strings and nesting,
//! hands each `log.entries` element on as its own bytes, and every byte outside the entries in
//! order. The HAR source and the HAR redactor both build on it.

use std::io::BufRead;

/// What the HAR walker hands on: entries (as bytes), the `log` facts, and every byte outside
/// the entries, in order (so a copy can be written back untouched).
pub(crate) trait HarSink {
    /// One element of `log.entries`, as the bytes of its JSON object.
    fn entry_bytes(&mut self, bytes: &[u8]);
    /// The `log.creator` object.
    fn creator_bytes(&mut self, _bytes: &[u8]) {}
    fn version(&mut self, _v: &str) {}
    fn log_seen(&mut self) {}
    /// Bytes outside the entries (the skeleton, `version`, `creator`, `pages`, separators).
    fn verbatim(&mut self, _bytes: &[u8]) {}
}

/// Why the walk stopped early.
pub(crate) enum Stop {
    /// The input ended inside the document (truncated).
    Eof,
    NotHar(String),
    Io(String),
}

/// What is being copied out of the stream to be parsed on its own.
#[derive(Clone, Copy, PartialEq)]
enum Capture {
    Entry,
    Creator,
}

/// Walks the JSON bytes once, tracking only strings and nesting, and hands each element of
/// `log.entries` (copied out whole) to `serde_json::from_slice`. Parsing an entry from a slice is
/// several times faster than reading the whole stream through serde's reader, and an entry that
/// is not valid JSON (a stray byte, another encoding) is skipped instead of ending the read.
pub(crate) fn walk(reader: &mut dyn BufRead, st: &mut dyn HarSink) -> Result<(), Stop> {
    let mut stack: Vec<u8> = Vec::new();
    let mut in_str = false;
    let mut esc = false;
    // Strings at depth 1–2 (keys, `version`) are kept; everything deeper is only skipped.
    let mut keep = false;
    let mut sbuf: Vec<u8> = Vec::new();
    let mut key: [Vec<u8>; 3] = Default::default();
    let mut after_colon = [false; 3];
    let mut in_log = false;
    let mut in_entries = false;
    let mut started = false;
    let mut cap: Option<(Capture, usize)> = None;
    let mut cap_buf: Vec<u8> = Vec::new();
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Stop::Io(e.to_string())),
        };
        if buf.is_empty() {
            break;
        }
        let n = buf.len();
        let mut cap_from = cap.map(|_| 0usize);
        // Where the bytes outside the entries start in this chunk.
        let mut out_from = 0usize;
        let mut i = 0;
        while i < n {
            if in_str {
                if esc {
                    esc = false;
                    if keep {
                        sbuf.push(buf[i]);
                    }
                    i += 1;
                    continue;
                }
                // Skip plain string bytes in one go.
                let rest = &buf[i..];
                let j = rest
                    .iter()
                    .position(|&c| c == b'"' || c == b'\\')
                    .unwrap_or(rest.len());
                if keep && sbuf.len() < 4096 {
                    sbuf.extend_from_slice(&rest[..j.min(4096)]);
                }
                i += j;
                if i >= n {
                    break;
                }
                if buf[i] == b'\\' {
                    esc = true;
                    if keep {
                        sbuf.push(b'\\');
                    }
                } else {
                    in_str = false;
                    let d = stack.len();
                    if keep && d == 2 && in_log && after_colon[2] && key[2] == b"version" {
                        let v: String = String::from_utf8_lossy(&sbuf).chars().take(20).collect();
                        st.version(&v);
                    }
                }
                i += 1;
                continue;
            }
            let b = buf[i];
            match b {
                b' ' | b'\n' | b'\r' | b'\t' => {}
                b'"' => {
                    if !started {
                        return Err(Stop::NotHar("it does not start with a JSON object".into()));
                    }
                    in_str = true;
                    keep = cap.is_none() && stack.len() <= 2;
                    sbuf.clear();
                }
                b'{' | b'[' => {
                    let d = stack.len();
                    if !started {
                        started = true;
                        if b != b'{' {
                            return Err(Stop::NotHar(
                                "it does not start with a JSON object".into(),
                            ));
                        }
                    } else if cap.is_none() {
                        if b == b'{' && d == 1 && after_colon[1] && key[1] == b"log" {
                            in_log = true;
                            st.log_seen();
                        } else if b == b'['
                            && d == 2
                            && in_log
                            && after_colon[2]
                            && key[2] == b"entries"
                        {
                            in_entries = true;
                        } else if b == b'{' && d == 3 && in_entries {
                            cap = Some((Capture::Entry, 3));
                            cap_from = Some(i);
                            st.verbatim(&buf[out_from..i]);
                        } else if b == b'{'
                            && d == 2
                            && in_log
                            && after_colon[2]
                            && key[2] == b"creator"
                        {
                            cap = Some((Capture::Creator, 2));
                            cap_from = Some(i);
                        }
                    }
                    stack.push(b);
                    if d < 2 {
                        after_colon[d + 1] = false;
                    }
                }
                b'}' | b']' => {
                    if stack.pop().is_none() {
                        return Err(Stop::NotHar("unbalanced brackets".into()));
                    }
                    let d = stack.len();
                    if let (Some((what, base)), Some(from)) = (cap, cap_from) {
                        if d == base {
                            cap_buf.extend_from_slice(&buf[from..=i]);
                            match what {
                                Capture::Entry => {
                                    st.entry_bytes(&cap_buf);
                                    out_from = i + 1;
                                }
                                Capture::Creator => st.creator_bytes(&cap_buf),
                            }
                            cap_buf.clear();
                            cap = None;
                            cap_from = None;
                        }
                    }
                    if d == 2 && in_entries && b == b']' {
                        in_entries = false;
                    }
                    if d == 1 && in_log && b == b'}' {
                        in_log = false;
                    }
                    if d == 0 {
                        // The document is complete; what follows in this chunk (a newline) is kept,
                        // anything later ignored.
                        st.verbatim(&buf[out_from..n]);
                        reader.consume(n);
                        return Ok(());
                    }
                }
                b':' => {
                    let d = stack.len();
                    if cap.is_none() && (1..=2).contains(&d) {
                        key[d] = std::mem::take(&mut sbuf);
                        after_colon[d] = true;
                    }
                }
                b',' => {
                    let d = stack.len();
                    if (1..=2).contains(&d) {
                        after_colon[d] = false;
                    }
                }
                _ => {
                    if !started {
                        return Err(Stop::NotHar("it does not start with a JSON object".into()));
                    }
                }
            }
            i += 1;
        }
        if let Some(from) = cap_from {
            cap_buf.extend_from_slice(&buf[from..n]);
        }
        if !matches!(cap, Some((Capture::Entry, _))) {
            st.verbatim(&buf[out_from..n]);
        }
        reader.consume(n);
    }
    if !started {
        return Err(Stop::NotHar("it is empty".into()));
    }
    Err(Stop::Eof)
}
