//! Faults on request: ways the sandbox misbehaves so clients can be tested
//! against broken servers.

use std::time::Duration;

/// One way to misbehave, applied to a request instead of (or before) the
/// normal answer.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status, headers and body. The body is sent as
    /// `application/json` when it starts with `{` or `[`, as `text/plain`
    /// otherwise, unless the headers name a `content-type`.
    Status {
        /// The HTTP status code.
        status: u16,
        /// Extra headers, such as `retry-after`.
        headers: Vec<(String, String)>,
        /// The body.
        body: String,
    },
    /// Wait this long (real time), then answer normally.
    Delay(Duration),
    /// `200` with a `Content-Length` larger than the bytes sent, then the
    /// connection is closed.
    TruncatedBody,
    /// Close the connection without any answer.
    CloseConnection,
    /// `200` with `application/json` and a body that is not JSON.
    InvalidJson,
    /// This status with an HTML error page as the body.
    HtmlErrorPage(u16),
    /// At the token endpoint: a real token answer, bent in one way. On other
    /// endpoints the request is answered normally.
    Token(TokenQuirk),
    /// `302 Found` with `Location` set to this URL.
    RedirectTo(String),
    /// `200` with `application/json` and a body of exactly this many bytes.
    OversizedBody(usize),
    /// `200` with a JSON token answer lacking `access_token`; no token is
    /// issued.
    MissingAccessToken,
}

/// How [`Fault::Token`] bends a token answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenQuirk {
    /// `"expires_in": "3600"` instead of a number.
    StringExpiresIn,
    /// No `token_type` member.
    MissingTokenType,
    /// `"token_type": "BEARER"`.
    UppercaseTokenType,
    /// Granted scopes joined with commas (`"scope": "a,b"`).
    CommaScopes,
    /// Granted scopes as a JSON array.
    ArrayScopes,
    /// `200 OK` with an RFC 6749 §5.2 error body (`invalid_grant`); the
    /// grant is not processed, so a code stays unused.
    ErrorWith200,
    /// The answer's members form-encoded, with that content type.
    FormEncoded,
}

/// When a fault applies: to a path, for a number of requests or a share of
/// them.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FaultRule {
    pub(crate) path: String,
    pub(crate) fault: Fault,
    pub(crate) trigger: Trigger,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Trigger {
    /// The next `n` matching requests.
    Times(u32),
    /// This share of matching requests, spread evenly: with 0.5 every
    /// second request, starting with the second.
    Fraction { share: f64, seen: u64 },
}

impl FaultRule {
    /// A rule for requests whose path (without query) equals `path`, on
    /// either listener. It applies once unless changed with
    /// [`FaultRule::times`] or [`FaultRule::fraction`].
    pub fn on(path: impl Into<String>, fault: Fault) -> Self {
        Self {
            path: path.into(),
            fault,
            trigger: Trigger::Times(1),
        }
    }

    /// Applies to the next `n` matching requests.
    #[must_use]
    pub fn times(mut self, n: u32) -> Self {
        self.trigger = Trigger::Times(n);
        self
    }

    /// Applies to this share (0.0 to 1.0) of matching requests for the
    /// sandbox's lifetime (or until [`crate::Sandbox::clear_faults`]).
    ///
    /// The choice is deterministic so tests are repeatable: the rule fires
    /// whenever `floor(n * share)` grows, `n` counting matching requests.
    #[must_use]
    pub fn fraction(mut self, share: f64) -> Self {
        self.trigger = Trigger::Fraction {
            share: share.clamp(0.0, 1.0),
            seen: 0,
        };
        self
    }

    /// The path this rule matches.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The fault this rule injects.
    #[must_use]
    pub fn fault(&self) -> &Fault {
        &self.fault
    }
}

/// The installed rules, consulted in insertion order.
#[derive(Debug, Default)]
pub(crate) struct FaultBook {
    rules: Vec<FaultRule>,
}

impl FaultBook {
    pub(crate) fn add(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    /// The fault for a request to `path`, if a rule fires; spent rules are
    /// removed.
    pub(crate) fn take(&mut self, path: &str) -> Option<Fault> {
        let mut fired = None;
        for (index, rule) in self.rules.iter_mut().enumerate() {
            if rule.path != path {
                continue;
            }
            match &mut rule.trigger {
                Trigger::Times(0) => {}
                Trigger::Times(n) => {
                    *n -= 1;
                    fired = Some((index, rule.fault.clone(), *n == 0));
                    break;
                }
                Trigger::Fraction { share, seen } => {
                    let before = whole_part(*seen, *share);
                    *seen += 1;
                    if whole_part(*seen, *share) > before {
                        fired = Some((index, rule.fault.clone(), false));
                        break;
                    }
                }
            }
        }
        let (index, fault, spent) = fired?;
        if spent {
            self.rules.remove(index);
        }
        Some(fault)
    }
}

#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    reason = "share is clamped to 0..=1 and counts stay far below 2^52"
)]
fn whole_part(count: u64, share: f64) -> u64 {
    (count as f64 * share).floor() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_rules_are_spent() {
        let mut book = FaultBook::default();
        book.add(FaultRule::on("/token", Fault::CloseConnection).times(2));
        assert_eq!(book.take("/other"), None);
        assert_eq!(book.take("/token"), Some(Fault::CloseConnection));
        assert_eq!(book.take("/token"), Some(Fault::CloseConnection));
        assert_eq!(book.take("/token"), None);
    }

    #[test]
    fn fractions_are_spread_evenly() {
        let mut book = FaultBook::default();
        book.add(FaultRule::on("/x", Fault::InvalidJson).fraction(0.5));
        let fired: Vec<bool> = (0..6).map(|_| book.take("/x").is_some()).collect();
        assert_eq!(fired, [false, true, false, true, false, true]);
    }
}
