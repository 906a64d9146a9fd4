//! Signing in and out, and who is signed in.

use crate::auth::CurrentUser;
use leptos::prelude::*;
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// Why an authentication request failed. The UI shows each as a localised
/// message; none of them tells whether an account exists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AuthError {
    /// Wrong email or password (or an inactive account). Carries the email
    /// back so the form can show it again.
    #[error("wrong email or password")]
    InvalidCredentials { email: String },
    /// Too many failed attempts for this account or from this address.
    #[error("too many failed sign-ins; try again in {retry_after_secs} s")]
    Throttled {
        email: String,
        retry_after_secs: u64,
    },
    /// The server could not check the credentials right now.
    #[error("sign-in is unavailable")]
    Unavailable,
    /// The request did not reach the server function intact.
    #[error("{0}")]
    ServerFn(ServerFnErrorErr),
}

impl FromServerFnError for AuthError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AuthError::ServerFn(value)
    }
}

/// A demo account shown on the sign-in page in demo mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoAccount {
    pub email: String,
    pub role: crate::auth::Role,
    pub password: String,
}

/// Server-side half: the service the server provides, and the session cookie.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{AuthError, DemoAccount};
    use crate::auth::CurrentUser;
    use http::{HeaderValue, header};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;
    use std::sync::Arc;

    /// Name of the session cookie.
    pub const SESSION_COOKIE: &str = "scorenow_session";

    /// What the server implements for signing in and out; provided through
    /// Leptos context at start-up.
    #[async_trait::async_trait]
    pub trait AuthService: Send + Sync + 'static {
        /// The user of a valid session, refreshing its idle timeout.
        async fn user_for_session(&self, token: &str) -> Result<Option<CurrentUser>, AuthError>;
        /// Checks the credentials (slowing down repeated failures per account
        /// and per `client` address) and opens a session; returns its token.
        async fn sign_in(
            &self,
            email: &str,
            password: &str,
            client: Option<std::net::IpAddr>,
        ) -> Result<String, AuthError>;
        /// Closes one session.
        async fn sign_out(&self, token: &str) -> Result<(), AuthError>;
        /// Closes every session of the session's user.
        async fn sign_out_everywhere(&self, token: &str) -> Result<(), AuthError>;
        /// The demo accounts to show on the sign-in page (empty outside demo mode).
        fn demo_accounts(&self) -> Vec<DemoAccount>;
    }

    /// The service from context.
    pub fn auth_service() -> Result<Arc<dyn AuthService>, AuthError> {
        use_context::<Arc<dyn AuthService>>().ok_or(AuthError::Unavailable)
    }

    /// The request's user, looked up once per request: a page calls several
    /// server functions, each of which needs it. The server provides a fresh
    /// one to every request.
    #[derive(Clone, Default)]
    pub struct RequestUser(Arc<std::sync::Mutex<Option<Option<CurrentUser>>>>);

    impl RequestUser {
        fn get(&self) -> Option<Option<CurrentUser>> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone()
        }

        fn set(&self, user: Option<CurrentUser>) {
            *self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(user);
        }
    }

    /// The signed-in user of this request, if any.
    pub async fn current_user() -> Result<Option<CurrentUser>, AuthError> {
        let cache = use_context::<RequestUser>();
        if let Some(known) = cache.as_ref().and_then(RequestUser::get) {
            return Ok(known);
        }
        let user = match session_token() {
            Some(token) => auth_service()?.user_for_session(&token).await?,
            None => None,
        };
        if let Some(cache) = cache {
            cache.set(user.clone());
        }
        Ok(user)
    }

    /// Why a request is refused before it reaches a service; every
    /// capability's error type converts it into its own variants.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Refusal {
        NotSignedIn,
        Forbidden,
        Unavailable,
    }

    /// The signed-in user when they have at least `role`.
    pub async fn require_role(role: crate::auth::Role) -> Result<CurrentUser, Refusal> {
        match current_user().await {
            Ok(Some(user)) if user.role.includes(role) => Ok(user),
            Ok(Some(_)) => Err(Refusal::Forbidden),
            Ok(None) => Err(Refusal::NotSignedIn),
            Err(_) => Err(Refusal::Unavailable),
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
}

/// The signed-in user, or `None`.
#[server(endpoint = "signed_in_user")]
pub async fn signed_in_user() -> Result<Option<CurrentUser>, AuthError> {
    ssr::current_user().await
}

/// Signs in and returns to `next` (a local path; anything else goes home).
#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: String) -> Result<(), AuthError> {
    let token = ssr::auth_service()?
        .sign_in(&email, &password, ssr::client_address())
        .await?;
    ssr::set_session_cookie(Some(&token));
    leptos_axum::redirect(crate::safe_local_path(&next).unwrap_or("/"));
    Ok(())
}

/// Signs out of this browser and goes to the sign-in page.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AuthError> {
    if let Some(token) = ssr::session_token() {
        ssr::auth_service()?.sign_out(&token).await?;
    }
    ssr::set_session_cookie(None);
    leptos_axum::redirect("/login");
    Ok(())
}

/// Signs out of every browser this user is signed in on, then goes to the sign-in page.
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AuthError> {
    if let Some(token) = ssr::session_token() {
        ssr::auth_service()?.sign_out_everywhere(&token).await?;
    }
    ssr::set_session_cookie(None);
    leptos_axum::redirect("/login");
    Ok(())
}

/// The demo accounts to offer on the sign-in page (none outside demo mode).
#[server(endpoint = "demo_accounts")]
pub async fn demo_accounts() -> Result<Vec<DemoAccount>, AuthError> {
    Ok(ssr::auth_service()?.demo_accounts())
}
