//! Failed sign-ins in storage, counted per key (`account:…`, `address:…`)
//! so that guessing slows down whichever replica answers: the rule for how
//! long to wait and the [`ThrottleStore`] every backend implements.

use super::StorageError;

/// Failures allowed before waits begin.
const FREE_ATTEMPTS: i64 = 5;
/// The longest wait, in milliseconds.
const MAX_WAIT_MS: i64 = 15 * 60 * 1000;
/// Failures older than this (milliseconds) are forgotten.
pub const FORGET_AFTER_MS: i64 = 60 * 60 * 1000;

/// How long after the last of `failures` failures the next attempt must wait
/// (milliseconds): nothing for the first few, then 1, 2, 4 … seconds.
pub fn wait_after_ms(failures: i64) -> i64 {
    match failures - FREE_ATTEMPTS {
        extra if extra < 0 => 0,
        extra => 1000i64
            .checked_shl(u32::try_from(extra).unwrap_or(u32::MAX))
            .filter(|wait| *wait > 0)
            .map_or(MAX_WAIT_MS, |wait| wait.min(MAX_WAIT_MS)),
    }
}

/// How long an attempt at `now_ms` must still wait, given the (failures,
/// last failure's time) of each of its keys: the longest wait of any key,
/// or `None` when none must.
pub(super) fn must_wait(counts: &[(i64, i64)], now_ms: i64) -> Option<i64> {
    counts
        .iter()
        .map(|(failures, last)| last + wait_after_ms(*failures) - now_ms)
        .max()
        .filter(|wait| *wait > 0)
}

/// Where failed sign-ins are counted.
#[async_trait::async_trait]
pub trait ThrottleStore: Send + Sync {
    /// At `now_ms`: if any of `keys` must still wait, how long (milliseconds);
    /// otherwise counts this attempt as a failure of every key (before the
    /// password is checked, so that parallel guesses cannot pass together)
    /// and answers `None`. One transaction.
    async fn take_sign_in_attempt(
        &self,
        keys: &[String],
        now_ms: i64,
    ) -> Result<Option<i64>, StorageError>;

    /// Forgets the failures of `keys`, after a successful sign-in.
    async fn clear_sign_in_failures(&self, keys: &[String]) -> Result<(), StorageError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::testing::on_every_backend;
    use futures_util::future::join_all;

    #[test]
    fn waits_double_after_the_free_attempts_up_to_a_cap() {
        assert_eq!(wait_after_ms(0), 0);
        assert_eq!(wait_after_ms(4), 0);
        assert_eq!(wait_after_ms(5), 1000);
        assert_eq!(wait_after_ms(6), 2000);
        assert_eq!(wait_after_ms(7), 4000);
        assert_eq!(wait_after_ms(30), MAX_WAIT_MS);
        assert_eq!(wait_after_ms(500), MAX_WAIT_MS);
    }

    #[tokio::test]
    async fn every_attempt_counts_until_the_keys_must_wait_and_success_forgets() {
        on_every_backend(async |storage| {
            let keys = vec![
                "account:a@example.com".to_owned(),
                "address:192.0.2.1".to_owned(),
            ];
            for attempt in 0..5 {
                assert_eq!(
                    storage.take_sign_in_attempt(&keys, 1_000).await.unwrap(),
                    None,
                    "attempt {attempt}"
                );
            }
            // The sixth, at the same moment, must wait a second after the fifth.
            assert_eq!(
                storage.take_sign_in_attempt(&keys, 1_000).await.unwrap(),
                Some(1000)
            );
            // A key shares the wait with the others it is tried with.
            let other_account = vec!["account:b@example.com".to_owned(), keys[1].clone()];
            assert_eq!(
                storage
                    .take_sign_in_attempt(&other_account, 1_500)
                    .await
                    .unwrap(),
                Some(500)
            );
            assert_eq!(
                storage.take_sign_in_attempt(&keys, 2_000).await.unwrap(),
                None
            );
            assert_eq!(
                storage.take_sign_in_attempt(&keys, 2_000).await.unwrap(),
                Some(2000)
            );
            storage.clear_sign_in_failures(&keys).await.unwrap();
            assert_eq!(
                storage.take_sign_in_attempt(&keys, 2_000).await.unwrap(),
                None
            );
        })
        .await;
    }

    #[tokio::test]
    async fn old_failures_are_forgotten() {
        on_every_backend(async |storage| {
            let keys = vec!["account:a@example.com".to_owned()];
            for _ in 0..6 {
                let _ = storage.take_sign_in_attempt(&keys, 0).await.unwrap();
            }
            assert!(
                storage
                    .take_sign_in_attempt(&keys, 1)
                    .await
                    .unwrap()
                    .is_some()
            );
            let later = FORGET_AFTER_MS + 1;
            assert_eq!(
                storage.take_sign_in_attempt(&keys, later).await.unwrap(),
                None
            );
        })
        .await;
    }

    #[tokio::test]
    async fn parallel_attempts_are_counted_one_after_the_other() {
        on_every_backend(async |storage| {
            let keys = vec![
                "account:a@example.com".to_owned(),
                "address:192.0.2.1".to_owned(),
            ];
            let attempts =
                join_all((0..20).map(|_| storage.take_sign_in_attempt(&keys, 1_000))).await;
            let passed = attempts
                .iter()
                .filter(|attempt| matches!(attempt, Ok(None)))
                .count();
            assert_eq!(passed, FREE_ATTEMPTS as usize, "{attempts:?}");
        })
        .await;
    }
}
