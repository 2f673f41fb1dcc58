//! Derived facts, computed once in Rust after the sources ran, so rule conditions stay declarative.

use super::{
    CredentialKind, Endpoint, Evidence, FederatedMatch, Flow, SignatureVerdict, TargetProblem,
    TenantKind, TokenKind,
};
use crate::knowledge::apis::{self, Api, PermissionModel};
use crate::knowledge::clouds;

/// Allowed clock difference before a time counts as "in the future".
pub const SKEW_SECONDS: i64 = 300;

/// Fills every derived field. `target` is the API the caller meant to reach: a known API, or an
/// unknown resource URI as written.
pub fn derive(ev: &mut Evidence, target: Option<Result<&'static Api, &str>>) {
    let now = ev.env.now;
    derive_request(ev);
    derive_resource(ev, target);
    derive_token(ev, now);
    derive_app(ev, now);
    derive_sp(ev);
    derive_rbac(ev, now);
    derive_dataplane(ev);
    derive_api_call(ev);
    if ev.env.cloud.is_none() {
        ev.env.cloud = ev
            .request
            .authority_host
            .as_deref()
            .and_then(clouds::by_host)
            .or_else(|| ev.token.iss.as_deref().and_then(clouds::by_issuer))
            .map(|c| c.key.to_string());
    }
    if let Some(c) = ev.env.cloud.as_deref().and_then(clouds::by_key) {
        ev.env.cloud_authority_host = Some(c.authority_host.to_string());
        ev.env.cloud_graph_host = Some(c.graph_host.to_string());
    }
}

/// True for a GUID written exactly in its 8-4-4-4-12 form (no braces, no `urn:uuid:`), the only form
/// Entra's ids take in requests and tokens.
pub fn is_guid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}

/// True for a GUID in its usual 8-4-4-4-12 form.
pub fn looks_like_guid(s: &str) -> bool {
    is_guid(s.trim())
}

const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

fn derive_request(ev: &mut Evidence) {
    let r = &mut ev.request;
    if let Some(t) = &r.tenant {
        let l = t.to_ascii_lowercase();
        r.tenant_kind = Some(match l.as_str() {
            "common" => TenantKind::Common,
            "organizations" => TenantKind::Organizations,
            "consumers" => TenantKind::Consumers,
            _ if is_guid(&l) => TenantKind::Guid,
            _ => TenantKind::Domain,
        });
        r.tenant_cloud = clouds::by_tenant_domain(t).map(|c| c.key.to_string());
    }
    r.tenant_home_authority_host = r
        .tenant_home_cloud
        .as_deref()
        .and_then(clouds::by_key)
        .map(|c| c.authority_host.to_string());
    if r.flow.is_none() {
        r.flow = r.grant_type.as_deref().and_then(|g| match g {
            "client_credentials" => Some(Flow::ClientCredentials),
            "password" => Some(Flow::Ropc),
            "authorization_code" => Some(Flow::AuthCode),
            "refresh_token" => Some(Flow::Refresh),
            "urn:ietf:params:oauth:grant-type:jwt-bearer" => Some(Flow::OnBehalfOf),
            "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => {
                Some(Flow::DeviceCode)
            }
            _ => None,
        });
    }
    r.scope_has_default = r.scopes.iter().any(|s| s.ends_with("/.default"));
    let v2 = r.endpoint == Some(Endpoint::V2);
    let v1 = r.endpoint == Some(Endpoint::V1);
    r.resource_on_v2 = v2 && r.resource.is_some() && r.scopes.is_empty();
    r.scope_on_v1 = v1 && r.resource.is_none() && !r.scopes.is_empty();
    // The resource part of what was asked for.
    let written = r.resource.clone().or_else(|| {
        r.scopes
            .iter()
            .find(|s| !OIDC_SCOPES.contains(&s.as_str()))
            .map(|s| {
                if let Some(base) = s.strip_suffix("/.default") {
                    return base.to_string();
                }
                // `https://graph.microsoft.com/User.Read` → `https://graph.microsoft.com`
                match s.find("://") {
                    Some(i) => match s[i + 3..].find('/') {
                        Some(j)
                            if !s[i + 3 + j + 1..].is_empty()
                                && !s[i + 3 + j + 1..].contains('/') =>
                        {
                            s[..i + 3 + j].to_string()
                        }
                        _ => s.clone(),
                    },
                    None => s.clone(),
                }
            })
    });
    if let Some(w) = written {
        r.target_problem = target_problem(&w, r.resource.is_some(), &r.scopes);
        r.target_api = apis::by_resource(&w).map(|a| a.key.to_string());
        r.target = Some(w);
    }
    if r.credential.is_none() {
        r.credential = if r.assertion_sent {
            Some(
                if r.assertion
                    .as_ref()
                    .is_some_and(|a| a.x5t.is_some() || a.x5t_s256.is_some())
                {
                    CredentialKind::Certificate
                } else {
                    CredentialKind::Federated
                },
            )
        } else if r.secret_sent {
            Some(CredentialKind::Secret)
        } else if r.password_sent {
            Some(CredentialKind::Password)
        } else {
            None
        };
    }
}

/// What is wrong with how a resource or scope is written.
fn target_problem(w: &str, is_resource: bool, scopes: &[String]) -> Option<TargetProblem> {
    let t = w.trim();
    if is_guid(t) {
        return None;
    }
    // A bare scope such as `User.Read` is a Microsoft Graph scope on v2: not a problem.
    if !is_resource && !t.contains('/') {
        return None;
    }
    if !t.contains("://") && !t.starts_with("api://") {
        return Some(TargetProblem::NoScheme);
    }
    if let Some(base) = scopes.iter().find_map(|s| s.strip_suffix("//.default")) {
        // `https://management.core.windows.net//.default` is right: that resource's identifier ends
        // in a slash. For a known API without such a form, the extra slash names another resource.
        if apis::by_resource(base).is_some_and(|api| !api.resource_uri.ends_with('/')) {
            return Some(TargetProblem::DoubleSlash);
        }
    }
    // A scope that is only a resource URI (`https://purview.azure.net`) names no permission.
    if !is_resource {
        if let Some(s) = scopes.iter().find(|s| s.contains("://")) {
            let after = &s[s.find("://").unwrap_or(0) + 3..];
            if !after.trim_end_matches('/').contains('/') {
                return Some(TargetProblem::NoDefaultSuffix);
            }
        }
    }
    None
}

fn derive_resource(ev: &mut Evidence, target: Option<Result<&'static Api, &str>>) {
    let api = match target {
        Some(Ok(a)) => Some(a),
        Some(Err(uri)) => {
            ev.resource.uri = Some(uri.to_string());
            None
        }
        None => ev
            .request
            .target_api
            .as_deref()
            .and_then(apis::by_key)
            .or_else(|| ev.api_call.host.as_deref().and_then(apis::by_host))
            .or_else(|| {
                ev.resource
                    .named_in_error
                    .as_deref()
                    .and_then(apis::by_resource)
            }),
    };
    if let Some(a) = api {
        let r = &mut ev.resource;
        r.api = Some(a.key.to_string());
        r.display_name
            .get_or_insert_with(|| a.display_name.to_string());
        if r.app_id.is_none() {
            r.app_id = a.app_id.map(str::to_string);
        }
        r.uri.get_or_insert_with(|| a.resource_uri.to_string());
        r.audiences = a.audiences.iter().map(|s| s.to_string()).collect();
        r.permission_model = Some(a.permission_model);
    }
}

fn derive_token(ev: &mut Evidence, now: i64) {
    if !ev.token.present {
        return;
    }
    let t = &mut ev.token;
    if let Some(exp) = t.exp {
        t.expired = exp <= now;
        t.seconds_to_expiry = Some(exp.saturating_sub(now));
        t.expires = chrono::DateTime::from_timestamp(exp, 0)
            .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    }
    t.not_yet_valid = t.nbf.is_some_and(|n| n > now.saturating_add(SKEW_SECONDS));
    t.issued_in_future = t.iat.is_some_and(|i| i > now.saturating_add(SKEW_SECONDS));
    t.delegated = !t.scp.is_empty() || t.idtyp.as_deref() == Some("user");
    t.app_only = !t.delegated
        && (t.idtyp.as_deref() == Some("app")
            || (t.user.is_none() && t.kind != Some(TokenKind::Id)));
    if let Some(aud) = &t.aud {
        let api = apis::by_resource(aud);
        t.aud_api = api.map(|a| a.key.to_string());
        t.is_graph = api.is_some_and(|a| a.key == "graph");
    }
    if t.cloud.is_none() {
        t.cloud = t
            .iss
            .as_deref()
            .and_then(clouds::by_issuer)
            .map(|c| c.key.to_string());
    }
    if t.signature.is_none() {
        t.signature = Some(if t.alg.as_deref() == Some("none") {
            SignatureVerdict::Unsigned
        } else {
            SignatureVerdict::NotChecked
        });
    }
    if t.is_graph && t.signature == Some(SignatureVerdict::NotChecked) && t.header_nonce {
        t.signature = Some(SignatureVerdict::NotVerifiableByDesign);
    }
    // Audience against the target: a known API's forms, else the URI as written.
    let target_api = ev.resource.api.as_deref().and_then(apis::by_key);
    if let Some(aud) = &t.aud {
        t.audience_matches_target = match (target_api, &ev.resource.uri) {
            (Some(api), _) => Some(apis::audience_matches(api, aud)),
            (None, Some(uri)) => {
                if apis::normalize_resource(uri) == apis::normalize_resource(aud) {
                    Some(true)
                } else if t.ver.as_deref() == Some("2.0")
                    && is_guid(aud)
                    && !is_guid(uri)
                    && ev.resource.app_id.is_none()
                {
                    // A v2 token for an API of the tenant carries the API's app id as `aud`,
                    // which the evidence does not know for an API named by its URI: untold.
                    // https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference (aud)
                    None
                } else {
                    Some(false)
                }
            }
            _ => None,
        };
    }
    // What the token is for tells the API when nothing else did.
    if ev.resource.api.is_none() && ev.resource.uri.is_none() {
        if let Some(api) = t.aud_api.as_deref().and_then(apis::by_key) {
            ev.resource.api = Some(api.key.into());
            ev.resource.display_name = Some(api.display_name.into());
            ev.resource.app_id = api.app_id.map(str::to_string);
            ev.resource.uri = Some(api.resource_uri.into());
            ev.resource.audiences = api.audiences.iter().map(|s| s.to_string()).collect();
            ev.resource.permission_model = Some(api.permission_model);
        }
    }
    if ev.request.client_id.is_none() {
        ev.request.client_id = t.client_id.clone();
    }
    if ev.request.tenant.is_none() {
        ev.request.tenant = t.tid.clone();
        if t.tid.is_some() {
            ev.request.tenant_kind = Some(TenantKind::Guid);
        }
    }
    let _ = PermissionModel::Rbac;
}

fn days_between(now: i64, end: i64) -> i64 {
    end.saturating_sub(now).div_euclid(86_400)
}

fn derive_app(ev: &mut Evidence, now: i64) {
    if let Some(a) = &mut ev.request.assertion {
        a.thumbprint = a.x5t.as_deref().and_then(x5t_to_hex);
        a.thumbprint_sha256 = a.x5t_s256.as_deref().and_then(x5t_to_hex);
        a.expired = a.exp.is_some_and(|e| e <= now);
        a.not_yet_valid = a
            .nbf
            .or(a.iat)
            .is_some_and(|n| n > now.saturating_add(SKEW_SECONDS));
    }
    let app = &mut ev.app;
    app.multi_tenant = matches!(
        app.sign_in_audience.as_deref(),
        Some("AzureADMultipleOrgs") | Some("AzureADandPersonalMicrosoftAccount")
    );
    app.spa_only = !app.spa_redirect_uris.is_empty()
        && app.web_redirect_uris.is_empty()
        && app.public_client_redirect_uris.is_empty();
    for s in &mut app.secrets {
        if let Some(end) = s.end_at {
            s.expired = end <= now;
            s.days_to_expiry = Some(days_between(now, end));
        }
    }
    for c in &mut app.certificates {
        if let Some(end) = c.end_at {
            c.expired = end <= now;
            c.days_to_expiry = Some(days_between(now, end));
        }
    }
    if let Some(a) = &ev.request.assertion {
        app.certificate_matches_assertion = certificate_matches(a, &app.certificates);
        if !app.federated_credentials.is_empty() && a.iss.is_some() && a.sub.is_some() {
            app.federated_match = Some(federated_match(a, &app.federated_credentials));
        }
    }
    app.all_secrets_expired = !app.secrets.is_empty() && app.secrets.iter().all(|s| s.expired);
    app.all_certificates_expired =
        !app.certificates.is_empty() && app.certificates.iter().all(|c| c.expired);
    app.secret_days_left = app.secrets.iter().filter_map(|s| s.days_to_expiry).max();
    // The supplied secret against the hints, without ever storing the secret.
    let r = &mut ev.request;
    if let Some(prefix) = &r.secret_prefix {
        if !app.secrets.is_empty() && !r.secret_is_guid {
            r.secret_matches_hint = Some(
                app.secrets
                    .iter()
                    .filter_map(|s| s.hint.as_deref())
                    .any(|h| !h.is_empty() && prefix.starts_with(h)),
            );
        }
    }
}

/// Whether the assertion's certificate is one registered on the app, comparing both thumbprints:
/// `x5t#S256` with the registered SHA-256 ones and `x5t` with the SHA-1 ones. A match on either is
/// a match; a mismatch needs every thumbprint that could be compared to differ; None when no pair
/// could be compared (an assertion with only `x5t#S256` against SHA-1-only registrations).
fn certificate_matches(a: &super::Assertion, certs: &[super::Certificate]) -> Option<bool> {
    if certs.is_empty() {
        return None;
    }
    let same =
        |x: &str, y: &Option<String>| y.as_deref().is_some_and(|y| y.eq_ignore_ascii_case(x));
    let mut compared = false;
    if let Some(tp) = &a.thumbprint_sha256 {
        if certs.iter().any(|c| c.thumbprint_sha256.is_some()) {
            compared = true;
            if certs.iter().any(|c| same(tp, &c.thumbprint_sha256)) {
                return Some(true);
            }
        }
    }
    if let Some(tp) = &a.thumbprint {
        if certs.iter().any(|c| c.thumbprint.is_some()) {
            compared = true;
            if certs.iter().any(|c| same(tp, &c.thumbprint)) {
                return Some(true);
            }
        }
    }
    compared.then_some(false)
}

/// A base64url thumbprint (`x5t`, SHA-1; `x5t#S256`, SHA-256) as upper-case hex.
fn x5t_to_hex(x5t: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(x5t.trim_end_matches('='))
        .ok()?;
    Some(bytes.iter().map(|b| format!("{b:02X}")).collect())
}

/// Compares an assertion with the federated credentials the way Entra does: issuer and subject
/// exactly (case-sensitive), and the audience must be one of the credential's audiences.
fn federated_match(a: &super::Assertion, creds: &[super::FederatedCredential]) -> FederatedMatch {
    let iss = a.iss.as_deref().unwrap_or("");
    let sub = a.sub.as_deref().unwrap_or("");
    let aud_ok = |c: &super::FederatedCredential| {
        a.aud.is_empty() || c.audiences.iter().any(|x| a.aud.contains(x))
    };
    if creds
        .iter()
        .any(|c| c.issuer.as_deref() == Some(iss) && c.subject.as_deref() == Some(sub) && aud_ok(c))
    {
        return FederatedMatch::Exact;
    }
    if creds.iter().any(|c| {
        c.issuer.as_deref() == Some(iss)
            && c.subject
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(sub))
    }) {
        return FederatedMatch::CaseOnly;
    }
    if creds.iter().any(|c| c.issuer.as_deref() == Some(iss)) {
        return FederatedMatch::IssuerOnly;
    }
    FederatedMatch::None
}

fn derive_sp(ev: &mut Evidence) {
    let sp = &ev.sp;
    let grants_known = sp.known;
    let mut ungranted = Vec::new();
    for p in &mut ev.app.required_permissions {
        if !grants_known {
            continue;
        }
        let same_api = |rid: &Option<String>| rid.is_some() && rid == &p.resource_app_id;
        let granted = match p.kind.as_deref() {
            Some("Role") => sp.app_roles.iter().any(|g| {
                same_api(&g.resource_app_id)
                    && (g.value.is_some() && g.value == p.value
                        || g.value.as_deref() == p.id.as_deref())
            }),
            _ => sp.delegated_grants.iter().any(|g| {
                same_api(&g.resource_app_id)
                    && g.value.as_deref().is_some_and(|v| {
                        p.value
                            .as_deref()
                            .is_some_and(|pv| v.eq_ignore_ascii_case(pv))
                    })
            }),
        };
        p.granted = Some(granted);
        if !granted {
            let name = p.value.clone().or_else(|| p.id.clone()).unwrap_or_default();
            let api = p
                .resource_name
                .clone()
                .or_else(|| p.resource_app_id.clone())
                .unwrap_or_default();
            ungranted.push(format!("{api} {name}").trim().to_string());
        }
    }
    ev.app.ungranted_permissions = ungranted;
    let user = ev.token.oid.clone().filter(|_| ev.token.delegated);
    if let (Some(oid), true) = (user, sp.known) {
        if sp.assignment_required == Some(true) {
            let direct = ev
                .sp
                .assignees
                .iter()
                .any(|a| a.principal_id.as_deref() == Some(oid.as_str()));
            // A group assignment lets its members in; without the user's memberships the
            // evidence cannot tell whether they are one, so it says nothing.
            let through_group = ev
                .sp
                .assignees
                .iter()
                .any(|a| a.principal_type.as_deref() == Some("Group"));
            ev.sp.user_assigned = if direct {
                Some(true)
            } else if through_group {
                None
            } else {
                Some(false)
            };
        }
    }
    ev.sp.blocking_policies = blocking_policies(ev);
}

/// The enabled, blocking Conditional Access policies that apply to this sign-in. A workload
/// identity (an app signing in as itself) meets only the policies that name its service principal;
/// a user signing in to the app meets the ones that include the app and target users. When the
/// kind of sign-in is unknown, both count.
fn blocking_policies(ev: &Evidence) -> Vec<String> {
    let flow = ev.request.flow;
    // Conditional Access for workload identities does not cover managed identities.
    if flow == Some(Flow::ManagedIdentity) {
        return Vec::new();
    }
    let app_only = flow == Some(Flow::ClientCredentials)
        || (flow.is_none() && ev.token.present && ev.token.app_only);
    let with_user = flow.is_some_and(|f| f != Flow::ClientCredentials)
        || (flow.is_none() && ev.token.present && ev.token.delegated);
    let unknown = !app_only && !with_user;
    // A workload identity policy covers the resources it lists; unknown when it lists none.
    let covers_target = |apps: &[String]| match ev.resource.app_id.as_deref() {
        Some(t) if !apps.is_empty() => apps.iter().any(|a| a == "All" || a.eq_ignore_ascii_case(t)),
        _ => true,
    };
    ev.sp
        .conditional_access
        .iter()
        .filter(|p| p.state.as_deref() == Some("enabled") && p.block && !p.excluded)
        .filter(|p| {
            ((app_only || unknown)
                && p.applies_to_workload_identity
                && covers_target(&p.applications))
                || ((with_user || unknown) && p.includes_app && p.includes_users)
        })
        .map(|p| {
            p.display_name
                .clone()
                .or_else(|| p.id.clone())
                .unwrap_or_else(|| "(unnamed policy)".into())
        })
        .collect()
}

/// The host of the API call, from `api_call.host` or its URL.
fn call_host(ev: &Evidence) -> Option<String> {
    ev.api_call.host.clone().or_else(|| {
        let url = ev.api_call.url.as_deref()?;
        url.split("://")
            .nth(1)
            .and_then(|r| r.split(['/', '?']).next())
            .map(str::to_string)
    })
}

fn derive_rbac(ev: &mut Evidence, now: i64) {
    if !ev.rbac.checked {
        return;
    }
    let host = call_host(ev);
    let api = ev
        .resource
        .api
        .as_deref()
        .and_then(apis::by_key)
        .or_else(|| host.as_deref().and_then(apis::by_host));
    // Unless the caller said which roles it needs, the API's own readers decide sufficiency (so a
    // role that reads only metadata, such as Key Vault Reader, never counts as enough).
    if ev.rbac.required_roles.is_empty() {
        if let Some(a) = api.filter(|a| a.permission_model == PermissionModel::Rbac) {
            ev.rbac.required_roles = apis::reader_roles_for(a, host.as_deref())
                .iter()
                .map(|r| r.to_string())
                .collect();
        }
    }
    let token_iat = ev.token.iat;
    let scope = ev
        .rbac
        .scope
        .clone()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let required: Vec<String> = ev
        .rbac
        .required_roles
        .iter()
        .map(|r| r.to_ascii_lowercase())
        .collect();
    for a in &mut ev.rbac.assignments {
        if let Some(c) = a.created_at {
            a.age_minutes = Some(now.saturating_sub(c).max(0) / 60);
            a.newer_than_token = token_iat.is_some_and(|i| c > i);
        }
        let s = a.scope.clone().unwrap_or_default().to_ascii_lowercase();
        a.inherited = !scope.is_empty() && s != scope && scope.starts_with(&s);
        a.sufficient = (required.is_empty()
            || a.role_name
                .as_deref()
                .is_some_and(|n| required.contains(&n.to_ascii_lowercase())))
            && (scope.is_empty()
                || s == scope
                || scope.starts_with(&format!("{}/", s.trim_end_matches('/')))
                || s == "/");
    }
    let sufficient: Vec<_> = ev
        .rbac
        .assignments
        .iter()
        .filter(|a| a.sufficient)
        .collect();
    ev.rbac.has_sufficient_role = !sufficient.is_empty();
    ev.rbac.youngest_sufficient_minutes = sufficient.iter().filter_map(|a| a.age_minutes).min();
    ev.rbac.sufficient_newer_than_token = sufficient.iter().any(|a| a.newer_than_token);
    let managed_identity = ev.request.flow == Some(Flow::ManagedIdentity)
        || ev
            .env
            .credential_type
            .as_deref()
            .is_some_and(|c| c.contains("ManagedIdentity"));
    let via_group = managed_identity
        && !sufficient.is_empty()
        && sufficient
            .iter()
            .all(|a| a.principal_type.as_deref() == Some("Group"));
    let window = apis::propagation_for(api, via_group);
    ev.rbac.propagation_window_minutes = Some(window.minutes);
    ev.rbac.new_token_sees_change = window.new_token_sees_it;
}

/// Purview: which collection role each data-plane API family needs.
pub fn purview_role_for(operation: &str) -> Option<&'static str> {
    match operation {
        "catalog" => Some("Data Curator"),
        "scanning" => Some("Data Source Administrator"),
        "account" | "metadata-policy" => Some("Collection Admin"),
        "devops-policy" => Some("Policy Author"),
        _ => None,
    }
}

fn derive_dataplane(ev: &mut Evidence) {
    let d = &mut ev.dataplane;
    if d.service.as_deref() == Some("purview") {
        if let Some(op) = d.operation {
            d.role_needed = purview_role_for(op.as_str()).map(str::to_string);
        }
        if let Some(need) = &d.role_needed {
            // Known only when the roles were read, or the service itself refused the call.
            let refused = ev.api_call.made && matches!(ev.api_call.status, Some(401) | Some(403));
            if !d.roles_held.is_empty() || refused {
                d.has_needed_role = Some(d.roles_held.iter().any(|r| r.eq_ignore_ascii_case(need)));
            }
            let mut on: Vec<String> = vec![];
            for r in &d.roles_elsewhere {
                if r.role.eq_ignore_ascii_case(need) && !on.contains(&r.collection) {
                    on.push(r.collection.clone());
                }
            }
            d.needed_role_on = on;
        }
    }
}

fn derive_api_call(ev: &mut Evidence) {
    ev.token.power_platform_cloud = ev
        .token
        .aud
        .as_deref()
        .and_then(clouds::power_platform_by_audience)
        .map(|c| c.key.to_string());
    ev.api_call.power_platform_cloud = ev
        .api_call
        .challenge
        .as_ref()
        .and_then(|c| c.resource.as_deref())
        .and_then(clouds::power_platform_by_audience)
        .or_else(|| {
            ev.api_call
                .host
                .as_deref()
                .and_then(clouds::power_platform_by_audience)
        })
        .map(|c| c.key.to_string());
    let from_uri = |u: &str| {
        u.trim_end_matches('/')
            .rsplit('/')
            .next()
            .filter(|t| is_guid(t))
            .map(str::to_string)
    };
    ev.api_call.expected_tenant = ev
        .api_call
        .challenge
        .as_ref()
        .and_then(|c| c.authorization_uri.as_deref())
        .and_then(from_uri)
        .or_else(|| {
            let m = ev.api_call.message.as_deref()?;
            let i = m.find("authority (URL) '")? + "authority (URL) '".len();
            let end = m[i..].find('\'')?;
            from_uri(&m[i..i + end])
        });
    if let Some(host) = &ev.api_call.host {
        ev.api_call.api = apis::by_host(host).map(|a| a.key.to_string());
    } else if let Some(url) = &ev.api_call.url {
        let host = url
            .split("://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .map(str::to_string);
        ev.api_call.api = host
            .as_deref()
            .and_then(apis::by_host)
            .map(|a| a.key.to_string());
        ev.api_call.host = host;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::Evidence;

    #[test]
    fn scope_forms() {
        let mut ev = Evidence::new(0);
        ev.request.endpoint = Some(Endpoint::V2);
        ev.request.scopes = vec!["https://purview.azure.net//.default".into()];
        derive(&mut ev, None);
        assert_eq!(
            ev.request.target_problem.map(|v| v.as_str()),
            Some("double-slash")
        );
        let mut ev = Evidence::new(0);
        ev.request.scopes = vec!["https://management.core.windows.net//.default".into()];
        derive(&mut ev, None);
        assert_eq!(ev.request.target_problem, None);
        let mut ev = Evidence::new(0);
        ev.request.resource = Some("purview.azure.net".into());
        ev.request.endpoint = Some(Endpoint::V1);
        derive(&mut ev, None);
        assert_eq!(
            ev.request.target_problem.map(|v| v.as_str()),
            Some("no-scheme")
        );
        let mut ev = Evidence::new(0);
        ev.request.scopes = vec![
            "https://graph.microsoft.com/User.Read".into(),
            "openid".into(),
        ];
        derive(&mut ev, None);
        assert_eq!(ev.request.target_api.as_deref(), Some("graph"));
        assert_eq!(ev.request.target_problem, None);
        let mut ev = Evidence::new(0);
        ev.request.scopes = vec!["https://purview.azure.net".into()];
        derive(&mut ev, None);
        assert_eq!(
            ev.request.target_problem.map(|v| v.as_str()),
            Some("no-default-suffix")
        );
        let mut ev = Evidence::new(0);
        ev.request.scopes = vec!["User.Read".into(), "openid".into()];
        derive(&mut ev, None);
        assert_eq!(ev.request.target_problem, None);
    }

    fn rbac_with(api: &str, role: &str, principal_type: &str, age_minutes: i64) -> Evidence {
        use crate::evidence::RoleAssignment;
        let now = 10_000_000;
        let mut ev = Evidence::new(now);
        ev.api_call.made = true;
        ev.api_call.status = Some(403);
        ev.api_call.url = Some(format!("https://{api}/x"));
        ev.rbac.checked = true;
        ev.rbac.scope = Some("/subscriptions/s/resourceGroups/rg".into());
        ev.rbac.assignments = vec![RoleAssignment {
            role_name: Some(role.into()),
            scope: Some("/subscriptions/s/resourceGroups/rg".into()),
            principal_type: Some(principal_type.into()),
            created_at: Some(now - age_minutes * 60),
            ..RoleAssignment::default()
        }];
        ev
    }

    /// Fact: Key Vault Reader never reads secret values, so it is not a sufficient role (a principal
    /// holding only it was told to wait for propagation).
    #[test]
    fn key_vault_reader_alone_is_not_sufficient() {
        let mut ev = rbac_with(
            "contoso.vault.azure.net",
            "Key Vault Reader",
            "ServicePrincipal",
            5,
        );
        derive(&mut ev, None);
        assert!(!ev.rbac.has_sufficient_role, "{:?}", ev.rbac.required_roles);
        let mut ev = rbac_with(
            "contoso.vault.azure.net",
            "Key Vault Secrets User",
            "ServicePrincipal",
            5,
        );
        derive(&mut ev, None);
        assert!(ev.rbac.has_sufficient_role);
        // A queue needs a queue role: a blob role is not enough.
        let mut ev = rbac_with(
            "acct.queue.core.windows.net",
            "Storage Blob Data Reader",
            "ServicePrincipal",
            5,
        );
        derive(&mut ev, None);
        assert!(!ev.rbac.has_sufficient_role);
    }

    /// Fact: the propagation window depends on the API and on how the role is held.
    #[test]
    fn propagation_window_per_api_and_principal() {
        let mut ev = rbac_with("management.azure.com", "Reader", "ServicePrincipal", 5);
        derive(&mut ev, None);
        assert_eq!(ev.rbac.propagation_window_minutes, Some(10));
        assert!(ev.rbac.new_token_sees_change);
        let mut ev = rbac_with(
            "api.applicationinsights.io",
            "Reader",
            "ServicePrincipal",
            5,
        );
        derive(&mut ev, None);
        assert_eq!(ev.rbac.propagation_window_minutes, Some(60));
        let mut ev = rbac_with(
            "contoso.vault.azure.net",
            "Key Vault Secrets User",
            "Group",
            5,
        );
        ev.request.flow = Some(Flow::ManagedIdentity);
        derive(&mut ev, None);
        assert_eq!(ev.rbac.propagation_window_minutes, Some(24 * 60));
        assert!(!ev.rbac.new_token_sees_change);
    }

    /// Fact: current assertions carry `x5t#S256` (often alone); both thumbprints are compared.
    #[test]
    fn assertion_thumbprints_both_compared() {
        use crate::evidence::{Assertion, Certificate};
        let sha256 = "AB".repeat(32);
        let x5t_s256 = "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s"; // 32 × 0xAB
        let assertion = |x5t: Option<&str>, s256: Option<&str>| Assertion {
            x5t: x5t.map(str::to_string),
            x5t_s256: s256.map(str::to_string),
            ..Assertion::default()
        };
        let run = |a: Assertion, certs: Vec<Certificate>| {
            let mut ev = Evidence::new(0);
            ev.request.assertion = Some(a);
            ev.app.certificates = certs;
            derive(&mut ev, None);
            ev
        };
        // Only x5t#S256, registered SHA-256 known: a match is found (it was not compared before).
        let ev = run(
            assertion(None, Some(x5t_s256)),
            vec![Certificate {
                thumbprint: Some("01".repeat(20)),
                thumbprint_sha256: Some(sha256.clone()),
                ..Certificate::default()
            }],
        );
        let a = ev.request.assertion.as_ref().unwrap();
        assert_eq!(a.thumbprint_sha256.as_deref(), Some(sha256.as_str()));
        assert_eq!(ev.app.certificate_matches_assertion, Some(true));
        // Only x5t#S256 against SHA-1-only registrations: not comparable, so not claimed.
        let ev = run(
            assertion(None, Some(x5t_s256)),
            vec![Certificate {
                thumbprint: Some("01".repeat(20)),
                ..Certificate::default()
            }],
        );
        assert_eq!(ev.app.certificate_matches_assertion, None);
        // SHA-256 differs but SHA-1 matches: the same certificate.
        let ev = run(
            assertion(Some("AQEBAQEBAQEBAQEBAQEBAQEBAQE"), Some(x5t_s256)),
            vec![Certificate {
                thumbprint: Some("01".repeat(20)),
                thumbprint_sha256: Some("CD".repeat(32)),
                ..Certificate::default()
            }],
        );
        assert_eq!(ev.app.certificate_matches_assertion, Some(true));
    }

    #[test]
    fn guid_shape() {
        assert!(looks_like_guid("8578e004-a5c6-46e7-913e-12f58912df43"));
        assert!(!looks_like_guid("abc~8578e004-a5c6-46e7-913e-12f58912df4"));
    }

    #[test]
    fn assertion_against_registration() {
        use crate::evidence::{Assertion, Certificate, FederatedCredential};
        let mut ev = Evidence::new(0);
        ev.request.assertion = Some(Assertion {
            iss: Some("https://token.actions.githubusercontent.com".into()),
            sub: Some("repo:Contoso/app:environment:Prod".into()),
            aud: vec!["api://AzureADTokenExchange".into()],
            x5t: Some("q83vASNFZ4mrze8BI0VniavN7wE".into()),
            ..Assertion::default()
        });
        ev.app.certificates = vec![Certificate {
            thumbprint: Some("ABCDEF".into()),
            ..Certificate::default()
        }];
        ev.app.federated_credentials = vec![FederatedCredential {
            issuer: Some("https://token.actions.githubusercontent.com".into()),
            subject: Some("repo:contoso/app:environment:prod".into()),
            audiences: vec!["api://AzureADTokenExchange".into()],
            ..FederatedCredential::default()
        }];
        derive(&mut ev, None);
        let a = ev.request.assertion.as_ref().unwrap();
        assert_eq!(
            a.thumbprint.as_deref(),
            Some("ABCDEF0123456789ABCDEF0123456789ABCDEF01")
        );
        assert_eq!(ev.app.certificate_matches_assertion, Some(false));
        assert_eq!(a.thumbprint_sha256, None);
        assert_eq!(
            ev.app.federated_match.map(|v| v.as_str()),
            Some("case-only")
        );
    }
}
