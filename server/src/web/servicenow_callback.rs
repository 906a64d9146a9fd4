//! `GET /servicenow/callback`: where the instance sends the browser back
//! after consent. The single-use `state` identifies the authorisation (and
//! the admin who started it), so this works even when the session cookie
//! does not come along on a cross-site redirect.

use super::AppState;
use crate::servicenow::CallbackParams;
use app::api::servicenow::CallbackOutcome;
use axum::{
    extract::{Query, State},
    response::Redirect,
};

/// The redirect URI's path.
pub const PATH: &str = "/servicenow/callback";

/// Completes the authorisation and returns to the setup page, which shows
/// the outcome.
pub async fn complete(
    State(state): State<AppState>,
    Query(params): Query<CallbackParams>,
) -> Redirect {
    let outcome = CallbackOutcome::of(state.servicenow.complete_authorization(params).await);
    Redirect::to(&format!("/servicenow/setup?outcome={}", outcome.as_str()))
}
