//! Structured logs through `tracing`: human-readable by default, JSON lines
//! for log collectors.

use crate::config::{LogConfig, LogFormat};
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// The log filter could not be installed.
#[derive(Debug, thiserror::Error)]
#[error("cannot start logging: {0}")]
pub struct TelemetryError(String);

/// Installs the global subscriber for the configured format and filter.
pub fn init(config: &LogConfig) -> Result<(), TelemetryError> {
    let filter = EnvFilter::try_new(&config.filter.value).map_err(|error| {
        TelemetryError(format!(
            "{} ({}): {error}",
            config.filter.value, config.filter.source
        ))
    })?;
    let registry = tracing_subscriber::registry().with(filter);
    let result = match config.format.value {
        LogFormat::Human => registry.with(fmt::layer().with_target(false)).try_init(),
        LogFormat::Json => registry
            .with(fmt::layer().json().flatten_event(true))
            .try_init(),
    };
    result.map_err(|error| TelemetryError(error.to_string()))
}
