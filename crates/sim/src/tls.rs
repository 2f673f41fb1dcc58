//! `--tls`: a throw-away CA and a leaf certificate for `localhost` and `127.0.0.1`, so real clients
//! (MSAL, azure-identity, `az`) can trust the simulator through `REQUESTS_CA_BUNDLE` and friends.

use crate::SimError;
use std::sync::Arc;

/// The CA's PEM (to write where clients can read it) and the server configuration.
pub struct Tls {
    pub ca_pem: String,
    pub config: Arc<rustls::ServerConfig>,
}

pub fn make() -> Result<Tls, SimError> {
    let ca_err = || SimError::crypto("local CA");
    let leaf_err = || SimError::crypto("TLS certificate");
    let ca_key = rcgen::KeyPair::generate().map_err(|e| ca_err()(Box::new(e)))?;
    let mut ca_params =
        rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|e| ca_err()(Box::new(e)))?;
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "authcheck sim local CA");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .map_err(|e| ca_err()(Box::new(e)))?;
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let leaf_key = rcgen::KeyPair::generate().map_err(|e| leaf_err()(Box::new(e)))?;
    let mut leaf_params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .map_err(|e| leaf_err()(Box::new(e)))?;
    leaf_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    leaf_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = leaf_params
        .signed_by(&leaf_key, &issuer)
        .map_err(|e| leaf_err()(Box::new(e)))?;

    let chain = vec![leaf.der().clone(), ca_cert.der().clone()];
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        leaf_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SimError::crypto("TLS configuration")(Box::new(e)))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| SimError::crypto("TLS configuration")(Box::new(e)))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        ca_pem: ca_cert.pem(),
        config: Arc::new(config),
    })
}
