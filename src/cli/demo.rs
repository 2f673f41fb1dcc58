//! `authcheck demo`: starts the simulator in-process and runs the doctor against each built-in
//! scenario, one verdict line each. The same code path as `authcheck sim` + `authcheck doctor`.

use super::CliError;
use clap::Args;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Scenarios to run (all when none is named).
    pub scenarios: Vec<String>,
}

pub fn run(_args: &DemoArgs, _color: bool) -> Result<i32, CliError> {
    Err(CliError::Unavailable(
        "the demo needs the simulator, which is not built yet".into(),
    ))
}
