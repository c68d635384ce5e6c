//! A scripted user for the oidc-provider pages that oauth-core's
//! `FormLogin` does not walk: the device verification pages (they start
//! with a code form, not a sign-in form, and end on a page, not a redirect
//! to the app) and the consent page's `[ Cancel ]` link (a link, where
//! `FormLogin` only submits forms). The authorization code cases use
//! `FormLogin` itself.
//!
//! It knows exactly these pages of the pinned oidc-provider: hidden and
//! text inputs of the first form, a link by its text, cookies by name.

use std::collections::HashMap;
use std::sync::Arc;

use oauth_core::http::{self, Method, header};
use oauth_core::transport::HttpTransport;
use oauth_core::url::{Url, form_urlencoded};

/// Where a request ended.
#[derive(Debug)]
pub enum Answer {
    /// A page of the server (status 200).
    Page { url: Url, html: String },
    /// A redirect off the server (to the app).
    Redirect(Url),
}

impl Answer {
    pub fn page(self) -> (Url, String) {
        match self {
            Answer::Page { url, html } => (url, html),
            Answer::Redirect(to) => panic!("expected a page, got a redirect to {to}"),
        }
    }

    pub fn redirect(self) -> Url {
        match self {
            Answer::Redirect(to) => to,
            Answer::Page { url, html } => panic!("expected a redirect, got {url}: {html}"),
        }
    }
}

pub struct User {
    transport: Arc<dyn HttpTransport>,
    cookies: HashMap<String, String>,
}

impl User {
    pub fn new() -> Self {
        User {
            transport: crate::interop::harness::transport(),
            cookies: HashMap::new(),
        }
    }

    pub async fn get(&mut self, url: &Url) -> Answer {
        self.walk(Method::GET, url.clone(), None).await
    }

    /// Submits the page's first form with its hidden and prefilled values,
    /// `fill` overriding or adding fields.
    pub async fn submit(&mut self, page: &(Url, String), fill: &[(&str, &str)]) -> Answer {
        let (action, mut fields) = first_form(&page.1, &page.0);
        for (name, value) in fill {
            fields.retain(|(n, _)| n != name);
            fields.push(((*name).to_owned(), (*value).to_owned()));
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.walk(Method::POST, action, Some(body)).await
    }

    /// Follows the link whose text contains `text`.
    pub async fn follow_link(&mut self, page: &(Url, String), text: &str) -> Answer {
        let url = link(&page.1, &page.0, text);
        self.get(&url).await
    }

    async fn walk(&mut self, mut method: Method, mut url: Url, mut body: Option<String>) -> Answer {
        let origin = url.origin();
        for _ in 0..20 {
            let mut request = http::Request::builder()
                .method(method.clone())
                .uri(url.as_str());
            if !self.cookies.is_empty() {
                let cookies: Vec<String> = self
                    .cookies
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                request = request.header(header::COOKIE, cookies.join("; "));
            }
            if body.is_some() {
                request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            }
            let request = request
                .body(body.take().unwrap_or_default().into_bytes())
                .unwrap();
            let response = self.transport.send(request).await.unwrap();
            for value in response.headers().get_all(header::SET_COOKIE) {
                self.keep_cookie(value.to_str().unwrap());
            }
            let status = response.status();
            if status.is_redirection() {
                let location = response.headers()[header::LOCATION].to_str().unwrap();
                let next = url.join(location).unwrap();
                if next.origin() != origin {
                    return Answer::Redirect(next);
                }
                url = next;
                method = Method::GET;
                continue;
            }
            let html = String::from_utf8_lossy(response.body()).into_owned();
            assert_eq!(status.as_u16(), 200, "{url}: {html}");
            return Answer::Page { url, html };
        }
        panic!("more than 20 requests from {url}");
    }

    fn keep_cookie(&mut self, set_cookie: &str) {
        let pair = set_cookie.split(';').next().unwrap_or_default();
        let Some((name, value)) = pair.split_once('=') else {
            return;
        };
        let expired = set_cookie
            .to_ascii_lowercase()
            .contains("expires=thu, 01 jan 1970");
        if value.is_empty() || expired {
            self.cookies.remove(name.trim());
        } else {
            self.cookies
                .insert(name.trim().to_owned(), value.trim().to_owned());
        }
    }
}

/// The first form's action and the names and values of its inputs.
fn first_form(html: &str, base: &Url) -> (Url, Vec<(String, String)>) {
    let start = html.find("<form").expect("a form on the page");
    let end = start + html[start..].find("</form>").expect("a closed form");
    let form = &html[start..end];
    let tag_end = form.find('>').unwrap();
    let action = attribute(&form[..tag_end], "action").unwrap_or_default();
    let mut fields = Vec::new();
    let mut rest = &form[tag_end..];
    while let Some(at) = rest.find("<input") {
        let tag = &rest[at..at + rest[at..].find('>').unwrap()];
        if let Some(name) = attribute(tag, "name") {
            fields.push((name, attribute(tag, "value").unwrap_or_default()));
        }
        rest = &rest[at + tag.len()..];
    }
    (base.join(&action).unwrap(), fields)
}

fn link(html: &str, base: &Url, text: &str) -> Url {
    let mut rest = html;
    while let Some(at) = rest.find("<a ") {
        let tag_end = at + rest[at..].find('>').unwrap();
        let close = tag_end + rest[tag_end..].find("</a>").unwrap();
        if rest[tag_end..close].contains(text) {
            let href = attribute(&rest[at..tag_end], "href").expect("an href");
            return base.join(&href).unwrap();
        }
        rest = &rest[close..];
    }
    panic!("no link `{text}` on the page");
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = start + tag[start..].find('"')?;
    Some(
        tag[start..end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}
