//! Installation-wide settings in storage (the `settings` table): values
//! written once and read at every start, and the [`SettingsStore`] every
//! backend implements.

use super::StorageError;

/// Where installation-wide settings are kept.
#[async_trait::async_trait]
pub trait SettingsStore: Send + Sync {
    /// The value of setting `key`, if it was ever written.
    async fn setting(&self, key: &str) -> Result<Option<String>, StorageError>;

    /// Writes setting `key` unless it has a value; the value it has now
    /// (`value`, or the one another writer stored first).
    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StorageError>;
}

#[cfg(test)]
mod tests {
    use crate::storage::testing::on_every_backend;

    #[tokio::test]
    async fn the_first_value_written_stays() {
        on_every_backend(async |storage| {
            assert_eq!(storage.setting("k").await.unwrap(), None);
            assert_eq!(
                storage.setting_or_insert("k", "first").await.unwrap(),
                "first"
            );
            assert_eq!(
                storage.setting_or_insert("k", "second").await.unwrap(),
                "first"
            );
            assert_eq!(
                storage.setting("k").await.unwrap().as_deref(),
                Some("first")
            );
        })
        .await;
    }
}
