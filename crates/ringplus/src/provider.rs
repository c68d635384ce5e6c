//! RingPlus's facts as data: hosts, paths, media type and client
//! authentication, each with a default a user can override.

use oauth_core::ConfigError;
use oauth_core::url::Url;
use oauth_core::{ClientAuth, Endpoints, Provider};

use crate::Error;

/// Where RingPlus's authorization server lives.
pub const DEFAULT_OAUTH_BASE: &str = "https://my.ringplus.net/";
/// Where the RingPlus API lives.
pub const DEFAULT_API_BASE: &str = "https://api.ringplus.net/";
/// The authorization endpoint's path under the OAuth base.
pub const AUTHORIZE_PATH: &str = "oauth/authorize";
/// The token endpoint's path under the OAuth base.
pub const TOKEN_PATH: &str = "oauth/token";
/// The media type every API request accepts (API version 1).
pub const MEDIA_TYPE: &str = "application/vnd.ringplus.v1";

/// RingPlus as an OAuth provider for [`oauth_core`].
///
/// A confidential client sends `client_id` and `client_secret` in the form
/// body (RingPlus's refresh takes them there), scopes are space separated,
/// and authorization requests carry PKCE S256 unless turned off.
///
/// ```
/// use ringplus::RingPlusProvider;
/// use ringplus::oauth_core::Provider as _;
///
/// let provider = RingPlusProvider::new();
/// assert_eq!(
///     provider.endpoints().token().as_str(),
///     "https://my.ringplus.net/oauth/token"
/// );
/// ```
#[derive(Clone, Debug)]
pub struct RingPlusProvider {
    endpoints: Endpoints,
    pkce: bool,
}

impl Default for RingPlusProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl RingPlusProvider {
    /// The provider at RingPlus's own hosts.
    #[must_use]
    pub fn new() -> Self {
        Self::with_oauth_base(DEFAULT_OAUTH_BASE).expect("the default base is a valid https URL")
    }

    /// The provider with the authorization server at `base` (for example a
    /// test server): `{base}/oauth/authorize` and `{base}/oauth/token`.
    ///
    /// # Errors
    /// [`Error::OAuth`] with a configuration or insecure-URL error when
    /// `base` is not an absolute `https` URL (or `http` on loopback).
    pub fn with_oauth_base(base: &str) -> Result<Self, Error> {
        let base = parse_base(base)?;
        let join = |path: &str| {
            base.join(path).map_err(|e| {
                Error::from(oauth_core::Error::from(ConfigError::InvalidUrl {
                    what: "OAuth path",
                    url: path.to_owned(),
                    reason: format!("cannot join it to the OAuth base: {e}"),
                }))
            })
        };
        let endpoints = Endpoints::from_urls(join(AUTHORIZE_PATH)?, join(TOKEN_PATH)?)?;
        Ok(Self::from_endpoints(endpoints))
    }

    /// The provider with these endpoints, for a server whose paths differ.
    #[must_use]
    pub fn from_endpoints(endpoints: Endpoints) -> Self {
        RingPlusProvider {
            endpoints,
            pkce: true,
        }
    }

    /// Turns PKCE on (the default) or off, for a server that rejects its
    /// parameters.
    #[must_use]
    pub fn with_pkce(mut self, pkce: bool) -> Self {
        self.pkce = pkce;
        self
    }
}

/// How RingPlus's sign-in form is filled: the login in the field whose name
/// contains `email` (`user[email]`), the password in the one whose name
/// contains `password` (`user[password]`).
#[cfg(feature = "login")]
#[must_use]
pub fn form_login_config() -> oauth_core::FormLoginConfig {
    oauth_core::FormLoginConfig::new(
        oauth_core::FieldMatcher::name_contains("email"),
        oauth_core::FieldMatcher::name_contains("password"),
    )
}

impl Provider for RingPlusProvider {
    fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    fn client_auth(&self) -> ClientAuth {
        // RingPlus takes `client_id` and `client_secret` in the form body.
        ClientAuth::RequestBody
    }

    fn pkce(&self) -> bool {
        self.pkce
    }
}

/// Parses a base URL, checks it is an acceptable endpoint, and makes sure
/// it ends in `/` so that relative paths join below it.
pub(crate) fn parse_base(base: &str) -> Result<Url, Error> {
    let invalid = |reason: String| {
        Error::from(oauth_core::Error::from(ConfigError::InvalidUrl {
            what: "base URL",
            url: base.to_owned(),
            reason,
        }))
    };
    let mut url = Url::parse(base).map_err(|e| invalid(e.to_string()))?;
    oauth_core::check_endpoint(&url)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it has a query or fragment".into()));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests: a panic is the failure report.
mod tests {
    use super::*;

    #[test]
    fn defaults_are_ringplus_hosts() {
        let provider = RingPlusProvider::new();
        assert_eq!(
            provider.endpoints().authorization().map(Url::as_str),
            Some("https://my.ringplus.net/oauth/authorize")
        );
        assert_eq!(provider.client_auth(), ClientAuth::RequestBody);
    }

    #[test]
    fn bases_keep_their_path_prefix() {
        let provider = RingPlusProvider::with_oauth_base("http://127.0.0.1:8080/rp").unwrap();
        assert_eq!(
            provider.endpoints().token().as_str(),
            "http://127.0.0.1:8080/rp/oauth/token"
        );
    }

    #[test]
    fn plain_http_off_loopback_is_refused() {
        let err = RingPlusProvider::with_oauth_base("http://my.ringplus.net").unwrap_err();
        assert!(matches!(
            err.oauth(),
            Some(oauth_core::Error::InsecureUrl { .. })
        ));
    }
}
