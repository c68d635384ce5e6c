//! Battle.net as an [`oauth_core::Provider`]: its hosts and paths as data
//! with defaults, every one overridable.

use oauth_core::url::Url;
use oauth_core::{ClientAuth, Endpoints, Provider};

use crate::error::{Error, InputError};
use crate::region::Region;

/// Where a region's OAuth endpoints and API live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hosts {
    /// The base under which `authorize`, `token`, `userinfo` and
    /// `check_token` sit.
    pub oauth_base: Url,
    /// The API base, such as `https://us.api.blizzard.com/`.
    pub api_base: Url,
}

impl Hosts {
    /// The documented hosts of `region`.
    #[must_use]
    pub fn of(region: Region) -> Self {
        Hosts {
            oauth_base: region.oauth_host(),
            api_base: region.api_host(),
        }
    }
}

/// The Battle.net authorization server of one region.
#[derive(Clone, Debug)]
pub struct BattleNetProvider {
    endpoints: Endpoints,
    check_token: Url,
    pkce: bool,
}

impl BattleNetProvider {
    /// The provider whose endpoints sit under `oauth_base` (which ends with
    /// `/`): `authorize`, `token`, `userinfo`, `check_token`.
    ///
    /// # Errors
    /// An [`oauth_core::Error::InsecureUrl`] for a base that is neither
    /// `https` nor loopback `http`; [`InputError::InvalidEndpoint`] for one
    /// that cannot be a base.
    pub fn new(oauth_base: &Url, pkce: bool) -> Result<Self, Error> {
        let join = |path: &str| {
            oauth_base.join(path).map_err(|e| {
                Error::Input(InputError::InvalidEndpoint {
                    endpoint: oauth_base.to_string(),
                    reason: e.to_string(),
                })
            })
        };
        let endpoints = Endpoints::from_urls(join("authorize")?, join("token")?)?
            .with_userinfo(join("userinfo")?.as_str())?;
        Ok(BattleNetProvider {
            endpoints,
            check_token: join("check_token")?,
            pkce,
        })
    }

    /// The `check_token` endpoint.
    #[must_use]
    pub fn check_token_url(&self) -> &Url {
        &self.check_token
    }
}

impl Provider for BattleNetProvider {
    fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    fn client_auth(&self) -> ClientAuth {
        ClientAuth::Basic
    }

    fn pkce(&self) -> bool {
        self.pkce
    }
}
