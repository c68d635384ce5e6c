//! Property tests of the callback parser through the public API: any
//! callback string is a token or a typed error, never a panic; a genuine
//! callback sends exactly its code to the token endpoint; a wrong state, a
//! duplicate parameter, an `error` or another redirect target is refused
//! before any request, and no code or state value reaches an error
//! message. `PROPTEST_CASES` raises the case count (`cargo xtask fuzz`).

use std::sync::{Arc, Mutex};

use oauth_core::transport::{HttpRequest, transport_fn};
use oauth_core::url::{Url, form_urlencoded};
use oauth_core::{CallbackError, Client, Error, GenericProvider, PendingAuthorization};
use proptest::prelude::*;

const REDIRECT: &str = "https://app.example/callback";

/// A client whose token endpoint answers every request with a token and
/// records the `code` it was sent.
fn client() -> (Client, Arc<Mutex<Vec<String>>>) {
    let codes = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&codes);
    let transport = transport_fn(move |request: HttpRequest| {
        let seen = Arc::clone(&seen);
        async move {
            let code = form_urlencoded::parse(request.body())
                .find(|(k, _)| k == "code")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            seen.lock().unwrap().push(code);
            Ok(oauth_core::http::Response::builder()
                .header("content-type", "application/json")
                .body(
                    br#"{"access_token":"at-1234567890","token_type":"bearer"}"#
                        .to_vec()
                        .into(),
                )
                .unwrap())
        }
    });
    let provider = GenericProvider::new(
        "https://auth.example/authorize",
        "https://auth.example/token",
    )
    .unwrap();
    let client = Client::builder(provider, "client")
        .redirect_uri(REDIRECT)
        .transport(transport)
        .build()
        .unwrap();
    (client, codes)
}

fn pending(client: &Client) -> (PendingAuthorization, String) {
    let (_, pending) = client.authorization_url().build().unwrap();
    let state = pending.state().secret().to_owned();
    (pending, state)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn callback(base: &str, params: &[(String, String)]) -> String {
    let mut url = Url::parse(base).unwrap();
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

fn value() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._~+/=-]{8,40}"
}

/// Query parameters as a browser might bring them, any names and values;
/// `STATE` stands for the genuine state.
fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        Just("code".to_owned()),
        Just("state".to_owned()),
        Just("error".to_owned()),
        Just("error_description".to_owned()),
        Just("iss".to_owned()),
        ".{0,8}",
    ];
    let value = prop_oneof![Just("STATE".to_owned()), ".{0,24}"];
    prop::collection::vec((name, value), 0..6)
}

fn typed(result: &Result<oauth_core::Token, Error>) -> bool {
    matches!(
        result,
        Ok(_) | Err(Error::Callback(_) | Error::StateMismatch | Error::AuthorizationDenied(_))
    )
}

proptest! {
    #[test]
    fn any_string_is_a_token_or_a_typed_error(input in ".{0,200}") {
        let (client, codes) = client();
        let (pending, _) = pending(&client);
        let result = runtime().block_on(client.exchange_callback(pending, &input));
        prop_assert!(typed(&result), "{:?}", result);
        prop_assert_eq!(result.is_ok(), !codes.lock().unwrap().is_empty());
    }

    #[test]
    fn only_a_genuine_callback_is_exchanged(
        params in params(),
        base in prop::sample::select(vec![
            REDIRECT,
            "https://app.example/callback/",
            "http://app.example/callback",
            "https://evil.example/callback",
            "https://app.example:8443/callback",
        ]),
    ) {
        let (client, codes) = client();
        let (pending, state) = pending(&client);
        let params: Vec<(String, String)> = params
            .into_iter()
            .map(|(k, v)| (k, if v == "STATE" { state.clone() } else { v }))
            .collect();
        let result = runtime().block_on(client.exchange_callback(pending, &callback(base, &params)));
        prop_assert!(typed(&result), "{:?}", result);
        let sent = codes.lock().unwrap().clone();
        if result.is_ok() {
            prop_assert_eq!(base, REDIRECT);
            let states: Vec<&String> = params.iter().filter(|(k, _)| k == "state").map(|(_, v)| v).collect();
            prop_assert_eq!(states, vec![&state]);
            prop_assert!(!params.iter().any(|(k, _)| k == "error"));
            let code: Vec<&String> = params.iter().filter(|(k, _)| k == "code").map(|(_, v)| v).collect();
            prop_assert_eq!(code.len(), 1);
            prop_assert_eq!(sent, vec![code[0].clone()]);
        } else {
            prop_assert!(sent.is_empty(), "a refused callback sent a request");
        }
    }

    #[test]
    fn a_genuine_callback_sends_its_code(
        code in value(),
        extra in prop::collection::vec(("[a-z]{1,6}", ".{0,12}"), 0..4),
        state_first in any::<bool>(),
    ) {
        let (client, codes) = client();
        let (pending, state) = pending(&client);
        let mut params: Vec<(String, String)> = extra
            .into_iter()
            .filter(|(k, _)| !matches!(k.as_str(), "code" | "state" | "error" | "error_description" | "error_uri"))
            .collect();
        let pair = [("code".to_owned(), code.clone()), ("state".to_owned(), state)];
        if state_first {
            params.extend(pair.into_iter().rev());
        } else {
            params.extend(pair);
        }
        runtime().block_on(client.exchange_callback(pending, &callback(REDIRECT, &params))).unwrap();
        prop_assert_eq!(codes.lock().unwrap().clone(), vec![code]);
    }

    #[test]
    fn refusals_are_typed_and_quote_no_secret(
        other in value(),
        code in value(),
        case in 0_u8..4,
    ) {
        let (client, codes) = client();
        let (pending, state) = pending(&client);
        prop_assume!(state != other);
        let params: Vec<(String, String)> = match case {
            0 => vec![("code".into(), code.clone()), ("state".into(), other.clone())],
            1 => vec![("code".into(), code.clone()), ("code".into(), other.clone()), ("state".into(), state.clone())],
            2 => vec![("code".into(), code.clone()), ("state".into(), state.clone()), ("state".into(), state.clone())],
            _ => vec![("error".into(), "access_denied".into()), ("state".into(), state.clone())],
        };
        let error = runtime()
            .block_on(client.exchange_callback(pending, &callback(REDIRECT, &params)))
            .unwrap_err();
        let expected = match case {
            0 => matches!(error, Error::StateMismatch),
            1 | 2 => matches!(error, Error::Callback(CallbackError::DuplicateParameter(_))),
            _ => matches!(error, Error::AuthorizationDenied(_)),
        };
        prop_assert!(expected, "case {}: {:?}", case, error);
        prop_assert!(codes.lock().unwrap().is_empty());
        let shown = format!("{error} {error:?}");
        for secret in [&state, &other, &code] {
            prop_assert!(!shown.contains(secret.as_str()), "{} in {}", secret, shown);
        }
    }
}
