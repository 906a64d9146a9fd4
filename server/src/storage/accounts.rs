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

impl Account {
    /// The account `new` became when stored with `id`.
    pub(super) fn created(id: i64, new: &NewAccount) -> Self {
        Self {
            id,
            email: new.email.clone(),
            display_name: new.display_name.clone(),
            role: new.role,
            password_hash: new.password_hash.clone(),
            active: true,
        }
    }
}

/// Whether changing an account's (role, active flag) from `from` to `to`
/// takes away an active admin: such a change must first make sure another
/// one remains.
pub(super) fn removes_an_active_admin(from: (Role, bool), to: (Role, bool)) -> bool {
    let active_admin = |(role, active): (Role, bool)| role == Role::Admin && active;
    active_admin(from) && !active_admin(to)
}

/// The columns an [`AccountRow`] is read from.
pub(super) const ACCOUNT_COLUMNS: &str = "id, email, display_name, role, password_hash, active";

/// An account as every database stores it: the role as text.
#[derive(sqlx::FromRow)]
pub(super) struct AccountRow {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    password_hash: String,
    active: bool,
}

impl AccountRow {
    /// Whether the account may be used.
    pub(super) fn is_active(&self) -> bool {
        self.active
    }

    /// The account, once its role is known to be valid.
    pub(super) fn into_account(self) -> Result<Account, StorageError> {
        let AccountRow {
            id,
            email,
            display_name,
            role,
            password_hash,
            active,
        } = self;
        Ok(Account {
            id,
            email,
            display_name,
            role: stored_role(&role, id)?,
            password_hash,
            active,
        })
    }
}

/// The role stored as `role` for account `id`.
pub(super) fn stored_role(role: &str, id: i64) -> Result<Role, StorageError> {
    Role::parse(role)
        .ok_or_else(|| StorageError::Corrupt(format!("unknown role {role:?} of user {id}")))
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
