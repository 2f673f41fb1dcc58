//! Which SDK or tool printed the text, which credential class and exception it names, whether it
//! ran in a browser or unattended, and the exception/CLI message lines themselves.

use super::util::{self, re};
use super::Ctx;
use authcheck_model::evidence::Evidence;

const CREDENTIALS: &str = r"\b(DefaultAzureCredential|ChainedTokenCredential|(?:Environment|ManagedIdentity|ClientSecret|ClientCertificate|ClientAssertion|WorkloadIdentity|AzureCli|AzureCLI|AzurePowerShell|AzureDeveloperCli|AzureDeveloperCLI|VisualStudio|VisualStudioCode|SharedTokenCache|InteractiveBrowser|DeviceCode|UsernamePassword|OnBehalfOf|AzurePipelines|AuthorizationCode|Broker)Credential)\b";

const EXCEPTIONS: &str = r"\b(ClientAuthenticationError|CredentialUnavailableError|HttpResponseError|ResourceNotFoundError|AuthenticationFailedException|CredentialUnavailableException|RequestFailedException|AggregateAuthenticationError|AuthenticationRequiredError|AuthenticationError|ClientAuthenticationException|HttpResponseException|MsalServiceException|MsalUiRequiredException|MsalClientException|MsalInteractionRequiredException|MsalException|InteractionRequiredAuthError|BrowserAuthError|ClientAuthError|ServerError|ODataError|ServiceException|ErrorResponseException|AdalServiceException|RestError)\b";

/// Credentials that run without a user at the keyboard.
const UNATTENDED: &[&str] = &[
    "ClientSecretCredential",
    "ClientCertificateCredential",
    "ClientAssertionCredential",
    "ManagedIdentityCredential",
    "WorkloadIdentityCredential",
    "EnvironmentCredential",
    "AzurePipelinesCredential",
    "OnBehalfOfCredential",
    "UsernamePasswordCredential",
];

pub fn scan(t: &str, ev: &mut Evidence, cx: &mut Ctx) {
    let has = |p: &regex::Regex| p.is_match(t);
    let sdk = if has(re!(
        r"(?m)\b(?:Connect|Get|New|Update|Remove|Set|Invoke|Add)-Mg[A-Za-z]+|Microsoft\.Graph\.PowerShell|Microsoft\.Graph\.Authentication"
    )) {
        Some("graph-powershell")
    } else if has(re!(
        r"\b(?:Connect-AzAccount|Get-AzAccessToken|(?:Get|New|Set|Remove|Update|Invoke)-Az[A-Z][A-Za-z]+)\b|Microsoft\.Azure\.Commands|Microsoft\.Azure\.PowerShell"
    )) {
        Some("az-powershell")
    } else if has(re!(
        r"azure[./\\]identity|aka\.ms/azsdk/python|azure\.core\.exceptions|\.get_token(?:_info)? failed"
    )) && !has(re!(
        r"@azure/identity|Azure\.Identity\.|com\.azure\.identity"
    )) {
        Some("azure-identity-python")
    } else if has(re!(
        r"com\.azure\.identity|com\.azure\.core\.exception|aka\.ms/azsdk/java"
    )) {
        Some("azure-identity-java")
    } else if has(re!(
        r"Azure\.Identity\.|aka\.ms/azsdk/net|AuthenticationFailedException|CredentialUnavailableException|Azure\.RequestFailedException|RequestFailedException"
    )) {
        Some("azure-identity-dotnet")
    } else if has(re!(
        r"@azure/identity|aka\.ms/azsdk/js|\b(?:AggregateAuthenticationError|AuthenticationRequiredError|CredentialUnavailableError|AuthenticationError):|node_modules[/\\]@azure[/\\]identity"
    )) {
        Some("azure-identity-js")
    } else if has(re!(r"com\.microsoft\.aad\.msal4j")) {
        Some("msal-java")
    } else if has(re!(
        r"Microsoft\.Identity\.Client|MsalServiceException|MsalUiRequiredException|MsalClientException|MSAL\.(?:NetCore|Desktop|Xamarin|NetStandard)"
    )) {
        Some("msal-dotnet")
    } else if has(re!(
        r"@azure/msal-|msal-browser|msal-node|\b(?:ServerError|InteractionRequiredAuthError|BrowserAuthError|ClientAuthError):|\b[a-z_]{5,40}:\s*\d{4,9}\s*-\s*\["
    )) {
        Some("msal-js")
    } else if has(re!(
        r"(?m)\bimport msal\b|msal[/\\]application\.py|\bacquire_token_(?:for_client|by_|silent|interactive|on_behalf_of)|^\s*\{\s*'error'\s*:"
    )) {
        Some("msal-python")
    } else if has(re!(
        r"(?m)^ERROR:\s|\baz (?:login|account|role|ad|rest)\b|azure[/\\]cli|Please run 'az login'"
    )) {
        Some("az-cli")
    } else if has(re!(
        r"has been blocked by CORS policy|Access to (?:XMLHttpRequest|fetch) at"
    )) {
        Some("browser")
    } else {
        None
    };
    if ev.env.sdk.is_none() {
        ev.env.sdk = sdk.map(str::to_string);
    }
    if ev.env.credential_type.is_none() {
        if let Some(c) = re!(CREDENTIALS).captures(t) {
            ev.env.credential_type = Some(c[1].replace("CLI", "Cli"));
        }
    }
    // The flow the credential class or MSAL method implies.
    if ev.request.grant_type.is_none() {
        let by_credential = match ev.env.credential_type.as_deref() {
            Some(
                "ClientSecretCredential"
                | "ClientCertificateCredential"
                | "ClientAssertionCredential"
                | "WorkloadIdentityCredential"
                | "AzurePipelinesCredential",
            ) => Some("client_credentials"),
            Some("UsernamePasswordCredential") => Some("password"),
            Some("OnBehalfOfCredential") => Some("urn:ietf:params:oauth:grant-type:jwt-bearer"),
            Some("DeviceCodeCredential") => Some("device_code"),
            _ => None,
        };
        let by_method = || {
            let c = re!(r"(?i)\b(?:AcquireTokenByUsernamePassword|acquire_token_by_username_password|UsernamePasswordRequest|AcquireTokenForClient|acquire_token_for_client|acquireTokenByClientCredential|ClientCredentialRequest|AcquireTokenOnBehalfOf|acquire_token_on_behalf_of|acquireTokenOnBehalfOf|OnBehalfOfRequest|AcquireTokenWithDeviceCode|acquire_token_by_device_flow|acquireTokenByDeviceCode|DeviceCodeRequest)\b").find(t)?;
            let l = c.as_str().to_ascii_lowercase();
            Some(if l.contains("username") {
                "password"
            } else if l.contains("behalf") {
                "urn:ietf:params:oauth:grant-type:jwt-bearer"
            } else if l.contains("device") {
                "device_code"
            } else {
                "client_credentials"
            })
        };
        // The device code prompt itself.
        let by_prompt = || {
            re!(r"(?i)microsoft\.com/devicelogin|enter the code \S+ to authenticate")
                .is_match(t)
                .then_some("urn:ietf:params:oauth:grant-type:device_code")
        };
        ev.request.grant_type = by_credential
            .or_else(by_method)
            .or_else(by_prompt)
            .map(str::to_string);
    }
    if ev.request.flow.is_none()
        && ev.request.grant_type.is_none()
        && ev.env.credential_type.as_deref() == Some("ManagedIdentityCredential")
    {
        ev.request.flow = Some(authcheck_model::evidence::Flow::ManagedIdentity);
    }
    if ev.env.exception_type.is_none() {
        if let Some(c) = re!(EXCEPTIONS).captures(t) {
            ev.env.exception_type = Some(c[1].to_string());
        }
    }
    if matches!(sdk, Some("browser"))
        || has(re!(
            r"msal-browser|BrowserAuthError|has been blocked by CORS policy|Cross-origin token redemption"
        ))
    {
        ev.env.browser = true;
    }
    let unattended_credential = ev
        .env
        .credential_type
        .as_deref()
        .is_some_and(|c| UNATTENDED.contains(&c));
    if unattended_credential
        || has(re!(
            r"(?m)##\[error\]|##vso\[|\bGITHUB_ACTIONS\b|/home/runner/work/|\bazure/login@|\bAzureCLI@\d|\bAzurePowerShell@\d|\bAZURE_FEDERATED_TOKEN_FILE\b|\bBUILD_BUILDID\b|\bJENKINS_URL\b|\bTF_BUILD\b|^\s*Run azure/"
        ))
    {
        ev.env.non_interactive = true;
    }

    // The message lines themselves.
    for c in
        re!(r"(?m)^\s*(?:[A-Za-z_][\w.]*\.)?([A-Z][A-Za-z]*(?:Error|Exception))\s*:\s*(.{3,})$")
            .captures_iter(t)
            .take(16)
    {
        cx.message(&c[2]);
    }
    for c in re!(r"(?m)^\s*(?:ERROR|Error)\s*:\s*(.{3,})$")
        .captures_iter(t)
        .take(16)
    {
        cx.message(&c[1]);
    }
    // PowerShell: `Connect-AzAccount : …`, `Get-MgUser_List: …`.
    for c in re!(r"(?m)^\s*(?:Get|Set|New|Remove|Update|Connect|Disconnect|Invoke|Add|Start|Stop|Test|Grant|Revoke|Import|Export|Register|Select)-[A-Za-z]+(?:_\w+)?\s*:\s*(.{3,})$").captures_iter(t).take(16) {
        // `Set-Cookie:` is an HTTP header, not a cmdlet: its value is a secret, never a message.
        if c[0].trim_start().to_ascii_lowercase().starts_with("set-cookie") {
            continue;
        }
        cx.message(&c[1]);
    }
    // DefaultAzureCredential's summary: one line per credential tried.
    for m in re!(r"(?m)^[\s\-*]*(?:[A-Z][A-Za-z]+Credential)\s*:\s*.{3,}$")
        .find_iter(t)
        .take(16)
    {
        cx.message(m.as_str().trim().trim_start_matches(['-', '*']).trim());
    }
    // `XCredential authentication failed: …` / `….get_token failed: …` inside a line.
    for m in re!(r"[A-Z][A-Za-z]+Credential(?:\.get_token(?:_info)?)?\s+(?:authentication\s+)?(?:failed|unavailable)[^\n]*").find_iter(t).take(8) {
        cx.message(m.as_str());
        cx.phrase = true;
    }
    // Pages and conditions without codes.
    // Only a text holding one of the phrases can match (the pattern is large: skip compiling it).
    let known = [
        "Need admin approval",
        "needs permission to access resources in your organization that only an admin can grant",
        "Cross-origin token redemption is permitted only",
        "No identity has been assigned to this resource",
        "Identity not found",
        "IMDS endpoint",
        "169.254.169.254",
        "managed identity endpoint",
        "ManagedIdentityCredential authentication unavailable",
        "EnvironmentCredential authentication unavailable",
        "failed to retrieve a token from the included credentials",
        "Please run 'az login'",
        "Internal Server Error",
        "Bad Gateway",
        "Service Unavailable",
        "Gateway Timeout",
        "Too Many Requests",
        "temporarily unavailable",
        "temporarily_unavailable",
        "IDX10223",
        "IDX10214",
        "IDX10205",
        "IDX10501",
        "IDX10511",
        "Lifetime validation failed",
        "The token is expired",
        "token has expired",
        "has been blocked by CORS policy",
    ];
    let phrases = if known.iter().any(|k| util::has_ci(t, k)) {
        re!(r"(?im)^.*(?:Need admin approval|needs permission to access resources in your organization that only an admin can grant|Cross-origin token redemption is permitted only|No identity has been assigned to this resource|Identity not found|no response from the IMDS endpoint|IMDS endpoint|169\.254\.169\.254|managed identity endpoint|No managed identity endpoint found|ManagedIdentityCredential authentication unavailable|EnvironmentCredential authentication unavailable|failed to retrieve a token from the included credentials|Please run 'az login'|\b(?:500|502|503|504|429)\b.{0,40}(?:Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout|Too Many Requests)|temporarily unavailable|temporarily_unavailable|IDX10223|IDX10214|IDX10205|IDX10501|IDX10511|Lifetime validation failed|The token is expired|token has expired|has been blocked by CORS policy).*$").find_iter(t).take(16).collect()
    } else {
        Vec::new()
    };
    for m in phrases {
        cx.phrase = true;
        if super::api::looks_like_json_line(m.as_str()) {
            continue;
        }
        cx.message(m.as_str().trim());
    }
    let _ = util::collapse_ws("");
}
