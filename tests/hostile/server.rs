//! A misbehaving HTTP/1.1 server on loopback: every answer is written byte
//! for byte by the test, so it can be anything a hostile provider sends.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use oauth_core::url::{Url, form_urlencoded};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A request as the server read it.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) method: String,
    /// The request target: path and query, as sent.
    pub(crate) target: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Seen {
    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn form_value(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(&self.body)
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
    }

    /// Everything the request carried, as text, for "was this ever sent".
    pub(crate) fn text(&self) -> String {
        let headers: Vec<String> = self
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}"))
            .collect();
        format!(
            "{} {}\n{}\n{}",
            self.method,
            self.target,
            headers.join("\n"),
            String::from_utf8_lossy(&self.body)
        )
    }
}

type Reply = Pin<Box<dyn Future<Output = Vec<u8>> + Send>>;
type Handler = Arc<dyn Fn(Seen) -> Reply + Send + Sync>;

/// The server: answers each request with what its handler writes, one
/// request per connection, and keeps every request it read.
pub(crate) struct Hostile {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

impl Hostile {
    /// A server whose handler answers at once.
    pub(crate) async fn start(handler: impl Fn(&Seen) -> Vec<u8> + Send + Sync + 'static) -> Self {
        let handler = Arc::new(handler);
        Self::start_async(move |seen| {
            let reply = handler(&seen);
            async move { reply }
        })
        .await
    }

    /// A server whose handler may wait before it answers.
    pub(crate) async fn start_async<F>(handler: impl Fn(Seen) -> F + Send + Sync + 'static) -> Self
    where
        F: Future<Output = Vec<u8>> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |seen| Box::pin(handler(seen)));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(stream, Arc::clone(&handler), Arc::clone(&log)));
            }
        });
        Hostile { addr, seen, task }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub(crate) fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{path}", self.addr)).unwrap()
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, handler: Handler, log: Arc<Mutex<Vec<Seen>>>) {
    let Some(seen) = read_request(&mut stream).await else {
        return;
    };
    log.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(seen.clone());
    let reply = handler(seen).await;
    let _ = stream.write_all(&reply).await;
    let _ = stream.shutdown().await;
}

async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    Some(Seen {
        method,
        target,
        headers,
        body,
    })
}

/// A whole HTTP/1.1 answer: status line, the headers given, a
/// `Content-Length` and `Connection: close`, then the body.
pub(crate) fn reply(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} Hostile\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A JSON answer.
pub(crate) fn json(status: u16, value: &serde_json::Value) -> Vec<u8> {
    reply(
        status,
        &[("Content-Type", "application/json")],
        value.to_string().as_bytes(),
    )
}

/// An HTML page.
pub(crate) fn html(status: u16, page: &str) -> Vec<u8> {
    reply(
        status,
        &[("Content-Type", "text/html; charset=utf-8")],
        page.as_bytes(),
    )
}
