//! Error-text source (placeholder until the parser lands).

use crate::evidence::Evidence;

/// Extracts every fact it can; returns false when the text holds nothing it recognises.
pub fn parse(text: &str, ev: &mut Evidence) -> bool {
    let re = regex::Regex::new(r"AADSTS(\d{5,9})").unwrap();
    for c in re.captures_iter(text) {
        if let Ok(n) = c[1].parse::<i64>() {
            if !ev.response.codes.contains(&n) {
                ev.response.codes.push(n);
            }
        }
    }
    ev.response.code = ev.response.codes.first().copied();
    !ev.response.codes.is_empty()
}
