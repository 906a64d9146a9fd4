//! Revoking a connection's tokens at its instance when ScoreNow stops using
//! them: the connection removed, moved to another instance or client, or
//! refused by the instance (*needs re-authorisation*).

use super::{
    connection::{ServiceNowService, purpose},
    instance::InstanceUrl,
    oauth::{self, Credentials, TokenSet},
};
use crate::{secret_box::SecretBox, storage::servicenow::StoredConnection};

/// What revoking a connection's tokens needs.
#[derive(Clone)]
pub(super) struct Revoker {
    pub http: reqwest::Client,
    pub instance: InstanceUrl,
    pub credentials: Credentials,
    pub secrets: SecretBox,
}

impl Revoker {
    /// Revokes the tokens stored with `stored`; the names of those revoked
    /// (failures are logged: the tokens expire anyway).
    pub async fn revoke(&self, stored: &StoredConnection) -> Vec<&'static str> {
        let open = |purpose, sealed: &Option<Vec<u8>>| {
            sealed
                .as_ref()
                .and_then(|sealed| self.secrets.open(purpose, sealed).ok())
        };
        let tokens = [
            (
                "refresh_token",
                open(purpose::REFRESH_TOKEN, &stored.sealed_refresh_token),
            ),
            (
                "access_token",
                open(purpose::ACCESS_TOKEN, &stored.sealed_access_token),
            ),
        ];
        self.revoke_all(tokens).await
    }

    /// Revokes tokens just obtained that will not be used.
    pub async fn revoke_obtained(&self, tokens: &TokenSet) {
        self.revoke_all([
            ("refresh_token", tokens.refresh_token.clone()),
            ("access_token", Some(tokens.access_token.clone())),
        ])
        .await;
    }

    /// Revokes each named token there is; the names of those revoked.
    async fn revoke_all(&self, tokens: [(&'static str, Option<String>); 2]) -> Vec<&'static str> {
        let mut revoked = Vec::new();
        for (name, token) in tokens {
            let Some(token) = token else {
                continue;
            };
            match oauth::revoke(&self.http, &self.instance, &self.credentials, &token).await {
                Ok(()) => revoked.push(name),
                Err(failure) => {
                    tracing::warn!(%failure, token = name, "revocation at the instance failed");
                }
            }
        }
        revoked
    }
}

impl ServiceNowService {
    /// The revoker of `stored`'s instance and client, if they are still usable.
    pub(super) fn revoker(&self, stored: &StoredConnection) -> Option<Revoker> {
        Some(Revoker {
            http: self.http.clone(),
            instance: self.instance(stored).ok()?,
            credentials: self.credentials(stored).ok()?,
            secrets: self.secrets.clone(),
        })
    }

    /// Revokes the tokens stored with `stored` at its instance.
    pub(super) async fn revoke_tokens(&self, stored: &StoredConnection) -> Vec<&'static str> {
        match self.revoker(stored) {
            Some(revoker) => revoker.revoke(stored).await,
            None => Vec::new(),
        }
    }
}
