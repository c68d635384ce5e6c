//! Short, secret-free excerpts of answer bodies for error messages.

/// Field names whose values are never shown.
const SECRET_FIELDS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "password",
    "code",
    "device_code",
    "token",
    "assertion",
];

/// How many characters of a body an error shows.
const EXCERPT_CHARS: usize = 200;

/// A short excerpt of an answer body, safe to put in an error message.
///
/// The first 200 characters of `body` as text on one line, with the value
/// after every secret field name (JSON `"name": "value"` or form
/// `name=value`: `access_token`, `refresh_token`, `id_token`,
/// `client_secret`, `password`, `code`, `device_code`, `token`, `assertion`)
/// and the credentials after every `Bearer` scheme word replaced by
/// `[redacted]`. Provider crates use it for the errors of their own API
/// answers, so that an echoed secret never reaches a log.
///
/// ```
/// let shown = oauth_core::body_excerpt(br#"{"error":"x","access_token":"AT-1"}"#);
/// assert_eq!(shown, r#"{"error":"x","access_token":"[redacted]"}"#);
/// let shown = oauth_core::body_excerpt(b"bad header: Authorization: Bearer AT-1");
/// assert_eq!(shown, "bad header: Authorization: Bearer [redacted]");
/// ```
#[must_use]
pub fn body_excerpt(body: &[u8]) -> String {
    excerpt(body)
}

/// See [`body_excerpt`].
pub(crate) fn excerpt(body: &[u8]) -> String {
    // Redact before cutting, so a secret straddling the cut is still caught.
    // Only the head of a large body matters; keep the work bounded.
    let head = &body[..body.len().min(EXCERPT_CHARS * 8)];
    let text = String::from_utf8_lossy(head);
    let redacted = redact(&text);
    let trimmed = redacted.trim();
    let mut out: String = trimmed.chars().take(EXCERPT_CHARS).collect();
    if trimmed.chars().nth(EXCERPT_CHARS).is_some() || head.len() < body.len() {
        out.push('…');
    }
    // Keep the message on one line.
    out.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn redact(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some((value_start, value_end)) = secret_value_at(bytes, i) {
            out.push_str(&text[copied..value_start]);
            out.push_str("[redacted]");
            copied = value_end;
            i = value_end;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// If a secret field name starts at `i` (as a whole word), the byte range of
/// its value.
fn secret_value_at(bytes: &[u8], i: usize) -> Option<(usize, usize)> {
    if i > 0 && is_name_byte(bytes[i - 1]) {
        return None;
    }
    if let Some(range) = bearer_credentials_at(bytes, i) {
        return Some(range);
    }
    let name = SECRET_FIELDS
        .iter()
        .find(|name| bytes[i..].starts_with(name.as_bytes()))?;
    let mut j = i + name.len();
    if bytes.get(j).copied().is_some_and(is_name_byte) {
        return None;
    }
    // JSON: `name"  :  "value"`; form: `name=value`.
    if bytes.get(j) == Some(&b'"') {
        j += 1;
    }
    while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
        j += 1;
    }
    match bytes.get(j) {
        Some(b'=') => {
            let start = j + 1;
            let end = find_from(bytes, start, |b| b == b'&' || b.is_ascii_whitespace());
            Some((start, end))
        }
        Some(b':') => {
            j += 1;
            while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
                j += 1;
            }
            if bytes.get(j) == Some(&b'"') {
                let start = j + 1;
                let mut k = start;
                while k < bytes.len() && bytes[k] != b'"' {
                    k += if bytes[k] == b'\\' { 2 } else { 1 };
                }
                Some((start, k.min(bytes.len())))
            } else {
                let end = find_from(bytes, j, |b| b == b',' || b == b'}' || b == b']');
                Some((j, end))
            }
        }
        _ => None,
    }
}

/// If the word `Bearer` (any case) starts at `i` and is followed by
/// whitespace and a credential (RFC 6750 §2.1), the credential's byte range.
/// `"token_type":"bearer"` is left alone: no credential follows it.
fn bearer_credentials_at(bytes: &[u8], i: usize) -> Option<(usize, usize)> {
    const SCHEME: &[u8] = b"bearer";
    let word = bytes.get(i..i + SCHEME.len())?;
    if !word.eq_ignore_ascii_case(SCHEME) {
        return None;
    }
    let mut start = i + SCHEME.len();
    if !bytes.get(start).is_some_and(|&b| b == b' ' || b == b'\t') {
        return None;
    }
    while bytes.get(start).is_some_and(|&b| b == b' ' || b == b'\t') {
        start += 1;
    }
    let end = find_from(bytes, start, |b| !is_token68_byte(b));
    (end > start).then_some((start, end))
}

/// A byte of an RFC 7235 `token68`, the shape of a bearer credential.
fn is_token68_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn find_from(bytes: &[u8], start: usize, stop: impl Fn(u8) -> bool) -> usize {
    bytes[start..]
        .iter()
        .position(|&b| stop(b))
        .map_or(bytes.len(), |p| start + p)
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn json_secrets_are_redacted() {
        let body = br#"{"access_token": "AT-123", "refresh_token":"RT\"9", "expires_in":"soon","id_token":null}"#;
        let shown = excerpt(body);
        assert_eq!(
            shown,
            r#"{"access_token": "[redacted]", "refresh_token":"[redacted]", "expires_in":"soon","id_token":[redacted]}"#
        );
    }

    #[test]
    fn form_secrets_are_redacted_but_lookalikes_kept() {
        let shown = excerpt(b"access_token=AT-1&token_type=bearer&mycode=x&code=C1");
        assert_eq!(
            shown,
            "access_token=[redacted]&token_type=bearer&mycode=x&code=[redacted]"
        );
    }

    #[test]
    fn truncated_secret_is_redacted() {
        let shown = excerpt(br#"{"access_token":"AT-unterminated"#);
        assert_eq!(shown, r#"{"access_token":"[redacted]"#);
    }

    #[test]
    fn long_bodies_are_cut_and_kept_on_one_line() {
        let body = format!("<html>\n{}</html>", "x".repeat(5000));
        let shown = excerpt(body.as_bytes());
        assert!(shown.starts_with("<html> xxx"));
        assert!(shown.ends_with('…'));
        assert_eq!(shown.chars().count(), 201);
    }

    #[test]
    fn bearer_credentials_are_redacted_in_any_case() {
        let shown = excerpt(b"echo: Authorization: Bearer AT.x-1/2+=, then bearer\tZZ9~ ok");
        assert_eq!(
            shown,
            "echo: Authorization: Bearer [redacted], then bearer\t[redacted] ok".replace('\t', " ")
        );
    }

    #[test]
    fn bearer_as_a_token_type_is_kept() {
        let body = br#"{"token_type":"bearer","scheme":"Bearer"}"#;
        assert_eq!(excerpt(body), String::from_utf8_lossy(body));
        assert_eq!(excerpt(b"use Bearer  "), "use Bearer");
    }

    #[test]
    fn invalid_utf8_is_shown_lossily() {
        assert_eq!(excerpt(&[0xff, b'a']), "\u{fffd}a");
    }
}
