//! Plain-words explanations of a token's header fields and claims, for `authcheck decode`.

use super::{value_as_list, value_as_string, value_as_time, DecodedJwt};
use authcheck_model::evidence::Evidence;
use authcheck_model::knowledge::apis;
use authcheck_model::report::{ClaimLine, TokenView};
use serde_json::Value;

/// First-party client apps a token's `appid`/`azp` often names.
const KNOWN_CLIENTS: &[(&str, &str)] = &[
    ("04b07795-8ddb-461a-bbee-02f9e1bf7b46", "Azure CLI"),
    ("1950a258-227b-4e31-a9cf-717495945fc2", "Azure PowerShell"),
    ("de8bc8b5-d9f9-48b1-a8ad-b748da725064", "Graph Explorer"),
    ("872cd9fa-d31f-45e0-9eab-6e460a02d1f1", "Visual Studio"),
    ("aebc6443-996d-45c2-90f0-388ff96faa56", "Visual Studio Code"),
    (
        "14d82eec-204b-4c2f-b7e8-296a70dab67e",
        "Microsoft Graph Command Line Tools (Graph PowerShell)",
    ),
    (
        "1b730954-1685-4b74-9bfd-dac224a7b894",
        "Azure Active Directory PowerShell",
    ),
    ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure portal"),
    ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"),
    ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"),
    (
        "29d9ed98-a469-4536-ade2-f981bc1d605e",
        "Microsoft Authentication Broker",
    ),
    (
        "00000002-0000-0000-c000-000000000000",
        "Azure AD Graph (retired)",
    ),
    ("00000003-0000-0ff1-ce00-000000000000", "SharePoint Online"),
    ("00000002-0000-0ff1-ce00-000000000000", "Exchange Online"),
];

/// Directory role template ids a `wids` claim carries.
const KNOWN_ROLES: &[(&str, &str)] = &[
    (
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
    ),
    (
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Application Administrator",
    ),
    (
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Cloud Application Administrator",
    ),
    (
        "cf1c38e5-3621-4004-a7cb-879624dced7c",
        "Application Developer",
    ),
    ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader"),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
    (
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Privileged Role Administrator",
    ),
    (
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "Privileged Authentication Administrator",
    ),
    (
        "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
        "Hybrid Identity Administrator",
    ),
    (
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "Security Administrator",
    ),
    ("5d6b6bb7-de71-4623-b4af-96380a352509", "Security Reader"),
    (
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Helpdesk Administrator",
    ),
    (
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
        "Billing Administrator",
    ),
    (
        "f023fd81-a637-4b56-95fd-791ac0226033",
        "Service Support Administrator",
    ),
    (
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
    ),
    (
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "SharePoint Administrator",
    ),
    (
        "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
        "Power Platform Administrator",
    ),
    (
        "44367163-eba1-44c3-98af-f5787879f96a",
        "Dynamics 365 Administrator",
    ),
    (
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
        "Intune Administrator",
    ),
    ("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "Directory Readers"),
    ("9360feb5-f418-4baa-8175-e2a00bac4301", "Directory Writers"),
    (
        "b79fbf4d-3ef9-4689-8143-76b194e85509",
        "member user (the default role every member user holds)",
    ),
];

/// The tenant that personal Microsoft accounts belong to.
const MSA_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// The name of a well-known app or API id, if any.
pub fn app_name(id: &str) -> Option<String> {
    let l = id.trim().to_ascii_lowercase();
    if let Some((_, n)) = KNOWN_CLIENTS.iter().find(|(k, _)| *k == l) {
        return Some((*n).to_string());
    }
    apis::APIS
        .iter()
        .find(|a| a.app_id == Some(l.as_str()))
        .map(|a| a.display_name.to_string())
}

/// The name of a directory role template id, if known.
pub fn role_name(id: &str) -> Option<&'static str> {
    let l = id.trim().to_ascii_lowercase();
    KNOWN_ROLES.iter().find(|(k, _)| *k == l).map(|(_, n)| *n)
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// "in 42 minutes", "3 hours ago", "now".
pub fn relative(t: i64, now: i64) -> String {
    let d = t.saturating_sub(now);
    let a = d.saturating_abs();
    if a == 0 {
        return "now".into();
    }
    let words = if a < 90 {
        plural(a, "second")
    } else if a < 90 * 60 {
        plural(a / 60, "minute")
    } else if a < 48 * 3600 {
        let h = a / 3600;
        let m = (a % 3600) / 60;
        if h < 10 && m > 0 {
            format!("{} {}", plural(h, "hour"), plural(m, "minute"))
        } else {
            plural(h, "hour")
        }
    } else {
        plural(a / 86_400, "day")
    };
    if d > 0 {
        format!("in {words}")
    } else {
        format!("{words} ago")
    }
}

/// `2026-11-24 12:42:00 UTC (in 42 minutes)`.
pub fn when(t: i64, now: i64) -> String {
    let date = chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| format!("{t} (not a valid time)"));
    format!("{date} ({})", relative(t, now))
}

fn s(v: &Value) -> String {
    value_as_string(v).unwrap_or_default()
}

fn list(v: &Value) -> Vec<String> {
    value_as_list(Some(v))
}

fn explain_header(k: &str, v: &Value) -> String {
    match k {
        "typ" => "token type: `JWT` for a signed JSON web token".into(),
        "alg" => match s(v).as_str() {
            "none" => "signing algorithm: none. The token is unsigned; no API accepts it and Entra never issues one".into(),
            "RS256" => "signing algorithm: RSA with SHA-256, what Entra signs tokens with".into(),
            a if a.starts_with("HS") => format!("signing algorithm: {a}, a shared secret; Entra never signs with one, so another issuer made this token"),
            a => format!("signing algorithm: {a}"),
        },
        "kid" => "key id: which of the issuer's published signing keys signed the token (look it up in the tenant's discovery/v2.0/keys)".into(),
        "x5t" => "SHA-1 thumbprint of the signing certificate (base64url); v1 tokens repeat the key id here".into(),
        "x5t#S256" => "SHA-256 thumbprint of the signing certificate (base64url)".into(),
        "nonce" => "a nonce in the header: Microsoft Graph tokens carry one, and their signature covers its hash, so only Graph can verify them".into(),
        "cty" => "content type of the payload".into(),
        "enc" => "content encryption algorithm (an encrypted token)".into(),
        "zip" => "the payload is compressed".into(),
        "jku" => "URL of the key set to verify with (Entra does not use this; do not trust it blindly)".into(),
        "x5c" => "the signing certificate chain, embedded".into(),
        _ => "header field not commonly used by Entra".into(),
    }
}

/// Words for a claim; `ev` gives the time and the target API.
fn explain_claim(k: &str, v: &Value, d: &DecodedJwt, ev: &Evidence) -> String {
    let now = ev.env.now;
    let t = |v: &Value| value_as_time(Some(v));
    match k {
        "aud" => {
            let aud = s(v);
            let api = apis::by_resource(&aud);
            let mut out = match api {
                Some(a) => format!(
                    "audience: the API this token is for: {} ({})",
                    a.display_name, a.resource_uri
                ),
                None if ev.token.kind == Some(authcheck_model::evidence::TokenKind::Id) => {
                    format!("audience: the client app this id token was issued to{}", app_name(&aud).map(|n| format!(" ({n})")).unwrap_or_default())
                }
                None => "audience: the API this token is for (not a well-known Azure API: your own API's application ID URI or client id)".into(),
            };
            if matches!(v, Value::Array(a) if a.len() > 1) {
                out.push_str("; several audiences, the first is checked");
            }
            match ev.token.audience_matches_target {
                Some(true) => out.push_str(&format!(
                    "; matches the target {}",
                    ev.resource.display_name.as_deref().or(ev.resource.uri.as_deref()).unwrap_or("API")
                )),
                Some(false) => out.push_str(&format!(
                    "; NOT the target {}: that API will refuse this token",
                    ev.resource.display_name.as_deref().or(ev.resource.uri.as_deref()).unwrap_or("API")
                )),
                None => {}
            }
            out
        }
        "iss" => {
            let iss = s(v);
            let tid = d.claims.get("tid").map(s).unwrap_or_default();
            let shape = if iss.contains("sts.windows.net") {
                "the v1.0 issuer form"
            } else if iss.trim_end_matches('/').ends_with("/v2.0") {
                "the v2.0 issuer form"
            } else {
                "not an Entra issuer form"
            };
            let cloud = match authcheck_model::knowledge::clouds::by_issuer(&iss) {
                Some(c) => format!(", {}", c.display_name),
                // The v1 issuer is shared: it alone does not tell the cloud.
                None if authcheck_model::knowledge::clouds::issuer_is_shared(&iss) => {
                    ", the public cloud or US Government".into()
                }
                None => String::new(),
            };
            let tenant = if !tid.is_empty() && iss.contains(&tid) {
                format!(" of tenant {tid}")
            } else {
                String::new()
            };
            format!("issuer: the security token service{tenant} that signed the token ({shape}{cloud})")
        }
        "iat" => match t(v) {
            Some(x) => format!("issued at {}", when(x, now)),
            None => "issued at (not a valid Unix time)".into(),
        },
        "nbf" => match t(v) {
            Some(x) if x > now + authcheck_model::evidence::derive::SKEW_SECONDS => format!("not valid before {}: NOT YET VALID, a clock is wrong", when(x, now)),
            Some(x) => format!("not valid before {}", when(x, now)),
            None => "not valid before (not a valid Unix time)".into(),
        },
        "exp" => match t(v) {
            Some(x) => {
                let life = d
                    .claims
                    .get("iat")
                    .and_then(|i| value_as_time(Some(i)))
                    .map(|i| format!("; lifetime {}", relative(x, i).trim_start_matches("in ")))
                    .unwrap_or_default();
                if x <= now {
                    format!("expires at {}: EXPIRED{life}", when(x, now))
                } else {
                    format!("expires at {}{life}", when(x, now))
                }
            }
            None => "expiry (not a valid Unix time)".into(),
        },
        "auth_time" => match t(v) {
            Some(x) => format!("when the user last signed in interactively: {}", when(x, now)),
            None => "when the user last signed in".into(),
        },
        "pwd_exp" => "seconds until the user's password expires".into(),
        "pwd_url" => "where the user can change the password".into(),
        "ver" => match s(v).as_str() {
            "1.0" => "token format 1.0 (`appid`, `upn`, issuer sts.windows.net); the API's accessTokenAcceptedVersion decides the format, not the endpoint the client called".into(),
            "2.0" => "token format 2.0 (`azp`, `preferred_username`, issuer ending in /v2.0); the API's accessTokenAcceptedVersion decides the format".into(),
            other => format!("token version {other}"),
        },
        "tid" => {
            let tid = s(v);
            if tid == MSA_TENANT {
                "tenant: the personal Microsoft accounts tenant (a consumer account signed in)".into()
            } else {
                "tenant: the Entra directory that issued the token".into()
            }
        }
        "oid" => {
            if ev.token.app_only {
                "object id of the calling service principal (the identity role assignments must name)".into()
            } else {
                "object id of the signed-in user in this tenant (the identity role assignments must name)".into()
            }
        }
        "sub" => "subject: a stable id of the principal, unique per app (do not use it to look the user up)".into(),
        "appid" | "azp" => {
            let id = s(v);
            let who = app_name(&id).map(|n| format!(": {n}")).unwrap_or_default();
            format!("the client app that asked for the token{who}")
        }
        "appidacr" | "azpacr" => match s(v).as_str() {
            "0" => "how the client proved itself: 0 = public client, no credential".into(),
            "1" => "how the client proved itself: 1 = client secret".into(),
            "2" => "how the client proved itself: 2 = certificate or client assertion (also federated and managed identities)".into(),
            other => format!("how the client proved itself: {other}"),
        },
        "app_displayname" => "display name of the client app".into(),
        "idtyp" => match s(v).as_str() {
            "app" => "identity type: app; an app-only token (client credentials or managed identity), no user".into(),
            "user" => "identity type: user; a delegated token on behalf of a signed-in user".into(),
            other => format!("identity type: {other}"),
        },
        "roles" => {
            let r = list(v);
            if ev.token.app_only {
                format!("application permissions (app roles) granted to the calling app: {}", r.join(", "))
            } else {
                format!("app roles assigned to the user (or a group of theirs) for this API: {}", r.join(", "))
            }
        }
        "scp" => {
            let r = list(v);
            format!("delegated permissions (scopes) consented for the client to act as the user: {}", r.join(", "))
        }
        "wids" => {
            let names: Vec<String> = list(v)
                .iter()
                .map(|id| match role_name(id) {
                    Some(n) => n.to_string(),
                    None => format!("unknown role {id}"),
                })
                .collect();
            format!("directory roles (template ids) the caller holds: {}", names.join(", "))
        }
        "groups" => format!("ids of the groups the user belongs to ({} listed)", list(v).len()),
        "hasgroups" => "the user is in too many groups to list in the token; the API must read them from Graph".into(),
        "_claim_names" | "_claim_sources" => "group overage: the groups did not fit and must be read from Graph".into(),
        "amr" => {
            let words: Vec<String> = list(v)
                .iter()
                .map(|m| match m.as_str() {
                    "pwd" => "password".to_string(),
                    "mfa" => "multifactor".to_string(),
                    "rsa" => "RSA key (certificate, Authenticator)".to_string(),
                    "otp" => "one-time code".to_string(),
                    "fed" => "federated identity provider".to_string(),
                    "wia" => "Windows integrated authentication".to_string(),
                    "ngcmfa" => "Windows Hello / passwordless".to_string(),
                    "wiaormfa" => "Windows or multifactor".to_string(),
                    "kba" => "knowledge-based".to_string(),
                    "sms" => "SMS".to_string(),
                    "tel" => "phone".to_string(),
                    "face" | "fpt" | "hwk" | "pin" | "pop" | "swk" | "vpn" | "mca" | "sc" => m.clone(),
                    other => other.to_string(),
                })
                .collect();
            format!("how the user signed in: {}", words.join(", "))
        }
        "acr" => match s(v).as_str() {
            "0" => "authentication context: 0, the sign-in did not meet ISO/IEC 29115 requirements".into(),
            "1" => "authentication context: 1, the user signed in (single or multi factor)".into(),
            other => format!("authentication context class: {other}"),
        },
        "acrs" => format!("conditional access authentication contexts satisfied: {}", list(v).join(", ")),
        "aio" => "opaque Entra-internal data for token reuse; not for clients to read".into(),
        "rh" => "opaque Entra-internal claim used to re-validate the token; not for clients to read".into(),
        "uti" => "unique token identifier (shows in sign-in logs as the token's id)".into(),
        "sid" => "session id of the user's sign-in session".into(),
        "ipaddr" => "IP address the user signed in from".into(),
        "idp" => {
            let idp = s(v);
            if idp.contains(MSA_TENANT) || idp == "live.com" {
                "identity provider: a personal Microsoft account signed in".into()
            } else {
                "identity provider: the user comes from another directory or provider (a guest)".into()
            }
        }
        "name" => "the user's display name".into(),
        "given_name" => "the user's first name".into(),
        "family_name" => "the user's last name".into(),
        "email" => "the user's email address, when they have one (not verified unless `xms_edov` says so)".into(),
        "upn" => "user principal name: the user's sign-in name (v1 tokens)".into(),
        "unique_name" => "a readable user name (v1 tokens; do not use it as a key)".into(),
        "preferred_username" => "the user's preferred sign-in name (v2 tokens; may change, do not use it as a key)".into(),
        "login_hint" => "an opaque hint to sign the same user in again".into(),
        "puid" => "the user's internal Passport id (opaque)".into(),
        "onprem_sid" => "the user's on-premises security identifier (synced from Active Directory)".into(),
        "nonce" => "the nonce the client sent in the sign-in request, echoed to prevent replay".into(),
        "c_hash" => "hash of the authorization code that came with this id token".into(),
        "at_hash" => "hash of the access token that came with this id token".into(),
        "acct" => match s(v).as_str() {
            "0" => "account status: 0, a member of the tenant".into(),
            "1" => "account status: 1, a guest in the tenant".into(),
            other => format!("account status: {other}"),
        },
        "ctry" => "the user's country or region".into(),
        "tenant_ctry" => "the tenant's country or region".into(),
        "tenant_region_scope" => "the tenant's region".into(),
        "signin_state" => format!("sign-in state: {}", list(v).join(", ")),
        "deviceid" => "id of the device the user signed in on".into(),
        "in_corp" => "the user signed in from the corporate network".into(),
        "cnf" => "confirmation key: a proof-of-possession token bound to a key".into(),
        "verified_primary_email" | "verified_secondary_email" => "verified email address of the user".into(),
        "fwd" => "the client's IP address as forwarded by a proxy".into(),
        "xms_tcdt" => match t(v) {
            Some(x) => format!("when the tenant was created: {}", when(x, now).split(" (").next().unwrap_or("")),
            None => "when the tenant was created".into(),
        },
        "xms_mirid" => "the Azure resource id of the managed identity that got this token".into(),
        "xms_az_rid" => "the Azure resource id of the calling managed identity's host".into(),
        "xms_pdl" => "the user's preferred data location (multi-geo)".into(),
        "xms_tpl" => "the tenant's preferred language".into(),
        "xms_pl" => "the user's preferred language".into(),
        "xms_cc" => "client capabilities the client declared (for example `cp1`: it can handle claims challenges)".into(),
        "xms_idrel" => "opaque Entra-internal relationship data".into(),
        "xms_ftd" => "opaque Entra-internal data".into(),
        "xms_par_app_azp" => "the parent app that brokered this token".into(),
        "xms_edov" => "the email domain owner verified the email".into(),
        k if k.starts_with("xms_") => "Entra extension claim (`xms_` prefix); internal, do not rely on it".into(),
        _ => "claim not commonly issued by Entra (custom or optional claim)".into(),
    }
}

/// A claim's value as shown: a token nested inside it (an `access_token` claim, a token in a
/// custom claim) keeps its header and payload but loses its signature, as the outer token does.
fn shown(v: &Value) -> Value {
    match v {
        Value::String(s) => {
            let mut out = s.clone();
            for t in super::find_tokens(s) {
                if let Some((signed, _sig)) = t.rsplit_once('.') {
                    out = out.replace(t, &format!("{signed}.[signature removed]"));
                }
            }
            Value::String(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(shown).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shown(v))).collect()),
        other => other.clone(),
    }
}

/// Every header field and claim, explained. Never the raw token or its signature.
pub fn explain(d: &DecodedJwt, ev: &Evidence) -> TokenView {
    let header = d
        .header
        .iter()
        .map(|(k, v)| ClaimLine {
            claim: k.clone(),
            value: v.clone(),
            meaning: explain_header(k, v),
        })
        .collect();
    let claims = d
        .claims
        .iter()
        .map(|(k, v)| ClaimLine {
            claim: k.clone(),
            value: shown(v),
            meaning: explain_claim(k, v, d, ev),
        })
        .collect();
    let signature = ev
        .token
        .signature
        .map_or("not-checked", |s| s.as_str())
        .to_string();
    let signature_detail = match (&ev.token.signature_detail, signature.as_str()) {
        (Some(s), _) => s.clone(),
        (None, "unsigned") => "the header says `alg: none`: the token carries no signature; Entra never issues such tokens".into(),
        (None, "not-verifiable-by-design") => "a Microsoft Graph token with a `nonce` in its header: only Graph can verify its signature; this is by design, not a fault".into(),
        (None, _) => {
            let tid = ev.token.tid.as_deref().unwrap_or("<tenant-id>");
            let host = ev
                .token
                .cloud
                .as_deref()
                .and_then(authcheck_model::knowledge::clouds::by_key)
                .map(|c| c.authority_host)
                .unwrap_or("login.microsoftonline.com");
            format!("not checked: pass --jwks FILE with the issuer's keys (https://{host}/{tid}/discovery/v2.0/keys)")
        }
    };
    TokenView {
        header,
        claims,
        signature,
        signature_detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_words() {
        assert_eq!(relative(100 + 42 * 60, 100), "in 42 minutes");
        assert_eq!(relative(100 - 3 * 3600, 100), "3 hours ago");
        assert_eq!(
            relative(100 - 3 * 3600 - 600, 100),
            "3 hours 10 minutes ago"
        );
        assert_eq!(relative(100, 100), "now");
        assert_eq!(relative(100 + 5 * 86_400, 100), "in 5 days");
    }

    #[test]
    fn names() {
        assert_eq!(
            app_name("04B07795-8DDB-461A-BBEE-02F9E1BF7B46").as_deref(),
            Some("Azure CLI")
        );
        assert_eq!(
            app_name("8578e004-a5c6-46e7-913e-12f58912df43").as_deref(),
            Some("Power Platform API")
        );
        assert_eq!(
            role_name("62e90394-69f5-4237-9190-012177145e10"),
            Some("Global Administrator")
        );
    }
}
