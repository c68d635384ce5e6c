//! A call of one catalogue endpoint, a search with its paging, and the
//! stream of a search's pages.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::de::DeserializeOwned;

use super::{Endpoint, Paging, TokenNeed};
use crate::client::BattleNetClient;
use crate::error::{Error, InputError};
use crate::locale::Locale;
use crate::namespace::Namespace;

/// A call of one catalogue endpoint, its path and namespace filled in.
/// Await it for the endpoint's answer type, or call [`json`](Call::json)
/// for your own.
#[must_use = "a call does nothing until awaited"]
pub struct Call<'a, T> {
    client: &'a BattleNetClient,
    endpoint: &'static Endpoint,
    /// The filled path and namespace, or why they could not be made (kept
    /// for the await, so accessors stay infallible).
    prepared: Result<(String, Option<Namespace>), InputError>,
    locale: Option<Locale>,
    query: Vec<(String, String)>,
    // `fn() -> T`: a call owns no `T`, so it is `Send` whatever `T` is.
    answer: PhantomData<fn() -> T>,
}

impl<T> Clone for Call<'_, T> {
    fn clone(&self) -> Self {
        Call {
            client: self.client,
            endpoint: self.endpoint,
            prepared: self.prepared.clone(),
            locale: self.locale,
            query: self.query.clone(),
            answer: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Call<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("endpoint", &self.endpoint.name)
            .field("prepared", &self.prepared)
            .field("locale", &self.locale)
            .field("query", &self.query)
            .finish_non_exhaustive()
    }
}

impl<'a, T> Call<'a, T> {
    pub(crate) fn new(
        client: &'a BattleNetClient,
        endpoint: &'static Endpoint,
        prepared: Result<(String, Option<Namespace>), InputError>,
    ) -> Self {
        Call {
            client,
            endpoint,
            prepared,
            locale: None,
            query: Vec::new(),
            answer: PhantomData,
        }
    }

    /// The catalogue row of this call.
    #[must_use]
    pub fn endpoint(&self) -> &'static Endpoint {
        self.endpoint
    }

    /// The path asked for, its parameters filled in (`None` when they were
    /// invalid; awaiting the call reports why).
    #[must_use]
    pub fn path(&self) -> Option<&str> {
        self.prepared.as_ref().ok().map(|(path, _)| path.as_str())
    }

    /// The namespace sent, if the endpoint takes one.
    #[must_use]
    pub fn namespace_value(&self) -> Option<&Namespace> {
        self.prepared.as_ref().ok().and_then(|(_, ns)| ns.as_ref())
    }

    /// The locale of localized strings (default: the client's default
    /// locale, else every locale as an object).
    pub fn locale(mut self, locale: Locale) -> Self {
        self.locale = Some(locale);
        self
    }

    /// Another namespace than the endpoint's usual one (a PTR namespace, or
    /// another region's).
    pub fn namespace(mut self, namespace: Namespace) -> Self {
        if let Ok((_, ns)) = &mut self.prepared {
            *ns = Some(namespace);
        }
        self
    }

    /// Adds a query parameter (a search filter, Hearthstone's `gameMode`,
    /// …). `locale`, `namespace` and `access_token` are refused when sent.
    pub fn query(mut self, name: impl Into<String>, value: impl fmt::Display) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    /// Sends the call and reads the answer as `U`.
    ///
    /// # Errors
    /// [`Error::Input`] for invalid path parameters, locale or query before
    /// any I/O; [`Error::Workflow`] when the endpoint needs a user token
    /// and the client has none; [`Error::NotFound`], [`Error::Refused`],
    /// [`Error::Api`] for error answers; [`Error::Malformed`] when the
    /// answer is not a `U`, naming the field; the core's errors.
    pub async fn json<U: DeserializeOwned>(self) -> Result<U, Error> {
        let (path, namespace) = self.prepared?;
        if let TokenNeed::User(_) = self.endpoint.token
            && !self.client.has_user_token()
        {
            return Err(Error::Workflow(
                "this endpoint needs a user token: call it with the client that complete_authorization returned",
            ));
        }
        let mut request = self.client.get(&path, self.locale, namespace);
        for (name, value) in self.query {
            request = request.query(name, value);
        }
        request.typed().await
    }
}

#[cfg(feature = "blocking")]
impl<T: DeserializeOwned + Send + 'static> Call<'_, T> {
    /// Sends the call and waits for the answer, on the client's blocking
    /// runtime (feature `blocking`).
    ///
    /// # Errors
    /// As awaiting the call.
    ///
    /// # Panics
    /// Inside an async runtime: await the call there.
    pub fn wait(self) -> Result<T, Error> {
        self.wait_json()
    }

    /// As [`json`](Self::json), waiting (feature `blocking`).
    ///
    /// # Errors
    /// As [`json`](Self::json).
    ///
    /// # Panics
    /// Inside an async runtime.
    pub fn wait_json<U: DeserializeOwned + Send + 'static>(self) -> Result<U, Error> {
        let client = self.client.clone();
        let (endpoint, prepared, locale, query) =
            (self.endpoint, self.prepared, self.locale, self.query);
        self.client.block_on(async move {
            let call: Call<'_, U> = Call {
                client: &client,
                endpoint,
                prepared,
                locale,
                query,
                answer: PhantomData,
            };
            call.json().await
        })?
    }
}

impl<'a, T: DeserializeOwned + 'a> IntoFuture for Call<'a, T> {
    type Output = Result<T, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.json())
    }
}

/// A page of search results: where it is among all of them.
pub trait Paginated {
    /// This page's number, from 1.
    fn page_number(&self) -> u32;
    /// How many pages there are.
    fn page_count(&self) -> u32;
}

impl Paginated for serde_json::Value {
    /// `page` (World of Warcraft and Hearthstone both send it).
    fn page_number(&self) -> u32 {
        self.get("page")
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(1)
    }

    /// `pageCount`.
    fn page_count(&self) -> u32 {
        self.get("pageCount")
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(1)
    }
}

/// A search: filters, order, page and page size, as the endpoint's
/// [`Paging`] names them. Await it for one page, or walk every page with
/// [`pages`](Search::pages).
///
/// ```no_run
/// # async fn run(client: battlenet::BattleNetClient) -> Result<(), battlenet::Error> {
/// let page = client
///     .wow()
///     .item_search()
///     .filter("name.en_US", "Thunderfury")
///     .order_by("id")
///     .page_size(100)
///     .await?;
/// for result in &page.results {
///     println!("{} {:?}", result.data.id, result.data.name.text());
/// }
/// # Ok(()) }
/// ```
#[must_use = "a search does nothing until awaited"]
pub struct Search<'a, P> {
    call: Call<'a, P>,
    paging: Paging,
    page: Option<u32>,
    page_size: Option<u32>,
}

impl<P> Clone for Search<'_, P> {
    fn clone(&self) -> Self {
        Search {
            call: self.call.clone(),
            paging: self.paging,
            page: self.page,
            page_size: self.page_size,
        }
    }
}

impl<P> fmt::Debug for Search<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Search")
            .field("call", &self.call)
            .field("page", &self.page)
            .field("page_size", &self.page_size)
            .finish()
    }
}

impl<'a, P> Search<'a, P> {
    pub(crate) fn new(call: Call<'a, P>) -> Self {
        let paging = call.endpoint.paging.unwrap_or(super::WOW_PAGING);
        Search {
            call,
            paging,
            page: None,
            page_size: None,
        }
    }

    /// A filter: `name.en_US=Thunderfury`, `id=[1,]` (a range),
    /// `class=mage`, `manaCost=1,2` (Hearthstone's lists).
    pub fn filter(mut self, field: impl Into<String>, value: impl fmt::Display) -> Self {
        self.call = self.call.query(field, value);
        self
    }

    /// The order (`orderby=id` for World of Warcraft, `sort=manaCost:asc`
    /// for Hearthstone).
    pub fn order_by(self, order: impl fmt::Display) -> Self {
        let name = self.paging.order;
        self.filter(name, order)
    }

    /// The page, from 1 (default 1).
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page.max(1));
        self
    }

    /// How many results a page holds, capped at the endpoint's maximum.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size.clamp(1, self.paging.max_page_size));
        self
    }

    /// The locale of localized strings.
    pub fn locale(mut self, locale: Locale) -> Self {
        self.call = self.call.locale(locale);
        self
    }

    /// The catalogue row of this search.
    #[must_use]
    pub fn endpoint(&self) -> &'static Endpoint {
        self.call.endpoint
    }

    fn call_for(&self, page: Option<u32>) -> Call<'a, P> {
        let mut call = self.call.clone();
        if let Some(page) = page {
            call = call.query(self.paging.page, page);
        }
        if let Some(size) = self.page_size {
            call = call.query(self.paging.page_size, size);
        }
        call
    }

    /// Every page from the chosen one (default 1) to the last, fetched one
    /// request at a time as the stream is polled.
    pub fn pages(self) -> SearchPages<'a, P>
    where
        P: DeserializeOwned + Paginated + 'a,
    {
        SearchPages {
            next: Some(self.page.unwrap_or(1)),
            search: self,
            pending: None,
        }
    }
}

#[cfg(feature = "blocking")]
impl<'a, P: DeserializeOwned + Send + 'static> Search<'a, P> {
    /// The chosen page, waiting for it (feature `blocking`).
    ///
    /// # Errors
    /// As awaiting the search.
    ///
    /// # Panics
    /// Inside an async runtime.
    pub fn wait(self) -> Result<P, Error> {
        self.call_for(self.page).wait()
    }

    /// Every page from the chosen one to the last, as an iterator that
    /// waits for each page when asked for it (feature `blocking`).
    pub fn pages_blocking(self) -> impl Iterator<Item = Result<P, Error>> + 'a
    where
        P: Paginated,
    {
        let mut next = Some(self.page.unwrap_or(1));
        std::iter::from_fn(move || {
            let number = next.take()?;
            let result = self.call_for(Some(number)).wait();
            if let Ok(page) = &result
                && page.page_number() < page.page_count()
            {
                next = Some(number + 1);
            }
            Some(result)
        })
    }
}

impl<'a, P: DeserializeOwned + 'a> IntoFuture for Search<'a, P> {
    type Output = Result<P, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.call_for(self.page).json())
    }
}

type PageFuture<'a, P> = Pin<Box<dyn Future<Output = (u32, Result<P, Error>)> + Send + 'a>>;

/// The pages of a [`Search`], as a [`Stream`]; [`next_page`](Self::next_page)
/// walks them without one.
#[must_use = "streams do nothing unless polled"]
pub struct SearchPages<'a, P> {
    search: Search<'a, P>,
    next: Option<u32>,
    pending: Option<PageFuture<'a, P>>,
}

impl<P> fmt::Debug for SearchPages<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchPages")
            .field("search", &self.search)
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl<'a, P: DeserializeOwned + Paginated + 'a> SearchPages<'a, P> {
    /// The next page; `None` after the last one (or after an error).
    pub async fn next_page(&mut self) -> Option<Result<P, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Every remaining page, in order.
    ///
    /// # Errors
    /// The first failing page's error.
    pub async fn try_collect(mut self) -> Result<Vec<P>, Error> {
        let mut pages = Vec::new();
        while let Some(page) = self.next_page().await {
            pages.push(page?);
        }
        Ok(pages)
    }
}

impl<'a, P: DeserializeOwned + Paginated + 'a> Stream for SearchPages<'a, P> {
    type Item = Result<P, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.pending.is_none() {
            let Some(number) = this.next.take() else {
                return Poll::Ready(None);
            };
            let call = this.search.call_for(Some(number));
            this.pending = Some(Box::pin(async move { (number, call.json().await) }));
        }
        let Some(pending) = this.pending.as_mut() else {
            return Poll::Ready(None);
        };
        let (number, result) = match pending.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(done) => done,
        };
        this.pending = None;
        if let Ok(page) = &result
            && page.page_number() < page.page_count()
        {
            this.next = Some(number + 1);
        }
        Poll::Ready(Some(result))
    }
}
