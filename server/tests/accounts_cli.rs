//! Accounts from outside the UI: `scorenow admin create`, the first admin from
//! the environment, and the demo users of demo mode.

mod support;

use app::domain::auth::Role;
use server::{
    accounts::verify_password,
    storage::{Storage, accounts::Account},
};
use std::{io::Write, process::Stdio};
use support::{TestServer, database, output_with_fresh_data_dir, scorenow};

/// The stored account of `email`, if there is one.
async fn stored_account(storage: &Storage, email: &str) -> Option<Account> {
    storage.account_by_email(email).await.unwrap()
}

/// Runs `scorenow admin create` with `password` piped to standard input.
fn admin_create(data_dir: &std::path::Path, args: &[&str], password: &str) -> std::process::Output {
    let mut child = database::in_data_dir(scorenow().args(["admin", "create"]), data_dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn admin_create_stores_an_argon2id_account() {
    let dir = tempfile::tempdir().unwrap();
    let output = admin_create(
        dir.path(),
        &["--email", "Root@Example.com", "--name", "Root"],
        "correct horse battery",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Created admin account root@example.com.\n"
    );

    let storage = database::storage_of(dir.path()).await;
    let account = stored_account(&storage, "root@example.com")
        .await
        .expect("created");
    assert_eq!(account.role, Role::Admin);
    assert!(account.password_hash.starts_with("$argon2id$"));
    assert!(verify_password(
        "correct horse battery",
        &account.password_hash
    ));
    let audit = storage.recent_audit(1).await.unwrap();
    assert_eq!(
        (
            audit[0].event.actor.as_str(),
            audit[0].event.action.as_str()
        ),
        ("cli", "user.created")
    );
}

#[test]
fn admin_create_refuses_weak_passwords_and_duplicates_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let weak = admin_create(dir.path(), &["--email", "a@example.com"], "short");
    assert!(!weak.status.success());
    let stderr = String::from_utf8(weak.stderr).unwrap();
    assert_eq!(
        stderr,
        "scorenow: the password has fewer than 12 characters\n"
    );

    assert!(
        admin_create(
            dir.path(),
            &["--email", "a@example.com"],
            "correct horse battery"
        )
        .status
        .success()
    );
    let again = admin_create(
        dir.path(),
        &["--email", "a@example.com", "--role", "reader"],
        "correct horse battery",
    );
    assert_eq!(
        String::from_utf8(again.stderr).unwrap(),
        "scorenow: an account with the email a@example.com already exists\n"
    );

    let bad_role = admin_create(
        dir.path(),
        &["--email", "b@example.com", "--role", "root"],
        "correct horse battery",
    );
    assert!(
        String::from_utf8(bad_role.stderr)
            .unwrap()
            .contains("for --role: expected admin, analyst or reader")
    );
}

#[tokio::test]
async fn first_admin_comes_from_the_environment_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = {
        let mut command = scorenow();
        command
            .env("SCORENOW_ADMIN_EMAIL", "boss@example.com")
            .env("SCORENOW_ADMIN_PASSWORD", "correct horse battery")
            .args(["--servicenow-sim-addr", "off"]);
        TestServer::start_command(command, Some(dir.path()))
    };
    drop(first);
    let storage = database::storage_of(dir.path()).await;
    let account = stored_account(&storage, "boss@example.com")
        .await
        .expect("first admin");
    assert_eq!(account.role, Role::Admin);
    assert!(
        stored_account(&storage, "admin@scorenow.demo")
            .await
            .is_none(),
        "no demo users outside demo mode"
    );
}

#[test]
fn first_admin_needs_both_settings() {
    let output =
        output_with_fresh_data_dir(scorenow().env("SCORENOW_ADMIN_EMAIL", "boss@example.com"));
    assert!(!output.status.success());
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "scorenow: invalid value \"boss@example.com\" for SCORENOW_ADMIN_EMAIL: it needs SCORENOW_ADMIN_PASSWORD too\n"
    );
}

#[tokio::test]
async fn demo_mode_seeds_one_user_per_role() {
    let server = TestServer::start();
    let storage = database::storage_of(server.data_dir()).await;
    for (email, role) in [
        ("admin@scorenow.demo", Role::Admin),
        ("analyst@scorenow.demo", Role::Analyst),
        ("reader@scorenow.demo", Role::Reader),
    ] {
        let account = stored_account(&storage, email).await.expect(email);
        assert_eq!(account.role, role);
    }
}
