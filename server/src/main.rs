//! The `scorenow` binary: reads the configuration and serves ScoreNow.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match server::config::Config::load() {
        Ok(config) => config,
        Err(error) => return fail(&error),
    };
    if let Err(error) = server::telemetry::init(&config.log) {
        return fail(&error);
    }
    match server::run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

/// Start-up failures are one clear line on stderr and a non-zero exit.
fn fail(error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("scorenow: {error}");
    ExitCode::FAILURE
}
