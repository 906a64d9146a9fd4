//! A new, empty PostgreSQL database for a test of the binary, on the server
//! `SCORENOW_TEST_POSTGRES_URL` names (`postgres-cluster.sh run …` starts
//! one), as the storage tests get theirs: without a URL the test is skipped,
//! unless `SCORENOW_TEST_REQUIRE_POSTGRES=1` makes that a failure.

use sqlx::Connection;

/// A database of its own on the test server, dropped by [`TestPostgres::remove`].
pub struct TestPostgres {
    /// Its URL, with a password the trusting test server ignores, so that
    /// tests can check it is never shown.
    pub url: String,
    server: String,
    name: String,
}

/// The password in [`TestPostgres::url`].
pub const PASSWORD: &str = "hunter2-in-the-url";

impl TestPostgres {
    /// Creates the database, or `None` when there is no test server.
    pub async fn create() -> Option<Self> {
        let Ok(server) = std::env::var("SCORENOW_TEST_POSTGRES_URL") else {
            assert!(
                std::env::var("SCORENOW_TEST_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "SCORENOW_TEST_REQUIRE_POSTGRES=1 but SCORENOW_TEST_POSTGRES_URL is not set"
            );
            return None;
        };
        let name = format!("scorenow_cli_test_{:016x}", rand::random::<u64>());
        on_server(&server, &format!("CREATE DATABASE {name}")).await;
        let mut url = url::Url::parse(&server).expect("SCORENOW_TEST_POSTGRES_URL is a URL");
        url.set_path(&name);
        url.set_password(Some(PASSWORD)).expect("a URL with a host");
        Some(Self {
            url: url.to_string(),
            server,
            name,
        })
    }

    /// Drops the database, even while servers are still connected to it.
    pub async fn remove(self) {
        on_server(
            &self.server,
            &format!("DROP DATABASE {} WITH (FORCE)", self.name),
        )
        .await;
    }
}

/// Runs `statement` on the test server's own database.
async fn on_server(server: &str, statement: &str) {
    let mut connection = sqlx::PgConnection::connect(server)
        .await
        .expect("test server");
    let done = sqlx::raw_sql(statement).execute(&mut connection).await;
    done.unwrap_or_else(|error| panic!("{statement}: {error}"));
}
