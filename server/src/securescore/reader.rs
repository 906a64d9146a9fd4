//! Secure Score as pages read it (`app`'s `SecureScoreReader`): the
//! service's data, with each listed action's ticket beside it and what the
//! signed-in user may do.

use super::SecureScoreService;
use crate::tickets::TicketService;
use app::{
    api::services::SecureScoreReader,
    domain::{
        auth::{CurrentUser, Role},
        securescore::{
            ActionDetail, ActionFilter, ActionList, GraphConnection, ScoreSummary, SecureScoreError,
        },
    },
};
use std::sync::Arc;

/// Secure Score and the tickets of its actions, for pages.
pub struct ActionReader {
    score: Arc<SecureScoreService>,
    tickets: Arc<TicketService>,
}

impl ActionReader {
    /// Reads `score`, with the tickets `tickets` keeps.
    pub fn new(score: Arc<SecureScoreService>, tickets: Arc<TicketService>) -> Self {
        Self { score, tickets }
    }
}

#[async_trait::async_trait]
impl SecureScoreReader for ActionReader {
    async fn actions(
        &self,
        user: &CurrentUser,
        filter: &ActionFilter,
    ) -> Result<ActionList, SecureScoreError> {
        // Without tickets (ServiceNow never used, or the list failing) the actions still show.
        let tickets = self.tickets.latest_by_action().await.unwrap_or_default();
        let ticketed = tickets.keys().cloned().collect();
        let mut list = self.score.actions(filter, &ticketed)?;
        list.can_refresh = user.role.includes(Role::Admin);
        list.tickets = tickets
            .into_iter()
            .filter(|(id, _)| list.actions.iter().any(|action| &action.id == id))
            .collect();
        Ok(list)
    }

    async fn action(&self, id: &str) -> Result<Option<ActionDetail>, SecureScoreError> {
        self.score.action(id)
    }

    async fn summary(&self) -> Result<ScoreSummary, SecureScoreError> {
        self.score.summary()
    }

    async fn refresh(&self) -> Result<(), SecureScoreError> {
        self.score.refresh_now().await
    }

    async fn graph_connection(&self) -> Result<GraphConnection, SecureScoreError> {
        self.score.graph_connection().await
    }

    async fn save_graph(
        &self,
        actor: &CurrentUser,
        tenant_id: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<(), SecureScoreError> {
        self.score
            .save_graph(actor, tenant_id, client_id, client_secret)
            .await
    }

    async fn remove_graph(&self, actor: &CurrentUser) -> Result<(), SecureScoreError> {
        self.score.remove_graph(actor).await
    }
}
