//! The sandbox's memory: registered clients and users, sessions, codes,
//! tokens, counters and the adjustable clock.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use url::Url;

use crate::config::{ClientConfig, Grant, Profile, UserConfig};
use crate::fault::FaultBook;
use crate::record::RecordedRequest;
use crate::ringplus;
use crate::wire;

/// How long an authorization code stays valid.
pub(crate) const CODE_LIFETIME: Duration = Duration::from_secs(60);

/// Everything the request handlers share; one per sandbox.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) profile: Profile,
    pub(crate) oauth_url: Url,
    pub(crate) api_url: Url,
    pub(crate) access_lifetime: Duration,
    pub(crate) rate_limit: Option<u32>,
    pub(crate) scopes: Vec<String>,
    pub(crate) clock: Clock,
    pub(crate) state: Mutex<State>,
    pub(crate) log: Mutex<Vec<RecordedRequest>>,
    pub(crate) faults: Mutex<FaultBook>,
    /// How long each API answer waits (real time), in nanoseconds.
    pub(crate) api_latency: AtomicU64,
    /// Signs the ID tokens.
    pub(crate) signer: crate::signing::Signer,
}

impl Shared {
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        // A handler never panics while holding the lock, and if one did the
        // data would still be usable for a test double.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn log(&self) -> MutexGuard<'_, Vec<RecordedRequest>> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultBook> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A URL on the OAuth listener.
    pub(crate) fn oauth_link(&self, path: &str) -> String {
        join(&self.oauth_url, path)
    }

    /// A URL on the API listener.
    pub(crate) fn api_link(&self, path: &str) -> String {
        join(&self.api_url, path)
    }

    /// The issuer identifier: the OAuth base URL without its trailing slash.
    pub(crate) fn issuer(&self) -> String {
        self.oauth_url.as_str().trim_end_matches('/').to_owned()
    }

    /// Whether every scope is one the sandbox knows.
    pub(crate) fn unknown_scope<'a>(&self, scopes: &'a [String]) -> Option<&'a str> {
        scopes
            .iter()
            .find(|s| !self.scopes.contains(s))
            .map(String::as_str)
    }
}

fn join(base: &Url, path: &str) -> String {
    format!("{}{}", base.as_str().trim_end_matches('/'), path)
}

/// The sandbox clock: real time plus whatever tests added with `advance`,
/// less the time it stood paused.
#[derive(Debug)]
pub(crate) struct Clock {
    start: Instant,
    start_wall: SystemTime,
    shift: Mutex<Shift>,
}

/// How the sandbox clock differs from real time.
#[derive(Debug, Default)]
struct Shift {
    /// Added by `advance`.
    ahead: Duration,
    /// Real time spent paused, before the current pause.
    paused: Duration,
    /// When the current pause began.
    since: Option<Instant>,
}

impl Clock {
    pub(crate) fn new() -> Self {
        Self {
            start: Instant::now(),
            start_wall: SystemTime::now(),
            shift: Mutex::new(Shift::default()),
        }
    }

    fn shift(&self) -> std::sync::MutexGuard<'_, Shift> {
        self.shift.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn advance(&self, by: Duration) {
        let mut shift = self.shift();
        shift.ahead = shift.ahead.saturating_add(by);
    }

    /// Stops the clock (only `advance` moves it) until `resume`.
    pub(crate) fn pause(&self) {
        let mut shift = self.shift();
        if shift.since.is_none() {
            shift.since = Some(Instant::now());
        }
    }

    /// Lets the clock run on from where it was paused.
    pub(crate) fn resume(&self) {
        let mut shift = self.shift();
        if let Some(since) = shift.since.take() {
            shift.paused = shift.paused.saturating_add(since.elapsed());
        }
    }

    /// Time since the sandbox started, advances included.
    pub(crate) fn elapsed(&self) -> Duration {
        let shift = self.shift();
        let now = shift.since.unwrap_or_else(Instant::now);
        now.saturating_duration_since(self.start)
            .saturating_sub(shift.paused)
            .saturating_add(shift.ahead)
    }

    /// The sandbox's idea of the wall-clock time.
    pub(crate) fn wall(&self) -> SystemTime {
        self.start_wall
            .checked_add(self.elapsed())
            .unwrap_or(self.start_wall)
    }

    /// The sandbox's wall-clock time in seconds since the Unix epoch.
    pub(crate) fn epoch(&self) -> u64 {
        wire::epoch_secs(self.wall())
    }

    /// When the sandbox started, in seconds since the Unix epoch: one value
    /// for its whole life (unlike `epoch() - elapsed()`, whose two roundings
    /// can differ by a second from one call to the next).
    pub(crate) fn started_epoch(&self) -> u64 {
        wire::epoch_secs(self.start_wall)
    }
}

/// A registered user with the identifiers the profiles show.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) config: UserConfig,
    pub(crate) id: u64,
    pub(crate) battletag: String,
    pub(crate) email: String,
    pub(crate) name: String,
    /// When the user last signed in through the sign-in page (seconds
    /// since 1970 on the sandbox's clock): the ID token's `auth_time`.
    pub(crate) signed_in_at: Option<u64>,
}

impl User {
    pub(crate) fn new(config: UserConfig, index: usize) -> Self {
        let id = 100_000_001 + index as u64;
        let mut chars = config.login.chars();
        let capitalised: String = chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
        let short: String = capitalised.split('@').next().unwrap_or_default().to_owned();
        let email = if config.login.contains('@') {
            config.login.clone()
        } else {
            format!("{}@example.test", config.login)
        };
        Self {
            battletag: format!("{short}#{}", 1234 + index),
            name: short,
            email,
            id,
            config,
            signed_in_at: None,
        }
    }
}

/// A browser session, identified by a cookie.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) csrf: String,
    pub(crate) user: Option<usize>,
    /// Where to go after signing in: the authorization request's path and
    /// query.
    pub(crate) return_to: Option<String>,
}

/// How a PKCE challenge was derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PkceMethod {
    S256,
    Plain,
}

/// A validated authorization request waiting for consent.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub(crate) session: String,
    pub(crate) request: AuthRequest,
}

/// The parts of a valid authorization request needed to issue a code.
#[derive(Debug, Clone)]
pub(crate) struct AuthRequest {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) redirect_uri_given: bool,
    pub(crate) scopes: Vec<String>,
    pub(crate) state: Option<String>,
    pub(crate) challenge: Option<(String, PkceMethod)>,
    pub(crate) nonce: Option<String>,
}

/// An issued authorization code.
#[derive(Debug, Clone)]
pub(crate) struct Code {
    pub(crate) request: AuthRequest,
    pub(crate) user: usize,
    pub(crate) expires_at: Duration,
    pub(crate) used: bool,
    pub(crate) family: u64,
    /// When the user signed in, for the ID token's `auth_time`.
    pub(crate) auth_time: u64,
}

/// An issued access token.
#[derive(Debug, Clone)]
pub(crate) struct AccessRecord {
    pub(crate) client_id: String,
    pub(crate) user: Option<usize>,
    pub(crate) scopes: Vec<String>,
    pub(crate) issued_at: u64,
    pub(crate) expires_at: Duration,
    pub(crate) family: u64,
}

/// An issued refresh token.
#[derive(Debug, Clone)]
pub(crate) struct RefreshRecord {
    pub(crate) client_id: String,
    pub(crate) user: Option<usize>,
    pub(crate) scopes: Vec<String>,
    pub(crate) family: u64,
}

/// Why a presented access token is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    Unknown,
    Expired,
}

/// Mutable sandbox data behind one lock, never held across an `.await`.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) clients: HashMap<String, ClientConfig>,
    pub(crate) users: Vec<User>,
    pub(crate) sessions: HashMap<String, Session>,
    pub(crate) pending: HashMap<String, Pending>,
    pub(crate) codes: HashMap<String, Code>,
    pub(crate) access: HashMap<String, AccessRecord>,
    pub(crate) refresh: HashMap<String, RefreshRecord>,
    next_family: u64,
    pub(crate) issued_access: usize,
    pub(crate) issued_refresh: usize,
    pub(crate) grants_served: BTreeMap<Grant, usize>,
    /// Requests per client in the current rate-limit second.
    pub(crate) rate: HashMap<String, (u64, u32)>,
    /// The `jti`s of client assertions taken, each once only.
    pub(crate) assertion_ids: std::collections::HashSet<String>,
    pub(crate) ringplus: ringplus::Data,
}

impl State {
    pub(crate) fn new(clients: Vec<ClientConfig>, users: Vec<UserConfig>) -> Self {
        let users: Vec<User> = users
            .into_iter()
            .enumerate()
            .map(|(i, u)| User::new(u, i))
            .collect();
        let ringplus = ringplus::Data::seed(&users);
        Self {
            clients: clients.into_iter().map(|c| (c.id.clone(), c)).collect(),
            users,
            ringplus,
            ..Self::default()
        }
    }

    pub(crate) fn user_by_login(&self, login: &str) -> Option<usize> {
        self.users.iter().position(|u| u.config.login == login)
    }

    pub(crate) fn new_family(&mut self) -> u64 {
        self.next_family += 1;
        self.next_family
    }

    /// Creates a session and returns its id.
    pub(crate) fn new_session(&mut self) -> String {
        let id = wire::random_token(24);
        self.sessions.insert(
            id.clone(),
            Session {
                csrf: wire::random_token(24),
                user: None,
                return_to: None,
            },
        );
        id
    }

    pub(crate) fn issue_access(
        &mut self,
        shared: &Shared,
        client_id: &str,
        user: Option<usize>,
        scopes: &[String],
        family: u64,
    ) -> String {
        let token = wire::random_token(32);
        self.access.insert(
            token.clone(),
            AccessRecord {
                client_id: client_id.to_owned(),
                user,
                scopes: scopes.to_vec(),
                issued_at: shared.clock.epoch(),
                expires_at: shared
                    .clock
                    .elapsed()
                    .saturating_add(shared.access_lifetime),
                family,
            },
        );
        self.issued_access += 1;
        token
    }

    pub(crate) fn issue_refresh(
        &mut self,
        client_id: &str,
        user: Option<usize>,
        scopes: &[String],
        family: u64,
    ) -> String {
        let token = wire::random_token(32);
        self.refresh.insert(
            token.clone(),
            RefreshRecord {
                client_id: client_id.to_owned(),
                user,
                scopes: scopes.to_vec(),
                family,
            },
        );
        self.issued_refresh += 1;
        token
    }

    /// Revokes every access and refresh token of a grant family.
    pub(crate) fn revoke_family(&mut self, family: u64) {
        self.access.retain(|_, t| t.family != family);
        self.refresh.retain(|_, t| t.family != family);
    }

    pub(crate) fn check_access(
        &self,
        token: &str,
        now: Duration,
    ) -> Result<&AccessRecord, TokenProblem> {
        let record = self.access.get(token).ok_or(TokenProblem::Unknown)?;
        if record.expires_at <= now {
            return Err(TokenProblem::Expired);
        }
        Ok(record)
    }

    /// Counts a request against the client's per-second budget; `Err`
    /// carries the seconds until the window ends.
    pub(crate) fn take_rate(
        &mut self,
        client_id: &str,
        limit: u32,
        elapsed: Duration,
    ) -> Result<u32, ()> {
        let window = elapsed.as_secs();
        let entry = self.rate.entry(client_id.to_owned()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        if entry.1 >= limit {
            return Err(());
        }
        entry.1 += 1;
        Ok(limit - entry.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paused_clock_moves_only_by_advance_and_runs_on_from_there() {
        let clock = Clock::new();
        clock.pause();
        let paused = clock.elapsed();
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(clock.elapsed(), paused);
        clock.advance(Duration::from_secs(5));
        assert_eq!(clock.elapsed(), paused + Duration::from_secs(5));
        clock.resume();
        let resumed = clock.elapsed();
        assert!(resumed >= paused + Duration::from_secs(5));
        // The 30 ms spent paused are not counted.
        assert!(
            resumed < paused + Duration::from_millis(5_020),
            "{resumed:?}"
        );
    }
}
