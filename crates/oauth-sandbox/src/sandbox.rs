//! The embedded server: its builder, its handle, and what tests can ask
//! of it.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use url::Url;

use crate::config::{ClientConfig, Grant, Profile, UserConfig};
use crate::fault::{FaultBook, FaultRule};
use crate::record::{Listener, RecordedRequest};
use crate::server;
use crate::state::{Clock, Shared, State};

/// Configures and starts a [`Sandbox`].
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct SandboxBuilder {
    profile: Profile,
    clients: Vec<ClientConfig>,
    users: Vec<UserConfig>,
    access_token_lifetime: Option<Duration>,
    rate_limit: Option<Option<u32>>,
    scopes: Option<Vec<String>>,
    oauth_port: u16,
    api_port: u16,
    api_latency: Duration,
}

impl SandboxBuilder {
    /// Which provider to emulate (default [`Profile::Generic`]).
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// Registers a client. May be called several times.
    pub fn client(mut self, client: ClientConfig) -> Self {
        self.clients.push(client);
        self
    }

    /// Registers a user. May be called several times.
    pub fn user(mut self, user: UserConfig) -> Self {
        self.users.push(user);
        self
    }

    /// How long access tokens live (default per profile: Battle.net 86399 s,
    /// RingPlus 86400 s, generic 3600 s).
    pub fn access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.access_token_lifetime = Some(lifetime);
        self
    }

    /// Requests per second per client on API endpoints; `None` turns the
    /// limit off. Default: Battle.net `Some(100)`, others `None`.
    pub fn rate_limit(mut self, limit: Option<u32>) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Replaces the scopes clients may request (default per profile, see
    /// [`Profile::default_scopes`]).
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// How long each API answer waits before it is sent (real time), as a
    /// server that far away answers; default none. See
    /// [`Sandbox::set_api_latency`].
    pub fn api_latency(mut self, latency: Duration) -> Self {
        self.api_latency = latency;
        self
    }

    /// The port of the OAuth listener on 127.0.0.1 (default 0: the OS
    /// picks one).
    pub fn oauth_port(mut self, port: u16) -> Self {
        self.oauth_port = port;
        self
    }

    /// The port of the API listener on 127.0.0.1 (default 0: the OS picks
    /// one).
    pub fn api_port(mut self, port: u16) -> Self {
        self.api_port = port;
        self
    }

    /// Binds both listeners on 127.0.0.1 and starts serving on the current
    /// tokio runtime.
    ///
    /// # Errors
    ///
    /// When a listener cannot be bound (a fixed port already in use).
    pub async fn start(self) -> io::Result<Sandbox> {
        let oauth = TcpListener::bind((Ipv4Addr::LOCALHOST, self.oauth_port)).await?;
        let api = TcpListener::bind((Ipv4Addr::LOCALHOST, self.api_port)).await?;
        let oauth_addr = oauth.local_addr()?;
        let api_addr = api.local_addr()?;
        let profile = self.profile;
        let shared = Arc::new(Shared {
            profile,
            oauth_url: base_url(oauth_addr)?,
            api_url: base_url(api_addr)?,
            access_lifetime: self
                .access_token_lifetime
                .unwrap_or_else(|| profile.default_access_token_lifetime()),
            rate_limit: self
                .rate_limit
                .unwrap_or_else(|| profile.default_rate_limit()),
            scopes: self.scopes.unwrap_or_else(|| profile.default_scopes()),
            clock: Clock::new(),
            state: Mutex::new(State::new(self.clients, self.users)),
            log: Mutex::new(Vec::new()),
            faults: Mutex::new(FaultBook::default()),
            api_latency: AtomicU64::new(nanos(self.api_latency)),
            signer: crate::signing::Signer::new()
                .ok_or_else(|| io::Error::other("no randomness for the ID token signing key"))?,
        });
        let tasks = vec![
            tokio::spawn(server::accept_loop(
                oauth,
                Arc::clone(&shared),
                Listener::Oauth,
            )),
            tokio::spawn(server::accept_loop(api, Arc::clone(&shared), Listener::Api)),
        ];
        Ok(Sandbox {
            shared,
            tasks,
            oauth_addr,
            api_addr,
        })
    }
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

fn base_url(addr: SocketAddr) -> io::Result<Url> {
    Url::parse(&format!("http://{addr}/")).map_err(io::Error::other)
}

/// A running sandbox: two loopback listeners (OAuth and API) and the state
/// behind them. Dropping it shuts both down.
#[derive(Debug)]
pub struct Sandbox {
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
    oauth_addr: SocketAddr,
    api_addr: SocketAddr,
}

impl Sandbox {
    /// A builder with the generic profile and no clients or users.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// The base URL of the authorization server, with a trailing slash.
    #[must_use]
    pub fn oauth_url(&self) -> &Url {
        &self.shared.oauth_url
    }

    /// The base URL of the resource (API) server, on its own port.
    #[must_use]
    pub fn api_url(&self) -> &Url {
        &self.shared.api_url
    }

    /// The address of the OAuth listener.
    #[must_use]
    pub fn oauth_addr(&self) -> SocketAddr {
        self.oauth_addr
    }

    /// The address of the API listener.
    #[must_use]
    pub fn api_addr(&self) -> SocketAddr {
        self.api_addr
    }

    /// The emulated provider.
    #[must_use]
    pub fn profile(&self) -> Profile {
        self.shared.profile
    }

    /// The profile's authorization endpoint on this sandbox.
    #[must_use]
    pub fn authorization_endpoint(&self) -> Url {
        self.endpoint(self.shared.profile.authorize_path())
    }

    /// The profile's token endpoint on this sandbox.
    #[must_use]
    pub fn token_endpoint(&self) -> Url {
        self.endpoint(self.shared.profile.token_path())
    }

    fn endpoint(&self, path: &str) -> Url {
        let mut url = self.shared.oauth_url.clone();
        url.set_path(path);
        url
    }

    /// Every request received so far, on both listeners, in arrival order.
    #[must_use]
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log().clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.log().clear();
    }

    /// Makes each API answer wait this long (real time) from now on, as a
    /// server that far away answers: the OAuth listener is not delayed.
    pub fn set_api_latency(&self, latency: Duration) {
        self.shared
            .api_latency
            .store(nanos(latency), Ordering::Relaxed);
    }

    /// Moves the sandbox clock forward: codes and tokens expire, rate-limit
    /// windows end and RingPlus change requests complete, without sleeping.
    pub fn advance(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// Stops the sandbox clock until [`resume_clock`](Self::resume_clock):
    /// nothing expires and no rate-limit window ends while it stands, so a
    /// test on a busy machine sees the same windows as on an idle one. Only
    /// [`advance`](Self::advance) moves a paused clock.
    pub fn pause_clock(&self) {
        self.shared.clock.pause();
    }

    /// Lets the sandbox clock run on from where it was paused.
    pub fn resume_clock(&self) {
        self.shared.clock.resume();
    }

    /// Installs a fault rule; rules are consulted in the order installed.
    pub fn inject(&self, rule: FaultRule) {
        self.shared.faults().add(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// How many access tokens were issued.
    #[must_use]
    pub fn issued_tokens(&self) -> usize {
        self.shared.state().issued_access
    }

    /// How many refresh tokens were issued.
    #[must_use]
    pub fn issued_refresh_tokens(&self) -> usize {
        self.shared.state().issued_refresh
    }

    /// How many token requests of that grant succeeded.
    #[must_use]
    pub fn token_requests(&self, grant: Grant) -> usize {
        self.shared
            .state()
            .grants_served
            .get(&grant)
            .copied()
            .unwrap_or(0)
    }

    /// How many access tokens are still valid by the sandbox clock.
    #[must_use]
    pub fn active_tokens(&self) -> usize {
        let now = self.shared.clock.elapsed();
        self.shared
            .state()
            .access
            .values()
            .filter(|t| t.expires_at > now)
            .count()
    }

    /// Revokes every access and refresh token, as if the provider had
    /// rotated its keys.
    pub fn revoke_all_tokens(&self) {
        let mut state = self.shared.state();
        state.access.clear();
        state.refresh.clear();
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
