//! What server functions call: one trait per capability, implemented by the
//! `server` crate (each in a file named after the trait) and provided once,
//! as [`Services`], to every request through Leptos context.

use super::ApiError;
use crate::domain::{
    audit::{AuditEntry, AuditFilter},
    auth::{AuthError, CurrentUser, DemoAccount, Role},
    securescore::{
        ActionDetail, ActionFilter, ActionList, GraphConnection, ScoreSummary, SecureScoreError,
    },
    servicenow::{
        ConnectionForm, ConnectionStatus, HomeServiceNow, ServiceNowError, ServiceNowSettings,
        StateNameInput, TicketDefaults, TicketTable,
    },
    sso::SignInOptions,
    tickets::{
        ShareForm, ShareOutcome, Ticket, TicketCards, TicketDraft, TicketError, TicketFilter,
        TicketPage,
    },
    users::{UserSummary, UsersError},
};
use leptos::{prelude::use_context, server_fn::codec::TextStream};
use std::sync::Arc;

/// Signing in with local accounts, what the sign-in page offers besides
/// (single sign-on), and the sessions both open
/// (`server/src/accounts/auth_service.rs`).
#[async_trait::async_trait]
pub trait AuthService: Send + Sync + 'static {
    /// The user of a valid session, refreshing its idle timeout.
    async fn user_for_session(&self, token: &str) -> Result<Option<CurrentUser>, AuthError>;
    /// Checks the credentials (slowing down repeated failures per account
    /// and per `client` address) and opens a fresh session, ending the
    /// browser's `previous` one; returns the new session's token.
    async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<std::net::IpAddr>,
        previous: Option<&str>,
    ) -> Result<String, AuthError>;
    /// Checks the password of the session's user again (throttled like a
    /// sign-in) and records the confirmation on the session.
    async fn confirm_password(
        &self,
        token: &str,
        password: &str,
        client: Option<std::net::IpAddr>,
    ) -> Result<(), AuthError>;
    /// Whether the session's user confirmed their password in the last few minutes.
    async fn confirmed_recently(&self, token: &str) -> Result<bool, AuthError>;
    /// Closes one session; returns the identity provider's sign-out URL to
    /// send the browser through when the provider signed this user in.
    async fn sign_out(&self, token: &str) -> Result<Option<String>, AuthError>;
    /// Closes every session of the session's user; returns what `sign_out` does.
    async fn sign_out_everywhere(&self, token: &str) -> Result<Option<String>, AuthError>;
    /// What the sign-in page offers: the single sign-on button, and who may
    /// use the password form.
    fn sign_in_options(&self) -> SignInOptions;
    /// The demo accounts to show on the sign-in page (empty outside demo mode).
    fn demo_accounts(&self) -> Vec<DemoAccount>;
    /// How the session cookie is named and sent.
    fn session_cookie(&self) -> SessionCookie;
}

/// The value of the cookie `name` in these request headers, if any.
pub fn cookie_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|cookie| cookie.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value.to_owned())
}

/// How the session cookie is named and sent, decided by the public URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionCookie {
    /// Browsers reach ScoreNow over https: the cookie is `Secure` and
    /// `__Host-` prefixed (no `Domain`, `Path=/`), so no subdomain can set it.
    pub secure: bool,
}

impl SessionCookie {
    /// The cookie's name.
    pub fn name(self) -> &'static str {
        if self.secure {
            "__Host-scorenow_session"
        } else {
            "scorenow_session"
        }
    }

    /// The session token in these request headers, if any.
    pub fn token_in(self, headers: &http::HeaderMap) -> Option<String> {
        cookie_value(headers, self.name())
    }

    /// The `Set-Cookie` value that stores `token`, or clears the cookie with `None`.
    pub fn set_cookie(self, token: Option<&str>) -> String {
        let attributes = format!(
            "Path=/; HttpOnly; SameSite=Lax{}",
            if self.secure { "; Secure" } else { "" }
        );
        match token {
            Some(token) => format!("{}={token}; {attributes}", self.name()),
            None => format!("{}=; Max-Age=0; {attributes}", self.name()),
        }
    }
}

/// User administration for admins (`server/src/accounts/user_admin.rs`).
#[async_trait::async_trait]
pub trait UserAdmin: Send + Sync + 'static {
    /// Every account, by email.
    async fn list(&self) -> Result<Vec<UserSummary>, UsersError>;
    /// Creates an account.
    async fn create(
        &self,
        actor: &CurrentUser,
        email: &str,
        name: &str,
        role: Role,
        password: &str,
    ) -> Result<(), UsersError>;
    /// Gives a user another role; the last active admin stays one.
    async fn change_role(
        &self,
        actor: &CurrentUser,
        user_id: i64,
        role: Role,
    ) -> Result<(), UsersError>;
    /// Deactivates (ending every session) or reactivates an account.
    async fn set_active(
        &self,
        actor: &CurrentUser,
        user_id: i64,
        active: bool,
    ) -> Result<(), UsersError>;
    /// Sets a new password, ending every session of that user.
    async fn reset_password(
        &self,
        actor: &CurrentUser,
        user_id: i64,
        password: &str,
    ) -> Result<(), UsersError>;
}

/// The ServiceNow connection (`server/src/servicenow/admin.rs`).
#[async_trait::async_trait]
pub trait ServiceNowAdmin: Send + Sync + 'static {
    /// Everything the setup page shows.
    async fn status(&self) -> Result<ConnectionStatus, ServiceNowError>;
    /// Saves the form (when given) and returns the URL to send the browser
    /// to. Changing the instance or client of a stored connection needs the
    /// admin's password `confirmed` recently.
    async fn begin_authorization(
        &self,
        actor: &CurrentUser,
        form: Option<ConnectionForm>,
        confirmed: bool,
    ) -> Result<String, ServiceNowError>;
    /// Makes harmless calls and returns the updated status.
    async fn test_connection(
        &self,
        actor: &CurrentUser,
    ) -> Result<ConnectionStatus, ServiceNowError>;
    /// State names and ticket defaults.
    async fn settings(&self) -> Result<ServiceNowSettings, ServiceNowError>;
    /// Saves the custom state names of `table` (an empty name restores
    /// ServiceNow's); `reset` restores them all.
    async fn save_state_names(
        &self,
        actor: &CurrentUser,
        table: TicketTable,
        states: Vec<StateNameInput>,
        reset: bool,
    ) -> Result<(), ServiceNowError>;
    /// Saves the values new tickets start with.
    async fn save_defaults(
        &self,
        actor: &CurrentUser,
        defaults: TicketDefaults,
    ) -> Result<(), ServiceNowError>;
    /// Revokes the tokens and deletes the connection, when `confirmed`.
    async fn remove(&self, actor: &CurrentUser, confirmed: bool) -> Result<(), ServiceNowError>;
    /// The connection's state and whether to offer connecting, for `user`.
    async fn home(&self, user: &CurrentUser) -> Result<HomeServiceNow, ServiceNowError>;
    /// Hides the "Do you use ServiceNow?" card for `user`.
    async fn dismiss_offer(&self, user: &CurrentUser) -> Result<(), ServiceNowError>;
}

/// Secure Score as the server keeps it (`server/src/securescore/reader.rs`).
#[async_trait::async_trait]
pub trait SecureScoreReader: Send + Sync + 'static {
    /// The actions passing `filter`, with their tickets and what `user` may do.
    async fn actions(
        &self,
        user: &CurrentUser,
        filter: &ActionFilter,
    ) -> Result<ActionList, SecureScoreError>;
    /// One action; `None` when there is no such id.
    async fn action(&self, id: &str) -> Result<Option<ActionDetail>, SecureScoreError>;
    /// The score, its categories and its trend.
    async fn summary(&self) -> Result<ScoreSummary, SecureScoreError>;
    /// Reads the source now.
    async fn refresh(&self) -> Result<(), SecureScoreError>;
    /// The Microsoft Graph connection, its secret only as "stored".
    async fn graph_connection(&self) -> Result<GraphConnection, SecureScoreError>;
    /// Saves the credentials (an empty secret keeps the stored one) and reads the tenant.
    async fn save_graph(
        &self,
        actor: &CurrentUser,
        tenant_id: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<(), SecureScoreError>;
    /// Forgets the tenant set in the UI and its secret.
    async fn remove_graph(&self, actor: &CurrentUser) -> Result<(), SecureScoreError>;
}

/// Ticket creation and tracking (`server/src/tickets/desk.rs`).
#[async_trait::async_trait]
pub trait TicketDesk: Send + Sync + 'static {
    /// The share dialog's prefilled fields and a fresh request key.
    async fn share_form(
        &self,
        user: &CurrentUser,
        action_id: Option<&str>,
    ) -> Result<ShareForm, TicketError>;
    /// Creates the ticket, or queues it when ServiceNow cannot take it now.
    async fn share(
        &self,
        user: &CurrentUser,
        draft: TicketDraft,
    ) -> Result<ShareOutcome, TicketError>;
    /// One ticket.
    async fn ticket(&self, id: i64) -> Result<Option<Ticket>, TicketError>;
    /// One page of the tickets list, with what `user` may do.
    async fn list(
        &self,
        user: &CurrentUser,
        filter: &TicketFilter,
    ) -> Result<TicketPage, TicketError>;
    /// Every ticket matching `filter`, as CSV lines (header first).
    async fn export(&self, filter: TicketFilter) -> Result<TextStream<TicketError>, TicketError>;
    /// The home page's ticket cards.
    async fn cards(&self, user: &CurrentUser) -> Result<TicketCards, TicketError>;
    /// Sends the refused ticket `id` again (admins), looking it up first
    /// when an earlier attempt may have created it.
    async fn retry(&self, user: &CurrentUser, id: i64) -> Result<Ticket, TicketError>;
    /// Sends every refused ticket again (admins); how many went back in the
    /// queue (those whose action has another open ticket stay refused).
    async fn retry_all(&self, user: &CurrentUser) -> Result<u64, TicketError>;
    /// Syncs states from ServiceNow now.
    async fn refresh(&self, user: &CurrentUser) -> Result<(), TicketError>;
}

/// The audit log (`server/src/audit_reader.rs`).
#[async_trait::async_trait]
pub trait AuditReader: Send + Sync + 'static {
    /// The newest records passing `filter`, newest first.
    async fn entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, ApiError>;
}

/// Every service a server function may call, provided once per request.
#[derive(Clone)]
pub struct Services {
    pub auth: Arc<dyn AuthService>,
    pub users: Arc<dyn UserAdmin>,
    pub servicenow: Arc<dyn ServiceNowAdmin>,
    pub securescore: Arc<dyn SecureScoreReader>,
    pub tickets: Arc<dyn TicketDesk>,
    pub audit: Arc<dyn AuditReader>,
}

/// The services of this request (`Unavailable` outside one).
pub fn services<R>() -> Result<Services, ApiError<R>> {
    use_context::<Services>().ok_or(ApiError::Unavailable)
}
