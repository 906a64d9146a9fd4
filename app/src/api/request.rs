//! What a server function knows of its request: who is signed in (looked
//! up once per request), the role check, the session cookie and the
//! client's address.

use super::{ApiError, services::services};
use crate::domain::auth::{CurrentUser, Role};
use http::{HeaderValue, header};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use std::sync::{Arc, Mutex, PoisonError};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "scorenow_session";

/// The request's user, looked up once per request: a page calls several
/// server functions, each of which needs it. The server provides a fresh
/// one to every request.
#[derive(Clone, Default)]
pub struct RequestUser(Arc<Mutex<Option<Option<CurrentUser>>>>);

impl RequestUser {
    fn get(&self) -> Option<Option<CurrentUser>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, user: Option<CurrentUser>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(user);
    }
}

/// The signed-in user of this request, if any.
pub async fn current_user<R>() -> Result<Option<CurrentUser>, ApiError<R>> {
    let cache = use_context::<RequestUser>();
    if let Some(known) = cache.as_ref().and_then(RequestUser::get) {
        return Ok(known);
    }
    let user = match session_token() {
        Some(token) => services()?
            .auth
            .user_for_session(&token)
            .await
            .map_err(|_| ApiError::Unavailable)?,
        None => None,
    };
    if let Some(cache) = cache {
        cache.set(user.clone());
    }
    Ok(user)
}

/// The signed-in user when they have at least `role`, or why the request
/// is turned away before it reaches a service.
pub async fn require<R>(role: Role) -> Result<CurrentUser, ApiError<R>> {
    match current_user().await? {
        Some(user) if user.role.includes(role) => Ok(user),
        Some(_) => Err(ApiError::Forbidden),
        None => Err(ApiError::NotSignedIn),
    }
}

/// The session token the request carries, if any.
pub fn session_token() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    session_token_in(&parts.headers)
}

/// The session token in these request headers, if any.
pub fn session_token_in(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|cookie| cookie.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The address the request came from (the TCP peer).
pub fn client_address() -> Option<std::net::IpAddr> {
    use axum::extract::ConnectInfo;
    let parts = use_context::<http::request::Parts>()?;
    parts
        .extensions
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// Sets the session cookie (or clears it with `None`). `Secure` when the
/// request came over HTTPS, directly or through a proxy that says so.
pub fn set_session_cookie(token: Option<&str>) {
    let Some(response) = use_context::<ResponseOptions>() else {
        return;
    };
    let secure = use_context::<http::request::Parts>().is_some_and(|parts| {
        parts.uri.scheme_str() == Some("https")
            || parts
                .headers
                .get("x-forwarded-proto")
                .is_some_and(|proto| proto == "https")
    });
    let attributes = format!(
        "Path=/; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    );
    let cookie = match token {
        Some(token) => format!("{SESSION_COOKIE}={token}; {attributes}"),
        None => format!("{SESSION_COOKIE}=; Max-Age=0; {attributes}"),
    };
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.append_header(header::SET_COOKIE, value);
    }
}

/// Sends the browser to `url` (a 302 for forms sent without JavaScript).
pub fn send_browser_to(url: &str) {
    leptos_axum::redirect(url);
}
