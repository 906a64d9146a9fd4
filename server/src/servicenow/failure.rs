//! Every way a call to ServiceNow can fail, classified once, with the HTTP
//! details the status page shows.

use app::domain::servicenow::{Problem, ProblemKind};
use reqwest::{StatusCode, header::HeaderMap, header::RETRY_AFTER};
use serde::Deserialize;
use std::time::Duration;

/// A failed call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?} (HTTP {status:?}): {message} {detail}")]
pub struct Failure {
    pub kind: ProblemKind,
    pub status: Option<u16>,
    pub message: String,
    pub detail: String,
    pub retry_after: Option<Duration>,
}

/// ServiceNow's error body: `{"error":{"message":…,"detail":…},"status":"failure"}`.
#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorFields,
}

#[derive(Deserialize)]
struct ErrorFields {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

/// An OAuth error body: `{"error":…,"error_description":…}`.
#[derive(Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// The cross-scope refusal's tell-tale words (the advice differs, the status does not).
const CROSS_SCOPE_WORDS: &str = "cross-scope access policy";
/// The IP address access control's tell-tale words.
const IP_RESTRICTION_WORDS: &str = "ip address";

impl Failure {
    /// A failure of `kind` with no response behind it.
    pub fn new(kind: ProblemKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            status: None,
            message: message.into(),
            detail: String::new(),
            retry_after: None,
        }
    }

    /// Classifies a response that was not a success.
    pub fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let (message, detail) = if let Ok(body) = serde_json::from_slice::<ErrorBody>(body) {
            (
                body.error.message.unwrap_or_default(),
                body.error.detail.unwrap_or_default(),
            )
        } else if let Ok(body) = serde_json::from_slice::<OAuthErrorBody>(body) {
            (body.error, body.error_description.unwrap_or_default())
        } else {
            (String::new(), String::new())
        };
        let kind = match status.as_u16() {
            401 => ProblemKind::ReauthorizationNeeded,
            403 if message.contains(CROSS_SCOPE_WORDS) => ProblemKind::CrossScopePolicy,
            403 if message.to_ascii_lowercase().contains(IP_RESTRICTION_WORDS) => {
                ProblemKind::IpRestricted
            }
            403 => ProblemKind::Forbidden,
            404 => ProblemKind::NotFound,
            429 => ProblemKind::RateLimited,
            500..=599 => ProblemKind::ServerError,
            300..=399 => ProblemKind::Redirected,
            _ => ProblemKind::Rejected,
        };
        let detail = if kind == ProblemKind::Redirected {
            headers
                .get(reqwest::header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .map_or(detail, |location| format!("Location: {location}"))
        } else {
            detail
        };
        Self {
            kind,
            status: Some(status.as_u16()),
            message,
            detail,
            retry_after: (kind == ProblemKind::RateLimited)
                .then(|| retry_after(headers))
                .flatten(),
        }
    }

    /// Classifies a request that got no usable response (including a
    /// connection lost while the body was being read).
    pub fn from_transport(error: &reqwest::Error) -> Self {
        let kind = if error.is_timeout() {
            ProblemKind::Timeout
        } else {
            ProblemKind::Network
        };
        Self::new(kind, error_chain(error))
    }

    /// A success response whose body is not what ServiceNow sends.
    pub fn malformed(status: StatusCode, error: &serde_json::Error) -> Self {
        Self {
            status: Some(status.as_u16()),
            ..Self::new(ProblemKind::Malformed, error.to_string())
        }
    }

    /// Whether the same call may succeed if tried again later.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            ProblemKind::ServerError
                | ProblemKind::Network
                | ProblemKind::Timeout
                | ProblemKind::RateLimited
        )
    }

    /// Whether the instance answered (its words are in `message` and
    /// `detail`); otherwise they are ScoreNow's own, for the log only.
    fn answered(&self) -> bool {
        self.status.is_some()
    }

    /// The instance's own words about this failure, in one line; empty
    /// when it did not answer.
    pub fn instance_words(&self) -> String {
        match (self.answered(), self.message.as_str(), self.detail.as_str()) {
            (false, _, _) => String::new(),
            (true, message, "") => message.to_owned(),
            (true, "", detail) => detail.to_owned(),
            (true, message, detail) => format!("{message}: {detail}"),
        }
    }

    /// The status page's record of this failure at `at`: the instance's
    /// own words only. A failure with no answer behind it (network,
    /// timeout, ScoreNow's side) keeps its error chain in the log.
    pub fn to_problem(&self, at: String) -> Problem {
        let answered = self.status.is_some();
        let words = |text: &str| {
            if answered {
                text.to_owned()
            } else {
                String::new()
            }
        };
        Problem {
            kind: self.kind,
            status: self.status,
            message: words(&self.message),
            detail: words(&self.detail),
            retry_after_secs: self.retry_after.map(|d| d.as_secs()),
            at,
        }
    }
}

/// The name `kind` is stored under (`RateLimited`).
pub fn problem_name(kind: ProblemKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The problem kind stored under `name`.
pub fn problem_from_name(name: &str) -> Option<ProblemKind> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

/// `Retry-After` in seconds (ServiceNow sends seconds, not dates).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// An error with its causes, `a: b: c`, for the status page and logs.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, LOCATION};

    fn classify(status: u16, body: &str) -> Failure {
        Failure::from_response(
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body.as_bytes(),
        )
    }

    #[test]
    fn statuses_map_to_their_kinds_whatever_the_message() {
        let body =
            r#"{"error":{"message":"user not authenticated","detail":"x"},"status":"failure"}"#;
        assert_eq!(classify(401, body).kind, ProblemKind::ReauthorizationNeeded);
        assert_eq!(classify(401, "").kind, ProblemKind::ReauthorizationNeeded);
        assert_eq!(classify(403, body).kind, ProblemKind::Forbidden);
        assert_eq!(classify(404, body).kind, ProblemKind::NotFound);
        assert_eq!(classify(500, "<html>").kind, ProblemKind::ServerError);
        assert_eq!(classify(503, "").kind, ProblemKind::ServerError);
        assert_eq!(classify(400, body).kind, ProblemKind::Rejected);
        assert_eq!(classify(415, body).kind, ProblemKind::Rejected);
    }

    #[test]
    fn the_service_now_error_body_is_kept() {
        let failure = classify(
            403,
            r#"{"error":{"message":"Operation Failed","detail":"ACL Exception"},"status":"failure"}"#,
        );
        assert_eq!(failure.status, Some(403));
        assert_eq!(failure.message, "Operation Failed");
        assert_eq!(failure.detail, "ACL Exception");
    }

    #[test]
    fn the_cross_scope_refusal_is_recognised() {
        let body = r#"{"error":{"message":"Read operation against 'oauth_entity' from scope 'x_mioms_m365ticket' has been refused due to the table's cross-scope access policy","detail":""},"status":"failure"}"#;
        assert_eq!(classify(403, body).kind, ProblemKind::CrossScopePolicy);
    }

    #[test]
    fn the_ip_address_restriction_is_recognised() {
        let body = r#"{"error":{"message":"Access to this instance is restricted by IP address","detail":""},"status":"failure"}"#;
        assert_eq!(classify(403, body).kind, ProblemKind::IpRestricted);
    }

    #[test]
    fn rate_limits_keep_their_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("42"));
        let failure = Failure::from_response(StatusCode::TOO_MANY_REQUESTS, &headers, b"");
        assert_eq!(failure.kind, ProblemKind::RateLimited);
        assert_eq!(failure.retry_after, Some(Duration::from_secs(42)));
        assert!(failure.is_transient());
        assert_eq!(failure.to_problem("t".into()).retry_after_secs, Some(42));
    }

    #[test]
    fn redirects_are_reported_with_their_target() {
        let mut headers = HeaderMap::new();
        headers.insert(
            LOCATION,
            HeaderValue::from_static("https://elsewhere.example/"),
        );
        let failure = Failure::from_response(StatusCode::FOUND, &headers, b"");
        assert_eq!(failure.kind, ProblemKind::Redirected);
        assert_eq!(failure.detail, "Location: https://elsewhere.example/");
        assert!(!failure.is_transient());
    }

    #[test]
    fn the_status_page_gets_the_instances_words_not_scorenows_error_chains() {
        let internal = Failure::new(
            ProblemKind::Network,
            "error sending request: tcp connect error",
        );
        let problem = internal.to_problem("t".into());
        assert_eq!(
            (problem.kind, problem.message.as_str()),
            (ProblemKind::Network, "")
        );
        let answered = classify(
            403,
            r#"{"error":{"message":"Operation Failed","detail":"ACL"}}"#,
        );
        assert_eq!(answered.to_problem("t".into()).message, "Operation Failed");
    }

    #[test]
    fn problem_kinds_are_stored_by_name() {
        assert_eq!(problem_name(ProblemKind::RateLimited), "RateLimited");
        assert_eq!(
            problem_from_name("RecordsHidden"),
            Some(ProblemKind::RecordsHidden)
        );
        assert_eq!(problem_from_name("nonsense"), None);
    }

    #[test]
    fn only_failures_that_may_pass_are_transient() {
        assert!(classify(502, "").is_transient());
        assert!(!classify(401, "").is_transient());
        assert!(!classify(403, "").is_transient());
        assert!(!classify(404, "").is_transient());
    }
}
