//! TLS of the built-in transports against a real TLS listener on loopback:
//! a certificate from a CA made in the test is refused by default (a typed
//! transport error), and accepted once the user trusts that CA with
//! `TransportConfig::add_root_certificate`, for both `ReqwestTransport` and
//! `HyperTransport`. Plain `http` off loopback is refused by the client and
//! the session before any request is made.
#![allow(clippy::unwrap_used)] // Tests: a panic is the failure report.

use std::sync::Arc;
use std::time::Duration;

use oauth_core::transport::{HttpTransport, HyperTransport, ReqwestTransport, TransportConfig};
use oauth_core::{AccessToken, Client, Error, GenericProvider, Session, Token, TransportErrorKind};
use oauth_sandbox::{ClientConfig, Sandbox};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

pub(crate) const ID: &str = "tls-client";
pub(crate) const SECRET: &str = "tls-secret";

/// A CA, and a server certificate for `127.0.0.1` and `localhost` it
/// signed.
pub(crate) struct Pki {
    pub(crate) ca: CertificateDer<'static>,
    server: CertificateDer<'static>,
    server_key: PrivateKeyDer<'static>,
    /// A client certificate the CA signed, for mutual TLS, and its key
    /// (PKCS#8).
    client: CertificateDer<'static>,
    client_key: Vec<u8>,
}

fn ca(name: &str) -> (CertificateParams, KeyPair, CertificateDer<'static>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (params, key, cert.der().clone())
}

pub(crate) fn pki() -> Pki {
    let (ca_params, ca_key, ca) = ca("oauth-workspace test CA");
    let issuer = Issuer::new(ca_params, ca_key);
    let mut params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "127.0.0.1");
    let key = KeyPair::generate().unwrap();
    let server = params.signed_by(&key, &issuer).unwrap();
    let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    client_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "mtls-client");
    let client_key = KeyPair::generate().unwrap();
    let client = client_params.signed_by(&client_key, &issuer).unwrap();
    Pki {
        ca,
        server: server.der().clone(),
        server_key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        client: client.der().clone(),
        client_key: client_key.serialize_der(),
    }
}

/// A TLS front on 127.0.0.1 that hands every connection, decrypted, to the
/// sandbox's authorization server. Returns its `https` base URL.
pub(crate) async fn tls_front(pki: &Pki, sandbox: &Sandbox) -> String {
    tls_front_with(pki, sandbox, false).await
}

/// As [`tls_front`]; with `client_certificates`, the handshake requires a
/// client certificate the test CA signed (mutual TLS).
async fn tls_front_with(pki: &Pki, sandbox: &Sandbox, client_certificates: bool) -> String {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if client_certificates {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki.ca.clone()).unwrap();
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder
        .with_single_cert(vec![pki.server.clone()], pki.server_key.clone_key())
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let backend = sandbox.oauth_addr();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A refused handshake is the point of some tests: no panic.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    format!("https://{address}")
}

pub(crate) fn client(base: &str, transport: Arc<dyn HttpTransport>) -> Client {
    let provider =
        GenericProvider::new(&format!("{base}/authorize"), &format!("{base}/token")).unwrap();
    Client::builder(provider, ID)
        .client_secret(SECRET)
        .shared_transport(transport)
        .build()
        .unwrap()
}

pub(crate) type Adapter = fn(&TransportConfig) -> Arc<dyn HttpTransport>;

pub(crate) fn adapters() -> [(&'static str, Adapter); 2] {
    [
        ("reqwest", |config| {
            Arc::new(ReqwestTransport::with_config(config).unwrap())
        }),
        ("hyper", |config| {
            Arc::new(HyperTransport::with_config(config).unwrap())
        }),
    ]
}

pub(crate) fn config() -> TransportConfig {
    TransportConfig::default()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
}

/// The whole error chain, for messages.
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        text.push_str(" / ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_ca_is_refused_and_a_supplied_one_accepted() {
    let sandbox = Sandbox::builder()
        .client(ClientConfig::confidential(ID, SECRET))
        .start()
        .await
        .unwrap();
    let pki = pki();
    let base = tls_front(&pki, &sandbox).await;
    let (_, _, stranger) = ca("some other CA");

    for (name, adapter) in adapters() {
        // By default: the platform's roots only, which do not know our CA.
        let refused = client(&base, adapter(&config()))
            .client_credentials(&[])
            .await
            .unwrap_err();
        let Error::Transport { source, .. } = &refused else {
            panic!("{name}: expected a transport error, got {refused:?}");
        };
        assert_eq!(
            source.kind(),
            TransportErrorKind::Connect,
            "{name}: {}",
            chain(&refused)
        );
        let why = chain(&refused).to_lowercase();
        assert!(
            why.contains("certificate") || why.contains("issuer"),
            "{name}: the error should say the certificate was refused: {why}"
        );

        // A CA the user trusts, but not the one that signed: still refused.
        let wrong = client(
            &base,
            adapter(&config().add_root_certificate(stranger.to_vec())),
        )
        .client_credentials(&[])
        .await
        .unwrap_err();
        assert!(
            matches!(&wrong, Error::Transport { source, .. } if source.kind() == TransportErrorKind::Connect),
            "{name}: {wrong:?}"
        );

        // The user supplies our CA: the token request goes through TLS.
        let trusted = client(
            &base,
            adapter(&config().add_root_certificate(pki.ca.to_vec())),
        );
        let token = trusted.client_credentials(&[]).await.unwrap();
        assert!(!token.access_token().secret().is_empty(), "{name}");
    }
    // Only the trusted attempts reached the server: one per transport.
    let token_requests = sandbox
        .requests()
        .iter()
        .filter(|r| r.path == "/token")
        .count();
    assert_eq!(token_requests, 2);
}

#[tokio::test]
async fn plain_http_off_loopback_is_refused_before_any_request() {
    for (name, adapter) in adapters() {
        let transport = adapter(&config());
        // The client: its endpoints are checked when the provider is made.
        let error = GenericProvider::new(
            "http://auth.example.com/authorize",
            "http://auth.example.com/token",
        )
        .unwrap_err();
        assert!(matches!(error, Error::InsecureUrl { .. }), "{error:?}");

        // A session: an API URL is checked before the token is even read.
        let loopback = client("http://127.0.0.1:9", Arc::clone(&transport));
        let session = Session::client_credentials(&loopback, &[])
            .token(Token::bearer(AccessToken::new("unused")))
            .build()
            .unwrap();
        for url in ["http://api.example.com/me", "http://10.0.0.1/me"] {
            let error = session.get(url).send().await.unwrap_err();
            assert!(
                matches!(&error, Error::InsecureUrl { url: shown, .. } if shown == url),
                "{name}: {error:?}"
            );
        }
        let error = session.get("ftp://127.0.0.1/me").send().await.unwrap_err();
        assert!(matches!(error, Error::InsecureUrl { .. }), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_certificate_is_shown_for_mutual_tls_and_names_the_client() {
    let sandbox = Sandbox::builder()
        .client(ClientConfig::public(ID))
        .start()
        .await
        .unwrap();
    let pki = pki();
    let base = tls_front_with(&pki, &sandbox, true).await;
    let certificate = oauth_core::transport::ClientCertificate::from_der(
        vec![pki.client.to_vec()],
        pki.client_key.clone(),
    );
    assert!(!format!("{certificate:?}").contains("key: ["));
    // A key that is none: a typed error when the transport is made.
    let broken = oauth_core::transport::ClientCertificate::from_der(
        vec![pki.client.to_vec()],
        b"not a private key".to_vec(),
    );
    for (name, error) in [
        (
            "reqwest",
            ReqwestTransport::with_config(&config().client_certificate(broken.clone()))
                .unwrap_err(),
        ),
        (
            "hyper",
            HyperTransport::with_config(&config().client_certificate(broken)).unwrap_err(),
        ),
    ] {
        assert!(matches!(error, Error::Config(_)), "{name}: {error:?}");
    }
    let provider = GenericProvider::new(&format!("{base}/authorize"), &format!("{base}/token"))
        .unwrap()
        .with_client_auth(oauth_core::ClientAuth::TlsClientAuth);
    for (name, adapter) in adapters() {
        sandbox.clear_requests();
        // Without a certificate the handshake is refused: nothing arrives.
        let transport = adapter(&config().add_root_certificate(pki.ca.to_vec()));
        let client = Client::builder(provider.clone(), ID)
            .shared_transport(transport)
            .build()
            .unwrap();
        let error = client.client_credentials(&[]).await.unwrap_err();
        assert!(
            matches!(error, Error::Transport { .. }),
            "{name}: {}",
            chain(&error)
        );
        assert!(sandbox.requests().is_empty(), "{name}");

        // With it, the request goes through, naming the client only.
        let transport = adapter(
            &config()
                .add_root_certificate(pki.ca.to_vec())
                .client_certificate(certificate.clone()),
        );
        let client = Client::builder(provider.clone(), ID)
            .shared_transport(transport)
            .build()
            .unwrap();
        // The sandbox does not see the certificate (the front ends TLS)
        // and refuses a public client this grant: what matters here is
        // what arrived.
        let _ = client.client_credentials(&[]).await;
        let requests = sandbox.requests();
        assert_eq!(requests.len(), 1, "{name}");
        assert_eq!(requests[0].header("authorization"), None);
        let mut form = requests[0].form();
        form.sort();
        assert_eq!(
            form,
            [
                ("client_id".to_owned(), ID.to_owned()),
                ("grant_type".to_owned(), "client_credentials".to_owned())
            ],
            "{name}"
        );
    }
}
