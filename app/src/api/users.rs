//! User administration (admins only): list, create, change role,
//! deactivate or reactivate, reset password.

use crate::auth::{AccountFieldError, Role};
use leptos::prelude::*;
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// One account as the admin page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
}

/// Why a user-administration request failed; each has a localised message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum UsersError {
    /// Nobody is signed in.
    #[error("not signed in")]
    NotSignedIn,
    /// The signed-in user is not an admin.
    #[error("admins only")]
    Forbidden,
    /// A field breaks the account rules.
    #[error("{0}")]
    Field(AccountFieldError),
    /// Another account has this email.
    #[error("email taken")]
    EmailTaken,
    /// The change would leave no active admin.
    #[error("the last admin must stay an active admin")]
    LastAdmin,
    /// No such user.
    #[error("no such user")]
    NotFound,
    /// Storage or hashing failed.
    #[error("unavailable")]
    Unavailable,
    /// The request did not reach the server function intact.
    #[error("{0}")]
    ServerFn(ServerFnErrorErr),
}

impl FromServerFnError for UsersError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        UsersError::ServerFn(value)
    }
}

/// A refused account creation, with the non-secret fields as submitted so
/// that a form sent without JavaScript comes back filled in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{reason}")]
pub struct CreateUserError {
    pub reason: UsersError,
    pub email: String,
    pub display_name: String,
    pub role: Option<Role>,
}

impl FromServerFnError for CreateUserError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self {
            reason: UsersError::ServerFn(value),
            email: String::new(),
            display_name: String::new(),
            role: None,
        }
    }
}

/// Server-side half: the service the server provides.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{UserSummary, UsersError};
    use crate::api::auth::ssr::Refusal;
    use crate::auth::{CurrentUser, Role};
    use leptos::prelude::*;
    use std::sync::Arc;

    /// User administration, implemented by the server and provided through context.
    #[async_trait::async_trait]
    pub trait UserAdmin: Send + Sync + 'static {
        async fn list(&self) -> Result<Vec<UserSummary>, UsersError>;
        async fn create(
            &self,
            actor: &CurrentUser,
            email: &str,
            name: &str,
            role: Role,
            password: &str,
        ) -> Result<(), UsersError>;
        async fn change_role(
            &self,
            actor: &CurrentUser,
            user_id: i64,
            role: Role,
        ) -> Result<(), UsersError>;
        async fn set_active(
            &self,
            actor: &CurrentUser,
            user_id: i64,
            active: bool,
        ) -> Result<(), UsersError>;
        async fn reset_password(
            &self,
            actor: &CurrentUser,
            user_id: i64,
            password: &str,
        ) -> Result<(), UsersError>;
    }

    /// The signed-in admin, or why the request is refused.
    pub async fn require_admin() -> Result<CurrentUser, UsersError> {
        crate::api::auth::ssr::require_role(Role::Admin)
            .await
            .map_err(|refusal| match refusal {
                Refusal::NotSignedIn => UsersError::NotSignedIn,
                Refusal::Forbidden => UsersError::Forbidden,
                Refusal::Unavailable => UsersError::Unavailable,
            })
    }

    /// The service from context.
    pub fn user_admin() -> Result<Arc<dyn UserAdmin>, UsersError> {
        use_context::<Arc<dyn UserAdmin>>().ok_or(UsersError::Unavailable)
    }
}

/// Every account.
#[server(endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserSummary>, UsersError> {
    ssr::require_admin().await?;
    ssr::user_admin()?.list().await
}

/// Creates an account.
#[server(endpoint = "create_user")]
pub async fn create_user(
    email: String,
    display_name: String,
    role: Role,
    password: String,
) -> Result<(), CreateUserError> {
    let outcome = match (ssr::require_admin().await, ssr::user_admin()) {
        (Ok(actor), Ok(service)) => {
            service
                .create(&actor, &email, &display_name, role, &password)
                .await
        }
        (Err(error), _) | (_, Err(error)) => Err(error),
    };
    outcome.map_err(|reason| CreateUserError {
        reason,
        email,
        display_name,
        role: Some(role),
    })
}

/// Gives a user another role.
#[server(endpoint = "change_role")]
pub async fn change_role(user_id: i64, role: Role) -> Result<(), UsersError> {
    let actor = ssr::require_admin().await?;
    ssr::user_admin()?.change_role(&actor, user_id, role).await
}

/// Deactivates (ending every session) or reactivates an account.
#[server(endpoint = "set_user_active")]
pub async fn set_user_active(user_id: i64, active: bool) -> Result<(), UsersError> {
    let actor = ssr::require_admin().await?;
    ssr::user_admin()?.set_active(&actor, user_id, active).await
}

/// Sets a new password (ending every session of that user).
#[server(endpoint = "reset_password")]
pub async fn reset_password(user_id: i64, password: String) -> Result<(), UsersError> {
    let actor = ssr::require_admin().await?;
    ssr::user_admin()?
        .reset_password(&actor, user_id, &password)
        .await
}
