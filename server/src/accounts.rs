//! Local accounts: argon2id password hashes, account creation with its audit
//! record, the first admin of a new installation, and the demo users; signing
//! in with them (`auth_service`) and their administration (`user_admin`).

mod auth_service;
mod breached;
mod hashing;
mod session_tokens;
mod throttle;
mod user_admin;

pub use auth_service::{AuthSettings, LocalAuth};
pub use hashing::Hashing;
pub use session_tokens::{new_token, open_session, token_hash};
pub use user_admin::LocalUserAdmin;

use crate::storage::{
    Storage, StorageError,
    accounts::{Account, NewAccount},
    audit::AuditEvent,
};
use app::domain::auth::{AccountFieldError, Role, check_password, normalize_email, normalize_name};
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use serde_json::json;

/// Password of every demo user (documented; demo mode only).
pub const DEMO_PASSWORD: &str = "scorenow-demo";

/// The demo users seeded in demo mode: one per role.
pub const DEMO_USERS: [(&str, &str, Role); 3] = [
    ("admin@scorenow.demo", "Demo Admin", Role::Admin),
    ("analyst@scorenow.demo", "Demo Analyst", Role::Analyst),
    ("reader@scorenow.demo", "Demo Reader", Role::Reader),
];

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// A field breaks the shared account rules.
    #[error("{0}")]
    Field(#[from] AccountFieldError),
    /// Another account has this email.
    #[error("an account with the email {0} already exists")]
    EmailTaken(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(StorageError),
    /// The password could not be hashed.
    #[error("cannot hash the password: {0}")]
    Hashing(String),
}

/// What an account is created from, before validation.
#[derive(Clone, Copy, Debug)]
pub struct AccountRequest<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password: &'a str,
}

/// Checks a new password: the shared length rules, and not one of the most
/// common breached passwords (checked on the server only, where the list is).
pub fn check_new_password(password: &str) -> Result<(), AccountFieldError> {
    check_password(password)?;
    if breached::is_common(password) {
        return Err(AccountFieldError::PasswordCommon);
    }
    Ok(())
}

/// Hashes a password with argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AccountError::Hashing(error.to_string()))
}

/// Whether `password` matches a stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Validates, hashes (through `hashing`) and stores a new account, and
/// records who created it.
pub async fn create_account(
    storage: &Storage,
    hashing: &Hashing,
    request: AccountRequest<'_>,
    actor: &str,
) -> Result<Account, AccountError> {
    let email = normalize_email(request.email)?;
    let display_name = normalize_name(request.display_name)?;
    check_new_password(request.password)?;
    let password_hash = hashing.hash(request.password).await?;
    let account = storage
        .create_account(&NewAccount {
            email: email.clone(),
            display_name,
            role: request.role,
            password_hash,
        })
        .await
        .map_err(|error| match error {
            StorageError::Conflict => AccountError::EmailTaken(email.clone()),
            other => AccountError::Storage(other),
        })?;
    let event = AuditEvent {
        actor: actor.to_owned(),
        action: "user.created".to_owned(),
        target: Some(email),
        details: json!({ "role": account.role.as_str() }),
    };
    storage
        .record_audit(&event)
        .await
        .map_err(AccountError::Storage)?;
    Ok(account)
}

/// Creates the first admin when the installation has no active admin yet;
/// does nothing otherwise. Returns whether an account was created.
pub async fn ensure_first_admin(
    storage: &Storage,
    hashing: &Hashing,
    email: &str,
    password: &str,
) -> Result<bool, AccountError> {
    if storage
        .count_active_admins()
        .await
        .map_err(AccountError::Storage)?
        > 0
    {
        return Ok(false);
    }
    let request = AccountRequest {
        email,
        display_name: "Administrator",
        role: Role::Admin,
        password,
    };
    create_account(storage, hashing, request, "system").await?;
    Ok(true)
}

/// Whether an account with this (normalised) email exists.
async fn account_exists(storage: &Storage, email: &str) -> Result<bool, AccountError> {
    Ok(storage
        .account_by_email(email)
        .await
        .map_err(AccountError::Storage)?
        .is_some())
}

/// The demo emails for which `chosen` answers true, in [`DEMO_USERS`] order.
async fn demo_emails_where(
    mut chosen: impl AsyncFnMut(&'static str) -> Result<bool, AccountError>,
) -> Result<Vec<&'static str>, AccountError> {
    let mut emails = Vec::new();
    for (email, _, _) in DEMO_USERS {
        if chosen(email).await? {
            emails.push(email);
        }
    }
    Ok(emails)
}

/// The demo accounts `storage` holds, by email: outside demo mode, their
/// published password must not stay active.
pub async fn demo_accounts_present(storage: &Storage) -> Result<Vec<&'static str>, AccountError> {
    demo_emails_where(async |email| account_exists(storage, email).await).await
}

/// Deletes the demo accounts (and their sessions), recording each in the
/// audit log; returns the emails removed.
pub async fn remove_demo_accounts(storage: &Storage) -> Result<Vec<&'static str>, AccountError> {
    demo_emails_where(async |email| {
        let removed = storage
            .delete_account(email)
            .await
            .map_err(AccountError::Storage)?;
        if removed {
            let target = Some(email.to_owned());
            storage
                .audit("cli", "user.demo_removed", target, json!({}))
                .await;
        }
        Ok(removed)
    })
    .await
}

/// Seeds the demo users that do not exist yet.
pub async fn seed_demo_users(storage: &Storage, hashing: &Hashing) -> Result<(), AccountError> {
    for (email, display_name, role) in DEMO_USERS {
        // Checked first so that a restart does not pay for three password hashes.
        if account_exists(storage, email).await? {
            continue;
        }
        let request = AccountRequest {
            email,
            display_name,
            role,
            password: DEMO_PASSWORD,
        };
        match create_account(storage, hashing, request, "system").await {
            Ok(_) | Err(AccountError::EmailTaken(_)) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A good password for the tests' accounts.
    pub(super) const PASSWORD: &str = "correct horse battery";

    /// A request for an account with [`PASSWORD`].
    pub(super) fn request<'a>(email: &'a str, name: &'a str, role: Role) -> AccountRequest<'a> {
        AccountRequest {
            email,
            display_name: name,
            role,
            password: PASSWORD,
        }
    }

    /// Creates the account of `request` as the command line does, hashing cheaply.
    pub(super) async fn create(
        storage: &Storage,
        request: AccountRequest<'_>,
    ) -> Result<Account, AccountError> {
        create_account(storage, &Hashing::new(1), request, "cli").await
    }

    #[test]
    fn hashes_are_argon2id_salted_and_verifiable() {
        let first = hash_password("correct horse battery").unwrap();
        let second = hash_password("correct horse battery").unwrap();
        assert!(first.starts_with("$argon2id$"), "{first}");
        assert_ne!(first, second, "salted");
        assert!(verify_password("correct horse battery", &first));
        assert!(!verify_password("correct horse battery!", &first));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[tokio::test]
    async fn creating_an_account_normalises_hashes_and_audits() {
        let (_dir, storage) = Storage::open_temporary().await;
        let request = request(" Ada@Example.com", " Ada ", Role::Analyst);
        let account = create(&storage, request).await.unwrap();
        assert_eq!(account.email, "ada@example.com");
        assert_eq!(account.display_name, "Ada");
        assert!(verify_password(
            "correct horse battery",
            &account.password_hash
        ));
        let audit = storage.recent_audit(1).await.unwrap();
        assert_eq!(audit[0].event.action, "user.created");
        assert_eq!(audit[0].event.actor, "cli");
        assert_eq!(audit[0].event.target.as_deref(), Some("ada@example.com"));
        assert!(
            !audit[0].event.details.to_string().contains("correct horse"),
            "no secrets in the audit log"
        );
    }

    #[tokio::test]
    async fn invalid_fields_and_taken_emails_are_refused() {
        let (_dir, storage) = Storage::open_temporary().await;
        let valid = request("ada@example.com", "Ada", Role::Reader);
        for (invalid, refusal) in [
            (
                AccountRequest {
                    password: "short",
                    ..valid
                },
                AccountFieldError::PasswordTooShort,
            ),
            (
                AccountRequest {
                    email: "ada",
                    ..valid
                },
                AccountFieldError::InvalidEmail,
            ),
        ] {
            assert!(matches!(
                create(&storage, invalid).await,
                Err(AccountError::Field(error)) if error == refusal
            ));
        }
        create(&storage, valid).await.unwrap();
        let again = request("ADA@example.com", "Ada", Role::Reader);
        assert!(matches!(
            create(&storage, again).await,
            Err(AccountError::EmailTaken(_))
        ));
    }

    #[tokio::test]
    async fn first_admin_is_created_only_once() {
        let (_dir, storage) = Storage::open_temporary().await;
        assert!(
            ensure_first_admin(&storage, &Hashing::new(1), "root@example.com", PASSWORD)
                .await
                .unwrap()
        );
        assert!(
            !ensure_first_admin(&storage, &Hashing::new(1), "other@example.com", PASSWORD)
                .await
                .unwrap()
        );
        assert!(
            storage
                .account_by_email("other@example.com")
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn demo_users_are_seeded_idempotently() {
        let (_dir, storage) = Storage::open_temporary().await;
        seed_demo_users(&storage, &Hashing::new(1)).await.unwrap();
        seed_demo_users(&storage, &Hashing::new(1)).await.unwrap();
        for (email, _, role) in DEMO_USERS {
            let account = storage
                .account_by_email(email)
                .await
                .unwrap()
                .expect("seeded");
            assert_eq!(account.role, role);
            assert!(verify_password(DEMO_PASSWORD, &account.password_hash));
        }
    }
}
