//! Reads the forms of a sign-in or consent page with a real HTML parser
//! (html5ever, through `scraper`): fields, buttons, action and method.

use http::Method;
use scraper::{ElementRef, Html, Selector};
use url::Url;

/// How many characters of a page's error message are kept.
const MESSAGE_CHARS: usize = 200;

/// What a page offers, read once; owned, so no parser type lives across an
/// await.
#[derive(Debug, Default)]
pub(super) struct Page {
    pub(super) forms: Vec<Form>,
    /// The text of the page's alert or error element, if it has one.
    pub(super) message: Option<String>,
}

/// One `<form>`.
#[derive(Debug, Clone)]
pub(super) struct Form {
    /// The `action`, resolved against the page (or `<base href>`).
    pub(super) action: Url,
    pub(super) method: Method,
    /// Successful controls in document order, as a browser submits them
    /// (checkboxes and radios only when checked).
    pub(super) fields: Vec<Field>,
    /// Submit buttons, in document order.
    pub(super) buttons: Vec<Button>,
}

#[derive(Debug, Clone)]
pub(super) struct Field {
    pub(super) name: String,
    pub(super) value: String,
    /// The input type, lower case (`text` for textarea and select).
    pub(super) kind: String,
}

#[derive(Debug, Clone)]
pub(super) struct Button {
    pub(super) name: Option<String>,
    pub(super) value: String,
    /// What a person reads on it: the `value` of an input, the text of a
    /// button.
    pub(super) label: String,
}

fn selector(css: &str) -> Selector {
    // Only called with the literal selectors below, which are valid.
    Selector::parse(css).expect("a valid CSS selector")
}

/// Parses a page fetched from `url`.
#[cfg(test)]
pub(super) fn parse(body: &[u8], url: &Url, error_selector: &str) -> Page {
    parse_masking(body, url, error_selector, &[])
}

/// Parses a page fetched from `url`, with each of `secrets` masked in its
/// error message (a page may quote the password it was sent).
pub(super) fn parse_masking(
    body: &[u8],
    url: &Url,
    error_selector: &str,
    secrets: &[&str],
) -> Page {
    let text = String::from_utf8_lossy(body);
    let document = Html::parse_document(&text);
    let base = document
        .select(&selector("base[href]"))
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| url.join(href).ok())
        .unwrap_or_else(|| url.clone());
    let forms = document
        .select(&selector("form"))
        .filter_map(|form| read_form(form, &base))
        .collect();
    let message = Selector::parse(error_selector)
        .ok()
        .and_then(|s| document.select(&s).next())
        .map(|element| squash(element.text(), secrets))
        .filter(|m| !m.is_empty());
    Page { forms, message }
}

fn read_form(form: ElementRef<'_>, base: &Url) -> Option<Form> {
    let element = form.value();
    let action = match element.attr("action").map(str::trim) {
        None | Some("") => base.clone(),
        Some(action) => base.join(action).ok()?,
    };
    let method = match element.attr("method") {
        Some(m) if m.trim().eq_ignore_ascii_case("post") => Method::POST,
        _ => Method::GET,
    };
    let mut fields = Vec::new();
    let mut buttons = Vec::new();
    for control in form.select(&selector("input, textarea, select, button")) {
        let control_element = control.value();
        if control_element.attr("disabled").is_some() {
            continue;
        }
        let name = control_element.attr("name").map(str::to_owned);
        match control_element.name() {
            "input" => {
                let kind = control_element
                    .attr("type")
                    .unwrap_or("text")
                    .trim()
                    .to_ascii_lowercase();
                let value = control_element.attr("value").unwrap_or_default().to_owned();
                match kind.as_str() {
                    "submit" => buttons.push(Button {
                        name,
                        label: value.clone(),
                        value,
                    }),
                    "image" | "reset" | "button" | "file" => {}
                    "checkbox" | "radio" => {
                        if let (Some(name), true) =
                            (name, control_element.attr("checked").is_some())
                        {
                            let value = if value.is_empty() {
                                "on".to_owned()
                            } else {
                                value
                            };
                            fields.push(Field { name, value, kind });
                        }
                    }
                    _ => {
                        if let Some(name) = name {
                            fields.push(Field { name, value, kind });
                        }
                    }
                }
            }
            "textarea" => {
                if let Some(name) = name {
                    fields.push(Field {
                        name,
                        value: control.text().collect(),
                        kind: "text".to_owned(),
                    });
                }
            }
            "select" => {
                let options: Vec<ElementRef<'_>> = control.select(&selector("option")).collect();
                let chosen = options
                    .iter()
                    .find(|o| o.value().attr("selected").is_some())
                    .or_else(|| options.first());
                if let (Some(name), Some(option)) = (name, chosen) {
                    let value = option
                        .value()
                        .attr("value")
                        .map_or_else(|| squash(option.text(), &[]), str::to_owned);
                    fields.push(Field {
                        name,
                        value,
                        kind: "text".to_owned(),
                    });
                }
            }
            "button" => {
                let kind = control_element.attr("type").unwrap_or("submit");
                if kind.trim().eq_ignore_ascii_case("submit") {
                    buttons.push(Button {
                        name,
                        value: control_element.attr("value").unwrap_or_default().to_owned(),
                        label: squash(control.text(), &[]),
                    });
                }
            }
            _ => {}
        }
    }
    Some(Form {
        action,
        method,
        fields,
        buttons,
    })
}

/// Text with runs of whitespace made one space, trimmed and cut short.
/// The text on one line, secrets masked before anything is cut or
/// squeezed, at most [`MESSAGE_CHARS`] long.
fn squash<'a>(text: impl Iterator<Item = &'a str>, secrets: &[&str]) -> String {
    let joined: String = text.collect::<Vec<_>>().join(" ");
    let masked = crate::redact::mask(&joined, secrets);
    let words: Vec<&str> = masked.split_whitespace().collect();
    words.join(" ").chars().take(MESSAGE_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn reads_fields_buttons_action_and_method() {
        let page = parse(
            br#"<html><body>
            <p class="error" role="alert">  Invalid email
               or password. </p>
            <form action="/users/sign_in" method="POST">
              <input name="utf8" type="hidden" value="&#x2713;">
              <input type="hidden" name="authenticity_token" value="t&amp;k">
              <input type="text" name="user[email]">
              <input type="password" name="user[password]">
              <input type="checkbox" name="remember" value="1">
              <input type="checkbox" name="terms" checked>
              <select name="lang"><option value="en">English</option><option value="fr" selected>French</option></select>
              <textarea name="note">hi</textarea>
              <input type="text" name="off" disabled value="x">
              <input type="submit" name="commit" value="Log in">
            </form>
            <form><button type="submit" name="decision" value="approve">Approve <b>it</b></button><button type="button">No</button></form>
            </body></html>"#,
            &url("http://127.0.0.1:1/users/sign_in?x=1"),
            "[role=alert]",
        );
        assert_eq!(page.message.as_deref(), Some("Invalid email or password."));
        assert_eq!(page.forms.len(), 2);
        let form = &page.forms[0];
        assert_eq!(form.action.as_str(), "http://127.0.0.1:1/users/sign_in");
        assert_eq!(form.method, Method::POST);
        let fields: Vec<(&str, &str, &str)> = form
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str(), f.kind.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("utf8", "✓", "hidden"),
                ("authenticity_token", "t&k", "hidden"),
                ("user[email]", "", "text"),
                ("user[password]", "", "password"),
                ("terms", "on", "checkbox"),
                ("lang", "fr", "text"),
                ("note", "hi", "text"),
            ]
        );
        assert_eq!(form.buttons.len(), 1);
        assert_eq!(form.buttons[0].name.as_deref(), Some("commit"));
        assert_eq!(form.buttons[0].value, "Log in");

        let consent = &page.forms[1];
        assert_eq!(consent.method, Method::GET);
        assert_eq!(
            consent.action.as_str(),
            "http://127.0.0.1:1/users/sign_in?x=1"
        );
        assert_eq!(consent.buttons.len(), 1);
        assert_eq!(consent.buttons[0].label, "Approve it");
    }

    #[test]
    fn actions_resolve_against_base_href() {
        let page = parse(
            br#"<head><base href="https://login.example/app/"></head><form action="next"></form>"#,
            &url("https://login.example/start"),
            ".error",
        );
        assert_eq!(
            page.forms[0].action.as_str(),
            "https://login.example/app/next"
        );
        assert_eq!(page.message, None);
    }

    #[test]
    fn buttons_files_and_images_are_not_fields() {
        let page = parse(
            br#"<form action="/s" method="post">
              <input name="email" value="a">
              <input type="button" name="b" value="x">
              <input type="reset" name="r" value="x">
              <input type="image" name="i" src="x.png">
              <input type="file" name="f">
              <input type="submit" name="go" value="Sign in">
            </form>"#,
            &url("https://login.example/start"),
            ".error",
        );
        let names: Vec<&str> = page.forms[0]
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, ["email"]);
        assert_eq!(page.forms[0].buttons.len(), 1);
    }
}
