//! Graceful shutdown on SIGTERM (service managers) or Ctrl-C (terminals).

use std::future::Future;

/// Installs the handlers at once, so that a signal arriving before the
/// server starts waiting still shuts it down gracefully instead of killing
/// it, and returns a future that resolves when the process is asked to stop.
/// Must be called inside the Tokio runtime, before announcing readiness.
pub fn signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let handlers = signal(SignalKind::terminate())
            .and_then(|terminate| Ok((terminate, signal(SignalKind::interrupt())?)));
        async move {
            match handlers {
                Ok((mut terminate, mut interrupt)) => tokio::select! {
                    _ = terminate.recv() => tracing::info!("SIGTERM received, shutting down"),
                    _ = interrupt.recv() => tracing::info!("Ctrl-C received, shutting down"),
                },
                Err(error) => {
                    tracing::warn!(%error, "cannot install signal handlers; graceful shutdown is unavailable");
                    std::future::pending::<()>().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("Ctrl-C received, shutting down");
        } else {
            std::future::pending::<()>().await;
        }
    }
}
