//! Password hashing under a bound. argon2id is deliberately expensive (in
//! time and in memory: 19 MiB a hash), so hashes run on a pool of one
//! thread per core, one at a time each: a sign-in that finds every slot busy
//! is turned away at once ([`Busy`]), without hashing, instead of queueing
//! until the machine is exhausted. Work an admin asked for (a new account, a
//! new password) waits its turn instead. The fixed threads also bound the
//! memory the allocator keeps for hashing.

use super::{AccountError, hash_password, verify_password};
use std::sync::{Arc, LazyLock};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// A real hash, checked when the account does not exist so that a failed
/// sign-in takes as long whether or not the email is known.
static DECOY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("decoy password, never valid").unwrap_or_default());

/// Every hashing slot is taken: try again in a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Busy;

/// The bounded pool of password-hashing work, shared by every service.
#[derive(Clone)]
pub struct Hashing {
    slots: Arc<Semaphore>,
    threads: Arc<rayon::ThreadPool>,
}

impl std::fmt::Debug for Hashing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hashing")
            .field("threads", &self.threads.current_num_threads())
            .finish_non_exhaustive()
    }
}

/// One taken hashing slot, for one password check.
pub struct Slot {
    permit: OwnedSemaphorePermit,
    threads: Arc<rayon::ThreadPool>,
}

/// Runs `work` on `threads`; `None` if it panicked.
async fn on<T: Send + 'static>(
    threads: &rayon::ThreadPool,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (done, outcome) = oneshot::channel();
    threads.spawn(move || {
        let _ = done.send(work());
    });
    outcome.await.ok()
}

impl Hashing {
    /// At most `concurrency` hashes at once, on as many threads.
    pub fn new(concurrency: usize) -> Self {
        let concurrency = concurrency.max(1);
        let threads = rayon::ThreadPoolBuilder::new()
            .num_threads(concurrency)
            .thread_name(|n| format!("password-hashing-{n}"))
            .build()
            .expect("a thread pool of a few threads can be built");
        Self {
            slots: Arc::new(Semaphore::new(concurrency)),
            threads: Arc::new(threads),
        }
    }

    /// One hash per core.
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, usize::from))
    }

    /// A slot if one is free now.
    pub fn try_slot(&self) -> Result<Slot, Busy> {
        let permit = self.slots.clone().try_acquire_owned().map_err(|_| Busy)?;
        Ok(Slot {
            permit,
            threads: self.threads.clone(),
        })
    }

    /// Hashes a new password (off the async threads), waiting for a slot.
    pub async fn hash(&self, password: &str) -> Result<String, AccountError> {
        let permit = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|error| AccountError::Hashing(error.to_string()))?;
        let password = password.to_owned();
        let hashed = on(&self.threads, move || hash_password(&password)).await;
        drop(permit);
        hashed.unwrap_or_else(|| Err(AccountError::Hashing("the hashing thread failed".into())))
    }
}

impl Slot {
    /// Whether `password` matches `hash`; without a hash (no such account)
    /// the decoy is checked, so that both take as long.
    pub async fn verify(self, password: &str, hash: Option<String>) -> bool {
        let password = password.to_owned();
        let matches = on(&self.threads, move || {
            verify_password(&password, hash.as_deref().unwrap_or(&DECOY_HASH))
        })
        .await;
        drop(self.permit);
        matches.unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_check_beyond_the_bound_is_turned_away_without_waiting() {
        let hashing = Hashing::new(1);
        let taken = hashing.try_slot().expect("the one slot");
        assert!(hashing.try_slot().is_err(), "busy while the slot is taken");
        let hash = hashing.hash("correct horse battery");
        // Waits for the slot instead of failing, and gets it once it is free.
        drop(taken);
        let hash = hash.await.unwrap();
        let slot = hashing.try_slot().expect("free again");
        assert!(slot.verify("correct horse battery", Some(hash)).await);
        let slot = hashing.try_slot().expect("free again");
        assert!(
            !slot.verify("anything", None).await,
            "the decoy never matches"
        );
    }
}
