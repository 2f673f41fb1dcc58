//! `authcheck redact IN -o OUT`: a HAR, a JSON export or a log made safe to attach to a ticket.

use super::CliError;
use authcheck_offline::redact::{self, Shape};
use clap::Args;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct RedactArgs {
    /// The file to redact, or `-` for standard input.
    #[arg(value_name = "IN|-")]
    pub input: String,
    /// Where to write the redacted copy (`-` or nothing for standard output).
    #[arg(short = 'o', long = "output", value_name = "OUT|-")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &RedactArgs) -> Result<i32, CliError> {
    let shown = if args.input == "-" {
        "standard input".to_string()
    } else {
        args.input.clone()
    };
    let input: Box<dyn Read> = if args.input == "-" {
        Box::new(std::io::stdin())
    } else {
        let f = super::input::open_file(&args.input, &shown)?;
        Box::new(f)
    };
    let mut reader = BufReader::with_capacity(256 * 1024, input);
    {
        use std::io::BufRead;
        let head = reader
            .fill_buf()
            .map_err(|e| CliError::Input(format!("{shown}: cannot read: {e}")))?;
        if head.is_empty() {
            return Err(CliError::Input(format!("{shown}: is empty")));
        }
        super::input::check_head(&shown, head)?;
    }
    let to_stdout = args.output.as_deref().is_none_or(|p| p == Path::new("-"));
    let result = if to_stdout {
        let stdout = std::io::stdout();
        let mut w = BufWriter::new(stdout.lock());
        redact::redact_stream(&mut reader, &mut w)
    } else {
        let out = args.output.as_deref().unwrap_or(Path::new("-"));
        if args.input != "-" && same_file(Path::new(&args.input), out) {
            return Err(CliError::Input(format!(
                "{}: is the input; write the redacted copy to another file",
                out.display()
            )));
        }
        // Written beside the target and renamed at the end: a failure leaves no half-redacted file.
        let partial = out.with_extension(match out.extension() {
            Some(e) => format!("{}.partial", e.to_string_lossy()),
            None => "partial".into(),
        });
        let f = std::fs::File::create(&partial)
            .map_err(|e| CliError::Input(format!("{}: cannot create: {e}", out.display())))?;
        let mut w = BufWriter::with_capacity(256 * 1024, f);
        let r = redact::redact_stream(&mut reader, &mut w).and_then(|x| {
            w.flush().map_err(redact::RedactError::Write)?;
            Ok(x)
        });
        drop(w);
        match &r {
            Ok(_) => std::fs::rename(&partial, out)
                .map_err(|e| CliError::Input(format!("{}: cannot write: {e}", out.display())))?,
            Err(_) => {
                let _ = std::fs::remove_file(&partial);
            }
        }
        r
    };
    let (shape, stats) = result.map_err(|e| match e {
        redact::RedactError::Input(m) => {
            CliError::Input(format!("{shown}: {m}; nothing was written"))
        }
        redact::RedactError::Write(e) => CliError::Input(format!("cannot write the output: {e}")),
    })?;
    let what = match shape {
        Shape::Har => "HAR entries",
        Shape::Json => "JSON elements",
        Shape::Text => "lines",
    };
    let mut line = format!(
        "authcheck: redacted {} values ({} tokens, {} secrets, {} cookies, {} headers) in {} {what}",
        stats.total(),
        stats.tokens,
        stats.secrets,
        stats.cookies,
        stats.headers,
        stats.items
    );
    if stats.not_utf8_lines > 0 {
        line.push_str(&format!(
            "; {} lines were not UTF-8 and were rewritten with replacement characters",
            stats.not_utf8_lines
        ));
    }
    eprintln!("{line}");
    Ok(0)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
