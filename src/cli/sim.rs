//! `authcheck sim`: runs the simulator (crate `authcheck-sim`) until Ctrl-C or SIGTERM, printing the
//! JSON line that tells a client where it listens.

use super::CliError;
use authcheck_sim::{start, Scenario, SimOptions};
use clap::Args;
use std::path::PathBuf;

/// `authcheck sim` options.
#[derive(Args, Debug)]
pub struct SimArgs {
    /// A built-in scenario name or a scenario file.
    #[arg(long, default_value = "healthy")]
    pub scenario: String,
    /// Port to listen on (127.0.0.1); 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Serve HTTPS with a fresh local CA; its PEM path is in the JSON line (`ca`).
    #[arg(long)]
    pub tls: bool,
    /// Delay every response by this many milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency: u64,
    /// Append a JSON line per request to FILE (names of form fields only, never their values).
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Where to write the CA, the client certificate and the federated token file (default: a new
    /// folder under the system temp folder).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// List the built-in scenarios and what each expects, then exit.
    #[arg(long)]
    pub list: bool,
}

/// `authcheck sim`: starts the server, prints the JSON line, serves until Ctrl-C or SIGTERM.
pub fn run(args: &SimArgs) -> Result<i32, CliError> {
    if args.list {
        for n in Scenario::names() {
            let s = Scenario::builtin(n).map_err(|e| CliError::Input(e.to_string()))?;
            super::emit(&format!("{n}\texpect={}", s.expect.join(",")));
        }
        return Ok(0);
    }
    let scenario =
        Scenario::load(&args.scenario).map_err(|e| CliError::Input(format!("--scenario: {e}")))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Unavailable(format!("runtime: {e}")))?;
    rt.block_on(async {
        // Listen for signals before anyone can learn the port, so a client that stops the
        // simulator right after reading the JSON line still gets a clean shutdown.
        let mut stop = Stop::new();
        let opts = SimOptions {
            port: args.port,
            tls: args.tls,
            latency_ms: args.latency,
            log: args.log.clone(),
            state_dir: args.state_dir.clone(),
        };
        let handle = start(scenario, opts)
            .await
            .map_err(|e| CliError::Unavailable(e.one_line()))?;
        let line = serde_json::to_string(&handle.info)
            .map_err(|e| CliError::Unavailable(format!("info: {e}")))?;
        super::emit(&line);
        eprintln!(
            "authcheck sim: scenario {} listening on {} (Ctrl-C to stop)",
            handle.info.scenario, handle.info.authority
        );
        stop.wait().await;
        handle.shutdown().await;
        Ok(0)
    })
}

/// Ctrl-C or SIGTERM, registered when made.
struct Stop {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Stop {
    fn new() -> Stop {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let signals = match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(t), Ok(i)) => Some((t, i)),
                _ => None,
            };
            Stop { signals }
        }
        #[cfg(not(unix))]
        Stop {}
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        if let Some((term, int)) = &mut self.signals {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}
