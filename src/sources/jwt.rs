//! JWT source (placeholder until the JWT work lands).

use crate::evidence::Evidence;
use crate::report::TokenView;

#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    #[error("not a JWT: {0}")]
    Malformed(String),
}

pub struct DecodedJwt {
    pub header: serde_json::Map<String, serde_json::Value>,
    pub claims: serde_json::Map<String, serde_json::Value>,
}

pub fn strip_wrapping(s: &str) -> &str {
    let t = s.trim();
    let t = t
        .strip_prefix("Bearer ")
        .or_else(|| t.strip_prefix("bearer "))
        .unwrap_or(t);
    t.trim().trim_matches('"')
}

pub fn looks_like_jwt(s: &str) -> bool {
    s.starts_with("eyJ") && s.split('.').count() == 3 && !s.contains(char::is_whitespace)
}

pub fn decode(_raw: &str) -> Result<DecodedJwt, JwtError> {
    Err(JwtError::Malformed("decoding is not built yet".into()))
}

pub fn fill_evidence(_d: &DecodedJwt, _ev: &mut Evidence) {}

pub fn check_signature(_d: &DecodedJwt, _jwks: &str, _ev: &mut Evidence) -> Result<(), String> {
    Ok(())
}

pub fn explain(_d: &DecodedJwt, _ev: &Evidence) -> TokenView {
    TokenView::default()
}
