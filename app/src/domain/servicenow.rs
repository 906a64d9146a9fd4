//! The ServiceNow connection (admins): its state and status, the failures
//! ServiceNow can answer with, the ticket tables and their states, state
//! names and ticket defaults, and what the home page needs to know.

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
    /// A port other than 443 that the allowlist does not name (`host:port`).
    PortNotAllowed { host: String },
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
    /// The instance's IP Address Access Control refused this server.
    IpRestricted,
    /// ACLs hide ScoreNow's own records from the integration user, so a
    /// ticket whose answer was lost cannot be looked up.
    RecordsHidden,
    /// The record found for a ticket belongs to another ticket already.
    RecordConflict,
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
    /// Tickets that could not be sent until an admin sends them again, per reason.
    pub refused_tickets: Vec<RefusedTickets>,
}

/// How many tickets wait for an admin for one reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedTickets {
    pub problem: ProblemKind,
    pub count: u64,
}

named_enum! {
    /// The two ServiceNow tables tickets are created in, change requests
    /// first; named as in ServiceNow.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum TicketTable {
        ChangeRequest = "change_request",
        Incident = "incident",
    }
}

impl TicketTable {
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

named_enum! {
    /// How an authorisation ended, as the callback tells the setup page
    /// (`/servicenow/setup?outcome=…`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum CallbackOutcome {
        Connected = "connected",
        ConsentDenied = "consent_denied",
        StateMismatch = "state_mismatch",
        Refused = "refused",
        Failed = "failed",
    }
}

impl CallbackOutcome {
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

/// Why a ServiceNow request was refused; each has a localised message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServiceNowRefusal {
    /// The instance field is unusable.
    Instance(InstanceProblem),
    MissingClientId,
    MissingClientSecret,
    /// Nothing to authorise, test or remove yet.
    NotConfigured,
    /// A custom state name is too long or names an unknown state.
    StateName {
        value: String,
    },
    /// An assignment group or category is too long.
    DefaultTooLong,
    /// The removal was not confirmed.
    NotConfirmed,
    /// ServiceNow refused or failed (details are on the status page).
    ServiceNow(ProblemKind),
}

/// A ServiceNow connection failure.
pub type ServiceNowError = crate::api::ApiError<ServiceNowRefusal>;

/// The non-secret fields of the connection form, sent back with a refusal
/// so that a form sent without JavaScript comes back filled in (the secret never does).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionInput {
    pub instance: String,
    pub client_id: String,
}

/// A refused connection form, with what was entered.
pub type ConnectError = crate::api::FormError<ServiceNowRefusal, ConnectionInput>;

/// What the connection form sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionForm {
    pub instance: String,
    pub client_id: String,
    /// Empty: keep the stored secret.
    pub client_secret: String,
}
