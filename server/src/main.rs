//! The `scorenow` binary: reads the configuration, then serves ScoreNow (or,
//! with `servicenow-sim`, only the ServiceNow simulator).

use server::config::Launch;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let launch = match Launch::load() {
        Ok(launch) => launch,
        Err(error) => return fail(&error),
    };
    let result = match launch {
        Launch::Serve(config) => match server::telemetry::init(&config.log) {
            Ok(()) => server::run(*config).await,
            Err(error) => return fail(&error),
        },
        Launch::CreateAccount(task) => server::create_account(*task).await,
        Launch::RemoveDemoAccounts(config) => server::remove_demo_accounts(*config).await,
        #[cfg(feature = "servicenow-sim")]
        Launch::Simulator(sim) => match server::telemetry::init(&sim.log) {
            Ok(()) => server::run_simulator(*sim).await,
            Err(error) => return fail(&error),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

/// Start-up failures are one clear line on stderr and a non-zero exit.
fn fail(error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("scorenow: {error}");
    ExitCode::FAILURE
}
