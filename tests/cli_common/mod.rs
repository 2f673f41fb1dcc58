//! Shared by the CLI tests: the real binary, run from the crate folder with time and colour pinned
//! and no `AZURE_*` variable of this process leaking in.

#![allow(dead_code)]

use std::process::{Command, Output, Stdio};

/// The instant every fixture is judged at.
pub const NOW: &str = "2026-11-24T12:00:00Z";

pub fn authcheck() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_authcheck"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("AUTHCHECK_NOW", NOW)
        .env("NO_COLOR", "1")
        // clap wraps help at the terminal's width; pin it so snapshots do not depend on it.
        .env("COLUMNS", "100")
        // Asked for, and still never shown: bad input is one line, not a trace.
        .env("RUST_BACKTRACE", "1")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AZURE_") {
            c.env_remove(k);
        }
    }
    c
}

pub fn run(args: &[&str]) -> Output {
    authcheck().args(args).output().expect("run authcheck")
}
