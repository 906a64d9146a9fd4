//! HTTP to ServiceNow: the one client configuration (no redirects, guarded
//! DNS), and requests read whole, capped, with failures already classified.

use super::failure::Failure;
use crate::outbound::{BodyError, GuardedResolver, MAX_ANSWER_BYTES, client_builder, read_capped};
use app::domain::servicenow::ProblemKind;
use reqwest::{StatusCode, header::HeaderMap};
use std::sync::Arc;
use std::time::Duration;

/// How long one call may take, connection included.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// The HTTP client for everything ScoreNow sends to ServiceNow: rustls,
/// timeouts, no redirects followed (a redirect could lead off the allowed
/// hosts) and names resolved through `resolver`.
pub fn client(resolver: GuardedResolver) -> reqwest::Client {
    client_builder(CALL_TIMEOUT)
        .dns_resolver(Arc::new(resolver))
        .build()
        .expect("the TLS backend is compiled in")
}

/// A response read whole.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl Answer {
    /// This answer classified as a failure (for answers that are not a success).
    pub fn failure(&self) -> Failure {
        Failure::from_response(self.status, &self.headers, &self.body)
    }
}

/// Sends `request` and reads the whole answer. Failures leave the URL out:
/// a query may carry a token (revocation).
pub async fn send(request: reqwest::RequestBuilder) -> Result<Answer, Failure> {
    let response = request
        .send()
        .await
        .map_err(|error| Failure::from_transport(&error.without_url()))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_capped(response, MAX_ANSWER_BYTES)
        .await
        .map_err(|error| match error {
            BodyError::TooLarge { .. } => Failure {
                status: Some(status.as_u16()),
                ..Failure::new(ProblemKind::Malformed, error.to_string())
            },
            BodyError::Transport(error) => Failure::from_transport(&error.without_url()),
        })?;
    Ok(Answer {
        status,
        headers,
        body,
    })
}
