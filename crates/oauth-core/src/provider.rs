//! What the core needs to know about an authorization server: the
//! [`Provider`] trait, its [`Endpoints`], and [`GenericProvider`].

use std::fmt;
use std::sync::Arc;

use url::Url;

use crate::Error;
use crate::discovery::ServerMetadata;
use crate::transport::HttpResponse;
use crate::url_policy::{check_endpoint, parse_endpoint};

/// An OAuth 2.0 authorization server, as the core sees it.
///
/// Provider crates implement this once; every grant, refresh, store and
/// error handling then comes from the core. Only [`endpoints`] is required.
///
/// [`endpoints`]: Provider::endpoints
pub trait Provider: Send + Sync + fmt::Debug {
    /// The server's endpoints.
    fn endpoints(&self) -> &Endpoints;

    /// How a confidential client authenticates at the token endpoint.
    /// Default: HTTP Basic, which RFC 6749 §2.3.1 requires servers to support.
    fn client_auth(&self) -> ClientAuth {
        ClientAuth::Basic
    }

    /// What joins scopes in the `scope` parameter. Default: a space.
    fn scope_separator(&self) -> &str {
        " "
    }

    /// The server's metadata, when the provider was discovered from it:
    /// the client reads the issuer and the authentication methods the
    /// server takes. Default: none.
    fn metadata(&self) -> Option<&ServerMetadata> {
        None
    }

    /// Whether authorization requests carry a PKCE S256 challenge.
    /// Default: yes; turn off only for servers that reject the parameters.
    fn pkce(&self) -> bool {
        true
    }

    /// Adapts a token endpoint answer that bends the standard before it is
    /// parsed. Default: unchanged.
    fn adapt_token_response(&self, response: HttpResponse) -> HttpResponse {
        response
    }
}

/// How a confidential client proves its identity at the token endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `Authorization: Basic` with id and secret form-encoded first
    /// (RFC 6749 §2.3.1).
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body.
    RequestBody,
    /// `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9): a JWT
    /// signed with the client's private key
    /// ([`ClientBuilder::signing_key`](crate::ClientBuilder::signing_key),
    /// feature `jose`), fresh for each request.
    PrivateKeyJwt,
    /// `client_secret_jwt`: a JWT signed (HS256) with the client secret,
    /// which itself is never sent (feature `jose`).
    ClientSecretJwt,
    /// `tls_client_auth` (RFC 8705 §2.1): the client's certificate, from a
    /// CA the server trusts, shown in the TLS handshake
    /// ([`TransportConfig::client_certificate`](crate::TransportConfig::client_certificate));
    /// the form names the client only.
    TlsClientAuth,
    /// `self_signed_tls_client_auth` (RFC 8705 §2.2): as `TlsClientAuth`,
    /// with a self-signed certificate the client registered.
    SelfSignedTlsClientAuth,
}

impl ClientAuth {
    /// The method's name in server metadata and registrations
    /// (`token_endpoint_auth_method`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basic => "client_secret_basic",
            Self::RequestBody => "client_secret_post",
            Self::PrivateKeyJwt => "private_key_jwt",
            Self::ClientSecretJwt => "client_secret_jwt",
            Self::TlsClientAuth => "tls_client_auth",
            Self::SelfSignedTlsClientAuth => "self_signed_tls_client_auth",
        }
    }
}

/// The URLs of an authorization server. Each is `https`, or `http` on a
/// loopback host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// `None` for a server used only for tokens (client credentials).
    authorization: Option<Url>,
    token: Url,
    userinfo: Option<Url>,
    revocation: Option<Url>,
    introspection: Option<Url>,
    device_authorization: Option<Url>,
    pushed_authorization: Option<Url>,
}

impl Endpoints {
    /// Endpoints from the authorization and token URLs.
    ///
    /// # Errors
    /// [`Error::Config`] for an invalid URL; [`Error::InsecureUrl`] for one
    /// that is neither `https` nor loopback `http`.
    pub fn new(authorization: &str, token: &str) -> Result<Self, Error> {
        Ok(Endpoints {
            authorization: Some(parse_endpoint(authorization)?),
            token: parse_endpoint(token)?,
            userinfo: None,
            revocation: None,
            introspection: None,
            device_authorization: None,
            pushed_authorization: None,
        })
    }

    /// The endpoints of a server used only for tokens (the client
    /// credentials grant, say), which has no authorization endpoint: the
    /// authorization code flow then fails with
    /// [`ConfigError::NoEndpoint`](crate::ConfigError::NoEndpoint).
    ///
    /// # Errors
    /// As [`Endpoints::new`].
    pub fn token_only(token: &str) -> Result<Self, Error> {
        Ok(Endpoints {
            authorization: None,
            token: parse_endpoint(token)?,
            userinfo: None,
            revocation: None,
            introspection: None,
            device_authorization: None,
            pushed_authorization: None,
        })
    }

    /// Endpoints from parsed URLs.
    ///
    /// # Errors
    /// [`Error::InsecureUrl`] for a URL that is neither `https` nor loopback
    /// `http`.
    pub fn from_urls(authorization: Url, token: Url) -> Result<Self, Error> {
        check_endpoint(&authorization)?;
        check_endpoint(&token)?;
        Ok(Endpoints {
            authorization: Some(authorization),
            token,
            userinfo: None,
            revocation: None,
            introspection: None,
            device_authorization: None,
            pushed_authorization: None,
        })
    }

    /// Endpoints from URLs that have passed the endpoint policy already.
    pub(crate) fn from_checked(authorization: Url, token: Url) -> Self {
        Endpoints {
            authorization: Some(authorization),
            token,
            userinfo: None,
            revocation: None,
            introspection: None,
            device_authorization: None,
            pushed_authorization: None,
        }
    }

    /// Sets the optional endpoints from URLs that have passed the policy.
    pub(crate) fn with_optional(
        mut self,
        userinfo: Option<Url>,
        revocation: Option<Url>,
        introspection: Option<Url>,
        device_authorization: Option<Url>,
    ) -> Self {
        self.userinfo = userinfo;
        self.revocation = revocation;
        self.introspection = introspection;
        self.device_authorization = device_authorization;
        self
    }

    /// Adds the OpenID Connect userinfo endpoint.
    ///
    /// # Errors
    /// As [`Endpoints::new`].
    pub fn with_userinfo(mut self, url: &str) -> Result<Self, Error> {
        self.userinfo = Some(parse_endpoint(url)?);
        Ok(self)
    }

    /// Adds the RFC 7009 revocation endpoint.
    ///
    /// # Errors
    /// As [`Endpoints::new`].
    pub fn with_revocation(mut self, url: &str) -> Result<Self, Error> {
        self.revocation = Some(parse_endpoint(url)?);
        Ok(self)
    }

    /// Adds the RFC 7662 introspection endpoint.
    ///
    /// # Errors
    /// As [`Endpoints::new`].
    pub fn with_introspection(mut self, url: &str) -> Result<Self, Error> {
        self.introspection = Some(parse_endpoint(url)?);
        Ok(self)
    }

    /// Adds the RFC 8628 device authorization endpoint.
    ///
    /// # Errors
    /// As [`Endpoints::new`].
    pub fn with_device_authorization(mut self, url: &str) -> Result<Self, Error> {
        self.device_authorization = Some(parse_endpoint(url)?);
        Ok(self)
    }

    /// Adds the pushed authorization request endpoint (RFC 9126), where
    /// [`AuthorizationRequest::push`](crate::AuthorizationRequest::push)
    /// sends the request's parameters.
    ///
    /// # Errors
    /// As [`Endpoints::new`].
    pub fn with_pushed_authorization(mut self, url: &str) -> Result<Self, Error> {
        self.pushed_authorization = Some(parse_endpoint(url)?);
        Ok(self)
    }

    /// Sets the pushed authorization request endpoint from a URL that has
    /// passed the policy.
    pub(crate) fn with_checked_pushed_authorization(mut self, url: Option<Url>) -> Self {
        self.pushed_authorization = url;
        self
    }

    /// The authorization endpoint.
    #[must_use]
    pub fn authorization(&self) -> Option<&Url> {
        self.authorization.as_ref()
    }

    /// The token endpoint.
    #[must_use]
    pub fn token(&self) -> &Url {
        &self.token
    }

    /// The userinfo endpoint, if known.
    #[must_use]
    pub fn userinfo(&self) -> Option<&Url> {
        self.userinfo.as_ref()
    }

    /// The revocation endpoint, if known.
    #[must_use]
    pub fn revocation(&self) -> Option<&Url> {
        self.revocation.as_ref()
    }

    /// The introspection endpoint, if known.
    #[must_use]
    pub fn introspection(&self) -> Option<&Url> {
        self.introspection.as_ref()
    }

    /// The device authorization endpoint, if known.
    #[must_use]
    pub fn device_authorization(&self) -> Option<&Url> {
        self.device_authorization.as_ref()
    }

    /// The pushed authorization request endpoint, if any.
    #[must_use]
    pub fn pushed_authorization(&self) -> Option<&Url> {
        self.pushed_authorization.as_ref()
    }
}

/// A provider described entirely by data: endpoints and a few choices.
/// Covers most standard servers without a crate of their own.
///
/// ```
/// use oauth_core::{ClientAuth, GenericProvider};
///
/// let provider = GenericProvider::new(
///     "https://auth.example.com/authorize",
///     "https://auth.example.com/token",
/// )?
/// .with_client_auth(ClientAuth::RequestBody);
/// # Ok::<(), oauth_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct GenericProvider {
    endpoints: Endpoints,
    client_auth: ClientAuth,
    scope_separator: String,
    pkce: bool,
    metadata: Option<Arc<ServerMetadata>>,
}

impl GenericProvider {
    /// A provider with these authorization and token URLs, HTTP Basic client
    /// authentication, space-separated scopes and PKCE on.
    ///
    /// # Errors
    /// As [`Endpoints::new`].
    pub fn new(authorization: &str, token: &str) -> Result<Self, Error> {
        Ok(Self::from_endpoints(Endpoints::new(authorization, token)?))
    }

    /// A provider with these endpoints and the defaults of [`GenericProvider::new`].
    #[must_use]
    pub fn from_endpoints(endpoints: Endpoints) -> Self {
        GenericProvider {
            endpoints,
            client_auth: ClientAuth::Basic,
            scope_separator: " ".to_owned(),
            pkce: true,
            metadata: None,
        }
    }

    /// Sets how the client authenticates at the token endpoint.
    #[must_use]
    pub fn with_client_auth(mut self, client_auth: ClientAuth) -> Self {
        self.client_auth = client_auth;
        self
    }

    /// Sets what joins scopes.
    #[must_use]
    pub fn with_scope_separator(mut self, separator: impl Into<String>) -> Self {
        self.scope_separator = separator.into();
        self
    }

    /// Turns PKCE on or off.
    #[must_use]
    pub fn with_pkce(mut self, pkce: bool) -> Self {
        self.pkce = pkce;
        self
    }

    /// Replaces the endpoints.
    #[must_use]
    pub fn with_endpoints(mut self, endpoints: Endpoints) -> Self {
        self.endpoints = endpoints;
        self
    }

    /// The server metadata this provider was discovered from, if it was
    /// (see [`GenericProvider::discover_with`]).
    #[must_use]
    pub fn metadata(&self) -> Option<&ServerMetadata> {
        self.metadata.as_deref()
    }

    /// The provider with the server's mutual-TLS endpoints (RFC 8705 §5,
    /// `mtls_endpoint_aliases` in its metadata) in place of the plain ones,
    /// for a client that shows a certificate; unchanged without them.
    ///
    /// # Errors
    /// [`Error::InsecureUrl`] or [`Error::Config`] for an alias the
    /// endpoint policy refuses.
    pub fn with_mtls_aliases(mut self) -> Result<Self, Error> {
        let Some(aliases) = self
            .metadata
            .as_ref()
            .and_then(|m| m.document().get("mtls_endpoint_aliases"))
            .and_then(serde_json::Value::as_object)
            .cloned()
        else {
            return Ok(self);
        };
        let alias = |name: &str| aliases.get(name).and_then(serde_json::Value::as_str);
        let endpoints = &mut self.endpoints;
        if let Some(url) = alias("token_endpoint") {
            endpoints.token = parse_endpoint(url)?;
        }
        for (name, slot) in [
            ("userinfo_endpoint", &mut endpoints.userinfo),
            ("revocation_endpoint", &mut endpoints.revocation),
            ("introspection_endpoint", &mut endpoints.introspection),
            (
                "device_authorization_endpoint",
                &mut endpoints.device_authorization,
            ),
            (
                "pushed_authorization_request_endpoint",
                &mut endpoints.pushed_authorization,
            ),
        ] {
            if let Some(url) = alias(name) {
                *slot = Some(parse_endpoint(url)?);
            }
        }
        Ok(self)
    }

    pub(crate) fn with_metadata(mut self, metadata: Arc<ServerMetadata>) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

impl Provider for GenericProvider {
    fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    fn client_auth(&self) -> ClientAuth {
        self.client_auth
    }

    fn scope_separator(&self) -> &str {
        &self.scope_separator
    }

    fn pkce(&self) -> bool {
        self.pkce
    }

    fn metadata(&self) -> Option<&ServerMetadata> {
        self.metadata.as_deref()
    }
}
