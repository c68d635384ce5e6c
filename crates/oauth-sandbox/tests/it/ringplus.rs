//! The RingPlus profile over real HTTP: the Rails sign-in form, Doorkeeper
//! consent, token answers and refresh, and the v1 API.

use std::time::Duration;

use crate::support::*;
use oauth_sandbox::browser::{self, BrowserError, Decision};
use oauth_sandbox::{Profile, Sandbox};
use serde_json::{Value, json};

const V1: (&str, &str) = ("accept", "application/vnd.ringplus.v1");

async fn ringplus() -> Sandbox {
    sandbox(Profile::RingPlus).await
}

/// Alice's access token and a helper to call the API with it.
struct Api {
    sandbox: Sandbox,
    auth: String,
}

impl Api {
    async fn new() -> Self {
        Self::with(ringplus().await).await
    }

    async fn with(sandbox: Sandbox) -> Self {
        let tokens = user_token(&sandbox, "").await;
        let auth = bearer(tokens["access_token"].as_str().unwrap());
        Self { sandbox, auth }
    }

    fn url(&self, path: &str) -> String {
        at(self.sandbox.api_url(), path)
    }

    async fn get(&self, path: &str) -> Reply {
        get(&self.url(path), &[V1, ("authorization", &self.auth)]).await
    }

    async fn write(&self, method: &str, path: &str, pairs: &[(&str, &str)]) -> Reply {
        send(
            method,
            &self.url(path),
            &[
                V1,
                ("authorization", &self.auth),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            form(pairs).as_bytes(),
        )
        .await
    }
}

fn assert_ringplus_error(reply: &Reply, status: u16, message: &str) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(reply.json(), json!({ "error": message, "status": status }));
}

fn assert_errors(reply: &Reply, status: u16, code: &str, field: &str, message: &str) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(
        reply.json(),
        json!({ "errors": [{ "code": code, "field": field, "message": message }] })
    );
}

#[tokio::test]
async fn the_browser_signs_in_through_the_rails_form() {
    let sandbox = ringplus().await;
    let url = authorize_url(&sandbox, &code_params(""));
    assert_eq!(url.path(), "/oauth/authorize");
    let callback = browser::sign_in(&url, LOGIN, PASSWORD, Decision::Approve)
        .await
        .unwrap();
    assert!(param(&callback, "code").is_some());
    assert_eq!(param(&callback, "state").as_deref(), Some("st4te"));

    let requests = sandbox.requests();
    let trail: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.method.to_string(), r.path.clone()))
        .collect();
    assert_eq!(
        trail,
        [
            ("GET".to_owned(), "/oauth/authorize".to_owned()),
            ("GET".to_owned(), "/users/sign_in".to_owned()),
            ("POST".to_owned(), "/users/sign_in".to_owned()),
            ("GET".to_owned(), "/oauth/authorize".to_owned()),
            ("POST".to_owned(), "/oauth/authorize".to_owned()),
        ]
    );
    let sign_in = &requests[2];
    assert_eq!(sign_in.form_value("user[email]").as_deref(), Some(LOGIN));
    assert_eq!(
        sign_in.form_value("user[password]").as_deref(),
        Some(PASSWORD)
    );
    assert_eq!(sign_in.form_value("utf8").as_deref(), Some("✓"));
    assert_eq!(sign_in.form_value("commit").as_deref(), Some("Log in"));
    assert_eq!(sign_in.form_value("authenticity_token").unwrap().len(), 32);
    let cookie = sign_in.header("cookie").unwrap();
    assert!(cookie.starts_with("_ringplus_session="), "{cookie}");
    let consent = &requests[4];
    assert_eq!(consent.form_value("commit").as_deref(), Some("Authorize"));
    assert_eq!(consent.form_value("_method"), None);
}

#[tokio::test]
async fn denying_uses_the_delete_form() {
    let sandbox = ringplus().await;
    let url = authorize_url(&sandbox, &code_params("public"));
    let callback = browser::sign_in(&url, LOGIN, PASSWORD, Decision::Deny)
        .await
        .unwrap();
    assert_eq!(param(&callback, "error").as_deref(), Some("access_denied"));
    let last = sandbox.requests().pop().unwrap();
    assert_eq!(last.form_value("_method").as_deref(), Some("delete"));
    assert_eq!(last.form_value("commit").as_deref(), Some("Deny"));
}

#[tokio::test]
async fn rails_sign_in_errors() {
    let sandbox = ringplus().await;
    let url = authorize_url(&sandbox, &code_params(""));
    let error = browser::sign_in(&url, LOGIN, "wrong", Decision::Approve)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        BrowserError::SignInFailed {
            message: "Invalid email or password.".to_owned()
        }
    );

    // A forged authenticity token gets Rails' 422.
    let mut agent = Agent::default();
    agent.get(url.as_str()).await;
    let sign_in = at(sandbox.oauth_url(), "/users/sign_in");
    let page = agent.get(&sign_in).await.text();
    assert!(page.contains("<input name=\"utf8\" type=\"hidden\" value=\"&#x2713;\">"));
    let reply = agent
        .post(
            &sign_in,
            &[
                ("authenticity_token", "forged"),
                ("user[email]", LOGIN),
                ("user[password]", PASSWORD),
            ],
        )
        .await;
    assert_eq!(reply.status, 422);
    let token = hidden(&page, "authenticity_token");
    let reply = agent
        .post(
            &sign_in,
            &[
                ("authenticity_token", &token),
                ("user[email]", LOGIN),
                ("user[password]", PASSWORD),
            ],
        )
        .await;
    assert_eq!(reply.status, 302);
    assert!(
        reply
            .header("location")
            .unwrap()
            .starts_with("/oauth/authorize?")
    );
}

#[tokio::test]
async fn tokens_last_a_day_and_refresh_with_the_form_body() {
    let sandbox = ringplus().await;
    let tokens = user_token(&sandbox, "").await;
    let mut keys: Vec<&String> = tokens.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "access_token",
            "created_at",
            "expires_in",
            "refresh_token",
            "scope",
            "token_type"
        ]
    );
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 86400);
    assert_eq!(tokens["scope"], "public");

    let reply = post_form(
        sandbox.token_endpoint().as_str(),
        &[],
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let fresh = reply.json();
    assert_ne!(fresh["refresh_token"], tokens["refresh_token"]);
    assert_eq!(fresh["expires_in"], 86400);

    // Doorkeeper's token info and revocation.
    let access = fresh["access_token"].as_str().unwrap();
    let info = at(sandbox.oauth_url(), "/oauth/token/info");
    let reply = get(&info, &[("authorization", &bearer(access))]).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["resource_owner_id"], 100_000_001);
    assert_eq!(body["application"], json!({ "uid": CLIENT }));
    assert_eq!(body["expires_in"], 86400);
    let reply = post_form(
        &at(sandbox.oauth_url(), "/oauth/revoke"),
        &[("authorization", &basic(CLIENT, SECRET))],
        &[("token", access)],
    )
    .await;
    assert_eq!(reply.status, 200);
    let reply = get(&info, &[("authorization", &bearer(access))]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.json(),
        json!({ "error": "invalid_token", "error_description": "The access token is invalid" })
    );
}

#[tokio::test]
async fn the_api_demands_the_v1_media_type_and_a_user_token() {
    let api = Api::new().await;
    let users = api.url("/users");
    let reply = get(&users, &[("authorization", &api.auth)]).await;
    assert_ringplus_error(
        &reply,
        406,
        "not acceptable: send Accept: application/vnd.ringplus.v1",
    );
    let reply = get(
        &users,
        &[("authorization", &api.auth), ("accept", "application/json")],
    )
    .await;
    assert_eq!(reply.status, 406);
    let reply = get(
        &users,
        &[
            ("authorization", &api.auth),
            (
                "accept",
                "text/html, application/vnd.ringplus.v1+json;q=0.9",
            ),
        ],
    )
    .await;
    assert_eq!(reply.status, 200);

    let reply = get(&users, &[V1]).await;
    assert_ringplus_error(&reply, 401, "unauthorized: a bearer token is required");
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Bearer realm=\"oauth-sandbox\"")
    );
    let reply = get(&users, &[V1, ("authorization", "Bearer nope")]).await;
    assert_ringplus_error(
        &reply,
        401,
        "unauthorized: the access token is invalid or expired",
    );

    let app = app_token(&api.sandbox, None).await;
    let reply = get(&users, &[V1, ("authorization", &bearer(&app))]).await;
    assert_ringplus_error(
        &reply,
        403,
        "forbidden: this endpoint needs a token issued to a user",
    );
}

#[tokio::test]
async fn users_and_accounts() {
    let api = Api::new().await;
    let alice = json!({
        "id": 100_000_001,
        "email": "alice@example.test",
        "name": "Alice",
        "created_at": "2015-01-05T12:00:00Z",
    });
    assert_eq!(api.get("/users").await.json(), json!({ "users": [alice] }));
    assert_eq!(
        api.get("/users/100000001").await.json(),
        json!({ "user": alice })
    );
    // bob's record is not alice's to see.
    assert_ringplus_error(&api.get("/users/100000002").await, 404, "not found");

    let reply = api
        .write("PUT", "/users/100000001", &[("user[name]", "Alicia")])
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["user"]["name"], "Alicia");
    assert_eq!(
        api.get("/users/100000001").await.json()["user"]["name"],
        "Alicia"
    );

    let reply = api
        .write("PUT", "/users/100000001", &[("user[admin]", "true")])
        .await;
    assert_errors(
        &reply,
        422,
        "unknown_attribute",
        "admin",
        "admin is not an attribute of user",
    );
    let reply = api.write("PUT", "/users/100000001", &[("name", "x")]).await;
    assert_errors(
        &reply,
        400,
        "parameter_missing",
        "user",
        "param is missing or the value is empty: user",
    );
    let reply = api
        .write("PUT", "/users/100000001", &[("user[name]", " ")])
        .await;
    assert_errors(&reply, 422, "blank", "name", "can't be blank");
    let reply = api
        .write("PUT", "/users/100000001", &[("user[email]", "nowhere")])
        .await;
    assert_errors(&reply, 422, "invalid", "email", "is invalid");
    let reply = send(
        "PUT",
        &api.url("/users/100000001"),
        &[
            V1,
            ("authorization", &api.auth),
            ("content-type", "application/json"),
        ],
        br#"{"user":{"name":"x"}}"#,
    )
    .await;
    assert_ringplus_error(
        &reply,
        415,
        "unsupported media type: send application/x-www-form-urlencoded",
    );

    let account = api.get("/accounts/2001").await.json()["account"].clone();
    assert_eq!(
        account,
        json!({
            "id": 2001,
            "user_id": 100_000_001,
            "name": "Alice's phone",
            "phone_number": "5550001000",
            "device_esn": "27000004242",
            "plan": "RingPlus Free",
            "balance": "0.00",
            "voicemail_box_id": 4001,
        })
    );
    assert_eq!(
        api.get("/accounts").await.json(),
        json!({ "accounts": [account] })
    );
    assert_eq!(
        api.get("/users/100000001/accounts").await.json(),
        json!({ "accounts": [account] })
    );
    assert_ringplus_error(&api.get("/accounts/2002").await, 404, "not found");
    let reply = api
        .write("PUT", "/accounts/2001", &[("account[name]", "Work phone")])
        .await;
    assert_eq!(reply.json()["account"]["name"], "Work phone");
}

#[tokio::test]
async fn change_requests_complete_after_thirty_seconds() {
    let api = Api::new().await;
    let reply = api
        .write(
            "POST",
            "/users/100000001/account_registration_requests",
            &[
                ("account_registration_request[name]", "New line"),
                ("account_registration_request[device_esn]", "27000009999"),
            ],
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let created = reply.json()["account_registration_request"].clone();
    assert_eq!(created["status"], "pending");
    assert_eq!(created["user_id"], 100_000_001);
    assert_eq!(created["name"], "New line");
    let id = created["id"].as_u64().unwrap();
    let path = format!("/account_registration_requests/{id}");
    assert_eq!(
        api.get(&path).await.json()["account_registration_request"]["status"],
        "pending"
    );
    api.sandbox.advance(Duration::from_secs(30));
    assert_eq!(
        api.get(&path).await.json()["account_registration_request"]["status"],
        "completed"
    );

    let reply = api
        .write(
            "POST",
            "/accounts/2001/device_change_requests",
            &[("device_change_request[device_esn]", "A1B2C3D4E5")],
        )
        .await;
    assert_eq!(reply.status, 201);
    let id = reply.json()["device_change_request"]["id"]
        .as_u64()
        .unwrap();
    let body = api
        .get(&format!("/device_change_requests/{id}"))
        .await
        .json();
    assert_eq!(body["device_change_request"]["account_id"], 2001);
    let reply = api
        .write(
            "POST",
            "/accounts/2001/device_change_requests",
            &[("device_change_request[device_esn]", "123")],
        )
        .await;
    assert_errors(&reply, 422, "invalid", "device_esn", "is invalid");

    let reply = api
        .write(
            "POST",
            "/accounts/2001/phone_number_change_requests",
            &[("phone_number_change_request[area_code]", "415")],
        )
        .await;
    assert_eq!(reply.status, 201);
    let id = reply.json()["phone_number_change_request"]["id"]
        .as_u64()
        .unwrap();
    assert_eq!(
        api.get(&format!("/phone_number_change_requests/{id}"))
            .await
            .status,
        200
    );
    let reply = api
        .write(
            "POST",
            "/accounts/2001/phone_number_change_requests",
            &[("phone_number_change_request[area_code]", "")],
        )
        .await;
    assert_errors(&reply, 422, "blank", "area_code", "can't be blank");
    assert_ringplus_error(
        &api.get("/device_change_requests/1").await,
        404,
        "not found",
    );
}

#[tokio::test]
async fn services_and_credentials() {
    let api = Api::new().await;
    let body = api
        .get("/accounts/2001/enforced_carrier_services")
        .await
        .json();
    assert_eq!(
        body["enforced_carrier_services"].as_array().unwrap().len(),
        3
    );
    let body = api.get("/accounts/2001/fluidcall_credentials").await.json();
    assert_eq!(body["fluidcall_credentials"]["username"], "5550001000");
}

#[tokio::test]
async fn usage_records_filter_and_paginate() {
    let api = Api::new().await;
    let body = api.get("/accounts/2001/phone_calls").await.json();
    assert_eq!(body["phone_calls"].as_array().unwrap().len(), 5);
    assert_eq!(
        body["meta"],
        json!({ "page": 1, "per_page": 25, "total_entries": 5, "total_pages": 1 })
    );
    assert_eq!(
        body["phone_calls"][0],
        json!({
            "id": 30001,
            "account_id": 2001,
            "direction": "outbound",
            "phone_number": "5550002000",
            "started_at": "2015-03-01T10:15:00Z",
            "duration": 67,
        })
    );

    let body = api
        .get("/accounts/2001/phone_calls?start_date=2015-03-02&end_date=2015-03-04&page=2&per_page=2")
        .await
        .json();
    let ids: Vec<&Value> = body["phone_calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, [&json!(30004)]);
    assert_eq!(
        body["meta"],
        json!({ "page": 2, "per_page": 2, "total_entries": 3, "total_pages": 2 })
    );

    let body = api
        .get("/accounts/2001/phone_texts?end_date=2015-03-03")
        .await
        .json();
    assert_eq!(body["phone_texts"].as_array().unwrap().len(), 2);
    let body = api.get("/accounts/2001/phone_data").await.json();
    assert_eq!(body["phone_data"][0]["kilobytes"], 1536);

    assert_errors(
        &api.get("/accounts/2001/phone_calls?start_date=03/01/2015")
            .await,
        400,
        "invalid",
        "start_date",
        "must be a date formatted YYYY-MM-DD",
    );
    assert_errors(
        &api.get("/accounts/2001/phone_calls?start_date=2015-03-04&end_date=2015-03-01")
            .await,
        400,
        "invalid",
        "end_date",
        "must not be before start_date",
    );
    assert_errors(
        &api.get("/accounts/2001/phone_calls?per_page=0").await,
        400,
        "invalid",
        "per_page",
        "must be an integer from 1 to 100",
    );
    assert_eq!(
        api.get("/accounts/2001/phone_calls?page=x").await.status,
        400
    );
    assert_eq!(api.get("/accounts/2002/phone_calls").await.status, 404);
}

#[tokio::test]
async fn voicemail_messages_can_be_deleted() {
    let api = Api::new().await;
    let body = api
        .get("/voicemail_boxes/4001/voicemail_messages")
        .await
        .json();
    let messages = body["voicemail_messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[0]["id"], 5001);

    let reply = api.write("DELETE", "/voicemail_messages/5001", &[]).await;
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_empty());
    assert_ringplus_error(
        &api.write("DELETE", "/voicemail_messages/5001", &[]).await,
        404,
        "not found",
    );
    let body = api
        .get("/voicemail_boxes/4001/voicemail_messages")
        .await
        .json();
    assert_eq!(body["voicemail_messages"].as_array().unwrap().len(), 2);

    // bob's box and messages are out of reach.
    assert_eq!(
        api.get("/voicemail_boxes/4002/voicemail_messages")
            .await
            .status,
        404
    );
    assert_eq!(
        api.write("DELETE", "/voicemail_messages/5011", &[])
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn rate_limit_headers_and_429() {
    let sandbox = Sandbox::builder()
        .profile(Profile::RingPlus)
        .client(confidential())
        .user(oauth_sandbox::UserConfig::new(LOGIN, PASSWORD))
        .rate_limit(Some(2))
        .start()
        .await
        .unwrap();
    let api = Api::with(sandbox).await;
    // A paused clock: the three requests fall in one window.
    api.sandbox.pause_clock();
    let first = api.get("/users").await;
    let second = api.get("/users").await;
    let third = api.get("/users").await;
    assert_eq!(first.header("x-rate-limit-limit"), Some("2"));
    assert_eq!(first.header("x-rate-limit-remaining"), Some("1"));
    assert_eq!(second.header("x-rate-limit-remaining"), Some("0"));
    let reset: u64 = first.header("x-rate-limit-reset").unwrap().parse().unwrap();
    assert!(reset > 1_700_000_000);
    assert_ringplus_error(&third, 429, "rate limit exceeded");
    assert_eq!(third.header("retry-after"), Some("1"));
    assert_eq!(third.header("x-rate-limit-remaining"), Some("0"));
}
