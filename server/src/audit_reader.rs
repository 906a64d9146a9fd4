//! The audit log as admins read it (`/audit`).

use crate::storage::Storage;
use app::{
    api::{ApiError, services::AuditReader},
    domain::audit::{AUDIT_PAGE, AuditEntry, AuditError, AuditFilter},
};

/// Reads the audit log from storage.
pub struct StoredAuditLog {
    pub storage: Storage,
}

#[async_trait::async_trait]
impl AuditReader for StoredAuditLog {
    async fn entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, AuditError> {
        let records = self
            .storage
            .filtered_audit(&filter.actor, &filter.action, i64::from(AUDIT_PAGE))
            .await
            .map_err(|error| {
                tracing::error!(%error, "cannot read the audit log");
                ApiError::Unavailable
            })?;
        Ok(records
            .into_iter()
            .map(|record| AuditEntry {
                id: record.id,
                at: record.at,
                actor: record.event.actor,
                action: record.event.action,
                target: record.event.target,
                details: record.event.details.to_string(),
            })
            .collect())
    }
}
