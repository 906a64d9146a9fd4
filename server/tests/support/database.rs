//! Where the servers a test starts keep their state: SQLite in their data
//! directory, or, with `SCORENOW_TEST_SERVER_DATABASE=postgres`, a PostgreSQL
//! database of their own on the test server (`SCORENOW_TEST_POSTGRES_URL`,
//! see `postgres-cluster.sh`), named after the data directory, so that a
//! restarted server or a second replica on the same directory finds the
//! same data.

use server::storage::{DatabaseSettings, PostgresSettings, Storage};
use std::{
    hash::{DefaultHasher, Hash, Hasher},
    path::Path,
    process::Command,
    time::Duration,
};

/// `postgres`: the servers of this run use PostgreSQL.
const CHOICE: &str = "SCORENOW_TEST_SERVER_DATABASE";
/// The PostgreSQL server the databases are created on.
const SERVER: &str = "SCORENOW_TEST_POSTGRES_URL";

/// The URL of `data_dir`'s PostgreSQL database, created on first use, when
/// this run tests PostgreSQL.
pub fn postgres_url(data_dir: &Path) -> Option<String> {
    if std::env::var(CHOICE).as_deref() != Ok("postgres") {
        return None;
    }
    let server = std::env::var(SERVER)
        .unwrap_or_else(|_| panic!("{CHOICE}=postgres needs {SERVER} (postgres-cluster.sh run …)"));
    let mut hasher = DefaultHasher::new();
    data_dir.hash(&mut hasher);
    let name = format!("scorenow_it_{:016x}", hasher.finish());
    let output = Command::new("psql")
        .arg(&server)
        .args([
            "-v",
            "ON_ERROR_STOP=1",
            "-qc",
            &format!("CREATE DATABASE {name}"),
        ])
        .output()
        .expect("psql runs");
    let complaint = String::from_utf8_lossy(&output.stderr);
    // Two replicas starting together both try; one finds it made.
    let exists = complaint.contains("already exists") || complaint.contains("duplicate key");
    assert!(output.status.success() || exists, "{complaint}");
    let mut url = url::Url::parse(&server).expect("a URL");
    url.set_path(&name);
    Some(url.into())
}

/// Adds `--data-dir data_dir` to `command`, and its database's URL when this
/// run tests PostgreSQL, unless the command names its database itself
/// (`--database-url`, or [`keep_sqlite`]).
pub fn in_data_dir<'a>(command: &'a mut Command, data_dir: &Path) -> &'a mut Command {
    let names_its_database = command.get_args().any(|arg| arg == "--database-url")
        || command
            .get_envs()
            .any(|(key, value)| key == CHOICE && value.is_some());
    command.arg("--data-dir").arg(data_dir);
    if !names_its_database && let Some(url) = postgres_url(data_dir) {
        command.args(["--database-url", &url]);
    }
    command
}

/// Makes `command` keep its state in SQLite in its data directory, whatever
/// this run tests (for a test about SQLite itself).
pub fn keep_sqlite(command: &mut Command) -> &mut Command {
    command.env(CHOICE, "sqlite")
}

/// The storage of the servers of `data_dir`, opened by the test itself.
pub async fn storage_of(data_dir: &Path) -> Storage {
    let settings = match postgres_url(data_dir) {
        Some(url) => DatabaseSettings::Postgres(PostgresSettings {
            url: url.into(),
            max_connections: 2,
            statement_timeout: Duration::from_secs(30),
        }),
        None => DatabaseSettings::sqlite_in(data_dir),
    };
    Storage::open(&settings)
        .await
        .expect("open the test's storage")
}

/// Every byte the database of `data_dir` holds: the SQLite file and its
/// write-ahead log, or a dump of the PostgreSQL database.
pub fn stored_bytes(data_dir: &Path) -> Vec<u8> {
    match postgres_url(data_dir) {
        Some(url) => {
            let dump = Command::new("pg_dump")
                .args(["--data-only", &url])
                .output()
                .expect("pg_dump runs");
            assert!(
                dump.status.success(),
                "{}",
                String::from_utf8_lossy(&dump.stderr)
            );
            dump.stdout
        }
        None => ["scorenow.db", "scorenow.db-wal"]
            .iter()
            .flat_map(|file| std::fs::read(data_dir.join(file)).unwrap_or_default())
            .collect(),
    }
}
