//! A blocking RingPlus handler and API for scripts (feature `blocking`):
//! every method of [`crate::OAuthHandler`] and [`crate::Api`], each
//! waiting for its answer on a runtime of its own on a background thread,
//! as `reqwest::blocking` does it.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # // The sandbox's server runs on a runtime of its own threads.
//! # let server = tokio::runtime::Runtime::new()?;
//! # let redirect_uri = "https://www.ringplus.net/callback";
//! # let sandbox = server.block_on(
//! #     oauth_sandbox::Sandbox::builder()
//! #         .profile(oauth_sandbox::Profile::RingPlus)
//! #         .client(oauth_sandbox::ClientConfig::confidential("client-id", "client-secret").redirect_uri(redirect_uri))
//! #         .user(oauth_sandbox::UserConfig::new("ann@example.com", "secret"))
//! #         .start(),
//! # )?;
//! use ringplus::blocking::OAuthHandler;
//!
//! let auth = OAuthHandler::builder("client-id", "client-secret", "https://www.ringplus.net/callback")
//! #   .with(|b| b.oauth_base(sandbox.oauth_url().as_str()).api_base(sandbox.api_url().as_str()))
//!     .build()?;
//! let auth_url = auth.authorization_url()?;        // send the user here
//! # let final_redirected_url = server.block_on(oauth_sandbox::browser::sign_in(
//! #     &auth_url, "ann@example.com", "secret", oauth_sandbox::browser::Decision::Approve))?;
//! auth.fetch_token(final_redirected_url.as_str())?; // no await
//! println!("{:?}", auth.token());
//! for account in auth.api().accounts()? {
//!     println!("{}", account.phone_number);
//! }
//! # Ok(()) }
//! ```
//!
//! Calling a blocking method from inside an async runtime panics with a
//! message saying so: there, use the async handler.

use oauth_core::ConfigError;
use std::fmt;
use std::future::Future;

use oauth_core::blocking::Runtime;
use oauth_core::url::Url;
use oauth_core::{Client, PendingAuthorization, Session, Token};
use serde::de::DeserializeOwned;

use crate::api::{
    Account, AccountId, AccountRegistration, AccountRegistrationRequest,
    AccountRegistrationRequestId, AccountUpdate, CarrierService, DeviceChangeRequest,
    DeviceChangeRequestId, FluidcallCredentials, Page, PhoneCall, PhoneData,
    PhoneNumberChangeRequest, PhoneNumberChangeRequestId, PhoneText, RateLimit, UsageQuery, User,
    UserId, UserUpdate, VoicemailBoxId, VoicemailMessage, VoicemailMessageId,
};
use crate::error::Error;

/// Starts the blocking runtime, as a configuration error when it cannot.
fn runtime() -> Result<Runtime, Error> {
    Runtime::new().map_err(|e| {
        Error::from(oauth_core::Error::from(ConfigError::Environment {
            what: "start the blocking runtime",
            source: oauth_core::Cause::new(e),
        }))
    })
}

/// The blocking twin of [`crate::OAuthHandler`]. Cheap to clone; clones
/// share the token and the runtime.
#[derive(Clone)]
pub struct OAuthHandler {
    handler: crate::OAuthHandler,
    runtime: Runtime,
}

impl fmt::Debug for OAuthHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthHandler")
            .field("handler", &self.handler)
            .finish_non_exhaustive()
    }
}

/// Builds a blocking handler from the async builder's options.
#[derive(Debug)]
#[must_use = "call `build` to get the handler"]
pub struct OAuthHandlerBuilder(crate::OAuthHandlerBuilder);

impl OAuthHandlerBuilder {
    /// Any option of the async builder:
    /// `.with(|b| b.scope("read").pkce(false))`.
    pub fn with(
        self,
        options: impl FnOnce(crate::OAuthHandlerBuilder) -> crate::OAuthHandlerBuilder,
    ) -> Self {
        OAuthHandlerBuilder(options(self.0))
    }

    /// The handler, with its runtime started.
    ///
    /// # Errors
    /// As [`crate::OAuthHandlerBuilder::build`], or when the runtime
    /// cannot start.
    pub fn build(self) -> Result<OAuthHandler, Error> {
        Ok(OAuthHandler {
            handler: self.0.build()?,
            runtime: runtime()?,
        })
    }
}

impl OAuthHandler {
    /// As [`crate::OAuthHandler::new`], the tutorial's constructor.
    ///
    /// # Errors
    /// As [`crate::OAuthHandler::new`].
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Result<Self, Error> {
        Self::builder(client_id, client_secret, redirect_uri).build()
    }

    /// Starts building a handler.
    pub fn builder(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> OAuthHandlerBuilder {
        OAuthHandlerBuilder(crate::OAuthHandler::builder(
            client_id,
            client_secret,
            redirect_uri,
        ))
    }

    /// A blocking handler around an async one.
    ///
    /// # Errors
    /// When the runtime cannot start.
    pub fn from_async(handler: crate::OAuthHandler) -> Result<Self, Error> {
        Ok(OAuthHandler {
            handler,
            runtime: runtime()?,
        })
    }

    /// The async handler underneath, for code that has a runtime.
    #[must_use]
    pub fn async_handler(&self) -> &crate::OAuthHandler {
        &self.handler
    }

    fn wait<T, F>(&self, call: impl FnOnce(crate::OAuthHandler) -> F) -> T
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.runtime.block_on(call(self.handler.clone()))
    }

    /// See [`crate::OAuthHandler::client`].
    #[must_use]
    pub fn client(&self) -> &Client {
        self.handler.client()
    }

    /// See [`crate::OAuthHandler::session`].
    #[must_use]
    pub fn session(&self) -> &Session {
        self.handler.session()
    }

    /// See [`crate::OAuthHandler::api_base`].
    #[must_use]
    pub fn api_base(&self) -> &Url {
        self.handler.api_base()
    }

    /// See [`crate::OAuthHandler::authorization_url`] (no I/O).
    ///
    /// # Errors
    /// As [`crate::OAuthHandler::authorization_url`].
    pub fn authorization_url(&self) -> Result<Url, Error> {
        self.handler.authorization_url()
    }

    /// See [`crate::OAuthHandler::authorization_request`] (no I/O).
    ///
    /// # Errors
    /// As [`crate::OAuthHandler::authorization_request`].
    pub fn authorization_request(&self) -> Result<(Url, PendingAuthorization), Error> {
        self.handler.authorization_request()
    }

    /// See [`crate::OAuthHandler::fetch_token`].
    ///
    /// # Errors
    /// As [`crate::OAuthHandler::fetch_token`].
    pub fn fetch_token(&self, final_redirected_url: &str) -> Result<Token, Error> {
        let url = final_redirected_url.to_owned();
        self.wait(|h| async move { h.fetch_token(&url).await })
    }

    /// See [`crate::OAuthHandler::fetch_token_with`].
    ///
    /// # Errors
    /// As [`crate::OAuthHandler::fetch_token_with`].
    pub fn fetch_token_with(
        &self,
        pending: PendingAuthorization,
        final_redirected_url: &str,
    ) -> Result<Token, Error> {
        let url = final_redirected_url.to_owned();
        self.wait(|h| async move { h.fetch_token_with(pending, &url).await })
    }

    /// See `crate::OAuthHandler::login` (feature `login`).
    ///
    /// # Errors
    /// As `crate::OAuthHandler::login`.
    #[cfg(feature = "login")]
    pub fn login(&self, username: &str, password: &oauth_core::Password) -> Result<Token, Error> {
        let (username, password) = (username.to_owned(), password.clone());
        self.wait(|h| async move { h.login(&username, &password).await })
    }

    /// See [`crate::OAuthHandler::token`].
    #[must_use]
    pub fn token(&self) -> Option<Token> {
        self.handler.token()
    }

    /// See [`crate::OAuthHandler::valid_token`].
    ///
    /// # Errors
    /// As [`crate::OAuthHandler::valid_token`].
    pub fn valid_token(&self) -> Result<Token, Error> {
        self.wait(|h| async move { h.valid_token().await })
    }

    /// See [`crate::OAuthHandler::set_token`].
    ///
    /// # Errors
    /// As [`crate::OAuthHandler::set_token`].
    pub fn set_token(&self, token: Token) -> Result<(), Error> {
        self.wait(|h| async move { h.set_token(token).await })
    }

    /// See [`crate::OAuthHandler::refresh_token`].
    ///
    /// # Errors
    /// As [`crate::OAuthHandler::refresh_token`].
    pub fn refresh_token(&self) -> Result<Token, Error> {
        self.wait(|h| async move { h.refresh_token().await })
    }

    /// The blocking API.
    #[must_use]
    pub fn api(&self) -> Api {
        Api {
            api: self.handler.api(),
            runtime: self.runtime.clone(),
        }
    }

    /// See [`crate::OAuthHandler::rate_limit`].
    #[must_use]
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.handler.rate_limit()
    }
}

/// The blocking twin of [`crate::Api`].
#[derive(Clone)]
pub struct Api {
    api: crate::Api,
    runtime: Runtime,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

/// Blocking twins of `Api` methods whose arguments are plain values.
macro_rules! twins {
    ($(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        $(
            #[doc = concat!("See [`crate::Api::", stringify!($name), "`].")]
            ///
            /// # Errors
            #[doc = concat!("As [`crate::Api::", stringify!($name), "`].")]
            pub fn $name(&self, $($arg: $ty),*) -> Result<$ret, Error> {
                self.wait(move |api| async move { api.$name($($arg),*).await })
            }
        )*
    };
}

impl Api {
    fn wait<T, F>(&self, call: impl FnOnce(crate::Api) -> F) -> T
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.runtime.block_on(call(self.api.clone()))
    }

    /// See [`crate::Api::rate_limit`].
    #[must_use]
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.api.rate_limit()
    }

    /// The async API underneath (its [`handler`](crate::Api::handler) too).
    #[must_use]
    pub fn async_api(&self) -> &crate::Api {
        &self.api
    }

    twins! {
        fn users() -> Vec<User>;
        fn user(id: UserId) -> User;
        fn user_accounts(id: UserId) -> Vec<Account>;
        fn accounts() -> Vec<Account>;
        fn account(id: AccountId) -> Account;
        fn account_registration_request(id: AccountRegistrationRequestId) -> AccountRegistrationRequest;
        fn device_change_request(id: DeviceChangeRequestId) -> DeviceChangeRequest;
        fn phone_number_change_request(id: PhoneNumberChangeRequestId) -> PhoneNumberChangeRequest;
        fn enforced_carrier_services(account: AccountId) -> Vec<CarrierService>;
        fn fluidcall_credentials(account: AccountId) -> FluidcallCredentials;
        fn voicemail_messages(voicemail_box: VoicemailBoxId) -> Vec<VoicemailMessage>;
        fn delete_voicemail_message(id: VoicemailMessageId) -> ();
    }

    /// See [`crate::Api::update_user`].
    ///
    /// # Errors
    /// As [`crate::Api::update_user`].
    pub fn update_user(&self, id: UserId, update: &UserUpdate) -> Result<User, Error> {
        let update = update.clone();
        self.wait(move |api| async move { api.update_user(id, &update).await })
    }

    /// See [`crate::Api::update_account`].
    ///
    /// # Errors
    /// As [`crate::Api::update_account`].
    pub fn update_account(&self, id: AccountId, update: &AccountUpdate) -> Result<Account, Error> {
        let update = update.clone();
        self.wait(move |api| async move { api.update_account(id, &update).await })
    }

    /// See [`crate::Api::create_account_registration_request`].
    ///
    /// # Errors
    /// As [`crate::Api::create_account_registration_request`].
    pub fn create_account_registration_request(
        &self,
        user: UserId,
        registration: &AccountRegistration,
    ) -> Result<AccountRegistrationRequest, Error> {
        let registration = registration.clone();
        self.wait(move |api| async move {
            api.create_account_registration_request(user, &registration)
                .await
        })
    }

    /// See [`crate::Api::create_device_change_request`].
    ///
    /// # Errors
    /// As [`crate::Api::create_device_change_request`].
    pub fn create_device_change_request(
        &self,
        account: AccountId,
        device_esn: &str,
    ) -> Result<DeviceChangeRequest, Error> {
        let esn = device_esn.to_owned();
        self.wait(move |api| async move { api.create_device_change_request(account, &esn).await })
    }

    /// See [`crate::Api::create_phone_number_change_request`].
    ///
    /// # Errors
    /// As [`crate::Api::create_phone_number_change_request`].
    pub fn create_phone_number_change_request(
        &self,
        account: AccountId,
        area_code: &str,
    ) -> Result<PhoneNumberChangeRequest, Error> {
        let area_code = area_code.to_owned();
        self.wait(move |api| async move {
            api.create_phone_number_change_request(account, &area_code)
                .await
        })
    }

    /// See [`crate::Api::phone_calls`]: the pages as an iterator.
    pub fn phone_calls(&self, account: AccountId, query: UsageQuery) -> Pages<PhoneCall> {
        self.pages(self.api.phone_calls(account, query))
    }

    /// See [`crate::Api::phone_texts`]: the pages as an iterator.
    pub fn phone_texts(&self, account: AccountId, query: UsageQuery) -> Pages<PhoneText> {
        self.pages(self.api.phone_texts(account, query))
    }

    /// See [`crate::Api::phone_data`]: the pages as an iterator.
    pub fn phone_data(&self, account: AccountId, query: UsageQuery) -> Pages<PhoneData> {
        self.pages(self.api.phone_data(account, query))
    }

    fn pages<T>(&self, pages: crate::Pages<T>) -> Pages<T> {
        Pages {
            pages: Some(pages),
            runtime: self.runtime.clone(),
        }
    }
}

/// The blocking twin of [`crate::Pages`]: an iterator that fetches each
/// page when asked for it.
#[must_use = "pages are fetched only when asked for"]
pub struct Pages<T> {
    /// `None` while a page is being fetched, and after a panic there.
    pages: Option<crate::Pages<T>>,
    runtime: Runtime,
}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("done", &self.pages.is_none())
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned + Send + 'static> Pages<T> {
    /// Every remaining page's records, in order.
    ///
    /// # Errors
    /// The first failing page's error.
    pub fn try_collect(self) -> Result<Vec<T>, Error> {
        let mut all = Vec::new();
        for page in self {
            all.extend(page?.items);
        }
        Ok(all)
    }
}

impl<T: DeserializeOwned + Send + 'static> Iterator for Pages<T> {
    type Item = Result<Page<T>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut pages = self.pages.take()?;
        let (pages, page) = self.runtime.block_on(async move {
            let page = pages.next_page().await;
            (pages, page)
        });
        self.pages = Some(pages);
        page
    }
}
