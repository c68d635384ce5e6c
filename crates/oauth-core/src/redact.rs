//! Secret-free text for errors: short excerpts of answer bodies, and the
//! server's own words with every secret the client sent masked.

use crate::transport::HttpResponse;

/// Field names whose values are never shown, in their canonical spelling:
/// lower case without `_` or `-`, so `refresh_token`, `refreshToken` and
/// `Refresh-Token` are all the same name (see [`is_secret_field`]).
const SECRET_FIELDS: &[&str] = &[
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "clientsecret",
    "clientassertion",
    "password",
    "code",
    "codeverifier",
    "devicecode",
    "token",
    "assertion",
    "subjecttoken",
    "actortoken",
    "secret",
];

/// How many characters of a body an error shows.
const EXCERPT_CHARS: usize = 200;

/// What stands in for a hidden value.
const REDACTED: &str = "[redacted]";

/// Whether a field of this name holds a secret whose value must never be
/// shown: `access_token`, `refresh_token`, `id_token`, `client_secret`,
/// `client_assertion`, `password`, `code`, `code_verifier`, `device_code`,
/// `token`, `assertion`, `subject_token`, `actor_token`, `secret`, in any
/// case and with `_`, `-` or none between words (`refreshToken`,
/// `Client-Secret`).
///
/// The one list every provider crate uses for its own answers.
///
/// ```
/// assert!(oauth_core::is_secret_field("refreshToken"));
/// assert!(oauth_core::is_secret_field("code_verifier"));
/// assert!(!oauth_core::is_secret_field("token_type"));
/// ```
#[must_use]
pub fn is_secret_field(name: &str) -> bool {
    let mut canonical = [0u8; 24];
    let mut len = 0;
    for b in name.bytes() {
        if b == b'_' || b == b'-' {
            continue;
        }
        let Some(slot) = canonical.get_mut(len) else {
            return false;
        };
        *slot = b.to_ascii_lowercase();
        len += 1;
    }
    let canonical = &canonical[..len];
    SECRET_FIELDS
        .iter()
        .any(|name| name.as_bytes() == canonical)
}

/// A short excerpt of an answer body, safe to put in an error message.
///
/// The first 200 characters of `body` as text on one line, with the value
/// after every secret field name (JSON `"name": "value"` or form
/// `name=value`; see [`is_secret_field`]) and the credentials after every
/// `Bearer` or `Basic` scheme word replaced by `[redacted]`. Provider crates
/// use it for the errors of their own API answers, so that an echoed
/// secret never reaches a log; [`answer_excerpt`] masks what the request
/// sent as well.
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

/// [`body_excerpt`] of an answer to a [`Session`](crate::Session)'s API
/// request, with the access token the request carried masked wherever the
/// body echoes it, in whatever words.
#[must_use]
pub fn answer_excerpt(response: &HttpResponse) -> String {
    let sent = SentSecrets::of_answer(response);
    excerpt_masking(response.body(), &sent.values())
}

/// A text the server chose (an `error_description`, a `detail`, a page's
/// message) made safe to show: the access token the request carried (for
/// an answer to a [`Session`](crate::Session)'s API request) masked, and
/// control characters replaced by spaces, so the text stays on one line
/// and cannot forge log lines.
#[must_use]
pub fn server_text(response: &HttpResponse, text: &str) -> String {
    let sent = SentSecrets::of_answer(response);
    clean(text, &sent.values())
}

/// The secrets one request carried, masked in whatever its answer made
/// the client show.
#[derive(Default)]
pub(crate) struct SentSecrets {
    values: Vec<String>,
}

/// Marks an API answer with the credential its request carried, so that
/// the errors made from it mask that credential. Never shown: its `Debug`
/// is redacted.
#[derive(Clone)]
pub(crate) struct SentCredential(pub(crate) crate::session::CurrentToken);

impl std::fmt::Debug for SentCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SentCredential([redacted])")
    }
}

impl SentSecrets {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The credential a session's API request carried, if the answer is
    /// marked with it.
    pub(crate) fn of_answer(response: &HttpResponse) -> Self {
        let mut sent = Self::new();
        if let Some(SentCredential(token)) = response.extensions().get::<SentCredential>() {
            sent.add(token.access_token().secret());
        }
        sent
    }

    /// Adds a value, with the forms it takes on the wire (form-encoded,
    /// percent-encoded) when they differ.
    /// Adds the secret, if there is one.
    pub(crate) fn add_all(&mut self, value: Option<String>) {
        if let Some(value) = value {
            self.add(&value);
        }
    }

    pub(crate) fn add(&mut self, value: &str) {
        if value.is_empty() {
            return;
        }
        let form: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        let percent = form.replace('+', "%20");
        for form in [value.to_owned(), form, percent] {
            if !self.values.contains(&form) {
                self.values.push(form);
            }
        }
    }

    /// Adds the value of every secret field among form parameters.
    pub(crate) fn add_params(&mut self, params: &[(&str, &str)]) {
        for (name, value) in params {
            if is_secret_field(name) {
                self.add(value);
            }
        }
    }

    pub(crate) fn values(&self) -> Vec<&str> {
        // Longest first, so a value that contains another is masked whole.
        let mut values: Vec<&str> = self.values.iter().map(String::as_str).collect();
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// What went wrong reading JSON, said without quoting the JSON: serde's
/// own message may hold a value from it (`invalid type: string "…"`), which
/// could be a token. Names of fields stay (`missing field `id``); values
/// become their category and position.
///
/// ```
/// let error = serde_json::from_str::<u64>(r#""AT-secret""#).unwrap_err();
/// assert_eq!(
///     oauth_core::json_problem(&error),
///     "JSON of an unexpected shape at line 1 column 11"
/// );
/// ```
#[must_use]
pub fn json_problem(error: &serde_json::Error) -> String {
    let message = error.to_string();
    // These name a field, never a value.
    if ["missing field", "unknown field", "duplicate field"]
        .iter()
        .any(|p| message.starts_with(p))
    {
        return message;
    }
    let problem = match error.classify() {
        serde_json::error::Category::Io => "unreadable body",
        serde_json::error::Category::Syntax => "invalid JSON",
        serde_json::error::Category::Data => "JSON of an unexpected shape",
        serde_json::error::Category::Eof => "truncated JSON",
    };
    format!(
        "{problem} at line {} column {}",
        error.line(),
        error.column()
    )
}

/// See [`body_excerpt`].
pub(crate) fn excerpt(body: &[u8]) -> String {
    excerpt_masking(body, &[])
}

/// [`excerpt`], with every occurrence of each of `secrets` masked too.
pub(crate) fn excerpt_masking(body: &[u8], secrets: &[&str]) -> String {
    // Redact before cutting, so a secret straddling the cut is still caught.
    // Only the head of a large body matters; keep the work bounded (a
    // secret is masked in the whole head before it is cut).
    let head = &body[..body.len().min(EXCERPT_CHARS * 8)];
    let text = String::from_utf8_lossy(head);
    let redacted = mask(&redact(&text), secrets);
    let trimmed = redacted.trim();
    let mut out: String = trimmed.chars().take(EXCERPT_CHARS).collect();
    if trimmed.chars().nth(EXCERPT_CHARS).is_some() || head.len() < body.len() {
        out.push('…');
    }
    one_line(&out)
}

/// A server's text as an error shows it: secret fields, bearer and basic
/// credentials and each of `secrets` masked, on one line.
pub(crate) fn clean(text: &str, secrets: &[&str]) -> String {
    one_line(&mask(&redact(text), secrets))
}

/// Control characters (line breaks, escapes) replaced by spaces.
pub(crate) fn one_line(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Every occurrence of each of `secrets` (longest first) replaced.
pub(crate) fn mask(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_owned();
    for secret in secrets {
        if !secret.is_empty() && text.contains(secret) {
            text = text.replace(secret, REDACTED);
        }
    }
    text
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
    if let Some(range) = credentials_at(bytes, i) {
        return Some(range);
    }
    let mut j = find_from(bytes, i, |b| !is_name_byte(b));
    // Names are ASCII, so the range is text.
    let name = std::str::from_utf8(&bytes[i..j]).ok()?;
    if !is_secret_field(name) {
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
            // `name=value`, or `name = value` in a page's prose.
            let mut start = j + 1;
            while bytes.get(start).is_some_and(u8::is_ascii_whitespace) {
                start += 1;
            }
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

/// If the word `Bearer` or `Basic` (any case) starts at `i` and is followed
/// by whitespace and a credential (RFC 6750 §2.1, RFC 7617), the
/// credential's byte range. `"token_type":"bearer"` is left alone: no
/// credential follows it; after `Basic` only base64 of a whole number of
/// quadruples counts, so "basic usage" stays as it is.
fn credentials_at(bytes: &[u8], i: usize) -> Option<(usize, usize)> {
    let (scheme, basic) = if starts_with_ignore_case(bytes, i, b"bearer") {
        (6, false)
    } else if starts_with_ignore_case(bytes, i, b"basic") {
        (5, true)
    } else {
        return None;
    };
    let mut start = i + scheme;
    if !bytes.get(start).is_some_and(|&b| b == b' ' || b == b'\t') {
        return None;
    }
    while bytes.get(start).is_some_and(|&b| b == b' ' || b == b'\t') {
        start += 1;
    }
    let end = find_from(bytes, start, |b| !is_token68_byte(b));
    if end == start {
        return None;
    }
    if basic {
        let credential = &bytes[start..end];
        let base64 = credential.len().is_multiple_of(4)
            && credential
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
        if !base64 {
            return None;
        }
    }
    Some((start, end))
}

fn starts_with_ignore_case(bytes: &[u8], i: usize, word: &[u8]) -> bool {
    bytes
        .get(i..i + word.len())
        .is_some_and(|w| w.eq_ignore_ascii_case(word))
}

/// A byte of an RFC 7235 `token68`, the shape of a bearer credential.
fn is_token68_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn find_from(bytes: &[u8], start: usize, stop: impl Fn(u8) -> bool) -> usize {
    bytes[start..]
        .iter()
        .position(|&b| stop(b))
        .map_or(bytes.len(), |p| start + p)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{
        SentCredential, SentSecrets, answer_excerpt, body_excerpt, clean, excerpt, excerpt_masking,
        is_secret_field, json_problem, mask, server_text,
    };
    use crate::secret::AccessToken;
    use crate::token::Token;

    /// Never asked: the session is given its token.
    #[derive(Debug)]
    struct NoSource;

    #[async_trait::async_trait]
    impl crate::session::TokenSource for NoSource {
        async fn fetch(&self, _: Option<&Token>) -> Result<Token, crate::Error> {
            Err(crate::Error::NoToken)
        }
    }

    /// An answer to a session's request that carried `token`, marked as a
    /// session marks it.
    fn answer_to(token: &str, body: &str) -> crate::transport::HttpResponse {
        let transport = crate::transport::transport_fn(|_: crate::transport::HttpRequest| async {
            Err(crate::error::TransportError::from_kind(
                crate::error::TransportErrorKind::Other,
            ))
        });
        let session = crate::Session::builder(NoSource, Arc::new(transport))
            .token(Token::bearer(AccessToken::new(token)))
            .build()
            .expect("session");
        let current = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(session.access_token())
            .expect("the given token");
        let mut response = http::Response::new(body.as_bytes().to_vec().into());
        response.extensions_mut().insert(SentCredential(current));
        response
    }

    #[test]
    fn what_a_session_sent_is_masked_in_its_answers_words() {
        let response = answer_to("AT-42", "token AT-42 is revoked\nretry");
        assert_eq!(
            answer_excerpt(&response),
            "token [redacted] is revoked retry"
        );
        assert_eq!(
            server_text(&response, "AT-42 expired\r\n"),
            "[redacted] expired  "
        );
        let plain = http::Response::new(b"token AT-42".to_vec().into());
        assert_eq!(answer_excerpt(&plain), "token AT-42", "nothing was sent");
        assert_eq!(server_text(&plain, "AT-42"), "AT-42");
        assert_eq!(
            body_excerpt(b"{\"access_token\":\"AT\"} "),
            "{\"access_token\":\"[redacted]\"}"
        );
        let credential = response
            .extensions()
            .get::<SentCredential>()
            .expect("marked");
        assert_eq!(format!("{credential:?}"), "SentCredential([redacted])");
    }

    #[test]
    fn secret_form_parameters_are_the_ones_added() {
        let mut sent = SentSecrets::new();
        assert!(sent.is_empty());
        sent.add_params(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "R1"),
            ("client_secret", "a b"),
            ("", ""),
        ]);
        assert!(!sent.is_empty());
        assert_eq!(sent.values(), ["a%20b", "a b", "a+b", "R1"]);
        sent.add("");
        assert_eq!(sent.values().len(), 4, "an empty value is never added");
    }

    #[test]
    fn an_empty_secret_masks_nothing() {
        assert_eq!(mask("abc", &["", "b"]), "a[redacted]c");
        assert_eq!(mask("abc", &[""]), "abc");
    }

    #[test]
    fn json_problems_name_fields_never_values() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)] // Only its shape matters.
        struct Shape {
            id: u64,
        }
        let problem =
            |text: &str| json_problem(&serde_json::from_str::<Shape>(text).expect_err(text));
        let cases = [
            (
                r#"{"id":"AT-1"}"#,
                "JSON of an unexpected shape at line 1 column 12",
            ),
            (
                r#"{"id":1,"x":2}"#,
                "unknown field `x`, expected `id` at line 1 column 11",
            ),
            (r#"{}"#, "missing field `id` at line 1 column 2"),
            (
                r#"{"id":1,"id":2}"#,
                "duplicate field `id` at line 1 column 12",
            ),
            (r#"{"id":1"#, "truncated JSON at line 1 column 7"),
            (r#"{"id":AT-1}"#, "invalid JSON at line 1 column 7"),
        ];
        for (text, expected) in cases {
            assert_eq!(problem(text), expected, "{text}");
        }
    }

    #[test]
    fn long_bodies_are_marked_cut_and_secrets_masked_whole_first() {
        let cases = [
            // Over 200 characters: cut, marked.
            ("x".repeat(300), format!("{}…", "x".repeat(200))),
            // Exactly 200: whole.
            ("x".repeat(200), "x".repeat(200)),
            // A secret running past the cut is masked whole before it.
            (
                format!(r#"{{"access_token":"{}"}} ok"#, "s".repeat(300)),
                r#"{"access_token":"[redacted]"} ok"#.to_owned(),
            ),
            // Past the 1,600 bytes read, a body is marked cut even when
            // what is shown is short.
            (
                format!(r#"{{"access_token":"{}"#, "s".repeat(2000)),
                r#"{"access_token":"[redacted]…"#.to_owned(),
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(excerpt(body.as_bytes()), expected);
        }
    }

    #[test]
    fn secret_names_in_every_spelling_are_redacted() {
        let body = br#"{"refreshToken":"R1","clientSecret":"S1","accessToken":"A1","idToken":"I1","code_verifier":"V1","Device-Code":"D1","token_type":"bearer"}"#;
        assert_eq!(
            excerpt(body),
            r#"{"refreshToken":"[redacted]","clientSecret":"[redacted]","accessToken":"[redacted]","idToken":"[redacted]","code_verifier":"[redacted]","Device-Code":"[redacted]","token_type":"bearer"}"#
        );
        let form = excerpt(b"codeVerifier=V2&client_assertion=J1&subject_token=T1&state=s");
        assert_eq!(
            form,
            "codeVerifier=[redacted]&client_assertion=[redacted]&subject_token=[redacted]&state=s"
        );
    }

    #[test]
    fn the_secret_field_list_is_spelling_blind_and_exact() {
        let secret = [
            "access_token",
            "AccessToken",
            "refresh-token",
            "REFRESH_TOKEN",
            "id_token",
            "client_secret",
            "password",
            "code",
            "code_verifier",
            "device_code",
            "token",
            "assertion",
            "client_assertion",
            "secret",
        ];
        for name in secret {
            assert!(is_secret_field(name), "{name} is a secret field");
        }
        let plain = [
            "token_type",
            "expires_in",
            "scope",
            "state",
            "error",
            "codes",
            "mycode",
            "password_hint",
            "",
            "a_very_long_field_name_that_is_not_a_secret_at_all",
        ];
        for name in plain {
            assert!(!is_secret_field(name), "{name} is not a secret field");
        }
    }

    #[test]
    fn basic_credentials_are_redacted_but_the_word_basic_is_kept() {
        let shown = excerpt(b"echo: Authorization: Basic Y2xpZW50OnNlY3JldA== end");
        assert_eq!(shown, "echo: Authorization: Basic [redacted] end");
        assert_eq!(excerpt(b"basic usage only"), "basic usage only");
    }

    #[test]
    fn sent_values_are_masked_raw_and_encoded() {
        let mut sent = SentSecrets::new();
        sent.add("RT 1/+x");
        let shown = excerpt_masking(
            b"invalid refresh token RT 1/+x (RT+1%2F%2Bx, RT%201%2F%2Bx)",
            &sent.values(),
        );
        assert_eq!(
            shown,
            "invalid refresh token [redacted] ([redacted], [redacted])"
        );
    }

    #[test]
    fn server_text_is_kept_on_one_line_with_secrets_masked() {
        let text = "bad token AT-9\nINFO forged line\u{1b}[31m Bearer AT-8";
        assert_eq!(
            clean(text, &["AT-9"]),
            "bad token [redacted] INFO forged line [31m Bearer [redacted]"
        );
    }

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
    fn secrets_with_space_around_the_colon_or_equals_are_redacted() {
        let shown = excerpt(br#"{"access_token" :  "AT-1", "password"	:7, "code" = C2}"#);
        assert_eq!(
            shown,
            // The tab is shown as a space, as every control character.
            // A form value runs to `&` or a space: the brace goes with it.
            r#"{"access_token" :  "[redacted]", "password" :[redacted], "code" = [redacted]"#
        );
        let shown = excerpt(b"refresh_token = RT-3&scope=a");
        assert_eq!(shown, "refresh_token = [redacted]&scope=a");
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
