//! sarif renderer (placeholder until the reporters land).

use super::Report;

pub fn render(report: &Report) -> String {
    super::json::render(report)
}
