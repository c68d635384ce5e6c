//! Parsing and building HTTP messages: strict form decoding, responses,
//! cookies, HTML escaping and random values.

use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use hyper::body::{Body, Frame, SizeHint};
use sha2::{Digest, Sha256};

/// The largest request body the sandbox reads.
pub(crate) const MAX_BODY: usize = 64 * 1024;

/// Why a form or query string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FormError {
    /// A `%` not followed by two hexadecimal digits.
    BadPercent,
    /// The decoded bytes are not UTF-8.
    NotUtf8,
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadPercent => f.write_str("malformed percent-encoding"),
            Self::NotUtf8 => f.write_str("percent-decoded bytes are not utf-8"),
        }
    }
}

/// Decodes one `application/x-www-form-urlencoded` component strictly.
pub(crate) fn decode_component(raw: &[u8]) -> Result<String, FormError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = raw.get(i + 1).and_then(|b| hex_value(*b));
                let lo = raw.get(i + 2).and_then(|b| hex_value(*b));
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(FormError::BadPercent),
                }
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| FormError::NotUtf8)
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Form fields or query parameters, decoded strictly, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(Vec<(String, String)>);

/// A parameter that appears more than once where RFC 6749 §3.1 forbids it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Duplicate(pub(crate) String);

impl Params {
    pub(crate) fn parse(raw: &[u8]) -> Result<Self, FormError> {
        let mut pairs = Vec::new();
        for piece in raw.split(|b| *b == b'&') {
            if piece.is_empty() {
                continue;
            }
            let (key, value) = match piece.iter().position(|b| *b == b'=') {
                Some(at) => (&piece[..at], &piece[at + 1..]),
                None => (piece, &b""[..]),
            };
            pairs.push((decode_component(key)?, decode_component(value)?));
        }
        Ok(Self(pairs))
    }

    /// The value of a parameter that may appear at most once; an empty
    /// value counts as absent (RFC 6749 §3.1).
    pub(crate) fn get(&self, name: &str) -> Result<Option<&str>, Duplicate> {
        let mut found = None;
        for (key, value) in &self.0 {
            if key == name {
                if found.is_some() {
                    return Err(Duplicate(name.to_owned()));
                }
                found = Some(value.as_str());
            }
        }
        Ok(found.filter(|v| !v.is_empty()))
    }

    /// The first value of a parameter, duplicates allowed.
    pub(crate) fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The first parameter that appears twice, if any.
    pub(crate) fn first_duplicate(&self) -> Option<&str> {
        self.0.iter().enumerate().find_map(|(i, (key, _))| {
            self.0[..i]
                .iter()
                .any(|(earlier, _)| earlier == key)
                .then_some(key.as_str())
        })
    }
}

/// Decodes pairs without failing, for the request log.
pub(crate) fn parse_pairs_lossy(raw: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

/// Encodes pairs as `application/x-www-form-urlencoded`.
pub(crate) fn form_encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        serializer.append_pair(key, value);
    }
    serializer.finish()
}

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// Compares two secrets without an early exit on the first difference.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A URL-safe random string with `bytes` bytes of entropy.
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if getrandom::fill(&mut buf).is_err() {
        // The OS generator failing is near impossible; a hash of time and a
        // counter still keeps values unique, which is all a sandbox needs.
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut hasher = Sha256::new();
        hasher.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        hasher.update(nanos.to_le_bytes());
        let digest = hasher.finalize();
        for (i, byte) in buf.iter_mut().enumerate() {
            *byte = digest[i % digest.len()];
        }
    }
    URL_SAFE_NO_PAD.encode(buf)
}

/// The S256 PKCE transform of a verifier (RFC 7636 §4.2).
pub(crate) fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether a PKCE verifier or challenge has the RFC 7636 shape: 43 to 128
/// characters from the unreserved set.
pub(crate) fn is_pkce_value(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The value of one cookie from the `Cookie` headers.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// The media type of the `Content-Type` header, lower case, without
/// parameters.
pub(crate) fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let media = value.split(';').next().unwrap_or_default().trim();
    Some(media.to_ascii_lowercase())
}

/// Seconds since the Unix epoch.
pub(crate) fn epoch_secs(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// The body of every sandbox response.
///
/// `Truncated` sends its bytes and then fails, which makes hyper drop the
/// connection short of the announced `Content-Length`.
#[derive(Debug)]
pub(crate) enum ResponseBody {
    Full(Option<Bytes>),
    Truncated {
        data: Option<Bytes>,
        pause: Option<Pin<Box<tokio::time::Sleep>>>,
    },
}

impl ResponseBody {
    pub(crate) fn full(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        if bytes.is_empty() {
            Self::Full(None)
        } else {
            Self::Full(Some(bytes))
        }
    }

    pub(crate) fn truncated(bytes: impl Into<Bytes>) -> Self {
        Self::Truncated {
            data: Some(bytes.into()),
            // Hyper flushes what it buffered while the body is pending, so
            // the partial bytes reach the client before the connection drops.
            pause: Some(Box::pin(tokio::time::sleep(Duration::from_millis(50)))),
        }
    }
}

/// The error a truncated body ends with.
#[derive(Debug)]
pub(crate) struct Truncated;

impl fmt::Display for Truncated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("body truncated on purpose")
    }
}

impl std::error::Error for Truncated {}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Truncated;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Truncated>>> {
        match self.get_mut() {
            Self::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Self::Truncated { data, pause } => {
                if let Some(bytes) = data.take() {
                    return Poll::Ready(Some(Ok(Frame::data(bytes))));
                }
                if let Some(sleep) = pause {
                    if sleep.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *pause = None;
                }
                Poll::Ready(Some(Err(Truncated)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Self::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Full(Some(data)) => SizeHint::with_exact(data.len() as u64),
            Self::Full(None) => SizeHint::with_exact(0),
            Self::Truncated { .. } => SizeHint::default(),
        }
    }
}

/// A response on its way out.
pub(crate) type Reply = Response<ResponseBody>;

/// A response with a body and a content type.
pub(crate) fn reply(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Reply {
    let mut response = Response::new(ResponseBody::full(body));
    *response.status_mut() = status;
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// A JSON response.
pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> Reply {
    reply(status, "application/json", value.to_string())
}

/// An HTML response.
pub(crate) fn html(status: StatusCode, body: String) -> Reply {
    reply(status, "text/html; charset=utf-8", body)
}

/// A response without a body.
pub(crate) fn empty(status: StatusCode) -> Reply {
    let mut response = Response::new(ResponseBody::full(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// A `302 Found` to `location`.
pub(crate) fn redirect(location: &str) -> Reply {
    let mut response = empty(StatusCode::FOUND);
    set_header(&mut response, header::LOCATION.as_str(), location);
    response
}

/// Sets a header, skipping values that are not valid header text (the
/// sandbox only builds values from its own data, so that never happens in
/// practice).
pub(crate) fn set_header(response: &mut Reply, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (
        http::header::HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        response.headers_mut().append(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_percent() {
        assert_eq!(
            decode_component(b"p%40ss+w%3Ard%2F%2B%25%26%3D%3F"),
            Ok("p@ss w:rd/+%&=?".to_owned())
        );
    }

    #[test]
    fn rejects_bad_percent_and_utf8() {
        assert_eq!(decode_component(b"%zz"), Err(FormError::BadPercent));
        assert_eq!(decode_component(b"%4"), Err(FormError::BadPercent));
        assert_eq!(decode_component(b"%ff%fe"), Err(FormError::NotUtf8));
    }

    #[test]
    fn params_detect_duplicates_and_empty_values() {
        let params = Params::parse(b"a=1&b=&a=2").unwrap_or_default();
        assert_eq!(params.get("a"), Err(Duplicate("a".to_owned())));
        assert_eq!(params.get("b"), Ok(None));
        assert_eq!(params.first("a"), Some("1"));
        assert_eq!(params.first_duplicate(), Some("a"));
    }

    #[test]
    fn escapes_html() {
        assert_eq!(
            html_escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
