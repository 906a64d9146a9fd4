//! [`ServiceNowStore`] on SQLite: the one-row `servicenow_connection` and
//! `servicenow_ticket_defaults`, the authorisations in progress, the state
//! names, and each user's answer to the ServiceNow offer.

use super::Sqlite;
use crate::storage::{
    StorageError,
    servicenow::{
        CONNECTION_COLUMNS, ConnectionRow, PendingAuthorization, SealedTokens, ServiceNowStore,
        StoredConnection, StoredState, new_epoch,
    },
};
use std::collections::BTreeMap;

impl Sqlite {
    /// Sets one column of the connection row: `assignment` is `column = ?`,
    /// the `?` being `value`.
    async fn set_connection_column(
        &self,
        assignment: &str,
        value: &str,
    ) -> Result<(), StorageError> {
        let sql = format!("UPDATE servicenow_connection SET {assignment} WHERE id = 1");
        self.execute(sqlx::query(&sql).bind(value)).await
    }
}

#[async_trait::async_trait]
impl ServiceNowStore for Sqlite {
    async fn servicenow_connection(&self) -> Result<Option<StoredConnection>, StorageError> {
        let row: Option<ConnectionRow> = sqlx::query_as(&format!(
            "SELECT {CONNECTION_COLUMNS} FROM servicenow_connection WHERE id = 1"
        ))
        .fetch_optional(&self.pool)
        .await?;
        row.map(ConnectionRow::into_connection).transpose()
    }

    async fn save_servicenow_client(
        &self,
        instance_url: &str,
        client_id: &str,
        sealed_client_secret: Option<&[u8]>,
    ) -> Result<(), StorageError> {
        let mut tx = self.write_transaction().await?;
        let existing: Option<(String, String)> = sqlx::query_as(
            "SELECT instance_url, client_id FROM servicenow_connection WHERE id = 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        match (existing, sealed_client_secret) {
            (None, None) => return Err(StorageError::Corrupt("no client secret to keep".into())),
            (None, Some(secret)) => {
                sqlx::query(
                    "INSERT INTO servicenow_connection (id, instance_url, client_id, client_secret, \
                     state, epoch) VALUES (1, ?, ?, ?, ?, ?)",
                )
                .bind(instance_url)
                .bind(client_id)
                .bind(secret)
                .bind(StoredState::AwaitingAuthorization.as_str())
                .bind(new_epoch())
                .execute(&mut *tx)
                .await?;
            }
            (Some((old_instance, old_client)), secret) => {
                let same_client = old_instance == instance_url && old_client == client_id;
                if let Some(secret) = secret {
                    sqlx::query("UPDATE servicenow_connection SET client_secret = ? WHERE id = 1")
                        .bind(secret)
                        .execute(&mut *tx)
                        .await?;
                }
                if !same_client {
                    sqlx::query(
                        "UPDATE servicenow_connection SET instance_url = ?, client_id = ?, \
                         access_token = NULL, access_expires_at = NULL, refresh_token = NULL, \
                         integration_user = NULL, state = ?, last_error = NULL, epoch = ? WHERE id = 1",
                    )
                    .bind(instance_url)
                    .bind(client_id)
                    .bind(StoredState::AwaitingAuthorization.as_str())
                    .bind(new_epoch())
                    .execute(&mut *tx)
                    .await?;
                    // An authorisation started for the old client must not complete for the new one.
                    sqlx::query("DELETE FROM servicenow_authorizations")
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn store_servicenow_tokens(&self, tokens: &SealedTokens) -> Result<bool, StorageError> {
        self.changed_one(
            sqlx::query(
                "UPDATE servicenow_connection SET access_token = ?, access_expires_at = ?, \
                 refresh_token = COALESCE(?, refresh_token), state = ?, epoch = ? \
                 WHERE id = 1 AND epoch = ?",
            )
            .bind(&tokens.access_token)
            .bind(tokens.access_expires_at)
            .bind(tokens.refresh_token.as_deref())
            .bind(StoredState::Connected.as_str())
            .bind(tokens.stored_epoch())
            .bind(&tokens.epoch),
        )
        .await
    }

    async fn set_servicenow_integration_user(&self, user: &str) -> Result<(), StorageError> {
        self.set_connection_column("integration_user = ?", user)
            .await
    }

    async fn mark_servicenow_needs_reauthorization(&self, epoch: &str) -> Result<(), StorageError> {
        self.execute(
            sqlx::query(
                "UPDATE servicenow_connection SET access_token = NULL, access_expires_at = NULL, \
                 refresh_token = NULL, state = ? WHERE id = 1 AND state = ? AND epoch = ?",
            )
            .bind(StoredState::NeedsReauthorization.as_str())
            .bind(StoredState::Connected.as_str())
            .bind(epoch),
        )
        .await
    }

    async fn record_servicenow_success(&self, at: i64) -> Result<(), StorageError> {
        self.execute(
            sqlx::query(
                "UPDATE servicenow_connection SET last_success_at = ?, last_error = NULL WHERE id = 1",
            )
            .bind(at),
        )
        .await
    }

    async fn record_servicenow_problem(&self, problem: &str) -> Result<(), StorageError> {
        self.set_connection_column("last_error = ?", problem).await
    }

    async fn delete_servicenow_connection(&self) -> Result<(), StorageError> {
        self.execute_together(&[
            "DELETE FROM servicenow_connection",
            "DELETE FROM servicenow_authorizations",
        ])
        .await
    }

    async fn insert_servicenow_authorization(
        &self,
        state_hash: &str,
        pending: &PendingAuthorization,
        now: i64,
    ) -> Result<(), StorageError> {
        self.execute(
            sqlx::query("DELETE FROM servicenow_authorizations WHERE expires_at <= ?").bind(now),
        )
        .await?;
        self.execute(
            sqlx::query(
                "INSERT INTO servicenow_authorizations (state_hash, pkce_verifier, started_by, expires_at) \
                 VALUES (?, ?, ?, ?)",
            )
            .bind(state_hash)
            .bind(&pending.sealed_pkce_verifier)
            .bind(&pending.started_by)
            .bind(pending.expires_at),
        )
        .await
    }

    async fn take_servicenow_authorization(
        &self,
        state_hash: &str,
    ) -> Result<Option<PendingAuthorization>, StorageError> {
        Ok(sqlx::query_as(
            "DELETE FROM servicenow_authorizations WHERE state_hash = ? \
             RETURNING pkce_verifier AS sealed_pkce_verifier, started_by, expires_at",
        )
        .bind(state_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn servicenow_state_names(
        &self,
        table: &str,
    ) -> Result<BTreeMap<String, String>, StorageError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT state_value, display_name FROM servicenow_state_names WHERE ticket_table = ?",
        )
        .bind(table)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    async fn replace_servicenow_state_names(
        &self,
        table: &str,
        names: &BTreeMap<String, String>,
    ) -> Result<(), StorageError> {
        let mut tx = self.write_transaction().await?;
        sqlx::query("DELETE FROM servicenow_state_names WHERE ticket_table = ?")
            .bind(table)
            .execute(&mut *tx)
            .await?;
        for (value, name) in names {
            sqlx::query(
                "INSERT INTO servicenow_state_names (ticket_table, state_value, display_name) VALUES (?, ?, ?)",
            )
            .bind(table)
            .bind(value)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn servicenow_ticket_defaults(
        &self,
    ) -> Result<Option<(String, String, String)>, StorageError> {
        Ok(sqlx::query_as(
            "SELECT ticket_type, assignment_group, category FROM servicenow_ticket_defaults WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn save_servicenow_ticket_defaults(
        &self,
        ticket_type: &str,
        assignment_group: &str,
        category: &str,
    ) -> Result<(), StorageError> {
        self.execute(
            sqlx::query(
                "INSERT INTO servicenow_ticket_defaults (id, ticket_type, assignment_group, category) \
                 VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET ticket_type = excluded.ticket_type, \
                 assignment_group = excluded.assignment_group, category = excluded.category",
            )
            .bind(ticket_type)
            .bind(assignment_group)
            .bind(category),
        )
        .await
    }

    async fn servicenow_offer_dismissed(&self, user_id: i64) -> Result<bool, StorageError> {
        let dismissed: Option<i64> =
            sqlx::query_scalar("SELECT servicenow_offer_dismissed FROM users WHERE id = ?")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(dismissed == Some(1))
    }

    async fn dismiss_servicenow_offer(&self, user_id: i64) -> Result<(), StorageError> {
        self.execute(
            sqlx::query("UPDATE users SET servicenow_offer_dismissed = 1 WHERE id = ?")
                .bind(user_id),
        )
        .await
    }
}
