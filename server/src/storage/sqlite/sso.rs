//! [`SsoStore`] on SQLite: the `sso_logins` table and the single sign-on
//! accounts in `users`.

use super::{
    Sqlite,
    accounts::{TOUCHED, end_sessions},
};
use crate::storage::{
    StorageError,
    accounts::{ACCOUNT_COLUMNS, AccountRow},
    sso::{PendingSsoLogin, SsoAccountSaved, SsoIdentity, SsoStore, unless_email_taken},
};

#[async_trait::async_trait]
impl SsoStore for Sqlite {
    async fn insert_sso_login(
        &self,
        state_hash: &str,
        login: &PendingSsoLogin,
        now: i64,
        max_pending: i64,
    ) -> Result<bool, StorageError> {
        self.execute(sqlx::query("DELETE FROM sso_logins WHERE expires_at <= ?").bind(now))
            .await?;
        self.changed_one(
            sqlx::query(
                "INSERT INTO sso_logins (state_hash, browser_hash, sealed_secrets, next, expires_at) \
                 SELECT ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM sso_logins) < ?",
            )
            .bind(state_hash)
            .bind(&login.browser_hash)
            .bind(&login.sealed_secrets)
            .bind(&login.next)
            .bind(login.expires_at)
            .bind(max_pending),
        )
        .await
    }

    async fn take_sso_login(
        &self,
        state_hash: &str,
    ) -> Result<Option<PendingSsoLogin>, StorageError> {
        Ok(sqlx::query_as(
            "DELETE FROM sso_logins WHERE state_hash = ? \
             RETURNING browser_hash, sealed_secrets, next, expires_at",
        )
        .bind(state_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn save_sso_account(
        &self,
        identity: &SsoIdentity,
    ) -> Result<SsoAccountSaved, StorageError> {
        let mut tx = self.write_transaction().await?;
        let row: Option<AccountRow> = sqlx::query_as(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM users WHERE sso_subject = ?"
        ))
        .bind(&identity.subject)
        .fetch_optional(&mut *tx)
        .await?;
        let saved = match row.map(AccountRow::into_account).transpose()? {
            Some(account) if !account.active => return Ok(SsoAccountSaved::Deactivated),
            Some(account) => {
                let updated = sqlx::query(&format!(
                    "UPDATE users SET email = ?, display_name = ?, role = ?, {TOUCHED} WHERE id = ?"
                ))
                .bind(&identity.email)
                .bind(&identity.display_name)
                .bind(identity.role.as_str())
                .bind(account.id)
                .execute(&mut *tx)
                .await;
                if unless_email_taken(updated)?.is_none() {
                    return Ok(SsoAccountSaved::EmailTaken);
                }
                let previous_role = identity.role_change_from(&account);
                if previous_role.is_some() {
                    end_sessions(&mut tx, account.id).await?;
                }
                SsoAccountSaved::Updated {
                    account: identity.applied_to(account),
                    previous_role,
                }
            }
            None => {
                let inserted = sqlx::query_scalar(
                    "INSERT INTO users (email, display_name, role, password_hash, sso_subject) \
                     VALUES (?, ?, ?, '', ?) RETURNING id",
                )
                .bind(&identity.email)
                .bind(&identity.display_name)
                .bind(identity.role.as_str())
                .bind(&identity.subject)
                .fetch_one(&mut *tx)
                .await;
                match unless_email_taken(inserted)? {
                    Some(id) => SsoAccountSaved::Created(identity.account(id)),
                    None => return Ok(SsoAccountSaved::EmailTaken),
                }
            }
        };
        tx.commit().await?;
        Ok(saved)
    }
}
