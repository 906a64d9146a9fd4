//! The ServiceNow connection (admins): connect and authorise, status and
//! test, state names and ticket defaults, removal; plus the connection
//! health every signed-in user's pages show and the home-page card.

#[cfg(feature = "ssr")]
use crate::auth::Role;
use leptos::prelude::*;
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why what an admin typed as the instance cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InstanceProblem {
    /// Nothing was entered.
    Empty,
    /// Not a name, host or URL.
    Invalid,
    /// A URL that is not `https`.
    NotHttps,
    /// Neither a ServiceNow host nor one an admin allowed.
    HostNotAllowed { host: String },
}

/// Where the connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConnectionState {
    /// No instance configured.
    NotConfigured,
    /// Instance and client saved, authorisation not completed.
    AwaitingAuthorization,
    /// Authorised; tokens held.
    Connected,
    /// The refresh token no longer works: an admin must authorise again.
    NeedsReauthorization,
}

/// The classes of ServiceNow failure, each with its troubleshooting advice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProblemKind {
    /// Tokens refused: authorise again (as the integration user).
    ReauthorizationNeeded,
    /// An ACL, business rule or IP filter refused the call.
    Forbidden,
    /// The `oauth_entity` table's cross-scope access policy refused a read.
    CrossScopePolicy,
    /// The record or table does not exist (or ACLs hide it).
    NotFound,
    /// Rate limit exceeded.
    RateLimited,
    /// The instance answered 5xx.
    ServerError,
    /// The instance could not be reached.
    Network,
    /// The instance did not answer in time.
    Timeout,
    /// The answer was not what ServiceNow sends.
    Malformed,
    /// The instance answered with a redirect, which is never followed.
    Redirected,
    /// The instance refused the request itself (400, 405, 415, …).
    Rejected,
    /// The user chose Deny on the consent page.
    ConsentDenied,
    /// The callback's `state` matched no authorisation in progress.
    StateMismatch,
    /// The instance refused the authorisation code or the client credentials.
    AuthorizationRefused,
}

/// One failed exchange with ServiceNow, as the status page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub kind: ProblemKind,
    /// HTTP status, when a response came back.
    pub status: Option<u16>,
    /// ServiceNow's `error.message` (or the OAuth error), if any.
    pub message: String,
    /// ServiceNow's `error.detail`, if any.
    pub detail: String,
    /// Seconds to wait, for rate limits.
    pub retry_after_secs: Option<u64>,
    /// When it happened (UTC, `YYYY-MM-DD HH:MM:SS`).
    pub at: String,
}

/// Values that make the demo connect without looking anything up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoHints {
    pub instance: String,
    pub client_id: String,
    pub client_secret: String,
    pub integration_user: String,
    pub integration_password: String,
}

/// Everything the setup page shows. Secrets appear only as "stored".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionStatus {
    pub state: ConnectionState,
    pub instance: Option<String>,
    pub client_id: Option<String>,
    pub secret_stored: bool,
    pub integration_user: Option<String>,
    /// When the access token expires (UTC).
    pub token_expires_at: Option<String>,
    /// The last call that succeeded (UTC).
    pub last_success_at: Option<String>,
    pub last_error: Option<Problem>,
    /// The redirect URI to register on the OAuth entity.
    pub redirect_uri: String,
    /// Set in demo mode.
    pub demo: Option<DemoHints>,
}

/// The two ServiceNow tables tickets are created in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketTable {
    ChangeRequest,
    Incident,
}

impl TicketTable {
    /// Both tables, change requests first.
    pub const ALL: [TicketTable; 2] = [TicketTable::ChangeRequest, TicketTable::Incident];

    /// The table's name in ServiceNow.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketTable::ChangeRequest => "change_request",
            TicketTable::Incident => "incident",
        }
    }

    /// The table called `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|table| table.as_str() == name)
    }

    /// The table's states (value, ServiceNow's name), in workflow order.
    pub fn states(self) -> &'static [(&'static str, &'static str)] {
        match self {
            TicketTable::ChangeRequest => &[
                ("-5", "New"),
                ("-4", "Assess"),
                ("-3", "Authorize"),
                ("-2", "Scheduled"),
                ("-1", "Implement"),
                ("0", "Review"),
                ("3", "Closed"),
                ("4", "Canceled"),
            ],
            TicketTable::Incident => &[
                ("1", "New"),
                ("2", "In Progress"),
                ("3", "On Hold"),
                ("6", "Resolved"),
                ("7", "Closed"),
                ("8", "Canceled"),
            ],
        }
    }
}

/// Longest custom state name, in characters.
pub const STATE_NAME_MAX: usize = 40;
/// Longest assignment group or category, in characters.
pub const DEFAULT_FIELD_MAX: usize = 80;

/// One state and the name ScoreNow shows for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateName {
    pub value: String,
    /// ServiceNow's own name.
    pub default_name: String,
    /// The admin's name, if they set one.
    pub custom_name: Option<String>,
}

impl StateName {
    /// The name to show.
    pub fn shown(&self) -> &str {
        self.custom_name.as_deref().unwrap_or(&self.default_name)
    }
}

/// One state's name as a form sends it (`states[i][value]`, `states[i][name]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateNameInput {
    pub value: String,
    #[serde(default)]
    pub name: String,
}

/// Values new tickets start with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketDefaults {
    pub ticket_type: TicketTable,
    pub assignment_group: String,
    pub category: String,
}

impl Default for TicketDefaults {
    fn default() -> Self {
        Self {
            ticket_type: TicketTable::ChangeRequest,
            assignment_group: String::new(),
            category: String::new(),
        }
    }
}

/// The settings page's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceNowSettings {
    pub state: ConnectionState,
    pub instance: Option<String>,
    pub state_names: BTreeMap<TicketTable, Vec<StateName>>,
    pub defaults: TicketDefaults,
}

/// How an authorisation ended, as the callback tells the setup page
/// (`/servicenow/setup?outcome=…`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallbackOutcome {
    Connected,
    ConsentDenied,
    StateMismatch,
    Refused,
    Failed,
}

impl CallbackOutcome {
    const ALL: [(CallbackOutcome, &'static str); 5] = [
        (CallbackOutcome::Connected, "connected"),
        (CallbackOutcome::ConsentDenied, "consent_denied"),
        (CallbackOutcome::StateMismatch, "state_mismatch"),
        (CallbackOutcome::Refused, "refused"),
        (CallbackOutcome::Failed, "failed"),
    ];

    /// The outcome of completing an authorisation.
    pub fn of(result: Result<(), ProblemKind>) -> Self {
        match result {
            Ok(()) => CallbackOutcome::Connected,
            Err(ProblemKind::ConsentDenied) => CallbackOutcome::ConsentDenied,
            Err(ProblemKind::StateMismatch) => CallbackOutcome::StateMismatch,
            Err(ProblemKind::AuthorizationRefused | ProblemKind::ReauthorizationNeeded) => {
                CallbackOutcome::Refused
            }
            Err(_) => CallbackOutcome::Failed,
        }
    }

    /// Its spelling in the query string.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(outcome, _)| *outcome == self)
            .map_or("failed", |(_, name)| name)
    }

    /// The outcome spelled `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, spelled)| *spelled == name)
            .map(|(outcome, _)| *outcome)
    }
}

/// What the home page needs to know about ServiceNow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeServiceNow {
    pub state: ConnectionState,
    /// Show the "Do you use ServiceNow?" card.
    pub offer_connection: bool,
    /// The user may connect (admins).
    pub can_connect: bool,
}

/// Why a ServiceNow request failed; each has a localised message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ServiceNowError {
    #[error("not signed in")]
    NotSignedIn,
    #[error("forbidden")]
    Forbidden,
    /// The instance field is unusable.
    #[error("instance: {0:?}")]
    Instance(InstanceProblem),
    #[error("client ID missing")]
    MissingClientId,
    #[error("client secret missing")]
    MissingClientSecret,
    /// Nothing to authorise, test or remove yet.
    #[error("not configured")]
    NotConfigured,
    /// A custom state name is too long or names an unknown state.
    #[error("bad state name for {value}")]
    StateName { value: String },
    /// An assignment group or category is too long.
    #[error("value too long")]
    DefaultTooLong,
    /// The removal was not confirmed.
    #[error("removal not confirmed")]
    NotConfirmed,
    /// ServiceNow refused or failed (details are on the status page).
    #[error("ServiceNow: {0:?}")]
    ServiceNow(ProblemKind),
    #[error("unavailable")]
    Unavailable,
    #[error("{0}")]
    ServerFn(ServerFnErrorErr),
}

impl FromServerFnError for ServiceNowError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ServiceNowError::ServerFn(value)
    }
}

/// A refused connection form, with the non-secret fields as submitted so a
/// form sent without JavaScript comes back filled in (the secret never does).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{reason}")]
pub struct ConnectError {
    pub reason: ServiceNowError,
    pub instance: String,
    pub client_id: String,
}

impl FromServerFnError for ConnectError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self {
            reason: ServiceNowError::ServerFn(value),
            instance: String::new(),
            client_id: String::new(),
        }
    }
}

/// What the connection form sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionForm {
    pub instance: String,
    pub client_id: String,
    /// Empty: keep the stored secret.
    pub client_secret: String,
}

/// Server-side half: the service the server provides.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::auth::CurrentUser;
    use std::sync::Arc;

    /// The ServiceNow connection, implemented by the server and provided through context.
    #[async_trait::async_trait]
    pub trait ServiceNowAdmin: Send + Sync + 'static {
        async fn status(&self) -> Result<ConnectionStatus, ServiceNowError>;
        /// Saves the form (when given) and returns the URL to send the browser to.
        async fn begin_authorization(
            &self,
            actor: &CurrentUser,
            form: Option<ConnectionForm>,
        ) -> Result<String, ServiceNowError>;
        async fn test_connection(
            &self,
            actor: &CurrentUser,
        ) -> Result<ConnectionStatus, ServiceNowError>;
        async fn settings(&self) -> Result<ServiceNowSettings, ServiceNowError>;
        async fn save_state_names(
            &self,
            actor: &CurrentUser,
            table: TicketTable,
            names: BTreeMap<String, String>,
        ) -> Result<(), ServiceNowError>;
        async fn save_defaults(
            &self,
            actor: &CurrentUser,
            defaults: TicketDefaults,
        ) -> Result<(), ServiceNowError>;
        async fn remove(&self, actor: &CurrentUser) -> Result<(), ServiceNowError>;
        async fn home(&self, user: &CurrentUser) -> Result<HomeServiceNow, ServiceNowError>;
        async fn dismiss_offer(&self, user: &CurrentUser) -> Result<(), ServiceNowError>;
    }

    /// The signed-in user with at least `role`, or why the request is refused.
    pub async fn require(role: Role) -> Result<CurrentUser, ServiceNowError> {
        use crate::api::auth::ssr::{Refusal, require_role};
        require_role(role).await.map_err(|refusal| match refusal {
            Refusal::NotSignedIn => ServiceNowError::NotSignedIn,
            Refusal::Forbidden => ServiceNowError::Forbidden,
            Refusal::Unavailable => ServiceNowError::Unavailable,
        })
    }

    /// The service from context.
    pub fn service() -> Result<Arc<dyn ServiceNowAdmin>, ServiceNowError> {
        use_context::<Arc<dyn ServiceNowAdmin>>().ok_or(ServiceNowError::Unavailable)
    }

    /// Sends the browser to `url` (a 302 for forms sent without JavaScript).
    pub fn send_browser_to(url: &str) {
        leptos_axum::redirect(url);
    }
}

/// The connection's status (admins).
#[server(endpoint = "servicenow_status")]
pub async fn servicenow_status() -> Result<ConnectionStatus, ServiceNowError> {
    ssr::require(Role::Admin).await?;
    ssr::service()?.status().await
}

/// Saves instance, client ID and (when given) secret, then sends the browser
/// to the instance to authorise.
#[server(endpoint = "connect_servicenow")]
pub async fn connect_servicenow(
    instance: String,
    client_id: String,
    client_secret: String,
) -> Result<(), ConnectError> {
    let form = ConnectionForm {
        instance: instance.clone(),
        client_id: client_id.clone(),
        client_secret,
    };
    let outcome: Result<String, ServiceNowError> = async {
        let actor = ssr::require(Role::Admin).await?;
        ssr::service()?
            .begin_authorization(&actor, Some(form))
            .await
    }
    .await;
    match outcome {
        Ok(url) => {
            ssr::send_browser_to(&url);
            Ok(())
        }
        Err(reason) => Err(ConnectError {
            reason,
            instance,
            client_id,
        }),
    }
}

/// Authorises again with the saved instance and client.
#[server(endpoint = "reauthorize_servicenow")]
pub async fn reauthorize_servicenow() -> Result<(), ServiceNowError> {
    let actor = ssr::require(Role::Admin).await?;
    let url = ssr::service()?.begin_authorization(&actor, None).await?;
    ssr::send_browser_to(&url);
    Ok(())
}

/// Makes one harmless call and returns the updated status.
#[server(endpoint = "test_servicenow_connection")]
pub async fn test_servicenow_connection() -> Result<ConnectionStatus, ServiceNowError> {
    let actor = ssr::require(Role::Admin).await?;
    ssr::service()?.test_connection(&actor).await
}

/// State names and ticket defaults (admins).
#[server(endpoint = "servicenow_settings")]
pub async fn servicenow_settings() -> Result<ServiceNowSettings, ServiceNowError> {
    ssr::require(Role::Admin).await?;
    ssr::service()?.settings().await
}

/// Saves the custom state names of one table; an empty name restores
/// ServiceNow's. `reset` restores them all.
#[server(endpoint = "save_state_names")]
pub async fn save_state_names(
    table: TicketTable,
    #[server(default)] states: Vec<StateNameInput>,
    #[server(default)] reset: bool,
) -> Result<(), ServiceNowError> {
    let actor = ssr::require(Role::Admin).await?;
    let names = if reset {
        BTreeMap::new()
    } else {
        states
            .into_iter()
            .map(|state| (state.value, state.name))
            .collect()
    };
    ssr::service()?.save_state_names(&actor, table, names).await
}

/// Saves the values new tickets start with.
#[server(endpoint = "save_ticket_defaults")]
pub async fn save_ticket_defaults(
    ticket_type: TicketTable,
    assignment_group: String,
    category: String,
) -> Result<(), ServiceNowError> {
    let actor = ssr::require(Role::Admin).await?;
    let defaults = TicketDefaults {
        ticket_type,
        assignment_group,
        category,
    };
    ssr::service()?.save_defaults(&actor, defaults).await
}

/// Revokes the tokens at the instance and deletes the connection and its
/// secrets; `confirm` must be checked.
#[server(endpoint = "remove_servicenow_connection")]
pub async fn remove_servicenow_connection(
    #[server(default)] confirm: bool,
) -> Result<(), ServiceNowError> {
    let actor = ssr::require(Role::Admin).await?;
    if !confirm {
        return Err(ServiceNowError::NotConfirmed);
    }
    ssr::service()?.remove(&actor).await
}

/// Connection state and whether to offer connecting, for the signed-in user.
#[server(endpoint = "home_servicenow")]
pub async fn home_servicenow() -> Result<HomeServiceNow, ServiceNowError> {
    let user = ssr::require(Role::Reader).await?;
    ssr::service()?.home(&user).await
}

/// Hides the "Do you use ServiceNow?" card for the signed-in user.
#[server(endpoint = "dismiss_servicenow_offer")]
pub async fn dismiss_servicenow_offer() -> Result<(), ServiceNowError> {
    let user = ssr::require(Role::Reader).await?;
    ssr::service()?.dismiss_offer(&user).await
}
