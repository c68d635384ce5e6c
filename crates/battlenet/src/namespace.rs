//! Battle.net API namespaces: `static-us`, `dynamic-classic-eu`,
//! `profile-kr`, or a custom one.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::error::InputError;
use crate::region::Region;

/// The kind of data a namespace holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NamespaceKind {
    /// Game data that changes with patches (`static-*`).
    Static,
    /// Game data that changes often, such as prices (`dynamic-*`).
    Dynamic,
    /// Player data (`profile-*`).
    Profile,
}

impl NamespaceKind {
    fn as_str(self) -> &'static str {
        match self {
            NamespaceKind::Static => "static",
            NamespaceKind::Dynamic => "dynamic",
            NamespaceKind::Profile => "profile",
        }
    }
}

/// A namespace: the `namespace` query parameter or `Battlenet-Namespace`
/// header of game data and profile requests.
///
/// ```
/// use battlenet::{Namespace, Region};
///
/// assert_eq!(Namespace::dynamic(Region::Us).to_string(), "dynamic-us");
/// assert_eq!(Namespace::static_classic("classic1x", Region::Eu)?.to_string(), "static-classic1x-eu");
/// assert_eq!("profile-classic-kr".parse::<Namespace>()?.region(), Some(Region::Kr));
/// # Ok::<(), battlenet::InputError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Namespace(Repr);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Repr {
    Standard {
        kind: NamespaceKind,
        /// A WoW Classic release such as `classic` or `classic1x`.
        release: Option<String>,
        region: Region,
    },
    Custom(String),
}

impl Namespace {
    /// `static-{region}`.
    #[must_use]
    pub fn static_data(region: Region) -> Self {
        Self::standard(NamespaceKind::Static, None, region)
    }

    /// `dynamic-{region}`.
    #[must_use]
    pub fn dynamic(region: Region) -> Self {
        Self::standard(NamespaceKind::Dynamic, None, region)
    }

    /// `profile-{region}`.
    #[must_use]
    pub fn profile(region: Region) -> Self {
        Self::standard(NamespaceKind::Profile, None, region)
    }

    /// A namespace of a WoW Classic release (`classic`, `classic1x`, …).
    ///
    /// # Errors
    /// [`InputError::InvalidNamespace`] when the release is not lowercase
    /// letters and digits starting with `classic`.
    pub fn classic(kind: NamespaceKind, release: &str, region: Region) -> Result<Self, InputError> {
        if !is_release(release) {
            return Err(InputError::InvalidNamespace(format!(
                "{}-{release}-{region}",
                kind.as_str()
            )));
        }
        Ok(Self::standard(kind, Some(release.to_owned()), region))
    }

    /// `static-{release}-{region}`, for WoW Classic.
    ///
    /// # Errors
    /// As [`Namespace::classic`].
    pub fn static_classic(release: &str, region: Region) -> Result<Self, InputError> {
        Self::classic(NamespaceKind::Static, release, region)
    }

    /// Any other namespace, sent as given.
    ///
    /// # Errors
    /// [`InputError::InvalidNamespace`] for an empty value or one with
    /// characters other than ASCII letters, digits, `-`, `_` and `.`.
    pub fn custom(value: &str) -> Result<Self, InputError> {
        if value.is_empty()
            || !value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(InputError::InvalidNamespace(value.to_owned()));
        }
        Ok(Namespace(Repr::Custom(value.to_owned())))
    }

    fn standard(kind: NamespaceKind, release: Option<String>, region: Region) -> Self {
        Namespace(Repr::Standard {
            kind,
            release,
            region,
        })
    }

    /// The kind, unless custom.
    #[must_use]
    pub fn kind(&self) -> Option<NamespaceKind> {
        match &self.0 {
            Repr::Standard { kind, .. } => Some(*kind),
            Repr::Custom(_) => None,
        }
    }

    /// The region, unless custom.
    #[must_use]
    pub fn region(&self) -> Option<Region> {
        match &self.0 {
            Repr::Standard { region, .. } => Some(*region),
            Repr::Custom(_) => None,
        }
    }

    /// The WoW Classic release, if any.
    #[must_use]
    pub fn release(&self) -> Option<&str> {
        match &self.0 {
            Repr::Standard { release, .. } => release.as_deref(),
            Repr::Custom(_) => None,
        }
    }
}

fn is_release(release: &str) -> bool {
    release.starts_with("classic")
        && release
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

impl Namespace {
    /// The namespace as sent, built without the formatting machinery: it
    /// goes into every API request.
    pub(crate) fn value(&self) -> Cow<'_, str> {
        match &self.0 {
            Repr::Standard {
                kind,
                release,
                region,
            } => {
                let mut value = String::with_capacity(16 + release.as_ref().map_or(0, String::len));
                value.push_str(kind.as_str());
                value.push('-');
                if let Some(release) = release {
                    value.push_str(release);
                    value.push('-');
                }
                value.push_str(region.as_str());
                Cow::Owned(value)
            }
            Repr::Custom(value) => Cow::Borrowed(value),
        }
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value())
    }
}

impl FromStr for Namespace {
    type Err = InputError;

    /// Parses `static-us`, `Dynamic-EU`, `static-classic1x-us`; anything
    /// else of the allowed characters becomes a custom namespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value = s.trim();
        let lower = value.to_ascii_lowercase();
        let parts: Vec<&str> = lower.split('-').collect();
        let kind = match parts.first().copied() {
            Some("static") => Some(NamespaceKind::Static),
            Some("dynamic") => Some(NamespaceKind::Dynamic),
            Some("profile") => Some(NamespaceKind::Profile),
            _ => None,
        };
        let region = parts.last().and_then(|r| r.parse::<Region>().ok());
        match (kind, region, parts.len()) {
            (Some(kind), Some(region), 2) => Ok(Self::standard(kind, None, region)),
            (Some(kind), Some(region), 3) if is_release(parts[1]) => {
                Ok(Self::standard(kind, Some(parts[1].to_owned()), region))
            }
            // A standard kind with a broken region or release is a typo,
            // not a custom namespace.
            (Some(_), _, _) => Err(InputError::InvalidNamespace(s.to_owned())),
            (None, _, _) => {
                Self::custom(value).map_err(|_| InputError::InvalidNamespace(s.to_owned()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_namespaces() {
        assert_eq!(Namespace::static_data(Region::Us).to_string(), "static-us");
        assert_eq!(Namespace::dynamic(Region::Eu).to_string(), "dynamic-eu");
        assert_eq!(Namespace::profile(Region::Cn).to_string(), "profile-cn");
        assert_eq!(
            Namespace::classic(NamespaceKind::Dynamic, "classic", Region::Tw)
                .map(|n| n.to_string()),
            Ok("dynamic-classic-tw".to_owned())
        );
    }

    #[test]
    fn parsing_round_trips() {
        for text in [
            "static-us",
            "dynamic-classic-eu",
            "profile-classic1x-kr",
            "static-cn",
        ] {
            let parsed: Namespace = text.parse().expect(text);
            assert_eq!(parsed.to_string(), text);
        }
        let parsed: Namespace = " Dynamic-EU ".parse().expect("case-insensitive");
        assert_eq!(parsed, Namespace::dynamic(Region::Eu));
        assert_eq!(parsed.kind(), Some(NamespaceKind::Dynamic));
        let custom: Namespace = "event-ptr.1".parse().expect("custom");
        assert_eq!(custom.region(), None);
        assert_eq!(custom.to_string(), "event-ptr.1");
    }

    #[test]
    fn malformed_namespaces_are_rejected() {
        for bad in [
            "static-xx",
            "static",
            "dynamic-retail-us",
            "profile-us-eu-kr",
            "",
            "a b",
            "static-Classic-us-",
        ] {
            let err = bad.parse::<Namespace>().expect_err(bad);
            assert_eq!(
                err.to_string(),
                format!(
                    "invalid namespace `{bad}`: expected static-REGION, dynamic-REGION, profile-REGION (optionally with a classic release) or letters, digits, `-`, `_`, `.`"
                )
            );
        }
        assert!(Namespace::static_classic("retail", Region::Us).is_err());
        assert!(Namespace::custom("x/y").is_err());
    }
}
