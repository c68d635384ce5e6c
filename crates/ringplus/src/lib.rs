//! RingPlus OAuth 2.0 client and API, built on [`oauth_core`].
//!
//! The crate follows RingPlus's authentication tutorial: an
//! [`OAuthHandler`] made of the app's client id, client secret and
//! redirect URI gives the URL to send the user to, fetches the token from
//! the URL RingPlus redirects back to, keeps the token and refreshes it.
//! Its [`Api`] then calls every RingPlus endpoint with typed answers.
//!
//! Unlike the Python original, the handler checks the `state` it sent
//! (and a PKCE verifier), keeps the token it fetched, checks the status of
//! every answer, and refreshes the token before it expires.
//!
//! # The tutorial, step by step
//!
//! RingPlus's API is no longer online, so this example runs against the
//! RingPlus emulation of [`oauth-sandbox`](https://docs.rs/oauth-sandbox);
//! for the real service, leave out the `oauth_base`, `api_base` and
//! `transport` lines.
//!
//! ```
//! # use oauth_sandbox::{browser, ClientConfig, Profile, Sandbox, UserConfig};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let redirect_uri = "https://www.ringplus.net/callback";
//! # let sandbox = Sandbox::builder()
//! #     .profile(Profile::RingPlus)
//! #     .client(ClientConfig::confidential("client-id", "client-secret").redirect_uri(redirect_uri))
//! #     .user(UserConfig::new("ann@example.com", "secret"))
//! #     .start()
//! #     .await?;
//! use ringplus::OAuthHandler;
//!
//! // Create the handler with the app's id, secret and exact redirect URI.
//! let auth = OAuthHandler::builder("client-id", "client-secret", "https://www.ringplus.net/callback")
//!     .oauth_base(sandbox.oauth_url().as_str())
//!     .api_base(sandbox.api_url().as_str())
//!     .build()?;
//!
//! // 1. Direct the user to request RingPlus access.
//! let auth_url = auth.authorization_url()?;
//!
//! // 2. RingPlus redirects the user to the redirect URI with a code.
//! # let final_redirected_url =
//! #     browser::sign_in(&auth_url, "ann@example.com", "secret", browser::Decision::Approve).await?;
//!
//! // 3. Exchange the code for a token, which the handler keeps.
//! auth.fetch_token(final_redirected_url.as_str()).await?;
//! let token = auth.token().expect("fetch_token keeps the token");
//! println!("valid for {:?}", token.expires_in()); // 24 hours
//!
//! // The handler is ready for API calls.
//! let accounts = auth.api().accounts().await?;
//! println!("{} has {} account(s)", accounts[0].phone_number, accounts.len());
//!
//! // Tokens last 24 hours; refresh whenever you like (API calls also
//! // refresh by themselves shortly before expiry).
//! auth.refresh_token().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Avoiding the redirect dance
//!
//! With the `login` feature, `OAuthHandler::login(email, password)` signs
//! the user in through RingPlus's own sign-in and consent pages, without a
//! browser, and fetches the token. It is as fragile as the tutorial warns
//! (it depends on RingPlus's pages), and every way it fails is a typed
//! error: refused credentials, no sign-in form, consent required or denied,
//! a redirect loop, a redirect to an unexpected host.
//!
//! The token serialises with serde: save [`OAuthHandler::token`] and give
//! it back with [`OAuthHandlerBuilder::token`] so the user need not sign in
//! on every run.
//!
//! # Provider facts
//! The hosts and paths are data with defaults ([`DEFAULT_OAUTH_BASE`],
//! [`DEFAULT_API_BASE`], [`AUTHORIZE_PATH`], [`TOKEN_PATH`],
//! [`MEDIA_TYPE`]), overridable on the [builder](OAuthHandlerBuilder).
//!
//! # Feature flags
//! - `reqwest` (default): oauth-core's reqwest transport.
//! - `hyper`: oauth-core's hyper transport.
//! - `login`: `OAuthHandler::login`, signing in with an email and a
//!   password through RingPlus's own pages, without a browser. It compiles
//!   an HTML parser and a cookie jar (oauth-core's `form-login`), which
//!   builds without it never do.
//! - `blocking`: [`blocking::OAuthHandler`] and [`blocking::Api`], every
//!   method of the handler and the API for scripts without async (a
//!   runtime of their own on a background thread).
//! - `cache`: `OAuthHandlerBuilder::cache`, a response cache by HTTP's
//!   rules (oauth-core's `cache`), its answers kept for the handler's own
//!   user.
//! - `fleet`: `OAuthHandlerBuilder::fleet`, a user's token kept on Redis
//!   and shared by a fleet's workers, refreshed by one at a time so the
//!   refresh token RingPlus rotates to is never lost (oauth-core's
//!   `redis-store`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
#[cfg(feature = "blocking")]
pub mod blocking;
mod error;
mod handler;
mod provider;

pub use oauth_core;
pub use time;

pub use crate::api::{
    Account, AccountId, AccountRegistration, AccountRegistrationRequest,
    AccountRegistrationRequestId, AccountUpdate, Api, CarrierService, DeviceChangeRequest,
    DeviceChangeRequestId, Direction, FluidcallCredentials, Page, PageMeta, Pages, PhoneCall,
    PhoneData, PhoneNumberChangeRequest, PhoneNumberChangeRequestId, PhoneText, RateLimit,
    RequestStatus, UsageQuery, User, UserId, UserUpdate, VoicemailBoxId, VoicemailMessage,
    VoicemailMessageId,
};
pub use crate::error::{ApiError, ApiErrorBody, Error, FieldError, FieldErrorCode};
pub use crate::handler::{OAuthHandler, OAuthHandlerBuilder};
#[cfg(feature = "login")]
pub use crate::provider::form_login_config;
pub use crate::provider::{
    AUTHORIZE_PATH, DEFAULT_API_BASE, DEFAULT_OAUTH_BASE, MEDIA_TYPE, RingPlusProvider, TOKEN_PATH,
};
pub use oauth_core::{Password, Token};
