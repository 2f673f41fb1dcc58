//! The evidence field table, generated at build time from the doc comments in `mod.rs`: every path a
//! rule may read, its Rust type and what it means.

include!(concat!(env!("OUT_DIR"), "/evidence_fields.rs"));

/// True when `path` (`request.client_id`, `app.secrets[0].end`, `app.secrets`) names a field.
/// Indices are written `[N]` or `[]`.
pub fn is_known(path: &str) -> bool {
    let norm = normalize(path);
    FIELDS.iter().any(|(p, _, _)| *p == norm)
}

/// `path` with every index (`[0]`, `[]`) written `[]`, the form [`FIELDS`] uses.
pub fn normalize(path: &str) -> String {
    let mut norm = String::with_capacity(path.len());
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '[' {
            for d in chars.by_ref() {
                if d == ']' {
                    break;
                }
            }
            norm.push_str("[]");
        } else {
            norm.push(c);
        }
    }
    norm
}

/// The fields below a namespace or path, for documentation.
pub fn under(
    prefix: &str,
) -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> + '_ {
    FIELDS.iter().filter(move |(p, _, _)| p.starts_with(prefix))
}
