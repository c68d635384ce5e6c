//! Which inputs get the login and the password, which buttons approve a
//! consent, and what a walk shows of itself.

use super::html::{Button, Field};
use super::*;

fn client() -> Client {
    Client::builder(
        crate::GenericProvider::new("https://id.example/authorize", "https://id.example/token")
            .expect("provider"),
        "cli",
    )
    .transport(crate::transport::transport_fn(|_request| {
        std::future::ready(Ok(http::Response::new(Default::default())))
    }))
    .build()
    .expect("client")
}

fn walk<'a>(config: &'a FormLoginConfig, client: &'a Client) -> Walk<'a> {
    Walk {
        config,
        client,
        origin: Url::parse("https://id.example/").expect("url").origin(),
        jar: CookieStore::new(),
        signed_in: true,
        consented: false,
    }
}

fn field(name: &str, kind: &str) -> Field {
    Field {
        name: name.to_owned(),
        value: String::new(),
        kind: kind.to_owned(),
    }
}

fn button(label: &str, value: &str) -> Button {
    Button {
        name: None,
        value: value.to_owned(),
        label: label.to_owned(),
    }
}

#[test]
fn the_password_goes_only_into_a_password_input_of_the_mapped_name() {
    let config = FormLoginConfig::new(FieldMatcher::name("email"), FieldMatcher::name("pw"));
    let client = client();
    let walk = walk(&config, &client);
    assert!(walk.is_password_field(&field("pw", "password")));
    assert!(
        !walk.is_password_field(&field("pw", "hidden")),
        "the right name, not a password input"
    );
    assert!(
        !walk.is_password_field(&field("pin", "password")),
        "a password input, not the name"
    );
    assert!(walk.is_login_field(&field("email", "text")));
    assert!(!walk.is_login_field(&field("email", "hidden")));
}

#[test]
fn a_button_approves_by_its_label_or_its_value_in_any_case() {
    let config = FormLoginConfig::new(FieldMatcher::name("email"), FieldMatcher::name("pw"));
    let client = client();
    let walk = walk(&config, &client);
    assert!(walk.approves(&button("Authorize app", "")), "by its label");
    assert!(walk.approves(&button("", "ALLOW")), "by its value");
    assert!(!walk.approves(&button("Cancel", "deny")));
    assert!(!walk.approves(&button("", "")));
}

#[test]
fn a_walk_shows_its_progress_and_never_its_cookies() {
    let config = FormLoginConfig::new(FieldMatcher::name("email"), FieldMatcher::name("pw"));
    let client = client();
    assert_eq!(
        format!("{:?}", walk(&config, &client)),
        "Walk { signed_in: true, consented: false, .. }"
    );
}
