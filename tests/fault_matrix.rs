//! The fault matrix: every operation a user runs, against every way a
//! server misbehaves. Each cell must end in a successful retry where the
//! policy allows one, or in the right typed error, within a time bound,
//! with no panic and no hang. The test prints the matrix it ran.
#![allow(clippy::unwrap_used, clippy::print_stdout)] // Tests: panics and the printed matrix are the report.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use oauth_core::http::StatusCode;
use oauth_core::transport::{ReqwestTransport, TransportConfig};
use oauth_core::{Client, Error, RefreshToken, RetryPolicy, Session, TransportErrorKind};
use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{ClientConfig, Fault, FaultRule, Sandbox, TokenQuirk, UserConfig};

const ID: &str = "matrix-client";
const SECRET: &str = "matrix-secret";
const REDIRECT: &str = "http://127.0.0.1:9/callback";
/// The transport's total timeout in this test; `Slow` answers take longer.
/// Two seconds, so that cells running side by side on a busy machine never
/// time out where they should not.
const TIMEOUT: Duration = Duration::from_secs(2);
/// No cell may take longer than this, retries included.
const BOUND: Duration = Duration::from_secs(8);

#[derive(Clone, Copy, Debug)]
enum Op {
    ClientCredentials,
    CodeExchange,
    Refresh,
    ApiGet,
    ApiPost,
}

impl Op {
    const ALL: [Op; 5] = [
        Op::ClientCredentials,
        Op::CodeExchange,
        Op::Refresh,
        Op::ApiGet,
        Op::ApiPost,
    ];

    fn path(self) -> &'static str {
        match self {
            Op::ClientCredentials | Op::CodeExchange | Op::Refresh => "/token",
            Op::ApiGet => "/api/me",
            Op::ApiPost => "/api/echo",
        }
    }
}

fn faults(foreign: &str) -> Vec<(&'static str, Fault)> {
    let status = |status: u16, headers: &[(&str, &str)], body: &str| Fault::Status {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        body: body.to_owned(),
    };
    vec![
        ("500", status(500, &[], r#"{"error":"server_error"}"#)),
        ("502", status(502, &[], "bad gateway")),
        (
            "503 retry-after",
            status(503, &[("retry-after", "1")], "busy"),
        ),
        ("429", status(429, &[("retry-after", "0")], "slow down")),
        ("slower than timeout", Fault::Delay(Duration::from_secs(4))),
        ("truncated body", Fault::TruncatedBody),
        ("connection reset", Fault::CloseConnection),
        ("non-JSON", Fault::InvalidJson),
        ("HTML error page", Fault::HtmlErrorPage(500)),
        (
            "200 with error body",
            Fault::Token(TokenQuirk::ErrorWith200),
        ),
        (
            "redirect to foreign host",
            Fault::RedirectTo(foreign.to_owned()),
        ),
        ("10 MB body", Fault::OversizedBody(10 * 1024 * 1024)),
        ("no access_token", Fault::MissingAccessToken),
    ]
}

/// What a user sees, in a few words.
fn describe(result: Result<StatusCode, Error>, attempts: usize) -> String {
    match result {
        Ok(status) if status.is_success() && attempts > 1 => {
            format!("ok after {attempts} attempts")
        }
        Ok(status) if status.is_success() => "ok".to_owned(),
        Ok(status) => format!("answer {}", status.as_u16()),
        Err(Error::Server { status, error, .. }) => {
            format!("server error {} ({})", error.error, status.as_u16())
        }
        Err(Error::Http { status, .. }) => format!("http error {}", status.as_u16()),
        Err(Error::Parse(parse)) => match parse.field {
            Some(field) => format!("parse error at {field}"),
            None => "parse error".to_owned(),
        },
        Err(Error::Transport { source, .. }) => match source.kind() {
            TransportErrorKind::Timeout => "transport timeout".to_owned(),
            TransportErrorKind::BodyTooLarge { .. } => "body too large".to_owned(),
            TransportErrorKind::Io => "transport io".to_owned(),
            other => format!("transport {other}"),
        },
        Err(other) => format!("other: {other}"),
    }
}

async fn run_cell(op: Op, fault: Fault) -> (String, Duration) {
    let sandbox = Sandbox::builder()
        .client(ClientConfig::confidential(ID, SECRET).redirect_uri(REDIRECT))
        .user(UserConfig::new("alice", "wonderland"))
        .start()
        .await
        .unwrap();
    let transport =
        ReqwestTransport::with_config(&TransportConfig::default().timeout(TIMEOUT)).unwrap();
    let provider = integration_tests::sandbox_provider(&sandbox);
    let client = Client::builder(provider, ID)
        .client_secret(SECRET)
        .redirect_uri(REDIRECT)
        .transport(transport)
        .build()
        .unwrap();
    let policy = RetryPolicy::default()
        .initial_backoff(Duration::from_millis(20))
        .max_elapsed(Duration::from_secs(4));
    let session = Session::client_credentials(&client, &[])
        .retry(policy)
        .build()
        .unwrap();

    // Everything an operation needs before the fault: a code, a refresh
    // token, a valid app token.
    let mut pending_code = None;
    let mut refresh_token: Option<RefreshToken> = None;
    match op {
        Op::CodeExchange | Op::Refresh => {
            let (url, pending) = client.authorization_url().build().unwrap();
            let callback = browser::sign_in(&url, "alice", "wonderland", Decision::Approve)
                .await
                .unwrap();
            if matches!(op, Op::Refresh) {
                let token = client
                    .exchange_callback(pending, callback.as_str())
                    .await
                    .unwrap();
                refresh_token = token.refresh_token().cloned();
            } else {
                pending_code = Some((pending, callback));
            }
        }
        Op::ApiGet | Op::ApiPost => {
            session.access_token().await.unwrap();
        }
        Op::ClientCredentials => {}
    }
    sandbox.clear_requests();
    sandbox.inject(FaultRule::on(op.path(), fault).times(1));

    let started = Instant::now();
    let api = |path: &str| sandbox.api_url().join(path).unwrap();
    let result: Result<StatusCode, Error> = match op {
        Op::ClientCredentials => client.client_credentials(&[]).await.map(|_| StatusCode::OK),
        Op::CodeExchange => {
            let (pending, callback) = pending_code.take().unwrap();
            client
                .exchange_callback(pending, callback.as_str())
                .await
                .map(|_| StatusCode::OK)
        }
        Op::Refresh => client
            .refresh(refresh_token.as_ref().unwrap())
            .await
            .map(|_| StatusCode::OK),
        Op::ApiGet => match session.get(api("api/me")).json::<serde_json::Value>().await {
            Ok(_) => Ok(StatusCode::OK),
            Err(e) => Err(e),
        },
        Op::ApiPost => session
            .post(api("api/echo"))
            .json_body(&serde_json::json!({"n": 1}))
            .send()
            .await
            .map(|r| r.status()),
    };
    let elapsed = started.elapsed();
    let attempts = sandbox
        .requests()
        .iter()
        .filter(|r| r.path == op.path())
        .count();
    (describe(result, attempts), elapsed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_against_every_fault() {
    let foreign = "http://127.0.0.2:9/elsewhere";
    let mut table = String::from("| operation | fault | outcome | time |\n|---|---|---|---|\n");
    // Each cell has its own sandbox, so four run at a time and the slow
    // ones (timeouts, `Retry-After`) wait side by side; more at once would
    // starve the cells' own set-up of CPU on two cores.
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(4));
    let mut cells = tokio::task::JoinSet::new();
    for (index, op) in Op::ALL.into_iter().enumerate() {
        for (row, (name, fault)) in faults(foreign).into_iter().enumerate() {
            let slots = std::sync::Arc::clone(&slots);
            cells.spawn(async move {
                let _slot = slots.acquire_owned().await.unwrap();
                ((index, row), op, name, run_cell(op, fault).await)
            });
        }
    }
    let mut results = cells.join_all().await;
    results.sort_by_key(|(order, ..)| *order);
    let mut outcomes = Vec::new();
    for (_, op, name, (outcome, elapsed)) in results {
        assert!(elapsed < BOUND, "{op:?} × {name} took {elapsed:?}");
        writeln!(
            table,
            "| {op:?} | {name} | {outcome} | {} ms |",
            elapsed.as_millis()
        )
        .unwrap();
        outcomes.push((op, name, outcome));
    }
    println!("\n{table}");

    // One row per case reads as the table it is, even where rows agree.
    #[allow(clippy::match_same_arms)]
    let expected = |op: Op, fault: &str| -> &'static str {
        let token_op = matches!(op, Op::ClientCredentials | Op::CodeExchange | Op::Refresh);
        match (fault, token_op, op) {
            // A token request is never retried: a code is single use, and a
            // rotated refresh token may already be spent.
            ("500", true, _) => "server error server_error (500)",
            ("502", true, _) => "http error 502",
            ("503 retry-after", true, _) => "http error 503",
            ("429", true, _) => "http error 429",
            // The API: idempotent calls retry 429/502/503/504; a POST not
            // marked safe does not, and a 500 is an answer, not a retry.
            ("500", false, Op::ApiGet) => "server error server_error (500)",
            ("500", false, _) => "answer 500",
            ("502" | "503 retry-after" | "429", false, Op::ApiGet) => "ok after 2 attempts",
            ("502", false, _) => "answer 502",
            ("503 retry-after", false, _) => "answer 503",
            ("429", false, _) => "answer 429",
            ("slower than timeout", ..) => "transport timeout",
            ("truncated body" | "connection reset", ..) => "transport io",
            ("non-JSON", true, _) => "parse error",
            ("non-JSON", false, Op::ApiGet) => "parse error",
            ("non-JSON", false, _) => "ok",
            ("HTML error page", true, _) => "http error 500",
            ("HTML error page", false, Op::ApiGet) => "http error 500",
            ("HTML error page", false, _) => "answer 500",
            ("200 with error body", true, _) => "server error invalid_grant (200)",
            // Not a token endpoint: the quirk does not apply.
            ("200 with error body", false, _) => "ok",
            ("redirect to foreign host", true, _) => "http error 302",
            ("redirect to foreign host", false, Op::ApiGet) => "http error 302",
            ("redirect to foreign host", false, _) => "answer 302",
            ("10 MB body", ..) => "body too large",
            ("no access_token", true, _) => "parse error at access_token",
            ("no access_token", false, Op::ApiGet) => "ok",
            ("no access_token", false, _) => "ok",
            _ => "unexpected",
        }
    };
    let mismatches: Vec<String> = outcomes
        .iter()
        .filter(|(op, fault, outcome)| outcome != expected(*op, fault))
        .map(|(op, fault, outcome)| {
            format!(
                "{op:?} × {fault}: got `{outcome}`, expected `{}`",
                expected(*op, fault)
            )
        })
        .collect();
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
