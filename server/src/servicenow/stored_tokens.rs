//! The connection's tokens in storage: sealing and storing what the token
//! endpoint answers, and the refresher the token keeper calls, which reads
//! the stored refresh token and turns the connection to *needs
//! re-authorisation* when the instance refuses it.

use super::{
    connection::{ServiceNowService, purpose, unavailable},
    failure::{Failure, error_chain},
    oauth::{self, OAuthClient},
    tokens::{AccessToken, Refresh, TokenKeeper},
};
use crate::{
    clock::unix_now,
    secret_box::SecretBox,
    storage::{
        Storage, StorageError,
        servicenow::{SealedTokens, StoredConnection},
    },
};
use app::domain::servicenow::{ProblemKind, ServiceNowError};
use std::sync::Arc;

/// A failure on ScoreNow's side (storage, decryption) in the middle of an exchange.
pub(super) fn internal(error: &dyn std::error::Error) -> Failure {
    Failure::new(ProblemKind::Malformed, error_chain(error))
}

/// Seals and stores a token response; returns when the access token expires.
pub(super) async fn store(
    storage: &Storage,
    secrets: &SecretBox,
    tokens: &oauth::TokenSet,
) -> Result<i64, StorageError> {
    let expires_at = unix_now() + tokens.expires_in.as_secs() as i64;
    storage
        .store_servicenow_tokens(&SealedTokens {
            access_token: secrets.seal(purpose::ACCESS_TOKEN, &tokens.access_token),
            access_expires_at: expires_at,
            refresh_token: tokens
                .refresh_token
                .as_deref()
                .map(|token| secrets.seal(purpose::REFRESH_TOKEN, token)),
        })
        .await?;
    Ok(expires_at)
}

/// The token keeper of the connection `stored`: its stored access token
/// first, then refreshes through [`StoredRefresher`] as `oauth`.
pub(super) fn keeper(
    service: &ServiceNowService,
    stored: &StoredConnection,
    oauth: OAuthClient,
) -> Result<TokenKeeper, ServiceNowError> {
    let current = match (&stored.sealed_access_token, stored.access_expires_at) {
        (Some(sealed), Some(expires_at)) => Some(AccessToken {
            value: service
                .secrets
                .open(purpose::ACCESS_TOKEN, sealed)
                .map_err(unavailable)?,
            expires_at,
        }),
        _ => None,
    };
    let refresher = Arc::new(StoredRefresher {
        storage: service.storage.clone(),
        secrets: service.secrets.clone(),
        oauth,
    });
    Ok(TokenKeeper::new(current, refresher))
}

/// Refreshes with the stored refresh token and stores what comes back; a
/// refused refresh turns the connection to *needs re-authorisation*.
struct StoredRefresher {
    storage: Storage,
    secrets: SecretBox,
    oauth: OAuthClient,
}

#[async_trait::async_trait]
impl Refresh for StoredRefresher {
    async fn refresh(&self) -> Result<AccessToken, Failure> {
        let stored = self
            .storage
            .servicenow_connection()
            .await
            .map_err(|e| internal(&e))?;
        let sealed = stored
            .and_then(|s| s.sealed_refresh_token)
            .ok_or_else(|| Failure::new(ProblemKind::ReauthorizationNeeded, "no refresh token"))?;
        let refresh_token = self
            .secrets
            .open(purpose::REFRESH_TOKEN, &sealed)
            .map_err(|e| internal(&e))?;
        let outcome = self.oauth.refresh(&refresh_token).await;
        match outcome {
            Ok(tokens) => {
                let expires_at = store(&self.storage, &self.secrets, &tokens)
                    .await
                    .map_err(|e| internal(&e))?;
                tracing::info!("ServiceNow access token refreshed");
                Ok(AccessToken {
                    value: tokens.access_token,
                    expires_at,
                })
            }
            Err(failure) => {
                if failure.kind == ProblemKind::ReauthorizationNeeded {
                    tracing::warn!(%failure, "ServiceNow refused the refresh token: re-authorisation needed");
                    if let Err(error) = self.storage.mark_servicenow_needs_reauthorization().await {
                        tracing::error!(%error, "cannot mark the connection for re-authorisation");
                    }
                }
                Err(failure)
            }
        }
    }
}
