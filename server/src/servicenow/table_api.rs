//! Typed calls to the Table API and the Aggregate API of one instance, with
//! the token keeper's bearer token, one refresh-and-retry after a 401, and
//! jittered backoff for calls that are safe to repeat.

use super::{failure::Failure, instance::InstanceUrl, tokens::TokenKeeper};
use app::api::servicenow::ProblemKind;
use backon::{ExponentialBuilder, Retryable};
use reqwest::header::ACCEPT;
use serde::{Deserialize, de::DeserializeOwned};
use std::{sync::Arc, time::Duration};

/// Retries of a call that is safe to repeat.
const MAX_RETRIES: usize = 3;
/// Longest `Retry-After` worth waiting for inside a request.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(10);

/// `{"result": …}`, the envelope of every Table and Aggregate API answer.
#[derive(Deserialize)]
struct Envelope<T> {
    result: T,
}

/// One row of a grouped Aggregate API answer.
#[derive(Deserialize)]
struct Group {
    stats: Stats,
    groupby_fields: Vec<GroupField>,
}

#[derive(Deserialize)]
struct Stats {
    count: String,
}

#[derive(Deserialize)]
struct GroupField {
    value: String,
}

/// A read (`GET`), kept so that it can be sent again. Reads are safe to
/// repeat; writes (ticket creation) must never be retried blindly.
struct Read<'a> {
    path: String,
    query: Vec<(&'a str, String)>,
}

/// The Table and Aggregate APIs of one instance.
pub struct TableApi {
    http: reqwest::Client,
    instance: InstanceUrl,
    tokens: Arc<TokenKeeper>,
}

impl TableApi {
    /// Calls on `instance` with tokens from `tokens`.
    pub fn new(http: reqwest::Client, instance: InstanceUrl, tokens: Arc<TokenKeeper>) -> Self {
        Self {
            http,
            instance,
            tokens,
        }
    }

    /// Records of `table` matching the encoded `query`, with only `fields`.
    pub async fn list<T: DeserializeOwned>(
        &self,
        table: &str,
        query: &str,
        fields: &[&str],
        limit: usize,
    ) -> Result<Vec<T>, Failure> {
        let read = Read {
            path: format!("/api/now/v2/table/{table}"),
            query: vec![
                ("sysparm_query", query.to_owned()),
                ("sysparm_fields", fields.join(",")),
                ("sysparm_limit", limit.to_string()),
                ("sysparm_exclude_reference_link", "true".into()),
                ("sysparm_no_count", "true".into()),
            ],
        };
        self.send(&read).await
    }

    /// Record counts of `table` matching `query`, per value of `group_by`.
    pub async fn count_by(
        &self,
        table: &str,
        query: &str,
        group_by: &str,
    ) -> Result<Vec<(String, u64)>, Failure> {
        let read = Read {
            path: format!("/api/now/stats/{table}"),
            query: vec![
                ("sysparm_query", query.to_owned()),
                ("sysparm_count", "true".into()),
                ("sysparm_group_by", group_by.to_owned()),
            ],
        };
        let groups: Vec<Group> = self.send(&read).await?;
        groups
            .into_iter()
            .map(|group| {
                let count = group.stats.count.parse().map_err(|_| {
                    Failure::new(
                        ProblemKind::Malformed,
                        format!("count {:?}", group.stats.count),
                    )
                })?;
                let value = group
                    .groupby_fields
                    .into_iter()
                    .next()
                    .map(|field| field.value)
                    .unwrap_or_default();
                Ok((value, count))
            })
            .collect()
    }

    /// Sends `read`, retrying transient failures with jittered exponential backoff.
    async fn send<T: DeserializeOwned>(&self, read: &Read<'_>) -> Result<T, Failure> {
        let attempt = || self.send_authorised(read);
        let backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(200))
            .with_max_delay(Duration::from_secs(5))
            .with_max_times(MAX_RETRIES)
            .with_jitter();
        attempt
            .retry(backoff)
            .when(Failure::is_transient)
            // `delay` is `None` once the retries are spent: stop then, whatever
            // the server asks for.
            .adjust(
                |failure: &Failure, delay| match (failure.retry_after, delay) {
                    (_, None) => None,
                    (Some(wait), Some(_)) if wait > MAX_INLINE_WAIT => None,
                    (Some(wait), Some(backoff)) => Some(wait.max(backoff)),
                    (None, backoff) => backoff,
                },
            )
            .await
    }

    /// One attempt; after a 401, one refresh and one more try.
    async fn send_authorised<T: DeserializeOwned>(&self, read: &Read<'_>) -> Result<T, Failure> {
        let token = self.tokens.access_token().await?;
        match self.send_once(read, &token).await {
            Err(failure) if failure.kind == ProblemKind::ReauthorizationNeeded => {
                let token = self.tokens.after_rejection(&token).await?;
                self.send_once(read, &token).await
            }
            outcome => outcome,
        }
    }

    async fn send_once<T: DeserializeOwned>(
        &self,
        read: &Read<'_>,
        token: &str,
    ) -> Result<T, Failure> {
        let request = self
            .http
            .get(self.instance.join(&read.path))
            .bearer_auth(token)
            .header(ACCEPT, "application/json")
            .query(&read.query);
        let answer = super::http::send(request).await?;
        if !answer.status.is_success() {
            return Err(answer.failure());
        }
        serde_json::from_slice::<Envelope<T>>(&answer.body)
            .map(|envelope| envelope.result)
            .map_err(|error| Failure::malformed(answer.status, &error))
    }
}
