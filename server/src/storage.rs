//! Persistent state behind one handle.
//!
//! Callers use [`Storage`]'s methods only; which database sits behind them is
//! this module's business. SQLite (one file in the data directory) is the
//! embedded default; a PostgreSQL backend becomes another [`Backend`] variant
//! without touching callers.

pub mod accounts;
pub mod audit;
pub mod securescore;
pub mod servicenow;
pub mod sessions;
mod sqlite;
pub mod tickets;

use std::path::Path;

/// The database could not be opened, migrated or reached.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// Opening the database or applying migrations failed.
    #[error("cannot open the database {location}: {source}")]
    Open {
        location: String,
        source: sqlx::Error,
    },
    /// A migration could not be applied.
    #[error("cannot migrate the database {location}: {source}")]
    Migrate {
        location: String,
        source: sqlx::migrate::MigrateError,
    },
    /// A query failed.
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    /// A unique value (an account's email) is already taken.
    #[error("already exists")]
    Conflict,
    /// Stored data does not have the shape the code expects.
    #[error("unexpected data in the database: {0}")]
    Corrupt(String),
}

/// Cheaply cloneable handle to the application's database.
#[derive(Clone, Debug)]
pub struct Storage {
    backend: Backend,
}

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(sqlx::SqlitePool),
}

impl Storage {
    /// Opens (creating if needed) `scorenow.db` in `data_dir` and applies
    /// the embedded migrations.
    pub async fn open_sqlite(data_dir: &Path) -> Result<Self, StorageError> {
        let pool = sqlite::open(&data_dir.join(sqlite::FILE_NAME)).await?;
        Ok(Self {
            backend: Backend::Sqlite(pool),
        })
    }

    /// Succeeds when the database answers a trivial query (readiness probe).
    pub async fn ping(&self) -> Result<(), StorageError> {
        match &self.backend {
            Backend::Sqlite(pool) => sqlite::ping(pool).await,
        }
    }

    /// Waits for open connections to finish and closes them.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(pool) => pool.close().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn open_creates_the_file_applies_migrations_and_answers_ping() {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = Storage::open_sqlite(dir.path()).await.expect("open");
        storage.ping().await.expect("ping");
        assert!(dir.path().join(sqlite::FILE_NAME).exists());

        let Backend::Sqlite(pool) = &storage.backend;
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(pool)
            .await
            .expect("pragma");
        assert_eq!(mode, "wal");
        let tables: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'settings'")
                .fetch_one(pool)
                .await
                .expect("query");
        assert_eq!(tables, 1);
        storage.close().await;
    }

    #[tokio::test]
    async fn reopening_an_existing_database_keeps_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        Storage::open_sqlite(dir.path())
            .await
            .expect("first open")
            .close()
            .await;
        let storage = Storage::open_sqlite(dir.path()).await.expect("second open");
        storage.ping().await.expect("ping");
        storage.close().await;
    }

    #[tokio::test]
    async fn ping_fails_once_closed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = Storage::open_sqlite(dir.path()).await.expect("open");
        storage.close().await;
        assert!(storage.ping().await.is_err());
    }
}
