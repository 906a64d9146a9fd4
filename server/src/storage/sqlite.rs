//! The SQLite backend: one WAL-mode file, migrations embedded in the binary.
//! Each area's queries live in `sqlite/<area>.rs`; this file opens the pool
//! and holds the helpers they share.

mod accounts;
mod audit;
mod copy;
mod leases;
mod securescore;
mod servicenow;
mod sessions;
mod settings;
mod sso;
mod throttle;
mod tickets;

use super::{Backend, StorageError};
use sqlx::{
    SqlitePool,
    migrate::Migrator,
    query::Query,
    sqlite::{
        SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions,
        SqliteSynchronous,
    },
};
use std::{path::Path, time::Duration};

/// Name of the database file inside the data directory.
pub const FILE_NAME: &str = "scorenow.db";

/// The schema's migrations, kept in step with PostgreSQL's: the same versions
/// and descriptions, each in this database's SQL.
pub(super) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a writer waits for a lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A query with its parameters bound, ready to run.
type Statement<'q> = Query<'q, sqlx::Sqlite, SqliteArguments<'q>>;

/// The SQLite database behind [`super::Storage`].
#[derive(Debug)]
pub(super) struct Sqlite {
    /// Also used by `storage::copy`, which runs its own transactions.
    pub(super) pool: SqlitePool,
}

impl Sqlite {
    /// Opens the pool and brings the schema up to date.
    pub(super) async fn open(path: &Path) -> Result<Self, StorageError> {
        let location = path.display().to_string();
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // A commit reaches the disk before it returns: a ticket marked
            // sent, a session revoked, survive a power cut, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|source| StorageError::Open {
                location: location.clone(),
                source,
            })?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| StorageError::Migrate { location, source })?;
        Ok(Self { pool })
    }

    /// Runs `statement` for its effect.
    async fn execute(&self, statement: Statement<'_>) -> Result<(), StorageError> {
        statement.execute(&self.pool).await?;
        Ok(())
    }

    /// Runs `statement`; whether it changed exactly one row.
    async fn changed_one(&self, statement: Statement<'_>) -> Result<bool, StorageError> {
        Ok(statement.execute(&self.pool).await?.rows_affected() == 1)
    }

    /// A transaction that takes the write lock at once (`BEGIN IMMEDIATE`),
    /// so that one which reads, then writes, waits for other writers (up to
    /// the busy timeout) instead of failing with `SQLITE_BUSY` on its write.
    async fn write_transaction(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StorageError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Runs `statements` (without parameters) in one transaction.
    async fn execute_together(&self, statements: &[&str]) -> Result<(), StorageError> {
        let mut tx = self.write_transaction().await?;
        for statement in statements {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Backend for Sqlite {
    async fn ping(&self) -> Result<(), StorageError> {
        self.execute(sqlx::query("SELECT 1")).await
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn open_creates_the_file_applies_migrations_and_answers_ping() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        let sqlite = Sqlite::open(&path).await.expect("open");
        sqlite.ping().await.expect("ping");
        assert!(path.exists());

        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&sqlite.pool)
            .await
            .expect("pragma");
        assert_eq!(mode, "wal");
        let tables: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'settings'")
                .fetch_one(&sqlite.pool)
                .await
                .expect("query");
        assert_eq!(tables, 1);
        sqlite.close().await;
    }
}
