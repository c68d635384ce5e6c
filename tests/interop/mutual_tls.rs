//! Mutual TLS (RFC 8705) against oidc-provider listening with TLS and
//! asking for client certificates, with a CA made at test time: a client
//! authenticated by a certificate the CA signed (`tls_client_auth`) and by
//! a registered self-signed one (`self_signed_tls_client_auth`), both
//! transports; tokens bound to the certificate (`cnf.x5t#S256`); no
//! certificate, no token.

use std::sync::Arc;

use base64::Engine as _;
use oauth_core::transport::{
    ClientCertificate, HttpTransport, HyperTransport, ReqwestTransport, TransportConfig,
};
use oauth_core::{Client, ClientAuth, ErrorCode, GenericProvider};
use sha2::Digest as _;

use crate::interop::harness::mtls_server;

fn config(ca: &[u8], certificate: Option<&(Vec<u8>, Vec<u8>)>) -> TransportConfig {
    let config = TransportConfig::default().add_root_certificate(ca.to_vec());
    match certificate {
        Some((cert, key)) => {
            config.client_certificate(ClientCertificate::from_der(vec![cert.clone()], key.clone()))
        }
        None => config,
    }
}

fn transports(config: &TransportConfig) -> [(&'static str, Arc<dyn HttpTransport>); 2] {
    [
        (
            "reqwest",
            Arc::new(ReqwestTransport::with_config(config).unwrap()),
        ),
        (
            "hyper",
            Arc::new(HyperTransport::with_config(config).unwrap()),
        ),
    ]
}

#[tokio::test]
async fn certificates_authenticate_clients_and_bind_their_tokens() {
    let Some(mtls) = mtls_server() else {
        return;
    };
    let issuer = mtls.server.issuer_str().to_owned();
    assert!(issuer.starts_with("https://"), "{issuer}");
    for (id, auth, certificate) in [
        ("mtls-ca", ClientAuth::TlsClientAuth, &mtls.client),
        (
            "mtls-self-signed",
            ClientAuth::SelfSignedTlsClientAuth,
            &mtls.self_signed,
        ),
    ] {
        for (name, transport) in transports(&config(&mtls.ca, Some(certificate))) {
            let provider = GenericProvider::discover_with(&issuer, &*transport)
                .await
                .unwrap()
                .with_mtls_aliases()
                .unwrap()
                .with_client_auth(auth);
            let methods = provider
                .metadata()
                .unwrap()
                .token_endpoint_auth_methods_supported()
                .unwrap()
                .to_vec();
            assert!(methods.iter().any(|m| m == auth.as_str()), "{methods:?}");
            let client = Client::builder(provider, id)
                .shared_transport(transport)
                .build()
                .unwrap();
            let token = client
                .client_credentials(&["api:read"])
                .await
                .unwrap_or_else(|e| panic!("{id} on {name}: {e}"));
            let introspection = client.introspect(token.access_token()).await.unwrap();
            assert!(introspection.active);
            let thumbprint = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(&certificate.0));
            assert_eq!(
                introspection.extra["cnf"]["x5t#S256"], thumbprint,
                "{id} on {name}: the token is bound to the certificate"
            );
        }
    }

    // No certificate: the server cannot authenticate the client.
    for (name, transport) in transports(&config(&mtls.ca, None)) {
        let provider = GenericProvider::discover_with(&issuer, &*transport)
            .await
            .unwrap()
            .with_client_auth(ClientAuth::TlsClientAuth);
        let client = Client::builder(provider, "mtls-ca")
            .shared_transport(transport)
            .build()
            .unwrap();
        let error = client.client_credentials(&["api:read"]).await.unwrap_err();
        let code = error
            .server_error()
            .unwrap_or_else(|| panic!("{name}: the server's refusal, got {error:?}"))
            .error
            .clone();
        assert_eq!(code, ErrorCode::InvalidClient, "{name}");
    }
}
