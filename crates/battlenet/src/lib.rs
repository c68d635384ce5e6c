//! Battle.net (Blizzard) OAuth 2.0 client and API access, built on
//! [`oauth_core`].
//!
//! Both workflows of the original `battlenet_client` tutorial, with tokens
//! that renew themselves, typed errors, and locales and namespaces checked
//! before any request. The examples below run against an
//! [`oauth-sandbox`](https://docs.rs/oauth-sandbox) that emulates Battle.net;
//! against the real service, drop the `oauth_base`/`api_base` lines.
//!
//! # Credential workflow
//!
//! No redirect URI: the client gets an app token on its first call (building
//! it does no I/O) and renews it when it expires.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use battlenet::{BattleNetClient, Locale, Namespace, Region};
//! # let sandbox = oauth_sandbox::Sandbox::builder()
//! #     .profile(oauth_sandbox::Profile::BattleNet)
//! #     .client(oauth_sandbox::ClientConfig::confidential("CLIENT_ID", "CLIENT_SECRET"))
//! #     .start().await?;
//!
//! let client = BattleNetClient::builder(Region::Us, "CLIENT_ID", "CLIENT_SECRET")
//! #   .oauth_base(sandbox.oauth_url().clone()).api_base(sandbox.api_url().clone())
//!     .build()?;
//! // `client.get(endpoint, locale, namespace)`, as in the tutorial.
//! let price = client
//!     .get("/data/wow/token/index", Locale::EnUs, Namespace::dynamic(Region::Us))
//!     .await?;
//! println!("a WoW token costs {} copper", price["price"]);
//! # Ok(()) }
//! ```
//!
//! # User workflow
//!
//! With a redirect URI: send the user to the authorization URL, keep the
//! pending authorization until they come back, then complete it with the
//! callback URL. The returned client calls the API as that user.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use battlenet::{BattleNetClient, Namespace};
//! # let sandbox = oauth_sandbox::Sandbox::builder()
//! #     .profile(oauth_sandbox::Profile::BattleNet)
//! #     .client(oauth_sandbox::ClientConfig::confidential("CLIENT_ID", "CLIENT_SECRET")
//! #         .redirect_uri("https://app.example/callback"))
//! #     .user(oauth_sandbox::UserConfig::new("alice", "wonderland"))
//! #     .start().await?;
//!
//! let client = BattleNetClient::builder("us".parse()?, "CLIENT_ID", "CLIENT_SECRET")
//!     .scope("openid wow.profile")
//!     .redirect_uri("https://app.example/callback")
//! #   .oauth_base(sandbox.oauth_url().clone()).api_base(sandbox.api_url().clone())
//!     .build()?;
//!
//! // 1. Redirect the user to `url`; keep `pending` server-side.
//! let (url, pending) = client.authorization_url()?;
//! # let callback = oauth_sandbox::browser::sign_in(
//! #     &url, "alice", "wonderland", oauth_sandbox::browser::Decision::Approve).await?;
//! // 2. Battle.net sends the user back to the callback URL.
//! let user = client.complete_authorization(pending, callback.as_str()).await?;
//!
//! // 3. Call the API as the user.
//! println!("signed in as {}", user.user_info().await?.battletag);
//! let profile = user
//!     .get("/profile/user/wow", None, Namespace::profile(user.region()))
//!     .await?;
//! # assert!(profile["wow_accounts"].is_array());
//! # Ok(()) }
//! ```
//!
//! # The catalogue
//!
//! [`catalogue`] lists every endpoint of the Battle.net APIs (World of
//! Warcraft and WoW Classic Game Data and Profile APIs, Diablo III,
//! Hearthstone, StarCraft II, OAuth) with its path, namespace and token,
//! and gives each an accessor. The most-used answers are typed
//! ([`documents`], unknown fields kept); the others are JSON, or your own
//! type with [`Call::json`](catalogue::Call::json).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use battlenet::{BattleNetClient, Locale, Region};
//! use futures_util::StreamExt as _;
//! # let sandbox = oauth_sandbox::Sandbox::builder()
//! #     .profile(oauth_sandbox::Profile::BattleNet)
//! #     .client(oauth_sandbox::ClientConfig::confidential("CLIENT_ID", "CLIENT_SECRET"))
//! #     .start().await?;
//!
//! let client = BattleNetClient::builder(Region::Eu, "CLIENT_ID", "CLIENT_SECRET")
//! #   .oauth_base(sandbox.oauth_url().clone()).api_base(sandbox.api_url().clone())
//!     .default_locale(Locale::EnGb)
//!     .build()?;
//!
//! // `GET /data/wow/playable-class/7?namespace=static-eu&locale=en_GB`
//! let class = client.wow().playable_class(7).await?;
//! assert_eq!(class.name.text(), Some("Shaman"));
//!
//! // `GET /profile/wow/character/tarren-mill/alicemage/equipment?namespace=profile-eu…`
//! let gear = client.wow().character("Tarren-Mill", "AliceMage").equipment().await?;
//! println!("{} items equipped", gear.equipped_items.len());
//!
//! // A search, page by page.
//! let mut pages = client.hearthstone().cards().search().filter("class", "mage").page_size(2).pages();
//! while let Some(page) = pages.next().await {
//!     let page = page?;
//!     println!("page {} of {}: {} cards", page.page, page.page_count, page.cards.len());
//! }
//! # Ok(()) }
//! ```
//!
//! # Locales, namespaces, regions
//!
//! [`Locale`] parses the loose spellings older clients accept (`enus`,
//! `en-us`) into `en_US` and checks that a region serves it; [`Namespace`]
//! builds `static-`, `dynamic-` and `profile-` namespaces, WoW Classic ones,
//! or custom ones; every [`Region`]'s hosts are data the builder can
//! override (a proxy, the sandbox, China's legacy OAuth host).
//!
//! # Errors and limits
//!
//! A 404 is [`Error::NotFound`]; a token refused with a `Bearer` challenge
//! (a missing `wow.profile` scope, say) [`Error::Refused`]; other statuses
//! [`Error::Api`]; bad input
//! [`Error::Input`] before any I/O. 429 answers are retried after
//! `Retry-After`; [`BattleNetClientBuilder::rate_limit`] keeps a busy job
//! under the 100 requests per second quota. A 401 on the app token fetches
//! a fresh one and retries once.
//!
//! # Feature flags
//! - `reqwest` (default): oauth-core's reqwest transport.
//! - `hyper`: oauth-core's hyper transport.
//! - `cache` (default): [`BattleNetClientBuilder::cache`], a response cache
//!   by HTTP's rules (oauth-core's `cache`): game data asked for again is
//!   served from it while fresh and revalidated with a `304` after.
//! - `openid` (default): the user workflow with the `openid` scope
//!   verifies Battle.net's ID token (its signature with the keys of the
//!   OAuth host's JWKS, fetched again once on an unknown key; issuer,
//!   audience, expiry, and the nonce the authorization URL carried), and
//!   the user's client keeps its claims
//!   ([`BattleNetClient::id_token_claims`]).
//! - `fleet`: `BattleNetClientBuilder::fleet` (with `cache`), the app
//!   token shared by a fleet's workers on Redis and renewed by one at a
//!   time (oauth-core's `redis-store`, with its `redis-cache` for a shared
//!   response cache and `RateLimiter::fleet` for a shared rate budget).
//! - `blocking`: [`blocking::BattleNetClient`], a blocking client for
//!   scripts (its own runtime on a background thread), and `wait()` on
//!   every catalogue call.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

#[cfg(feature = "blocking")]
pub mod blocking;
pub mod catalogue;
mod client;
pub mod documents;
mod error;
mod locale;
mod models;
mod namespace;
mod provider;
mod region;
mod request;

#[cfg(test)]
mod proptests;

pub use oauth_core;

pub use crate::client::{ApiRequest, BattleNetClient, BattleNetClientBuilder};
pub use crate::error::{Error, InputError, Problem};
pub use crate::locale::Locale;
pub use crate::models::{TokenInfo, UserInfo};
pub use crate::namespace::{Namespace, NamespaceKind};
pub use crate::provider::{BattleNetProvider, Hosts};
pub use crate::region::Region;
pub use crate::request::NamespacePlacement;
