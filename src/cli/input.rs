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
        let f = open_file(path, &name)?;
        if f.metadata()
            .is_ok_and(|m| m.is_file() && m.len() > MAX_INPUT)
        {
            return Err(too_large(&name));
        }
        f.take(MAX_INPUT + 1).read_to_end(&mut buf)
    };
    read.map_err(|e| CliError::Input(format!("{name}: cannot read: {}", io_reason(&e))))?;
    text_from_bytes(&name, buf)
}

/// Opens the file `path` (`name` as messages show it) for reading; refuses a folder.
pub fn open_file(path: &str, name: &str) -> Result<std::fs::File, CliError> {
    let f = std::fs::File::open(path)
        .map_err(|e| CliError::Input(format!("{name}: cannot open: {}", io_reason(&e))))?;
    if f.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(CliError::Input(format!("{name}: is a folder, not a file")));
    }
    Ok(f)
}

/// An input read whole (`name` as messages show it) as text: refuses what is larger than
/// [`MAX_INPUT`], UTF-16, binary (NUL bytes), not UTF-8 or empty, with one line naming the
/// input. A UTF-8 byte order mark is dropped.
pub fn text_from_bytes(name: &str, bytes: Vec<u8>) -> Result<String, CliError> {
    if bytes.len() as u64 > MAX_INPUT {
        return Err(too_large(name));
    }
    check_head(name, &bytes)?;
    let text = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(body) => std::str::from_utf8(body).map(str::to_string),
        None => String::from_utf8(bytes).map_err(|e| e.utf8_error()),
    }
    .map_err(|e| {
        CliError::Input(format!(
            "{name}: not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    if text.trim().is_empty() {
        return Err(CliError::Input(format!("{name}: is empty")));
    }
    Ok(text)
}

/// The one-line refusals an input's first bytes decide (enough for a streamed input, which is
/// never read whole): UTF-16, binary (NUL bytes), nothing but blanks.
pub fn check_head(name: &str, head: &[u8]) -> Result<(), CliError> {
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Err(CliError::Input(format!(
            "{name}: is UTF-16 text; save it as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`)"
        )));
    }
    if head.contains(&0) {
        return Err(CliError::Input(format!(
            "{name}: looks like binary data, not text"
        )));
    }
    if head.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(CliError::Input(format!("{name}: is empty")));
    }
    Ok(())
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
