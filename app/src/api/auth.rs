//! Signing in and out, and who is signed in.

#[cfg(feature = "ssr")]
use super::{request, services::services};
use crate::domain::auth::{AuthError, CurrentUser, DemoAccount};
use leptos::prelude::*;

/// The signed-in user, or `None`.
#[server(endpoint = "signed_in_user")]
pub async fn signed_in_user() -> Result<Option<CurrentUser>, AuthError> {
    request::current_user().await
}

/// Signs in and returns to `next` (a local path; anything else goes home).
#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: String) -> Result<(), AuthError> {
    let token = services()?
        .auth
        .sign_in(&email, &password, request::client_address())
        .await?;
    request::set_session_cookie(Some(&token));
    request::send_browser_to(crate::safe_local_path(&next).unwrap_or("/"));
    Ok(())
}

/// Signs out of this browser and goes to the sign-in page.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AuthError> {
    if let Some(token) = request::session_token() {
        services()?.auth.sign_out(&token).await?;
    }
    request::set_session_cookie(None);
    request::send_browser_to("/login");
    Ok(())
}

/// Signs out of every browser this user is signed in on, then goes to the sign-in page.
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AuthError> {
    if let Some(token) = request::session_token() {
        services()?.auth.sign_out_everywhere(&token).await?;
    }
    request::set_session_cookie(None);
    request::send_browser_to("/login");
    Ok(())
}

/// The demo accounts to offer on the sign-in page (none outside demo mode).
#[server(endpoint = "demo_accounts")]
pub async fn demo_accounts() -> Result<Vec<DemoAccount>, AuthError> {
    Ok(services()?.auth.demo_accounts())
}
