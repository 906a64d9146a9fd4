//! Persistent state behind one handle, in SQLite or PostgreSQL.
//!
//! Callers hold a [`Storage`] and call the area traits' methods on it
//! ([`accounts::AccountStore`], [`tickets::TicketStore`], …); which database
//! answers is this module's business. SQLite (one file in the data directory)
//! is the embedded default, in `sqlite.rs` and `sqlite/<area>.rs`; PostgreSQL
//! (a server several replicas can share) is in `postgres.rs` and
//! `postgres/<area>.rs`. Both keep their migrations in step (the same
//! versions and descriptions, each in `migrations/<database>/`). What the
//! backends share that is not SQL (rows, the rules they apply) lives in the
//! area modules. `copy` moves every table from one database into another
//! (`scorenow migrate-db`).
//!
//! Why not sqlx's `Any` driver (sqlx 0.8.6), one implementation for both: of
//! our 68 statements only 13 would run unchanged on SQLite and PostgreSQL. It
//! sends SQL verbatim, so the 53 with `?` placeholders fail on PostgreSQL; 5 use
//! SQLite-only functions (`strftime` ×3, `instr`, two-argument `max`); the 5 that
//! read a `StoredTicket` fail even on SQLite (`Any` decodes `bool` only from a
//! boolean column). So each database gets its own modules, its SQL kept plain.

pub mod accounts;
pub mod audit;
pub mod copy;
pub mod leases;
mod postgres;
pub mod securescore;
pub mod servicenow;
pub mod sessions;
pub mod settings;
mod sqlite;
pub mod sso;
#[cfg(test)]
pub(crate) mod testing;
pub mod throttle;
pub mod tickets;

use crate::config::Secret;
use std::{
    fmt::Debug,
    ops::Deref,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

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

impl StorageError {
    /// `error`, a violated unique constraint as [`StorageError::Conflict`].
    fn unique_as_conflict(error: sqlx::Error) -> Self {
        if is_unique_violation(&error) {
            StorageError::Conflict
        } else {
            StorageError::Query(error)
        }
    }
}

/// Whether `error` is a violated unique constraint, in any database.
fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// A database that can stand behind [`Storage`]: every area's store, plus
/// the health probe and shutdown.
#[async_trait::async_trait]
pub trait Backend:
    accounts::AccountStore
    + audit::AuditStore
    + leases::LeaseStore
    + securescore::SecureScoreStore
    + servicenow::ServiceNowStore
    + sessions::SessionStore
    + settings::SettingsStore
    + sso::SsoStore
    + throttle::ThrottleStore
    + tickets::TicketStore
    + Debug
    + Send
    + Sync
{
    /// Succeeds when the database answers a trivial query (readiness probe).
    async fn ping(&self) -> Result<(), StorageError>;

    /// Waits for open connections to finish and closes them.
    async fn close(&self);
}

/// Which database [`Storage::open`] opens.
#[derive(Clone, Debug)]
pub enum DatabaseSettings {
    /// A SQLite database file; `scorenow.db` in the data directory is the
    /// embedded default ([`DatabaseSettings::sqlite_in`]).
    Sqlite {
        /// The database file.
        path: PathBuf,
    },
    /// A PostgreSQL server.
    Postgres(PostgresSettings),
}

/// Where a PostgreSQL server is and how ScoreNow uses it.
#[derive(Clone, Debug)]
pub struct PostgresSettings {
    /// A `postgres://` or `postgresql://` URL; it may hold a password.
    pub url: Secret,
    /// At most this many connections at once.
    pub max_connections: u32,
    /// The server cancels any statement that runs longer; zero: no limit.
    pub statement_timeout: Duration,
}

impl DatabaseSettings {
    /// The embedded default: SQLite in `scorenow.db` of `data_dir`.
    pub fn sqlite_in(data_dir: &Path) -> Self {
        DatabaseSettings::Sqlite {
            path: data_dir.join(sqlite::FILE_NAME),
        }
    }
}

/// Cheaply cloneable handle to the application's database; it dereferences
/// to its [`Backend`], so every area's methods are called on it directly.
#[derive(Clone, Debug)]
pub struct Storage {
    backend: Arc<dyn Backend>,
}

impl Storage {
    /// Opens the database `settings` name and applies the embedded migrations.
    pub async fn open(settings: &DatabaseSettings) -> Result<Self, StorageError> {
        let backend: Arc<dyn Backend> = match settings {
            DatabaseSettings::Sqlite { path } => Arc::new(sqlite::Sqlite::open(path).await?),
            DatabaseSettings::Postgres(postgres) => {
                Arc::new(postgres::Postgres::open(postgres).await?)
            }
        };
        Ok(Self { backend })
    }

    /// Opens (creating if needed) `scorenow.db` in `data_dir` and applies
    /// the embedded migrations.
    pub async fn open_sqlite(data_dir: &Path) -> Result<Self, StorageError> {
        Self::open(&DatabaseSettings::sqlite_in(data_dir)).await
    }
}

#[cfg(test)]
impl Storage {
    /// Opens a fresh database in a new temporary directory, for tests; the
    /// directory (and so the database) lasts as long as the returned guard.
    pub(crate) async fn open_temporary() -> (tempfile::TempDir, Self) {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = Self::open_sqlite(dir.path()).await.expect("open");
        (dir, storage)
    }
}

impl Deref for Storage {
    type Target = dyn Backend;

    fn deref(&self) -> &Self::Target {
        &*self.backend
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use testing::{TestDatabase, on_every_backend};

    #[tokio::test]
    async fn reopening_an_existing_database_keeps_it() {
        for database in TestDatabase::every().await {
            let backend = database.backend;
            let storage = database.open().await;
            storage.audit("cli", "first", None, json!({})).await;
            storage.close().await;
            let storage = database.open().await;
            let kept = storage.recent_audit(10).await.expect("read");
            assert_eq!(kept.len(), 1, "on {backend}");
            storage.close().await;
            database.remove().await;
        }
    }

    #[test]
    fn every_database_has_the_same_migrations() {
        let steps = |migrator: &sqlx::migrate::Migrator| -> Vec<(i64, String)> {
            migrator
                .iter()
                .map(|step| (step.version, step.description.to_string()))
                .collect()
        };
        assert_eq!(steps(&sqlite::MIGRATOR), steps(&postgres::MIGRATOR));
    }

    #[tokio::test]
    async fn ping_answers_until_closed() {
        on_every_backend(async |storage| {
            storage.ping().await.expect("ping");
            storage.close().await;
            assert!(storage.ping().await.is_err());
        })
        .await;
    }
}
