//! Which endpoint URLs are acceptable, and how URLs are shown in errors.

use std::net::IpAddr;

use url::{Host, Url};

use crate::Error;

/// Parses an endpoint URL and applies [`check_endpoint`].
pub(crate) fn parse_endpoint(input: &str) -> Result<Url, Error> {
    let url = Url::parse(input)
        .map_err(|e| Error::Config(format!("invalid endpoint URL `{input}`: {e}")))?;
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

/// The URL without query, fragment or credentials: safe to show.
pub(crate) fn display_without_query(url: &Url) -> String {
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
        for bad in [
            "http://example.com/token",
            "http://10.0.0.1/token",
            "http://localhost.example.com/token",
            "ftp://127.0.0.1/token",
        ] {
            let err = check_endpoint(&url(bad)).expect_err(bad);
            assert!(matches!(err, Error::InsecureUrl { .. }), "{bad}");
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
