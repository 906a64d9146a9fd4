//! The ServiceNow connection in storage: instance, client, sealed secrets,
//! authorisations in progress, state names and ticket defaults. Secrets
//! arrive here already sealed; this module never sees them in the clear.

use super::{Backend, Storage, StorageError};
use std::collections::BTreeMap;

/// Where the stored connection stands (`servicenow_connection.state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoredState {
    AwaitingAuthorization,
    Connected,
    NeedsReauthorization,
}

impl StoredState {
    fn as_str(self) -> &'static str {
        match self {
            StoredState::AwaitingAuthorization => "awaiting_authorization",
            StoredState::Connected => "connected",
            StoredState::NeedsReauthorization => "needs_reauthorization",
        }
    }

    fn parse(value: &str) -> Result<Self, StorageError> {
        match value {
            "awaiting_authorization" => Ok(StoredState::AwaitingAuthorization),
            "connected" => Ok(StoredState::Connected),
            "needs_reauthorization" => Ok(StoredState::NeedsReauthorization),
            other => Err(StorageError::Corrupt(format!(
                "unknown ServiceNow connection state {other:?}"
            ))),
        }
    }
}

/// The stored connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredConnection {
    pub instance_url: String,
    pub client_id: String,
    pub sealed_client_secret: Vec<u8>,
    pub sealed_access_token: Option<Vec<u8>>,
    pub access_expires_at: Option<i64>,
    pub sealed_refresh_token: Option<Vec<u8>>,
    pub integration_user: Option<String>,
    pub state: StoredState,
    pub last_success_at: Option<i64>,
    /// The last problem, as JSON.
    pub last_error: Option<String>,
}

/// Sealed tokens from a token response.
#[derive(Clone, Debug)]
pub struct SealedTokens {
    pub access_token: Vec<u8>,
    pub access_expires_at: i64,
    /// `None` keeps the stored refresh token (ServiceNow may omit it on refresh).
    pub refresh_token: Option<Vec<u8>>,
}

/// An authorisation in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingAuthorization {
    pub sealed_pkce_verifier: Vec<u8>,
    pub started_by: String,
    pub expires_at: i64,
}

type ConnectionRow = (
    String,
    String,
    Vec<u8>,
    Option<Vec<u8>>,
    Option<i64>,
    Option<Vec<u8>>,
    Option<String>,
    String,
    Option<i64>,
    Option<String>,
);

impl Storage {
    /// The connection, if one is configured.
    pub async fn servicenow_connection(&self) -> Result<Option<StoredConnection>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let row: Option<ConnectionRow> = sqlx::query_as(
            "SELECT instance_url, client_id, client_secret, access_token, access_expires_at, \
             refresh_token, integration_user, state, last_success_at, last_error \
             FROM servicenow_connection WHERE id = 1",
        )
        .fetch_optional(pool)
        .await?;
        row.map(
            |(
                instance_url,
                client_id,
                sealed_client_secret,
                sealed_access_token,
                access_expires_at,
                sealed_refresh_token,
                integration_user,
                state,
                last_success_at,
                last_error,
            )| {
                Ok(StoredConnection {
                    instance_url,
                    client_id,
                    sealed_client_secret,
                    sealed_access_token,
                    access_expires_at,
                    sealed_refresh_token,
                    integration_user,
                    state: StoredState::parse(&state)?,
                    last_success_at,
                    last_error,
                })
            },
        )
        .transpose()
    }

    /// Saves instance and client (and a new secret when given). Tokens of
    /// another instance or client are dropped: the connection then awaits
    /// authorisation.
    pub async fn save_servicenow_client(
        &self,
        instance_url: &str,
        client_id: &str,
        sealed_client_secret: Option<&[u8]>,
    ) -> Result<(), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let mut tx = pool.begin().await?;
        let existing: Option<(String, String)> = sqlx::query_as(
            "SELECT instance_url, client_id FROM servicenow_connection WHERE id = 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        match (existing, sealed_client_secret) {
            (None, None) => return Err(StorageError::Corrupt("no client secret to keep".into())),
            (None, Some(secret)) => {
                sqlx::query(
                    "INSERT INTO servicenow_connection (id, instance_url, client_id, client_secret, state) \
                     VALUES (1, ?, ?, ?, ?)",
                )
                .bind(instance_url)
                .bind(client_id)
                .bind(secret)
                .bind(StoredState::AwaitingAuthorization.as_str())
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
                         integration_user = NULL, state = ?, last_error = NULL WHERE id = 1",
                    )
                    .bind(instance_url)
                    .bind(client_id)
                    .bind(StoredState::AwaitingAuthorization.as_str())
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

    /// Stores tokens and marks the connection connected.
    pub async fn store_servicenow_tokens(&self, tokens: &SealedTokens) -> Result<(), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        sqlx::query(
            "UPDATE servicenow_connection SET access_token = ?, access_expires_at = ?, \
             refresh_token = COALESCE(?, refresh_token), state = ? WHERE id = 1",
        )
        .bind(&tokens.access_token)
        .bind(tokens.access_expires_at)
        .bind(tokens.refresh_token.as_deref())
        .bind(StoredState::Connected.as_str())
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Records the integration user the tokens belong to.
    pub async fn set_servicenow_integration_user(&self, user: &str) -> Result<(), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        sqlx::query("UPDATE servicenow_connection SET integration_user = ? WHERE id = 1")
            .bind(user)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Drops the tokens: an admin must authorise again.
    pub async fn mark_servicenow_needs_reauthorization(&self) -> Result<(), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        sqlx::query(
            "UPDATE servicenow_connection SET access_token = NULL, access_expires_at = NULL, \
             refresh_token = NULL, state = ? WHERE id = 1 AND state = ?",
        )
        .bind(StoredState::NeedsReauthorization.as_str())
        .bind(StoredState::Connected.as_str())
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Records a successful call at `at` and clears the last error.
    pub async fn record_servicenow_success(&self, at: i64) -> Result<(), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        sqlx::query(
            "UPDATE servicenow_connection SET last_success_at = ?, last_error = NULL WHERE id = 1",
        )
        .bind(at)
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Records the last problem (JSON).
    pub async fn record_servicenow_problem(&self, problem: &str) -> Result<(), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        sqlx::query("UPDATE servicenow_connection SET last_error = ? WHERE id = 1")
            .bind(problem)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Deletes the connection with its secrets and any authorisation in progress.
    pub async fn delete_servicenow_connection(&self) -> Result<(), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let mut tx = pool.begin().await?;
        sqlx::query("DELETE FROM servicenow_connection")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM servicenow_authorizations")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Remembers an authorisation in progress (and forgets expired ones).
    pub async fn insert_servicenow_authorization(
        &self,
        state_hash: &str,
        pending: &PendingAuthorization,
        now: i64,
    ) -> Result<(), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        sqlx::query("DELETE FROM servicenow_authorizations WHERE expires_at <= ?")
            .bind(now)
            .execute(pool)
            .await?;
        sqlx::query(
            "INSERT INTO servicenow_authorizations (state_hash, pkce_verifier, started_by, expires_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(state_hash)
        .bind(&pending.sealed_pkce_verifier)
        .bind(&pending.started_by)
        .bind(pending.expires_at)
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Removes and returns the authorisation with this state hash: each can
    /// be completed once.
    pub async fn take_servicenow_authorization(
        &self,
        state_hash: &str,
    ) -> Result<Option<PendingAuthorization>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let row: Option<(Vec<u8>, String, i64)> = sqlx::query_as(
            "DELETE FROM servicenow_authorizations WHERE state_hash = ? \
             RETURNING pkce_verifier, started_by, expires_at",
        )
        .bind(state_hash)
        .fetch_optional(pool)
        .await?;
        Ok(row.map(
            |(sealed_pkce_verifier, started_by, expires_at)| PendingAuthorization {
                sealed_pkce_verifier,
                started_by,
                expires_at,
            },
        ))
    }

    /// The admin's state names of `table` (state value → name).
    pub async fn servicenow_state_names(
        &self,
        table: &str,
    ) -> Result<BTreeMap<String, String>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT state_value, display_name FROM servicenow_state_names WHERE ticket_table = ?",
        )
        .bind(table)
        .fetch_all(pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// Replaces the admin's state names of `table`.
    pub async fn replace_servicenow_state_names(
        &self,
        table: &str,
        names: &BTreeMap<String, String>,
    ) -> Result<(), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let mut tx = pool.begin().await?;
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

    /// The ticket defaults (type, assignment group, category), if saved.
    pub async fn servicenow_ticket_defaults(
        &self,
    ) -> Result<Option<(String, String, String)>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        Ok(sqlx::query_as(
            "SELECT ticket_type, assignment_group, category FROM servicenow_ticket_defaults WHERE id = 1",
        )
        .fetch_optional(pool)
        .await?)
    }

    /// Saves the ticket defaults.
    pub async fn save_servicenow_ticket_defaults(
        &self,
        ticket_type: &str,
        assignment_group: &str,
        category: &str,
    ) -> Result<(), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        sqlx::query(
            "INSERT INTO servicenow_ticket_defaults (id, ticket_type, assignment_group, category) \
             VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET ticket_type = excluded.ticket_type, \
             assignment_group = excluded.assignment_group, category = excluded.category",
        )
        .bind(ticket_type)
        .bind(assignment_group)
        .bind(category)
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Whether this user answered "No" to "Do you use ServiceNow?".
    pub async fn servicenow_offer_dismissed(&self, user_id: i64) -> Result<bool, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let dismissed: Option<i64> =
            sqlx::query_scalar("SELECT servicenow_offer_dismissed FROM users WHERE id = ?")
                .bind(user_id)
                .fetch_optional(pool)
                .await?;
        Ok(dismissed == Some(1))
    }

    /// Hides "Do you use ServiceNow?" for this user.
    pub async fn dismiss_servicenow_offer(&self, user_id: i64) -> Result<(), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        sqlx::query("UPDATE users SET servicenow_offer_dismissed = 1 WHERE id = ?")
            .bind(user_id)
            .execute(pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn storage() -> (tempfile::TempDir, Storage) {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open_sqlite(dir.path()).await.unwrap();
        (dir, storage)
    }

    fn tokens(refresh: Option<&[u8]>) -> SealedTokens {
        SealedTokens {
            access_token: b"access".to_vec(),
            access_expires_at: 100,
            refresh_token: refresh.map(<[u8]>::to_vec),
        }
    }

    #[tokio::test]
    async fn a_new_client_awaits_authorization_then_connects() {
        let (_dir, storage) = storage().await;
        assert!(storage.servicenow_connection().await.unwrap().is_none());
        storage
            .save_servicenow_client("https://acme.service-now.com", "id", Some(b"s1"))
            .await
            .unwrap();
        let stored = storage.servicenow_connection().await.unwrap().unwrap();
        assert_eq!(stored.state, StoredState::AwaitingAuthorization);
        assert_eq!(stored.sealed_client_secret, b"s1");

        storage
            .store_servicenow_tokens(&tokens(Some(b"r1")))
            .await
            .unwrap();
        storage
            .store_servicenow_tokens(&tokens(None))
            .await
            .unwrap();
        let stored = storage.servicenow_connection().await.unwrap().unwrap();
        assert_eq!(stored.state, StoredState::Connected);
        assert_eq!(stored.sealed_refresh_token.as_deref(), Some(&b"r1"[..]));
    }

    #[tokio::test]
    async fn changing_instance_or_client_drops_the_tokens_but_a_new_secret_alone_does_not() {
        let (_dir, storage) = storage().await;
        storage
            .save_servicenow_client("https://a.service-now.com", "id", Some(b"s1"))
            .await
            .unwrap();
        storage
            .store_servicenow_tokens(&tokens(Some(b"r")))
            .await
            .unwrap();
        storage
            .save_servicenow_client("https://a.service-now.com", "id", Some(b"s2"))
            .await
            .unwrap();
        let stored = storage.servicenow_connection().await.unwrap().unwrap();
        assert_eq!(stored.state, StoredState::Connected);
        assert_eq!(stored.sealed_client_secret, b"s2");

        storage
            .save_servicenow_client("https://b.service-now.com", "id", None)
            .await
            .unwrap();
        let stored = storage.servicenow_connection().await.unwrap().unwrap();
        assert_eq!(stored.state, StoredState::AwaitingAuthorization);
        assert_eq!(stored.sealed_refresh_token, None);
        assert_eq!(stored.sealed_client_secret, b"s2");
    }

    #[tokio::test]
    async fn an_authorization_can_be_taken_once() {
        let (_dir, storage) = storage().await;
        let pending = PendingAuthorization {
            sealed_pkce_verifier: b"v".to_vec(),
            started_by: "admin@example.com".into(),
            expires_at: 1_000,
        };
        storage
            .insert_servicenow_authorization("h", &pending, 10)
            .await
            .unwrap();
        assert_eq!(
            storage.take_servicenow_authorization("h").await.unwrap(),
            Some(pending)
        );
        assert_eq!(
            storage.take_servicenow_authorization("h").await.unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn state_names_are_replaced_per_table() {
        let (_dir, storage) = storage().await;
        let names = BTreeMap::from([("-5".to_owned(), "Proposed".to_owned())]);
        storage
            .replace_servicenow_state_names("change_request", &names)
            .await
            .unwrap();
        assert_eq!(
            storage
                .servicenow_state_names("change_request")
                .await
                .unwrap(),
            names
        );
        assert!(
            storage
                .servicenow_state_names("incident")
                .await
                .unwrap()
                .is_empty()
        );
        storage
            .replace_servicenow_state_names("change_request", &BTreeMap::new())
            .await
            .unwrap();
        assert!(
            storage
                .servicenow_state_names("change_request")
                .await
                .unwrap()
                .is_empty()
        );
    }
}
