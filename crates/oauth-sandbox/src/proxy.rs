//! A real HTTP proxy for tests: Debian's `tinyproxy`, started on a free
//! loopback port with a directory of its own and a user and password it
//! requires, stopped when dropped. It logs each request it carries, which
//! a test reads to see the proxy was used. Never a system service, never
//! a fixed port.

use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `tinyproxy` of one test's own.
#[derive(Debug)]
pub struct ProxyServer {
    child: Child,
    port: u16,
    user: String,
    password: String,
    dir: PathBuf,
}

/// What a test needs to install to have `tinyproxy`.
const ENABLE: &str = "apt-get install tinyproxy";

impl ProxyServer {
    /// Starts one for `suite`, or reports the suite skipped (and returns
    /// `None`) when this machine has no `tinyproxy`; in CI a missing proxy
    /// fails the suite instead ([`crate::skip::report`]).
    ///
    /// # Panics
    /// When the proxy is there but does not start.
    #[must_use]
    pub fn start(suite: &str) -> Option<ProxyServer> {
        if !crate::service::installed("tinyproxy", "-v", suite, ENABLE) {
            return None;
        }
        Some(crate::service::start_retrying("tinyproxy", Self::try_start))
    }

    fn try_start() -> Result<ProxyServer, String> {
        let port = crate::service::free_port()?;
        let password = crate::service::random_hex(12)?;
        let user = "proxy-user".to_owned();
        let dir =
            std::env::temp_dir().join(format!("oauth-sandbox-proxy-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let config = dir.join("tinyproxy.conf");
        let text = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 64\nAllow 127.0.0.1\n\
             BasicAuth {user} {password}\nLogFile \"{log}\"\nLogLevel Info\n\
             PidFile \"{pid}\"\nDisableViaHeader Yes\n",
            log = dir.join("tinyproxy.log").display(),
            pid = dir.join("tinyproxy.pid").display(),
        );
        // The password is in a file only this user reads.
        write_private(&config, &text)?;
        let child = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&config)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run tinyproxy: {e}"))?;
        let server = ProxyServer {
            child,
            port,
            user,
            password,
            dir,
        };
        server.wait_ready(Duration::from_secs(10))?;
        Ok(server)
    }

    fn wait_ready(&self, within: Duration) -> Result<(), String> {
        let deadline = Instant::now() + within;
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err("it does not listen".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The proxy's URL, without credentials.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The proxy's URL with its credentials (a secret, as the password is).
    #[must_use]
    pub fn url_with_credentials(&self) -> String {
        format!(
            "http://{}:{}@127.0.0.1:{}",
            self.user, self.password, self.port
        )
    }

    /// The user the proxy requires.
    #[must_use]
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The password the proxy requires.
    #[must_use]
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The requests the proxy carried, as it logged them: `GET
    /// http://HOST:PORT/PATH` for plain `http`, `CONNECT HOST:PORT` for a
    /// tunnel.
    #[must_use]
    pub fn requests(&self) -> Vec<String> {
        let log = std::fs::read_to_string(self.dir.join("tinyproxy.log")).unwrap_or_default();
        log.lines()
            .filter_map(|line| line.split_once("): ").map(|(_, request)| request))
            .filter(|request| {
                request
                    .split_whitespace()
                    .next()
                    .is_some_and(|method| method.chars().all(|c| c.is_ascii_uppercase()))
            })
            .map(|request| request.trim_end_matches(" HTTP/1.1").to_owned())
            .collect()
    }
}

fn write_private(path: &Path, text: &str) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
}

impl Drop for ProxyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
