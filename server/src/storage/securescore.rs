//! The last good Secure Score data in storage, kept as Graph's JSON, the
//! Graph credentials set in the UI, and the [`SecureScoreStore`] every
//! backend implements.

use super::StorageError;

/// Secure Score data as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredScoreData {
    /// `demo` or `graph`.
    pub source: String,
    /// JSON array of control profiles.
    pub profiles: String,
    /// JSON array of snapshots, newest first.
    pub snapshots: String,
    /// Unix seconds.
    pub refreshed_at: i64,
}

/// Graph credentials set in the UI; the secret sealed.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredGraphConnection {
    pub tenant_id: String,
    pub client_id: String,
    pub sealed_client_secret: Vec<u8>,
}

/// Where Secure Score data and the Graph credentials are kept.
#[async_trait::async_trait]
pub trait SecureScoreStore: Send + Sync {
    /// The stored Secure Score data, if any was ever read.
    async fn securescore_data(&self) -> Result<Option<StoredScoreData>, StorageError>;

    /// Replaces the stored Secure Score data.
    async fn save_securescore_data(&self, data: &StoredScoreData) -> Result<(), StorageError>;

    /// The Graph credentials set in the UI, if any.
    async fn graph_connection(&self) -> Result<Option<StoredGraphConnection>, StorageError>;

    /// Saves the Graph credentials.
    async fn save_graph_connection(
        &self,
        connection: &StoredGraphConnection,
    ) -> Result<(), StorageError>;

    /// Forgets the Graph credentials and the data read with them.
    async fn delete_graph_connection(&self) -> Result<(), StorageError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::testing::on_every_backend;

    #[tokio::test]
    async fn data_is_replaced_whole() {
        on_every_backend(async |storage| {
            assert_eq!(storage.securescore_data().await.unwrap(), None);
            let mut data = StoredScoreData {
                source: "demo".into(),
                profiles: "[]".into(),
                snapshots: "[]".into(),
                refreshed_at: 1,
            };
            storage.save_securescore_data(&data).await.unwrap();
            data.refreshed_at = 2;
            storage.save_securescore_data(&data).await.unwrap();
            assert_eq!(storage.securescore_data().await.unwrap(), Some(data));
        })
        .await;
    }

    #[tokio::test]
    async fn forgetting_the_graph_connection_forgets_the_data_read_with_it() {
        on_every_backend(async |storage| {
            let connection = StoredGraphConnection {
                tenant_id: "tenant".into(),
                client_id: "client".into(),
                sealed_client_secret: b"sealed".to_vec(),
            };
            storage.save_graph_connection(&connection).await.unwrap();
            assert_eq!(storage.graph_connection().await.unwrap(), Some(connection));
            for source in ["graph", "demo"] {
                let data = StoredScoreData {
                    source: source.into(),
                    profiles: "[]".into(),
                    snapshots: "[]".into(),
                    refreshed_at: 1,
                };
                storage.save_securescore_data(&data).await.unwrap();
                storage.delete_graph_connection().await.unwrap();
                assert_eq!(storage.graph_connection().await.unwrap(), None);
                let kept = storage.securescore_data().await.unwrap();
                assert_eq!(kept.is_some(), source == "demo", "{source} data");
            }
        })
        .await;
    }
}
