//! Every RingPlus API method against the sandbox: the exact request it
//! sends, how the answer is parsed, pages, rate limits, token renewal and
//! RingPlus's error shapes.
#![cfg(any(feature = "reqwest", feature = "hyper"))]

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::support::*;
use oauth_core::RetryPolicy;
use oauth_sandbox::{Fault, FaultRule, Listener, RecordedRequest, Sandbox};
use ringplus::time::{Date, Month, OffsetDateTime};
use ringplus::{
    AccountId, AccountRegistration, AccountRegistrationRequestId, AccountUpdate, ApiErrorBody,
    DeviceChangeRequestId, Direction, Error, FieldError, FieldErrorCode, MEDIA_TYPE, OAuthHandler,
    PhoneNumberChangeRequestId, RequestStatus, UsageQuery, UserId, UserUpdate, VoicemailBoxId,
    VoicemailMessageId,
};

const USER_ID: UserId = UserId(100_000_001);

fn date(day: u8) -> Date {
    Date::from_calendar_date(2015, Month::March, day).unwrap()
}

fn at(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(
        text,
        &ringplus::time::format_description::well_known::Rfc3339,
    )
    .unwrap()
}

/// The API requests the sandbox received.
fn api_requests(sandbox: &Sandbox) -> Vec<RecordedRequest> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.listener == Listener::Api)
        .collect()
}

/// The one API request a call must send: method, path, query and form.
struct Sent<'a> {
    method: &'a str,
    path: String,
    query: &'a [(&'a str, &'a str)],
    form: &'a [(&'a str, &'a str)],
}

impl<'a> Sent<'a> {
    fn new(method: &'a str, path: &str) -> Self {
        Sent {
            method,
            path: path.to_owned(),
            query: &[],
            form: &[],
        }
    }

    fn query(self, query: &'a [(&'a str, &'a str)]) -> Self {
        Sent { query, ..self }
    }

    fn form(self, form: &'a [(&'a str, &'a str)]) -> Self {
        Sent { form, ..self }
    }
}

/// An API call with its answer dropped, to sit in a table beside calls of
/// other answer types.
fn call<'a, T: 'a>(
    call: impl Future<Output = Result<T, ringplus::Error>> + 'a,
) -> Pin<Box<dyn Future<Output = Result<(), ringplus::Error>> + 'a>> {
    Box::pin(async move { call.await.map(drop) })
}

#[tokio::test]
async fn each_endpoint_sends_exactly_its_request() {
    // In order on one sandbox: the writes create requests 9001, 9002, 9003.
    let (sandbox, auth) = ready(true).await;
    let api = auth.api();
    let ann = UserUpdate::new()
        .name("Ann & Bo")
        .email("ann@ringplus.example");
    let work = AccountUpdate::new().name("Work line");
    let registration = AccountRegistration::new("A1B2C3D4E5")
        .name("Second line")
        .billing_zip("94105");
    let account = AccountId(ACCOUNT);
    let cases = [
        (Sent::new("GET", "/users"), call(api.users())),
        (
            Sent::new("GET", "/users/100000001"),
            call(api.user(USER_ID)),
        ),
        (
            Sent::new("PUT", "/users/100000001").form(&[
                ("user[name]", "Ann & Bo"),
                ("user[email]", "ann@ringplus.example"),
            ]),
            call(api.update_user(USER_ID, &ann)),
        ),
        (
            Sent::new("GET", "/users/100000001/accounts"),
            call(api.user_accounts(USER_ID)),
        ),
        (Sent::new("GET", "/accounts"), call(api.accounts())),
        (
            Sent::new("GET", "/accounts/2001"),
            call(api.account(account)),
        ),
        (
            Sent::new("PUT", "/accounts/2001").form(&[("account[name]", "Work line")]),
            call(api.update_account(account, &work)),
        ),
        (
            Sent::new("POST", "/users/100000001/account_registration_requests").form(&[
                ("account_registration_request[name]", "Second line"),
                ("account_registration_request[device_esn]", "A1B2C3D4E5"),
                ("account_registration_request[billing_zip]", "94105"),
            ]),
            call(api.create_account_registration_request(USER_ID, &registration)),
        ),
        (
            Sent::new("GET", "/account_registration_requests/9001"),
            call(api.account_registration_request(AccountRegistrationRequestId(9001))),
        ),
        (
            Sent::new("POST", "/accounts/2001/device_change_requests")
                .form(&[("device_change_request[device_esn]", "FFEE001122")]),
            call(api.create_device_change_request(account, "FFEE001122")),
        ),
        (
            Sent::new("GET", "/device_change_requests/9002"),
            call(api.device_change_request(DeviceChangeRequestId(9002))),
        ),
        (
            Sent::new("POST", "/accounts/2001/phone_number_change_requests")
                .form(&[("phone_number_change_request[area_code]", "415")]),
            call(api.create_phone_number_change_request(account, "415")),
        ),
        (
            Sent::new("GET", "/phone_number_change_requests/9003"),
            call(api.phone_number_change_request(PhoneNumberChangeRequestId(9003))),
        ),
        (
            Sent::new("GET", "/accounts/2001/enforced_carrier_services"),
            call(api.enforced_carrier_services(account)),
        ),
        (
            Sent::new("GET", "/accounts/2001/fluidcall_credentials"),
            call(api.fluidcall_credentials(account)),
        ),
        (
            Sent::new("GET", "/accounts/2001/phone_texts")
                .query(&[("start_date", "2015-03-04"), ("page", "1")]),
            call(
                api.phone_texts(account, UsageQuery::new().start_date(date(4)))
                    .try_collect(),
            ),
        ),
        (
            Sent::new("GET", "/accounts/2001/phone_data")
                .query(&[("end_date", "2015-03-02"), ("page", "1")]),
            call(
                api.phone_data(account, UsageQuery::new().end_date(date(2)))
                    .try_collect(),
            ),
        ),
        (
            Sent::new("GET", "/voicemail_boxes/4001/voicemail_messages"),
            call(api.voicemail_messages(VoicemailBoxId(VOICEMAIL_BOX))),
        ),
        (
            Sent::new("DELETE", "/voicemail_messages/5001"),
            call(api.delete_voicemail_message(VoicemailMessageId(5001))),
        ),
    ];
    for (expected, call) in cases {
        sandbox.clear_requests();
        call.await
            .unwrap_or_else(|e| panic!("{} {}: {e}", expected.method, expected.path));
        assert_one_request(
            &sandbox,
            &auth,
            expected.method,
            &expected.path,
            expected.query,
            expected.form,
        );
    }
}

/// Checks the one API request since the log was cleared: method, path,
/// query, the v1 media type, the bearer token, and the form body.
fn assert_one_request(
    sandbox: &Sandbox,
    auth: &OAuthHandler,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    form: &[(&str, &str)],
) {
    let requests = api_requests(sandbox);
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(request.method, method);
    assert_eq!(request.path, path);
    let sent_query: Vec<(&str, &str)> = request
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(sent_query, query);
    assert_eq!(request.header("accept"), Some(MEDIA_TYPE));
    let bearer = format!("Bearer {}", auth.token().unwrap().access_token().secret());
    assert_eq!(request.header("authorization"), Some(bearer.as_str()));
    let sent_form: Vec<(String, String)> = request.form();
    let expected: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(sent_form, expected);
    if form.is_empty() {
        assert_eq!(request.header("content-type"), None);
    } else {
        assert_eq!(
            request.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
    }
    sandbox.clear_requests();
}

#[tokio::test]
async fn users() {
    let (_sandbox, auth) = ready(true).await;
    let api = auth.api();

    let users = api.users().await.unwrap();
    assert_eq!(users.len(), 1);
    let user = &users[0];
    assert_eq!(user.id, USER_ID);
    assert_eq!(user.email, EMAIL);
    assert_eq!(user.name, "Ann");
    assert_eq!(user.created_at, at("2015-01-05T12:00:00Z"));

    assert_eq!(api.user(USER_ID).await.unwrap(), *user);

    let updated = api
        .update_user(
            USER_ID,
            &UserUpdate::new()
                .name("Ann & Bo")
                .email("ann@ringplus.example"),
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "Ann & Bo");
    assert_eq!(updated.email, "ann@ringplus.example");
}

#[tokio::test]
async fn accounts() {
    let (_sandbox, auth) = ready(true).await;
    let api = auth.api();

    let accounts = api.user_accounts(USER_ID).await.unwrap();
    assert_eq!(accounts.len(), 1);
    let account = &accounts[0];
    assert_eq!(account.id, AccountId(ACCOUNT));
    assert_eq!(account.user_id, USER_ID);
    assert_eq!(account.name, "Ann's phone");
    assert_eq!(account.phone_number, "5550001000");
    assert_eq!(account.device_esn, "27000004242");
    assert_eq!(account.plan.as_deref(), Some("RingPlus Free"));
    assert_eq!(account.balance.as_deref(), Some("0.00"));
    assert_eq!(account.voicemail_box_id, VoicemailBoxId(VOICEMAIL_BOX));

    assert_eq!(api.accounts().await.unwrap(), accounts);

    assert_eq!(api.account(AccountId(ACCOUNT)).await.unwrap(), *account);

    let renamed = api
        .update_account(AccountId(ACCOUNT), &AccountUpdate::new().name("Work line"))
        .await
        .unwrap();
    assert_eq!(renamed.name, "Work line");
}

#[tokio::test]
async fn account_registration_requests() {
    let (sandbox, auth) = ready(true).await;
    let api = auth.api();
    let before = OffsetDateTime::now_utc().unix_timestamp();

    let created = api
        .create_account_registration_request(
            USER_ID,
            &AccountRegistration::new("A1B2C3D4E5")
                .name("Second line")
                .billing_zip("94105"),
        )
        .await
        .unwrap();
    assert_eq!(created.id, AccountRegistrationRequestId(9001));
    assert_eq!(created.user_id, USER_ID);
    assert_eq!(created.device_esn, "A1B2C3D4E5");
    assert_eq!(created.name.as_deref(), Some("Second line"));
    assert_eq!(created.billing_zip.as_deref(), Some("94105"));
    assert_eq!(created.status, RequestStatus::Pending);
    let made = created.created_at.unix_timestamp();
    assert!(
        (before - 1..=before + 5).contains(&made),
        "{made} vs {before}"
    );

    let shown = api.account_registration_request(created.id).await.unwrap();
    assert_eq!(shown, created);

    sandbox.advance(Duration::from_secs(31));
    let done = api.account_registration_request(created.id).await.unwrap();
    assert_eq!(done.status, RequestStatus::Completed);
}

#[tokio::test]
async fn device_and_phone_number_change_requests() {
    let (sandbox, auth) = ready(true).await;
    let api = auth.api();

    let device = api
        .create_device_change_request(AccountId(ACCOUNT), "FFEE001122")
        .await
        .unwrap();
    assert_eq!(device.account_id, AccountId(ACCOUNT));
    assert_eq!(device.device_esn, "FFEE001122");
    assert_eq!(device.status, RequestStatus::Pending);
    assert_eq!(api.device_change_request(device.id).await.unwrap(), device);

    let number = api
        .create_phone_number_change_request(AccountId(ACCOUNT), "415")
        .await
        .unwrap();
    assert_eq!(number.area_code, "415");
    assert_eq!(number.id.get(), device.id.get() + 1);
    sandbox.advance(Duration::from_secs(30));
    let done = api.phone_number_change_request(number.id).await.unwrap();
    assert_eq!(done.status, RequestStatus::Completed);
}

#[tokio::test]
async fn carrier_services_and_fluidcall_credentials() {
    let (_sandbox, auth) = ready(true).await;
    let api = auth.api();

    let services = api
        .enforced_carrier_services(AccountId(ACCOUNT))
        .await
        .unwrap();
    let summary: Vec<(u64, &str, bool)> = services
        .iter()
        .map(|s| (s.id, s.name.as_str(), s.enabled))
        .collect();
    assert_eq!(
        summary,
        [
            (1, "Voicemail", true),
            (2, "International calling", false),
            (3, "Premium SMS", false)
        ]
    );

    let credentials = api.fluidcall_credentials(AccountId(ACCOUNT)).await.unwrap();
    assert_eq!(credentials.account_id, AccountId(ACCOUNT));
    assert_eq!(credentials.username, "5550001000");
    assert_eq!(credentials.password.secret(), "fc-27000004242");
    assert_eq!(credentials.domain, "sip.ringplus.example");
    assert!(!format!("{credentials:?}").contains("fc-27000004242"));
}

#[tokio::test]
async fn calls_come_in_pages() {
    let (sandbox, auth) = ready(true).await;
    let api = auth.api();

    let mut pages = api.phone_calls(AccountId(ACCOUNT), UsageQuery::new().per_page(2));
    let mut seen = Vec::new();
    while let Some(page) = pages.next_page().await {
        let page = page.unwrap();
        assert_eq!(page.meta.per_page, 2);
        assert_eq!(page.meta.total_entries, 5);
        assert_eq!(page.meta.total_pages, 3);
        seen.push((page.meta.page, page.items.len()));
        if page.meta.page == 1 {
            let first = &page.items[0];
            assert_eq!(first.id, 30_001);
            assert_eq!(first.account_id, AccountId(ACCOUNT));
            assert_eq!(first.direction, Direction::Outbound);
            assert_eq!(first.phone_number, "5550002000");
            assert_eq!(first.started_at, at("2015-03-01T10:15:00Z"));
            assert_eq!(first.duration(), Duration::from_secs(67));
            assert_eq!(page.items[1].direction, Direction::Inbound);
        }
    }
    assert_eq!(seen, [(1, 2), (2, 2), (3, 1)]);
    let queries: Vec<Vec<(String, String)>> = api_requests(&sandbox)
        .into_iter()
        .map(|r| {
            assert_eq!(r.path, "/accounts/2001/phone_calls");
            r.query
        })
        .collect();
    assert_eq!(
        queries,
        [
            pairs_in_order(&[("page", "1"), ("per_page", "2")]),
            pairs_in_order(&[("page", "2"), ("per_page", "2")]),
            pairs_in_order(&[("page", "3"), ("per_page", "2")]),
        ]
    );
    assert!(pages.next_page().await.is_none());
}

fn pairs_in_order(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn date_ranges_and_collecting_every_page() {
    let (sandbox, auth) = ready(true).await;
    let api = auth.api();

    // Calls on 1–5 March: the range 2–4 March keeps three.
    let calls = api
        .phone_calls(
            AccountId(ACCOUNT),
            UsageQuery::new()
                .start_date(date(2))
                .end_date(date(4))
                .per_page(1),
        )
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<u64> = calls.iter().map(|c| c.id).collect();
    assert_eq!(ids, [30_002, 30_003, 30_004]);
    let first = &api_requests(&sandbox)[0];
    assert_eq!(
        first.query,
        pairs_in_order(&[
            ("start_date", "2015-03-02"),
            ("end_date", "2015-03-04"),
            ("page", "1"),
            ("per_page", "1"),
        ])
    );
    sandbox.clear_requests();

    let texts = api
        .phone_texts(AccountId(ACCOUNT), UsageQuery::new().start_date(date(4)))
        .try_collect()
        .await
        .unwrap();
    let texts: Vec<(u64, Direction, OffsetDateTime)> = texts
        .iter()
        .map(|t| (t.id, t.direction, t.sent_at))
        .collect();
    assert_eq!(
        texts,
        [
            (40_003, Direction::Outbound, at("2015-03-04T09:02:00Z")),
            (40_004, Direction::Inbound, at("2015-03-05T09:03:00Z")),
        ]
    );

    let data = api
        .phone_data(AccountId(ACCOUNT), UsageQuery::new().end_date(date(2)))
        .try_collect()
        .await
        .unwrap();
    let data: Vec<(Date, u64)> = data.iter().map(|d| (d.date, d.kilobytes)).collect();
    assert_eq!(data, [(date(1), 1536), (date(2), 2560)]);

    // Starting at a later page.
    let last = api
        .phone_calls(AccountId(ACCOUNT), UsageQuery::new().per_page(2).page(3))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(last.len(), 1);
}

#[tokio::test]
async fn voicemail() {
    let (sandbox, auth) = ready(true).await;
    let api = auth.api();

    let messages = api
        .voicemail_messages(VoicemailBoxId(VOICEMAIL_BOX))
        .await
        .unwrap();
    assert_eq!(messages.len(), 3);
    let first = &messages[0];
    assert_eq!(first.id, VoicemailMessageId(5001));
    assert_eq!(first.voicemail_box_id, VoicemailBoxId(VOICEMAIL_BOX));
    assert_eq!(first.caller_id, "5550003000");
    assert_eq!(first.duration(), Duration::from_secs(12));
    assert_eq!(first.created_at, at("2015-03-01T18:30:00Z"));
    assert!(first.heard);
    assert!(!messages[1].heard);

    // The table of requests checks what the delete sends.
    api.delete_voicemail_message(first.id).await.unwrap();
    let left = api
        .voicemail_messages(VoicemailBoxId(VOICEMAIL_BOX))
        .await
        .unwrap();
    assert_eq!(left.len(), 2);

    let err = api.delete_voicemail_message(first.id).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "DELETE {}voicemail_messages/5001: ringplus answered 404 Not Found: not found",
            sandbox.api_url()
        )
    );
}

#[tokio::test]
async fn ringplus_error_shapes_are_typed() {
    let (sandbox, auth) = ready(true).await;
    let api = auth.api();

    // {"error", "status"}
    let err = api.account(AccountId(9999)).await.unwrap_err();
    let api_error = err.api().unwrap();
    assert_eq!(api_error.status.as_u16(), 404);
    assert_eq!(api_error.body, ApiErrorBody::Message("not found".into()));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));

    // {"errors": [{"code", "field", "message"}]}
    let err = api
        .update_user(USER_ID, &UserUpdate::new().name("  "))
        .await
        .unwrap_err();
    let api_error = err.api().unwrap();
    assert_eq!(api_error.status.as_u16(), 422);
    let ApiErrorBody::Validation(errors) = &api_error.body else {
        panic!("expected validation errors, got {api_error:?}");
    };
    assert_eq!(errors.len(), 1);
    let FieldError {
        code,
        field,
        message,
        ..
    } = &errors[0];
    assert_eq!(code, &FieldErrorCode::Blank);
    assert_eq!(field.as_deref(), Some("name"));
    assert_eq!(message.as_deref(), Some("can't be blank"));
    assert_eq!(
        err.to_string(),
        format!(
            "PUT {}users/100000001: ringplus answered 422 Unprocessable Entity: name `blank` (can't be blank)",
            sandbox.api_url()
        )
    );

    // Nothing to write: the container is missing.
    let err = api
        .update_account(AccountId(ACCOUNT), &AccountUpdate::new())
        .await
        .unwrap_err();
    let ApiErrorBody::Validation(errors) = &err.api().unwrap().body else {
        panic!("{err:?}");
    };
    assert_eq!(errors[0].code, FieldErrorCode::ParameterMissing);
    assert_eq!(errors[0].field.as_deref(), Some("account"));

    // A body in neither shape: a short excerpt.
    sandbox.inject(FaultRule::on("/accounts", Fault::HtmlErrorPage(500)));
    let err = api.accounts().await.unwrap_err();
    let api_error = err.api().unwrap();
    assert_eq!(api_error.status.as_u16(), 500);
    assert!(
        matches!(&api_error.body, ApiErrorBody::Unrecognized(excerpt) if excerpt.starts_with("<")),
        "{api_error:?}"
    );
}

#[tokio::test]
async fn answers_that_do_not_parse_name_the_field() {
    let (sandbox, auth) = ready(true).await;
    let api = auth.api();

    sandbox.inject(FaultRule::on(
        "/users/100000001",
        Fault::Status {
            status: 200,
            headers: vec![],
            body: r#"{"user":{"id":1,"email":"a@b","name":"A","created_at":"yesterday"}}"#.into(),
        },
    ));
    let err = api.user(USER_ID).await.unwrap_err();
    let Some(oauth_core::Error::Parse(parse)) = err.oauth() else {
        panic!("expected a parse error, got {err:?}");
    };
    assert_eq!(parse.field.as_deref(), Some("user.created_at"));
    assert_eq!(parse.status.as_u16(), 200);
    assert!(
        parse.message.starts_with("expected an RFC 3339 date-time"),
        "{parse:?}"
    );

    // A secret in an answer that does not parse is not repeated.
    sandbox.inject(FaultRule::on(
        "/accounts/2001/fluidcall_credentials",
        Fault::Status {
            status: 200,
            headers: vec![],
            body: r#"{"fluidcall_credentials":{"account_id":2001,"username":"u","password":"hunter2","domain":7}}"#
                .into(),
        },
    ));
    let err = api
        .fluidcall_credentials(AccountId(ACCOUNT))
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("fluidcall_credentials.domain"), "{shown}");

    sandbox.inject(FaultRule::on("/accounts", Fault::InvalidJson));
    let err = api.accounts().await.unwrap_err();
    assert!(
        matches!(err.oauth(), Some(oauth_core::Error::Parse(p)) if p.field.is_none()),
        "{err:?}"
    );
}

async fn rate_limited(limit: u32) -> (Sandbox, ringplus::OAuthHandlerBuilder) {
    let sandbox = start(usual_builder().rate_limit(Some(limit))).await;
    let builder = builder(&sandbox);
    (sandbox, builder)
}

#[tokio::test]
async fn rate_limit_headers_are_exposed() {
    let (_sandbox, builder) = rate_limited(5).await;
    let auth = builder.build().unwrap();
    signed_in(&auth).await;
    let api = auth.api();
    assert_eq!(api.rate_limit(), None);

    api.users().await.unwrap();
    let limit = api.rate_limit().unwrap();
    assert_eq!(limit.limit, Some(5));
    assert!(limit.remaining < 5, "{limit:?}");
    let reset = limit.reset.unwrap() - OffsetDateTime::now_utc();
    assert!(reset <= Duration::from_secs(2), "{reset:?}");
    assert_eq!(auth.rate_limit(), Some(limit));
}

#[tokio::test]
async fn a_429_is_waited_out_and_sent_again() {
    let (sandbox, builder) = rate_limited(1).await;
    let auth = builder.build().unwrap();
    signed_in(&auth).await;
    sandbox.clear_requests();

    // With one request a second, three quick calls cannot each have a
    // window of their own: one is refused with `retry-after: 1`, waited
    // out and sent again.
    let started = std::time::Instant::now();
    for _ in 0..3 {
        auth.api().accounts().await.unwrap();
    }
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert!(api_requests(&sandbox).len() >= 4);
}

#[tokio::test]
async fn a_whole_stack_given_at_once_is_the_one_used() {
    let (sandbox, builder) = rate_limited(1).await;
    let auth = builder
        .stack(oauth_core::layer::Stack::new().retry(RetryPolicy::none()))
        .build()
        .unwrap();
    signed_in(&auth).await;
    sandbox.pause_clock();
    sandbox.clear_requests();
    auth.api().users().await.unwrap();
    let err = auth.api().users().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(
        api_requests(&sandbox).len(),
        2,
        "the refused call was not retried"
    );
}

#[tokio::test]
async fn rate_limited_without_retries_is_a_typed_error() {
    let (sandbox, builder) = rate_limited(1).await;
    let auth = builder.retry(RetryPolicy::none()).build().unwrap();
    signed_in(&auth).await;
    let api = auth.api();
    // Two calls in one sandbox second (its clock paused): the second is
    // refused.
    sandbox.pause_clock();
    api.users().await.unwrap();
    let err = api.users().await.unwrap_err();
    let Error::RateLimited {
        method,
        url,
        retry_after,
        rate_limit,
    } = &err
    else {
        panic!("expected a rate limit, got {err:?}");
    };
    assert_eq!(method, "GET");
    assert_eq!(url, &format!("{}users", sandbox.api_url()));
    assert_eq!(*retry_after, Some(Duration::from_secs(1)));
    assert_eq!(rate_limit.unwrap().remaining, 0);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(
        err.to_string(),
        format!(
            "GET {}users: rate limited; retry after 1 s",
            sandbox.api_url()
        )
    );
}

/// A signed-in handler whose token expires in 30 s.
async fn short_lived() -> (Sandbox, OAuthHandler) {
    let sandbox = start(usual_builder().access_token_lifetime(Duration::from_secs(30))).await;
    let auth = handler(&sandbox);
    signed_in(&auth).await;
    (sandbox, auth)
}

#[tokio::test]
async fn a_token_about_to_expire_is_refreshed_before_the_call() {
    let (sandbox, auth) = short_lived().await;
    let first = auth.token().unwrap().access_token().secret().to_owned();
    sandbox.clear_requests();

    // Thirty seconds left is within the default 60-second skew.
    auth.api().users().await.unwrap();
    let paths: Vec<String> = sandbox.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/oauth/token", "/users"]);
    assert_eq!(
        sandbox.requests()[0].form_value("grant_type").as_deref(),
        Some("refresh_token")
    );
    let second = auth.token().unwrap().access_token().secret().to_owned();
    assert_ne!(first, second);
    let used = sandbox.requests()[1]
        .header("authorization")
        .unwrap()
        .to_owned();
    assert_eq!(used, format!("Bearer {second}"));
}

#[tokio::test]
async fn many_tasks_share_one_refresh() {
    let (sandbox, auth) = short_lived().await;
    sandbox.clear_requests();

    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let api = auth.api();
            tokio::spawn(async move { api.users().await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(requests_to(&sandbox, "/oauth/token").len(), 1);
    assert_eq!(requests_to(&sandbox, "/users").len(), 8);
}

#[tokio::test]
async fn a_refused_token_is_renewed_once() {
    let (sandbox, auth) = ready(false).await;
    let good = auth.token().unwrap();
    // A token the API does not know, with a good refresh token.
    let stale = ringplus::Token::bearer(oauth_core::AccessToken::new("revoked-elsewhere"))
        .with_expires_at(std::time::SystemTime::now() + Duration::from_secs(3600))
        .with_refresh_token(good.refresh_token().unwrap().clone());
    auth.set_token(stale).await.unwrap();
    sandbox.clear_requests();

    let users = auth.api().users().await.unwrap();
    assert_eq!(users[0].id, USER_ID);
    let paths: Vec<String> = sandbox.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/users", "/oauth/token", "/users"]);
    assert_eq!(
        sandbox.requests()[0].header("authorization"),
        Some("Bearer revoked-elsewhere")
    );
}

#[tokio::test]
async fn api_calls_without_a_token_say_so() {
    let sandbox = sandbox(true).await;
    let auth = handler(&sandbox);
    let err = auth.api().users().await.unwrap_err();
    assert!(
        matches!(err.oauth(), Some(oauth_core::Error::NoToken)),
        "{err:?}"
    );
    assert!(err.needs_authorization());
    assert!(sandbox.requests().is_empty());
}

/// With the response cache on: RingPlus sends no caching headers, so no
/// answer is kept, every read reaches the server and a change is seen at
/// once.
#[cfg(feature = "cache")]
#[tokio::test]
async fn with_the_cache_on_an_account_is_read_fresh_after_a_change() {
    let sandbox = sandbox(true).await;
    let cache = oauth_core::cache::ResponseCache::memory(1 << 20);
    let auth = builder(&sandbox)
        .store_key("ann")
        .cache(cache.clone())
        .build()
        .unwrap();
    signed_in(&auth).await;
    sandbox.clear_requests();
    let api = auth.api();
    let before = api.account(AccountId(ACCOUNT)).await.unwrap();
    assert_eq!(before.name, "Ann's phone");
    api.update_account(AccountId(ACCOUNT), &AccountUpdate::new().name("Work line"))
        .await
        .unwrap();
    let after = api.account(AccountId(ACCOUNT)).await.unwrap();
    assert_eq!(after.name, "Work line");
    let reads = api_requests(&sandbox)
        .iter()
        .filter(|r| r.method == oauth_core::http::Method::GET)
        .count();
    assert_eq!(reads, 2, "both reads reached the server");
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.stores), (0, 0));
}
