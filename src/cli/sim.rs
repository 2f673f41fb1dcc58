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
    /// List the built-in scenarios, each with what it shows and the rule it expects, then exit.
    #[arg(long)]
    pub list: bool,
    /// Start the simulator in the background and print shell exports for it, then exit:
    /// `eval "$(authcheck sim --scenario NAME --print-env)"`, then `authcheck_sim_doctor` runs the
    /// doctor against it and `kill $AUTHCHECK_SIM_PID` stops it.
    #[arg(long)]
    pub print_env: bool,
}

/// `authcheck sim`: starts the server, prints the JSON line, serves until Ctrl-C or SIGTERM.
pub fn run(args: &SimArgs) -> Result<i32, CliError> {
    if args.list {
        let names = Scenario::names();
        let width = names.iter().map(|n| n.len()).max().unwrap_or(0);
        for n in names {
            let s = Scenario::builtin(n).map_err(|e| CliError::Input(e.to_string()))?;
            // The first sentence of the description, on one line.
            let text = s
                .description
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let first = match text.find(". ") {
                Some(i) => &text[..=i],
                None => text.as_str(),
            };
            let expect = match s.expect.first() {
                Some(e) => format!(" (expects {e})"),
                None => " (expects no finding)".into(),
            };
            super::emit(&format!("{n:<width$}  {first}{expect}"));
        }
        return Ok(0);
    }
    if args.print_env {
        return print_env(args);
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
            log_scrub: Some(scrub_log_line),
            state_dir: args.state_dir.clone(),
        };
        let handle = start(scenario, opts)
            .await
            .map_err(|e| CliError::Unavailable(e.one_line()))?;
        let line = serde_json::to_string(&handle.info)
            .map_err(|e| CliError::Unavailable(format!("info: {e}")))?;
        // The one unscrubbed line: it hands the simulated tenant's fixture credentials to the
        // client on purpose.
        super::emit_unscrubbed(&line);
        super::note(&format!(
            "authcheck sim: scenario {} listening on {} (Ctrl-C to stop)",
            handle.info.scenario, handle.info.authority
        ));
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

/// Quotes a word for POSIX shells: single quotes, with each `'` written `'\''`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `--print-env`: starts `authcheck sim` again as a background process with the same options,
/// reads its JSON line, and prints shell exports for it. Its stdout is closed once read, so
/// `eval "$(…)"` returns while the simulator keeps serving.
fn print_env(args: &SimArgs) -> Result<i32, CliError> {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    // A bad scenario is refused here, with the same line as without --print-env.
    Scenario::load(&args.scenario).map_err(|e| CliError::Input(format!("--scenario: {e}")))?;
    let exe = std::env::current_exe()
        .map_err(|e| CliError::Unavailable(format!("cannot find authcheck itself: {e}")))?;
    let mut cmd = Command::new(exe);
    cmd.args(["sim", "--scenario", &args.scenario])
        .args(["--port", &args.port.to_string()])
        .args(["--latency", &args.latency.to_string()]);
    if args.tls {
        cmd.arg("--tls");
    }
    if let Some(l) = &args.log {
        cmd.arg("--log").arg(l);
    }
    if let Some(d) = &args.state_dir {
        cmd.arg("--state-dir").arg(d);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| CliError::Unavailable(format!("cannot start the simulator: {e}")))?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = std::io::BufReader::new(out).read_line(&mut line);
    }
    let Ok(info) = serde_json::from_str::<serde_json::Value>(line.trim()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(CliError::Unavailable(
            "the simulator did not start; run `authcheck sim` without --print-env to see why"
                .into(),
        ));
    };
    let mut out = String::new();
    for (k, v) in info["env"].as_object().into_iter().flatten() {
        if let Some(v) = v.as_str() {
            out.push_str(&format!("export {k}={}\n", sh_quote(v)));
        }
    }
    out.push_str(&format!("export AUTHCHECK_SIM_PID={}\n", child.id()));
    let words: Vec<String> = info["doctor_args"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|w| w.as_str().map(sh_quote))
        .collect();
    out.push_str(&format!(
        "authcheck_sim_doctor() {{ authcheck doctor {} \"$@\"; }}\n",
        words.join(" ")
    ));
    out.push_str(&format!(
        "authcheck_sim_fix() {{ authcheck fix {} \"$@\"; }}\n",
        words.join(" ")
    ));
    out.push_str(&format!(
        "# scenario {} at {}: run authcheck_sim_doctor; stop it with: kill $AUTHCHECK_SIM_PID\n",
        info["scenario"].as_str().unwrap_or(""),
        info["authority"].as_str().unwrap_or("")
    ));
    // The exports hand out the simulated tenant's own fixture credentials on purpose (as the JSON
    // start-up line does): redacting them would make `authcheck_sim_doctor` send a wrong secret.
    super::emit_unscrubbed(&out);
    Ok(0)
}

/// The simulator's log lines pass the same redaction layer as every other output.
fn scrub_log_line(line: &str) -> String {
    authcheck_offline::redact::scrub(line).into_owned()
}
