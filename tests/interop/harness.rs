//! Starts the oidc-provider server of `server.js` once per test binary and
//! builds clients of it.
//!
//! Outside CI, a machine without Node or without `npm ci` in `tests/interop`
//! skips the suite with a banner, counted in `cargo xtask test`'s summary;
//! in CI (env `CI` set) that is a failure.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use oauth_core::transport::{HttpTransport, ReqwestTransport};
use oauth_core::url::Url;
use oauth_core::{Client, ClientAuth, Endpoints, GenericProvider};

/// The user the server's findAccount accepts (any password).
pub const USER: &str = "alice";
pub const PASSWORD: &str = "any password will do";
/// The redirect URI the web clients registered. Nothing listens there: the
/// form-login stops at the redirect's `Location`.
pub const WEB_REDIRECT: &str = "http://127.0.0.1/callback";

/// A client registered in `server.js`.
#[derive(Clone, Copy, Debug)]
pub struct TestClient {
    pub id: &'static str,
    pub secret: Option<&'static str>,
    pub auth: ClientAuth,
}

pub const CONFIDENTIAL_BASIC: TestClient = TestClient {
    id: "confidential-basic",
    secret: Some("basic-secret"),
    auth: ClientAuth::Basic,
};
pub const CONFIDENTIAL_POST: TestClient = TestClient {
    id: "confidential-post",
    secret: Some("post-secret"),
    auth: ClientAuth::RequestBody,
};
/// Its secret must survive RFC 6749 §2.3.1 form-encoding in HTTP Basic.
pub const SPECIAL_SECRET: TestClient = TestClient {
    id: "special-secret",
    secret: Some("p@ss w:rd/+%&=?"),
    auth: ClientAuth::Basic,
};
pub const PUBLIC_PKCE: TestClient = TestClient {
    id: "public-pkce",
    secret: None,
    auth: ClientAuth::Basic,
};
pub const NATIVE: TestClient = TestClient {
    id: "native-app",
    secret: None,
    auth: ClientAuth::Basic,
};
/// Registered with `private_key_jwt` and three public keys (RSA, P-256,
/// Ed25519) whose private halves the server hands over when it starts.
pub const PRIVATE_KEY_JWT: TestClient = TestClient {
    id: "private-key-jwt",
    secret: None,
    auth: ClientAuth::PrivateKeyJwt,
};
/// Registered with `client_secret_jwt`.
pub const CLIENT_SECRET_JWT: TestClient = TestClient {
    id: "client-secret-jwt",
    secret: Some("a-shared-secret-long-enough-for-hs256-0123456789"),
    auth: ClientAuth::ClientSecretJwt,
};
/// Public, with DPoP-bound access tokens (RFC 9449).
pub const DPOP_PUBLIC: TestClient = TestClient {
    id: "dpop-public",
    secret: None,
    auth: ClientAuth::Basic,
};
/// Registered to take authorization requests only pushed (RFC 9126).
pub const PAR_REQUIRED: TestClient = TestClient {
    id: "par-required",
    secret: Some("par-secret"),
    auth: ClientAuth::Basic,
};
pub const DEVICE: TestClient = TestClient {
    id: "device-client",
    secret: None,
    auth: ClientAuth::Basic,
};

/// The running server. The process ends when this value is dropped, or
/// when the test binary exits (the server stops when its stdin closes).
#[derive(Debug)]
pub struct Server {
    child: Mutex<Child>,
    // Held open: the server exits when it closes.
    _stdin: Mutex<ChildStdin>,
    issuer: Url,
    /// The `private-key-jwt` client's keys by name (`rsa`, `ec`, `ed`):
    /// each a private JWK (`jwk`) and PKCS#8 PEM (`pkcs8`).
    client_keys: serde_json::Value,
}

impl Server {
    /// The issuer URL, `http://127.0.0.1:PORT`.
    pub fn issuer(&self) -> &Url {
        &self.issuer
    }

    /// The private JWK of the `private-key-jwt` client's key `name`
    /// (`rsa`, `ec` or `ed`), as JSON text.
    pub fn client_key_jwk(&self, name: &str) -> String {
        self.client_keys[name]["jwk"].to_string()
    }

    /// The same key as PKCS#8 PEM.
    pub fn client_key_pem(&self, name: &str) -> String {
        self.client_keys[name]["pkcs8"]
            .as_str()
            .expect("interop: the server gave the key's PEM")
            .to_owned()
    }

    /// The issuer without a trailing slash, as the server spells it.
    pub fn issuer_str(&self) -> &str {
        self.issuer.as_str().trim_end_matches('/')
    }

    /// A provider with the server's endpoints, built by hand (the discovery
    /// tests check that discovery finds the same).
    pub fn provider(&self, auth: ClientAuth) -> GenericProvider {
        GenericProvider::from_endpoints(self.endpoints()).with_client_auth(auth)
    }

    /// The server's endpoints, as oidc-provider names them by default.
    pub fn endpoints(&self) -> Endpoints {
        let url = |path: &str| format!("{}{path}", self.issuer_str());
        let accepted = "loopback endpoints are accepted";
        Endpoints::new(&url("/auth"), &url("/token"))
            .expect(accepted)
            .with_userinfo(&url("/me"))
            .expect(accepted)
            .with_revocation(&url("/token/revocation"))
            .expect(accepted)
            .with_introspection(&url("/token/introspection"))
            .expect(accepted)
            .with_device_authorization(&url("/device/auth"))
            .expect(accepted)
            .with_pushed_authorization(&url("/request"))
            .expect(accepted)
    }

    /// A client of this server with the given registration.
    pub fn client(&self, client: TestClient) -> Client {
        self.client_with(client, client.secret, WEB_REDIRECT)
    }

    /// A client with an explicit secret (possibly wrong) and redirect URI.
    pub fn client_with(&self, client: TestClient, secret: Option<&str>, redirect: &str) -> Client {
        let mut builder = Client::builder(self.provider(client.auth), client.id)
            .redirect_uri(redirect)
            .shared_transport(transport());
        if let Some(secret) = secret {
            builder = builder.client_secret(secret);
        }
        builder.build().expect("client builds")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(child) = self.child.get_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A transport for one test. Not shared between tests: each test has its
/// own tokio runtime, and pooled connections die with the runtime that
/// opened them.
pub fn transport() -> Arc<dyn HttpTransport> {
    Arc::new(ReqwestTransport::new().expect("reqwest transport"))
}

/// The shared server, started on first use; `None` when the suite is
/// skipped (no Node or no `node_modules`, outside CI).
pub fn server() -> Option<&'static Server> {
    static SERVER: OnceLock<Option<Server>> = OnceLock::new();
    SERVER.get_or_init(start).as_ref()
}

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("interop")
}

fn start() -> Option<Server> {
    let dir = interop_dir();
    if let Err(missing) = prerequisites(&dir) {
        oauth_sandbox::skip::report(
            "interop tests against oidc-provider",
            &missing,
            "install Node 20+, then `cargo xtask test` runs `npm ci` in tests/interop",
        );
        return None;
    }
    Some(spawn(&dir, None))
}

fn prerequisites(dir: &Path) -> Result<(), String> {
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !node.is_ok_and(|s| s.success()) {
        return Err("`node` is not on PATH".into());
    }
    if !dir
        .join("node_modules/oidc-provider/package.json")
        .is_file()
    {
        return Err(format!(
            "oidc-provider is not installed in {}/node_modules",
            dir.display()
        ));
    }
    Ok(())
}

/// Starts the server; one that prints no issuer line within its time is
/// killed and started again (it has been seen, rarely, to stall at start on
/// a loaded machine), up to three times.
fn spawn(dir: &Path, tls_dir: Option<&Path>) -> Server {
    let mut last = String::new();
    for _ in 0..3 {
        match try_spawn(dir, tls_dir) {
            Ok(server) => return server,
            Err(error) => {
                // Said in the test's output, which a failure shows.
                #[allow(clippy::print_stderr)]
                {
                    eprintln!("interop: {error}; starting it again");
                }
                last = error;
            }
        }
    }
    panic!("interop: {last}");
}

fn try_spawn(dir: &Path, tls_dir: Option<&Path>) -> Result<Server, String> {
    // The server's warnings (Node version, dev interactions) are noise in a
    // test run; INTEROP_SERVER_LOG=1 shows them and any server error.
    let stderr = if std::env::var_os("INTEROP_SERVER_LOG").is_some() {
        Stdio::inherit()
    } else {
        Stdio::null()
    };
    let mut command = Command::new("node");
    if let Some(tls_dir) = tls_dir {
        command.env("INTEROP_TLS_DIR", tls_dir);
    }
    let mut child = command
        .arg("server.js")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("interop: cannot start `node server.js`");
    let stdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");

    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = tx.send(lines.next().transpose());
        // Keep reading: a closed pipe would fail the server's next write.
        for _ in lines {}
    });
    // Node, oidc-provider and the keys made at start take a second or two;
    // on a loaded two-core machine running the other suites at once,
    // longer.
    let line = match rx.recv_timeout(Duration::from_secs(45)) {
        Ok(Ok(Some(line))) if !line.is_empty() => line,
        other => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("the server printed no issuer line: {other:?}"));
        }
    };
    let ready: serde_json::Value =
        serde_json::from_str(&line).expect("interop: the issuer line is JSON");
    let issuer = ready["issuer"]
        .as_str()
        .and_then(|s| Url::parse(s).ok())
        .expect("interop: the issuer line names a URL");
    Ok(Server {
        child: Mutex::new(child),
        _stdin: Mutex::new(stdin),
        issuer,
        client_keys: ready["client_keys"].clone(),
    })
}

/// Returns from the test when the suite is skipped.
#[macro_export]
macro_rules! server_or_skip {
    () => {
        match $crate::interop::harness::server() {
            Some(server) => server,
            None => return,
        }
    };
}

/// The server of the mutual TLS suite: TLS with client certificates asked
/// for, and what the test made for it.
#[derive(Debug)]
pub struct MtlsServer {
    pub server: Server,
    /// The CA that signed the server's and the client's certificates (DER).
    pub ca: Vec<u8>,
    /// A client certificate the CA signed (`CN=mtls-client`) and its key.
    pub client: (Vec<u8>, Vec<u8>),
    /// A self-signed client certificate, registered, and its key.
    pub self_signed: (Vec<u8>, Vec<u8>),
}

/// The mutual TLS server, started on first use; `None` when the suite is
/// skipped.
pub fn mtls_server() -> Option<&'static MtlsServer> {
    static SERVER: OnceLock<Option<MtlsServer>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            let dir = interop_dir();
            if let Err(missing) = prerequisites(&dir) {
                oauth_sandbox::skip::report(
                    "mutual TLS interop tests against oidc-provider",
                    &missing,
                    "install Node 20+, then `cargo xtask test` runs `npm ci` in tests/interop",
                );
                return None;
            }
            let pki = crate::interop::mtls_pki::make();
            let tls_dir = std::env::temp_dir().join(format!("interop-mtls-{}", std::process::id()));
            std::fs::create_dir_all(&tls_dir).expect("interop: a directory for the TLS files");
            for (name, text) in &pki.files {
                std::fs::write(tls_dir.join(name), text).expect("interop: a TLS file");
            }
            let server = spawn(&dir, Some(&tls_dir));
            // Read by the server as it started (it printed its issuer
            // after): the key goes now.
            let _ = std::fs::remove_dir_all(&tls_dir);
            Some(MtlsServer {
                server,
                ca: pki.ca,
                client: pki.client,
                self_signed: pki.self_signed,
            })
        })
        .as_ref()
}
