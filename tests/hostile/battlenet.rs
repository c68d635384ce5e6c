//! A Battle.net API that answers with the token where a number belongs,
//! and quotes the token in its 404 detail, its challenge and its error
//! page.

use battlenet::{BattleNetClient, Error, Namespace, Region};
use serde_json::json;

use super::server::{self, Hostile};
use super::{CLIENT_ID, CLIENT_SECRET, assert_clean};

const ACCESS: &str = "battlenet-access-Tq5Jx9";

/// The WoW token index as a caller reads it: numbers by name.
type TokenIndex = std::collections::BTreeMap<String, u64>;

#[tokio::test]
async fn answers_quoting_the_token_show_none_of_it() {
    let server = Hostile::start(|seen| {
        if seen.path() == "/token" {
            return server::json(
                200,
                &json!({"access_token": ACCESS, "token_type": "bearer", "expires_in": 86399}),
            );
        }
        let token = seen
            .header("authorization")
            .unwrap_or_default()
            .trim_start_matches("Bearer ")
            .to_owned();
        match seen.path() {
            // Item 10: a string where a number belongs, holding the token.
            "/data/wow/token/index" => server::json(200, &json!({"price": token})),
            "/data/wow/missing" => server::json(
                404,
                &json!({"code": 404, "type": "BLZWEBAPI00000404", "detail": format!("Not Found for {token}\n")}),
            ),
            "/profile/user/wow" => server::reply(
                403,
                &[(
                    "WWW-Authenticate",
                    &format!("Bearer error=\"insufficient_scope\", error_description=\"{token} lacks wow.profile\", scope=\"wow.profile\""),
                )],
                b"",
            ),
            _ => server::reply(502, &[], format!("upstream refused {token}").as_bytes()),
        }
    })
    .await;
    let client = BattleNetClient::builder(Region::Us, CLIENT_ID, CLIENT_SECRET)
        .oauth_base(server.url("/"))
        .api_base(server.url("/"))
        .retry(oauth_core::RetryPolicy::none())
        .build()
        .unwrap();
    let dynamic = Namespace::dynamic(Region::Us);

    let error = client
        .get("/data/wow/token/index", None, dynamic.clone())
        .json::<TokenIndex>()
        .await
        .unwrap_err();
    let Error::Json { field, problem, .. } = &error else {
        panic!("expected a JSON error, got {error:?}");
    };
    assert_eq!(field.as_deref(), Some("price"));
    assert!(
        problem.starts_with("JSON of an unexpected shape"),
        "{problem}"
    );
    assert_clean("wrong type", &error, &[ACCESS]);

    let error = client
        .get("/data/wow/missing", None, dynamic.clone())
        .json::<serde_json::Value>()
        .await
        .unwrap_err();
    let Error::NotFound { detail, .. } = &error else {
        panic!("expected not found, got {error:?}");
    };
    assert_eq!(detail.as_deref(), Some("Not Found for [redacted] "));
    assert_clean("not found", &error, &[ACCESS]);

    let error = client
        .get("/profile/user/wow", None, Namespace::profile(Region::Us))
        .json::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Refused { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "battle.net API refused the token for /profile/user/wow (403 Forbidden): `insufficient_scope` ([redacted] lacks wow.profile); scope needed: wow.profile"
    );
    assert_clean("refused", &error, &[ACCESS]);

    let error = client
        .get("/data/wow/realm/index", None, dynamic)
        .json::<serde_json::Value>()
        .await
        .unwrap_err();
    let Error::Api { excerpt, .. } = &error else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(excerpt, "upstream refused [redacted]");
    assert_clean("api", &error, &[ACCESS]);
}
