//! [`AuditStore`] on PostgreSQL: the `audit_log` table, details kept as JSON text.

use super::Postgres;
use crate::storage::{
    StorageError,
    audit::{AuditEvent, AuditRecord, AuditRow, AuditStore},
};

#[async_trait::async_trait]
impl AuditStore for Postgres {
    async fn record_audit(&self, event: &AuditEvent) -> Result<(), StorageError> {
        self.execute(
            sqlx::query(
                "INSERT INTO audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4)",
            )
            .bind(&event.actor)
            .bind(&event.action)
            .bind(&event.target)
            .bind(event.details.to_string()),
        )
        .await
    }

    async fn filtered_audit(
        &self,
        actor: &str,
        action: &str,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StorageError> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT id, at, actor, action, target, details FROM audit_log \
             WHERE strpos(lower(actor), lower($1)) > 0 AND starts_with(action, $2) \
             ORDER BY id DESC LIMIT $3",
        )
        .bind(actor)
        .bind(action)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(AuditRow::into_record).collect()
    }
}
