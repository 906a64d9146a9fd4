//! Slows down password guessing: after a few failed sign-ins for one account
//! or from one address, each further attempt must wait, the wait doubling
//! with every failure. Keys are what was *submitted*, so the answer is the
//! same whether or not an account exists.

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

/// Failures allowed before waits begin.
const FREE_ATTEMPTS: u32 = 5;
/// The longest wait.
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// Failures older than this are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Failed sign-ins per key (`account:…`, `address:…`), in memory.
#[derive(Debug, Default)]
pub struct SignInThrottle {
    failures: Mutex<HashMap<String, Failures>>,
}

/// How long `count` failures make the next attempt wait after the last one.
fn wait_after(count: u32) -> Duration {
    match count.checked_sub(FREE_ATTEMPTS) {
        None => Duration::ZERO,
        Some(extra) => {
            Duration::from_secs(1u64.checked_shl(extra).unwrap_or(u64::MAX)).min(MAX_WAIT)
        }
    }
}

impl SignInThrottle {
    /// How long the caller must still wait before trying any of `keys`, if at all.
    pub fn remaining_wait(&self, keys: &[String], now: Instant) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        keys.iter()
            .filter_map(|key| failures.get(key))
            .filter_map(|f| (f.last + wait_after(f.count)).checked_duration_since(now))
            .filter(|wait| !wait.is_zero())
            .max()
    }

    /// Counts a failed attempt against every key.
    pub fn record_failure(&self, keys: &[String], now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        failures.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
        for key in keys {
            let entry = failures.entry(key.clone()).or_insert(Failures {
                count: 0,
                last: now,
            });
            entry.count += 1;
            entry.last = now;
        }
    }

    /// Forgets the failures of every key after a successful sign-in.
    pub fn record_success(&self, keys: &[String]) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        for key in keys {
            failures.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Vec<String> {
        vec!["account:a@example.com".into(), "address:192.0.2.1".into()]
    }

    #[test]
    fn waits_begin_after_the_free_attempts_and_double() {
        let throttle = SignInThrottle::default();
        let start = Instant::now();
        for n in 0..FREE_ATTEMPTS {
            assert_eq!(
                throttle.remaining_wait(&keys(), start),
                None,
                "attempt {n} is free"
            );
            throttle.record_failure(&keys(), start);
        }
        assert_eq!(
            throttle.remaining_wait(&keys(), start),
            Some(Duration::from_secs(1))
        );
        throttle.record_failure(&keys(), start);
        assert_eq!(
            throttle.remaining_wait(&keys(), start),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            throttle.remaining_wait(&keys(), start + Duration::from_secs(2)),
            None,
            "waited enough"
        );
    }

    #[test]
    fn waits_are_capped_and_apply_per_key() {
        let throttle = SignInThrottle::default();
        let now = Instant::now();
        for _ in 0..40 {
            throttle.record_failure(&["address:192.0.2.1".to_owned()], now);
        }
        assert_eq!(
            throttle.remaining_wait(&keys(), now),
            Some(MAX_WAIT),
            "the address key throttles"
        );
        assert_eq!(
            throttle.remaining_wait(&["account:other@example.com".to_owned()], now),
            None
        );
    }

    #[test]
    fn success_clears_the_keys() {
        let throttle = SignInThrottle::default();
        let now = Instant::now();
        for _ in 0..10 {
            throttle.record_failure(&keys(), now);
        }
        throttle.record_success(&keys());
        assert_eq!(throttle.remaining_wait(&keys(), now), None);
    }
}
