//! Single sign-on in storage: sign-ins in progress at the identity provider
//! and the accounts it vouches for, behind the [`SsoStore`] every backend
//! implements.

use super::{StorageError, accounts::Account};
use app::domain::auth::Role;

/// A sign-in sent to the identity provider and not back yet.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingSsoLogin {
    /// SHA-256 of the browser cookie the sign-in is bound to.
    pub browser_hash: String,
    /// The PKCE verifier and nonce, sealed.
    pub sealed_secrets: Vec<u8>,
    /// The local path to land on afterwards.
    pub next: String,
    /// Unix time after which the sign-in is void.
    pub expires_at: i64,
}

/// Who the identity provider says signed in, as ScoreNow keeps them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoIdentity {
    /// `<issuer>#<sub>`: the one stable key of the person at the provider.
    pub subject: String,
    /// The normalised email.
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

impl SsoIdentity {
    /// The new account stored with `id` for this identity.
    pub(super) fn account(&self, id: i64) -> Account {
        Account {
            id,
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            password_hash: String::new(),
            active: true,
            sso_subject: Some(self.subject.clone()),
        }
    }

    /// The role `account` had before this identity's, when it differs.
    pub(super) fn role_change_from(&self, account: &Account) -> Option<Role> {
        (account.role != self.role).then_some(account.role)
    }

    /// `account` once this identity's name, email and role are stored in it.
    pub(super) fn applied_to(&self, account: Account) -> Account {
        Account {
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            ..account
        }
    }
}

/// The outcome of a write to `users`; `None` when another account has the email.
pub(super) fn unless_email_taken<T>(
    written: Result<T, sqlx::Error>,
) -> Result<Option<T>, StorageError> {
    match written.map_err(StorageError::unique_as_conflict) {
        Ok(value) => Ok(Some(value)),
        Err(StorageError::Conflict) => Ok(None),
        Err(error) => Err(error),
    }
}

/// What storing an identity did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SsoAccountSaved {
    /// A new account was made for it.
    Created(Account),
    /// Its account was brought up to date; `previous_role` when the role changed.
    Updated {
        account: Account,
        previous_role: Option<Role>,
    },
    /// Its account was deactivated in ScoreNow: nothing changed.
    Deactivated,
    /// A local account already has this email.
    EmailTaken,
}

/// Where single sign-on keeps its state.
#[async_trait::async_trait]
pub trait SsoStore: Send + Sync {
    /// Stores a sign-in in progress under `state_hash`, dropping expired
    /// ones; `false` (nothing stored) when `max_pending` are in progress
    /// already, so anonymous starts cannot fill the database.
    async fn insert_sso_login(
        &self,
        state_hash: &str,
        login: &PendingSsoLogin,
        now: i64,
        max_pending: i64,
    ) -> Result<bool, StorageError>;

    /// Takes (and removes) the sign-in stored under `state_hash`: each is used once.
    async fn take_sso_login(
        &self,
        state_hash: &str,
    ) -> Result<Option<PendingSsoLogin>, StorageError>;

    /// Creates or updates the account of `identity` in one transaction; a
    /// role change ends the account's other sessions.
    async fn save_sso_account(
        &self,
        identity: &SsoIdentity,
    ) -> Result<SsoAccountSaved, StorageError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Storage, sessions::SessionLimits, testing::on_every_backend};

    /// Whether the session `token` (opened at 0) still signs its account in.
    async fn has_session(storage: &Storage, token: &str) -> bool {
        let limits = SessionLimits {
            idle_secs: 100,
            absolute_secs: 100,
        };
        storage
            .session_account(token, 1, limits)
            .await
            .unwrap()
            .is_some()
    }

    fn identity(subject: &str, email: &str, role: Role) -> SsoIdentity {
        SsoIdentity {
            subject: subject.to_owned(),
            email: email.to_owned(),
            display_name: "Ada".to_owned(),
            role,
        }
    }

    fn login(next: &str) -> PendingSsoLogin {
        PendingSsoLogin {
            browser_hash: "browser".to_owned(),
            sealed_secrets: b"sealed".to_vec(),
            next: next.to_owned(),
            expires_at: 1_000,
        }
    }

    #[tokio::test]
    async fn a_pending_login_is_taken_once_and_expired_ones_are_dropped() {
        on_every_backend(async |storage: Storage| {
            storage
                .insert_sso_login("old", &login("/a"), 0, 10)
                .await
                .unwrap();
            // Stored later, when "old" has expired.
            storage
                .insert_sso_login("new", &login("/b"), 2_000, 10)
                .await
                .unwrap();
            assert_eq!(storage.take_sso_login("old").await.unwrap(), None);
            assert_eq!(
                storage.take_sso_login("new").await.unwrap(),
                Some(login("/b"))
            );
            assert_eq!(
                storage.take_sso_login("new").await.unwrap(),
                None,
                "used once"
            );
        })
        .await;
    }

    #[tokio::test]
    async fn pending_logins_are_capped() {
        on_every_backend(async |storage: Storage| {
            for state in ["a", "b", "c"] {
                assert!(
                    storage
                        .insert_sso_login(state, &login("/"), 0, 3)
                        .await
                        .unwrap()
                );
            }
            assert!(
                !storage
                    .insert_sso_login("d", &login("/"), 0, 3)
                    .await
                    .unwrap()
            );
            assert_eq!(storage.take_sso_login("d").await.unwrap(), None);
            // Once they expire there is room again.
            assert!(
                storage
                    .insert_sso_login("e", &login("/"), 2_000, 3)
                    .await
                    .unwrap()
            );
        })
        .await;
    }

    #[tokio::test]
    async fn an_identity_becomes_an_account_kept_up_to_date() {
        on_every_backend(async |storage: Storage| {
            let ada = identity("https://idp#ada", "ada@example.com", Role::Admin);
            let SsoAccountSaved::Created(account) = storage.save_sso_account(&ada).await.unwrap()
            else {
                panic!("created");
            };
            assert_eq!(account.sso_subject.as_deref(), Some("https://idp#ada"));
            assert_eq!(account.password_hash, "", "no password matches");
            storage.create_session("t", account.id, 0).await.unwrap();

            let same = storage.save_sso_account(&ada).await.unwrap();
            assert!(matches!(
                same,
                SsoAccountSaved::Updated {
                    previous_role: None,
                    ..
                }
            ));
            assert!(has_session(&storage, "t").await, "same role keeps sessions");

            let demoted = SsoIdentity {
                email: "ada@new.example.com".to_owned(),
                role: Role::Reader,
                ..ada.clone()
            };
            let SsoAccountSaved::Updated {
                account,
                previous_role,
            } = storage.save_sso_account(&demoted).await.unwrap()
            else {
                panic!("updated");
            };
            assert_eq!(previous_role, Some(Role::Admin));
            assert_eq!(account.role, Role::Reader);
            assert_eq!(account.email, "ada@new.example.com");
            assert!(
                !has_session(&storage, "t").await,
                "a role change ends sessions"
            );

            storage.set_active(account.id, false).await.unwrap();
            assert_eq!(
                storage.save_sso_account(&ada).await.unwrap(),
                SsoAccountSaved::Deactivated
            );
            let stored = storage.account_by_id(account.id).await.unwrap().unwrap();
            assert!(!stored.active);
            assert_eq!(
                stored.role,
                Role::Reader,
                "a deactivated account is left alone"
            );
        })
        .await;
    }

    #[tokio::test]
    async fn a_local_accounts_email_is_not_taken_over() {
        on_every_backend(async |storage: Storage| {
            storage
                .create_account(&crate::storage::accounts::NewAccount {
                    email: "ada@example.com".to_owned(),
                    display_name: "Ada".to_owned(),
                    role: Role::Reader,
                    password_hash: "hash".to_owned(),
                })
                .await
                .unwrap();
            let ada = identity("https://idp#ada", "ada@example.com", Role::Admin);
            assert_eq!(
                storage.save_sso_account(&ada).await.unwrap(),
                SsoAccountSaved::EmailTaken
            );
        })
        .await;
    }
}
