//! Sources turn inputs into evidence facts. A source never decides what is wrong: that is the rules'
//! job. One file per source.

pub mod arm;
pub mod credential;
pub mod dataplane;
pub mod detect;
pub mod error_text;
pub mod github_oidc;
pub mod graph;
pub mod http;
pub mod jwt;
pub mod token_endpoint;

use crate::evidence::Evidence;

/// What an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// A JWT (access or id token).
    Jwt,
    /// A JSON body: token endpoint, ARM, Graph, a data plane.
    Json,
    /// Free text: an SDK exception, CLI output, a log line, an HTML page.
    Text,
    /// An authcheck evidence document (JSON), as `--show-evidence` prints it.
    Evidence,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Jwt => "jwt",
            Kind::Json => "json",
            Kind::Text => "text",
            Kind::Evidence => "evidence",
        }
    }
}

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{0}")]
    Jwt(#[from] jwt::JwtError),
    #[error("not an evidence document: {0}")]
    Evidence(String),
    #[error("found no Entra (AADSTS), OAuth, ARM, Graph or data-plane error and no token in it")]
    NothingFound,
    #[error("{0}")]
    Other(String),
}

/// Reads an artifact of a known kind into `ev` (raw facts only; call `derive` afterwards).
pub fn read_artifact(
    text: &str,
    kind: Kind,
    jwks: Option<&str>,
    ev: &mut Evidence,
) -> Result<(), SourceError> {
    match kind {
        Kind::Jwt => {
            let raw = jwt::strip_wrapping(text);
            let d = jwt::decode(raw)?;
            ev.input.kind = Some("jwt".into());
            jwt::fill_evidence(&d, ev);
            if let Some(keys) = jwks {
                jwt::check_signature(&d, keys, ev)
                    .map_err(|e| SourceError::Other(format!("--jwks: {e}")))?;
            }
            Ok(())
        }
        Kind::Evidence => {
            let now = ev.env.now;
            let name = ev.input.name.clone();
            let mut doc: Evidence =
                serde_json::from_str(text).map_err(|e| SourceError::Evidence(e.to_string()))?;
            if doc.env.now == 0 {
                doc.env.now = now;
            }
            if doc.input.name.is_none() {
                doc.input.name = name;
            }
            doc.input.kind.get_or_insert_with(|| "evidence".into());
            *ev = doc;
            Ok(())
        }
        Kind::Json | Kind::Text => {
            let found = error_text::parse(text, ev);
            if !found {
                return Err(SourceError::NothingFound);
            }
            if let (Some(keys), true) = (jwks, ev.token.present) {
                let _ = keys; // signature checks need the raw token, which error_text checks itself
            }
            Ok(())
        }
    }
}
