//! `WWW-Authenticate` challenges: what an API that refused a token says about the token it wants.
//! One parser of a header value, for the `--call` answer (doctor) and for a challenge found in
//! pasted text (error text, HAR).

use super::error_text::util::re;
use authcheck_model::evidence::Challenge;

/// Reads a `WWW-Authenticate` value (`Bearer authorization_uri="…", error="invalid_token", …`):
/// the scheme (its first word), then `key="quoted value"` or `key=token` parameters separated by
/// commas, in any order. A quoted value may hold commas and backslash-escaped quotes (kept as
/// written); a token value ends at a comma, a blank or a quote. Keys are case-insensitive,
/// unknown keys are ignored, the last of a repeated key wins; at most 32 parameters are read.
/// `claims` is true when the API asks for claims: a non-empty `claims` parameter, or the error
/// `insufficient_claims`.
pub fn parse(value: &str) -> Challenge {
    let mut ch = Challenge {
        scheme: value
            .split_whitespace()
            .next()
            .map(|s| s.trim_end_matches(',').to_string()),
        ..Challenge::default()
    };
    for c in re!(r#"([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s"]+))"#)
        .captures_iter(value)
        .take(32)
    {
        let v = c
            .get(2)
            .or(c.get(3))
            .map(|m| m.as_str().to_string())
            .unwrap_or_default();
        match c[1].to_ascii_lowercase().as_str() {
            "error" => ch.error = Some(v),
            "error_description" => ch.error_description = Some(v),
            "authorization_uri" | "authorization" => ch.authorization_uri = Some(v),
            "resource_id" | "resource" => ch.resource = Some(v),
            "realm" => ch.realm = Some(v),
            "claims" => ch.claims = !v.is_empty(),
            _ => {}
        }
    }
    if ch.error.as_deref() == Some("insufficient_claims") {
        ch.claims = true;
    }
    ch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_token() {
        let c = parse(
            r#"Bearer authorization_uri="https://login.microsoftonline.com/t", error="invalid_token", error_description="The audience is invalid""#,
        );
        assert_eq!(c.scheme.as_deref(), Some("Bearer"));
        assert_eq!(c.error.as_deref(), Some("invalid_token"));
        assert_eq!(
            c.error_description.as_deref(),
            Some("The audience is invalid")
        );
        assert_eq!(
            c.authorization_uri.as_deref(),
            Some("https://login.microsoftonline.com/t")
        );
        assert!(!c.claims);
    }

    #[test]
    fn quoted_commas_escapes_and_tokens() {
        let c = parse(
            r#"PoP realm=contoso, error_description="a, \"b\" c",resource_id="https://vault.azure.net" , Error=invalid_token"#,
        );
        assert_eq!(c.scheme.as_deref(), Some("PoP"));
        assert_eq!(c.realm.as_deref(), Some("contoso"));
        assert_eq!(c.error_description.as_deref(), Some(r#"a, \"b\" c"#));
        assert_eq!(c.resource.as_deref(), Some("https://vault.azure.net"));
        assert_eq!(c.error.as_deref(), Some("invalid_token"));
    }

    #[test]
    fn claims_challenges() {
        let c = parse(
            r#"Bearer realm="", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ==""#,
        );
        assert!(c.claims);
        assert_eq!(c.realm.as_deref(), Some(""));
        assert!(parse(r#"Bearer error="insufficient_claims""#).claims);
        assert!(!parse(r#"Bearer claims="""#).claims);
    }

    #[test]
    fn odd_values() {
        assert_eq!(parse("").scheme, None);
        let c = parse("Bearer");
        assert_eq!(c.scheme.as_deref(), Some("Bearer"));
        assert_eq!(c.error, None);
    }
}
