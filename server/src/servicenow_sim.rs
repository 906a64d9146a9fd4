//! A ServiceNow-compatible simulator: OAuth, the Table API, the Aggregate API
//! and fault injection, following `shared/spec/SERVICENOW.md`.
//!
//! It lets the demo and every test run without a real instance, over real
//! HTTP. It runs embedded (beside ScoreNow in demo mode) or standalone
//! (`scorenow servicenow-sim`). Production code paths never depend on it; it
//! sits behind the default-on `servicenow-sim` cargo feature.

mod admin;
mod aggregate;
mod auth;
mod faults;
mod oauth;
mod pages;
mod query;
mod schema;
mod seed;
mod state;
mod table_api;

pub use faults::Faults;
pub use oauth::pkce_s256;

use axum::{
    Json, Router,
    extract::Request,
    http::StatusCode,
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::json;
use state::Instance;
use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};
use tokio::net::TcpListener;

/// How the simulated instance is set up.
#[derive(Clone, Debug)]
pub struct SimSettings {
    /// The redirect URI registered on the demo OAuth entity.
    pub redirect_uri: String,
    /// Client ID of the demo OAuth entity.
    pub client_id: String,
    /// Client secret of the demo OAuth entity.
    pub client_secret: String,
    /// User name of the integration user.
    pub integration_user: String,
    /// Password of the integration user (and of the other demo user).
    pub integration_password: String,
    /// Access token lifespan of the OAuth entity, in seconds.
    pub access_token_lifespan: i64,
    /// Refresh token lifespan of the OAuth entity, in seconds.
    pub refresh_token_lifespan: i64,
    /// Bearer token of the admin endpoint; without one it is disabled.
    pub admin_token: Option<String>,
    /// File the instance is saved to and restored from.
    pub snapshot: Option<PathBuf>,
    /// Faults in force at start.
    pub faults: Faults,
}

impl SimSettings {
    /// The demo instance ScoreNow's embedded mode uses, redirecting to `redirect_uri`.
    pub fn demo(redirect_uri: String) -> Self {
        Self {
            redirect_uri,
            client_id: DEMO_CLIENT_ID.to_owned(),
            client_secret: DEMO_CLIENT_SECRET.to_owned(),
            integration_user: DEMO_INTEGRATION_USER.to_owned(),
            integration_password: DEMO_INTEGRATION_PASSWORD.to_owned(),
            access_token_lifespan: 1800,
            refresh_token_lifespan: 8_640_000,
            admin_token: None,
            snapshot: None,
            faults: Faults::default(),
        }
    }
}

/// Client ID of the demo OAuth entity.
pub const DEMO_CLIENT_ID: &str = "scorenow-demo";
/// Client secret of the demo OAuth entity (a demo value, not a secret).
pub const DEMO_CLIENT_SECRET: &str = "scorenow-demo-secret";
/// User name of the demo integration user.
pub const DEMO_INTEGRATION_USER: &str = "scorenow.integration";
/// Password of the demo integration user (a demo value, not a secret).
pub const DEMO_INTEGRATION_PASSWORD: &str = "integration-demo";

/// Request counters, read by tests through the admin endpoint.
#[derive(Debug, Default)]
pub struct Stats {
    rest_requests: AtomicU64,
    token_requests: Mutex<BTreeMap<String, u64>>,
    /// Revocations by how they came: `query`, `form` or `form_with_client`.
    revocations: Mutex<BTreeMap<String, u64>>,
}

/// Adds one to `counts[key]`.
fn count(counts: &Mutex<BTreeMap<String, u64>>, key: &str) {
    *counts
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(key.to_owned())
        .or_default() += 1;
}

impl Stats {
    fn count_token(&self, grant_type: &str) {
        count(&self.token_requests, grant_type);
    }

    fn count_revocation(&self, how: &str) {
        count(&self.revocations, how);
    }

    fn snapshot(&self) -> serde_json::Value {
        let tokens = self
            .token_requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let revocations = self
            .revocations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        json!({
            "rest_requests": self.rest_requests.load(Ordering::Relaxed),
            "token_requests": tokens,
            "revocations": revocations,
        })
    }

    fn reset(&self) {
        self.rest_requests.store(0, Ordering::Relaxed);
        for counts in [&self.token_requests, &self.revocations] {
            counts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clear();
        }
    }
}

/// The simulator's shared state.
#[derive(Debug)]
pub struct SimState {
    instance: RwLock<Instance>,
    faults: Mutex<Faults>,
    stats: Stats,
    settings: SimSettings,
    dirty: AtomicBool,
}

/// The simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The snapshot file exists but cannot be read.
    #[error("cannot restore the simulator snapshot {}: {reason}", path.display())]
    Snapshot { path: PathBuf, reason: String },
}

impl SimState {
    /// A seeded instance, or the one saved in the snapshot file when it exists.
    pub fn new(settings: SimSettings) -> Result<Arc<Self>, SimError> {
        let instance = match &settings.snapshot {
            Some(path) if path.exists() => {
                let fail = |reason: String| SimError::Snapshot {
                    path: path.clone(),
                    reason,
                };
                let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
                serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?
            }
            _ => {
                let mut instance = Instance::default();
                seed::seed(&mut instance, &settings);
                instance
            }
        };
        Ok(Arc::new(Self {
            instance: RwLock::new(instance),
            faults: Mutex::new(settings.faults.clone()),
            stats: Stats::default(),
            settings,
            dirty: AtomicBool::new(true),
        }))
    }

    fn instance(&self) -> RwLockReadGuard<'_, Instance> {
        self.instance.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn instance_mut(&self) -> RwLockWriteGuard<'_, Instance> {
        self.instance
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::Release);
    }

    /// Writes the snapshot file if anything changed since the last save.
    pub fn save_snapshot(&self) -> std::io::Result<()> {
        let Some(path) = &self.settings.snapshot else {
            return Ok(());
        };
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let json = serde_json::to_vec(&*self.instance()).map_err(std::io::Error::other)?;
        let temporary = path.with_extension("tmp");
        std::fs::write(&temporary, json)?;
        std::fs::rename(&temporary, path)
    }
}

/// A REST API failure, rendered as ServiceNow renders them:
/// `{"error":{"message":…,"detail":…},"status":"failure"}`.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
    detail: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            detail: detail.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "message": self.message, "detail": self.detail }, "status": "failure" });
        (self.status, Json(body)).into_response()
    }
}

async fn count_rest_requests(
    state: axum::extract::State<Arc<SimState>>,
    request: Request,
    next: Next,
) -> Response {
    state.stats.rest_requests.fetch_add(1, Ordering::Relaxed);
    next.run(request).await
}

/// Every route of the simulated instance, plus the admin endpoint.
pub fn router(state: Arc<SimState>) -> Router {
    let table_collection = get(table_api::list).post(table_api::create);
    let table_record = get(table_api::get)
        .patch(table_api::update)
        .put(table_api::update)
        .delete(table_api::delete);
    let rest = Router::new()
        .route("/api/now/table/{table}", table_collection.clone())
        .route("/api/now/table/{table}/{sys_id}", table_record.clone())
        .route("/api/now/{version}/table/{table}", table_collection)
        .route("/api/now/{version}/table/{table}/{sys_id}", table_record)
        .route("/api/now/stats/{table}", get(aggregate::stats))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            faults::rest_faults,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_rest_requests,
        ));
    let instance = Router::new()
        .merge(rest)
        .route("/oauth_auth.do", get(oauth::authorize).post(oauth::decide))
        .route("/login.do", post(oauth::login))
        .route("/logout.do", get(oauth::logout))
        .route("/oauth_token.do", post(oauth::token))
        .route(
            "/oauth_revoke_token.do",
            get(oauth::revoke).post(oauth::revoke),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            faults::ip_filter,
        ));
    Router::new()
        .merge(instance)
        .nest(admin::ADMIN_PATH, admin::router(state.clone()))
        .with_state(state)
}

/// How often changes are written to the snapshot file.
const SNAPSHOT_INTERVAL: Duration = Duration::from_secs(1);

/// Serves the simulator on `listener` until `shutdown` resolves, keeping the
/// snapshot file (if any) up to date.
pub async fn serve(
    listener: TcpListener,
    state: Arc<SimState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let saver = state.settings.snapshot.is_some().then(|| {
        let state = state.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(SNAPSHOT_INTERVAL);
            loop {
                ticks.tick().await;
                if let Err(error) = state.save_snapshot() {
                    tracing::warn!(%error, "cannot save the simulator snapshot");
                }
            }
        })
    });
    let result = axum::serve(listener, router(state.clone()))
        .with_graceful_shutdown(shutdown)
        .await;
    if let Some(saver) = saver {
        saver.abort();
    }
    state.save_snapshot()?;
    result
}
