//! The generic profile over real HTTP: authorization, sign-in, consent,
//! every grant, client authentication, revocation, introspection, bearer
//! resources, discovery, malformed input and sandbox independence.

use std::time::Duration;

use crate::support::*;
use oauth_sandbox::browser::{self, BrowserError, Decision};
use oauth_sandbox::{
    ClientAuth, ClientConfig, Grant, Listener, Profile, Sandbox, UserConfig, http::Method,
};
use serde_json::json;

async fn generic() -> Sandbox {
    sandbox(Profile::Generic).await
}

fn assert_error_page(reply: &Reply, status: u16, message: &str) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(reply.header("location").is_none());
    let expected = format!("<p class=\"error\" id=\"error\">{message}</p>");
    assert!(reply.text().contains(&expected), "{}", reply.text());
}

fn assert_redirect_error(reply: &Reply, error: &str, description: &str, state: Option<&str>) {
    assert_eq!(reply.status, 302, "{}", reply.text());
    let location = reply.location();
    assert!(location.as_str().starts_with(REDIRECT), "{location}");
    assert_eq!(param(&location, "error").as_deref(), Some(error));
    assert_eq!(
        param(&location, "error_description").as_deref(),
        Some(description)
    );
    assert_eq!(param(&location, "state").as_deref(), state);
    assert!(param(&location, "code").is_none());
}

/// A token request and the OAuth error it must get: headers, form,
/// status, `error`, `error_description`.
type Refusal<'a> = (
    &'a [(&'a str, &'a str)],
    &'a [(&'a str, &'a str)],
    u16,
    &'a str,
    &'a str,
);

/// Sends each request of the table to `url` and checks its refusal.
async fn expect_refusals(url: &str, cases: &[Refusal<'_>]) {
    for &(headers, form, status, error, description) in cases {
        let reply = post_form(url, headers, form).await;
        assert_eq!(reply.status, status, "{form:?}: {}", reply.text());
        assert_oauth_error(&reply, status, error, description);
    }
}

fn assert_oauth_error(reply: &Reply, status: u16, error: &str, description: &str) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(
        reply.json(),
        json!({ "error": error, "error_description": description })
    );
}

// ---------------------------------------------------------------- authorize

#[tokio::test]
async fn authorize_refuses_bad_clients_and_redirect_uris_with_a_page() {
    let sandbox = generic().await;
    let page = |params: &[(&str, &str)]| authorize_url(&sandbox, params).to_string();

    let reply = get(&page(&[("response_type", "code")]), &[]).await;
    assert_error_page(&reply, 400, "client_id is missing");

    let reply = get(
        &page(&[("response_type", "code"), ("client_id", "nope")]),
        &[],
    )
    .await;
    assert_error_page(&reply, 400, "unknown client: nope");

    let reply = get(
        &page(&[
            ("client_id", CLIENT),
            ("redirect_uri", "http://127.0.0.1:9/other"),
        ]),
        &[],
    )
    .await;
    assert_error_page(
        &reply,
        400,
        "redirect_uri http://127.0.0.1:9/other is not registered for client client-id",
    );

    // A near miss is still a miss: the comparison is exact.
    let reply = get(
        &page(&[
            ("client_id", CLIENT),
            ("redirect_uri", "http://127.0.0.1:9/callback/"),
        ]),
        &[],
    )
    .await;
    assert_eq!(reply.status, 400);

    let reply = get(&page(&[("client_id", CLIENT), ("client_id", CLIENT)]), &[]).await;
    assert_error_page(&reply, 400, "client_id is given more than once");

    let reply = get(&at(sandbox.oauth_url(), "/authorize?client_id=%zz"), &[]).await;
    assert_error_page(
        &reply,
        400,
        "the query string is malformed: malformed percent-encoding",
    );
}

#[tokio::test]
async fn error_pages_escape_html() {
    let sandbox = generic().await;
    let url = authorize_url(&sandbox, &[("client_id", "<script>alert('x')</script>")]);
    let reply = get(url.as_str(), &[]).await;
    assert_error_page(
        &reply,
        400,
        "unknown client: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;",
    );
    assert!(!reply.text().contains("<script>"));
}

#[tokio::test]
async fn authorize_redirects_request_errors_with_state() {
    let sandbox = generic().await;
    let go = |params: Vec<(&'static str, &'static str)>| {
        let url = authorize_url(&sandbox, &params).to_string();
        async move { get(&url, &[]).await }
    };
    let base = |extra: &[(&'static str, &'static str)]| {
        let mut params = vec![
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("state", "s1"),
        ];
        params.extend_from_slice(extra);
        params
    };

    // The extra parameters, and the error and description they must get.
    type Params = &'static [(&'static str, &'static str)];
    let cases: &[(Params, &str, &str)] = &[
        (&[], "invalid_request", "response_type is missing"),
        (
            &[("response_type", "token")],
            "unsupported_response_type",
            "response_type token is not supported; use code",
        ),
        (
            &[("response_type", "code"), ("scope", "openid admin")],
            "invalid_scope",
            "unknown scope: admin",
        ),
        (
            &[
                ("response_type", "code"),
                ("scope", "openid"),
                ("scope", "email"),
            ],
            "invalid_request",
            "scope is given more than once",
        ),
        (
            &[
                ("response_type", "code"),
                ("code_challenge", "abc"),
                ("code_challenge_method", "S256"),
            ],
            "invalid_request",
            "code_challenge must be 43 to 128 unreserved characters",
        ),
        (
            &[
                ("response_type", "code"),
                (
                    "code_challenge",
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                ),
                ("code_challenge_method", "S512"),
            ],
            "invalid_request",
            "code_challenge_method must be S256 or plain",
        ),
        (
            &[("response_type", "code"), ("prompt", "sometimes")],
            "invalid_request",
            "unknown prompt value: sometimes",
        ),
    ];
    for (extra, error, description) in cases {
        let reply = go(base(extra)).await;
        assert_redirect_error(&reply, error, description, Some("s1"));
    }

    // Without state, none comes back.
    let url = authorize_url(
        &sandbox,
        &[
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("response_type", "id_token"),
        ],
    );
    let reply = get(url.as_str(), &[]).await;
    assert_redirect_error(
        &reply,
        "unsupported_response_type",
        "response_type id_token is not supported; use code",
        None,
    );
}

#[tokio::test]
async fn public_clients_must_send_pkce() {
    let sandbox = generic().await;
    let url = authorize_url(
        &sandbox,
        &[
            ("response_type", "code"),
            ("client_id", PUBLIC),
            ("redirect_uri", REDIRECT),
            ("state", "p"),
        ],
    );
    let reply = get(url.as_str(), &[]).await;
    assert_redirect_error(
        &reply,
        "invalid_request",
        "code_challenge is required for this client",
        Some("p"),
    );
}

#[tokio::test]
async fn clients_without_the_code_grant_are_unauthorized() {
    let sandbox = Sandbox::builder()
        .client(confidential().grants([Grant::ClientCredentials]))
        .start()
        .await
        .unwrap();
    let url = authorize_url(&sandbox, &code_params(""));
    let reply = get(url.as_str(), &[]).await;
    assert_redirect_error(
        &reply,
        "unauthorized_client",
        "this client may not use the authorization_code grant",
        Some("st4te"),
    );
}

#[tokio::test]
async fn prompt_none_without_a_session_asks_for_login() {
    let sandbox = generic().await;
    let mut params = code_params("openid");
    params.push(("prompt", "none"));
    let reply = get(authorize_url(&sandbox, &params).as_str(), &[]).await;
    assert_redirect_error(
        &reply,
        "login_required",
        "the user is not signed in",
        Some("st4te"),
    );
}

// ---------------------------------------------------------- sign-in pages

/// Walks authorize → sign-in → consent by hand, checking every page.
#[tokio::test]
async fn sign_in_and_consent_by_hand() {
    let sandbox = generic().await;
    let mut agent = Agent::default();
    let authorize = authorize_url(&sandbox, &code_params("openid profile"));

    let reply = agent.get(authorize.as_str()).await;
    assert_eq!(reply.status, 302);
    assert_eq!(reply.header("location"), Some("/login"));
    let cookie = reply.header("set-cookie").unwrap();
    assert!(cookie.starts_with("sandbox_session="), "{cookie}");
    assert!(
        cookie.ends_with("; Path=/; HttpOnly; SameSite=Lax"),
        "{cookie}"
    );

    let login = at(sandbox.oauth_url(), "/login");
    let page = agent.get(&login).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = page.text();
    assert!(html.contains("<form id=\"sign-in\" action=\"/login\" method=\"post\">"));
    assert!(!html.contains("<script"));
    let csrf = hidden(&html, "csrf_token");

    // Wrong password: the form again, with a message.
    let reply = agent
        .post(
            &login,
            &[
                ("csrf_token", &csrf),
                ("username", LOGIN),
                ("password", "nope"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200);
    assert!(
        reply.text().contains(
            "<p class=\"error\" id=\"error\" role=\"alert\">Invalid login or password.</p>"
        )
    );
    assert!(reply.text().contains("name=\"password\""));

    // Right password: a fresh session cookie and back to the request.
    let reply = agent
        .post(
            &login,
            &[
                ("csrf_token", &csrf),
                ("username", LOGIN),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(reply.status, 302);
    let back = reply.header("location").unwrap().to_owned();
    assert!(back.starts_with("/authorize?"), "{back}");
    assert!(
        reply
            .header("set-cookie")
            .unwrap()
            .starts_with("sandbox_session=")
    );

    let reply = agent.get(&at(sandbox.oauth_url(), &back)).await;
    assert_eq!(reply.status, 302);
    let consent = reply.header("location").unwrap().to_owned();
    assert!(consent.starts_with("/consent?request="), "{consent}");

    let page = agent.get(&at(sandbox.oauth_url(), &consent)).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("<strong>client-id</strong>"));
    assert!(html.contains("<li><code>openid</code></li>\n<li><code>profile</code></li>"));
    let csrf = hidden(&html, "csrf_token");
    let request = hidden(&html, "request");

    let reply = agent
        .post(
            &at(sandbox.oauth_url(), "/consent"),
            &[
                ("csrf_token", &csrf),
                ("request", &request),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(reply.status, 302);
    let location = reply.location();
    assert_eq!(location.path(), "/callback");
    assert_eq!(param(&location, "state").as_deref(), Some("st4te"));
    assert!(param(&location, "code").is_some());

    // The same request cannot be decided twice.
    let reply = agent
        .post(
            &at(sandbox.oauth_url(), "/consent"),
            &[
                ("csrf_token", &csrf),
                ("request", &request),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_error_page(&reply, 400, "unknown or expired authorization request");

    // Signed in now: prompt=none with consent still needed.
    let mut params = code_params("openid");
    params.push(("prompt", "none"));
    let reply = agent.get(authorize_url(&sandbox, &params).as_str()).await;
    assert_redirect_error(
        &reply,
        "consent_required",
        "the user has not consented",
        Some("st4te"),
    );

    // prompt=login forces the sign-in page again, and drops itself on return.
    let mut params = code_params("openid");
    params.push(("prompt", "login"));
    let reply = agent.get(authorize_url(&sandbox, &params).as_str()).await;
    assert_eq!(reply.header("location"), Some("/login"));
}

#[tokio::test]
async fn prompt_none_with_a_session_and_remembered_consent_issues_a_code() {
    let sandbox = generic().await;
    let mut agent = Agent::default();
    agent
        .get(authorize_url(&sandbox, &code_params("openid")).as_str())
        .await;
    let login = at(sandbox.oauth_url(), "/login");
    let csrf = hidden(&agent.get(&login).await.text(), "csrf_token");
    let reply = agent
        .post(
            &login,
            &[
                ("csrf_token", &csrf),
                ("username", "bob"),
                ("password", "builder"),
            ],
        )
        .await;
    assert_eq!(reply.status, 302);
    let mut params = code_params("openid");
    params.push(("prompt", "none"));
    let reply = agent.get(authorize_url(&sandbox, &params).as_str()).await;
    assert_eq!(reply.status, 302);
    let location = reply.location();
    assert!(param(&location, "code").is_some(), "{location}");
    assert_eq!(param(&location, "state").as_deref(), Some("st4te"));
}

#[tokio::test]
async fn forms_with_a_wrong_csrf_token_are_refused() {
    let sandbox = generic().await;
    let mut agent = Agent::default();
    agent
        .get(authorize_url(&sandbox, &code_params("openid")).as_str())
        .await;
    let login = at(sandbox.oauth_url(), "/login");
    let reply = agent
        .post(
            &login,
            &[
                ("csrf_token", "forged"),
                ("username", LOGIN),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_error_page(
        &reply,
        403,
        "the form&#39;s csrf token does not match the session; reload the page and try again",
    );

    // A valid token from another session does not help either.
    let csrf = hidden(&agent.get(&login).await.text(), "csrf_token");
    agent.forget_cookies();
    agent.get(&login).await;
    let reply = agent
        .post(
            &login,
            &[
                ("csrf_token", &csrf),
                ("username", LOGIN),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(reply.status, 403);

    // No session at all.
    let reply = post_form(
        &login,
        &[],
        &[
            ("csrf_token", &csrf),
            ("username", LOGIN),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(reply.status, 403);
}

#[tokio::test]
async fn consent_can_be_denied_and_remembered() {
    let sandbox = generic().await;
    let url = authorize_url(&sandbox, &code_params("profile"));
    let callback = browser::sign_in(&url, LOGIN, PASSWORD, Decision::Deny)
        .await
        .unwrap();
    assert_eq!(param(&callback, "error").as_deref(), Some("access_denied"));
    assert_eq!(
        param(&callback, "error_description").as_deref(),
        Some("the user denied the request")
    );
    assert_eq!(param(&callback, "state").as_deref(), Some("st4te"));
    assert!(param(&callback, "code").is_none());

    // bob remembered consent for this client: no consent page at all.
    sandbox.clear_requests();
    let callback = browser::sign_in(&url, "bob", "builder", Decision::Deny)
        .await
        .unwrap();
    assert!(param(&callback, "code").is_some());
    assert!(!sandbox.requests().iter().any(|r| r.path == "/consent"));
}

#[tokio::test]
async fn the_browser_reports_refusals() {
    let sandbox = generic().await;
    let url = authorize_url(
        &sandbox,
        &[("client_id", "nope"), ("response_type", "code")],
    );
    let error = browser::sign_in(&url, LOGIN, PASSWORD, Decision::Approve)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        BrowserError::Rejected {
            status: 400,
            message: "unknown client: nope".to_owned()
        }
    );
    assert_eq!(
        error.to_string(),
        "the sandbox refused the request with 400: unknown client: nope"
    );

    let url = authorize_url(&sandbox, &code_params("openid"));
    let error = browser::sign_in(&url, LOGIN, "wrong", Decision::Approve)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        BrowserError::SignInFailed {
            message: "Invalid login or password.".to_owned()
        }
    );

    // An error redirect is a redirect to the client, not a browser error.
    let url = authorize_url(
        &sandbox,
        &[
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("response_type", "token"),
        ],
    );
    let callback = browser::sign_in(&url, LOGIN, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    assert_eq!(
        param(&callback, "error").as_deref(),
        Some("unsupported_response_type")
    );
}

// ------------------------------------------------------------ token: code

#[tokio::test]
async fn code_exchange_with_basic_auth_and_special_characters() {
    let sandbox = generic().await;
    let code = code(&sandbox, &code_params("openid profile")).await;
    sandbox.clear_requests();
    let reply = exchange(&sandbox, &code, &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("pragma"), Some("no-cache"));
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "openid profile");
    assert!(body["access_token"].as_str().unwrap().len() >= 43);
    assert!(body["refresh_token"].is_string());
    let id_token = body["id_token"].as_str().unwrap();
    assert_eq!(id_token.split('.').count(), 3);

    // The log shows exactly what arrived: the secret form-encoded, then base64.
    let requests = sandbox.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.listener, Listener::Oauth);
    assert_eq!(request.method, Method::POST);
    assert_eq!(request.path, "/token");
    assert_eq!(request.form_value("code").as_deref(), Some(code.as_str()));
    assert_eq!(request.form_value("client_secret"), None);
    let header = request.header("authorization").unwrap();
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(header.trim_start_matches("Basic "))
        .unwrap();
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        "client-id:p%40ss+w%3Ard%2F%2B%25%26%3D%3F"
    );
    assert_eq!(sandbox.issued_tokens(), 1);
    assert_eq!(sandbox.issued_refresh_tokens(), 1);
    assert_eq!(sandbox.token_requests(Grant::AuthorizationCode), 1);

    // The token works at userinfo.
    let token = body["access_token"].as_str().unwrap();
    let reply = get(
        &at(sandbox.oauth_url(), "/userinfo"),
        &[("authorization", &bearer(token))],
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({
            "sub": "100000001",
            "preferred_username": "alice",
            "name": "Alice",
            "email": "alice@example.test",
            "email_verified": true,
        })
    );
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_revokes_its_tokens() {
    let sandbox = generic().await;
    let code = code(&sandbox, &code_params("read")).await;
    let first = exchange(&sandbox, &code, &[]).await.json();
    let access = first["access_token"].as_str().unwrap();
    let me = at(sandbox.api_url(), "/api/me");
    assert_eq!(
        get(&me, &[("authorization", &bearer(access))]).await.status,
        200
    );

    let reply = exchange(&sandbox, &code, &[]).await;
    assert_oauth_error(
        &reply,
        400,
        "invalid_grant",
        "the authorization code was already used; the tokens it issued are revoked",
    );
    let reply = get(&me, &[("authorization", &bearer(access))]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("www-authenticate"),
        Some(
            "Bearer realm=\"oauth-sandbox\", error=\"invalid_token\", error_description=\"the access token is unknown or revoked\""
        )
    );
    let refresh = first["refresh_token"].as_str().unwrap();
    let reply = post_form(
        sandbox.token_endpoint().as_str(),
        &[("authorization", &basic(CLIENT, SECRET))],
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_oauth_error(
        &reply,
        400,
        "invalid_grant",
        "the refresh token is unknown or revoked",
    );
}

#[tokio::test]
async fn codes_expire_after_sixty_seconds_of_sandbox_time() {
    let sandbox = generic().await;
    let code = code(&sandbox, &code_params("read")).await;
    sandbox.advance(Duration::from_secs(61));
    let reply = exchange(&sandbox, &code, &[]).await;
    assert_oauth_error(
        &reply,
        400,
        "invalid_grant",
        "the authorization code has expired",
    );
}

#[tokio::test]
async fn codes_are_bound_to_client_and_redirect_uri() {
    let sandbox = generic().await;
    let code_a = code(&sandbox, &code_params("read")).await;
    let reply = post_form(
        sandbox.token_endpoint().as_str(),
        &[("authorization", &basic(CLIENT, SECRET))],
        &[
            ("grant_type", "authorization_code"),
            ("code", &code_a),
            ("redirect_uri", "http://127.0.0.1:9/elsewhere"),
        ],
    )
    .await;
    assert_oauth_error(
        &reply,
        400,
        "invalid_grant",
        "redirect_uri does not match the authorization request",
    );
    // Leaving it out when the request named it is a mismatch too.
    let reply = post_form(
        sandbox.token_endpoint().as_str(),
        &[("authorization", &basic(CLIENT, SECRET))],
        &[("grant_type", "authorization_code"), ("code", &code_a)],
    )
    .await;
    assert_eq!(reply.status, 400);

    let reply = post_form(
        sandbox.token_endpoint().as_str(),
        &[],
        &[
            ("grant_type", "authorization_code"),
            ("code", &code_a),
            ("redirect_uri", REDIRECT),
            ("client_id", PUBLIC),
        ],
    )
    .await;
    assert_oauth_error(
        &reply,
        400,
        "invalid_grant",
        "the authorization code was issued to another client",
    );

    let reply = exchange(&sandbox, "made-up", &[]).await;
    assert_oauth_error(
        &reply,
        400,
        "invalid_grant",
        "the authorization code is unknown",
    );
    let reply = post_form(
        sandbox.token_endpoint().as_str(),
        &[("authorization", &basic(CLIENT, SECRET))],
        &[("grant_type", "authorization_code")],
    )
    .await;
    assert_oauth_error(&reply, 400, "invalid_request", "code is missing");

    // The failed attempts did not burn the code.
    assert_eq!(exchange(&sandbox, &code_a, &[]).await.status, 200);
}

#[tokio::test]
async fn pkce_binds_the_code_to_its_verifier() {
    let sandbox = generic().await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let params = [
        ("response_type", "code"),
        ("client_id", PUBLIC),
        ("redirect_uri", REDIRECT),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];
    let exchange_public = |code: String, verifier: Option<&'static str>| {
        let url = sandbox.token_endpoint().to_string();
        async move {
            let mut pairs = vec![
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
                ("client_id", PUBLIC),
            ];
            if let Some(v) = verifier {
                pairs.push(("code_verifier", v));
            }
            post_form(&url, &[], &pairs).await
        }
    };

    let code_a = code(&sandbox, &params).await;
    let reply = exchange_public(code_a.clone(), None).await;
    assert_oauth_error(&reply, 400, "invalid_grant", "code_verifier is missing");
    let reply = exchange_public(
        code_a.clone(),
        Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX"),
    )
    .await;
    assert_oauth_error(
        &reply,
        400,
        "invalid_grant",
        "code_verifier does not match the code_challenge",
    );
    let reply = exchange_public(code_a, Some(verifier)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    // A public client gets a refresh token but authenticates with nothing.
    assert!(reply.json()["refresh_token"].is_string());

    // plain: the verifier is the challenge.
    let plain = "a-plain-verifier-that-is-long-enough-for-rfc-7636";
    let code_b = code(
        &sandbox,
        &[
            ("response_type", "code"),
            ("client_id", PUBLIC),
            ("redirect_uri", REDIRECT),
            ("code_challenge", plain),
            ("code_challenge_method", "plain"),
        ],
    )
    .await;
    let url = sandbox.token_endpoint().to_string();
    let reply = post_form(
        &url,
        &[],
        &[
            ("grant_type", "authorization_code"),
            ("code", &code_b),
            ("redirect_uri", REDIRECT),
            ("client_id", PUBLIC),
            ("code_verifier", plain),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());

    // A verifier for a request that had no challenge is refused.
    let code_c = code(&sandbox, &code_params("read")).await;
    let reply = exchange(&sandbox, &code_c, &[("code_verifier", verifier)]).await;
    assert_oauth_error(
        &reply,
        400,
        "invalid_grant",
        "code_verifier sent but the authorization request had no code_challenge",
    );
}

// ------------------------------------------------- client authentication

#[tokio::test]
async fn client_authentication_per_rfc_6749() {
    let sandbox = generic().await;
    let token = sandbox.token_endpoint().to_string();
    let cc = [("grant_type", "client_credentials")];

    // Body authentication.
    let reply = post_form(
        &token,
        &[],
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());

    // Both at once.
    let reply = post_form(
        &token,
        &[("authorization", &basic(CLIENT, SECRET))],
        &[
            ("grant_type", "client_credentials"),
            ("client_secret", SECRET),
        ],
    )
    .await;
    assert_oauth_error(
        &reply,
        400,
        "invalid_request",
        "the client authenticated with both http basic and client_secret in the body",
    );

    // Wrong secret with Basic: 401 and a Basic challenge.
    let reply = post_form(&token, &[("authorization", &basic(CLIENT, "wrong"))], &cc).await;
    assert_oauth_error(
        &reply,
        401,
        "invalid_client",
        "client authentication failed",
    );
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Basic realm=\"oauth-sandbox\", charset=\"UTF-8\"")
    );

    // The secret sent raw instead of form-encoded is a different secret.
    use base64::Engine as _;
    let raw = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT}:{SECRET}"))
    );
    let reply = post_form(&token, &[("authorization", &raw)], &cc).await;
    assert_eq!(reply.status, 401);

    // Wrong secret in the body: 401 without a challenge.
    let reply = post_form(
        &token,
        &[],
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", "x"),
        ],
    )
    .await;
    assert_oauth_error(
        &reply,
        401,
        "invalid_client",
        "client authentication failed",
    );
    assert!(reply.header("www-authenticate").is_none());

    expect_refusals(
        &token,
        &[
            (
                &[("authorization", &basic("ghost", "x"))],
                &cc,
                401,
                "invalid_client",
                "unknown client: ghost",
            ),
            (
                &[],
                &cc,
                401,
                "invalid_client",
                "client authentication is missing",
            ),
            (
                &[("authorization", "Basic !!!")],
                &cc,
                401,
                "invalid_client",
                "malformed basic credentials",
            ),
            (
                &[("authorization", "Bearer abc")],
                &cc,
                401,
                "invalid_client",
                "the authorization header must use the basic scheme",
            ),
            (
                &[],
                &[("grant_type", "client_credentials"), ("client_id", CLIENT)],
                401,
                "invalid_client",
                "the client secret is missing",
            ),
            (
                &[("authorization", &basic(CLIENT, SECRET))],
                &[("grant_type", "client_credentials"), ("client_id", PUBLIC)],
                400,
                "invalid_request",
                "client_id in the body does not match the authorization header",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn clients_pinned_to_one_authentication_method() {
    let sandbox = Sandbox::builder()
        .client(ClientConfig::confidential("basic-only", "s").auth(ClientAuth::Basic))
        .client(ClientConfig::confidential("body-only", "s").auth(ClientAuth::Body))
        .start()
        .await
        .unwrap();
    let token = sandbox.token_endpoint().to_string();
    let reply = post_form(
        &token,
        &[],
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "basic-only"),
            ("client_secret", "s"),
        ],
    )
    .await;
    assert_oauth_error(
        &reply,
        401,
        "invalid_client",
        "this client must authenticate with http basic",
    );
    let reply = post_form(
        &token,
        &[("authorization", &basic("basic-only", "s"))],
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(reply.status, 200);

    let reply = post_form(
        &token,
        &[("authorization", &basic("body-only", "s"))],
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_oauth_error(
        &reply,
        401,
        "invalid_client",
        "this client must send client_id and client_secret in the form body",
    );
    assert!(reply.header("www-authenticate").is_some());
    let reply = post_form(
        &token,
        &[],
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "body-only"),
            ("client_secret", "s"),
        ],
    )
    .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn token_endpoint_request_checks() {
    let sandbox = generic().await;
    let token = sandbox.token_endpoint().to_string();
    let auth = basic(CLIENT, SECRET);

    let reply = get(&token, &[]).await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("POST"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));

    let reply = send(
        "POST",
        &token,
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        br#"{"grant_type":"client_credentials"}"#,
    )
    .await;
    assert_oauth_error(
        &reply,
        400,
        "invalid_request",
        "content-type must be application/x-www-form-urlencoded",
    );

    // A charset parameter on the content type is fine.
    let reply = send(
        "POST",
        &token,
        &[
            ("authorization", &auth),
            (
                "content-type",
                "application/x-www-form-urlencoded; charset=UTF-8",
            ),
        ],
        b"grant_type=client_credentials",
    )
    .await;
    assert_eq!(reply.status, 200);

    expect_refusals(
        &token,
        &[
            (
                &[("authorization", &auth)],
                &[("scope", "read")],
                400,
                "invalid_request",
                "grant_type is missing",
            ),
            (
                &[("authorization", &auth)],
                &[("grant_type", "urn:ietf:params:oauth:grant-type:device_code")],
                400,
                "unsupported_grant_type",
                "grant_type urn:ietf:params:oauth:grant-type:device_code is not supported",
            ),
            (
                &[("authorization", &auth)],
                &[
                    ("grant_type", "client_credentials"),
                    ("grant_type", "password"),
                ],
                400,
                "invalid_request",
                "grant_type is given more than once",
            ),
        ],
    )
    .await;
}

// ------------------------------------------------------------ other grants

#[tokio::test]
async fn client_credentials_grant() {
    let sandbox = generic().await;
    let token = sandbox.token_endpoint().to_string();
    let auth = basic(CLIENT, SECRET);
    let reply = post_form(
        &token,
        &[("authorization", &auth)],
        &[
            ("grant_type", "client_credentials"),
            ("scope", "read write"),
        ],
    )
    .await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["scope"], "read write");
    assert!(body.get("refresh_token").is_none());
    assert!(body.get("id_token").is_none());

    expect_refusals(
        &token,
        &[
            (
                &[("authorization", &auth)],
                &[("grant_type", "client_credentials"), ("scope", "root")],
                400,
                "invalid_scope",
                "unknown scope: root",
            ),
            (
                &[],
                &[("grant_type", "client_credentials"), ("client_id", PUBLIC)],
                400,
                "unauthorized_client",
                "public clients cannot use the client_credentials grant",
            ),
        ],
    )
    .await;
    assert_eq!(sandbox.token_requests(Grant::ClientCredentials), 1);
}

#[tokio::test]
async fn refresh_tokens_rotate() {
    let sandbox = generic().await;
    let first = user_token(&sandbox, "read write").await;
    let old = first["refresh_token"].as_str().unwrap().to_owned();
    let token = sandbox.token_endpoint().to_string();
    let auth = basic(CLIENT, SECRET);
    let refresh = |refresh_token: String, scope: Option<&'static str>| {
        let token = token.clone();
        let auth = auth.clone();
        async move {
            let mut pairs = vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.as_str()),
            ];
            if let Some(scope) = scope {
                pairs.push(("scope", scope));
            }
            post_form(&token, &[("authorization", &auth)], &pairs).await
        }
    };

    let reply = refresh(old.clone(), None).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    let new = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(body["scope"], "read write");
    assert_ne!(body["access_token"], first["access_token"]);

    let reply = refresh(old, None).await;
    assert_oauth_error(
        &reply,
        400,
        "invalid_grant",
        "the refresh token is unknown or revoked",
    );

    let reply = refresh(new.clone(), Some("read openid")).await;
    assert_oauth_error(
        &reply,
        400,
        "invalid_scope",
        "scope openid was not granted originally",
    );
    let reply = refresh(new, Some("read")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["scope"], "read");

    let reply = post_form(
        &token,
        &[("authorization", &auth)],
        &[("grant_type", "refresh_token")],
    )
    .await;
    assert_oauth_error(&reply, 400, "invalid_request", "refresh_token is missing");
    assert_eq!(sandbox.token_requests(Grant::RefreshToken), 2);
}

#[tokio::test]
async fn refresh_tokens_without_rotation_stay_valid() {
    let sandbox = Sandbox::builder()
        .client(confidential().rotate_refresh_tokens(false))
        .user(UserConfig::new(LOGIN, PASSWORD))
        .start()
        .await
        .unwrap();
    let first = user_token(&sandbox, "read").await;
    let refresh_token = first["refresh_token"].as_str().unwrap();
    for _ in 0..2 {
        let reply = post_form(
            sandbox.token_endpoint().as_str(),
            &[("authorization", &basic(CLIENT, SECRET))],
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        )
        .await;
        assert_eq!(reply.status, 200);
        assert!(reply.json().get("refresh_token").is_none());
    }
}

#[tokio::test]
async fn refresh_tokens_belong_to_their_client() {
    let sandbox = Sandbox::builder()
        .client(confidential())
        .client(ClientConfig::confidential("other", "pw"))
        .user(UserConfig::new(LOGIN, PASSWORD))
        .start()
        .await
        .unwrap();
    let first = user_token(&sandbox, "read").await;
    let reply = post_form(
        sandbox.token_endpoint().as_str(),
        &[("authorization", &basic("other", "pw"))],
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", first["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_oauth_error(
        &reply,
        400,
        "invalid_grant",
        "the refresh token was issued to another client",
    );
}

#[tokio::test]
async fn password_grant_only_for_allowed_clients() {
    let sandbox = Sandbox::builder()
        .client(confidential().grants([Grant::Password, Grant::RefreshToken]))
        .client(ClientConfig::confidential("plain", "pw"))
        .user(UserConfig::new(LOGIN, PASSWORD))
        .start()
        .await
        .unwrap();
    let token = sandbox.token_endpoint().to_string();
    let reply = post_form(
        &token,
        &[("authorization", &basic(CLIENT, SECRET))],
        &[
            ("grant_type", "password"),
            ("username", LOGIN),
            ("password", PASSWORD),
            ("scope", "read"),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.json()["refresh_token"].is_string());

    expect_refusals(
        &token,
        &[
            (
                &[("authorization", &basic(CLIENT, SECRET))],
                &[
                    ("grant_type", "password"),
                    ("username", LOGIN),
                    ("password", "nope"),
                ],
                400,
                "invalid_grant",
                "the resource owner credentials are invalid",
            ),
            (
                &[("authorization", &basic(CLIENT, SECRET))],
                &[("grant_type", "password"), ("username", LOGIN)],
                400,
                "invalid_request",
                "username and password are required",
            ),
            (
                &[("authorization", &basic("plain", "pw"))],
                &[
                    ("grant_type", "password"),
                    ("username", LOGIN),
                    ("password", PASSWORD),
                ],
                400,
                "unauthorized_client",
                "this client may not use the password grant",
            ),
        ],
    )
    .await;
}

// ------------------------------------------ revocation and introspection

#[tokio::test]
async fn revocation_per_rfc_7009() {
    let sandbox = generic().await;
    let revoke = at(sandbox.oauth_url(), "/revoke");
    let auth = basic(CLIENT, SECRET);
    let me = at(sandbox.api_url(), "/api/me");

    let access = app_token(&sandbox, None).await;
    let reply = post_form(&revoke, &[("authorization", &auth)], &[("token", &access)]).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.is_empty());
    assert_eq!(
        get(&me, &[("authorization", &bearer(&access))])
            .await
            .status,
        401
    );

    // Revoking a refresh token ends its access tokens too.
    let tokens = user_token(&sandbox, "read").await;
    let reply = post_form(
        &revoke,
        &[("authorization", &auth)],
        &[
            ("token", tokens["refresh_token"].as_str().unwrap()),
            ("token_type_hint", "refresh_token"),
        ],
    )
    .await;
    assert_eq!(reply.status, 200);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        get(&me, &[("authorization", &bearer(access))]).await.status,
        401
    );

    // Unknown tokens are fine; unknown hints are not.
    let reply = post_form(
        &revoke,
        &[("authorization", &auth)],
        &[("token", "nothing")],
    )
    .await;
    assert_eq!(reply.status, 200);
    expect_refusals(
        &revoke,
        &[
            (
                &[("authorization", &auth)],
                &[("token", "nothing"), ("token_type_hint", "id_token")],
                400,
                "unsupported_token_type",
                "token_type_hint id_token is not supported",
            ),
            (
                &[("authorization", &auth)],
                &[],
                400,
                "invalid_request",
                "token is missing",
            ),
        ],
    )
    .await;
    let reply = post_form(&revoke, &[], &[("token", "x")]).await;
    assert_eq!(reply.status, 401);
}

#[tokio::test]
async fn introspection_per_rfc_7662() {
    let sandbox = generic().await;
    let introspect = at(sandbox.oauth_url(), "/introspect");
    let auth = basic(CLIENT, SECRET);
    let tokens = user_token(&sandbox, "read").await;
    let access = tokens["access_token"].as_str().unwrap();

    let reply = post_form(
        &introspect,
        &[("authorization", &auth)],
        &[("token", access)],
    )
    .await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["active"], true);
    assert_eq!(body["client_id"], CLIENT);
    assert_eq!(body["scope"], "read");
    assert_eq!(body["username"], "alice");
    assert_eq!(body["sub"], "100000001");
    assert_eq!(body["token_type"], "Bearer");
    let exp = body["exp"].as_u64().unwrap();
    let iat = body["iat"].as_u64().unwrap();
    assert!((3599..=3601).contains(&(exp - iat)), "{exp} {iat}");

    let reply = post_form(
        &introspect,
        &[("authorization", &auth)],
        &[("token", tokens["refresh_token"].as_str().unwrap())],
    )
    .await;
    assert_eq!(reply.json()["token_type"], "refresh_token");

    sandbox.advance(Duration::from_secs(3600));
    let reply = post_form(
        &introspect,
        &[("authorization", &auth)],
        &[("token", access)],
    )
    .await;
    assert_eq!(reply.json(), json!({ "active": false }));
    let reply = post_form(
        &introspect,
        &[("authorization", &auth)],
        &[("token", "zzz")],
    )
    .await;
    assert_eq!(reply.json(), json!({ "active": false }));
    let reply = post_form(&introspect, &[], &[("token", access)]).await;
    assert_eq!(reply.status, 401);
}

// ------------------------------------------------------ bearer resources

#[tokio::test]
async fn bearer_errors_per_rfc_6750() {
    let sandbox = generic().await;
    let me = at(sandbox.api_url(), "/api/me");

    let reply = get(&me, &[]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Bearer realm=\"oauth-sandbox\"")
    );
    assert_eq!(
        reply.json(),
        json!({ "error": "unauthorized", "error_description": "a bearer token is required in the authorization header" })
    );

    let reply = get(&me, &[("authorization", "Bearer not-a-token")]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"], "invalid_token");

    let reply = get(&me, &[("authorization", "Bearer two words")]).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.header("www-authenticate"),
        Some(
            "Bearer realm=\"oauth-sandbox\", error=\"invalid_request\", error_description=\"the authorization header is not a well-formed bearer token\""
        )
    );

    let access = app_token(&sandbox, Some("read")).await;
    let reply = get(&format!("{me}?access_token={access}"), &[]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"], "invalid_request");

    // The scheme is case-insensitive.
    let reply = get(&me, &[("authorization", &format!("bearer {access}"))]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({ "sub": CLIENT, "client_id": CLIENT, "scope": "read" })
    );

    let reply = get(
        &at(sandbox.api_url(), "/api/scope/write"),
        &[("authorization", &bearer(&access))],
    )
    .await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.header("www-authenticate"),
        Some(
            "Bearer realm=\"oauth-sandbox\", error=\"insufficient_scope\", error_description=\"the token lacks the write scope\", scope=\"write\""
        )
    );
    let reply = get(
        &at(sandbox.api_url(), "/api/scope/read"),
        &[("authorization", &bearer(&access))],
    )
    .await;
    assert_eq!(reply.json(), json!({ "scope": "read", "granted": true }));

    // Expiry by the sandbox clock.
    sandbox.advance(Duration::from_secs(3600));
    let reply = get(&me, &[("authorization", &bearer(&access))]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("www-authenticate"),
        Some(
            "Bearer realm=\"oauth-sandbox\", error=\"invalid_token\", error_description=\"the access token has expired\""
        )
    );
    assert_eq!(sandbox.active_tokens(), 0);
}

#[tokio::test]
async fn generic_api_and_userinfo() {
    let sandbox = generic().await;
    let tokens = user_token(&sandbox, "openid profile").await;
    let access = tokens["access_token"].as_str().unwrap();
    let auth = bearer(access);

    let reply = get(
        &at(sandbox.api_url(), "/api/me"),
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(
        reply.json(),
        json!({
            "sub": "100000001",
            "login": "alice",
            "name": "Alice",
            "email": "alice@example.test",
            "client_id": CLIENT,
            "scope": "openid profile",
        })
    );

    let echo = at(sandbox.api_url(), "/api/echo");
    let reply = send(
        "POST",
        &echo,
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        br#"{"hello":["w\u00f6rld",1,null]}"#,
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({ "hello": ["wörld", 1, null] }));
    let reply = send("POST", &echo, &[("authorization", &auth)], b"{nope").await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], "invalid_request");
    let reply = get(&echo, &[("authorization", &auth)]).await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("POST"));

    let reply = get(
        &at(sandbox.api_url(), "/api/nothing"),
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(reply.status, 404);

    // Userinfo needs a user behind the token.
    let app = app_token(&sandbox, None).await;
    let reply = get(
        &at(sandbox.oauth_url(), "/userinfo"),
        &[("authorization", &bearer(&app))],
    )
    .await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.json()["error"], "insufficient_scope");
    let reply = get(&at(sandbox.oauth_url(), "/userinfo"), &[]).await;
    assert_eq!(reply.status, 401);
}

#[tokio::test]
async fn rate_limit_by_sandbox_second() {
    let sandbox = Sandbox::builder()
        .client(confidential())
        .rate_limit(Some(2))
        .start()
        .await
        .unwrap();
    let access = app_token(&sandbox, None).await;
    let me = at(sandbox.api_url(), "/api/me");
    let auth = bearer(&access);
    // A paused clock: the three requests fall in one window.
    sandbox.pause_clock();
    assert_eq!(get(&me, &[("authorization", &auth)]).await.status, 200);
    assert_eq!(get(&me, &[("authorization", &auth)]).await.status, 200);
    let reply = get(&me, &[("authorization", &auth)]).await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.header("retry-after"), Some("1"));
    sandbox.advance(Duration::from_secs(1));
    assert_eq!(get(&me, &[("authorization", &auth)]).await.status, 200);
}

#[tokio::test]
async fn discovery_documents_name_the_real_urls() {
    let sandbox = generic().await;
    let base = sandbox
        .oauth_url()
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let reply = get(
        &at(
            sandbox.oauth_url(),
            "/.well-known/oauth-authorization-server",
        ),
        &[],
    )
    .await;
    assert_eq!(reply.status, 200);
    let doc = reply.json();
    assert_eq!(doc["issuer"], base);
    assert_eq!(doc["authorization_endpoint"], format!("{base}/authorize"));
    assert_eq!(doc["token_endpoint"], format!("{base}/token"));
    assert_eq!(doc["revocation_endpoint"], format!("{base}/revoke"));
    assert_eq!(doc["introspection_endpoint"], format!("{base}/introspect"));
    assert_eq!(
        doc["code_challenge_methods_supported"],
        json!(["S256", "plain"])
    );
    assert!(doc.get("jwks_uri").is_none());

    let doc = get(
        &at(sandbox.oauth_url(), "/.well-known/openid-configuration"),
        &[],
    )
    .await
    .json();
    assert_eq!(doc["userinfo_endpoint"], format!("{base}/userinfo"));
    assert_eq!(doc["jwks_uri"], format!("{base}/jwks/certs"));
    assert_eq!(doc["subject_types_supported"], json!(["public"]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["ES256"])
    );
    // The ID token signing key: its public half only.
    let keys = get(doc["jwks_uri"].as_str().unwrap(), &[]).await.json();
    let key = &keys["keys"][0];
    assert_eq!(keys["keys"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        (
            &key["kty"],
            &key["crv"],
            &key["alg"],
            &key["use"],
            &key["kid"]
        ),
        (
            &json!("EC"),
            &json!("P-256"),
            &json!("ES256"),
            &json!("sig"),
            &json!("sandbox-es256")
        )
    );
    assert!(key["x"].is_string() && key["y"].is_string() && key.get("d").is_none());

    let reply = get(&at(sandbox.oauth_url(), "/nowhere"), &[]).await;
    assert_eq!(reply.status, 404);
}

// ---------------------------------------------------------- bad input

#[tokio::test]
async fn malformed_input_gets_a_4xx() {
    let sandbox = generic().await;
    let token = sandbox.token_endpoint().to_string();
    let auth = basic(CLIENT, SECRET);
    let form = [
        ("authorization", auth.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
    ];

    let reply = send(
        "POST",
        &token,
        &form,
        b"grant_type=client_credentials&scope=%E0%A",
    )
    .await;
    assert_oauth_error(
        &reply,
        400,
        "invalid_request",
        "the form body is malformed: malformed percent-encoding",
    );
    let reply = send(
        "POST",
        &token,
        &form,
        b"grant_type=client_credentials&scope=%FF%FE",
    )
    .await;
    assert_oauth_error(
        &reply,
        400,
        "invalid_request",
        "the form body is malformed: percent-decoded bytes are not utf-8",
    );
    let reply = send(
        "POST",
        &token,
        &form,
        b"grant_type=client_credentials&scope=\xff",
    )
    .await;
    assert_eq!(reply.status, 400);

    let big = vec![b'a'; 70 * 1024];
    let reply = send("POST", &token, &form, &big).await;
    assert_eq!(reply.status, 413);
    assert_eq!(
        reply.json()["error_description"],
        "request body exceeds 65536 bytes"
    );

    // Chunked bodies are capped too.
    let mut chunked = b"POST /token HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\ncontent-type: application/x-www-form-urlencoded\r\n\r\n".to_vec();
    for _ in 0..70 {
        chunked.extend_from_slice(b"400\r\n");
        chunked.extend_from_slice(&[b'a'; 1024]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let answer = raw(sandbox.oauth_addr(), &chunked).await;
    assert_eq!(status_line(&answer), "HTTP/1.1 413 Payload Too Large");

    let mut huge = b"GET /authorize HTTP/1.1\r\nhost: x\r\nx-big: ".to_vec();
    huge.extend_from_slice(&[b'a'; 40 * 1024]);
    huge.extend_from_slice(b"\r\n\r\n");
    let answer = raw(sandbox.oauth_addr(), &huge).await;
    assert_eq!(
        status_line(&answer),
        "HTTP/1.1 431 Request Header Fields Too Large"
    );

    let answer = raw(
        sandbox.oauth_addr(),
        b"GET /authorize?x=\xff\xfe HTTP/1.1\r\nhost: x\r\n\r\n",
    )
    .await;
    assert_eq!(status_line(&answer), "HTTP/1.1 400 Bad Request");
    let answer = raw(sandbox.api_addr(), b"NOT HTTP AT ALL\r\n\r\n").await;
    assert_eq!(status_line(&answer), "HTTP/1.1 400 Bad Request");

    // Bad percent-encoding in a form sent to the sign-in page.
    let reply = send(
        "POST",
        &at(sandbox.oauth_url(), "/login"),
        &[("content-type", "application/x-www-form-urlencoded")],
        b"username=%G1",
    )
    .await;
    assert_error_page(&reply, 400, "the form is malformed");

    // The server is still fine.
    assert_eq!(app_token(&sandbox, None).await.len(), 43);
}

// ---------------------------------------------------- the sandbox itself

#[tokio::test]
async fn sandboxes_are_independent() {
    let one = generic().await;
    let two = generic().await;
    assert_ne!(one.oauth_url(), two.oauth_url());
    assert_ne!(one.oauth_url(), one.api_url());
    let token = app_token(&one, None).await;
    let reply = get(
        &at(two.api_url(), "/api/me"),
        &[("authorization", &bearer(&token))],
    )
    .await;
    assert_eq!(reply.status, 401);
    let reply = get(
        &at(one.api_url(), "/api/me"),
        &[("authorization", &bearer(&token))],
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(one.requests().len(), 2);
    assert_eq!(two.requests().len(), 1);
    assert_eq!(two.requests()[0].listener, Listener::Api);
    assert_eq!(one.issued_tokens(), 1);
    assert_eq!(two.issued_tokens(), 0);
}

#[tokio::test]
async fn the_log_records_queries_headers_and_bodies() {
    let sandbox = generic().await;
    get(
        &at(sandbox.api_url(), "/api/me?b=2&a=x%20y"),
        &[("x-custom", "yes")],
    )
    .await;
    let requests = sandbox.requests();
    let request = &requests[0];
    assert_eq!(request.listener, Listener::Api);
    assert_eq!(request.method, Method::GET);
    assert_eq!(request.path, "/api/me");
    assert_eq!(
        request.query,
        vec![
            ("b".to_owned(), "2".to_owned()),
            ("a".to_owned(), "x y".to_owned())
        ]
    );
    assert_eq!(request.query_value("a").as_deref(), Some("x y"));
    assert_eq!(request.header("x-custom"), Some("yes"));
    sandbox.clear_requests();
    assert!(sandbox.requests().is_empty());
}

#[tokio::test]
async fn dropping_the_sandbox_closes_its_listeners() {
    let sandbox = generic().await;
    let addr = sandbox.oauth_addr();
    assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
    drop(sandbox);
    for _ in 0..50 {
        tokio::task::yield_now().await;
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the listener at {addr} still accepts connections");
}

#[test]
fn public_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>(_: &T) {}
    send_sync::<Sandbox>();
    send_sync::<oauth_sandbox::RecordedRequest>();
    send_sync::<oauth_sandbox::FaultRule>();
    send_sync::<BrowserError>();
    let url = oauth_sandbox::url::Url::parse("http://127.0.0.1:1/").unwrap();
    send(&browser::sign_in(&url, "a", "b", Decision::Approve));
    send(&Sandbox::builder().start());
}

// ------------------------------------------------------------- the binary

#[test]
fn the_binary_documents_its_flags_and_rejects_bad_ones() {
    use std::process::Command;
    let binary = env!("CARGO_BIN_EXE_oauth-sandbox");
    let output = Command::new(binary).arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--provider",
        "--port",
        "--api-port",
        "--client-id",
        "--client-secret",
        "--redirect-uri",
        "--user",
        "--password",
        "--rate-limit",
        "--token-lifetime",
        "--help",
    ] {
        assert!(help.contains(flag), "--help does not mention {flag}");
    }

    let output = Command::new(binary)
        .args(["--port", "http"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "oauth-sandbox: --port expects a port number from 0 to 65535, got http\n\
         Try 'oauth-sandbox --help' for the options.\n"
    );
}

#[test]
fn the_binary_serves_until_stopped() {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_oauth-sandbox"))
        .args(["--provider", "ringplus", "--user", "carol@example.com"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("press Ctrl-C");
        banner.push(line);
        if done {
            break;
        }
    }
    let text = banner.join("\n");
    assert!(text.contains("oauth-sandbox emulating ringplus"), "{text}");
    assert!(
        text.contains("  login:          carol@example.com"),
        "{text}"
    );
    assert!(text.contains("  secret:         sandbox-secret"), "{text}");
    let oauth = banner
        .iter()
        .find_map(|l| l.strip_prefix("  oauth base:     "))
        .unwrap();
    let addr = oauth
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .write_all(b"GET /users/sign_in HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("name=\"user[email]\""));
}
