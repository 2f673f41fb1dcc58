//! Scenario files: a simulated tenant's state (apps, credentials, users, grants, role assignments,
//! data-plane roles, conditional access), the client the scenario is about, the rules the doctor
//! must report, and the faults to inject.
//!
//! Times are written relative to the simulator's start ("10 minutes ago", "in 30 days", "now") and
//! resolved once when the simulator starts, so a scenario behaves the same whenever it runs.

use serde::Deserialize;
use std::path::Path;

/// The built-in scenarios, embedded at build time: (name, TOML).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "healthy",
        include_str!("../../../fixtures/scenarios/healthy.toml"),
    ),
    (
        "admin-consent-missing",
        include_str!("../../../fixtures/scenarios/admin-consent-missing.toml"),
    ),
    (
        "api-permission-missing",
        include_str!("../../../fixtures/scenarios/api-permission-missing.toml"),
    ),
    (
        "app-not-found-in-tenant",
        include_str!("../../../fixtures/scenarios/app-not-found-in-tenant.toml"),
    ),
    (
        "certificate-credential-invalid",
        include_str!("../../../fixtures/scenarios/certificate-credential-invalid.toml"),
    ),
    (
        "client-credential-missing",
        include_str!("../../../fixtures/scenarios/client-credential-missing.toml"),
    ),
    (
        "client-secret-expired",
        include_str!("../../../fixtures/scenarios/client-secret-expired.toml"),
    ),
    (
        "client-secret-id-used",
        include_str!("../../../fixtures/scenarios/client-secret-id-used.toml"),
    ),
    (
        "client-secret-invalid",
        include_str!("../../../fixtures/scenarios/client-secret-invalid.toml"),
    ),
    (
        "conditional-access-blocked",
        include_str!("../../../fixtures/scenarios/conditional-access-blocked.toml"),
    ),
    (
        "data-plane-role-missing",
        include_str!("../../../fixtures/scenarios/data-plane-role-missing.toml"),
    ),
    (
        "delegated-only-api-app-token",
        include_str!("../../../fixtures/scenarios/delegated-only-api-app-token.toml"),
    ),
    (
        "federated-credential-mismatch",
        include_str!("../../../fixtures/scenarios/federated-credential-mismatch.toml"),
    ),
    (
        "invalid-scope",
        include_str!("../../../fixtures/scenarios/invalid-scope.toml"),
    ),
    (
        "mfa-required",
        include_str!("../../../fixtures/scenarios/mfa-required.toml"),
    ),
    (
        "power-platform-application-user-missing",
        include_str!("../../../fixtures/scenarios/power-platform-application-user-missing.toml"),
    ),
    (
        "power-platform-management-app-missing",
        include_str!("../../../fixtures/scenarios/power-platform-management-app-missing.toml"),
    ),
    (
        "purview-role-on-other-collection",
        include_str!("../../../fixtures/scenarios/purview-role-on-other-collection.toml"),
    ),
    (
        "public-client-flows-disabled",
        include_str!("../../../fixtures/scenarios/public-client-flows-disabled.toml"),
    ),
    (
        "public-client-with-credential",
        include_str!("../../../fixtures/scenarios/public-client-with-credential.toml"),
    ),
    (
        "appinsights-propagation",
        include_str!("../../../fixtures/scenarios/appinsights-propagation.toml"),
    ),
    (
        "appinsights-role-missing",
        include_str!("../../../fixtures/scenarios/appinsights-role-missing.toml"),
    ),
    (
        "appinsights-wrong-audience",
        include_str!("../../../fixtures/scenarios/appinsights-wrong-audience.toml"),
    ),
    (
        "metrics-publisher-missing",
        include_str!("../../../fixtures/scenarios/metrics-publisher-missing.toml"),
    ),
    (
        "metrics-propagation",
        include_str!("../../../fixtures/scenarios/metrics-propagation.toml"),
    ),
    (
        "logs-ingestion-role-missing",
        include_str!("../../../fixtures/scenarios/logs-ingestion-role-missing.toml"),
    ),
    (
        "logs-ingestion-wrong-audience",
        include_str!("../../../fixtures/scenarios/logs-ingestion-wrong-audience.toml"),
    ),
    (
        "rbac-propagation-pending",
        include_str!("../../../fixtures/scenarios/rbac-propagation-pending.toml"),
    ),
    (
        "rbac-role-missing",
        include_str!("../../../fixtures/scenarios/rbac-role-missing.toml"),
    ),
    (
        "resource-principal-missing",
        include_str!("../../../fixtures/scenarios/resource-principal-missing.toml"),
    ),
    (
        "service-principal-missing",
        include_str!("../../../fixtures/scenarios/service-principal-missing.toml"),
    ),
    (
        "service-unavailable",
        include_str!("../../../fixtures/scenarios/service-unavailable.toml"),
    ),
    (
        "single-tenant-app-on-common-endpoint",
        include_str!("../../../fixtures/scenarios/single-tenant-app-on-common-endpoint.toml"),
    ),
    (
        "spa-cross-origin-redemption",
        include_str!("../../../fixtures/scenarios/spa-cross-origin-redemption.toml"),
    ),
    (
        "tenant-not-found",
        include_str!("../../../fixtures/scenarios/tenant-not-found.toml"),
    ),
    (
        "token-expired",
        include_str!("../../../fixtures/scenarios/token-expired.toml"),
    ),
    (
        "user-assignment-required",
        include_str!("../../../fixtures/scenarios/user-assignment-required.toml"),
    ),
    (
        "clock-skew",
        include_str!("../../../fixtures/scenarios/clock-skew.toml"),
    ),
    (
        "managed-identity-unavailable",
        include_str!("../../../fixtures/scenarios/managed-identity-unavailable.toml"),
    ),
    (
        "redirect-uri-mismatch",
        include_str!("../../../fixtures/scenarios/redirect-uri-mismatch.toml"),
    ),
    (
        "refresh-token-expired",
        include_str!("../../../fixtures/scenarios/refresh-token-expired.toml"),
    ),
    (
        "wrong-audience",
        include_str!("../../../fixtures/scenarios/wrong-audience.toml"),
    ),
    (
        "token-signature-invalid",
        include_str!("../../../fixtures/scenarios/token-signature-invalid.toml"),
    ),
    (
        "usgov-tenant-at-public-authority",
        include_str!("../../../fixtures/scenarios/usgov-tenant-at-public-authority.toml"),
    ),
    (
        "power-platform-wrong-cloud-audience",
        include_str!("../../../fixtures/scenarios/power-platform-wrong-cloud-audience.toml"),
    ),
];

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("no built-in scenario `{0}` (see `authcheck sim --list`)")]
    Unknown(String),
    #[error("{path}: {msg}")]
    Read { path: String, msg: String },
    #[error("scenario {name}: {msg}")]
    Invalid { name: String, msg: String },
}

/// A whole scenario, as written in its TOML file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The rules `authcheck doctor` must report, the first being `findings[0]`.
    #[serde(default)]
    pub expect: Vec<String>,
    pub tenant: TenantSpec,
    pub client: ClientSpec,
    #[serde(default)]
    pub apps: Vec<AppSpec>,
    #[serde(default)]
    pub users: Vec<UserSpec>,
    /// Security groups: their members (users, by UPN) and the apps (by name) they are assigned
    /// to; a user assigned through a group is let in where assignment is required.
    #[serde(default)]
    pub groups: Vec<GroupSpec>,
    #[serde(default)]
    pub azure: AzureSpec,
    #[serde(default)]
    pub role_assignments: Vec<RoleAssignmentSpec>,
    #[serde(default)]
    pub purview: PurviewSpec,
    #[serde(default)]
    pub powerplatform: PowerPlatformSpec,
    #[serde(default)]
    pub conditional_access: Vec<ConditionalAccessSpec>,
    #[serde(default)]
    pub signins: Vec<SignInSpec>,
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// The managed identity of the resource the client runs on, if it has one.
    #[serde(default)]
    pub managed_identity: Option<ManagedIdentitySpec>,
    /// The person running the doctor, who reads ARM and Graph with an identity of their own.
    #[serde(default)]
    pub operator: Option<OperatorSpec>,
    /// The tenant's token-signing keys: which of them its key set publishes.
    #[serde(default)]
    pub signing: SigningSpec,
}

/// The tenant's token-signing keys. The tenant signs every token (access, id, the operator's and
/// IMDS's) with its current key; its key set (`discovery/v2.0/keys`, `discovery/keys`) publishes
/// that key and the next one of the rollover. With `publish_current_key = false` the current key
/// is left out, as after an emergency rollover that withdrew it while tokens signed with it are
/// still cached and replayed: the token's `kid` is in no published key, and every simulated API
/// (which checks signatures against the published keys only) refuses the token with a 401.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningSpec {
    #[serde(default = "default_true")]
    pub publish_current_key: bool,
}

impl Default for SigningSpec {
    fn default() -> Self {
        SigningSpec {
            publish_current_key: true,
        }
    }
}

fn default_true() -> bool {
    true
}

/// The operator: who runs the doctor and reads ARM and Graph with their own identity (in real
/// life `az login` and `--graph-auth az`, or a token in `AUTHCHECK_ARM_TOKEN` /
/// `AUTHCHECK_GRAPH_TOKEN`). The simulator mints the identity's ARM and Graph tokens at start-up
/// and puts them in the JSON line's `env`. What the tokens may read follows the identity's
/// state in the scenario: its role assignments for ARM, its granted Graph application
/// permissions for Graph.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorSpec {
    /// The app (by `name`) whose service principal the operator reads with.
    pub app: String,
    /// Lifetime of the minted tokens, in minutes, whatever the tenant's token lifetime.
    #[serde(default = "default_operator_token_minutes")]
    pub token_lifetime_minutes: i64,
    /// The operator's app is registered as a Power Platform management application, so it may
    /// add application users to environments (`addAppUser`). Optional; default false.
    #[serde(default)]
    pub powerplatform_management_app: bool,
    /// A user (by UPN) signed in through the operator's app for the Power Platform admin API: the
    /// operator's Power Platform token is then that user's delegated token (`scp`
    /// `user_impersonation`), as registering a management application requires. Optional; by
    /// default every operator token is the app's own (app-only).
    #[serde(default)]
    pub user: Option<String>,
}

fn default_operator_token_minutes() -> i64 {
    60
}

/// A managed identity: the service principal (an app of the scenario, by name) IMDS issues
/// tokens for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedIdentitySpec {
    pub app: String,
}

/// The simulated tenant.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSpec {
    pub id: String,
    pub domain: String,
    #[serde(default = "default_tenant_name")]
    pub display_name: String,
    /// Minutes before a new role assignment takes effect in ARM and the data planes.
    #[serde(default)]
    pub propagation_minutes: i64,
    /// The same delay in seconds, when given (it wins): lets a test see a role take effect while
    /// `authcheck doctor --wait` is watching.
    #[serde(default)]
    pub propagation_seconds: Option<i64>,
    /// Well-known APIs (`purview`, `powerplatform`, …) whose service principal is absent.
    #[serde(default)]
    pub missing_resource_principals: Vec<String>,
    /// Lifetime of issued access tokens, in minutes (Entra: 60–90).
    #[serde(default = "default_token_minutes")]
    pub token_lifetime_minutes: i64,
    /// How long a refresh token may sit unused before Entra refuses it (AADSTS700082); Entra's
    /// default is 90 days. 0 makes every refresh token stale at once.
    #[serde(default = "default_rt_minutes")]
    pub refresh_token_max_inactive_minutes: i64,
    /// The device authorization grant: how long a code lives and how often a client may poll.
    #[serde(default)]
    pub device_code: DeviceCodeSpec,
    /// The Entra cloud the tenant lives in: `public` (the default), `usgov` or `china`. The
    /// simulator's root is this cloud's authority; the other clouds' authorities are served under
    /// `/cloud/{key}` and know no tenant of the scenario (AADSTS90002 there).
    #[serde(default = "default_cloud")]
    pub cloud: String,
    /// The `tenant_region_sub_scope` the tenant's discovery document carries (`GCC`, `DODCON` for
    /// GCC High, `DOD`), when it has one.
    #[serde(default)]
    pub region_sub_scope: Option<String>,
}

fn default_cloud() -> String {
    "public".into()
}

/// The device authorization grant's timing, and a busy service: Entra gives codes 15 minutes and
/// asks clients to poll every 5 seconds; tests shorten both.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceCodeSpec {
    #[serde(default = "default_device_expires")]
    pub expires_in_seconds: i64,
    #[serde(default = "default_device_interval")]
    pub interval_seconds: i64,
    /// The first this-many polls are answered `slow_down`, as a busy service does.
    #[serde(default)]
    pub slow_down_polls: u32,
}

impl Default for DeviceCodeSpec {
    fn default() -> Self {
        DeviceCodeSpec {
            expires_in_seconds: default_device_expires(),
            interval_seconds: default_device_interval(),
            slow_down_polls: 0,
        }
    }
}

fn default_device_expires() -> i64 {
    900
}
fn default_device_interval() -> i64 {
    5
}

fn default_rt_minutes() -> i64 {
    90 * 24 * 60
}

fn default_tenant_name() -> String {
    "Contoso".into()
}
fn default_token_minutes() -> i64 {
    75
}

/// What the scenario's client holds and how it asks: this becomes the JSON line's `env` and
/// `doctor_args`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// The app (by `name`) whose client id the client uses.
    #[serde(default)]
    pub app: Option<String>,
    /// A client id to use instead of the app's (an app that does not exist).
    #[serde(default)]
    pub client_id: Option<String>,
    /// A tenant segment to use instead of the tenant id (`common`, a tenant that does not exist).
    #[serde(default)]
    pub tenant: Option<String>,
    /// `secret`, `certificate`, `federated`, `password`, `managed-identity`, `interactive` (the
    /// authorize request checked without a browser), `device-code`, `browser`, `none`.
    #[serde(default = "default_credential")]
    pub credential: String,
    /// The secret the client holds (a fixture value). `{secret_id}` is replaced with the id of
    /// the app's first secret.
    #[serde(default)]
    pub secret: Option<String>,
    /// The app certificate (by name) whose key the client holds; `unregistered` for a key the app
    /// does not know.
    #[serde(default)]
    pub certificate: Option<String>,
    /// The federated token the workload is handed (signed by the simulator's external issuer).
    #[serde(default)]
    pub federated: Option<FederatedTokenSpec>,
    /// ROPC user (by upn) and the password the client holds.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// The API the client wants (`purview`, `powerplatform`, `loganalytics`, `appinsights`,
    /// `monitor` (custom metrics), `logsingestion` (the Logs Ingestion API), `arm`, `graph`).
    #[serde(default = "default_api")]
    pub api: String,
    /// A scope or resource the client sends instead of the API's (`https://purview.azure.net`
    /// without `/.default`).
    #[serde(default)]
    pub scope: Option<String>,
    /// `v1` or `v2` token endpoint.
    #[serde(default = "default_endpoint")]
    pub endpoint: String,
    /// An `Origin` header the client sends (a browser).
    #[serde(default)]
    pub origin: Option<String>,
    /// The redirect URI the client sends to the authorize endpoint (interactive sign-in).
    #[serde(default)]
    pub redirect_uri: Option<String>,
    /// The cloud whose authority the client is pointed at (`public`, `usgov`, `china`), when not
    /// the tenant's own: a client left on its SDK's default cloud.
    #[serde(default)]
    pub authority_cloud: Option<String>,
}

fn default_credential() -> String {
    "secret".into()
}
fn default_api() -> String {
    "purview".into()
}
fn default_endpoint() -> String {
    "v2".into()
}

/// The claims of a federated token the simulator's external issuer mints for the client.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FederatedTokenSpec {
    /// Defaults to the simulator's own issuer (`{base}/federation`).
    #[serde(default)]
    pub issuer: Option<String>,
    pub subject: String,
    #[serde(default = "default_fic_audience")]
    pub audience: String,
    /// How far the issuing machine's clock is ahead (positive) or behind, in minutes: the token's
    /// `iat`, `nbf` and `exp` move with it.
    #[serde(default)]
    pub clock_skew_minutes: i64,
}

pub fn default_fic_audience() -> String {
    "api://AzureADTokenExchange".into()
}

/// An app registration and its service principal.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppSpec {
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub app_id: Option<String>,
    #[serde(default)]
    pub object_id: Option<String>,
    #[serde(default)]
    pub sp_object_id: Option<String>,
    #[serde(default = "default_audience")]
    pub sign_in_audience: String,
    /// The app has a service principal in the tenant.
    #[serde(default = "yes")]
    pub service_principal: bool,
    /// The service principal's `accountEnabled`.
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub assignment_required: bool,
    /// "Allow public client flows" (`isFallbackPublicClient`).
    #[serde(default)]
    pub public_client_flows: bool,
    #[serde(default)]
    pub spa_redirect_uris: Vec<String>,
    #[serde(default)]
    pub web_redirect_uris: Vec<String>,
    #[serde(default)]
    pub public_client_redirect_uris: Vec<String>,
    #[serde(default)]
    pub identifier_uris: Vec<String>,
    #[serde(default = "long_ago")]
    pub created: String,
    #[serde(default)]
    pub secrets: Vec<SecretSpec>,
    #[serde(default)]
    pub certificates: Vec<CertificateSpec>,
    #[serde(default)]
    pub federated_credentials: Vec<FederatedCredentialSpec>,
    /// Requested permissions (`requiredResourceAccess`) and whether they are granted.
    #[serde(default)]
    pub permissions: Vec<PermissionSpec>,
    /// APIs (by app name) this app's service principal is assigned to with default access (app
    /// role id `00000000-…`, for an API that defines no app roles): what lets it in when the API
    /// requires assignment.
    #[serde(default)]
    pub assigned_to_apis: Vec<String>,
}

fn default_audience() -> String {
    "AzureADMyOrg".into()
}
fn yes() -> bool {
    true
}
fn long_ago() -> String {
    "90 days ago".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub key_id: Option<String>,
    /// The secret's value (a fixture).
    pub value: String,
    #[serde(default = "long_ago")]
    pub created: String,
    #[serde(default = "far_future")]
    pub expires: String,
}

fn far_future() -> String {
    "in 365 days".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateSpec {
    pub name: String,
    #[serde(default)]
    pub key_id: Option<String>,
    #[serde(default = "long_ago")]
    pub created: String,
    #[serde(default = "far_future")]
    pub expires: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FederatedCredentialSpec {
    pub name: String,
    /// Defaults to the simulator's own issuer.
    #[serde(default)]
    pub issuer: Option<String>,
    pub subject: String,
    #[serde(default = "default_fic_audiences")]
    pub audiences: Vec<String>,
}

fn default_fic_audiences() -> Vec<String> {
    vec![default_fic_audience()]
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionSpec {
    /// A well-known API key (`graph`, `powerplatform`, …).
    pub api: String,
    /// `Role` (application permission) or `Scope` (delegated).
    pub kind: String,
    pub value: String,
    /// Admin consent given (an app role assignment or an AllPrincipals grant exists).
    #[serde(default = "yes")]
    pub granted: bool,
    #[serde(default = "long_ago")]
    pub granted_at: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    pub upn: String,
    #[serde(default)]
    pub object_id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    pub password: String,
    /// Sign-in needs MFA (a per-user or CA requirement ROPC cannot meet).
    #[serde(default)]
    pub mfa: bool,
    /// The one-time code the user's authenticator shows (what the MFA page accepts); empty when
    /// the user has registered no method, so a sign-in that needs MFA ends in AADSTS50079.
    #[serde(default = "default_mfa_code")]
    pub mfa_code: String,
    /// The user may consent to delegated permissions nobody has granted yet (the tenant's user
    /// consent setting allows it, or the user is an administrator): the sign-in shows a consent
    /// screen instead of refusing with AADSTS65001.
    #[serde(default)]
    pub may_consent: bool,
    /// Apps (by name) the user is assigned to.
    #[serde(default)]
    pub assigned_to: Vec<String>,
}

/// A security group of the tenant.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    pub name: String,
    #[serde(default)]
    pub object_id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// Members, by UPN.
    #[serde(default)]
    pub members: Vec<String>,
    /// Apps (by name) the group is assigned to.
    #[serde(default)]
    pub assigned_to: Vec<String>,
}

impl GroupSpec {
    pub fn id(&self) -> String {
        self.object_id
            .clone()
            .unwrap_or_else(|| derived_guid(&format!("group:{}", self.name)))
    }

    pub fn shown_name(&self) -> String {
        self.display_name
            .clone()
            .unwrap_or_else(|| self.name.clone())
    }

    pub fn has_member(&self, upn: &str) -> bool {
        self.members.iter().any(|m| m.eq_ignore_ascii_case(upn))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AzureSpec {
    #[serde(default = "default_sub")]
    pub subscription_id: String,
    #[serde(default = "default_rg")]
    pub resource_group: String,
    /// The Log Analytics workspace (customer id, a GUID) and its ARM name.
    #[serde(default = "default_workspace_id")]
    pub workspace_id: String,
    #[serde(default = "default_workspace_name")]
    pub workspace_name: String,
    /// The Application Insights component: its application id (the GUID its query API is
    /// addressed by) and its ARM name.
    #[serde(default = "default_appinsights_app_id")]
    pub appinsights_app_id: String,
    #[serde(default = "default_appinsights_name")]
    pub appinsights_name: String,
    /// The virtual machine custom metrics are sent for (its ARM name, in the resource group).
    #[serde(default = "default_vm_name")]
    pub vm_name: String,
    /// The data collection rule the Logs Ingestion API sends through: its ARM name (in the
    /// resource group), its immutable id (`dcr-` and 32 hex digits, the id the API's URL
    /// carries) and the input stream it declares (`Custom-…`).
    #[serde(default = "default_dcr_name")]
    pub dcr_name: String,
    #[serde(default = "default_dcr_immutable_id")]
    pub dcr_immutable_id: String,
    #[serde(default = "default_dcr_stream")]
    pub dcr_stream: String,
}

impl Default for AzureSpec {
    fn default() -> Self {
        AzureSpec {
            subscription_id: default_sub(),
            resource_group: default_rg(),
            workspace_id: default_workspace_id(),
            workspace_name: default_workspace_name(),
            appinsights_app_id: default_appinsights_app_id(),
            appinsights_name: default_appinsights_name(),
            vm_name: default_vm_name(),
            dcr_name: default_dcr_name(),
            dcr_immutable_id: default_dcr_immutable_id(),
            dcr_stream: default_dcr_stream(),
        }
    }
}

fn default_sub() -> String {
    "5f1c2a8e-3b4d-4e6f-9a0b-1c2d3e4f5a6b".into()
}
fn default_rg() -> String {
    "rg-analytics".into()
}
fn default_workspace_id() -> String {
    "b7e3c1d2-9a8b-4c5d-8e6f-0a1b2c3d4e5f".into()
}
fn default_workspace_name() -> String {
    "law-contoso".into()
}
fn default_appinsights_app_id() -> String {
    "d4a1c7e9-2b3f-4a5c-9d8e-7f6a5b4c3d2e".into()
}
fn default_appinsights_name() -> String {
    "appi-contoso".into()
}
fn default_vm_name() -> String {
    "vm-contoso-01".into()
}
fn default_dcr_name() -> String {
    "dcr-contoso-app-events".into()
}
fn default_dcr_immutable_id() -> String {
    "dcr-3f9c2b7e41d84a6c9e0f5b1a2c3d4e5f".into()
}
fn default_dcr_stream() -> String {
    "Custom-AppEvents".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleAssignmentSpec {
    /// An app (by name) or a user (by upn).
    pub principal: String,
    /// A built-in role name (`Reader`, `Log Analytics Reader`, …).
    pub role: String,
    /// `subscription`, `resource-group`, `workspace`, `component` (the Application Insights
    /// component), `vm` (the virtual machine custom metrics are sent for), `dcr` (the data
    /// collection rule of the Logs Ingestion API), or a full ARM scope.
    #[serde(default = "default_scope")]
    pub scope: String,
    #[serde(default = "long_ago")]
    pub created: String,
}

fn default_scope() -> String {
    "resource-group".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurviewSpec {
    #[serde(default = "default_purview_account")]
    pub account: String,
    /// Sub-collections: (name, parent).
    #[serde(default)]
    pub collections: Vec<CollectionSpec>,
    #[serde(default)]
    pub roles: Vec<CollectionRoleSpec>,
}

impl Default for PurviewSpec {
    fn default() -> Self {
        PurviewSpec {
            account: default_purview_account(),
            collections: vec![],
            roles: vec![],
        }
    }
}

fn default_purview_account() -> String {
    "contoso-purview".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionSpec {
    pub name: String,
    pub parent: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionRoleSpec {
    pub principal: String,
    /// `Collection Admin`, `Data Source Administrator`, `Data Curator`, `Data Reader`, `Policy Author`.
    pub role: String,
    /// Defaults to the root collection (the account name).
    #[serde(default)]
    pub collection: Option<String>,
    #[serde(default = "long_ago")]
    pub created: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerPlatformSpec {
    #[serde(default = "default_env")]
    pub environment: String,
    /// Apps (by name) that are application users in the environment.
    #[serde(default)]
    pub application_users: Vec<String>,
    /// Apps (by name) registered as management applications.
    #[serde(default)]
    pub management_apps: Vec<String>,
    /// Users (by UPN) who are Power Platform administrators: they may register management
    /// applications and add application users. Optional; default none.
    #[serde(default)]
    pub admins: Vec<String>,
    /// Which Power Platform API deployment the stand-in plays: `public`, `gcc`, `gcc-high`,
    /// `dod` or `china`; by default the tenant cloud's own (`usgov` → `gcc-high`). It accepts
    /// only tokens whose audience is that deployment's host.
    #[serde(default)]
    pub cloud: Option<String>,
}

impl Default for PowerPlatformSpec {
    fn default() -> Self {
        PowerPlatformSpec {
            environment: default_env(),
            application_users: vec![],
            management_apps: vec![],
            admins: vec![],
            cloud: None,
        }
    }
}

fn default_env() -> String {
    "Default-2b7c3f1e-6a4d-4f8e-9c0b-7d1e2f3a4b5c".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionalAccessSpec {
    pub name: String,
    #[serde(default)]
    pub id: Option<String>,
    /// `enabled`, `disabled`, `enabledForReportingButNotEnforced`.
    #[serde(default = "default_ca_state")]
    pub state: String,
    /// `block` or `mfa`.
    pub grant: String,
    /// Apps (by name) the policy covers; `All` for every app.
    #[serde(default)]
    pub apps: Vec<String>,
    /// Users (by upn) or `All`; empty with `workload_identities` for a service-principal policy.
    #[serde(default)]
    pub users: Vec<String>,
    /// Service principals (apps by name) covered as workload identities.
    #[serde(default)]
    pub workload_identities: Vec<String>,
}

fn default_ca_state() -> String {
    "enabled".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInSpec {
    pub app: String,
    /// 0 for success, else the AADSTS code.
    pub code: i64,
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default = "default_when")]
    pub when: String,
    #[serde(default = "one")]
    pub count: i64,
    #[serde(default)]
    pub user: Option<String>,
}

fn default_mfa_code() -> String {
    "246810".into()
}

fn default_when() -> String {
    "1 hour ago".into()
}
fn one() -> i64 {
    1
}

/// A fault injected on an endpoint family.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// `token`, `discovery`, `graph`, `arm`, `purview`, `powerplatform`, `loganalytics`, or `any`.
    pub endpoint: String,
    /// `latency`, `throttle` (429), `error` (5xx), `reset`, `truncate`, `html`.
    pub kind: String,
    /// HTTP status for `error` (500 or 503) and `html` (502 by default).
    #[serde(default)]
    pub status: Option<u16>,
    /// `Retry-After` seconds for `throttle` and 503.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Delay for `latency`.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// How many matching requests the fault hits before the endpoint recovers; 0 is every one.
    #[serde(default)]
    pub count: u64,
}

impl Scenario {
    /// The names of the built-in scenarios.
    pub fn names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(n, _)| *n).collect()
    }

    /// A built-in scenario by name.
    pub fn builtin(name: &str) -> Result<Scenario, ScenarioError> {
        let (_, text) = BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| ScenarioError::Unknown(name.to_string()))?;
        Scenario::from_toml(text, name)
    }

    /// A scenario file.
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Read {
            path: path.display().to_string(),
            msg: e.to_string(),
        })?;
        Scenario::from_toml(&text, &path.display().to_string())
    }

    /// A built-in name, or else a file path.
    pub fn load(name_or_path: &str) -> Result<Scenario, ScenarioError> {
        if BUILTIN.iter().any(|(n, _)| *n == name_or_path) {
            return Scenario::builtin(name_or_path);
        }
        let p = Path::new(name_or_path);
        if p.exists() || name_or_path.ends_with(".toml") {
            return Scenario::from_file(p);
        }
        Err(ScenarioError::Unknown(name_or_path.to_string()))
    }

    /// Parses and checks a scenario's TOML text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let s: Scenario = toml::from_str(text).map_err(|e| {
            // One line: where, then what (toml's own rendering spans several lines).
            let at = e
                .span()
                .map(|sp| {
                    let before = &text[..sp.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
                    format!("line {line}, column {col}: ")
                })
                .unwrap_or_default();
            ScenarioError::Read {
                path: origin.to_string(),
                msg: format!("{at}{}", e.message().trim().replace('\n', " ")),
            }
        })?;
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> Result<(), ScenarioError> {
        let bad = |msg: String| ScenarioError::Invalid {
            name: self.name.clone(),
            msg,
        };
        let mut times: Vec<&str> = vec![];
        for a in &self.apps {
            times.push(&a.created);
            for s in &a.secrets {
                times.push(&s.created);
                times.push(&s.expires);
            }
            for c in &a.certificates {
                times.push(&c.created);
                times.push(&c.expires);
            }
            for p in &a.permissions {
                times.push(&p.granted_at);
                if p.kind != "Role" && p.kind != "Scope" {
                    return Err(bad(format!(
                        "app {}: permission kind `{}` is not Role or Scope",
                        a.name, p.kind
                    )));
                }
            }
        }
        for r in &self.role_assignments {
            times.push(&r.created);
        }
        for r in &self.purview.roles {
            times.push(&r.created);
        }
        for s in &self.signins {
            times.push(&s.when);
        }
        for t in times {
            if parse_relative(t).is_none() {
                return Err(bad(format!(
                    "`{t}` is not a relative time (`10 minutes ago`, `in 30 days`, `now`)"
                )));
            }
        }
        if authcheck_model::knowledge::clouds::by_key(&self.tenant.cloud)
            .is_none_or(|c| c.key != self.tenant.cloud)
        {
            return Err(bad(format!(
                "tenant.cloud `{}` is not public, usgov or china",
                self.tenant.cloud
            )));
        }
        if let Some(c) = &self.client.authority_cloud {
            if authcheck_model::knowledge::clouds::by_key(c).is_none_or(|k| k.key != c.as_str()) {
                return Err(bad(format!(
                    "client.authority_cloud `{c}` is not public, usgov or china"
                )));
            }
        }
        if let Some(c) = &self.powerplatform.cloud {
            if authcheck_model::knowledge::clouds::power_platform_by_key(c)
                .is_none_or(|k| k.key != c.as_str())
            {
                return Err(bad(format!(
                    "powerplatform.cloud `{c}` is not public, gcc, gcc-high, dod or china"
                )));
            }
        }
        if let Some(app) = &self.client.app {
            if !self.apps.iter().any(|a| &a.name == app) {
                return Err(bad(format!("client.app `{app}` names no app")));
            }
        }
        if let Some(mi) = &self.managed_identity {
            if !self.apps.iter().any(|a| a.name == mi.app) {
                return Err(bad(format!(
                    "managed_identity.app `{}` names no app",
                    mi.app
                )));
            }
        }
        if let Some(op) = &self.operator {
            if !self.apps.iter().any(|a| a.name == op.app) {
                return Err(bad(format!("operator.app `{}` names no app", op.app)));
            }
            if let Some(u) = &op.user {
                if !self.users.iter().any(|x| x.upn.eq_ignore_ascii_case(u)) {
                    return Err(bad(format!("operator.user `{u}` names no user")));
                }
            }
            if op.token_lifetime_minutes <= 0 {
                return Err(bad(
                    "operator.token_lifetime_minutes must be positive".into()
                ));
            }
        }
        if self.client.app.is_none() && self.client.client_id.is_none() {
            return Err(bad("client needs `app` or `client_id`".into()));
        }
        for f in &self.faults {
            if !matches!(
                f.kind.as_str(),
                "latency" | "throttle" | "error" | "reset" | "truncate" | "html"
            ) {
                return Err(bad(format!("fault kind `{}` is unknown", f.kind)));
            }
        }
        Ok(())
    }

    /// The app the client uses, if it exists in the scenario.
    pub fn client_app(&self) -> Option<&AppSpec> {
        self.client
            .app
            .as_deref()
            .and_then(|n| self.apps.iter().find(|a| a.name == n))
    }
}

/// Seconds relative to now for "10 minutes ago", "in 30 days", "2 hours", "now".
pub fn parse_relative(s: &str) -> Option<i64> {
    let t = s.trim().to_ascii_lowercase();
    if t == "now" {
        return Some(0);
    }
    let (sign, body) = if let Some(rest) = t.strip_suffix(" ago") {
        (-1, rest.trim())
    } else if let Some(rest) = t.strip_prefix("in ") {
        (1, rest.trim())
    } else {
        (1, t.as_str())
    };
    let mut parts = body.split_whitespace();
    let n: i64 = parts.next()?.parse().ok()?;
    let unit = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let secs = match unit.trim_end_matches('s') {
        "second" | "sec" => 1,
        "minute" | "min" => 60,
        "hour" => 3600,
        "day" => 86_400,
        "week" => 7 * 86_400,
        "year" => 365 * 86_400,
        _ => return None,
    };
    Some(sign * n * secs)
}

/// A stable GUID derived from a name, for ids a scenario leaves out.
pub fn derived_guid(seed: &str) -> String {
    use sha1::{Digest, Sha1};
    let h = Sha1::digest(seed.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(b).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times() {
        assert_eq!(parse_relative("10 minutes ago"), Some(-600));
        assert_eq!(parse_relative("in 30 days"), Some(30 * 86_400));
        assert_eq!(parse_relative("now"), Some(0));
        assert_eq!(parse_relative("1 hour ago"), Some(-3600));
        assert_eq!(parse_relative("soon"), None);
    }

    #[test]
    fn every_builtin_parses() {
        for n in Scenario::names() {
            let s = Scenario::builtin(n).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_eq!(s.name, n);
        }
    }
}
