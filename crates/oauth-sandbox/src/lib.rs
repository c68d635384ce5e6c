//! A real OAuth 2.0 authorization server on loopback that emulates
//! Battle.net, RingPlus and a generic provider, so OAuth clients are tested
//! offline against real HTTP.
//!
//! A [`Sandbox`] binds two listeners on `127.0.0.1` with ports the OS
//! picks: the authorization server ([`Sandbox::oauth_url`]) and the
//! resource API ([`Sandbox::api_url`]), each its own origin. It implements
//! what a client relies on, for real:
//!
//! - the authorization endpoint (RFC 6749 §4.1, PKCE per RFC 7636) with a
//!   plain-HTML sign-in page (CSRF token bound to a cookie session) and a
//!   consent page, usable by a person in a browser or by the scripted
//!   [`browser`];
//! - the token endpoint: authorization code (single use, 60 s, bound to
//!   client, redirect URI and verifier; a replay revokes what the code
//!   issued), client credentials, refresh (with or without rotation) and
//!   password, with HTTP Basic (RFC 6749 §2.3.1 encoding) or body client
//!   authentication and §5.2 errors;
//! - bearer-protected resources (RFC 6750), revocation (RFC 7009),
//!   introspection (RFC 7662), RFC 8414 metadata and OpenID discovery;
//! - each [`Profile`]'s own paths, answer shapes and API: Battle.net's
//!   namespaces, locales, `check_token` and rate limit; RingPlus's Rails
//!   sign-in form, `Accept: application/vnd.ringplus.v1` API and error
//!   shapes.
//!
//! Tests read the [request log](Sandbox::requests) to assert exactly what a
//! client sent, [move the clock](Sandbox::advance) to expire codes and
//! tokens without sleeping, and [inject faults](Sandbox::inject): error
//! statuses, delays, truncated or invalid bodies, closed connections,
//! redirects, oversized answers and bent token answers.
//!
//! Sandboxes share nothing, so tests run in parallel. The server tasks run
//! on the caller's tokio runtime and stop when the [`Sandbox`] is dropped.
//!
//! # Example
//!
//! ```
//! use oauth_sandbox::browser::{self, Decision};
//! use oauth_sandbox::{ClientConfig, Profile, Sandbox, UserConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::builder()
//!     .profile(Profile::Generic)
//!     .client(
//!         ClientConfig::confidential("my-app", "s3cret")
//!             .redirect_uri("http://127.0.0.1:9/callback"),
//!     )
//!     .user(UserConfig::new("alice", "wonderland"))
//!     .start()
//!     .await?;
//!
//! // The URL a client would send the user to.
//! let mut authorize = sandbox.authorization_endpoint();
//! authorize
//!     .query_pairs_mut()
//!     .append_pair("response_type", "code")
//!     .append_pair("client_id", "my-app")
//!     .append_pair("redirect_uri", "http://127.0.0.1:9/callback")
//!     .append_pair("scope", "openid profile")
//!     .append_pair("state", "xyz");
//!
//! // Sign in and approve, as a person would; stop at the redirect.
//! let callback = browser::sign_in(&authorize, "alice", "wonderland", Decision::Approve).await?;
//! assert!(callback.as_str().starts_with("http://127.0.0.1:9/callback?code="));
//! assert!(callback.query_pairs().any(|(k, v)| k == "state" && v == "xyz"));
//!
//! // Authorize, sign-in page, sign-in, authorize again, consent page, consent.
//! assert_eq!(sandbox.requests().len(), 6);
//! // The client would now exchange the code at `sandbox.token_endpoint()`.
//! # Ok(())
//! # }
//! ```
//!
//! # Endpoints
//!
//! | profile | OAuth listener | API listener |
//! |---|---|---|
//! | [`Profile::Generic`] | `/authorize`, `/token`, `/userinfo`, `/revoke`, `/introspect`, `/.well-known/openid-configuration`, `/.well-known/oauth-authorization-server`, `/jwks/certs`, `/login`, `/consent` | `GET /api/me`, `POST /api/echo`, `GET /api/scope/{scope}` (403 unless the token has that scope) |
//! | [`Profile::BattleNet`] | `/authorize`, `/token` (also under `/oauth/`), `/userinfo`, `/oauth/userinfo`, `/check_token`, `/oauth/check_token`, `/.well-known/openid-configuration`, `/jwks/certs`, `/login`, `/consent` | the whole catalogue of Battle.net's API (World of Warcraft and WoW Classic, Diablo III, Hearthstone, StarCraft II; 281 endpoints, see below); `GET` only |
//! | [`Profile::RingPlus`] | `/oauth/authorize` (GET: consent page, POST: decision), `/oauth/token`, `/oauth/revoke`, `/oauth/token/info`, `/users/sign_in` | the RingPlus v1 API, see below |
//!
//! The Battle.net API serves every endpoint of `battlenet_routes.txt` (a
//! table from Blizzard's API documentation) in every region's namespace:
//! it checks the namespace kind (and a WoW Classic release where the
//! endpoint is Classic's), the locale, and a user token with the named
//! scope where one is needed (`/profile/user/wow…`: `wow.profile`), and
//! answers with small fixtures shaped like Blizzard's documents (the WoW
//! token, playable classes, races and specializations, realms, connected
//! realms, items, media, a character's profile, equipment and media,
//! Hearthstone cards) or an id, a name and a link for the rest. Searches
//! page (`_page`, `_pageSize` for World of Warcraft, seven results in
//! all; `page`, `pageSize`, `class`, `manaCost` for Hearthstone cards).
//! Every answer carries `Cache-Control`, `ETag` and `Last-Modified`, and a
//! request with a matching `If-None-Match` or `If-Modified-Since` gets
//! `304 Not Modified`. Any other method than `GET` is `405` with
//! `Allow: GET`: Battle.net's only POSTs are the OAuth host's `token` and
//! `check_token`.
//!
//! The RingPlus API answers `GET /users`, `GET|PUT /users/{id}`,
//! `GET /users/{id}/accounts`, `GET /accounts`, `GET|PUT /accounts/{id}`,
//! `POST /users/{id}/account_registration_requests`,
//! `POST /accounts/{id}/device_change_requests`,
//! `POST /accounts/{id}/phone_number_change_requests`, `GET` of each
//! request by id (`pending`, then `completed` after 30 s of sandbox time),
//! `GET /accounts/{id}/enforced_carrier_services`,
//! `GET /accounts/{id}/fluidcall_credentials`,
//! `GET /accounts/{id}/phone_calls|phone_texts|phone_data` (`start_date`,
//! `end_date`, `page`, `per_page`), `GET /voicemail_boxes/{id}/voicemail_messages`
//! and `DELETE /voicemail_messages/{id}`. Every user is seeded with one
//! account (id `2001 + n` for the n-th user, voicemail box `4001 + n`),
//! five calls, four texts and three days of data in March 2015, and three
//! voicemail messages.
//!
//! # Clocks
//!
//! Code and token expiry, rate-limit windows and RingPlus request status
//! follow the sandbox clock: real time plus every [`Sandbox::advance`]. The
//! rate limit counts requests per client in each whole second of that
//! clock, so advancing by a second opens a new window. [`Fault::Delay`]
//! sleeps in real time.
//!
//! # Feature flags
//!
//! None: the crate always builds the server, the scripted browser and the
//! `oauth-sandbox` binary (`cargo run -p oauth-sandbox -- --help`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

mod api;
mod assertion;
mod battlenet;
mod battlenet_docs;
mod battlenet_routes;
pub mod browser;
mod config;
mod fault;
mod oauth;
mod pages;
pub mod proxy;
mod record;
pub mod redis;
mod ringplus;
mod sandbox;
mod server;
mod service;
mod signing;
pub mod skip;
mod state;
mod token;
mod wire;

pub use config::{ClientAuth, ClientConfig, Grant, Profile, UserConfig};
pub use fault::{Fault, FaultRule, TokenQuirk};
pub use record::{Listener, RecordedRequest};
pub use sandbox::{Sandbox, SandboxBuilder};

pub use http;
pub use url;

/// The Battle.net API routes the sandbox serves, as its table file holds
/// them: one a line, `NAMESPACE TOKEN PAGING PATH` (see the file's
/// header), `#` comments. For client crates that check their own
/// catalogue against what the sandbox serves.
pub const BATTLENET_ROUTES: &str = include_str!("battlenet_routes.txt");
