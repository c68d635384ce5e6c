//! The crate's errors: bad input, Battle.net's own answers, and the core's
//! errors wrapped.

use oauth_core::http::StatusCode;

use crate::locale::Locale;
use crate::region::Region;

/// Input that is not a valid region, locale, namespace or endpoint.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// Not one of `us`, `eu`, `kr`, `tw`, `cn`.
    #[error("unknown region `{0}`: expected one of us, eu, kr, tw, cn")]
    UnknownRegion(String),
    /// Not a Battle.net locale.
    #[error("unknown locale `{0}`: expected a Battle.net locale such as en_US")]
    UnknownLocale(String),
    /// A locale the region's API does not serve.
    #[error("locale {locale} is not served in region {region} (it serves {})", served(*.region))]
    LocaleNotServed {
        /// The locale asked for.
        locale: Locale,
        /// The region asked.
        region: Region,
    },
    /// Not a namespace.
    #[error(
        "invalid namespace `{0}`: expected static-REGION, dynamic-REGION, profile-REGION (optionally with a classic release) or letters, digits, `-`, `_`, `.`"
    )]
    InvalidNamespace(String),
    /// An endpoint that is neither a path nor a URL on an allowed host.
    #[error("invalid endpoint `{endpoint}`: {reason}")]
    InvalidEndpoint {
        /// The endpoint as given (without query).
        endpoint: String,
        /// Why it was refused.
        reason: String,
    },
}

fn served(region: Region) -> String {
    region
        .locales()
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Everything that can go wrong talking to Battle.net.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An OAuth or transport failure, from the core (boxed: it is large).
    #[error(transparent)]
    OAuth(Box<oauth_core::Error>),
    /// Bad input.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The API has no such resource (HTTP 404).
    #[error("not found: {path}{}", detail_suffix(.detail.as_deref()))]
    NotFound {
        /// The path asked for.
        path: String,
        /// Battle.net's `detail`, if sent.
        detail: Option<String>,
    },
    /// The API answered with an error status.
    #[error("battle.net API answered {status} for {path}: {excerpt}")]
    Api {
        /// The path asked for.
        path: String,
        /// The status received.
        status: StatusCode,
        /// A short excerpt of the body, secrets redacted
        /// ([`oauth_core::body_excerpt`]).
        excerpt: String,
    },
    /// The API refused the token (HTTP 401 or 403 with a `Bearer`
    /// challenge naming an error): `invalid_token` when it expired or was
    /// revoked, `insufficient_scope` when it lacks a scope (`scope` in the
    /// challenge names the one needed; a user token with `wow.profile` for
    /// `/profile/user/wow`).
    #[error(
        "battle.net API refused the token for {path} ({status}): {}",
        refusal_text(.challenge)
    )]
    Refused {
        /// The path asked for.
        path: String,
        /// The status received.
        status: StatusCode,
        /// The `WWW-Authenticate` challenge (boxed: it is large).
        challenge: Box<oauth_core::BearerChallenge>,
    },
    /// The answer was not the JSON expected (or a body could not be made
    /// JSON). Never quotes a value from the JSON, which could be a token.
    #[error("cannot parse the answer from {path}{}: {problem}", field_suffix(.field.as_deref()))]
    Json {
        /// The path asked for.
        path: String,
        /// Where in the document (`items[3].id`), when known.
        field: Option<String>,
        /// What was wrong, without the offending value
        /// ([`oauth_core::json_problem`]).
        problem: String,
    },
    /// The operation needs the user workflow (a redirect URI and a user
    /// token), or the credential workflow, and the client is in the other.
    #[error("{0}")]
    Workflow(&'static str),
    /// The answer was not the document expected: the field where reading
    /// stopped and what was wrong there. Never the value found, which may
    /// be a secret.
    #[error("malformed answer from {path}: at `{field}`, {problem}")]
    Malformed {
        /// The path asked for.
        path: String,
        /// Where reading stopped, as a path into the document
        /// (`equipped_items[2].slot.type`; `.` for the top).
        field: String,
        /// What was wrong there.
        problem: Problem,
    },
}

/// What was wrong in a malformed answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// Not JSON at all, or cut short.
    NotJson,
    /// A value of the wrong type, or a field missing.
    WrongShape,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Problem::NotJson => "the body is not valid JSON",
            Problem::WrongShape => "a value of the wrong type or a missing field",
        })
    }
}

fn refusal_text(challenge: &oauth_core::BearerChallenge) -> String {
    let mut text = challenge
        .server_error()
        .map_or_else(|| "no error named".to_owned(), |error| error.to_string());
    if let Some(scope) = &challenge.scope {
        text.push_str("; scope needed: ");
        text.push_str(scope);
    }
    text
}

fn field_suffix(field: Option<&str>) -> String {
    field.map_or_else(String::new, |f| format!(" at `{f}`"))
}

fn detail_suffix(detail: Option<&str>) -> String {
    detail.map_or_else(String::new, |d| format!(" ({d})"))
}

impl From<oauth_core::Error> for Error {
    fn from(error: oauth_core::Error) -> Self {
        Error::OAuth(Box::new(error))
    }
}

impl Error {
    /// The core's error, when this is one.
    #[must_use]
    pub fn oauth(&self) -> Option<&oauth_core::Error> {
        match self {
            Error::OAuth(error) => Some(error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(challenge: &str) -> Error {
        Error::Refused {
            path: "/profile/user/wow".to_owned(),
            status: StatusCode::FORBIDDEN,
            challenge: Box::new(
                oauth_core::BearerChallenge::parse(challenge).expect("a Bearer challenge"),
            ),
        }
    }

    #[test]
    fn a_refusal_names_the_servers_error_and_the_scope_needed() {
        assert_eq!(
            refused(r#"Bearer error="insufficient_scope", scope="wow.profile""#).to_string(),
            "battle.net API refused the token for /profile/user/wow (403 Forbidden): \
             `insufficient_scope`; scope needed: wow.profile"
        );
        assert_eq!(
            refused(r#"Bearer realm="api""#).to_string(),
            "battle.net API refused the token for /profile/user/wow (403 Forbidden): \
             no error named"
        );
    }

    #[test]
    fn json_and_not_found_errors_say_where() {
        let json = |field: Option<&str>| Error::Json {
            path: "/data/wow/token/index".to_owned(),
            field: field.map(str::to_owned),
            problem: "expected a number".to_owned(),
        };
        assert_eq!(
            json(Some("items[3].id")).to_string(),
            "cannot parse the answer from /data/wow/token/index at `items[3].id`: \
             expected a number"
        );
        assert_eq!(
            json(None).to_string(),
            "cannot parse the answer from /data/wow/token/index: expected a number"
        );
        let not_found = |detail: Option<&str>| Error::NotFound {
            path: "/data/wow/item/1".to_owned(),
            detail: detail.map(str::to_owned),
        };
        assert_eq!(
            not_found(Some("Not Found")).to_string(),
            "not found: /data/wow/item/1 (Not Found)"
        );
        assert_eq!(not_found(None).to_string(), "not found: /data/wow/item/1");
    }

    #[test]
    fn only_a_core_error_is_a_core_error() {
        let core = Error::from(oauth_core::Error::Config(
            oauth_core::ConfigError::EmptyClientId,
        ));
        assert!(matches!(
            core.oauth(),
            Some(oauth_core::Error::Config(
                oauth_core::ConfigError::EmptyClientId
            ))
        ));
        assert!(Error::Workflow("needs a user token").oauth().is_none());
        assert!(
            Error::Input(InputError::UnknownRegion("xx".to_owned()))
                .oauth()
                .is_none()
        );
    }

    #[test]
    fn a_locale_not_served_lists_what_the_region_serves() {
        let error = InputError::LocaleNotServed {
            locale: Locale::EnGb,
            region: Region::Us,
        };
        assert_eq!(
            error.to_string(),
            "locale en_GB is not served in region us (it serves en_US, es_MX, pt_BR)"
        );
    }
}
