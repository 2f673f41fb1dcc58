//! The credential the doctor presents, read from the environment, a file or a prompt — never from a
//! flag's value — and the facts about it that evidence may hold (never the secret itself).
//!
//! A certificate signs a client assertion (RS256, `x5t` and `x5t#S256` in the header); a federated
//! token file is sent as the assertion as is.

use authcheck_model::evidence::{derive::looks_like_guid, CredentialKind, Flow, Request};
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
    /// Upper-case hex SHA-256 (what `x5t#S256` carries; shown first, as current guidance uses it).
    pub thumbprint_sha256: String,
    /// The certificate's end of validity (Unix seconds), when it could be read. Entra still
    /// answers for an expired certificate, so the doctor goes on and notes it.
    pub not_after: Option<i64>,
    /// The certificate then the rest of its chain, standard base64 DER (header `x5c`).
    chain: Vec<String>,
    /// Send `x5c` (AZURE_CLIENT_SEND_CERTIFICATE_CHAIN): subject name and issuer authentication.
    pub send_chain: bool,
    /// The PFX password or key passphrase, kept only so tests can check it is never printed.
    password: Option<Secret>,
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
    /// The device authorization grant: the user signs in on another device with the code Entra
    /// shows, while the doctor polls.
    DeviceCode,
    /// A real browser sign-in: authorization code with PKCE on a loopback redirect URI, the
    /// browser started from `$BROWSER` (when set) or the platform's opener.
    Browser {
        redirect_uri: Option<String>,
        browser: Option<String>,
    },
    /// Nothing was supplied.
    None,
}

/// An I/O error in a few plain words.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
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
    let meta =
        std::fs::metadata(path).map_err(|e| CredentialError::Read(name.clone(), io_reason(&e)))?;
    if meta.len() > 1024 * 1024 {
        return Err(CredentialError::Invalid(
            name,
            "larger than 1 MiB: not a credential file".into(),
        ));
    }
    std::fs::read_to_string(path).map_err(|e| CredentialError::Read(name, io_reason(&e)))
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
        "interactive" => {
            return Ok(Credential::Interactive {
                redirect_uri: src.redirect_uri.clone(),
            })
        }
        "device-code" | "devicecode" | "browser" if ci_run(env).is_some() => {
            return Err(CredentialError::Invalid(
                format!("--credential {only}"),
                format!(
                    "needs a person to sign in, and this is a pipeline run ({} is set); use a service principal, a managed identity or workload identity federation there",
                    ci_run(env).unwrap_or_default()
                ),
            ))
        }
        "device-code" | "devicecode" => return Ok(Credential::DeviceCode),
        "browser" => {
            return Ok(Credential::Browser {
                redirect_uri: src.redirect_uri.clone(),
                browser: env.var("BROWSER"),
            })
        }
        other => {
            return Err(CredentialError::Invalid(
                "--credential".into(),
                format!("`{other}` is not secret, certificate, federated, password, token, managed-identity, device-code, browser, interactive or none"),
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

/// The variable that says this is a pipeline run, where nobody can sign in interactively.
fn ci_run(env: &dyn Env) -> Option<&'static str> {
    ["CI", "GITHUB_ACTIONS", "TF_BUILD"]
        .into_iter()
        .find(|v| env.var(v).is_some_and(|x| !x.is_empty() && x != "false"))
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
        let password = env.var("AZURE_CLIENT_CERTIFICATE_PASSWORD");
        let mut cert = load_certificate(&path, password.as_deref())?;
        cert.send_chain = env
            .var("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN")
            .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true"));
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
            token: Secret::new(authcheck_offline::jwt::strip_wrapping(&v).to_string()),
            origin: p.display().to_string(),
        });
    }
    if let Some(v) = env
        .var("AUTHCHECK_ACCESS_TOKEN")
        .filter(|v| !v.trim().is_empty())
    {
        return Ok(Credential::AccessToken {
            token: Secret::new(authcheck_offline::jwt::strip_wrapping(&v).to_string()),
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
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return None;
    }
    let v = rpassword::prompt_password(label).ok()?;
    let v = v.trim_end_matches(['\r', '\n']).to_string();
    (!v.is_empty()).then_some(v)
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Reads the certificate and its private key from `path`, as azure-identity does: a PEM file with
/// the key (plain, or encrypted PKCS#8 when `password` is set) and the certificate, or a PFX
/// (PKCS#12) file. `password` is AZURE_CLIENT_CERTIFICATE_PASSWORD; no error ever shows it.
pub fn load_certificate(
    path: &std::path::Path,
    password: Option<&str>,
) -> Result<CertificateKey, CredentialError> {
    let name = path.display().to_string();
    let meta =
        std::fs::metadata(path).map_err(|e| CredentialError::Read(name.clone(), io_reason(&e)))?;
    if meta.len() > 1024 * 1024 {
        return Err(CredentialError::Invalid(
            name,
            "larger than 1 MiB: not a certificate file".into(),
        ));
    }
    let bytes =
        std::fs::read(path).map_err(|e| CredentialError::Read(name.clone(), io_reason(&e)))?;
    let invalid = |m: String| CredentialError::Invalid(name.clone(), m);
    let (key, certs) = if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        read_pem(&bytes, password).map_err(invalid)?
    } else if bytes.first() == Some(&0x30) {
        read_pfx(&bytes, password).map_err(invalid)?
    } else {
        return Err(invalid(
            "neither PEM (key and certificate) nor PFX/PKCS#12".into(),
        ));
    };
    let mut cert = certificate_key(key, certs).map_err(invalid)?;
    cert.password = password.filter(|p| !p.is_empty()).map(Secret::new);
    Ok(cert)
}

/// A private key as found: PKCS#8 (`PRIVATE KEY`, PFX) or PKCS#1 (`RSA PRIVATE KEY`).
enum KeyDer {
    Pkcs8(Vec<u8>),
    Pkcs1(Vec<u8>),
}

const WRONG_PASSWORD: &str = "wrong password (AZURE_CLIENT_CERTIFICATE_PASSWORD)";
const NEEDS_PASSWORD: &str =
    "is protected by a password; set it in AZURE_CLIENT_CERTIFICATE_PASSWORD";

/// The PEM blocks of a file: label and decoded body (headers such as `Proc-Type` skipped).
fn pem_blocks(text: &str) -> Vec<(String, Result<Vec<u8>, ()>, bool)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(b) = rest.find("-----BEGIN ") {
        let after = &rest[b + 11..];
        let Some(l) = after.find("-----") else { break };
        let label = after[..l].to_string();
        let body_start = &after[l + 5..];
        let end = format!("-----END {label}-----");
        let Some(e) = body_start.find(&end) else {
            break;
        };
        let body = &body_start[..e];
        let legacy_encrypted = body.contains("Proc-Type:") && body.contains("ENCRYPTED");
        let b64: String = body
            .lines()
            .filter(|l| !l.contains(':'))
            .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| ());
        out.push((label, der, legacy_encrypted));
        rest = &body_start[e + end.len()..];
    }
    out
}

fn read_pem(bytes: &[u8], password: Option<&str>) -> Result<(KeyDer, Vec<Vec<u8>>), String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not a PEM file (not text)".to_string())?;
    let mut key = None;
    let mut certs = Vec::new();
    for (label, der, legacy_encrypted) in pem_blocks(text) {
        let der = der.map_err(|_| format!("the {label} block is not valid base64"))?;
        match label.as_str() {
            "CERTIFICATE" => certs.push(der),
            _ if key.is_some() => {}
            "PRIVATE KEY" => key = Some(KeyDer::Pkcs8(der)),
            "RSA PRIVATE KEY" if legacy_encrypted => {
                return Err("the private key is in OpenSSL's legacy encrypted format; convert it to PKCS#8: openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-pkcs8.pem".into())
            }
            "RSA PRIVATE KEY" => key = Some(KeyDer::Pkcs1(der)),
            "ENCRYPTED PRIVATE KEY" => {
                let Some(pw) = password.filter(|p| !p.is_empty()) else {
                    return Err(format!("the private key {NEEDS_PASSWORD}"));
                };
                key = Some(KeyDer::Pkcs8(decrypt_pkcs8(&der, pw)?));
            }
            "EC PRIVATE KEY" => {
                return Err("the private key is an EC key; Entra needs an RSA key to sign the client assertion".into())
            }
            _ => {}
        }
    }
    let key = key.ok_or(
        "holds no private key (PRIVATE KEY, RSA PRIVATE KEY or ENCRYPTED PRIVATE KEY block)",
    )?;
    if certs.is_empty() {
        return Err("holds no CERTIFICATE block".into());
    }
    Ok((key, certs))
}

/// Decrypts a PKCS#8 `EncryptedPrivateKeyInfo` by handing it to the PKCS#12 reader as the one
/// shrouded key bag of a MAC-less PFX: one implementation of PBES2 (and PBES1) for both formats.
fn decrypt_pkcs8(encrypted: &[u8], password: &str) -> Result<Vec<u8>, String> {
    const DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    const SHROUDED_KEY_BAG: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02,
    ];
    let content_info = |inner: &[u8]| {
        der_tlv(
            0x30,
            &[der_tlv(0x06, DATA), der_tlv(0xa0, &der_tlv(0x04, inner))].concat(),
        )
    };
    let bag = der_tlv(
        0x30,
        &[der_tlv(0x06, SHROUDED_KEY_BAG), der_tlv(0xa0, encrypted)].concat(),
    );
    let safe_contents = der_tlv(0x30, &bag);
    let auth_safe = der_tlv(0x30, &content_info(&safe_contents));
    let pfx = der_tlv(
        0x30,
        &[der_tlv(0x02, &[3]), content_info(&auth_safe)].concat(),
    );
    let archive = p12_keystore::Pkcs12Archive::from_pkcs12(&pfx, password)
        .map_err(|e| pkcs12_error(&e, encrypted, true, true))?;
    archive
        .keys
        .into_iter()
        .next()
        .map(|k| k.key.as_der().to_vec())
        .ok_or_else(|| "the encrypted private key could not be read".into())
}

fn read_pfx(bytes: &[u8], password: Option<&str>) -> Result<(KeyDer, Vec<Vec<u8>>), String> {
    let pw = password.unwrap_or("");
    let archive = p12_keystore::Pkcs12Archive::from_pkcs12(bytes, pw)
        .map_err(|e| pkcs12_error(&e, bytes, !pw.is_empty(), false))?;
    let certs: Vec<Vec<u8>> = archive
        .certs
        .iter()
        .map(|c| c.cert.as_der().to_vec())
        .collect();
    // The key whose certificate is present, else the first.
    let key = archive
        .keys
        .iter()
        .find(|k| {
            rsa_public_key(&KeyDer::Pkcs8(k.key.as_der().to_vec()))
                .is_ok_and(|pk| certs.iter().any(|c| cert_has_key(c, &pk)))
        })
        .or(archive.keys.first())
        .ok_or("holds no private key (a PFX exported without its key: export it again with the private key)")?;
    if certs.is_empty() {
        return Err("holds no certificate, only a private key".into());
    }
    Ok((KeyDer::Pkcs8(key.key.as_der().to_vec()), certs))
}

/// One line for a PKCS#12 error (or, with `pem_key`, an encrypted PEM key's), naming an
/// encryption scheme authcheck cannot read.
fn pkcs12_error(
    e: &p12_keystore::error::Error,
    bytes: &[u8],
    has_password: bool,
    pem_key: bool,
) -> String {
    use p12_keystore::error::Error as E;
    let reexport = if pem_key {
        "re-encrypt it with AES (openssl pkcs8 -topk8 -v2 aes-256-cbc)"
    } else {
        "re-export with AES (openssl pkcs12 -export -keypbe AES-256-CBC -certpbe AES-256-CBC)"
    };
    // A scheme the reader lacks fails in several ways (unsupported, DER, decryption): name it.
    if let (false, Some(alg)) = (matches!(e, E::MacError(_)), unsupported_scheme(bytes)) {
        return format!("encrypted with {alg}, which authcheck cannot read; {reexport}");
    }
    match e {
        E::MacError(_) if has_password => WRONG_PASSWORD.into(),
        E::MacError(_) => NEEDS_PASSWORD.into(),
        E::UnsupportedEncryptionScheme | E::UnsupportedMacAlgorithm => format!(
            "uses an encryption or integrity scheme authcheck cannot read; {reexport}"
        ),
        E::InvalidParameters => format!(
            "its key derivation parameters are out of range (over 1,000,000 iterations?); {reexport}"
        ),
        // Decryption failed: with a MAC that passed this would be damage, so almost always the
        // password (a PFX without a MAC, or an encrypted PEM key, has nothing else to check it).
        E::Pkcs5Error(_) | E::UnpadError | E::InvalidPrivateKey if has_password => {
            WRONG_PASSWORD.into()
        }
        E::DerError(_) | E::InvalidData if pem_key && has_password => WRONG_PASSWORD.into(),
        E::Pkcs5Error(_) | E::UnpadError | E::InvalidPrivateKey => NEEDS_PASSWORD.into(),
        E::DerError(_) | E::InvalidVersion | E::UnsupportedContentType => {
            "not a PFX/PKCS#12 file authcheck can read (damaged, or not PKCS#12)".into()
        }
        other => format!("cannot read the PFX/PKCS#12 file: {other}"),
    }
}

/// The first encryption scheme in a PKCS#12 structure that the reader does not support.
fn unsupported_scheme(bytes: &[u8]) -> Option<&'static str> {
    const P: [u8; 7] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01];
    let schemes: [(&[u8], &str); 11] = [
        (&[0x0c, 0x01, 0x01], "RC4-128"),
        (&[0x0c, 0x01, 0x02], "RC4-40"),
        (&[0x0c, 0x01, 0x04], "two-key 3DES"),
        (&[0x0c, 0x01, 0x05], "RC2-128"),
        (&[0x05, 0x01], "PBES1 (MD2 and DES)"),
        (&[0x05, 0x03], "PBES1 (MD5 and DES)"),
        (&[0x05, 0x04], "PBES1 (MD2 and RC2)"),
        (&[0x05, 0x06], "PBES1 (MD5 and RC2)"),
        (&[0x05, 0x0a], "PBES1 (SHA-1 and DES)"),
        (&[0x05, 0x0b], "PBES1 (SHA-1 and RC2)"),
        (&[0x05, 0x0e], "PBMAC1"),
    ];
    for (tail, alg) in schemes {
        let oid = [&[0x06, (P.len() + tail.len()) as u8][..], &P, tail].concat();
        if contains(bytes, &oid) {
            return Some(alg);
        }
    }
    // Inside PBES2: ciphers other than AES.
    let ciphers: [(&[u8], &str); 3] = [
        (
            &[0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x03, 0x07],
            "3DES",
        ),
        (
            &[0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x03, 0x02],
            "RC2",
        ),
        (&[0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x07], "DES"),
    ];
    ciphers
        .into_iter()
        .find(|(oid, _)| contains(bytes, oid))
        .map(|(_, alg)| alg)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// A DER element: tag, length, content.
fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = content.len();
    if n < 0x80 {
        v.push(n as u8);
    } else {
        let len = n.to_be_bytes();
        let skip = len.iter().take_while(|b| **b == 0).count();
        v.push(0x80 | (len.len() - skip) as u8);
        v.extend_from_slice(&len[skip..]);
    }
    v.extend_from_slice(content);
    v
}

/// The certificate's `notAfter` (Unix seconds).
fn cert_not_after(der: &[u8]) -> Option<i64> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(cert.validity().not_after.timestamp())
}

/// Whether `cert` (DER) carries the RSA public key `public` (PKCS#1 `RSAPublicKey` DER, the
/// content of the certificate's subjectPublicKey bit string).
fn cert_has_key(cert: &[u8], public: &[u8]) -> bool {
    x509_parser::parse_x509_certificate(cert)
        .is_ok_and(|(_, c)| c.public_key().subject_public_key.data.as_ref() == public)
}

/// The RSA public key (PKCS#1 `RSAPublicKey` DER) of a private key.
fn rsa_public_key(key: &KeyDer) -> Result<Vec<u8>, String> {
    use aws_lc_rs::signature::KeyPair as _;
    let kp = match key {
        KeyDer::Pkcs8(d) => aws_lc_rs::rsa::KeyPair::from_pkcs8(d),
        KeyDer::Pkcs1(d) => aws_lc_rs::rsa::KeyPair::from_der(d),
    }
    .map_err(|e| {
        format!("the private key is not an RSA key authcheck can use ({e}); Entra needs an RSA key of 2048 bits or more")
    })?;
    Ok(kp.public_key().as_ref().to_vec())
}

fn pem_text(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(&String::from_utf8_lossy(chunk));
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

/// The signing key and the certificate that matches it (the leaf), the rest as its chain.
fn certificate_key(key: KeyDer, mut certs: Vec<Vec<u8>>) -> Result<CertificateKey, String> {
    let public = rsa_public_key(&key)?;
    let Some(leaf) = certs.iter().position(|c| cert_has_key(c, &public)) else {
        let tp: String = sha1::Sha1::digest(&certs[0])
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        return Err(format!(
            "the certificate ({tp}) does not match the private key: they come from different key pairs"
        ));
    };
    let der = certs.remove(leaf);
    certs.insert(0, der);
    let der = &certs[0];
    let pem = match &key {
        KeyDer::Pkcs8(d) => pem_text("PRIVATE KEY", d),
        KeyDer::Pkcs1(d) => pem_text("RSA PRIVATE KEY", d),
    };
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes())
        .map_err(|e| format!("the private key is not an RSA key: {e}"))?;
    let sha1 = sha1::Sha1::digest(der);
    let sha256 = sha2::Sha256::digest(der);
    Ok(CertificateKey {
        key,
        x5t: b64url(&sha1),
        x5t_s256: b64url(&sha256),
        thumbprint: sha1.iter().map(|b| format!("{b:02X}")).collect(),
        thumbprint_sha256: sha256.iter().map(|b| format!("{b:02X}")).collect(),
        not_after: cert_not_after(der),
        chain: certs
            .iter()
            .map(|c| base64::engine::general_purpose::STANDARD.encode(c))
            .collect(),
        send_chain: false,
        password: None,
    })
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
        if self.send_chain {
            header.x5c = Some(self.chain.clone());
        }
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
            Credential::DeviceCode => "device-code",
            Credential::Browser { .. } => "browser",
            Credential::None => "none",
        }
    }

    /// Records what may be known about the credential: facts, never its value.
    pub fn fill_request(&self, r: &mut Request) {
        match self {
            Credential::Secret { value, .. } => {
                let v = value.expose();
                r.credential = Some(CredentialKind::Secret);
                r.secret_sent = true;
                r.secret_empty = v.trim().is_empty();
                r.secret_is_guid = looks_like_guid(v);
                r.secret_is_placeholder = !r.secret_empty && is_placeholder(v);
                r.secret_prefix = (!r.secret_empty).then(|| v.chars().take(3).collect());
            }
            Credential::Certificate { .. } => {
                r.credential = Some(CredentialKind::Certificate);
                r.assertion_sent = true;
            }
            Credential::Federated { .. } => {
                r.credential = Some(CredentialKind::Federated);
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
                r.credential = Some(CredentialKind::Password);
                r.username = Some(username.clone());
                r.password_sent = true;
            }
            Credential::AccessToken { .. } => {}
            Credential::ManagedIdentity { .. } => {
                r.credential = Some(CredentialKind::ManagedIdentity);
                r.flow = Some(Flow::ManagedIdentity);
            }
            Credential::Interactive { redirect_uri } => {
                r.credential = Some(CredentialKind::None);
                r.flow = Some(Flow::Interactive);
                r.redirect_uri = redirect_uri.clone();
            }
            Credential::DeviceCode => {
                r.credential = Some(CredentialKind::None);
                r.flow = Some(Flow::DeviceCode);
            }
            Credential::Browser { redirect_uri, .. } => {
                r.credential = Some(CredentialKind::None);
                r.flow = Some(Flow::Interactive);
                r.redirect_uri = redirect_uri.clone();
            }
            Credential::None => r.credential = Some(CredentialKind::None),
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
            Credential::Certificate { cert, .. } => cert
                .password
                .iter()
                .map(|p| p.expose().to_string())
                .collect(),
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
    fn a_person_sign_in_is_refused_in_a_pipeline() {
        let src = Sources {
            only: Some("device-code".into()),
            ..Sources::default()
        };
        let ci = MapEnv(HashMap::from([("GITHUB_ACTIONS", "true")]));
        let e = load(&ci, &src).unwrap_err().to_string();
        assert!(
            e.starts_with("--credential device-code: needs a person"),
            "{e}"
        );
        assert!(e.contains("GITHUB_ACTIONS"), "{e}");
        let here = MapEnv(HashMap::new());
        assert!(matches!(load(&here, &src), Ok(Credential::DeviceCode)));
        let browser = Sources {
            only: Some("browser".into()),
            ..Sources::default()
        };
        let with_browser = MapEnv(HashMap::from([("BROWSER", "firefox")]));
        assert!(matches!(
            load(&with_browser, &browser),
            Ok(Credential::Browser { browser: Some(b), .. }) if b == "firefox"
        ));
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

    const PW: &str = "pfx-Pa55word!";

    fn pfx(k: &authcheck_sim::keys::CertKey, pw: &str) -> Vec<u8> {
        use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
        let key = pem_blocks(&k.key_pem).remove(0).1.unwrap();
        let chain = PrivateKeyChain::new(
            vec![1u8, 2, 3],
            PrivateKey::from_der(&key).unwrap(),
            [Certificate::from_der(&k.cert_der).unwrap()],
        );
        let mut ks = KeyStore::new();
        ks.add_entry("client", KeyStoreEntry::PrivateKeyChain(chain));
        ks.writer(pw).write().unwrap()
    }

    /// The next DER element of `b`: its tag, its content and what follows it (enough DER for the
    /// tests to look inside the archives they build).
    fn der_next(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = b.split_first()?;
        let (&l0, rest) = rest.split_first()?;
        let (len, rest) = if l0 < 0x80 {
            (l0 as usize, rest)
        } else {
            let n = (l0 & 0x7f) as usize;
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n].iter().fold(0usize, |a, &x| a << 8 | x as usize);
            (len, &rest[n..])
        };
        (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
    }

    /// The `EncryptedPrivateKeyInfo` of a PFX's shrouded key bag.
    fn shrouded_key(b: &[u8]) -> Option<Vec<u8>> {
        let mut rest = b;
        while let Some((tag, content, next)) = der_next(rest) {
            if tag == 0x30 {
                if let Some((0x06, oid, after)) = der_next(content) {
                    if oid
                        == [
                            0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02,
                        ]
                    {
                        return der_next(after).map(|(_, v, _)| v.to_vec());
                    }
                }
            }
            if matches!(tag, 0x30 | 0xa0 | 0x04) {
                if let Some(found) = shrouded_key(content) {
                    return Some(found);
                }
            }
            rest = next;
        }
        None
    }

    fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn keys() -> (authcheck_sim::keys::CertKey, authcheck_sim::keys::CertKey) {
        // 2026-01-01 .. 2027-01-01, and one that ended 2025-06-01.
        let a =
            authcheck_sim::keys::CertKey::generate("client", 1_767_225_600, 1_798_761_600).unwrap();
        let b =
            authcheck_sim::keys::CertKey::generate("old", 1_704_067_200, 1_748_736_000).unwrap();
        (a, b)
    }

    #[test]
    fn pfx_and_encrypted_pem_are_read_and_errors_never_show_the_password() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = keys();
        let p = write(&dir, "client.pfx", &pfx(&a, PW));
        let c = load_certificate(&p, Some(PW)).unwrap();
        assert_eq!(c.thumbprint, a.thumbprint_hex);
        assert_eq!(c.x5t_s256, a.x5t_s256);
        assert_eq!(c.thumbprint_sha256.len(), 64);
        assert_eq!(c.not_after, Some(1_798_761_600));
        // The extension does not matter: the content decides.
        let p2 = write(&dir, "client.bin", &pfx(&a, PW));
        assert_eq!(
            load_certificate(&p2, Some(PW)).unwrap().thumbprint,
            a.thumbprint_hex
        );

        for (pw, want) in [(Some("wrong-one"), WRONG_PASSWORD), (None, NEEDS_PASSWORD)] {
            let e = load_certificate(&p, pw).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("client.pfx"), "{e}");
            assert!(!e.contains(PW) && !e.contains('\n'), "{e}");
        }

        // Encrypted PKCS#8 (PBES2, AES-256-CBC) in PEM, with the certificate.
        let epki = shrouded_key(&pfx(&a, PW)).unwrap();
        let pem = format!("{}{}", pem_text("ENCRYPTED PRIVATE KEY", &epki), a.cert_pem);
        let p = write(&dir, "client.pem", pem.as_bytes());
        let c = load_certificate(&p, Some(PW)).unwrap();
        assert_eq!(c.thumbprint, a.thumbprint_hex);
        let e = load_certificate(&p, Some("nope")).unwrap_err().to_string();
        assert!(e.contains(WRONG_PASSWORD) && !e.contains(PW), "{e}");
        let e = load_certificate(&p, None).unwrap_err().to_string();
        assert!(e.contains("AZURE_CLIENT_CERTIFICATE_PASSWORD"), "{e}");

        // A key and someone else's certificate.
        let pem = format!("{}{}", a.key_pem, b.cert_pem);
        let p = write(&dir, "mixed.pem", pem.as_bytes());
        let e = load_certificate(&p, None).unwrap_err().to_string();
        assert!(e.contains("does not match the private key"), "{e}");
        // The matching one is found among several, and comes first in the chain.
        let pem = format!("{}{}{}", b.cert_pem, a.key_pem, a.cert_pem);
        let p = write(&dir, "two.pem", pem.as_bytes());
        let c = load_certificate(&p, Some("ignored for a plain key")).unwrap();
        assert_eq!(c.thumbprint, a.thumbprint_hex);
        assert_eq!(c.chain.len(), 2);
        // An expired certificate still loads; its end is known.
        let p = write(
            &dir,
            "old.pem",
            format!("{}{}", b.key_pem, b.cert_pem).as_bytes(),
        );
        assert_eq!(
            load_certificate(&p, None).unwrap().not_after,
            Some(1_748_736_000)
        );
        // No key; no certificate; not a certificate file at all.
        let p = write(&dir, "cert-only.pem", a.cert_pem.as_bytes());
        assert!(load_certificate(&p, None)
            .unwrap_err()
            .to_string()
            .contains("no private key"));
        let p = write(&dir, "key-only.pem", a.key_pem.as_bytes());
        assert!(load_certificate(&p, None)
            .unwrap_err()
            .to_string()
            .contains("no CERTIFICATE"));
        let p = write(&dir, "junk.pfx", b"hello");
        assert!(load_certificate(&p, None)
            .unwrap_err()
            .to_string()
            .contains("neither PEM"));
        let p = write(&dir, "junk2.pfx", &[0x30, 0x03, 0x02, 0x01, 0x03]);
        let e = load_certificate(&p, Some(PW)).unwrap_err().to_string();
        assert!(e.contains("PKCS#12") && !e.contains(PW), "{e}");
    }

    #[test]
    fn the_password_is_a_secret_and_the_chain_is_sent_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let (a, _) = keys();
        let p = write(&dir, "client.pfx", &pfx(&a, PW));
        let path: &'static str = Box::leak(p.display().to_string().into_boxed_str());
        let env = MapEnv(HashMap::from([
            ("AZURE_CLIENT_CERTIFICATE_PATH", path),
            ("AZURE_CLIENT_CERTIFICATE_PASSWORD", PW),
            ("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "true"),
        ]));
        let c = load(&env, &Sources::default()).unwrap();
        assert_eq!(c.secrets(), vec![PW.to_string()]);
        assert!(!format!("{c:?}").contains(PW));
        let Credential::Certificate { cert, .. } = c else {
            panic!("{c:?}")
        };
        assert!(cert.send_chain);
        let jwt = cert
            .sign_assertion("app", "https://login/token", 1_800_000_000)
            .unwrap();
        let header = jsonwebtoken::decode_header(jwt.expose()).unwrap();
        let x5c = header.x5c.unwrap();
        assert_eq!(x5c.len(), 1);
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(&x5c[0])
                .unwrap(),
            a.cert_der
        );
    }

    #[test]
    fn unreadable_schemes_are_named() {
        let rc2_128 = der_tlv(
            0x06,
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x05],
        );
        assert_eq!(
            unsupported_scheme(&[&[0x30u8, 0x00][..], &rc2_128].concat()),
            Some("RC2-128")
        );
        assert_eq!(unsupported_scheme(b"nothing"), None);
        let long = vec![7u8; 300];
        let tlv = der_tlv(0x04, &long);
        assert_eq!(&tlv[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(der_next(&tlv).unwrap().1, &long[..]);
    }
}
