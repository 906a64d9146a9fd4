//! [`AccountStore`] on PostgreSQL: the `users` table.

use super::{Postgres, Serialised, Statement};
use crate::storage::{
    StorageError,
    accounts::{
        ACCOUNT_COLUMNS, Account, AccountRow, AccountStore, AccountUpdate, NewAccount,
        removes_an_active_admin, stored_role,
    },
};
use app::domain::auth::Role;
use sqlx::{PgConnection, postgres::PgArguments, query::QueryAs};

/// The assignment that records when an account last changed, in the format
/// SQLite writes (`2026-01-31T12:00:00.000Z`).
pub(super) const TOUCHED: &str = "updated_at = to_char(statement_timestamp() AT TIME ZONE 'UTC', \
    'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

/// The role and active flag of account `id`, read inside a change's transaction.
async fn current(tx: &mut PgConnection, id: i64) -> Result<Option<(Role, bool)>, StorageError> {
    let row: Option<(String, bool)> =
        sqlx::query_as("SELECT role, active FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    row.map(|(role, active)| Ok((stored_role(&role, id)?, active)))
        .transpose()
}

/// Whether at most one active admin is left, inside a change's transaction.
async fn last_admin(tx: &mut PgConnection) -> Result<bool, StorageError> {
    let admins: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin' AND active")
            .fetch_one(&mut *tx)
            .await?;
    Ok(admins <= 1)
}

/// Ends every session of account `id`, inside a change's transaction.
pub(super) async fn end_sessions(tx: &mut PgConnection, id: i64) -> Result<(), StorageError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

impl Postgres {
    /// The account `query` reads, if any.
    async fn fetch_account(
        &self,
        query: QueryAs<'_, sqlx::Postgres, AccountRow, PgArguments>,
    ) -> Result<Option<Account>, StorageError> {
        let row = query.fetch_optional(&self.pool).await?;
        row.map(AccountRow::into_account).transpose()
    }

    /// Runs `update` (its last parameter the account's id) on account `id`,
    /// which it gives the role and active flag `to` makes of its current
    /// ones, unless that takes away the last active admin; an account left
    /// inactive loses its sessions. One transaction holding the account
    /// changes' lock, so changes run one after the other.
    async fn change_account(
        &self,
        id: i64,
        to: impl FnOnce((Role, bool)) -> (Role, bool) + Send,
        update: Statement<'_>,
    ) -> Result<AccountUpdate, StorageError> {
        let mut tx = self.begin_serialised(Serialised::AccountChanges).await?;
        let Some(from) = current(&mut tx, id).await? else {
            return Ok(AccountUpdate::NotFound);
        };
        let next = to(from);
        if removes_an_active_admin(from, next) && last_admin(&mut tx).await? {
            return Ok(AccountUpdate::LastAdmin);
        }
        update.bind(id).execute(&mut *tx).await?;
        if !next.1 {
            end_sessions(&mut tx, id).await?;
        }
        tx.commit().await?;
        Ok(AccountUpdate::Done)
    }
}

#[async_trait::async_trait]
impl AccountStore for Postgres {
    async fn create_account(&self, account: &NewAccount) -> Result<Account, StorageError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, role, password_hash) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&account.email)
        .bind(&account.display_name)
        .bind(account.role.as_str())
        .bind(&account.password_hash)
        .fetch_one(&self.pool)
        .await
        .map_err(StorageError::unique_as_conflict)?;
        Ok(Account::created(id, account))
    }

    async fn account_by_email(&self, email: &str) -> Result<Option<Account>, StorageError> {
        self.fetch_account(
            sqlx::query_as(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM users WHERE email = $1"
            ))
            .bind(email),
        )
        .await
    }

    async fn account_by_id(&self, id: i64) -> Result<Option<Account>, StorageError> {
        self.fetch_account(
            sqlx::query_as(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = $1"
            ))
            .bind(id),
        )
        .await
    }

    async fn list_accounts(&self) -> Result<Vec<Account>, StorageError> {
        let rows: Vec<AccountRow> = sqlx::query_as(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM users ORDER BY email"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(AccountRow::into_account).collect()
    }

    async fn change_role(&self, id: i64, role: Role) -> Result<AccountUpdate, StorageError> {
        let update = format!("UPDATE users SET role = $1, {TOUCHED} WHERE id = $2");
        self.change_account(
            id,
            |(_, active)| (role, active),
            sqlx::query(&update).bind(role.as_str()),
        )
        .await
    }

    async fn set_active(&self, id: i64, active: bool) -> Result<AccountUpdate, StorageError> {
        let update = format!("UPDATE users SET active = $1, {TOUCHED} WHERE id = $2");
        self.change_account(
            id,
            |(role, _)| (role, active),
            sqlx::query(&update).bind(active),
        )
        .await
    }

    async fn set_password_hash(&self, id: i64, hash: &str) -> Result<AccountUpdate, StorageError> {
        // The update locks the account's row: no other change of it interleaves.
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(&format!(
            "UPDATE users SET password_hash = $1, {TOUCHED} WHERE id = $2"
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
        self.changed_one(sqlx::query("DELETE FROM users WHERE email = $1").bind(email))
            .await
    }

    async fn count_active_admins(&self) -> Result<i64, StorageError> {
        Ok(
            sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin' AND active")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
