//! Reading an input file or stdin with the limits every command shares.

use super::CliError;
use std::io::Read;

/// The largest input read whole (HAR and sign-in exports stream; see their sources).
pub const MAX_INPUT: u64 = 32 * 1024 * 1024;

/// Reads `path` (`-` for stdin) as text. Refuses what is too large, binary or not UTF-8, with one
/// line naming the input.
pub fn read_input(path: &str) -> Result<String, CliError> {
    let name = if path == "-" {
        "standard input".to_string()
    } else {
        path.to_string()
    };
    let mut buf = Vec::new();
    let read = if path == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut buf)
    } else {
        let f = std::fs::File::open(path)
            .map_err(|e| CliError::Input(format!("{name}: cannot open: {}", io_reason(&e))))?;
        let meta = f.metadata().ok();
        if meta.as_ref().is_some_and(|m| m.is_dir()) {
            return Err(CliError::Input(format!("{name}: is a folder, not a file")));
        }
        if meta
            .as_ref()
            .is_some_and(|m| m.is_file() && m.len() > MAX_INPUT)
        {
            return Err(too_large(&name));
        }
        f.take(MAX_INPUT + 1).read_to_end(&mut buf)
    };
    read.map_err(|e| CliError::Input(format!("{name}: cannot read: {}", io_reason(&e))))?;
    if buf.len() as u64 > MAX_INPUT {
        return Err(too_large(&name));
    }
    if buf.contains(&0) {
        return Err(CliError::Input(format!(
            "{name}: looks like binary data, not text"
        )));
    }
    // Tolerate a UTF-8 byte order mark; refuse other encodings with a hint.
    let body = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf);
    let text = String::from_utf8(body.to_vec()).map_err(|e| {
        CliError::Input(format!(
            "{name}: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    if text.trim().is_empty() {
        return Err(CliError::Input(format!("{name}: is empty")));
    }
    Ok(text)
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn too_large(name: &str) -> CliError {
    CliError::Input(format!(
        "{name}: larger than {} MiB; paste the error message or the failing response instead",
        MAX_INPUT / 1024 / 1024
    ))
}
