//! The renderers: one per output format, all fed the same [`Report`] from the model crate.

pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod text;

pub use authcheck_model::report::*;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Junit,
    Github,
    Html,
}

/// Options every renderer may honour.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// Use ANSI colour (text only).
    pub color: bool,
}

/// Renders a report in the chosen format.
pub fn render(report: &Report, format: Format, opts: RenderOptions) -> String {
    match format {
        Format::Text => text::render(report, opts),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Junit => junit::render(report),
        Format::Github => github::render(report),
        Format::Html => html::render(report),
    }
}
