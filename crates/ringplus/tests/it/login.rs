//! The `login` feature against the sandbox's RingPlus profile: Rails
//! sign-in, Doorkeeper consent, and each way a login fails.
#![cfg(all(feature = "login", any(feature = "reqwest", feature = "hyper")))]

use crate::support::*;
use oauth_core::{ConsentPolicy, ErrorCode, FormLoginError};
use oauth_sandbox::{Fault, FaultRule, UserConfig};
use ringplus::{Error, OAuthHandler, Password, form_login_config};

fn password() -> Password {
    Password::new(PASSWORD)
}

fn login_error(err: &Error) -> &FormLoginError {
    err.login()
        .unwrap_or_else(|| panic!("expected a login error, got {err:?}"))
}

#[tokio::test]
async fn login_signs_in_approves_and_fetches_the_token() {
    let sandbox = sandbox(true).await;
    let auth = handler(&sandbox);

    let token = auth.login(EMAIL, &password()).await.unwrap();
    assert_eq!(
        auth.token().unwrap().access_token().secret(),
        token.access_token().secret()
    );
    assert_eq!(auth.api().users().await.unwrap()[0].email, EMAIL);

    let requests = sandbox.requests();
    let steps: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.method.to_string(), r.path.clone()))
        .collect();
    let step = |m: &str, p: &str| (m.to_owned(), p.to_owned());
    assert_eq!(
        steps,
        [
            step("GET", "/oauth/authorize"),
            step("GET", "/users/sign_in"),
            step("POST", "/users/sign_in"),
            step("GET", "/oauth/authorize"),
            step("POST", "/oauth/authorize"),
            step("POST", "/oauth/token"),
            step("GET", "/users"),
        ]
    );

    // The Rails form as a browser submits it: hidden fields first, the
    // credentials in `user[email]` and `user[password]`, the button.
    let sign_in = &requests[2];
    let fields: Vec<(String, String)> = sign_in.form();
    let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "utf8",
            "authenticity_token",
            "user[email]",
            "user[password]",
            "commit"
        ]
    );
    assert_eq!(sign_in.form_value("utf8").as_deref(), Some("✓"));
    assert_eq!(sign_in.form_value("user[email]").as_deref(), Some(EMAIL));
    assert_eq!(
        sign_in.form_value("user[password]").as_deref(),
        Some(PASSWORD)
    );
    assert_eq!(sign_in.form_value("commit").as_deref(), Some("Log in"));
    assert!(
        sign_in
            .header("cookie")
            .unwrap()
            .starts_with("_ringplus_session=")
    );

    // Doorkeeper's consent page has two forms: the one that authorizes is
    // sent, not the one that denies (`_method=delete`).
    let consent = &requests[4];
    assert_eq!(consent.form_value("commit").as_deref(), Some("Authorize"));
    assert_eq!(consent.form_value("_method"), None);
    assert_eq!(consent.form_value("client_id").as_deref(), Some(CLIENT_ID));

    // The code went to the token endpoint; the redirect URI was never
    // requested (it is not a sandbox URL, and nothing else was asked).
    let exchange = &requests[5];
    assert_eq!(
        exchange.form_value("grant_type").as_deref(),
        Some("authorization_code")
    );
    assert_eq!(
        exchange.form_value("redirect_uri").as_deref(),
        Some(REDIRECT)
    );
}

#[tokio::test]
async fn an_app_approved_before_needs_no_consent() {
    let sandbox = sandbox_with(
        client_config(true),
        UserConfig::new(EMAIL, PASSWORD).remember_consent(CLIENT_ID),
    )
    .await;
    let auth = handler(&sandbox);
    auth.login(EMAIL, &password()).await.unwrap();
    let paths: Vec<String> = sandbox.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/oauth/authorize",
            "/users/sign_in",
            "/users/sign_in",
            "/oauth/authorize",
            "/oauth/token"
        ]
    );
}

#[tokio::test]
async fn wrong_credentials() {
    let sandbox = sandbox(true).await;
    let auth = handler(&sandbox);
    let err = auth
        .login(EMAIL, &Password::new("wrong password"))
        .await
        .unwrap_err();
    assert!(
        matches!(login_error(&err), FormLoginError::WrongCredentials { message: Some(m) } if m == "Invalid email or password."),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the sign-in was refused: Invalid email or password."
    );
    assert!(!format!("{err:?}").contains("wrong password"));
    assert!(auth.token().is_none());
    assert!(requests_to(&sandbox, "/oauth/token").is_empty());
}

#[tokio::test]
async fn no_sign_in_form() {
    let sandbox = sandbox(true).await;
    let auth = handler(&sandbox);
    sandbox.inject(FaultRule::on(
        "/users/sign_in",
        Fault::Status {
            status: 200,
            headers: vec![("content-type".into(), "text/html".into())],
            body: "<html><body><h1>RingPlus is moving</h1></body></html>".into(),
        },
    ));
    let err = auth.login(EMAIL, &password()).await.unwrap_err();
    assert!(
        matches!(login_error(&err), FormLoginError::NoLoginForm { url } if *url == format!("{}users/sign_in", sandbox.oauth_url())),
        "{err:?}"
    );
}

#[tokio::test]
async fn consent_denied() {
    let sandbox = sandbox(true).await;
    let auth = handler(&sandbox);
    // The third request to the authorization endpoint is the consent
    // decision; it is answered with the denial.
    sandbox.inject(
        FaultRule::on(
            "/oauth/authorize",
            Fault::RedirectTo(format!("{REDIRECT}?error=access_denied")),
        )
        .fraction(0.4),
    );
    let err = auth.login(EMAIL, &password()).await.unwrap_err();
    let FormLoginError::ConsentDenied(denied) = login_error(&err) else {
        panic!("expected a denial, got {err:?}");
    };
    assert_eq!(denied.error, ErrorCode::AccessDenied);
    let posts = requests_to(&sandbox, "/oauth/authorize");
    assert_eq!(posts.len(), 3);
    assert_eq!(posts[2].method, "POST");
}

#[tokio::test]
async fn consent_required_when_refused_by_configuration() {
    let sandbox = sandbox(true).await;
    let auth = builder(&sandbox)
        .login_config(form_login_config().consent(ConsentPolicy::Refuse))
        .build()
        .unwrap();
    let err = auth.login(EMAIL, &password()).await.unwrap_err();
    assert!(
        matches!(login_error(&err), FormLoginError::ConsentRequired { url } if url.ends_with("/oauth/authorize")),
        "{err:?}"
    );
}

#[tokio::test]
async fn too_many_redirects() {
    let sandbox = sandbox(true).await;
    let auth = handler(&sandbox);
    let loop_back = sandbox.oauth_url().join("users/sign_in").unwrap();
    sandbox.inject(
        FaultRule::on("/users/sign_in", Fault::RedirectTo(loop_back.to_string())).times(100),
    );
    let err = auth.login(EMAIL, &password()).await.unwrap_err();
    assert!(
        matches!(
            login_error(&err),
            FormLoginError::TooManyRedirects { limit: 10 }
        ),
        "{err:?}"
    );
    assert_eq!(sandbox.requests().len(), 10);
}

#[tokio::test]
async fn unexpected_host() {
    let sandbox = sandbox(true).await;
    let auth = handler(&sandbox);
    sandbox.inject(FaultRule::on(
        "/users/sign_in",
        Fault::RedirectTo("https://ringplus.example.net/users/sign_in?from=rp".into()),
    ));
    let err = auth.login(EMAIL, &password()).await.unwrap_err();
    assert!(
        matches!(login_error(&err), FormLoginError::UnexpectedHost { url } if url == "https://ringplus.example.net/users/sign_in"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unregistered_redirect_uri_is_refused_by_ringplus() {
    let sandbox = sandbox(true).await;
    // `http` instead of `https`: another redirect URI.
    let auth = OAuthHandler::builder(CLIENT_ID, SECRET, "http://www.ringplus.net/callback")
        .oauth_base(sandbox.oauth_url().as_str())
        .build()
        .unwrap();
    let err = auth.login(EMAIL, &password()).await.unwrap_err();
    let FormLoginError::Rejected {
        status, message, ..
    } = login_error(&err)
    else {
        panic!("expected a rejection, got {err:?}");
    };
    assert_eq!(status.as_u16(), 400);
    assert_eq!(
        message.as_deref(),
        Some(
            "redirect_uri http://www.ringplus.net/callback is not registered for client ringplus-app"
        )
    );
}

#[tokio::test]
async fn a_failed_code_exchange_is_an_oauth_error() {
    let sandbox = sandbox(true).await;
    let auth = handler(&sandbox);
    sandbox.inject(FaultRule::on("/oauth/token", Fault::HtmlErrorPage(503)));
    let err = auth.login(EMAIL, &password()).await.unwrap_err();
    assert!(
        matches!(err.oauth(), Some(oauth_core::Error::Http { status, .. }) if status.as_u16() == 503),
        "{err:?}"
    );
}

#[test]
fn login_futures_are_send() {
    fn send<T: Send>(_: T) {}
    let auth = OAuthHandler::new(CLIENT_ID, SECRET, REDIRECT).unwrap();
    let password = password();
    send(auth.login(EMAIL, &password));
}

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_handler_logs_in_too() {
    let server = tokio::runtime::Runtime::new().unwrap();
    let sandbox = server.block_on(sandbox(true));
    let auth = ringplus::blocking::OAuthHandler::from_async(handler(&sandbox)).unwrap();
    let token = auth.login(EMAIL, &password()).unwrap();
    assert_eq!(
        auth.token().unwrap().access_token().secret(),
        token.access_token().secret()
    );
    assert_eq!(auth.api().users().unwrap()[0].email, EMAIL);
    let err = ringplus::blocking::OAuthHandler::from_async(handler(&sandbox))
        .unwrap()
        .login(EMAIL, &Password::new("wrong"))
        .unwrap_err();
    assert!(err.login().is_some(), "{err:?}");
}
