//! text renderer (placeholder until the reporters land).

use super::Report;

pub fn render(report: &Report, _opts: super::RenderOptions) -> String {
    super::json::render(report)
}
