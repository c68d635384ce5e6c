//! Case 7: `Session::access_token()` on a valid cached token, polled once
//! with a no-op waker (the fast path never waits), from one thread and from
//! two threads at once on the same session.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Barrier;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, SystemTime};

use oauth_core::{AccessToken, Session, Token};

use crate::setup::{self, Server, Transport};

/// Nanoseconds per call: uncontended, per thread with two threads, and the
/// cost of reading the system clock alone (which the fast path does once).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    pub(crate) one_thread_ns: f64,
    pub(crate) two_threads_ns: f64,
    pub(crate) clock_read_ns: f64,
}

/// A session holding a token valid for an hour; it never does I/O here.
pub(crate) fn session(server: &Server) -> Result<Session, String> {
    let client = setup::ours(server, Transport::Reqwest)?;
    let token = Token::bearer(AccessToken::new("a".repeat(43)))
        .with_expires_at(SystemTime::now() + Duration::from_secs(3600));
    Session::client_credentials(client.oauth(), &[])
        .token(token)
        .build()
        .map_err(|e| e.to_string())
}

pub(crate) fn measure(session: &Session, calls: u32) -> Result<Sample, String> {
    let one_thread_ns = per_call(session, calls)?;
    let barrier = Barrier::new(2);
    let two_threads_ns = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let session = session.clone();
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    per_call(&session, calls)
                })
            })
            .collect();
        let mut sum = 0.0;
        for thread in threads {
            sum += thread
                .join()
                .map_err(|_| "a fast-path thread panicked".to_owned())??;
        }
        Ok::<_, String>(sum / 2.0)
    })?;
    let started = Instant::now();
    for _ in 0..calls {
        black_box(SystemTime::now());
    }
    let clock_read_ns = started.elapsed().as_secs_f64() * 1e9 / f64::from(calls);
    Ok(Sample {
        one_thread_ns,
        two_threads_ns,
        clock_read_ns,
    })
}

fn per_call(session: &Session, calls: u32) -> Result<f64, String> {
    let mut context = Context::from_waker(Waker::noop());
    let started = Instant::now();
    for _ in 0..calls {
        let future = pin!(black_box(session).access_token());
        match future.poll(&mut context) {
            Poll::Ready(Ok(token)) => {
                black_box(token);
            }
            Poll::Ready(Err(e)) => return Err(format!("access_token failed: {e}")),
            Poll::Pending => return Err("access_token waited on a valid token".to_owned()),
        }
    }
    Ok(started.elapsed().as_secs_f64() * 1e9 / f64::from(calls))
}
