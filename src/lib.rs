//! authcheck: finds out why an Entra ID app or service principal cannot get a token, or gets one an
//! Azure API refuses, and says how to fix it.
//!
//! The pipeline: sources → evidence → rules → findings → report. `main.rs` only parses arguments and
//! maps the outcome to an exit code; the commands live in [`cli`].

pub mod cli;
pub mod engine;
pub mod evidence;
pub mod knowledge;
pub mod report;
pub mod sim;
pub mod sources;
