//! The HAR byte walker: one pass over a HAR document's JSON that tracks only strings and nesting,
//! hands each `log.entries` element on as its own bytes, and every byte outside the entries in
//! order. The HAR source and the HAR redactor both build on it.
//!
//! Almost all of a HAR's bytes are inside entries, and most of those inside response bodies: JSON
//! documents escaped into `"text"` strings, with a `\"` every few bytes. Inside an entry the walker
//! therefore looks at 64 bytes at a time — a bit mask per byte class (quote, backslash, bracket),
//! escapes and string interiors worked out with integer arithmetic on the masks — and stops only at
//! the quotes and brackets that are structure, never at each escape. Outside the entries (the
//! `log` skeleton, `version`, `creator`, `pages`: a few hundred bytes) it goes byte by byte.

use std::io::BufRead;
use std::ops::Range;

/// Strings inside an entry at least this long are reported to the sink: they are the bodies (and
/// the odd long header), which a sink may choose not to parse.
pub(crate) const LONG_STRING: usize = 256;

/// One element of `log.entries`, as the walker found it.
pub(crate) struct WalkedEntry<'a> {
    /// The bytes of its JSON object, as written.
    pub bytes: &'a [u8],
    /// Where the contents (between the quotes, escapes as written) of its strings of
    /// [`LONG_STRING`] bytes or more lie in `bytes`, in order.
    pub long_strings: &'a [Range<usize>],
    /// A byte of 0x80 or above is in it (or just after it), so it may not be UTF-8.
    pub non_ascii: bool,
}

/// What the HAR walker hands on: entries (as bytes), the `log` facts, and every byte outside
/// the entries, in order (so a copy can be written back untouched).
pub(crate) trait HarSink {
    /// One element of `log.entries`, as the bytes of its JSON object.
    fn entry_bytes(&mut self, bytes: &[u8]);
    /// The same entry with what the walker learnt of it on the way; a sink that can use that
    /// (to skip bodies it does not need) overrides this.
    fn entry(&mut self, entry: &WalkedEntry<'_>) {
        self.entry_bytes(entry.bytes)
    }
    /// The `log.creator` object.
    fn creator_bytes(&mut self, _bytes: &[u8]) {}
    fn version(&mut self, _v: &str) {}
    fn log_seen(&mut self) {}
    /// Bytes outside the entries (the skeleton, `version`, `creator`, `pages`, separators).
    fn verbatim(&mut self, _bytes: &[u8]) {}
    /// An element of `log.entries` that is a string, number, `true`, `false` or `null`: no entry.
    /// (An array element, or an `entries` that is an object, is handed on as an entry, for the
    /// sink to find it is not one.) Its bytes go to [`HarSink::verbatim`].
    fn scalar_entry(&mut self) {}
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
/// `log.entries` (borrowed from the read buffer when it lies within it, else copied out whole) to
/// the sink. Parsing an entry from a slice is several times faster than reading the whole stream
/// through serde's reader, and an entry that is not valid JSON (a stray byte, another encoding) is
/// skipped instead of ending the read.
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
    let mut scan = EntryScan::new();
    // The next value in `log.entries` starts an element.
    let mut element_next = false;
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
            if let (Some((Capture::Entry, _)), Some(from)) = (cap, cap_from) {
                // Inside an entry: the block scanner runs to its closing bracket.
                let base = cap_buf.len() + i - from;
                let Some(k) = scan.scan(&buf[i..n], base) else {
                    break;
                };
                let end = i + k;
                let bytes: &[u8] = if cap_buf.is_empty() {
                    &buf[from..=end]
                } else {
                    cap_buf.extend_from_slice(&buf[from..=end]);
                    &cap_buf
                };
                st.entry(&WalkedEntry {
                    bytes,
                    long_strings: &scan.long,
                    non_ascii: scan.non_ascii,
                });
                cap_buf.clear();
                cap = None;
                cap_from = None;
                out_from = end + 1;
                i = end + 1;
                continue;
            }
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
            if element_next
                && cap.is_none()
                && stack.len() == 3
                && !matches!(b, b' ' | b'\n' | b'\r' | b'\t')
            {
                element_next = false;
                if !matches!(b, b'{' | b'[' | b']') {
                    st.scalar_entry();
                }
            }
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
                            element_next = true;
                        } else if (d == 3 && in_entries)
                            || (b == b'{'
                                && d == 2
                                && in_log
                                && after_colon[2]
                                && key[2] == b"entries")
                        {
                            // An entry; or something where entries belong that is not one (an
                            // array in the list, an object instead of the list), handed on whole
                            // all the same so that its values are not taken for the skeleton.
                            // The entry's brackets are counted by the scanner, not the stack.
                            cap = Some((Capture::Entry, 3));
                            cap_from = Some(i);
                            st.verbatim(&buf[out_from..i]);
                            scan.start();
                            i += 1;
                            continue;
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
                    if let (Some((Capture::Creator, base)), Some(from)) = (cap, cap_from) {
                        if d == base {
                            cap_buf.extend_from_slice(&buf[from..=i]);
                            st.creator_bytes(&cap_buf);
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
                        // The document is complete; what follows (a newline, another document)
                        // is left in the reader for the caller.
                        st.verbatim(&buf[out_from..=i]);
                        reader.consume(i + 1);
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
                    if d == 3 && in_entries && cap.is_none() {
                        element_next = true;
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

/// The scanner's state inside one entry, carried from one block (and one read) to the next.
#[derive(Default)]
struct EntryScan {
    /// Open brackets, the entry's own included.
    depth: usize,
    /// The next byte is inside a string.
    in_string: bool,
    /// The next byte is escaped by a backslash before it.
    escaped_next: bool,
    /// Offset in the entry of the opening quote of the string being read.
    string_start: usize,
    long: Vec<Range<usize>>,
    non_ascii: bool,
    /// The CPU has AVX2: 32 bytes per instruction instead of 16.
    avx2: bool,
}

impl EntryScan {
    fn new() -> EntryScan {
        EntryScan {
            #[cfg(target_arch = "x86_64")]
            avx2: std::arch::is_x86_feature_detected!("avx2"),
            ..EntryScan::default()
        }
    }

    /// Just after an entry's opening bracket.
    fn start(&mut self) {
        self.depth = 1;
        self.in_string = false;
        self.escaped_next = false;
        self.long.clear();
        self.non_ascii = false;
    }

    /// Scans `bytes`, whose first byte is at offset `base` in the entry; returns the index in
    /// `bytes` of the bracket that closes the entry, or `None` when the entry goes on past them.
    fn scan(&mut self, bytes: &[u8], base: usize) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is set only when the CPU has AVX2.
            return unsafe { self.scan_avx2(bytes, base) };
        }
        self.scan_with(bytes, base, Masks::of)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn scan_avx2(&mut self, bytes: &[u8], base: usize) -> Option<usize> {
        self.scan_with(bytes, base, |b| Masks::of_avx2(b))
    }

    #[inline(always)]
    fn scan_with(
        &mut self,
        bytes: &[u8],
        base: usize,
        classify: impl Fn(&[u8; 64]) -> Masks,
    ) -> Option<usize> {
        let mut at = 0;
        while at < bytes.len() {
            let len = (bytes.len() - at).min(64);
            let m = match bytes[at..].first_chunk::<64>() {
                Some(block) => classify(block),
                None => {
                    let mut block = [b' '; 64];
                    block[..len].copy_from_slice(&bytes[at..]);
                    classify(&block)
                }
            };
            let (escaped, escapes_past_end) = escaped_bytes(m.backslash, self.escaped_next);
            let quotes = m.quote & !escaped;
            // 1 from a string's opening quote up to (not including) its closing one.
            let mut inside = prefix_xor(quotes);
            if self.in_string {
                inside = !inside;
            }
            // The padding after a short block is spaces: no quote flips `inside` there, and the
            // escape state after the last real byte is the bit just past it.
            self.escaped_next = if len == 64 {
                escapes_past_end
            } else {
                (escaped >> len) & 1 == 1
            };
            self.in_string = inside >> 63 == 1;
            self.non_ascii |= m.high != 0;
            let opens = m.open & !inside;
            let closes = m.close & !inside;
            let mut events = opens | closes | quotes;
            while events != 0 {
                let k = events.trailing_zeros() as usize;
                let bit = 1u64 << k;
                events &= events - 1;
                if quotes & bit != 0 {
                    if inside & bit != 0 {
                        self.string_start = base + at + k;
                    } else {
                        let contents = self.string_start + 1..base + at + k;
                        if contents.len() >= LONG_STRING {
                            self.long.push(contents);
                        }
                    }
                } else if opens & bit != 0 {
                    self.depth += 1;
                } else {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Some(at + k);
                    }
                }
            }
            at += len;
        }
        None
    }
}

/// One bit per byte of a 64-byte block, for each byte class the scanner cares about.
#[derive(Default)]
struct Masks {
    quote: u64,
    backslash: u64,
    open: u64,
    close: u64,
    /// Bytes of 0x80 and above.
    high: u64,
}

// `[` and `]` differ from `{` and `}` only in the 0x20 bit, and no other byte maps onto them with
// that bit set: one comparison finds both opening brackets, one both closing ones.

impl Masks {
    #[cfg(target_arch = "x86_64")]
    fn of(block: &[u8; 64]) -> Masks {
        // SAFETY: SSE2 is part of every x86_64 target.
        unsafe { Masks::of_sse2(block) }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "sse2")]
    fn of_sse2(block: &[u8; 64]) -> Masks {
        use std::arch::x86_64::*;
        #[target_feature(enable = "sse2")]
        fn is(v: __m128i, c: u8, part: usize) -> u64 {
            let eq = _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
            (_mm_movemask_epi8(eq) as u32 as u64) << (16 * part)
        }
        let mut m = Masks::default();
        for part in 0..4 {
            // SAFETY: `block` holds 64 bytes and this reads the 16 at `16 * part`; SSE2 allows
            // unaligned loads.
            let v = unsafe { _mm_loadu_si128(block.as_ptr().add(16 * part) as *const __m128i) };
            m.quote |= is(v, b'"', part);
            m.backslash |= is(v, b'\\', part);
            let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
            m.open |= is(folded, b'{', part);
            m.close |= is(folded, b'}', part);
            m.high |= (_mm_movemask_epi8(v) as u32 as u64) << (16 * part);
        }
        m
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn of_avx2(block: &[u8; 64]) -> Masks {
        use std::arch::x86_64::*;
        #[target_feature(enable = "avx2")]
        fn is(v: __m256i, c: u8, part: usize) -> u64 {
            let eq = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(c as i8));
            (_mm256_movemask_epi8(eq) as u32 as u64) << (32 * part)
        }
        let mut m = Masks::default();
        for part in 0..2 {
            // SAFETY: `block` holds 64 bytes and this reads the 32 at `32 * part`; unaligned
            // loads are allowed.
            let v = unsafe { _mm256_loadu_si256(block.as_ptr().add(32 * part) as *const __m256i) };
            m.quote |= is(v, b'"', part);
            m.backslash |= is(v, b'\\', part);
            let folded = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
            m.open |= is(folded, b'{', part);
            m.close |= is(folded, b'}', part);
            m.high |= (_mm256_movemask_epi8(v) as u32 as u64) << (32 * part);
        }
        m
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn of(block: &[u8; 64]) -> Masks {
        let mut m = Masks::default();
        for (k, &c) in block.iter().enumerate() {
            let bit = 1u64 << k;
            match c {
                b'"' => m.quote |= bit,
                b'\\' => m.backslash |= bit,
                b'{' | b'[' => m.open |= bit,
                b'}' | b']' => m.close |= bit,
                0x80.. => m.high |= bit,
                _ => {}
            }
        }
        m
    }
}

/// Which bytes of a block are escaped — follow an odd-length run of backslashes — given whether
/// the block's first byte is escaped by the block before; and whether the byte after the block is.
///
/// Runs are told apart by the parity of where they start: adding a run's first bit to the run
/// carries past its end, which flips the even/odd pattern for runs that start on odd bits.
fn escaped_bytes(backslash: u64, first_escaped: bool) -> (u64, bool) {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    let carried = first_escaped as u64;
    // An escaped backslash escapes nothing.
    let backslash = backslash & !carried;
    let follows = (backslash << 1) | carried;
    let odd_starts = backslash & !EVEN & !follows;
    let (past_odd_runs, overflow) = odd_starts.overflowing_add(backslash);
    let escaped = (EVEN ^ (past_odd_runs << 1)) & follows;
    (escaped, overflow)
}

/// Bit k is the XOR of bits 0..=k: between an opening and a closing quote, 1.
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Escapes byte by byte, the obvious way.
    fn escaped_slow(bytes: &[u8]) -> Vec<bool> {
        let mut out = vec![false; bytes.len() + 1];
        let mut esc = false;
        for (k, &c) in bytes.iter().enumerate() {
            out[k] = esc;
            esc = !esc && c == b'\\';
        }
        out[bytes.len()] = esc;
        out
    }

    /// A small deterministic generator, so failures repeat.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
    }

    #[test]
    fn escapes_match_the_byte_by_byte_reading_across_blocks() {
        let mut rng = Lcg(7);
        for _ in 0..2000 {
            let len = 64 * 3;
            let bytes: Vec<u8> = (0..len)
                .map(|_| match rng.next() % 4 {
                    0 | 1 => b'\\',
                    2 => b'"',
                    _ => b'a',
                })
                .collect();
            let want = escaped_slow(&bytes);
            let mut carry = false;
            for (b, block) in bytes.chunks(64).enumerate() {
                let mut mask = 0u64;
                for (k, &c) in block.iter().enumerate() {
                    if c == b'\\' {
                        mask |= 1 << k;
                    }
                }
                let (esc, out) = escaped_bytes(mask, carry);
                for k in 0..64 {
                    assert_eq!(esc >> k & 1 == 1, want[b * 64 + k], "byte {}", b * 64 + k);
                }
                assert_eq!(out, want[b * 64 + 64]);
                carry = out;
            }
        }
    }

    #[derive(Default)]
    struct Collect {
        entries: Vec<(Vec<u8>, Vec<String>, bool)>,
        verbatim: Vec<u8>,
        version: Option<String>,
    }
    impl HarSink for Collect {
        fn entry_bytes(&mut self, _bytes: &[u8]) {
            unreachable!("the walker calls `entry`")
        }
        fn entry(&mut self, e: &WalkedEntry<'_>) {
            let long = e
                .long_strings
                .iter()
                .map(|r| String::from_utf8_lossy(&e.bytes[r.clone()]).into_owned())
                .collect();
            self.entries.push((e.bytes.to_vec(), long, e.non_ascii));
        }
        fn version(&mut self, v: &str) {
            self.version = Some(v.into());
        }
        fn verbatim(&mut self, bytes: &[u8]) {
            self.verbatim.extend_from_slice(bytes);
        }
    }

    fn walk_in_chunks(doc: &[u8], chunk: usize) -> (Result<(), Stop>, Collect) {
        let mut reader = std::io::BufReader::with_capacity(chunk, doc);
        let mut sink = Collect::default();
        let r = walk(&mut reader, &mut sink);
        (r, sink)
    }

    /// An escaped JSON body as browsers write it into `text`: `\"`, `\\`, `\u` escapes, brackets
    /// and `\\\"` runs inside the string, long enough to be reported.
    fn body() -> String {
        let mut s = String::from(r#"{\"value\":["#);
        for i in 0..12 {
            s.push_str(&format!(
                r#"{{\"id\":\"{i}\",\"path\":\"C:\\\\temp\\\\{i}\\\\\",\"note\":\"say \\\"hi\\\" [{{]}}\",\"name\":\"café \\u00e9\\u0022\"}},"#
            ));
        }
        s.push_str(r#"{}]}"#);
        s
    }

    #[test]
    fn escaped_json_bodies_are_skipped_whole_at_every_read_boundary() {
        let body = body();
        let e0 = format!(
            r#"{{"request": {{"url": "https://graph.microsoft.com/v1.0/users"}}, "response": {{"status": 200, "content": {{"text": "{body}"}}}}}}"#
        );
        let e1 = r#"{"request": {"url": "https://x/\"}]"}, "response": {"status": 401, "content": {"text": "\\"}}}"#;
        let doc =
            format!("{{\"log\": {{\"version\": \"1.2\", \"entries\": [\n{e0},\n{e1}\n]}}}}\n");
        let want_body: String = body.clone();
        for chunk in (1..80).chain([97, 128, 255, 256, 1000, 1 << 16]) {
            let (r, sink) = walk_in_chunks(doc.as_bytes(), chunk);
            assert!(r.is_ok(), "chunk {chunk}");
            assert_eq!(sink.version.as_deref(), Some("1.2"));
            assert_eq!(sink.entries.len(), 2, "chunk {chunk}");
            assert_eq!(sink.entries[0].0, e0.as_bytes(), "chunk {chunk}");
            assert_eq!(sink.entries[0].1, vec![want_body.clone()], "chunk {chunk}");
            assert!(sink.entries[0].2, "é is not ASCII");
            assert_eq!(sink.entries[1].0, e1.as_bytes(), "chunk {chunk}");
            assert!(sink.entries[1].1.is_empty());
            // Entries plus the bytes outside them give back the document (the final newline
            // only when it comes in the same read as the closing bracket).
            let outside = String::from_utf8(sink.verbatim).unwrap();
            assert_eq!(
                outside.trim_end(),
                "{\"log\": {\"version\": \"1.2\", \"entries\": [\n,\n\n]}}"
            );
            // Each entry is the JSON it claims to be.
            for (bytes, ..) in &sink.entries {
                serde_json::from_slice::<serde_json::Value>(bytes).unwrap();
            }
        }
    }

    #[test]
    fn random_strings_split_anywhere_end_where_serde_says() {
        let mut rng = Lcg(11);
        let alphabet: &[&str] = &[r#"\""#, r#"\\"#, r"\u0041", "a", "{", "]", " ", "é", r"\n"];
        for round in 0..300 {
            let mut value = String::new();
            for _ in 0..(rng.next() % 400) {
                value.push_str(alphabet[(rng.next() % alphabet.len() as u64) as usize]);
            }
            let entry = format!(r#"{{"a": ["{value}", {{"b": "{value}"}}], "c": 1}}"#);
            let parsed: serde_json::Value = serde_json::from_str(&entry).unwrap();
            let doc = format!("{{\"log\": {{\"entries\": [{entry}, {{}}]}}}}");
            let chunk = 1 + (rng.next() % 200) as usize;
            let (r, sink) = walk_in_chunks(doc.as_bytes(), chunk);
            assert!(r.is_ok(), "round {round}");
            assert_eq!(sink.entries.len(), 2, "round {round}");
            assert_eq!(sink.entries[0].0, entry.as_bytes(), "round {round}");
            let again: serde_json::Value = serde_json::from_slice(&sink.entries[0].0).unwrap();
            assert_eq!(again, parsed);
            let want_long = if value.len() >= LONG_STRING { 2 } else { 0 };
            assert_eq!(sink.entries[0].1.len(), want_long, "round {round}");
            for l in &sink.entries[0].1 {
                assert_eq!(l, &value);
            }
        }
    }

    #[test]
    fn every_way_of_classifying_bytes_agrees() {
        let mut rng = Lcg(3);
        let interesting = b"\"\\{}[]a {}\x7b\x5b\xfb\xdb";
        for _ in 0..2000 {
            let mut block = [0u8; 64];
            for b in block.iter_mut() {
                *b = if rng.next().is_multiple_of(2) {
                    interesting[(rng.next() % interesting.len() as u64) as usize]
                } else {
                    rng.next() as u8
                };
            }
            let mut want = Masks::default();
            for (k, &c) in block.iter().enumerate() {
                let bit = 1u64 << k;
                match c {
                    b'"' => want.quote |= bit,
                    b'\\' => want.backslash |= bit,
                    b'{' | b'[' => want.open |= bit,
                    b'}' | b']' => want.close |= bit,
                    0x80.. => want.high |= bit,
                    _ => {}
                }
            }
            let same = |m: Masks| {
                (m.quote, m.backslash, m.open, m.close, m.high)
                    == (want.quote, want.backslash, want.open, want.close, want.high)
            };
            assert!(same(Masks::of(&block)));
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2.
                assert!(same(unsafe { Masks::of_avx2(&block) }));
            }
        }
    }

    #[test]
    fn an_entry_cut_short_is_end_of_file() {
        let doc = format!("{{\"log\": {{\"entries\": [{{\"text\": \"{}", body());
        let (r, sink) = walk_in_chunks(doc.as_bytes(), 64);
        assert!(matches!(r, Err(Stop::Eof)));
        assert!(sink.entries.is_empty());
    }
}
