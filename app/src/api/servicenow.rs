//! The ServiceNow connection (admins): connect and authorise, status and
//! test, state names and ticket defaults, removal; plus the home-page card
//! every signed-in user sees.

#[cfg(feature = "ssr")]
use super::{
    request::{confirmed_recently, require, require_confirmed, send_browser_to},
    services::services,
};
use crate::domain::servicenow::{
    ConnectError, ConnectionStatus, HomeServiceNow, ServiceNowError, ServiceNowSettings,
    StateNameInput, TicketTable,
};
#[cfg(feature = "ssr")]
use crate::domain::{
    auth::Role,
    servicenow::{ConnectionForm, ConnectionInput, TicketDefaults},
};
use leptos::prelude::*;

/// The connection's status (admins).
#[server(endpoint = "servicenow_status")]
pub async fn servicenow_status() -> Result<ConnectionStatus, ServiceNowError> {
    require(Role::Admin).await?;
    services()?.servicenow.status().await
}

/// Saves instance, client ID and (when given) secret, then sends the browser
/// to the instance to authorise.
#[server(endpoint = "connect_servicenow")]
pub async fn connect_servicenow(
    instance: String,
    client_id: String,
    client_secret: String,
) -> Result<(), ConnectError> {
    let form = ConnectionForm {
        instance: instance.clone(),
        client_id: client_id.clone(),
        client_secret,
    };
    let outcome: Result<String, ServiceNowError> = async {
        let actor = require(Role::Admin).await?;
        let confirmed = confirmed_recently().await?;
        services()?
            .servicenow
            .begin_authorization(&actor, Some(form), confirmed)
            .await
    }
    .await;
    let url = outcome.map_err(|reason| {
        reason.with_input(ConnectionInput {
            instance,
            client_id,
        })
    })?;
    send_browser_to(&url);
    Ok(())
}

/// Authorises again with the saved instance and client.
#[server(endpoint = "reauthorize_servicenow")]
pub async fn reauthorize_servicenow() -> Result<(), ServiceNowError> {
    let actor = require(Role::Admin).await?;
    let url = services()?
        .servicenow
        .begin_authorization(&actor, None, false)
        .await?;
    send_browser_to(&url);
    Ok(())
}

/// Makes one harmless call and returns the updated status.
#[server(endpoint = "test_servicenow_connection")]
pub async fn test_servicenow_connection() -> Result<ConnectionStatus, ServiceNowError> {
    let actor = require(Role::Admin).await?;
    services()?.servicenow.test_connection(&actor).await
}

/// State names and ticket defaults (admins).
#[server(endpoint = "servicenow_settings")]
pub async fn servicenow_settings() -> Result<ServiceNowSettings, ServiceNowError> {
    require(Role::Admin).await?;
    services()?.servicenow.settings().await
}

/// Saves the custom state names of one table; an empty name restores
/// ServiceNow's. `reset` restores them all.
#[server(endpoint = "save_state_names")]
pub async fn save_state_names(
    table: TicketTable,
    #[server(default)] states: Vec<StateNameInput>,
    #[server(default)] reset: bool,
) -> Result<(), ServiceNowError> {
    let actor = require(Role::Admin).await?;
    services()?
        .servicenow
        .save_state_names(&actor, table, states, reset)
        .await
}

/// Saves the values new tickets start with.
#[server(endpoint = "save_ticket_defaults")]
pub async fn save_ticket_defaults(
    ticket_type: TicketTable,
    assignment_group: String,
    category: String,
) -> Result<(), ServiceNowError> {
    let actor = require(Role::Admin).await?;
    let defaults = TicketDefaults {
        ticket_type,
        assignment_group,
        category,
    };
    services()?.servicenow.save_defaults(&actor, defaults).await
}

/// Revokes the tokens at the instance and deletes the connection and its
/// secrets; `confirm` must be checked, and the admin's password confirmed.
#[server(endpoint = "remove_servicenow_connection")]
pub async fn remove_servicenow_connection(
    #[server(default)] confirm: bool,
) -> Result<(), ServiceNowError> {
    let actor = require_confirmed(Role::Admin).await?;
    services()?.servicenow.remove(&actor, confirm).await
}

/// Connection state and whether to offer connecting, for the signed-in user.
#[server(endpoint = "home_servicenow")]
pub async fn home_servicenow() -> Result<HomeServiceNow, ServiceNowError> {
    let user = require(Role::Reader).await?;
    services()?.servicenow.home(&user).await
}

/// Hides the "Do you use ServiceNow?" card for the signed-in user.
#[server(endpoint = "dismiss_servicenow_offer")]
pub async fn dismiss_servicenow_offer() -> Result<(), ServiceNowError> {
    let user = require(Role::Reader).await?;
    services()?.servicenow.dismiss_offer(&user).await
}
