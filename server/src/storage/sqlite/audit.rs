//! [`AuditStore`] on SQLite: the `audit_log` table, details kept as JSON text.

use super::Sqlite;
use crate::storage::{
    StorageError,
    audit::{AuditEvent, AuditRecord, AuditRow, AuditStore},
};

#[async_trait::async_trait]
impl AuditStore for Sqlite {
    async fn record_audit(&self, event: &AuditEvent) -> Result<(), StorageError> {
        self.execute(
            sqlx::query(
                "INSERT INTO audit_log (actor, action, target, details) VALUES (?, ?, ?, ?)",
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
             WHERE instr(lower(actor), lower(?)) > 0 AND substr(action, 1, length(?)) = ? \
             ORDER BY id DESC LIMIT ?",
        )
        .bind(actor)
        .bind(action)
        .bind(action)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(AuditRow::into_record).collect()
    }
}
