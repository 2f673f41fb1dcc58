//! Access tokens: minting them with Entra's v1 and v2 claim sets, publishing the keys (OpenID
//! discovery and JWKS, v1 and v2 forms), and checking a bearer token the way a resource server does
//! (signature against the tenant's keys, audience, lifetime).

use super::http::{Reply, Req};
use super::world::{App, ResourceRef, User, World};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{json, Value};

/// How the client authenticated (`appidacr` / `azpacr`): 0 public, 1 secret, 2 certificate or assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    Public,
    Secret,
    Assertion,
}

impl ClientAuth {
    fn acr(self) -> &'static str {
        match self {
            ClientAuth::Public => "0",
            ClientAuth::Secret => "1",
            ClientAuth::Assertion => "2",
        }
    }
}

/// What a token is for.
pub struct Grant<'a> {
    pub app: &'a App,
    pub resource: &'a ResourceRef,
    /// The resource as the client asked for it (v1 `aud`).
    pub resource_as_asked: String,
    pub user: Option<&'a User>,
    pub roles: Vec<String>,
    pub scopes: Vec<String>,
    pub auth: ClientAuth,
}

fn random_b64(n: usize) -> String {
    let mut bytes = Vec::with_capacity(n);
    while bytes.len() < n {
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    bytes.truncate(n);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The v2 issuer for this tenant.
pub fn issuer_v2(authority: &str, tid: &str) -> String {
    format!("{}/{tid}/v2.0", authority.trim_end_matches('/'))
}

/// The v1 issuer of the tenant's cloud: `https://sts.windows.net/{tid}/` in the public cloud and
/// in US Government, `https://sts.chinacloudapi.cn/{tid}/` in China (the knowledge table's
/// `sts_host`).
pub fn issuer_v1(world: &World) -> String {
    format!("https://{}/{}/", world.cloud().sts_host, world.tenant_id)
}

/// Mints an access token with the tenant's token lifetime; returns the JWT and its `exp`.
pub fn mint(world: &World, authority: &str, g: &Grant, now: i64) -> (String, i64) {
    let lifetime = world.scenario.tenant.token_lifetime_minutes * 60;
    mint_for(world, authority, g, now, lifetime)
}

/// Mints an access token valid for `lifetime` seconds from `now`.
pub fn mint_for(
    world: &World,
    authority: &str,
    g: &Grant,
    now: i64,
    lifetime: i64,
) -> (String, i64) {
    let tid = &world.tenant_id;
    let iat = now - 300;
    let exp = now + lifetime;
    let v2 = g.resource.token_version == 2;
    let mut c = json!({
        "aud": if v2 { json!(g.resource.app_id) } else { json!(g.resource_as_asked) },
        "iss": if v2 { issuer_v2(authority, tid) } else { issuer_v1(world) },
        "iat": iat,
        "nbf": iat,
        "exp": exp,
        "aio": random_b64(48),
        "tid": tid,
        "uti": random_b64(16),
        "rh": format!("1.{}AA.", random_b64(32)),
        "ver": if v2 { "2.0" } else { "1.0" },
    });
    if v2 {
        c["azp"] = json!(g.app.app_id);
        c["azpacr"] = json!(g.auth.acr());
    } else {
        c["appid"] = json!(g.app.app_id);
        c["appidacr"] = json!(g.auth.acr());
        c["app_displayname"] = json!(g.app.display_name);
    }
    match g.user {
        None => {
            c["oid"] = json!(g.app.sp_object_id);
            c["sub"] = json!(g.app.sp_object_id);
            c["idtyp"] = json!("app");
            if !g.roles.is_empty() {
                c["roles"] = json!(g.roles);
            }
        }
        Some(u) => {
            c["oid"] = json!(u.object_id);
            c["sub"] = json!(random_b64(32));
            c["name"] = json!(u.display_name);
            c["amr"] = json!(["pwd"]);
            c["scp"] = json!(g.scopes.join(" "));
            if v2 {
                c["preferred_username"] = json!(u.spec.upn);
            } else {
                c["upn"] = json!(u.spec.upn);
                c["unique_name"] = json!(u.spec.upn);
            }
        }
    }
    let is_graph = authcheck_model::knowledge::apis::by_key("graph").is_some_and(|graph| {
        authcheck_model::knowledge::apis::audience_matches(graph, &g.resource_as_asked)
    }) || g.resource.app_id == "00000003-0000-0000-c000-000000000000";
    let token = if is_graph {
        world.signing.sign_graph(&c)
    } else {
        world.signing.sign(&c)
    };
    (token, exp)
}

/// An id token for ROPC with `openid` (MSAL reads it to build its account).
pub fn id_token(
    world: &World,
    authority: &str,
    app: &App,
    user: &User,
    now: i64,
    nonce: Option<&str>,
) -> String {
    let mut c = json!({
        "aud": app.app_id,
        "iss": issuer_v2(authority, &world.tenant_id),
        "iat": now - 300,
        "nbf": now - 300,
        "exp": now + 3600,
        "name": user.display_name,
        "oid": user.object_id,
        "preferred_username": user.spec.upn,
        "sub": random_b64(32),
        "tid": world.tenant_id,
        "ver": "2.0",
    });
    if let Some(n) = nonce {
        c["nonce"] = json!(n);
    }
    world.signing.sign(&c)
}

/// `client_info` as MSAL asks for it: base64url JSON of `uid` and `utid`.
pub fn client_info(world: &World, user: &User) -> String {
    URL_SAFE_NO_PAD.encode(
        json!({"uid": user.object_id, "utid": world.tenant_id})
            .to_string()
            .as_bytes(),
    )
}

/// `/{tenant}/v2.0/.well-known/openid-configuration` and the v1 form, at the tenant's own cloud.
pub fn discovery(authority: &str, tenant_seg: &str, world: &World, v2: bool) -> Reply {
    discovery_in(
        authority,
        tenant_seg,
        world,
        v2,
        world.cloud(),
        world.scenario.tenant.region_sub_scope.as_deref(),
    )
}

/// Discovery as `cloud`'s authority writes it. The cloud-specific fields: `cloud_instance_name`
/// (`microsoftonline.com`, `microsoftonline.us`, `partner.microsoftonline.cn`), `msgraph_host`
/// (that cloud's Graph, https://learn.microsoft.com/graph/deployments), the v1 issuer's STS host,
/// `tenant_region_scope` (`USGov` for US Government tenants) and, when the tenant has one,
/// `tenant_region_sub_scope` (`GCC`, `DODCON`, `DOD`). The region values are as public tenants'
/// documents show them; Learn documents neither field.
pub fn discovery_in(
    authority: &str,
    tenant_seg: &str,
    world: &World,
    v2: bool,
    cloud: &authcheck_model::knowledge::clouds::Cloud,
    sub_scope: Option<&str>,
) -> Reply {
    let a = authority.trim_end_matches('/');
    let tid_for_issuer = if world.is_this_tenant(tenant_seg) {
        world.tenant_id.clone()
    } else {
        "{tenantid}".to_string()
    };
    let seg = tenant_seg;
    let v = if v2 {
        json!({
            "token_endpoint": format!("{a}/{seg}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{a}/{seg}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{a}/{tid_for_issuer}/v2.0"),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": format!("{a}/graph/oidc/userinfo"),
            "authorization_endpoint": format!("{a}/{seg}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{a}/{seg}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{a}/{seg}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
            "kerberos_endpoint": format!("{a}/{seg}/kerberos"),
        })
    } else {
        json!({
            "token_endpoint": format!("{a}/{seg}/oauth2/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{a}/common/discovery/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
            "scopes_supported": ["openid"],
            "issuer": format!("https://{}/{tid_for_issuer}/", cloud.sts_host),
            "microsoft_multi_refresh_token": true,
            "authorization_endpoint": format!("{a}/{seg}/oauth2/authorize"),
            "device_authorization_endpoint": format!("{a}/{seg}/oauth2/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{a}/{seg}/oauth2/logout"),
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name", "family_name", "nickname"],
            "check_session_iframe": format!("{a}/{seg}/oauth2/checksession"),
            "userinfo_endpoint": format!("{a}/{seg}/openid/userinfo"),
            "kerberos_endpoint": format!("{a}/{seg}/kerberos"),
        })
    };
    let mut v = v;
    match cloud.key {
        "public" => {
            v["tenant_region_scope"] = json!("EU");
            v["cloud_graph_host_name"] = json!("graph.windows.net");
            v["rbac_url"] = json!("https://pas.windows.net");
        }
        "usgov" => {
            v["tenant_region_scope"] = json!("USGov");
            v["cloud_graph_host_name"] = json!("graph.windows.net");
        }
        _ => {
            v["cloud_graph_host_name"] = json!("graph.chinacloudapi.cn");
        }
    }
    if let Some(sub) = sub_scope {
        v["tenant_region_sub_scope"] = json!(sub);
    }
    v["cloud_instance_name"] = json!(cloud.instance_name);
    v["msgraph_host"] = json!(cloud.graph_host);
    Reply::json(200, &v)
}

/// JWKS: v2 entries carry `issuer`, v1 entries do not. Only the published keys appear.
pub fn jwks(authority: &str, world: &World, v2: bool) -> Reply {
    let iss = issuer_v2(authority, "{tenantid}");
    let keys: Vec<Value> = world
        .published_keys()
        .iter()
        .map(|k| k.jwk(v2.then_some(iss.as_str())))
        .collect();
    Reply::json(200, &json!({ "keys": keys }))
}

/// The federation issuer's discovery and keys (the stand-in for GitHub, Kubernetes, …).
pub fn federation_discovery(base: &str) -> Reply {
    let iss = format!("{}/federation", base.trim_end_matches('/'));
    Reply::json(
        200,
        &json!({
            "issuer": iss,
            "jwks_uri": format!("{iss}/keys"),
            "subject_types_supported": ["public"],
            "response_types_supported": ["id_token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "aud", "exp", "iat", "iss", "jti", "nbf"],
        }),
    )
}

/// Why a bearer token was refused by a resource server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProblem {
    Missing,
    Malformed,
    BadSignature,
    /// The header's `kid` names no published key (a withdrawn key, another tenant's).
    UnknownKey {
        kid: String,
    },
    Expired {
        exp: i64,
    },
    NotYetValid {
        nbf: i64,
    },
    WrongAudience {
        aud: String,
    },
    WrongIssuer {
        iss: String,
    },
}

/// A checked token's claims.
pub type Claims = serde_json::Map<String, Value>;

/// Checks a bearer token as a resource server does: signed with one of the tenant's published keys,
/// not expired, for this audience (`accepts` decides which `aud` values the API takes).
pub fn check_bearer(
    world: &World,
    authority: &str,
    req: &Req,
    accepts: &dyn Fn(&str) -> bool,
) -> Result<Claims, TokenProblem> {
    let token = req.bearer().ok_or(TokenProblem::Missing)?;
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenProblem::Malformed)?;
    let key = world
        .published_keys()
        .into_iter()
        .find(|k| header.kid.as_deref() == Some(k.x5t.as_str()))
        .ok_or_else(|| match &header.kid {
            Some(kid) => TokenProblem::UnknownKey { kid: kid.clone() },
            None => TokenProblem::BadSignature,
        })?;
    let c: Claims = if header.nonce.is_some() {
        // A Graph token: its signature covers the hashed nonce.
        if !key.verify_graph(token) {
            return Err(TokenProblem::BadSignature);
        }
        jsonwebtoken::dangerous::insecure_decode_claims::<Claims>(token)
            .map_err(|_| TokenProblem::Malformed)?
    } else {
        let mut v = Validation::new(Algorithm::RS256);
        v.validate_exp = false;
        v.validate_nbf = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        jsonwebtoken::decode::<Claims>(token, &key.decoding_key(), &v)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => TokenProblem::BadSignature,
                _ => TokenProblem::Malformed,
            })?
            .claims
    };
    let iss = c.get("iss").and_then(Value::as_str).unwrap_or("");
    if iss != issuer_v1(world) && iss != issuer_v2(authority, &world.tenant_id) {
        return Err(TokenProblem::WrongIssuer { iss: iss.into() });
    }
    let aud = c.get("aud").and_then(Value::as_str).unwrap_or("");
    if !accepts(aud) {
        return Err(TokenProblem::WrongAudience { aud: aud.into() });
    }
    // Resource servers allow five minutes of clock skew.
    let exp = c.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if exp + 300 <= req.now {
        return Err(TokenProblem::Expired { exp });
    }
    let nbf = c.get("nbf").and_then(Value::as_i64).unwrap_or(0);
    if nbf - 300 > req.now {
        return Err(TokenProblem::NotYetValid { nbf });
    }
    Ok(c)
}

/// The claim as a list (`roles`, or `scp` split on spaces).
pub fn claim_list(c: &Claims, name: &str) -> Vec<String> {
    match c.get(name) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        Some(Value::String(s)) => s.split_whitespace().map(String::from).collect(),
        _ => vec![],
    }
}

/// The caller's client id (`appid` or `azp`) and object id.
pub fn caller(c: &Claims) -> (String, String) {
    let client = c
        .get("appid")
        .or_else(|| c.get("azp"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let oid = c
        .get("oid")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    (client, oid)
}

/// The token carries no user.
pub fn app_only(c: &Claims) -> bool {
    c.get("idtyp").and_then(Value::as_str) == Some("app") || !c.contains_key("scp")
}
