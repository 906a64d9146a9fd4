//! User administration for admins, behind `app`'s `UserAdmin`: every change
//! keeps at least one active admin and ends sessions where access shrinks,
//! each as one transaction in storage (so concurrent changes cannot break
//! either rule), and is audited.

use crate::{
    accounts::{AccountError, AccountRequest, Hashing, check_new_password, create_account},
    storage::{
        Storage, StorageError,
        accounts::{Account, AccountUpdate},
    },
};
use app::{
    api::{ApiError, services::UserAdmin},
    domain::{
        auth::{CurrentUser, Role},
        users::{UserSummary, UsersError, UsersRefusal},
    },
};
use serde_json::{Value, json};

/// The `UserAdmin` of local accounts stored in [`Storage`].
pub struct LocalUserAdmin {
    storage: Storage,
    hashing: Hashing,
}

impl LocalUserAdmin {
    /// User administration over `storage`, hashing new passwords through `hashing`.
    pub fn new(storage: Storage, hashing: Hashing) -> Self {
        Self { storage, hashing }
    }

    async fn account(&self, user_id: i64) -> Result<Account, UsersError> {
        self.storage
            .account_by_id(user_id)
            .await
            .map_err(unavailable)?
            .ok_or(UsersRefusal::NotFound.into())
    }

    /// The outcome of a change to `target`, audited as `action` when it was done.
    async fn audited(
        &self,
        actor: &CurrentUser,
        target: &Account,
        update: Result<AccountUpdate, StorageError>,
        action: &str,
        details: Value,
    ) -> Result<(), UsersError> {
        match update.map_err(unavailable)? {
            AccountUpdate::NotFound => return Err(UsersRefusal::NotFound.into()),
            AccountUpdate::LastAdmin => return Err(UsersRefusal::LastAdmin.into()),
            AccountUpdate::Done => {}
        }
        self.storage
            .audit(&actor.email, action, Some(target.email.clone()), details)
            .await;
        Ok(())
    }
}

fn unavailable(error: StorageError) -> UsersError {
    tracing::error!(%error, "user administration storage failed");
    ApiError::Unavailable
}

#[async_trait::async_trait]
impl UserAdmin for LocalUserAdmin {
    async fn list(&self) -> Result<Vec<UserSummary>, UsersError> {
        let accounts = self.storage.list_accounts().await.map_err(unavailable)?;
        Ok(accounts
            .into_iter()
            .map(|a| UserSummary {
                id: a.id,
                email: a.email,
                display_name: a.display_name,
                role: a.role,
                active: a.active,
                single_sign_on: a.sso_subject.is_some(),
            })
            .collect())
    }

    async fn create(
        &self,
        actor: &CurrentUser,
        email: &str,
        name: &str,
        role: Role,
        password: &str,
    ) -> Result<(), UsersError> {
        let request = AccountRequest {
            email,
            display_name: name,
            role,
            password,
        };
        match create_account(&self.storage, &self.hashing, request, &actor.email).await {
            Ok(_) => Ok(()),
            Err(AccountError::Field(error)) => Err(UsersRefusal::Field(error).into()),
            Err(AccountError::EmailTaken(_)) => Err(UsersRefusal::EmailTaken.into()),
            Err(AccountError::Storage(error)) => Err(unavailable(error)),
            Err(AccountError::Hashing(_)) => Err(ApiError::Unavailable),
        }
    }

    async fn change_role(
        &self,
        actor: &CurrentUser,
        user_id: i64,
        role: Role,
    ) -> Result<(), UsersError> {
        let target = self.account(user_id).await?;
        if target.role == role {
            return Ok(());
        }
        let details = json!({ "from": target.role.as_str(), "to": role.as_str() });
        let update = self.storage.change_role(target.id, role).await;
        self.audited(actor, &target, update, "user.role_changed", details)
            .await
    }

    async fn set_active(
        &self,
        actor: &CurrentUser,
        user_id: i64,
        active: bool,
    ) -> Result<(), UsersError> {
        let target = self.account(user_id).await?;
        let action = if active {
            "user.reactivated"
        } else {
            "user.deactivated"
        };
        let update = self.storage.set_active(target.id, active).await;
        self.audited(actor, &target, update, action, json!({}))
            .await
    }

    async fn reset_password(
        &self,
        actor: &CurrentUser,
        user_id: i64,
        password: &str,
    ) -> Result<(), UsersError> {
        check_new_password(password).map_err(UsersRefusal::Field)?;
        let target = self.account(user_id).await?;
        if target.sso_subject.is_some() {
            return Err(UsersRefusal::SingleSignOn.into());
        }
        let hash = self
            .hashing
            .hash(password)
            .await
            .map_err(|_| ApiError::Unavailable)?;
        let update = self.storage.set_password_hash(target.id, &hash).await;
        self.audited(actor, &target, update, "user.password_reset", json!({}))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{
        tests::{PASSWORD, create, request},
        verify_password,
    };
    use crate::storage::testing::on_every_backend;
    use futures_util::future::join_all;

    /// The user admin of `storage`, and its first admin as the actor.
    async fn setup(storage: &Storage) -> (LocalUserAdmin, CurrentUser) {
        let root = create(storage, request("root@example.com", "Root", Role::Admin))
            .await
            .unwrap();
        let actor = CurrentUser {
            id: root.id,
            email: root.email,
            display_name: root.display_name,
            role: root.role,
        };
        (LocalUserAdmin::new(storage.clone(), Hashing::new(1)), actor)
    }

    #[tokio::test]
    async fn the_last_admin_cannot_be_demoted_or_deactivated() {
        on_every_backend(async |storage| {
            let (admin, actor) = setup(&storage).await;
            assert_eq!(
                admin.change_role(&actor, actor.id, Role::Reader).await,
                Err(UsersRefusal::LastAdmin.into())
            );
            assert_eq!(
                admin.set_active(&actor, actor.id, false).await,
                Err(UsersRefusal::LastAdmin.into())
            );

            admin
                .create(
                    &actor,
                    "second@example.com",
                    "Second",
                    Role::Admin,
                    PASSWORD,
                )
                .await
                .unwrap();
            assert_eq!(
                admin.change_role(&actor, actor.id, Role::Reader).await,
                Ok(()),
                "another admin remains"
            );
        })
        .await;
    }

    #[tokio::test]
    async fn changes_are_audited_and_end_sessions_where_access_shrinks() {
        on_every_backend(async |storage| {
            let (admin, actor) = setup(&storage).await;
            admin
                .create(&actor, "ana@example.com", "Ana", Role::Analyst, PASSWORD)
                .await
                .unwrap();
            let ana = storage
                .account_by_email("ana@example.com")
                .await
                .unwrap()
                .unwrap();
            storage
                .create_session("ana-session", ana.id, 0)
                .await
                .unwrap();

            admin
                .change_role(&actor, ana.id, Role::Reader)
                .await
                .unwrap();
            admin
                .reset_password(&actor, ana.id, "another long password")
                .await
                .unwrap();
            assert_eq!(
                storage.delete_user_sessions(ana.id).await.unwrap(),
                0,
                "reset ended the session"
            );
            admin.set_active(&actor, ana.id, false).await.unwrap();

            let ana = storage
                .account_by_email("ana@example.com")
                .await
                .unwrap()
                .unwrap();
            assert_eq!(ana.role, Role::Reader);
            assert!(!ana.active);
            assert!(verify_password("another long password", &ana.password_hash));
            let actions: Vec<String> = storage
                .recent_audit(4)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.event.action)
                .collect();
            assert_eq!(
                actions,
                [
                    "user.deactivated",
                    "user.password_reset",
                    "user.role_changed",
                    "user.created"
                ]
            );
        })
        .await;
    }

    #[tokio::test]
    async fn bad_input_is_refused_with_its_reason() {
        on_every_backend(async |storage| {
            let (admin, actor) = setup(&storage).await;
            let short = admin
                .create(&actor, "x@example.com", "X", Role::Reader, "short")
                .await;
            assert_eq!(
                short,
                Err(ApiError::Refused(UsersRefusal::Field(
                    app::domain::auth::AccountFieldError::PasswordTooShort
                )))
            );
            let taken = admin
                .create(&actor, "ROOT@example.com", "Y", Role::Reader, PASSWORD)
                .await;
            assert_eq!(taken, Err(UsersRefusal::EmailTaken.into()));
            assert_eq!(
                admin.change_role(&actor, 999, Role::Reader).await,
                Err(UsersRefusal::NotFound.into())
            );
        })
        .await;
    }

    #[tokio::test]
    async fn demoting_every_admin_at_once_leaves_exactly_one() {
        on_every_backend(async |storage| {
            let (admin, actor) = setup(&storage).await;
            let mut ids = vec![actor.id];
            for n in 0..5 {
                let email = format!("admin{n}@example.com");
                admin
                    .create(&actor, &email, "Admin", Role::Admin, PASSWORD)
                    .await
                    .unwrap();
                ids.push(storage.account_by_email(&email).await.unwrap().unwrap().id);
            }
            let outcomes = join_all(
                ids.iter()
                    .map(|id| admin.change_role(&actor, *id, Role::Reader)),
            )
            .await;
            let refused = outcomes
                .iter()
                .filter(|outcome| **outcome == Err(UsersRefusal::LastAdmin.into()))
                .count();
            assert_eq!(refused, 1, "{outcomes:?}");
            assert_eq!(storage.count_active_admins().await.unwrap(), 1);
        })
        .await;
    }
}
