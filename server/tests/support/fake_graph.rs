//! A fake Microsoft Graph on a free port: the client-credentials token
//! endpoint, two pages of control profiles and the snapshots, with canned
//! failures for the next data request.

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header::RETRY_AFTER},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::json;
use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

/// The tenant the fake serves.
pub const TENANT: &str = "tenant-1";
/// The only client secret it accepts.
pub const SECRET: &str = "fake-graph-client-secret-7f3a";

/// A canned failure for the next data request.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    Unauthorized,
    Throttled,
    ServerError,
    Malformed,
    ForeignNextLink,
    /// A 200 whose body is larger than any real page (20 MiB).
    Oversized,
}

#[derive(Default)]
pub struct Fake {
    pub token_requests: usize,
    pub issued: usize,
    pub faults: VecDeque<Fault>,
    pub data_requests: usize,
    pub base: String,
}

pub type Shared = Arc<Mutex<Fake>>;

/// The client-credentials token endpoint: a new token for the right secret.
async fn token(State(fake): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    let mut fake = fake.lock().unwrap();
    fake.token_requests += 1;
    let valid = form.get("grant_type").map(String::as_str) == Some("client_credentials")
        && form.get("client_secret").map(String::as_str) == Some(SECRET)
        && form
            .get("scope")
            .is_some_and(|scope| scope.ends_with("/.default"));
    if !valid {
        let body = json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.", "error_codes": [7000215]});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    fake.issued += 1;
    Json(json!({"token_type": "Bearer", "expires_in": 3599, "access_token": format!("token-{}", fake.issued)})).into_response()
}

/// The failure to answer with, if any, after checking the bearer token.
fn refusal(fake: &mut Fake, headers: &HeaderMap) -> Option<Response> {
    fake.data_requests += 1;
    let current = format!("Bearer token-{}", fake.issued);
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(current.as_str()) {
        return Some(StatusCode::UNAUTHORIZED.into_response());
    }
    match fake.faults.pop_front() {
        None | Some(Fault::ForeignNextLink) => None,
        Some(Fault::Unauthorized) => {
            fake.issued += 1; // the old token is no longer accepted
            Some(StatusCode::UNAUTHORIZED.into_response())
        }
        Some(Fault::Throttled) => {
            Some((StatusCode::TOO_MANY_REQUESTS, [(RETRY_AFTER, "1")]).into_response())
        }
        Some(Fault::ServerError) => Some(StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        Some(Fault::Malformed) => Some((StatusCode::OK, "{\"value\": [").into_response()),
        Some(Fault::Oversized) => {
            let padded = format!("{{\"value\": []}}{}", " ".repeat(20 * 1024 * 1024));
            Some((StatusCode::OK, padded).into_response())
        }
    }
}

/// The control profiles, in two pages (or with a foreign next link).
async fn profiles(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut fake = fake.lock().unwrap();
    let foreign = matches!(fake.faults.front(), Some(Fault::ForeignNextLink));
    if let Some(response) = refusal(&mut fake, &headers) {
        return response;
    }
    if query.contains_key("$skiptoken") {
        return Json(json!({"value": [{"id": "C", "maxScore": "3", "controlCategory": "data"}]}))
            .into_response();
    }
    let next = if foreign {
        "https://attacker.example/next".to_owned()
    } else {
        format!(
            "{}/v1.0/security/secureScoreControlProfiles?$skiptoken=2",
            fake.base
        )
    };
    Json(json!({
        "value": [{"id": "A", "maxScore": 10, "controlCategory": "Identity"}, {"id": "B", "maxScore": 5}],
        "@odata.nextLink": next,
    }))
    .into_response()
}

/// The Secure Score snapshots (one).
async fn scores(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut fake = fake.lock().unwrap();
    if let Some(response) = refusal(&mut fake, &headers) {
        return response;
    }
    assert_eq!(query.get("$top").map(String::as_str), Some("90"));
    Json(json!({"value": [{"createdDateTime": "2026-11-24T00:00:00Z", "currentScore": 12, "maxScore": 18, "controlScores": [{"controlName": "A", "score": "10"}]}]})).into_response()
}

/// Starts the fake with `faults` queued; returns its base URL and state.
pub async fn start(faults: &[Fault]) -> (String, Shared) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let fake: Shared = Arc::new(Mutex::new(Fake {
        faults: faults.iter().copied().collect(),
        base: base.clone(),
        ..Fake::default()
    }));
    let router = Router::new()
        .route(&format!("/{TENANT}/oauth2/v2.0/token"), post(token))
        .route("/v1.0/security/secureScoreControlProfiles", get(profiles))
        .route("/v1.0/security/secureScores", get(scores))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, fake)
}
