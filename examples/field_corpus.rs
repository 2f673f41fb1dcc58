//! Benchmark (not a test): runs every text of the field corpus (`fixtures/field/`) through the
//! path `authcheck triage` takes — `cli::build_evidence` with the kind detected from the text, then
//! `RuleSet::builtin().evaluate` — and compares what comes first with the root cause each text was
//! labelled with.
//!
//! `cargo run --release --example field_corpus [-- --verbose]`
//!
//! The corpus holds error texts as people pasted them on public pages (Q&A sites, blogs, vendor
//! support articles, SDK troubleshooting guides); `fixtures/field/index.toml` gives each one a
//! label (a rule name, or `other:<cause>` for a cause no rule covers), other plausible rules
//! (`also`) and the page it came from. Printed: top-1 and top-3 accuracy overall and per label, the
//! inputs triage refuses (exit 2), the reports with no finding, and every miss. Cases marked
//! `held_out = true` were gathered after the rules were tuned on the others, and are also reported
//! on their own.

use authcheck::cli::{build_evidence, parse_time};
use authcheck_rules::RuleSet;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The instant every text is judged at (the same as the rule fixtures').
const NOW: &str = "2026-11-24T12:00:00Z";

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Index {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    file: String,
    label: String,
    #[serde(default)]
    also: Vec<String>,
    source: String,
    note: String,
    /// Collected after the `text-*` rule alternatives were written from the misses of the other
    /// cases: these measure how far those changes carry to texts they were not tuned on.
    #[serde(default)]
    held_out: bool,
}

/// What triage made of one text.
enum Outcome {
    /// Input refused: `authcheck triage` exits 2 with this message.
    Refused(String),
    /// The rules that fired, most likely first.
    Found(Vec<String>),
}

#[derive(Default)]
struct Tally {
    n: usize,
    top1: usize,
    top3: usize,
    refused: usize,
    empty: usize,
}

impl Tally {
    fn add(&mut self, label: &str, outcome: &Outcome) {
        self.n += 1;
        match outcome {
            Outcome::Refused(_) => self.refused += 1,
            Outcome::Found(rules) => {
                if rules.is_empty() {
                    self.empty += 1;
                }
                if rules.first().is_some_and(|r| r == label) {
                    self.top1 += 1;
                }
                if rules.iter().take(3).any(|r| r == label) {
                    self.top3 += 1;
                }
            }
        }
    }
}

fn pct(k: usize, n: usize) -> String {
    if n == 0 {
        "-".into()
    } else {
        format!("{:5.1}%", 100.0 * k as f64 / n as f64)
    }
}

fn main() {
    let verbose = std::env::args().any(|a| a == "--verbose" || a == "-v");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/field");
    let index_path = dir.join("index.toml");
    let index: Index = match std::fs::read_to_string(&index_path)
        .map_err(|e| e.to_string())
        .and_then(|s| toml::from_str(&s).map_err(|e| e.to_string()))
    {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{}: {e}", index_path.display());
            std::process::exit(2);
        }
    };
    let rules = RuleSet::builtin().expect("built-in rules load");
    let names: Vec<&str> = rules.rules.iter().map(|r| r.name()).collect();

    // The index itself: every label a rule or `other:…`, every file present, every source a page.
    let mut problems = Vec::new();
    for c in &index.case {
        for l in std::iter::once(&c.label).chain(&c.also) {
            if !(l.starts_with("other:") || names.contains(&l.as_str())) {
                problems.push(format!(
                    "{}: `{l}` is neither a rule nor other:<cause>",
                    c.file
                ));
            }
        }
        if !dir.join(&c.file).is_file() {
            problems.push(format!("{}: no such file", c.file));
        }
        if c.source.contains("github.com/")
            && (c.source.contains("/issues/") || c.source.contains("/pull/"))
        {
            problems.push(format!(
                "{}: GitHub issue or pull request as a source",
                c.file
            ));
        }
        if c.note.trim().is_empty() {
            problems.push(format!("{}: empty note", c.file));
        }
    }
    if !problems.is_empty() {
        eprintln!("fixtures/field/index.toml:\n  {}", problems.join("\n  "));
        std::process::exit(2);
    }

    let now = parse_time(NOW).expect("fixed instant parses");
    let mut overall = Tally::default();
    let mut covered = Tally::default(); // labels a rule covers
    let mut held = Tally::default(); // held-out cases
    let mut held_covered = Tally::default(); // held-out cases a rule covers
    let mut lenient_top1 = 0; // first finding is the label or one of `also`
    let mut per_label: BTreeMap<String, Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut other_claims = Vec::new(); // `other:` texts on which a rule still came first
    for c in &index.case {
        let text = std::fs::read_to_string(dir.join(&c.file)).unwrap_or_default();
        let outcome = match build_evidence(&text, &c.file, None, None, None, now) {
            Err(e) => Outcome::Refused(e.to_string()),
            Ok(ev) => Outcome::Found(rules.evaluate(&ev).0.into_iter().map(|f| f.rule).collect()),
        };
        overall.add(&c.label, &outcome);
        per_label
            .entry(c.label.clone())
            .or_default()
            .add(&c.label, &outcome);
        let other = c.label.starts_with("other:");
        if !other {
            covered.add(&c.label, &outcome);
        }
        if c.held_out {
            held.add(&c.label, &outcome);
            if !other {
                held_covered.add(&c.label, &outcome);
            }
        }
        let first = match &outcome {
            Outcome::Refused(e) => format!("(exit 2: {e})"),
            Outcome::Found(r) if r.is_empty() => "(no finding)".into(),
            Outcome::Found(r) => r.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
        };
        if let Outcome::Found(r) = &outcome {
            if r.first()
                .is_some_and(|f| *f == c.label || c.also.contains(f))
            {
                lenient_top1 += 1;
            }
            if other && !r.is_empty() {
                other_claims.push(format!("{}  {:<38} {}", c.file, c.label, first));
            }
        }
        let hit = matches!(&outcome, Outcome::Found(r) if r.first() == Some(&c.label));
        if verbose {
            println!(
                "{} {}  {:<38} {}",
                if hit { "ok  " } else { "MISS" },
                c.file,
                c.label,
                first
            );
        }
        if !hit {
            misses.push(format!("{}  {:<38} {}", c.file, c.label, first));
        }
    }

    let line = |name: &str, t: &Tally| {
        println!(
            "{name:<42} {:>4} {:>7} {:>7} {:>6} {:>6}",
            t.n,
            pct(t.top1, t.n),
            pct(t.top3, t.n),
            t.refused,
            t.empty
        )
    };
    println!(
        "field corpus: {} texts, {} labels\n",
        index.case.len(),
        per_label.len()
    );
    println!(
        "{:<42} {:>4} {:>7} {:>7} {:>6} {:>6}",
        "label", "n", "top-1", "top-3", "exit2", "empty"
    );
    for (label, t) in &per_label {
        line(label, t);
    }
    println!();
    line("ALL", &overall);
    line("ALL with a rule label (other:* left out)", &covered);
    line("held out (collected after tuning)", &held);
    line("held out with a rule label", &held_covered);
    println!(
        "top-1 counting `also` as a hit: {} of {} ({})",
        lenient_top1,
        index.case.len(),
        pct(lenient_top1, index.case.len())
    );
    println!(
        "\ninputs triage refuses (exit 2): {}   reports with no finding: {}",
        overall.refused, overall.empty
    );
    println!(
        "\nmisses ({}): file, label, what came first (up to 3)",
        misses.len()
    );
    for m in &misses {
        println!("  {m}");
    }
    println!(
        "\nother:* texts on which a rule still fired ({}): file, label, findings",
        other_claims.len()
    );
    for m in &other_claims {
        println!("  {m}");
    }
}
