//! Browser sessions in storage, keyed by the hash of their token: their
//! lifetimes and the [`SessionStore`] every backend implements.

use super::{
    StorageError,
    accounts::{Account, AccountRow},
};

/// How often, at most, a session's last use is written; idle timeouts are
/// exact to a quarter of themselves, and to this at worst.
const TOUCH_INTERVAL_SECS: i64 = 60;

/// How long sessions live, in seconds.
#[derive(Clone, Copy, Debug)]
pub struct SessionLimits {
    /// A session unused for this long ends.
    pub idle_secs: i64,
    /// A session ends this long after sign-in, used or not.
    pub absolute_secs: i64,
}

impl SessionLimits {
    /// Whether a session opened at `created_at` and last used at
    /// `last_seen_at` has ended by `now`.
    fn expired(self, created_at: i64, last_seen_at: i64, now: i64) -> bool {
        now - last_seen_at > self.idle_secs || now - created_at > self.absolute_secs
    }

    /// How long a use may go unrecorded, so that most requests only read.
    fn touch_interval(self) -> i64 {
        (self.idle_secs / 4).clamp(1, TOUCH_INTERVAL_SECS)
    }
}

/// The columns a [`SessionRow`] is read from, `s` being `sessions` and `u` `users`.
pub(super) const SESSION_COLUMNS: &str = "s.created_at, s.last_seen_at, u.id, u.email, \
    u.display_name, u.role, u.password_hash, u.active, u.sso_subject";

/// A session as every database stores it, read with its account.
#[derive(sqlx::FromRow)]
pub(super) struct SessionRow {
    created_at: i64,
    last_seen_at: i64,
    #[sqlx(flatten)]
    account: AccountRow,
}

/// What a request does with the session it presents.
pub(super) enum SessionUse {
    /// The session has ended (expired, or its account deactivated): delete it.
    Ended,
    /// The session signs `account` in; record the use first when `touch`.
    Live { account: AccountRow, touch: bool },
}

impl SessionRow {
    /// What a request at `now` does with this session.
    pub(super) fn use_at(self, now: i64, limits: SessionLimits) -> SessionUse {
        if limits.expired(self.created_at, self.last_seen_at, now) || !self.account.is_active() {
            return SessionUse::Ended;
        }
        SessionUse::Live {
            account: self.account,
            touch: now - self.last_seen_at >= limits.touch_interval(),
        }
    }
}

/// Where sessions are kept.
#[async_trait::async_trait]
pub trait SessionStore: Send + Sync {
    /// Records a new session of `user_id` opened at `now` (Unix seconds).
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
    ) -> Result<(), StorageError>;

    /// The active account of a live session. Expired sessions and sessions of
    /// deactivated accounts are deleted. Use is recorded at most once per
    /// touch interval of `limits`, so most requests only read.
    async fn session_account(
        &self,
        token_hash: &str,
        now: i64,
        limits: SessionLimits,
    ) -> Result<Option<Account>, StorageError>;

    /// Records that the session's user confirmed their password at `now`.
    async fn confirm_session(&self, token_hash: &str, now: i64) -> Result<(), StorageError>;

    /// When the session's user last confirmed their password, if ever.
    async fn session_confirmed_at(&self, token_hash: &str) -> Result<Option<i64>, StorageError>;

    /// Ends one session.
    async fn delete_session(&self, token_hash: &str) -> Result<(), StorageError>;

    /// Ends every session of `user_id` ("sign out everywhere").
    async fn delete_user_sessions(&self, user_id: i64) -> Result<u64, StorageError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Storage, accounts::NewAccount, testing::on_every_backend};
    use app::domain::auth::Role;

    const LIMITS: SessionLimits = SessionLimits {
        idle_secs: 100,
        absolute_secs: 1000,
    };

    /// Creates an account to open sessions of; its id.
    async fn with_account(storage: &Storage) -> i64 {
        let account = NewAccount {
            email: "a@example.com".into(),
            display_name: "A".into(),
            role: Role::Reader,
            password_hash: "h".into(),
        };
        storage.create_account(&account).await.unwrap().id
    }

    /// Whether the session `token` still signs its account in at `now`.
    async fn signs_in(storage: &Storage, token: &str, now: i64) -> bool {
        storage
            .session_account(token, now, LIMITS)
            .await
            .unwrap()
            .is_some()
    }

    #[tokio::test]
    async fn sessions_expire_when_idle_and_absolutely() {
        on_every_backend(async |storage| {
            let user = with_account(&storage).await;
            storage.create_session("idle", user, 0).await.unwrap();
            assert!(
                signs_in(&storage, "idle", 100).await,
                "just within idle limit"
            );
            assert!(!signs_in(&storage, "idle", 201).await, "idle too long");
            assert!(
                !signs_in(&storage, "idle", 150).await,
                "expired sessions are deleted"
            );

            storage.create_session("busy", user, 0).await.unwrap();
            for now in (50..=1000).step_by(50) {
                assert!(signs_in(&storage, "busy", now).await, "at {now}");
            }
            assert!(!signs_in(&storage, "busy", 1001).await, "absolute limit");
        })
        .await;
    }

    #[tokio::test]
    async fn signing_out_everywhere_ends_every_session_of_the_user() {
        on_every_backend(async |storage| {
            let user = with_account(&storage).await;
            storage.create_session("laptop", user, 0).await.unwrap();
            storage.create_session("phone", user, 0).await.unwrap();
            assert_eq!(storage.delete_user_sessions(user).await.unwrap(), 2);
            assert!(!signs_in(&storage, "laptop", 1).await);
            assert!(!signs_in(&storage, "phone", 1).await);
        })
        .await;
    }

    #[tokio::test]
    async fn deleted_sessions_and_unknown_tokens_have_no_account() {
        on_every_backend(async |storage| {
            let user = with_account(&storage).await;
            storage.create_session("t", user, 0).await.unwrap();
            storage.delete_session("t").await.unwrap();
            assert!(!signs_in(&storage, "t", 1).await);
            assert!(!signs_in(&storage, "never", 1).await);
        })
        .await;
    }

    #[tokio::test]
    async fn a_confirmation_is_remembered_per_session() {
        on_every_backend(async |storage| {
            let user = with_account(&storage).await;
            storage.create_session("t", user, 0).await.unwrap();
            assert_eq!(storage.session_confirmed_at("t").await.unwrap(), None);
            storage.confirm_session("t", 42).await.unwrap();
            assert_eq!(storage.session_confirmed_at("t").await.unwrap(), Some(42));
            assert_eq!(storage.session_confirmed_at("never").await.unwrap(), None);
        })
        .await;
    }
}
