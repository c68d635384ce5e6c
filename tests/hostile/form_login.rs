//! Sign-in pages that quote the password they were sent back in their
//! error message, and sign-in forms that would send it in the URL.

use oauth_core::{ClientAuth, FieldMatcher, FormLogin, FormLoginConfig, FormLoginError, Password};

use super::server::{self, Hostile};
use super::{assert_clean, client, transports};

const LOGIN: &str = "ann@example.com";
const PASSWORD: &str = "pass word/+Kq7&x";

fn form(method: &str) -> String {
    format!(
        r#"<html><body><form action="/sign_in" {method}>
        <input type="hidden" name="authenticity_token" value="csrf-1">
        <input type="email" name="user[email]">
        <input type="password" name="user[password]">
        <button type="submit">Sign in</button></form></body></html>"#
    )
}

fn login() -> FormLogin {
    FormLogin::new(FormLoginConfig::new(
        FieldMatcher::name_contains("email"),
        FieldMatcher::name_contains("password"),
    ))
}

/// The password as the page quotes it: raw and form-encoded.
fn quotes(seen: &server::Seen) -> String {
    let sent = seen.form_value("user[password]").unwrap_or_default();
    let encoded: String =
        oauth_core::url::form_urlencoded::byte_serialize(sent.as_bytes()).collect();
    format!("Wrong password \"{sent}\" ({encoded}) for {LOGIN}")
}

#[tokio::test]
async fn a_page_quoting_the_password_shows_none_of_it() {
    // Item 9: the sign-in form comes back with the password in its alert,
    // and an error page quotes it too.
    for status in [200, 401] {
        let server = Hostile::start(move |seen| {
            if seen.method == "GET" {
                return server::html(200, &form("method=\"post\""));
            }
            let message = quotes(seen);
            let page = form("method=\"post\"").replace(
                "<body>",
                &format!("<body><div role=\"alert\">{message}</div>"),
            );
            server::html(status, &page)
        })
        .await;
        for (name, transport) in transports() {
            let client = client(&server, ClientAuth::Basic, &transport);
            let (url, _) = client.authorization_url().build().unwrap();
            let error = login()
                .sign_in(&client, &url, LOGIN, &Password::new(PASSWORD))
                .await
                .unwrap_err();
            match (&error, status) {
                (FormLoginError::WrongCredentials { message: Some(m) }, 200)
                | (
                    FormLoginError::Rejected {
                        message: Some(m), ..
                    },
                    401,
                ) => assert!(
                    m.starts_with("Wrong password \"[redacted]\" ([redacted])"),
                    "{name}: {m}"
                ),
                _ => panic!("{name} {status}: unexpected {error:?}"),
            }
            let encoded: String =
                oauth_core::url::form_urlencoded::byte_serialize(PASSWORD.as_bytes()).collect();
            assert_clean(name, &error, &[PASSWORD, &encoded]);
        }
    }
}

#[tokio::test]
async fn a_sign_in_form_that_would_send_the_password_by_get_is_refused() {
    // Item 12: no `method`, or `method=get`: a browser would put the
    // password in the query.
    for method in ["", "method=\"get\"", "method=\"dialog\""] {
        let server = Hostile::start(move |_| server::html(200, &form(method))).await;
        for (name, transport) in transports() {
            let client = client(&server, ClientAuth::Basic, &transport);
            let (url, _) = client.authorization_url().build().unwrap();
            let error = login()
                .sign_in(&client, &url, LOGIN, &Password::new(PASSWORD))
                .await
                .unwrap_err();
            let FormLoginError::PasswordInUrl { url: action } = &error else {
                panic!("{name} {method:?}: expected a refusal, got {error:?}");
            };
            assert_eq!(action, &server.url("/sign_in").to_string());
            assert_clean(name, &error, &[PASSWORD]);
        }
        for seen in server.seen() {
            assert!(
                !seen.text().contains("Kq7"),
                "the password was sent: {seen:?}"
            );
            assert_eq!(seen.method, "GET");
            assert_eq!(seen.path(), "/authorize");
        }
    }
}
