//! JSON: the `authcheck.report/v1` document.

use super::Report;

pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".into())
}
