//! The simulator (placeholder until the simulator work lands).

use crate::cli::CliError;
use clap::Args;

#[derive(Args, Debug)]
pub struct SimArgs {
    /// A built-in scenario name or a scenario file.
    #[arg(long, default_value = "healthy")]
    pub scenario: String,
}

pub fn run(_args: &SimArgs) -> Result<i32, CliError> {
    Err(CliError::Unavailable(
        "the simulator is not built yet".into(),
    ))
}
