//! Signing in with local accounts: credential checks, browser sessions and
//! their audit records, behind `app`'s `AuthService`.
//!
//! A sign-in does the cheap checks first: the email is capped and
//! normalised, the attempt is counted against the throttle, and a hashing
//! slot must be free ([`Hashing`]) before the password is hashed, so neither
//! parallel guesses nor a flood get more hashes than the limits allow.

use super::{
    DEMO_PASSWORD, DEMO_USERS,
    hashing::{Busy, Hashing},
    throttle,
};
use crate::{
    clock::{unix_now, unix_now_ms},
    config::Config,
    storage::{Storage, StorageError, accounts::Account, sessions::SessionLimits},
};
use app::{
    api::{ApiError, services::AuthService, services::SessionCookie},
    domain::auth::{
        AuthError, CurrentUser, DemoAccount, MAX_PASSWORD_CHARS, SignInRefusal, normalize_email,
    },
};
use rand::Rng;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// Longest email looked at, in bytes (254 characters of up to four bytes);
/// anything longer is refused before any other work.
const MAX_EMAIL_BYTES: usize = 4 * 254;
/// How long a password confirmation counts for the most sensitive changes.
const CONFIRMATION_WINDOW_SECS: i64 = 10 * 60;
/// What a busy server tells the browser to wait before trying again.
const BUSY_RETRY_SECS: u64 = 1;

/// What signing in is set up with: how long sessions last, their cookie,
/// and whether the demo accounts are listed.
#[derive(Clone, Copy, Debug)]
pub struct AuthSettings {
    pub limits: SessionLimits,
    pub cookie: SessionCookie,
    /// Demo mode: the sign-in page lists the demo accounts.
    pub demo_mode: bool,
}

impl AuthSettings {
    /// The settings the configuration gives.
    pub fn from_config(config: &Config) -> Self {
        let secs =
            |duration: std::time::Duration| i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
        Self {
            limits: SessionLimits {
                idle_secs: secs(config.session_idle_timeout.value),
                absolute_secs: secs(config.session_lifetime.value),
            },
            cookie: SessionCookie {
                secure: config.serves_https(),
            },
            demo_mode: config.demo.value,
        }
    }
}

/// The `AuthService` of local accounts stored in [`Storage`].
pub struct LocalAuth {
    storage: Storage,
    hashing: Hashing,
    settings: AuthSettings,
}

impl LocalAuth {
    /// Sessions kept as `settings` say; passwords checked through `hashing`.
    pub fn new(storage: Storage, hashing: Hashing, settings: AuthSettings) -> Self {
        Self {
            storage,
            hashing,
            settings,
        }
    }

    /// The active account of the session `token`, if it is live.
    async fn session_account(&self, token: &str) -> Result<Option<Account>, AuthError> {
        self.storage
            .session_account(&token_hash(token), unix_now(), self.settings.limits)
            .await
            .map_err(unavailable)
    }

    /// Checks `password` for `account` (the decoy for none): first counts the
    /// attempt against `keys` (refused while they must wait), then takes a
    /// hashing slot (refused when none is free); `shown` is the email the
    /// form gets back. Clears the failures when it matches.
    async fn check_password(
        &self,
        account: Option<&Account>,
        password: &str,
        keys: &[String],
        shown: &str,
    ) -> Result<bool, AuthError> {
        if let Some(wait_ms) = self
            .storage
            .take_sign_in_attempt(keys, unix_now_ms())
            .await
            .map_err(unavailable)?
        {
            return Err(SignInRefusal::Throttled {
                email: shown.to_owned(),
                retry_after_secs: u64::try_from(wait_ms).unwrap_or(1000).div_ceil(1000).max(1),
            }
            .into());
        }
        let slot = self.hashing.try_slot().map_err(|Busy| {
            ApiError::from(SignInRefusal::Busy {
                email: shown.to_owned(),
                retry_after_secs: BUSY_RETRY_SECS,
            })
        })?;
        // A password longer than any accepted one cannot match: not worth a hash.
        let matches = password.len() <= 4 * MAX_PASSWORD_CHARS
            && slot
                .verify(password, account.map(|a| a.password_hash.clone()))
                .await
            && account.is_some();
        if matches {
            self.storage
                .clear_sign_in_failures(keys)
                .await
                .map_err(unavailable)?;
        }
        Ok(matches)
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

/// The email as the form sent it, cut to what a form can show again.
fn shown_email(email: &str) -> String {
    email.trim().chars().take(254).collect()
}

#[async_trait::async_trait]
impl AuthService for LocalAuth {
    async fn user_for_session(&self, token: &str) -> Result<Option<CurrentUser>, AuthError> {
        Ok(self.session_account(token).await?.map(current_user))
    }

    async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
        previous: Option<&str>,
    ) -> Result<String, AuthError> {
        let shown = shown_email(email);
        let email = (email.len() <= MAX_EMAIL_BYTES)
            .then(|| normalize_email(email).ok())
            .flatten()
            .ok_or_else(|| {
                ApiError::from(SignInRefusal::InvalidEmail {
                    email: shown.clone(),
                })
            })?;
        let account = self
            .storage
            .account_by_email(&email)
            .await
            .map_err(unavailable)?
            .filter(|account| account.active);
        let keys = throttle::keys(&email, client);
        if !self
            .check_password(account.as_ref(), password, &keys, &shown)
            .await?
        {
            self.storage
                .audit("anonymous", "user.sign_in_failed", Some(email), json!({}))
                .await;
            return Err(SignInRefusal::InvalidCredentials { email: shown }.into());
        }
        let account = account.ok_or(ApiError::Unavailable)?;
        // A fresh session: whatever this browser held before ends here.
        if let Some(previous) = previous {
            self.storage
                .delete_session(&token_hash(previous))
                .await
                .map_err(unavailable)?;
        }
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

    async fn confirm_password(
        &self,
        token: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<(), AuthError> {
        let account = self
            .session_account(token)
            .await?
            .ok_or(ApiError::NotSignedIn)?;
        let keys = throttle::keys(&account.email, client);
        if !self
            .check_password(Some(&account), password, &keys, &account.email)
            .await?
        {
            self.storage
                .audit(&account.email, "user.confirmation_failed", None, json!({}))
                .await;
            return Err(SignInRefusal::InvalidCredentials {
                email: account.email,
            }
            .into());
        }
        self.storage
            .confirm_session(&token_hash(token), unix_now())
            .await
            .map_err(unavailable)?;
        self.storage
            .audit(&account.email, "user.password_confirmed", None, json!({}))
            .await;
        Ok(())
    }

    async fn confirmed_recently(&self, token: &str) -> Result<bool, AuthError> {
        let confirmed_at = self
            .storage
            .session_confirmed_at(&token_hash(token))
            .await
            .map_err(unavailable)?;
        Ok(confirmed_at.is_some_and(|at| unix_now() - at <= CONFIRMATION_WINDOW_SECS))
    }

    async fn sign_out(&self, token: &str) -> Result<(), AuthError> {
        if let Some(account) = self.session_account(token).await? {
            self.storage
                .audit(&account.email, "user.signed_out", None, json!({}))
                .await;
        }
        self.storage
            .delete_session(&token_hash(token))
            .await
            .map_err(unavailable)
    }

    async fn sign_out_everywhere(&self, token: &str) -> Result<(), AuthError> {
        let Some(account) = self.session_account(token).await? else {
            return Ok(());
        };
        let ended = self
            .storage
            .delete_user_sessions(account.id)
            .await
            .map_err(unavailable)?;
        self.storage
            .audit(
                &account.email,
                "user.signed_out_everywhere",
                None,
                json!({ "sessions": ended }),
            )
            .await;
        Ok(())
    }

    fn demo_accounts(&self) -> Vec<DemoAccount> {
        if !self.settings.demo_mode {
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

    fn session_cookie(&self) -> SessionCookie {
        self.settings.cookie
    }
}
