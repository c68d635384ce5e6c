//! Building API requests (endpoint, locale, namespace, query) and reading
//! their answers into typed errors.

use oauth_core::http::{self, HeaderName, HeaderValue, Method, StatusCode, header};
use oauth_core::layer::Replay;
use oauth_core::url::{Url, form_urlencoded};
use serde::de::DeserializeOwned;

use crate::error::{Error, InputError, Problem};
use crate::locale::Locale;
use crate::namespace::Namespace;

/// Where the namespace goes in a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum NamespacePlacement {
    /// The `namespace` query parameter (the default; visible in logs of
    /// proxies, but it is not a secret).
    #[default]
    Query,
    /// The `Battlenet-Namespace` header.
    Header,
}

/// Query parameters a caller may not set: the client sets them, or they
/// must never be sent.
const RESERVED_QUERY: &[&str] = &["locale", "namespace", "access_token"];

/// Resolves an endpoint (a path on the API base, or a full URL on an allowed
/// host) into a URL, returned as its text without fragment.
pub(crate) fn resolve(
    endpoint: &str,
    api_base: &Url,
    allowed_hosts: &[String],
) -> Result<String, InputError> {
    // The common case, a plain path, is appended to the base's text: it is
    // what `Url::join` would give, without parsing a URL on every call.
    if is_plain_path(endpoint) && api_base.query().is_none() && api_base.fragment().is_none() {
        let base = api_base.as_str();
        if base.ends_with('/') {
            let mut url = String::with_capacity(base.len() + endpoint.len() + 48);
            url.push_str(base);
            url.push_str(&endpoint[1..]);
            return Ok(url);
        }
    }
    let mut url = resolve_url(endpoint, api_base, allowed_hosts)?;
    url.set_fragment(None);
    Ok(url.into())
}

/// A path of ASCII letters, digits and `-._~/` that starts with one `/`,
/// with no empty and no dot segment: joined onto a base URL that ends in
/// `/`, it is appended unchanged.
fn is_plain_path(endpoint: &str) -> bool {
    let Some(rest) = endpoint.strip_prefix('/') else {
        return false;
    };
    rest.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/'))
        && !rest.starts_with(['/', '.'])
        && !rest.contains("//")
        && !rest.contains("/.")
}

fn resolve_url(
    endpoint: &str,
    api_base: &Url,
    allowed_hosts: &[String],
) -> Result<Url, InputError> {
    let invalid = |reason: &str| InputError::InvalidEndpoint {
        endpoint: endpoint.split('?').next().unwrap_or_default().to_owned(),
        reason: reason.to_owned(),
    };
    let url = if let Some(path) = endpoint.strip_prefix('/') {
        if path.starts_with('/') {
            return Err(invalid("a path must not start with `//`"));
        }
        let url = api_base.join(path).map_err(|e| invalid(&e.to_string()))?;
        // `\\host` and the like are scheme-relative to a URL parser: a path
        // must stay on the API base.
        if url.origin() != api_base.origin() {
            return Err(invalid("a path must stay on the API host"));
        }
        url
    } else {
        let url = Url::parse(endpoint)
            .map_err(|_| invalid("expected a path starting with `/` or an absolute URL"))?;
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        if !allowed_hosts.contains(&host) {
            return Err(invalid(
                "the host is not a Battle.net API host of this client",
            ));
        }
        oauth_core::check_endpoint(&url)
            .map_err(|_| invalid("only https, or http on loopback, is allowed"))?;
        url
    };
    if url.query_pairs().any(|(k, _)| k == "access_token") {
        return Err(invalid("a token must never be sent in a URL"));
    }
    Ok(url)
}

/// Everything one API call needs, ready to become an HTTP request.
#[derive(Debug)]
pub(crate) struct ApiCall {
    pub(crate) method: Method,
    /// The whole URL, query included.
    pub(crate) url: String,
    pub(crate) namespace_header: Option<String>,
    pub(crate) body: Option<Vec<u8>>,
}

impl ApiCall {
    /// A call to `url` (as [`resolve`] gives it) with the caller's query
    /// parameters, then the namespace and the locale, appended.
    pub(crate) fn new(
        method: Method,
        mut url: String,
        locale: Option<Locale>,
        namespace: Option<&Namespace>,
        placement: NamespacePlacement,
        query: &[(String, String)],
    ) -> Result<Self, InputError> {
        if let Some((name, _)) = query
            .iter()
            .find(|(k, _)| RESERVED_QUERY.contains(&k.as_str()))
        {
            let path_end = url.find('?').unwrap_or(url.len());
            return Err(InputError::InvalidEndpoint {
                endpoint: url[..path_end].to_owned(),
                reason: format!("query parameter `{name}` is set by the client, not by hand"),
            });
        }
        let query_start = match url.find('?') {
            Some(mark) => mark + 1,
            None => {
                url.push('?');
                url.len()
            }
        };
        let mut namespace_header = None;
        let mut pairs = form_urlencoded::Serializer::for_suffix(url, query_start);
        for (k, v) in query {
            pairs.append_pair(k, v);
        }
        if let Some(namespace) = namespace {
            match placement {
                NamespacePlacement::Query => {
                    pairs.append_pair("namespace", &namespace.value());
                }
                NamespacePlacement::Header => {
                    namespace_header = Some(namespace.value().into_owned());
                }
            }
        }
        if let Some(locale) = locale {
            pairs.append_pair("locale", locale.as_str());
        }
        let mut url = pairs.finish();
        // No empty `?` when nothing was added.
        if url.ends_with('?') {
            url.pop();
        }
        Ok(ApiCall {
            method,
            url,
            namespace_header,
            body: None,
        })
    }

    /// The request, and the URL's path to name it in errors. It carries a
    /// [`Replay`] that makes it again from this call, so a call answered
    /// the first time copies nothing for a resend that does not happen.
    pub(crate) fn into_request(self) -> Result<(String, http::Request<Vec<u8>>), Error> {
        let mut request = self.request()?;
        let path = request.uri().path().to_owned();
        request
            .extensions_mut()
            .insert(Replay::new(move || self.request().ok()));
        Ok((path, request))
    }

    fn request(&self) -> Result<http::Request<Vec<u8>>, Error> {
        let invalid = |reason: String| {
            let path_end = self.url.find('?').unwrap_or(self.url.len());
            Error::Input(InputError::InvalidEndpoint {
                endpoint: self.url[..path_end].to_owned(),
                reason,
            })
        };
        let uri = http::Uri::try_from(self.url.as_str()).map_err(|e| invalid(e.to_string()))?;
        let mut request = http::Request::new(self.body.clone().unwrap_or_default());
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = uri;
        let headers = request.headers_mut();
        // Room for ours, the session's `Authorization` and a transport's
        // `User-Agent`, so the map is allocated once.
        headers.reserve(4);
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(namespace) = &self.namespace_header {
            let value =
                HeaderValue::try_from(namespace.as_str()).map_err(|e| invalid(e.to_string()))?;
            headers.insert(HeaderName::from_static("battlenet-namespace"), value);
        }
        if !request.body().is_empty() {
            request.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        Ok(request)
    }
}

/// Reads an API answer: JSON on success, typed errors otherwise.
pub(crate) fn read_answer<T: DeserializeOwned>(
    path: &str,
    response: &oauth_core::transport::HttpResponse,
) -> Result<T, Error> {
    let status = response.status();
    let body = response.body();
    if status.is_success() {
        // The common case reads the document once, tracking no path; only
        // a document that does not fit is read again to name the place.
        if let Ok(value) = serde_json::from_slice(body) {
            return Ok(value);
        }
        let mut document = serde_json::Deserializer::from_slice(body);
        return serde_path_to_error::deserialize(&mut document).map_err(|error| {
            let field = error.path().to_string();
            Error::Json {
                path: path.to_owned(),
                field: (field != ".").then_some(field),
                problem: oauth_core::json_problem(error.inner()),
            }
        });
    }
    if status == StatusCode::NOT_FOUND {
        let detail = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| {
                v.get("detail")
                    .and_then(|d| d.as_str())
                    .map(|d| oauth_core::server_text(response, d))
            });
        return Err(Error::NotFound {
            path: path.to_owned(),
            detail,
        });
    }
    if (status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN)
        && let Some(mut challenge) = oauth_core::BearerChallenge::from_headers(response.headers())
            .filter(|challenge| challenge.error.is_some())
    {
        // The server's words may echo the token it refused.
        let shown = |text: Option<String>| text.map(|t| oauth_core::server_text(response, &t));
        challenge.error_description = shown(challenge.error_description.take());
        challenge.error_uri = shown(challenge.error_uri.take());
        challenge.scope = shown(challenge.scope.take());
        return Err(Error::Refused {
            path: path.to_owned(),
            status,
            challenge: Box::new(challenge),
        });
    }
    Err(Error::Api {
        path: path.to_owned(),
        status,
        excerpt: oauth_core::answer_excerpt(response),
    })
}

/// Reads an API answer into a typed document: as [`read_answer`], but a
/// document that does not fit is [`Error::Malformed`], naming the field
/// path and never quoting the value found.
pub(crate) fn read_typed<T: DeserializeOwned>(
    path: &str,
    response: &oauth_core::transport::HttpResponse,
) -> Result<T, Error> {
    if !response.status().is_success() {
        // Every error status is an `Err` there.
        read_answer::<serde::de::IgnoredAny>(path, response)?;
    }
    let malformed = |field: String, problem| Error::Malformed {
        path: path.to_owned(),
        field,
        problem,
    };
    if let Ok(value) = serde_json::from_slice(response.body()) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(response.body());
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let problem = match error.inner().classify() {
            serde_json::error::Category::Data => Problem::WrongShape,
            _ => Problem::NotJson,
        };
        // serde_path_to_error shows `?` where it cannot name the place.
        let field = error.path().to_string();
        let field = if field == "?" { ".".to_owned() } else { field };
        malformed(field, problem)
    })?;
    deserializer
        .end()
        .map_err(|_| malformed(".".to_owned(), Problem::NotJson))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::Region;

    fn base() -> Url {
        Url::parse("https://us.api.blizzard.com/").expect("url")
    }

    fn hosts() -> Vec<String> {
        vec!["us.api.blizzard.com".into(), "eu.api.blizzard.com".into()]
    }

    #[test]
    fn paths_and_allowed_urls_resolve() {
        assert_eq!(
            resolve("/data/wow/token/index", &base(), &hosts()),
            Ok("https://us.api.blizzard.com/data/wow/token/index".to_owned())
        );
        assert_eq!(
            resolve(
                "https://eu.api.blizzard.com/data/wow/token/index?x=1",
                &base(),
                &hosts()
            ),
            Ok("https://eu.api.blizzard.com/data/wow/token/index?x=1".to_owned())
        );
    }

    #[test]
    fn plain_paths_are_appended_as_url_join_would() {
        let bases = [
            "https://us.api.blizzard.com/",
            "http://127.0.0.1:8080/bnet/api/",
            "https://gateway.battlenet.com.cn/",
        ];
        let endpoints = [
            "/",
            "/data/wow/token/index",
            "/data/wow/playable-class/7",
            "/profile/user/wow",
            "/a-b_c~d/e.f/",
            "/data/wow/media/item/19019.json",
        ];
        for base in bases {
            let base = Url::parse(base).expect("base");
            for endpoint in endpoints {
                assert!(is_plain_path(endpoint), "{endpoint}");
                let joined = base.join(&endpoint[1..]).expect("join");
                assert_eq!(
                    resolve(endpoint, &base, &hosts()),
                    Ok(String::from(joined)),
                    "{base} + {endpoint}"
                );
            }
        }
        for endpoint in [
            "", "data", "//x", "/./x", "/a/../b", "/a//b", "/a%2e", "/a?b=1", "/a#f", "/a b",
            "/\\x", "/é", "/.", "/a/.",
        ] {
            assert!(!is_plain_path(endpoint), "{endpoint}");
        }
    }

    #[test]
    fn bad_endpoints_are_refused() {
        let cases = [
            (
                "https://evil.example/data",
                "the host is not a Battle.net API host of this client",
            ),
            (
                "http://eu.api.blizzard.com/data",
                "only https, or http on loopback, is allowed",
            ),
            ("//evil.example/data", "a path must not start with `//`"),
            (
                "data/wow/token",
                "expected a path starting with `/` or an absolute URL",
            ),
            (
                "/data?access_token=abc",
                "a token must never be sent in a URL",
            ),
            (r"/\\evil.example/data", "a path must stay on the API host"),
            (r"/\/evil.example/data", "a path must stay on the API host"),
        ];
        for (endpoint, reason) in cases {
            let err = resolve(endpoint, &base(), &hosts()).expect_err(endpoint);
            let InputError::InvalidEndpoint {
                reason: got,
                endpoint: shown,
            } = err
            else {
                panic!("unexpected error for {endpoint}");
            };
            assert_eq!(got, reason, "{endpoint}");
            assert!(!shown.contains("abc"), "the query is not shown");
        }
    }

    #[test]
    fn locale_namespace_and_query_placement() {
        let url = String::from(base().join("data/wow/playable-class/7").expect("url"));
        let call = ApiCall::new(
            Method::GET,
            url.clone(),
            Some(Locale::EnUs),
            Some(&Namespace::static_data(Region::Us)),
            NamespacePlacement::Query,
            &[("page".into(), "2".into())],
        )
        .expect("valid call");
        assert_eq!(
            call.url,
            "https://us.api.blizzard.com/data/wow/playable-class/7?page=2&namespace=static-us&locale=en_US"
        );
        let (path, request) = ApiCall::new(
            Method::GET,
            url,
            None,
            Some(&Namespace::static_data(Region::Us)),
            NamespacePlacement::Header,
            &[],
        )
        .expect("valid call")
        .into_request()
        .expect("request");
        assert_eq!(path, "/data/wow/playable-class/7");
        assert_eq!(
            request.uri(),
            "https://us.api.blizzard.com/data/wow/playable-class/7"
        );
        assert_eq!(request.headers()["battlenet-namespace"], "static-us");
        assert_eq!(request.headers()["accept"], "application/json");
        assert!(request.headers().get("content-type").is_none(), "no body");
    }

    #[test]
    fn a_body_is_sent_as_json() {
        let mut call = ApiCall::new(
            Method::POST,
            String::from(base().join("data/wow/search").expect("url")),
            None,
            None,
            NamespacePlacement::Header,
            &[],
        )
        .expect("valid call");
        call.body = Some(br#"{"q":1}"#.to_vec());
        let (_, request) = call.into_request().expect("request");
        assert_eq!(request.headers()["content-type"], "application/json");
        assert_eq!(request.body(), br#"{"q":1}"#);
    }

    #[test]
    fn reserved_query_parameters_are_refused() {
        for name in ["locale", "namespace", "access_token"] {
            let err = ApiCall::new(
                Method::GET,
                base().into(),
                None,
                None,
                NamespacePlacement::Query,
                &[(name.into(), "x".into())],
            )
            .expect_err(name);
            assert!(err.to_string().contains(&format!("`{name}`")), "{err}");
        }
    }

    #[test]
    fn answers_become_typed_errors() {
        let answer = |status: u16, body: &str| {
            http::Response::builder()
                .status(status)
                .body(body.as_bytes().to_vec().into())
                .expect("response")
        };
        let value: serde_json::Value = read_answer("/x", &answer(200, r#"{"a":1}"#)).expect("json");
        assert_eq!(value["a"], 1);
        let err = read_answer::<serde_json::Value>(
            "/x",
            &answer(
                404,
                r#"{"code":404,"type":"BLZWEBAPI00000404","detail":"Not Found"}"#,
            ),
        )
        .expect_err("404");
        assert_eq!(err.to_string(), "not found: /x (Not Found)");
        let err = read_answer::<serde_json::Value>("/x", &answer(500, "<html>oops</html>"))
            .expect_err("500");
        assert_eq!(
            err.to_string(),
            "battle.net API answered 500 Internal Server Error for /x: <html>oops</html>"
        );
        let err = read_answer::<serde_json::Value>("/x", &answer(200, "{")).expect_err("bad json");
        assert!(matches!(err, Error::Json { .. }));
    }

    #[test]
    fn a_document_that_does_not_fit_names_the_field_when_there_is_one() {
        #[derive(Debug, serde::Deserialize)]
        struct Price {
            #[allow(dead_code)]
            price: u64,
        }
        let ok = |body: &str| {
            http::Response::builder()
                .status(200)
                .body(body.as_bytes().to_vec().into())
                .expect("response")
        };
        let err = read_answer::<Price>("/x", &ok(r#"{"price":"high"}"#)).expect_err("shape");
        assert!(
            matches!(&err, Error::Json { field: Some(f), .. } if f == "price"),
            "{err:?}"
        );
        let err = read_answer::<Price>("/x", &ok(r#""high""#)).expect_err("not an object");
        assert!(matches!(&err, Error::Json { field: None, .. }), "{err:?}");
    }

    #[test]
    fn only_a_401_or_403_naming_an_error_is_a_refusal() {
        let answer = |status: u16, challenge: &str| {
            http::Response::builder()
                .status(status)
                .header("www-authenticate", challenge)
                .body(b"{}".to_vec().into())
                .expect("response")
        };
        let named = r#"Bearer error="invalid_token""#;
        for status in [401, 403] {
            let err = read_answer::<serde_json::Value>("/x", &answer(status, named))
                .expect_err("refused");
            assert!(
                matches!(&err, Error::Refused { status: s, .. } if s.as_u16() == status),
                "{status}: {err:?}"
            );
        }
        for (status, challenge) in [(401, r#"Bearer realm="api""#), (500, named)] {
            let err = read_answer::<serde_json::Value>("/x", &answer(status, challenge))
                .expect_err("error");
            assert!(
                matches!(&err, Error::Api { status: s, .. } if s.as_u16() == status),
                "{status}: {err:?}"
            );
        }
    }

    #[test]
    fn error_answers_echoing_credentials_are_redacted() {
        // A gateway that echoes the request into its error page.
        let body = "<pre>GET /x\nAuthorization: Bearer EU5ecret.tok\n</pre> \
                    {\"access_token\":\"EU5ecret.tok\"}";
        let response = http::Response::builder()
            .status(502)
            .body(body.as_bytes().to_vec().into())
            .expect("response");
        let err = read_answer::<serde_json::Value>("/x", &response).expect_err("502");
        assert_eq!(
            err.to_string(),
            "battle.net API answered 502 Bad Gateway for /x: <pre>GET /x Authorization: \
             Bearer [redacted] </pre> {\"access_token\":\"[redacted]\"}"
        );
    }
}
