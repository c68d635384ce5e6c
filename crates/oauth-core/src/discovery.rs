//! Authorization server metadata from OpenID Connect Discovery 1.0 or
//! RFC 8414, and the [`GenericProvider`] it builds.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use http::header::ACCEPT;
use http::{Method, StatusCode};
use serde_json::{Map, Value};
use url::Url;

use crate::answer::{error_from_response, json_kind as kind};
use crate::error::{ConfigError, Endpoint, Error, ParseError};
use crate::provider::{ClientAuth, Endpoints, GenericProvider};
use crate::redact;
use crate::transport::{HttpResponse, HttpTransport};
use crate::url_policy::check_endpoint;

/// What an authorization server says about itself: its endpoints and what
/// it supports (OpenID Connect Discovery 1.0 §3, RFC 8414 §2).
///
/// Every URL in it has passed the endpoint policy (`https`, or `http` on
/// loopback), and `issuer` is the one that was asked for.
#[derive(Clone)]
pub struct ServerMetadata {
    issuer: String,
    authorization_endpoint: Url,
    token_endpoint: Url,
    userinfo_endpoint: Option<Url>,
    jwks_uri: Option<Url>,
    revocation_endpoint: Option<Url>,
    introspection_endpoint: Option<Url>,
    device_authorization_endpoint: Option<Url>,
    pushed_authorization_request_endpoint: Option<Url>,
    scopes_supported: Option<Vec<String>>,
    response_types_supported: Option<Vec<String>>,
    grant_types_supported: Option<Vec<String>>,
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
    code_challenge_methods_supported: Option<Vec<String>>,
    id_token_signing_alg_values_supported: Option<Vec<String>>,
    document: Map<String, Value>,
}

impl fmt::Debug for ServerMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = |u: &Option<Url>| u.as_ref().map(|u| u.as_str().to_owned());
        f.debug_struct("ServerMetadata")
            .field("issuer", &self.issuer)
            .field(
                "authorization_endpoint",
                &self.authorization_endpoint.as_str(),
            )
            .field("token_endpoint", &self.token_endpoint.as_str())
            .field("userinfo_endpoint", &url(&self.userinfo_endpoint))
            .field("jwks_uri", &url(&self.jwks_uri))
            .field("revocation_endpoint", &url(&self.revocation_endpoint))
            .field("introspection_endpoint", &url(&self.introspection_endpoint))
            .field(
                "device_authorization_endpoint",
                &url(&self.device_authorization_endpoint),
            )
            .field(
                "pushed_authorization_request_endpoint",
                &url(&self.pushed_authorization_request_endpoint),
            )
            .finish_non_exhaustive()
    }
}

impl ServerMetadata {
    /// Fetches the metadata of `issuer`: first its OpenID Connect
    /// configuration (`{issuer}/.well-known/openid-configuration`), then,
    /// when that is not found, its RFC 8414 metadata
    /// (`/.well-known/oauth-authorization-server{issuer path}`). When the
    /// OpenID document lacks the revocation or introspection endpoint, the
    /// RFC 8414 document fills in what it has.
    ///
    /// # Errors
    /// [`Error::Config`] or [`Error::InsecureUrl`] for an unusable issuer;
    /// [`Error::Transport`] and [`Error::Http`] when neither document can be
    /// had; [`Error::Parse`] for a document that is not valid metadata
    /// (naming the field), including one whose `issuer` is not `issuer`;
    /// [`Error::InsecureUrl`] for an endpoint in it that is refused.
    pub async fn fetch(issuer: &str, transport: &dyn HttpTransport) -> Result<Self, Error> {
        let issuer_url = parse_issuer(issuer)?;
        let openid = openid_configuration_url(&issuer_url)?;
        let response = get(transport, "discovery", &openid).await?;
        if response.status() == StatusCode::NOT_FOUND {
            let rfc8414 = rfc8414_url(&issuer_url)?;
            let response = get(transport, "discovery", &rfc8414).await?;
            return Self::from_response(
                &issuer_url,
                &Endpoint::new("discovery", &rfc8414),
                &response,
            );
        }
        let mut metadata =
            Self::from_response(&issuer_url, &Endpoint::new("discovery", &openid), &response)?;
        if metadata.revocation_endpoint.is_none() || metadata.introspection_endpoint.is_none() {
            metadata.complete_from_rfc8414(&issuer_url, transport).await;
        }
        Ok(metadata)
    }

    /// Fills what the OpenID document left out (revocation and
    /// introspection endpoints, and any other member) from the server's
    /// RFC 8414 document, when it has one for the same issuer. Without one,
    /// or with one that cannot be used, the OpenID document stands alone.
    async fn complete_from_rfc8414(&mut self, issuer: &Url, transport: &dyn HttpTransport) {
        let Ok(url) = rfc8414_url(issuer) else {
            return;
        };
        let other = match get(transport, "discovery", &url).await {
            Ok(response) if response.status().is_success() => {
                Self::from_response(issuer, &Endpoint::new("discovery", &url), &response)
            }
            Ok(_) => return,
            Err(error) => Err(error),
        };
        let other = match other {
            Ok(other) => other,
            Err(error) => {
                tracing::debug!(%error, "the RFC 8414 metadata cannot be used; the OpenID document stands alone");
                return;
            }
        };
        self.revocation_endpoint = self
            .revocation_endpoint
            .take()
            .or(other.revocation_endpoint);
        self.introspection_endpoint = self
            .introspection_endpoint
            .take()
            .or(other.introspection_endpoint);
        self.device_authorization_endpoint = self
            .device_authorization_endpoint
            .take()
            .or(other.device_authorization_endpoint);
        self.pushed_authorization_request_endpoint = self
            .pushed_authorization_request_endpoint
            .take()
            .or(other.pushed_authorization_request_endpoint);
        for (name, value) in other.document {
            self.document.entry(name).or_insert(value);
        }
    }

    fn from_response(
        issuer: &Url,
        endpoint: &Endpoint,
        response: &HttpResponse,
    ) -> Result<Self, Error> {
        if !response.status().is_success() {
            return Err(error_from_response(endpoint, response));
        }
        let fail = |field: Option<&str>, message: String| {
            Error::Parse(ParseError {
                endpoint: endpoint.clone(),
                status: response.status(),
                field: field.map(str::to_owned),
                message,
                excerpt: redact::excerpt(response.body()),
            })
        };
        let document = match serde_json::from_slice::<Value>(response.body()) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(fail(None, "expected a JSON object".into())),
            Err(e) => return Err(fail(None, format!("expected a JSON object: {e}"))),
        };
        let mut reader = Reader {
            document: &document,
            fail: &fail,
        };
        let stated = reader.required_url("issuer")?;
        // OpenID Discovery §4.3 and RFC 8414 §3.3: the issuer stated must be
        // the one asked for (compared as URLs, so `https://a` is `https://a/`).
        if stated != *issuer {
            return Err(fail(
                Some("issuer"),
                format!("expected `{issuer}`, got `{stated}`"),
            ));
        }
        Ok(ServerMetadata {
            authorization_endpoint: reader.required_endpoint("authorization_endpoint")?,
            token_endpoint: reader.required_endpoint("token_endpoint")?,
            userinfo_endpoint: reader.endpoint("userinfo_endpoint")?,
            jwks_uri: reader.endpoint("jwks_uri")?,
            revocation_endpoint: reader.endpoint("revocation_endpoint")?,
            introspection_endpoint: reader.endpoint("introspection_endpoint")?,
            device_authorization_endpoint: reader.endpoint("device_authorization_endpoint")?,
            pushed_authorization_request_endpoint: reader
                .endpoint("pushed_authorization_request_endpoint")?,
            scopes_supported: reader.strings("scopes_supported")?,
            response_types_supported: reader.strings("response_types_supported")?,
            grant_types_supported: reader.strings("grant_types_supported")?,
            token_endpoint_auth_methods_supported: reader
                .strings("token_endpoint_auth_methods_supported")?,
            code_challenge_methods_supported: reader.strings("code_challenge_methods_supported")?,
            id_token_signing_alg_values_supported: reader
                .strings("id_token_signing_alg_values_supported")?,
            // Kept as the server spells it: ID tokens' `iss` must equal it.
            issuer: reader
                .string("issuer")?
                .map(str::to_owned)
                .unwrap_or_else(|| stated.to_string()),
            document: document.clone(),
        })
    }

    /// The issuer identifier exactly as the document states it (the
    /// `iss` of its ID tokens); it is the issuer that was asked for.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The authorization endpoint.
    #[must_use]
    pub fn authorization_endpoint(&self) -> &Url {
        &self.authorization_endpoint
    }

    /// The token endpoint.
    #[must_use]
    pub fn token_endpoint(&self) -> &Url {
        &self.token_endpoint
    }

    /// The OpenID Connect userinfo endpoint.
    #[must_use]
    pub fn userinfo_endpoint(&self) -> Option<&Url> {
        self.userinfo_endpoint.as_ref()
    }

    /// Where the server publishes its signing keys (JWKS).
    #[must_use]
    pub fn jwks_uri(&self) -> Option<&Url> {
        self.jwks_uri.as_ref()
    }

    /// The RFC 7009 revocation endpoint.
    #[must_use]
    pub fn revocation_endpoint(&self) -> Option<&Url> {
        self.revocation_endpoint.as_ref()
    }

    /// The RFC 7662 introspection endpoint.
    #[must_use]
    pub fn introspection_endpoint(&self) -> Option<&Url> {
        self.introspection_endpoint.as_ref()
    }

    /// The RFC 8628 device authorization endpoint.
    #[must_use]
    pub fn device_authorization_endpoint(&self) -> Option<&Url> {
        self.device_authorization_endpoint.as_ref()
    }

    /// `scopes_supported`, if stated.
    #[must_use]
    pub fn scopes_supported(&self) -> Option<&[String]> {
        self.scopes_supported.as_deref()
    }

    /// `response_types_supported`, if stated.
    #[must_use]
    pub fn response_types_supported(&self) -> Option<&[String]> {
        self.response_types_supported.as_deref()
    }

    /// `grant_types_supported`, if stated.
    #[must_use]
    pub fn grant_types_supported(&self) -> Option<&[String]> {
        self.grant_types_supported.as_deref()
    }

    /// `token_endpoint_auth_methods_supported`, if stated (absent means
    /// `client_secret_basic`).
    #[must_use]
    pub fn token_endpoint_auth_methods_supported(&self) -> Option<&[String]> {
        self.token_endpoint_auth_methods_supported.as_deref()
    }

    /// `code_challenge_methods_supported`, if stated.
    #[must_use]
    pub fn code_challenge_methods_supported(&self) -> Option<&[String]> {
        self.code_challenge_methods_supported.as_deref()
    }

    /// `id_token_signing_alg_values_supported`, if stated.
    #[must_use]
    pub fn id_token_signing_alg_values_supported(&self) -> Option<&[String]> {
        self.id_token_signing_alg_values_supported.as_deref()
    }

    /// The whole document, for fields this type does not name.
    #[must_use]
    pub fn document(&self) -> &Map<String, Value> {
        &self.document
    }

    /// The endpoints the document names.
    #[must_use]
    pub fn endpoints(&self) -> Endpoints {
        Endpoints::from_checked(
            self.authorization_endpoint.clone(),
            self.token_endpoint.clone(),
        )
        .with_optional(
            self.userinfo_endpoint.clone(),
            self.revocation_endpoint.clone(),
            self.introspection_endpoint.clone(),
            self.device_authorization_endpoint.clone(),
        )
        .with_checked_pushed_authorization(self.pushed_authorization_request_endpoint.clone())
    }

    /// The pushed authorization request endpoint (RFC 9126).
    #[must_use]
    pub fn pushed_authorization_request_endpoint(&self) -> Option<&Url> {
        self.pushed_authorization_request_endpoint.as_ref()
    }

    /// Whether the server takes authorization requests only pushed (RFC
    /// 9126 `require_pushed_authorization_requests`).
    #[must_use]
    pub fn require_pushed_authorization_requests(&self) -> bool {
        self.document()
            .get("require_pushed_authorization_requests")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// Whether the server names itself (`iss`) in its authorization
    /// responses (RFC 9207 `authorization_response_iss_parameter_supported`).
    #[must_use]
    pub fn authorization_response_iss_parameter_supported(&self) -> bool {
        self.document()
            .get("authorization_response_iss_parameter_supported")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// The client authentication to use with a secret: HTTP Basic when the
    /// server lists `client_secret_basic` or lists nothing (its default),
    /// else the form body when it lists `client_secret_post`, else
    /// `client_secret_jwt` when it lists that. (A client given a signing
    /// key uses `private_key_jwt` when the server takes it.)
    #[must_use]
    pub fn client_auth(&self) -> ClientAuth {
        match &self.token_endpoint_auth_methods_supported {
            Some(methods) if !methods.iter().any(|m| m == "client_secret_basic") => {
                if methods.iter().any(|m| m == "client_secret_post") {
                    ClientAuth::RequestBody
                } else if methods.iter().any(|m| m == "client_secret_jwt") {
                    ClientAuth::ClientSecretJwt
                } else {
                    ClientAuth::Basic
                }
            }
            _ => ClientAuth::Basic,
        }
    }

    /// Whether to send a PKCE S256 challenge: yes unless the server lists
    /// challenge methods without `S256` (servers that do not mention PKCE
    /// ignore the parameters, so they cost nothing).
    #[must_use]
    pub fn pkce_s256(&self) -> bool {
        self.code_challenge_methods_supported
            .as_ref()
            .is_none_or(|methods| methods.iter().any(|m| m == "S256"))
    }
}

impl GenericProvider {
    /// A provider for `issuer` from its published metadata (OpenID Connect
    /// Discovery, else RFC 8414), fetched with the default transport.
    ///
    /// ```
    /// # #[cfg(any(feature = "reqwest", feature = "hyper"))]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = oauth_sandbox::Sandbox::builder()
    /// #     .client(oauth_sandbox::ClientConfig::confidential("my-client-id", "my-client-secret"))
    /// #     .start().await?;
    /// # let sandbox_issuer = sandbox.oauth_url().as_str().trim_end_matches('/').to_owned();
    /// use oauth_core::{Client, GenericProvider};
    ///
    /// let issuer = "https://accounts.example.com";
    /// # let issuer = sandbox_issuer.as_str();
    /// let provider = GenericProvider::discover(issuer).await?;
    /// let client = Client::builder(provider, "my-client-id").build()?;
    /// # assert!(client.provider().endpoints().revocation().is_some());
    /// # Ok(()) }
    /// # #[cfg(not(any(feature = "reqwest", feature = "hyper")))] fn main() {}
    /// ```
    ///
    /// # Errors
    /// As [`ServerMetadata::fetch`]; [`Error::Config`] when no transport can
    /// be built.
    #[cfg(any(feature = "reqwest", feature = "hyper"))]
    pub async fn discover(issuer: &str) -> Result<Self, Error> {
        let transport = crate::transport::default_transport()?;
        Self::discover_with(issuer, &*transport).await
    }

    /// As [`GenericProvider::discover`], through this transport.
    ///
    /// # Errors
    /// As [`ServerMetadata::fetch`].
    pub async fn discover_with(issuer: &str, transport: &dyn HttpTransport) -> Result<Self, Error> {
        Ok(Self::from_metadata(
            ServerMetadata::fetch(issuer, transport).await?,
        ))
    }

    /// A provider from metadata: its endpoints, client authentication
    /// ([`ServerMetadata::client_auth`]) and PKCE
    /// ([`ServerMetadata::pkce_s256`]). The metadata stays available
    /// through [`GenericProvider::metadata`].
    #[must_use]
    pub fn from_metadata(metadata: ServerMetadata) -> Self {
        GenericProvider::from_endpoints(metadata.endpoints())
            .with_client_auth(metadata.client_auth())
            .with_pkce(metadata.pkce_s256())
            .with_metadata(Arc::new(metadata))
    }
}

/// Reads typed fields of a metadata document, failing with the field name.
struct Reader<'a, F> {
    document: &'a Map<String, Value>,
    fail: &'a F,
}

impl<F> Reader<'_, F>
where
    F: Fn(Option<&str>, String) -> Error,
{
    fn string(&mut self, field: &str) -> Result<Option<&str>, Error> {
        match self.document.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err((self.fail)(
                Some(field),
                format!("expected a string, got {}", kind(other)),
            )),
        }
    }

    fn url(&mut self, field: &str) -> Result<Option<Url>, Error> {
        let fail = self.fail;
        self.string(field)?
            .map(|s| Url::parse(s).map_err(|e| fail(Some(field), format!("expected a URL: {e}"))))
            .transpose()
    }

    fn required_url(&mut self, field: &str) -> Result<Url, Error> {
        self.url(field)?
            .ok_or_else(|| (self.fail)(Some(field), "missing".into()))
    }

    fn endpoint(&mut self, field: &str) -> Result<Option<Url>, Error> {
        let url = self.url(field)?;
        if let Some(url) = &url {
            check_endpoint(url)?;
        }
        Ok(url)
    }

    fn required_endpoint(&mut self, field: &str) -> Result<Url, Error> {
        let url = self.required_url(field)?;
        check_endpoint(&url)?;
        Ok(url)
    }

    fn strings(&mut self, field: &str) -> Result<Option<Vec<String>>, Error> {
        match self.document.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::String(s) => Ok(s.clone()),
                    other => Err((self.fail)(
                        Some(&format!("{field}[{i}]")),
                        format!("expected a string, got {}", kind(other)),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err((self.fail)(
                Some(field),
                format!("expected an array of strings, got {}", kind(other)),
            )),
        }
    }
}

/// An issuer identifier: an endpoint-policy URL with no query or fragment
/// (RFC 8414 §2).
fn parse_issuer(issuer: &str) -> Result<Url, Error> {
    let invalid = |reason: String| ConfigError::InvalidUrl {
        what: "issuer",
        url: issuer.to_owned(),
        reason,
    };
    let url = Url::parse(issuer).map_err(|e| invalid(e.to_string()))?;
    check_endpoint(&url)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(
            invalid("it has a query or fragment, which issuers may not have".into()).into(),
        );
    }
    Ok(url)
}

/// `{issuer}/.well-known/openid-configuration` (OpenID Discovery §4).
fn openid_configuration_url(issuer: &Url) -> Result<Url, Error> {
    let base = issuer.as_str().trim_end_matches('/');
    Url::parse(&format!("{base}/.well-known/openid-configuration"))
        .map_err(|e| ConfigError::InvalidRequest(format!("the discovery URL: {e}")).into())
}

/// `/.well-known/oauth-authorization-server{issuer path}` (RFC 8414 §3).
fn rfc8414_url(issuer: &Url) -> Result<Url, Error> {
    let mut url = issuer.clone();
    let path = issuer.path().trim_end_matches('/');
    url.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    check_endpoint(&url)?;
    Ok(url)
}

/// A GET of a JSON document (metadata, JWKS), with a trace event like the
/// client's own requests.
pub(crate) async fn get(
    transport: &dyn HttpTransport,
    name: &'static str,
    url: &Url,
) -> Result<HttpResponse, Error> {
    let endpoint = Endpoint::new(name, url);
    let request = http::Request::builder()
        .method(Method::GET)
        .uri(url.as_str())
        .header(ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| ConfigError::InvalidRequest(format!("{endpoint}: {e}")))?;
    let started = Instant::now();
    let result = transport.send(request).await;
    tracing::debug!(
        endpoint = endpoint.name,
        url = %endpoint.url,
        status = result.as_ref().ok().map(|r| r.status().as_u16()),
        elapsed_ms = started.elapsed().as_millis(),
        "oauth request"
    );
    result.map_err(|source| Error::Transport { endpoint, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn well_known_urls() {
        let root = url("https://id.example.com");
        assert_eq!(
            openid_configuration_url(&root).expect("url").as_str(),
            "https://id.example.com/.well-known/openid-configuration"
        );
        assert_eq!(
            rfc8414_url(&root).expect("url").as_str(),
            "https://id.example.com/.well-known/oauth-authorization-server"
        );
        let tenant = url("https://id.example.com/tenant/a");
        assert_eq!(
            openid_configuration_url(&tenant).expect("url").as_str(),
            "https://id.example.com/tenant/a/.well-known/openid-configuration"
        );
        assert_eq!(
            rfc8414_url(&tenant).expect("url").as_str(),
            "https://id.example.com/.well-known/oauth-authorization-server/tenant/a"
        );
    }

    #[test]
    fn issuers_must_be_safe_and_plain() {
        assert!(matches!(
            parse_issuer("http://id.example.com"),
            Err(Error::InsecureUrl { .. })
        ));
        assert!(matches!(
            parse_issuer("https://id.example.com/?tenant=a"),
            Err(Error::Config(_))
        ));
        assert!(parse_issuer("http://127.0.0.1:4000").is_ok());
    }
}
