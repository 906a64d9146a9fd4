//! [`SessionStore`] on PostgreSQL: the `sessions` table, read joined with `users`.

use super::Postgres;
use crate::storage::{
    StorageError,
    accounts::Account,
    sessions::{SESSION_COLUMNS, SessionLimits, SessionRow, SessionStore, SessionUse},
};

#[async_trait::async_trait]
impl SessionStore for Postgres {
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
    ) -> Result<(), StorageError> {
        self.execute(
            sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash)
                .bind(user_id)
                .bind(now)
                .bind(now),
        )
        .await
    }

    async fn session_account(
        &self,
        token_hash: &str,
        now: i64,
        limits: SessionLimits,
    ) -> Result<Option<Account>, StorageError> {
        let row: Option<SessionRow> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        match row.map(|row| row.use_at(now, limits)) {
            None => Ok(None),
            Some(SessionUse::Ended) => {
                self.delete_session(token_hash).await?;
                Ok(None)
            }
            Some(SessionUse::Live { account, touch }) => {
                if touch {
                    self.execute(
                        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                            .bind(now)
                            .bind(token_hash),
                    )
                    .await?;
                }
                account.into_account().map(Some)
            }
        }
    }

    async fn confirm_session(&self, token_hash: &str, now: i64) -> Result<(), StorageError> {
        self.execute(
            sqlx::query("UPDATE sessions SET confirmed_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(token_hash),
        )
        .await
    }

    async fn session_confirmed_at(&self, token_hash: &str) -> Result<Option<i64>, StorageError> {
        let confirmed: Option<Option<i64>> =
            sqlx::query_scalar("SELECT confirmed_at FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(confirmed.flatten())
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StorageError> {
        self.execute(sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash))
            .await
    }

    async fn delete_user_sessions(&self, user_id: i64) -> Result<u64, StorageError> {
        let result = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }
}
