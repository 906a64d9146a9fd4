//! [`SecureScoreStore`] on PostgreSQL: the one-row tables `securescore_data`
//! and `graph_connection`.

use super::Postgres;
use crate::storage::{
    StorageError,
    securescore::{SecureScoreStore, StoredGraphConnection, StoredScoreData},
};

#[async_trait::async_trait]
impl SecureScoreStore for Postgres {
    async fn securescore_data(&self) -> Result<Option<StoredScoreData>, StorageError> {
        Ok(sqlx::query_as(
            "SELECT source, profiles, snapshots, refreshed_at FROM securescore_data WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn save_securescore_data(&self, data: &StoredScoreData) -> Result<(), StorageError> {
        self.execute(
            sqlx::query(
                "INSERT INTO securescore_data (id, source, profiles, snapshots, refreshed_at) \
                 VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET source = excluded.source, \
                 profiles = excluded.profiles, snapshots = excluded.snapshots, \
                 refreshed_at = excluded.refreshed_at",
            )
            .bind(&data.source)
            .bind(&data.profiles)
            .bind(&data.snapshots)
            .bind(data.refreshed_at),
        )
        .await
    }

    async fn graph_connection(&self) -> Result<Option<StoredGraphConnection>, StorageError> {
        Ok(sqlx::query_as(
            "SELECT tenant_id, client_id, client_secret AS sealed_client_secret \
             FROM graph_connection WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn save_graph_connection(
        &self,
        connection: &StoredGraphConnection,
    ) -> Result<(), StorageError> {
        self.execute(
            sqlx::query(
                "INSERT INTO graph_connection (id, tenant_id, client_id, client_secret) VALUES (1, $1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, \
                 client_id = excluded.client_id, client_secret = excluded.client_secret",
            )
            .bind(&connection.tenant_id)
            .bind(&connection.client_id)
            .bind(&connection.sealed_client_secret),
        )
        .await
    }

    async fn delete_graph_connection(&self) -> Result<(), StorageError> {
        self.execute_together(&[
            "DELETE FROM graph_connection",
            "DELETE FROM securescore_data WHERE source = 'graph'",
        ])
        .await
    }
}
