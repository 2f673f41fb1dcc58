//! The error-text source against one fixture per format customers paste (`fixtures/text/`): each
//! test pins the exact facts extracted. Plus: secrets never reach the evidence, garbage is refused,
//! and hostile input (huge, deeply nested, unbalanced) neither panics nor hangs.

use authcheck::cli::build_evidence;
use authcheck_model::evidence::Evidence;
use authcheck_offline::error_text::parse;

/// The instant fixtures are judged at (as in `rules_catalog`).
const NOW: i64 = 1_795_521_600; // 2026-11-24T12:00:00Z

const APP: &str = "5e2c8a51-0f9c-4a7e-b1d2-7c3f6a9e1b24";
const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const TRACE: &str = "0b7d3c2e-9a41-4f6b-8e12-5d9c7a1e3f00";
const CORR: &str = "6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b";
const OID: &str = "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d";
const TS_AT: i64 = 1_795_515_164; // 2026-11-24 10:12:44Z

fn text(name: &str) -> String {
    let p = format!("{}/fixtures/text/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// The fixture through `triage`'s path (detection, parsing, derived facts).
fn ev(name: &str) -> Evidence {
    build_evidence(&text(name), name, None, None, None, NOW)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parsed(t: &str) -> (bool, Evidence) {
    let mut ev = Evidence::new(NOW);
    let found = parse(t, &mut ev);
    (found, ev)
}

fn s<T: AsRef<str>>(v: &Option<T>) -> Option<&str> {
    v.as_ref().map(AsRef::as_ref)
}

fn has_message(ev: &Evidence, needle: &str) -> bool {
    ev.response.messages.iter().any(|m| m.contains(needle))
}

fn assert_trailer(ev: &Evidence) {
    assert_eq!(s(&ev.response.trace_id), Some(TRACE));
    assert_eq!(s(&ev.response.correlation_id), Some(CORR));
    assert_eq!(s(&ev.response.timestamp), Some("2026-11-24 10:12:44Z"));
    assert_eq!(ev.response.timestamp_at, Some(TS_AT));
}

fn no_trailer_in_messages(ev: &Evidence) {
    for m in &ev.response.messages {
        assert!(!m.contains("Trace ID"), "trailer left in message: {m}");
        assert!(
            !m.contains("Correlation ID:"),
            "trailer left in message: {m}"
        );
    }
}

// ---------------------------------------------------------------- token-endpoint bodies

#[test]
fn token_endpoint_pretty_json() {
    let e = ev("token-endpoint-invalid-client.json");
    assert_eq!(s(&e.input.kind), Some("token-response"));
    assert_eq!(
        e.input.sources.get("response").map(String::as_str),
        Some("token-endpoint-body")
    );
    assert_eq!(s(&e.response.error), Some("invalid_client"));
    assert_eq!(e.response.codes, vec![7000215]);
    assert_eq!(e.response.code, Some(7000215));
    assert_trailer(&e);
    assert_eq!(
        s(&e.response.error_uri),
        Some("https://login.microsoftonline.com/error?code=7000215")
    );
    assert_eq!(s(&e.request.client_id), Some(APP));
    assert!(s(&e.response.error_description).is_some_and(|d| d
        .starts_with("AADSTS7000215: Invalid client secret provided.")
        && !d.contains("Trace ID")));
    no_trailer_in_messages(&e);
}

#[test]
fn token_endpoint_json_escaped_inside_a_log_line() {
    let e = ev("token-endpoint-escaped-in-log.txt");
    assert_eq!(s(&e.response.error), Some("invalid_scope"));
    assert_eq!(e.response.codes, vec![1002012]);
    assert_eq!(e.response.status, Some(400));
    assert_trailer(&e);
    assert_eq!(s(&e.request.endpoint), Some("v2"));
    assert_eq!(s(&e.request.tenant), Some(TENANT));
    assert_eq!(
        s(&e.request.authority_host),
        Some("login.microsoftonline.com")
    );
    // The scope the message names, as sent (without `/.default`).
    assert_eq!(
        e.request.scopes,
        vec!["https://purview.azure.net".to_string()]
    );
    assert!(!e.request.scope_has_default);
}

#[test]
fn msal_python_dict_repr_with_escaped_crlf() {
    let e = ev("msal-python-app-not-found.txt");
    assert_eq!(s(&e.env.sdk), Some("msal-python"));
    assert_eq!(s(&e.response.error), Some("unauthorized_client"));
    assert_eq!(e.response.codes, vec![700016]);
    assert_trailer(&e);
    assert_eq!(s(&e.request.client_id), Some(APP));
    assert_eq!(s(&e.request.tenant), Some("contoso.onmicrosoft.com"));
    assert_eq!(s(&e.request.grant_type), Some("client_credentials"));
    assert_eq!(
        e.request.scopes,
        vec!["https://graph.microsoft.com/.default".to_string()]
    );
    no_trailer_in_messages(&e);
}

#[test]
fn msal_python_consent_names_app() {
    let e = ev("msal-python-consent.txt");
    assert_eq!(e.response.codes, vec![65001]);
    assert_eq!(s(&e.response.suberror), Some("consent_required"));
    assert_eq!(s(&e.request.client_id), Some(APP));
    assert_eq!(s(&e.request.client_name), Some("contoso-reporting"));
    assert_trailer(&e);
}

// ---------------------------------------------------------------- AADSTS in free text

#[test]
fn html_escaped_page() {
    let e = ev("aadsts-html-escaped.html");
    assert_eq!(e.response.codes, vec![50011]);
    assert_eq!(s(&e.response.error), Some("invalid_request"));
    assert_eq!(
        s(&e.request.redirect_uri),
        Some("https://app.contoso.com/signin-oidc")
    );
    assert_eq!(s(&e.request.client_id), Some(APP));
    assert_eq!(s(&e.response.trace_id), Some(TRACE));
    assert_eq!(s(&e.response.correlation_id), Some(CORR));
    assert!(
        e.response
            .messages
            .iter()
            .all(|m| !m.contains("&#39;") && !m.contains("</p>")),
        "{:?}",
        e.response.messages
    );
}

#[test]
fn masked_ids_are_not_kept_and_wrapped_lines_join() {
    let e = ev("aadsts-masked-wrapped.txt");
    assert_eq!(e.response.codes, vec![700016]);
    assert_eq!(e.request.client_id, None);
    assert_eq!(e.request.tenant, None);
    assert_eq!(e.response.trace_id, None);
    assert_eq!(e.response.correlation_id, None);
    assert_eq!(e.response.timestamp_at, Some(TS_AT));
    assert!(has_message(&e, "has not been installed by the administrator of the tenant or consented to by any user in the tenant."));
}

#[test]
fn resource_principal_named_in_error() {
    let e = ev("resource-principal-missing.txt");
    assert_eq!(e.response.codes, vec![500011]);
    assert_eq!(
        s(&e.resource.named_in_error),
        Some("https://purview.azure.net")
    );
    assert_eq!(s(&e.resource.api), Some("purview"));
    assert_eq!(s(&e.request.tenant), Some("contoso.onmicrosoft.com"));
    assert_eq!(s(&e.env.sdk), Some("az-cli"));
    assert_trailer(&e);
}

#[test]
fn service_not_subscribed_names_api_and_tenant() {
    let e = ev("service-not-subscribed.txt");
    assert_eq!(e.response.codes, vec![650052]);
    assert_eq!(
        s(&e.resource.named_in_error),
        Some("8578e004-a5c6-46e7-913e-12f58912df43")
    );
    assert_eq!(s(&e.resource.api), Some("powerplatform"));
    assert_eq!(s(&e.request.tenant), Some(TENANT));
    assert_eq!(s(&e.response.suberror), Some("consent_required"));
}

// ---------------------------------------------------------------- azure-identity

#[test]
fn azure_identity_python_client_secret() {
    let e = ev("azure-identity-python-secret.txt");
    assert_eq!(s(&e.env.sdk), Some("azure-identity-python"));
    assert_eq!(s(&e.env.credential_type), Some("ClientSecretCredential"));
    assert_eq!(s(&e.env.exception_type), Some("ClientAuthenticationError"));
    assert!(e.env.non_interactive);
    assert_eq!(e.response.codes, vec![7000215]);
    assert_eq!(s(&e.request.client_id), Some(APP));
    assert_eq!(s(&e.request.grant_type), Some("client_credentials"));
    assert_trailer(&e);
    assert!(has_message(&e, "ClientSecretCredential.get_token failed"));
    no_trailer_in_messages(&e);
}

#[test]
fn azure_identity_python_default_credential_summary() {
    let e = ev("azure-identity-python-default-credential.txt");
    assert_eq!(s(&e.env.sdk), Some("azure-identity-python"));
    assert_eq!(s(&e.env.credential_type), Some("DefaultAzureCredential"));
    assert!(e.response.codes.is_empty());
    assert!(has_message(&e, "ManagedIdentityCredential: ManagedIdentityCredential authentication unavailable, no response from the IMDS endpoint."));
    assert!(has_message(
        &e,
        "EnvironmentCredential: EnvironmentCredential authentication unavailable"
    ));
    assert!(has_message(
        &e,
        "DefaultAzureCredential failed to retrieve a token from the included credentials"
    ));
}

#[test]
fn azure_identity_dotnet_with_inner_msal_exception() {
    let e = ev("azure-identity-dotnet-secret.txt");
    assert_eq!(s(&e.env.sdk), Some("azure-identity-dotnet"));
    assert_eq!(s(&e.env.credential_type), Some("ClientSecretCredential"));
    assert_eq!(
        s(&e.env.exception_type),
        Some("AuthenticationFailedException")
    );
    assert_eq!(s(&e.response.error), Some("invalid_client"));
    assert_eq!(e.response.status, Some(401));
    assert_eq!(e.response.codes, vec![7000222]);
    assert_eq!(s(&e.request.client_id), Some(APP));
    assert_trailer(&e);
    assert!(!e.api_call.made, "a token failure is not an API call");
}

#[test]
fn azure_identity_dotnet_credential_unavailable() {
    let e = ev("azure-identity-dotnet-unavailable.txt");
    assert_eq!(s(&e.env.sdk), Some("azure-identity-dotnet"));
    assert_eq!(s(&e.env.credential_type), Some("ManagedIdentityCredential"));
    assert_eq!(
        s(&e.env.exception_type),
        Some("CredentialUnavailableException")
    );
    assert_eq!(s(&e.request.flow), Some("managed-identity"));
    assert!(has_message(
        &e,
        "No response received from the managed identity endpoint"
    ));
}

#[test]
fn azure_identity_js_authentication_error() {
    let e = ev("azure-identity-js-auth-error.txt");
    assert_eq!(s(&e.env.sdk), Some("azure-identity-js"));
    assert_eq!(s(&e.env.exception_type), Some("AuthenticationError"));
    assert_eq!(s(&e.env.credential_type), Some("ClientSecretCredential"));
    assert_eq!(s(&e.response.error), Some("invalid_client"));
    assert_eq!(e.response.status, Some(401));
    assert_eq!(e.response.codes, vec![7000215]);
    assert_trailer(&e);
}

#[test]
fn azure_identity_js_no_identity_assigned() {
    let e = ev("azure-identity-js-unavailable.txt");
    assert_eq!(s(&e.env.sdk), Some("azure-identity-js"));
    assert_eq!(s(&e.env.exception_type), Some("CredentialUnavailableError"));
    assert_eq!(s(&e.env.credential_type), Some("ManagedIdentityCredential"));
    assert!(has_message(
        &e,
        "No identity has been assigned to this resource"
    ));
}

#[test]
fn azure_identity_java_federated_mismatch() {
    let e = ev("azure-identity-java-federated.txt");
    assert_eq!(s(&e.env.sdk), Some("azure-identity-java"));
    assert_eq!(
        s(&e.env.exception_type),
        Some("ClientAuthenticationException")
    );
    assert_eq!(
        s(&e.env.credential_type),
        Some("WorkloadIdentityCredential")
    );
    assert_eq!(e.response.codes, vec![70021]);
    assert!(e.request.assertion_sent);
    let a = e.request.assertion.as_ref().expect("assertion facts");
    assert_eq!(
        s(&a.iss),
        Some("https://token.actions.githubusercontent.com")
    );
    assert_eq!(s(&a.sub), Some("repo:contoso/app:environment:prod"));
    assert_eq!(a.aud, vec!["api://AzureADTokenExchange".to_string()]);
    assert_eq!(s(&e.request.credential), Some("federated"));
    assert_trailer(&e);
}

// ---------------------------------------------------------------- MSAL

#[test]
fn msal_dotnet_ui_required() {
    let e = ev("msal-dotnet-ui-required.txt");
    assert_eq!(s(&e.env.sdk), Some("msal-dotnet"));
    assert_eq!(s(&e.env.exception_type), Some("MsalUiRequiredException"));
    assert_eq!(s(&e.response.error), Some("invalid_grant"));
    assert_eq!(e.response.status, Some(400));
    assert_eq!(e.response.codes, vec![50076]);
    assert_eq!(s(&e.request.grant_type), Some("password"));
    assert_eq!(
        s(&e.resource.named_in_error),
        Some("797f4846-ba00-4fd7-ba43-dac1f8f63013")
    );
    assert_trailer(&e);
}

#[test]
fn msal_js_cross_origin() {
    let e = ev("msal-js-cross-origin.txt");
    assert_eq!(s(&e.env.sdk), Some("msal-js"));
    assert_eq!(s(&e.env.exception_type), Some("ServerError"));
    assert!(e.env.browser);
    assert_eq!(s(&e.response.error), Some("invalid_request"));
    assert_eq!(e.response.codes, vec![9002326]);
    assert_eq!(s(&e.request.origin), Some("http://localhost:3000"));
    assert_trailer(&e);
    assert!(has_message(&e, "Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type."));
    no_trailer_in_messages(&e);
}

// ---------------------------------------------------------------- CLIs

#[test]
fn az_cli_app_not_found_wrapped() {
    let e = ev("az-cli-app-not-found.txt");
    assert_eq!(s(&e.env.sdk), Some("az-cli"));
    assert_eq!(e.response.codes, vec![700016]);
    assert_eq!(s(&e.request.client_id), Some(APP));
    // The command line's tenant wins over the directory's display name in the message.
    assert_eq!(s(&e.request.tenant), Some("contoso.onmicrosoft.com"));
    assert!(e.request.secret_sent);
    assert!(
        !e.request.secret_empty && !e.request.secret_is_placeholder,
        "a $VAR says nothing about the value"
    );
    assert_trailer(&e);
    assert!(has_message(
        &e,
        "You may have sent your authentication request to the wrong tenant."
    ));
}

#[test]
fn az_cli_authorization_failed() {
    let e = ev("az-cli-authorization-failed.txt");
    assert_eq!(s(&e.env.sdk), Some("az-cli"));
    assert!(e.api_call.made);
    assert_eq!(s(&e.api_call.code), Some("AuthorizationFailed"));
    assert_eq!(
        s(&e.api_call.action),
        Some("Microsoft.Insights/metrics/read")
    );
    assert_eq!(
        s(&e.api_call.scope),
        Some("/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/vm1")
    );
    assert_eq!(s(&e.api_call.principal_id), Some(OID));
    assert_eq!(s(&e.api_call.client_id), Some(APP));
    assert!(s(&e.api_call.message).is_some_and(|m| m.starts_with("The client '")));
}

#[test]
fn az_powershell_client_secret() {
    let e = ev("az-powershell-secret.txt");
    assert_eq!(s(&e.env.sdk), Some("az-powershell"));
    assert_eq!(s(&e.env.credential_type), Some("ClientSecretCredential"));
    assert_eq!(
        s(&e.env.exception_type),
        Some("AuthenticationFailedException")
    );
    assert_eq!(e.response.codes, vec![7000215]);
    assert_eq!(s(&e.request.client_id), Some(APP));
    assert_trailer(&e);
}

#[test]
fn graph_powershell_denied() {
    let e = ev("graph-powershell-denied.txt");
    assert_eq!(s(&e.env.sdk), Some("graph-powershell"));
    assert!(e.api_call.made);
    assert_eq!(e.api_call.status, Some(403));
    assert_eq!(s(&e.api_call.code), Some("Authorization_RequestDenied"));
    assert_eq!(
        s(&e.api_call.message),
        Some("Insufficient privileges to complete the operation.")
    );
    assert_eq!(
        s(&e.api_call.request_id),
        Some("3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f")
    );
    assert!(has_message(
        &e,
        "Insufficient privileges to complete the operation."
    ));
    assert!(!has_message(&e, "chunked"));
}

// ---------------------------------------------------------------- ARM

#[test]
fn arm_authorization_failed_body() {
    let e = ev("arm-authorization-failed.json");
    assert_eq!(s(&e.input.kind), Some("arm-error"));
    assert_eq!(
        e.input.sources.get("api_call").map(String::as_str),
        Some("arm-body")
    );
    assert!(e.api_call.made);
    assert_eq!(s(&e.api_call.code), Some("AuthorizationFailed"));
    assert_eq!(
        s(&e.api_call.action),
        Some("Microsoft.OperationalInsights/workspaces/query/read")
    );
    assert_eq!(
        s(&e.api_call.scope),
        Some("/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law-prod")
    );
    assert_eq!(s(&e.api_call.principal_id), Some(OID));
    assert_eq!(s(&e.api_call.client_id), Some(APP));
    assert!(has_message(
        &e,
        "If access was recently granted, please refresh your credentials."
    ));
    assert!(e.response.codes.is_empty() && e.response.error.is_none());
}

#[test]
fn arm_token_codes() {
    for (file, code) in [
        (
            "arm-invalid-audience.json",
            "InvalidAuthenticationTokenAudience",
        ),
        ("arm-expired-token.json", "ExpiredAuthenticationToken"),
        (
            "arm-invalid-token-tenant.json",
            "InvalidAuthenticationTokenTenant",
        ),
    ] {
        let e = ev(file);
        assert!(e.api_call.made, "{file}");
        assert_eq!(s(&e.api_call.code), Some(code), "{file}");
        assert!(e.api_call.message.is_some(), "{file}");
        assert!(
            e.response.messages.iter().all(|m| !m.starts_with('{')),
            "{file}: {:?}",
            e.response.messages
        );
    }
    let e = ev("arm-invalid-audience.json");
    assert!(has_message(
        &e,
        "obtained for wrong audience or resource 'https://graph.microsoft.com'"
    ));
}

#[test]
fn arm_linked_authorization_failed() {
    let e = ev("arm-linked-authorization-failed.json");
    assert_eq!(s(&e.api_call.code), Some("LinkedAuthorizationFailed"));
    assert_eq!(
        s(&e.api_call.action),
        Some("Microsoft.Network/virtualNetworks/subnets/join/action")
    );
    assert_eq!(
        s(&e.api_call.scope),
        Some("/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/default")
    );
    assert_eq!(s(&e.api_call.principal_id), Some(OID));
}

#[test]
fn arm_throttled_with_retry_after() {
    let e = ev("http-throttled.txt");
    assert_eq!(e.api_call.status, Some(429));
    assert_eq!(e.api_call.retry_after, Some(17));
    assert_eq!(s(&e.api_call.code), Some("TooManyRequests"));
    assert_eq!(s(&e.api_call.method), Some("GET"));
    assert_eq!(s(&e.api_call.host), Some("management.azure.com"));
    assert_eq!(s(&e.api_call.api), Some("arm"));
    assert_eq!(
        s(&e.api_call.request_id),
        Some("2b3c4d5e-6f70-4819-8a2b-3c4d5e6f7081")
    );
}

// ---------------------------------------------------------------- Graph

#[test]
fn graph_error_body() {
    let e = ev("graph-authorization-denied.json");
    assert_eq!(s(&e.input.kind), Some("graph-error"));
    assert_eq!(
        e.input.sources.get("api_call").map(String::as_str),
        Some("graph-body")
    );
    assert_eq!(s(&e.api_call.code), Some("Authorization_RequestDenied"));
    assert_eq!(
        s(&e.api_call.message),
        Some("Insufficient privileges to complete the operation.")
    );
    assert_eq!(
        s(&e.api_call.request_id),
        Some("3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f")
    );
    assert_eq!(
        e.response.messages,
        vec!["Insufficient privileges to complete the operation.".to_string()]
    );
}

#[test]
fn graph_invalid_audience_with_challenge() {
    let e = ev("graph-invalid-audience.txt");
    assert_eq!(s(&e.api_call.code), Some("InvalidAuthenticationToken"));
    assert_eq!(
        s(&e.api_call.message),
        Some("Access token validation failure. Invalid audience.")
    );
    assert_eq!(e.api_call.status, Some(401));
    assert_eq!(s(&e.api_call.method), Some("GET"));
    assert_eq!(s(&e.api_call.api), Some("graph"));
    let ch = e.api_call.challenge.as_ref().expect("challenge");
    assert_eq!(
        s(&ch.authorization_uri),
        Some("https://login.microsoftonline.com/common/oauth2/authorize")
    );
    // The challenge's `client_id` and authority describe Graph, not the caller's request.
    assert_eq!(e.request.client_id, None);
    assert_eq!(e.request.endpoint, None);
}

// ---------------------------------------------------------------- data planes

#[test]
fn log_analytics_bodies() {
    let e = ev("log-analytics-insufficient-access.txt");
    assert_eq!(s(&e.api_call.code), Some("InsufficientAccessError"));
    assert_eq!(e.api_call.status, Some(403));
    assert_eq!(s(&e.api_call.method), Some("POST"));
    assert_eq!(s(&e.api_call.api), Some("loganalytics"));
    assert_eq!(s(&e.dataplane.service), Some("loganalytics"));
    assert_eq!(
        s(&e.api_call.request_id),
        Some("5d6e7f80-9a0b-4c1d-8e2f-3a4b5c6d7e8f")
    );
    assert!(has_message(
        &e,
        "The provided credentials have insufficient access"
    ));
    let e = ev("log-analytics-invalid-token.json");
    assert_eq!(s(&e.api_call.code), Some("InvalidTokenError"));
    assert!(has_message(
        &e,
        "The provided authentication is not valid for this resource"
    ));
    let e = ev("appinsights-insufficient-access.txt");
    assert_eq!(s(&e.api_call.code), Some("InsufficientAccessError"));
    assert_eq!(s(&e.api_call.api), Some("appinsights"));
    assert_eq!(e.api_call.status, Some(403));
}

#[test]
fn purview_operations_from_urls() {
    let e = ev("purview-forbidden.txt");
    assert_eq!(s(&e.dataplane.service), Some("purview"));
    assert_eq!(s(&e.dataplane.operation), Some("catalog"));
    assert_eq!(s(&e.dataplane.environment), Some("contoso-pv"));
    assert_eq!(s(&e.api_call.code), Some("Forbidden"));
    assert_eq!(
        s(&e.api_call.message),
        Some("Not authorized to access account")
    );
    assert_eq!(e.api_call.status, Some(403));
    assert_eq!(s(&e.api_call.method), Some("POST"));
    let e = ev("purview-scan-collection.txt");
    assert_eq!(s(&e.dataplane.operation), Some("scanning"));
    assert_eq!(e.api_call.status, Some(403));
    assert_eq!(s(&e.api_call.code), Some("Unauthorized"));
    let e = ev("purview-collection-policy.txt");
    assert_eq!(s(&e.dataplane.operation), Some("metadata-policy"));
    assert_eq!(s(&e.dataplane.collection), Some("finance"));
    assert_eq!(s(&e.api_call.method), Some("PUT"));
}

#[test]
fn power_platform_forbidden() {
    let e = ev("power-platform-forbidden.txt");
    assert_eq!(s(&e.dataplane.service), Some("powerplatform"));
    assert_eq!(
        s(&e.dataplane.environment),
        Some(&*format!("Default-{TENANT}"))
    );
    assert_eq!(s(&e.api_call.code), Some("Forbidden"));
    assert_eq!(e.api_call.status, Some(403));
    assert_eq!(s(&e.api_call.api), Some("powerplatform"));
}

// ---------------------------------------------------------------- WWW-Authenticate

#[test]
fn www_authenticate_invalid_token() {
    let e = ev("www-authenticate-invalid-token.txt");
    assert!(e.api_call.made);
    assert_eq!(e.api_call.status, Some(401));
    let ch = e.api_call.challenge.as_ref().expect("challenge");
    assert_eq!(s(&ch.scheme), Some("Bearer"));
    assert_eq!(s(&ch.error), Some("invalid_token"));
    assert_eq!(s(&ch.resource), Some("https://management.azure.com/"));
    assert_eq!(
        s(&ch.authorization_uri),
        Some("https://login.microsoftonline.com/d2c1b0a9-8e7f-4d6c-9b5a-4f3e2d1c0b9a")
    );
    assert!(s(&ch.error_description)
        .is_some_and(|d| d.starts_with("The access token is from the wrong issuer.")));
    assert!(!ch.claims);
    assert_eq!(
        s(&e.api_call.request_id),
        Some("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d")
    );
    assert_eq!(e.response.messages.len(), 1, "{:?}", e.response.messages);
    assert_eq!(
        e.request.tenant, None,
        "the challenge's authority is not the caller's tenant"
    );
}

#[test]
fn www_authenticate_claims_challenge() {
    let e = ev("www-authenticate-claims.txt");
    let ch = e.api_call.challenge.as_ref().expect("challenge");
    assert_eq!(s(&ch.error), Some("insufficient_claims"));
    assert!(ch.claims);
}

// ---------------------------------------------------------------- pages and conditions without codes

#[test]
fn pages_without_codes() {
    let (found, e) = parsed(&text("page-need-admin-approval.txt"));
    assert!(found);
    assert!(has_message(&e, "Need admin approval"));
    let (found, e) = parsed(&text("imds-unreachable.txt"));
    assert!(found);
    assert_eq!(s(&e.env.credential_type), Some("ManagedIdentityCredential"));
    assert!(has_message(&e, "no response from the IMDS endpoint"));
    // The IMDS URL shows the resource asked for.
    assert_eq!(
        s(&e.request.resource),
        Some("https://management.azure.com/")
    );
    let e = ev("token-endpoint-503.txt");
    assert_eq!(e.response.status, Some(503));
    assert_eq!(s(&e.response.error), Some("temporarily_unavailable"));
    assert_eq!(e.response.codes, vec![90033]);
    assert!(
        !e.api_call.made,
        "the token endpoint's 503 is not an API call"
    );
    for t in [
        "Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type.",
        "Not authorized to access account",
        "No identity has been assigned to this resource",
        "HTTP/1.1 503 Service Unavailable",
    ] {
        let (found, _) = parsed(t);
        assert!(found, "{t}");
    }
}

// ---------------------------------------------------------------- request shapes

#[test]
fn curl_v1_request_with_guid_secret_and_origin() {
    let e = ev("request-curl-v1-purview.txt");
    let r = &e.request;
    assert_eq!(s(&r.endpoint), Some("v1"));
    assert_eq!(s(&r.authority_host), Some("login.microsoftonline.com"));
    assert_eq!(s(&r.tenant), Some("contoso.onmicrosoft.com"));
    assert_eq!(s(&r.grant_type), Some("client_credentials"));
    assert_eq!(s(&r.client_id), Some(APP));
    assert_eq!(s(&r.resource), Some("purview.azure.net"));
    assert_eq!(s(&r.target_problem), Some("no-scheme"));
    assert_eq!(s(&r.origin), Some("https://portal.contoso.com"));
    assert!(e.env.browser);
    assert!(r.secret_sent && r.secret_is_guid && !r.secret_empty && !r.secret_is_placeholder);
    assert_eq!(e.response.codes, vec![7000215]);
}

#[test]
fn powershell_hashtable_with_empty_secret() {
    let e = ev("request-powershell-hashtable.txt");
    let r = &e.request;
    assert_eq!(s(&r.endpoint), Some("v2"));
    assert_eq!(s(&r.tenant), Some(TENANT));
    assert_eq!(s(&r.grant_type), Some("client_credentials"));
    assert_eq!(
        r.scopes,
        vec!["https://api.powerplatform.com/.default".to_string()]
    );
    assert!(r.secret_sent && r.secret_empty);
    assert_eq!(r.secret_prefix, None);
    assert_eq!(e.response.codes, vec![7000216]);
    assert_trailer(&e);
    assert!(
        !e.api_call.made && e.api_call.url.is_none(),
        "a scope is not an API call"
    );
}

#[test]
fn ropc_form_body() {
    let e = ev("request-ropc-form.txt");
    let r = &e.request;
    assert_eq!(s(&r.endpoint), Some("v2"));
    assert_eq!(s(&r.tenant), Some("organizations"));
    assert_eq!(s(&r.authority_host), Some("login.microsoftonline.com"));
    assert_eq!(s(&r.grant_type), Some("password"));
    assert_eq!(s(&r.flow), Some("ropc"));
    assert_eq!(s(&r.username), Some("alice@contoso.com"));
    assert!(r.password_sent);
    assert_eq!(
        r.scopes,
        vec![
            "https://api.powerplatform.com/.default".to_string(),
            "offline_access".to_string()
        ]
    );
    assert_eq!(e.response.codes, vec![50076]);
    assert_eq!(s(&e.response.suberror), Some("basic_action"));
    assert!(e.response.claims_challenge);
}

#[test]
fn federated_assertion_claims_without_signature() {
    let e = ev("request-federated-assertion.txt");
    let r = &e.request;
    assert!(r.assertion_sent);
    assert_eq!(s(&r.credential), Some("federated"));
    let a = r.assertion.as_ref().expect("assertion");
    assert_eq!(
        s(&a.iss),
        Some("https://token.actions.githubusercontent.com")
    );
    assert_eq!(s(&a.sub), Some("repo:contoso/app:ref:refs/heads/main"));
    assert_eq!(a.aud, vec!["api://AzureADTokenExchange".to_string()]);
    assert_eq!(a.exp, Some(1_795_515_000));
    assert_eq!(e.response.codes, vec![700213]);
    let json = serde_json::to_string(&e).unwrap_or_default();
    assert!(
        !json.contains("YXNzZXJ0aW9uLXNpZw"),
        "assertion signature leaked"
    );
    assert!(
        !json.contains("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9."),
        "assertion leaked"
    );
}

#[test]
fn request_field_forms() {
    // URL-encoded scope with `+`, env vars, JS options, a placeholder secret.
    let (_, e) = parsed("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default+openid&client_secret=%3Cyour-secret%3E&code_verifier=abc&refresh_token=0.AAA\nAADSTS50011: x");
    assert_eq!(
        e.request.scopes,
        vec![
            "https://graph.microsoft.com/.default".to_string(),
            "openid".to_string()
        ]
    );
    assert!(e.request.secret_is_placeholder && e.request.secret_prefix.is_none());
    assert!(e.request.code_verifier_sent && e.request.refresh_token_sent);
    let (_, e) = parsed("export AZURE_CLIENT_ID=5e2c8a51-0f9c-4a7e-b1d2-7c3f6a9e1b24\nexport AZURE_TENANT_ID=contoso.onmicrosoft.com\nexport AZURE_CLIENT_SECRET=${SECRET}\nAADSTS7000215: Invalid client secret provided.");
    assert_eq!(s(&e.request.client_id), Some(APP));
    assert_eq!(s(&e.request.tenant), Some("contoso.onmicrosoft.com"));
    assert!(e.request.secret_is_placeholder);
    let (_, e) = parsed("const cfg = { auth: { clientId: '5e2c8a51-0f9c-4a7e-b1d2-7c3f6a9e1b24', authority: 'https://login.microsoftonline.com/common', redirectUri: 'http://localhost:3000' } }\nAADSTS50194: Application '5e2c8a51-0f9c-4a7e-b1d2-7c3f6a9e1b24'(contoso-spa) is not configured as a multi-tenant application.");
    assert_eq!(s(&e.request.client_id), Some(APP));
    assert_eq!(s(&e.request.tenant), Some("common"));
    assert_eq!(s(&e.request.redirect_uri), Some("http://localhost:3000"));
    assert_eq!(s(&e.request.client_name), Some("contoso-spa"));
    let (_, e) =
        parsed("client_secret=abcDEF~ghi.jkl\nAADSTS7000215: Invalid client secret provided.");
    assert_eq!(s(&e.request.secret_prefix), Some("abc"));
    assert!(
        !e.request.secret_is_guid && !e.request.secret_empty && !e.request.secret_is_placeholder
    );
}

// ---------------------------------------------------------------- tokens

#[test]
fn token_response_and_bearer_token_are_decoded_never_kept() {
    let e = ev("token-response-success.json");
    assert!(e.response.token_issued);
    assert!(e.token.present);
    assert_eq!(s(&e.token.aud), Some("https://purview.azure.net"));
    assert_eq!(s(&e.token.client_id), Some(APP));
    let e2 = ev("bearer-token-in-log.txt");
    assert!(e2.token.present);
    assert_eq!(s(&e2.token.oid), Some(OID));
    assert_eq!(s(&e2.dataplane.operation), Some("catalog"));
    for (name, e) in [
        ("token-response-success.json", e),
        ("bearer-token-in-log.txt", e2),
    ] {
        let json = serde_json::to_string(&e).unwrap_or_default();
        let raw = text(name);
        let sig = raw
            .split("eyJ")
            .nth(2)
            .and_then(|p| p.split('.').nth(1))
            .map(|s| &s[..20.min(s.len())])
            .unwrap_or("");
        assert!(
            !sig.is_empty() && !json.contains(sig),
            "{name}: signature leaked"
        );
        assert!(!json.contains("eyJ0eXAiOiJKV1Qi"), "{name}: token leaked");
    }
}

// ---------------------------------------------------------------- secrets never kept

#[test]
fn secrets_never_reach_the_evidence() {
    let secrets = [
        "Summer2026!Secret",
        "Summer2026%21Secret",
        "Xq8~fake.SecretValue_123",
        "hunter2-but-longer",
        "0.AAAAfakeRefreshTokenValue",
        "s3cr3t-from-az-login",
    ];
    let paste = format!(
        "client_id=5e2c8a51-0f9c-4a7e-b1d2-7c3f6a9e1b24&client_secret={s2}&grant_type=client_credentials\n\
         {{\"client_secret\": \"{s2}\", \"password\": \"{s3}\"}}\n\
         $body = @{{ client_secret = '{s2}'; password = \"{s3}\" }}\n\
         username=bob%40contoso.com&password={s1e}&refresh_token={s4}\n\
         az login --service-principal -u 5e2c8a51-0f9c-4a7e-b1d2-7c3f6a9e1b24 -p {s5} --tenant contoso.onmicrosoft.com\n\
         Invoke failed: client_secret={s2} password: {s0}\n\
         AADSTS7000215: Invalid client secret provided. client_secret={s2}\n",
        s0 = secrets[0],
        s1e = secrets[1],
        s2 = secrets[2],
        s3 = secrets[3],
        s4 = secrets[4],
        s5 = secrets[5],
    );
    let e = build_evidence(&paste, "paste.txt", None, None, None, NOW).expect("parses");
    let json = serde_json::to_string(&e).unwrap_or_default();
    for secret in secrets {
        assert!(
            !json.contains(secret),
            "secret {secret} reached the evidence: {json}"
        );
    }
    assert!(e.request.secret_sent && e.request.password_sent && e.request.refresh_token_sent);
    assert_eq!(e.request.secret_prefix.as_deref(), Some("Xq8"));
    assert!(!json.contains("secret_prefix"));
    // Every fixture, as triage reads it, keeps none of the fixture secrets.
    for name in [
        "request-ropc-form.txt",
        "request-curl-v1-purview.txt",
        "request-federated-assertion.txt",
    ] {
        let json = serde_json::to_string(&ev(name)).unwrap_or_default();
        for secret in [
            "Summer2026",
            "3f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b",
            "YXNzZXJ0aW9uLXNpZw",
        ] {
            assert!(!json.contains(secret), "{name}: {secret} leaked");
        }
    }
}

// ---------------------------------------------------------------- refusal and robustness

#[test]
fn garbage_is_not_recognised() {
    for t in [
        "hello world",
        "{}",
        "{\"a\": 1, \"b\": [1,2,3]}",
        "lorem ipsum dolor sit amet, consectetur adipiscing elit",
        "ERROR: disk full",
        "status: ok 200",
        "\u{1F600}\u{1F600} ünïcödé \u{202E} text",
        "{{{{{{{{",
        "}}}}]]]]",
        "'''''\"\"\"\"\\\\\\",
        "<html><body><p>nothing here</p></body></html>",
    ] {
        let (found, e) = parsed(t);
        assert!(
            !found,
            "{t:?} was recognised: {:?}",
            serde_json::to_string(&e)
        );
    }
    // Not recognised is not an error: the words reach the rules, marked as such.
    let ev = build_evidence("just some words", "x.txt", None, None, None, NOW).unwrap();
    assert_eq!(ev.input.kind.as_deref(), Some("unrecognised-text"));
    assert_eq!(ev.response.messages, vec!["just some words".to_string()]);
}

#[test]
fn hostile_input_neither_panics_nor_hangs() {
    let deep = format!(
        "{}\"error\": \"invalid_client\"{}",
        "{\"a\":".repeat(5000),
        "}".repeat(5000)
    );
    let _ = parsed(&deep);
    let _ = parsed(&"[".repeat(100_000));
    let _ = parsed(&"{'".repeat(100_000));
    let _ = parsed(&"{\"x\": \"".repeat(50_000));
    let _ = parsed(&"AADSTS".repeat(100_000));
    let _ = parsed(&"AADSTS50011: ".repeat(50_000));
    let _ = parsed(&"eyJhbGciOiJub25lIn0.eyJ".repeat(20_000));
    let _ = parsed(&"client_secret=".repeat(50_000));
    let _ = parsed(&"&#".repeat(100_000));
    let _ = parsed(&"\\u00".repeat(100_000));
    let _ = parsed(&"é\\".repeat(100_000));
    let _ = parsed("€ eyJ0eXAi.eyJhdWQi.x AADSTS9 &#x110000; &#55296; %E2%82");
    // A large paste with one real error at the end.
    let mut big =
        "2026-11-24 10:00:00 INFO request ok {\"status\": 200} path=/api/x?y=1\n".repeat(60_000);
    big.push_str("AADSTS7000215: Invalid client secret provided.\n");
    let (found, e) = parsed(&big);
    assert!(found);
    assert_eq!(e.response.codes, vec![7000215]);
    // Every byte-boundary cut of a fixture is still safe.
    let t = text("azure-identity-dotnet-secret.txt");
    for (i, _) in t.char_indices().step_by(37) {
        let _ = parsed(&t[..i]);
        let _ = parsed(&t[i..]);
    }
}

#[test]
fn browser_console_cors_message() {
    let (found, e) = parsed("Access to XMLHttpRequest at 'https://login.microsoftonline.com/common/oauth2/v2.0/token' from origin 'http://localhost:4200' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.");
    assert!(found);
    assert_eq!(s(&e.env.sdk), Some("browser"));
    assert!(e.env.browser);
    assert_eq!(s(&e.request.origin), Some("http://localhost:4200"));
    assert_eq!(s(&e.request.endpoint), Some("v2"));
    assert_eq!(s(&e.request.tenant), Some("common"));
    // Naming a credential class in code is not a failure.
    let (found, _) = parsed("cred = DefaultAzureCredential()\ntoken = cred.get_token('https://management.azure.com/.default')");
    assert!(!found);
}

#[test]
fn device_code_prompt_names_the_flow() {
    let (found, e) = parsed("To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code K7M2QXPLA to authenticate.\nAADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    assert!(found);
    assert_eq!(
        s(&e.request.grant_type),
        Some("urn:ietf:params:oauth:grant-type:device_code")
    );
    assert!(
        !e.env.browser,
        "a device-code prompt is not a browser request"
    );
}

#[test]
fn more_aadsts_phrases() {
    let (_, e) = parsed("AADSTS650057: Invalid resource. The client has requested access to a resource which is not listed in the requested permissions in the client's application registration. Client app ID: 5e2c8a51-0f9c-4a7e-b1d2-7c3f6a9e1b24(contoso-reporting). Resource value from request: https://api.powerplatform.com. Resource app ID: 8578e004-a5c6-46e7-913e-12f58912df43. List of valid resources from app registration: 00000003-0000-0000-c000-000000000000.");
    assert_eq!(s(&e.request.client_id), Some(APP));
    assert_eq!(s(&e.request.client_name), Some("contoso-reporting"));
    assert_eq!(
        s(&e.resource.named_in_error),
        Some("https://api.powerplatform.com")
    );
    let (_, e) = parsed("AADSTS50105: Your administrator has configured the application contoso-reporting ('5e2c8a51-0f9c-4a7e-b1d2-7c3f6a9e1b24') to block users unless they are specifically granted ('assigned') access to the application. The signed in user 'alice@contoso.com' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator.");
    assert_eq!(s(&e.request.client_id), Some(APP));
    assert_eq!(s(&e.request.client_name), Some("contoso-reporting"));
    assert_eq!(s(&e.request.username), Some("alice@contoso.com"));
    let (_, e) = parsed("AADSTS900023: Specified tenant identifier 'contoso' is neither a valid DNS name, nor a valid external domain.");
    assert_eq!(s(&e.request.tenant), Some("contoso"));
    let (_, e) = parsed("AADSTS7000229: The client application 5e2c8a51-0f9c-4a7e-b1d2-7c3f6a9e1b24 is missing service principal in the tenant 72f988bf-86f1-41af-91ab-2d7cd011db47.");
    assert_eq!(s(&e.request.client_id), Some(APP));
    assert_eq!(s(&e.request.tenant), Some(TENANT));
    let (_, e) = parsed("AADSTS90002: Tenant 'contoso.onmicrosoft.us' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
    assert_eq!(s(&e.request.tenant), Some("contoso.onmicrosoft.us"));
    let (_, e) =
        parsed("AADSTS7000222: The provided client secret keys for app '***' are expired.");
    assert_eq!(e.request.client_id, None);
}

#[test]
fn az_cli_access_token_output_and_repeated_calls() {
    let jwt = text("token-response-success.json");
    let token = jwt
        .split('"')
        .find(|p| p.starts_with("eyJ"))
        .unwrap_or_default()
        .to_string();
    let az = format!("{{\n  \"accessToken\": \"{token}\",\n  \"expiresOn\": \"2026-11-24 11:05:00.000000\",\n  \"subscription\": \"11111111-2222-4333-8444-555555555555\",\n  \"tenant\": \"{TENANT}\",\n  \"tokenType\": \"Bearer\"\n}}");
    let (found, e) = parsed(&az);
    assert!(found);
    assert!(e.response.token_issued && e.token.present);
    assert!(!serde_json::to_string(&e)
        .unwrap_or_default()
        .contains(&token[..40]));
    // A second body (as a HAR reads them) keeps the first one's codes first.
    let mut e = Evidence::new(NOW);
    parse("AADSTS50076: first", &mut e);
    parse("{\"error\":\"invalid_grant\",\"error_codes\":[65001],\"error_description\":\"AADSTS65001: x\"}", &mut e);
    assert_eq!(e.response.codes, vec![50076, 65001]);
}

#[test]
fn many_distinct_codes_stay_bounded() {
    let t: String = (1_000_000..1_200_000)
        .map(|n| format!("AADSTS{n} "))
        .collect();
    let (found, e) = parsed(&t);
    assert!(found);
    assert_eq!(e.response.codes.len(), 64);
    assert_eq!(e.response.code, Some(1_000_000));
    let details: String = (0..5000)
        .map(|n| format!("{{\"code\":\"Inner{n}\",\"message\":\"failed {n}\"}}"))
        .collect::<Vec<_>>()
        .join(",");
    let body = format!("{{\"error\":{{\"code\":\"AuthorizationFailed\",\"message\":\"denied\",\"details\":[{details}]}}}}");
    let (_, e) = parsed(&body);
    assert_eq!(s(&e.api_call.code), Some("AuthorizationFailed"));
    assert!(e.api_call.inner_codes.len() <= 32 && e.api_call.inner_codes[0] == "Inner0");
    assert!(e.response.messages.len() <= 64);
}

/// Informal fuzzing: fixtures spliced, cut and salted with the characters the scanners care about,
/// from a fixed seed. Nothing may panic, and a secret planted in the mix never comes out.
#[test]
fn mutated_fixtures_never_panic() {
    let dir = format!("{}/fixtures/text", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().to_string()))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let texts: Vec<String> = names.iter().map(|n| text(n)).collect();
    let salt = [
        "{",
        "}",
        "[",
        "]",
        "'",
        "\"",
        "\\",
        "\\\"",
        "&#39;",
        "&quot;",
        "\n",
        "\r\n",
        "AADSTS",
        "AADSTS700016: ",
        "Trace ID: ",
        "client_secret=",
        "eyJ",
        ".",
        "%",
        "+",
        "=",
        "&",
        "(",
        ")",
        ":",
        "é",
        "€",
        "\u{1F600}",
        "WWW-Authenticate: Bearer ",
        "error=\"",
        "The client '",
    ];
    let mut state: u64 = 0x5eed_1234_abcd_ef01;
    let mut next = move |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % n.max(1)
    };
    for _ in 0..1500 {
        let a = &texts[next(texts.len())];
        let b = &texts[next(texts.len())];
        let cut = |t: &str, at: usize| -> usize {
            let mut i = at.min(t.len());
            while !t.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let i = cut(a, next(a.len() + 1));
        let j = cut(b, next(b.len() + 1));
        let mut m = String::new();
        m.push_str(&a[..i]);
        for _ in 0..next(6) {
            m.push_str(salt[next(salt.len())]);
        }
        let planted = [
            "client_secret=Zz9~planted.Secret_value ",
            "\"client_secret\": \"Zz9~planted.Secret_value\"",
            "password: 'Zz9~planted.Secret_value'",
            "&password=Zz9~planted.Secret_value&",
            "\\\"client_secret\\\":\\\"Zz9~planted.Secret_value\\\"",
            "client_secret = 'Zz9~planted.Secret_value'",
            "AZURE_CLIENT_SECRET=Zz9~planted.Secret_value\n",
            "refresh_token=Zz9~planted.Secret_value",
        ];
        m.push_str(planted[next(planted.len())]);
        m.push_str(&b[j..]);
        let mut ev = Evidence::new(NOW);
        let _ = parse(&m, &mut ev);
        let json = serde_json::to_string(&ev).unwrap_or_default();
        assert!(!json.contains("planted.Secret"), "secret leaked from: {m}");
    }
}
