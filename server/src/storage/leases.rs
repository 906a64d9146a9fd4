//! Leases in storage: the right of one replica at a time to run a job (the
//! ticket sync, the Secure Score refresh, a token refresh), for a while,
//! and the [`LeaseStore`] every backend implements. A lease that is not
//! renewed lapses, so a replica that dies is replaced.

use super::StorageError;

/// Where leases are kept.
#[async_trait::async_trait]
pub trait LeaseStore: Send + Sync {
    /// At `now_ms`: takes lease `name` for `holder` until `until_ms` when it
    /// is free, lapsed or already `holder`'s (a renewal), in one statement.
    /// Returns its fence, which grows whenever the lease changes hands; `None`
    /// while another holder has it.
    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<Option<i64>, StorageError>;

    /// Gives lease `name` up, if `holder` has it, so that another replica
    /// can take it at once.
    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StorageError>;
}

#[cfg(test)]
mod tests {
    use crate::storage::testing::on_every_backend;

    #[tokio::test]
    async fn one_holder_at_a_time_until_it_lapses_or_is_released() {
        on_every_backend(async |storage| {
            let take = async |holder: &str, now: i64| {
                storage
                    .take_lease("sync", holder, now, now + 1_000)
                    .await
                    .unwrap()
            };
            assert_eq!(take("a", 1_000).await, Some(1));
            assert_eq!(take("b", 1_500).await, None);
            // Renewing keeps the fence; another lease is independent.
            assert_eq!(take("a", 1_900).await, Some(1));
            let other = storage
                .take_lease("refresh", "b", 1_900, 2_900)
                .await
                .unwrap();
            assert_eq!(other, Some(1));
            // Lapsed: b takes it, with a new fence; a cannot renew.
            assert_eq!(take("b", 3_000).await, Some(2));
            assert_eq!(take("a", 3_100).await, None);
            // A release by a non-holder is ignored; b's frees it at once.
            storage.release_lease("sync", "a").await.unwrap();
            assert_eq!(take("a", 3_200).await, None);
            storage.release_lease("sync", "b").await.unwrap();
            assert_eq!(take("a", 3_300).await, Some(3));
        })
        .await;
    }

    #[tokio::test]
    async fn many_contenders_at_once_get_one_lease() {
        on_every_backend(async |storage| {
            let contenders = (0..20).map(|i| {
                let storage = storage.clone();
                tokio::spawn(async move {
                    storage
                        .take_lease("sync", &format!("replica-{i}"), 1_000, 60_000)
                        .await
                        .unwrap()
                })
            });
            let mut taken = 0;
            for contender in contenders {
                taken += usize::from(contender.await.unwrap().is_some());
            }
            assert_eq!(taken, 1);
        })
        .await;
    }
}
