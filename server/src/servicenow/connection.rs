//! The ServiceNow connection as a service: what is stored of it, the API
//! client of the current connection (built once, dropped when the tokens
//! die or the connection changes), and the outcome of every call on the
//! status panel. Authorising is in `authorization.rs`, the token refresh in
//! `stored_tokens.rs`, what admins do in `admin.rs`.

use super::{
    failure::Failure,
    instance::{HostPolicy, InstanceUrl},
    oauth::{Credentials, OAuthClient},
    stored_tokens,
    table_api::TableApi,
};
use crate::{
    clock::{unix_now, utc_text},
    secret_box::SecretBox,
    storage::{
        Storage,
        servicenow::{StoredConnection, StoredState},
    },
};
use app::{
    api::ApiError,
    domain::{
        auth::CurrentUser,
        servicenow::{
            ConnectionState, ConnectionStatus, DemoHints, Problem, ProblemKind, ServiceNowError,
            ServiceNowRefusal, StateName, TicketTable,
        },
    },
};
use serde::Deserialize;
use serde_json::Value;
use std::{collections::BTreeMap, sync::Arc};

/// Purposes secrets are sealed for: a value sealed for one never opens as another.
pub(super) mod purpose {
    pub const CLIENT_SECRET: &str = "servicenow.client_secret";
    pub const ACCESS_TOKEN: &str = "servicenow.access_token";
    pub const REFRESH_TOKEN: &str = "servicenow.refresh_token";
    pub const PKCE_VERIFIER: &str = "servicenow.pkce_verifier";
}

/// Why a call through [`ServiceNowService::with_api`] failed.
#[derive(Debug)]
pub enum CallError {
    /// No usable connection (not configured, needs re-authorisation, storage).
    Connection(ServiceNowError),
    /// The instance failed or refused the call.
    Failed(Failure),
}

/// The integration user, as `sys_user` returns it.
#[derive(Deserialize)]
struct SysUser {
    #[serde(default)]
    user_name: String,
    #[serde(default)]
    name: String,
}

/// What the service is set up with.
pub struct ServiceNowSetup {
    pub storage: Storage,
    pub secrets: SecretBox,
    pub policy: HostPolicy,
    /// This server's `/servicenow/callback` as the instance must call it.
    pub redirect_uri: String,
    pub demo: Option<DemoHints>,
    /// This replica's name, for the token-refresh lease.
    pub replica: Arc<str>,
}

/// What the cached API client was built from: when another replica changes
/// any of it, the client is built again.
#[derive(PartialEq, Eq)]
struct BuiltFrom {
    instance_url: String,
    client_id: String,
    state: StoredState,
}

impl BuiltFrom {
    fn of(stored: &StoredConnection) -> Self {
        Self {
            instance_url: stored.instance_url.clone(),
            client_id: stored.client_id.clone(),
            state: stored.state,
        }
    }
}

/// The connection service.
pub struct ServiceNowService {
    pub(super) storage: Storage,
    pub(super) secrets: SecretBox,
    pub(super) policy: HostPolicy,
    pub(super) redirect_uri: String,
    pub(super) demo: Option<DemoHints>,
    pub(super) http: reqwest::Client,
    pub(super) replica: Arc<str>,
    /// The API client of the current connection, built on first use.
    live: tokio::sync::Mutex<Option<(BuiltFrom, Arc<TableApi>)>>,
}

impl std::fmt::Debug for ServiceNowService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceNowService")
            .field("policy", &self.policy)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// Logs a failure of ScoreNow's own (storage, decryption) and answers *unavailable*.
pub(super) fn unavailable(error: impl std::fmt::Display) -> ServiceNowError {
    tracing::error!(%error, "ServiceNow connection storage failed");
    ApiError::Unavailable
}

/// The refusal of a connection that is not configured.
pub(super) fn not_configured() -> ServiceNowError {
    ServiceNowRefusal::NotConfigured.into()
}

impl ServiceNowService {
    /// The service over `setup`.
    pub fn new(setup: ServiceNowSetup) -> Self {
        Self {
            http: super::http::client(setup.policy.resolver()),
            storage: setup.storage,
            secrets: setup.secrets,
            policy: setup.policy,
            redirect_uri: setup.redirect_uri,
            demo: setup.demo,
            replica: setup.replica,
            live: tokio::sync::Mutex::new(None),
        }
    }

    /// The stored connection, if one is configured.
    pub(super) async fn stored(&self) -> Result<Option<StoredConnection>, ServiceNowError> {
        self.storage
            .servicenow_connection()
            .await
            .map_err(unavailable)
    }

    /// The client ID and the unsealed client secret of `stored`.
    pub(super) fn credentials(
        &self,
        stored: &StoredConnection,
    ) -> Result<Credentials, ServiceNowError> {
        let client_secret = self
            .secrets
            .open(purpose::CLIENT_SECRET, &stored.sealed_client_secret)
            .map_err(unavailable)?;
        Ok(Credentials {
            client_id: stored.client_id.clone(),
            client_secret,
        })
    }

    /// The stored instance, checked against today's allowlist.
    pub(super) fn instance(
        &self,
        stored: &StoredConnection,
    ) -> Result<InstanceUrl, ServiceNowError> {
        self.policy
            .instance(&stored.instance_url)
            .map_err(|problem| ServiceNowRefusal::Instance(problem).into())
    }

    /// ScoreNow as the client of `credentials` at `instance`.
    pub(super) fn oauth_client(
        &self,
        instance: &InstanceUrl,
        credentials: &Credentials,
    ) -> OAuthClient {
        OAuthClient::new(self.http.clone(), instance, credentials, &self.redirect_uri)
    }

    /// Records `problem` as the connection's last one.
    pub(super) async fn record_problem(&self, problem: &Problem) {
        let json = serde_json::to_string(problem).unwrap_or_default();
        if let Err(error) = self.storage.record_servicenow_problem(&json).await {
            tracing::error!(%error, "cannot record a ServiceNow problem");
        }
    }

    /// The API client of a connected connection, as stored now (by this
    /// replica or another).
    pub(super) async fn api(&self) -> Result<Arc<TableApi>, ServiceNowError> {
        let mut live = self.live.lock().await;
        let stored = self.stored().await?.ok_or_else(not_configured)?;
        let built_from = BuiltFrom::of(&stored);
        if let Some((_, api)) = live.as_ref().filter(|(from, _)| *from == built_from) {
            return Ok(api.clone());
        }
        if stored.state != StoredState::Connected {
            return Err(ServiceNowRefusal::ServiceNow(ProblemKind::ReauthorizationNeeded).into());
        }
        let instance = self.instance(&stored)?;
        let credentials = self.credentials(&stored)?;
        let revoker = self.revoker(&stored).ok_or_else(not_configured)?;
        let tokens = stored_tokens::keeper(
            self,
            &stored,
            self.oauth_client(&instance, &credentials),
            revoker,
        )?;
        let api = Arc::new(TableApi::new(self.http.clone(), instance, Arc::new(tokens)));
        *live = Some((built_from, api.clone()));
        Ok(api)
    }

    /// Forgets the API client, so the next call starts from storage.
    pub(super) async fn drop_api(&self) {
        *self.live.lock().await = None;
    }

    /// After `actor` changed the stored connection: forgets the API client
    /// and records `action` on `instance` in the audit log.
    pub(super) async fn connection_changed(
        &self,
        actor: &CurrentUser,
        action: &str,
        instance: String,
        details: Value,
    ) {
        self.drop_api().await;
        self.storage
            .audit(&actor.email, action, Some(instance), details)
            .await;
    }

    /// Notes the outcome of a call: success time, or the problem (and, when
    /// the tokens are dead, the end of the live client).
    pub(super) async fn note<T>(&self, outcome: Result<T, Failure>) -> Result<T, ServiceNowError> {
        self.record_outcome(&outcome).await;
        outcome.map_err(|failure| ServiceNowRefusal::ServiceNow(failure.kind).into())
    }

    async fn record_outcome<T>(&self, outcome: &Result<T, Failure>) {
        match outcome {
            Ok(_) => {
                if let Err(error) = self.storage.record_servicenow_success(unix_now()).await {
                    tracing::error!(%error, "cannot record a ServiceNow success");
                }
            }
            Err(failure) => {
                tracing::warn!(%failure, "ServiceNow call failed");
                self.record_problem(&failure.to_problem(utc_text(unix_now())))
                    .await;
                if failure.kind == ProblemKind::ReauthorizationNeeded {
                    self.drop_api().await;
                }
            }
        }
    }

    /// Runs `call` with the connection's API client and records its outcome
    /// on the status panel. The failure comes back whole (`Retry-After`
    /// included) for callers that schedule their own retries.
    pub async fn with_api<T, F, Fut>(&self, call: F) -> Result<T, CallError>
    where
        F: FnOnce(Arc<TableApi>) -> Fut,
        Fut: std::future::Future<Output = Result<T, Failure>>,
    {
        let api = self.api().await.map_err(CallError::Connection)?;
        let outcome = call(api).await;
        self.record_outcome(&outcome).await;
        outcome.map_err(CallError::Failed)
    }

    /// The connection's state and the instance's URL (when one is configured).
    pub async fn connection(&self) -> Result<(ConnectionState, Option<String>), ServiceNowError> {
        let status = self.status_of(self.stored().await?);
        Ok((status.state, status.instance))
    }

    /// Every state of both tables, with the admin's name for it where set.
    pub async fn state_names(
        &self,
    ) -> Result<BTreeMap<TicketTable, Vec<StateName>>, ServiceNowError> {
        let mut state_names = BTreeMap::new();
        for table in TicketTable::ALL {
            let custom = self
                .storage
                .servicenow_state_names(table.as_str())
                .await
                .map_err(unavailable)?;
            let names = table
                .states()
                .iter()
                .map(|(value, name)| StateName {
                    value: (*value).to_owned(),
                    default_name: (*name).to_owned(),
                    custom_name: custom.get(*value).cloned(),
                })
                .collect();
            state_names.insert(table, names);
        }
        Ok(state_names)
    }

    /// The user the tokens act as (`sys_user` of `gs.getUserID()`).
    pub(super) async fn integration_user(&self) -> Result<String, ServiceNowError> {
        let api = self.api().await?;
        let users: Result<Vec<SysUser>, Failure> = api
            .list(
                "sys_user",
                "sys_id=javascript:gs.getUserID()",
                &["user_name", "name"],
                1,
            )
            .await;
        // No row means ACLs hide the user's own record: a problem, not a success.
        let found = users.and_then(|users| {
            users.into_iter().next().ok_or_else(|| {
                Failure::new(
                    ProblemKind::NotFound,
                    "the integration user's sys_user record",
                )
            })
        });
        let user = self.note(found).await?;
        Ok(if user.name.is_empty() {
            user.user_name
        } else {
            format!("{} ({})", user.name, user.user_name)
        })
    }

    /// Everything the setup page shows of `stored`.
    pub(super) fn status_of(&self, stored: Option<StoredConnection>) -> ConnectionStatus {
        let mut status = ConnectionStatus {
            state: ConnectionState::NotConfigured,
            instance: None,
            client_id: None,
            secret_stored: false,
            integration_user: None,
            token_expires_at: None,
            last_success_at: None,
            last_error: None,
            redirect_uri: self.redirect_uri.clone(),
            demo: self.demo.clone(),
            refused_tickets: Vec::new(),
        };
        if let Some(stored) = stored {
            status.state = match stored.state {
                StoredState::AwaitingAuthorization => ConnectionState::AwaitingAuthorization,
                StoredState::Connected => ConnectionState::Connected,
                StoredState::NeedsReauthorization => ConnectionState::NeedsReauthorization,
            };
            status.instance = Some(stored.instance_url);
            status.client_id = Some(stored.client_id);
            status.secret_stored = true;
            status.integration_user = stored.integration_user;
            status.token_expires_at = stored.access_expires_at.map(utc_text);
            status.last_success_at = stored.last_success_at.map(utc_text);
            status.last_error = stored
                .last_error
                .and_then(|json| serde_json::from_str(&json).ok());
        }
        status
    }
}
