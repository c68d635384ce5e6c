//! The loopback sandbox, on a runtime and a thread of its own, and the
//! clients under test, each built the way its users build it.

use std::sync::Arc;

use battlenet::{BattleNetClient, Region};
use oauth_core::transport::{HyperTransport, ReqwestTransport};
use oauth_core::{HttpTransport, Token};
use oauth_sandbox::{ClientConfig, Profile, Sandbox};

/// The app's credentials, registered with the sandbox.
pub(crate) const CLIENT_ID: &str = "bench-client";
pub(crate) const CLIENT_SECRET: &str = "bench-secret";

/// The API path every GET asks for, and the query that goes with it.
pub(crate) const ENDPOINT: &str = "/data/wow/token/index";
const QUERY: &str = "namespace=dynamic-us";

/// One Battle.net sandbox on 127.0.0.1, served by one worker thread so the
/// client under test has the other core.
pub(crate) struct Server {
    pub(crate) sandbox: Sandbox,
    // Dropped after the sandbox, whose drop aborts the accept loops.
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    pub(crate) fn start() -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("sandbox")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the sandbox runtime: {e}"))?;
        let sandbox = runtime
            .block_on(
                Sandbox::builder()
                    .profile(Profile::BattleNet)
                    .rate_limit(None)
                    .client(ClientConfig::confidential(CLIENT_ID, CLIENT_SECRET))
                    .start(),
            )
            .map_err(|e| format!("cannot start the sandbox: {e}"))?;
        Ok(Server {
            sandbox,
            _runtime: runtime,
        })
    }

    /// The token endpoint, as a string for the clients that want one.
    pub(crate) fn token_url(&self) -> String {
        self.sandbox.token_endpoint().to_string()
    }

    /// The full URL of the GET, query included.
    pub(crate) fn get_url(&self) -> String {
        let mut url = self.sandbox.api_url().clone();
        url.set_path(ENDPOINT);
        url.set_query(Some(QUERY));
        url.to_string()
    }

    /// Forgets the request log, which grows with every request.
    pub(crate) fn forget_requests(&self) {
        self.sandbox.clear_requests();
    }
}

/// The transport of one of our clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transport {
    Hyper,
    Reqwest,
}

impl Transport {
    pub(crate) fn build(self) -> Result<Arc<dyn HttpTransport>, String> {
        Ok(match self {
            Transport::Hyper => Arc::new(HyperTransport::new().map_err(|e| e.to_string())?),
            Transport::Reqwest => Arc::new(ReqwestTransport::new().map_err(|e| e.to_string())?),
        })
    }
}

/// Our Battle.net client in the credential workflow, on the sandbox.
pub(crate) fn ours(server: &Server, transport: Transport) -> Result<BattleNetClient, String> {
    BattleNetClient::builder(Region::Us, CLIENT_ID, CLIENT_SECRET)
        .oauth_base(server.sandbox.oauth_url().clone())
        .api_base(server.sandbox.api_url().clone())
        .transport(transport.build()?)
        .build()
        .map_err(|e| e.to_string())
}

/// An app token for the clients that are handed a static one.
pub(crate) async fn app_token(server: &Server) -> Result<Token, String> {
    ours(server, Transport::Reqwest)?
        .oauth()
        .client_credentials(&[])
        .await
        .map_err(|e| e.to_string())
}

/// The oauth2 crate's client for the sandbox, as its documentation builds
/// one, with the reqwest client its users pass to `request_async`.
pub(crate) fn oauth2_client(
    server: &Server,
) -> Result<(Oauth2Client, oauth2::reqwest::Client), String> {
    let client = oauth2::basic::BasicClient::new(oauth2::ClientId::new(CLIENT_ID.to_owned()))
        .set_client_secret(oauth2::ClientSecret::new(CLIENT_SECRET.to_owned()))
        .set_token_uri(oauth2::TokenUrl::new(server.token_url()).map_err(|e| e.to_string())?);
    // The oauth2 crate's documented setting: no redirects from the token
    // endpoint (SSRF).
    let http = oauth2::reqwest::ClientBuilder::new()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    Ok((client, http))
}

/// The oauth2 crate's basic client with a secret and a token URL.
pub(crate) type Oauth2Client = oauth2::basic::BasicClient<
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;
