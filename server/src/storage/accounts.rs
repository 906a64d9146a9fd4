//! User accounts in storage: what an account is and the [`AccountStore`]
//! every backend implements.

use super::StorageError;
use app::domain::auth::Role;

/// A stored account. The password hash never leaves the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub active: bool,
}

/// What is needed to create an account (fields already validated and hashed).
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
}

/// What a change to an account did. Each change is one transaction, so the
/// rule it keeps holds however many changes run at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountUpdate {
    Done,
    /// No account has this id.
    NotFound,
    /// Refused: it would leave no active admin.
    LastAdmin,
}

/// Where accounts are kept.
#[async_trait::async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an account; [`StorageError::Conflict`] when the email is taken.
    async fn create_account(&self, account: &NewAccount) -> Result<Account, StorageError>;

    /// The account with this (normalised) email, if any.
    async fn account_by_email(&self, email: &str) -> Result<Option<Account>, StorageError>;

    /// The account with this id, if any.
    async fn account_by_id(&self, id: i64) -> Result<Option<Account>, StorageError>;

    /// Every account, by email.
    async fn list_accounts(&self) -> Result<Vec<Account>, StorageError>;

    /// Gives an account another role, unless that demotes the last active admin.
    async fn change_role(&self, id: i64, role: Role) -> Result<AccountUpdate, StorageError>;

    /// Reactivates an account, or deactivates it and ends its sessions, unless
    /// that takes away the last active admin.
    async fn set_active(&self, id: i64, active: bool) -> Result<AccountUpdate, StorageError>;

    /// Replaces an account's password hash and ends its sessions, together:
    /// no session opened with the old password survives.
    async fn set_password_hash(&self, id: i64, hash: &str) -> Result<AccountUpdate, StorageError>;

    /// Deletes the account with this email (and its sessions); whether one existed.
    async fn delete_account(&self, email: &str) -> Result<bool, StorageError>;

    /// How many active admins exist (the first-admin bootstrap checks for none).
    async fn count_active_admins(&self) -> Result<i64, StorageError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Storage;

    fn new_account(email: &str, role: Role) -> NewAccount {
        NewAccount {
            email: email.into(),
            display_name: "Ada".into(),
            role,
            password_hash: "$argon2id$stub".into(),
        }
    }

    #[tokio::test]
    async fn accounts_are_stored_and_found_by_email() {
        let (_dir, storage) = Storage::open_temporary().await;
        assert_eq!(storage.count_active_admins().await.unwrap(), 0);
        let created = storage
            .create_account(&new_account("ada@example.com", Role::Admin))
            .await
            .unwrap();
        let found = storage
            .account_by_email("ada@example.com")
            .await
            .unwrap()
            .expect("found");
        assert_eq!(found, created);
        assert!(found.active);
        assert_eq!(storage.count_active_admins().await.unwrap(), 1);
        assert_eq!(
            storage.account_by_email("bob@example.com").await.unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn a_taken_email_is_a_conflict() {
        let (_dir, storage) = Storage::open_temporary().await;
        storage
            .create_account(&new_account("ada@example.com", Role::Reader))
            .await
            .unwrap();
        let again = storage
            .create_account(&new_account("ada@example.com", Role::Admin))
            .await;
        assert!(matches!(again, Err(StorageError::Conflict)), "{again:?}");
    }
}
