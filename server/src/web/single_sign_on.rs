//! `GET /auth/oidc/start` and `GET /auth/oidc/callback`: the browser's way
//! to the identity provider and back. Both answer `303 See Other`, so they
//! work without JavaScript; without single sign-on set up they are not found.

use super::AppState;
use crate::sso::{Callback, Redirect};
use axum::{
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

/// `?next=` of the start route: the local path to land on.
#[derive(Debug, Deserialize)]
pub struct Start {
    next: Option<String>,
}

/// Sends the browser to the provider, bound to this browser by a cookie.
pub async fn start(State(state): State<AppState>, Query(start): Query<Start>) -> Response {
    match &state.sso {
        Some(sso) => see_other(sso.start(start.next.as_deref()).await),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Completes the sign-in the provider sent back: to the deep link with a
/// session, or to the sign-in page saying why not.
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(callback): Query<Callback>,
) -> Response {
    match &state.sso {
        Some(sso) => see_other(sso.complete(callback, &headers).await),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn see_other(redirect: Redirect) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(&redirect.location) {
        headers.insert(header::LOCATION, location);
    }
    for cookie in redirect.set_cookies {
        if let Ok(cookie) = HeaderValue::from_str(&cookie) {
            headers.append(header::SET_COOKIE, cookie);
        }
    }
    response
}
