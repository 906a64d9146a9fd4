//! Copying every table of one database into another, empty one (`scorenow
//! migrate-db`): SQLite to PostgreSQL, or back.
//!
//! Both databases are opened as ScoreNow opens them, so both are migrated to
//! the same schema version. The tables (all but sqlx's `_sqlx_migrations`),
//! their columns and their foreign keys are read from each database's
//! catalog, so a new migration needs nothing here. The source is read in one
//! snapshot; the target is written in one transaction, each table after the
//! tables it references, and committed only when every table holds as many
//! rows as in the source. Each value takes the kind of the target's column
//! (SQLite's 0 and 1 are PostgreSQL's booleans), and PostgreSQL's id
//! sequences then continue after the largest copied id.
//!
//! `schema` knows the tables and their order, `value` the values, `side` one
//! database's transaction; each backend's catalog lives in `<backend>/copy.rs`.

mod schema;
mod side;
#[cfg(test)]
mod tests;
mod value;

pub use schema::Kind;
pub(super) use schema::quoted;
pub(super) use side::Dialect;

use super::{Backend, DatabaseSettings, StorageError, postgres::Postgres, sqlite::Sqlite};
use side::{Open, Purpose, Side, Sink};
use std::path::PathBuf;

/// What a copy moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Copied {
    /// Tables copied: every table of the schema.
    pub tables: usize,
    /// Rows copied, in all tables together.
    pub rows: i64,
}

/// Why a copy did not happen. The target is then left as it was.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// Opening, migrating or querying a database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The SQLite file to copy from does not exist.
    #[error("the database {} to copy from does not exist", .0.display())]
    NoSource(PathBuf),
    /// The target already holds data.
    #[error(
        "the database to copy into is not empty (table {0} has rows); copy into a new, empty \
         database"
    )]
    TargetNotEmpty(String),
    /// The databases' tables or columns are not the same.
    #[error("the two databases' schemas differ at table {0}")]
    SchemaDiffers(String),
    /// A column of a type that copies do not know.
    #[error("column {table}.{column} has the type {declared:?}, which cannot be copied")]
    UnsupportedType {
        table: String,
        column: String,
        declared: String,
    },
    /// Foreign keys that leave no order in which to insert the tables.
    #[error("no order of the tables {0} satisfies their foreign keys")]
    ReferenceCycle(String),
    /// A value that the target's column cannot hold.
    #[error("cannot copy {table}.{column}: a {kind} column cannot hold its {value} value")]
    Unconvertible {
        table: String,
        column: String,
        /// The kind of the value read.
        value: Kind,
        /// The kind of the target's column.
        kind: Kind,
    },
    /// After copying, a table holds another number of rows than the source.
    #[error(
        "table {table} holds {copied} rows after copying but {expected} in the source; nothing \
         was committed"
    )]
    CountMismatch {
        table: String,
        expected: i64,
        copied: i64,
    },
}

impl From<sqlx::Error> for CopyError {
    fn from(error: sqlx::Error) -> Self {
        CopyError::Storage(StorageError::Query(error))
    }
}

/// Copies every table of `from` into `to`, which must hold no rows; a SQLite
/// `from` must exist, a SQLite `to` is created if missing.
pub async fn copy_database(
    from: &DatabaseSettings,
    to: &DatabaseSettings,
) -> Result<Copied, CopyError> {
    if let DatabaseSettings::Sqlite { path } = from
        && !path.exists()
    {
        return Err(CopyError::NoSource(path.clone()));
    }
    let source = Opened::open(from).await?;
    let outcome = match Opened::open(to).await {
        Ok(target) => {
            let outcome = copy_between(&source, &target).await;
            target.close().await;
            outcome
        }
        Err(error) => Err(error.into()),
    };
    source.close().await;
    outcome
}

/// Copies every table of `source` into `target`: one snapshot read, one
/// transaction written, committed once every table's count is right.
async fn copy_between(source: &Opened, target: &Opened) -> Result<Copied, CopyError> {
    let mut reading = source.begin(Purpose::Reading).await?;
    let mut writing = target.begin(Purpose::Writing).await?;
    let tables = schema::paired(reading.tables().await?, writing.tables().await?)?;
    for (_, into) in &tables {
        if writing.count(&into.name).await? > 0 {
            return Err(CopyError::TargetNotEmpty(into.name.clone()));
        }
    }
    for (from, into) in &tables {
        reading
            .read_into(from, &mut Sink::new(&mut *writing, into))
            .await?;
    }
    writing.follow_copied_ids().await?;
    let mut rows = 0;
    for (from, into) in &tables {
        let expected = reading.count(&from.name).await?;
        let copied = writing.count(&into.name).await?;
        if copied != expected {
            return Err(CopyError::CountMismatch {
                table: into.name.clone(),
                expected,
                copied,
            });
        }
        rows += copied;
    }
    writing.commit().await?;
    Ok(Copied {
        tables: tables.len(),
        rows,
    })
}

/// A database opened as ScoreNow opens it, its migrations applied.
enum Opened {
    Sqlite(Sqlite),
    Postgres(Postgres),
}

impl Opened {
    /// Opens (a missing SQLite file: creates) and migrates the database `settings` name.
    async fn open(settings: &DatabaseSettings) -> Result<Self, StorageError> {
        Ok(match settings {
            DatabaseSettings::Sqlite { path } => Opened::Sqlite(Sqlite::open(path).await?),
            DatabaseSettings::Postgres(postgres) => {
                Opened::Postgres(Postgres::open(postgres).await?)
            }
        })
    }

    /// Begins this database's side of a copy.
    async fn begin(&self, purpose: Purpose) -> Result<Box<dyn Side>, StorageError> {
        Ok(match self {
            Opened::Sqlite(sqlite) => Box::new(Open::begin(&sqlite.pool, purpose).await?),
            Opened::Postgres(postgres) => Box::new(Open::begin(&postgres.pool, purpose).await?),
        })
    }

    /// Closes the database's connections.
    async fn close(&self) {
        match self {
            Opened::Sqlite(sqlite) => sqlite.close().await,
            Opened::Postgres(postgres) => postgres.close().await,
        }
    }
}
