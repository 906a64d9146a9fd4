//! The simulator's own control endpoint, outside `/api/now`: faults, code and
//! token expiry, token revocation, request counters, bulk records (for load
//! tests). Guarded by a bearer token; absent (404) when no admin token is configured.

use super::{SimState, faults::Faults, state::Record, table_api::table_named};
use axum::{
    Json, Router,
    extract::{Path, Request, State},
    http::{StatusCode, header::AUTHORIZATION},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use std::sync::Arc;

/// Base path of the admin endpoint.
pub const ADMIN_PATH: &str = "/sim/admin";

/// Routes under [`ADMIN_PATH`].
pub fn router(state: Arc<SimState>) -> Router<Arc<SimState>> {
    Router::new()
        .route("/faults", get(faults).put(set_faults))
        .route("/codes/expire", post(expire_codes))
        .route("/tokens/expire", post(expire_tokens))
        .route("/tokens/revoke", post(revoke_tokens))
        .route("/stats", get(stats))
        .route("/stats/reset", post(reset_stats))
        .route("/records/{table}", post(insert_records))
        .layer(middleware::from_fn_with_state(state, require_admin_token))
}

async fn require_admin_token(
    State(state): State<Arc<SimState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(expected) = state.settings.admin_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let authorised = presented.is_some_and(|token| {
        subtle::ConstantTimeEq::ct_eq(token.as_bytes(), expected.as_bytes()).into()
    });
    if authorised {
        next.run(request).await
    } else {
        StatusCode::UNAUTHORIZED.into_response()
    }
}

async fn faults(State(state): State<Arc<SimState>>) -> Json<Faults> {
    Json(state.faults().clone())
}

async fn set_faults(
    State(state): State<Arc<SimState>>,
    Json(faults): Json<Faults>,
) -> Json<Faults> {
    *state.faults() = faults.clone();
    tracing::info!(?faults, "simulator faults changed");
    Json(faults)
}

async fn expire_codes(State(state): State<Arc<SimState>>) -> StatusCode {
    state.instance_mut().expire_auth_codes();
    StatusCode::NO_CONTENT
}

async fn expire_tokens(State(state): State<Arc<SimState>>) -> StatusCode {
    state.instance_mut().expire_access_tokens();
    StatusCode::NO_CONTENT
}

async fn revoke_tokens(State(state): State<Arc<SimState>>) -> StatusCode {
    state.instance_mut().revoke_all_tokens();
    StatusCode::NO_CONTENT
}

async fn stats(State(state): State<Arc<SimState>>) -> Json<serde_json::Value> {
    Json(state.stats.snapshot())
}

async fn reset_stats(State(state): State<Arc<SimState>>) -> StatusCode {
    state.stats.reset();
    StatusCode::NO_CONTENT
}

/// Many copies of one record, for load tests.
#[derive(serde::Deserialize)]
struct BulkRecords {
    count: usize,
    record: Record,
    /// States given to the copies in turn (none: the table's initial state).
    #[serde(default)]
    states: Vec<String>,
}

/// `POST /records/{table}`: inserts `count` copies of `record`, as the
/// integration user would create them.
async fn insert_records(
    State(state): State<Arc<SimState>>,
    Path(table): Path<String>,
    Json(bulk): Json<BulkRecords>,
) -> Result<Json<serde_json::Value>, super::ApiError> {
    let table = table_named(&table)?;
    let mut instance = state.instance_mut();
    for index in 0..bulk.count {
        let mut record = bulk.record.clone();
        if let Some(state) = bulk.states.get(index % bulk.states.len().max(1)) {
            record.insert("state".into(), state.clone());
        }
        instance.insert(table, record, "admin", "");
    }
    let total = instance.records(table).count();
    drop(instance);
    Ok(Json(
        serde_json::json!({ "inserted": bulk.count, "total": total }),
    ))
}
