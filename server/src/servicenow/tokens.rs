//! The access token in use, refreshed ahead of expiry or after a 401, with
//! exactly one refresh in flight however many calls wait for it.

use super::failure::Failure;
use crate::clock::unix_now;
use std::{
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

/// Refresh this long before the access token expires.
pub const REFRESH_AHEAD: Duration = Duration::from_secs(60);

/// An access token and when it expires (Unix seconds). No `Debug`: it must
/// not reach a log.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub value: String,
    pub expires_at: i64,
}

impl AccessToken {
    /// Whether it is valid beyond [`REFRESH_AHEAD`] from `now`.
    pub(super) fn usable_at(&self, now: i64) -> bool {
        self.expires_at - now > REFRESH_AHEAD.as_secs() as i64
    }
}

/// Obtains a new access token (and persists what it gets).
#[async_trait::async_trait]
pub trait Refresh: Send + Sync + 'static {
    /// A token to use instead of `stale` (the expired or refused one, if
    /// the keeper had any).
    async fn refresh(&self, stale: Option<&str>) -> Result<AccessToken, Failure>;
}

/// What the last refresh left behind.
struct Slot {
    token: Option<AccessToken>,
    /// Counts refresh attempts, so a waiter can tell that one happened.
    attempts: u64,
    last_failure: Option<Failure>,
}

/// Hands out the current access token, refreshing it single-flight.
pub struct TokenKeeper {
    slot: Mutex<Slot>,
    refreshing: tokio::sync::Mutex<()>,
    refresher: Arc<dyn Refresh>,
}

impl TokenKeeper {
    /// A keeper starting from the stored token, if any.
    pub fn new(token: Option<AccessToken>, refresher: Arc<dyn Refresh>) -> Self {
        Self {
            slot: Mutex::new(Slot {
                token,
                attempts: 0,
                last_failure: None,
            }),
            refreshing: tokio::sync::Mutex::new(()),
            refresher,
        }
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A token that is valid for a while yet, refreshing first if needed.
    pub async fn access_token(&self) -> Result<String, Failure> {
        let attempts = {
            let slot = self.slot();
            match &slot.token {
                Some(token) if token.usable_at(unix_now()) => return Ok(token.value.clone()),
                _ => slot.attempts,
            }
        };
        self.refresh_once(attempts, None).await
    }

    /// Called after the instance refused `rejected` with a 401: refreshes,
    /// unless another call already replaced that token.
    pub async fn after_rejection(&self, rejected: &str) -> Result<String, Failure> {
        let attempts = {
            let slot = self.slot();
            match &slot.token {
                Some(token) if token.value != rejected && token.usable_at(unix_now()) => {
                    return Ok(token.value.clone());
                }
                _ => slot.attempts,
            }
        };
        self.refresh_once(attempts, Some(rejected)).await
    }

    /// Refreshes unless a refresh attempt happened since `seen_attempts`, in
    /// which case its outcome is shared.
    async fn refresh_once(
        &self,
        seen_attempts: u64,
        rejected: Option<&str>,
    ) -> Result<String, Failure> {
        let _flight = self.refreshing.lock().await;
        {
            let slot = self.slot();
            if slot.attempts != seen_attempts {
                return match (&slot.token, &slot.last_failure) {
                    (Some(token), None) if Some(token.value.as_str()) != rejected => {
                        Ok(token.value.clone())
                    }
                    (_, Some(failure)) => Err(failure.clone()),
                    _ => Err(Failure::new(
                        app::domain::servicenow::ProblemKind::ReauthorizationNeeded,
                        "no usable access token",
                    )),
                };
            }
        }
        let stale = rejected
            .map(str::to_owned)
            .or_else(|| self.slot().token.as_ref().map(|token| token.value.clone()));
        let outcome = self.refresher.refresh(stale.as_deref()).await;
        let mut slot = self.slot();
        slot.attempts += 1;
        match outcome {
            Ok(token) => {
                slot.last_failure = None;
                slot.token = Some(token.clone());
                Ok(token.value)
            }
            Err(failure) => {
                slot.last_failure = Some(failure.clone());
                Err(failure)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::servicenow::ProblemKind;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Counts refreshes; each takes a moment and yields a new token.
    struct CountingRefresher {
        calls: AtomicU64,
        fail: bool,
    }

    #[async_trait::async_trait]
    impl Refresh for CountingRefresher {
        async fn refresh(&self, _stale: Option<&str>) -> Result<AccessToken, Failure> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
            if self.fail {
                return Err(Failure::new(ProblemKind::ReauthorizationNeeded, "dead"));
            }
            Ok(AccessToken {
                value: format!("token-{n}"),
                expires_at: unix_now() + 1800,
            })
        }
    }

    fn keeper(
        token: Option<AccessToken>,
        fail: bool,
    ) -> (Arc<TokenKeeper>, Arc<CountingRefresher>) {
        let refresher = Arc::new(CountingRefresher {
            calls: AtomicU64::new(0),
            fail,
        });
        (
            Arc::new(TokenKeeper::new(token, refresher.clone())),
            refresher,
        )
    }

    fn token(value: &str, expires_in: i64) -> Option<AccessToken> {
        Some(AccessToken {
            value: value.into(),
            expires_at: unix_now() + expires_in,
        })
    }

    /// `call` on `keeper` from `n` tasks at once; their outcomes.
    async fn concurrently<F, Fut>(
        n: usize,
        keeper: &Arc<TokenKeeper>,
        call: F,
    ) -> Vec<Result<String, Failure>>
    where
        F: Fn(Arc<TokenKeeper>) -> Fut,
        Fut: std::future::Future<Output = Result<String, Failure>> + Send + 'static,
    {
        let tasks: Vec<_> = (0..n).map(|_| tokio::spawn(call(keeper.clone()))).collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        results
    }

    #[tokio::test]
    async fn a_fresh_token_is_used_without_refreshing() {
        let (keeper, refresher) = keeper(token("t0", 1800), false);
        assert_eq!(keeper.access_token().await.unwrap(), "t0");
        assert_eq!(refresher.calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_token_near_expiry_is_refreshed_once_for_many_callers() {
        let (keeper, refresher) = keeper(token("t0", 30), false);
        let results = concurrently(
            200,
            &keeper,
            |keeper| async move { keeper.access_token().await },
        )
        .await;
        assert!(results.iter().all(|r| r.as_deref() == Ok("token-1")));
        assert_eq!(refresher.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn many_401s_for_the_same_token_cause_one_refresh() {
        let (keeper, refresher) = keeper(token("t0", 1800), false);
        let results = concurrently(200, &keeper, |keeper| async move {
            keeper.after_rejection("t0").await
        })
        .await;
        assert!(results.iter().all(|r| r.as_deref() == Ok("token-1")));
        assert_eq!(refresher.calls.load(Ordering::SeqCst), 1);
        // A 401 for the new token is a new problem: it refreshes again.
        assert_eq!(keeper.after_rejection("token-1").await.unwrap(), "token-2");
    }

    #[tokio::test]
    async fn a_failed_refresh_is_shared_by_everyone_who_waited() {
        let (keeper, refresher) = keeper(None, true);
        let results = concurrently(
            50,
            &keeper,
            |keeper| async move { keeper.access_token().await },
        )
        .await;
        assert!(
            results
                .iter()
                .all(|r| r.as_ref().unwrap_err().kind == ProblemKind::ReauthorizationNeeded)
        );
        assert_eq!(refresher.calls.load(Ordering::SeqCst), 1);
    }
}
