//! Revoking a connection's tokens at its instance when ScoreNow stops using
//! them: the connection removed, moved to another instance or client, or
//! refused by the instance (*needs re-authorisation*).

use super::{
    connection::{ServiceNowService, purpose},
    instance::InstanceUrl,
    oauth::{self, Credentials},
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
        let tokens = [
            (
                purpose::REFRESH_TOKEN,
                "refresh_token",
                &stored.sealed_refresh_token,
            ),
            (
                purpose::ACCESS_TOKEN,
                "access_token",
                &stored.sealed_access_token,
            ),
        ];
        let mut revoked = Vec::new();
        for (purpose, name, sealed) in tokens {
            let Some(token) = sealed
                .as_ref()
                .and_then(|sealed| self.secrets.open(purpose, sealed).ok())
            else {
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
