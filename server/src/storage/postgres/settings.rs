//! [`SettingsStore`] on PostgreSQL: the `settings` table.

use super::Postgres;
use crate::storage::{StorageError, settings::SettingsStore};

#[async_trait::async_trait]
impl SettingsStore for Postgres {
    async fn setting(&self, key: &str) -> Result<Option<String>, StorageError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StorageError> {
        self.execute(
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(value),
        )
        .await?;
        self.setting(key)
            .await?
            .ok_or_else(|| StorageError::Corrupt(format!("setting {key} vanished")))
    }
}
