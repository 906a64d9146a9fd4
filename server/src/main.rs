//! The `scorenow` binary: reads the configuration, then serves ScoreNow (or,
//! with `servicenow-sim`, only the ServiceNow simulator).

use server::config::Launch;
use std::process::ExitCode;

fn main() -> ExitCode {
    return_large_blocks_to_the_system();
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(launch()),
        Err(error) => fail(&error),
    }
}

/// Each password hash takes a 19 MiB block (argon2id). glibc raises its
/// mmap threshold after the first such block is freed and then keeps later
/// ones in its heaps, so memory would stay at the peak of every thread that
/// ever hashed; a fixed threshold sends large blocks back to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks_to_the_system() {
    const LARGE_BLOCK: libc::c_int = 4 * 1024 * 1024;
    // SAFETY: mallopt only sets one of malloc's tuning parameters.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, LARGE_BLOCK);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks_to_the_system() {}

async fn launch() -> ExitCode {
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
        Launch::MigrateDb(task) => server::migrate_db(*task).await,
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
