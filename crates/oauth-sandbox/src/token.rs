//! The token side of the authorization server: the token endpoint with
//! client authentication, revocation, introspection, userinfo and
//! Battle.net's `check_token`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{Method, StatusCode, header};
use serde_json::{Map, Value, json};

use crate::api::{self, BearerFailure};
use crate::config::{ClientAuth, ClientConfig, Grant, Profile};
use crate::fault::TokenQuirk;
use crate::oauth::{method_not_allowed, split_scopes};
use crate::server::{Extras, Request};
use crate::state::{PkceMethod, Shared, State, TokenProblem};
use crate::wire::{self, Params, Reply};

/// An RFC 6749 §5.2 error on its way to the client.
#[derive(Debug)]
struct OauthError {
    status: StatusCode,
    code: &'static str,
    description: String,
    /// Whether the client tried HTTP Basic, which earns a challenge on 401.
    basic: bool,
}

impl OauthError {
    fn bad(code: &'static str, description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            description: description.into(),
            basic: false,
        }
    }

    fn client(description: impl Into<String>, basic: bool) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code: "invalid_client",
            description: description.into(),
            basic,
        }
    }

    fn reply(&self) -> Reply {
        let mut reply = wire::json(
            self.status,
            &json!({ "error": self.code, "error_description": self.description }),
        );
        no_store(&mut reply);
        if self.status == StatusCode::UNAUTHORIZED && self.basic {
            wire::set_header(
                &mut reply,
                header::WWW_AUTHENTICATE.as_str(),
                &format!("Basic realm=\"{}\", charset=\"UTF-8\"", api::REALM),
            );
        }
        reply
    }
}

fn no_store(reply: &mut Reply) {
    wire::set_header(reply, header::CACHE_CONTROL.as_str(), "no-store");
    wire::set_header(reply, header::PRAGMA.as_str(), "no-cache");
}

/// How the client authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthUsed {
    Basic,
    Body,
    /// A public client naming itself with `client_id` only.
    None,
    /// A signed client assertion (RFC 7523 §2.2).
    Assertion,
}

/// Checks method, content type and form encoding of a token-style request.
#[allow(
    clippy::result_large_err,
    reason = "the error is the reply itself, built once per request"
)]
fn form_post(request: &Request) -> Result<Params, Reply> {
    if request.method != Method::POST {
        let mut reply = method_not_allowed("POST");
        no_store(&mut reply);
        return Err(reply);
    }
    if !request.is_form() {
        return Err(OauthError::bad(
            "invalid_request",
            "content-type must be application/x-www-form-urlencoded",
        )
        .reply());
    }
    let form = request.form().map_err(|error| {
        OauthError::bad(
            "invalid_request",
            format!("the form body is malformed: {error}"),
        )
        .reply()
    })?;
    if let Some(duplicate) = form.first_duplicate() {
        return Err(OauthError::bad(
            "invalid_request",
            format!("{duplicate} is given more than once"),
        )
        .reply());
    }
    Ok(form)
}

/// Authenticates the client per RFC 6749 §2.3.1.
fn authenticate(
    shared: &Shared,
    request: &Request,
    form: &Params,
) -> Result<(ClientConfig, AuthUsed), OauthError> {
    let body_id = form.first("client_id").filter(|s| !s.is_empty());
    let body_secret = form.first("client_secret");
    let header = request.header(header::AUTHORIZATION.as_str());
    if let Some(kind) = form.first("client_assertion_type") {
        if header.is_some() || body_secret.is_some() {
            return Err(OauthError::bad(
                "invalid_request",
                "the client authenticated in more than one way",
            ));
        }
        if kind != crate::assertion::JWT_BEARER {
            return Err(OauthError::client(
                format!("unsupported client_assertion_type {kind}"),
                false,
            ));
        }
        let Some(assertion) = form.first("client_assertion") else {
            return Err(OauthError::client("client_assertion is missing", false));
        };
        let client = crate::assertion::verify(shared, assertion, body_id)
            .map_err(|reason| OauthError::client(reason, false))?;
        return Ok((client, AuthUsed::Assertion));
    }
    let (id, secret, used) = match header {
        Some(value) => {
            let (scheme, encoded) = value.split_once(' ').unwrap_or((value, ""));
            if !scheme.eq_ignore_ascii_case("basic") {
                return Err(OauthError::client(
                    "the authorization header must use the basic scheme",
                    true,
                ));
            }
            let (id, secret) = decode_basic(encoded.trim())
                .ok_or_else(|| OauthError::client("malformed basic credentials", true))?;
            if body_secret.is_some() {
                return Err(OauthError::bad(
                    "invalid_request",
                    "the client authenticated with both http basic and client_secret in the body",
                ));
            }
            if body_id.is_some_and(|b| b != id) {
                return Err(OauthError::bad(
                    "invalid_request",
                    "client_id in the body does not match the authorization header",
                ));
            }
            (id, Some(secret), AuthUsed::Basic)
        }
        None => {
            let Some(id) = body_id else {
                return Err(OauthError::client(
                    "client authentication is missing",
                    false,
                ));
            };
            let used = if body_secret.is_some() {
                AuthUsed::Body
            } else {
                AuthUsed::None
            };
            (id.to_owned(), body_secret.map(str::to_owned), used)
        }
    };
    let basic = used == AuthUsed::Basic;
    let Some(client) = shared.state().clients.get(&id).cloned() else {
        return Err(OauthError::client(format!("unknown client: {id}"), basic));
    };
    match client.secret.as_deref() {
        Some(expected) => {
            let Some(secret) = secret.filter(|s| !s.is_empty()) else {
                return Err(OauthError::client("the client secret is missing", basic));
            };
            if !wire::constant_time_eq(secret.as_bytes(), expected.as_bytes()) {
                return Err(OauthError::client("client authentication failed", basic));
            }
            match (client.auth, used) {
                (ClientAuth::Basic, AuthUsed::Body) => {
                    return Err(OauthError::client(
                        "this client must authenticate with http basic",
                        false,
                    ));
                }
                (ClientAuth::Body, AuthUsed::Basic) => {
                    return Err(OauthError::client(
                        "this client must send client_id and client_secret in the form body",
                        true,
                    ));
                }
                _ => {}
            }
        }
        None => {
            if !client.keys.is_empty() {
                return Err(OauthError::client(
                    "this client must authenticate with a signed client assertion",
                    basic,
                ));
            }
            if secret.is_some_and(|s| !s.is_empty()) {
                return Err(OauthError::client(
                    "this is a public client; it has no secret",
                    basic,
                ));
            }
        }
    }
    Ok((client, used))
}

/// Decodes `base64(urlencode(id) ":" urlencode(secret))`.
fn decode_basic(encoded: &str) -> Option<(String, String)> {
    let raw = STANDARD.decode(encoded).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    let id = wire::decode_component(id.as_bytes()).ok()?;
    let secret = wire::decode_component(secret.as_bytes()).ok()?;
    (!id.is_empty()).then_some((id, secret))
}

/// What a successful grant produced.
#[derive(Debug)]
struct Issued {
    access: String,
    refresh: Option<String>,
    scopes: Vec<String>,
    client_id: String,
    user: Option<usize>,
    grant: Grant,
    nonce: Option<String>,
    /// When the user signed in (a code's), for the ID token.
    auth_time: Option<u64>,
}

/// `POST /token`.
pub(crate) fn token(shared: &Shared, request: &Request, extras: Extras) -> Reply {
    let form = match form_post(request) {
        Ok(form) => form,
        Err(reply) => return reply,
    };
    let client = match authenticate(shared, request, &form) {
        Ok((client, _)) => client,
        Err(error) => return error.reply(),
    };
    let grant = match form.first("grant_type") {
        None | Some("") => {
            return OauthError::bad("invalid_request", "grant_type is missing").reply();
        }
        Some(value) => match Grant::from_grant_type(value) {
            Some(grant) => grant,
            None => {
                return OauthError::bad(
                    "unsupported_grant_type",
                    format!("grant_type {value} is not supported"),
                )
                .reply();
            }
        },
    };
    if !client.grants.contains(&grant) {
        return OauthError::bad(
            "unauthorized_client",
            format!("this client may not use the {} grant", grant.as_str()),
        )
        .reply();
    }
    if extras.quirk == Some(TokenQuirk::ErrorWith200) {
        let mut reply = wire::json(
            StatusCode::OK,
            &json!({ "error": "invalid_grant", "error_description": "the grant was refused (sandbox fault: error with 200)" }),
        );
        no_store(&mut reply);
        return reply;
    }
    let result = {
        let mut state = shared.state();
        let result = match grant {
            Grant::AuthorizationCode => authorization_code(shared, &mut state, &client, &form),
            Grant::ClientCredentials => client_credentials(shared, &mut state, &client, &form),
            Grant::RefreshToken => refresh(shared, &mut state, &client, &form),
            Grant::Password => password(shared, &mut state, &client, &form),
            Grant::JwtBearer => jwt_bearer(shared, &mut state, &client, &form),
            Grant::TokenExchange => token_exchange(shared, &mut state, &client, &form),
        };
        if result.is_ok() {
            *state.grants_served.entry(grant).or_default() += 1;
        }
        result
    };
    match result {
        Ok(issued) => answer(shared, &issued, extras.quirk),
        Err(error) => error.reply(),
    }
}

fn may_refresh(shared: &Shared, client: &ClientConfig) -> bool {
    // Battle.net issues no refresh tokens.
    client.grants.contains(&Grant::RefreshToken) && shared.profile != Profile::BattleNet
}

fn authorization_code(
    shared: &Shared,
    state: &mut State,
    client: &ClientConfig,
    form: &Params,
) -> Result<Issued, OauthError> {
    let Some(code) = form.first("code").filter(|c| !c.is_empty()) else {
        return Err(OauthError::bad("invalid_request", "code is missing"));
    };
    let Some(record) = state.codes.get(code).cloned() else {
        return Err(OauthError::bad(
            "invalid_grant",
            "the authorization code is unknown",
        ));
    };
    if record.request.client_id != client.id {
        return Err(OauthError::bad(
            "invalid_grant",
            "the authorization code was issued to another client",
        ));
    }
    if record.used {
        state.revoke_family(record.family);
        return Err(OauthError::bad(
            "invalid_grant",
            "the authorization code was already used; the tokens it issued are revoked",
        ));
    }
    if shared.clock.elapsed() >= record.expires_at {
        return Err(OauthError::bad(
            "invalid_grant",
            "the authorization code has expired",
        ));
    }
    let sent_uri = form.first("redirect_uri").filter(|s| !s.is_empty());
    let uri_ok = match sent_uri {
        Some(uri) => uri == record.request.redirect_uri,
        None => !record.request.redirect_uri_given,
    };
    if !uri_ok {
        return Err(OauthError::bad(
            "invalid_grant",
            "redirect_uri does not match the authorization request",
        ));
    }
    let verifier = form.first("code_verifier").filter(|s| !s.is_empty());
    match (&record.request.challenge, verifier) {
        (Some(_), None) => {
            return Err(OauthError::bad("invalid_grant", "code_verifier is missing"));
        }
        (Some((challenge, method)), Some(verifier)) => {
            let derived = match method {
                PkceMethod::S256 => wire::pkce_s256(verifier),
                PkceMethod::Plain => verifier.to_owned(),
            };
            if !wire::is_pkce_value(verifier)
                || !wire::constant_time_eq(derived.as_bytes(), challenge.as_bytes())
            {
                return Err(OauthError::bad(
                    "invalid_grant",
                    "code_verifier does not match the code_challenge",
                ));
            }
        }
        (None, Some(_)) => {
            return Err(OauthError::bad(
                "invalid_grant",
                "code_verifier sent but the authorization request had no code_challenge",
            ));
        }
        (None, None) => {}
    }
    if let Some(stored) = state.codes.get_mut(code) {
        stored.used = true;
    }
    let scopes = record.request.scopes.clone();
    let access = state.issue_access(
        shared,
        &client.id,
        Some(record.user),
        &scopes,
        record.family,
    );
    let refresh = may_refresh(shared, client)
        .then(|| state.issue_refresh(&client.id, Some(record.user), &scopes, record.family));
    Ok(Issued {
        access,
        refresh,
        scopes,
        client_id: client.id.clone(),
        user: Some(record.user),
        grant: Grant::AuthorizationCode,
        nonce: record.request.nonce,
        auth_time: Some(record.auth_time),
    })
}

fn requested_scopes(shared: &Shared, form: &Params) -> Result<Vec<String>, OauthError> {
    let scopes = split_scopes(form.first("scope"));
    if let Some(unknown) = shared.unknown_scope(&scopes) {
        return Err(OauthError::bad(
            "invalid_scope",
            format!("unknown scope: {unknown}"),
        ));
    }
    Ok(scopes)
}

fn client_credentials(
    shared: &Shared,
    state: &mut State,
    client: &ClientConfig,
    form: &Params,
) -> Result<Issued, OauthError> {
    if client.secret.is_none() && client.keys.is_empty() {
        return Err(OauthError::bad(
            "unauthorized_client",
            "public clients cannot use the client_credentials grant",
        ));
    }
    let scopes = requested_scopes(shared, form)?;
    let family = state.new_family();
    let access = state.issue_access(shared, &client.id, None, &scopes, family);
    Ok(Issued {
        access,
        refresh: None,
        scopes,
        client_id: client.id.clone(),
        user: None,
        grant: Grant::ClientCredentials,
        nonce: None,
        auth_time: None,
    })
}

fn refresh(
    shared: &Shared,
    state: &mut State,
    client: &ClientConfig,
    form: &Params,
) -> Result<Issued, OauthError> {
    let Some(token) = form.first("refresh_token").filter(|t| !t.is_empty()) else {
        return Err(OauthError::bad(
            "invalid_request",
            "refresh_token is missing",
        ));
    };
    let Some(record) = state.refresh.get(token).cloned() else {
        return Err(OauthError::bad(
            "invalid_grant",
            "the refresh token is unknown or revoked",
        ));
    };
    if record.client_id != client.id {
        return Err(OauthError::bad(
            "invalid_grant",
            "the refresh token was issued to another client",
        ));
    }
    let asked = split_scopes(form.first("scope"));
    let scopes = if asked.is_empty() {
        record.scopes.clone()
    } else if let Some(extra) = asked.iter().find(|s| !record.scopes.contains(s)) {
        return Err(OauthError::bad(
            "invalid_scope",
            format!("scope {extra} was not granted originally"),
        ));
    } else {
        asked
    };
    let new_refresh = if client.rotate_refresh_tokens {
        state.refresh.remove(token);
        Some(state.issue_refresh(&client.id, record.user, &record.scopes, record.family))
    } else {
        None
    };
    let access = state.issue_access(shared, &client.id, record.user, &scopes, record.family);
    Ok(Issued {
        access,
        refresh: new_refresh,
        scopes,
        client_id: client.id.clone(),
        user: record.user,
        grant: Grant::RefreshToken,
        nonce: None,
        auth_time: None,
    })
}

/// The JWT-bearer grant (RFC 7523 §2.1): the client's signed assertion
/// names the user (`sub`, a login) it acts for.
fn jwt_bearer(
    shared: &Shared,
    state: &mut State,
    client: &ClientConfig,
    form: &Params,
) -> Result<Issued, OauthError> {
    let Some(assertion) = form.first("assertion").filter(|a| !a.is_empty()) else {
        return Err(OauthError::bad("invalid_request", "assertion is missing"));
    };
    let login = crate::assertion::verify_grant(shared, state, assertion, client)
        .map_err(|reason| OauthError::bad("invalid_grant", reason))?;
    let Some(user) = state.user_by_login(&login) else {
        return Err(OauthError::bad(
            "invalid_grant",
            format!("the assertion's sub is no user: {login}"),
        ));
    };
    let scopes = requested_scopes(shared, form)?;
    let family = state.new_family();
    let access = state.issue_access(shared, &client.id, Some(user), &scopes, family);
    Ok(Issued {
        access,
        refresh: None,
        scopes,
        client_id: client.id.clone(),
        user: Some(user),
        grant: Grant::JwtBearer,
        nonce: None,
        auth_time: None,
    })
}

/// The URI of an access token in token exchange (RFC 8693 §3).
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// Token exchange (RFC 8693): an active access token of this sandbox for
/// another, of the same user, with at most its scopes.
fn token_exchange(
    shared: &Shared,
    state: &mut State,
    client: &ClientConfig,
    form: &Params,
) -> Result<Issued, OauthError> {
    let (Some(subject), Some(kind)) = (
        form.first("subject_token").filter(|s| !s.is_empty()),
        form.first("subject_token_type"),
    ) else {
        return Err(OauthError::bad(
            "invalid_request",
            "subject_token and subject_token_type are required",
        ));
    };
    if kind != ACCESS_TOKEN_TYPE {
        return Err(OauthError::bad(
            "invalid_request",
            format!("subject_token_type {kind} is not supported"),
        ));
    }
    if form
        .first("requested_token_type")
        .is_some_and(|t| t != ACCESS_TOKEN_TYPE)
    {
        return Err(OauthError::bad(
            "invalid_request",
            "only access tokens are issued",
        ));
    }
    let now = shared.clock.elapsed();
    let Some(record) = state
        .access
        .get(subject)
        .filter(|r| r.expires_at > now)
        .cloned()
    else {
        return Err(OauthError::bad(
            "invalid_grant",
            "the subject token is not active",
        ));
    };
    let mut scopes = requested_scopes(shared, form)?;
    if scopes.is_empty() {
        scopes.clone_from(&record.scopes);
    }
    if let Some(wider) = scopes.iter().find(|s| !record.scopes.contains(s)) {
        return Err(OauthError::bad(
            "invalid_scope",
            format!("the subject token does not have scope {wider}"),
        ));
    }
    let family = state.new_family();
    let access = state.issue_access(shared, &client.id, record.user, &scopes, family);
    Ok(Issued {
        access,
        refresh: None,
        scopes,
        client_id: client.id.clone(),
        user: record.user,
        grant: Grant::TokenExchange,
        nonce: None,
        auth_time: None,
    })
}

fn password(
    shared: &Shared,
    state: &mut State,
    client: &ClientConfig,
    form: &Params,
) -> Result<Issued, OauthError> {
    let (Some(login), Some(password)) = (
        form.first("username").filter(|s| !s.is_empty()),
        form.first("password"),
    ) else {
        return Err(OauthError::bad(
            "invalid_request",
            "username and password are required",
        ));
    };
    let user = state.user_by_login(login).filter(|u| {
        wire::constant_time_eq(
            state.users[*u].config.password.as_bytes(),
            password.as_bytes(),
        )
    });
    let Some(user) = user else {
        return Err(OauthError::bad(
            "invalid_grant",
            "the resource owner credentials are invalid",
        ));
    };
    let scopes = requested_scopes(shared, form)?;
    let family = state.new_family();
    let access = state.issue_access(shared, &client.id, Some(user), &scopes, family);
    let refresh = may_refresh(shared, client)
        .then(|| state.issue_refresh(&client.id, Some(user), &scopes, family));
    Ok(Issued {
        access,
        refresh,
        scopes,
        client_id: client.id.clone(),
        user: Some(user),
        grant: Grant::Password,
        nonce: None,
        auth_time: None,
    })
}

/// Builds the token answer in the profile's shape, bent by a quirk.
fn answer(shared: &Shared, issued: &Issued, quirk: Option<TokenQuirk>) -> Reply {
    let profile = shared.profile;
    let lifetime = shared.access_lifetime.as_secs();
    let (user_id, user_login) = {
        let state = shared.state();
        let user = issued.user.and_then(|u| state.users.get(u));
        (user.map(|u| u.id), user.map(|u| u.config.login.clone()))
    };
    let mut map = Map::new();
    map.insert("access_token".into(), json!(issued.access));
    let token_type = match profile {
        Profile::Generic => "Bearer",
        Profile::BattleNet | Profile::RingPlus => "bearer",
    };
    map.insert("token_type".into(), json!(token_type));
    map.insert("expires_in".into(), json!(lifetime));
    if issued.grant == Grant::TokenExchange {
        map.insert("issued_token_type".into(), json!(ACCESS_TOKEN_TYPE));
    }
    if let Some(refresh) = &issued.refresh {
        map.insert("refresh_token".into(), json!(refresh));
    }
    let scope = issued.scopes.join(" ");
    match profile {
        Profile::Generic => {
            if !scope.is_empty() {
                map.insert("scope".into(), json!(scope));
            }
        }
        Profile::BattleNet => {
            let sub = user_id.map_or_else(|| issued.client_id.clone(), |id| id.to_string());
            map.insert("sub".into(), json!(sub));
            if issued.grant == Grant::AuthorizationCode {
                map.insert("scope".into(), json!(scope));
            }
        }
        Profile::RingPlus => {
            map.insert("scope".into(), json!(scope));
            map.insert("created_at".into(), json!(shared.clock.epoch()));
        }
    }
    let wants_id_token = profile != Profile::RingPlus
        && issued.grant == Grant::AuthorizationCode
        && issued.scopes.iter().any(|s| s == "openid");
    if let (true, Some(sub)) = (wants_id_token, user_id) {
        map.insert(
            "id_token".into(),
            json!(id_token(
                shared,
                &issued.client_id,
                sub,
                user_login.as_deref(),
                issued.nonce.as_deref(),
                issued.auth_time,
            )),
        );
    }
    let mut reply = match quirk {
        Some(TokenQuirk::StringExpiresIn) => {
            map.insert("expires_in".into(), json!(lifetime.to_string()));
            wire::json(StatusCode::OK, &Value::Object(map))
        }
        Some(TokenQuirk::MissingTokenType) => {
            map.remove("token_type");
            wire::json(StatusCode::OK, &Value::Object(map))
        }
        Some(TokenQuirk::UppercaseTokenType) => {
            map.insert("token_type".into(), json!("BEARER"));
            wire::json(StatusCode::OK, &Value::Object(map))
        }
        Some(TokenQuirk::CommaScopes) => {
            map.insert("scope".into(), json!(issued.scopes.join(",")));
            wire::json(StatusCode::OK, &Value::Object(map))
        }
        Some(TokenQuirk::ArrayScopes) => {
            map.insert("scope".into(), json!(issued.scopes));
            wire::json(StatusCode::OK, &Value::Object(map))
        }
        Some(TokenQuirk::FormEncoded) => {
            let pairs: Vec<(String, String)> = map
                .iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), text)
                })
                .collect();
            wire::reply(
                StatusCode::OK,
                "application/x-www-form-urlencoded",
                wire::form_encode(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            )
        }
        Some(TokenQuirk::ErrorWith200) | None => wire::json(StatusCode::OK, &Value::Object(map)),
    };
    no_store(&mut reply);
    reply
}

/// An ID token signed with the sandbox's key (ES256), as a provider's is.
fn id_token(
    shared: &Shared,
    client_id: &str,
    sub: u64,
    login: Option<&str>,
    nonce: Option<&str>,
    auth_time: Option<u64>,
) -> String {
    let now = shared.clock.epoch();
    let mut claims = json!({
        "iss": shared.issuer(),
        "sub": sub.to_string(),
        "aud": client_id,
        "iat": now,
        "exp": now.saturating_add(shared.access_lifetime.as_secs()),
    });
    if let Some(map) = claims.as_object_mut() {
        if let Some(nonce) = nonce {
            map.insert("nonce".into(), json!(nonce));
        }
        if let Some(login) = login {
            map.insert("preferred_username".into(), json!(login));
        }
        if let Some(auth_time) = auth_time {
            map.insert("auth_time".into(), json!(auth_time));
        }
    }
    shared.signer.sign(&claims)
}

/// `POST /revoke` (RFC 7009).
pub(crate) fn revoke(shared: &Shared, request: &Request) -> Reply {
    let form = match form_post(request) {
        Ok(form) => form,
        Err(reply) => return reply,
    };
    let client = match authenticate(shared, request, &form) {
        Ok((client, _)) => client,
        Err(error) => return error.reply(),
    };
    let Some(token) = form.first("token").filter(|t| !t.is_empty()) else {
        return OauthError::bad("invalid_request", "token is missing").reply();
    };
    match form.first("token_type_hint") {
        None | Some("" | "access_token" | "refresh_token") => {}
        Some(other) => {
            return OauthError::bad(
                "unsupported_token_type",
                format!("token_type_hint {other} is not supported"),
            )
            .reply();
        }
    }
    let mut state = shared.state();
    if let Some(record) = state.access.get(token) {
        if record.client_id != client.id {
            return OauthError::bad(
                "unauthorized_client",
                "the token was issued to another client",
            )
            .reply();
        }
        state.access.remove(token);
    } else if let Some(record) = state.refresh.get(token) {
        if record.client_id != client.id {
            return OauthError::bad(
                "unauthorized_client",
                "the token was issued to another client",
            )
            .reply();
        }
        // Revoking a refresh token ends its whole grant (RFC 7009 §2.1).
        let family = record.family;
        state.revoke_family(family);
    }
    drop(state);
    let mut reply = wire::empty(StatusCode::OK);
    no_store(&mut reply);
    reply
}

/// `POST /introspect` (RFC 7662).
pub(crate) fn introspect(shared: &Shared, request: &Request) -> Reply {
    let form = match form_post(request) {
        Ok(form) => form,
        Err(reply) => return reply,
    };
    if let Err(error) = authenticate(shared, request, &form) {
        return error.reply();
    }
    let Some(token) = form.first("token").filter(|t| !t.is_empty()) else {
        return OauthError::bad("invalid_request", "token is missing").reply();
    };
    let state = shared.state();
    let now = shared.clock.elapsed();
    let elapsed_secs = now.as_secs();
    let body = if let Ok(record) = state.check_access(token, now) {
        let user = record.user.and_then(|u| state.users.get(u));
        let remaining = record.expires_at.as_secs().saturating_sub(elapsed_secs);
        let mut body = json!({
            "active": true,
            "token_type": "Bearer",
            "client_id": record.client_id,
            "scope": record.scopes.join(" "),
            "iat": record.issued_at,
            "exp": shared.clock.epoch().saturating_add(remaining),
            "iss": shared.issuer(),
            "sub": user.map_or_else(|| record.client_id.clone(), |u| u.id.to_string()),
        });
        if let (Some(map), Some(user)) = (body.as_object_mut(), user) {
            map.insert("username".into(), json!(user.config.login));
        }
        body
    } else if let Some(record) = state.refresh.get(token) {
        json!({
            "active": true,
            "token_type": "refresh_token",
            "client_id": record.client_id,
            "scope": record.scopes.join(" "),
        })
    } else {
        json!({ "active": false })
    };
    drop(state);
    let mut reply = wire::json(StatusCode::OK, &body);
    no_store(&mut reply);
    reply
}

/// `GET /userinfo` (generic, OpenID Connect claims).
pub(crate) fn userinfo(shared: &Shared, request: &Request) -> Reply {
    if request.method != Method::GET && request.method != Method::POST {
        return method_not_allowed("GET, POST");
    }
    let token = match api::bearer(shared, request) {
        Ok(token) => token,
        Err(failure) => return failure.refusal().to_reply(),
    };
    let state = shared.state();
    let Some(user) = token.user.and_then(|u| state.users.get(u)) else {
        return api::insufficient_scope("openid", "userinfo needs a token issued to a user")
            .to_reply();
    };
    wire::json(
        StatusCode::OK,
        &json!({
            "sub": user.id.to_string(),
            "preferred_username": user.config.login,
            "name": user.name,
            "email": user.email,
            "email_verified": true,
        }),
    )
}

/// `GET /userinfo` on Battle.net: `sub`, `id`, `battletag`.
pub(crate) fn battlenet_userinfo(shared: &Shared, request: &Request) -> Reply {
    if request.method != Method::GET && request.method != Method::POST {
        return method_not_allowed("GET, POST");
    }
    let token = match api::bearer(shared, request) {
        Ok(token) => token,
        Err(failure) => return failure.refusal().to_reply(),
    };
    let state = shared.state();
    let Some(user) = token.user.and_then(|u| state.users.get(u)) else {
        return api::insufficient_scope("openid", "userinfo needs a token issued to a user")
            .to_reply();
    };
    wire::json(
        StatusCode::OK,
        &json!({ "sub": user.id.to_string(), "id": user.id, "battletag": user.battletag }),
    )
}

/// `POST /check_token` on Battle.net (also `GET` with a query).
pub(crate) fn check_token(shared: &Shared, request: &Request) -> Reply {
    let params = match request.method {
        Method::POST => request.form(),
        Method::GET => request.query(),
        _ => return method_not_allowed("GET, POST"),
    };
    let Ok(params) = params else {
        return OauthError::bad("invalid_request", "the form body is malformed").reply();
    };
    let Some(token) = params.first("token").filter(|t| !t.is_empty()) else {
        return OauthError::bad("invalid_request", "token is missing").reply();
    };
    let state = shared.state();
    let now = shared.clock.elapsed();
    let record = match state.check_access(token, now) {
        Ok(record) => record,
        Err(problem) => {
            let description = match problem {
                TokenProblem::Unknown => "Token was not recognised",
                TokenProblem::Expired => "Token has expired",
            };
            return wire::json(
                StatusCode::BAD_REQUEST,
                &json!({ "error": "invalid_token", "error_description": description }),
            );
        }
    };
    let remaining = record.expires_at.as_secs().saturating_sub(now.as_secs());
    let user = record.user.and_then(|u| state.users.get(u));
    let authorities = if user.is_some() {
        json!(["IS_AUTHENTICATED_FULLY", "ROLE_USER"])
    } else {
        json!(["IS_AUTHENTICATED_FULLY", "ROLE_CLIENT"])
    };
    let mut body = json!({
        "scope": record.scopes,
        "exp": shared.clock.epoch().saturating_add(remaining),
        "client_id": record.client_id,
        "authorities": authorities,
        "account_authorities": [],
        "client_authorities": [],
    });
    if let (Some(map), Some(user)) = (body.as_object_mut(), user) {
        map.insert("user_name".into(), json!(user.battletag));
    }
    wire::json(StatusCode::OK, &body)
}

/// `GET /oauth/token/info` on RingPlus (Doorkeeper's token introspection).
pub(crate) fn token_info(shared: &Shared, request: &Request) -> Reply {
    let token = match api::bearer(shared, request) {
        Ok(token) => token,
        Err(BearerFailure::Missing | BearerFailure::Invalid(_) | BearerFailure::InQuery) => {
            return wire::json(
                StatusCode::UNAUTHORIZED,
                &json!({ "error": "invalid_token", "error_description": "The access token is invalid" }),
            );
        }
        Err(failure) => return failure.refusal().to_reply(),
    };
    let state = shared.state();
    let remaining = token
        .expires_at
        .as_secs()
        .saturating_sub(shared.clock.elapsed().as_secs());
    let owner = token.user.and_then(|u| state.users.get(u)).map(|u| u.id);
    wire::json(
        StatusCode::OK,
        &json!({
            "resource_owner_id": owner,
            "scope": token.scopes,
            "expires_in": remaining,
            "application": { "uid": token.client_id },
            "created_at": token.issued_at,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let encoded = STANDARD.encode("client-id:p%40ss+w%3Ard%2F%2B%25%26%3D%3F");
        assert_eq!(
            decode_basic(&encoded),
            Some(("client-id".to_owned(), "p@ss w:rd/+%&=?".to_owned()))
        );
        assert_eq!(decode_basic("not base64!"), None);
        assert_eq!(decode_basic(&STANDARD.encode("no-colon")), None);
    }
}
