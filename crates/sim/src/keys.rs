//! Keys and certificates made at start-up: the tenant's token-signing keys (published in JWKS),
//! the app certificates a scenario registers, the external issuer of federated tokens, and the
//! thumbprints Entra compares (`x5t` = base64url SHA-1 of the DER, `x5t#S256` = SHA-256).

use crate::SimError;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde_json::{json, Value};

/// An RSA key with a self-signed certificate around it.
pub struct CertKey {
    /// PKCS#8 PEM of the private key.
    pub key_pem: String,
    /// PEM of the certificate.
    pub cert_pem: String,
    pub cert_der: Vec<u8>,
    /// Base64url SHA-1 of the certificate (`x5t`, also the `kid` Entra uses).
    pub x5t: String,
    /// Base64url SHA-256 of the certificate (`x5t#S256`).
    pub x5t_s256: String,
    /// Upper-case hex SHA-1 (Graph's `customKeyIdentifier`, the portal's thumbprint).
    pub thumbprint_hex: String,
    /// Base64url modulus and exponent, for JWKS.
    pub n: String,
    pub e: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for CertKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertKey").field("x5t", &self.x5t).finish()
    }
}

impl CertKey {
    /// A fresh 2048-bit RSA key and a certificate for `cn` valid from `not_before` to `not_after`
    /// (Unix seconds).
    pub fn generate(cn: &str, not_before: i64, not_after: i64) -> Result<CertKey, SimError> {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::signature::KeyPair as _;
        let rsa = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .map_err(|e| SimError::crypto("RSA key")(Box::new(e)))?;
        let pkcs8 = rsa
            .as_der()
            .map_err(|e| SimError::crypto("RSA key's encoding")(Box::new(e)))?
            .as_ref()
            .to_vec();
        let pk = rsa.public_key();
        let n = URL_SAFE_NO_PAD.encode(pk.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(pk.exponent().big_endian_without_leading_zero());
        let key_pem = pem_block("PRIVATE KEY", &pkcs8);
        let kp = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
            &rustls_pki_types_der(&pkcs8),
            &rcgen::PKCS_RSA_SHA256,
        )
        .map_err(|e| SimError::crypto("certificate key")(Box::new(e)))?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())
            .map_err(|e| SimError::crypto("certificate")(Box::new(e)))?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn.to_string());
        let (y, m, d) = ymd(not_before);
        params.not_before = rcgen::date_time_ymd(y, m, d);
        let (y, m, d) = ymd(not_after);
        params.not_after = rcgen::date_time_ymd(y, m, d);
        let cert = params
            .self_signed(&kp)
            .map_err(|e| SimError::crypto("certificate")(Box::new(e)))?;
        let cert_der = cert.der().to_vec();
        let encoding = EncodingKey::from_rsa_pem(key_pem.as_bytes())
            .map_err(|e| SimError::crypto("signing key")(Box::new(e)))?;
        let decoding = DecodingKey::from_rsa_components(&n, &e)
            .map_err(|e| SimError::crypto("verification key")(Box::new(e)))?;
        Ok(CertKey {
            cert_pem: cert.pem(),
            x5t: x5t(&cert_der),
            x5t_s256: x5t_s256(&cert_der),
            thumbprint_hex: thumbprint_hex(&cert_der),
            cert_der,
            key_pem,
            n,
            e,
            encoding,
            decoding,
        })
    }

    /// The JWKS entry, in Entra's form (`kty`, `use`, `kid`, `x5t`, `n`, `e`, `x5c`, `issuer`).
    pub fn jwk(&self, issuer: Option<&str>) -> Value {
        let mut v = json!({
            "kty": "RSA",
            "use": "sig",
            "kid": self.x5t,
            "x5t": self.x5t,
            "n": self.n,
            "e": self.e,
            "x5c": [STANDARD.encode(&self.cert_der)],
        });
        if let Some(i) = issuer {
            v["issuer"] = json!(i);
        }
        v
    }

    /// Signs claims as RS256 with `kid` and `x5t` set to the certificate's thumbprint.
    pub fn sign(&self, claims: &Value) -> String {
        let mut h = Header::new(Algorithm::RS256);
        h.typ = Some("JWT".into());
        h.kid = Some(self.x5t.clone());
        h.x5t = Some(self.x5t.clone());
        jsonwebtoken::encode(&h, claims, &self.encoding).unwrap_or_default()
    }

    /// Signs a Microsoft Graph token the way Graph's are made unverifiable outside Graph: the
    /// header carries a `nonce`, but the signature covers a header whose `nonce` is the SHA-256 of
    /// it (hex). A standard JWT library rejects the signature; [`CertKey::verify_graph`] accepts it.
    pub fn sign_graph(&self, claims: &Value) -> String {
        let nonce = URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes());
        let header = |n: &str| {
            json!({"typ": "JWT", "nonce": n, "alg": "RS256", "x5t": self.x5t, "kid": self.x5t})
                .to_string()
        };
        let body = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signed = format!(
            "{}.{body}",
            URL_SAFE_NO_PAD.encode(header(&sha256_hex(&nonce)))
        );
        let sig = jsonwebtoken::crypto::sign(signed.as_bytes(), &self.encoding, Algorithm::RS256)
            .unwrap_or_default();
        format!("{}.{body}.{sig}", URL_SAFE_NO_PAD.encode(header(&nonce)))
    }

    /// Verifies a token made by [`CertKey::sign_graph`].
    pub fn verify_graph(&self, token: &str) -> bool {
        let mut parts = token.split('.');
        let (Some(h), Some(b), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
            return false;
        };
        let Some(mut header) = URL_SAFE_NO_PAD
            .decode(h)
            .ok()
            .and_then(|x| serde_json::from_slice::<Value>(&x).ok())
        else {
            return false;
        };
        let Some(nonce) = header["nonce"].as_str().map(sha256_hex) else {
            return false;
        };
        header["nonce"] = json!(nonce);
        let signed = format!("{}.{b}", URL_SAFE_NO_PAD.encode(header.to_string()));
        jsonwebtoken::crypto::verify(
            sig,
            signed.as_bytes(),
            &self.decoding_key(),
            Algorithm::RS256,
        )
        .unwrap_or(false)
    }

    /// Signs with a caller-chosen header (client assertions carry `x5t#S256`).
    pub fn sign_with(&self, header: &Header, claims: &Value) -> String {
        jsonwebtoken::encode(header, claims, &self.encoding).unwrap_or_default()
    }

    /// The public key, for verifying what this key signed.
    pub fn decoding_key(&self) -> DecodingKey {
        self.decoding.clone()
    }
}

fn rustls_pki_types_der(pkcs8: &[u8]) -> rustls::pki_types::PrivatePkcs8KeyDer<'static> {
    rustls::pki_types::PrivatePkcs8KeyDer::from(pkcs8.to_vec())
}

/// Year, month, day of a Unix time: rcgen takes dates through its own helper, which keeps the
/// `time` crate out of our dependencies.
fn ymd(unix: i64) -> (i32, u8, u8) {
    use chrono::Datelike;
    let d = chrono::DateTime::from_timestamp(unix, 0).unwrap_or_default();
    (d.year(), d.month() as u8, d.day() as u8)
}

/// PEM armour.
pub fn pem_block(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn sha256_hex(s: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn x5t(der: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    URL_SAFE_NO_PAD.encode(Sha1::digest(der))
}

pub fn x5t_s256(der: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    URL_SAFE_NO_PAD.encode(Sha256::digest(der))
}

pub fn thumbprint_hex(der: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    Sha1::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}
