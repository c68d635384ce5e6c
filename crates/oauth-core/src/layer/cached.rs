//! The response cache as a layer: a fresh stored answer served without
//! asking the server, a stale one revalidated, a new one stored when it
//! may be.

use std::sync::Arc;
use std::time::SystemTime;

use http::header::{AGE, AUTHORIZATION, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use http::{Method, StatusCode};
use http_cache_semantics::{AfterResponse, BeforeRequest, CacheOptions, CachePolicy};

use crate::cache::{
    CacheError, CacheKey, CacheStatus, CachedResponse, Counts, Flight, FlightGuard, NoCache,
    ResponseCache, StoreMark,
};
use crate::clock::{Clock, SystemClock};
use crate::error::TransportError;
use crate::redact::is_secret_field;
use crate::transport::{Bytes, HttpRequest, HttpResponse, HttpTransport};

/// Serves answers from a [`ResponseCache`] by HTTP's rules, for the identity
/// `partition` names; see the [cache module](crate::cache) for what is kept
/// and for whom. It sits above the layers that retry and present the
/// token: a hit costs neither a token nor a place in the rate limit, and
/// the token is never part of what is stored.
#[derive(Clone, Debug)]
pub struct Cached {
    cache: ResponseCache,
    partition: Arc<str>,
    clock: Arc<dyn Clock>,
    inner: Arc<dyn HttpTransport>,
}

impl Cached {
    /// Caches the answers to requests sent through `inner` in `cache`, for
    /// the identity `partition` (answers are shared only between layers of
    /// the same partition).
    pub fn new(cache: ResponseCache, partition: &str, inner: Arc<dyn HttpTransport>) -> Self {
        Cached {
            cache,
            partition: partition.into(),
            clock: Arc::new(SystemClock),
            inner,
        }
    }

    /// The clock that dates answers and judges their freshness. Default:
    /// the system clock.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    fn counts(&self) -> &Counts {
        self.cache.counts()
    }

    /// The stored entry for `key`; a store that fails counts as a miss.
    async fn lookup(&self, key: &CacheKey) -> Option<Arc<CachedResponse>> {
        match self.cache.store().get(key).await {
            Ok(entry) => entry,
            Err(error) => {
                self.store_failed(&error);
                None
            }
        }
    }

    fn store_failed(&self, error: &CacheError) {
        Counts::add(&self.counts().store_errors);
        tracing::warn!(%error, "response cache store failed; going to the server");
    }

    /// Stores `entry`; tells the flight's waiters it is there.
    async fn keep(
        &self,
        key: &CacheKey,
        entry: CachedResponse,
        flight: Option<&mut FlightGuard<'_>>,
    ) {
        match self.cache.store().put(key, Arc::new(entry)).await {
            Ok(()) => {
                Counts::add(&self.counts().stores);
                self.cache.count_stored(key);
                if let Some(flight) = flight {
                    flight.stored();
                }
            }
            Err(error) => self.store_failed(&error),
        }
    }

    /// Asks the server, and stores its answer if it may be.
    async fn fetch(
        &self,
        key: &CacheKey,
        request: HttpRequest,
        flight: Option<&mut FlightGuard<'_>>,
    ) -> Result<HttpResponse, TransportError> {
        Counts::add(&self.counts().misses);
        let asked = RequestSeen::of(&request);
        let response = self.inner.send(request).await?;
        self.store_answer(key, &asked, &response, self.clock.now(), flight)
            .await;
        Ok(marked(response, CacheStatus::Miss))
    }

    async fn store_answer(
        &self,
        key: &CacheKey,
        asked: &http::Request<()>,
        response: &HttpResponse,
        now: SystemTime,
        flight: Option<&mut FlightGuard<'_>>,
    ) {
        if !may_store_status(response.status()) {
            return;
        }
        let policy = match with_age_bounded(response) {
            Some(bounded) => CachePolicy::new_options(asked, &bounded, now, private_cache()),
            None => CachePolicy::new_options(asked, response, now, private_cache()),
        };
        if !policy.is_storable() {
            return;
        }
        // An answer that is stale at once and cannot be revalidated would
        // only take room.
        let validated = [ETAG, LAST_MODIFIED]
            .iter()
            .any(|name| response.headers().contains_key(name));
        let ttl = bounded(policy.time_to_live(now));
        if ttl.is_zero() && !validated {
            return;
        }
        // The body is copied into its own allocation: a transport's may be
        // a slice of a larger read buffer, which the entry would keep alive
        // beyond what its size says. Hits then share the copy.
        let entry = CachedResponse::new(
            policy,
            ttl,
            response.status(),
            response.headers(),
            Bytes::copy_from_slice(response.body()),
            asked.headers(),
            now,
        );
        self.keep(key, entry, flight).await;
        tracing::debug!(cache = "stored", "api answer stored in the response cache");
    }

    /// Asks the server whether `stored` is still current.
    async fn revalidate(
        &self,
        key: &CacheKey,
        mut request: HttpRequest,
        stored: &CachedResponse,
        conditional: &http::HeaderMap,
        flight: Option<&mut FlightGuard<'_>>,
    ) -> Result<HttpResponse, TransportError> {
        for name in [IF_NONE_MATCH, IF_MODIFIED_SINCE] {
            if let Some(value) = conditional.get(&name) {
                request.headers_mut().insert(name, value.clone());
            }
        }
        let asked = RequestSeen::of(&request);
        let sent = self.inner.send(request).await;
        let now = self.clock.now();
        let response = match sent {
            Ok(response) if !response.status().is_server_error() => response,
            failed => {
                if self.cache.serves_stale_on_error() {
                    Counts::add(&self.counts().stale_served);
                    tracing::debug!(
                        cache = "stale",
                        "server failed; serving the stale stored answer"
                    );
                    return Ok(answer(stored, now, CacheStatus::StaleOnError));
                }
                Counts::add(&self.counts().misses);
                return failed.map(|response| marked(response, CacheStatus::Miss));
            }
        };
        let after = match with_age_bounded(&response) {
            Some(bounded) => stored.policy.after_response(&asked, &bounded, now),
            None => stored.policy.after_response(&asked, &response, now),
        };
        match after {
            AfterResponse::NotModified(policy, parts) => {
                Counts::add(&self.counts().revalidations);
                tracing::debug!(
                    cache = "revalidated",
                    "stored api answer confirmed by the server"
                );
                let ttl = bounded(policy.time_to_live(now));
                let entry = CachedResponse::new(
                    policy,
                    ttl,
                    parts.status,
                    &parts.headers,
                    stored.body.clone(),
                    asked.headers(),
                    now,
                );
                let served = answer(&entry, now, CacheStatus::Revalidated);
                self.keep(key, entry, flight).await;
                Ok(served)
            }
            AfterResponse::Modified(..) if response.status() == StatusCode::NOT_MODIFIED => {
                // A `304` for validators that are not the stored answer's:
                // the stored answer cannot be trusted, and the caller asked
                // for the document, not for a `304`.
                if let Err(error) = self.cache.store().remove(key).await {
                    self.store_failed(&error);
                }
                let mut again = http::Request::new(Vec::new());
                *again.method_mut() = asked.method().clone();
                *again.uri_mut() = asked.uri().clone();
                *again.headers_mut() = asked.headers().clone();
                again.headers_mut().remove(IF_NONE_MATCH);
                again.headers_mut().remove(IF_MODIFIED_SINCE);
                self.fetch(key, again, flight).await
            }
            AfterResponse::Modified(..) => {
                Counts::add(&self.counts().misses);
                self.store_answer(key, &asked, &response, now, flight).await;
                Ok(marked(response, CacheStatus::Miss))
            }
        }
    }
}

#[async_trait::async_trait]
impl HttpTransport for Cached {
    async fn send(&self, mut request: HttpRequest) -> Result<HttpResponse, TransportError> {
        if request.extensions().get::<NoCache>().is_some() || carries_a_secret(request.uri()) {
            return self.inner.send(request).await;
        }
        if !matches!(*request.method(), Method::GET | Method::HEAD) {
            return Box::pin(self.unsafe_method(request)).await;
        }
        // The token is presented below this layer; a header set by hand is
        // replaced there, and must not reach the store meanwhile.
        request.headers_mut().remove(AUTHORIZATION);
        let key = CacheKey::new(&self.partition, request.method(), request.uri());
        let mark = self.cache.mark(&key);
        let stale = match self.lookup(&key).await {
            None => None,
            Some(stored) => match self.serve(stored, &request) {
                Ok(hit) => return Ok(hit),
                Err(stale) => stale,
            },
        };
        // Boxed: a hit's future, made on every call, then needs no room
        // for the trip to the server.
        Box::pin(self.through_server(key, mark, request, stale)).await
    }
}

/// A stored answer to revalidate, with the conditional request's headers.
type Stale = (Arc<CachedResponse>, http::HeaderMap);

impl Cached {
    /// Serves `stored` if it is fresh for `request`; otherwise hands it
    /// back to be revalidated if it is stale, or nothing if it is not an
    /// answer for this request.
    fn serve(
        &self,
        stored: Arc<CachedResponse>,
        request: &HttpRequest,
    ) -> Result<HttpResponse, Option<Stale>> {
        let now = self.clock.now();
        match judge(&stored, request, now) {
            Verdict::Fresh => {
                Counts::add(&self.counts().hits);
                tracing::debug!(cache = "hit", "api answer served from the response cache");
                Ok(answer(&stored, now, CacheStatus::Hit))
            }
            Verdict::Stale(conditional) => Err(Some((stored, conditional))),
            Verdict::Unmatched => Err(None),
        }
    }

    /// Goes to the server for `key`: revalidates `stale` or fetches anew,
    /// unless another request for the key is already there, whose answer
    /// is then awaited.
    async fn through_server(
        &self,
        key: CacheKey,
        mut mark: StoreMark,
        request: HttpRequest,
        mut stale: Option<Stale>,
    ) -> Result<HttpResponse, TransportError> {
        loop {
            let mut leading = match self.cache.flight(&key) {
                Flight::Leader(guard) => {
                    // Another request's flight may have ended, its answer
                    // stored, between the look before and now.
                    if self.cache.stored_since(mark)
                        && let Some(stored) = self.lookup(&key).await
                        && let Ok(hit) = self.serve(stored, &request)
                    {
                        return Ok(hit);
                    }
                    Some(guard)
                }
                Flight::Wait(mut news) => {
                    // Another request for this key is with the server.
                    let stored = news
                        .wait_for(Option::is_some)
                        .await
                        .is_ok_and(|news| *news == Some(true));
                    if stored {
                        // Its answer was kept: look again.
                        mark = self.cache.mark(&key);
                        stale = match self.lookup(&key).await {
                            None => None,
                            Some(stored) => match self.serve(stored, &request) {
                                Ok(hit) => return Ok(hit),
                                Err(stale) => stale,
                            },
                        };
                        continue;
                    }
                    // Its answer could not be kept: ask for ours.
                    None
                }
            };
            return match stale {
                Some((stored, conditional)) => {
                    self.revalidate(&key, request, &stored, &conditional, leading.as_mut())
                        .await
                }
                None => self.fetch(&key, request, leading.as_mut()).await,
            };
        }
    }
}

impl Cached {
    /// Sends a request that may change the resource (a `POST`, `PUT`,
    /// `DELETE`, …), then forgets what is stored for its URL once the
    /// server says it succeeded (RFC 9111 §4.4), so a read that follows
    /// sees the change.
    async fn unsafe_method(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let uri = request.uri().clone();
        let response = self.inner.send(request).await?;
        if response.status().is_success() || response.status().is_redirection() {
            for method in [Method::GET, Method::HEAD] {
                let key = CacheKey::new(&self.partition, &method, &uri);
                if let Err(error) = self.cache.store().remove(&key).await {
                    self.store_failed(&error);
                }
            }
        }
        Ok(response)
    }
}

/// Whether the URL's query names a secret (`access_token`, `code`, …): such
/// a request is never cached, so the secret never reaches a key or a file.
fn carries_a_secret(uri: &http::Uri) -> bool {
    uri.query().is_some_and(|query| {
        query.split('&').any(|pair| {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name);
            if name.contains(['%', '+']) {
                // Written encoded: read as a form reads it.
                url::form_urlencoded::parse(name.as_bytes()).any(|(name, _)| is_secret_field(&name))
            } else {
                is_secret_field(name)
            }
        })
    })
}

/// What the caching rules need of a request once it has been sent.
struct RequestSeen;

impl RequestSeen {
    fn of(request: &HttpRequest) -> http::Request<()> {
        let mut seen = http::Request::new(());
        *seen.method_mut() = request.method().clone();
        *seen.uri_mut() = request.uri().clone();
        *seen.headers_mut() = request.headers().clone();
        seen
    }
}

/// A private cache (one client's, not a proxy's): `private` answers may
/// be kept, in the partition of the identity they were fetched for.
fn private_cache() -> CacheOptions {
    CacheOptions {
        shared: false,
        ..CacheOptions::default()
    }
}

/// The statuses RFC 9111 lets a cache keep without more ado; never a
/// `401`, `403` or `429`.
fn may_store_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 200 | 203 | 204 | 300 | 301 | 404 | 410)
}

/// What a stored answer is for a request.
enum Verdict {
    /// Fresh: served as it is.
    Fresh,
    /// Stale: the server is asked whether it is current, with the
    /// conditional request's headers.
    Stale(http::HeaderMap),
    /// Not an answer for this request (its `Vary`-named headers differ).
    Unmatched,
}

/// The verdict on `stored` for `request` at `now`: the policy's, or, when
/// it depends only on the time, the one it gave when the entry was made.
fn judge(stored: &CachedResponse, request: &HttpRequest, now: SystemTime) -> Verdict {
    if stored.known_fresh(request.headers(), now) {
        return Verdict::Fresh;
    }
    match stored.policy.before_request(request, now) {
        BeforeRequest::Fresh(_) => Verdict::Fresh,
        BeforeRequest::Stale {
            request: conditional,
            matches: true,
        } => Verdict::Stale(conditional.headers),
        BeforeRequest::Stale { matches: false, .. } => Verdict::Unmatched,
    }
}

/// The stored answer served at `now`, marked with what the cache did.
fn answer(stored: &CachedResponse, now: SystemTime, status: CacheStatus) -> HttpResponse {
    let parts = stored.served_parts(now);
    let mut response = http::Response::from_parts(parts, stored.body.clone());
    response.extensions_mut().insert(status);
    response
}

fn marked(mut response: HttpResponse, status: CacheStatus) -> HttpResponse {
    response.extensions_mut().insert(status);
    response
}

/// The greatest number of seconds a cache need hold (RFC 9111 §1.2.2): an
/// `Age`, a `max-age` or a time to live beyond it is taken as it, so that
/// no sum of times overflows.
const GREATEST_DELTA: u64 = 1 << 31;

/// `ttl`, at most [`GREATEST_DELTA`] seconds.
fn bounded(ttl: std::time::Duration) -> std::time::Duration {
    ttl.min(std::time::Duration::from_secs(GREATEST_DELTA))
}

/// `response`'s status and headers with its `Age` written as
/// [`GREATEST_DELTA`], when the `Age` is a number beyond it: the policy
/// adds the time an answer is kept to its `Age`, which must not overflow.
/// `None` (the common case) when the `Age` is absent or within bounds.
fn with_age_bounded(response: &HttpResponse) -> Option<http::Response<()>> {
    let age = response.headers().get(AGE)?.to_str().ok()?.trim();
    let beyond = !age.is_empty()
        && age.bytes().all(|b| b.is_ascii_digit())
        && age.parse::<u64>().map_or(true, |age| age > GREATEST_DELTA);
    if !beyond {
        return None;
    }
    let mut bounded = http::Response::new(());
    *bounded.status_mut() = response.status();
    *bounded.headers_mut() = response.headers().clone();
    bounded
        .headers_mut()
        .insert(AGE, http::HeaderValue::from(GREATEST_DELTA));
    Some(bounded)
}

#[cfg(test)]
mod tests {
    use super::carries_a_secret;

    #[test]
    fn a_secret_is_found_in_a_query_however_its_name_is_written() {
        let secret = |query: &str| {
            let uri: http::Uri = format!("https://api.example/x?{query}")
                .parse()
                .expect("uri");
            carries_a_secret(&uri)
        };
        for query in [
            "code=1",
            "a=1&code=2",
            "code",
            "access_token=t",
            "Access-Token=t",
            "access%5Ftoken=t",
            "%63ode=1",
            "a=1&&refresh_token=r",
        ] {
            assert!(secret(query), "{query}");
        }
        for query in ["", "codes=1", "x=code", "namespace=static-us&locale=en_US"] {
            assert!(!secret(query), "{query}");
        }
        let bare: http::Uri = "https://api.example/x".parse().expect("uri");
        assert!(!carries_a_secret(&bare));
    }
}
