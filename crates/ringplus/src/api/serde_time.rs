//! Serde for the API's dates and times: RFC 3339 date-times (Unix seconds
//! accepted too, as some RingPlus answers send them) and `YYYY-MM-DD` dates.

use serde::{Deserialize, Deserializer, Serializer};
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{Date, OffsetDateTime};

/// An RFC 3339 date-time; reads Unix seconds as well.
pub(crate) mod datetime {
    use super::*;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Seconds(i64),
        Text(String),
    }

    pub(crate) fn serialize<S: Serializer>(
        value: &OffsetDateTime,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let text = value.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<OffsetDateTime, D::Error> {
        match Raw::deserialize(deserializer)? {
            Raw::Seconds(seconds) => OffsetDateTime::from_unix_timestamp(seconds).map_err(|e| {
                serde::de::Error::custom(format!("expected Unix seconds in range: {e}"))
            }),
            Raw::Text(text) => OffsetDateTime::parse(&text, &Rfc3339).map_err(|e| {
                serde::de::Error::custom(format!("expected an RFC 3339 date-time: {e}"))
            }),
        }
    }
}

/// A calendar date written `YYYY-MM-DD`.
pub(crate) mod date {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(value: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format(*value).map_err(serde::ser::Error::custom)?)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        Date::parse(&text, &Iso8601::DATE)
            .map_err(|e| serde::de::Error::custom(format!("expected a YYYY-MM-DD date: {e}")))
    }

    /// The date as the API writes it.
    pub(crate) fn format(value: Date) -> Result<String, time::error::Format> {
        value.format(&Iso8601::DATE)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests: a panic is the failure report.
mod tests {
    use time::Month;

    use super::*;

    #[test]
    fn dates_are_written_as_the_api_wants() {
        let day = Date::from_calendar_date(2015, Month::March, 1).unwrap();
        assert_eq!(date::format(day).unwrap(), "2015-03-01");
    }

    #[derive(Deserialize)]
    struct At(#[serde(with = "datetime")] OffsetDateTime);

    #[test]
    fn datetimes_are_read_from_text_or_seconds() {
        let text: At = serde_json::from_str("\"2015-03-01T10:15:00Z\"").unwrap();
        let seconds: At = serde_json::from_str("1425204900").unwrap();
        assert_eq!(text.0, seconds.0);
        assert!(serde_json::from_str::<At>("\"yesterday\"").is_err());
    }
}
