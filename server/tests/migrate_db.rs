//! `scorenow migrate-db` on the real binary: a demo installation used on
//! SQLite moves to PostgreSQL and carries on there, with its accounts,
//! sessions, ServiceNow connection and audit log; a second copy is refused;
//! no password in a URL is ever shown.

mod support;

use serde_json::Value;
use std::{path::Path, process::Command, time::Duration};
use support::{
    NO_ARGUMENTS, TestServer, call, connect_servicenow, database, one_line_failure,
    postgres::{PASSWORD, TestPostgres},
    scorenow, signed_in_cookie,
};

/// `scorenow --demo` in `data_dir`, with `options` (SQLite unless they name
/// another database).
fn demo(data_dir: &Path, options: &[&str]) -> TestServer {
    let mut command = scorenow();
    database::keep_sqlite(&mut command);
    command.args(["--demo", "--servicenow-sim-addr", "127.0.0.1:0"]);
    command.args(options);
    TestServer::start_command(command, Some(data_dir))
}

/// `scorenow migrate-db` from the SQLite database of `data_dir` to `url`.
fn migrate_db(data_dir: &Path, url: &str) -> Command {
    let mut command = scorenow();
    command
        .args(["migrate-db", "--from"])
        .arg(format!("sqlite:{}", data_dir.join("scorenow.db").display()))
        .args(["--to", url]);
    command
}

/// What the demo admin `cookie` reads on `server`: the users, the ServiceNow
/// connection's state and the audit log's actions.
async fn seen_by(server: &TestServer, cookie: &str) -> (Value, Value, Vec<String>) {
    let (code, users) = call(server, cookie, "list_users", NO_ARGUMENTS).await;
    assert_eq!(code, 200, "{users}");
    let (code, status) = call(server, cookie, "servicenow_status", NO_ARGUMENTS).await;
    assert_eq!(code, 200, "{status}");
    let (code, audit) = call(server, cookie, "audit_log", NO_ARGUMENTS).await;
    assert_eq!(code, 200, "{audit}");
    let actions = audit
        .as_array()
        .expect("audit entries")
        .iter()
        .map(|entry| entry["action"].as_str().expect("action").to_owned())
        .collect();
    (users, status["state"].clone(), actions)
}

#[tokio::test]
async fn a_demo_installation_moves_from_sqlite_to_postgres_and_carries_on() {
    let Some(database) = TestPostgres::create().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let on_sqlite = demo(dir.path(), &[]);
    let cookie = signed_in_cookie(&on_sqlite, "admin@scorenow.demo").await;
    connect_servicenow(&on_sqlite, &cookie, on_sqlite.simulator()).await;
    let before = seen_by(&on_sqlite, &cookie).await;
    assert_eq!(before.1, "Connected");
    assert!(on_sqlite.terminate(Duration::from_secs(10)).success());

    let output = migrate_db(dir.path(), &database.url).output().expect("run");
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert!(
        stdout.starts_with("Copied ") && stdout.ends_with(" rows in 15 tables.\n"),
        "{stdout}"
    );
    assert!(!stdout.contains(PASSWORD), "{stdout}");

    let again = one_line_failure(&mut migrate_db(dir.path(), &database.url));
    assert!(
        again.starts_with("scorenow: the database to copy into is not empty (table "),
        "{again}"
    );
    assert!(!again.contains(PASSWORD), "{again}");

    let on_postgres = demo(dir.path(), &["--database-url", &database.url]);
    let after = seen_by(&on_postgres, &cookie).await;
    assert_eq!(after, before, "the session opened on SQLite goes on");
    let fresh = signed_in_cookie(&on_postgres, "admin@scorenow.demo").await;
    let (users, _, actions) = seen_by(&on_postgres, &fresh).await;
    assert_eq!(users, before.0);
    assert_eq!(
        actions[1..],
        before.2[..],
        "the new sign-in on top of the old log"
    );
    drop(on_postgres);
    database.remove().await;
}

#[test]
fn a_missing_source_file_is_one_line_and_nothing_is_created() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("typo.db");
    let copy = dir.path().join("copy.db");
    let line = one_line_failure(
        scorenow()
            .arg("migrate-db")
            .arg(format!("--from=sqlite:{}", missing.display()))
            .arg(format!("--to=sqlite:{}", copy.display())),
    );
    assert_eq!(
        line,
        format!(
            "scorenow: the database {} to copy from does not exist\n",
            missing.display()
        )
    );
    assert!(!missing.exists() && !copy.exists());
}

#[test]
fn help_shows_the_command_and_its_two_databases() {
    let help = |args: &[&str]| {
        let output = scorenow().args(args).output().expect("run");
        assert!(output.status.success());
        String::from_utf8(output.stdout).expect("utf-8")
    };
    let overview = help(&["--help"]);
    assert!(
        overview.contains("migrate-db      Copy every table into a new, empty database, e.g. from SQLite to PostgreSQL\n"),
        "{overview}"
    );
    let own = help(&["migrate-db", "--help"]);
    for text in [
        "--from <DATABASE>",
        "--to <DATABASE>",
        "sqlite:PATH",
        "PGPASSWORD",
    ] {
        assert!(own.contains(text), "no {text:?} in\n{own}");
    }
}
