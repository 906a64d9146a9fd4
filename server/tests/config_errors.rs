//! Bad configuration stops the binary with one clear line and a non-zero exit.

mod support;

use std::process::Output;
use support::{free_port, output_with_fresh_data_dir, scorenow, taken_address};

/// Asserts a failed start with exactly one stderr line, and returns it.
fn single_error_line(output: Output) -> String {
    assert!(
        !output.status.success(),
        "expected failure, got {:?}",
        output.status
    );
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    lines[0].to_owned()
}

#[test]
fn unparsable_address_from_environment_names_the_variable() {
    let output = output_with_fresh_data_dir(scorenow().env("SCORENOW_ADDR", "localhost"));
    assert_eq!(
        single_error_line(output),
        "scorenow: invalid value \"localhost\" for SCORENOW_ADDR: expected HOST:PORT, e.g. 127.0.0.1:3000"
    );
}

#[test]
fn port_in_use_names_the_address_setting() {
    let dir = tempfile::tempdir().unwrap();
    let (_taken, addr) = taken_address();
    let output = scorenow()
        .args(["--addr", &addr, "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let line = single_error_line(output);
    assert!(
        line.starts_with(&format!("scorenow: cannot listen on {addr} (--addr): ")),
        "{line}"
    );
    assert!(
        line.to_lowercase().contains("address already in use"),
        "{line}"
    );
}

#[test]
fn unusable_data_dir_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"").unwrap();
    let output = scorenow()
        .env("SCORENOW_DATA_DIR", file.join("data"))
        .output()
        .unwrap();
    let line = single_error_line(output);
    assert!(line.contains("(SCORENOW_DATA_DIR) is not usable"), "{line}");
}

#[test]
fn malformed_config_file_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scorenow.toml");
    std::fs::write(&file, "addr = \"127.0.0.1:3000\"\n[log\n").unwrap();
    let output = scorenow().env("SCORENOW_CONFIG", &file).output().unwrap();
    let line = single_error_line(output);
    assert!(
        line.contains(&format!(
            "configuration file {} (SCORENOW_CONFIG): line 2:",
            file.display()
        )),
        "{line}"
    );
}

#[test]
fn missing_config_file_is_reported() {
    let output = scorenow()
        .args(["--config", "/nonexistent/scorenow.toml"])
        .output()
        .unwrap();
    let line = single_error_line(output);
    assert!(
        line.contains("/nonexistent/scorenow.toml (--config)"),
        "{line}"
    );
}

#[test]
fn help_documents_every_option() {
    let output = scorenow().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for option in [
        "--addr",
        "SCORENOW_ADDR",
        "--data-dir",
        "SCORENOW_DATA_DIR",
        "--site-root",
        "SCORENOW_SITE_ROOT",
        "--log-format",
        "SCORENOW_LOG_FORMAT",
        "--log ",
        "SCORENOW_LOG=",
        "--config",
        "SCORENOW_CONFIG",
        "--database-url",
        "SCORENOW_DATABASE_URL",
        "--database-pool-size",
        "--database-statement-timeout",
        "--unknown-outcome-wait-secs",
    ] {
        assert!(help.contains(option), "--help lacks {option}:\n{help}");
    }
}

#[test]
fn a_secret_key_that_is_not_32_bytes_is_refused_without_echoing_it() {
    let output =
        output_with_fresh_data_dir(scorenow().env("SCORENOW_SECRET_KEY", "c2hvcnQ=").args([
            "--addr",
            "127.0.0.1:0",
            "--servicenow-sim-addr",
            "off",
        ]));
    let line = single_error_line(output);
    assert_eq!(
        line,
        "scorenow: SCORENOW_SECRET_KEY must be 32 bytes encoded as base64 (e.g. the output of `openssl rand -base64 32`)"
    );
    assert!(!line.contains("c2hvcnQ="));
}

#[test]
fn a_database_url_of_another_scheme_is_refused_without_echoing_it() {
    let output = output_with_fresh_data_dir(scorenow().env(
        "SCORENOW_DATABASE_URL",
        "mysql://scorenow:hunter2@db.example.com/db",
    ));
    let line = single_error_line(output);
    assert!(
        line.starts_with("scorenow: invalid value \"[redacted]\" for SCORENOW_DATABASE_URL: "),
        "{line}"
    );
    assert!(!line.contains("hunter2"), "{line}");
}

#[test]
fn an_unreachable_postgresql_fails_at_once_with_the_reason_and_without_the_password() {
    // Nothing listens there, so the connection is refused.
    let addr = format!("127.0.0.1:{}", free_port());
    let url = format!("postgres://scorenow:hunter2secret@{addr}/scorenow");
    let started = std::time::Instant::now();
    let output = output_with_fresh_data_dir(scorenow().env("SCORENOW_DATABASE_URL", &url));
    let line = single_error_line(output);
    assert!(
        line.starts_with(&format!(
            "scorenow: cannot open the database postgres://scorenow@{addr}/scorenow: "
        )),
        "{line}"
    );
    assert!(line.contains("refused"), "{line}");
    assert!(!line.contains("hunter2secret"), "{line}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
