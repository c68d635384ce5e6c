//! Which endpoint URLs are acceptable, and how URLs are shown in errors.

use std::net::IpAddr;

use url::{Host, Url};

use crate::Error;
use crate::error::{ConfigError, Endpoint};

/// Parses an endpoint URL and applies [`check_endpoint`].
pub(crate) fn parse_endpoint(input: &str) -> Result<Url, Error> {
    let url = Url::parse(input).map_err(|e| ConfigError::InvalidUrl {
        what: "endpoint URL",
        url: input.to_owned(),
        reason: e.to_string(),
    })?;
    check_endpoint(&url)?;
    Ok(url)
}

/// Accepts `https` URLs, and `http` ones only on a loopback host.
///
/// # Errors
/// [`Error::InsecureUrl`] for any other scheme or for `http` off loopback.
pub fn check_endpoint(url: &Url) -> Result<(), Error> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(Error::InsecureUrl {
            url: display_without_query(url),
            reason: "plain http is only allowed on loopback hosts",
        }),
        _ => Err(Error::InsecureUrl {
            url: display_without_query(url),
            reason: "only https (or http on loopback) endpoints are allowed",
        }),
    }
}

/// Whether the URL's host is `localhost`, in 127.0.0.0/8, or `::1`.
#[must_use]
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => {
            domain.eq_ignore_ascii_case("localhost")
                || domain.to_ascii_lowercase().ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Checks the URI of an API request as [`check_endpoint`] checks a URL,
/// and names it for errors and logs.
///
/// It runs on every API request, so the common cases (`https`, and `http`
/// to an IP literal or `localhost`) are decided on the URI itself, which
/// costs a tenth of parsing it again as a `Url`; every other URI goes
/// through `Url`, as before. Both ways reach the same verdict and show the
/// same URL (the tests compare them).
pub(crate) fn api_endpoint(uri: &http::Uri) -> Result<Endpoint, Error> {
    if let Some(endpoint) = api_endpoint_fast(uri) {
        return Ok(endpoint);
    }
    let url = api_url(uri)?;
    Ok(Endpoint::new("api", &url))
}

/// [`api_endpoint`]'s verdict alone, without making the text shown: what
/// every request needs, while the text is needed only for an error or an
/// enabled log.
pub(crate) fn check_api_uri(uri: &http::Uri) -> Result<(), Error> {
    if fast_parts(uri).is_some() {
        return Ok(());
    }
    api_url(uri).map(drop)
}

/// The endpoint of a URI that passed [`check_api_uri`], for an error or a
/// log line.
pub(crate) fn shown_endpoint(uri: &http::Uri) -> Endpoint {
    api_endpoint(uri).unwrap_or_else(|_| Endpoint {
        name: "api",
        url: "[unshowable URL]".into(),
    })
}

fn api_url(uri: &http::Uri) -> Result<Url, Error> {
    let url = Url::parse(&uri.to_string())
        .map_err(|e| ConfigError::InvalidRequest(format!("the URL is not absolute: {e}")))?;
    check_endpoint(&url)?;
    Ok(url)
}

/// The endpoint of an acceptable URI that needs no `Url` to judge or show;
/// `None` leaves the decision to `Url`.
fn api_endpoint_fast(uri: &http::Uri) -> Option<Endpoint> {
    let (scheme, host, default_port) = fast_parts(uri)?;
    let path = uri.path();
    // Shown as `Url` shows it: no credentials, default port, query or
    // fragment.
    let mut shown = String::with_capacity(scheme.len() + host.len() + path.len() + 9);
    shown.push_str(scheme);
    shown.push_str("://");
    shown.push_str(host);
    if let Some(port) = uri.port_u16().filter(|p| *p != default_port) {
        shown.push(':');
        shown.push_str(&port.to_string());
    }
    shown.push_str(path);
    Some(Endpoint {
        name: "api",
        url: shown.into(),
    })
}

/// Scheme, host and default port of a URI acceptable as it is, which `Url`
/// would read and show unchanged; `None` leaves the decision to `Url`.
fn fast_parts(uri: &http::Uri) -> Option<(&str, &str, u16)> {
    let scheme = uri.scheme_str()?;
    let host = uri.authority()?.host();
    // Hosts are compared and shown in lower case, as `Url` does.
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let default_port = match (scheme, plain_host(host)?) {
        ("https", _) => 443,
        ("http", true) => 80,
        _ => return None,
    };
    // `Url` resolves dot segments (also written `%2e`) and escapes some
    // characters in paths: one pass finds any of them.
    let path = uri.path().as_bytes();
    if path.first() != Some(&b'/') {
        return None;
    }
    for (i, &b) in path.iter().enumerate() {
        let refused = match b {
            b'"' | b'<' | b'>' | b'`' | b'{' | b'}' | b'\\' => true,
            // The first byte is `/`, so a `.` has one before it.
            b'.' => path[i - 1] == b'/',
            b'%' => {
                path.get(i + 1) == Some(&b'2')
                    && path
                        .get(i + 2)
                        .is_some_and(|c| c.eq_ignore_ascii_case(&b'e'))
            }
            _ => false,
        };
        if refused {
            return None;
        }
    }
    Some((scheme, host, default_port))
}

/// Whether a lower-case host is loopback, for hosts that `Url` reads and
/// writes unchanged; `None` for any other (IPv4 in a short or hexadecimal
/// form, a domain ending in a number or holding punycode, …).
fn plain_host(host: &str) -> Option<bool> {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let ip: std::net::Ipv6Addr = inner.parse().ok()?;
        // `Url` writes IPv6 compressed, and embedded IPv4 in hexadecimal.
        return (!inner.contains('.') && ip.to_string() == inner).then_some(ip.is_loopback());
    }
    if let Ok(ip) = host.parse::<std::net::Ipv4Addr>() {
        return Some(ip.is_loopback());
    }
    let plain_labels = host.split('.').all(|label| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    let ends_in_name = host
        .rsplit('.')
        .next()
        .is_some_and(|label| label.starts_with(|c: char| c.is_ascii_alphabetic()));
    (plain_labels && ends_in_name && !host.contains("xn--")).then_some(host == "localhost")
}

/// The URL without query, fragment or credentials: safe to show in an
/// error or a log line, where a query may carry a code or a token.
pub fn display_without_query(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    // Setting these only fails for URLs that cannot have them.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// Whether `actual` goes to the same place as `expected`: scheme, host,
/// port and path must match exactly.
pub(crate) fn same_redirect_target(expected: &Url, actual: &Url) -> bool {
    expected.scheme() == actual.scheme()
        && expected.host() == actual.host()
        && expected.port_or_known_default() == actual.port_or_known_default()
        && expected.path() == actual.path()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn loopback_http_is_allowed_elsewhere_refused() {
        for ok in [
            "https://oauth.battle.net/token",
            "http://127.0.0.1:8080/token",
            "http://127.8.9.10/token",
            "http://[::1]:9/token",
            "http://localhost/token",
            "http://LOCALHOST:1/token",
            "http://app.localhost/token",
        ] {
            assert!(check_endpoint(&url(ok)).is_ok(), "{ok}");
        }
        for (bad, expected) in [
            (
                "http://example.com/token?code=secret",
                "insecure endpoint http://example.com/token: plain http is only allowed on loopback hosts",
            ),
            (
                "http://10.0.0.1/token",
                "insecure endpoint http://10.0.0.1/token: plain http is only allowed on loopback hosts",
            ),
            (
                "http://localhost.example.com/token",
                "insecure endpoint http://localhost.example.com/token: plain http is only allowed on loopback hosts",
            ),
            (
                "ftp://127.0.0.1/token",
                "insecure endpoint ftp://127.0.0.1/token: only https (or http on loopback) endpoints are allowed",
            ),
        ] {
            let err = check_endpoint(&url(bad)).expect_err(bad);
            assert_eq!(err.to_string(), expected);
        }
        assert_eq!(
            parse_endpoint("https://h.example/t")
                .expect("https")
                .as_str(),
            "https://h.example/t"
        );
        for (bad, expected) in [
            (
                "/t",
                "configuration error: invalid endpoint URL `/t`: relative URL without a base",
            ),
            (
                "http://h.example/t",
                "insecure endpoint http://h.example/t: plain http is only allowed on loopback hosts",
            ),
        ] {
            let err = parse_endpoint(bad).expect_err(bad);
            assert_eq!(err.to_string(), expected);
        }
    }

    #[test]
    fn api_uris_are_judged_and_shown_as_urls_are() {
        for input in [
            "https://us.api.blizzard.com/data/wow/token/index?namespace=dynamic-us",
            "https://US.API.Blizzard.com:443/data?x=1#f",
            "https://us.api.blizzard.com:443/data?x=1#f",
            "https://u:p@h.example:8443/a/b?code=secret",
            "https://h.example",
            "https://127.0.0.1:8443/x",
            "https://[::1]/x",
            "http://127.0.0.1:8080/data/wow/token/index?namespace=dynamic-us",
            "http://127.0.0.1:80/x",
            "http://127.8.9.10/x",
            "http://[::1]:9/x",
            "http://[0:0:0:0:0:0:0:1]:9/x",
            "http://localhost/x",
            "http://LOCALHOST:1/x",
            "http://u:p@localhost:1/x?q",
            "http://app.localhost/x",
            "http://example.com/x",
            "http://10.0.0.1/x",
            "http://localhost.example.com/x",
            "http://127.1/x",
            "http://0x7f.0.0.1/x",
            "ftp://127.0.0.1/x",
            "/relative?x=1",
            "https://h.example/a/../b",
            "https://h.example/a/%2E%2e/b",
            "https://h.example/a/./b",
            "https://h.example/{x}",
            "https://xn--nxasmq6b.com/x",
            "https://a.123/x",
            "https://a..b/x",
            "https://[::ffff:1.2.3.4]/x",
            "https://[::FFFF:102:304]/x",
            "http://[::1]/x",
            "http://127.0.0.1/%7Ex",
            "https://h_x.example/x",
            "https://-h.example/x",
            "https://.h.example/x",
            "https://h.example./x",
            "https://h.example/a2e/x%20y%3Ez",
            "http://[::1]/a/.b",
            "http://.localhost/x",
            "https://a!b.example/x",
            "https://a.0x1f/x",
        ] {
            let uri: http::Uri = input.parse().expect(input);
            let by_url = Url::parse(input).map_err(drop).and_then(|url| {
                check_endpoint(&url)
                    .map(|()| Endpoint::new("api", &url))
                    .map_err(drop)
            });
            let by_uri = api_endpoint(&uri).map_err(drop);
            assert_eq!(by_uri, by_url, "{input}");
            assert_eq!(
                check_api_uri(&uri).is_ok(),
                by_url.is_ok(),
                "{input}: the check alone"
            );
            if let Some(fast) = api_endpoint_fast(&uri) {
                assert_eq!(Ok(fast), by_url, "{input}: the fast way");
            }
        }
    }

    #[test]
    fn common_api_uris_take_the_fast_way() {
        for input in [
            "https://us.api.blizzard.com/data/wow/token/index?namespace=dynamic-us",
            "http://127.0.0.1:8080/data/wow/token/index",
            "http://[::1]:9/x",
            "http://localhost:3000/x",
            // Escapes other than a dot's, and `2e` unescaped.
            "https://h.example/a2e/x%20y%3Ez",
            "http://127.0.0.1:8080/v2e/%41",
            "https://eu-west.api.example.com/x",
        ] {
            let uri: http::Uri = input.parse().expect(input);
            assert!(api_endpoint_fast(&uri).is_some(), "{input}");
        }
    }

    /// The fast way is kept to URIs known to read the same to `Url`;
    /// anything else is `Url`'s to judge, even where the two would agree
    /// today, so a normalisation nobody foresaw cannot slip through.
    #[test]
    fn uncommon_api_uris_are_left_to_url() {
        for input in [
            "https://H.example/x",
            "https://a_b.example/x",
            "https://a!b.example/x",
            "https://.h.example/x",
            "https://a..b/x",
            "https://h.example./x",
            "https://xn--nxasmq6b.com/x",
            "https://a.123/x",
            "https://a.0x1f/x",
            "http://0x7f.0.0.1/x",
            "http://127.1/x",
            "https://[::ffff:1.2.3.4]/x",
            "https://[0:0:0:0:0:0:0:1]/x",
            "http://.localhost/x",
            "http://app.localhost/x",
            "http://example.com/x",
            "https://h.example/a/../b",
            "https://h.example/a/%2e%2E/b",
            "https://h.example/a/./b",
            "https://h.example/{x}",
            "https://h.example/a\"b",
            "ftp://127.0.0.1/x",
        ] {
            let uri: http::Uri = input.parse().expect(input);
            assert!(api_endpoint_fast(&uri).is_none(), "{input}");
        }
    }

    #[test]
    fn shown_urls_lose_query_and_credentials() {
        assert_eq!(
            display_without_query(&url("https://u:p@h.example/a?code=secret#x")),
            "https://h.example/a"
        );
    }

    #[test]
    fn redirect_target_matches_exactly() {
        let registered = url("https://app.example/cb");
        assert!(same_redirect_target(
            &registered,
            &url("https://app.example:443/cb?code=1")
        ));
        for other in [
            "http://app.example/cb",
            "https://app.example/cb/",
            "https://app.example:8443/cb",
            "https://evil.example/cb",
        ] {
            assert!(!same_redirect_target(&registered, &url(other)), "{other}");
        }
    }
}
