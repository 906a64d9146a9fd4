//! Who is calling the REST API: a bearer token from OAuth, or basic
//! authentication as a user (the integration user, typically).

use super::{ApiError, SimState, schema::Table, state::unix_now};
use axum::{
    extract::FromRequestParts,
    http::{StatusCode, header::AUTHORIZATION, request::Parts},
    response::{IntoResponse, Response},
};
use base64::Engine;
use std::sync::Arc;

/// The authenticated user of a REST request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user_sys_id: String,
    pub user_name: String,
}

impl FromRequestParts<Arc<SimState>> for Caller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<SimState>,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        let instance = state.instance();
        let user_sys_id = if let Some(token) = header.strip_prefix("Bearer ") {
            instance
                .access_tokens
                .get(token.trim())
                .filter(|grant| grant.expires_at > unix_now())
                .map(|grant| grant.user_sys_id.clone())
        } else if let Some(encoded) = header.strip_prefix("Basic ") {
            basic_user(&instance, encoded.trim())
        } else {
            None
        };
        let user = user_sys_id.and_then(|sys_id| instance.get(Table::SysUser, &sys_id));
        match user {
            Some(user) => Ok(Caller {
                user_sys_id: user.get("sys_id").cloned().unwrap_or_default(),
                user_name: user.get("user_name").cloned().unwrap_or_default(),
            }),
            None => Err(unauthenticated()),
        }
    }
}

impl Caller {
    /// Replaces the session functions an encoded query may use
    /// (`javascript:gs.getUserID()`, `javascript:gs.getUserName()`) with
    /// the caller's values, as an instance evaluates them.
    pub fn expand_session_values(&self, encoded: &str) -> String {
        encoded
            .replace("javascript:gs.getUserID()", &self.user_sys_id)
            .replace("javascript:gs.getUserName()", &self.user_name)
    }
}

/// Resolves `user_name:password` in a basic-authentication header.
fn basic_user(instance: &super::state::Instance, encoded: &str) -> Option<String> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user_name, password) = decoded.split_once(':')?;
    let user = instance.find(Table::SysUser, "user_name", user_name)?;
    let sys_id = user.get("sys_id")?;
    (instance.passwords.get(sys_id)? == password).then(|| sys_id.clone())
}

/// The 401 of the REST API.
pub fn unauthenticated() -> Response {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "User Not Authenticated",
        "Required to provide Auth information",
    )
    .into_response()
}
