//! Work that one replica at a time may do (a ticket sync, a token refresh):
//! a [`JobLease`] in storage, taken before the work and given up after it.
//! A replica that dies holding one is replaced once the lease lapses.

use crate::{
    clock::unix_now_ms,
    storage::{Storage, StorageError},
};
use std::{sync::Arc, time::Duration};

/// How often a replica waiting for a lease looks again.
const POLL: Duration = Duration::from_millis(50);

/// This process's name among the replicas sharing a database: random,
/// fixed for its life.
pub fn new_replica_name() -> Arc<str> {
    let bytes: [u8; 8] = rand::random();
    let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{suffix}", std::process::id()).into()
}

/// One kind of work's lease, as one replica takes it.
#[derive(Clone, Debug)]
pub struct JobLease {
    storage: Storage,
    name: &'static str,
    replica: Arc<str>,
    /// How long the work may take at most before another replica may start it.
    length: Duration,
}

/// A lease this replica holds; give it up with [`Held::release`].
#[must_use = "a held lease blocks the other replicas until it is released or lapses"]
pub struct Held<'a> {
    lease: &'a JobLease,
}

impl Held<'_> {
    /// Gives the lease up, so that another replica may start at once. A
    /// failure only delays the others until the lease lapses.
    pub async fn release(self) {
        let lease = self.lease;
        if let Err(error) = lease
            .storage
            .release_lease(lease.name, &lease.replica)
            .await
        {
            tracing::warn!(%error, lease = lease.name, "cannot release a lease; it will lapse");
        }
    }
}

impl JobLease {
    /// `replica`'s lease `name`, held at most `length` at a time.
    pub fn new(storage: Storage, name: &'static str, replica: Arc<str>, length: Duration) -> Self {
        Self {
            storage,
            name,
            replica,
            length,
        }
    }

    /// Takes the lease if no other replica holds it.
    pub async fn try_take(&self) -> Result<Option<Held<'_>>, StorageError> {
        let now = unix_now_ms();
        let until = now.saturating_add(i64::try_from(self.length.as_millis()).unwrap_or(i64::MAX));
        let taken = self
            .storage
            .take_lease(self.name, &self.replica, now, until)
            .await?;
        Ok(taken.map(|_fence| Held { lease: self }))
    }

    /// Takes the lease, waiting at most `patience` while another replica
    /// holds it; `None` if it still does.
    pub async fn take_within(&self, patience: Duration) -> Result<Option<Held<'_>>, StorageError> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            if let Some(held) = self.try_take().await? {
                return Ok(Some(held));
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// How long the work may take at most.
    pub fn length(&self) -> Duration {
        self.length
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_replica_waits_for_the_first_to_release() {
        let (_dir, storage) = Storage::open_temporary().await;
        let first = JobLease::new(storage.clone(), "job", "a".into(), Duration::from_secs(10));
        let second = JobLease::new(storage, "job", "b".into(), Duration::from_secs(10));
        let held = first.try_take().await.unwrap().expect("free");
        assert!(second.try_take().await.unwrap().is_none());
        let waiting = tokio::spawn(async move {
            let patience = second.length();
            second.take_within(patience).await.unwrap().is_some()
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!waiting.is_finished(), "the second must wait");
        held.release().await;
        assert!(waiting.await.unwrap());
    }

    #[tokio::test]
    async fn a_lease_its_holder_never_released_lapses() {
        let (_dir, storage) = Storage::open_temporary().await;
        let length = Duration::from_millis(300);
        let dead = JobLease::new(storage.clone(), "job", "dead".into(), length);
        let alive = JobLease::new(storage, "job", "alive".into(), length);
        // Taken and never released, as by a replica that died.
        let _never_released = dead.try_take().await.unwrap().expect("free");
        let started = std::time::Instant::now();
        assert!(
            alive
                .take_within(Duration::from_secs(2))
                .await
                .unwrap()
                .is_some()
        );
        assert!(started.elapsed() >= Duration::from_millis(200));
    }
}
