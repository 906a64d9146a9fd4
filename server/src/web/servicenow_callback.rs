//! `GET /servicenow/callback`: where the instance sends the browser back
//! after consent. The single-use `state` names the authorisation, and the
//! session (its `SameSite=Lax` cookie comes along on this top-level
//! redirect) must be the admin who started it.

use super::AppState;
use crate::servicenow::CallbackParams;
use app::domain::servicenow::CallbackOutcome;
use axum::{
    extract::{Query, State},
    http::HeaderMap,
    response::Redirect,
};

/// The redirect URI's path.
pub const PATH: &str = "/servicenow/callback";

/// Completes the authorisation and returns to the setup page, which shows
/// the outcome.
pub async fn complete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<CallbackParams>,
) -> Redirect {
    let user = match state.services.auth.session_cookie().token_in(&headers) {
        Some(token) => state
            .services
            .auth
            .user_for_session(&token)
            .await
            .ok()
            .flatten(),
        None => None,
    };
    let outcome = state.servicenow.complete_authorization(params, user).await;
    Redirect::to(&format!(
        "/servicenow/setup?outcome={}",
        CallbackOutcome::of(outcome).as_str()
    ))
}
