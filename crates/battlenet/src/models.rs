//! Typed answers of Battle.net's OAuth endpoints.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `userinfo` answer: who signed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// The account id.
    pub id: u64,
    /// The BattleTag, such as `Alice#1234`.
    pub battletag: String,
    /// The OpenID subject (the id as a string).
    pub sub: String,
}

/// The `check_token` answer: what a token is good for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenInfo {
    /// The client the token was issued to.
    pub client_id: String,
    /// The scopes granted.
    #[serde(default)]
    pub scope: Vec<String>,
    /// When it expires, in seconds since the Unix epoch.
    pub exp: u64,
    /// The account's BattleTag, for user tokens.
    #[serde(default)]
    pub user_name: Option<String>,
    /// The token's authorities, as sent.
    #[serde(default)]
    pub authorities: Vec<Value>,
    /// The account's authorities, as sent.
    #[serde(default)]
    pub account_authorities: Vec<Value>,
    /// The client's authorities, as sent.
    #[serde(default)]
    pub client_authorities: Vec<Value>,
}
