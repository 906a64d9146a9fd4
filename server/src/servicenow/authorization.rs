//! Authorising ScoreNow at the instance: saving the connection form,
//! starting the OAuth authorization-code flow (PKCE and `state`, kept
//! server-side and single-use) and completing it from the callback, which
//! must come from the admin who started it.

use super::{
    connection::{ServiceNowService, not_configured, purpose, unavailable},
    failure::Failure,
    stored_tokens::{self, Obtained, internal},
};
use crate::{
    clock::{unix_now, utc_text},
    storage::servicenow::PendingAuthorization,
};
use app::{
    api::ApiError,
    domain::{
        auth::{CurrentUser, Role},
        servicenow::{ConnectionForm, ProblemKind, ServiceNowError, ServiceNowRefusal},
    },
};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// How long an authorisation may take from Authorize to the callback.
const AUTHORIZATION_LIFETIME: Duration = Duration::from_secs(600);

/// What the OAuth callback received. No `Debug`: the code must not reach a log.
#[derive(Default, Deserialize)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Only this hash of a `state` is stored.
fn state_hash(state: &str) -> String {
    Sha256::digest(state.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl ServiceNowService {
    /// Saves `form` (when given), records the authorisation it starts and
    /// returns the instance's consent URL.
    pub(super) async fn start_authorization(
        &self,
        actor: &CurrentUser,
        form: Option<ConnectionForm>,
        confirmed: bool,
    ) -> Result<String, ServiceNowError> {
        if let Some(form) = form {
            self.save_form(actor, form, confirmed).await?;
        }
        let stored = self.stored().await?.ok_or_else(not_configured)?;
        let instance = self.instance(&stored)?;
        let start = self
            .oauth_client(&instance, &self.credentials(&stored)?)
            .start_authorization();
        let now = unix_now();
        let pending = PendingAuthorization {
            sealed_pkce_verifier: self
                .secrets
                .seal(purpose::PKCE_VERIFIER, &start.pkce_verifier),
            started_by: actor.email.clone(),
            expires_at: now + AUTHORIZATION_LIFETIME.as_secs() as i64,
        };
        self.storage
            .insert_servicenow_authorization(&state_hash(&start.state), &pending, now)
            .await
            .map_err(unavailable)?;
        self.storage
            .audit(
                &actor.email,
                "servicenow.authorization_started",
                Some(instance.to_string()),
                json!({}),
            )
            .await;
        Ok(start.url.to_string())
    }

    /// Validates and saves the connection form; moving a stored connection
    /// to another instance or client needs the password `confirmed`.
    async fn save_form(
        &self,
        actor: &CurrentUser,
        form: ConnectionForm,
        confirmed: bool,
    ) -> Result<(), ServiceNowError> {
        let instance = self
            .policy
            .instance(&form.instance)
            .map_err(ServiceNowRefusal::Instance)?;
        let client_id = form.client_id.trim();
        if client_id.is_empty() {
            return Err(ServiceNowRefusal::MissingClientId.into());
        }
        let secret = form.client_secret.trim();
        let stored = self.stored().await?;
        if secret.is_empty() && stored.is_none() {
            return Err(ServiceNowRefusal::MissingClientSecret.into());
        }
        let moves = stored.as_ref().is_some_and(|stored| {
            stored.instance_url != instance.as_str() || stored.client_id != client_id
        });
        if moves && !confirmed {
            return Err(ApiError::ReauthenticationRequired);
        }
        let sealed =
            (!secret.is_empty()).then(|| self.secrets.seal(purpose::CLIENT_SECRET, secret));
        self.storage
            .save_servicenow_client(instance.as_str(), client_id, sealed.as_deref())
            .await
            .map_err(unavailable)?;
        if moves && let Some(stored) = &stored {
            // The old instance's tokens are of no more use: revoke them there.
            self.revoke_tokens(stored).await;
        }
        let details = json!({ "client_id": client_id, "secret_replaced": sealed.is_some() });
        self.connection_changed(
            actor,
            "servicenow.configured",
            instance.to_string(),
            details,
        )
        .await;
        Ok(())
    }

    /// Finishes an authorisation from the instance's redirect. Every
    /// outcome is recorded; the error names the problem for the setup page.
    pub async fn complete_authorization(
        &self,
        params: CallbackParams,
        user: Option<CurrentUser>,
    ) -> Result<(), ProblemKind> {
        let pending = match params.state.as_deref() {
            Some(state) => self
                .storage
                .take_servicenow_authorization(&state_hash(state))
                .await
                .map_err(|error| {
                    tracing::error!(%error, "cannot read the authorisation in progress");
                    ProblemKind::StateMismatch
                })?,
            None => None,
        };
        // Anyone can call this URL: an unknown state changes nothing, not even the status.
        let Some(pending) = pending.filter(|p| p.expires_at > unix_now()) else {
            tracing::warn!("ServiceNow callback with an unknown or expired state ignored");
            return Err(ProblemKind::StateMismatch);
        };
        let actor = pending.started_by.clone();
        let same_admin = user
            .as_ref()
            .is_some_and(|user| user.email == actor && user.role.includes(Role::Admin));
        if !same_admin {
            let failure = Failure::new(
                ProblemKind::StateMismatch,
                "the callback did not come from the admin who started the authorisation",
            );
            return Err(self.authorization_failed(&actor, failure).await);
        }
        if let Some(error) = params.error {
            let kind = if error == "access_denied" {
                ProblemKind::ConsentDenied
            } else {
                ProblemKind::AuthorizationRefused
            };
            let failure = Failure {
                detail: params.error_description.unwrap_or_default(),
                ..Failure::new(kind, error)
            };
            return Err(self.authorization_failed(&actor, failure).await);
        }
        let Some(code) = params.code else {
            return Err(self
                .authorization_failed(
                    &actor,
                    Failure::new(ProblemKind::AuthorizationRefused, "no code"),
                )
                .await);
        };
        if let Err(failure) = self.exchange(&pending, &code).await {
            return Err(self.authorization_failed(&actor, failure).await);
        }
        self.drop_api().await;
        let user = self.integration_user().await.ok();
        if let Some(user) = &user
            && let Err(error) = self.storage.set_servicenow_integration_user(user).await
        {
            tracing::error!(%error, "cannot store the integration user");
        }
        let instance = self.stored().await.ok().flatten().map(|s| s.instance_url);
        self.storage
            .audit(
                &actor,
                "servicenow.authorized",
                instance,
                json!({ "integration_user": user }),
            )
            .await;
        Ok(())
    }

    /// Trades the callback's code (with the stored PKCE verifier) for tokens and stores them.
    async fn exchange(&self, pending: &PendingAuthorization, code: &str) -> Result<(), Failure> {
        let stored = self
            .storage
            .servicenow_connection()
            .await
            .map_err(|e| internal(&e))?
            .ok_or_else(|| {
                Failure::new(ProblemKind::StateMismatch, "connection removed meanwhile")
            })?;
        let instance = self
            .policy
            .instance(&stored.instance_url)
            .map_err(|_| Failure::new(ProblemKind::Rejected, "instance no longer allowed"))?;
        let credentials = self.credentials(&stored).map_err(|e| internal(&e))?;
        let verifier = self
            .secrets
            .open(purpose::PKCE_VERIFIER, &pending.sealed_pkce_verifier)
            .map_err(|e| internal(&e))?;
        let tokens = self
            .oauth_client(&instance, &credentials)
            .exchange_code(code, verifier)
            .await?;
        stored_tokens::store(
            &self.storage,
            &self.secrets,
            &stored,
            Obtained::Authorised,
            &tokens,
        )
        .await
        .map_err(|e| internal(&e))?
        .ok_or_else(|| stored_tokens::moved_meanwhile(ProblemKind::StateMismatch))?;
        Ok(())
    }

    /// Records a failed authorisation on the status panel and in the audit log.
    async fn authorization_failed(&self, actor: &str, failure: Failure) -> ProblemKind {
        tracing::warn!(%failure, "ServiceNow authorisation failed");
        self.record_problem(&failure.to_problem(utc_text(unix_now())))
            .await;
        self.storage
            .audit(
                actor,
                "servicenow.authorization_failed",
                None,
                json!({ "problem": failure.kind, "message": failure.message }),
            )
            .await;
        failure.kind
    }
}
