//! The evidence document: every fact the sources found, in one typed tree that rules read through CEL.
//!
//! Sources fill the namespaces; [`derive::derive`] then computes derived facts (expiry, audience
//! match, GUID-shaped secret, …) once, so rule conditions stay short and declarative. Every field is
//! documented here; `authcheck rules --fields` prints this documentation for rule authors (see
//! `fields.rs`, which is checked against these types by a test).
//!
//! Conventions for rule authors: absent scalars are `null`, absent lists are `[]`, numbers are CEL
//! `int`, times are Unix seconds (`*_at`) with an ISO form beside them where useful, and booleans
//! that could not be determined are `null` (so `x == true` and `x == false` are both "known").

pub mod derive;
pub mod fields;
pub mod vocab;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
pub use vocab::{
    Command, CredentialKind, Endpoint, FederatedMatch, Flow, PermissionModel, PurviewOperation,
    SignatureVerdict, TargetProblem, TenantKind, TokenKind,
};

/// The whole document. Each namespace is a variable of the same name in rule conditions.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Evidence {
    pub input: Input,
    pub env: Env,
    pub request: Request,
    pub response: Response,
    pub token: Token,
    pub app: App,
    pub sp: ServicePrincipal,
    pub resource: Resource,
    pub rbac: Rbac,
    pub dataplane: DataPlane,
    pub api_call: ApiCall,
    pub signins: SignIns,
    /// Per-event times for the HTML report's pictures (failures over time, a HAR's exchanges).
    /// Kept in memory only: rules do not read it.
    #[serde(skip)]
    pub timeline: crate::timeline::Timeline,
}

/// Where the facts came from.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Input {
    /// What was read: `jwt`, `token-response`, `error-text`, `arm-error`, `graph-error`, `har`,
    /// `signin-log`, `sdk-log`, `az-export`, `bundle` (several files), `evidence`, `live`.
    pub kind: Option<String>,
    /// File name, `-` for stdin, or `doctor` for a live run.
    pub name: Option<String>,
    /// Which source filled each namespace, e.g. `{"response": "token-endpoint"}`.
    pub sources: BTreeMap<String, String>,
}

/// The run's context.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Env {
    /// The time the evidence is judged at (Unix seconds). Injected, never read inside rules.
    pub now: i64,
    /// The cloud in use: `public`, `usgov`, `china`, when known.
    pub cloud: Option<String>,
    /// Derived: that cloud's authority host (`login.microsoftonline.us`), for fixes and consent URLs.
    pub cloud_authority_host: Option<String>,
    /// Derived: that cloud's Microsoft Graph host (`graph.microsoft.us`).
    pub cloud_graph_host: Option<String>,
    /// The command: `triage`, `decode`, `doctor`.
    pub command: Option<Command>,
    /// The SDK or tool the error came from: `azure-identity-python`, `azure-identity-dotnet`,
    /// `azure-identity-js`, `azure-identity-java`, `msal-python`, `msal-dotnet`, `msal-js`,
    /// `msal-java`, `az-cli`, `az-powershell`, `graph-powershell`, `browser`.
    pub sdk: Option<String>,
    /// The credential class named in the error (`ClientSecretCredential`, `ManagedIdentityCredential`,
    /// `DefaultAzureCredential`, `WorkloadIdentityCredential`, …).
    pub credential_type: Option<String>,
    /// The exception or error type named in the text (`ClientAuthenticationError`, `MsalServiceException`, …).
    pub exception_type: Option<String>,
    /// True when the text shows the request was made from a browser (MSAL.js, `Origin`, a SPA stack trace).
    pub browser: bool,
    /// True when the run is non-interactive (a pipeline, a daemon): no user can do MFA or consent.
    pub non_interactive: bool,
}

/// The token request, as the client made it (live) or as the text shows it.
/// Secret values are never stored: only facts about them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Request {
    /// `v1` (`/oauth2/token`, takes `resource`) or `v2` (`/oauth2/v2.0/token`, takes `scope`).
    pub endpoint: Option<Endpoint>,
    /// The authority host, e.g. `login.microsoftonline.com`.
    pub authority_host: Option<String>,
    /// The tenant segment as written: a GUID, a domain, `common`, `organizations` or `consumers`.
    pub tenant: Option<String>,
    /// Derived: the cloud the tenant's initial domain names (`onmicrosoft.us` → `usgov`,
    /// `partner.onmschina.cn` → `china`, `onmicrosoft.com` → `public`); null for a GUID or a custom
    /// domain, whose suffix (`.us`, `.cn`) proves nothing.
    pub tenant_cloud: Option<String>,
    /// The cloud whose sign-in service knows the tenant, when the doctor asked: the cloud whose
    /// OpenID discovery document for the tenant answered (`usgov`), named by its
    /// `cloud_instance_name`. Evidence, not a guess: null when no cloud was asked or none knew it.
    pub tenant_home_cloud: Option<String>,
    /// Derived: that cloud's authority host (`login.microsoftonline.us`).
    pub tenant_home_authority_host: Option<String>,
    /// Derived: `guid`, `domain`, `common`, `organizations`, `consumers`.
    pub tenant_kind: Option<TenantKind>,
    /// `client_credentials`, `password`, `authorization_code`, `refresh_token`,
    /// `urn:ietf:params:oauth:grant-type:jwt-bearer` (on-behalf-of), `device_code`, …
    pub grant_type: Option<String>,
    /// Derived: a short name for the flow: `client-credentials`, `ropc`, `auth-code`, `refresh`,
    /// `on-behalf-of`, `device-code`, `managed-identity`, `interactive`.
    pub flow: Option<Flow>,
    /// The application (client) ID.
    pub client_id: Option<String>,
    /// The app's display name when the text names it.
    pub client_name: Option<String>,
    /// The v1 `resource` parameter as sent.
    pub resource: Option<String>,
    /// The v2 `scope` parameter, split on spaces.
    pub scopes: Vec<String>,
    /// Derived: the resource part of `resource` or of the first non-OIDC scope (`https://purview.azure.net`).
    pub target: Option<String>,
    /// Derived: the well-known API that `target` names (`purview`, `powerplatform`, `graph`, …).
    pub target_api: Option<String>,
    /// Derived: what is wrong with how the target is written: `no-scheme`, `trailing-slash`,
    /// `double-slash`, `no-default-suffix`, or null when fine.
    pub target_problem: Option<TargetProblem>,
    /// Derived: some scope ends in `/.default`.
    pub scope_has_default: bool,
    /// Derived: a `resource` parameter went to the v2 endpoint.
    pub resource_on_v2: bool,
    /// Derived: a `scope` parameter went to the v1 endpoint without `resource`.
    pub scope_on_v1: bool,
    /// The `Origin` header the client sent, if any.
    pub origin: Option<String>,
    /// The redirect URI sent with an authorization-code request.
    pub redirect_uri: Option<String>,
    /// The credential the client presented: `secret`, `certificate`, `federated`, `password`, `none`.
    pub credential: Option<CredentialKind>,
    /// A `client_secret` field was sent (even an empty one).
    pub secret_sent: bool,
    /// The secret was empty or whitespace.
    pub secret_empty: bool,
    /// The secret looks like a GUID: the secret's ID was used instead of its value.
    pub secret_is_guid: bool,
    /// The secret looks like a placeholder (`<secret>`, `${…}`, `$(…)`, `changeme`, `***`).
    pub secret_is_placeholder: bool,
    /// Whether the secret's first characters match a hint of one of the app's secrets; null when unknown.
    pub secret_matches_hint: Option<bool>,
    /// The first characters of the secret, kept only in memory to compare against hints. Never serialized.
    #[serde(skip)]
    pub secret_prefix: Option<String>,
    /// A `client_assertion` was sent.
    pub assertion_sent: bool,
    /// The claims of the client assertion (its signature is never kept).
    pub assertion: Option<Assertion>,
    /// The username of an ROPC request (not the password).
    pub username: Option<String>,
    /// A password was sent (ROPC).
    pub password_sent: bool,
    /// A refresh token was sent.
    pub refresh_token_sent: bool,
    /// A PKCE `code_verifier` was sent.
    pub code_verifier_sent: bool,
}

/// The claims of a client assertion (certificate or federated).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Assertion {
    pub iss: Option<String>,
    pub sub: Option<String>,
    pub aud: Vec<String>,
    pub exp: Option<i64>,
    pub nbf: Option<i64>,
    pub iat: Option<i64>,
    /// Base64url SHA-1 thumbprint from the header (`x5t`).
    pub x5t: Option<String>,
    /// Base64url SHA-256 thumbprint from the header (`x5t#S256`).
    pub x5t_s256: Option<String>,
    /// Derived: `exp` is in the past.
    pub expired: bool,
    /// Derived: `nbf` (or `iat`) is more than five minutes in the future.
    pub not_yet_valid: bool,
    /// Derived: the SHA-1 thumbprint from `x5t` as upper-case hex, the form Graph and the portal show.
    pub thumbprint: Option<String>,
    /// Derived: the SHA-256 thumbprint from `x5t#S256` as upper-case hex. Current Microsoft
    /// guidance signs assertions with PS256 and `x5t#S256`, so this is the one shown first.
    pub thumbprint_sha256: Option<String>,
}

/// The answer of the token endpoint, or any Entra (AADSTS) error found in the input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Response {
    /// HTTP status of the token response.
    pub status: Option<i64>,
    /// The OAuth `error` field: `invalid_client`, `invalid_grant`, `invalid_request`,
    /// `unauthorized_client`, `invalid_scope`, `interaction_required`, `temporarily_unavailable`, …
    pub error: Option<String>,
    /// The `error_description` (or the AADSTS message found in text).
    pub error_description: Option<String>,
    /// Every AADSTS code found, `error_codes` first, then in order of appearance, without repeats.
    pub codes: Vec<i64>,
    /// The first of `codes`: the code Entra led with.
    pub code: Option<i64>,
    /// `suberror` (`consent_required`, `basic_action`, `message_only`, `bad_token`, …).
    pub suberror: Option<String>,
    /// A `claims` challenge came back (conditional access step-up).
    pub claims_challenge: bool,
    pub trace_id: Option<String>,
    pub correlation_id: Option<String>,
    /// The error's timestamp as written.
    pub timestamp: Option<String>,
    /// The error's timestamp (Unix seconds), when it could be read.
    pub timestamp_at: Option<i64>,
    pub error_uri: Option<String>,
    /// Every message-like string found (error descriptions, exception messages), for phrase matching.
    pub messages: Vec<String>,
    /// A token came back (a successful token response).
    pub token_issued: bool,
}

/// A decoded JWT (access or id token). Never holds the signature or the raw token.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Token {
    /// A token was found and decoded.
    pub present: bool,
    /// `access` or `id` (an id token has `aud` equal to the client and no `scp`/`roles`).
    pub kind: Option<TokenKind>,
    /// Header `alg`, `kid`, `x5t`, `typ`.
    pub alg: Option<String>,
    pub kid: Option<String>,
    pub x5t: Option<String>,
    pub typ: Option<String>,
    /// The header carries a `nonce`: Graph tokens do, and they cannot be verified outside Graph.
    pub header_nonce: bool,
    /// `ver`: `1.0` or `2.0`.
    pub ver: Option<String>,
    pub aud: Option<String>,
    pub iss: Option<String>,
    pub tid: Option<String>,
    pub oid: Option<String>,
    pub sub: Option<String>,
    /// The client: `appid` (v1) or `azp` (v2).
    pub client_id: Option<String>,
    /// `app_displayname`, when present.
    pub app_name: Option<String>,
    /// `idtyp`: `app` or `user`, when present.
    pub idtyp: Option<String>,
    /// Delegated permissions (`scp`, split on spaces).
    pub scp: Vec<String>,
    /// Application permissions or app roles (`roles`).
    pub roles: Vec<String>,
    /// `upn`, `preferred_username` or `unique_name`.
    pub user: Option<String>,
    /// Authentication methods (`amr`).
    pub amr: Vec<String>,
    /// Directory role template IDs (`wids`).
    pub wids: Vec<String>,
    pub iat: Option<i64>,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
    /// Derived: `exp` as an ISO 8601 UTC time.
    pub expires: Option<String>,
    /// Derived: `exp` is at or before `env.now`.
    pub expired: bool,
    /// Derived: `exp - now` (negative once expired).
    pub seconds_to_expiry: Option<i64>,
    /// Derived: `nbf` is more than five minutes after `env.now`.
    pub not_yet_valid: bool,
    /// Derived: `iat` is more than five minutes after `env.now` (a clock is wrong).
    pub issued_in_future: bool,
    /// Derived: the token carries no user: `idtyp=app`, or no `scp` and no user claims.
    pub app_only: bool,
    /// Derived: the token carries a user (`scp` present).
    pub delegated: bool,
    /// Derived: the well-known API that `aud` names.
    pub aud_api: Option<String>,
    /// Derived: the cloud of the issuer.
    pub cloud: Option<String>,
    /// Derived: `aud` is one of the target API's audience forms; null when no target is known.
    pub audience_matches_target: Option<bool>,
    /// Derived: the Power Platform API deployment `aud` names (`public`, `gcc`, `gcc-high`,
    /// `dod`, `china`), when it is a Power Platform audience written as a host.
    pub power_platform_cloud: Option<String>,
    /// Derived: the token is for Microsoft Graph (its signature is not meant to be checked by others).
    pub is_graph: bool,
    /// Signature state: `not-checked`, `valid`, `invalid`, `unknown-kid`, `not-verifiable-by-design`,
    /// `unsigned` (`alg: none`).
    pub signature: Option<SignatureVerdict>,
    /// What the signature check found, in words.
    pub signature_detail: Option<String>,
}

/// A secret (password credential) of the app registration.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Secret {
    pub key_id: Option<String>,
    pub display_name: Option<String>,
    /// The first three characters of the secret's value, as Graph reports them.
    pub hint: Option<String>,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub end: Option<String>,
    /// Derived: `end_at` is in the past.
    pub expired: bool,
    /// Derived: whole days until `end_at` (negative once past).
    pub days_to_expiry: Option<i64>,
}

/// A certificate (key credential) of the app registration.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Certificate {
    pub key_id: Option<String>,
    pub display_name: Option<String>,
    /// SHA-1 thumbprint, upper-case hex (Graph's `customKeyIdentifier`).
    pub thumbprint: Option<String>,
    /// SHA-256 thumbprint, upper-case hex, when the certificate itself was read (Graph's `key`).
    pub thumbprint_sha256: Option<String>,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub end: Option<String>,
    pub expired: bool,
    pub days_to_expiry: Option<i64>,
}

/// A permission the app registration requests (`requiredResourceAccess`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Permission {
    /// The API's app id.
    pub resource_app_id: Option<String>,
    /// The API's name when known (`Microsoft Graph`, `Power Platform API`).
    pub resource_name: Option<String>,
    /// `Role` (application permission) or `Scope` (delegated permission).
    pub kind: Option<String>,
    pub id: Option<String>,
    /// The permission's value (`User.Read`, `Application.Read.All`), when known.
    pub value: Option<String>,
    /// Derived: a grant (app role assignment or delegated grant) covers it; null when grants are unknown.
    pub granted: Option<bool>,
}

/// A federated identity credential of the app registration.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FederatedCredential {
    pub name: Option<String>,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub audiences: Vec<String>,
}

/// The app registration (Microsoft Graph `application`, or `az ad app show`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct App {
    /// The registration was read.
    pub known: bool,
    /// Whether an application with the client id exists in the tenant; null when not looked up.
    pub exists: Option<bool>,
    pub app_id: Option<String>,
    pub object_id: Option<String>,
    pub display_name: Option<String>,
    /// `AzureADMyOrg`, `AzureADMultipleOrgs`, `AzureADandPersonalMicrosoftAccount`, `PersonalMicrosoftAccount`.
    pub sign_in_audience: Option<String>,
    /// Derived: `sign_in_audience` admits other tenants.
    pub multi_tenant: bool,
    /// "Allow public client flows" (`isFallbackPublicClient`); null when unknown.
    pub public_client_flows: Option<bool>,
    pub spa_redirect_uris: Vec<String>,
    pub web_redirect_uris: Vec<String>,
    pub public_client_redirect_uris: Vec<String>,
    /// Derived: every redirect URI is of type SPA (and there is at least one).
    pub spa_only: bool,
    pub identifier_uris: Vec<String>,
    pub secrets: Vec<Secret>,
    pub certificates: Vec<Certificate>,
    /// Derived: the app has secrets and every one is past its end date.
    pub all_secrets_expired: bool,
    /// Derived: days until the last secret expires (the most distant end date).
    pub secret_days_left: Option<i64>,
    /// Derived: the app has certificates and every one is past its end date.
    pub all_certificates_expired: bool,
    pub required_permissions: Vec<Permission>,
    /// Derived: requested permissions with no grant (`granted == false`).
    pub ungranted_permissions: Vec<String>,
    pub federated_credentials: Vec<FederatedCredential>,
    /// Derived: the client assertion's thumbprint is one of `certificates`; null when either is unknown.
    pub certificate_matches_assertion: Option<bool>,
    /// Derived: how the client assertion's issuer, subject and audience compare with
    /// `federated_credentials`: `exact`, `case-only` (the subject differs only in case, which Entra
    /// rejects), `issuer-only` (the issuer is trusted but no subject matches), `none`; null when unknown.
    pub federated_match: Option<FederatedMatch>,
    /// `disabledByMicrosoftStatus`, when set.
    pub disabled_by_microsoft: Option<String>,
}

/// An app role assignment held by the service principal, or a delegated grant.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Grant {
    pub resource_app_id: Option<String>,
    pub resource_name: Option<String>,
    /// The app role value (`roles` claim) or the delegated scope.
    pub value: Option<String>,
    /// `AllPrincipals` or `Principal` for delegated grants.
    pub consent_type: Option<String>,
    pub created_at: Option<i64>,
}

/// A user, group or service principal assigned to the app (`appRoleAssignedTo`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Assignee {
    pub principal_id: Option<String>,
    /// `User`, `Group`, `ServicePrincipal`.
    pub principal_type: Option<String>,
    pub display_name: Option<String>,
}

/// The app's service principal (enterprise application) in the tenant.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServicePrincipal {
    /// The service principal was looked up.
    pub known: bool,
    /// It exists in the tenant; null when not looked up.
    pub exists: Option<bool>,
    pub object_id: Option<String>,
    pub display_name: Option<String>,
    /// `accountEnabled`.
    pub enabled: Option<bool>,
    /// "Assignment required?" (`appRoleAssignmentRequired`).
    pub assignment_required: Option<bool>,
    /// The tenant that owns the app (another tenant for a multi-tenant app).
    pub app_owner_tenant_id: Option<String>,
    /// App roles (application permissions) granted to the service principal.
    pub app_roles: Vec<Grant>,
    /// Delegated permission grants (`oauth2PermissionGrants`), one entry per scope.
    pub delegated_grants: Vec<Grant>,
    /// Who is assigned to the app.
    pub assignees: Vec<Assignee>,
    /// Derived: the signed-in user (`token.oid` or the user in the text) is among the assignees; null when unknown (not assigned directly, but a group is, whose members the evidence does not list).
    pub user_assigned: Option<bool>,
    /// Conditional Access policies that can apply to this app's sign-ins: those naming its service
    /// principal as a workload identity (directly or as `ServicePrincipalsInMyTenant`), those
    /// including the app (or `All`) as a target resource for users, and those excluding either
    /// (see `excluded`). Empty when none does or when the policies were not read
    /// (`conditional_access_checked`).
    pub conditional_access: Vec<ConditionalAccessPolicy>,
    /// The tenant's Conditional Access policies were read (Graph `identity/conditionalAccess/policies`
    /// or an `az rest` export of it).
    pub conditional_access_checked: bool,
    /// Derived: display names of the enabled policies (report-only ones never count) that grant
    /// `block` and apply to this sign-in: to the service principal as a workload identity (for the
    /// target API, when `resource.app_id` is known), or, for a sign-in with a user (or when the flow
    /// is unknown), to the app with users targeted; excluded ones left out.
    pub blocking_policies: Vec<String>,
}

/// A Conditional Access policy (Graph `conditionalAccessPolicy`) as it bears on this app.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ConditionalAccessPolicy {
    /// The policy's object id.
    pub id: Option<String>,
    /// The policy's name as the Entra admin center shows it.
    pub display_name: Option<String>,
    /// `enabled`, `disabled` or `enabledForReportingButNotEnforced` (report-only: evaluated and
    /// logged, never enforced).
    pub state: Option<String>,
    /// The grant controls contain `block`: access is refused outright when the policy applies.
    pub block: bool,
    /// The built-in grant controls: `block`, `mfa`, `compliantDevice`, `domainJoinedDevice`,
    /// `approvedApplication`, `compliantApplication`, `passwordChange`.
    pub grant_controls: Vec<String>,
    /// How the grant controls combine: `OR` (any one) or `AND` (all).
    pub grant_operator: Option<String>,
    /// `conditions.clientApplications.includeServicePrincipals` names this app's service principal
    /// (or `ServicePrincipalsInMyTenant`): a policy for workload identities that covers it.
    pub applies_to_workload_identity: bool,
    /// `conditions.applications.includeApplications` names this app's id, or is `All`.
    pub includes_app: bool,
    /// The target resources as `includeApplications` writes them: app ids, `All`, `Office365`,
    /// `MicrosoftAdminPortals`. A workload identity policy blocks only calls to these.
    pub applications: Vec<String>,
    /// The policy targets users (`conditions.users` includes users, groups, roles or `All`).
    pub includes_users: bool,
    /// The app is in `excludeApplications` or its service principal in `excludeServicePrincipals`:
    /// the policy does not apply to it.
    pub excluded: bool,
    /// Named location ids (or `All`, `AllTrusted`) in `conditions.locations.includeLocations`.
    pub locations: Vec<String>,
    /// Named location ids (or `AllTrusted`) in `conditions.locations.excludeLocations`: where the
    /// policy does not apply (a block policy with these blocks everywhere else).
    pub excluded_locations: Vec<String>,
}

/// The API the caller wants to reach.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Resource {
    /// The well-known API's key (`purview`, `powerplatform`, `loganalytics`, `appinsights`,
    /// `monitor`, `arm`, `graph`, `keyvault`, `storage`), when known.
    pub api: Option<String>,
    pub display_name: Option<String>,
    /// The API's app id.
    pub app_id: Option<String>,
    /// The API's resource URI (v1 `resource`, v2 scope prefix).
    pub uri: Option<String>,
    /// The `aud` values a token for this API may carry.
    pub audiences: Vec<String>,
    /// `delegated-only`, `application-and-delegated`, `rbac`.
    pub permission_model: Option<PermissionModel>,
    /// The API's service principal exists in the tenant; null when unknown.
    pub sp_in_tenant: Option<bool>,
    /// The resource name as an error text gave it.
    pub named_in_error: Option<String>,
}

/// A role assignment found through ARM.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RoleAssignment {
    pub role_name: Option<String>,
    pub role_definition_id: Option<String>,
    pub scope: Option<String>,
    pub principal_id: Option<String>,
    pub principal_type: Option<String>,
    pub created_at: Option<i64>,
    /// Derived: minutes since creation.
    pub age_minutes: Option<i64>,
    /// Derived: created after the token was issued (`token.iat`).
    pub newer_than_token: bool,
    /// Derived: the assignment's scope is above the checked scope (inherited).
    pub inherited: bool,
    /// Derived: the role grants what the check needs (`rbac.required_roles`).
    pub sufficient: bool,
}

/// Azure RBAC as seen through ARM, for the principal and scope being checked.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Rbac {
    /// Role assignments were read.
    pub checked: bool,
    /// The scope being checked (`/subscriptions/…/resourceGroups/…`).
    pub scope: Option<String>,
    /// The principal's object id.
    pub principal_id: Option<String>,
    /// Roles any one of which would allow the call (`Reader`, `Log Analytics Reader`, …).
    pub required_roles: Vec<String>,
    pub assignments: Vec<RoleAssignment>,
    /// Derived: some assignment at or above the scope is `sufficient`.
    pub has_sufficient_role: bool,
    /// Derived: the youngest sufficient assignment's age in minutes.
    pub youngest_sufficient_minutes: Option<i64>,
    /// Derived: a sufficient assignment is newer than the token.
    pub sufficient_newer_than_token: bool,
    /// Derived: how many minutes Microsoft documents a new assignment may take to be honoured
    /// here: the API's window (Azure RBAC's 10 for ARM and unknown APIs, 60 for Application
    /// Insights' REST API), or 24 hours for a managed identity that holds the role through a group.
    pub propagation_window_minutes: Option<i64>,
    /// Derived: a token obtained after the assignment sees it at once (ARM caches per token).
    pub new_token_sees_change: bool,
}

/// Data-plane authorization beyond Azure RBAC: Purview collection roles, Power Platform users.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DataPlane {
    /// `purview`, `powerplatform`, `loganalytics`, …
    pub service: Option<String>,
    /// Purview: the API family called: `catalog`, `scanning`, `account`, `metadata-policy`, `devops-policy`.
    pub operation: Option<PurviewOperation>,
    /// Purview: the collection the call targets.
    pub collection: Option<String>,
    /// Derived (Purview): the collection role the operation needs.
    pub role_needed: Option<String>,
    /// Collection roles the principal holds on that collection (inherited ones included).
    pub roles_held: Vec<String>,
    /// Derived: `role_needed` is among `roles_held`; null when unknown.
    pub has_needed_role: Option<bool>,
    /// Purview: collection roles the principal holds on collections that do not cover the one the
    /// call targets (neither it nor one of its parents), as read from the metadata policies.
    pub roles_elsewhere: Vec<CollectionRoleHeld>,
    /// Derived (Purview): the collections in `roles_elsewhere` where the principal holds
    /// `role_needed`: the role is right, its place in the collection tree is not.
    pub needed_role_on: Vec<String>,
    /// Power Platform: the service principal is an application user in the environment; null when unknown.
    pub application_user: Option<bool>,
    /// Power Platform: the app is registered as a management application; null when unknown.
    pub management_app_registered: Option<bool>,
    /// The environment or account name.
    pub environment: Option<String>,
}

/// A Purview collection role held on a collection.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CollectionRoleHeld {
    pub role: String,
    pub collection: String,
}

/// A `WWW-Authenticate` challenge.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Challenge {
    pub scheme: Option<String>,
    /// `invalid_token`, `insufficient_claims`, `insufficient_scope`, …
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub authorization_uri: Option<String>,
    /// `resource_id` or `resource`.
    pub resource: Option<String>,
    pub realm: Option<String>,
    /// A claims challenge is present.
    pub claims: bool,
}

/// The call to the target API (ARM, Graph, a data plane) and its answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ApiCall {
    /// The call was made (live) or its answer was found in the input.
    pub made: bool,
    pub method: Option<String>,
    pub url: Option<String>,
    pub host: Option<String>,
    /// Derived: the well-known API the host belongs to.
    pub api: Option<String>,
    pub status: Option<i64>,
    /// The service's error code: ARM `AuthorizationFailed`, `InvalidAuthenticationTokenAudience`,
    /// `ExpiredAuthenticationToken`, `InvalidAuthenticationToken`; Graph `Authorization_RequestDenied`,
    /// `InvalidAuthenticationToken`; Log Analytics `InsufficientAccessError`, `InvalidTokenError`, …
    pub code: Option<String>,
    /// Inner error codes, when the body nests them.
    pub inner_codes: Vec<String>,
    pub message: Option<String>,
    pub challenge: Option<Challenge>,
    /// ARM: the action that was denied (`Microsoft.Insights/metrics/read`).
    pub action: Option<String>,
    /// ARM: the scope in the denial.
    pub scope: Option<String>,
    /// ARM: the object id of the caller in the denial.
    pub principal_id: Option<String>,
    /// ARM: the client (app) id of the caller in the denial.
    pub client_id: Option<String>,
    /// Derived: the tenant the API expects tokens from, when its answer names one (the
    /// challenge's `authorization_uri`, or the authority an ARM wrong-issuer message asks for).
    pub expected_tenant: Option<String>,
    /// Derived: the Power Platform API deployment the call went to (`public`, `gcc`,
    /// `gcc-high`, `dod`, `china`), from the resource its challenge names, else its host.
    pub power_platform_cloud: Option<String>,
    /// `Retry-After` seconds on a 429/503.
    pub retry_after: Option<i64>,
    pub request_id: Option<String>,
}

/// A group of failed sign-ins (one error code, app and resource).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SignInGroup {
    pub error_code: Option<i64>,
    pub app_id: Option<String>,
    pub app_name: Option<String>,
    pub resource: Option<String>,
    /// `success`, `failure`, `notApplied`.
    pub conditional_access: Option<String>,
    pub count: i64,
    pub first_at: Option<i64>,
    pub last_at: Option<i64>,
}

/// Recent sign-ins of the app (Graph `auditLogs/signIns` or a portal export).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SignIns {
    /// Sign-ins were read.
    pub checked: bool,
    pub total: i64,
    pub failures: i64,
    /// Failures grouped, largest first.
    pub groups: Vec<SignInGroup>,
    /// The most frequent failure code.
    pub top_error_code: Option<i64>,
}

impl Evidence {
    /// A document for `now` with nothing in it yet.
    pub fn new(now: i64) -> Self {
        Evidence {
            env: Env {
                now,
                ..Env::default()
            },
            ..Evidence::default()
        }
    }

    /// Which namespaces hold any fact (used to skip rules that cannot apply).
    pub fn populated(&self) -> Vec<&'static str> {
        let mut out = vec!["input", "env"];
        let r = &self.request;
        if r != &Request::default() {
            out.push("request");
        }
        if self.response != Response::default() {
            out.push("response");
        }
        if self.token.present {
            out.push("token");
        }
        if self.app.known || self.app.exists.is_some() {
            out.push("app");
        }
        if self.sp.known || self.sp.exists.is_some() || self.sp.conditional_access_checked {
            out.push("sp");
        }
        if self.resource != Resource::default() {
            out.push("resource");
        }
        if self.rbac.checked {
            out.push("rbac");
        }
        if self.dataplane != DataPlane::default() {
            out.push("dataplane");
        }
        if self.api_call.made {
            out.push("api_call");
        }
        if self.signins.checked {
            out.push("signins");
        }
        out
    }

    /// Records which source filled a namespace.
    pub fn note_source(&mut self, namespace: &str, source: &str) {
        self.input
            .sources
            .insert(namespace.to_string(), source.to_string());
    }
}

/// The namespaces, in document order: the variables a rule condition may use.
pub const NAMESPACES: &[&str] = &[
    "input",
    "env",
    "request",
    "response",
    "token",
    "app",
    "sp",
    "resource",
    "rbac",
    "dataplane",
    "api_call",
    "signins",
];
