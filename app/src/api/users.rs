//! User administration (admins only): list, create, change role,
//! deactivate or reactivate, reset password.

#[cfg(feature = "ssr")]
use super::{
    request::{require, require_confirmed},
    services::services,
};
#[cfg(feature = "ssr")]
use crate::domain::users::NewUserInput;
use crate::domain::{
    auth::Role,
    users::{CreateUserError, UserSummary, UsersError},
};
use leptos::prelude::*;

/// Every account.
#[server(endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserSummary>, UsersError> {
    require(Role::Admin).await?;
    services()?.users.list().await
}

/// Creates an account.
#[server(endpoint = "create_user")]
pub async fn create_user(
    email: String,
    display_name: String,
    role: Role,
    password: String,
) -> Result<(), CreateUserError> {
    let outcome: Result<(), UsersError> = async {
        let actor = require(Role::Admin).await?;
        services()?
            .users
            .create(&actor, &email, &display_name, role, &password)
            .await
    }
    .await;
    outcome.map_err(|reason| {
        reason.with_input(NewUserInput {
            email,
            display_name,
            role: Some(role),
        })
    })
}

/// Gives a user another role (after the admin confirmed their password).
#[server(endpoint = "change_role")]
pub async fn change_role(user_id: i64, role: Role) -> Result<(), UsersError> {
    let actor = require_confirmed(Role::Admin).await?;
    services()?.users.change_role(&actor, user_id, role).await
}

/// Deactivates (ending every session) or reactivates an account.
#[server(endpoint = "set_user_active")]
pub async fn set_user_active(user_id: i64, active: bool) -> Result<(), UsersError> {
    let actor = require(Role::Admin).await?;
    services()?.users.set_active(&actor, user_id, active).await
}

/// Sets a new password (ending every session of that user).
#[server(endpoint = "reset_password")]
pub async fn reset_password(user_id: i64, password: String) -> Result<(), UsersError> {
    let actor = require(Role::Admin).await?;
    services()?
        .users
        .reset_password(&actor, user_id, &password)
        .await
}
