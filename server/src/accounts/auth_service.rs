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
    session_tokens::{open_session, token_hash},
    throttle,
};
use crate::{
    clock::{unix_now, unix_now_ms},
    config::Config,
    sso::{LocalSignIn, Sso},
    storage::{Storage, StorageError, accounts::Account, sessions::SessionLimits},
};
use app::{
    api::{ApiError, services::AuthService, services::SessionCookie},
    domain::{
        auth::{
            AuthError, CurrentUser, DemoAccount, MAX_PASSWORD_CHARS, SignInRefusal, normalize_email,
        },
        sso::{LocalForm, SignInOptions},
    },
};
use serde_json::json;
use std::net::IpAddr;
use std::sync::Arc;

/// Longest email looked at, in bytes (254 characters of up to four bytes);
/// anything longer is refused before any other work.
const MAX_EMAIL_BYTES: usize = 4 * 254;
/// How long a password confirmation counts for the most sensitive changes.
const CONFIRMATION_WINDOW_SECS: i64 = 10 * 60;
/// What a busy server tells the browser to wait before trying again.
const BUSY_RETRY_SECS: u64 = 1;

/// What signing in is set up with: how long sessions last, their cookie,
/// whether the demo accounts are listed and who may use the password form.
#[derive(Clone, Debug)]
pub struct AuthSettings {
    pub limits: SessionLimits,
    pub cookie: SessionCookie,
    /// Demo mode: the sign-in page lists the demo accounts.
    pub demo_mode: bool,
    pub local_sign_in: LocalSignIn,
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
            local_sign_in: config.local_sign_in.clone(),
        }
    }
}

/// The `AuthService` of accounts stored in [`Storage`]: local ones signing
/// in with a password, and those single sign-on (`sso`) made.
pub struct LocalAuth {
    storage: Storage,
    hashing: Hashing,
    settings: AuthSettings,
    sso: Option<Arc<Sso>>,
}

impl LocalAuth {
    /// Sessions kept as `settings` say; passwords checked through `hashing`;
    /// `sso` offered on the sign-in page when set up.
    pub fn new(
        storage: Storage,
        hashing: Hashing,
        settings: AuthSettings,
        sso: Option<Arc<Sso>>,
    ) -> Self {
        Self {
            storage,
            hashing,
            settings,
            sso,
        }
    }

    /// Where the browser of `account` goes to sign out at the identity
    /// provider too, when the provider signed it in.
    async fn provider_sign_out(&self, account: &Account) -> Option<String> {
        match (&self.sso, &account.sso_subject) {
            (Some(sso), Some(_)) => sso.end_session_url().await,
            _ => None,
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
        if !self.settings.local_sign_in.allows(&account.email) {
            self.storage
                .audit(
                    &account.email,
                    "user.sign_in_refused",
                    None,
                    json!({ "reason": "local sign-in is for break-glass accounts only" }),
                )
                .await;
            return Err(SignInRefusal::LocalSignInDisabled { email: shown }.into());
        }
        // A fresh session: whatever this browser held before ends here.
        let token = open_session(&self.storage, account.id, previous)
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
        if account.sso_subject.is_some() {
            return Err(SignInRefusal::LocalSignInDisabled {
                email: account.email,
            }
            .into());
        }
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

    async fn sign_out(&self, token: &str) -> Result<Option<String>, AuthError> {
        let account = self.session_account(token).await?;
        if let Some(account) = &account {
            self.storage
                .audit(&account.email, "user.signed_out", None, json!({}))
                .await;
        }
        self.storage
            .delete_session(&token_hash(token))
            .await
            .map_err(unavailable)?;
        Ok(match account {
            Some(account) => self.provider_sign_out(&account).await,
            None => None,
        })
    }

    async fn sign_out_everywhere(&self, token: &str) -> Result<Option<String>, AuthError> {
        let Some(account) = self.session_account(token).await? else {
            return Ok(None);
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
        Ok(self.provider_sign_out(&account).await)
    }

    fn sign_in_options(&self) -> SignInOptions {
        SignInOptions {
            sso: self.sso.as_ref().map(|sso| sso.button()),
            local: match self.settings.local_sign_in {
                LocalSignIn::Open => LocalForm::Open,
                LocalSignIn::BreakGlassOnly(_) => LocalForm::BreakGlassOnly,
            },
        }
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
