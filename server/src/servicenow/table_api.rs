//! Typed calls to the Table API and the Aggregate API of one instance, with
//! the token keeper's bearer token, one refresh-and-retry after a 401, and
//! jittered backoff for reads. Writes are sent once: whether a failed write
//! reached the instance is for the caller to find out before sending again.

use super::{failure::Failure, instance::InstanceUrl, tokens::TokenKeeper};
use app::domain::servicenow::ProblemKind;
use backon::{ExponentialBuilder, Retryable};
use reqwest::{Method, header::ACCEPT};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::Value;
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

/// One call, kept so that it can be sent again (after a refused token, or a
/// transient failure of a read).
struct Call<'a> {
    method: Method,
    path: String,
    query: Vec<(&'a str, String)>,
    /// The JSON body of a write.
    body: Option<&'a Value>,
}

impl<'a> Call<'a> {
    fn read(path: String, query: Vec<(&'a str, String)>) -> Self {
        Self {
            method: Method::GET,
            path,
            query,
            body: None,
        }
    }

    /// A write of `body` that answers with the record's `fields`.
    fn write(method: Method, path: String, body: &'a Value, fields: &[&str]) -> Self {
        Self {
            method,
            path,
            query: vec![
                ("sysparm_fields", fields.join(",")),
                ("sysparm_exclude_reference_link", "true".into()),
            ],
            body: Some(body),
        }
    }
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
        let read = Call::read(
            format!("/api/now/v2/table/{table}"),
            vec![
                ("sysparm_query", query.to_owned()),
                ("sysparm_fields", fields.join(",")),
                ("sysparm_limit", limit.to_string()),
                ("sysparm_exclude_reference_link", "true".into()),
                ("sysparm_no_count", "true".into()),
            ],
        );
        self.send_read(&read).await
    }

    /// The journal `field` (`work_notes`, `comments`) of the record `sys_id`
    /// of `table`, every entry as one text (its display value); empty when
    /// the record has none or cannot be read.
    pub async fn journal(&self, table: &str, sys_id: &str, field: &str) -> Result<String, Failure> {
        let read = Call::read(
            format!("/api/now/v2/table/{table}"),
            vec![
                ("sysparm_query", format!("sys_id={sys_id}")),
                ("sysparm_fields", field.to_owned()),
                ("sysparm_display_value", "true".into()),
                ("sysparm_limit", "1".into()),
                ("sysparm_no_count", "true".into()),
            ],
        );
        let records: Vec<serde_json::Map<String, Value>> = self.send_read(&read).await?;
        Ok(records
            .first()
            .and_then(|record| record.get(field))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned())
    }

    /// Creates a record of `table` from `record`; answers its `fields`. Sent once.
    pub async fn create<T: DeserializeOwned>(
        &self,
        table: &str,
        record: &Value,
        fields: &[&str],
    ) -> Result<T, Failure> {
        self.send_write(table, None, record, fields).await
    }

    /// Changes the record `sys_id` of `table` (a work note appends to its
    /// journal); answers its `fields`. Sent once.
    pub async fn update<T: DeserializeOwned>(
        &self,
        table: &str,
        sys_id: &str,
        changes: &Value,
        fields: &[&str],
    ) -> Result<T, Failure> {
        self.send_write(table, Some(sys_id), changes, fields).await
    }

    /// Record counts of `table` matching `query`, per value of `group_by`.
    pub async fn count_by(
        &self,
        table: &str,
        query: &str,
        group_by: &str,
    ) -> Result<Vec<(String, u64)>, Failure> {
        let read = Call::read(
            format!("/api/now/stats/{table}"),
            vec![
                ("sysparm_query", query.to_owned()),
                ("sysparm_count", "true".into()),
                ("sysparm_group_by", group_by.to_owned()),
            ],
        );
        let groups: Vec<Group> = self.send_read(&read).await?;
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

    /// Sends a write of `body` to `table`, once: a new record (`POST`) or,
    /// with `sys_id`, changes to that record (`PATCH`). Answers its `fields`.
    async fn send_write<T: DeserializeOwned>(
        &self,
        table: &str,
        sys_id: Option<&str>,
        body: &Value,
        fields: &[&str],
    ) -> Result<T, Failure> {
        let (method, path) = match sys_id {
            None => (Method::POST, format!("/api/now/v2/table/{table}")),
            Some(sys_id) => (Method::PATCH, format!("/api/now/v2/table/{table}/{sys_id}")),
        };
        self.send_authorised(&Call::write(method, path, body, fields))
            .await
    }

    /// Sends `read`, retrying transient failures with jittered exponential backoff.
    async fn send_read<T: DeserializeOwned>(&self, read: &Call<'_>) -> Result<T, Failure> {
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

    /// One attempt; after a 401 (the instance refused the token before doing
    /// anything), one refresh and one more try.
    async fn send_authorised<T: DeserializeOwned>(&self, call: &Call<'_>) -> Result<T, Failure> {
        let token = self.tokens.access_token().await?;
        match self.send_once(call, &token).await {
            Err(failure) if failure.kind == ProblemKind::ReauthorizationNeeded => {
                let token = self.tokens.after_rejection(&token).await?;
                self.send_once(call, &token).await
            }
            outcome => outcome,
        }
    }

    async fn send_once<T: DeserializeOwned>(
        &self,
        call: &Call<'_>,
        token: &str,
    ) -> Result<T, Failure> {
        let mut request = self
            .http
            .request(call.method.clone(), self.instance.join(&call.path))
            .bearer_auth(token)
            .header(ACCEPT, "application/json")
            .query(&call.query);
        if let Some(body) = call.body {
            request = request.json(body);
        }
        let answer = super::http::send(request).await?;
        if !answer.status.is_success() {
            return Err(answer.failure());
        }
        serde_json::from_slice::<Envelope<T>>(&answer.body)
            .map(|envelope| envelope.result)
            .map_err(|error| Failure::malformed(answer.status, &error))
    }
}
