//! What API calls send: `container[key]` write parameters and the usage
//! queries' date ranges and page sizes.

use oauth_core::ConfigError;
use oauth_core::url::form_urlencoded;
use time::Date;

use super::serde_time;
use crate::Error;

/// Write parameters wrapped as RingPlus wants them: `container[key]=value`.
#[derive(Debug)]
pub(crate) struct WriteParams {
    container: &'static str,
    fields: Vec<(&'static str, String)>,
}

impl WriteParams {
    pub(crate) fn new(container: &'static str) -> Self {
        WriteParams {
            container,
            fields: Vec::new(),
        }
    }

    pub(crate) fn field(mut self, key: &'static str, value: Option<&str>) -> Self {
        if let Some(value) = value {
            self.fields.push((key, value.to_owned()));
        }
        self
    }

    /// The `application/x-www-form-urlencoded` body.
    pub(crate) fn encode(&self) -> String {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.fields {
            form.append_pair(&format!("{}[{key}]", self.container), value);
        }
        form.finish()
    }
}

/// Changes to a user; unset fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserUpdate {
    /// A new display name.
    pub name: Option<String>,
    /// A new email address.
    pub email: Option<String>,
}

impl UserUpdate {
    /// No change yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the display name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the email address.
    #[must_use]
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    pub(crate) fn params(&self) -> WriteParams {
        WriteParams::new("user")
            .field("name", self.name.as_deref())
            .field("email", self.email.as_deref())
    }
}

/// Changes to an account; unset fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountUpdate {
    /// A new account name.
    pub name: Option<String>,
}

impl AccountUpdate {
    /// No change yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the account name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    pub(crate) fn params(&self) -> WriteParams {
        WriteParams::new("account").field("name", self.name.as_deref())
    }
}

/// A new account (line) to register for a user.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountRegistration {
    /// The device's ESN or MEID.
    pub device_esn: String,
    /// The new account's name.
    pub name: Option<String>,
    /// The billing ZIP code.
    pub billing_zip: Option<String>,
}

impl AccountRegistration {
    /// A registration for the device with this ESN or MEID.
    #[must_use]
    pub fn new(device_esn: impl Into<String>) -> Self {
        AccountRegistration {
            device_esn: device_esn.into(),
            name: None,
            billing_zip: None,
        }
    }

    /// Names the account.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the billing ZIP code.
    #[must_use]
    pub fn billing_zip(mut self, zip: impl Into<String>) -> Self {
        self.billing_zip = Some(zip.into());
        self
    }

    pub(crate) fn params(&self) -> WriteParams {
        WriteParams::new("account_registration_request")
            .field("name", self.name.as_deref())
            .field("device_esn", Some(&self.device_esn))
            .field("billing_zip", self.billing_zip.as_deref())
    }
}

/// Which calls, texts or data days to list: a date range (both ends
/// included) and the page size.
///
/// ```
/// use ringplus::UsageQuery;
/// use ringplus::time::{Date, Month};
///
/// let query = UsageQuery::new()
///     .start_date(Date::from_calendar_date(2015, Month::March, 1)?)
///     .end_date(Date::from_calendar_date(2015, Month::March, 31)?)
///     .per_page(50);
/// # let _ = query;
/// # Ok::<(), ringplus::time::error::ComponentRange>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UsageQuery {
    /// The first day listed.
    pub start_date: Option<Date>,
    /// The last day listed.
    pub end_date: Option<Date>,
    /// How many records a page holds (RingPlus: 1 to 100, default 25).
    pub per_page: Option<u32>,
    /// The first page to fetch (default 1).
    pub page: Option<u32>,
}

impl UsageQuery {
    /// Everything, in pages of the server's default size.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Lists from this day on.
    #[must_use]
    pub fn start_date(mut self, date: Date) -> Self {
        self.start_date = Some(date);
        self
    }

    /// Lists up to and including this day.
    #[must_use]
    pub fn end_date(mut self, date: Date) -> Self {
        self.end_date = Some(date);
        self
    }

    /// Sets the page size.
    #[must_use]
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = Some(per_page);
        self
    }

    /// Starts at this page instead of the first.
    #[must_use]
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// The query parameters for `page`.
    pub(crate) fn pairs(&self, page: u32) -> Result<Vec<(&'static str, String)>, Error> {
        let mut pairs = Vec::new();
        for (name, date) in [("start_date", self.start_date), ("end_date", self.end_date)] {
            if let Some(date) = date {
                let text = serde_time::date::format(date).map_err(|e| {
                    Error::from(oauth_core::Error::from(ConfigError::InvalidValue {
                        what: name,
                        reason: e.to_string(),
                    }))
                })?;
                pairs.push((name, text));
            }
        }
        pairs.push(("page", page.to_string()));
        if let Some(per_page) = self.per_page {
            pairs.push(("per_page", per_page.to_string()));
        }
        Ok(pairs)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests: a panic is the failure report.
mod tests {
    use super::*;

    #[test]
    fn write_params_are_wrapped_in_their_container() {
        let update = UserUpdate::new().name("Ann & Bo").email("a@b.example");
        assert_eq!(
            update.params().encode(),
            "user%5Bname%5D=Ann+%26+Bo&user%5Bemail%5D=a%40b.example"
        );
        assert_eq!(AccountUpdate::new().params().encode(), "");
    }
}
