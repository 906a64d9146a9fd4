//! Microsoft Graph for Secure Score: an app-only token (client credentials,
//! through the `oauth2` crate, cached until shortly before it expires), the
//! control profiles with `@odata.nextLink` paging, and the last 90 daily
//! snapshots. Base URLs are configurable for sovereign clouds and tests.

use super::graph_model::{ControlProfile, Page, ScoreSnapshot};
use crate::config::Secret;
use crate::outbound::{BodyError, MAX_ANSWER_BYTES, oauth_client, read_capped};
use backon::{ExponentialBuilder, Retryable};
use oauth2::{ClientId, ClientSecret, Scope, TokenResponse, TokenUrl, basic::BasicClient};
use reqwest::{StatusCode, header::RETRY_AFTER};
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};
use url::Url;

/// Graph's public cloud.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com";
/// The Microsoft identity platform's public cloud.
pub const DEFAULT_LOGIN_URL: &str = "https://login.microsoftonline.com";

/// Renew the token this long before it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(120);
/// Longest `Retry-After` worth waiting for during a refresh.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(30);
/// Most pages of control profiles followed (200 each, *observed*).
const MAX_PAGES: usize = 50;

/// Where Graph and the identity platform are: one cloud, set by the
/// operator (never from the UI, so an admin cannot aim the server elsewhere).
#[derive(Clone, Debug)]
pub struct GraphEndpoints {
    pub graph_url: Url,
    pub login_url: Url,
}

impl Default for GraphEndpoints {
    fn default() -> Self {
        Self {
            graph_url: Url::parse(DEFAULT_GRAPH_URL).expect("valid"),
            login_url: Url::parse(DEFAULT_LOGIN_URL).expect("valid"),
        }
    }
}

/// A tenant and the app registration that reads it.
#[derive(Clone, Debug)]
pub struct GraphCredentials {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: Secret,
}

/// How to reach a tenant's Secure Score.
#[derive(Clone, Debug)]
pub struct GraphSettings {
    pub credentials: GraphCredentials,
    pub endpoints: GraphEndpoints,
}

impl GraphSettings {
    /// `credentials` in the cloud at `endpoints`.
    pub fn new(endpoints: &GraphEndpoints, credentials: GraphCredentials) -> Self {
        Self {
            credentials,
            endpoints: endpoints.clone(),
        }
    }
}

/// Why Graph could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// The token request was refused (wrong tenant, client or secret), or
    /// Graph refused the token (missing `SecurityEvents.Read.All`).
    #[error("Microsoft Graph refused the credentials (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    /// Too many requests; `Retry-After` seconds, if sent.
    #[error("Microsoft Graph is throttling requests (retry after {retry_after:?} s)")]
    Throttled { retry_after: Option<u64> },
    /// Graph answered 5xx.
    #[error("Microsoft Graph failed (HTTP {status})")]
    Server { status: u16 },
    /// No usable answer.
    #[error("Microsoft Graph cannot be reached: {0}")]
    Network(String),
    /// An answer that is not Graph's shape, or a next link off Graph's host.
    #[error("unexpected answer from Microsoft Graph: {0}")]
    Malformed(String),
}

impl GraphError {
    fn is_transient(&self) -> bool {
        matches!(
            self,
            GraphError::Throttled { .. } | GraphError::Server { .. } | GraphError::Network(_)
        )
    }
}

/// The cached token.
struct Token {
    value: String,
    renew_at: Instant,
}

/// A Graph client for one tenant.
pub struct GraphClient {
    settings: GraphSettings,
    http: reqwest::Client,
    token: tokio::sync::Mutex<Option<Token>>,
}

impl GraphClient {
    /// The tenant this client reads.
    pub fn tenant_id(&self) -> &str {
        &self.settings.credentials.tenant_id
    }

    /// A client with its own HTTP connection pool (no redirects followed).
    pub fn new(settings: GraphSettings) -> Self {
        let http = crate::outbound::client_builder(Duration::from_secs(30))
            .build()
            .expect("the TLS backend is compiled in");
        Self {
            settings,
            http,
            token: tokio::sync::Mutex::new(None),
        }
    }

    /// Every control profile, following `@odata.nextLink`.
    pub async fn control_profiles(&self) -> Result<Vec<ControlProfile>, GraphError> {
        let mut url = self.graph("/v1.0/security/secureScoreControlProfiles")?;
        let mut profiles = Vec::new();
        for _ in 0..MAX_PAGES {
            let page: Page<ControlProfile> = self.get(&url).await?;
            profiles.extend(page.value);
            match page.next_link {
                Some(next) => url = self.same_origin(&next)?,
                None => return Ok(profiles),
            }
        }
        Err(GraphError::Malformed(format!(
            "more than {MAX_PAGES} pages of control profiles"
        )))
    }

    /// The daily snapshots of the last 90 days, newest first.
    pub async fn secure_scores(&self) -> Result<Vec<ScoreSnapshot>, GraphError> {
        let url = self.graph("/v1.0/security/secureScores?$top=90")?;
        let page: Page<ScoreSnapshot> = self.get(&url).await?;
        Ok(page.value)
    }

    fn graph(&self, path_and_query: &str) -> Result<Url, GraphError> {
        self.settings
            .endpoints
            .graph_url
            .join(path_and_query)
            .map_err(|error| GraphError::Malformed(error.to_string()))
    }

    /// A next link, only when it stays on Graph's own origin.
    fn same_origin(&self, link: &str) -> Result<Url, GraphError> {
        let url = Url::parse(link).map_err(|error| GraphError::Malformed(error.to_string()))?;
        if url.origin() == self.settings.endpoints.graph_url.origin() {
            Ok(url)
        } else {
            Err(GraphError::Malformed(format!(
                "next link off Graph: {link}"
            )))
        }
    }

    /// `GET url` with the app token, retried with jittered backoff while the
    /// failure may pass; a 401 renews the token once.
    async fn get<T: DeserializeOwned>(&self, url: &Url) -> Result<T, GraphError> {
        let attempt = || self.get_once(url);
        attempt
            .retry(
                ExponentialBuilder::default()
                    .with_min_delay(Duration::from_millis(200))
                    .with_max_delay(Duration::from_secs(10))
                    .with_max_times(3)
                    .with_jitter(),
            )
            .when(GraphError::is_transient)
            // `delay` is `None` once the retries are spent: stop then.
            .adjust(|error: &GraphError, delay| match (error, delay) {
                (_, None) => None,
                (
                    GraphError::Throttled {
                        retry_after: Some(seconds),
                    },
                    Some(backoff),
                ) => {
                    let wait = Duration::from_secs(*seconds);
                    (wait <= MAX_INLINE_WAIT).then_some(wait.max(backoff))
                }
                (_, backoff) => backoff,
            })
            .await
    }

    async fn get_once<T: DeserializeOwned>(&self, url: &Url) -> Result<T, GraphError> {
        let token = self.token(false).await?;
        let response = match self.send(url, &token).await? {
            response if response.status() == StatusCode::UNAUTHORIZED => {
                let token = self.token(true).await?;
                self.send(url, &token).await?
            }
            response => response,
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse().ok());
        let body = read_capped(response, MAX_ANSWER_BYTES)
            .await
            .map_err(|error| match error {
                BodyError::TooLarge { .. } => GraphError::Malformed(error.to_string()),
                BodyError::Transport(error) => GraphError::Network(error.to_string()),
            })?;
        match status.as_u16() {
            200..=299 => serde_json::from_slice(&body)
                .map_err(|error| GraphError::Malformed(error.to_string())),
            429 => Err(GraphError::Throttled { retry_after }),
            401 | 403 => Err(GraphError::Refused {
                status: status.as_u16(),
                message: String::from_utf8_lossy(&body).chars().take(300).collect(),
            }),
            500..=599 => Err(GraphError::Server {
                status: status.as_u16(),
            }),
            other => Err(GraphError::Malformed(format!("HTTP {other}"))),
        }
    }

    async fn send(&self, url: &Url, token: &str) -> Result<reqwest::Response, GraphError> {
        self.http
            .get(url.clone())
            .bearer_auth(token)
            .send()
            .await
            .map_err(|error| GraphError::Network(error.to_string()))
    }

    /// The cached token, or a new one when it is due (or `renew`).
    async fn token(&self, renew: bool) -> Result<String, GraphError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref()
            && !renew
            && Instant::now() < token.renew_at
        {
            return Ok(token.value.clone());
        }
        let GraphSettings {
            credentials,
            endpoints,
        } = &self.settings;
        let base = endpoints.login_url.as_str().trim_end_matches('/');
        let token_url = format!("{base}/{}/oauth2/v2.0/token", credentials.tenant_id);
        let scope = format!(
            "{}/.default",
            endpoints.graph_url.as_str().trim_end_matches('/')
        );
        let malformed = |error: url::ParseError| GraphError::Malformed(error.to_string());
        let client = BasicClient::new(ClientId::new(credentials.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                credentials.client_secret.expose().to_owned(),
            ))
            .set_token_uri(TokenUrl::new(token_url).map_err(malformed)?)
            .set_auth_type(oauth2::AuthType::RequestBody);
        let response = client
            .exchange_client_credentials()
            .add_scope(Scope::new(scope))
            .request_async(&oauth_client(&self.http))
            .await
            .map_err(|error| match error {
                oauth2::RequestTokenError::ServerResponse(response) => GraphError::Refused {
                    status: 400,
                    message: response
                        .error_description()
                        .cloned()
                        .unwrap_or_else(|| response.error().to_string()),
                },
                oauth2::RequestTokenError::Request(error @ BodyError::TooLarge { .. }) => {
                    GraphError::Malformed(error.to_string())
                }
                oauth2::RequestTokenError::Request(error) => GraphError::Network(error.to_string()),
                other => GraphError::Malformed(other.to_string()),
            })?;
        let lifetime = response.expires_in().unwrap_or(Duration::from_secs(3599));
        let value = response.access_token().secret().clone();
        *cached = Some(Token {
            value: value.clone(),
            renew_at: Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN),
        });
        Ok(value)
    }
}
