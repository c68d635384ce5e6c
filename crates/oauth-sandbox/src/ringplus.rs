//! The RingPlus v1 API emulation: seeded users, accounts, usage records
//! and voicemail, change requests, `container[key]` write parameters,
//! rate-limit headers and RingPlus's error shapes.

use std::time::Duration;

use http::{Method, StatusCode, header};
use serde_json::{Map, Value, json};

use crate::api::{self, BearerFailure};
use crate::server::Request;
use crate::state::{Shared, User};
use crate::wire::{self, Params, Reply};

/// The media type every API request must accept.
pub(crate) const MEDIA_TYPE: &str = "application/vnd.ringplus.v1";

/// How long a change request stays `pending` (sandbox clock) before it
/// reads `completed`.
pub(crate) const PROCESSING_TIME: Duration = Duration::from_secs(30);

/// A seeded RingPlus user, tied to a sandbox user by index.
#[derive(Debug, Clone)]
struct RpUser {
    id: u64,
    email: String,
    name: String,
}

#[derive(Debug, Clone)]
struct Account {
    id: u64,
    user_id: u64,
    name: String,
    phone_number: String,
    device_esn: String,
    voicemail_box_id: u64,
}

/// A usage record: a call, a text or a day of data.
#[derive(Debug, Clone)]
struct Usage {
    account_id: u64,
    /// `YYYY-MM-DD`, for date filters.
    date: String,
    body: Value,
}

#[derive(Debug, Clone)]
struct VoicemailMessage {
    id: u64,
    box_id: u64,
    body: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RequestKind {
    AccountRegistration,
    DeviceChange,
    PhoneNumberChange,
}

impl RequestKind {
    fn container(self) -> &'static str {
        match self {
            Self::AccountRegistration => "account_registration_request",
            Self::DeviceChange => "device_change_request",
            Self::PhoneNumberChange => "phone_number_change_request",
        }
    }
}

#[derive(Debug, Clone)]
struct ChangeRequest {
    id: u64,
    kind: RequestKind,
    /// The user who made it.
    user_id: u64,
    owner_field: (&'static str, u64),
    fields: Map<String, Value>,
    created: Duration,
    created_epoch: u64,
}

/// The RingPlus data of one sandbox.
#[derive(Debug, Default)]
pub(crate) struct Data {
    users: Vec<RpUser>,
    accounts: Vec<Account>,
    calls: Vec<Usage>,
    texts: Vec<Usage>,
    data: Vec<Usage>,
    messages: Vec<VoicemailMessage>,
    requests: Vec<ChangeRequest>,
    next_request: u64,
}

impl Data {
    /// Deterministic records for every user: one account with a voicemail
    /// box, five calls, four texts, three days of data, three messages.
    pub(crate) fn seed(users: &[User]) -> Self {
        let mut data = Self {
            next_request: 9001,
            ..Self::default()
        };
        for (i, user) in users.iter().enumerate() {
            let n = i as u64;
            let account_id = 2001 + n;
            let box_id = 4001 + n;
            let number = format!("555{:07}", 1000 + n);
            data.users.push(RpUser {
                id: user.id,
                email: user.email.clone(),
                name: user.name.clone(),
            });
            data.accounts.push(Account {
                id: account_id,
                user_id: user.id,
                name: format!("{}'s phone", user.name),
                phone_number: number.clone(),
                device_esn: format!("2700{:07}", 4242 + n),
                voicemail_box_id: box_id,
            });
            for k in 0..5u64 {
                let date = format!("2015-03-{:02}", k + 1);
                let (direction, other) = if k % 2 == 0 {
                    ("outbound", format!("555{:07}", 2000 + k))
                } else {
                    ("inbound", format!("555{:07}", 3000 + k))
                };
                let id = 30_001 + n * 100 + k;
                data.calls.push(Usage {
                    account_id,
                    date: date.clone(),
                    body: json!({
                        "id": id,
                        "account_id": account_id,
                        "direction": direction,
                        "phone_number": other,
                        "started_at": format!("{date}T1{k}:15:00Z"),
                        "duration": 60 * (k + 1) + 7,
                    }),
                });
            }
            for k in 0..4u64 {
                let date = format!("2015-03-{:02}", k + 2);
                let id = 40_001 + n * 100 + k;
                data.texts.push(Usage {
                    account_id,
                    date: date.clone(),
                    body: json!({
                        "id": id,
                        "account_id": account_id,
                        "direction": if k % 2 == 0 { "outbound" } else { "inbound" },
                        "phone_number": format!("555{:07}", 2000 + k),
                        "sent_at": format!("{date}T09:0{k}:00Z"),
                    }),
                });
            }
            for k in 0..3u64 {
                let date = format!("2015-03-{:02}", k + 1);
                let id = 50_001 + n * 100 + k;
                data.data.push(Usage {
                    account_id,
                    date: date.clone(),
                    body: json!({
                        "id": id,
                        "account_id": account_id,
                        "date": date,
                        "kilobytes": 1024 * (k + 1) + 512,
                    }),
                });
            }
            for k in 0..3u64 {
                let id = 5001 + n * 10 + k;
                data.messages.push(VoicemailMessage {
                    id,
                    box_id,
                    body: json!({
                        "id": id,
                        "voicemail_box_id": box_id,
                        "caller_id": format!("555{:07}", 3000 + k),
                        "duration": 12 + k * 9,
                        "created_at": format!("2015-03-0{}T18:30:00Z", k + 1),
                        "heard": k == 0,
                    }),
                });
            }
        }
        data
    }
}

impl RpUser {
    fn json(&self) -> Value {
        json!({
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "created_at": "2015-01-05T12:00:00Z",
        })
    }
}

impl Account {
    fn json(&self) -> Value {
        json!({
            "id": self.id,
            "user_id": self.user_id,
            "name": self.name,
            "phone_number": self.phone_number,
            "device_esn": self.device_esn,
            "plan": "RingPlus Free",
            "balance": "0.00",
            "voicemail_box_id": self.voicemail_box_id,
        })
    }
}

impl ChangeRequest {
    fn json(&self, now: Duration) -> Value {
        let status = if now.saturating_sub(self.created) >= PROCESSING_TIME {
            "completed"
        } else {
            "pending"
        };
        let mut body = self.fields.clone();
        body.insert("id".into(), json!(self.id));
        body.insert(self.owner_field.0.into(), json!(self.owner_field.1));
        body.insert("status".into(), json!(status));
        body.insert("created_at".into(), json!(self.created_epoch));
        json!({ self.kind.container(): body })
    }
}

/// A RingPlus error, `{"error", "status"}`.
pub(crate) fn error(status: StatusCode, message: &str) -> Reply {
    wire::json(
        status,
        &json!({ "error": message, "status": status.as_u16() }),
    )
}

/// A RingPlus validation error, `{"errors": [{"code", "field", "message"}]}`.
fn errors(status: StatusCode, code: &str, field: &str, message: &str) -> Reply {
    wire::json(
        status,
        &json!({ "errors": [{ "code": code, "field": field, "message": message }] }),
    )
}

fn accepts_v1(request: &Request) -> bool {
    request
        .headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|range| {
            range
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .any(|media| media == MEDIA_TYPE || media == "application/vnd.ringplus.v1+json")
}

/// Routes a request on the RingPlus API listener.
pub(crate) fn route(shared: &Shared, request: &Request) -> Reply {
    if !accepts_v1(request) {
        return error(
            StatusCode::NOT_ACCEPTABLE,
            "not acceptable: send Accept: application/vnd.ringplus.v1",
        );
    }
    let token = match api::bearer(shared, request) {
        Ok(token) => token,
        Err(failure) => {
            let refusal = failure.refusal();
            let message = match failure {
                BearerFailure::Missing => "unauthorized: a bearer token is required",
                BearerFailure::Malformed => "bad request: malformed authorization header",
                BearerFailure::InQuery => {
                    "unauthorized: send the token in the authorization header"
                }
                BearerFailure::Invalid(_) => "unauthorized: the access token is invalid or expired",
            };
            return refusal.with_body(error(refusal.status, message));
        }
    };
    let rate = api::rate(shared, &token.client_id);
    let mut reply = if rate.is_some_and(|r| r.exceeded) {
        let mut reply = error(StatusCode::TOO_MANY_REQUESTS, "rate limit exceeded");
        wire::set_header(&mut reply, header::RETRY_AFTER.as_str(), "1");
        reply
    } else {
        let user = token
            .user
            .and_then(|index| shared.state().users.get(index).map(|u| u.id));
        match user {
            Some(user_id) => endpoint(shared, request, user_id),
            None => error(
                StatusCode::FORBIDDEN,
                "forbidden: this endpoint needs a token issued to a user",
            ),
        }
    };
    if let Some(rate) = rate {
        wire::set_header(&mut reply, "x-rate-limit-limit", &rate.limit.to_string());
        wire::set_header(
            &mut reply,
            "x-rate-limit-remaining",
            &rate.remaining.to_string(),
        );
        wire::set_header(&mut reply, "x-rate-limit-reset", &rate.reset.to_string());
    }
    reply
}

fn not_found() -> Reply {
    error(StatusCode::NOT_FOUND, "not found")
}

fn endpoint(shared: &Shared, request: &Request, me: u64) -> Reply {
    let segments: Vec<&str> = request
        .path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let id = |index: usize| segments.get(index).and_then(|s| s.parse::<u64>().ok());
    let method = request.method.clone();
    let get = method == Method::GET;
    match (segments.as_slice(), method) {
        (["users"], Method::GET) => {
            let state = shared.state();
            let users: Vec<Value> = state
                .ringplus
                .users
                .iter()
                .filter(|u| u.id == me)
                .map(RpUser::json)
                .collect();
            ok(&json!({ "users": users }))
        }
        (["users", _], Method::GET | Method::PUT) if id(1) == Some(me) => {
            if get {
                show_user(shared, me)
            } else {
                update_user(shared, request, me)
            }
        }
        (["users", _, "accounts"], Method::GET) if id(1) == Some(me) => accounts(shared, me),
        (["users", _, "account_registration_requests"], Method::POST) if id(1) == Some(me) => {
            create_request(
                shared,
                request,
                me,
                RequestKind::AccountRegistration,
                ("user_id", me),
            )
        }
        (["accounts"], Method::GET) => accounts(shared, me),
        (["accounts", _, rest @ ..], method) => {
            let Some(account) = id(1).and_then(|a| owned_account(shared, me, a)) else {
                return not_found();
            };
            account_endpoint(shared, request, me, &account, rest, &method)
        }
        ([kind, _], Method::GET)
            if matches!(
                *kind,
                "account_registration_requests"
                    | "device_change_requests"
                    | "phone_number_change_requests"
            ) =>
        {
            show_request(shared, me, id(1))
        }
        (["voicemail_boxes", _, "voicemail_messages"], Method::GET) => {
            voicemail_messages(shared, me, id(1))
        }
        (["voicemail_messages", _], Method::DELETE) => delete_message(shared, me, id(1)),
        _ => not_found(),
    }
}

fn ok(value: &Value) -> Reply {
    wire::json(StatusCode::OK, value)
}

fn show_user(shared: &Shared, me: u64) -> Reply {
    let state = shared.state();
    match state.ringplus.users.iter().find(|u| u.id == me) {
        Some(user) => ok(&json!({ "user": user.json() })),
        None => not_found(),
    }
}

fn accounts(shared: &Shared, me: u64) -> Reply {
    let state = shared.state();
    let accounts: Vec<Value> = state
        .ringplus
        .accounts
        .iter()
        .filter(|a| a.user_id == me)
        .map(Account::json)
        .collect();
    ok(&json!({ "accounts": accounts }))
}

fn owned_account(shared: &Shared, me: u64, account_id: u64) -> Option<Account> {
    shared
        .state()
        .ringplus
        .accounts
        .iter()
        .find(|a| a.id == account_id && a.user_id == me)
        .cloned()
}

/// Reads `container[key]` form fields, allowing only `allowed` keys.
#[allow(
    clippy::result_large_err,
    reason = "the error is the reply itself, built once per request"
)]
fn container_fields(
    request: &Request,
    container: &str,
    allowed: &[&str],
) -> Result<Map<String, Value>, Reply> {
    if !request.is_form() {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported media type: send application/x-www-form-urlencoded",
        ));
    }
    let form: Params = request
        .form()
        .map_err(|e| error(StatusCode::BAD_REQUEST, &format!("bad request: {e}")))?;
    let mut fields = Map::new();
    for (key, value) in form.pairs() {
        let Some(inner) = key
            .strip_prefix(container)
            .and_then(|rest| rest.strip_prefix('['))
            .and_then(|rest| rest.strip_suffix(']'))
        else {
            continue;
        };
        if !allowed.contains(&inner) {
            return Err(errors(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_attribute",
                inner,
                &format!("{inner} is not an attribute of {container}"),
            ));
        }
        fields.insert(inner.to_owned(), json!(value));
    }
    if fields.is_empty() {
        return Err(errors(
            StatusCode::BAD_REQUEST,
            "parameter_missing",
            container,
            &format!("param is missing or the value is empty: {container}"),
        ));
    }
    Ok(fields)
}

fn field<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    fields.get(name).and_then(Value::as_str)
}

fn update_user(shared: &Shared, request: &Request, me: u64) -> Reply {
    let fields = match container_fields(request, "user", &["name", "email"]) {
        Ok(fields) => fields,
        Err(reply) => return reply,
    };
    for name in ["name", "email"] {
        if field(&fields, name).is_some_and(|v| v.trim().is_empty()) {
            return errors(
                StatusCode::UNPROCESSABLE_ENTITY,
                "blank",
                name,
                "can't be blank",
            );
        }
    }
    if field(&fields, "email").is_some_and(|v| !v.contains('@')) {
        return errors(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "email",
            "is invalid",
        );
    }
    let mut state = shared.state();
    let Some(user) = state.ringplus.users.iter_mut().find(|u| u.id == me) else {
        return not_found();
    };
    if let Some(name) = field(&fields, "name") {
        name.clone_into(&mut user.name);
    }
    if let Some(email) = field(&fields, "email") {
        email.clone_into(&mut user.email);
    }
    ok(&json!({ "user": user.json() }))
}

fn account_endpoint(
    shared: &Shared,
    request: &Request,
    me: u64,
    account: &Account,
    rest: &[&str],
    method: &Method,
) -> Reply {
    match (rest, method) {
        ([], &Method::GET) => ok(&json!({ "account": account.json() })),
        ([], &Method::PUT) => update_account(shared, request, account.id),
        (["device_change_requests"], &Method::POST) => create_request(
            shared,
            request,
            me,
            RequestKind::DeviceChange,
            ("account_id", account.id),
        ),
        (["phone_number_change_requests"], &Method::POST) => create_request(
            shared,
            request,
            me,
            RequestKind::PhoneNumberChange,
            ("account_id", account.id),
        ),
        (["enforced_carrier_services"], &Method::GET) => ok(&json!({
            "enforced_carrier_services": [
                { "id": 1, "name": "Voicemail", "enabled": true },
                { "id": 2, "name": "International calling", "enabled": false },
                { "id": 3, "name": "Premium SMS", "enabled": false },
            ]
        })),
        (["fluidcall_credentials"], &Method::GET) => ok(&json!({
            "fluidcall_credentials": {
                "account_id": account.id,
                "username": account.phone_number,
                "password": format!("fc-{}", account.device_esn),
                "domain": "sip.ringplus.example",
            }
        })),
        ([kind @ ("phone_calls" | "phone_texts" | "phone_data")], &Method::GET) => {
            usage(shared, request, account.id, kind)
        }
        _ => not_found(),
    }
}

fn update_account(shared: &Shared, request: &Request, account_id: u64) -> Reply {
    let fields = match container_fields(request, "account", &["name"]) {
        Ok(fields) => fields,
        Err(reply) => return reply,
    };
    if field(&fields, "name").is_some_and(|v| v.trim().is_empty()) {
        return errors(
            StatusCode::UNPROCESSABLE_ENTITY,
            "blank",
            "name",
            "can't be blank",
        );
    }
    let mut state = shared.state();
    let Some(account) = state
        .ringplus
        .accounts
        .iter_mut()
        .find(|a| a.id == account_id)
    else {
        return not_found();
    };
    if let Some(name) = field(&fields, "name") {
        name.clone_into(&mut account.name);
    }
    ok(&json!({ "account": account.json() }))
}

fn create_request(
    shared: &Shared,
    request: &Request,
    me: u64,
    kind: RequestKind,
    owner_field: (&'static str, u64),
) -> Reply {
    let (allowed, required): (&[&str], &str) = match kind {
        RequestKind::AccountRegistration => (&["name", "device_esn", "billing_zip"], "device_esn"),
        RequestKind::DeviceChange => (&["device_esn"], "device_esn"),
        RequestKind::PhoneNumberChange => (&["area_code"], "area_code"),
    };
    let fields = match container_fields(request, kind.container(), allowed) {
        Ok(fields) => fields,
        Err(reply) => return reply,
    };
    let Some(value) = field(&fields, required).filter(|v| !v.trim().is_empty()) else {
        return errors(
            StatusCode::UNPROCESSABLE_ENTITY,
            "blank",
            required,
            "can't be blank",
        );
    };
    let valid = match required {
        "area_code" => value.len() == 3 && value.bytes().all(|b| b.is_ascii_digit()),
        _ => (8..=18).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric()),
    };
    if !valid {
        return errors(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            required,
            "is invalid",
        );
    }
    let now = shared.clock.elapsed();
    let epoch = shared.clock.epoch();
    let mut state = shared.state();
    let id = state.ringplus.next_request;
    state.ringplus.next_request += 1;
    let record = ChangeRequest {
        id,
        kind,
        user_id: me,
        owner_field,
        fields,
        created: now,
        created_epoch: epoch,
    };
    let body = record.json(now);
    state.ringplus.requests.push(record);
    wire::json(StatusCode::CREATED, &body)
}

fn show_request(shared: &Shared, me: u64, id: Option<u64>) -> Reply {
    let now = shared.clock.elapsed();
    let state = shared.state();
    state
        .ringplus
        .requests
        .iter()
        .find(|r| Some(r.id) == id && r.user_id == me)
        .map_or_else(not_found, |r| ok(&r.json(now)))
}

/// A `YYYY-MM-DD` date, checked for shape and ranges.
fn valid_date(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(year, 4) && digits(month, 2) && digits(day, 2)) {
        return false;
    }
    let month: u32 = month.parse().unwrap_or(0);
    let day: u32 = day.parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

fn usage(shared: &Shared, request: &Request, account_id: u64, kind: &str) -> Reply {
    let Ok(query) = request.query() else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad request: malformed query string",
        );
    };
    let mut bounds = [None, None];
    for (slot, name) in bounds.iter_mut().zip(["start_date", "end_date"]) {
        if let Some(value) = query.first(name) {
            if !valid_date(value) {
                return errors(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    name,
                    "must be a date formatted YYYY-MM-DD",
                );
            }
            *slot = Some(value.to_owned());
        }
    }
    if let [Some(start), Some(end)] = &bounds
        && end < start
    {
        return errors(
            StatusCode::BAD_REQUEST,
            "invalid",
            "end_date",
            "must not be before start_date",
        );
    }
    #[allow(
        clippy::result_large_err,
        reason = "the error is the reply itself, built once per request"
    )]
    let number = |name: &str, default: usize, max: usize| -> Result<usize, Reply> {
        match query.first(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    errors(
                        StatusCode::BAD_REQUEST,
                        "invalid",
                        name,
                        &format!("must be an integer from 1 to {max}"),
                    )
                }),
        }
    };
    let page = match number("page", 1, usize::MAX) {
        Ok(page) => page,
        Err(reply) => return reply,
    };
    let per_page = match number("per_page", 25, 100) {
        Ok(per_page) => per_page,
        Err(reply) => return reply,
    };
    let state = shared.state();
    let records = match kind {
        "phone_calls" => &state.ringplus.calls,
        "phone_texts" => &state.ringplus.texts,
        _ => &state.ringplus.data,
    };
    let matching: Vec<&Usage> = records
        .iter()
        .filter(|r| r.account_id == account_id)
        .filter(|r| bounds[0].as_ref().is_none_or(|s| r.date >= *s))
        .filter(|r| bounds[1].as_ref().is_none_or(|e| r.date <= *e))
        .collect();
    let total = matching.len();
    let items: Vec<Value> = matching
        .iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|r| r.body.clone())
        .collect();
    ok(&json!({
        kind: items,
        "meta": {
            "page": page,
            "per_page": per_page,
            "total_entries": total,
            "total_pages": total.div_ceil(per_page),
        }
    }))
}

fn voicemail_messages(shared: &Shared, me: u64, box_id: Option<u64>) -> Reply {
    let state = shared.state();
    let owns = state
        .ringplus
        .accounts
        .iter()
        .any(|a| a.user_id == me && Some(a.voicemail_box_id) == box_id);
    if !owns {
        return not_found();
    }
    let messages: Vec<Value> = state
        .ringplus
        .messages
        .iter()
        .filter(|m| Some(m.box_id) == box_id)
        .map(|m| m.body.clone())
        .collect();
    ok(&json!({ "voicemail_messages": messages }))
}

fn delete_message(shared: &Shared, me: u64, id: Option<u64>) -> Reply {
    let mut state = shared.state();
    let boxes: Vec<u64> = state
        .ringplus
        .accounts
        .iter()
        .filter(|a| a.user_id == me)
        .map(|a| a.voicemail_box_id)
        .collect();
    let position = state
        .ringplus
        .messages
        .iter()
        .position(|m| Some(m.id) == id && boxes.contains(&m.box_id));
    match position {
        Some(index) => {
            state.ringplus.messages.remove(index);
            wire::empty(StatusCode::NO_CONTENT)
        }
        None => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked() {
        assert!(valid_date("2015-03-01"));
        assert!(!valid_date("2015-3-01"));
        assert!(!valid_date("2015-13-01"));
        assert!(!valid_date("yesterday"));
    }
}
