//! ScoreNow's server: configuration, storage, HTTP and operations, wired
//! around the Leptos application of the `app` crate.

pub mod config;
mod shutdown;
pub mod storage;
pub mod telemetry;
mod web;

use config::Config;
use storage::Storage;
use tokio::net::TcpListener;

/// Why the server could not start or stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    /// The listening address could not be bound.
    #[error("cannot listen on {addr} ({setting}): {source}")]
    Bind {
        addr: std::net::SocketAddr,
        setting: String,
        source: std::io::Error,
    },
    /// The HTTP server failed while running.
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// Opens storage, binds the configured address and serves until SIGTERM or Ctrl-C.
pub async fn run(config: Config) -> Result<(), ServeError> {
    let storage = Storage::open_sqlite(&config.data_dir.value).await?;
    let addr = config.addr.value;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr,
            setting: config.addr.source.to_string(),
            source,
        })?;
    let local_addr = listener.local_addr().map_err(ServeError::Serve)?;
    let router = web::router(&config, storage.clone());

    tracing::info!(address = %local_addr, data_dir = %config.data_dir.value.display(), "ScoreNow is listening");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown::signal())
        .await
        .map_err(ServeError::Serve)?;
    storage.close().await;
    tracing::info!("ScoreNow stopped");
    Ok(())
}
