//! authcheck: finds out why an Entra ID app or service principal cannot get a token, or gets one an
//! Azure API refuses, and says how to fix it.
//!
//! The pipeline is a workspace of crates, one per stage (see ARCHITECTURE.md):
//! `authcheck-model` (evidence, findings, knowledge) → `authcheck-rules` (the engine and catalog),
//! `authcheck-offline` (parsers of pasted and attached inputs, redaction), `authcheck-live` (HTTP
//! probes and the doctor), `authcheck-sim` (the simulator). This crate is the binary's own code:
//! the commands ([`cli`]) and one renderer per output format ([`report`]). `main.rs` only parses
//! arguments and maps the outcome to an exit code.

pub mod cli;
pub mod report;
