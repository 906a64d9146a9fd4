//! Signing in with local accounts: credential checks, browser sessions and
//! their audit records, behind `app`'s `AuthService`.

use crate::{
    accounts::throttle::SignInThrottle,
    accounts::{DEMO_PASSWORD, DEMO_USERS, hash_password, verify_password},
    clock::unix_now,
    storage::{
        Storage, StorageError, accounts::Account, audit::AuditEvent, sessions::SessionLimits,
    },
};
use app::{
    api::{ApiError, services::AuthService},
    domain::auth::{AuthError, CurrentUser, DemoAccount, SignInRefusal, normalize_email},
};
use rand::Rng;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::{net::IpAddr, sync::LazyLock, time::Instant};

/// Sessions end after 12 hours unused, or 7 days after sign-in.
const LIMITS: SessionLimits = SessionLimits {
    idle_secs: 12 * 60 * 60,
    absolute_secs: 7 * 24 * 60 * 60,
};

/// A real hash, checked when the account does not exist so that a failed
/// sign-in takes as long whether or not the email is known.
static DECOY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("decoy password, never valid").unwrap_or_default());

/// The `AuthService` of local accounts stored in [`Storage`].
pub struct LocalAuth {
    storage: Storage,
    demo_mode: bool,
    throttle: SignInThrottle,
}

impl LocalAuth {
    /// In demo mode the sign-in page lists the demo accounts.
    pub fn new(storage: Storage, demo_mode: bool) -> Self {
        Self {
            storage,
            demo_mode,
            throttle: SignInThrottle::default(),
        }
    }
}

/// Only this hash of a session token is stored.
fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
}

fn unavailable(error: StorageError) -> AuthError {
    tracing::error!(%error, "authentication storage failed");
    ApiError::Unavailable
}

fn current_user(account: Account) -> CurrentUser {
    CurrentUser {
        id: account.id,
        email: account.email,
        display_name: account.display_name,
        role: account.role,
    }
}

#[async_trait::async_trait]
impl AuthService for LocalAuth {
    async fn user_for_session(&self, token: &str) -> Result<Option<CurrentUser>, AuthError> {
        let account = self
            .storage
            .session_account(&token_hash(token), unix_now(), LIMITS)
            .await
            .map_err(unavailable)?;
        Ok(account.map(current_user))
    }

    async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<String, AuthError> {
        let submitted = email.trim().to_owned();
        let mut keys = vec![format!("account:{}", submitted.to_lowercase())];
        keys.extend(client.map(|address| format!("address:{address}")));
        if let Some(wait) = self.throttle.remaining_wait(&keys, Instant::now()) {
            return Err(ApiError::Refused(SignInRefusal::Throttled {
                email: submitted,
                retry_after_secs: wait.as_secs().max(1),
            }));
        }
        let invalid = || {
            ApiError::Refused(SignInRefusal::InvalidCredentials {
                email: submitted.clone(),
            })
        };
        let account = match normalize_email(email) {
            Ok(normalized) => self
                .storage
                .account_by_email(&normalized)
                .await
                .map_err(unavailable)?,
            Err(_) => None,
        }
        .filter(|account| account.active);
        let hash = account
            .as_ref()
            .map(|account| account.password_hash.clone());
        let password = password.to_owned();
        // Hashing is CPU work, including the decoy's first computation.
        let matches = tokio::task::spawn_blocking(move || {
            verify_password(&password, hash.as_deref().unwrap_or(&DECOY_HASH))
        })
        .await
        .map_err(|_| ApiError::Unavailable)?;
        let Some(account) = account.filter(|_| matches) else {
            self.throttle.record_failure(&keys, Instant::now());
            self.storage
                .audit(
                    "anonymous",
                    "user.sign_in_failed",
                    Some(submitted.to_lowercase()),
                    json!({}),
                )
                .await;
            return Err(invalid());
        };
        self.throttle.record_success(&keys);
        let token = new_token();
        self.storage
            .create_session(&token_hash(&token), account.id, unix_now())
            .await
            .map_err(unavailable)?;
        self.storage
            .audit(&account.email, "user.signed_in", None, json!({}))
            .await;
        Ok(token)
    }

    async fn sign_out(&self, token: &str) -> Result<(), AuthError> {
        let hash = token_hash(token);
        if let Some(account) = self
            .storage
            .session_account(&hash, unix_now(), LIMITS)
            .await
            .map_err(unavailable)?
        {
            self.storage
                .audit(&account.email, "user.signed_out", None, json!({}))
                .await;
        }
        self.storage
            .delete_session(&hash)
            .await
            .map_err(unavailable)
    }

    async fn sign_out_everywhere(&self, token: &str) -> Result<(), AuthError> {
        let hash = token_hash(token);
        let Some(account) = self
            .storage
            .session_account(&hash, unix_now(), LIMITS)
            .await
            .map_err(unavailable)?
        else {
            return Ok(());
        };
        let ended = self
            .storage
            .delete_user_sessions(account.id)
            .await
            .map_err(unavailable)?;
        let event = AuditEvent {
            actor: account.email.clone(),
            action: "user.signed_out_everywhere".to_owned(),
            target: None,
            details: json!({ "sessions": ended }),
        };
        self.storage.record_audit(&event).await.map_err(unavailable)
    }

    fn demo_accounts(&self) -> Vec<DemoAccount> {
        if !self.demo_mode {
            return Vec::new();
        }
        DEMO_USERS
            .iter()
            .map(|(email, _, role)| DemoAccount {
                email: (*email).to_owned(),
                role: *role,
                password: DEMO_PASSWORD.to_owned(),
            })
            .collect()
    }
}
