//! The rustls configuration both built-in transports share: `ring` crypto,
//! the platform's certificate verifier, plus any roots the user adds.

use std::sync::{Arc, OnceLock};

use rustls::ClientConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls_platform_verifier::Verifier;

use super::TransportConfig;
use crate::Error;
use crate::error::{Cause, ConfigError};

/// The configuration with the platform's roots alone, made once per
/// process: the platform verifier reads and parses the system's whole
/// certificate bundle when it is made, which costs milliseconds (far more
/// in a debug build) that every transport would otherwise spend again.
static PLATFORM_ROOTS_ONLY: OnceLock<ClientConfig> = OnceLock::new();

pub(super) fn client_config(config: &TransportConfig) -> Result<ClientConfig, Error> {
    if !config.extra_root_certificates.is_empty() || config.client_certificate.is_some() {
        return build(config);
    }
    if let Some(tls) = PLATFORM_ROOTS_ONLY.get() {
        return Ok(tls.clone());
    }
    // A failure is not kept: the next transport tries again.
    let tls = build(config)?;
    Ok(PLATFORM_ROOTS_ONLY.get_or_init(|| tls).clone())
}

fn build(config: &TransportConfig) -> Result<ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let extra_roots = config
        .extra_root_certificates
        .iter()
        .map(|der| CertificateDer::from(der.clone()));
    let verifier = Verifier::new_with_extra_roots(extra_roots, provider.clone()).map_err(|e| {
        ConfigError::Environment {
            what: "set up TLS certificate verification",
            source: Cause::new(e),
        }
    })?;
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::Environment {
            what: "set up TLS",
            source: Cause::new(e),
        })?
        .dangerous()
        // Not dangerous: this is the platform verifier, which checks chains
        // and names in full; rustls only calls any custom verifier this.
        .with_custom_certificate_verifier(Arc::new(verifier));
    let Some(certificate) = &config.client_certificate else {
        return Ok(builder.with_no_client_auth());
    };
    let chain = certificate
        .chain
        .iter()
        .map(|der| CertificateDer::from(der.clone()))
        .collect();
    let key = PrivateKeyDer::try_from(certificate.key.clone()).map_err(|_| {
        ConfigError::InvalidValue {
            what: "the client certificate's key",
            reason: "not a PKCS#8, PKCS#1 or SEC1 private key".into(),
        }
    })?;
    // rustls's refusal names the problem, never the key.
    builder.with_client_auth_cert(chain, key).map_err(|e| {
        ConfigError::InvalidValue {
            what: "the client certificate",
            reason: e.to_string(),
        }
        .into()
    })
}
