//! Signing a user in through the provider's own HTML pages, for apps that
//! hold the user's password: fetch the authorization URL with a cookie
//! session, fill and submit the sign-in form, approve a consent form if one
//! comes, and stop at the redirect to the redirect URI without requesting it.
//!
//! This is the "avoid the redirect dance" of older provider tutorials. It
//! depends on the provider's pages staying as they are, so prefer the
//! authorization code flow with a browser wherever a person is present.

mod html;
#[cfg(test)]
mod proptests;

use std::fmt;

use cookie_store::CookieStore;
use http::header::{ACCEPT, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use http::{HeaderValue, Method, StatusCode};
use url::Url;
use url::form_urlencoded;

use self::html::{Button, Field, Form, Page};
use crate::client::Client;
use crate::error::{ConfigError, Error, ErrorCode, ServerError};
use crate::redact::SentSecrets;
use crate::secret::Password;
use crate::token::Token;
use crate::transport::HttpRequest;
use crate::url_policy::{check_endpoint, display_without_query, same_redirect_target};

/// The endpoint name sign-in requests carry in trace events and errors.
const ENDPOINT: &str = "sign-in";

/// Which form field a value goes in, by the field's `name`.
///
/// ```
/// use oauth_core::FieldMatcher;
///
/// assert!(FieldMatcher::name_contains("email").matches("user[email]"));
/// assert!(!FieldMatcher::name("email").matches("user[email]"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldMatcher {
    /// The name is exactly this.
    Name(String),
    /// The name contains this, ignoring ASCII case.
    NameContains(String),
}

impl FieldMatcher {
    /// Matches a field named exactly `name`.
    pub fn name(name: impl Into<String>) -> Self {
        FieldMatcher::Name(name.into())
    }

    /// Matches a field whose name contains `part`, ignoring ASCII case.
    pub fn name_contains(part: impl Into<String>) -> Self {
        FieldMatcher::NameContains(part.into())
    }

    /// Whether a field of this name matches.
    #[must_use]
    pub fn matches(&self, name: &str) -> bool {
        match self {
            FieldMatcher::Name(expected) => name == expected,
            FieldMatcher::NameContains(part) => name
                .to_ascii_lowercase()
                .contains(&part.to_ascii_lowercase()),
        }
    }
}

/// What to do when the provider asks the user to approve the app.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConsentPolicy {
    /// Press the button that approves (see
    /// [`FormLoginConfig::approve_labels`]).
    #[default]
    Approve,
    /// Stop with [`FormLoginError::ConsentRequired`]: the user must approve
    /// the app once in a browser.
    Refuse,
    /// Press the button that refuses the app (see
    /// [`FormLoginConfig::deny_labels`]): the server then sends the denial
    /// to the redirect URI, and the login ends with
    /// [`FormLoginError::ConsentDenied`] — to test how an app handles a
    /// user who says no.
    Deny,
}

/// The CSS selector of a sign-in page's error message, unless configured
/// ([`FormLoginConfig::error_selector`]).
pub const DEFAULT_ERROR_SELECTOR: &str = "[role=alert], #error, .error, .alert, .flash, \
     #error_explanation, ul.errorlist, #input-error, .kc-feedback-text, \
     .validation-summary-errors";

/// How to find and fill a provider's sign-in and consent forms.
///
/// ```
/// use oauth_core::{FieldMatcher, FormLoginConfig};
///
/// // A Rails sign-in form: `user[email]` and `user[password]`.
/// let config = FormLoginConfig::new(
///     FieldMatcher::name_contains("email"),
///     FieldMatcher::name_contains("password"),
/// )
/// .max_requests(8);
/// # let _ = config;
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FormLoginConfig {
    /// The field the login (username, email) goes in (never a hidden or
    /// password input).
    pub login_field: FieldMatcher,
    /// The field the password goes in (only ever a `type=password` input).
    pub password_field: FieldMatcher,
    /// What to do with a consent form. Default: approve.
    pub consent: ConsentPolicy,
    /// Words that mark the approving button of a consent form, matched in
    /// its label or value ignoring ASCII case. Default: `authorize`,
    /// `approve`, `allow`, `accept`, `grant`.
    pub approve_labels: Vec<String>,
    /// Words that mark the refusing button of a consent form, matched the
    /// same way; a button they match never counts as approving (`Don't
    /// allow` holds `allow`). Default: `deny`, `refuse`, `reject`,
    /// `decline`, `cancel`, `don't`, `do not`, `no thanks`.
    pub deny_labels: Vec<String>,
    /// How many requests one login may take, redirects included, before it
    /// fails with [`FormLoginError::TooManyRedirects`]. Default: 10.
    pub max_requests: usize,
    /// Hosts besides the authorization URL's origin that redirects may go
    /// to (a separate sign-in host, say). Default: none.
    pub allowed_hosts: Vec<String>,
    /// The CSS selector of the element holding a page's error message.
    /// Default: [`DEFAULT_ERROR_SELECTOR`], which finds the sign-in errors
    /// of common frameworks: ARIA alerts and Bootstrap's `.alert`
    /// (Spring Security's login page), Rails' flash and
    /// `#error_explanation`, Django's `ul.errorlist`, Keycloak's
    /// `#input-error` and `.kc-feedback-text`, ASP.NET Identity's
    /// `.validation-summary-errors`.
    pub error_selector: String,
}

impl FormLoginConfig {
    /// A configuration that puts the login and the password in the fields
    /// these match, with the defaults for the rest.
    #[must_use]
    pub fn new(login_field: FieldMatcher, password_field: FieldMatcher) -> Self {
        FormLoginConfig {
            login_field,
            password_field,
            consent: ConsentPolicy::Approve,
            approve_labels: ["authorize", "approve", "allow", "accept", "grant"]
                .into_iter()
                .map(str::to_owned)
                .collect(),
            deny_labels: [
                "deny",
                "refuse",
                "reject",
                "decline",
                "cancel",
                "don't",
                "do not",
                "no thanks",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect(),
            max_requests: 10,
            allowed_hosts: Vec::new(),
            error_selector: DEFAULT_ERROR_SELECTOR.to_owned(),
        }
    }

    /// Sets what to do with a consent form.
    #[must_use]
    pub fn consent(mut self, policy: ConsentPolicy) -> Self {
        self.consent = policy;
        self
    }

    /// Replaces the words that mark the approving button.
    #[must_use]
    pub fn approve_labels<I, S>(mut self, labels: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.approve_labels = labels.into_iter().map(Into::into).collect();
        self
    }

    /// Replaces the words that mark the refusing button.
    #[must_use]
    pub fn deny_labels<I, S>(mut self, labels: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.deny_labels = labels.into_iter().map(Into::into).collect();
        self
    }

    /// Sets how many requests one login may take.
    #[must_use]
    pub fn max_requests(mut self, max: usize) -> Self {
        self.max_requests = max;
        self
    }

    /// Allows redirects to one more host.
    #[must_use]
    pub fn allow_host(mut self, host: impl Into<String>) -> Self {
        self.allowed_hosts.push(host.into());
        self
    }

    /// Sets the CSS selector of a page's error message.
    #[must_use]
    pub fn error_selector(mut self, selector: impl Into<String>) -> Self {
        self.error_selector = selector.into();
        self
    }
}

/// Why a form login did not reach the redirect URI.
///
/// No variant holds the password, a cookie or the authorization code; URLs
/// are shown without their query.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FormLoginError {
    /// A page came where the sign-in form was expected, without one (no
    /// form with both the login and the password field).
    #[error("no sign-in form at {url}")]
    NoLoginForm {
        /// The page, without query.
        url: String,
    },
    /// The sign-in form came back after it was submitted: the login or the
    /// password was refused.
    #[error("the sign-in was refused{}", message_suffix(.message))]
    WrongCredentials {
        /// The page's error message, if it showed one.
        message: Option<String>,
    },
    /// The provider asks the user to approve the app and the configuration
    /// says not to.
    #[error("{url} asks the user to approve the app; approve it once in a browser")]
    ConsentRequired {
        /// The consent page, without query.
        url: String,
    },
    /// The redirect back to the app carried `error=access_denied`: the app
    /// was not approved.
    #[error("the authorization was denied: {0}")]
    ConsentDenied(ServerError),
    /// A page the login cannot go on from: a consent form without an
    /// approving button, or a page without any form.
    #[error("unexpected page at {url}: {reason}")]
    UnexpectedPage {
        /// The page, without query.
        url: String,
        /// What was missing.
        reason: String,
    },
    /// An error page (a status of 400 or more), such as an unregistered
    /// redirect URI or an expired form.
    #[error("{url} answered {status}{}", message_suffix(.message))]
    Rejected {
        /// The page, without query.
        url: String,
        /// Its status.
        status: StatusCode,
        /// Its error message, if it showed one.
        message: Option<String>,
    },
    /// The sign-in form would send the password with `GET` (its `method`
    /// is missing or says so), in the URL's query: it is not sent.
    #[error("the sign-in form at {url} would send the password in the URL (method GET); not sent")]
    PasswordInUrl {
        /// The form's action, without query.
        url: String,
    },
    /// More requests than [`FormLoginConfig::max_requests`] without reaching
    /// the redirect URI.
    #[error("no redirect to the redirect URI after {limit} requests")]
    TooManyRedirects {
        /// The limit.
        limit: usize,
    },
    /// A redirect to a host that is neither the authorization server's nor
    /// an allowed one.
    #[error("redirect to unexpected host {url}")]
    UnexpectedHost {
        /// Where it pointed, without query.
        url: String,
    },
    /// The OAuth side failed: transport, an insecure URL, configuration,
    /// the callback's checks or the code exchange.
    #[error(transparent)]
    OAuth(#[from] Error),
}

fn message_suffix(message: &Option<String>) -> String {
    message
        .as_ref()
        .map_or_else(String::new, |m| format!(": {m}"))
}

/// Signs users in through a provider's HTML forms, for apps that hold the
/// user's password: it fetches the authorization URL with a cookie session,
/// fills and submits the sign-in form, approves a consent form if one
/// comes, and stops at the redirect to the redirect URI without requesting
/// it. It depends on the provider's pages staying as they are, so prefer
/// the authorization code flow with a browser wherever a person is present.
///
/// ```
/// # #[cfg(any(feature = "reqwest", feature = "hyper"))]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let sandbox = oauth_sandbox::Sandbox::builder()
/// #     .client(oauth_sandbox::ClientConfig::confidential("my-client-id", "my-client-secret")
/// #         .redirect_uri("https://app.example.com/callback"))
/// #     .user(oauth_sandbox::UserConfig::new("alice", "wonderland"))
/// #     .start().await?;
/// # let provider = oauth_core::GenericProvider::new(
/// #     sandbox.authorization_endpoint().as_str(), sandbox.token_endpoint().as_str())?;
/// # let client = oauth_core::Client::builder(provider, "my-client-id")
/// #     .client_secret("my-client-secret")
/// #     .redirect_uri("https://app.example.com/callback").build()?;
/// use oauth_core::{FieldMatcher, FormLogin, FormLoginConfig, Password};
///
/// let login = FormLogin::new(FormLoginConfig::new(
///     FieldMatcher::name("username"),
///     FieldMatcher::name("password"),
/// ));
/// let token = login
///     .login(&client, &["profile"], "alice", &Password::new("wonderland"))
///     .await?;
/// assert!(token.refresh_token().is_some());
/// # Ok(()) }
/// # #[cfg(not(any(feature = "reqwest", feature = "hyper")))] fn main() {}
/// ```
#[derive(Clone, Debug)]
pub struct FormLogin {
    config: FormLoginConfig,
}

impl FormLogin {
    /// A form login with this configuration.
    #[must_use]
    pub fn new(config: FormLoginConfig) -> Self {
        FormLogin { config }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &FormLoginConfig {
        &self.config
    }

    /// Runs the authorization code flow with these scopes, signing the user
    /// in through the forms, and exchanges the code.
    ///
    /// # Errors
    /// As [`FormLogin::sign_in`]; then those of the callback's checks and
    /// the code exchange as [`FormLoginError::OAuth`].
    pub async fn login(
        &self,
        client: &Client,
        scopes: &[&str],
        login: &str,
        password: &Password,
    ) -> Result<Token, FormLoginError> {
        let (url, pending) = client
            .authorization_url()
            .scopes(scopes.iter().copied())
            .build()?;
        let callback = self.sign_in(client, &url, login, password).await?;
        Ok(client.exchange_callback(pending, callback.as_str()).await?)
    }

    /// Fetches `authorization_url` and walks the pages until a redirect
    /// points at the client's redirect URI; returns that URL (with `code`
    /// and `state`) without requesting it, for
    /// [`Client::exchange_callback`].
    ///
    /// Cookies are kept for the walk; redirects are followed only to the
    /// authorization URL's origin and the allowed hosts; every URL must be
    /// `https` (or `http` on loopback).
    ///
    /// # Errors
    /// [`FormLoginError::NoLoginForm`], [`WrongCredentials`],
    /// [`ConsentRequired`], [`ConsentDenied`], [`UnexpectedPage`],
    /// [`Rejected`], [`TooManyRedirects`], [`UnexpectedHost`]; transport,
    /// URL and configuration errors as [`FormLoginError::OAuth`], and
    /// [`Error::AuthorizationDenied`] in it when the redirect carries an
    /// error other than `access_denied`.
    ///
    /// [`WrongCredentials`]: FormLoginError::WrongCredentials
    /// [`ConsentRequired`]: FormLoginError::ConsentRequired
    /// [`ConsentDenied`]: FormLoginError::ConsentDenied
    /// [`UnexpectedPage`]: FormLoginError::UnexpectedPage
    /// [`Rejected`]: FormLoginError::Rejected
    /// [`TooManyRedirects`]: FormLoginError::TooManyRedirects
    /// [`UnexpectedHost`]: FormLoginError::UnexpectedHost
    pub async fn sign_in(
        &self,
        client: &Client,
        authorization_url: &Url,
        login: &str,
        password: &Password,
    ) -> Result<Url, FormLoginError> {
        let redirect_uri =
            client
                .redirect_uri()
                .ok_or(Error::Config(ConfigError::NoRedirectUri {
                    needed_by: "a form login",
                }))?;
        let mut walk = Walk {
            config: &self.config,
            client,
            origin: authorization_url.origin(),
            jar: CookieStore::new(),
            signed_in: false,
            consented: false,
        };
        let mut next = Step::get(authorization_url.clone());
        for _ in 0..self.config.max_requests {
            let response = walk.send(&next).await?;
            let status = response.status();
            if status.is_redirection() {
                let location = walk.location(&next.url, &response)?;
                if same_redirect_target(redirect_uri, &location) {
                    return callback(location);
                }
                walk.check_host(&location)?;
                next = if matches!(
                    status,
                    StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
                ) {
                    Step {
                        url: location,
                        ..next
                    }
                } else {
                    Step::get(location)
                };
                continue;
            }
            // A page may quote the password it was sent; masked in all its
            // spellings before anything shows the page's message.
            let mut sent = SentSecrets::new();
            sent.add(password.secret());
            let page = html::parse_masking(
                response.body(),
                &next.url,
                &self.config.error_selector,
                &sent.values(),
            );
            if status.as_u16() >= 400 {
                return Err(FormLoginError::Rejected {
                    url: display_without_query(&next.url),
                    status,
                    message: page.message,
                });
            }
            next = walk.next_step(&next.url, page, login, password)?;
        }
        Err(FormLoginError::TooManyRedirects {
            limit: self.config.max_requests,
        })
    }
}

/// Checks the redirect back to the app: an `error` there is the user's (or
/// the server's) refusal.
fn callback(location: Url) -> Result<Url, FormLoginError> {
    let mut error = None;
    let mut description = None;
    let mut uri = None;
    for (name, value) in location.query_pairs() {
        match name.as_ref() {
            "error" => error = Some(value.into_owned()),
            "error_description" => description = Some(value.into_owned()),
            "error_uri" => uri = Some(value.into_owned()),
            _ => {}
        }
    }
    let Some(error) = error else {
        return Ok(location);
    };
    let error = ServerError::from_wire(&error, description.as_deref(), uri.as_deref());
    if error.error == ErrorCode::AccessDenied {
        Err(FormLoginError::ConsentDenied(error))
    } else {
        Err(Error::AuthorizationDenied(error).into())
    }
}

/// One request of the walk. The body may hold the password: it is never
/// shown.
struct Step {
    method: Method,
    url: Url,
    form: Option<String>,
}

impl Step {
    fn get(url: Url) -> Self {
        Step {
            method: Method::GET,
            url,
            form: None,
        }
    }
}

/// The state of one login: the cookie jar and how far it got.
struct Walk<'a> {
    config: &'a FormLoginConfig,
    client: &'a Client,
    origin: url::Origin,
    jar: CookieStore,
    signed_in: bool,
    consented: bool,
}

impl Walk<'_> {
    async fn send(
        &mut self,
        step: &Step,
    ) -> Result<crate::transport::HttpResponse, FormLoginError> {
        check_endpoint(&step.url)?;
        let request = self.request(step)?;
        let response = self.client.send_to(ENDPOINT, request).await?;
        for value in response.headers().get_all(SET_COOKIE) {
            if let Ok(value) = value.to_str() {
                // A cookie the jar refuses (bad domain, say) is left out, as
                // a browser would.
                let _ = self.jar.parse(value, &step.url);
            }
        }
        Ok(response)
    }

    fn request(&self, step: &Step) -> Result<HttpRequest, Error> {
        let mut builder = http::Request::builder()
            .method(step.method.clone())
            .header(ACCEPT, "text/html,application/xhtml+xml");
        let mut url = step.url.clone();
        let body = match (&step.method, &step.form) {
            (&Method::GET, Some(form)) => {
                url.set_query(Some(form));
                Vec::new()
            }
            (_, Some(form)) => {
                builder = builder.header(CONTENT_TYPE, "application/x-www-form-urlencoded");
                form.clone().into_bytes()
            }
            (_, None) => Vec::new(),
        };
        let cookies: Vec<String> = self
            .jar
            .get_request_values(&url)
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        if !cookies.is_empty() {
            let mut value = HeaderValue::try_from(cookies.join("; "))
                .map_err(|_| ConfigError::InvalidHeader("a cookie"))?;
            value.set_sensitive(true);
            builder = builder.header(COOKIE, value);
        }
        builder.uri(url.as_str()).body(body).map_err(|e| {
            ConfigError::InvalidRequest(format!("{}: {e}", display_without_query(&url))).into()
        })
    }

    fn location(
        &self,
        from: &Url,
        response: &crate::transport::HttpResponse,
    ) -> Result<Url, FormLoginError> {
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| from.join(v).ok());
        location.ok_or_else(|| FormLoginError::UnexpectedPage {
            url: display_without_query(from),
            reason: format!("a {} redirect without a valid location", response.status()),
        })
    }

    fn check_host(&self, url: &Url) -> Result<(), FormLoginError> {
        let allowed = url.origin() == self.origin
            || url.host_str().is_some_and(|host| {
                self.config
                    .allowed_hosts
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(host))
            });
        if allowed {
            Ok(())
        } else {
            Err(FormLoginError::UnexpectedHost {
                url: display_without_query(url),
            })
        }
    }

    /// What to submit on a page that is not a redirect.
    fn next_step(
        &mut self,
        url: &Url,
        page: Page,
        login: &str,
        password: &Password,
    ) -> Result<Step, FormLoginError> {
        if let Some(form) = page.forms.iter().find(|f| self.is_login_form(f)) {
            if self.signed_in {
                return Err(FormLoginError::WrongCredentials {
                    message: page.message,
                });
            }
            if form.method == Method::GET {
                // A browser would put the password in the URL, where
                // servers, proxies and histories log it.
                return Err(FormLoginError::PasswordInUrl {
                    url: display_without_query(&form.action),
                });
            }
            self.signed_in = true;
            let step = self.submit(form, None, |field| {
                if self.is_password_field(field) {
                    Some(password.secret())
                } else if self.is_login_field(field) {
                    Some(login)
                } else {
                    None
                }
            });
            return self.checked(step);
        }
        if !self.signed_in {
            return Err(FormLoginError::NoLoginForm {
                url: display_without_query(url),
            });
        }
        if page.forms.is_empty() {
            return Err(FormLoginError::UnexpectedPage {
                url: display_without_query(url),
                reason: "no form and no redirect after signing in".into(),
            });
        }
        if self.config.consent == ConsentPolicy::Refuse {
            return Err(FormLoginError::ConsentRequired {
                url: display_without_query(url),
            });
        }
        if self.consented {
            return Err(FormLoginError::UnexpectedPage {
                url: display_without_query(url),
                reason: "the consent form came back after it was approved".into(),
            });
        }
        let deny = self.config.consent == ConsentPolicy::Deny;
        let chosen = page.forms.iter().find_map(|form| {
            form.buttons
                .iter()
                .find(|b| {
                    if deny {
                        self.denies(b)
                    } else {
                        self.approves(b)
                    }
                })
                .map(|button| (form, button))
        });
        let Some((form, button)) = chosen else {
            let which = if deny { "refuses" } else { "approves" };
            return Err(FormLoginError::UnexpectedPage {
                url: display_without_query(url),
                reason: format!("a form without a button that {which} the app"),
            });
        };
        self.consented = true;
        let step = self.submit(form, Some(button), |_| None);
        self.checked(step)
    }

    fn is_login_form(&self, form: &Form) -> bool {
        form.fields.iter().any(|f| self.is_password_field(f))
            && form.fields.iter().any(|f| self.is_login_field(f))
    }

    /// The password goes only in a password input, whatever else matches
    /// (a hidden `password_reset_token`, say).
    fn is_password_field(&self, field: &Field) -> bool {
        field.kind == "password" && self.config.password_field.matches(&field.name)
    }

    /// The login goes only in a visible field.
    fn is_login_field(&self, field: &Field) -> bool {
        !matches!(field.kind.as_str(), "hidden" | "password")
            && self.config.login_field.matches(&field.name)
    }

    /// A button that approves: one of the approving words, and none of
    /// the refusing ones.
    fn approves(&self, button: &Button) -> bool {
        labelled(button, &self.config.approve_labels) && !self.denies(button)
    }

    fn denies(&self, button: &Button) -> bool {
        labelled(button, &self.config.deny_labels)
    }

    /// The request a browser makes when `form` is submitted with `button`
    /// (else its first submit button), with `fill` giving new values.
    fn submit<'v>(
        &self,
        form: &'v Form,
        button: Option<&'v Button>,
        fill: impl Fn(&Field) -> Option<&'v str>,
    ) -> Step {
        let mut encoded = form_urlencoded::Serializer::new(String::new());
        for field in &form.fields {
            let value = fill(field).unwrap_or(&field.value);
            encoded.append_pair(&field.name, value);
        }
        if let Some(button) = button.or_else(|| form.buttons.first())
            && let Some(name) = &button.name
        {
            encoded.append_pair(name, &button.value);
        }
        Step {
            method: form.method.clone(),
            url: form.action.clone(),
            form: Some(encoded.finish()),
        }
    }

    /// A form may only be sent where a redirect may go.
    fn checked(&self, step: Step) -> Result<Step, FormLoginError> {
        self.check_host(&step.url)?;
        Ok(step)
    }
}

impl fmt::Debug for Walk<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The jar holds session cookies: never shown.
        f.debug_struct("Walk")
            .field("signed_in", &self.signed_in)
            .field("consented", &self.consented)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;

/// Whether one of `words` is in the button's label or value, ignoring
/// ASCII case.
fn labelled(button: &Button, words: &[String]) -> bool {
    let label = button.label.to_ascii_lowercase();
    let value = button.value.to_ascii_lowercase();
    words.iter().any(|word| {
        let word = word.to_ascii_lowercase();
        label.contains(&word) || value.contains(&word)
    })
}
