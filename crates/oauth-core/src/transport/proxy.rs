//! Which proxy, if any, a built-in transport goes through: curl's rules
//! from the environment, or one given with its credentials.

use std::fmt;

use crate::error::{ConfigError, Error};
use crate::secret::Password;

/// The proxy of a built-in transport ([`TransportConfig::proxy`]).
///
/// [`Proxy::from_env`] (the default) reads `HTTPS_PROXY`, `HTTP_PROXY`,
/// `ALL_PROXY` and `NO_PROXY` (or their lower-case forms) as curl does,
/// for both transports alike; [`Proxy::all`], [`Proxy::http`] and
/// [`Proxy::https`] name one, with [`basic_auth`](Proxy::basic_auth)
/// credentials (kept secret: never in `Debug`, errors or logs) and
/// [`no_proxy`](Proxy::no_proxy) exceptions; [`Proxy::none`] goes direct.
/// An `https` destination is reached through a `CONNECT` tunnel, so the
/// proxy sees its host and port, never the exchange.
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
    /// curl's rules from the environment.
    #[default]
    FromEnv,
    /// One given: for `http` destinations, `https` ones, or both.
    Given(Box<Given>),
}

/// A proxy given by the user.
#[derive(Clone)]
#[cfg_attr(not(any(feature = "reqwest", feature = "hyper")), allow(dead_code))]
struct Given {
    http: Option<url::Url>,
    https: Option<url::Url>,
    no: String,
    auth: Option<(String, Password)>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::None => f.write_str("Proxy::none"),
            Kind::FromEnv => f.write_str("Proxy::from_env"),
            Kind::Given(given) => f
                .debug_struct("Proxy")
                .field("http", &given.http.as_ref().map(url::Url::as_str))
                .field("https", &given.https.as_ref().map(url::Url::as_str))
                .field("no_proxy", &given.no)
                .field(
                    "auth",
                    &given.auth.as_ref().map(|(user, _)| (user, "[redacted]")),
                )
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

    /// The environment's proxies, read as curl reads them, when the
    /// transport is built (the default).
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
        let (url, auth) = parse(url)?;
        Ok(Self::given(Some(url.clone()), Some(url), auth))
    }

    /// This proxy for `http` destinations only.
    ///
    /// # Errors
    /// As [`Proxy::all`].
    pub fn http(url: &str) -> Result<Self, Error> {
        let (url, auth) = parse(url)?;
        Ok(Self::given(Some(url), None, auth))
    }

    /// This proxy for `https` destinations only.
    ///
    /// # Errors
    /// As [`Proxy::all`].
    pub fn https(url: &str) -> Result<Self, Error> {
        let (url, auth) = parse(url)?;
        Ok(Self::given(None, Some(url), auth))
    }

    fn given(
        http: Option<url::Url>,
        https: Option<url::Url>,
        auth: Option<(String, Password)>,
    ) -> Self {
        Proxy {
            kind: Kind::Given(Box::new(Given {
                http,
                https,
                no: String::new(),
                auth,
            })),
        }
    }

    /// Destinations that go direct, in `NO_PROXY`'s form: hosts, domains
    /// (`.internal` or `internal` covers its subdomains), IP addresses and
    /// networks, comma-separated; `*` for all.
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
            given.auth = Some((user.into(), password));
        }
        self
    }

    /// The proxy as reqwest takes it: `None` to go direct, `Some(None)`
    /// for its own reading of the environment (curl's rules, the same
    /// matcher as hyper's).
    #[cfg(feature = "reqwest")]
    pub(crate) fn for_reqwest(&self) -> Result<Option<Option<reqwest::Proxy>>, Error> {
        let Kind::Given(given) = &self.kind else {
            return Ok(match self.kind {
                Kind::FromEnv => Some(None),
                _ => None,
            });
        };
        let refused = |_| {
            Error::from(ConfigError::InvalidValue {
                what: "the proxy",
                reason: "reqwest refused it".into(),
            })
        };
        let Given {
            http,
            https,
            no,
            auth,
        } = &**given;
        let mut proxy = match (http, https) {
            (Some(http), Some(https)) if http == https => {
                reqwest::Proxy::all(http.as_str()).map_err(refused)?
            }
            (Some(http), None) => reqwest::Proxy::http(http.as_str()).map_err(refused)?,
            (None, Some(https)) => reqwest::Proxy::https(https.as_str()).map_err(refused)?,
            _ => return Ok(None),
        };
        if let Some((user, password)) = auth {
            proxy = proxy.basic_auth(user, password.secret());
        }
        Ok(Some(Some(
            proxy.no_proxy(reqwest::NoProxy::from_string(no)),
        )))
    }

    /// The matcher hyper's connector asks, destination by destination;
    /// `None` to go direct.
    #[cfg(feature = "hyper")]
    pub(crate) fn matcher(&self) -> Option<hyper_util::client::proxy::matcher::Matcher> {
        use hyper_util::client::proxy::matcher::Matcher;
        match &self.kind {
            Kind::None => None,
            Kind::FromEnv => Some(Matcher::from_env()),
            Kind::Given(given) => {
                let Given {
                    http,
                    https,
                    no,
                    auth,
                } = &**given;
                let with_auth = |url: &url::Url| {
                    let mut url = url.clone();
                    if let Some((user, password)) = auth {
                        // The matcher reads credentials from the URL.
                        let _ = url.set_username(user);
                        let _ = url.set_password(Some(password.secret()));
                    }
                    url.to_string()
                };
                let mut builder = Matcher::builder().no(no.clone());
                if let Some(http) = http {
                    builder = builder.http(with_auth(http));
                }
                if let Some(https) = https {
                    builder = builder.https(with_auth(https));
                }
                Some(builder.build())
            }
        }
    }
}

/// An `http://` proxy URL (the transports tunnel through plain HTTP
/// proxies), and the credentials it held, taken out of it (its text is not
/// quoted in errors, as it may hold them).
fn parse(url: &str) -> Result<(url::Url, Option<(String, Password)>), Error> {
    let invalid = |reason: &str| {
        Error::from(ConfigError::InvalidValue {
            what: "the proxy URL",
            reason: reason.to_owned(),
        })
    };
    let parsed = url::Url::parse(url).map_err(|_| invalid("not a URL"))?;
    if parsed.scheme() != "http" {
        return Err(invalid("only http:// proxies are supported"));
    }
    if parsed.host_str().is_none() {
        return Err(invalid("no host"));
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
    Ok((bare, auth))
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
        assert_eq!(
            given.http.as_ref().unwrap().as_str(),
            "http://proxy.internal:3128/"
        );
        let (user, password) = given.auth.as_ref().unwrap();
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
