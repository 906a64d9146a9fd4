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
    use crate::storage::Storage;

    #[tokio::test]
    async fn one_holder_at_a_time_until_it_lapses_or_is_released() {
        let (_dir, storage) = Storage::open_temporary().await;
        let a = storage.take_lease("sync", "a", 1_000, 2_000).await.unwrap();
        assert_eq!(a, Some(1));
        assert_eq!(
            storage.take_lease("sync", "b", 1_500, 2_500).await.unwrap(),
            None
        );
        // Renewing keeps the fence; another lease is independent.
        assert_eq!(
            storage.take_lease("sync", "a", 1_900, 3_000).await.unwrap(),
            Some(1)
        );
        assert_eq!(
            storage
                .take_lease("refresh", "b", 1_900, 3_000)
                .await
                .unwrap(),
            Some(1)
        );
        // Lapsed: b takes it, with a new fence; a cannot renew.
        assert_eq!(
            storage.take_lease("sync", "b", 3_000, 4_000).await.unwrap(),
            Some(2)
        );
        assert_eq!(
            storage.take_lease("sync", "a", 3_100, 4_100).await.unwrap(),
            None
        );
        // Released by b (a's release is ignored): a takes it at once.
        storage.release_lease("sync", "a").await.unwrap();
        assert_eq!(
            storage.take_lease("sync", "a", 3_200, 4_200).await.unwrap(),
            None
        );
        storage.release_lease("sync", "b").await.unwrap();
        assert_eq!(
            storage.take_lease("sync", "a", 3_300, 4_300).await.unwrap(),
            Some(3)
        );
    }

    #[tokio::test]
    async fn many_contenders_at_once_get_one_lease() {
        let (_dir, storage) = Storage::open_temporary().await;
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
    }
}
