//! Fault injection: the ways a real instance misbehaves, switchable at run time.
//!
//! Network-level faults (latency, 5xx, 429, dropped connections, malformed
//! JSON) hit the REST API (`/api/now/…`); IP filtering refuses every instance
//! endpoint, as an IP access control list does; the cross-scope policy fault
//! refuses reads of `oauth_entity`.

use super::{ApiError, SimState};
use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::{sync::Arc, time::Duration};

/// The faults in force. Counters (`*_next`) count down as requests consume them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Delay added before every REST API response, in milliseconds.
    pub latency_ms: u64,
    /// Share (0–1) of REST API requests answered with 500 or 503.
    pub error_rate: f64,
    /// Share (0–1) of REST API requests whose connection drops mid-response.
    pub drop_rate: f64,
    /// Share (0–1) of REST API requests answered with 429.
    pub rate_limit_rate: f64,
    /// The next N REST API requests are answered with 429.
    pub rate_limit_next: u32,
    /// `Retry-After` of a 429, in seconds.
    pub retry_after_secs: u64,
    /// The next N REST API responses drop the connection mid-response.
    pub drop_next: u32,
    /// The next N REST API responses carry malformed JSON.
    pub malformed_next: u32,
    /// Reads of `oauth_entity` are refused by the table's cross-scope access policy.
    pub cross_scope_oauth_entity: bool,
    /// Every instance endpoint refuses this client's address (IP Address Access Control).
    pub ip_filtered: bool,
    /// A refresh grant answers with a new refresh token and revokes the one
    /// it used, as identity providers with refresh-token rotation do.
    pub rotate_refresh_tokens: bool,
    /// The next N Table API writes are committed, then answered with 504
    /// (a gateway that gave up while the instance went on).
    pub commit_then_504_next: u32,
    /// Share (0–1) of Table API writes committed, then answered with 504.
    pub commit_then_504_rate: f64,
    /// The next N Table API writes are answered with 504 at once and
    /// committed [`Faults::commit_late_secs`] later, stamped with the time of
    /// the request (a long business rule).
    pub commit_late_next: u32,
    /// How late a late commit comes, in seconds.
    pub commit_late_secs: u64,
    /// ACLs hide the records the integration user created from its own reads.
    pub hide_own_records: bool,
    /// Table API writes are refused with 403 (an ACL or business rule).
    pub refuse_writes: bool,
    /// The next N token requests are answered 401 with no OAuth error (a
    /// proxy or a node restarting), though the grant is good.
    pub token_401_next: u32,
    /// Delay added before every token response, in milliseconds.
    pub token_latency_ms: u64,
    /// Responses carry this many bytes of padding (a runaway answer).
    pub oversized_bytes: u64,
    /// The calling user's time zone (an IANA name such as
    /// `America/Los_Angeles`; empty: GMT): display values of dates are in
    /// it, dates in `sysparm_query` stay UTC, as on a real instance.
    pub user_time_zone: String,
}

/// What a Table API write suffers, decided (and counters consumed) up front.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteVerdict {
    Pass,
    Refused,
    CommitThen504,
    CommitLate(Duration),
}

/// The cross-scope refusal, word for word as the seed documents quote it.
pub const CROSS_SCOPE_MESSAGE: &str = "Read operation against 'oauth_entity' from scope 'x_mioms_m365ticket' has been refused due to the table's cross-scope access policy";

/// What a REST request will suffer, decided (and counters consumed) up front.
enum Verdict {
    Pass,
    RateLimited(u64),
    ServerError(StatusCode),
    Drop,
    Malformed,
}

impl Faults {
    /// What the next Table API write suffers.
    pub fn decide_write(&mut self) -> WriteVerdict {
        if self.refuse_writes {
            return WriteVerdict::Refused;
        }
        if self.commit_then_504_next > 0 {
            self.commit_then_504_next -= 1;
            return WriteVerdict::CommitThen504;
        }
        if self.commit_then_504_rate > 0.0
            && rand::rng().random_bool(self.commit_then_504_rate.min(1.0))
        {
            return WriteVerdict::CommitThen504;
        }
        if self.commit_late_next > 0 {
            self.commit_late_next -= 1;
            return WriteVerdict::CommitLate(Duration::from_secs(self.commit_late_secs));
        }
        WriteVerdict::Pass
    }

    /// Whether the next token request is answered with a bare 401.
    pub fn take_token_401(&mut self) -> bool {
        let take = self.token_401_next > 0;
        self.token_401_next = self.token_401_next.saturating_sub(1);
        take
    }

    fn decide(&mut self) -> Verdict {
        let mut rng = rand::rng();
        if self.rate_limit_next > 0 {
            self.rate_limit_next -= 1;
            return Verdict::RateLimited(self.retry_after_secs);
        }
        if self.rate_limit_rate > 0.0 && rng.random_bool(self.rate_limit_rate.min(1.0)) {
            return Verdict::RateLimited(self.retry_after_secs);
        }
        if self.error_rate > 0.0 && rng.random_bool(self.error_rate.min(1.0)) {
            let status = if rng.random_bool(0.5) {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            return Verdict::ServerError(status);
        }
        if self.drop_next > 0 {
            self.drop_next -= 1;
            return Verdict::Drop;
        }
        if self.drop_rate > 0.0 && rng.random_bool(self.drop_rate.min(1.0)) {
            return Verdict::Drop;
        }
        if self.malformed_next > 0 {
            self.malformed_next -= 1;
            return Verdict::Malformed;
        }
        Verdict::Pass
    }
}

/// Middleware for every instance endpoint: IP filtering.
pub async fn ip_filter(
    State(state): State<Arc<SimState>>,
    request: Request,
    next: Next,
) -> Response {
    if state.faults().ip_filtered {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "Access to this instance is restricted by IP address",
            "The request came from an address that IP Address Access Control does not allow",
        )
        .into_response();
    }
    next.run(request).await
}

/// Middleware for the REST API: latency, 429, 5xx, dropped and malformed responses.
pub async fn rest_faults(
    State(state): State<Arc<SimState>>,
    request: Request,
    next: Next,
) -> Response {
    let (latency, verdict, oversized) = {
        let mut faults = state.faults();
        (faults.latency_ms, faults.decide(), faults.oversized_bytes)
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    match verdict {
        Verdict::Pass if oversized > 0 => padded(next.run(request).await, oversized),
        Verdict::Pass => next.run(request).await,
        Verdict::RateLimited(retry_after) => rate_limited(retry_after),
        Verdict::ServerError(status) => ApiError::new(
            status,
            "Server error",
            "Injected fault: the instance failed",
        )
        .into_response(),
        Verdict::Drop => {
            let response = next.run(request).await;
            drop_mid_body(response).await
        }
        Verdict::Malformed => {
            let mut response = next.run(request).await;
            *response.body_mut() = Body::from("{\"result\": [{\"sys_id\": \"");
            response
                .headers_mut()
                .remove(axum::http::header::CONTENT_LENGTH);
            response
        }
    }
}

/// A 429 with the headers a real instance sends (no `X-RateLimit-Remaining`).
fn rate_limited(retry_after: u64) -> Response {
    let reset = super::state::unix_now() + i64::try_from(retry_after).unwrap_or(i64::MAX / 2);
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "Rate limit exceeded",
        "The maximum number of requests per hour for this rate limit rule was exceeded",
    )
    .into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        ("retry-after", retry_after.to_string()),
        ("x-ratelimit-limit", "5000".to_owned()),
        ("x-ratelimit-reset", reset.to_string()),
        (
            "x-ratelimit-rule",
            "5ef3a2b61b2f3010a6ac2f08b04bcb00".to_owned(),
        ),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

/// `response` followed by `bytes` of spaces (still valid JSON), streamed.
fn padded(response: Response, bytes: u64) -> Response {
    use futures_util::StreamExt;
    const CHUNK: usize = 64 * 1024;
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let chunks = bytes.div_ceil(CHUNK as u64);
    let padding = futures_util::stream::iter(0..chunks).map(move |n| {
        let size = if n + 1 == chunks {
            usize::try_from(bytes - n * CHUNK as u64).unwrap_or(CHUNK)
        } else {
            CHUNK
        };
        Ok::<_, axum::Error>(Bytes::from(vec![b' '; size]))
    });
    let stream = body.into_data_stream().chain(padding);
    Response::from_parts(parts, Body::from_stream(stream))
}

/// How long the first half of a dropped response is left to reach the client.
const DROP_FLUSH_DELAY: Duration = Duration::from_millis(50);

/// Sends the status, headers and half the body, then breaks the connection.
async fn drop_mid_body(response: Response) -> Response {
    use futures_util::StreamExt;
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let length = HeaderValue::from(bytes.len());
    let half = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
    let first = futures_util::stream::once(async move { Ok::<_, std::io::Error>(half) });
    let broken = futures_util::stream::once(async {
        tokio::time::sleep(DROP_FLUSH_DELAY).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected connection drop",
        ))
    });
    let mut response = Response::from_parts(parts, Body::from_stream(first.chain(broken)));
    response
        .headers_mut()
        .insert(axum::http::header::CONTENT_LENGTH, length);
    response.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_are_consumed_in_order() {
        let mut faults = Faults {
            rate_limit_next: 1,
            drop_next: 1,
            malformed_next: 1,
            ..Faults::default()
        };
        assert!(matches!(faults.decide(), Verdict::RateLimited(0)));
        assert!(matches!(faults.decide(), Verdict::Drop));
        assert!(matches!(faults.decide(), Verdict::Malformed));
        assert!(matches!(faults.decide(), Verdict::Pass));
    }

    #[test]
    fn certain_error_rate_always_fails_with_500_or_503() {
        let mut faults = Faults {
            error_rate: 1.0,
            ..Faults::default()
        };
        for _ in 0..20 {
            match faults.decide() {
                Verdict::ServerError(status) => assert!(status == 500 || status == 503),
                _ => panic!("expected a server error"),
            }
        }
    }

    #[test]
    fn faults_parse_from_partial_json_and_reject_unknown_keys() {
        let faults: Faults = serde_json::from_str(r#"{"latency_ms": 50}"#).expect("parse");
        assert_eq!(faults.latency_ms, 50);
        assert!(serde_json::from_str::<Faults>(r#"{"latency": 50}"#).is_err());
    }
}
