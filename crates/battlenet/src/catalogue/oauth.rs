//! Battle.net's OAuth endpoints, on the OAuth host rather than the API
//! host. Their accessors are the client's own methods (the `name` of each
//! row), not a group.
//!
//! Source: <https://develop.battle.net/documentation/battle-net/oauth-apis>
//! and <https://develop.battle.net/documentation/guides/using-oauth>
//! (table written 2026-12-01; see the catalogue's notes on how it was checked).

use super::{ApiKind, Endpoint, Game, NamespaceNeed, TokenNeed};

const fn oauth(
    name: &'static str,
    method: &'static str,
    path: &'static str,
    token: TokenNeed,
) -> Endpoint {
    Endpoint {
        name,
        game: Game::BattleNet,
        api: ApiKind::OAuth,
        method,
        path,
        namespace: NamespaceNeed::None,
        token,
        query: &[],
        paging: None,
    }
}

/// The OAuth rows.
pub(crate) static ENDPOINTS: &[Endpoint] = &[
    // The user's browser goes there: `BattleNetClient::authorization_url`.
    oauth(
        "client.authorization_url",
        "GET",
        "/authorize",
        TokenNeed::None,
    ),
    // Client authentication with HTTP Basic; the sessions call it.
    oauth("client.access_token", "POST", "/token", TokenNeed::None),
    oauth(
        "client.user_info",
        "GET",
        "/userinfo",
        TokenNeed::User("openid"),
    ),
    // The token goes in the form body, the client authenticates.
    oauth(
        "client.check_token",
        "POST",
        "/check_token",
        TokenNeed::None,
    ),
    oauth(
        "client.openid_configuration",
        "GET",
        "/.well-known/openid-configuration",
        TokenNeed::None,
    ),
    oauth("client.jwks", "GET", "/jwks/certs", TokenNeed::None),
];
