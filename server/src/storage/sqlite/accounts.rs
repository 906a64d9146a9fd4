//! [`AccountStore`] on SQLite: the `users` table.

use super::{Sqlite, is_unique_violation};
use crate::storage::{
    StorageError,
    accounts::{Account, AccountStore, AccountUpdate, NewAccount},
};
use app::domain::auth::Role;
use sqlx::{query::QueryAs, sqlite::SqliteArguments};

/// The assignment that records when an account last changed.
const TOUCHED: &str = "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

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

/// The role and active flag of account `id`, read inside a change's transaction.
async fn current(
    tx: &mut sqlx::SqliteConnection,
    id: i64,
) -> Result<Option<(Role, bool)>, StorageError> {
    let row: Option<(String, i64)> = sqlx::query_as("SELECT role, active FROM users WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    row.map(|(role, active)| {
        Role::parse(&role)
            .map(|role| (role, active != 0))
            .ok_or_else(|| StorageError::Corrupt(format!("unknown role {role:?} of user {id}")))
    })
    .transpose()
}

/// Whether at most one active admin is left, inside a change's transaction.
async fn last_admin(tx: &mut sqlx::SqliteConnection) -> Result<bool, StorageError> {
    let admins: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1")
            .fetch_one(&mut *tx)
            .await?;
    Ok(admins <= 1)
}

/// Ends every session of account `id`, inside a change's transaction.
async fn end_sessions(tx: &mut sqlx::SqliteConnection, id: i64) -> Result<(), StorageError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
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

    async fn change_role(&self, id: i64, role: Role) -> Result<AccountUpdate, StorageError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let outcome = match current(&mut tx, id).await? {
            None => AccountUpdate::NotFound,
            Some((current, active))
                if current == Role::Admin
                    && role != Role::Admin
                    && active
                    && last_admin(&mut tx).await? =>
            {
                AccountUpdate::LastAdmin
            }
            Some(_) => {
                sqlx::query(&format!(
                    "UPDATE users SET role = ?, {TOUCHED} WHERE id = ?"
                ))
                .bind(role.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await?;
                AccountUpdate::Done
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn set_active(&self, id: i64, active: bool) -> Result<AccountUpdate, StorageError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let outcome = match current(&mut tx, id).await? {
            None => AccountUpdate::NotFound,
            Some((Role::Admin, true)) if !active && last_admin(&mut tx).await? => {
                AccountUpdate::LastAdmin
            }
            Some(_) => {
                sqlx::query(&format!(
                    "UPDATE users SET active = ?, {TOUCHED} WHERE id = ?"
                ))
                .bind(i64::from(active))
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if !active {
                    end_sessions(&mut tx, id).await?;
                }
                AccountUpdate::Done
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn set_password_hash(&self, id: i64, hash: &str) -> Result<AccountUpdate, StorageError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let updated = sqlx::query(&format!(
            "UPDATE users SET password_hash = ?, {TOUCHED} WHERE id = ?"
        ))
        .bind(hash)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(AccountUpdate::NotFound);
        }
        end_sessions(&mut tx, id).await?;
        tx.commit().await?;
        Ok(AccountUpdate::Done)
    }

    async fn delete_account(&self, email: &str) -> Result<bool, StorageError> {
        self.changed_one(sqlx::query("DELETE FROM users WHERE email = ?").bind(email))
            .await
    }

    async fn count_active_admins(&self) -> Result<i64, StorageError> {
        Ok(
            sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
