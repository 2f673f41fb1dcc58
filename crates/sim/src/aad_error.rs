//! Entra's error response: the JSON body the token endpoint answers with when it refuses, with the
//! AADSTS code leading `error_description` and the Trace ID, Correlation ID and Timestamp lines
//! after it, `error_codes`, `timestamp`, `trace_id`, `correlation_id` and `error_uri`.

use serde_json::{json, Value};

/// One refusal: the OAuth error, the AADSTS code and its message, the HTTP status.
#[derive(Debug, Clone)]
pub struct AadError {
    pub status: u16,
    pub error: &'static str,
    pub code: i64,
    pub message: String,
    pub suberror: Option<&'static str>,
    /// A conditional-access claims challenge to return with `interaction_required`.
    pub claims: Option<String>,
}

impl AadError {
    pub fn new(status: u16, error: &'static str, code: i64, message: impl Into<String>) -> Self {
        AadError {
            status,
            error,
            code,
            message: message.into(),
            suberror: None,
            claims: None,
        }
    }

    /// `AADSTS50105: Your administrator …`, or the message alone for a refusal without a code.
    pub fn headline(&self) -> String {
        if self.code == 0 {
            self.message.clone()
        } else {
            format!("AADSTS{}: {}", self.code, self.message)
        }
    }

    pub fn suberror(mut self, s: &'static str) -> Self {
        self.suberror = Some(s);
        self
    }

    /// The body Entra sends, for a request whose correlation id is `correlation_id` (the client's
    /// `client-request-id` when it sent one) at `now` (Unix seconds).
    pub fn body(&self, trace_id: &str, correlation_id: &str, now: i64, _authority: &str) -> Value {
        let ts = entra_timestamp(now);
        let desc = format!(
            "{}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {ts}",
            self.headline()
        );
        let mut v = json!({
            "error": self.error,
            "error_description": desc,
            "error_codes": if self.code == 0 { json!([]) } else { json!([self.code]) },
            "timestamp": ts,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
        });
        if self.code != 0 {
            v["error_uri"] = json!(format!(
                "https://login.microsoftonline.com/error?code={}",
                self.code
            ));
        }
        if let Some(s) = self.suberror {
            v["suberror"] = json!(s);
        }
        if let Some(c) = &self.claims {
            v["claims"] = json!(c);
        }
        v
    }
}

/// `2026-11-24 12:00:00Z`: the form Entra writes in error bodies.
pub fn entra_timestamp(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%SZ")
        .to_string()
}

/// RFC 3339 with a `Z`, as Graph and ARM write times.
pub fn iso(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

// The refusals, one constructor each, so the token endpoint reads as Entra's decision list.

pub fn missing_parameter(name: &str) -> AadError {
    AadError::new(
        400,
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{name}'."),
    )
}

pub fn post_only(method: &str) -> AadError {
    AadError::new(
        400,
        "invalid_request",
        900561,
        format!("The endpoint only accepts POST, OPTIONS requests. Received a {method} request."),
    )
}

pub fn unsupported_grant(g: &str) -> AadError {
    AadError::new(
        400,
        "unsupported_grant_type",
        70003,
        format!("The app requested an unsupported grant type '{g}'."),
    )
}

pub fn tenant_not_found(t: &str) -> AadError {
    AadError::new(
        400,
        "invalid_request",
        90002,
        format!("Tenant '{t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
    )
}

pub fn tenant_malformed(t: &str) -> AadError {
    AadError::new(
        400,
        "invalid_request",
        900023,
        format!("Specified tenant identifier '{t}' is neither a valid DNS name, nor a valid external domain."),
    )
}

pub fn client_id_malformed(id: &str) -> AadError {
    AadError::new(
        400,
        "unauthorized_client",
        700038,
        format!("{id} is not a valid application identifier."),
    )
}

pub fn app_not_found(id: &str, tenant_name: &str) -> AadError {
    AadError::new(
        400,
        "unauthorized_client",
        700016,
        format!("Application with identifier '{id}' was not found in the directory '{tenant_name}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
    )
}

pub fn sp_missing(id: &str, tid: &str) -> AadError {
    AadError::new(
        401,
        "invalid_client",
        7000229,
        format!("The client application {id} is missing service principal in the tenant {tid}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119"),
    )
}

pub fn app_disabled(id: &str, name: &str) -> AadError {
    AadError::new(
        400,
        "unauthorized_client",
        7000112,
        format!("Application '{id}'({name}) is disabled."),
    )
}

pub fn bad_secret(id: &str) -> AadError {
    AadError::new(
        401,
        "invalid_client",
        7000215,
        format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{id}'."),
    )
}

pub fn expired_secret(id: &str) -> AadError {
    AadError::new(
        401,
        "invalid_client",
        7000222,
        format!("The provided client secret keys for app '{id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."),
    )
}

pub fn credential_missing() -> AadError {
    AadError::new(
        401,
        "invalid_client",
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
    )
}

pub fn confidential_needs_credential() -> AadError {
    AadError::new(
        401,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    )
}

pub fn public_client_with_credential() -> AadError {
    AadError::new(
        401,
        "invalid_client",
        700025,
        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    )
}

pub fn cert_not_registered(thumb_hex: &str, app_id: &str) -> AadError {
    AadError::new(
        401,
        "invalid_client",
        700027,
        format!("The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{thumb_hex}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{app_id}'.]"),
    )
}

pub fn cert_expired(thumb_hex: &str, app_id: &str) -> AadError {
    AadError::new(
        401,
        "invalid_client",
        700027,
        format!("Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '{thumb_hex}', Found key 'Start=…, End=…', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{app_id}'.]"),
    )
}

pub fn assertion_bad_signature(app_id: &str) -> AadError {
    AadError::new(
        401,
        "invalid_client",
        700027,
        format!("Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value., Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{app_id}'.]"),
    )
}

pub fn assertion_malformed() -> AadError {
    AadError::new(
        400,
        "invalid_request",
        50027,
        "JWT token is invalid or malformed.",
    )
}

pub fn assertion_type_invalid(t: &str) -> AadError {
    AadError::new(
        400,
        "invalid_request",
        7000219,
        format!("'client_assertion_type' is required when 'client_assertion' is sent; '{t}' is not a supported client assertion type. Use 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'."),
    )
}

pub fn assertion_audience(aud: &str) -> AadError {
    AadError::new(
        401,
        "invalid_client",
        700021,
        format!("Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials . Audience in assertion: '{aud}'."),
    )
}

pub fn assertion_time(now: &str, from: &str, to: &str) -> AadError {
    AadError::new(
        401,
        "invalid_client",
        700024,
        format!("Client assertion is not within its valid time range. Current time: {now}, assertion valid from {from}, expiry time of assertion {to}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."),
    )
}

pub fn fic_issuer(iss: &str) -> AadError {
    AadError::new(
        400,
        "invalid_request",
        700211,
        format!("No matching federated identity record found for presented assertion issuer '{iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation"),
    )
}

pub fn fic_subject(sub: &str) -> AadError {
    AadError::new(
        400,
        "invalid_request",
        700213,
        format!("No matching federated identity record found for presented assertion subject '{sub}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation"),
    )
}

pub fn fic_audience(aud: &str) -> AadError {
    AadError::new(
        400,
        "invalid_request",
        700212,
        format!("No matching federated identity record found for presented assertion audience '{aud}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation"),
    )
}

pub fn fic_issuer_unreachable(iss: &str) -> AadError {
    AadError::new(
        400,
        "invalid_request",
        50166,
        format!("Request to External OIDC endpoint failed. Issuer: '{iss}'."),
    )
}

pub fn cross_origin(origin: &str) -> AadError {
    AadError::new(
        400,
        "invalid_request",
        9002326,
        format!("Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: '{origin}'."),
    )
}

pub fn scope_needs_default(scope: &str) -> AadError {
    AadError::new(
        400,
        "invalid_scope",
        1002012,
        format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."),
    )
}

pub fn scope_invalid(scope: &str) -> AadError {
    AadError::new(
        400,
        "invalid_scope",
        70011,
        format!("The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."),
    )
}

pub fn resource_on_v2() -> AadError {
    AadError::new(
        400,
        "invalid_request",
        901002,
        "The 'resource' request parameter is not supported.",
    )
}

pub fn resource_not_found(res: &str, tenant_name: &str) -> AadError {
    AadError::new(
        400,
        "invalid_resource",
        500011,
        format!("The resource principal named {res} was not found in the tenant named {tenant_name}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."),
    )
}

pub fn single_tenant_on_common(id: &str, name: &str) -> AadError {
    AadError::new(
        400,
        "invalid_request",
        50194,
        format!("Application '{id}'({name}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant."),
    )
}

pub fn user_not_found(tid: &str) -> AadError {
    AadError::new(
        400,
        "invalid_grant",
        50034,
        format!("The user account {{EmailHidden}} does not exist in the {tid} directory. To sign into this application, the account must be added to the directory."),
    )
}

pub fn bad_password() -> AadError {
    AadError::new(
        400,
        "invalid_grant",
        50126,
        "Error validating credentials due to invalid username or password.",
    )
}

pub fn mfa_required(resource_app_id: &str) -> AadError {
    AadError::new(
        400,
        "invalid_grant",
        50076,
        format!("Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{resource_app_id}'."),
    )
    .suberror("basic_action")
}

pub fn mfa_registration_required(resource_app_id: &str) -> AadError {
    AadError::new(
        400,
        "invalid_grant",
        50079,
        format!("Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '{resource_app_id}'."),
    )
    .suberror("basic_action")
}

pub fn user_not_assigned(name: &str, app_id: &str, upn: &str) -> AadError {
    AadError::new(
        400,
        "invalid_grant",
        50105,
        format!("Your administrator has configured the application {name} ('{app_id}') to block users unless they are specifically granted ('assigned') access to the application. The signed in user '{upn}' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator. Please contact your administrator to assign access to this application."),
    )
}

/// AADSTS501051: an app asked for a token for an API whose service principal requires
/// assignment, and the app's service principal holds no app role on it (nor default access).
/// <https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes>; the message
/// is shaped after what Entra returns ("Application '{id}'({name}) is not assigned to a role for
/// the application '{uri}'({name})").
pub fn app_not_assigned(app_id: &str, name: &str, resource: &str, resource_name: &str) -> AadError {
    AadError::new(
        400,
        "invalid_grant",
        501051,
        format!("Application '{app_id}'({name}) is not assigned to a role for the application '{resource}'({resource_name})."),
    )
}

pub fn consent_missing(app_id: &str, name: &str) -> AadError {
    AadError::new(
        400,
        "invalid_grant",
        65001,
        format!("The user or administrator has not consented to use the application with ID '{app_id}' named '{name}'. Send an interactive authorization request for this user and resource."),
    )
    .suberror("consent_required")
}

pub fn ca_blocked() -> AadError {
    AadError::new(
        400,
        "invalid_grant",
        53003,
        "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
    )
    .suberror("message_only")
}

pub fn refresh_token_invalid() -> AadError {
    AadError::new(
        400,
        "invalid_grant",
        9002313,
        "Invalid request. Request is malformed or invalid.",
    )
}

pub fn refresh_token_other_client() -> AadError {
    AadError::new(
        400,
        "invalid_grant",
        70000,
        "Provided grant is invalid or malformed.",
    )
}

pub fn refresh_token_expired(issued: i64, inactive_secs: i64) -> AadError {
    let d = inactive_secs.max(0);
    AadError::new(
        400,
        "invalid_grant",
        700082,
        format!(
            "The refresh token has expired due to inactivity. The token was issued on {} and was inactive for {}.{:02}:{:02}:{:02}.",
            iso_fraction(issued),
            d / 86_400,
            d % 86_400 / 3600,
            d % 3600 / 60,
            d % 60
        ),
    )
    .suberror("bad_token")
}

fn iso_fraction(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S.0000000Z")
        .to_string()
}

pub fn transient() -> AadError {
    AadError::new(
        503,
        "temporarily_unavailable",
        90033,
        "A transient error has occurred. Please try again.",
    )
}

pub fn throttled() -> AadError {
    AadError::new(
        429,
        "temporarily_unavailable",
        90055,
        "The number of requests made by this client to the token endpoint exceeds the allowed threshold. Retry after the interval given in the Retry-After header.",
    )
}

// The device authorization grant's answers to a poll of the token endpoint
// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code#expected-errors).

pub fn device_pending() -> AadError {
    AadError::new(
        400,
        "authorization_pending",
        70016,
        "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
    )
}

/// RFC 8628's `slow_down`: the client polls faster than the interval allows.
pub fn device_slow_down() -> AadError {
    AadError::new(
        400,
        "slow_down",
        70016,
        "OAuth 2.0 device flow error. Polling too frequently: wait longer between requests.",
    )
}

/// Microsoft's page lists `authorization_declined` without an AADSTS code, so none is invented.
pub fn device_declined() -> AadError {
    AadError::new(
        400,
        "authorization_declined",
        0,
        "The end user declined the authorization request.",
    )
}

pub fn device_expired() -> AadError {
    AadError::new(400, "expired_token", 70019, "Verification code expired.")
}

pub fn device_bad_code() -> AadError {
    AadError::new(
        400,
        "bad_verification_code",
        70018,
        "The provided value for the input parameter 'device_code' is not valid.",
    )
}

// The authorization-code grant.

pub fn code_redeemed() -> AadError {
    AadError::new(
        400,
        "invalid_grant",
        54005,
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
    )
}

pub fn code_invalid() -> AadError {
    AadError::new(
        400,
        "invalid_grant",
        70008,
        "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
    )
}

pub fn code_reply_mismatch(sent: &str, at_authorize: &str) -> AadError {
    AadError::new(
        400,
        "invalid_grant",
        500112,
        format!("The reply address '{sent}' does not match the reply address '{at_authorize}' provided when requesting Authorization code."),
    )
}

pub fn pkce_mismatch() -> AadError {
    AadError::new(
        400,
        "invalid_grant",
        501481,
        "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
    )
}

pub fn consent_declined() -> AadError {
    AadError::new(
        400,
        "access_denied",
        65004,
        "User declined to consent to access the app.",
    )
}

pub fn login_required() -> AadError {
    AadError::new(
        400,
        "login_required",
        50058,
        "A silent sign-in request was sent but no user is signed in.",
    )
}
