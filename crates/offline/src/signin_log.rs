//! Sign-in log source: an Entra portal export (CSV or JSON) or Graph `auditLogs/signIns` JSON,
//! read row by row in bounded memory (a million rows cost the memory of the failure groups, not of
//! the rows). Failures are grouped by error code, application, resource and conditional access
//! result, with counts and first/last time; the most frequent code goes into `response.codes` so the
//! AADSTS rules diagnose it. The top group's first sign-in is named in `input.sources`: a CSV row
//! as a spreadsheet numbers it (the header is row 1, so the first sign-in is row 2), a JSON sign-in
//! as its 0-based index in the array (`value[3]`, as `jq` counts).

use super::{ReadNote, SourceError};
use authcheck_model::evidence::{CredentialKind, Evidence, SignInGroup};
use authcheck_model::timeline::FailureCounter;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::io::BufRead;

/// Distinct groups kept; rows beyond are counted in the totals only.
const MAX_GROUPS: usize = 100_000;
/// Groups copied into the evidence.
const TOP_GROUPS: usize = 20;

/// Reads a sign-in export (CSV or JSON, told from the first byte) into `ev`.
pub fn read(reader: &mut dyn BufRead, ev: &mut Evidence) -> Result<Vec<ReadNote>, SourceError> {
    let head = reader
        .fill_buf()
        .map_err(|e| SourceError::Other(format!("cannot read: {e}")))?;
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    if bom {
        reader.consume(3);
    }
    let head = reader
        .fill_buf()
        .map_err(|e| SourceError::Other(format!("cannot read: {e}")))?;
    let first = head.iter().find(|b| !b.is_ascii_whitespace()).copied();
    let mut acc = Acc::default();
    let mut notes = Vec::new();
    match first {
        Some(b'{') | Some(b'[') => read_json(reader, &mut acc, &mut notes)?,
        Some(_) => read_csv(reader, &mut acc, &mut notes)?,
        None => return Err(SourceError::Other("is empty".into())),
    }
    acc.fill(ev, &mut notes);
    Ok(notes)
}

/// One sign-in, as either format gives it.
#[derive(Default)]
struct Row {
    at: Option<i64>,
    code: Option<i64>,
    failed: bool,
    app_id: Option<String>,
    app_name: Option<String>,
    resource: Option<String>,
    resource_id: Option<String>,
    ca: Option<String>,
    reason: Option<String>,
    credential_type: Option<String>,
}

#[derive(Hash, PartialEq, Eq, Clone)]
struct Key {
    code: Option<i64>,
    app_id: Option<String>,
    app_name: Option<String>,
    resource: Option<String>,
    ca: Option<String>,
}

struct GroupAcc {
    count: i64,
    first_at: Option<i64>,
    last_at: Option<i64>,
    first_row: u64,
    reason: Option<String>,
    resource_id: Option<String>,
    credential_type: Option<String>,
}

#[derive(Default)]
struct Acc {
    rows: u64,
    failures: i64,
    groups: HashMap<Key, GroupAcc>,
    dropped_groups: i64,
    first_at: Option<i64>,
    last_at: Option<i64>,
    format: &'static str,
    /// Failures over time by code, for the HTML report's chart.
    over_time: FailureCounter,
}

/// `Not Applied` / `notApplied` / `NotApplied` → `notApplied`; `Success` → `success`.
fn ca_value(s: &str) -> Option<String> {
    let l: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    match l.as_str() {
        "" => None,
        "success" => Some("success".into()),
        "failure" => Some("failure".into()),
        "notapplied" => Some("notApplied".into()),
        _ => Some(s.trim().to_string()),
    }
}

fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
        "%m/%d/%Y, %I:%M:%S %p",
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s.trim_end_matches('Z'), f) {
            return Some(t.and_utc().timestamp());
        }
    }
    None
}

fn iso(t: Option<i64>) -> String {
    t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| "unknown time".into())
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl Acc {
    /// Where the `n`th sign-in (from 1) is, as the reader would look for it.
    fn place(&self, n: u64) -> String {
        if self.format == "CSV" {
            format!("sign-in CSV row {}", n + 1)
        } else {
            format!("sign-in JSON value[{}]", n.saturating_sub(1))
        }
    }

    fn row(&mut self, r: Row) {
        self.rows += 1;
        if let Some(t) = r.at {
            self.first_at = Some(self.first_at.map_or(t, |f| f.min(t)));
            self.last_at = Some(self.last_at.map_or(t, |l| l.max(t)));
        }
        if !r.failed {
            return;
        }
        self.failures += 1;
        match r.code {
            Some(c) => self.over_time.add(r.at, &format!("AADSTS{c}")),
            None => self.over_time.add(r.at, "no code"),
        }
        let key = Key {
            code: r.code,
            app_id: r.app_id,
            app_name: r.app_name,
            resource: r.resource,
            ca: r.ca,
        };
        let row_no = self.rows;
        if let Some(g) = self.groups.get_mut(&key) {
            g.count += 1;
            if let Some(t) = r.at {
                g.first_at = Some(g.first_at.map_or(t, |f| f.min(t)));
                g.last_at = Some(g.last_at.map_or(t, |l| l.max(t)));
            }
            return;
        }
        if self.groups.len() >= MAX_GROUPS {
            self.dropped_groups += 1;
            return;
        }
        self.groups.insert(
            key,
            GroupAcc {
                count: 1,
                first_at: r.at,
                last_at: r.at,
                first_row: row_no,
                reason: r.reason.map(|s| s.chars().take(500).collect()),
                resource_id: r.resource_id,
                credential_type: r.credential_type,
            },
        );
    }

    fn fill(mut self, ev: &mut Evidence, notes: &mut Vec<ReadNote>) {
        ev.input.kind = Some("signin-log".into());
        ev.timeline.failures = std::mem::take(&mut self.over_time).finish();
        let mut groups: Vec<(Key, GroupAcc)> =
            std::mem::take(&mut self.groups).into_iter().collect();
        // Largest first; ties by earliest row so the order is stable.
        groups.sort_by(|a, b| {
            b.1.count
                .cmp(&a.1.count)
                .then(a.1.first_row.cmp(&b.1.first_row))
        });
        // The most frequent code across apps and resources.
        let mut by_code: HashMap<i64, (i64, u64)> = HashMap::new();
        for (k, g) in &groups {
            if let Some(c) = k.code {
                let e = by_code.entry(c).or_insert((0, u64::MAX));
                e.0 += g.count;
                e.1 = e.1.min(g.first_row);
            }
        }
        let top_code = by_code
            .iter()
            .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)))
            .map(|(c, _)| *c);
        let s = &mut ev.signins;
        s.checked = true;
        s.total = self.rows as i64;
        s.failures = self.failures;
        s.top_error_code = top_code;
        s.groups = groups
            .iter()
            .take(TOP_GROUPS)
            .map(|(k, g)| SignInGroup {
                error_code: k.code,
                app_id: k.app_id.clone(),
                app_name: k.app_name.clone(),
                resource: k.resource.clone(),
                conditional_access: k.ca.clone(),
                count: g.count,
                first_at: g.first_at,
                last_at: g.last_at,
            })
            .collect();
        ev.note_source("signins", &format!("sign-in export ({} rows)", self.rows));

        let mut summary = format!(
            "read {} {} rows ({} to {}): {} failures in {} groups",
            self.rows,
            self.format,
            iso(self.first_at),
            iso(self.last_at),
            self.failures,
            groups.len()
        );
        if self.dropped_groups > 0 {
            summary.push_str(&format!(
                " (+{} failures in groups beyond {MAX_GROUPS})",
                self.dropped_groups
            ));
        }
        // The top group of the top code is the failure the rules diagnose.
        let top = top_code.and_then(|c| groups.iter().find(|(k, _)| k.code == Some(c)));
        if let Some((k, g)) = top {
            let code = k.code.unwrap_or(0);
            ev.response.codes = vec![code];
            ev.response.code = Some(code);
            if let Some(r) = &g.reason {
                ev.response.error_description = Some(format!("AADSTS{code}: {r}"));
                ev.response.messages.push(r.clone());
            }
            ev.request.client_id = k.app_id.clone();
            ev.request.client_name = k.app_name.clone();
            if let Some(ct) = g.credential_type.as_deref() {
                let c = match ct.to_ascii_lowercase().as_str() {
                    "clientsecret" | "client secret" => Some(CredentialKind::Secret),
                    "clientassertion" | "certificate" | "client assertion" => {
                        Some(CredentialKind::Certificate)
                    }
                    "federatedidentitycredential" | "federated identity credential" => {
                        Some(CredentialKind::Federated)
                    }
                    _ => None,
                };
                if let Some(c) = c {
                    ev.request.credential = Some(c);
                    ev.env.non_interactive = true;
                }
            }
            if let Some(r) = &k.resource {
                ev.resource.named_in_error = Some(r.clone());
            }
            if let Some(id) = &g.resource_id {
                if id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4 {
                    ev.resource.app_id = Some(id.clone());
                }
            }
            let total_code = by_code.get(&code).map(|x| x.0).unwrap_or(g.count);
            let where_ = format!(
                "{}: AADSTS{code} in {total_code} of {} failures",
                self.place(g.first_row),
                self.failures
            );
            ev.note_source("response", &where_);
            ev.note_source("request", &where_);
            if ev.resource != Default::default() {
                ev.note_source("resource", &where_);
            }
            summary.push_str(&format!(
                "; top failure AADSTS{code} × {total_code}, first at {}",
                self.place(g.first_row)
            ));
        }
        notes.insert(0, ReadNote::ok("signins.read", summary));
        for (k, g) in groups.iter().take(5) {
            let code = k
                .code
                .map(|c| format!("AADSTS{c}"))
                .unwrap_or_else(|| "no code".into());
            let app = match (&k.app_name, &k.app_id) {
                (Some(n), Some(i)) => format!("{n} ({i})"),
                (Some(n), None) => n.clone(),
                (None, Some(i)) => i.clone(),
                (None, None) => "unknown app".into(),
            };
            notes.push(ReadNote::ok(
                "signins.group",
                format!(
                    "{code} × {}: {app} → {}, conditional access {}, {} to {}, first at {}",
                    g.count,
                    k.resource.as_deref().unwrap_or("unknown resource"),
                    k.ca.as_deref().unwrap_or("unknown"),
                    iso(g.first_at),
                    iso(g.last_at),
                    self.place(g.first_row)
                ),
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CSV

/// Column positions, found by the names the portal exports.
#[derive(Default)]
struct Columns {
    date: Option<usize>,
    app: Option<usize>,
    app_id: Option<usize>,
    resource: Option<usize>,
    resource_id: Option<usize>,
    status: Option<usize>,
    code: Option<usize>,
    reason: Option<usize>,
    ca: Option<usize>,
    credential_type: Option<usize>,
}

impl Columns {
    fn from_header(h: &[String]) -> Columns {
        let find = |names: &[&str]| {
            h.iter().position(|c| {
                let c = c.trim().trim_matches('\u{feff}').to_ascii_lowercase();
                names.iter().any(|n| c == *n)
            })
        };
        Columns {
            date: find(&[
                "date (utc)",
                "date",
                "created date time",
                "createddatetime",
                "date (local)",
            ]),
            app: find(&["application", "app display name", "appdisplayname"]),
            app_id: find(&["application id", "app id", "appid", "application id "]),
            resource: find(&["resource", "resource display name", "resourcedisplayname"]),
            resource_id: find(&["resource id", "resourceid"]),
            status: find(&["status"]),
            code: find(&[
                "sign-in error code",
                "error code",
                "errorcode",
                "status error code",
            ]),
            reason: find(&["failure reason", "failurereason"]),
            ca: find(&[
                "conditional access",
                "conditional access status",
                "conditionalaccessstatus",
            ]),
            credential_type: find(&["client credential type", "clientcredentialtype"]),
        }
    }
}

/// A CSV reader over a stream, on `csv-core`'s state machine: quoted fields with embedded
/// separators, newlines and doubled quotes. A record is kept up to `MAX_RECORD` bytes and
/// `MAX_FIELDS` fields (the rest is read and dropped, the fields past the cut come back cut or
/// empty), so memory stays bounded on an export whose quote never closes — the one thing the `csv`
/// crate's growing records cannot promise; `examples/bench_csv.rs` measures both.
pub struct Csv<'a> {
    r: &'a mut dyn BufRead,
    core: csv_core::Reader,
    line: u64,
    eof_in_quotes: bool,
    not_utf8: u64,
    done: bool,
}

const MAX_RECORD: usize = 1 << 20;
const MAX_FIELDS: usize = 1024;

/// One CSV record: its fields' bytes end to end, and where each ends. Reused from record to
/// record, so reading allocates nothing once the buffers have grown.
#[derive(Debug)]
pub struct Record {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    nbytes: usize,
    nends: usize,
}

impl Default for Record {
    fn default() -> Self {
        Record {
            bytes: vec![0; 4096],
            ends: vec![0; 64],
            nbytes: 0,
            nends: 0,
        }
    }
}

impl Record {
    pub fn len(&self) -> usize {
        self.nends
    }

    pub fn is_empty(&self) -> bool {
        self.nends == 0
    }

    fn bytes_of(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// Field `i` as text: UTF-8, or Latin-1 / Windows-1252 (each byte a character) when it is not;
    /// empty when the record has no such field.
    pub fn get(&self, i: Option<usize>) -> std::borrow::Cow<'_, str> {
        let Some(i) = i.filter(|i| *i < self.nends) else {
            return "".into();
        };
        let b = self.bytes_of(i);
        match std::str::from_utf8(b) {
            Ok(s) => s.into(),
            Err(_) => b.iter().map(|&c| c as char).collect::<String>().into(),
        }
    }

    /// How many fields are not UTF-8 (the whole record is checked first: almost always it is).
    fn not_utf8(&self) -> u64 {
        if std::str::from_utf8(&self.bytes[..self.nbytes]).is_ok() {
            return 0;
        }
        (0..self.nends)
            .filter(|&i| std::str::from_utf8(self.bytes_of(i)).is_err())
            .count() as u64
    }
}

impl<'a> Csv<'a> {
    /// A reader of records separated by `sep` (`,`, `;` or a tab).
    pub fn new(r: &'a mut dyn BufRead, sep: u8) -> Self {
        Csv {
            r,
            core: csv_core::ReaderBuilder::new().delimiter(sep).build(),
            line: 0,
            eof_in_quotes: false,
            not_utf8: 0,
            done: false,
        }
    }

    /// The next record into `rec`; the line it started on, or None at the end.
    pub fn next(&mut self, rec: &mut Record) -> std::io::Result<Option<u64>> {
        use csv_core::ReadRecordResult as R;
        rec.nbytes = 0;
        rec.nends = 0;
        if self.done {
            return Ok(None);
        }
        let start = self.core.line();
        let (mut outlen, mut endlen) = (0usize, 0usize);
        // Past the caps, output goes here and is dropped.
        let mut spill = [0u8; 4096];
        let mut spill_ends = [0usize; 64];
        // The parity of the quotes this record consumed: odd when the input ends means it ended
        // inside a quoted field.
        let mut odd_quotes = false;
        loop {
            let input = self.r.fill_buf()?;
            let out: &mut [u8] = if outlen < rec.bytes.len() {
                &mut rec.bytes[outlen..]
            } else {
                &mut spill
            };
            let ends: &mut [usize] = if endlen < rec.ends.len() {
                &mut rec.ends[endlen..]
            } else {
                &mut spill_ends
            };
            let (res, nin, nout, nend) = self.core.read_record(input, out, ends);
            if memchr_odd(&input[..nin]) {
                odd_quotes = !odd_quotes;
            }
            self.r.consume(nin);
            if outlen < rec.bytes.len() {
                outlen += nout;
            }
            if endlen < rec.ends.len() {
                endlen += nend;
            }
            match res {
                R::InputEmpty => {}
                R::OutputFull => {
                    if rec.bytes.len() < MAX_RECORD {
                        let n = (rec.bytes.len() * 2).min(MAX_RECORD);
                        rec.bytes.resize(n, 0);
                    }
                }
                R::OutputEndsFull => {
                    if rec.ends.len() < MAX_FIELDS {
                        let n = (rec.ends.len() * 2).min(MAX_FIELDS);
                        rec.ends.resize(n, 0);
                    }
                }
                R::Record => {
                    rec.nbytes = outlen;
                    rec.nends = endlen;
                    // Fields that ended past the cut end at it.
                    for e in &mut rec.ends[..endlen] {
                        *e = (*e).min(outlen);
                    }
                    self.not_utf8 += rec.not_utf8();
                    self.line = self.core.line();
                    if odd_quotes && self.r.fill_buf()?.is_empty() {
                        self.eof_in_quotes = true;
                    }
                    return Ok(Some(start));
                }
                R::End => {
                    self.done = true;
                    self.line = self.core.line();
                    return Ok(None);
                }
            }
        }
    }
}

/// Whether `b` holds an odd number of `"`.
fn memchr_odd(b: &[u8]) -> bool {
    b.iter().filter(|&&c| c == b'"').count() % 2 == 1
}

fn read_csv(
    reader: &mut dyn BufRead,
    acc: &mut Acc,
    notes: &mut Vec<ReadNote>,
) -> Result<(), SourceError> {
    acc.format = "CSV";
    // The separator: the portal writes commas; some spreadsheet tools re-save with `;` or tabs.
    let head = reader
        .fill_buf()
        .map_err(|e| SourceError::Other(format!("cannot read: {e}")))?;
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let count = |c: u8| first_line.iter().filter(|b| **b == c).count();
    let sep = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|c| count(*c))
        .unwrap_or(b',');
    let mut csv = Csv::new(reader, sep);
    let mut rec = Record::default();
    let io = |e: std::io::Error| SourceError::Other(format!("cannot read: {e}"));
    if csv.next(&mut rec).map_err(io)?.is_none() {
        return Err(SourceError::Other("is empty".into()));
    }
    let header: Vec<String> = (0..rec.len())
        .map(|i| rec.get(Some(i)).into_owned())
        .collect();
    let cols = Columns::from_header(&header);
    if cols.date.is_none() || (cols.code.is_none() && cols.status.is_none()) {
        let shown: Vec<String> = header
            .iter()
            .take(6)
            .map(|c| c.chars().take(40).collect())
            .collect();
        return Err(SourceError::Other(format!(
            "a CSV without the sign-in export's columns (`Date (UTC)`, `Status`, `Sign-in error code`); its columns are: {}",
            super::redact::redact_text(&shown.join(", "))
        )));
    }
    let width = rec.len();
    let mut ragged = 0u64;
    let mut bad_time = 0u64;
    while let Some(_line) = csv.next(&mut rec).map_err(io)? {
        if rec.len() == 1 && rec.get(Some(0)).trim().is_empty() {
            continue; // a blank line
        }
        if rec.len() != width {
            ragged += 1;
        }
        let get = |i: Option<usize>| rec.get(i);
        let code_s = get(cols.code);
        let code_s = code_s.trim();
        let code = code_s.parse::<i64>().ok();
        let status = get(cols.status).trim().to_ascii_lowercase();
        let failed = match code {
            Some(c) => c != 0,
            None => status == "failure" || status == "interrupted",
        };
        let date = get(cols.date);
        let at = parse_time(&date);
        if at.is_none() && !date.trim().is_empty() {
            bad_time += 1;
        }
        acc.row(Row {
            at,
            code,
            failed,
            app_id: opt(&get(cols.app_id)),
            app_name: opt(&get(cols.app)),
            resource: opt(&get(cols.resource)),
            resource_id: opt(&get(cols.resource_id)),
            ca: ca_value(&get(cols.ca)),
            reason: opt(&get(cols.reason)),
            credential_type: opt(&get(cols.credential_type)),
        });
    }
    if csv.eof_in_quotes {
        notes.push(ReadNote::failed(
            "signins.complete",
            format!("the file ends inside a quoted field at line {} (truncated); the {} rows before it were read", csv.line, acc.rows),
        ));
    }
    if ragged > 0 {
        notes.push(ReadNote::failed(
            "signins.rows",
            format!("{ragged} rows have a different number of fields than the header ({width}); read as far as they go"),
        ));
    }
    if csv.not_utf8 > 0 {
        notes.push(ReadNote::failed(
            "signins.encoding",
            format!("{} fields are not UTF-8 (read as Latin-1); save the export as UTF-8 for exact names", csv.not_utf8),
        ));
    }
    if bad_time > 0 {
        notes.push(ReadNote::failed(
            "signins.dates",
            format!("{bad_time} rows have a date that could not be read"),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// JSON: a top-level array, or an object with `value: [...]` (Graph, portal).

fn read_json(
    reader: &mut dyn BufRead,
    acc: &mut Acc,
    notes: &mut Vec<ReadNote>,
) -> Result<(), SourceError> {
    acc.format = "JSON";
    let mut next_link = false;
    let result = {
        let mut de = serde_json::Deserializer::from_reader(&mut *reader);
        let r = JsonRoot {
            acc: &mut *acc,
            next_link: &mut next_link,
        }
        .deserialize(&mut de);
        r.and_then(|_| de.end())
    };
    if let Err(e) = result {
        if acc.rows == 0 {
            return Err(SourceError::Other(if e.is_eof() {
                "the file ends before the first sign-in (truncated)".into()
            } else {
                format!("not a sign-in export: {e}")
            }));
        }
        let what = if e.is_eof() {
            "the file is truncated".to_string()
        } else {
            format!("reading stopped: {e}")
        };
        notes.push(ReadNote::failed(
            "signins.complete",
            format!(
                "{what} after {}; the sign-ins before it were read",
                acc.place(acc.rows)
            ),
        ));
    }
    if next_link {
        notes.push(ReadNote::failed(
            "signins.paging",
            "the export has an `@odata.nextLink`: only this page was read; follow the link for the rest".to_string(),
        ));
    }
    Ok(())
}

fn json_row(v: &Value) -> Row {
    let s = |k: &str| v.get(k).and_then(Value::as_str).and_then(opt);
    let status = v.get("status");
    let code = status
        .and_then(|st| st.get("errorCode"))
        .and_then(|c| c.as_i64().or_else(|| c.as_str()?.trim().parse().ok()));
    let reason = status
        .and_then(|st| st.get("failureReason"))
        .and_then(Value::as_str)
        .and_then(opt);
    let failed = match code {
        Some(c) => c != 0,
        None => reason.is_some(),
    };
    Row {
        at: s("createdDateTime").and_then(|t| parse_time(&t)),
        code,
        failed,
        app_id: s("appId"),
        app_name: s("appDisplayName"),
        resource: s("resourceDisplayName"),
        resource_id: s("resourceId"),
        ca: s("conditionalAccessStatus").and_then(|c| ca_value(&c)),
        reason,
        credential_type: s("clientCredentialType"),
    }
}

struct JsonRoot<'a> {
    acc: &'a mut Acc,
    next_link: &'a mut bool,
}

impl<'de> DeserializeSeed<'de> for JsonRoot<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonRoot<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of sign-ins or an object with `value`")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(v) = seq.next_element::<Value>()? {
            if v.is_object() {
                self.acc.row(json_row(&v));
            }
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(k) = map.next_key::<String>()? {
            if k == "value" {
                seen = true;
                map.next_value_seed(JsonRoot {
                    acc: &mut *self.acc,
                    next_link: &mut *self.next_link,
                })?;
            } else {
                if k == "@odata.nextLink" {
                    *self.next_link = true;
                }
                map.next_value::<IgnoredAny>()?;
            }
        }
        if !seen {
            return Err(de::Error::custom("no `value` array of sign-ins"));
        }
        Ok(())
    }
}

/// Points the request and response facts at another failure group's code, so the second and
/// third most frequent failures are diagnosed the same way as the first. Returns false when no
/// group has that code.
pub fn focus(ev: &mut Evidence, code: i64) -> bool {
    let Some((rank, g)) = ev
        .signins
        .groups
        .iter()
        .enumerate()
        .find(|(_, g)| g.error_code == Some(code))
        .map(|(i, g)| (i, g.clone()))
    else {
        return false;
    };
    let count: i64 = ev
        .signins
        .groups
        .iter()
        .filter(|x| x.error_code == Some(code))
        .map(|x| x.count)
        .sum();
    ev.response = authcheck_model::evidence::Response {
        codes: vec![code],
        code: Some(code),
        ..Default::default()
    };
    ev.request.client_id = g.app_id.clone();
    ev.request.client_name = g.app_name.clone();
    ev.resource.named_in_error = g.resource.clone();
    ev.resource.app_id = None;
    let where_ = format!(
        "sign-in export: AADSTS{code} in {count} of {} failures (group {} by size)",
        ev.signins.failures,
        rank + 1
    );
    ev.note_source("response", &where_);
    ev.note_source("request", &where_);
    true
}
