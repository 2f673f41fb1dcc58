//! The AADSTS code catalog: every code of Microsoft's published reference plus the common ones it
//! lacks, each with its short name, a meaning in authcheck's own words, and the rule it maps to.
//!
//! The data lives in `aadsts.tsv` beside this file (tab-separated: code, name, meaning, rule) and is
//! parsed on first use; `explain` reads it without loading the rule engine.

use std::sync::OnceLock;

/// One catalog entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// The number without the `AADSTS` prefix.
    pub code: i64,
    /// The published short name (`InvalidResource`), or a few words where none is published.
    pub name: &'static str,
    /// What the code means, in plain words.
    pub meaning: &'static str,
    /// The rule that diagnoses it, when one applies.
    pub rule: Option<&'static str>,
}

const DATA: &str = include_str!("aadsts.tsv");

fn parse() -> Vec<Code> {
    DATA.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let code = cols
                .next()?
                .trim()
                .trim_start_matches("AADSTS")
                .parse()
                .ok()?;
            let name = cols.next().unwrap_or("").trim();
            let meaning = cols.next().unwrap_or("").trim();
            let rule = cols.next().map(str::trim).filter(|r| !r.is_empty());
            Some(Code {
                code,
                name,
                meaning,
                rule,
            })
        })
        .collect()
}

/// Every entry, in code order.
pub fn all() -> &'static [Code] {
    static CATALOG: OnceLock<Vec<Code>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut v = parse();
        v.sort_by_key(|c| c.code);
        v
    })
}

/// The entry for a code.
pub fn lookup(code: i64) -> Option<&'static Code> {
    let all = all();
    all.binary_search_by_key(&code, |c| c.code)
        .ok()
        .map(|i| &all[i])
}

/// Reads `AADSTS65001`, `aadsts65001` or `65001` as a code number.
pub fn parse_code(s: &str) -> Option<i64> {
    let t = s.trim();
    // `get`, not indexing: the input is the user's and may hold multi-byte characters anywhere.
    let digits = match (t.get(..6), t.get(6..)) {
        (Some(p), Some(rest)) if p.eq_ignore_ascii_case("aadsts") && !rest.is_empty() => rest,
        _ => t,
    };
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The codes that map to a rule.
pub fn codes_for_rule(rule: &str) -> Vec<&'static Code> {
    all().iter().filter(|c| c.rule == Some(rule)).collect()
}

#[cfg(test)]
mod tests {
    use super::parse_code;

    /// Regression: a multi-byte character across the `AADSTS` prefix's end once panicked.
    #[test]
    fn parse_code_takes_any_text() {
        assert_eq!(parse_code("AADSTS65001"), Some(65001));
        assert_eq!(parse_code(" aadsts65001 "), Some(65001));
        assert_eq!(parse_code("65001"), Some(65001));
        assert_eq!(parse_code("6500１"), None);
        assert_eq!(parse_code("abcdeé"), None);
        assert_eq!(parse_code("AADSTSé"), None);
        assert_eq!(parse_code(""), None);
    }
}
