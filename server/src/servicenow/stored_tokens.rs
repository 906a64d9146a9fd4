//! The connection's tokens in storage: sealing and storing what the token
//! endpoint answers, and the refresher the token keeper calls, which reads
//! the stored refresh token and turns the connection to *needs
//! re-authorisation* when the instance refuses it. One replica refreshes at
//! a time (a lease): the others wait and take the token it stored, so a
//! rotating refresh token is used once and the newest is never lost.

use super::{
    connection::{ServiceNowService, purpose, unavailable},
    failure::{Failure, error_chain},
    oauth::{self, OAuthClient},
    revocation::Revoker,
    tokens::{AccessToken, Refresh, TokenKeeper},
};
use crate::{
    clock::unix_now,
    job_lease::JobLease,
    secret_box::SecretBox,
    storage::{
        Storage, StorageError,
        servicenow::{SealedTokens, StoredConnection},
    },
};
use app::domain::servicenow::{ProblemKind, ServiceNowError};
use std::{sync::Arc, time::Duration};

/// How long one replica's refresh may take before another may start one.
const REFRESH_LEASE: Duration = Duration::from_secs(30);

/// A failure on ScoreNow's side (storage, decryption) in the middle of an exchange.
pub(super) fn internal(error: &dyn std::error::Error) -> Failure {
    Failure::new(ProblemKind::Malformed, error_chain(error))
}

/// How tokens came: a new authorisation starts a new epoch of the
/// connection, a refresh continues the one it was asked in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Obtained {
    Authorised,
    Refreshed,
}

/// Seals and stores a token response obtained in the epoch of the
/// connection `from`; returns when the access token expires, or `None` when
/// the connection moved on meanwhile (nothing is stored then).
pub(super) async fn store(
    storage: &Storage,
    secrets: &SecretBox,
    from: &StoredConnection,
    obtained: Obtained,
    tokens: &oauth::TokenSet,
) -> Result<Option<i64>, StorageError> {
    let expires_at = unix_now() + tokens.expires_in.as_secs() as i64;
    let stored = storage
        .store_servicenow_tokens(&SealedTokens {
            epoch: from.epoch.clone(),
            new_epoch: obtained == Obtained::Authorised,
            access_token: secrets.seal(purpose::ACCESS_TOKEN, &tokens.access_token),
            access_expires_at: expires_at,
            refresh_token: tokens
                .refresh_token
                .as_deref()
                .map(|token| secrets.seal(purpose::REFRESH_TOKEN, token)),
        })
        .await?;
    Ok(stored.then_some(expires_at))
}

/// The failure, of `kind`, of tokens obtained for a connection that has
/// since moved on (another instance or client, a new authorisation).
pub(super) fn moved_meanwhile(kind: ProblemKind) -> Failure {
    Failure::new(kind, "the connection changed while tokens were obtained")
}

/// The token keeper of the connection `stored`: its stored access token
/// first, then refreshes through [`StoredRefresher`] as `oauth`.
pub(super) fn keeper(
    service: &ServiceNowService,
    stored: &StoredConnection,
    oauth: OAuthClient,
    revoker: Revoker,
) -> Result<TokenKeeper, ServiceNowError> {
    let current = stored_access_token(&service.secrets, stored).map_err(unavailable)?;
    let refresher = Arc::new(StoredRefresher {
        storage: service.storage.clone(),
        secrets: service.secrets.clone(),
        oauth,
        revoker,
        lease: JobLease::new(
            service.storage.clone(),
            "servicenow-token-refresh",
            service.replica.clone(),
            REFRESH_LEASE,
        ),
    });
    Ok(TokenKeeper::new(current, refresher))
}

/// The access token stored with `stored`, opened.
fn stored_access_token(
    secrets: &SecretBox,
    stored: &StoredConnection,
) -> Result<Option<AccessToken>, crate::secret_box::SecretBoxError> {
    match (&stored.sealed_access_token, stored.access_expires_at) {
        (Some(sealed), Some(expires_at)) => Ok(Some(AccessToken {
            value: secrets.open(purpose::ACCESS_TOKEN, sealed)?,
            expires_at,
        })),
        _ => Ok(None),
    }
}

/// Refreshes with the stored refresh token and stores what comes back; a
/// refused refresh turns the connection to *needs re-authorisation*.
struct StoredRefresher {
    storage: Storage,
    secrets: SecretBox,
    oauth: OAuthClient,
    /// Revokes the tokens the instance refused to refresh.
    revoker: Revoker,
    /// Held while refreshing, so that replicas refresh one at a time.
    lease: JobLease,
}

#[async_trait::async_trait]
impl Refresh for StoredRefresher {
    async fn refresh(&self, stale: Option<&str>) -> Result<AccessToken, Failure> {
        let held = self
            .lease
            .take_within(REFRESH_LEASE)
            .await
            .map_err(|e| internal(&e))?
            .ok_or_else(|| {
                Failure::new(ProblemKind::Timeout, "another replica is still refreshing")
            })?;
        let outcome = self.refresh_holding_the_lease(stale).await;
        held.release().await;
        outcome
    }
}

impl StoredRefresher {
    /// The token another replica stored since `stale` if it is still good,
    /// else a refresh with the stored refresh token.
    async fn refresh_holding_the_lease(&self, stale: Option<&str>) -> Result<AccessToken, Failure> {
        let stored = self
            .storage
            .servicenow_connection()
            .await
            .map_err(|e| internal(&e))?;
        if let Some(stored) = &stored {
            let current = stored_access_token(&self.secrets, stored).map_err(|e| internal(&e))?;
            if let Some(token) = current
                .filter(|token| Some(token.value.as_str()) != stale && token.usable_at(unix_now()))
            {
                return Ok(token);
            }
        }
        let stored = stored
            .ok_or_else(|| Failure::new(ProblemKind::ReauthorizationNeeded, "no connection"))?;
        let sealed = stored
            .sealed_refresh_token
            .clone()
            .ok_or_else(|| Failure::new(ProblemKind::ReauthorizationNeeded, "no refresh token"))?;
        let refresh_token = self
            .secrets
            .open(purpose::REFRESH_TOKEN, &sealed)
            .map_err(|e| internal(&e))?;
        let outcome = self.oauth.refresh(&refresh_token).await;
        match outcome {
            Ok(tokens) => {
                let Some(expires_at) = store(
                    &self.storage,
                    &self.secrets,
                    &stored,
                    Obtained::Refreshed,
                    &tokens,
                )
                .await
                .map_err(|e| internal(&e))?
                else {
                    // Of no use to anyone now: give them back.
                    self.revoker.revoke_obtained(&tokens).await;
                    return Err(moved_meanwhile(ProblemKind::ReauthorizationNeeded));
                };
                tracing::info!("ServiceNow access token refreshed");
                Ok(AccessToken {
                    value: tokens.access_token,
                    expires_at,
                })
            }
            Err(failure) => {
                if failure.kind == ProblemKind::ReauthorizationNeeded {
                    tracing::warn!(%failure, "ServiceNow refused the refresh token: re-authorisation needed");
                    if let Err(error) = self
                        .storage
                        .mark_servicenow_needs_reauthorization(&stored.epoch)
                        .await
                    {
                        tracing::error!(%error, "cannot mark the connection for re-authorisation");
                    }
                    self.revoker.revoke(&stored).await;
                } else {
                    tracing::warn!(%failure, "the token endpoint failed; the refresh is tried again");
                }
                Err(failure)
            }
        }
    }
}
