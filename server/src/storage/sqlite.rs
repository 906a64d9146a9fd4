//! The SQLite backend: one WAL-mode file, migrations embedded in the binary.

use super::StorageError;
use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use std::{path::Path, time::Duration};

/// Name of the database file inside the data directory.
pub const FILE_NAME: &str = "scorenow.db";

/// How long a writer waits for a lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens the pool and brings the schema up to date.
pub async fn open(path: &Path) -> Result<SqlitePool, StorageError> {
    let location = path.display().to_string();
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
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
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .map_err(|source| StorageError::Migrate { location, source })?;
    Ok(pool)
}

/// Runs the cheapest possible query.
pub async fn ping(pool: &SqlitePool) -> Result<(), StorageError> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}
