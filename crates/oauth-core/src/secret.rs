//! Newtypes for secret values: redacted `Debug`, no `Display`, no `PartialEq`.

use subtle::ConstantTimeEq;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Its `Debug` output is redacted and it has no `Display`; read the
        /// value with [`secret`](Self::secret).
        #[derive(Clone, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            #[must_use]
            pub fn new(value: impl Into<String>) -> Self {
                $name(value.into())
            }

            /// The secret value itself.
            ///
            /// # Security
            /// Whatever you do with this string, keep it out of logs, error
            /// messages and URLs.
            #[must_use]
            pub fn secret(&self) -> &str {
                &self.0
            }

            /// Compares two values in time independent of where they differ.
            #[must_use]
            pub fn ct_eq(&self, other: &Self) -> bool {
                constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_type!(
    /// An OAuth access token.
    AccessToken
);
secret_type!(
    /// An OAuth refresh token.
    RefreshToken
);
secret_type!(
    /// An OpenID Connect ID token (a JWT).
    IdToken
);
secret_type!(
    /// A confidential client's secret.
    ClientSecret
);
secret_type!(
    /// A single-use authorization code.
    AuthorizationCode
);
secret_type!(
    /// A resource owner's password.
    Password
);
secret_type!(
    /// A PKCE code verifier (RFC 7636), kept until the code is exchanged.
    PkceCodeVerifier
);
secret_type!(
    /// The `state` of an authorization request, which the callback must echo.
    CsrfState
);
secret_type!(
    /// The OpenID Connect `nonce` of an authorization request, which the ID
    /// token must carry.
    Nonce
);

/// Compares two byte strings in constant time for equal lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // The length of a random state or verifier is not secret.
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let token = AccessToken::new("s3cr3t-value");
        assert_eq!(format!("{token:?}"), "AccessToken([redacted])");
        assert_eq!(token.secret(), "s3cr3t-value");
    }

    #[test]
    fn constant_time_comparison() {
        assert!(RefreshToken::new("abc").ct_eq(&RefreshToken::new("abc")));
        assert!(!RefreshToken::new("abc").ct_eq(&RefreshToken::new("abd")));
        assert!(!RefreshToken::new("abc").ct_eq(&RefreshToken::new("abcd")));
    }
}
