//! Single sign-on through OpenID Connect (Microsoft Entra ID or any
//! certified provider): the browser is sent to the provider with state,
//! nonce and PKCE, comes back with a code, and leaves with a ScoreNow
//! session for the account the ID token stands for — created just in time,
//! its name, email and role brought up to date at each sign-in.
//!
//! `provider` speaks the protocol (the `openidconnect` crate), `identity`
//! reads the claims, `settings` is what the configuration gives. Every
//! refusal sends the browser back to `/login?sso=<reason>` with its deep
//! link kept, and is audited with its specific cause.

mod identity;
mod provider;
mod settings;

pub use identity::Refusal;
pub use settings::{LocalSignIn, RoleValues, SsoSettings, entra_tenant};

use crate::{
    accounts::{new_token, open_session, token_hash},
    clock::unix_now,
    secret_box::SecretBox,
    storage::{
        Storage,
        sso::{PendingSsoLogin, SsoAccountSaved},
    },
};
use app::{
    api::services::{SessionCookie, cookie_value},
    domain::{
        auth::Role,
        sso::{SSO_CALLBACK_PATH, SSO_REFUSAL_PARAM, SsoButton, SsoRefusal},
    },
    safe_local_path,
};
use identity::identity;
use provider::{Provider, ProviderError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;

/// How long a sign-in may stay at the provider before it is void.
const LOGIN_TTL_SECS: i64 = 10 * 60;
/// Most sign-ins in progress at once: far more than people start within the
/// ten minutes one may take, and a bound on what anonymous starts can store.
const MAX_PENDING_LOGINS: i64 = 10_000;
/// What the sealed PKCE verifier and nonce are bound to.
const SEAL_PURPOSE: &str = "sso_login";

/// What the browser brings back from the provider.
#[derive(Debug, Default, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// The secrets of a sign-in in progress, sealed while it is stored.
#[derive(Serialize, Deserialize)]
struct LoginSecrets {
    pkce_verifier: String,
    nonce: String,
}

/// Where to send the browser, and the cookies to set on the way.
#[derive(Debug)]
pub struct Redirect {
    pub location: String,
    pub set_cookies: Vec<String>,
}

/// The configured provider and what signing in with it needs.
pub struct Sso {
    provider: Provider,
    storage: Storage,
    secrets: SecretBox,
    /// How browsers reach ScoreNow, without a trailing slash.
    public_url: String,
    cookie: SessionCookie,
}

impl Sso {
    /// Single sign-on with `settings`, for a ScoreNow reached at `public_url`
    /// (without a trailing slash), its session cookie sent as `cookie` says.
    pub fn new(
        settings: SsoSettings,
        storage: Storage,
        secrets: SecretBox,
        public_url: &str,
        cookie: SessionCookie,
    ) -> Self {
        let http = crate::outbound::client_builder(Duration::from_secs(15))
            .build()
            .expect("the TLS backend is compiled in");
        let redirect = url::Url::parse(&format!("{public_url}{SSO_CALLBACK_PATH}"))
            .expect("the public URL is a valid base");
        Self {
            provider: Provider::new(settings, redirect, http),
            storage,
            secrets,
            public_url: public_url.to_owned(),
            cookie,
        }
    }

    /// The sign-in page's button.
    pub fn button(&self) -> SsoButton {
        let settings = self.provider.settings();
        let values = |role| settings.role_values.for_role(role).to_vec();
        SsoButton {
            label: settings.button_label.clone(),
            role_values: [
                values(Role::Reader),
                values(Role::Analyst),
                values(Role::Admin),
            ],
        }
    }

    /// The name of the cookie that binds a sign-in to its browser.
    fn browser_cookie_name(&self) -> &'static str {
        if self.cookie.secure {
            "__Host-scorenow_sso"
        } else {
            "scorenow_sso"
        }
    }

    /// The `Set-Cookie` value of the browser binding (`None` clears it).
    /// `SameSite=Lax`: the provider's redirect back is a top-level navigation.
    fn browser_cookie(&self, value: Option<&str>) -> String {
        let secure = if self.cookie.secure { "; Secure" } else { "" };
        let path = if self.cookie.secure {
            "/"
        } else {
            SSO_CALLBACK_PATH
        };
        match value {
            Some(value) => format!(
                "{}={value}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={LOGIN_TTL_SECS}{secure}",
                self.browser_cookie_name()
            ),
            None => format!(
                "{}=; Path={path}; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
                self.browser_cookie_name()
            ),
        }
    }

    /// `/login` saying why, with the deep link kept.
    fn to_login(&self, reason: SsoRefusal, next: &str) -> Redirect {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair(SSO_REFUSAL_PARAM, reason.as_str())
            .append_pair("next", next)
            .finish();
        Redirect {
            location: format!("/login?{query}"),
            set_cookies: vec![self.browser_cookie(None)],
        }
    }

    /// Records a refusal in the log and the audit trail; where the browser goes.
    async fn refuse(&self, refusal: Refusal, actor: Option<&str>, next: &str) -> Redirect {
        tracing::warn!(reason = refusal.reason.as_str(), detail = %refusal.detail, "single sign-on refused");
        self.storage
            .audit(
                actor.unwrap_or("anonymous"),
                "user.sso_refused",
                actor.map(str::to_owned),
                json!({ "reason": refusal.reason.as_str(), "detail": refusal.detail }),
            )
            .await;
        self.to_login(refusal.reason, next)
    }

    /// Starts a sign-in that returns to `next` (a local path; anything else
    /// goes home): the provider's authorisation URL, and the cookie that
    /// binds the sign-in to this browser.
    pub async fn start(&self, next: Option<&str>) -> Redirect {
        let next = next.and_then(safe_local_path).unwrap_or("/").to_owned();
        let authorization = match self.provider.authorization().await {
            Ok(authorization) => authorization,
            Err(error) => {
                let refusal = Refusal::new(SsoRefusal::Unavailable, error.to_string());
                return self.refuse(refusal, None, &next).await;
            }
        };
        let browser = new_token();
        let secrets = serde_json::to_string(&LoginSecrets {
            pkce_verifier: authorization.pkce_verifier,
            nonce: authorization.nonce,
        })
        .expect("two strings serialise");
        let login = PendingSsoLogin {
            browser_hash: token_hash(&browser),
            sealed_secrets: self.secrets.seal(SEAL_PURPOSE, &secrets),
            next: next.clone(),
            expires_at: unix_now() + LOGIN_TTL_SECS,
        };
        let state_hash = token_hash(&authorization.state);
        let stored = self
            .storage
            .insert_sso_login(&state_hash, &login, unix_now(), MAX_PENDING_LOGINS)
            .await;
        let problem = match stored {
            Ok(true) => None,
            Ok(false) => Some("too many sign-ins in progress".to_owned()),
            Err(error) => Some(error.to_string()),
        };
        if let Some(problem) = problem {
            let refusal = Refusal::new(SsoRefusal::Unavailable, problem);
            return self.refuse(refusal, None, &next).await;
        }
        Redirect {
            location: authorization.url.to_string(),
            set_cookies: vec![self.browser_cookie(Some(&browser))],
        }
    }

    /// Completes a sign-in the provider sent back with `callback`; `headers`
    /// are the request's (the browser binding, a previous session to end).
    pub async fn complete(&self, callback: Callback, headers: &http::HeaderMap) -> Redirect {
        let Some(state) = callback.state.as_deref() else {
            let refusal = Refusal::new(SsoRefusal::Expired, "the answer has no state");
            return self.refuse(refusal, None, "/").await;
        };
        let login = match self.storage.take_sso_login(&token_hash(state)).await {
            Ok(Some(login)) => login,
            Ok(None) => {
                let refusal = Refusal::new(SsoRefusal::Expired, "unknown or already used state");
                return self.refuse(refusal, None, "/").await;
            }
            Err(error) => {
                let refusal = Refusal::new(SsoRefusal::Unavailable, error.to_string());
                return self.refuse(refusal, None, "/").await;
            }
        };
        let next = login.next.clone();
        match self.signed_in(callback, &login, headers).await {
            Ok(redirect) => redirect,
            Err((refusal, actor)) => self.refuse(refusal, actor.as_deref(), &next).await,
        }
    }

    /// The session for a sign-in that came back to its browser in time.
    async fn signed_in(
        &self,
        callback: Callback,
        login: &PendingSsoLogin,
        headers: &http::HeaderMap,
    ) -> Result<Redirect, (Refusal, Option<String>)> {
        let anonymous = |reason, detail: String| (Refusal::new(reason, detail), None);
        if let Some(error) = callback.error {
            let description = callback.error_description.unwrap_or_default();
            return Err(anonymous(
                SsoRefusal::ProviderRefused,
                format!("{error}: {description}"),
            ));
        }
        if login.expires_at <= unix_now() {
            return Err(anonymous(
                SsoRefusal::Expired,
                "the sign-in took too long".into(),
            ));
        }
        let bound = cookie_value(headers, self.browser_cookie_name())
            .is_some_and(|value| token_hash(&value) == login.browser_hash);
        if !bound {
            return Err(anonymous(
                SsoRefusal::Expired,
                "the sign-in was started in another browser".into(),
            ));
        }
        let code = callback.code.ok_or_else(|| {
            anonymous(SsoRefusal::ProviderRefused, "the answer has no code".into())
        })?;
        let secrets: LoginSecrets = self
            .secrets
            .open(SEAL_PURPOSE, &login.sealed_secrets)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .ok_or_else(|| {
                anonymous(
                    SsoRefusal::Expired,
                    "the stored sign-in cannot be opened".into(),
                )
            })?;
        let claims = self
            .provider
            .claims(&code, &secrets.pkce_verifier, &secrets.nonce)
            .await
            .map_err(|error| {
                let reason = match &error {
                    ProviderError::Unreachable(_) => SsoRefusal::Unavailable,
                    ProviderError::CodeRefused(_) => SsoRefusal::Expired,
                    ProviderError::InvalidToken(_) => SsoRefusal::InvalidToken,
                };
                anonymous(reason, error.to_string())
            })?;
        let identity = identity(&claims, self.provider.settings()).map_err(|refusal| {
            let actor = claims.email().map(|email| email.as_str().to_owned());
            (refusal, actor)
        })?;
        let unavailable = |error: crate::storage::StorageError| {
            (
                Refusal::new(SsoRefusal::Unavailable, error.to_string()),
                Some(identity.email.clone()),
            )
        };
        let account = match self
            .storage
            .save_sso_account(&identity)
            .await
            .map_err(unavailable)?
        {
            SsoAccountSaved::Created(account) => {
                self.storage
                    .audit(
                        "system",
                        "user.created",
                        Some(account.email.clone()),
                        json!({ "role": account.role.as_str(), "via": "sso" }),
                    )
                    .await;
                account
            }
            SsoAccountSaved::Updated {
                account,
                previous_role,
            } => {
                if let Some(previous) = previous_role {
                    self.storage
                        .audit(
                            "identity provider",
                            "user.role_changed",
                            Some(account.email.clone()),
                            json!({ "from": previous.as_str(), "to": account.role.as_str(), "via": "sso" }),
                        )
                        .await;
                }
                account
            }
            SsoAccountSaved::Deactivated => {
                let refusal = Refusal::new(SsoRefusal::Deactivated, "deactivated in ScoreNow");
                return Err((refusal, Some(identity.email)));
            }
            SsoAccountSaved::EmailTaken => {
                let refusal =
                    Refusal::new(SsoRefusal::EmailTaken, "a local account has this email");
                return Err((refusal, Some(identity.email)));
            }
        };
        let previous = self.cookie.token_in(headers);
        let token = open_session(&self.storage, account.id, previous.as_deref())
            .await
            .map_err(unavailable)?;
        // The provider has just checked who this is: that counts as the
        // confirmation the most sensitive changes ask for.
        self.storage
            .confirm_session(&token_hash(&token), unix_now())
            .await
            .map_err(unavailable)?;
        self.storage
            .audit(
                &account.email,
                "user.signed_in",
                None,
                json!({ "via": "sso", "role": account.role.as_str() }),
            )
            .await;
        Ok(Redirect {
            location: login.next.clone(),
            set_cookies: vec![
                self.cookie.set_cookie(Some(&token)),
                self.browser_cookie(None),
            ],
        })
    }

    /// The provider's origin (`https://host[:port]`), where signing out leads.
    pub fn origin(&self) -> Option<String> {
        url::Url::parse(&self.provider.settings().issuer)
            .ok()
            .map(|issuer| issuer.origin().ascii_serialization())
    }

    /// The provider's sign-out page, which sends the browser back to
    /// ScoreNow's sign-in page; `None` when the provider has none.
    pub async fn end_session_url(&self) -> Option<String> {
        let back = url::Url::parse(&format!("{}/login", self.public_url)).ok()?;
        self.provider
            .end_session_url(back)
            .await
            .map(|url| url.to_string())
    }
}
