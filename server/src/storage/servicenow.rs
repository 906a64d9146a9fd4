//! The ServiceNow connection in storage: instance, client, sealed secrets,
//! authorisations in progress, state names and ticket defaults, and the
//! [`ServiceNowStore`] every backend implements. Secrets arrive here already
//! sealed; storage never sees them in the clear.

use super::StorageError;
use std::collections::BTreeMap;

/// Where the stored connection stands (`servicenow_connection.state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoredState {
    AwaitingAuthorization,
    Connected,
    NeedsReauthorization,
}

impl StoredState {
    /// How the state is stored.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            StoredState::AwaitingAuthorization => "awaiting_authorization",
            StoredState::Connected => "connected",
            StoredState::NeedsReauthorization => "needs_reauthorization",
        }
    }

    /// The state stored as `value`.
    pub(super) fn parse(value: &str) -> Result<Self, StorageError> {
        match value {
            "awaiting_authorization" => Ok(StoredState::AwaitingAuthorization),
            "connected" => Ok(StoredState::Connected),
            "needs_reauthorization" => Ok(StoredState::NeedsReauthorization),
            other => Err(StorageError::Corrupt(format!(
                "unknown ServiceNow connection state {other:?}"
            ))),
        }
    }
}

/// The stored connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredConnection {
    pub instance_url: String,
    pub client_id: String,
    pub sealed_client_secret: Vec<u8>,
    pub sealed_access_token: Option<Vec<u8>>,
    pub access_expires_at: Option<i64>,
    pub sealed_refresh_token: Option<Vec<u8>>,
    pub integration_user: Option<String>,
    pub state: StoredState,
    pub last_success_at: Option<i64>,
    /// The last problem, as JSON.
    pub last_error: Option<String>,
    /// Changes whenever the stored tokens stop being ones a refresh may
    /// replace: another instance or client, a new authorisation.
    pub epoch: String,
}

/// Sealed tokens from a token response.
#[derive(Clone, Debug)]
pub struct SealedTokens {
    /// The connection's epoch they were obtained in: they are stored only
    /// while it lasts.
    pub epoch: String,
    /// Whether they start a new epoch (a new authorisation does, a refresh does not).
    pub new_epoch: bool,
    pub access_token: Vec<u8>,
    pub access_expires_at: i64,
    /// `None` keeps the stored refresh token (ServiceNow may omit it on refresh).
    pub refresh_token: Option<Vec<u8>>,
}

impl SealedTokens {
    /// The epoch the connection has once these are stored.
    pub(super) fn stored_epoch(&self) -> String {
        if self.new_epoch {
            new_epoch()
        } else {
            self.epoch.clone()
        }
    }
}

/// An authorisation in progress.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingAuthorization {
    pub sealed_pkce_verifier: Vec<u8>,
    pub started_by: String,
    pub expires_at: i64,
}

/// The columns a [`ConnectionRow`] is read from.
pub(super) const CONNECTION_COLUMNS: &str = "instance_url, client_id, client_secret, \
    access_token, access_expires_at, refresh_token, integration_user, state, last_success_at, \
    last_error, epoch";

/// A fresh connection epoch: 128 random bits as hex.
pub(super) fn new_epoch() -> String {
    rand::random::<[u8; 16]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The connection as every database stores it: the state as text.
#[derive(sqlx::FromRow)]
pub(super) struct ConnectionRow {
    instance_url: String,
    client_id: String,
    client_secret: Vec<u8>,
    access_token: Option<Vec<u8>>,
    access_expires_at: Option<i64>,
    refresh_token: Option<Vec<u8>>,
    integration_user: Option<String>,
    state: String,
    last_success_at: Option<i64>,
    last_error: Option<String>,
    epoch: String,
}

impl ConnectionRow {
    /// The connection, once its state is known to be valid.
    pub(super) fn into_connection(self) -> Result<StoredConnection, StorageError> {
        Ok(StoredConnection {
            state: StoredState::parse(&self.state)?,
            instance_url: self.instance_url,
            client_id: self.client_id,
            sealed_client_secret: self.client_secret,
            sealed_access_token: self.access_token,
            access_expires_at: self.access_expires_at,
            sealed_refresh_token: self.refresh_token,
            integration_user: self.integration_user,
            last_success_at: self.last_success_at,
            last_error: self.last_error,
            epoch: self.epoch,
        })
    }
}

/// Where the ServiceNow connection and its settings are kept.
#[async_trait::async_trait]
pub trait ServiceNowStore: Send + Sync {
    /// The connection, if one is configured.
    async fn servicenow_connection(&self) -> Result<Option<StoredConnection>, StorageError>;

    /// Saves instance and client (and a new secret when given). Tokens of
    /// another instance or client are dropped: the connection then awaits
    /// authorisation.
    async fn save_servicenow_client(
        &self,
        instance_url: &str,
        client_id: &str,
        sealed_client_secret: Option<&[u8]>,
    ) -> Result<(), StorageError>;

    /// Stores tokens and marks the connection connected, unless its epoch
    /// changed since they were asked for; whether they were stored.
    async fn store_servicenow_tokens(&self, tokens: &SealedTokens) -> Result<bool, StorageError>;

    /// Records the integration user the tokens belong to.
    async fn set_servicenow_integration_user(&self, user: &str) -> Result<(), StorageError>;

    /// Drops the tokens of `epoch`: an admin must authorise again. Nothing
    /// changes when the connection moved on to another epoch meanwhile.
    async fn mark_servicenow_needs_reauthorization(&self, epoch: &str) -> Result<(), StorageError>;

    /// Records a successful call at `at` and clears the last error.
    async fn record_servicenow_success(&self, at: i64) -> Result<(), StorageError>;

    /// Records the last problem (JSON).
    async fn record_servicenow_problem(&self, problem: &str) -> Result<(), StorageError>;

    /// Deletes the connection with its secrets and any authorisation in progress.
    async fn delete_servicenow_connection(&self) -> Result<(), StorageError>;

    /// Remembers an authorisation in progress (and forgets expired ones).
    async fn insert_servicenow_authorization(
        &self,
        state_hash: &str,
        pending: &PendingAuthorization,
        now: i64,
    ) -> Result<(), StorageError>;

    /// Removes and returns the authorisation with this state hash: each can
    /// be completed once.
    async fn take_servicenow_authorization(
        &self,
        state_hash: &str,
    ) -> Result<Option<PendingAuthorization>, StorageError>;

    /// The admin's state names of `table` (state value → name).
    async fn servicenow_state_names(
        &self,
        table: &str,
    ) -> Result<BTreeMap<String, String>, StorageError>;

    /// Replaces the admin's state names of `table`.
    async fn replace_servicenow_state_names(
        &self,
        table: &str,
        names: &BTreeMap<String, String>,
    ) -> Result<(), StorageError>;

    /// The ticket defaults (type, assignment group, category), if saved.
    async fn servicenow_ticket_defaults(
        &self,
    ) -> Result<Option<(String, String, String)>, StorageError>;

    /// Saves the ticket defaults.
    async fn save_servicenow_ticket_defaults(
        &self,
        ticket_type: &str,
        assignment_group: &str,
        category: &str,
    ) -> Result<(), StorageError>;

    /// Whether this user answered "No" to "Do you use ServiceNow?".
    async fn servicenow_offer_dismissed(&self, user_id: i64) -> Result<bool, StorageError>;

    /// Hides "Do you use ServiceNow?" for this user.
    async fn dismiss_servicenow_offer(&self, user_id: i64) -> Result<(), StorageError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Storage, accounts::NewAccount, testing::on_every_backend};
    use app::domain::auth::Role;

    /// Tokens refreshed in the connection's present epoch.
    async fn refreshed(storage: &Storage, refresh: Option<&[u8]>) -> SealedTokens {
        let stored = storage.servicenow_connection().await.unwrap().unwrap();
        tokens(&stored.epoch, false, refresh)
    }

    /// Tokens obtained in `epoch`, starting a new one if `new_epoch`.
    fn tokens(epoch: &str, new_epoch: bool, refresh: Option<&[u8]>) -> SealedTokens {
        SealedTokens {
            epoch: epoch.into(),
            new_epoch,
            access_token: b"access".to_vec(),
            access_expires_at: 100,
            refresh_token: refresh.map(<[u8]>::to_vec),
        }
    }

    /// An authorisation started by an admin, expiring at 1000.
    fn pending() -> PendingAuthorization {
        PendingAuthorization {
            sealed_pkce_verifier: b"v".to_vec(),
            started_by: "admin@example.com".into(),
            expires_at: 1_000,
        }
    }

    /// Saves the client `id` of `instance` (with `secret`, if any); returns the stored connection.
    async fn save_client(
        storage: &Storage,
        instance: &str,
        secret: Option<&[u8]>,
    ) -> StoredConnection {
        storage
            .save_servicenow_client(instance, "id", secret)
            .await
            .unwrap();
        storage.servicenow_connection().await.unwrap().unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_read_then_write_transactions_wait_instead_of_failing() {
        on_every_backend(async |storage| {
            save_client(&storage, "https://a.service-now.com", Some(b"s")).await;
            let saves: Vec<_> = (0..64)
                .map(|n| {
                    let storage = storage.clone();
                    tokio::spawn(async move {
                        let secret = format!("s{n}");
                        storage
                            .save_servicenow_client(
                                "https://a.service-now.com",
                                "id",
                                Some(secret.as_bytes()),
                            )
                            .await
                    })
                })
                .collect();
            for save in saves {
                save.await.unwrap().expect("a save under contention");
            }
        })
        .await;
    }

    #[tokio::test]
    async fn a_new_client_awaits_authorization_then_connects() {
        on_every_backend(async |storage| {
            assert!(storage.servicenow_connection().await.unwrap().is_none());
            let stored = save_client(&storage, "https://acme.service-now.com", Some(b"s1")).await;
            assert_eq!(stored.state, StoredState::AwaitingAuthorization);
            assert_eq!(stored.sealed_client_secret, b"s1");

            for refresh in [Some(&b"r1"[..]), None] {
                let tokens = refreshed(&storage, refresh).await;
                assert!(storage.store_servicenow_tokens(&tokens).await.unwrap());
            }
            let stored = storage.servicenow_connection().await.unwrap().unwrap();
            assert_eq!(stored.state, StoredState::Connected);
            assert_eq!(stored.sealed_refresh_token.as_deref(), Some(&b"r1"[..]));
        })
        .await;
    }

    #[tokio::test]
    async fn changing_instance_or_client_drops_the_tokens_but_a_new_secret_alone_does_not() {
        on_every_backend(async |storage| {
            storage
                .save_servicenow_client("https://a.service-now.com", "id", Some(b"s1"))
                .await
                .unwrap();
            let first = storage.servicenow_connection().await.unwrap().unwrap();
            let authorised = tokens(&first.epoch, true, Some(b"r"));
            assert!(storage.store_servicenow_tokens(&authorised).await.unwrap());
            let stored = save_client(&storage, "https://a.service-now.com", Some(b"s2")).await;
            assert_eq!(stored.state, StoredState::Connected);
            assert_eq!(stored.sealed_client_secret, b"s2");
            assert_ne!(
                stored.epoch, first.epoch,
                "an authorisation starts an epoch"
            );
            // A refresh asked before that authorisation ends only now: not stored.
            let late = tokens(&first.epoch, false, Some(b"late"));
            assert!(!storage.store_servicenow_tokens(&late).await.unwrap());
            let connected = stored;

            let stored = save_client(&storage, "https://b.service-now.com", None).await;
            assert_eq!(stored.state, StoredState::AwaitingAuthorization);
            assert_eq!(stored.sealed_refresh_token, None);
            assert_eq!(stored.sealed_client_secret, b"s2");
            // Nor one asked for the old instance, nor its refusal.
            let late = tokens(&connected.epoch, false, Some(b"late"));
            assert!(!storage.store_servicenow_tokens(&late).await.unwrap());
            storage
                .mark_servicenow_needs_reauthorization(&connected.epoch)
                .await
                .unwrap();
            let stored = storage.servicenow_connection().await.unwrap().unwrap();
            assert_eq!(stored.state, StoredState::AwaitingAuthorization);
            assert_eq!(stored.sealed_refresh_token, None);
        })
        .await;
    }

    #[tokio::test]
    async fn an_authorization_can_be_taken_once() {
        on_every_backend(async |storage| {
            let pending = pending();
            storage
                .insert_servicenow_authorization("h", &pending, 10)
                .await
                .unwrap();
            let take = async || storage.take_servicenow_authorization("h").await.unwrap();
            assert_eq!(take().await, Some(pending));
            assert_eq!(take().await, None);
        })
        .await;
    }

    #[tokio::test]
    async fn state_names_are_replaced_per_table() {
        on_every_backend(async |storage| {
            let names = BTreeMap::from([("-5".to_owned(), "Proposed".to_owned())]);
            storage
                .replace_servicenow_state_names("change_request", &names)
                .await
                .unwrap();
            assert_eq!(
                storage
                    .servicenow_state_names("change_request")
                    .await
                    .unwrap(),
                names
            );
            assert!(
                storage
                    .servicenow_state_names("incident")
                    .await
                    .unwrap()
                    .is_empty()
            );
            storage
                .replace_servicenow_state_names("change_request", &BTreeMap::new())
                .await
                .unwrap();
            assert!(
                storage
                    .servicenow_state_names("change_request")
                    .await
                    .unwrap()
                    .is_empty()
            );
        })
        .await;
    }

    #[tokio::test]
    async fn the_connection_records_its_state_until_deleted_with_its_authorizations() {
        on_every_backend(async |storage| {
            save_client(&storage, "https://a.service-now.com", Some(b"s")).await;
            let tokens = refreshed(&storage, Some(b"r")).await;
            storage.store_servicenow_tokens(&tokens).await.unwrap();
            storage
                .set_servicenow_integration_user("svc")
                .await
                .unwrap();
            storage.record_servicenow_problem("{}").await.unwrap();
            storage.record_servicenow_success(5).await.unwrap();
            let stored = storage.servicenow_connection().await.unwrap().unwrap();
            assert_eq!(stored.integration_user.as_deref(), Some("svc"));
            assert_eq!((stored.last_success_at, stored.last_error), (Some(5), None));

            storage
                .mark_servicenow_needs_reauthorization(&stored.epoch)
                .await
                .unwrap();
            let stored = storage.servicenow_connection().await.unwrap().unwrap();
            assert_eq!(stored.state, StoredState::NeedsReauthorization);
            assert_eq!(stored.sealed_access_token, None);

            let pending = pending();
            storage
                .insert_servicenow_authorization("h", &pending, 10)
                .await
                .unwrap();
            storage.delete_servicenow_connection().await.unwrap();
            assert!(storage.servicenow_connection().await.unwrap().is_none());
            assert!(
                storage
                    .take_servicenow_authorization("h")
                    .await
                    .unwrap()
                    .is_none()
            );
        })
        .await;
    }

    #[tokio::test]
    async fn ticket_defaults_and_offer_answers_are_kept() {
        on_every_backend(async |storage| {
            assert_eq!(storage.servicenow_ticket_defaults().await.unwrap(), None);
            for group in ["Service Desk", "Security"] {
                storage
                    .save_servicenow_ticket_defaults("incident", group, "Identity")
                    .await
                    .unwrap();
            }
            let defaults = ("incident".into(), "Security".into(), "Identity".into());
            assert_eq!(
                storage.servicenow_ticket_defaults().await.unwrap(),
                Some(defaults)
            );

            let account = NewAccount {
                email: "a@example.com".into(),
                display_name: "A".into(),
                role: Role::Reader,
                password_hash: "h".into(),
            };
            let user = storage.create_account(&account).await.unwrap().id;
            assert!(!storage.servicenow_offer_dismissed(user).await.unwrap());
            storage.dismiss_servicenow_offer(user).await.unwrap();
            assert!(storage.servicenow_offer_dismissed(user).await.unwrap());
        })
        .await;
    }
}
