//! What a server function knows of its request: who is signed in (looked
//! up once per request), the role check, the session cookie and the
//! client's address.

use super::{ApiError, NoRefusal, services::services};
use crate::domain::auth::{CurrentUser, Role};
use http::{HeaderValue, header};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use std::sync::{Arc, Mutex, PoisonError};

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

/// Whether the signed-in user confirmed their password in the last few minutes.
pub async fn confirmed_recently<R>() -> Result<bool, ApiError<R>> {
    let Some(token) = session_token() else {
        return Ok(false);
    };
    services()?
        .auth
        .confirmed_recently(&token)
        .await
        .map_err(|_| ApiError::Unavailable)
}

/// The signed-in user with at least `role` who confirmed their password in
/// the last few minutes, for the most sensitive changes.
pub async fn require_confirmed<R>(role: Role) -> Result<CurrentUser, ApiError<R>> {
    let user = require(role).await?;
    if confirmed_recently().await? {
        Ok(user)
    } else {
        Err(ApiError::ReauthenticationRequired)
    }
}

/// The session token the request carries, if any.
pub fn session_token() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    let cookie = services::<NoRefusal>().ok()?.auth.session_cookie();
    cookie.token_in(&parts.headers)
}

/// The address a request comes from, as the server resolved it (the TCP
/// peer, or the client a trusted reverse proxy names); a request extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub std::net::IpAddr);

/// The address this request came from.
pub fn client_address() -> Option<std::net::IpAddr> {
    let parts = use_context::<http::request::Parts>()?;
    parts
        .extensions
        .get::<ClientAddress>()
        .map(|ClientAddress(address)| *address)
}

/// Sets the session cookie (or clears it with `None`), named and sent as
/// the public URL decides (never as a client-sent header says).
pub fn set_session_cookie(token: Option<&str>) {
    let (Some(response), Ok(services)) =
        (use_context::<ResponseOptions>(), services::<NoRefusal>())
    else {
        return;
    };
    let cookie = services.auth.session_cookie().set_cookie(token);
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.append_header(header::SET_COOKIE, value);
    }
}

/// Answers a refusal that a client should retry later with `status` and
/// `Retry-After`. A plain form post (no JavaScript) keeps the redirect back
/// to its page, which shows the wait, so only its `Retry-After` is set.
pub fn retry_later(status: http::StatusCode, retry_after_secs: u64) {
    let Some(response) = use_context::<ResponseOptions>() else {
        return;
    };
    let plain_form = use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    });
    if !plain_form {
        response.set_status(status);
    }
    response.insert_header(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
}

/// Sends the browser to `url` (a 302 for forms sent without JavaScript).
pub fn send_browser_to(url: &str) {
    leptos_axum::redirect(url);
}
