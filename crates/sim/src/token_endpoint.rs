//! The token endpoints, `/{tenant}/oauth2/token` (v1, `resource`) and `/{tenant}/oauth2/v2.0/token`
//! (v2, `scope`): client credentials with a secret, a certificate assertion or a federated
//! assertion, and password (ROPC). Each request walks Entra's checks in Entra's order and stops at
//! the first refusal, answering with Entra's body and status.

use super::aad_error::{self as e, AadError};
use super::http::{Reply, Req};
use super::tokens::{self, ClientAuth, Grant};
use super::world::{App, ResourceRef, User, World};
use super::Sim;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What a refresh token stands for.
#[derive(Debug, Clone)]
pub struct RefreshEntry {
    pub app_id: String,
    pub upn: String,
    pub issued: i64,
}

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const OIDC_SCOPES: &[&str] = &["openid", "profile", "offline_access", "email"];

/// Answers one token request.
pub fn handle(sim: &Sim, req: &Req, tenant_seg: &str, v2: bool) -> Reply {
    let corr = req.correlation_id();
    let trace = uuid::Uuid::new_v4().to_string();
    match decide(sim, req, tenant_seg, v2) {
        Ok(v) => Reply::json(200, &v)
            .header("client-request-id", corr)
            .header("x-ms-request-id", trace)
            .header("x-ms-ests-server", "2.1.19683.7 - authcheck-sim")
            .header("Cache-Control", "no-store, no-cache")
            .header("Pragma", "no-cache"),
        Err(err) => error_reply(&err, &trace, &corr, req.now, &sim.info.authority),
    }
}

/// The reply for a refusal.
pub fn error_reply(err: &AadError, trace: &str, corr: &str, now: i64, authority: &str) -> Reply {
    Reply::json(err.status, &err.body(trace, corr, now, authority))
        .header("client-request-id", corr)
        .header("x-ms-request-id", trace)
        .header("x-ms-ests-server", "2.1.19683.7 - authcheck-sim")
        .header("Cache-Control", "no-store, no-cache")
        .header("Pragma", "no-cache")
}

use authcheck_model::evidence::derive::is_guid;

fn looks_like_domain(s: &str) -> bool {
    s.contains('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

/// What the request asks for: the resource URI as written and the permissions named.
pub struct Target {
    /// The resource as the client wrote it (`https://purview.azure.net`).
    pub resource: String,
    /// Explicit permissions (`User.Read`) when not `.default`.
    pub permissions: Vec<String>,
    /// Only OpenID Connect scopes were asked (`openid profile email offline_access`): Entra
    /// answers with a token for Microsoft Graph, which hosts those scopes and the UserInfo
    /// endpoint ("If you request the OpenID Connect scopes and a token, you'll get a token to call
    /// the UserInfo endpoint", https://learn.microsoft.com/entra/identity-platform/scopes-oidc#openid-connect-scopes;
    /// UserInfo "is hosted by Microsoft Graph", https://learn.microsoft.com/entra/identity-platform/userinfo).
    pub oidc_only: bool,
}

/// Microsoft Graph's app id: the audience of the token an OpenID-only sign-in gets.
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// What a v2 `scope` or a v1 `resource` asks for.
pub fn target_of(scope: &str, v2: bool) -> Result<Target, AadError> {
    if v2 {
        parse_scopes(scope)
    } else if scope.trim().is_empty() {
        Err(e::missing_parameter("resource"))
    } else {
        Ok(Target {
            resource: scope.trim().to_string(),
            permissions: vec![],
            oidc_only: false,
        })
    }
}

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

fn parse_scopes(scope: &str) -> Result<Target, AadError> {
    let mut resource: Option<String> = None;
    let mut permissions = vec![];
    let mut oidc = vec![];
    for s in scope.split_whitespace() {
        let l = s.to_ascii_lowercase();
        if OIDC_SCOPES.contains(&l.as_str()) {
            // `offline_access` asks for a refresh token; it is no permission in the token.
            if l != "offline_access" && !oidc.contains(&l) {
                oidc.push(l);
            }
            continue;
        }
        let (res, perm) = if let Some(r) = s.strip_suffix("/.default") {
            (r.to_string(), None)
        } else if let Some(idx) = s.rfind('/') {
            let head = &s[..idx];
            let bare_uri = head.ends_with(':') || (head.ends_with('/') && !head.ends_with("//"));
            if bare_uri || idx + 1 == s.len() {
                (s.to_string(), None)
            } else if s[..idx].contains("://") || s[..idx].starts_with("api:") {
                (s[..idx].to_string(), Some(s[idx + 1..].to_string()))
            } else {
                (s.to_string(), None)
            }
        } else if s.contains("://") || s.starts_with("api:") {
            (s.to_string(), None)
        } else {
            // A bare permission name is a Microsoft Graph scope.
            (
                "https://graph.microsoft.com".to_string(),
                Some(s.to_string()),
            )
        };
        if let Some(p) = perm {
            permissions.push(p);
        }
        match &resource {
            None => resource = Some(res),
            Some(prev) if prev != &res => return Err(e::scope_invalid(scope)),
            _ => {}
        }
    }
    match resource {
        Some(resource) => Ok(Target {
            resource,
            permissions,
            oidc_only: false,
        }),
        None if !oidc.is_empty() => Ok(Target {
            resource: GRAPH_APP_ID.to_string(),
            permissions: oidc,
            oidc_only: true,
        }),
        None => Err(e::scope_invalid(scope)),
    }
}

fn decide(sim: &Sim, req: &Req, tenant_seg: &str, v2: bool) -> Result<Value, AadError> {
    let w = &sim.world;
    if req.method != "POST" {
        return Err(e::post_only(&req.method));
    }
    // The tenant in the path.
    let multi = matches!(
        tenant_seg.to_ascii_lowercase().as_str(),
        "common" | "organizations"
    );
    if !multi && !w.is_this_tenant(tenant_seg) {
        if is_guid(tenant_seg) || looks_like_domain(tenant_seg) {
            return Err(e::tenant_not_found(tenant_seg));
        }
        return Err(e::tenant_malformed(tenant_seg));
    }
    let form = req.form();
    let get = |k: &str| form.get(k).map(String::as_str);
    let grant = get("grant_type").filter(|g| !g.is_empty());
    let Some(grant) = grant else {
        return Err(e::missing_parameter("grant_type"));
    };
    if !matches!(
        grant,
        "client_credentials" | "password" | "refresh_token" | "authorization_code" | DEVICE_GRANT
    ) {
        return Err(e::unsupported_grant(grant));
    }
    let Some(client_id) = get("client_id").filter(|c| !c.is_empty()) else {
        return Err(e::missing_parameter("client_id"));
    };
    if !is_guid(client_id) {
        return Err(e::client_id_malformed(client_id));
    }
    if grant == "authorization_code" || grant == DEVICE_GRANT {
        return signin_grant(sim, req, tenant_seg, v2, multi, grant, client_id, &form);
    }
    // What is asked for.
    let target = if v2 {
        if get("resource").is_some() && get("scope").is_none() {
            return Err(e::resource_on_v2());
        }
        let Some(scope) = get("scope").filter(|s| !s.trim().is_empty()) else {
            return Err(e::missing_parameter("scope"));
        };
        if grant == "client_credentials" {
            // Every scope of a client-credentials request, OpenID ones included, must be a
            // `/.default`; Entra names the first that is not.
            if let Some(bad) = scope.split_whitespace().find(|s| !s.ends_with("/.default")) {
                return Err(e::scope_needs_default(bad));
            }
        }
        parse_scopes(scope)?
    } else {
        let Some(resource) = get("resource").filter(|s| !s.trim().is_empty()) else {
            return Err(e::missing_parameter("resource"));
        };
        Target {
            resource: resource.to_string(),
            permissions: vec![],
            oidc_only: false,
        }
    };
    // The client.
    let Some(app) = w.app_by_client_id(client_id) else {
        return Err(e::app_not_found(client_id, w.tenant_name()));
    };
    if multi && !app.multi_tenant() {
        return Err(e::single_tenant_on_common(&app.app_id, &app.display_name));
    }
    if let Some(origin) = req.header("origin") {
        // Only the authorization-code redemption of a SPA redirect URI may come cross-origin.
        return Err(e::cross_origin(origin));
    }
    let auth = match grant {
        "client_credentials" => {
            let a = client_credential(w, app, &form, req, sim, tenant_seg, v2)?;
            if a == ClientAuth::Public {
                return Err(e::credential_missing());
            }
            a
        }
        _ => {
            let has_cred = nonempty(&form, "client_secret") || nonempty(&form, "client_assertion");
            if app.spec.public_client_flows {
                if has_cred {
                    return Err(e::public_client_with_credential());
                }
                ClientAuth::Public
            } else {
                if !has_cred {
                    return Err(e::confidential_needs_credential());
                }
                client_credential(w, app, &form, req, sim, tenant_seg, v2)?
            }
        }
    };
    if !app.spec.service_principal {
        return Err(e::sp_missing(&app.app_id, &w.tenant_id));
    }
    if !app.spec.enabled {
        return Err(e::app_disabled(&app.app_id, &app.display_name));
    }
    let Some(resource) = w.resource(&target.resource) else {
        return Err(e::resource_not_found(&target.resource, w.tenant_name()));
    };
    match grant {
        "client_credentials" => {
            if w.ca_for(app, None).is_some() {
                return Err(e::ca_blocked());
            }
            let roles = w.granted_roles(app, &resource.app_id);
            // An API of the tenant that requires assignment lets in only the apps holding one
            // of its app roles, or default access when it defines none: AADSTS501051.
            if let Some(api) = w
                .apps
                .iter()
                .find(|a| a.app_id.eq_ignore_ascii_case(&resource.app_id))
            {
                if api.spec.assignment_required
                    && roles.is_empty()
                    && !app.spec.assigned_to_apis.contains(&api.spec.name)
                {
                    return Err(e::app_not_assigned(
                        &app.app_id,
                        &app.display_name,
                        &target.resource,
                        &api.display_name,
                    ));
                }
            }
            issue(
                sim,
                req,
                v2,
                app,
                &resource,
                &target,
                None,
                roles,
                vec![],
                auth,
                &form,
                None,
            )
        }
        "password" => {
            let Some(username) = get("username").filter(|s| !s.is_empty()) else {
                return Err(e::missing_parameter("username"));
            };
            let Some(password) = get("password").filter(|s| !s.is_empty()) else {
                return Err(e::missing_parameter("password"));
            };
            let Some(user) = w.user_by_upn(username) else {
                return Err(e::user_not_found(&w.tenant_id));
            };
            if user.spec.password != password {
                return Err(e::bad_password());
            }
            if app.spec.assignment_required && !w.user_assigned(app, user) {
                return Err(e::user_not_assigned(
                    &app.display_name,
                    &app.app_id,
                    &user.spec.upn,
                ));
            }
            if let Some(p) = w.ca_for(app, Some(user)) {
                if p.grant == "block" {
                    return Err(e::ca_blocked());
                }
                return Err(e::mfa_required(&resource.app_id));
            }
            if user.spec.mfa {
                return Err(e::mfa_required(&resource.app_id));
            }
            let scopes = delegated_scopes(sim, app, Some(user), &resource, &target)?;
            issue(
                sim,
                req,
                v2,
                app,
                &resource,
                &target,
                Some(user),
                vec![],
                scopes,
                auth,
                &form,
                None,
            )
        }
        _ => {
            let Some(rt) = get("refresh_token").filter(|s| !s.is_empty()) else {
                return Err(e::missing_parameter("refresh_token"));
            };
            let entry = sim
                .refresh_tokens
                .lock()
                .ok()
                .and_then(|m| m.get(rt).cloned());
            let Some(entry) = entry else {
                return Err(e::refresh_token_invalid());
            };
            if !entry.app_id.eq_ignore_ascii_case(&app.app_id) {
                return Err(e::refresh_token_other_client());
            }
            let max = w.scenario.tenant.refresh_token_max_inactive_minutes * 60;
            if entry.issued + max <= req.now {
                return Err(e::refresh_token_expired(
                    entry.issued,
                    req.now - entry.issued,
                ));
            }
            let Some(user) = w.user_by_upn(&entry.upn) else {
                return Err(e::refresh_token_invalid());
            };
            let scopes = delegated_scopes(sim, app, Some(user), &resource, &target)?;
            issue(
                sim,
                req,
                v2,
                app,
                &resource,
                &target,
                Some(user),
                vec![],
                scopes,
                auth,
                &form,
                None,
            )
        }
    }
}

/// The two grants that end an interactive sign-in: a device code polled for, and an
/// authorization code redeemed (with its PKCE verifier when the request had a challenge).
#[allow(clippy::too_many_arguments)]
fn signin_grant(
    sim: &Sim,
    req: &Req,
    tenant_seg: &str,
    v2: bool,
    multi: bool,
    grant: &str,
    client_id: &str,
    form: &BTreeMap<String, String>,
) -> Result<Value, AadError> {
    let w = &sim.world;
    let get = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(app) = w.app_by_client_id(client_id) else {
        return Err(e::app_not_found(client_id, w.tenant_name()));
    };
    if multi && !app.multi_tenant() {
        return Err(e::single_tenant_on_common(&app.app_id, &app.display_name));
    }
    let has_cred = nonempty(form, "client_secret")
        || nonempty(form, "client_assertion")
        || basic_secret(req, &app.app_id).is_some();
    let (upn, scope, asked_v2, nonce) = if grant == DEVICE_GRANT {
        // v1 names the device code `code`.
        let Some(dc) = get("device_code").or_else(|| get("code")) else {
            return Err(e::missing_parameter("device_code"));
        };
        let auth = if has_cred {
            client_credential(w, app, form, req, sim, tenant_seg, v2)?
        } else {
            ClientAuth::Public
        };
        if auth == ClientAuth::Public && !app.spec.public_client_flows {
            return Err(e::confidential_needs_credential());
        }
        let a = super::device_code::poll(sim, req, &app.app_id, dc)?;
        (a.upn, a.scope, a.v2, None)
    } else {
        let Some(code) = get("code") else {
            return Err(e::missing_parameter("code"));
        };
        let entry = {
            let mut st = sim.signin.lock().map_err(|_| e::transient())?;
            let Some(c) = st.codes.get_mut(code) else {
                return Err(e::code_invalid());
            };
            if !c.app_id.eq_ignore_ascii_case(&app.app_id) {
                return Err(e::code_invalid());
            }
            if c.redeemed {
                return Err(e::code_redeemed());
            }
            c.redeemed = true;
            (
                c.upn.clone(),
                c.scope.clone(),
                c.v2,
                c.nonce.clone(),
                c.redirect_uri.clone(),
                c.challenge.clone(),
                c.issued,
            )
        };
        let (upn, scope, code_v2, nonce, redirect_uri, challenge, issued) = entry;
        // Codes live ten minutes.
        if issued + 600 <= req.now {
            return Err(e::code_invalid());
        }
        let sent = get("redirect_uri").unwrap_or("");
        if sent != redirect_uri {
            return Err(e::code_reply_mismatch(sent, &redirect_uri));
        }
        if let Some((method, challenge)) = challenge {
            let verifier = get("code_verifier").unwrap_or("");
            let derived = if method == "S256" {
                use sha2::Digest;
                URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
            } else {
                verifier.to_string()
            };
            if verifier.is_empty() || derived != challenge {
                return Err(e::pkce_mismatch());
            }
        }
        // A web redirect URI belongs to a confidential client: it must prove who it is.
        if has_cred {
            client_credential(w, app, form, req, sim, tenant_seg, v2)?;
        } else if app.spec.web_redirect_uris.contains(&redirect_uri) {
            return Err(e::confidential_needs_credential());
        }
        (upn, scope, code_v2, nonce)
    };
    if !app.spec.service_principal {
        return Err(e::sp_missing(&app.app_id, &w.tenant_id));
    }
    if !app.spec.enabled {
        return Err(e::app_disabled(&app.app_id, &app.display_name));
    }
    let target = target_of(&scope, asked_v2)?;
    let Some(resource) = w.resource(&target.resource) else {
        return Err(e::resource_not_found(&target.resource, w.tenant_name()));
    };
    let Some(user) = w.user_by_upn(&upn) else {
        return Err(e::user_not_found(&w.tenant_id));
    };
    let scopes = delegated_scopes(sim, app, Some(user), &resource, &target)?;
    // What the sign-in asked for decides the OpenID extras (id token, refresh token).
    let mut f = form.clone();
    if asked_v2 {
        f.insert("scope".into(), scope.clone());
    }
    let auth = if has_cred {
        ClientAuth::Secret
    } else {
        ClientAuth::Public
    };
    issue(
        sim,
        req,
        v2,
        app,
        &resource,
        &target,
        Some(user),
        vec![],
        scopes,
        auth,
        &f,
        nonce.as_deref(),
    )
}

fn nonempty(form: &BTreeMap<String, String>, k: &str) -> bool {
    form.get(k).is_some_and(|v| !v.trim().is_empty())
}

/// Checks the client's credential; `Public` when none was sent.
fn client_credential(
    w: &World,
    app: &App,
    form: &BTreeMap<String, String>,
    req: &Req,
    sim: &Sim,
    tenant_seg: &str,
    v2: bool,
) -> Result<ClientAuth, AadError> {
    if let Some(assertion) = form
        .get("client_assertion")
        .filter(|a| !a.trim().is_empty())
    {
        let t = form
            .get("client_assertion_type")
            .map(String::as_str)
            .unwrap_or("");
        if t.is_empty() {
            return Err(e::missing_parameter("client_assertion_type"));
        }
        if t != ASSERTION_TYPE {
            return Err(e::assertion_type_invalid(t));
        }
        check_assertion(w, app, assertion, req, sim, tenant_seg, v2)?;
        return Ok(ClientAuth::Assertion);
    }
    let secret = form
        .get("client_secret")
        .cloned()
        .or_else(|| basic_secret(req, &app.app_id));
    let Some(secret) = secret.filter(|s| !s.trim().is_empty()) else {
        return Ok(ClientAuth::Public);
    };
    match app.secrets.iter().find(|s| s.value == secret) {
        Some(s) if s.end <= req.now => Err(e::expired_secret(&app.app_id)),
        Some(_) => Ok(ClientAuth::Secret),
        None => Err(e::bad_secret(&app.app_id)),
    }
}

/// The secret of `client_secret_basic` (`Authorization: Basic base64(id:secret)`, each part
/// form-encoded as RFC 6749 asks), when the id is this client's.
fn basic_secret(req: &Req, client_id: &str) -> Option<String> {
    let h = req.header("authorization")?;
    let (scheme, rest) = h.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    let id = super::http::percent_decode(id, true);
    id.eq_ignore_ascii_case(client_id)
        .then(|| super::http::percent_decode(secret, true))
}

fn decode_part(part: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn check_assertion(
    w: &World,
    app: &App,
    assertion: &str,
    req: &Req,
    sim: &Sim,
    tenant_seg: &str,
    v2: bool,
) -> Result<(), AadError> {
    let mut parts = assertion.split('.');
    let (Some(h), Some(c), Some(_sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(e::assertion_malformed());
    };
    let (Some(header), Some(claims)) = (decode_part(h), decode_part(c)) else {
        return Err(e::assertion_malformed());
    };
    let s = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let iss = s("iss");
    let sub = s("sub");
    let auds: Vec<String> = match claims.get("aud") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        Some(Value::String(a)) => vec![a.clone()],
        _ => vec![],
    };
    let now = req.now;
    // Some clients write times as floats (MSAL for Python does).
    let num = |k: &str| {
        claims
            .get(k)
            .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
    };
    let exp = num("exp");
    let nbf = num("nbf");
    let time_ok = exp.is_some_and(|x| x + 300 > now) && nbf.is_none_or(|n| n - 300 <= now);
    let time_err = || {
        let f = |t: Option<i64>| t.map(e::entra_timestamp).unwrap_or_else(|| "-".into());
        e::assertion_time(&e::entra_timestamp(now), &f(nbf), &f(exp))
    };
    let authority = sim.info.authority.trim_end_matches('/');
    if iss == app.app_id && sub == app.app_id {
        // A certificate assertion: find the key by its thumbprint.
        // Some clients (MSAL for Python) pad their base64url thumbprints; Entra accepts both.
        let x5t = header
            .get("x5t")
            .and_then(Value::as_str)
            .map(|t| t.trim_end_matches('='));
        let x5t256 = header
            .get("x5t#S256")
            .and_then(Value::as_str)
            .map(|t| t.trim_end_matches('='));
        let cert = app.certs.iter().find(|c| {
            x5t.is_some_and(|t| t == c.key.x5t) || x5t256.is_some_and(|t| t == c.key.x5t_s256)
        });
        let Some(cert) = cert else {
            let thumb = x5t
                .and_then(|t| URL_SAFE_NO_PAD.decode(t).ok())
                .map(|b| b.iter().map(|x| format!("{x:02X}")).collect::<String>())
                .unwrap_or_else(|| "(none)".into());
            return Err(e::cert_not_registered(&thumb, &app.app_id));
        };
        if cert.end <= now {
            return Err(e::cert_expired(&cert.key.thumbprint_hex, &app.app_id));
        }
        let mut v = Validation::new(Algorithm::RS256);
        v.algorithms = vec![Algorithm::RS256, Algorithm::PS256];
        v.validate_exp = false;
        v.validate_nbf = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        if jsonwebtoken::decode::<Value>(assertion, &cert.key.decoding_key(), &v).is_err() {
            return Err(e::assertion_bad_signature(&app.app_id));
        }
        let seg = tenant_seg;
        let good_auds = [
            format!("{authority}/{seg}/oauth2/v2.0/token"),
            format!("{authority}/{seg}/oauth2/token"),
            format!("{authority}/{}/oauth2/v2.0/token", w.tenant_id),
            format!("{authority}/{}/oauth2/token", w.tenant_id),
            format!("{authority}/{}/v2.0", w.tenant_id),
            format!("{authority}/{}", w.tenant_id),
            format!("{authority}/{seg}/v2.0"),
            format!("{authority}/{seg}"),
        ];
        let _ = v2;
        if !auds.iter().any(|a| {
            good_auds
                .iter()
                .any(|g| g.eq_ignore_ascii_case(a.trim_end_matches('/')))
        }) {
            return Err(e::assertion_audience(&auds.join(",")));
        }
        if !time_ok {
            return Err(time_err());
        }
        return Ok(());
    }
    // A federated assertion: issuer, then subject (case-sensitive), then audience.
    let fics = &app.spec.federated_credentials;
    let issuer_of = |f: &super::scenario::FederatedCredentialSpec| {
        f.issuer
            .clone()
            .unwrap_or_else(|| sim.info.federation_issuer.clone())
    };
    let by_issuer: Vec<_> = fics.iter().filter(|f| issuer_of(f) == iss).collect();
    if by_issuer.is_empty() {
        return Err(e::fic_issuer(&iss));
    }
    let by_subject: Vec<_> = by_issuer.into_iter().filter(|f| f.subject == sub).collect();
    if by_subject.is_empty() {
        return Err(e::fic_subject(&sub));
    }
    if !by_subject
        .iter()
        .any(|f| f.audiences.iter().any(|a| auds.contains(a)))
    {
        return Err(e::fic_audience(&auds.join(",")));
    }
    if iss != sim.info.federation_issuer {
        // Entra would fetch the issuer's keys; the simulator cannot reach other issuers.
        return Err(e::fic_issuer_unreachable(&iss));
    }
    let mut v = Validation::new(Algorithm::RS256);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    if jsonwebtoken::decode::<Value>(assertion, &w.federation.decoding_key(), &v).is_err() {
        return Err(e::assertion_bad_signature(&app.app_id));
    }
    if !time_ok {
        return Err(time_err());
    }
    Ok(())
}

/// The delegated scopes a user's token gets: those asked for (or, for `.default`, all granted),
/// each of which must have been consented — by an admin for everyone, or by this user at sign-in.
pub fn delegated_scopes(
    sim: &Sim,
    app: &App,
    user: Option<&User>,
    resource: &ResourceRef,
    target: &Target,
) -> Result<Vec<String>, AadError> {
    let w = &sim.world;
    if target.oidc_only {
        // The sign-in permissions themselves: the simulated tenant lets users consent to them,
        // so they need no grant of their own.
        return Ok(target.permissions.clone());
    }
    let mut granted = w.granted_scopes(app, &resource.app_id);
    if let Some(u) = user {
        let own: Vec<String> = app
            .perms
            .iter()
            .filter(|p| {
                p.kind == "Scope" && p.resource_app_id.eq_ignore_ascii_case(&resource.app_id)
            })
            .map(|p| p.value.clone())
            .chain(target.permissions.iter().cloned())
            .filter(|p| {
                super::signin::user_consented(sim, &app.app_id, &u.spec.upn, &resource.app_id, p)
            })
            .collect();
        for p in own {
            if !granted.contains(&p) {
                granted.push(p);
            }
        }
    }
    let scopes = if target.permissions.is_empty() {
        granted.clone()
    } else {
        target.permissions.clone()
    };
    if scopes.is_empty() || scopes.iter().any(|s| !granted.contains(s)) {
        return Err(e::consent_missing(&app.app_id, &app.display_name));
    }
    Ok(scopes)
}

#[allow(clippy::too_many_arguments)]
fn issue(
    sim: &Sim,
    req: &Req,
    v2: bool,
    app: &App,
    resource: &ResourceRef,
    target: &Target,
    user: Option<&User>,
    roles: Vec<String>,
    scopes: Vec<String>,
    auth: ClientAuth,
    form: &BTreeMap<String, String>,
    nonce: Option<&str>,
) -> Result<Value, AadError> {
    let w = &sim.world;
    let authority = &sim.info.authority;
    let g = Grant {
        app,
        resource,
        resource_as_asked: target.resource.clone(),
        user,
        roles,
        scopes: scopes.clone(),
        auth,
    };
    let (at, exp) = tokens::mint(w, authority, &g, req.now);
    let expires_in = exp - req.now;
    let mut v = if v2 {
        json!({
            "token_type": "Bearer",
            "expires_in": expires_in,
            "ext_expires_in": expires_in,
            "access_token": at,
        })
    } else {
        json!({
            "token_type": "Bearer",
            "expires_in": expires_in.to_string(),
            "ext_expires_in": expires_in.to_string(),
            "expires_on": exp.to_string(),
            "not_before": (req.now - 300).to_string(),
            "resource": target.resource,
            "access_token": at,
        })
    };
    if let Some(u) = user {
        let asked = form.get("scope").map(String::as_str).unwrap_or("");
        let prefix = target.resource.trim_end_matches('/');
        // An OpenID-only sign-in's scopes are the OpenID ones, named bare.
        let mut granted: Vec<String> = if target.oidc_only {
            vec![]
        } else {
            scopes.iter().map(|s| format!("{prefix}/{s}")).collect()
        };
        for o in ["openid", "profile", "email", "offline_access"] {
            if asked.split_whitespace().any(|x| x == o) {
                granted.push(o.to_string());
            }
        }
        if v2 {
            v["scope"] = json!(granted.join(" "));
        } else {
            v["scope"] = json!(scopes.join(" "));
        }
        let refreshing = form.get("grant_type").map(String::as_str) == Some("refresh_token");
        if asked.split_whitespace().any(|x| x == "offline_access") || !v2 || refreshing {
            let rt = format!(
                "1.{}{}",
                URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes()),
                URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
            );
            if let Ok(mut m) = sim.refresh_tokens.lock() {
                m.insert(
                    rt.clone(),
                    RefreshEntry {
                        app_id: app.app_id.clone(),
                        upn: u.spec.upn.clone(),
                        issued: req.now,
                    },
                );
            }
            v["refresh_token"] = json!(rt);
        }
        if asked.split_whitespace().any(|x| x == "openid") || !v2 {
            v["id_token"] = json!(tokens::id_token(w, authority, app, u, req.now, nonce));
        }
        if form.get("client_info").map(String::as_str) == Some("1") {
            v["client_info"] = json!(tokens::client_info(w, u));
        }
    }
    Ok(v)
}
