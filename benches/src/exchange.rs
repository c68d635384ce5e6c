//! Cases 2 and 3: a client-credentials exchange, and a cold start (from
//! constructing a client to the first API answer), ours against the oauth2
//! crate.

use std::time::Instant;

use battlenet::{Namespace, Region};
use oauth2::TokenResponse;
use serde_json::Value;

use crate::setup::{self, ENDPOINT, Server, Transport};
use crate::stats::{median, nanos, nanos_to_us};

/// The implementations of an exchange and of a cold start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Impl {
    OursReqwest,
    OursHyper,
    Oauth2Reqwest,
}

impl Impl {
    pub(crate) const ALL: [Impl; 3] = [Impl::OursReqwest, Impl::OursHyper, Impl::Oauth2Reqwest];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Impl::OursReqwest => "ours on reqwest",
            Impl::OursHyper => "ours on hyper",
            Impl::Oauth2Reqwest => "oauth2 crate + reqwest 0.12",
        }
    }

    fn transport(self) -> Option<Transport> {
        match self {
            Impl::OursReqwest => Some(Transport::Reqwest),
            Impl::OursHyper => Some(Transport::Hyper),
            Impl::Oauth2Reqwest => None,
        }
    }
}

/// How many exchanges come before the timed ones (connection, caches).
const WARM_UP: usize = 10;

/// The median latency of `count` client-credentials exchanges made one
/// after another on one client, in microseconds.
pub(crate) async fn exchange(which: Impl, server: &Server, count: usize) -> Result<f64, String> {
    let mut latencies = Vec::with_capacity(count);
    if let Some(transport) = which.transport() {
        let client = setup::ours(server, transport)?;
        for i in 0..WARM_UP + count {
            let started = Instant::now();
            let token = client
                .oauth()
                .client_credentials(&[])
                .await
                .map_err(|e| e.to_string())?;
            if i >= WARM_UP {
                latencies.push(nanos_to_us(nanos(started.elapsed())));
            }
            std::hint::black_box(token);
        }
    } else {
        let (client, http) = setup::oauth2_client(server)?;
        for i in 0..WARM_UP + count {
            let started = Instant::now();
            let token = client
                .exchange_client_credentials()
                .request_async(&http)
                .await
                .map_err(|e| e.to_string())?;
            if i >= WARM_UP {
                latencies.push(nanos_to_us(nanos(started.elapsed())));
            }
            std::hint::black_box(token);
        }
    }
    Ok(median(&latencies))
}

/// The median over `count` cold starts, in milliseconds: build the client
/// (transport, TLS configuration, OAuth client), fetch the app token, make
/// the first GET and parse its answer.
pub(crate) async fn cold_start(which: Impl, server: &Server, count: usize) -> Result<f64, String> {
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        match which.transport() {
            Some(transport) => {
                let client = setup::ours(server, transport)?;
                let _: Value = client
                    .get(ENDPOINT, None, Namespace::dynamic(Region::Us))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            None => {
                let (client, http) = setup::oauth2_client(server)?;
                let token = client
                    .exchange_client_credentials()
                    .request_async(&http)
                    .await
                    .map_err(|e| e.to_string())?;
                let response = http
                    .get(server.get_url())
                    .bearer_auth(token.access_token().secret())
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if !response.status().is_success() {
                    return Err(format!("oauth2 + reqwest: HTTP {}", response.status()));
                }
                let body = response.bytes().await.map_err(|e| e.to_string())?;
                let _: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
            }
        }
        times.push(started.elapsed().as_secs_f64() * 1_000.0);
    }
    Ok(median(&times))
}
