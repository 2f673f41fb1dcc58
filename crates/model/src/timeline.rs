//! Per-event times, kept for pictures rather than for rules: failures over time by error code (from a
//! sign-in export or a HAR) and, for a HAR, its token-endpoint, authorize and API exchanges in order.
//!
//! Sources fill [`Timeline`] in `Evidence::timeline` (never serialized into the evidence, so rules
//! cannot read it and `rules --fields` does not list it); triage copies it into the report, where
//! the JSON report carries it as `timeline` and the HTML report draws it. It stays small whatever
//! the input's size: failures are counted into epoch-aligned buckets that grow coarser when there
//! are too many ([`FailureCounter`]), and at most [`MAX_EXCHANGES`] exchanges are kept.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bucket widths in seconds, each a multiple of the one before, so a count at one width sums
/// exactly into the next: 1, 5, 15, 30 minutes, 1, 3, 6, 12 hours, 1 day, 1 week.
pub const WIDTHS: [i64; 10] = [
    60, 300, 900, 1800, 3600, 10_800, 21_600, 43_200, 86_400, 604_800,
];
/// At most this many buckets in a finished series (a chart still readable at phone width).
pub const MAX_BUCKETS: i64 = 48;
/// Codes drawn separately; the rest are summed under [`OTHER`].
pub const MAX_CODES: usize = 5;
/// The label of the codes beyond [`MAX_CODES`].
pub const OTHER: &str = "other";
/// Exchanges kept for the HAR timeline (the failing one is always kept).
pub const MAX_EXCHANGES: usize = 200;
/// Distinct (bucket, code) counts held while reading before the width grows.
const MAX_CELLS: usize = 20_000;
/// Distinct code labels held while reading; later ones count as [`OTHER`].
const MAX_LABELS: usize = 64;

/// What the pictures need, beside the evidence.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Timeline {
    /// Failures over time by error code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures: Option<FailureSeries>,
    /// A HAR's token-endpoint, authorize and API exchanges, in the archive's order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<Exchange>,
    /// Exchanges beyond [`MAX_EXCHANGES`] left out of `exchanges`.
    #[serde(skip_serializing_if = "is_zero")]
    pub exchanges_left_out: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Timeline {
    pub fn is_empty(&self) -> bool {
        self.failures.is_none() && self.exchanges.is_empty()
    }
}

/// Failures counted per time bucket and code.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FailureSeries {
    /// The width of every bucket, in seconds (one of [`WIDTHS`]).
    pub bucket_seconds: i64,
    /// The codes, most frequent first (`AADSTS50105`, `HTTP 403`, `other`).
    pub codes: Vec<String>,
    /// Every bucket from the first failure's to the last's, empty ones included, so the time axis
    /// is even.
    pub buckets: Vec<Bucket>,
    /// Failures without a readable time, not in any bucket.
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub untimed: i64,
}

fn is_zero_i64(n: &i64) -> bool {
    *n == 0
}

/// One time bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// Its start (Unix seconds, a multiple of the width).
    pub start: i64,
    /// Failures per code, in the order of `codes`.
    pub counts: Vec<i64>,
}

impl Bucket {
    pub fn total(&self) -> i64 {
        self.counts.iter().sum()
    }
}

/// One HTTP exchange of a HAR worth drawing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// Its place in `log.entries` (0-based, as `jq` counts).
    pub entry: usize,
    /// `startedDateTime` (Unix seconds), when readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<i64>,
    /// `token` (a token endpoint), `authorize`, or `api` (a call that carried a token or was refused).
    pub kind: String,
    pub method: String,
    pub host: String,
    /// The path, without the query string.
    pub path: String,
    pub status: i64,
    /// The AADSTS code the answer carried, when it carried one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The exchange failed (an error status or an error body).
    pub failed: bool,
    /// The exchange the diagnosis is about.
    pub diagnosed: bool,
}

/// Counts failures into buckets while a source streams, in bounded memory.
#[derive(Debug, Clone, Default)]
pub struct FailureCounter {
    /// Index into [`WIDTHS`].
    width: usize,
    labels: Vec<String>,
    /// (bucket start, label index) → count.
    cells: BTreeMap<(i64, usize), i64>,
    untimed: i64,
}

impl FailureCounter {
    /// Counts one failure at `at` (Unix seconds) with `code`'s label.
    pub fn add(&mut self, at: Option<i64>, code: &str) {
        let label = match self.labels.iter().position(|l| l == code) {
            Some(i) => i,
            None if self.labels.len() < MAX_LABELS => {
                self.labels.push(code.to_string());
                self.labels.len() - 1
            }
            None => match self.labels.iter().position(|l| l == OTHER) {
                Some(i) => i,
                None => {
                    self.labels.push(OTHER.to_string());
                    self.labels.len() - 1
                }
            },
        };
        let Some(t) = at else {
            self.untimed += 1;
            return;
        };
        let w = WIDTHS[self.width];
        *self.cells.entry((t.div_euclid(w) * w, label)).or_insert(0) += 1;
        while self.cells.len() > MAX_CELLS && self.width + 1 < WIDTHS.len() {
            self.coarsen_to(self.width + 1);
        }
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty() && self.untimed == 0
    }

    fn coarsen_to(&mut self, width: usize) {
        let w = WIDTHS[width];
        let mut cells = BTreeMap::new();
        for ((start, label), n) in std::mem::take(&mut self.cells) {
            *cells.entry((start.div_euclid(w) * w, label)).or_insert(0) += n;
        }
        self.cells = cells;
        self.width = width;
    }

    /// The series to draw: the narrowest width that gives at most [`MAX_BUCKETS`] buckets, the
    /// [`MAX_CODES`] most frequent codes and the rest as `other`. None when nothing was counted.
    pub fn finish(mut self) -> Option<FailureSeries> {
        if self.is_empty() {
            return None;
        }
        if let (Some(first), Some(last)) = (
            self.cells.keys().map(|k| k.0).min(),
            self.cells.keys().map(|k| k.0).max(),
        ) {
            while self.width + 1 < WIDTHS.len() {
                let w = WIDTHS[self.width];
                if (last.div_euclid(w) - first.div_euclid(w)) < MAX_BUCKETS {
                    break;
                }
                self.coarsen_to(self.width + 1);
            }
        }
        // Totals per label, most frequent first (ties: the first seen first).
        let mut totals = vec![0i64; self.labels.len()];
        for ((_, l), n) in &self.cells {
            totals[*l] += n;
        }
        let mut order: Vec<usize> = (0..self.labels.len())
            .filter(|l| totals[*l] > 0 && self.labels[*l] != OTHER)
            .collect();
        order.sort_by(|a, b| totals[*b].cmp(&totals[*a]).then(a.cmp(b)));
        let kept: Vec<usize> = order.iter().copied().take(MAX_CODES).collect();
        let has_other = totals
            .iter()
            .enumerate()
            .any(|(l, n)| *n > 0 && !kept.contains(&l));
        let mut codes: Vec<String> = kept.iter().map(|l| self.labels[*l].clone()).collect();
        if has_other {
            codes.push(OTHER.to_string());
        }
        let slot = |l: usize| kept.iter().position(|k| *k == l).unwrap_or(kept.len());
        let w = WIDTHS[self.width];
        let mut buckets: Vec<Bucket> = Vec::new();
        if let (Some(first), Some(last)) = (
            self.cells.keys().map(|k| k.0).min(),
            self.cells.keys().map(|k| k.0).max(),
        ) {
            let mut start = first;
            while start <= last {
                buckets.push(Bucket {
                    start,
                    counts: vec![0; codes.len()],
                });
                start += w;
            }
            for ((start, l), n) in &self.cells {
                let i = ((start - first) / w) as usize;
                buckets[i].counts[slot(*l)] += n;
            }
        }
        Some(FailureSeries {
            bucket_seconds: w,
            codes,
            buckets,
            untimed: self.untimed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_even_and_sum_to_the_failures() {
        let mut c = FailureCounter::default();
        // 3 hours of failures, one a minute, two codes.
        for m in 0..180 {
            c.add(
                Some(1_700_000_000 + m * 60),
                if m % 3 == 0 { "A" } else { "B" },
            );
        }
        c.add(None, "A");
        let s = c.finish().unwrap();
        assert_eq!(
            s.bucket_seconds, 300,
            "180 minutes fit 48 buckets at 5 minutes"
        );
        assert!(s.buckets.len() as i64 <= MAX_BUCKETS);
        assert_eq!(s.codes, ["B", "A"]);
        let total: i64 = s.buckets.iter().map(Bucket::total).sum();
        assert_eq!(total, 180);
        assert_eq!(s.untimed, 1);
        for pair in s.buckets.windows(2) {
            assert_eq!(pair[1].start - pair[0].start, 300);
        }
    }

    #[test]
    fn many_codes_fold_into_other_and_memory_stays_bounded() {
        let mut c = FailureCounter::default();
        for i in 0..100_000i64 {
            c.add(Some(i * 97), &format!("C{}", i % 80));
        }
        assert!(c.cells.len() <= MAX_CELLS);
        let s = c.finish().unwrap();
        assert_eq!(s.codes.len(), MAX_CODES + 1);
        assert_eq!(s.codes.last().map(String::as_str), Some(OTHER));
        assert!(s.buckets.len() as i64 <= MAX_BUCKETS);
        let total: i64 = s.buckets.iter().map(Bucket::total).sum();
        assert_eq!(total, 100_000);
    }

    #[test]
    fn nothing_counted_is_no_series() {
        assert!(FailureCounter::default().finish().is_none());
    }
}
