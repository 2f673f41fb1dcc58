//! The AADSTS catalog (`crates/model/src/knowledge/aadsts.tsv`): it holds every code of Microsoft's published
//! reference with the published short name, plus the common codes the reference lacks; every row is
//! well formed, every meaning is authcheck's own sentence, every rule it names exists under `rules/`,
//! and `authcheck explain` answers for every code in each of its three spellings.

use authcheck_model::knowledge::aadsts;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

/// The catalog file exactly as the binary embeds it.
const CATALOG: &str = include_str!("../crates/model/src/knowledge/aadsts.tsv");

/// Codes that real errors show but the published reference lacks. Each must be in the catalog.
const EXTRAS: &[i64] = &[
    9002326, 9002327, 9002325, 70021, 700211, 700212, 700213, 7002137, 7002138, 700024, 1002012,
    7000216, 7000229, 530084, 900023, 50148, 530003, 650051, 700222, 700051, 500113, 500014,
    500121, 700021, 500200, 500341, 700081, 9002331, 700003, 501051,
];

/// Codes real errors show often; each must be in the catalog whether or not the reference has it.
const COMMON: &[i64] = &[
    7000222, 7000229, 7000112, 700027, 700025, 50194, 500011, 650052, 700082, 50173, 90002, 53003,
    50076, 50079, 50105, 50126, 50053, 50055, 50057, 50020, 700016, 7000218, 7000215, 70011, 50011,
    54005, 70008, 50148, 501481, 90014, 900144, 50196, 90033, 530003, 530032, 53000, 53001, 53002,
    53004, 500133, 50058, 65001, 65004, 90094, 90095, 650057, 650051, 50012, 700023, 50034, 50056,
    81010, 9001023,
];

/// The code each rule is expected to diagnose: a spot check that the mapping says what the design
/// card says (DESIGN.md, "The rule catalog").
const EXPECTED_RULES: &[(i64, &str)] = &[
    (9002326, "spa-cross-origin-redemption"),
    (65001, "admin-consent-missing"),
    (50105, "user-assignment-required"),
    (70011, "invalid-scope"),
    (1002012, "invalid-scope"),
    (500011, "resource-principal-missing"),
    (650052, "resource-principal-missing"),
    (7000215, "client-secret-invalid"),
    (7000216, "client-credential-missing"),
    (7000222, "client-secret-expired"),
    (700027, "certificate-credential-invalid"),
    (700016, "app-not-found-in-tenant"),
    (7000229, "service-principal-missing"),
    (90002, "tenant-not-found"),
    (50076, "mfa-required"),
    (50079, "mfa-required"),
    (7000218, "public-client-flows-disabled"),
    (53003, "conditional-access-blocked"),
    (53000, "conditional-access-blocked"),
    (53001, "conditional-access-blocked"),
    (70021, "federated-credential-mismatch"),
    (700211, "federated-credential-mismatch"),
    (700213, "federated-credential-mismatch"),
    (50011, "redirect-uri-mismatch"),
    (700024, "clock-skew"),
    (50194, "single-tenant-app-on-common-endpoint"),
];

/// Microsoft's published list (docs/identity-platform/reference-error-codes.md of
/// MicrosoftDocs/entra-docs, April 2024): code and short name, as kept in
/// `../shared/reference/aadsts-codes.tsv`. Embedded so the test runs where that folder is absent;
/// when it is present the two must agree.
const REFERENCE: &str = r#"
AADSTS16000	InteractionRequired - user account from identity provider does not exist in tenant and cannot access the application
AADSTS16001	UserAccountSelectionInvalid
AADSTS16002	AppSessionSelectionInvalid
AADSTS160021	AppSessionSelectionInvalidSessionNotExist
AADSTS16003	SsoUserAccountNotFoundInResourceTenant
AADSTS17003	CredentialKeyProvisioningFailed
AADSTS20001	WsFedSignInResponseError
AADSTS20012	WsFedMessageInvalid
AADSTS20033	FedMetadataInvalidTenantName
AADSTS230109	CachedCredentialNonGWAuthNRequestsNotSupported
AADSTS28002	Provided value for the input parameter scope isn't valid when requesting an access token
AADSTS28003	Provided value for the input parameter scope can't be empty when redeeming an authorization code
AADSTS40008	OAuth2IdPUnretryableServerError
AADSTS40009	OAuth2IdPRefreshTokenRedemptionUserError
AADSTS40010	OAuth2IdPRetryableServerError
AADSTS40015	OAuth2IdPAuthCodeRedemptionUserError
AADSTS50000	TokenIssuanceError
AADSTS50001	InvalidResource
AADSTS50002	NotAllowedTenant
AADSTS500011	InvalidResourceServicePrincipalNotFound
AADSTS500021	Access to tenant is denied (tenant restrictions, Restrict-Access-To-Tenant)
AADSTS500022	Access to tenant is denied (tenant restrictions, Restrict-Access-To-Tenant)
AADSTS50003	MissingSigningKey
AADSTS50005	DevicePolicyError
AADSTS50006	InvalidSignature
AADSTS50007	PartnerEncryptionCertificateMissing
AADSTS50008	InvalidSamlToken
AADSTS5000819	InvalidSamlTokenEmailMissingOrInvalid
AADSTS50010	AudienceUriValidationFailed
AADSTS50011	InvalidReplyTo
AADSTS50012	AuthenticationFailed
AADSTS50013	InvalidAssertion
AADSTS500133	Assertion isn't within its valid time range
AADSTS50014	GuestUserInPendingState
AADSTS50015	ViralUserLegalAgeConsentRequiredState
AADSTS50017	CertificateValidationFailed
AADSTS50020	UserUnauthorized
AADSTS500208	The domain is not a valid login domain for the account type
AADSTS500212	NotAllowedByOutboundPolicyTenant
AADSTS500213	NotAllowedByInboundPolicyTenant
AADSTS50027	InvalidJwtToken
AADSTS50029	Invalid URI - domain name contains invalid characters
AADSTS50032	WeakRsaKey
AADSTS50033	RetryableError
AADSTS50034	UserAccountNotFound
AADSTS50042	UnableToGeneratePairwiseIdentifierWithMissingSalt
AADSTS50043	UnableToGeneratePairwiseIdentifierWithMultipleSalts
AADSTS50048	SubjectMismatchesIssuer
AADSTS50049	NoSuchInstanceForDiscovery
AADSTS50050	MalformedDiscoveryRequest
AADSTS50053	IdsLocked - account locked, or sign-in blocked from an IP with malicious activity
AADSTS50055	InvalidPasswordExpiredPassword
AADSTS50056	Invalid or null password
AADSTS50057	UserDisabled
AADSTS50058	UserInformationNotProvided
AADSTS50059	MissingTenantRealmAndNoUserInformationProvided
AADSTS50061	SignoutInvalidRequest
AADSTS50064	CredentialAuthenticationError
AADSTS50068	SignoutInitiatorNotParticipant
AADSTS50070	SignoutUnknownSessionIdentifier
AADSTS50071	SignoutMessageExpired
AADSTS50072	UserStrongAuthEnrollmentRequiredInterrupt
AADSTS50074	UserStrongAuthClientAuthNRequiredInterrupt
AADSTS50076	UserStrongAuthClientAuthNRequired
AADSTS50078	UserStrongAuthExpired
AADSTS50079	UserStrongAuthEnrollmentRequired
AADSTS50085	Refresh token needs social IDP login
AADSTS50086	SasNonRetryableError
AADSTS50087	SasRetryableError
AADSTS50088	Limit on telecom MFA calls reached
AADSTS50089	Authentication failed due to flow token expired
AADSTS50097	DeviceAuthenticationRequired
AADSTS50099	PKeyAuthInvalidJwtUnauthorized
AADSTS50105	EntitlementGrantsNotFound
AADSTS50107	InvalidRealmUri
AADSTS50120	ThresholdJwtInvalidJwtFormat
AADSTS50124	ClaimsTransformationInvalidInputParameter
AADSTS501241	Mandatory input missing from claims transformation (NameID source attribute)
AADSTS50125	PasswordResetRegistrationRequiredInterrupt
AADSTS50126	InvalidUserNameOrPassword
AADSTS50127	BrokerAppNotInstalled
AADSTS50128	Invalid domain name - no tenant-identifying information found
AADSTS50129	DeviceIsNotWorkplaceJoined
AADSTS50131	ConditionalAccessFailed
AADSTS50132	SsoArtifactInvalidOrExpired
AADSTS50133	SsoArtifactRevoked
AADSTS50134	DeviceFlowAuthorizeWrongDatacenter
AADSTS50135	PasswordChangeCompromisedPassword
AADSTS50136	RedirectMsaSessionToApp
AADSTS50139	SessionMissingMsaOAuth2RefreshToken
AADSTS50140	KmsiInterrupt
AADSTS50143	Session mismatch - user tenant doesn't match the domain hint
AADSTS50144	InvalidPasswordExpiredOnPremPassword
AADSTS50146	MissingCustomSigningKey
AADSTS501461	AcceptMappedClaims only supported for an audience matching the app GUID or a verified-domain audience
AADSTS50147	MissingCodeChallenge
AADSTS501481	The Code_Verifier doesn't match the code_challenge supplied in the authorization request
AADSTS501491	InvalidCodeChallengeMethodInvalidSize
AADSTS50155	DeviceAuthenticationFailed
AADSTS50158	ExternalSecurityChallenge
AADSTS50161	InvalidExternalSecurityChallengeConfiguration
AADSTS50166	ExternalClaimsProviderThrottled
AADSTS50168	ChromeBrowserSsoInterruptRequired
AADSTS50169	InvalidRequestBadRealm
AADSTS50170	MissingExternalClaimsProviderMapping
AADSTS50173	FreshTokenNeeded
AADSTS50177	ExternalChallengeNotSupportedForPassthroughUsers
AADSTS50178	SessionControlNotSupportedForPassthroughUsers
AADSTS50180	WindowsIntegratedAuthMissing
AADSTS50187	DeviceInformationNotProvided
AADSTS50192	RawCredentialExpectedNotFound
AADSTS50194	Application isn't configured as multitenant; /common endpoint not supported
AADSTS50196	LoopDetected
AADSTS50197	ConflictingIdentities
AADSTS50199	CmsiInterrupt
AADSTS51000	RequiredFeatureNotEnabled
AADSTS51001	DomainHintMustbePresent
AADSTS1000104	XCB2BResourceCloudNotAllowedOnIdentityTenant
AADSTS51004	UserAccountNotInDirectory
AADSTS51005	TemporaryRedirect
AADSTS51006	ForceReauthDueToInsufficientAuth
AADSTS52004	DelegationDoesNotExistForLinkedIn
AADSTS53000	DeviceNotCompliant
AADSTS53001	DeviceNotDomainJoined
AADSTS53002	ApplicationUsedIsNotAnApprovedApp
AADSTS53003	BlockedByConditionalAccess
AADSTS530035	BlockedBySecurityDefaults
AADSTS53004	ProofUpBlockedDueToRisk
AADSTS53010	ProofUpBlockedDueToSecurityInfoAcr
AADSTS53011	User blocked due to risk on home tenant
AADSTS530034	DelegatedAdminBlockedDueToSuspiciousActivity
AADSTS54000	MinorUserBlockedLegalAgeGroupRule
AADSTS54005	OAuth2 authorization code was already redeemed
AADSTS65001	DelegationDoesNotExist
AADSTS65002	Consent between first-party application and first-party resource must be configured via preauthorization
AADSTS65004	UserDeclinedConsent
AADSTS65005	MisconfiguredApplication
AADSTS650052	The app needs access to a service the organization hasn't subscribed to or enabled
AADSTS650054	The application asked for permissions to a resource that has been removed or is no longer available
AADSTS650056	Misconfigured application - permissions not listed, admin not consented, or identifier/certificate mismatch
AADSTS650057	Invalid resource - not listed in the requested permissions of the client's app registration
AADSTS67003	ActorNotValidServiceIdentity
AADSTS70000	InvalidGrant
AADSTS70001	UnauthorizedClient - the application is disabled
AADSTS700011	UnauthorizedClientAppNotFoundInOrgIdTenant
AADSTS70002	InvalidClient
AADSTS700025	InvalidClientPublicClientWithCredential
AADSTS700027	Client assertion failed signature validation
AADSTS70003	UnsupportedGrantType
AADSTS700030	Invalid certificate - subject name in certificate isn't authorized
AADSTS70004	InvalidRedirectUri
AADSTS70005	UnsupportedResponseType
AADSTS700054	Response_type 'id_token' isn't enabled for the application
AADSTS70007	UnsupportedResponseMode
AADSTS70008	ExpiredOrRevokedGrant
AADSTS700082	ExpiredOrRevokedGrantInactiveToken
AADSTS700084	Refresh token issued to a single page app (SPA) has a fixed, limited lifetime and is expired
AADSTS70011	InvalidScope
AADSTS70012	MsaServerError
AADSTS70016	AuthorizationPending
AADSTS70018	BadVerificationCode
AADSTS70019	CodeExpired
AADSTS70043	BadTokenDueToSignInFrequency
AADSTS75001	BindingSerializationError
AADSTS75003	UnsupportedBindingError
AADSTS75005	Saml2MessageInvalid
AADSTS7500514	A supported type of SAML response was not found
AADSTS750054	SAMLRequest or SAMLResponse must be present as query string parameters for SAML Redirect binding
AADSTS75008	RequestDeniedError
AADSTS75011	NoMatchedAuthnContextInOutputClaims
AADSTS75016	Saml2AuthenticationRequestInvalidNameIDPolicy
AADSTS76021	ApplicationRequiresSignedRequests
AADSTS76026	RequestIssueTimeExpired
AADSTS80001	OnPremiseStoreIsNotAvailable
AADSTS80002	OnPremisePasswordValidatorRequestTimedout
AADSTS80005	OnPremisePasswordValidatorUnpredictableWebException
AADSTS80007	OnPremisePasswordValidatorErrorOccurredOnPrem
AADSTS80010	OnPremisePasswordValidationEncryptionException
AADSTS80012	OnPremisePasswordValidationAccountLogonInvalidHours
AADSTS80013	OnPremisePasswordValidationTimeSkew
AADSTS80014	OnPremisePasswordValidationAuthenticationAgentTimeout
AADSTS81004	DesktopSsoIdentityInTicketIsNotAuthenticated
AADSTS81005	DesktopSsoAuthenticationPackageNotSupported
AADSTS81006	DesktopSsoNoAuthorizationHeader
AADSTS81007	DesktopSsoTenantIsNotOptIn
AADSTS81009	DesktopSsoAuthorizationHeaderValueWithBadFormat
AADSTS81010	DesktopSsoAuthTokenInvalid
AADSTS81011	DesktopSsoLookupUserBySidFailed
AADSTS81012	DesktopSsoMismatchBetweenTokenUpnAndChosenUpn
AADSTS90002	InvalidTenantName
AADSTS90004	InvalidRequestFormat
AADSTS90005	InvalidRequestWithMultipleRequirements
AADSTS90006	ExternalServerRetryableError
AADSTS90007	InvalidSessionId
AADSTS90008	TokenForItselfRequiresGraphPermission
AADSTS90009	TokenForItselfMissingIdenticalAppIdentifier
AADSTS90010	NotSupported - unable to create the algorithm
AADSTS9001023	The grant type isn't supported over the /common or /consumers endpoints
AADSTS90012	RequestTimeout
AADSTS90013	InvalidUserInput
AADSTS90014	MissingRequiredField
AADSTS900144	The request body must contain the following parameter: '{name}'
AADSTS90015	QueryStringTooLong
AADSTS90016	MissingRequiredClaim
AADSTS90019	MissingTenantRealm
AADSTS90020	The SAML 1.1 assertion is missing ImmutableID of the user
AADSTS90022	AuthenticatedInvalidPrincipalNameFormat
AADSTS90023	InvalidRequest - the authentication service request isn't valid
AADSTS900236	InvalidRequestSamlPropertyUnsupported
AADSTS9002313	InvalidRequest - request is malformed or invalid
AADSTS9002332	Application is configured for use by Microsoft Entra users only; do not use /consumers
AADSTS90024	RequestBudgetExceededError
AADSTS90027	Unable to issue tokens from this API version on the MSA tenant
AADSTS90033	MsodsServiceUnavailable
AADSTS90036	MsodsServiceUnretryableFailure
AADSTS90038	NationalCloudTenantRedirection
AADSTS900384	JWT token failed signature validation
AADSTS90043	NationalCloudAuthCodeRedirection
AADSTS900432	Confidential client isn't supported in cross-cloud request
AADSTS90051	InvalidNationalCloudId
AADSTS90055	TenantThrottlingError
AADSTS90056	BadResourceRequest
AADSTS900561	BadResourceRequestInvalidRequest
AADSTS90072	PassThroughUserMfaError
AADSTS90081	OrgIdWsFederationMessageInvalid
AADSTS90082	OrgIdWsFederationNotSupported
AADSTS90084	OrgIdWsFederationGuestNotAllowed
AADSTS90085	OrgIdWsFederationSltRedemptionFailed
AADSTS90086	OrgIdWsTrustDaTokenExpired
AADSTS90087	OrgIdWsFederationMessageCreationFromUriFailed
AADSTS90090	GraphRetryableError
AADSTS90091	GraphServiceUnreachable
AADSTS90092	GraphNonRetryableError
AADSTS90093	GraphUserUnauthorized
AADSTS90094	AdminConsentRequired
AADSTS900382	Confidential client isn't supported in cross-cloud request
AADSTS90095	AdminConsentRequiredRequestAccess
AADSTS90099	Application has not been authorized in the tenant (partner delegated admin pre-consent required)
AADSTS900971	No reply address provided
AADSTS90100	InvalidRequestParameter
AADSTS901002	The 'resource' request parameter isn't supported
AADSTS90101	InvalidEmailAddress
AADSTS90102	InvalidUriParameter
AADSTS90107	InvalidXml
AADSTS90114	InvalidExpiryDate
AADSTS90117	InvalidRequestInput
AADSTS90119	InvalidUserCode
AADSTS90120	InvalidDeviceFlowRequest
AADSTS90121	InvalidEmptyRequest
AADSTS90123	IdentityProviderAccessDenied
AADSTS90124	V1ResourceV2GlobalEndpointNotSupported
AADSTS90125	DebugModeEnrollTenantNotFound
AADSTS90126	DebugModeEnrollTenantNotInferred
AADSTS90130	NonConvergedAppV2GlobalEndpointNotSupported
AADSTS120000	PasswordChangeIncorrectCurrentPassword
AADSTS120002	PasswordChangeInvalidNewPasswordWeak
AADSTS120003	PasswordChangeInvalidNewPasswordContainsMemberName
AADSTS120004	PasswordChangeOnPremComplexity
AADSTS120005	PasswordChangeOnPremSuccessCloudFail
AADSTS120008	PasswordChangeAsyncJobStateTerminated
AADSTS120011	PasswordChangeAsyncUpnInferenceFailed
AADSTS120012	PasswordChangeNeedsToHappenOnPrem
AADSTS120013	PasswordChangeOnPremisesConnectivityFailure
AADSTS120014	PasswordChangeOnPremUserAccountLockedOutOrDisabled
AADSTS120015	PasswordChangeADAdminActionRequired
AADSTS120016	PasswordChangeUserNotFoundBySspr
AADSTS120018	PasswordChangePasswordDoesnotComplyFuzzyPolicy
AADSTS120020	PasswordChangeFailure
AADSTS120021	PartnerServiceSsprInternalServiceError
AADSTS130004	NgcKeyNotFound
AADSTS130005	NgcInvalidSignature
AADSTS130006	NgcTransportKeyNotFound
AADSTS130007	NgcDeviceIsDisabled
AADSTS130008	NgcDeviceIsNotFound
AADSTS135010	KeyNotFound
AADSTS135011	Device used during the authentication is disabled
AADSTS140000	InvalidRequestNonce
AADSTS140001	InvalidSessionKey
AADSTS165004	Runtime-specific message (see returned exception message)
AADSTS165900	InvalidApiRequest
AADSTS220450	UnsupportedAndroidWebViewVersion
AADSTS220501	InvalidCrlDownload
AADSTS221000	DeviceOnlyTokensNotSupportedByResource
AADSTS240001	BulkAADJTokenUnauthorized
AADSTS240002	RequiredClaimIsMissing
AADSTS501621	ClaimsTransformationTimeoutRegularExpressionTimeout
AADSTS530032	BlockedByConditionalAccessOnSecurityPolicy
AADSTS700016	UnauthorizedClient_DoesNotMatchRequest
AADSTS700020	InteractionRequired - the access grant requires interaction
AADSTS700022	InvalidMultipleResourcesScope
AADSTS700023	InvalidResourcelessScope
AADSTS7000215	Invalid client secret is provided
AADSTS7000218	The request body must contain the following parameter: 'client_assertion' or 'client_secret'
AADSTS7000222	InvalidClientSecretExpiredKeysProvided
AADSTS700229	ForbiddenTokenType
AADSTS700005	InvalidGrantRedeemAgainstWrongTenant
AADSTS1000000	UserNotBoundError
AADSTS1000002	BindCompleteInterruptError
AADSTS100007	Entra Regional only supports MSI auth or MSAL SN+I requests for Microsoft-infrastructure apps
AADSTS1000031	Application can't be accessed at this time
AADSTS7000112	UnauthorizedClientApplicationDisabled
AADSTS7000114	Application isn't allowed to make application on-behalf-of calls
AADSTS7500529	The value isn't a valid SAML ID
AADSTS9002341	V2Error invalid_grant - the user is required to permit single sign-on (SSO)
"#;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (code, short name) of the embedded reference.
fn reference() -> Vec<(i64, &'static str)> {
    REFERENCE
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (code, name) = l.split_once('\t').expect("reference line has a tab");
            let n = code
                .strip_prefix("AADSTS")
                .and_then(|d| d.parse().ok())
                .unwrap_or_else(|| panic!("bad reference code {code}"));
            (n, name)
        })
        .collect()
}

/// One raw catalog row, split strictly: exactly four columns.
struct Row {
    line: usize,
    code: i64,
    name: String,
    meaning: String,
    rule: String,
}

fn rows() -> Vec<Row> {
    let mut lines = CATALOG.lines().enumerate();
    let (_, header) = lines.next().expect("catalog is empty");
    assert_eq!(header, "code\tname\tmeaning\trule", "catalog header");
    lines
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(
                cols.len(),
                4,
                "aadsts.tsv line {}: want 4 tab-separated columns, got {}",
                i + 1,
                cols.len()
            );
            let code = cols[0]
                .strip_prefix("AADSTS")
                .and_then(|d| d.parse().ok())
                .unwrap_or_else(|| {
                    panic!(
                        "aadsts.tsv line {}: code `{}` is not AADSTS<digits>",
                        i + 1,
                        cols[0]
                    )
                });
            Row {
                line: i + 1,
                code,
                name: cols[1].to_string(),
                meaning: cols[2].to_string(),
                rule: cols[3].to_string(),
            }
        })
        .collect()
}

#[test]
fn embedded_reference_matches_the_shared_copy() {
    let shared = root().join("../shared/reference/aadsts-codes.tsv");
    let Ok(text) = std::fs::read_to_string(&shared) else {
        // The shared folder sits beside the crate in the workspace only; the embedded copy stands in.
        return;
    };
    let theirs: Vec<&str> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .collect();
    let ours: Vec<&str> = REFERENCE.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        ours,
        theirs,
        "the embedded REFERENCE differs from {}",
        shared.display()
    );
}

#[test]
fn every_published_code_is_catalogued_with_its_published_name() {
    let reference = reference();
    assert!(
        reference.len() >= 300,
        "reference has only {} codes",
        reference.len()
    );
    let mut wrong = Vec::new();
    for (code, name) in &reference {
        match aadsts::lookup(*code) {
            None => wrong.push(format!("AADSTS{code}: missing")),
            Some(c) if c.name != *name => wrong.push(format!(
                "AADSTS{code}: name `{}`, published `{name}`",
                c.name
            )),
            Some(_) => {}
        }
    }
    assert!(
        wrong.is_empty(),
        "{} published codes wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn every_extra_and_common_code_is_catalogued() {
    let published: BTreeSet<i64> = reference().into_iter().map(|(c, _)| c).collect();
    let missing: Vec<String> = EXTRAS
        .iter()
        .chain(COMMON)
        .filter(|c| aadsts::lookup(**c).is_none())
        .map(|c| format!("AADSTS{c}"))
        .collect();
    assert!(
        missing.is_empty(),
        "not in the catalog: {}",
        missing.join(", ")
    );
    // An extra must really be an extra: a published code keeps its published name, checked above.
    let published_extras: Vec<String> = EXTRAS
        .iter()
        .filter(|c| published.contains(c))
        .map(|c| format!("AADSTS{c}"))
        .collect();
    assert!(
        published_extras.is_empty(),
        "listed as extras but published: {}",
        published_extras.join(", ")
    );
}

#[test]
fn rows_are_well_formed_and_unique() {
    let rows = rows();
    let mut seen: BTreeMap<i64, usize> = BTreeMap::new();
    for r in &rows {
        if let Some(first) = seen.insert(r.code, r.line) {
            panic!("AADSTS{} appears on lines {first} and {}", r.code, r.line);
        }
        for (what, v) in [("name", &r.name), ("meaning", &r.meaning)] {
            assert!(
                !v.trim().is_empty(),
                "AADSTS{} (line {}): empty {what}",
                r.code,
                r.line
            );
            assert_eq!(
                v.trim(),
                v.as_str(),
                "AADSTS{} (line {}): {what} has stray spaces",
                r.code,
                r.line
            );
        }
        assert_eq!(
            r.rule.trim(),
            r.rule,
            "AADSTS{}: rule has stray spaces",
            r.code
        );
        assert!(
            r.code > 0 && r.code < 1_000_000_000,
            "AADSTS{}: out of range",
            r.code
        );
    }
    // The library reads every row: nothing is dropped by its lenient parser.
    assert_eq!(
        aadsts::all().len(),
        rows.len(),
        "aadsts::all() and the file disagree on the row count"
    );
    let codes: Vec<i64> = aadsts::all().iter().map(|c| c.code).collect();
    assert!(
        codes.windows(2).all(|w| w[0] < w[1]),
        "aadsts::all() is not strictly ordered"
    );
}

#[test]
fn meanings_are_sentences_of_our_own() {
    let mut bad = Vec::new();
    for r in rows() {
        let (m, n) = (r.meaning.to_lowercase(), r.name.to_lowercase());
        if m == n || m.contains(&n) {
            bad.push(format!("AADSTS{}: meaning repeats the name", r.code));
        }
        if r.meaning.len() < 25 || !r.meaning.ends_with(['.', ')']) {
            bad.push(format!(
                "AADSTS{}: meaning is not a sentence: `{}`",
                r.code, r.meaning
            ));
        }
        if r.meaning.contains("{{") || r.meaning.contains("TODO") {
            bad.push(format!("AADSTS{}: meaning has a placeholder", r.code));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn spot_checked_codes_map_to_the_designed_rule() {
    let wrong: Vec<String> = EXPECTED_RULES
        .iter()
        .filter_map(|(code, rule)| {
            let got = aadsts::lookup(*code).and_then(|c| c.rule);
            (got != Some(*rule)).then(|| format!("AADSTS{code}: rule {got:?}, want {rule}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_named_rule_has_a_rule_file() {
    let mut missing: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for r in rows() {
        if r.rule.is_empty() {
            continue;
        }
        assert!(
            r.rule
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "AADSTS{}: rule `{}` is not a kebab-case rule name",
            r.code,
            r.rule
        );
        if !root()
            .join("rules")
            .join(format!("{}.toml", r.rule))
            .is_file()
        {
            missing.entry(r.rule.clone()).or_default().push(r.code);
        }
    }
    let list: Vec<String> = missing
        .iter()
        .map(|(rule, codes)| {
            format!(
                "rules/{rule}.toml (named by {} codes, e.g. AADSTS{})",
                codes.len(),
                codes[0]
            )
        })
        .collect();
    assert!(
        missing.is_empty(),
        "{} rule files missing:\n{}",
        missing.len(),
        list.join("\n")
    );
}

#[test]
fn every_code_is_found_in_all_three_spellings() {
    for c in aadsts::all() {
        for form in [
            format!("AADSTS{}", c.code),
            format!("aadsts{}", c.code),
            c.code.to_string(),
        ] {
            let parsed = aadsts::parse_code(&form);
            assert_eq!(parsed, Some(c.code), "parse_code({form})");
            assert_eq!(
                aadsts::lookup(c.code).map(|e| e.name),
                Some(c.name),
                "lookup({form})"
            );
        }
        if let Some(rule) = c.rule {
            assert!(aadsts::codes_for_rule(rule)
                .iter()
                .any(|e| e.code == c.code));
        }
    }
}

fn explain(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_authcheck"))
        .arg("explain")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run authcheck")
}

/// A spread of codes: the extras, the design card's examples, the smallest and largest numbers.
fn sample() -> Vec<i64> {
    let all = aadsts::all();
    let mut v = vec![
        9002326, 65001, 50105, 70011, 1002012, 500011, 7000215, 7000216, 7000222, 700027, 700016,
        7000229, 90002, 50076, 7000218, 53003, 70021, 50011, 700024, 50194,
    ];
    v.push(all[0].code);
    v.push(all[all.len() - 1].code);
    v.push(16000); // a published name with spaces and punctuation
    v
}

#[test]
fn explain_answers_for_a_sample_in_every_spelling() {
    for code in sample() {
        let entry = aadsts::lookup(code).unwrap_or_else(|| panic!("AADSTS{code} not catalogued"));
        for form in [
            format!("AADSTS{code}"),
            format!("aadsts{code}"),
            code.to_string(),
        ] {
            let out = explain(&[&form]);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                out.status.code(),
                Some(0),
                "explain {form}: stderr {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                stdout.contains(&format!("AADSTS{code}")),
                "explain {form}: no code in\n{stdout}"
            );
            assert!(
                stdout.contains(entry.name),
                "explain {form}: no name in\n{stdout}"
            );
        }
    }
}

#[test]
fn explain_json_carries_the_catalog_entry() {
    for code in [9002326, 7000229, 16000] {
        let out = explain(&[&format!("AADSTS{code}"), "--format", "json"]);
        assert_eq!(out.status.code(), Some(0));
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("explain --format json is JSON");
        let entry = aadsts::lookup(code).unwrap();
        assert_eq!(v["code"], format!("AADSTS{code}"));
        assert_eq!(v["name"], entry.name);
        assert_eq!(v["meaning"], entry.meaning);
    }
}

#[test]
fn explain_refuses_an_unknown_code_with_one_line() {
    let out = explain(&["AADSTS1"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "stderr: {stderr}");
    assert!(stderr.contains("AADSTS1"), "stderr: {stderr}");
}

/// Pages Microsoft moved: a link to the old address is a dead link in a finding.
#[test]
fn rules_link_no_moved_page() {
    const MOVED: &[(&str, &str)] = &[(
        "https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant\"",
        "…/v2-oauth2-client-creds-grant-flow",
    )];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (old, new) in MOVED {
            assert!(
                !text.contains(old),
                "{}: links {old} (now {new})",
                path.display()
            );
        }
    }
}

/// Fact (Microsoft Learn, "Grant tenant-wide admin consent to an application"): only Privileged
/// Role Administrator (or a custom role) may consent to Microsoft Graph application permissions;
/// Cloud Application Administrator and Application Administrator may not. No fix may say they can.
#[test]
fn no_rule_says_app_administrators_can_grant_graph_application_permissions() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            let claims_graph_app = line.contains("Graph application permissions")
                && line.contains("Cloud Application Administrator");
            let says_only_pra = line.contains("need a Privileged Role Administrator")
                || line.contains("Privileged Role Administrator (or a custom role");
            assert!(
                !claims_graph_app || says_only_pra,
                "{}: {line}",
                path.display()
            );
        }
    }
}

/// Portal paths follow the current Entra admin center navigation (Entra ID > App registrations,
/// Enterprise apps, Conditional Access, Users): the older Identity > Applications and Protection >
/// menus are gone.
#[test]
fn portal_paths_follow_the_current_admin_center() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for stale in [
            "> Identity > Applications",
            "> Protection > Conditional Access",
            "> Identity > Users",
            "> Identity > Overview",
            "> Identity > Monitoring",
        ] {
            assert!(!text.contains(stale), "{}: {stale}", path.display());
        }
    }
}

/// Fact (Microsoft Learn, "Public client and confidential client applications"; the ROPC and device
/// code pages): for username/password and device code, "Allow public client flows"
/// (`isFallbackPublicClient`) alone decides whether the app is public; a Mobile and desktop
/// redirect URI does not help. No rule may say it does.
#[test]
fn no_rule_says_a_desktop_redirect_uri_allows_ropc_or_device_code() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let claim = regex::Regex::new(
        r"(?is)(public client flows|isFallbackPublicClient)`?\)?\s+turned on\s+or\s+a\s+Mobile\s+and\s+desktop redirect URI",
    )
    .unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!claim.is_match(&text), "{}", path.display());
    }
    let rule = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("rules/public-client-flows-disabled.toml"),
    )
    .unwrap();
    assert!(rule.contains("does not make them public"));
}

fn triage_json(fixture: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_authcheck"))
        .args(["triage", "--format", "json"])
        .arg(root().join(fixture))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Fact (Microsoft Learn, national clouds): US Government tenants are `*.onmicrosoft.us`, China's
/// `*.partner.onmschina.cn`; a custom domain ending in `.us` or `.cn` is no evidence of a national
/// cloud, so it must not send the user to another cloud.
#[test]
fn a_custom_us_domain_is_no_evidence_of_a_national_cloud() {
    let custom = triage_json(
        "fixtures/rules/tenant-not-found/fire-aadsts--custom-us-domain-is-no-cloud.txt",
    );
    assert!(custom.contains("tenant-not-found"), "{custom}");
    assert!(!custom.contains("AzureUSGovernment"), "{custom}");
    assert!(!custom.contains("initial domain"), "{custom}");
    let gov =
        triage_json("fixtures/rules/tenant-not-found/fire-wrong-cloud-domain--usgov-domain.txt");
    assert!(gov.contains("AzureUSGovernment"), "{gov}");
}

/// Facts (Azure CLI source, `admin_consent`: "not yet supported on sovereign clouds"; Microsoft
/// Learn, national clouds): outside the public cloud the fix gives the cloud's own consent URL and
/// Graph, never `az ad app permission admin-consent`; in the public cloud it keeps the command.
#[test]
fn admin_consent_fix_follows_the_cloud() {
    let gov = triage_json("fixtures/rules/admin-consent-missing/fire-aadsts--usgov-65001.txt");
    assert!(gov.contains("admin-consent-missing"), "{gov}");
    assert!(
        !gov.contains("\"command\": \"az ad app permission admin-consent"),
        "{gov}"
    );
    assert!(
        gov.contains("https://login.microsoftonline.us/fabrikamgov.onmicrosoft.us/adminconsent"),
        "{gov}"
    );
    assert!(gov.contains("graph.microsoft.us"), "{gov}");
    let public = triage_json("fixtures/rules/admin-consent-missing/fire-aadsts--msal-python.txt");
    assert!(
        public.contains("az ad app permission admin-consent"),
        "{public}"
    );
    assert!(
        public.contains("https://login.microsoftonline.com/"),
        "{public}"
    );
}

/// Fact: application permissions are added with `=Role`; `=Scope` is for delegated ones.
#[test]
fn application_permissions_are_added_as_roles() {
    let rule = std::fs::read_to_string(root().join("rules/admin-consent-missing.toml")).unwrap();
    assert!(rule.contains("=Role\""), "no =Role command");
    for line in rule.lines().filter(|l| l.contains("=Scope")) {
        assert!(!line.contains("client-credentials"), "{line}");
    }
}
