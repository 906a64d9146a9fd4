//! Liveness and readiness probes for load balancers and orchestrators.

use super::AppState;
use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};

/// `GET /healthz`: the process is up and serving HTTP.
pub async fn live() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the process can do real work, i.e. its database answers.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.storage.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": "ok" })),
        ),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "unreachable" })),
            )
        }
    }
}
