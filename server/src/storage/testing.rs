//! Storage for tests: a new, empty database on every backend this run can
//! reach. SQLite always; PostgreSQL when `SCORENOW_TEST_POSTGRES_URL` names a
//! server (`server/tests/support/postgres-cluster.sh run …` starts one), each
//! test in a database of its own, created on that server and dropped after
//! the test, so that tests run in parallel without meeting. With
//! `SCORENOW_TEST_REQUIRE_POSTGRES=1` a missing URL fails the tests instead
//! of skipping PostgreSQL, so that CI cannot lose it unnoticed.

use super::{DatabaseSettings, PostgresSettings, Storage};
use futures_util::FutureExt;
use sqlx::Connection;
use std::{any::Any, panic::AssertUnwindSafe, time::Duration};

/// The server tests create their PostgreSQL databases on.
const POSTGRES_URL: &str = "SCORENOW_TEST_POSTGRES_URL";
/// `1`: PostgreSQL must be tested, a missing [`POSTGRES_URL`] is a failure.
const REQUIRE_POSTGRES: &str = "SCORENOW_TEST_REQUIRE_POSTGRES";

/// Runs `test` on a new, empty storage of every backend available, one after
/// the other; a failure names the backend it failed on.
pub(crate) async fn on_every_backend(test: impl AsyncFn(Storage)) {
    for database in TestDatabase::every().await {
        let storage = database.open().await;
        let outcome = AssertUnwindSafe(test(storage.clone())).catch_unwind().await;
        storage.close().await;
        let backend = database.backend;
        database.remove().await;
        if let Err(panic) = outcome {
            panic!("failed on {backend}: {}", panic_message(&*panic));
        }
    }
}

/// A new, empty database for one test, on one backend.
pub(crate) struct TestDatabase {
    /// `sqlite` or `postgres`, for failure messages.
    pub(crate) backend: &'static str,
    /// What opens it.
    pub(crate) settings: DatabaseSettings,
    /// What removes it.
    place: Place,
}

/// Where a test database lives, so that it can be removed.
enum Place {
    /// The temporary directory of the SQLite file, removed when dropped.
    Directory(tempfile::TempDir),
    /// A PostgreSQL database `name`, dropped through the `server` URL.
    Postgres { server: String, name: String },
}

impl TestDatabase {
    /// A new database on every backend available.
    pub(crate) async fn every() -> Vec<Self> {
        let mut every = vec![Self::sqlite()];
        every.extend(Self::postgres().await);
        every
    }

    /// A new SQLite database in a temporary directory.
    pub(crate) fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        Self {
            backend: "sqlite",
            settings: DatabaseSettings::sqlite_in(dir.path()),
            place: Place::Directory(dir),
        }
    }

    /// A new PostgreSQL database on the test server, if there is one.
    pub(crate) async fn postgres() -> Option<Self> {
        let Ok(server) = std::env::var(POSTGRES_URL) else {
            assert!(
                std::env::var(REQUIRE_POSTGRES).as_deref() != Ok("1"),
                "{REQUIRE_POSTGRES}=1 but {POSTGRES_URL} is not set"
            );
            return None;
        };
        let name = format!("scorenow_test_{:016x}", rand::random::<u64>());
        on_server(&server, &format!("CREATE DATABASE {name}")).await;
        let mut url = url::Url::parse(&server).expect("SCORENOW_TEST_POSTGRES_URL is a URL");
        url.set_path(&name);
        Some(Self {
            backend: "postgres",
            settings: DatabaseSettings::Postgres(PostgresSettings {
                url: url.to_string().into(),
                max_connections: 10,
                statement_timeout: Duration::from_secs(30),
            }),
            place: Place::Postgres { server, name },
        })
    }

    /// Opens the database.
    pub(crate) async fn open(&self) -> Storage {
        Storage::open(&self.settings)
            .await
            .unwrap_or_else(|error| panic!("cannot open the {} database: {error}", self.backend))
    }

    /// Removes the database; its storage must be closed.
    pub(crate) async fn remove(self) {
        match self.place {
            Place::Directory(dir) => drop(dir),
            Place::Postgres { server, name } => {
                on_server(&server, &format!("DROP DATABASE {name} WITH (FORCE)")).await;
            }
        }
    }
}

/// Runs `statement` on the test server's own database.
async fn on_server(server: &str, statement: &str) {
    let mut connection = sqlx::PgConnection::connect(server)
        .await
        .unwrap_or_else(|error| panic!("cannot reach {POSTGRES_URL}: {error}"));
    sqlx::raw_sql(statement)
        .execute(&mut connection)
        .await
        .unwrap_or_else(|error| panic!("{statement}: {error}"));
    connection.close().await.expect("close");
}

/// What a panic said.
fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)")
}
