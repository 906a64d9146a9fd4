//! The PostgreSQL backend: a pool of connections to a server that several
//! replicas may share, migrations embedded in the binary. Each area's
//! queries live in `postgres/<area>.rs`; this file opens the pool and holds
//! the helpers they share.

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

use super::{Backend, PostgresSettings, StorageError};
use sqlx::{
    Connection, PgConnection, PgPool, Transaction,
    migrate::Migrator,
    postgres::{PgArguments, PgConnectOptions, PgPoolOptions},
    query::Query,
};
use std::str::FromStr;

/// The schema's migrations, kept in step with SQLite's: the same versions
/// and descriptions, each in this database's SQL.
pub(super) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// A query with its parameters bound, ready to run.
type Statement<'q> = Query<'q, sqlx::Postgres, PgArguments>;

/// The transactions that read and then write what a concurrent one could
/// change in between. Each takes its advisory lock first, so that those of
/// one kind run one after the other, as every writer does on SQLite
/// (`BEGIN IMMEDIATE`).
#[derive(Clone, Copy)]
enum Serialised {
    /// Changes that must leave an active admin.
    AccountChanges = 0x5c0e_0001,
    /// The sign-in throttle's counts.
    SignInFailures = 0x5c0e_0002,
}

/// The PostgreSQL database behind [`super::Storage`].
#[derive(Debug)]
pub(super) struct Postgres {
    /// Also used by `storage::copy`, which runs its own transactions.
    pub(super) pool: PgPool,
}

impl Postgres {
    /// Connects the pool and brings the schema up to date.
    pub(super) async fn open(settings: &PostgresSettings) -> Result<Self, StorageError> {
        let url = settings.url.expose();
        let location = location(url);
        let open_error = |source| StorageError::Open {
            location: location.clone(),
            source,
        };
        let timeout_ms = settings.statement_timeout.as_millis();
        let options = PgConnectOptions::from_str(url)
            .map_err(open_error)?
            .application_name("scorenow")
            .options([("statement_timeout", format!("{timeout_ms}ms"))]);
        // One connection first: the pool would retry a refused one until its
        // timeout and then report only that it timed out.
        PgConnection::connect_with(&options)
            .await
            .map_err(open_error)?
            .close()
            .await
            .map_err(open_error)?;
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .connect_with(options)
            .await
            .map_err(open_error)?;
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

    /// Runs `statements` (without parameters) in one transaction.
    async fn execute_together(&self, statements: &[&str]) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        for statement in statements {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Begins a transaction that first waits for the others of `kind` to end.
    async fn begin_serialised(
        &self,
        kind: Serialised,
    ) -> Result<Transaction<'static, sqlx::Postgres>, StorageError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(kind as i64)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

/// The database `url` names, for messages: without its password and
/// parameters (which may hold one too).
fn location(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut url) => {
            // Fails only for URLs without a host, which have no password either.
            let _ = url.set_password(None);
            url.set_query(None);
            url.to_string()
        }
        Err(_) => "at a PostgreSQL URL that does not parse".to_owned(),
    }
}

#[async_trait::async_trait]
impl Backend for Postgres {
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
    use crate::storage::{DatabaseSettings, testing::TestDatabase};

    #[test]
    fn locations_leave_out_passwords() {
        assert_eq!(
            location("postgres://scorenow:hunter2@db.example.com:5432/scorenow?password=hunter2"),
            "postgres://scorenow@db.example.com:5432/scorenow"
        );
        assert!(!location("postgres://:hunter2@/scorenow").contains("hunter2"));
        assert!(!location("hunter2").contains("hunter2"));
    }

    #[tokio::test]
    async fn open_applies_migrations_and_sets_the_statement_timeout() {
        let Some(database) = TestDatabase::postgres().await else {
            return;
        };
        let DatabaseSettings::Postgres(settings) = &database.settings else {
            unreachable!("a PostgreSQL test database");
        };
        let postgres = Postgres::open(settings).await.expect("open");
        postgres.ping().await.expect("ping");
        let timeout: String = sqlx::query_scalar("SHOW statement_timeout")
            .fetch_one(&postgres.pool)
            .await
            .expect("show");
        assert_eq!(timeout, "30s");
        let tables: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'settings'",
        )
        .fetch_one(&postgres.pool)
        .await
        .expect("query");
        assert_eq!(tables, 1);
        postgres.close().await;
        database.remove().await;
    }
}
