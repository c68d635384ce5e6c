//! A real `redis-server` for tests: started on a free loopback port with a
//! directory of its own and a password, stopped when dropped. Never a
//! system service, never a fixed port.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` of one test's own.
#[derive(Debug)]
pub struct RedisServer {
    child: Child,
    port: u16,
    password: String,
    dir: PathBuf,
}

/// What a test needs to install to have `redis-server`.
const ENABLE: &str = "apt-get install redis-server";

impl RedisServer {
    /// Starts one for `suite`, or reports the suite skipped (and returns
    /// `None`) when this machine has no `redis-server`; in CI a missing
    /// server fails the suite instead ([`crate::skip::report`]).
    ///
    /// # Panics
    /// When the server is there but does not start.
    #[must_use]
    pub fn start(suite: &str) -> Option<RedisServer> {
        if !crate::service::installed("redis-server", "--version", suite, ENABLE) {
            return None;
        }
        Some(crate::service::start_retrying(
            "redis-server",
            Self::try_start,
        ))
    }

    fn try_start() -> Result<RedisServer, String> {
        let port = crate::service::free_port()?;
        let password = crate::service::random_hex(16)?;
        let dir =
            std::env::temp_dir().join(format!("oauth-sandbox-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let (child, written) = Self::spawn(port, &password, &dir)?;
        let server = RedisServer {
            child,
            port,
            password,
            dir,
        };
        written.map_err(|e| format!("cannot configure redis-server: {e}"))?;
        server.wait_ready(Duration::from_secs(10))?;
        Ok(server)
    }

    /// Runs `redis-server` on `port` in `dir` with `password`; the second
    /// value tells whether its configuration was handed over.
    fn spawn(port: u16, password: &str, dir: &Path) -> Result<(Child, Result<(), String>), String> {
        // The password is given on standard input, in a configuration read
        // from there, so it is never on a command line others can list.
        let mut child = Command::new("redis-server")
            .arg("-")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run redis-server: {e}"))?;
        let config = format!(
            "bind 127.0.0.1\nport {port}\nprotected-mode yes\ndir {}\n\
             save \"\"\nappendonly no\ndaemonize no\nrequirepass {password}\n\
             notify-keyspace-events \"\"\n",
            dir.display()
        );
        let written = child
            .stdin
            .take()
            .ok_or("no standard input")
            .and_then(|mut stdin| stdin.write_all(config.as_bytes()).map_err(|_| "stdin"))
            .map_err(str::to_owned);
        Ok((child, written))
    }

    /// Stops the server, as an outage would: clients see refused
    /// connections until [`RedisServer::restart`]. What it held is gone (it
    /// keeps nothing on disk).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same port with the same password,
    /// after [`RedisServer::stop`], and waits until it answers.
    ///
    /// # Errors
    /// When it does not start (another process took the port meanwhile,
    /// say).
    pub fn restart(&mut self) -> Result<(), String> {
        self.stop();
        let (child, written) = Self::spawn(self.port, &self.password, &self.dir)?;
        self.child = child;
        written.map_err(|e| format!("cannot configure redis-server: {e}"))?;
        self.wait_ready(Duration::from_secs(10))
    }

    /// Waits until the server answers an authenticated `PING`.
    fn wait_ready(&self, within: Duration) -> Result<(), String> {
        let deadline = Instant::now() + within;
        loop {
            match self.command(&["AUTH", &self.password]) {
                Ok(answer) if answer.starts_with("+OK") => {}
                Ok(answer) => return Err(format!("AUTH answered {answer:?}")),
                Err(error) if Instant::now() < deadline => {
                    let _ = error;
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                Err(error) => return Err(error),
            }
            return Ok(());
        }
    }

    /// Sends one command on a fresh connection and returns the first line
    /// of the answer (RESP), for the harness's own checks.
    fn command(&self, args: &[&str]) -> Result<String, String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))
            .map_err(|e| format!("cannot connect: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .map_err(|e| e.to_string())?;
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream
            .write_all(request.as_bytes())
            .map_err(|e| format!("cannot send: {e}"))?;
        let mut line = String::new();
        BufReader::new(&mut stream)
            .read_line(&mut line)
            .map_err(|e| format!("cannot read: {e}"))?;
        if line.is_empty() {
            return Err("the connection closed".into());
        }
        Ok(line.trim_end().to_owned())
    }

    /// The URL a client connects with, password included: a secret, as the
    /// password is.
    #[must_use]
    pub fn url(&self) -> String {
        format!("redis://:{}@127.0.0.1:{}/", self.password, self.port)
    }

    /// The server's port on 127.0.0.1.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The password the server requires.
    #[must_use]
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The server's own directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
