//! Stored answers as bytes, for stores that keep bytes (a file, Redis, …).

use std::time::SystemTime;

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use http_cache_semantics::CachePolicy;

use super::{CacheError, CachedResponse};

/// The first bytes of an entry written by [`CachedResponse::to_bytes`], with
/// the format's version.
const MAGIC: &[u8; 4] = b"OCR1";

/// What is kept beside the headers and the body: the policy (in its
/// crate's serde form), the status and until when the entry is fresh for a
/// request that asks nothing of the cache.
#[derive(serde::Serialize, serde::Deserialize)]
struct Meta {
    policy: CachePolicy,
    status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fresh_until: Option<SystemTime>,
}

/// The policy and status of `entry` as JSON.
pub(crate) fn meta(entry: &CachedResponse) -> Result<String, CacheError> {
    serde_json::to_string(&Meta {
        policy: entry.policy.clone(),
        status: entry.status.as_u16(),
        fresh_until: entry.fresh_until,
    })
    .map_err(|e| CacheError::Store(format!("an entry cannot be written: {e}")))
}

/// The headers as `name NUL value LF` for each: a header value can hold
/// neither byte, and this reads back in a fraction of the time JSON takes.
pub(crate) fn encode_headers(headers: &HeaderMap) -> Vec<u8> {
    let mut out = Vec::with_capacity(headers.len() * 48);
    for (name, value) in headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.push(0);
        out.extend_from_slice(value.as_bytes());
        out.push(b'\n');
    }
    out
}

pub(crate) fn decode_headers(bytes: &[u8]) -> Result<HeaderMap, CacheError> {
    let corrupt = |what: &str| CacheError::Corrupt(format!("an entry's headers: {what}"));
    let mut headers = HeaderMap::new();
    for line in bytes.split(|&b| b == b'\n').filter(|line| !line.is_empty()) {
        let split = line
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| corrupt("a header without a value"))?;
        let (name, value) = (&line[..split], &line[split + 1..]);
        let name = HeaderName::from_bytes(name).map_err(|_| corrupt("an invalid name"))?;
        let value = HeaderValue::from_bytes(value).map_err(|_| corrupt("an invalid value"))?;
        headers.append(name, value);
    }
    Ok(headers)
}

/// An entry from its three parts as [`meta`] and [`encode_headers`] wrote
/// them.
pub(crate) fn read_parts(
    meta: &str,
    headers: &[u8],
    body: bytes::Bytes,
) -> Result<CachedResponse, CacheError> {
    let meta: Meta = serde_json::from_str(meta)
        .map_err(|e| CacheError::Corrupt(format!("an entry cannot be read back: {e}")))?;
    let status = StatusCode::from_u16(meta.status)
        .map_err(|e| CacheError::Corrupt(format!("an entry's status: {e}")))?;
    Ok(CachedResponse {
        policy: meta.policy,
        status,
        headers: decode_headers(headers)?,
        body,
        fresh_until: meta.fresh_until,
    })
}

impl CachedResponse {
    /// The entry as bytes, for a store that keeps bytes (a file, Redis,
    /// …); [`from_bytes`](Self::from_bytes) reads them back. They hold the
    /// answer as it came (and no token): keep them where only the
    /// application can read them.
    ///
    /// # Errors
    /// [`CacheError::Store`] when the policy cannot be written.
    pub fn to_bytes(&self) -> Result<Vec<u8>, CacheError> {
        let meta = meta(self)?;
        let headers = encode_headers(&self.headers);
        let mut out = Vec::with_capacity(12 + meta.len() + headers.len() + self.body.len());
        out.extend_from_slice(MAGIC);
        for part in [meta.as_bytes(), &headers] {
            let len = u32::try_from(part.len())
                .map_err(|_| CacheError::Store("an entry part over 4 GiB".into()))?;
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(part);
        }
        out.extend_from_slice(&self.body);
        Ok(out)
    }

    /// An entry from the bytes [`to_bytes`](Self::to_bytes) wrote.
    ///
    /// # Errors
    /// [`CacheError::Corrupt`] for bytes it did not write, or damaged.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CacheError> {
        let corrupt = |what: &str| CacheError::Corrupt(format!("an entry's bytes: {what}"));
        let rest = bytes
            .strip_prefix(MAGIC)
            .ok_or_else(|| corrupt("not an entry of this version"))?;
        let take = |rest: &[u8]| -> Result<(usize, usize), CacheError> {
            let len: [u8; 4] = rest
                .get(..4)
                .and_then(|len| len.try_into().ok())
                .ok_or_else(|| corrupt("cut short"))?;
            let len = usize::try_from(u32::from_le_bytes(len)).map_err(|_| corrupt("too long"))?;
            if rest.len() < 4 + len {
                return Err(corrupt("cut short"));
            }
            Ok((4, 4 + len))
        };
        let (start, end) = take(rest)?;
        let meta = std::str::from_utf8(&rest[start..end]).map_err(|_| corrupt("not text"))?;
        let rest = &rest[end..];
        let (start, end) = take(rest)?;
        let headers = &rest[start..end];
        read_parts(meta, headers, bytes::Bytes::copy_from_slice(&rest[end..]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_read_back_as_written_and_damage_is_typed() {
        let mut headers = HeaderMap::new();
        headers.append("set-cookie", HeaderValue::from_static("a=1"));
        headers.append("set-cookie", HeaderValue::from_static("b=2"));
        headers.insert(
            "x-latin",
            HeaderValue::from_bytes(b"caf\xe9").expect("opaque bytes"),
        );
        headers.insert("etag", HeaderValue::from_static("\"v1\""));
        assert_eq!(
            decode_headers(&encode_headers(&headers)).ok(),
            Some(headers)
        );
        assert_eq!(decode_headers(b"").ok(), Some(HeaderMap::new()));
        for damaged in [&b"etag\n"[..], b"bad name\0x\n", b"etag\0a\x01b\n"] {
            assert!(
                matches!(decode_headers(damaged), Err(CacheError::Corrupt(_))),
                "{damaged:?}"
            );
        }
    }

    #[test]
    fn an_entry_reads_back_from_its_bytes_and_damaged_bytes_are_typed() {
        let request = http::Request::get("https://api.example/x?y=1")
            .header("accept-language", "fr")
            .body(())
            .expect("request");
        let response = http::Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header("cache-control", "max-age=60")
            .header("vary", "accept-language")
            .header("etag", "\"v1\"")
            .body(b"{\"detail\":\"no\"}".to_vec())
            .expect("response");
        let now = SystemTime::now();
        let entry = crate::cache::tests::made(&request, &response, now);
        let bytes = entry.to_bytes().expect("bytes");
        let back = CachedResponse::from_bytes(&bytes).expect("read back");
        assert_eq!(back.status(), StatusCode::NOT_FOUND);
        assert_eq!(back.headers, entry.headers);
        assert_eq!(back.body(), entry.body());
        // The policy too: it still varies on the language.
        let french = http::Request::get("https://api.example/x?y=1")
            .header("accept-language", "fr")
            .body(())
            .expect("request");
        let german = http::Request::get("https://api.example/x?y=1")
            .header("accept-language", "de")
            .body(())
            .expect("request");
        let fresh = |entry: &CachedResponse, request: &http::Request<()>| {
            matches!(
                entry.policy.before_request(request, now),
                http_cache_semantics::BeforeRequest::Fresh(_)
            )
        };
        assert!(fresh(&back, &french));
        assert!(!fresh(&back, &german));

        let cut = &bytes[..bytes.len() - entry.body().len() - 3];
        for damaged in [&b""[..], b"OCR0", &bytes[..6], cut] {
            assert!(
                matches!(
                    CachedResponse::from_bytes(damaged),
                    Err(CacheError::Corrupt(_))
                ),
                "{damaged:?}"
            );
        }
    }
}
