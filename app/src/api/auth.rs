//! Signing in and out, and who is signed in.

#[cfg(feature = "ssr")]
use super::{ApiError, request, services::services};
#[cfg(feature = "ssr")]
use crate::domain::auth::Role;
use crate::domain::{
    auth::{AuthError, CurrentUser, DemoAccount},
    sso::SignInOptions,
};
use leptos::prelude::*;

/// The signed-in user, or `None`.
#[server(endpoint = "signed_in_user")]
pub async fn signed_in_user() -> Result<Option<CurrentUser>, AuthError> {
    request::current_user().await
}

/// Signs in and returns to `next` (a local path; anything else goes home).
#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: String) -> Result<(), AuthError> {
    let previous = request::session_token();
    let token = services()?
        .auth
        .sign_in(
            &email,
            &password,
            request::client_address(),
            previous.as_deref(),
        )
        .await
        .inspect_err(answer_wait)?;
    request::set_session_cookie(Some(&token));
    request::send_browser_to(crate::safe_local_path(&next).unwrap_or("/"));
    Ok(())
}

/// Confirms the signed-in user's password, which the most sensitive changes
/// ask for (it counts for a few minutes).
#[server(endpoint = "confirm_password")]
pub async fn confirm_password(password: String) -> Result<(), AuthError> {
    request::require(Role::Reader).await?;
    let token = request::session_token().ok_or(ApiError::NotSignedIn)?;
    services()?
        .auth
        .confirm_password(&token, &password, request::client_address())
        .await
        .inspect_err(answer_wait)
}

/// A throttled attempt answers 429, a busy server 503, both with `Retry-After`.
#[cfg(feature = "ssr")]
fn answer_wait(error: &AuthError) {
    use crate::domain::auth::SignInRefusal;
    match error.refusal() {
        Some(SignInRefusal::Throttled {
            retry_after_secs, ..
        }) => request::retry_later(http::StatusCode::TOO_MANY_REQUESTS, *retry_after_secs),
        Some(SignInRefusal::Busy {
            retry_after_secs, ..
        }) => request::retry_later(http::StatusCode::SERVICE_UNAVAILABLE, *retry_after_secs),
        _ => {}
    }
}

/// Signs out of this browser and goes to the sign-in page.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AuthError> {
    end_sessions(false).await
}

/// Signs out of every browser this user is signed in on, then goes to the sign-in page.
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AuthError> {
    end_sessions(true).await
}

/// Closes this browser's session (with `everywhere`, every session of its
/// user), forgets its cookie and sends the browser to the sign-in page, by
/// way of the identity provider's sign-out when it signed the user in.
#[cfg(feature = "ssr")]
async fn end_sessions(everywhere: bool) -> Result<(), AuthError> {
    let mut destination = None;
    if let Some(token) = request::session_token() {
        let auth = services()?.auth;
        destination = if everywhere {
            auth.sign_out_everywhere(&token).await?
        } else {
            auth.sign_out(&token).await?
        };
    }
    request::set_session_cookie(None);
    request::send_browser_to(destination.as_deref().unwrap_or("/login"));
    Ok(())
}

/// The demo accounts to offer on the sign-in page (none outside demo mode).
#[server(endpoint = "demo_accounts")]
pub async fn demo_accounts() -> Result<Vec<DemoAccount>, AuthError> {
    Ok(services()?.auth.demo_accounts())
}

/// What the sign-in page offers besides the password form.
#[server(endpoint = "sign_in_options")]
pub async fn load_sign_in_options() -> Result<SignInOptions, AuthError> {
    Ok(services()?.auth.sign_in_options())
}
