//! `authcheck.toml`: the doctor's settings for CI, plus the expectations a pipeline checks.

use super::DoctorError;
use super::ReaderAuth;

/// `authcheck.toml`: the same settings as the flags, plus expectations.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub tenant: Option<String>,
    pub client_id: Option<String>,
    pub api: Option<String>,
    pub endpoint: Option<String>,
    pub resource: Option<String>,
    pub scope: Option<String>,
    pub origin: Option<String>,
    pub call: Option<String>,
    pub scope_arm: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    pub purview_account: Option<String>,
    pub collection: Option<String>,
    pub workspace: Option<String>,
    pub app_id: Option<String>,
    pub resource_id: Option<String>,
    pub region: Option<String>,
    pub dce: Option<String>,
    pub dcr_immutable_id: Option<String>,
    pub stream: Option<String>,
    pub api_endpoint: Option<String>,
    pub credential: Option<String>,
    pub imds_endpoint: Option<String>,
    pub redirect_uri: Option<String>,
    pub cloud: Option<String>,
    pub authority_host: Option<String>,
    pub graph_endpoint: Option<String>,
    pub arm_endpoint: Option<String>,
    pub graph_auth: Option<ReaderAuth>,
    pub github_environment: Option<String>,
    pub timeout: Option<u64>,
    pub retries: Option<u32>,
    #[serde(default)]
    pub expect: Expectations,
}

/// What must hold for the pipeline to go on.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// Roles the principal must hold, each at a scope.
    #[serde(default)]
    pub roles: Vec<ExpectedRole>,
    /// Permissions that must be consented, as `API Permission` (`Microsoft Graph User.Read.All`) or just the value.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// No secret may expire within this many days.
    pub secrets_valid_days: Option<i64>,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedRole {
    pub role: String,
    pub scope: String,
}

pub(super) fn load_config(path: &std::path::Path) -> Result<Config, DoctorError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| DoctorError::Input(format!("--config {name}: cannot read: {e}")))?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        DoctorError::Input(format!(
            "--config {name}:{line}: {}",
            e.message().lines().next().unwrap_or("invalid")
        ))
    })
}
