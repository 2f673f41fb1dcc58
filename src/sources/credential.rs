//! The credential the doctor presents, read from the environment, a file or a prompt — never from a
//! flag's value — and the facts about it that evidence may hold (never the secret itself).
//!
//! A certificate signs a client assertion (RS256, `x5t` and `x5t#S256` in the header); a federated
//! token file is sent as the assertion as is.

use crate::evidence::{derive::looks_like_guid, Request};
use base64::Engine as _;
use sha1::Digest as _;

/// Where the credential came from, for messages (`AZURE_CLIENT_SECRET`, a file name, `prompt`).
pub type Origin = String;

/// A secret value. Its `Debug` never shows it.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// A certificate and its private key, ready to sign assertions.
#[derive(Clone)]
pub struct CertificateKey {
    key: jsonwebtoken::EncodingKey,
    /// Base64url SHA-1 of the certificate (header `x5t`).
    pub x5t: String,
    /// Base64url SHA-256 of the certificate (header `x5t#S256`).
    pub x5t_s256: String,
    /// Upper-case hex SHA-1, as Graph's `customKeyIdentifier` shows it.
    pub thumbprint: String,
}

impl std::fmt::Debug for CertificateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CertificateKey({})", self.thumbprint)
    }
}

/// What the client presents.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A client secret (possibly empty or a placeholder: that is evidence too).
    Secret { value: Secret, origin: Origin },
    /// A certificate that signs a client assertion.
    Certificate {
        cert: CertificateKey,
        origin: Origin,
    },
    /// A federated token (GitHub, Kubernetes …) sent as the client assertion.
    Federated { assertion: Secret, origin: Origin },
    /// ROPC: a user name and password, and the client secret too when one is set (a confidential
    /// client doing ROPC; a public client that does so is refused with AADSTS700025).
    Password {
        username: String,
        password: Secret,
        client_secret: Option<Secret>,
    },
    /// An access token the user already has: no token request is made.
    AccessToken { token: Secret, origin: Origin },
    /// A managed identity: the token comes from the instance metadata service (IMDS), for the
    /// user-assigned identity with this client id, or the system-assigned one.
    ManagedIdentity { client_id: Option<String> },
    /// An interactive (browser) sign-in: nothing secret to present; the doctor checks the
    /// authorize request (client, tenant, redirect URI) without a browser.
    Interactive { redirect_uri: Option<String> },
    /// Nothing was supplied.
    None,
}

/// Why a credential could not be read: exit 2.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("{0}: cannot read: {1}")]
    Read(String, String),
    #[error("{0}: {1}")]
    Invalid(String, String),
}

/// The environment a credential is read from (injected so tests need not touch the process's).
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// Where to look besides the environment.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub client_secret_file: Option<std::path::PathBuf>,
    pub access_token_file: Option<std::path::PathBuf>,
    pub username: Option<String>,
    /// Ask on the terminal when nothing else gave a credential.
    pub prompt: bool,
    /// Use only this kind: `secret`, `certificate`, `federated`, `password`, `token`,
    /// `managed-identity`, `interactive`, `none`.
    pub only: Option<String>,
    /// The user-assigned managed identity's client id (`--credential managed-identity`).
    pub managed_identity_client_id: Option<String>,
    /// The redirect URI of an interactive sign-in (`--credential interactive`).
    pub redirect_uri: Option<String>,
}

fn read_file(path: &std::path::Path) -> Result<String, CredentialError> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| CredentialError::Read(name.clone(), e.kind().to_string()))?;
    if meta.len() > 1024 * 1024 {
        return Err(CredentialError::Invalid(
            name,
            "larger than 1 MiB: not a credential file".into(),
        ));
    }
    std::fs::read_to_string(path).map_err(|e| CredentialError::Read(name, e.kind().to_string()))
}

/// Reads the credential, in azure-identity's order: secret, certificate, federated token, password;
/// then an access token; then a prompt for a secret.
pub fn load(env: &dyn Env, src: &Sources) -> Result<Credential, CredentialError> {
    let Some(only) = src.only.as_deref() else {
        return load_any(env, src);
    };
    // One kind only: hide what belongs to the others.
    let keep: &[&str] = match only {
        "secret" => &["AZURE_CLIENT_SECRET"],
        "certificate" => &[
            "AZURE_CLIENT_CERTIFICATE_PATH",
            "AZURE_CLIENT_CERTIFICATE_PASSWORD",
        ],
        "federated" => &["AZURE_FEDERATED_TOKEN_FILE"],
        "password" => &["AZURE_USERNAME", "AZURE_PASSWORD", "AZURE_CLIENT_SECRET"],
        "token" | "access-token" => &["AUTHCHECK_ACCESS_TOKEN"],
        "none" => return Ok(Credential::None),
        "managed-identity" | "msi" => {
            return Ok(Credential::ManagedIdentity {
                client_id: src.managed_identity_client_id.clone(),
            })
        }
        "interactive" | "browser" => {
            return Ok(Credential::Interactive {
                redirect_uri: src.redirect_uri.clone(),
            })
        }
        other => {
            return Err(CredentialError::Invalid(
                "--credential".into(),
                format!("`{other}` is not secret, certificate, federated, password, token, managed-identity, interactive or none"),
            ))
        }
    };
    struct Only<'a> {
        env: &'a dyn Env,
        keep: &'a [&'a str],
    }
    impl Env for Only<'_> {
        fn var(&self, name: &str) -> Option<String> {
            let credential_var = [
                "AZURE_CLIENT_SECRET",
                "AZURE_CLIENT_CERTIFICATE_PATH",
                "AZURE_CLIENT_CERTIFICATE_PASSWORD",
                "AZURE_FEDERATED_TOKEN_FILE",
                "AZURE_USERNAME",
                "AZURE_PASSWORD",
                "AUTHCHECK_ACCESS_TOKEN",
            ]
            .contains(&name);
            if credential_var && !self.keep.contains(&name) {
                return None;
            }
            self.env.var(name)
        }
    }
    let src = Sources {
        client_secret_file: src
            .client_secret_file
            .clone()
            .filter(|_| only == "secret" || only == "password"),
        access_token_file: src
            .access_token_file
            .clone()
            .filter(|_| only.contains("token")),
        username: src.username.clone().filter(|_| only == "password"),
        prompt: src.prompt && only == "secret",
        ..Sources::default()
    };
    let c = load_any(&Only { env, keep }, &src)?;
    // Asked for a secret and none is set: that is the case to diagnose (an empty variable).
    Ok(c)
}

fn load_any(env: &dyn Env, src: &Sources) -> Result<Credential, CredentialError> {
    // A user name (flag or AZURE_USERNAME) means ROPC, as the user's code does it, secret or not.
    let username = src.username.clone().or_else(|| env.var("AZURE_USERNAME"));
    if let Some(user) = username {
        let password = env.var("AZURE_PASSWORD").ok_or_else(|| {
            CredentialError::Invalid(
                "AZURE_PASSWORD".into(),
                format!("not set: a password for {user} is read from AZURE_PASSWORD only"),
            )
        })?;
        let client_secret = match &src.client_secret_file {
            Some(p) => Some(Secret::new(read_file(p)?.trim_end_matches(['\r', '\n']))),
            None => env.var("AZURE_CLIENT_SECRET").map(Secret::new),
        };
        return Ok(Credential::Password {
            username: user,
            password: Secret::new(password),
            client_secret,
        });
    }
    if let Some(p) = &src.client_secret_file {
        let v = read_file(p)?;
        return Ok(Credential::Secret {
            value: Secret::new(v.trim_end_matches(['\r', '\n'])),
            origin: p.display().to_string(),
        });
    }
    if let Some(v) = env.var("AZURE_CLIENT_SECRET") {
        return Ok(Credential::Secret {
            value: Secret::new(v),
            origin: "AZURE_CLIENT_SECRET".into(),
        });
    }
    if let Some(p) = env
        .var("AZURE_CLIENT_CERTIFICATE_PATH")
        .filter(|p| !p.is_empty())
    {
        let path = std::path::PathBuf::from(&p);
        let cert = load_certificate(
            &path,
            env.var("AZURE_CLIENT_CERTIFICATE_PASSWORD").is_some(),
        )?;
        return Ok(Credential::Certificate { cert, origin: p });
    }
    if let Some(p) = env
        .var("AZURE_FEDERATED_TOKEN_FILE")
        .filter(|p| !p.is_empty())
    {
        let v = read_file(std::path::Path::new(&p))?;
        return Ok(Credential::Federated {
            assertion: Secret::new(v.trim()),
            origin: p,
        });
    }
    if let Some(p) = &src.access_token_file {
        let v = read_file(p)?;
        return Ok(Credential::AccessToken {
            token: Secret::new(crate::sources::jwt::strip_wrapping(&v).to_string()),
            origin: p.display().to_string(),
        });
    }
    if let Some(v) = env
        .var("AUTHCHECK_ACCESS_TOKEN")
        .filter(|v| !v.trim().is_empty())
    {
        return Ok(Credential::AccessToken {
            token: Secret::new(crate::sources::jwt::strip_wrapping(&v).to_string()),
            origin: "AUTHCHECK_ACCESS_TOKEN".into(),
        });
    }
    if src.prompt {
        if let Some(v) = prompt_hidden("Client secret (input hidden): ") {
            return Ok(Credential::Secret {
                value: Secret::new(v),
                origin: "prompt".into(),
            });
        }
    }
    Ok(Credential::None)
}

/// Reads a line from the terminal with echo off. None when stdin is not a terminal.
fn prompt_hidden(label: &str) -> Option<String> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return None;
    }
    eprint!("{label}");
    let _ = std::io::stderr().flush();
    let stty = |arg: &str| {
        std::process::Command::new("stty")
            .arg(arg)
            .stdin(std::process::Stdio::inherit())
            .status()
            .is_ok_and(|s| s.success())
    };
    let hidden = stty("-echo");
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if hidden {
        stty("echo");
    }
    eprintln!();
    read.ok()?;
    let v = line.trim_end_matches(['\r', '\n']).to_string();
    (!v.is_empty()).then_some(v)
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Reads a PEM file holding the certificate and its private key.
pub fn load_certificate(
    path: &std::path::Path,
    has_password: bool,
) -> Result<CertificateKey, CredentialError> {
    let name = path.display().to_string();
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".pfx") || lower.ends_with(".p12") {
        return Err(CredentialError::Invalid(
            name,
            "PFX/PKCS#12 certificates are not supported yet; convert it with `openssl pkcs12 -in cert.pfx -out cert.pem -nodes`".into(),
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| CredentialError::Read(name.clone(), e.kind().to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        CredentialError::Invalid(
            name.clone(),
            "not a PEM file (PFX/PKCS#12 is not supported yet; convert it with openssl pkcs12 -nodes)".into(),
        )
    })?;
    let der = rustls_pemfile::certs(&mut text.as_bytes())
        .next()
        .and_then(|c| c.ok())
        .ok_or_else(|| {
            CredentialError::Invalid(name.clone(), "holds no CERTIFICATE block".into())
        })?;
    if text.contains("ENCRYPTED PRIVATE KEY")
        || has_password
            && !text.contains("BEGIN PRIVATE KEY")
            && !text.contains("BEGIN RSA PRIVATE KEY")
    {
        return Err(CredentialError::Invalid(
            name,
            "the private key is encrypted; encrypted keys are not supported yet".into(),
        ));
    }
    let key_block = pem_block(&text, "RSA PRIVATE KEY")
        .or_else(|| pem_block(&text, "PRIVATE KEY"))
        .ok_or_else(|| {
            CredentialError::Invalid(
                name.clone(),
                "holds no RSA PRIVATE KEY or PRIVATE KEY block".into(),
            )
        })?;
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(key_block.as_bytes()).map_err(|e| {
        CredentialError::Invalid(
            name.clone(),
            format!("the private key is not an RSA key: {e}"),
        )
    })?;
    let sha1 = sha1::Sha1::digest(der.as_ref());
    let sha256 = sha2::Sha256::digest(der.as_ref());
    Ok(CertificateKey {
        key,
        x5t: b64url(&sha1),
        x5t_s256: b64url(&sha256),
        thumbprint: sha1.iter().map(|b| format!("{b:02X}")).collect(),
    })
}

fn pem_block<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let s = text.find(&begin)?;
    let e = text[s..].find(&end)? + s + end.len();
    Some(&text[s..e])
}

#[derive(serde::Serialize)]
struct AssertionClaims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: i64,
    iat: i64,
    exp: i64,
}

impl CertificateKey {
    /// A client assertion for `client_id`, addressed to the token endpoint `aud`, valid ten minutes.
    pub fn sign_assertion(&self, client_id: &str, aud: &str, now: i64) -> Result<Secret, String> {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.x5t = Some(self.x5t.clone());
        header.x5t_s256 = Some(self.x5t_s256.clone());
        let claims = AssertionClaims {
            aud,
            iss: client_id,
            sub: client_id,
            jti: uuid::Uuid::new_v4().to_string(),
            nbf: now,
            iat: now,
            exp: now + 600,
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map(Secret::new)
            .map_err(|e| format!("could not sign the client assertion: {e}"))
    }
}

/// Looks like a placeholder someone forgot to replace.
fn is_placeholder(s: &str) -> bool {
    let t = s.trim();
    let l = t.to_ascii_lowercase();
    (t.starts_with('<') && t.ends_with('>'))
        || (t.starts_with("${") && t.ends_with('}'))
        || (t.starts_with("$(") && t.ends_with(')'))
        || (t.starts_with("{{") && t.ends_with("}}"))
        || t.chars().all(|c| c == '*') && !t.is_empty()
        || matches!(
            l.as_str(),
            "changeme"
                | "change-me"
                | "secret"
                | "your-secret"
                | "yoursecret"
                | "client-secret"
                | "clientsecret"
                | "xxx"
                | "todo"
                | "placeholder"
                | "null"
                | "undefined"
        )
}

impl Credential {
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::Secret { .. } => "secret",
            Credential::Certificate { .. } => "certificate",
            Credential::Federated { .. } => "federated",
            Credential::Password { .. } => "password",
            Credential::AccessToken { .. } => "access-token",
            Credential::ManagedIdentity { .. } => "managed-identity",
            Credential::Interactive { .. } => "interactive",
            Credential::None => "none",
        }
    }

    /// Records what may be known about the credential: facts, never its value.
    pub fn fill_request(&self, r: &mut Request) {
        match self {
            Credential::Secret { value, .. } => {
                let v = value.expose();
                r.credential = Some("secret".into());
                r.secret_sent = true;
                r.secret_empty = v.trim().is_empty();
                r.secret_is_guid = looks_like_guid(v);
                r.secret_is_placeholder = !r.secret_empty && is_placeholder(v);
                r.secret_prefix = (!r.secret_empty).then(|| v.chars().take(3).collect());
            }
            Credential::Certificate { .. } => {
                r.credential = Some("certificate".into());
                r.assertion_sent = true;
            }
            Credential::Federated { .. } => {
                r.credential = Some("federated".into());
                r.assertion_sent = true;
            }
            Credential::Password {
                username,
                client_secret,
                ..
            } => {
                if let Some(secret) = client_secret {
                    Credential::Secret {
                        value: secret.clone(),
                        origin: String::new(),
                    }
                    .fill_request(r);
                }
                r.credential = Some("password".into());
                r.username = Some(username.clone());
                r.password_sent = true;
            }
            Credential::AccessToken { .. } => {}
            Credential::ManagedIdentity { .. } => {
                r.credential = Some("managed-identity".into());
                r.flow = Some("managed-identity".into());
            }
            Credential::Interactive { redirect_uri } => {
                r.credential = Some("none".into());
                r.flow = Some("interactive".into());
                r.redirect_uri = redirect_uri.clone();
            }
            Credential::None => r.credential = Some("none".into()),
        }
    }

    /// Every value of this credential that must never be printed (for redaction checks).
    pub fn secrets(&self) -> Vec<String> {
        match self {
            Credential::Secret { value, .. } => vec![value.expose().to_string()],
            Credential::Federated { assertion, .. } => vec![assertion.expose().to_string()],
            Credential::Password {
                password,
                client_secret,
                ..
            } => {
                let mut v = vec![password.expose().to_string()];
                v.extend(client_secret.iter().map(|s| s.expose().to_string()));
                v
            }
            Credential::AccessToken { token, .. } => vec![token.expose().to_string()],
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct MapEnv(HashMap<&'static str, &'static str>);
    impl Env for MapEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|s| s.to_string())
        }
    }

    #[test]
    fn secret_facts_without_the_secret() {
        let env = MapEnv(HashMap::from([(
            "AZURE_CLIENT_SECRET",
            "abc~Zq8Q-verysecret",
        )]));
        let c = load(&env, &Sources::default()).unwrap();
        let mut r = Request::default();
        c.fill_request(&mut r);
        assert!(r.secret_sent && !r.secret_empty && !r.secret_is_guid && !r.secret_is_placeholder);
        assert_eq!(r.secret_prefix.as_deref(), Some("abc"));
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("abc~"), "{json}");
        assert!(!format!("{c:?}").contains("verysecret"));
    }

    #[test]
    fn guid_and_placeholder() {
        for (v, guid, ph, empty) in [
            ("8578e004-a5c6-46e7-913e-12f58912df43", true, false, false),
            ("${CLIENT_SECRET}", false, true, false),
            ("<your-secret>", false, true, false),
            ("  ", false, false, true),
        ] {
            let c = Credential::Secret {
                value: Secret::new(v),
                origin: "t".into(),
            };
            let mut r = Request::default();
            c.fill_request(&mut r);
            assert_eq!(
                (r.secret_is_guid, r.secret_is_placeholder, r.secret_empty),
                (guid, ph, empty),
                "{v}"
            );
        }
    }

    #[test]
    fn pfx_is_not_yet() {
        let e = load_certificate(std::path::Path::new("x.pfx"), false).unwrap_err();
        assert!(e.to_string().contains("not supported yet"));
    }
}
