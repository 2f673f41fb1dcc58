//! The offline sources: every parser of what users paste or attach — error text, token-endpoint and
//! API bodies, JWTs, HAR files, sign-in log exports, SDK debug logs, `az` exports — turning it into
//! evidence facts, and redaction of the same inputs. A source never decides what is wrong: that is
//! the rules' job. No network, no async runtime. One file per source.

pub mod arm_facts;
pub mod az_export;
pub mod challenge;
pub mod detect;
pub mod error_text;
pub mod graph_facts;
pub mod har;
pub mod har_walk;
pub mod jwt;
pub mod redact;
pub mod sdk_log;
pub mod signin_log;

use authcheck_model::evidence::Evidence;

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
    /// A browser or Fiddler HTTP Archive (HAR 1.2), read as a stream.
    Har,
    /// A sign-in log export: Entra portal CSV or JSON, or Graph `auditLogs/signIns` JSON.
    Signins,
    /// An SDK debug log: MSAL, azure-identity, `az --debug`.
    SdkLog,
    /// Azure CLI JSON: `az ad app show`, `az ad sp show`, `az ad app permission list-grants`,
    /// `az ad app federated-credential list`, `az role assignment list`.
    #[value(name = "az-export")]
    Az,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Jwt => "jwt",
            Kind::Json => "json",
            Kind::Text => "text",
            Kind::Evidence => "evidence",
            Kind::Har => "har",
            Kind::Signins => "signins",
            Kind::SdkLog => "sdk-log",
            Kind::Az => "az-export",
        }
    }

    /// Kinds read as a stream from a reader, with no size limit.
    pub fn is_streamed(self) -> bool {
        matches!(self, Kind::Har | Kind::Signins | Kind::SdkLog)
    }
}

/// How a streamed input was read, beside the facts: what was read, and what could not be
/// (truncated after entry N, another HAR version, rows skipped). The CLI shows each as a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadNote {
    /// A short dotted name, e.g. `har.read`, `har.version`, `signins.rows`.
    pub name: String,
    /// The input could not be read whole (or not as expected).
    pub failed: bool,
    pub detail: String,
}

impl ReadNote {
    pub fn ok(name: &str, detail: impl Into<String>) -> Self {
        ReadNote {
            name: name.into(),
            failed: false,
            detail: detail.into(),
        }
    }
    pub fn failed(name: &str, detail: impl Into<String>) -> Self {
        ReadNote {
            name: name.into(),
            failed: true,
            detail: detail.into(),
        }
    }
}

/// Reads a streamed kind (HAR, sign-in export, SDK log) from `reader` into `ev`, in bounded memory.
/// Returns notes on how the input was read; an error only when nothing usable could be read.
pub fn read_stream(
    reader: &mut dyn std::io::BufRead,
    kind: Kind,
    ev: &mut Evidence,
) -> Result<Vec<ReadNote>, SourceError> {
    match kind {
        Kind::Har => har::read(reader, ev),
        Kind::Signins => signin_log::read(reader, ev),
        Kind::SdkLog => sdk_log::read(reader, ev),
        other => Err(SourceError::Other(format!(
            "{} input is not read as a stream",
            other.as_str()
        ))),
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
        Kind::Har | Kind::Signins | Kind::SdkLog => {
            read_stream(&mut text.as_bytes(), kind, ev).map(|_| ())
        }
        Kind::Az => {
            let name = ev.input.name.clone().unwrap_or_else(|| "-".into());
            az_export::read(&name, text, &az_export::RbacContext::default(), ev).map(|_| ())
        }
        Kind::Json | Kind::Text => {
            // The raw token never leaves the error-text source, so it checks the signature there.
            if !error_text::parse_with_keys(text, jwks, ev) {
                read_unrecognised(text, ev);
            }
            Ok(())
        }
    }
}

/// How many lines of a text with nothing recognised reach the rules as messages.
const UNRECOGNISED_LINES: usize = 40;

/// Readable text in which no source recognised anything still reaches the rules: its first lines
/// (redacted, each cut at 1,000 characters) become `response.messages`, where rules match the
/// canonical phrases of Entra's and the APIs' errors, and `input.kind` says it was not
/// recognised so the report can say so.
fn read_unrecognised(text: &str, ev: &mut Evidence) {
    ev.input.kind = Some("unrecognised-text".into());
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| l.chars().any(char::is_alphanumeric))
        .take(UNRECOGNISED_LINES)
    {
        let cut: String = line.chars().take(1000).collect();
        let clean = redact::redact_text(&cut).into_owned();
        if !ev.response.messages.contains(&clean) {
            ev.response.messages.push(clean);
        }
    }
}
