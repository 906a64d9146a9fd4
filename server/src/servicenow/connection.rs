//! The ServiceNow connection as a service: configure and authorise, keep
//! the tokens alive, report status, settings, removal. Implements `app`'s
//! `ServiceNowAdmin`; the OAuth callback route calls
//! [`ServiceNowService::complete_authorization`].

use super::{
    failure::{Failure, error_chain},
    instance::{HostPolicy, InstanceUrl},
    oauth::{self, Credentials},
    table_api::TableApi,
    tokens::{AccessToken, Refresh, TokenKeeper},
};
use crate::{
    clock::{unix_now, utc_text},
    secret_box::SecretBox,
    storage::{
        Storage, StorageError,
        servicenow::{PendingAuthorization, SealedTokens, StoredConnection, StoredState},
    },
};
use app::{
    api::servicenow::{
        ConnectionForm, ConnectionState, ConnectionStatus, DEFAULT_FIELD_MAX, DemoHints,
        HomeServiceNow, Problem, ProblemKind, STATE_NAME_MAX, ServiceNowError, ServiceNowSettings,
        StateName, TicketDefaults, TicketTable, ssr::ServiceNowAdmin,
    },
    auth::{CurrentUser, Role},
};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::{collections::BTreeMap, sync::Arc, time::Duration};

/// How long an authorisation may take from Authorize to the callback.
const AUTHORIZATION_LIFETIME: Duration = Duration::from_secs(600);

// Purposes secrets are sealed for: a value sealed for one never opens as another.
const CLIENT_SECRET: &str = "servicenow.client_secret";
const ACCESS_TOKEN: &str = "servicenow.access_token";
const REFRESH_TOKEN: &str = "servicenow.refresh_token";
const PKCE_VERIFIER: &str = "servicenow.pkce_verifier";

/// Why a call through [`ServiceNowService::with_api`] failed.
#[derive(Debug)]
pub enum CallError {
    /// No usable connection (not configured, needs re-authorisation, storage).
    Connection(ServiceNowError),
    /// The instance failed or refused the call.
    Failed(Failure),
}

/// What the OAuth callback received. No `Debug`: the code must not reach a log.
#[derive(Default, Deserialize)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
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
}

/// The connection service.
pub struct ServiceNowService {
    storage: Storage,
    secrets: SecretBox,
    policy: HostPolicy,
    redirect_uri: String,
    demo: Option<DemoHints>,
    http: reqwest::Client,
    /// The API client of the current connection, built on first use.
    live: tokio::sync::Mutex<Option<Arc<TableApi>>>,
}

impl std::fmt::Debug for ServiceNowService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceNowService")
            .field("policy", &self.policy)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

fn unavailable(error: impl std::fmt::Display) -> ServiceNowError {
    tracing::error!(%error, "ServiceNow connection storage failed");
    ServiceNowError::Unavailable
}

fn state_hash(state: &str) -> String {
    Sha256::digest(state.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl ServiceNowService {
    /// The service over `setup`.
    pub fn new(setup: ServiceNowSetup) -> Self {
        Self {
            storage: setup.storage,
            secrets: setup.secrets,
            policy: setup.policy,
            redirect_uri: setup.redirect_uri,
            demo: setup.demo,
            http: super::http::client(),
            live: tokio::sync::Mutex::new(None),
        }
    }

    async fn stored(&self) -> Result<Option<StoredConnection>, ServiceNowError> {
        self.storage
            .servicenow_connection()
            .await
            .map_err(unavailable)
    }

    fn credentials(&self, stored: &StoredConnection) -> Result<Credentials, ServiceNowError> {
        let client_secret = self
            .secrets
            .open(CLIENT_SECRET, &stored.sealed_client_secret)
            .map_err(unavailable)?;
        Ok(Credentials {
            client_id: stored.client_id.clone(),
            client_secret,
        })
    }

    /// The stored instance, checked against today's allowlist.
    fn instance(&self, stored: &StoredConnection) -> Result<InstanceUrl, ServiceNowError> {
        self.policy
            .instance(&stored.instance_url)
            .map_err(ServiceNowError::Instance)
    }

    /// Records `failure` as the connection's last problem.
    async fn record_problem(&self, problem: &Problem) {
        let json = serde_json::to_string(problem).unwrap_or_default();
        if let Err(error) = self.storage.record_servicenow_problem(&json).await {
            tracing::error!(%error, "cannot record a ServiceNow problem");
        }
    }

    /// The API client of a connected connection.
    async fn api(&self) -> Result<Arc<TableApi>, ServiceNowError> {
        let mut live = self.live.lock().await;
        if let Some(api) = live.as_ref() {
            return Ok(api.clone());
        }
        let stored = self.stored().await?.ok_or(ServiceNowError::NotConfigured)?;
        if stored.state != StoredState::Connected {
            return Err(ServiceNowError::ServiceNow(
                ProblemKind::ReauthorizationNeeded,
            ));
        }
        let instance = self.instance(&stored)?;
        let current = match (&stored.sealed_access_token, stored.access_expires_at) {
            (Some(sealed), Some(expires_at)) => Some(AccessToken {
                value: self
                    .secrets
                    .open(ACCESS_TOKEN, sealed)
                    .map_err(unavailable)?,
                expires_at,
            }),
            _ => None,
        };
        let refresher = Arc::new(StoredRefresher {
            storage: self.storage.clone(),
            secrets: self.secrets.clone(),
            http: self.http.clone(),
            instance: instance.clone(),
            credentials: self.credentials(&stored)?,
            redirect_uri: self.redirect_uri.clone(),
        });
        let tokens = Arc::new(TokenKeeper::new(current, refresher));
        let api = Arc::new(TableApi::new(self.http.clone(), instance, tokens));
        *live = Some(api.clone());
        Ok(api)
    }

    /// Forgets the API client, so the next call starts from storage.
    async fn drop_api(&self) {
        *self.live.lock().await = None;
    }

    /// Notes the outcome of a call: success time, or the problem (and, when
    /// the tokens are dead, the end of the live client).
    async fn note<T>(&self, outcome: Result<T, Failure>) -> Result<T, ServiceNowError> {
        self.record_outcome(&outcome).await;
        outcome.map_err(|failure| ServiceNowError::ServiceNow(failure.kind))
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

    /// The user the tokens act as (`sys_user` of `gs.getUserID()`).
    async fn integration_user(&self) -> Result<String, ServiceNowError> {
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
        match self.exchange(&pending, &code).await {
            Ok(()) => {}
            Err(failure) => return Err(self.authorization_failed(&actor, failure).await),
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
            .open(PKCE_VERIFIER, &pending.sealed_pkce_verifier)
            .map_err(|e| internal(&e))?;
        let tokens = oauth::exchange_code(
            &self.http,
            &instance,
            &credentials,
            &self.redirect_uri,
            code,
            verifier,
        )
        .await?;
        store_tokens(&self.storage, &self.secrets, &tokens)
            .await
            .map_err(|e| internal(&e))?;
        Ok(())
    }

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

    /// Validates and saves the connection form.
    async fn save_form(
        &self,
        actor: &CurrentUser,
        form: ConnectionForm,
    ) -> Result<(), ServiceNowError> {
        let instance = self
            .policy
            .instance(&form.instance)
            .map_err(ServiceNowError::Instance)?;
        let client_id = form.client_id.trim();
        if client_id.is_empty() {
            return Err(ServiceNowError::MissingClientId);
        }
        let secret = form.client_secret.trim();
        let stored = self.stored().await?;
        if secret.is_empty() && stored.is_none() {
            return Err(ServiceNowError::MissingClientSecret);
        }
        let sealed = (!secret.is_empty()).then(|| self.secrets.seal(CLIENT_SECRET, secret));
        self.storage
            .save_servicenow_client(instance.as_str(), client_id, sealed.as_deref())
            .await
            .map_err(unavailable)?;
        self.drop_api().await;
        self.storage
            .audit(
                &actor.email,
                "servicenow.configured",
                Some(instance.to_string()),
                json!({ "client_id": client_id, "secret_replaced": sealed.is_some() }),
            )
            .await;
        Ok(())
    }

    fn status_of(&self, stored: Option<StoredConnection>) -> ConnectionStatus {
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

/// A failure on ScoreNow's side (storage, decryption) in the middle of an exchange.
fn internal(error: &dyn std::error::Error) -> Failure {
    Failure::new(ProblemKind::Malformed, error_chain(error))
}

/// Seals and stores a token response.
async fn store_tokens(
    storage: &Storage,
    secrets: &SecretBox,
    tokens: &oauth::TokenSet,
) -> Result<i64, StorageError> {
    let expires_at = unix_now() + tokens.expires_in.as_secs() as i64;
    storage
        .store_servicenow_tokens(&SealedTokens {
            access_token: secrets.seal(ACCESS_TOKEN, &tokens.access_token),
            access_expires_at: expires_at,
            refresh_token: tokens
                .refresh_token
                .as_deref()
                .map(|token| secrets.seal(REFRESH_TOKEN, token)),
        })
        .await?;
    Ok(expires_at)
}

/// Refreshes with the stored refresh token and stores what comes back; a
/// refused refresh turns the connection to *needs re-authorisation*.
struct StoredRefresher {
    storage: Storage,
    secrets: SecretBox,
    http: reqwest::Client,
    instance: InstanceUrl,
    credentials: Credentials,
    redirect_uri: String,
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
            .open(REFRESH_TOKEN, &sealed)
            .map_err(|e| internal(&e))?;
        let outcome = oauth::refresh(
            &self.http,
            &self.instance,
            &self.credentials,
            &self.redirect_uri,
            &refresh_token,
        )
        .await;
        match outcome {
            Ok(tokens) => {
                let expires_at = store_tokens(&self.storage, &self.secrets, &tokens)
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

#[async_trait::async_trait]
impl ServiceNowAdmin for ServiceNowService {
    async fn status(&self) -> Result<ConnectionStatus, ServiceNowError> {
        Ok(self.status_of(self.stored().await?))
    }

    async fn begin_authorization(
        &self,
        actor: &CurrentUser,
        form: Option<ConnectionForm>,
    ) -> Result<String, ServiceNowError> {
        if let Some(form) = form {
            self.save_form(actor, form).await?;
        }
        let stored = self.stored().await?.ok_or(ServiceNowError::NotConfigured)?;
        let instance = self.instance(&stored)?;
        let start =
            oauth::start_authorization(&instance, &self.credentials(&stored)?, &self.redirect_uri);
        let now = unix_now();
        let pending = PendingAuthorization {
            sealed_pkce_verifier: self.secrets.seal(PKCE_VERIFIER, &start.pkce_verifier),
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

    async fn test_connection(
        &self,
        actor: &CurrentUser,
    ) -> Result<ConnectionStatus, ServiceNowError> {
        let outcome = async {
            let user = self.integration_user().await?;
            self.storage
                .set_servicenow_integration_user(&user)
                .await
                .map_err(unavailable)?;
            let stored = self.stored().await?.ok_or(ServiceNowError::NotConfigured)?;
            let api = self.api().await?;
            let query = format!("client_id={}", stored.client_id);
            let _: Vec<Value> = self
                .note(api.list("oauth_entity", &query, &["name"], 1).await)
                .await?;
            for table in TicketTable::ALL {
                self.note(api.count_by(table.as_str(), "", "state").await)
                    .await?;
            }
            Ok::<_, ServiceNowError>(())
        }
        .await;
        self.storage
            .audit(
                &actor.email,
                "servicenow.tested",
                None,
                json!({ "ok": outcome.is_ok() }),
            )
            .await;
        match outcome {
            Ok(()) | Err(ServiceNowError::ServiceNow(_)) => self.status().await,
            Err(error) => Err(error),
        }
    }

    async fn settings(&self) -> Result<ServiceNowSettings, ServiceNowError> {
        let status = self.status().await?;
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
        let defaults = match self
            .storage
            .servicenow_ticket_defaults()
            .await
            .map_err(unavailable)?
        {
            Some((ticket_type, assignment_group, category)) => TicketDefaults {
                ticket_type: TicketTable::parse(&ticket_type).unwrap_or(TicketTable::ChangeRequest),
                assignment_group,
                category,
            },
            None => TicketDefaults::default(),
        };
        Ok(ServiceNowSettings {
            state: status.state,
            instance: status.instance,
            state_names,
            defaults,
        })
    }

    async fn save_state_names(
        &self,
        actor: &CurrentUser,
        table: TicketTable,
        names: BTreeMap<String, String>,
    ) -> Result<(), ServiceNowError> {
        let mut custom = BTreeMap::new();
        for (value, name) in names {
            let Some((_, default_name)) = table.states().iter().find(|(v, _)| *v == value) else {
                return Err(ServiceNowError::StateName { value });
            };
            let name = name.trim();
            if name.chars().count() > STATE_NAME_MAX {
                return Err(ServiceNowError::StateName { value });
            }
            if !name.is_empty() && name != *default_name {
                custom.insert(value, name.to_owned());
            }
        }
        self.storage
            .replace_servicenow_state_names(table.as_str(), &custom)
            .await
            .map_err(unavailable)?;
        self.storage
            .audit(
                &actor.email,
                "servicenow.state_names_changed",
                Some(table.as_str().to_owned()),
                json!({ "names": custom }),
            )
            .await;
        Ok(())
    }

    async fn save_defaults(
        &self,
        actor: &CurrentUser,
        defaults: TicketDefaults,
    ) -> Result<(), ServiceNowError> {
        let group = defaults.assignment_group.trim();
        let category = defaults.category.trim();
        if group.chars().count() > DEFAULT_FIELD_MAX || category.chars().count() > DEFAULT_FIELD_MAX
        {
            return Err(ServiceNowError::DefaultTooLong);
        }
        self.storage
            .save_servicenow_ticket_defaults(defaults.ticket_type.as_str(), group, category)
            .await
            .map_err(unavailable)?;
        self.storage.audit(
            &actor.email,
            "servicenow.defaults_changed",
            None,
            json!({ "ticket_type": defaults.ticket_type.as_str(), "assignment_group": group, "category": category }),
        )
        .await;
        Ok(())
    }

    async fn remove(&self, actor: &CurrentUser) -> Result<(), ServiceNowError> {
        let stored = self.stored().await?.ok_or(ServiceNowError::NotConfigured)?;
        let mut revoked = Vec::new();
        if let Ok(instance) = self.instance(&stored) {
            let tokens = [
                (REFRESH_TOKEN, "refresh_token", &stored.sealed_refresh_token),
                (ACCESS_TOKEN, "access_token", &stored.sealed_access_token),
            ];
            for (purpose, name, sealed) in tokens {
                let Some(token) = sealed
                    .as_ref()
                    .and_then(|s| self.secrets.open(purpose, s).ok())
                else {
                    continue;
                };
                match oauth::revoke(&self.http, &instance, &token).await {
                    Ok(()) => revoked.push(name),
                    Err(failure) => {
                        tracing::warn!(%failure, token = name, "revocation at the instance failed")
                    }
                }
            }
        }
        self.storage
            .delete_servicenow_connection()
            .await
            .map_err(unavailable)?;
        self.drop_api().await;
        self.storage
            .audit(
                &actor.email,
                "servicenow.removed",
                Some(stored.instance_url),
                json!({ "revoked": revoked }),
            )
            .await;
        Ok(())
    }

    async fn home(&self, user: &CurrentUser) -> Result<HomeServiceNow, ServiceNowError> {
        let state = self.status_of(self.stored().await?).state;
        let unconnected = matches!(
            state,
            ConnectionState::NotConfigured | ConnectionState::AwaitingAuthorization
        );
        let offer_connection = unconnected
            && !self
                .storage
                .servicenow_offer_dismissed(user.id)
                .await
                .map_err(unavailable)?;
        Ok(HomeServiceNow {
            state,
            offer_connection,
            can_connect: user.role.includes(Role::Admin),
        })
    }

    async fn dismiss_offer(&self, user: &CurrentUser) -> Result<(), ServiceNowError> {
        self.storage
            .dismiss_servicenow_offer(user.id)
            .await
            .map_err(unavailable)
    }
}
