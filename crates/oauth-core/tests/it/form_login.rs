//! Form login against the sandbox's generic profile: the exact requests of
//! a sign-in with consent, and each way it fails.
#![cfg(all(feature = "form-login", any(feature = "reqwest", feature = "hyper")))]

use crate::support::*;
use oauth_core::{
    ClientAuth, ConsentPolicy, ErrorCode, FieldMatcher, FormLogin, FormLoginConfig, FormLoginError,
    Password,
};
use oauth_sandbox::{ClientConfig, Fault, FaultRule, Profile, Sandbox, UserConfig};

fn form_login() -> FormLogin {
    FormLogin::new(FormLoginConfig::new(
        FieldMatcher::name("username"),
        FieldMatcher::name("password"),
    ))
}

async fn sandbox_for(user: UserConfig) -> Sandbox {
    Sandbox::builder()
        .profile(Profile::Generic)
        .client(ClientConfig::confidential(CLIENT_ID, SECRET).redirect_uri(REDIRECT))
        .user(user)
        .start()
        .await
        .unwrap()
}

fn client_of(sandbox: &Sandbox) -> oauth_core::Client {
    let transport = transports().remove(0).1;
    client(sandbox, ClientAuth::Basic, Some(SECRET), &transport)
}

fn password() -> Password {
    Password::new(PASSWORD)
}

#[tokio::test]
async fn signs_in_approves_and_stops_at_the_redirect_uri() {
    for (name, transport) in transports() {
        let sandbox = sandbox_for(UserConfig::new(USER, PASSWORD)).await;
        let client = client(&sandbox, ClientAuth::Basic, Some(SECRET), &transport);

        let token = form_login()
            .login(&client, &["profile"], USER, &password())
            .await
            .unwrap();
        assert_eq!(token.scopes(), Some(&["profile".to_owned()][..]), "{name}");

        let requests = sandbox.requests();
        let steps: Vec<(String, String)> = requests
            .iter()
            .map(|r| (r.method.to_string(), r.path.clone()))
            .collect();
        let step = |m: &str, p: &str| (m.to_owned(), p.to_owned());
        assert_eq!(
            steps,
            [
                step("GET", "/authorize"),
                step("GET", "/login"),
                step("POST", "/login"),
                step("GET", "/authorize"),
                step("GET", "/consent"),
                step("POST", "/consent"),
                step("POST", "/token"),
            ],
            "{name}"
        );
        // The first request carries no cookie; the sign-in carries the
        // session cookie the sandbox set, the form's CSRF token and the
        // credentials in the fields the config names.
        assert_eq!(requests[0].header("cookie"), None, "{name}");
        let sign_in = &requests[2];
        assert!(
            sign_in
                .header("cookie")
                .unwrap()
                .starts_with("sandbox_session="),
            "{name}"
        );
        let fields: Vec<String> = sign_in.form().into_iter().map(|(k, _)| k).collect();
        assert_eq!(fields, ["csrf_token", "username", "password"], "{name}");
        assert_eq!(sign_in.form_value("username").as_deref(), Some(USER));
        assert_eq!(sign_in.form_value("password").as_deref(), Some(PASSWORD));
        assert_eq!(
            sign_in.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        // The approving button's name and value go with the consent form.
        let consent = &requests[5];
        assert_eq!(consent.form_value("decision").as_deref(), Some("approve"));
        assert!(consent.form_value("csrf_token").is_some());
        assert!(consent.form_value("request").is_some());
    }
}

#[tokio::test]
async fn remembered_consent_needs_no_consent_form() {
    let sandbox = sandbox_for(UserConfig::new(USER, PASSWORD).remember_consent(CLIENT_ID)).await;
    let client = client_of(&sandbox);
    let (url, _pending) = client.authorization_url().build().unwrap();

    let callback = form_login()
        .sign_in(&client, &url, USER, &password())
        .await
        .unwrap();
    assert!(callback.as_str().starts_with(&format!("{REDIRECT}?code=")));
    let paths: Vec<String> = sandbox.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/authorize", "/login", "/login", "/authorize"]);
}

#[tokio::test]
async fn a_refused_password_is_wrong_credentials() {
    let sandbox = sandbox_for(UserConfig::new(USER, PASSWORD)).await;
    let client = client_of(&sandbox);
    let err = form_login()
        .login(&client, &[], USER, &Password::new("not-the-password"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, FormLoginError::WrongCredentials { message: Some(m) } if m == "Invalid login or password."),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the sign-in was refused: Invalid login or password."
    );
    // Tried once, not again and again.
    assert_eq!(requests_to(&sandbox, "/login").len(), 2);
    assert!(requests_to(&sandbox, "/token").is_empty());
}

#[tokio::test]
async fn a_307_is_followed_to_its_location_with_the_same_request() {
    let sandbox = sandbox_for(UserConfig::new(USER, PASSWORD)).await;
    let client = client_of(&sandbox);
    sandbox.inject(
        FaultRule::on(
            "/login",
            Fault::Status {
                status: 307,
                headers: vec![("location".into(), "/login?via=307".into())],
                body: String::new(),
            },
        )
        .times(1),
    );
    form_login()
        .login(&client, &["profile"], USER, &password())
        .await
        .unwrap();
    let logins = requests_to(&sandbox, "/login");
    let sent: Vec<(String, Vec<(String, String)>)> = logins
        .iter()
        .map(|r| (r.method.to_string(), r.query.clone()))
        .collect();
    assert_eq!(
        sent[..2],
        [
            ("GET".to_owned(), vec![]),
            ("GET".to_owned(), vec![("via".to_owned(), "307".to_owned())])
        ],
        "sent again, to the new location"
    );
}

#[tokio::test]
async fn a_page_without_a_sign_in_form() {
    let sandbox = sandbox_for(UserConfig::new(USER, PASSWORD)).await;
    let client = client_of(&sandbox);
    sandbox.inject(FaultRule::on(
        "/authorize",
        Fault::Status {
            status: 200,
            headers: vec![("content-type".into(), "text/html".into())],
            body: "<html><body><p>Down for maintenance</p></body></html>".into(),
        },
    ));
    let err = form_login()
        .login(&client, &[], USER, &password())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, FormLoginError::NoLoginForm { url } if *url == format!("{}authorize", sandbox.oauth_url())),
        "{err:?}"
    );

    // A form that lacks one of the configured fields is not a sign-in form.
    let other_fields = FormLogin::new(FormLoginConfig::new(
        FieldMatcher::name_contains("email"),
        FieldMatcher::name("password"),
    ));
    let err = other_fields
        .login(&client, &[], USER, &password())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, FormLoginError::NoLoginForm { url } if url.ends_with("/login")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_denied_consent_is_typed() {
    let sandbox = sandbox_for(UserConfig::new(USER, PASSWORD)).await;
    let client = client_of(&sandbox);
    // The server answers the sign-in with the denial redirect.
    sandbox.inject(
        FaultRule::on(
            "/login",
            Fault::RedirectTo(format!(
                "{REDIRECT}?error=access_denied&error_description=the+user+said+no"
            )),
        )
        .fraction(0.5),
    );
    let err = form_login()
        .login(&client, &[], USER, &password())
        .await
        .unwrap_err();
    let FormLoginError::ConsentDenied(denied) = &err else {
        panic!("expected a denial, got {err:?}");
    };
    assert_eq!(denied.error, ErrorCode::AccessDenied);
    assert_eq!(
        denied.error_description.as_deref(),
        Some("the user said no")
    );
    assert_eq!(
        err.to_string(),
        "the authorization was denied: `access_denied` (the user said no)"
    );
}

#[tokio::test]
async fn consent_can_be_refused_by_configuration() {
    let sandbox = sandbox_for(UserConfig::new(USER, PASSWORD)).await;
    let client = client_of(&sandbox);
    let login = FormLogin::new(
        FormLoginConfig::new(
            FieldMatcher::name("username"),
            FieldMatcher::name("password"),
        )
        .consent(ConsentPolicy::Refuse),
    );
    let err = login
        .login(&client, &[], USER, &password())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, FormLoginError::ConsentRequired { url } if url.ends_with("/consent")),
        "{err:?}"
    );
    assert!(requests_to(&sandbox, "/token").is_empty());
}

#[tokio::test]
async fn redirect_loops_end() {
    let sandbox = sandbox_for(UserConfig::new(USER, PASSWORD)).await;
    let client = client_of(&sandbox);
    let login_url = sandbox.oauth_url().join("login").unwrap();
    sandbox.inject(FaultRule::on("/login", Fault::RedirectTo(login_url.to_string())).times(50));
    let login = FormLogin::new(
        FormLoginConfig::new(
            FieldMatcher::name("username"),
            FieldMatcher::name("password"),
        )
        .max_requests(6),
    );
    let err = login
        .login(&client, &[], USER, &password())
        .await
        .unwrap_err();
    assert!(
        matches!(err, FormLoginError::TooManyRedirects { limit: 6 }),
        "{err:?}"
    );
    assert_eq!(sandbox.requests().len(), 6);
}

#[tokio::test]
async fn redirects_to_other_hosts_are_refused() {
    let sandbox = sandbox_for(UserConfig::new(USER, PASSWORD)).await;
    let client = client_of(&sandbox);
    sandbox.inject(FaultRule::on(
        "/authorize",
        Fault::RedirectTo("https://phish.example/login?next=1".into()),
    ));
    let err = form_login()
        .login(&client, &[], USER, &password())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, FormLoginError::UnexpectedHost { url } if url == "https://phish.example/login"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "redirect to unexpected host https://phish.example/login"
    );
    assert_eq!(sandbox.requests().len(), 1);
}

#[tokio::test]
async fn an_error_page_is_rejected_with_its_message() {
    let sandbox = sandbox_for(UserConfig::new(USER, PASSWORD)).await;
    let transport = transports().remove(0).1;
    let unregistered =
        oauth_core::Client::builder(provider(&sandbox, ClientAuth::Basic), CLIENT_ID)
            .client_secret(SECRET)
            .redirect_uri("http://127.0.0.1:9/elsewhere")
            .shared_transport(transport)
            .build()
            .unwrap();
    let err = form_login()
        .login(&unregistered, &[], USER, &password())
        .await
        .unwrap_err();
    let FormLoginError::Rejected {
        status, message, ..
    } = &err
    else {
        panic!("expected a rejection, got {err:?}");
    };
    assert_eq!(status.as_u16(), 400);
    assert_eq!(
        message.as_deref(),
        Some("redirect_uri http://127.0.0.1:9/elsewhere is not registered for client test-client")
    );
}

#[tokio::test]
async fn the_password_never_shows() {
    let sandbox = sandbox_for(UserConfig::new(USER, PASSWORD)).await;
    let client = client_of(&sandbox);
    let secret = "hunter2-very-secret";
    let err = form_login()
        .login(&client, &[], USER, &Password::new(secret))
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?} {:?}", form_login());
    assert!(!shown.contains(secret), "{shown}");
}

#[test]
fn login_futures_are_send() {
    fn send<T: Send>(_: T) {}
    let client = oauth_core::Client::builder(
        oauth_core::GenericProvider::new("https://a.example/authorize", "https://a.example/token")
            .unwrap(),
        "id",
    )
    .redirect_uri(REDIRECT)
    .transport(oauth_core::transport::transport_fn(|_| async {
        Err(oauth_core::TransportError::from_kind(
            oauth_core::TransportErrorKind::Other,
        ))
    }))
    .build()
    .unwrap();
    let login = form_login();
    let password = password();
    send(login.login(&client, &[], USER, &password));
}

#[tokio::test]
async fn a_deny_policy_presses_the_refusing_button() {
    let sandbox = sandbox_for(UserConfig::new(USER, PASSWORD)).await;
    let client = client_of(&sandbox);
    let login = FormLogin::new(
        FormLoginConfig::new(
            FieldMatcher::name("username"),
            FieldMatcher::name("password"),
        )
        .consent(ConsentPolicy::Deny),
    );
    let err = login
        .login(&client, &[], USER, &password())
        .await
        .unwrap_err();
    let FormLoginError::ConsentDenied(denied) = &err else {
        panic!("expected the server's denial, got {err:?}");
    };
    assert_eq!(denied.error, ErrorCode::AccessDenied);
    // The consent form went with the refusing button's value.
    let consent: Vec<_> = requests_to(&sandbox, "/consent")
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(consent.len(), 1);
    assert_eq!(consent[0].form_value("decision").as_deref(), Some("deny"));
    assert!(requests_to(&sandbox, "/token").is_empty());
}

/// A consent page whose refusing button says "Don't allow": approving
/// presses "Allow access", never it; denying presses it.
#[tokio::test]
async fn a_button_that_refuses_is_never_taken_for_one_that_approves() {
    let sandbox = sandbox_for(UserConfig::new(USER, PASSWORD)).await;
    let client = client_of(&sandbox);
    let page = "<html><body><form action=\"/consent\" method=\"post\">\
        <input type=\"hidden\" name=\"request\" value=\"r1\">\
        <button type=\"submit\" name=\"decision\" value=\"no\">Don't allow</button>\
        <button type=\"submit\" name=\"decision\" value=\"yes\">Allow access</button>\
        </form></body></html>";
    for (policy, sent) in [(ConsentPolicy::Approve, "yes"), (ConsentPolicy::Deny, "no")] {
        sandbox.clear_requests();
        // The sign-in's answer is this consent page; what it posts, the
        // sandbox refuses (it is not its own form), which ends the login.
        sandbox.inject(
            FaultRule::on(
                "/login",
                Fault::Status {
                    status: 200,
                    headers: vec![("content-type".into(), "text/html".into())],
                    body: page.into(),
                },
            )
            .fraction(0.5),
        );
        let login = FormLogin::new(
            FormLoginConfig::new(
                FieldMatcher::name("username"),
                FieldMatcher::name("password"),
            )
            .consent(policy),
        );
        let _ = login.login(&client, &[], USER, &password()).await;
        sandbox.clear_faults();
        let consent = requests_to(&sandbox, "/consent");
        assert_eq!(consent.len(), 1, "{policy:?}");
        assert_eq!(
            consent[0].form_value("decision").as_deref(),
            Some(sent),
            "{policy:?}"
        );
    }
}

/// Sign-in pages as common frameworks render a refused password: the
/// default selector finds each one's message.
#[tokio::test]
async fn the_sign_in_errors_of_common_frameworks_are_read() {
    let sandbox = sandbox_for(UserConfig::new(USER, PASSWORD)).await;
    let client = client_of(&sandbox);
    let form = "<form method=\"post\" action=\"/login\">\
        <input name=\"username\"><input type=\"password\" name=\"password\">\
        <button type=\"submit\">Sign in</button></form>";
    let pages = [
        (
            "Django",
            "<ul class=\"errorlist nonfield\"><li>Please enter a correct username and password.</li></ul>",
            "Please enter a correct username and password.",
        ),
        (
            "Spring Security",
            "<div class=\"alert alert-danger\" role=\"alert\">Bad credentials</div>",
            "Bad credentials",
        ),
        (
            "Keycloak",
            "<span id=\"input-error\" class=\"kc-feedback-text\" aria-live=\"polite\">Invalid username or password.</span>",
            "Invalid username or password.",
        ),
        (
            "ASP.NET Identity",
            "<div class=\"text-danger validation-summary-errors\" data-valmsg-summary=\"true\"><ul><li>Invalid login attempt.</li></ul></div>",
            "Invalid login attempt.",
        ),
    ];
    for (framework, error, message) in pages {
        sandbox.clear_requests();
        sandbox.inject(
            FaultRule::on(
                "/login",
                Fault::Status {
                    status: 200,
                    headers: vec![("content-type".into(), "text/html".into())],
                    body: format!("<html><body>{error}{form}</body></html>"),
                },
            )
            .fraction(0.5),
        );
        let err = form_login()
            .login(&client, &[], USER, &password())
            .await
            .unwrap_err();
        sandbox.clear_faults();
        assert!(
            matches!(&err, FormLoginError::WrongCredentials { message: Some(m) } if m == message),
            "{framework}: {err:?}"
        );
    }
}
