//! User accounts in storage.

use super::{Backend, Storage, StorageError};
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

/// One change to an existing account.
#[derive(Clone, Copy, Debug)]
pub enum AccountChange<'a> {
    Role(Role),
    Active(bool),
    PasswordHash(&'a str),
}

pub(super) type AccountRow = (i64, String, String, String, String, i64);

pub(super) fn from_row(
    (id, email, display_name, role, password_hash, active): AccountRow,
) -> Result<Account, StorageError> {
    let role = Role::parse(&role)
        .ok_or_else(|| StorageError::Corrupt(format!("unknown role {role:?} of user {id}")))?;
    Ok(Account {
        id,
        email,
        display_name,
        role,
        password_hash,
        active: active != 0,
    })
}

impl Storage {
    /// Creates an account; [`StorageError::Conflict`] when the email is taken.
    pub async fn create_account(&self, account: &NewAccount) -> Result<Account, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, role, password_hash) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(&account.email)
        .bind(&account.display_name)
        .bind(account.role.as_str())
        .bind(&account.password_hash)
        .fetch_one(pool)
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => StorageError::Conflict,
            _ => StorageError::Query(error),
        })?;
        Ok(Account {
            id,
            email: account.email.clone(),
            display_name: account.display_name.clone(),
            role: account.role,
            password_hash: account.password_hash.clone(),
            active: true,
        })
    }

    /// The account with this (normalised) email, if any.
    pub async fn account_by_email(&self, email: &str) -> Result<Option<Account>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let row: Option<AccountRow> = sqlx::query_as(
            "SELECT id, email, display_name, role, password_hash, active FROM users WHERE email = ?",
        )
        .bind(email)
        .fetch_optional(pool)
        .await?;
        row.map(from_row).transpose()
    }

    /// The account with this id, if any.
    pub async fn account_by_id(&self, id: i64) -> Result<Option<Account>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let row: Option<AccountRow> = sqlx::query_as(
            "SELECT id, email, display_name, role, password_hash, active FROM users WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?;
        row.map(from_row).transpose()
    }

    /// Every account, by email.
    pub async fn list_accounts(&self) -> Result<Vec<Account>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let rows: Vec<AccountRow> = sqlx::query_as(
            "SELECT id, email, display_name, role, password_hash, active FROM users ORDER BY email",
        )
        .fetch_all(pool)
        .await?;
        rows.into_iter().map(from_row).collect()
    }

    /// Changes an account's role, active flag or password hash; `NotFound`-like
    /// outcomes are reported as `false`.
    pub async fn update_account(
        &self,
        id: i64,
        change: AccountChange<'_>,
    ) -> Result<bool, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let query = match change {
            AccountChange::Role(role) => sqlx::query("UPDATE users SET role = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?").bind(role.as_str()),
            AccountChange::Active(active) => sqlx::query("UPDATE users SET active = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?").bind(i64::from(active)),
            AccountChange::PasswordHash(hash) => sqlx::query("UPDATE users SET password_hash = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?").bind(hash),
        };
        Ok(query.bind(id).execute(pool).await?.rows_affected() == 1)
    }

    /// How many active admins exist (the first-admin bootstrap checks for none).
    pub async fn count_active_admins(&self) -> Result<i64, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        Ok(
            sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1")
                .fetch_one(pool)
                .await?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open_sqlite(dir.path()).await.unwrap();
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
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open_sqlite(dir.path()).await.unwrap();
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
