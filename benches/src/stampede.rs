//! Case 4: 10,000 tasks find the token expired at once; exactly one token
//! request must go out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use oauth_core::{ManualClock, Session};
use oauth_sandbox::Profile;
use tokio::task::JoinSet;

use crate::setup::{self, Server, Transport};

/// What one stampede did.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    pub(crate) token_requests: usize,
    pub(crate) millis: f64,
}

/// Fetches a token, moves both clocks past its expiry, then lets `tasks`
/// tasks ask the session for a token at once. The session is oauth-core's,
/// made from our Battle.net client's OAuth client, on a manual clock.
pub(crate) async fn stampede(server: &Server, tasks: usize) -> Result<Sample, String> {
    let clock = Arc::new(ManualClock::new());
    let client = setup::ours(server, Transport::Reqwest)?;
    let session = Session::client_credentials(client.oauth(), &[])
        .clock(Arc::clone(&clock))
        .build()
        .map_err(|e| e.to_string())?;
    session.access_token().await.map_err(|e| e.to_string())?;

    // The server's clock moves too, so the old token is really dead there.
    let past_expiry = Profile::BattleNet.default_access_token_lifetime() + Duration::from_secs(1);
    clock.advance(past_expiry);
    server.advance(past_expiry)?;

    let before = server.client_credentials_requests()?;
    let started = Instant::now();
    let mut set = JoinSet::new();
    for _ in 0..tasks {
        let session = session.clone();
        set.spawn(async move { session.access_token().await.map(drop) });
    }
    while let Some(joined) = set.join_next().await {
        joined
            .map_err(|e| format!("a task failed: {e}"))?
            .map_err(|e| e.to_string())?;
    }
    let millis = started.elapsed().as_secs_f64() * 1_000.0;
    let token_requests = server.client_credentials_requests()? - before;
    Ok(Sample {
        token_requests,
        millis,
    })
}
