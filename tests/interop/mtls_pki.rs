//! The certificates of the mutual TLS suite, made when it starts: a CA,
//! the server's certificate for 127.0.0.1, a client certificate it signs,
//! and a self-signed client certificate; and the PEM files the server
//! reads.

use base64::Engine as _;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

pub struct Pki {
    pub ca: Vec<u8>,
    pub client: (Vec<u8>, Vec<u8>),
    pub self_signed: (Vec<u8>, Vec<u8>),
    /// File name and content, for the server's directory.
    pub files: Vec<(&'static str, String)>,
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

fn named(names: Vec<String>, common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(names).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    params
}

pub fn make() -> Pki {
    let mut ca_params = named(Vec::new(), "interop mTLS test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap().der().to_vec();
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().unwrap();
    let server = named(vec!["127.0.0.1".into()], "127.0.0.1")
        .signed_by(&server_key, &issuer)
        .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let client = named(Vec::new(), "mtls-client")
        .signed_by(&client_key, &issuer)
        .unwrap();
    let own_key = KeyPair::generate().unwrap();
    let own = named(Vec::new(), "mtls-self-signed")
        .self_signed(&own_key)
        .unwrap();

    Pki {
        files: vec![
            ("ca.pem", pem("CERTIFICATE", &ca)),
            ("server.pem", pem("CERTIFICATE", server.der())),
            (
                "server-key.pem",
                pem("PRIVATE KEY", &server_key.serialize_der()),
            ),
            ("self-signed.pem", pem("CERTIFICATE", own.der())),
        ],
        ca,
        client: (client.der().to_vec(), client_key.serialize_der()),
        self_signed: (own.der().to_vec(), own_key.serialize_der()),
    }
}
