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
    /// The identity provider's `<issuer>#<sub>` of an account made by single
    /// sign-on; `None` for a local account.
    pub sso_subject: Option<String>,
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
            sso_subject: None,
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
pub(super) const ACCOUNT_COLUMNS: &str =
    "id, email, display_name, role, password_hash, active, sso_subject";

/// An account as every database stores it: the role as text.
#[derive(sqlx::FromRow)]
pub(super) struct AccountRow {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    password_hash: String,
    active: bool,
    sso_subject: Option<String>,
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
            sso_subject,
        } = self;
        Ok(Account {
            id,
            email,
            display_name,
            role: stored_role(&role, id)?,
            password_hash,
            active,
            sso_subject,
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
    use crate::storage::testing::on_every_backend;
    use futures_util::future::join_all;

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
        on_every_backend(async |storage| {
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
        })
        .await;
    }

    #[tokio::test]
    async fn a_taken_email_is_a_conflict() {
        on_every_backend(async |storage| {
            storage
                .create_account(&new_account("ada@example.com", Role::Reader))
                .await
                .unwrap();
            let again = storage
                .create_account(&new_account("ada@example.com", Role::Admin))
                .await;
            assert!(matches!(again, Err(StorageError::Conflict)), "{again:?}");
        })
        .await;
    }

    #[tokio::test]
    async fn changes_apply_end_sessions_where_due_and_keep_an_admin() {
        on_every_backend(async |storage| {
            let ada = storage
                .create_account(&new_account("ada@example.com", Role::Admin))
                .await
                .unwrap();
            let bob = storage
                .create_account(&new_account("bob@example.com", Role::Reader))
                .await
                .unwrap();
            storage.create_session("bob", bob.id, 0).await.unwrap();
            let change = storage.change_role(bob.id, Role::Analyst).await.unwrap();
            assert_eq!(change, AccountUpdate::Done);
            let missing = storage.change_role(999, Role::Analyst).await.unwrap();
            assert_eq!(missing, AccountUpdate::NotFound);
            let last = storage.change_role(ada.id, Role::Reader).await.unwrap();
            assert_eq!(last, AccountUpdate::LastAdmin);
            assert_eq!(
                storage.set_active(ada.id, false).await.unwrap(),
                AccountUpdate::LastAdmin
            );

            let reset = storage.set_password_hash(bob.id, "new").await.unwrap();
            assert_eq!(reset, AccountUpdate::Done);
            let changed = storage.account_by_id(bob.id).await.unwrap().unwrap();
            assert_eq!(
                (changed.role, changed.password_hash.as_str()),
                (Role::Analyst, "new")
            );
            assert_eq!(
                storage.delete_user_sessions(bob.id).await.unwrap(),
                0,
                "a new password ends the sessions"
            );
            storage.create_session("bob", bob.id, 0).await.unwrap();
            let deactivated = storage.set_active(bob.id, false).await.unwrap();
            assert_eq!(deactivated, AccountUpdate::Done);
            assert_eq!(
                storage.delete_user_sessions(bob.id).await.unwrap(),
                0,
                "deactivation ends the sessions"
            );
            assert!(!storage.account_by_id(bob.id).await.unwrap().unwrap().active);

            assert!(storage.delete_account("bob@example.com").await.unwrap());
            assert!(!storage.delete_account("bob@example.com").await.unwrap());
            let emails: Vec<String> = storage
                .list_accounts()
                .await
                .unwrap()
                .into_iter()
                .map(|account| account.email)
                .collect();
            assert_eq!(emails, ["ada@example.com"]);
        })
        .await;
    }

    #[tokio::test]
    async fn deactivating_every_admin_at_once_leaves_exactly_one() {
        on_every_backend(async |storage| {
            let mut ids = Vec::new();
            for n in 0..6 {
                let email = format!("admin{n}@example.com");
                let admin = new_account(&email, Role::Admin);
                ids.push(storage.create_account(&admin).await.unwrap().id);
            }
            let outcomes = join_all(ids.iter().map(|id| storage.set_active(*id, false))).await;
            let refused = outcomes
                .iter()
                .filter(|outcome| matches!(outcome, Ok(AccountUpdate::LastAdmin)))
                .count();
            assert_eq!(refused, 1, "{outcomes:?}");
            assert_eq!(storage.count_active_admins().await.unwrap(), 1);
        })
        .await;
    }
}
