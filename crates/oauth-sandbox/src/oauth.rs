//! The authorization server: authorization endpoint, sign-in and consent
//! pages, and the discovery documents. The token-side endpoints live in
//! [`crate::token`].

use http::{Method, StatusCode, header};
use serde_json::json;
use url::Url;

use crate::config::{Grant, Profile};
use crate::pages;
use crate::server::{Extras, Request};
use crate::state::{AuthRequest, CODE_LIFETIME, Code, Pending, PkceMethod, Shared, State};
use crate::token;
use crate::wire::{self, Params, Reply};

/// Routes a request on the OAuth listener.
pub(crate) fn route(shared: &Shared, request: &Request, extras: Extras) -> Reply {
    let profile = shared.profile;
    let path = request.path.as_str();
    let method = &request.method;
    match (profile, path) {
        (Profile::Generic | Profile::BattleNet, "/authorize")
        | (Profile::BattleNet, "/oauth/authorize") => {
            only_get(method, || authorize(shared, request))
        }
        (Profile::RingPlus, "/oauth/authorize") => match *method {
            Method::GET => authorize(shared, request),
            Method::POST => ringplus_decision(shared, request),
            _ => method_not_allowed("GET, POST"),
        },
        (Profile::Generic | Profile::BattleNet, "/login")
        | (Profile::RingPlus, "/users/sign_in") => match *method {
            Method::GET => sign_in_page(shared, request),
            Method::POST => sign_in(shared, request),
            _ => method_not_allowed("GET, POST"),
        },
        (Profile::Generic | Profile::BattleNet, "/consent") => match *method {
            Method::GET => consent_page(shared, request),
            Method::POST => consent_decision(shared, request),
            _ => method_not_allowed("GET, POST"),
        },
        (Profile::Generic | Profile::BattleNet, "/token")
        | (Profile::BattleNet | Profile::RingPlus, "/oauth/token") => {
            token::token(shared, request, extras)
        }
        (Profile::Generic, "/revoke") | (Profile::RingPlus, "/oauth/revoke") => {
            token::revoke(shared, request)
        }
        (Profile::Generic, "/introspect") => token::introspect(shared, request),
        (Profile::RingPlus, "/oauth/token/info") => token::token_info(shared, request),
        (Profile::Generic, "/userinfo") => token::userinfo(shared, request),
        (Profile::BattleNet, "/userinfo" | "/oauth/userinfo") => {
            token::battlenet_userinfo(shared, request)
        }
        (Profile::BattleNet, "/check_token" | "/oauth/check_token") => {
            token::check_token(shared, request)
        }
        (Profile::Generic | Profile::BattleNet, "/.well-known/openid-configuration") => {
            only_get(method, || discovery(shared, true))
        }
        (Profile::Generic, "/.well-known/oauth-authorization-server") => {
            only_get(method, || discovery(shared, false))
        }
        (Profile::Generic | Profile::BattleNet, "/jwks/certs") => {
            only_get(method, || wire::json(StatusCode::OK, &shared.signer.jwks()))
        }
        _ => wire::json(
            StatusCode::NOT_FOUND,
            &json!({ "error": "not_found", "error_description": format!("no endpoint at {path}") }),
        ),
    }
}

fn only_get(method: &Method, handler: impl FnOnce() -> Reply) -> Reply {
    if *method == Method::GET {
        handler()
    } else {
        method_not_allowed("GET")
    }
}

/// `405 Method Not Allowed` with the allowed methods.
pub(crate) fn method_not_allowed(allow: &str) -> Reply {
    let mut reply = wire::json(
        StatusCode::METHOD_NOT_ALLOWED,
        &json!({ "error": "invalid_request", "error_description": format!("method not allowed; use {allow}") }),
    );
    wire::set_header(&mut reply, header::ALLOW.as_str(), allow);
    reply
}

fn error_page(shared: &Shared, status: StatusCode, message: &str) -> Reply {
    let mut reply = wire::html(status, pages::error(shared.profile, message));
    no_store(&mut reply);
    reply
}

fn no_store(reply: &mut Reply) {
    wire::set_header(reply, header::CACHE_CONTROL.as_str(), "no-store");
}

fn cookie_name(profile: Profile) -> &'static str {
    match profile {
        Profile::Generic => "sandbox_session",
        Profile::BattleNet => "JSESSIONID",
        Profile::RingPlus => "_ringplus_session",
    }
}

/// The session named by the request's cookie, if it still exists.
fn current_session(shared: &Shared, state: &State, request: &Request) -> Option<String> {
    wire::cookie(&request.headers, cookie_name(shared.profile))
        .filter(|id| state.sessions.contains_key(id))
}

fn set_session_cookie(shared: &Shared, reply: &mut Reply, id: &str) {
    let value = format!(
        "{}={id}; Path=/; HttpOnly; SameSite=Lax",
        cookie_name(shared.profile)
    );
    wire::set_header(reply, header::SET_COOKIE.as_str(), &value);
}

/// Appends parameters to a redirect URI, keeping its own query.
fn redirect_with(uri: &str, params: &[(&str, &str)]) -> String {
    match Url::parse(uri) {
        Ok(mut url) => {
            {
                let mut query = url.query_pairs_mut();
                for (key, value) in params {
                    query.append_pair(key, value);
                }
            }
            url.to_string()
        }
        Err(_) => {
            let separator = if uri.contains('?') { '&' } else { '?' };
            format!(
                "{uri}{separator}{}",
                wire::form_encode(params.iter().copied())
            )
        }
    }
}

/// The redirect that reports an authorization error to the client.
fn error_redirect(
    redirect_uri: &str,
    state: Option<&str>,
    error: &str,
    description: &str,
) -> Reply {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(state) = state {
        params.push(("state", state));
    }
    let mut reply = wire::redirect(&redirect_with(redirect_uri, &params));
    no_store(&mut reply);
    reply
}

/// Splits a space-separated scope parameter.
pub(crate) fn split_scopes(raw: Option<&str>) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    for scope in raw.unwrap_or_default().split(' ').filter(|s| !s.is_empty()) {
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_owned());
        }
    }
    scopes
}

fn authorize(shared: &Shared, request: &Request) -> Reply {
    let params = match request.query() {
        Ok(params) => params,
        Err(error) => {
            return error_page(
                shared,
                StatusCode::BAD_REQUEST,
                &format!("the query string is malformed: {error}"),
            );
        }
    };
    // Until the client and its redirect URI are known to be good, errors
    // are shown to the person, never redirected (RFC 6749 §4.1.2.1).
    let client_id = match params.get("client_id") {
        Ok(Some(id)) => id.to_owned(),
        Ok(None) => {
            return error_page(shared, StatusCode::BAD_REQUEST, "client_id is missing");
        }
        Err(_) => {
            return error_page(
                shared,
                StatusCode::BAD_REQUEST,
                "client_id is given more than once",
            );
        }
    };
    let Some(client) = shared.state().clients.get(&client_id).cloned() else {
        return error_page(
            shared,
            StatusCode::BAD_REQUEST,
            &format!("unknown client: {client_id}"),
        );
    };
    let (redirect_uri, redirect_uri_given) = match params.get("redirect_uri") {
        Ok(Some(uri)) if client.redirect_uris.iter().any(|r| r == uri) => (uri.to_owned(), true),
        Ok(Some(uri)) => {
            return error_page(
                shared,
                StatusCode::BAD_REQUEST,
                &format!("redirect_uri {uri} is not registered for client {client_id}"),
            );
        }
        Ok(None) if client.redirect_uris.len() == 1 => (client.redirect_uris[0].clone(), false),
        Ok(None) => {
            return error_page(shared, StatusCode::BAD_REQUEST, "redirect_uri is missing");
        }
        Err(_) => {
            return error_page(
                shared,
                StatusCode::BAD_REQUEST,
                "redirect_uri is given more than once",
            );
        }
    };

    let state = params.first("state").filter(|s| !s.is_empty());
    let fail =
        |error: &str, description: &str| error_redirect(&redirect_uri, state, error, description);
    if let Some(duplicate) = params.first_duplicate() {
        return fail(
            "invalid_request",
            &format!("{duplicate} is given more than once"),
        );
    }
    match params.first("response_type").filter(|s| !s.is_empty()) {
        None => return fail("invalid_request", "response_type is missing"),
        Some("code") => {}
        Some(other) => {
            return fail(
                "unsupported_response_type",
                &format!("response_type {other} is not supported; use code"),
            );
        }
    }
    if !client.grants.contains(&Grant::AuthorizationCode) {
        return fail(
            "unauthorized_client",
            "this client may not use the authorization_code grant",
        );
    }
    let mut scopes = split_scopes(params.first("scope"));
    if let Some(unknown) = shared.unknown_scope(&scopes) {
        return fail("invalid_scope", &format!("unknown scope: {unknown}"));
    }
    if scopes.is_empty() && shared.profile == Profile::RingPlus {
        // Doorkeeper grants its default scope when none is asked for.
        scopes.push("public".to_owned());
    }
    let challenge = match pkce(&params, client.require_pkce) {
        Ok(challenge) => challenge,
        Err(description) => return fail("invalid_request", description),
    };
    let prompts = split_scopes(params.first("prompt"));
    if let Some(unknown) = prompts
        .iter()
        .find(|p| !matches!(p.as_str(), "none" | "login" | "consent" | "select_account"))
    {
        return fail(
            "invalid_request",
            &format!("unknown prompt value: {unknown}"),
        );
    }
    let prompt = |value: &str| prompts.iter().any(|p| p == value);

    let auth_request = AuthRequest {
        client_id: client_id.clone(),
        redirect_uri: redirect_uri.clone(),
        redirect_uri_given,
        scopes,
        state: state.map(str::to_owned),
        challenge,
        nonce: params.first("nonce").map(str::to_owned),
    };

    let mut guard = shared.state();
    let existing = current_session(shared, &guard, request);
    let created = existing.is_none();
    let session_id = existing.unwrap_or_else(|| guard.new_session());
    let user = guard.sessions.get(&session_id).and_then(|s| s.user);
    let remembered = user.is_some_and(|u| guard.users[u].config.remembered.contains(&client_id));

    let mut reply = if prompt("none") {
        match user {
            None => fail("login_required", "the user is not signed in"),
            Some(_) if !remembered => fail("consent_required", "the user has not consented"),
            Some(user) => code_redirect(shared, &mut guard, auth_request, user),
        }
    } else if user.is_none() || prompt("login") {
        let return_to = format!("{}?{}", request.path, without_prompt_login(&params));
        if let Some(session) = guard.sessions.get_mut(&session_id) {
            session.user = None;
            session.return_to = Some(return_to);
        }
        wire::redirect(shared.profile.sign_in_path())
    } else if let (Some(user), true) = (user, remembered && !prompt("consent")) {
        code_redirect(shared, &mut guard, auth_request, user)
    } else {
        let request_id = wire::random_token(16);
        guard.pending.insert(
            request_id.clone(),
            Pending {
                session: session_id.clone(),
                request: auth_request,
            },
        );
        match shared.profile {
            Profile::RingPlus => consent_reply(shared, &guard, &session_id, &request_id),
            Profile::Generic | Profile::BattleNet => {
                wire::redirect(&format!("/consent?request={request_id}"))
            }
        }
    };
    drop(guard);
    no_store(&mut reply);
    if created {
        set_session_cookie(shared, &mut reply, &session_id);
    }
    reply
}

/// The PKCE challenge of an authorization request, or why it is invalid.
fn pkce(params: &Params, required: bool) -> Result<Option<(String, PkceMethod)>, &'static str> {
    let challenge = params.first("code_challenge").filter(|s| !s.is_empty());
    let method = match params.first("code_challenge_method") {
        None | Some("") => None,
        Some("S256") => Some(PkceMethod::S256),
        Some("plain") => Some(PkceMethod::Plain),
        Some(_) => return Err("code_challenge_method must be S256 or plain"),
    };
    match challenge {
        None if method.is_some() => Err("code_challenge_method given without code_challenge"),
        None if required => Err("code_challenge is required for this client"),
        None => Ok(None),
        Some(challenge) if !wire::is_pkce_value(challenge) => {
            Err("code_challenge must be 43 to 128 unreserved characters")
        }
        Some(challenge) => Ok(Some((
            challenge.to_owned(),
            method.unwrap_or(PkceMethod::Plain),
        ))),
    }
}

/// The query again, with `login` taken out of `prompt` so that returning
/// after sign-in does not ask to sign in once more.
fn without_prompt_login(params: &Params) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (key, value) in params.pairs() {
        if key == "prompt" {
            let kept: Vec<&str> = value.split(' ').filter(|p| *p != "login").collect();
            let kept = kept.join(" ");
            if !kept.trim().is_empty() {
                pairs.push((key.clone(), kept));
            }
        } else {
            pairs.push((key.clone(), value.clone()));
        }
    }
    wire::form_encode(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// Issues a code and redirects to the client with it.
fn code_redirect(shared: &Shared, state: &mut State, request: AuthRequest, user: usize) -> Reply {
    let code = wire::random_token(24);
    let family = state.new_family();
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = request.state.as_deref() {
        params.push(("state", s));
    }
    let location = redirect_with(&request.redirect_uri, &params);
    state.codes.insert(
        code.clone(),
        Code {
            request,
            user,
            expires_at: shared.clock.elapsed().saturating_add(CODE_LIFETIME),
            used: false,
            family,
            auth_time: state.users[user]
                .signed_in_at
                .unwrap_or_else(|| shared.clock.epoch()),
        },
    );
    wire::redirect(&location)
}

fn consent_reply(shared: &Shared, state: &State, session_id: &str, request_id: &str) -> Reply {
    let Some(session) = state.sessions.get(session_id) else {
        return error_page(shared, StatusCode::BAD_REQUEST, "the session has expired");
    };
    let Some(pending) = state.pending.get(request_id) else {
        return error_page(
            shared,
            StatusCode::BAD_REQUEST,
            "unknown or expired authorization request",
        );
    };
    let user = session
        .user
        .and_then(|u| state.users.get(u))
        .map(|u| u.config.login.clone())
        .unwrap_or_default();
    let page = pages::consent(
        shared.profile,
        &pages::Consent {
            csrf: &session.csrf,
            request_id,
            client_id: &pending.request.client_id,
            user: &user,
            scopes: &pending.request.scopes,
        },
    );
    let mut reply = wire::html(StatusCode::OK, page);
    no_store(&mut reply);
    reply
}

fn csrf_field(profile: Profile) -> &'static str {
    match profile {
        Profile::RingPlus => "authenticity_token",
        Profile::Generic | Profile::BattleNet => "csrf_token",
    }
}

/// Rails answers a forged form with 422; the others with 403.
fn csrf_failure(shared: &Shared) -> Reply {
    let status = match shared.profile {
        Profile::RingPlus => StatusCode::UNPROCESSABLE_ENTITY,
        Profile::Generic | Profile::BattleNet => StatusCode::FORBIDDEN,
    };
    error_page(
        shared,
        status,
        "the form's csrf token does not match the session; reload the page and try again",
    )
}

fn sign_in_page(shared: &Shared, request: &Request) -> Reply {
    let mut guard = shared.state();
    let existing = current_session(shared, &guard, request);
    let created = existing.is_none();
    let session_id = existing.unwrap_or_else(|| guard.new_session());
    let csrf = guard
        .sessions
        .get(&session_id)
        .map(|s| s.csrf.clone())
        .unwrap_or_default();
    drop(guard);
    let mut reply = wire::html(StatusCode::OK, pages::sign_in(shared.profile, &csrf, None));
    no_store(&mut reply);
    if created {
        set_session_cookie(shared, &mut reply, &session_id);
    }
    reply
}

fn sign_in(shared: &Shared, request: &Request) -> Reply {
    let Ok(form) = request.form() else {
        return error_page(shared, StatusCode::BAD_REQUEST, "the form is malformed");
    };
    let (login_field, password_field) = match shared.profile {
        Profile::RingPlus => ("user[email]", "user[password]"),
        Profile::Generic | Profile::BattleNet => ("username", "password"),
    };
    let mut guard = shared.state();
    let Some(session_id) = current_session(shared, &guard, request) else {
        return csrf_failure(shared);
    };
    let Some(session) = guard.sessions.get(&session_id).cloned() else {
        return csrf_failure(shared);
    };
    let sent = form.first(csrf_field(shared.profile)).unwrap_or_default();
    if !wire::constant_time_eq(sent.as_bytes(), session.csrf.as_bytes()) {
        return csrf_failure(shared);
    }
    let login = form.first(login_field).unwrap_or_default();
    let password = form.first(password_field).unwrap_or_default();
    let user = guard.user_by_login(login).filter(|u| {
        wire::constant_time_eq(
            guard.users[*u].config.password.as_bytes(),
            password.as_bytes(),
        )
    });
    let Some(user) = user else {
        let message = match shared.profile {
            Profile::RingPlus => "Invalid email or password.",
            Profile::Generic | Profile::BattleNet => "Invalid login or password.",
        };
        let mut reply = wire::html(
            StatusCode::OK,
            pages::sign_in(shared.profile, &session.csrf, Some(message)),
        );
        no_store(&mut reply);
        return reply;
    };
    // A fresh session id on sign-in, so a planted cookie gains nothing.
    guard.sessions.remove(&session_id);
    let new_id = guard.new_session();
    if let Some(fresh) = guard.sessions.get_mut(&new_id) {
        fresh.user = Some(user);
    }
    guard.users[user].signed_in_at = Some(shared.clock.epoch());
    let login = guard.users[user].config.login.clone();
    drop(guard);
    let mut reply = match session.return_to {
        Some(location) => wire::redirect(&location),
        None => wire::html(StatusCode::OK, pages::signed_in(shared.profile, &login)),
    };
    no_store(&mut reply);
    set_session_cookie(shared, &mut reply, &new_id);
    reply
}

fn consent_page(shared: &Shared, request: &Request) -> Reply {
    let request_id = request
        .query()
        .ok()
        .and_then(|q| q.first("request").map(str::to_owned))
        .unwrap_or_default();
    let guard = shared.state();
    let session_id = current_session(shared, &guard, request);
    let owned = session_id.as_ref().is_some_and(|sid| {
        guard
            .pending
            .get(&request_id)
            .is_some_and(|p| &p.session == sid)
            && guard.sessions.get(sid).is_some_and(|s| s.user.is_some())
    });
    match session_id {
        Some(sid) if owned => consent_reply(shared, &guard, &sid, &request_id),
        _ => error_page(
            shared,
            StatusCode::BAD_REQUEST,
            "unknown or expired authorization request",
        ),
    }
}

fn consent_decision(shared: &Shared, request: &Request) -> Reply {
    let Ok(form) = request.form() else {
        return error_page(shared, StatusCode::BAD_REQUEST, "the form is malformed");
    };
    match form.first("decision") {
        Some("approve") => decide(shared, request, &form, true),
        Some("deny") => decide(shared, request, &form, false),
        _ => error_page(
            shared,
            StatusCode::BAD_REQUEST,
            "decision must be approve or deny",
        ),
    }
}

fn ringplus_decision(shared: &Shared, request: &Request) -> Reply {
    let Ok(form) = request.form() else {
        return error_page(shared, StatusCode::BAD_REQUEST, "the form is malformed");
    };
    let approve = !form
        .first("_method")
        .is_some_and(|m| m.eq_ignore_ascii_case("delete"));
    decide(shared, request, &form, approve)
}

/// Applies a consent decision from a submitted form.
fn decide(shared: &Shared, request: &Request, form: &Params, approve: bool) -> Reply {
    let mut guard = shared.state();
    let Some(session_id) = current_session(shared, &guard, request) else {
        return csrf_failure(shared);
    };
    let Some(session) = guard.sessions.get(&session_id).cloned() else {
        return csrf_failure(shared);
    };
    let sent = form.first(csrf_field(shared.profile)).unwrap_or_default();
    if !wire::constant_time_eq(sent.as_bytes(), session.csrf.as_bytes()) {
        return csrf_failure(shared);
    }
    let request_id = form.first("request").unwrap_or_default();
    let pending = guard
        .pending
        .get(request_id)
        .filter(|p| p.session == session_id)
        .cloned();
    let (Some(pending), Some(user)) = (pending, session.user) else {
        return error_page(
            shared,
            StatusCode::BAD_REQUEST,
            "unknown or expired authorization request",
        );
    };
    guard.pending.remove(request_id);
    let mut reply = if approve {
        code_redirect(shared, &mut guard, pending.request, user)
    } else {
        error_redirect(
            &pending.request.redirect_uri,
            pending.request.state.as_deref(),
            "access_denied",
            "the user denied the request",
        )
    };
    no_store(&mut reply);
    reply
}

/// OpenID Connect discovery (`openid`) or RFC 8414 metadata.
fn discovery(shared: &Shared, openid: bool) -> Reply {
    let profile = shared.profile;
    let link = |path: &str| shared.oauth_link(path);
    let mut grants = vec!["authorization_code", "client_credentials"];
    if profile != Profile::BattleNet {
        grants.extend(["refresh_token", "password"]);
    }
    let mut doc = json!({
        "issuer": shared.issuer(),
        "authorization_endpoint": link(profile.authorize_path()),
        "token_endpoint": link(profile.token_path()),
        "jwks_uri": link("/jwks/certs"),
        "scopes_supported": shared.scopes,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": grants,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256", "plain"],
    });
    if let Some(map) = doc.as_object_mut() {
        match profile {
            Profile::Generic => {
                map.insert("userinfo_endpoint".into(), json!(link("/userinfo")));
                map.insert("revocation_endpoint".into(), json!(link("/revoke")));
                map.insert("introspection_endpoint".into(), json!(link("/introspect")));
            }
            Profile::BattleNet => {
                map.insert("userinfo_endpoint".into(), json!(link("/oauth/userinfo")));
            }
            Profile::RingPlus => {}
        }
        if openid {
            // As many providers' OpenID documents do, this one leaves out
            // revocation and introspection, which its RFC 8414 document
            // lists: a client reads both.
            map.remove("revocation_endpoint");
            map.remove("introspection_endpoint");
            map.insert("subject_types_supported".into(), json!(["public"]));
            map.insert(
                "id_token_signing_alg_values_supported".into(),
                json!(["ES256"]),
            );
            map.insert(
                "claims_supported".into(),
                json!(["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce"]),
            );
        } else {
            map.remove("jwks_uri");
        }
    }
    wire::json(StatusCode::OK, &doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_keeps_existing_query() {
        assert_eq!(
            redirect_with(
                "http://127.0.0.1:9/cb?x=1",
                &[("code", "a b"), ("state", "s&t")]
            ),
            "http://127.0.0.1:9/cb?x=1&code=a+b&state=s%26t"
        );
    }

    #[test]
    fn scopes_split_on_spaces_without_duplicates() {
        assert_eq!(
            split_scopes(Some("a  b a")),
            vec!["a".to_owned(), "b".to_owned()]
        );
        assert!(split_scopes(None).is_empty());
    }
}
