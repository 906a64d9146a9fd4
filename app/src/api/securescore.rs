//! Microsoft Secure Score: improvement actions (list and detail), the score
//! summary with its trend, and the Graph connection (admins). The server
//! reads Graph (or the built-in demo catalog) in the background; these calls
//! read its copy.

#[cfg(feature = "ssr")]
use super::{request::require, services::services};
use crate::domain::securescore::{
    ActionDetail, ActionFilter, ActionList, GraphConnection, SaveGraphError, ScoreSummary,
    SecureScoreError,
};
#[cfg(feature = "ssr")]
use crate::domain::{auth::Role, securescore::GraphInput};
use leptos::prelude::*;

/// The improvement actions that pass `filter`, sorted as it asks, with their tickets.
#[server(endpoint = "list_actions")]
pub async fn list_actions(
    #[server(default)] filter: ActionFilter,
) -> Result<ActionList, SecureScoreError> {
    let user = require(Role::Reader).await?;
    services()?.securescore.actions(&user, &filter).await
}

/// The Microsoft Graph connection (admins).
#[server(endpoint = "graph_connection")]
pub async fn load_graph_connection() -> Result<GraphConnection, SecureScoreError> {
    require(Role::Admin).await?;
    services()?.securescore.graph_connection().await
}

/// Saves the tenant and app registration to read Secure Score from, then reads it.
#[server(endpoint = "save_graph_connection")]
pub async fn save_graph_connection(
    tenant_id: String,
    client_id: String,
    client_secret: String,
) -> Result<(), SaveGraphError> {
    let outcome: Result<(), SecureScoreError> = async {
        let actor = require(Role::Admin).await?;
        services()?
            .securescore
            .save_graph(&actor, &tenant_id, &client_id, &client_secret)
            .await
    }
    .await;
    outcome.map_err(|reason| {
        reason.with_input(GraphInput {
            tenant_id,
            client_id,
        })
    })
}

/// Forgets the tenant set in the UI (and its secret).
#[server(endpoint = "remove_graph_connection")]
pub async fn remove_graph_connection() -> Result<(), SecureScoreError> {
    let actor = require(Role::Admin).await?;
    services()?.securescore.remove_graph(&actor).await
}

/// Reads Secure Score from its source now (admins).
#[server(endpoint = "refresh_secure_score")]
pub async fn refresh_secure_score() -> Result<(), SecureScoreError> {
    require(Role::Admin).await?;
    services()?.securescore.refresh().await
}

/// One improvement action; `None` when there is no such id.
#[server(endpoint = "action_detail")]
pub async fn load_action(id: String) -> Result<Option<ActionDetail>, SecureScoreError> {
    require(Role::Reader).await?;
    services()?.securescore.action(&id).await
}

/// The score, its categories and its 90-day trend.
#[server(endpoint = "score_summary")]
pub async fn load_score_summary() -> Result<ScoreSummary, SecureScoreError> {
    require(Role::Reader).await?;
    services()?.securescore.summary().await
}
