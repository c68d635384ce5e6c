//! The rustls configuration both built-in transports share: `ring` crypto,
//! the platform's certificate verifier, plus any roots the user adds.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use rustls_platform_verifier::Verifier;

use super::TransportConfig;
use crate::Error;

pub(super) fn client_config(config: &TransportConfig) -> Result<ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let extra_roots = config
        .extra_root_certificates
        .iter()
        .map(|der| CertificateDer::from(der.clone()));
    let verifier = Verifier::new_with_extra_roots(extra_roots, provider.clone())
        .map_err(|e| Error::Config(format!("cannot set up TLS certificate verification: {e}")))?;
    let tls = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("cannot set up TLS: {e}")))?
        .dangerous()
        // Not dangerous: this is the platform verifier, which checks chains
        // and names in full; rustls only calls any custom verifier this.
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(tls)
}
