//! OAuth 2.0 as a ServiceNow instance serves it: the authorisation page with
//! sign-in and Allow/Deny consent, the token endpoint (authorization code with
//! PKCE S256, refresh token, password), and revocation.

use super::{
    SimState,
    pages::{consent_page, error_page, login_page},
    schema::Table,
    state::{AuthCode, Grant, new_token, unix_now},
};
use axum::{
    Form, Json,
    body::Bytes,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::{collections::HashMap, sync::Arc};

/// Lifetime of an authorisation code, in seconds.
const CODE_LIFETIME_SECS: i64 = 60;
/// Cookie of the sign-in session on the simulated instance.
const SESSION_COOKIE: &str = "JSESSIONID";

/// The query of `GET /oauth_auth.do` (and the hidden fields of its forms).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuthRequest {
    #[serde(default)]
    pub response_type: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub redirect_uri: String,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
}

impl AuthRequest {
    /// The query string that reproduces this request.
    pub fn to_query(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("response_type", &self.response_type);
        query.append_pair("client_id", &self.client_id);
        query.append_pair("redirect_uri", &self.redirect_uri);
        for (name, value) in [
            ("state", &self.state),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
        ] {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
        query.finish()
    }
}

/// Why an authorisation request is refused: a page on the instance (when the
/// client cannot be trusted) or a redirect back to the client with an error.
enum AuthRejection {
    Page(&'static str, &'static str),
    Redirect(String),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::Page(message, detail) => {
                error_page(StatusCode::BAD_REQUEST, message, detail)
            }
            AuthRejection::Redirect(location) => Redirect::to(&location).into_response(),
        }
    }
}

/// Checks an authorisation request as a real instance does; returns the OAuth entity's name.
fn validate(state: &SimState, request: &AuthRequest) -> Result<String, AuthRejection> {
    let instance = state.instance();
    let Some(entity) = instance.find(Table::OauthEntity, "client_id", &request.client_id) else {
        return Err(AuthRejection::Page(
            "Invalid client_id",
            "The OAuth client is not registered on this instance.",
        ));
    };
    if entity.get("redirect_url").map(String::as_str) != Some(request.redirect_uri.as_str()) {
        return Err(AuthRejection::Page(
            "Invalid redirect_uri",
            "The redirect URI does not match the one registered for this OAuth client.",
        ));
    }
    if request.state.as_deref().is_none_or(str::is_empty) {
        return Err(AuthRejection::Page(
            "Missing State parameter in request",
            "",
        ));
    }
    if request.response_type != "code" {
        return Err(AuthRejection::Redirect(redirect_url(
            request,
            &[("error", "unsupported_response_type")],
        )));
    }
    if request
        .code_challenge_method
        .as_deref()
        .is_some_and(|method| method != "S256")
    {
        return Err(AuthRejection::Redirect(redirect_url(
            request,
            &[("error", "invalid_request")],
        )));
    }
    Ok(entity.get("name").cloned().unwrap_or_default())
}

/// The signed-in user of the instance's own pages, if any.
fn session_user(state: &SimState, headers: &HeaderMap) -> Option<(String, String)> {
    let session = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == SESSION_COOKIE)?
        .value()
        .to_owned();
    let instance = state.instance();
    let sys_id = instance.sessions.get(&session)?;
    let user = instance.get(Table::SysUser, sys_id)?;
    Some((
        sys_id.clone(),
        user.get("name").cloned().unwrap_or_default(),
    ))
}

/// `GET /oauth_auth.do`: the sign-in form, or the consent page when signed in.
pub async fn authorize(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Query(request): Query<AuthRequest>,
) -> Response {
    let entity_name = match validate(&state, &request) {
        Ok(name) => name,
        Err(rejection) => return rejection.into_response(),
    };
    match session_user(&state, &headers) {
        Some((_, user_name)) => consent_page(&request, &entity_name, &user_name),
        None => login_page(&request.to_query(), None),
    }
}

/// Fields of the consent form.
#[derive(Debug, Deserialize)]
pub struct Decision {
    action: String,
    #[serde(flatten)]
    request: AuthRequest,
}

/// `POST /oauth_auth.do`: Allow issues a code, Deny reports `access_denied`.
pub async fn decide(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Form(decision): Form<Decision>,
) -> Response {
    let request = decision.request;
    if let Err(rejection) = validate(&state, &request) {
        return rejection.into_response();
    }
    let Some((user_sys_id, _)) = session_user(&state, &headers) else {
        return login_page(&request.to_query(), None);
    };
    if decision.action != "allow" {
        return Redirect::to(&redirect_url(&request, &[("error", "access_denied")]))
            .into_response();
    }
    let code = new_token();
    state.instance_mut().auth_codes.insert(
        code.clone(),
        AuthCode {
            client_id: request.client_id.clone(),
            redirect_uri: request.redirect_uri.clone(),
            user_sys_id,
            code_challenge: request.code_challenge.clone(),
            expires_at: unix_now() + CODE_LIFETIME_SECS,
        },
    );
    Redirect::to(&redirect_url(&request, &[("code", &code)])).into_response()
}

/// The client's redirect URI with `params` and the `state` appended.
fn redirect_url(request: &AuthRequest, params: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        query.append_pair(name, value);
    }
    if let Some(state) = &request.state {
        query.append_pair("state", state);
    }
    let separator = if request.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{}{separator}{}", request.redirect_uri, query.finish())
}

/// Fields of the sign-in form.
#[derive(Debug, Deserialize)]
pub struct Login {
    user_name: String,
    user_password: String,
    #[serde(default)]
    return_to: String,
}

/// `POST /login.do`: signs in and goes back to the authorisation page.
pub async fn login(State(state): State<Arc<SimState>>, Form(login): Form<Login>) -> Response {
    let session = {
        let mut instance = state.instance_mut();
        let sys_id = instance
            .find(Table::SysUser, "user_name", &login.user_name)
            .and_then(|user| user.get("sys_id").cloned())
            .filter(|sys_id| instance.passwords.get(sys_id) == Some(&login.user_password));
        sys_id.map(|sys_id| {
            let session = new_token();
            instance.sessions.insert(session.clone(), sys_id);
            session
        })
    };
    let Some(session) = session else {
        return login_page(&login.return_to, Some("User name or password invalid"));
    };
    let mut response = Redirect::to(&format!("/oauth_auth.do?{}", login.return_to)).into_response();
    let cookie = format!("{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Query of `GET /logout.do`.
#[derive(Debug, Deserialize)]
pub struct Logout {
    #[serde(default)]
    return_to: String,
}

/// `GET /logout.do` (the "Not you?" link): signs out and shows the sign-in form again.
pub async fn logout(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Query(logout): Query<Logout>,
) -> Response {
    if let Some((sys_id, _)) = session_user(&state, &headers) {
        state
            .instance_mut()
            .sessions
            .retain(|_, user| *user != sys_id);
    }
    let mut response =
        Redirect::to(&format!("/oauth_auth.do?{}", logout.return_to)).into_response();
    let expired = format!("{SESSION_COOKIE}=; Path=/; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// The error body a real instance sends for most token failures (*observed*).
fn access_denied() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "error": "server_error", "error_description": "access_denied" })),
    )
        .into_response()
}

/// `POST /oauth_token.do`: form bodies only. The latency fault delays the
/// answer after the grant is decided (tokens issued on a slow way back).
pub async fn token(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = grant(&state, &headers, &body);
    let latency = state.faults().token_latency_ms;
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    answer
}

/// The token endpoint's answer to `body`.
fn grant(state: &SimState, headers: &HeaderMap, body: &[u8]) -> Response {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        state.stats.count_token("invalid_request");
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "invalid_request", "error_description": "request body must be application/x-www-form-urlencoded" })),
        )
            .into_response();
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let grant_type = field("grant_type");
    state.stats.count_token(grant_type);
    if state.faults().take_token_401() {
        return StatusCode::UNAUTHORIZED.into_response();
    }

    let rotate = state.faults().rotate_refresh_tokens;
    let mut instance = state.instance_mut();
    if instance
        .client_secrets
        .get(field("client_id"))
        .map(String::as_str)
        != Some(field("client_secret"))
    {
        return access_denied();
    }
    let now = unix_now();
    let user_sys_id = match grant_type {
        "authorization_code" => {
            let Some(code) = instance.auth_codes.remove(field("code")) else {
                return access_denied();
            };
            let verifier_ok = match &code.code_challenge {
                Some(challenge) => pkce_s256(field("code_verifier")) == *challenge,
                None => true,
            };
            if code.expires_at <= now
                || code.client_id != field("client_id")
                || code.redirect_uri != field("redirect_uri")
                || !verifier_ok
            {
                return access_denied();
            }
            code.user_sys_id
        }
        "refresh_token" => {
            let Some(grant) = instance.refresh_tokens.get(field("refresh_token")) else {
                return access_denied();
            };
            if grant.expires_at <= now || grant.client_id != field("client_id") {
                return access_denied();
            }
            let user_sys_id = grant.user_sys_id.clone();
            if rotate {
                // Used once: the answer carries the refresh token to use next.
                instance.refresh_tokens.remove(field("refresh_token"));
                user_sys_id
            } else {
                let (access_lifespan, _) = lifespans(&instance, field("client_id"));
                let access = issue_access(
                    &mut instance,
                    field("client_id"),
                    &user_sys_id,
                    field("refresh_token"),
                    access_lifespan,
                );
                return token_response(&access, field("refresh_token"), access_lifespan);
            }
        }
        "password" => {
            let user = instance
                .find(Table::SysUser, "user_name", field("username"))
                .and_then(|user| user.get("sys_id").cloned());
            match user.filter(|sys_id| {
                instance.passwords.get(sys_id).map(String::as_str) == Some(field("password"))
            }) {
                Some(sys_id) => sys_id,
                None => return access_denied(),
            }
        }
        _ => return access_denied(),
    };
    let (access_lifespan, refresh_lifespan) = lifespans(&instance, field("client_id"));
    let refresh = new_token();
    instance.refresh_tokens.insert(
        refresh.clone(),
        Grant {
            client_id: field("client_id").to_owned(),
            user_sys_id: user_sys_id.clone(),
            expires_at: now + refresh_lifespan,
            refresh_token: None,
        },
    );
    let access = issue_access(
        &mut instance,
        field("client_id"),
        &user_sys_id,
        &refresh,
        access_lifespan,
    );
    drop(instance);
    state.mark_dirty();
    token_response(&access, &refresh, access_lifespan)
}

fn issue_access(
    instance: &mut super::state::Instance,
    client_id: &str,
    user_sys_id: &str,
    refresh: &str,
    lifespan: i64,
) -> String {
    let access = new_token();
    instance.access_tokens.insert(
        access.clone(),
        Grant {
            client_id: client_id.to_owned(),
            user_sys_id: user_sys_id.to_owned(),
            expires_at: unix_now() + lifespan,
            refresh_token: Some(refresh.to_owned()),
        },
    );
    access
}

fn token_response(access: &str, refresh: &str, lifespan: i64) -> Response {
    Json(json!({
        "scope": "useraccount",
        "token_type": "Bearer",
        "expires_in": lifespan - 1,
        "refresh_token": refresh,
        "access_token": access,
    }))
    .into_response()
}

/// Access and refresh token lifespans of the client's OAuth entity, in seconds.
fn lifespans(instance: &super::state::Instance, client_id: &str) -> (i64, i64) {
    let entity = instance.find(Table::OauthEntity, "client_id", client_id);
    let read = |field: &str, default: i64| {
        entity
            .and_then(|e| e.get(field))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    (
        read("access_token_lifespan", 1800),
        read("refresh_token_lifespan", 8_640_000),
    )
}

/// BASE64URL(SHA-256(verifier)), the S256 code challenge.
pub fn pkce_s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `/oauth_revoke_token.do`: revokes an access or refresh token (and the
/// access tokens issued from a revoked refresh token). The token comes as
/// `?token=…` (the documented form, no client auth) or in a form body; with
/// `client_id` and `client_secret`, those must be the token's client's.
pub async fn revoke(
    State(state): State<Arc<SimState>>,
    Query(params): Query<HashMap<String, String>>,
    body: Bytes,
) -> StatusCode {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let (token, how) = match (form.get("token"), params.get("token")) {
        (Some(token), _) if form.contains_key("client_id") => (token, "form_with_client"),
        (Some(token), _) => (token, "form"),
        (None, Some(token)) => (token, "query"),
        (None, None) => return StatusCode::BAD_REQUEST,
    };
    let mut instance = state.instance_mut();
    if let Some(client_id) = form.get("client_id") {
        let secret_ok = instance.client_secrets.get(client_id) == form.get("client_secret");
        let own_token = instance
            .access_tokens
            .get(token)
            .map(|grant| &grant.client_id)
            .or_else(|| {
                instance
                    .refresh_tokens
                    .get(token)
                    .map(|grant| &grant.client_id)
            })
            .is_none_or(|owner| owner == client_id);
        if !secret_ok || !own_token {
            return StatusCode::UNAUTHORIZED;
        }
    }
    instance.access_tokens.remove(token);
    if instance.refresh_tokens.remove(token).is_some() {
        instance
            .access_tokens
            .retain(|_, grant| grant.refresh_token.as_deref() != Some(token.as_str()));
    }
    drop(instance);
    state.stats.count_revocation(how);
    state.mark_dirty();
    StatusCode::OK
}

#[cfg(test)]
mod tests {
    use super::pkce_s256;

    #[test]
    fn s256_matches_the_rfc_7636_example() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
