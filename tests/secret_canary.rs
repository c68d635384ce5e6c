//! The secret canary: every flow runs against the sandbox with recognisable
//! secrets while all `tracing` output is captured at TRACE; the log, the
//! `Debug` and `Display` of every public value the flows produce, and every
//! error (with its source chain) must hold none of them. The access,
//! refresh and ID tokens are the sandbox's own, read from the results.
//! Form login runs through RingPlus's `login` (oauth-core `form-login`).
#![allow(clippy::unwrap_used, clippy::print_stdout)] // Tests: panics and the printed summary are the report.

use std::fmt::{Debug, Display};
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use battlenet::{BattleNetClient, Namespace, Region};
use oauth_core::transport::{HttpTransport, HyperTransport, ReqwestTransport, TransportConfig};
use oauth_core::url::Url;
use oauth_core::{
    Client, Error, GenericProvider, MemoryStore, Password, RateLimiter, RedisStore, RefreshToken,
    RetryPolicy, Session, Token,
};
use oauth_sandbox::browser::{self, Decision};
use oauth_sandbox::{ClientConfig, Fault, FaultRule, Grant, Profile, Sandbox, UserConfig};
use ringplus::{AccountId, OAuthHandler};
use serde_json::{Value, json};

const ID: &str = "canary-client";
/// Long enough for `client_secret_jwt` (HS256 needs 32 bytes, RFC 7518 §3.2).
const SECRET: &str = "canary-client-secret-Q7x9Lm2Pz-hs256-k4Rw";
const WRONG_SECRET: &str = "canary-wrong-secret-K3vB7qT1";
const LOGIN: &str = "alice";
const PASSWORD: &str = "canary-password-Zr4tW8nV";
const WRONG_PASSWORD: &str = "canary-wrong-password-Lp8sD3fG";
const BOGUS_REFRESH: &str = "canary-bogus-refresh-H6yN2cJ5";
const WRONG_REDIS_PASSWORD: &str = "canary-wrong-redis-password-T5mQ9";
const WRONG_PROXY_PASSWORD: &str = "canary-wrong-proxy-password-R2dX4";
const REDIRECT: &str = "http://127.0.0.1:9/callback";
const RINGPLUS_REDIRECT: &str = "https://www.ringplus.net/callback";
const RINGPLUS_LOGIN: &str = "ann@example.com";

/// The log buffer every event and span is written to.
type Buffer = Arc<Mutex<Vec<u8>>>;

struct BufferWriter(Buffer);

impl Write for BufferWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() -> Buffer {
    let buffer = Buffer::default();
    let writer = Arc::clone(&buffer);
    tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || BufferWriter(Arc::clone(&writer)))
        .try_init()
        .unwrap();
    buffer
}

/// The secrets in play and everything shown that must not hold them.
#[derive(Default)]
struct Canary {
    secrets: Vec<(String, String)>,
    shown: Vec<(String, String)>,
}

impl Canary {
    fn secret(&mut self, label: &str, value: &str) {
        assert!(value.len() >= 8, "{label} is too short to look for");
        if !self.secrets.iter().any(|(_, v)| v == value) {
            self.secrets.push((label.to_owned(), value.to_owned()));
        }
    }

    fn token(&mut self, label: &str, token: &Token) {
        self.secret(
            &format!("{label} access token"),
            token.access_token().secret(),
        );
        if let Some(refresh) = token.refresh_token() {
            self.secret(&format!("{label} refresh token"), refresh.secret());
        }
        if let Some(id_token) = token.id_token() {
            self.secret(&format!("{label} ID token"), id_token.secret());
        }
        self.debug(label, token);
    }

    fn debug(&mut self, label: &str, value: &dyn Debug) {
        self.shown
            .push((format!("{label} (Debug)"), format!("{value:?}")));
        self.shown
            .push((format!("{label} (Debug, pretty)"), format!("{value:#?}")));
    }

    fn display(&mut self, label: &str, value: &dyn Display) {
        self.shown
            .push((format!("{label} (Display)"), value.to_string()));
    }

    /// An error's `Debug`, `Display` and every cause's `Display`.
    fn error(&mut self, label: &str, error: &(dyn std::error::Error + 'static)) {
        self.debug(label, &error);
        self.display(label, &error);
        let mut cause = error.source();
        let mut depth = 1;
        while let Some(c) = cause {
            self.display(&format!("{label} cause {depth}"), &c);
            self.debug(&format!("{label} cause {depth}"), &c);
            cause = c.source();
            depth += 1;
        }
    }

    /// Every place a secret shows up, in any of the spellings it travels
    /// in (as is, form-encoded, inside a Basic credential).
    fn leaks(&self, log: &str) -> Vec<String> {
        let mut found = Vec::new();
        for (label, secret) in &self.secrets {
            let encoded: String =
                oauth_core::url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("{ID}:{secret}"));
            for form in [secret.as_str(), encoded.as_str(), basic.as_str()] {
                if log.contains(form) {
                    found.push(format!("{label} in the tracing log"));
                }
                for (place, text) in &self.shown {
                    if text.contains(form) {
                        found.push(format!("{label} in {place}: {text}"));
                    }
                }
            }
        }
        found.sort();
        found.dedup();
        found
    }
}

#[derive(Clone, Copy, Debug)]
enum Adapter {
    Reqwest,
    Hyper,
}

fn transport(adapter: Adapter) -> Arc<dyn HttpTransport> {
    let config = TransportConfig::default().timeout(Duration::from_secs(5));
    match adapter {
        Adapter::Reqwest => Arc::new(ReqwestTransport::with_config(&config).unwrap()),
        Adapter::Hyper => Arc::new(HyperTransport::with_config(&config).unwrap()),
    }
}

fn code_of(callback: &Url) -> String {
    callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

/// The generic provider: every grant, sessions, and the errors of each.
async fn generic_flows(canary: &mut Canary, adapter: Adapter) {
    let sandbox = Sandbox::builder()
        .client(
            ClientConfig::confidential(ID, SECRET)
                .redirect_uri(REDIRECT)
                .grants([
                    Grant::AuthorizationCode,
                    Grant::ClientCredentials,
                    Grant::RefreshToken,
                    Grant::Password,
                ])
                .rotate_refresh_tokens(true),
        )
        .user(UserConfig::new(LOGIN, PASSWORD))
        .start()
        .await
        .unwrap();
    let label = |what: &str| format!("{adapter:?} {what}");
    let provider = integration_tests::sandbox_provider(&sandbox);
    canary.debug(&label("provider"), &provider);
    let builder = Client::builder(provider.clone(), ID)
        .client_secret(SECRET)
        .redirect_uri(REDIRECT)
        .shared_transport(transport(adapter));
    canary.debug(&label("client builder"), &builder);
    let client = builder.build().unwrap();
    canary.debug(&label("client"), &client);
    canary.debug(&label("transport"), client.transport());

    // Client credentials.
    let app = client.client_credentials(&[]).await.unwrap();
    canary.token(&label("client credentials token"), &app);

    // Authorization code with PKCE, then refresh.
    let request = client.authorization_url().scope("openid").scope("profile");
    canary.debug(&label("authorization request"), &request);
    let (url, pending) = request.build().unwrap();
    canary.secret(&label("state"), pending.state().secret());
    canary.secret(
        &label("PKCE verifier"),
        pending.pkce_verifier().unwrap().secret(),
    );
    canary.debug(&label("pending authorization"), &pending);
    let callback = browser::sign_in(&url, LOGIN, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    canary.secret(&label("authorization code"), &code_of(&callback));
    let user = client
        .exchange_callback(pending, callback.as_str())
        .await
        .unwrap();
    canary.token(&label("authorization code token"), &user);
    assert!(user.id_token().is_some(), "openid brings an ID token");
    let refreshed = client.refresh(user.refresh_token().unwrap()).await.unwrap();
    canary.token(&label("refreshed token"), &refreshed);

    // The password grant (feature `password-grant`).
    let password = Password::new(PASSWORD);
    canary.debug(&label("password"), &password);
    let owner = client.password(LOGIN, &password, &[]).await.unwrap();
    canary.token(&label("password grant token"), &owner);

    // Sessions: an app session and a user session that refreshes.
    let app_session = Session::client_credentials(&client, &[])
        .rate_limiter(RateLimiter::new(100, Duration::from_secs(1)))
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(10)))
        .build()
        .unwrap();
    let me: Value = app_session
        .get(sandbox.api_url().join("api/me").unwrap())
        .json()
        .await
        .unwrap();
    canary.debug(&label("api answer"), &me);
    let post = app_session
        .post(sandbox.api_url().join("api/me").unwrap())
        .json_body(&json!({"note": "hello"}));
    canary.debug(&label("api request"), &post);
    let echoed = post.send().await.unwrap();
    canary.debug(&label("api response"), &echoed);
    let current = app_session.access_token().await.unwrap();
    canary.token(&label("session token"), current.token());
    canary.debug(&label("current token"), &current);
    canary.debug(&label("session"), &app_session);

    let store = Arc::new(MemoryStore::new());
    let rotations = Arc::new(Mutex::new(Vec::new()));
    let hook_rotations = Arc::clone(&rotations);
    let user_session = Session::refreshing(&client)
        .shared_store(store.clone())
        .key("alice")
        .on_token_change(move |token| {
            hook_rotations.lock().unwrap().push(token.clone());
        })
        .build()
        .unwrap();
    user_session.set_token(refreshed.clone()).await.unwrap();
    let me = sandbox.api_url().join("api/me").unwrap();
    user_session.get(me.as_str()).send().await.unwrap();
    sandbox.advance(Duration::from_secs(2 * 3600));
    let after_expiry = user_session.get(me.as_str()).send().await.unwrap();
    assert!(after_expiry.status().is_success());
    for token in rotations.lock().unwrap().iter() {
        canary.token(&label("rotated token"), token);
    }
    canary.debug(&label("memory store"), &store);
    canary.debug(&label("user session"), &user_session);
    // 401 with every token revoked: renewal is refused, the token removed.
    sandbox.revoke_all_tokens();
    let rejected = user_session.get(me.as_str()).send().await.unwrap_err();
    assert!(
        matches!(rejected, Error::RefreshTokenRejected(_)),
        "{rejected}"
    );
    canary.error(&label("rejected refresh"), &rejected);

    // Errors, each shown.
    let wrong = Client::builder(provider.clone(), ID)
        .client_secret(WRONG_SECRET)
        .shared_transport(transport(adapter))
        .build()
        .unwrap();
    canary.secret(&label("wrong client secret"), WRONG_SECRET);
    let error = wrong.client_credentials(&[]).await.unwrap_err();
    canary.error(&label("invalid client"), &error);

    canary.secret(&label("bogus refresh token"), BOGUS_REFRESH);
    let error = client
        .refresh(&RefreshToken::new(BOGUS_REFRESH))
        .await
        .unwrap_err();
    canary.error(&label("invalid grant"), &error);

    let (url, pending) = client.authorization_url().build().unwrap();
    canary.secret(&label("state"), pending.state().secret());
    let callback = browser::sign_in(&url, LOGIN, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    canary.secret(&label("authorization code"), &code_of(&callback));
    let mut forged = callback.clone();
    let code = code_of(&callback);
    forged
        .query_pairs_mut()
        .clear()
        .append_pair("code", &code)
        .append_pair("state", "forged-state-value");
    let error = client
        .exchange_callback(pending, forged.as_str())
        .await
        .unwrap_err();
    canary.error(&label("state mismatch"), &error);

    let (url, pending) = client.authorization_url().build().unwrap();
    let denied = browser::sign_in(&url, LOGIN, PASSWORD, Decision::Deny)
        .await
        .unwrap();
    let error = client
        .exchange_callback(pending, denied.as_str())
        .await
        .unwrap_err();
    canary.error(&label("access denied"), &error);

    // Servers that echo secrets in their answers: excerpts are redacted.
    let echoes = [
        // Not an OAuth error: an HTTP error with an excerpt.
        (
            500,
            json!({
                "access_token": app.access_token().secret(),
                "refresh_token": refreshed.refresh_token().unwrap().secret(),
                "client_secret": SECRET,
                "password": PASSWORD,
            }),
        ),
        // A number where the token should be: a parse error with an excerpt.
        (
            200,
            json!({
                "access_token": 1,
                "refresh_token": app.access_token().secret(),
                "id_token": refreshed.refresh_token().unwrap().secret(),
                "client_secret": SECRET,
                "password": PASSWORD,
            }),
        ),
    ];
    for (status, body) in echoes {
        sandbox.inject(FaultRule::on(
            "/token",
            Fault::Status {
                status,
                headers: Vec::new(),
                body: body.to_string(),
            },
        ));
        let error = client.client_credentials(&[]).await.unwrap_err();
        canary.error(
            &label(&format!("token answer {status} echoing secrets")),
            &error,
        );
    }
    sandbox.inject(FaultRule::on(
        "/api/me",
        Fault::Status {
            status: 500,
            headers: Vec::new(),
            body: json!({"error": "server_error", "token": current.access_token().secret()})
                .to_string(),
        },
    ));
    let error = app_session
        .get(sandbox.api_url().join("api/me").unwrap())
        .json::<Value>()
        .await
        .unwrap_err();
    canary.error(&label("api answer echoing the token"), &error);
    // Servers that echo what they were sent in their own words: every value
    // the request carried is masked, whatever surrounds it.
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{ID}:{SECRET}"));
    canary.secret(&label("basic credential"), &basic);
    let echo = format!(
        "refresh token {BOGUS_REFRESH} is unknown to client {SECRET}\nAuthorization: Basic {basic}"
    );
    for (status, body) in [
        (
            400,
            json!({"error": "invalid_grant", "error_description": echo, "error_uri": format!("https://e.example/{BOGUS_REFRESH}")}),
        ),
        (500, json!({"message": echo})),
        (200, json!({"access_token": 7, "note": echo})),
    ] {
        sandbox.inject(
            FaultRule::on(
                "/token",
                Fault::Status {
                    status,
                    headers: Vec::new(),
                    body: body.to_string(),
                },
            )
            .times(1),
        );
        let error = client
            .refresh(&RefreshToken::new(BOGUS_REFRESH))
            .await
            .unwrap_err();
        canary.error(
            &label(&format!("token answer {status} echoing in words")),
            &error,
        );
    }
    let sent = app_session.access_token().await.unwrap();
    let token = sent.access_token().secret();
    sandbox.inject(
        FaultRule::on(
            "/api/me",
            Fault::Status {
                status: 403,
                headers: vec![(
                    "www-authenticate".into(),
                    format!("Bearer error=\"insufficient_scope\", error_description=\"token {token} lacks a scope\""),
                )],
                body: format!("forbidden: {token}"),
            },
        )
        .times(2),
    );
    let error = app_session
        .get(sandbox.api_url().join("api/me").unwrap())
        .json::<Value>()
        .await
        .unwrap_err();
    canary.error(&label("api challenge echoing the token"), &error);
    let answer = app_session
        .get(sandbox.api_url().join("api/me").unwrap())
        .send()
        .await
        .unwrap();
    canary.display(
        &label("api answer excerpt"),
        &oauth_core::answer_excerpt(&answer),
    );
    sandbox.inject(FaultRule::on("/token", Fault::TruncatedBody));
    let error = client.client_credentials(&[]).await.unwrap_err();
    canary.error(&label("truncated token answer"), &error);

    // No server at all.
    let nowhere = Client::builder(
        GenericProvider::new("http://127.0.0.1:9/authorize", "http://127.0.0.1:9/token").unwrap(),
        ID,
    )
    .client_secret(SECRET)
    .shared_transport(transport(adapter))
    .build()
    .unwrap();
    let error = nowhere.client_credentials(&[]).await.unwrap_err();
    canary.error(&label("connection refused"), &error);
}

async fn battlenet_flows(canary: &mut Canary) {
    let sandbox = Sandbox::builder()
        .profile(Profile::BattleNet)
        .client(ClientConfig::confidential(ID, SECRET).redirect_uri(REDIRECT))
        .user(UserConfig::new(LOGIN, PASSWORD))
        .start()
        .await
        .unwrap();
    let builder = || {
        BattleNetClient::builder(Region::Us, ID, SECRET)
            .oauth_base(sandbox.oauth_url().clone())
            .api_base(sandbox.api_url().clone())
    };
    canary.debug("battlenet builder", &builder());

    // Credential workflow.
    let app = builder().build().unwrap();
    let index: Value = app
        .get(
            "/data/wow/token/index",
            None,
            Namespace::dynamic(Region::Us),
        )
        .await
        .unwrap();
    canary.debug("battlenet token index", &index);
    canary.secret(
        "battlenet app token",
        app.access_token().await.unwrap().secret(),
    );
    let info = app.check_token().await.unwrap();
    canary.debug("battlenet check_token", &info);
    canary.debug("battlenet app client", &app);

    // User workflow.
    let web = builder()
        .redirect_uri(REDIRECT)
        .scope("openid")
        .scope("wow.profile")
        .build()
        .unwrap();
    let (url, pending) = web.authorization_url().unwrap();
    canary.secret("battlenet state", pending.state().secret());
    let callback = browser::sign_in(&url, LOGIN, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    canary.secret("battlenet code", &code_of(&callback));
    let user = web
        .complete_authorization(pending, callback.as_str())
        .await
        .unwrap();
    canary.secret(
        "battlenet user token",
        user.access_token().await.unwrap().secret(),
    );
    let profile = user.user_info().await.unwrap();
    canary.debug("battlenet userinfo", &profile);
    canary.debug("battlenet user client", &user);

    // Errors.
    let error = app.authorization_url().unwrap_err();
    canary.error("battlenet workflow error", &error);
    let wrong = BattleNetClient::builder(Region::Us, ID, WRONG_SECRET)
        .oauth_base(sandbox.oauth_url().clone())
        .api_base(sandbox.api_url().clone())
        .build()
        .unwrap();
    let error = wrong
        .get(
            "/data/wow/token/index",
            None,
            Namespace::dynamic(Region::Us),
        )
        .await
        .map(|_: Value| ())
        .unwrap_err();
    canary.error("battlenet invalid client", &error);
    let error = app
        .get(
            "/data/wow/playable-class/999",
            None,
            Namespace::static_data(Region::Us),
        )
        .await
        .map(|_: Value| ())
        .unwrap_err();
    canary.error("battlenet not found", &error);
}

async fn ringplus_flows(canary: &mut Canary) {
    let sandbox = Sandbox::builder()
        .profile(Profile::RingPlus)
        .client(
            ClientConfig::confidential(ID, SECRET)
                .redirect_uri(RINGPLUS_REDIRECT)
                .auth(oauth_sandbox::ClientAuth::Body),
        )
        .user(UserConfig::new(RINGPLUS_LOGIN, PASSWORD))
        .start()
        .await
        .unwrap();
    let handler = OAuthHandler::builder(ID, SECRET, RINGPLUS_REDIRECT)
        .oauth_base(sandbox.oauth_url().as_str())
        .api_base(sandbox.api_url().as_str())
        .build()
        .unwrap();
    let url = handler.authorization_url().unwrap();
    let callback = browser::sign_in(&url, RINGPLUS_LOGIN, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    canary.secret("ringplus code", &code_of(&callback));
    let token = handler.fetch_token(callback.as_str()).await.unwrap();
    canary.token("ringplus token", &token);
    let accounts = handler.api().accounts().await.unwrap();
    canary.debug("ringplus accounts", &accounts);
    let users = handler.api().users().await.unwrap();
    canary.debug("ringplus users", &users);
    let refreshed = handler.refresh_token().await.unwrap();
    canary.token("ringplus refreshed token", &refreshed);
    canary.debug("ringplus handler", &handler);
    canary.debug("ringplus api", &handler.api());

    let error = handler.api().account(AccountId(999_999)).await.unwrap_err();
    canary.error("ringplus api error", &error);
    let error = handler.fetch_token(callback.as_str()).await.unwrap_err();
    canary.error("ringplus fetch without authorization", &error);
    // Form login: the sign-in form filled with the password, consent given.
    let form_login = OAuthHandler::builder(ID, SECRET, RINGPLUS_REDIRECT)
        .oauth_base(sandbox.oauth_url().as_str())
        .api_base(sandbox.api_url().as_str())
        .build()
        .unwrap();
    let token = form_login
        .login(RINGPLUS_LOGIN, &Password::new(PASSWORD))
        .await
        .unwrap();
    canary.token("ringplus form login token", &token);
    canary.debug("ringplus form login handler", &form_login);
    canary.secret("wrong password", WRONG_PASSWORD);
    let error = form_login
        .login(RINGPLUS_LOGIN, &Password::new(WRONG_PASSWORD))
        .await
        .unwrap_err();
    canary.error("ringplus form login with a wrong password", &error);

    let wrong = OAuthHandler::builder(ID, WRONG_SECRET, RINGPLUS_REDIRECT)
        .oauth_base(sandbox.oauth_url().as_str())
        .api_base(sandbox.api_url().as_str())
        .token(refreshed)
        .build()
        .unwrap();
    let error = wrong.refresh_token().await.unwrap_err();
    canary.error("ringplus invalid client", &error);
}

/// The fleet's pieces on Redis: its password (and a wrong one) in the URLs
/// of the token store, the rate budget and the response cache, on a
/// server that answers and on one that refuses; the tokens they keep.
async fn redis_flows(canary: &mut Canary) {
    let Some(redis) = oauth_sandbox::redis::RedisServer::start("the secret canary's Redis flows")
    else {
        return;
    };
    canary.secret("Redis password", redis.password());
    canary.secret("wrong Redis password", WRONG_REDIS_PASSWORD);
    let sandbox = Sandbox::builder()
        .client(ClientConfig::confidential(ID, SECRET))
        .start()
        .await
        .unwrap();
    let provider = integration_tests::sandbox_provider(&sandbox);
    let client = Client::builder(provider, ID)
        .client_secret(SECRET)
        .shared_transport(transport(Adapter::Reqwest))
        .build()
        .unwrap();
    let refused = format!(
        "redis://:{WRONG_REDIS_PASSWORD}@127.0.0.1:{}/",
        redis.port()
    );
    for (label, url) in [("Redis", redis.url()), ("refusing Redis", refused)] {
        let store = RedisStore::connect(&url, "canary").unwrap();
        canary.debug(&format!("{label} token store"), &store);
        let limiter =
            RateLimiter::fleet(&url, "canary", &[(50, Duration::from_secs(1))], 2).unwrap();
        canary.debug(&format!("{label} rate budget"), &limiter);
        let cache = oauth_core::cache::ResponseCache::new(
            oauth_core::cache::RedisCache::connect(&url, "canary").unwrap(),
        );
        canary.debug(&format!("{label} cache"), &cache);
        let session = Session::client_credentials(&client, &[])
            .fleet(store)
            .key("app")
            .stack(
                oauth_core::layer::Stack::new()
                    .cache(cache)
                    .rate_limiter(limiter),
            )
            .build()
            .unwrap();
        canary.debug(&format!("{label} fleet session"), &session);
        match session
            .get(sandbox.api_url().join("api/me").unwrap().as_str())
            .send()
            .await
        {
            Ok(answer) => canary.debug(&format!("{label} answer"), &answer),
            Err(error) => canary.error(&format!("{label} call"), &error),
        }
        match session.access_token().await {
            Ok(token) => {
                assert_eq!(label, "Redis", "the refusing server cannot keep a token");
                canary.token(&format!("{label} fleet"), token.token());
            }
            Err(error) => {
                assert!(matches!(error, Error::Store(_)), "{error:?}");
                canary.error(&format!("{label} token"), &error);
            }
        }
    }
    let unreadable =
        RedisStore::connect(&format!("redis://:{WRONG_REDIS_PASSWORD}@[::1"), "x").unwrap_err();
    canary.error("unreadable Redis URL", &unreadable);
}

/// Signed client authentication: the private key (as PKCS#8 PEM), the
/// assertions sent, and `client_secret_jwt`'s secret, through a token
/// request the sandbox refuses (it knows no key of the client) and one it
/// grants.
async fn jose_flows(canary: &mut Canary) {
    use oauth_core::jose::SigningKey;

    let sandbox = Sandbox::builder()
        .client(ClientConfig::confidential(ID, SECRET))
        .start()
        .await
        .unwrap();
    let der = rcgen::KeyPair::generate().unwrap().serialize_der();
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    );
    // Every line of the key's base64 body is a secret of its own.
    for line in pem.lines().filter(|l| !l.starts_with("-----")) {
        canary.secret("private key (PEM line)", line);
    }
    let key = SigningKey::from_pkcs8_pem(&pem)
        .unwrap()
        .with_kid("canary-key");
    canary.debug("signing key", &key);
    let signed = Client::builder(integration_tests::sandbox_provider(&sandbox), ID)
        .signing_key(key)
        .shared_transport(transport(Adapter::Reqwest))
        .build()
        .unwrap();
    canary.debug("private_key_jwt client", &signed);
    let error = signed.client_credentials(&["read"]).await.unwrap_err();
    canary.error("private_key_jwt token request", &error);

    let provider = integration_tests::sandbox_provider(&sandbox)
        .with_client_auth(oauth_core::ClientAuth::ClientSecretJwt);
    let hmac = Client::builder(provider, ID)
        .client_secret(SECRET)
        .shared_transport(transport(Adapter::Hyper))
        .build()
        .unwrap();
    canary.debug("client_secret_jwt client", &hmac);
    // The sandbox checks HS256 assertions with the client's secret.
    let token = hmac.client_credentials(&["read"]).await.unwrap();
    canary.token("client_secret_jwt", &token);

    // A DPoP key: its proofs ride on the token requests' headers.
    let dpop = oauth_core::jose::DpopKey::generate().unwrap();
    canary.debug("DPoP key", &dpop);
    let bound = Client::builder(integration_tests::sandbox_provider(&sandbox), ID)
        .client_secret(SECRET)
        .dpop(dpop)
        .shared_transport(transport(Adapter::Reqwest))
        .build()
        .unwrap();
    canary.debug("DPoP client", &bound);
    let token = bound.client_credentials(&["read"]).await.unwrap();
    canary.token("DPoP client", &token);
    let proofs: Vec<String> = sandbox
        .requests()
        .iter()
        .filter_map(|r| r.header("dpop").map(str::to_owned))
        .collect();
    assert_eq!(proofs.len(), 1, "one proof sent");

    let assertions: Vec<String> = sandbox
        .requests()
        .iter()
        .filter_map(|r| r.form_value("client_assertion"))
        .collect();
    assert_eq!(assertions.len(), 2);
    for assertion in &assertions {
        canary.secret("client assertion", assertion);
    }
}

/// Proxy credentials: a real proxy that takes them and refuses others,
/// given in the URL and with `basic_auth`, through both transports.
async fn proxy_flows(canary: &mut Canary) {
    use oauth_core::transport::Proxy;

    let Some(proxy) = oauth_sandbox::proxy::ProxyServer::start("the secret canary's proxy flows")
    else {
        return;
    };
    canary.secret("proxy password", proxy.password());
    canary.secret("wrong proxy password", WRONG_PROXY_PASSWORD);
    let sandbox = Sandbox::builder()
        .client(ClientConfig::confidential(ID, SECRET))
        .start()
        .await
        .unwrap();
    let in_url = format!(
        "http://{}:{WRONG_PROXY_PASSWORD}@{}",
        proxy.user(),
        proxy.url().trim_start_matches("http://")
    );
    let proxies = [
        (
            "proxy",
            Proxy::all(&proxy.url())
                .unwrap()
                .basic_auth(proxy.user(), oauth_core::Password::new(proxy.password())),
        ),
        ("refusing proxy", Proxy::all(&in_url).unwrap()),
    ];
    for (label, proxied) in proxies {
        canary.debug(label, &proxied);
        let config = TransportConfig::default().proxy(proxied);
        canary.debug(&format!("{label} transport config"), &config);
        for transport in [
            Arc::new(ReqwestTransport::with_config(&config).unwrap()) as Arc<dyn HttpTransport>,
            Arc::new(HyperTransport::with_config(&config).unwrap()),
        ] {
            let client = Client::builder(integration_tests::sandbox_provider(&sandbox), ID)
                .client_secret(SECRET)
                .shared_transport(transport)
                .build()
                .unwrap();
            match client.client_credentials(&[]).await {
                Ok(token) => canary.token(label, &token),
                Err(error) => canary.error(&format!("{label} token request"), &error),
            }
        }
    }
    // A client certificate's key (mutual TLS), in a transport's settings
    // and a transport refused for a key that is none.
    let key_pair = rcgen::KeyPair::generate().unwrap();
    let key = key_pair.serialize_der();
    canary.secret(
        "client certificate key",
        &base64::engine::general_purpose::STANDARD.encode(&key),
    );
    let certificate =
        oauth_core::transport::ClientCertificate::from_der(vec![vec![0x30, 0x00]], key.clone());
    let config = TransportConfig::default().client_certificate(certificate);
    canary.debug("transport config with a client certificate", &config);
    if let Err(error) = HyperTransport::with_config(&config) {
        canary.error("client certificate refused", &error);
    }
    let unreadable = Proxy::all(&format!("socks5://user:{WRONG_PROXY_PASSWORD}@h:1")).unwrap_err();
    canary.error("unreadable proxy URL", &unreadable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_debug_display_or_errors() {
    let buffer = capture_logs();
    let mut canary = Canary::default();
    canary.secret("client secret", SECRET);
    canary.secret("password", PASSWORD);

    generic_flows(&mut canary, Adapter::Reqwest).await;
    generic_flows(&mut canary, Adapter::Hyper).await;
    battlenet_flows(&mut canary).await;
    ringplus_flows(&mut canary).await;
    redis_flows(&mut canary).await;
    jose_flows(&mut canary).await;
    proxy_flows(&mut canary).await;

    let log = String::from_utf8_lossy(&buffer.lock().unwrap()).into_owned();
    // The capture works: every exchange is a span naming the endpoint and
    // recording status and duration.
    let spans: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("oauth.request{") && line.contains(": close"))
        .collect();
    for endpoint in ["token", "api", "check_token"] {
        assert!(
            spans
                .iter()
                .any(|line| line.contains(&format!("endpoint=\"{endpoint}\""))
                    && line.contains("status=")
                    && line.contains("elapsed_ms=")),
            "no closed oauth.request span for the {endpoint} endpoint in:\n{log}"
        );
    }
    // And the scan would see a secret if there were one.
    let mut planted = Canary::default();
    planted.secret("planted", SECRET);
    assert_eq!(planted.leaks(&format!("x {SECRET} y")).len(), 1);

    let leaks = canary.leaks(&log);
    println!(
        "secret canary: {} secrets, {} log lines ({} request spans), {} Debug/Display strings; {} leaks",
        canary.secrets.len(),
        log.lines().count(),
        spans.len(),
        canary.shown.len(),
        leaks.len()
    );
    println!("for example: {}", spans[0]);
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}
