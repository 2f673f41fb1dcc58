//! Living in a shell: completion scripts (clap_complete), the manual page (clap_mangen), and clap's
//! usage errors as one line with the closest command or flag suggested.

use super::{emit, Cli, CliError};
use clap::error::{ContextKind, ContextValue};
use clap::{Args, CommandFactory};

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `authcheck completions SHELL`: the script on stdout.
pub fn completions(args: &CompletionsArgs) -> Result<i32, CliError> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "authcheck", &mut out);
    emit(&String::from_utf8_lossy(&out));
    Ok(0)
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write authcheck.1 and one page per command (authcheck-triage.1, …) into this folder
    /// instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<std::path::PathBuf>,
}

/// `authcheck man`: the manual page in roff on stdout, or every page into `--out-dir`.
pub fn man(args: &ManArgs) -> Result<i32, CliError> {
    if let Some(dir) = &args.out_dir {
        if !dir.is_dir() {
            return Err(CliError::Input(format!(
                "{}: not a folder (create it first)",
                dir.display()
            )));
        }
        clap_mangen::generate_to(Cli::command(), dir).map_err(|e| {
            CliError::Unavailable(format!(
                "cannot write the manual pages into {}: {e}",
                dir.display()
            ))
        })?;
        return Ok(0);
    }
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| CliError::Unavailable(format!("cannot render the manual page: {e}")))?;
    emit(&String::from_utf8_lossy(&out));
    Ok(0)
}

/// clap's error as one line: its first sentence, then the closest command or flag when clap found
/// one, and where to read more.
pub fn one_line_error(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let first: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let mut line = first.join(" ").trim_start_matches("error: ").to_string();
    let suggested = [ContextKind::SuggestedSubcommand, ContextKind::SuggestedArg]
        .into_iter()
        .find_map(|k| match e.get(k) {
            Some(ContextValue::String(s)) => Some(s.clone()),
            Some(ContextValue::Strings(v)) => v.first().cloned(),
            _ => None,
        });
    if let Some(s) = suggested {
        line.push_str(&format!("; did you mean `{s}`?"));
    }
    line.push_str(" (see `authcheck --help`)");
    line
}
