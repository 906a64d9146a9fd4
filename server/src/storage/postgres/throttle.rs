//! [`ThrottleStore`] on PostgreSQL: the `sign_in_failures` table, read and
//! counted in one transaction holding the throttle's lock, so that
//! concurrent attempts are counted one after the other.

use super::{Postgres, Serialised};
use crate::storage::{
    StorageError,
    throttle::{FORGET_AFTER_MS, ThrottleStore, must_wait},
};

#[async_trait::async_trait]
impl ThrottleStore for Postgres {
    async fn take_sign_in_attempt(
        &self,
        keys: &[String],
        now_ms: i64,
    ) -> Result<Option<i64>, StorageError> {
        if keys.is_empty() {
            return Ok(None);
        }
        let mut tx = self.begin_serialised(Serialised::SignInFailures).await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE last_failure_ms < $1")
            .bind(now_ms - FORGET_AFTER_MS)
            .execute(&mut *tx)
            .await?;
        let counts: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT failures, last_failure_ms FROM sign_in_failures WHERE key = ANY($1)",
        )
        .bind(keys)
        .fetch_all(&mut *tx)
        .await?;
        let wait = must_wait(&counts, now_ms);
        if wait.is_none() {
            for key in keys {
                sqlx::query(
                    "INSERT INTO sign_in_failures (key, failures, last_failure_ms) VALUES ($1, 1, $2) \
                     ON CONFLICT (key) DO UPDATE SET failures = sign_in_failures.failures + 1, \
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
        // Under the lock too: a delete racing a count could otherwise
        // deadlock with it on the rows of both.
        let mut tx = self.begin_serialised(Serialised::SignInFailures).await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE key = ANY($1)")
            .bind(keys)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
