//! Guesses what an input is from its first bytes.

use super::Kind;

/// A JWT, an evidence document, JSON, or text.
pub fn detect(text: &str) -> Kind {
    let t = text.trim();
    if super::jwt::looks_like_jwt(super::jwt::strip_wrapping(t)) {
        return Kind::Jwt;
    }
    if t.starts_with('{') {
        let head: String = t.chars().take(4096).collect();
        if head.contains("\"input\"") && head.contains("\"env\"") && head.contains("\"request\"") {
            return Kind::Evidence;
        }
        return Kind::Json;
    }
    Kind::Text
}
