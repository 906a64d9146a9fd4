//! [`AccountStore`] on SQLite: the `users` table.

use super::{Sqlite, is_unique_violation};
use crate::storage::{
    StorageError,
    accounts::{Account, AccountChange, AccountStore, NewAccount},
};
use app::domain::auth::Role;
use sqlx::{query::QueryAs, sqlite::SqliteArguments};

/// The columns an [`AccountRow`] is read from.
const COLUMNS: &str = "id, email, display_name, role, password_hash, active";

/// An account as SQLite stores it.
#[derive(sqlx::FromRow)]
pub(super) struct AccountRow {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    password_hash: String,
    active: i64,
}

impl AccountRow {
    /// Whether the account may be used.
    pub(super) fn is_active(&self) -> bool {
        self.active != 0
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
}

impl Sqlite {
    /// The account `query` reads, if any.
    async fn fetch_account<'q>(
        &self,
        query: QueryAs<'q, sqlx::Sqlite, AccountRow, SqliteArguments<'q>>,
    ) -> Result<Option<Account>, StorageError> {
        let row = query.fetch_optional(&self.pool).await?;
        row.map(AccountRow::into_account).transpose()
    }
}

#[async_trait::async_trait]
impl AccountStore for Sqlite {
    async fn create_account(&self, account: &NewAccount) -> Result<Account, StorageError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, role, password_hash) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(&account.email)
        .bind(&account.display_name)
        .bind(account.role.as_str())
        .bind(&account.password_hash)
        .fetch_one(&self.pool)
        .await
        .map_err(|error| {
            if is_unique_violation(&error) {
                StorageError::Conflict
            } else {
                StorageError::Query(error)
            }
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

    async fn account_by_email(&self, email: &str) -> Result<Option<Account>, StorageError> {
        self.fetch_account(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email = ?")).bind(email),
        )
        .await
    }

    async fn account_by_id(&self, id: i64) -> Result<Option<Account>, StorageError> {
        self.fetch_account(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = ?")).bind(id),
        )
        .await
    }

    async fn list_accounts(&self) -> Result<Vec<Account>, StorageError> {
        let rows: Vec<AccountRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM users ORDER BY email"))
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(AccountRow::into_account).collect()
    }

    async fn update_account(
        &self,
        id: i64,
        change: AccountChange<'_>,
    ) -> Result<bool, StorageError> {
        let query = match change {
            AccountChange::Role(role) => sqlx::query("UPDATE users SET role = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?").bind(role.as_str()),
            AccountChange::Active(active) => sqlx::query("UPDATE users SET active = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?").bind(i64::from(active)),
            AccountChange::PasswordHash(hash) => sqlx::query("UPDATE users SET password_hash = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?").bind(hash),
        };
        self.changed_one(query.bind(id)).await
    }

    async fn count_active_admins(&self) -> Result<i64, StorageError> {
        Ok(
            sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
