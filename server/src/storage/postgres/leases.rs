//! [`LeaseStore`] on PostgreSQL: the `leases` table, taken with one upsert.

use super::Postgres;
use crate::storage::{StorageError, leases::LeaseStore};

#[async_trait::async_trait]
impl LeaseStore for Postgres {
    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<Option<i64>, StorageError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO leases (name, holder, fence, expires_at_ms) VALUES ($1, $2, 1, $4) \
             ON CONFLICT (name) DO UPDATE SET \
             fence = CASE WHEN leases.holder = excluded.holder THEN leases.fence ELSE leases.fence + 1 END, \
             holder = excluded.holder, expires_at_ms = excluded.expires_at_ms \
             WHERE leases.holder = excluded.holder OR leases.expires_at_ms <= $3 \
             RETURNING fence",
        )
        .bind(name)
        .bind(holder)
        .bind(now_ms)
        .bind(until_ms)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StorageError> {
        self.execute(
            sqlx::query("UPDATE leases SET expires_at_ms = 0 WHERE name = $1 AND holder = $2")
                .bind(name)
                .bind(holder),
        )
        .await
    }
}
