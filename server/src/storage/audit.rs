//! The audit log in storage: append-only records of who did what, and the
//! [`AuditStore`] every backend implements.

use super::StorageError;
use serde_json::Value;

/// One thing worth recording.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEvent {
    /// Who did it: a user's email, `cli`, or `system`.
    pub actor: String,
    /// What happened, as a stable dotted name (`user.created`).
    pub action: String,
    /// What it happened to, if anything (an email, a ticket number).
    pub target: Option<String>,
    /// Further facts, never secrets.
    pub details: Value,
}

/// A stored audit record.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: String,
    pub event: AuditEvent,
}

/// An audit record as every database stores it: the details as JSON text.
#[derive(sqlx::FromRow)]
pub(super) struct AuditRow {
    id: i64,
    at: String,
    actor: String,
    action: String,
    target: Option<String>,
    details: String,
}

impl AuditRow {
    /// The record, once its details are known to be JSON.
    pub(super) fn into_record(self) -> Result<AuditRecord, StorageError> {
        let details = serde_json::from_str(&self.details)
            .map_err(|error| StorageError::Corrupt(error.to_string()))?;
        Ok(AuditRecord {
            id: self.id,
            at: self.at,
            event: AuditEvent {
                actor: self.actor,
                action: self.action,
                target: self.target,
                details,
            },
        })
    }
}

/// Where the audit log is kept.
#[async_trait::async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an audit record.
    async fn record_audit(&self, event: &AuditEvent) -> Result<(), StorageError>;

    /// Appends an audit record of what already happened: a failure to write
    /// it is logged, not returned, so the action it records stands.
    async fn audit(&self, actor: &str, action: &str, target: Option<String>, details: Value) {
        let event = AuditEvent {
            actor: actor.to_owned(),
            action: action.to_owned(),
            target,
            details,
        };
        if let Err(error) = self.record_audit(&event).await {
            tracing::error!(%error, action, "cannot record an audit event");
        }
    }

    /// The newest `limit` audit records, newest first.
    async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditRecord>, StorageError> {
        self.filtered_audit("", "", limit).await
    }

    /// The newest `limit` audit records whose actor contains `actor` and
    /// whose action starts with `action` (empty: any), newest first.
    async fn filtered_audit(
        &self,
        actor: &str,
        action: &str,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StorageError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::testing::on_every_backend;
    use serde_json::json;

    #[tokio::test]
    async fn audit_records_come_back_newest_first() {
        on_every_backend(async |storage| {
            for action in ["first", "second"] {
                let event = AuditEvent {
                    actor: "cli".into(),
                    action: action.into(),
                    target: None,
                    details: json!({"n": 1}),
                };
                storage.record_audit(&event).await.unwrap();
            }
            let records = storage.recent_audit(10).await.unwrap();
            let actions: Vec<&str> = records.iter().map(|r| r.event.action.as_str()).collect();
            assert_eq!(actions, ["second", "first"]);
            assert_eq!(records[0].event.details, json!({"n": 1}));
        })
        .await;
    }

    #[tokio::test]
    async fn audit_is_filtered_by_actor_and_by_action_prefix() {
        on_every_backend(async |storage| {
            for (actor, action) in [
                ("Ada@example.com", "user.created"),
                ("bob@example.com", "user.deleted"),
                ("cli", "ticket.queued"),
            ] {
                storage.audit(actor, action, None, json!({})).await;
            }
            let actions = async |actor: &str, action: &str| -> Vec<String> {
                let records = storage.filtered_audit(actor, action, 10).await.unwrap();
                records
                    .into_iter()
                    .map(|record| record.event.action)
                    .collect()
            };
            assert_eq!(actions("ADA", "").await, ["user.created"]);
            assert_eq!(actions("", "user.").await, ["user.deleted", "user.created"]);
            assert!(actions("example", "ticket").await.is_empty());
            assert_eq!(storage.recent_audit(1).await.unwrap().len(), 1);
        })
        .await;
    }
}
