//! [`ThrottleStore`] on SQLite: the `sign_in_failures` table, read and
//! counted in one `BEGIN IMMEDIATE` transaction so that concurrent attempts
//! are counted one after the other.

use super::Sqlite;
use crate::storage::{
    StorageError,
    throttle::{FORGET_AFTER_MS, ThrottleStore, must_wait},
};
use sqlx::QueryBuilder;

#[async_trait::async_trait]
impl ThrottleStore for Sqlite {
    async fn take_sign_in_attempt(
        &self,
        keys: &[String],
        now_ms: i64,
    ) -> Result<Option<i64>, StorageError> {
        if keys.is_empty() {
            return Ok(None);
        }
        let mut tx = self.write_transaction().await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE last_failure_ms < ?")
            .bind(now_ms - FORGET_AFTER_MS)
            .execute(&mut *tx)
            .await?;
        let mut select = QueryBuilder::new(
            "SELECT failures, last_failure_ms FROM sign_in_failures WHERE key IN (",
        );
        let mut bound = select.separated(", ");
        for key in keys {
            bound.push_bind(key);
        }
        select.push(")");
        let counts: Vec<(i64, i64)> = select.build_query_as().fetch_all(&mut *tx).await?;
        let wait = must_wait(&counts, now_ms);
        if wait.is_none() {
            for key in keys {
                sqlx::query(
                    "INSERT INTO sign_in_failures (key, failures, last_failure_ms) VALUES (?, 1, ?) \
                     ON CONFLICT (key) DO UPDATE SET failures = failures + 1, \
                     last_failure_ms = excluded.last_failure_ms",
                )
                .bind(key)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(wait)
    }

    async fn clear_sign_in_failures(&self, keys: &[String]) -> Result<(), StorageError> {
        if keys.is_empty() {
            return Ok(());
        }
        let mut delete = QueryBuilder::new("DELETE FROM sign_in_failures WHERE key IN (");
        let mut bound = delete.separated(", ");
        for key in keys {
            bound.push_bind(key);
        }
        delete.push(")");
        delete.build().execute(&self.pool).await?;
        Ok(())
    }
}
