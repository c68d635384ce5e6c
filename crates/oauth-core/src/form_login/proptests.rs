//! Property tests of the sign-in page reader: any bytes and any error
//! selector give a page, never a panic; a generated form comes back field
//! by field, whatever surrounds it. `PROPTEST_CASES` raises the case count
//! (`cargo xtask fuzz`).

use proptest::prelude::*;
use url::Url;

use super::html::parse;

fn page_url() -> Url {
    Url::parse("https://login.example/sign_in?next=%2F").expect("url")
}

/// Text as it must appear inside an attribute or an element.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_\\[\\]-]{0,12}"
}

fn value() -> impl Strategy<Value = String> {
    "[ -~éü€]{0,24}"
}

proptest! {
    #[test]
    fn any_bytes_are_a_page(
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..2048),
            "(<(form|input|button|select|option|textarea|base)[ a-z=\"'/.:]{0,30}>|[ -~]{0,20}){0,40}"
                .prop_map(String::into_bytes),
        ],
        selector in prop_oneof![Just(".alert".to_owned()), "[ -~]{0,16}"],
    ) {
        let page = parse(&body, &page_url(), &selector);
        if let Some(message) = &page.message {
            prop_assert!(!message.is_empty() && message.chars().count() <= 200);
        }
        // No form is invented: at most one per `<form` tag.
        let tags = String::from_utf8_lossy(&body).to_ascii_lowercase().matches("<form").count();
        prop_assert!(page.forms.len() <= tags);
    }

    #[test]
    fn a_generated_form_comes_back_field_by_field(
        fields in prop::collection::vec(
            (name(), value(), prop::sample::select(vec!["text", "hidden", "password", "email", "TEXT"])),
            0..8,
        ),
        buttons in prop::collection::vec((prop::option::of(name()), value()), 0..3),
        method in prop::sample::select(vec!["post", "POST", " Post ", "get", ""]),
        action in prop::option::of("/[a-z]{1,8}(/[a-z0-9]{1,8}){0,2}"),
        noise in "[ -~]{0,40}",
        message in "[A-Za-z][A-Za-z ]{0,40}",
    ) {
        let mut html = format!(
            "<!doctype html><html><head><title>{}</title></head><body><p class=\"alert\">{}</p><div>{}</div><form method=\"{method}\"",
            escape(&noise),
            escape(&message),
            escape(&noise),
        );
        if let Some(action) = &action {
            html.push_str(&format!(" action=\"{action}\""));
        }
        html.push('>');
        for (name, value, kind) in &fields {
            html.push_str(&format!(
                "<label>{}<input type=\"{kind}\" name=\"{}\" value=\"{}\"></label>",
                escape(&noise),
                escape(name),
                escape(value)
            ));
        }
        // Never submitted: disabled, nameless, or unchecked.
        html.push_str("<input name=\"off\" value=\"x\" disabled><input value=\"nameless\"><input type=\"checkbox\" name=\"remember\">");
        for (name, value) in &buttons {
            match name {
                Some(name) => html.push_str(&format!("<button type=\"submit\" name=\"{}\" value=\"{}\">{}</button>", escape(name), escape(value), escape(value))),
                None => html.push_str(&format!("<input type=\"submit\" value=\"{}\">", escape(value))),
            }
        }
        html.push_str("</form></body></html>");

        let page = parse(html.as_bytes(), &page_url(), ".alert");
        prop_assert_eq!(page.forms.len(), 1);
        let form = &page.forms[0];
        let expected_method = if method.trim().eq_ignore_ascii_case("post") { http::Method::POST } else { http::Method::GET };
        prop_assert_eq!(&form.method, &expected_method);
        let expected_action = match &action {
            Some(action) => page_url().join(action).expect("url"),
            None => page_url(),
        };
        prop_assert_eq!(&form.action, &expected_action);
        let got: Vec<(&str, &str, &str)> = form
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str(), f.kind.as_str()))
            .collect();
        let lower: Vec<String> = fields.iter().map(|(_, _, kind)| kind.to_ascii_lowercase()).collect();
        let want: Vec<(&str, &str, &str)> = fields
            .iter()
            .zip(&lower)
            .map(|((name, value, _), kind)| (name.as_str(), value.as_str(), kind.as_str()))
            .collect();
        prop_assert_eq!(got, want);
        prop_assert_eq!(form.buttons.len(), buttons.len());
        for (got, (name, value)) in form.buttons.iter().zip(&buttons) {
            prop_assert_eq!(got.name.as_ref(), name.as_ref());
            prop_assert_eq!(&got.value, value);
        }
        let squashed: String = message.split_whitespace().collect::<Vec<_>>().join(" ");
        prop_assert_eq!(page.message.as_deref(), Some(squashed.as_str()));
    }
}
