//! Pagination: a page of records with RingPlus's `meta`, and [`Pages`],
//! which walks them one request at a time.

use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{Api, UsageQuery};
use crate::Error;

/// One page of records.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The records on this page.
    pub items: Vec<T>,
    /// Where this page is among all of them.
    pub meta: PageMeta,
}

/// RingPlus's `meta` of a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PageMeta {
    /// This page's number, from 1.
    pub page: u32,
    /// Records per page.
    pub per_page: u32,
    /// Records in all pages.
    pub total_entries: u64,
    /// How many pages there are.
    pub total_pages: u32,
}

/// The pages of a usage listing (calls, texts or data), fetched one at a
/// time as they are asked for.
///
/// ```no_run
/// # async fn run(api: ringplus::Api, account: ringplus::AccountId) -> Result<(), ringplus::Error> {
/// use ringplus::UsageQuery;
///
/// let mut pages = api.phone_calls(account, UsageQuery::new().per_page(50));
/// while let Some(page) = pages.next_page().await {
///     for call in page?.items {
///         println!("{} {:?}", call.phone_number, call.duration());
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "pages are fetched only when asked for"]
pub struct Pages<T> {
    api: Api,
    path: String,
    key: &'static str,
    query: UsageQuery,
    next: Option<u32>,
    // `fn() -> T`: the pages own no `T`, so they are `Send` and `Sync` whatever `T` is.
    records: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Pages<T> {
    pub(crate) fn new(api: Api, path: String, key: &'static str, query: UsageQuery) -> Self {
        Pages {
            api,
            path,
            key,
            next: Some(query.page.unwrap_or(1)),
            query,
            records: PhantomData,
        }
    }

    /// Fetches the next page; `None` after the last one (or after an
    /// error).
    pub async fn next_page(&mut self) -> Option<Result<Page<T>, Error>> {
        let number = self.next.take()?;
        let result = self.fetch(number).await;
        if let Ok(page) = &result
            && page.meta.page < page.meta.total_pages
            && !page.items.is_empty()
        {
            self.next = Some(number + 1);
        }
        Some(result)
    }

    /// Fetches every remaining page and returns their records in order.
    ///
    /// # Errors
    /// The first page's error.
    pub async fn try_collect(mut self) -> Result<Vec<T>, Error> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await {
            all.extend(page?.items);
        }
        Ok(all)
    }

    async fn fetch(&self, number: u32) -> Result<Page<T>, Error> {
        let query = self.query.pairs(number)?;
        self.api.get_page(&self.path, &query, self.key).await
    }
}
