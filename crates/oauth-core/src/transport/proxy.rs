//! Which proxy, if any, a built-in transport goes through: the
//! environment's `*_PROXY` variables, or one given with its credentials.

use std::fmt;

use crate::error::{ConfigError, Error};
use crate::secret::Password;

/// The proxy of a built-in transport ([`TransportConfig::proxy`]).
///
/// [`Proxy::from_env`] (the default) reads the environment when the
/// transport is built, the same way for both transports;
/// [`Proxy::all`], [`Proxy::http`] and [`Proxy::https`] name one, with
/// [`basic_auth`](Proxy::basic_auth) credentials (kept secret: never in
/// `Debug`, errors or logs) and [`no_proxy`](Proxy::no_proxy) exceptions;
/// [`Proxy::none`] goes direct. An `https` destination is reached through
/// a `CONNECT` tunnel, so the proxy sees its host and port, never the
/// exchange.
///
/// # The environment
///
/// - `HTTP_PROXY` serves `http` destinations and `HTTPS_PROXY` `https`
///   ones; `ALL_PROXY` serves either when its own variable is unset. Each
///   upper-case name is read first, then its lower-case form (an
///   upper-case one that is set, even empty, hides the lower-case one).
/// - Only plain `http://` proxies are used (a bare `host:port` is one):
///   the transports speak to the proxy in cleartext, so a value of
///   another scheme (`https://`, `socks5://`, …) or that is not a URL is
///   ignored, as if unset, with one warning (a `tracing` event) naming
///   the variable, never its value.
/// - Credentials in the URL (`http://user:password@host:port`) are sent
///   as `Proxy-Authorization: Basic`.
/// - `NO_PROXY` lists the destinations that go direct, comma-separated
///   (spaces around entries ignored): a host or domain (`example.com` and
///   `.example.com` alike cover the domain and its subdomains, case
///   aside), an IP address, or a network (`10.0.0.0/8`, `fd00::/8`). An
///   entry `*` sends every destination direct.
/// - None of them is read when `REQUEST_METHOD` is set: in a CGI program
///   `HTTP_PROXY` may come from a request's `Proxy` header.
///
/// This is hyper-util's reading (the one reqwest uses), which differs
/// from curl's: curl reads lower-case names first and never upper-case
/// `HTTP_PROXY` (here it is honoured outside CGI); curl takes `https://`
/// and SOCKS proxies (here ignored); curl's `*` sends everything direct
/// only as the whole `NO_PROXY`, here as any entry; curl ignores a
/// trailing dot on names (here `example.com.` is another name than
/// `example.com`), takes bracketed IPv6 entries (here `[::1]` never
/// matches: write `::1`) and splits the list on spaces too (here only on
/// commas: `a.example b.example` is one entry, which matches nothing).
///
/// ```
/// use oauth_core::transport::{Proxy, TransportConfig};
/// use oauth_core::Password;
///
/// let config = TransportConfig::default().proxy(
///     Proxy::all("http://proxy.internal:3128")?
///         .basic_auth("build-bot", Password::new("hunter2"))
///         .no_proxy("localhost,.internal"),
/// );
/// # Ok::<(), oauth_core::Error>(())
/// ```
///
/// [`TransportConfig::proxy`]: super::TransportConfig::proxy
#[derive(Clone, Default)]
pub struct Proxy {
    kind: Kind,
}

#[derive(Clone, Default)]
enum Kind {
    /// Direct, whatever the environment says.
    None,
    /// The environment's, read when the transport is built.
    #[default]
    FromEnv,
    /// One given: for `http` destinations, `https` ones, or both.
    Given(Box<Given>),
}

/// The proxies a transport uses: given by the user, or read from the
/// environment.
#[derive(Clone)]
#[cfg_attr(not(any(feature = "reqwest", feature = "hyper")), allow(dead_code))]
struct Given {
    http: Option<Target>,
    https: Option<Target>,
    no: String,
}

/// One proxy: its `http://` URL without credentials, and the credentials.
#[derive(Clone)]
#[cfg_attr(not(any(feature = "reqwest", feature = "hyper")), allow(dead_code))]
struct Target {
    url: url::Url,
    auth: Option<(String, Password)>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("url", &self.url.as_str())
            .field(
                "auth",
                &self.auth.as_ref().map(|(user, _)| (user, "[redacted]")),
            )
            .finish()
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::None => f.write_str("Proxy::none"),
            Kind::FromEnv => f.write_str("Proxy::from_env"),
            Kind::Given(given) => f
                .debug_struct("Proxy")
                .field("http", &given.http)
                .field("https", &given.https)
                .field("no_proxy", &given.no)
                .finish(),
        }
    }
}

impl Proxy {
    /// No proxy: every request goes direct.
    #[must_use]
    pub fn none() -> Self {
        Proxy { kind: Kind::None }
    }

    /// The environment's proxies, read when the transport is built (the
    /// default); see [the rules](Proxy#the-environment).
    #[must_use]
    pub fn from_env() -> Self {
        Proxy {
            kind: Kind::FromEnv,
        }
    }

    /// This proxy (`http://HOST:PORT`) for every destination.
    ///
    /// # Errors
    /// [`Error::Config`] for a URL that is not an `http` proxy's; the URL
    /// is not quoted when it holds credentials.
    pub fn all(url: &str) -> Result<Self, Error> {
        let target = given_target(url)?;
        Ok(Self::given(Some(target.clone()), Some(target)))
    }

    /// This proxy for `http` destinations only.
    ///
    /// # Errors
    /// As [`Proxy::all`].
    pub fn http(url: &str) -> Result<Self, Error> {
        Ok(Self::given(Some(given_target(url)?), None))
    }

    /// This proxy for `https` destinations only.
    ///
    /// # Errors
    /// As [`Proxy::all`].
    pub fn https(url: &str) -> Result<Self, Error> {
        Ok(Self::given(None, Some(given_target(url)?)))
    }

    fn given(http: Option<Target>, https: Option<Target>) -> Self {
        Proxy {
            kind: Kind::Given(Box::new(Given {
                http,
                https,
                no: String::new(),
            })),
        }
    }

    /// Destinations that go direct, in `NO_PROXY`'s form (see [the
    /// rules](Proxy#the-environment)): hosts, domains (`.internal` or
    /// `internal` covers its subdomains), IP addresses and networks,
    /// comma-separated; `*` for all.
    #[must_use]
    pub fn no_proxy(mut self, list: &str) -> Self {
        if let Kind::Given(given) = &mut self.kind {
            list.clone_into(&mut given.no);
        }
        self
    }

    /// Credentials for the proxy (`Proxy-Authorization: Basic`).
    #[must_use]
    pub fn basic_auth(mut self, user: impl Into<String>, password: Password) -> Self {
        if let Kind::Given(given) = &mut self.kind {
            let auth = (user.into(), password);
            for target in [&mut given.http, &mut given.https].into_iter().flatten() {
                target.auth = Some(auth.clone());
            }
        }
        self
    }

    /// The proxies to use, the environment read now; `None` to go direct.
    #[cfg(any(feature = "reqwest", feature = "hyper"))]
    fn resolved(&self) -> Option<Given> {
        match &self.kind {
            Kind::None => None,
            Kind::FromEnv => from_environment(),
            Kind::Given(given) => Some((**given).clone()),
        }
    }

    /// The proxies as reqwest takes them; none to go direct.
    #[cfg(feature = "reqwest")]
    pub(crate) fn for_reqwest(&self) -> Result<Vec<reqwest::Proxy>, Error> {
        let Some(Given { http, https, no }) = self.resolved() else {
            return Ok(Vec::new());
        };
        let refused = |_| {
            Error::from(ConfigError::InvalidValue {
                what: "the proxy",
                reason: "reqwest refused it".into(),
            })
        };
        let mut proxies = Vec::new();
        for (target, for_https) in [(http, false), (https, true)] {
            let Some(Target { url, auth }) = target else {
                continue;
            };
            let proxy = if for_https {
                reqwest::Proxy::https(url.as_str())
            } else {
                reqwest::Proxy::http(url.as_str())
            };
            let mut proxy = proxy.map_err(refused)?;
            if let Some((user, password)) = &auth {
                proxy = proxy.basic_auth(user, password.secret());
            }
            proxies.push(proxy.no_proxy(reqwest::NoProxy::from_string(&no)));
        }
        Ok(proxies)
    }

    /// The matcher hyper's connector asks, destination by destination;
    /// `None` to go direct (then no destination is asked about).
    #[cfg(feature = "hyper")]
    pub(crate) fn matcher(&self) -> Option<hyper_util::client::proxy::matcher::Matcher> {
        use hyper_util::client::proxy::matcher::Matcher;
        let Given { http, https, no } = self.resolved()?;
        let with_auth = |target: &Target| {
            let mut url = target.url.clone();
            if let Some((user, password)) = &target.auth {
                // The matcher reads credentials from the URL.
                let _ = url.set_username(user);
                let _ = url.set_password(Some(password.secret()));
            }
            url.to_string()
        };
        let mut builder = Matcher::builder().no(no);
        if let Some(http) = &http {
            builder = builder.http(with_auth(http));
        }
        if let Some(https) = &https {
            builder = builder.https(with_auth(https));
        }
        Some(builder.build())
    }
}

/// The environment's proxies ([the rules](Proxy#the-environment)), or
/// `None` when it names none that can be used.
#[cfg(any(feature = "reqwest", feature = "hyper"))]
fn from_environment() -> Option<Given> {
    if std::env::var_os("REQUEST_METHOD").is_some() {
        return None;
    }
    let all = env_target(&["ALL_PROXY", "all_proxy"]);
    let http = env_target(&["HTTP_PROXY", "http_proxy"]).or_else(|| all.clone());
    let https = env_target(&["HTTPS_PROXY", "https_proxy"]).or(all);
    if http.is_none() && https.is_none() {
        return None;
    }
    let no = first_env(&["NO_PROXY", "no_proxy"]).map_or_else(String::new, |(_, value)| value);
    Some(Given { http, https, no })
}

/// The first of these variables that is set, by name.
#[cfg(any(feature = "reqwest", feature = "hyper"))]
fn first_env(names: &[&'static str]) -> Option<(&'static str, String)> {
    names
        .iter()
        .find_map(|name| std::env::var(name).ok().map(|value| (*name, value)))
}

/// The proxy the first of these variables that is set names, if it is one
/// to use; a warning naming the variable (never its value, which may hold
/// credentials) when it is not.
#[cfg(any(feature = "reqwest", feature = "hyper"))]
fn env_target(names: &[&'static str]) -> Option<Target> {
    let (variable, value) = first_env(names)?;
    if value.is_empty() {
        return None;
    }
    // A bare `host:port` is an http proxy's.
    let url = if value.contains("://") {
        value
    } else {
        format!("http://{value}")
    };
    match parse(&url) {
        Ok(target) => Some(target),
        Err(reason) => {
            tracing::warn!(
                variable,
                "ignoring the proxy in {variable}: {reason}; requests it would carry go direct"
            );
            None
        }
    }
}

/// A proxy given by the user, its text not quoted in errors (it may hold
/// credentials).
fn given_target(url: &str) -> Result<Target, Error> {
    parse(url).map_err(|reason| {
        Error::from(ConfigError::InvalidValue {
            what: "the proxy URL",
            reason: reason.to_owned(),
        })
    })
}

/// An `http://` proxy URL (the transports speak plain HTTP to the proxy),
/// and the credentials it held, taken out of it; or why it is not one.
fn parse(url: &str) -> Result<Target, &'static str> {
    let parsed = url::Url::parse(url).map_err(|_| "not a URL")?;
    if parsed.scheme() != "http" {
        return Err("only http:// proxies are supported");
    }
    if parsed.host_str().is_none() {
        return Err("no host");
    }
    let decode = |text: &str| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    };
    let auth = (!parsed.username().is_empty()).then(|| {
        (
            decode(parsed.username()),
            Password::new(decode(parsed.password().unwrap_or_default())),
        )
    });
    let mut bare = parsed;
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    Ok(Target { url: bare, auth })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests: a panic is the failure report.
mod tests {
    use super::*;

    #[test]
    fn credentials_in_the_url_are_taken_out_and_never_shown() {
        let proxy = Proxy::all("http://bot:p%40ss%20word@proxy.internal:3128").unwrap();
        let Kind::Given(given) = &proxy.kind else {
            panic!("a given proxy");
        };
        let http = given.http.as_ref().unwrap();
        assert_eq!(http.url.as_str(), "http://proxy.internal:3128/");
        let (user, password) = http.auth.as_ref().unwrap();
        assert_eq!(user, "bot");
        assert_eq!(password.secret(), "p@ss word");
        let shown = format!("{proxy:?}");
        assert!(
            !shown.contains("p%40ss") && !shown.contains("p@ss"),
            "{shown}"
        );
        assert!(shown.contains("[redacted]"), "{shown}");
    }

    #[test]
    fn only_http_proxies_with_a_host_are_taken_and_the_url_is_not_quoted() {
        for bad in [
            "socks5://u:secret@h:1080",
            "not a url with secret",
            "http://",
        ] {
            let error = Proxy::all(bad).unwrap_err().to_string();
            assert!(!error.contains("secret"), "{error}");
        }
        assert!(Proxy::https("http://proxy.internal:3128").is_ok());
    }
}
