//! The last good Secure Score data in storage, kept as Graph's JSON.

use super::{Backend, Storage, StorageError};

/// Secure Score data as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
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

impl Storage {
    /// The stored Secure Score data, if any was ever read.
    pub async fn securescore_data(&self) -> Result<Option<StoredScoreData>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let row: Option<(String, String, String, i64)> = sqlx::query_as(
            "SELECT source, profiles, snapshots, refreshed_at FROM securescore_data WHERE id = 1",
        )
        .fetch_optional(pool)
        .await?;
        Ok(row.map(
            |(source, profiles, snapshots, refreshed_at)| StoredScoreData {
                source,
                profiles,
                snapshots,
                refreshed_at,
            },
        ))
    }

    /// Replaces the stored Secure Score data.
    pub async fn save_securescore_data(&self, data: &StoredScoreData) -> Result<(), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        sqlx::query(
            "INSERT INTO securescore_data (id, source, profiles, snapshots, refreshed_at) \
             VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET source = excluded.source, \
             profiles = excluded.profiles, snapshots = excluded.snapshots, \
             refreshed_at = excluded.refreshed_at",
        )
        .bind(&data.source)
        .bind(&data.profiles)
        .bind(&data.snapshots)
        .bind(data.refreshed_at)
        .execute(pool)
        .await?;
        Ok(())
    }
}

/// Graph credentials set in the UI; the secret sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredGraphConnection {
    pub tenant_id: String,
    pub client_id: String,
    pub sealed_client_secret: Vec<u8>,
}

impl Storage {
    /// The Graph credentials set in the UI, if any.
    pub async fn graph_connection(&self) -> Result<Option<StoredGraphConnection>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let row: Option<(String, String, Vec<u8>)> = sqlx::query_as(
            "SELECT tenant_id, client_id, client_secret FROM graph_connection WHERE id = 1",
        )
        .fetch_optional(pool)
        .await?;
        Ok(row.map(
            |(tenant_id, client_id, sealed_client_secret)| StoredGraphConnection {
                tenant_id,
                client_id,
                sealed_client_secret,
            },
        ))
    }

    /// Saves the Graph credentials.
    pub async fn save_graph_connection(
        &self,
        connection: &StoredGraphConnection,
    ) -> Result<(), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        sqlx::query(
            "INSERT INTO graph_connection (id, tenant_id, client_id, client_secret) VALUES (1, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, \
             client_id = excluded.client_id, client_secret = excluded.client_secret",
        )
        .bind(&connection.tenant_id)
        .bind(&connection.client_id)
        .bind(&connection.sealed_client_secret)
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Forgets the Graph credentials and the data read with them.
    pub async fn delete_graph_connection(&self) -> Result<(), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let mut tx = pool.begin().await?;
        sqlx::query("DELETE FROM graph_connection")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM securescore_data WHERE source = 'graph'")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn data_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open_sqlite(dir.path()).await.unwrap();
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
    }
}
