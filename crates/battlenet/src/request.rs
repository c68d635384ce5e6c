//! Building API requests (endpoint, locale, namespace, query) and reading
//! their answers into typed errors.

use oauth_core::http::{self, Method, StatusCode, header};
use oauth_core::url::Url;
use serde::de::DeserializeOwned;

use crate::error::{Error, InputError};
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
/// host) into a URL.
pub(crate) fn resolve(
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
    pub(crate) url: Url,
    pub(crate) path: String,
    pub(crate) namespace_header: Option<String>,
    pub(crate) body: Option<Vec<u8>>,
}

impl ApiCall {
    pub(crate) fn new(
        method: Method,
        mut url: Url,
        locale: Option<Locale>,
        namespace: Option<&Namespace>,
        placement: NamespacePlacement,
        query: &[(String, String)],
    ) -> Result<Self, InputError> {
        if let Some((name, _)) = query
            .iter()
            .find(|(k, _)| RESERVED_QUERY.contains(&k.as_str()))
        {
            return Err(InputError::InvalidEndpoint {
                endpoint: url.path().to_owned(),
                reason: format!("query parameter `{name}` is set by the client, not by hand"),
            });
        }
        let path = url.path().to_owned();
        let mut namespace_header = None;
        {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
            if let Some(namespace) = namespace {
                match placement {
                    NamespacePlacement::Query => {
                        pairs.append_pair("namespace", &namespace.to_string());
                    }
                    NamespacePlacement::Header => namespace_header = Some(namespace.to_string()),
                }
            }
            if let Some(locale) = locale {
                pairs.append_pair("locale", locale.as_str());
            }
        }
        // `query_pairs_mut` leaves an empty `?` behind when nothing was added.
        if url.query() == Some("") {
            url.set_query(None);
        }
        Ok(ApiCall {
            method,
            url,
            path,
            namespace_header,
            body: None,
        })
    }

    pub(crate) fn into_request(self) -> Result<(String, http::Request<Vec<u8>>), Error> {
        let mut builder = http::Request::builder()
            .method(self.method)
            .uri(self.url.as_str())
            .header(header::ACCEPT, "application/json");
        if let Some(namespace) = &self.namespace_header {
            builder = builder.header("battlenet-namespace", namespace);
        }
        let body = match self.body {
            Some(body) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                body
            }
            None => Vec::new(),
        };
        let request = builder.body(body).map_err(|e| {
            Error::Input(InputError::InvalidEndpoint {
                endpoint: self.path.clone(),
                reason: e.to_string(),
            })
        })?;
        Ok((self.path, request))
    }
}

/// Reads an API answer: JSON on success, typed errors otherwise.
pub(crate) fn read_answer<T: DeserializeOwned>(
    path: &str,
    response: &http::Response<Vec<u8>>,
) -> Result<T, Error> {
    let status = response.status();
    let body = response.body();
    if status.is_success() {
        return serde_json::from_slice(body).map_err(|source| Error::Json {
            path: path.to_owned(),
            source,
        });
    }
    if status == StatusCode::NOT_FOUND {
        let detail = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_owned));
        return Err(Error::NotFound {
            path: path.to_owned(),
            detail,
        });
    }
    Err(Error::Api {
        path: path.to_owned(),
        status,
        excerpt: oauth_core::body_excerpt(body),
    })
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
            resolve("/data/wow/token/index", &base(), &hosts()).map(String::from),
            Ok("https://us.api.blizzard.com/data/wow/token/index".to_owned())
        );
        assert_eq!(
            resolve(
                "https://eu.api.blizzard.com/data/wow/token/index?x=1",
                &base(),
                &hosts()
            )
            .map(String::from),
            Ok("https://eu.api.blizzard.com/data/wow/token/index?x=1".to_owned())
        );
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
        let url = base().join("data/wow/playable-class/7").expect("url");
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
            call.url.as_str(),
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
    }

    #[test]
    fn reserved_query_parameters_are_refused() {
        for name in ["locale", "namespace", "access_token"] {
            let err = ApiCall::new(
                Method::GET,
                base(),
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
                .body(body.as_bytes().to_vec())
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
    fn error_answers_echoing_credentials_are_redacted() {
        // A gateway that echoes the request into its error page.
        let body = "<pre>GET /x\nAuthorization: Bearer EU5ecret.tok\n</pre> \
                    {\"access_token\":\"EU5ecret.tok\"}";
        let response = http::Response::builder()
            .status(502)
            .body(body.as_bytes().to_vec())
            .expect("response");
        let err = read_answer::<serde_json::Value>("/x", &response).expect_err("502");
        assert_eq!(
            err.to_string(),
            "battle.net API answered 502 Bad Gateway for /x: <pre>GET /x Authorization: \
             Bearer [redacted] </pre> {\"access_token\":\"[redacted]\"}"
        );
    }
}
