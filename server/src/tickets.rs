//! Tickets: the share dialog's server side, the queue that never loses a
//! ticket, the background sync, the home cards and the tickets list. The
//! service lives here; `app`'s `TicketDesk` is implemented in `desk.rs`.

mod desk;
mod outbox;
mod record;
mod sync;
mod view;

use crate::{
    job_lease::JobLease,
    securescore::SecureScoreService,
    servicenow::{CallError, ServiceNowService},
    storage::{
        Storage,
        tickets::{StoredTicket, TicketOrder, TicketQuery},
    },
};
use app::{
    api::ApiError,
    domain::{
        securescore::ActionDetail,
        servicenow::{ProblemKind, ServiceNowRefusal, TicketTable},
        tickets::{Ticket, TicketError, TicketFilter, TicketRefusal, TicketSort},
    },
};
use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, Weak},
    time::{Duration, Instant},
};
pub use sync::SyncError;
use view::TicketView;

/// How long the share request waits for ServiceNow before answering *queued*
/// (the attempt goes on in the background).
const INLINE_BUDGET: Duration = Duration::from_secs(8);
/// How long home-card counts are reused before ServiceNow is asked again.
const CARD_COUNTS_TTL: Duration = Duration::from_secs(15);
/// Longest the home page waits for a count before showing the cards without it.
const CARD_COUNTS_WAIT: Duration = Duration::from_secs(5);
/// Tickets on a home card.
const CARD_LATEST: i64 = 5;
/// Default due date of a new ticket, in days from today.
const DUE_IN_DAYS: i64 = 30;
/// Longest a sync may run before another replica may start one.
const SYNC_LEASE: Duration = Duration::from_secs(300);
/// How long an on-demand sync waits for another replica's to end.
const ON_DEMAND_SYNC_PATIENCE: Duration = Duration::from_secs(30);

/// Counts per state value of each table, or why ServiceNow gave none (when it said).
type CardCounts = BTreeMap<TicketTable, Result<Vec<(String, u64)>, Option<ProblemKind>>>;

/// Tickets: sending, tracking and showing them.
pub struct TicketService {
    storage: Storage,
    servicenow: Arc<ServiceNowService>,
    securescore: Arc<SecureScoreService>,
    /// ScoreNow's public URL, for deep links in tickets.
    public_url: String,
    /// How long to wait before looking up a ticket whose creation may have
    /// happened unheard (see `outbox`).
    unknown_outcome_wait: Duration,
    /// Wakes the background sender.
    wake: tokio::sync::Notify,
    /// One sync at a time.
    sync_lock: tokio::sync::Mutex<()>,
    /// One sync at a time across the replicas, too.
    sync_lease: JobLease,
    card_counts: Mutex<Option<(Instant, Arc<CardCounts>)>>,
    /// One reading of the counts at a time; the others wait for it and share it.
    card_reading: tokio::sync::Mutex<()>,
    /// This service, for sends that outlive the request starting them.
    me: Weak<TicketService>,
}

fn unavailable(error: impl std::fmt::Display) -> TicketError {
    tracing::error!(%error, "ticket storage failed");
    ApiError::Unavailable
}

/// A ticket error for a failed call through the connection.
fn call_error(error: CallError) -> TicketError {
    match error {
        CallError::Failed(failure) => ApiError::Refused(TicketRefusal::ServiceNow(failure.kind)),
        CallError::Connection(ApiError::Refused(ServiceNowRefusal::NotConfigured)) => {
            ApiError::Refused(TicketRefusal::NotConnected)
        }
        CallError::Connection(ApiError::Refused(ServiceNowRefusal::ServiceNow(kind))) => {
            ApiError::Refused(TicketRefusal::ServiceNow(kind))
        }
        CallError::Connection(_) => ApiError::Unavailable,
    }
}

/// A fresh request key: 128 random bits as hex.
fn new_request_key() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// At most `max` characters of `text`.
fn truncated(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

impl TicketService {
    /// The service of `replica`; start [`Self::send_queued`] and
    /// [`Self::sync_every`] to run it.
    pub fn new(
        storage: Storage,
        servicenow: Arc<ServiceNowService>,
        securescore: Arc<SecureScoreService>,
        public_url: String,
        replica: Arc<str>,
        unknown_outcome_wait: Duration,
    ) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            sync_lease: JobLease::new(storage.clone(), "ticket-sync", replica, SYNC_LEASE),
            storage,
            servicenow,
            securescore,
            public_url,
            unknown_outcome_wait,
            wake: tokio::sync::Notify::new(),
            sync_lock: tokio::sync::Mutex::new(()),
            card_counts: Mutex::new(None),
            card_reading: tokio::sync::Mutex::new(()),
            me: me.clone(),
        })
    }

    /// Makes the next home page ask ServiceNow for fresh counts.
    fn invalidate_cards(&self) {
        *self
            .card_counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// What converting stored tickets needs (links, state names, completed
    /// actions) and the connection's state, read once per request.
    async fn view(&self) -> Result<TicketView, TicketError> {
        let (connection, instance) = self
            .servicenow
            .connection()
            .await
            .map_err(|_| ApiError::Unavailable)?;
        let state_names = self
            .servicenow
            .state_names()
            .await
            .map_err(|_| ApiError::Unavailable)?
            .into_iter()
            .map(|(table, names)| (table, TicketView::shown_names(&names)))
            .collect();
        let completed_actions = self
            .securescore
            .completed_actions()
            .into_iter()
            .map(|action| action.id)
            .collect();
        Ok(TicketView {
            connection,
            instance,
            state_names,
            completed_actions,
        })
    }

    /// The stored ticket `id`, which this service just wrote.
    async fn existing(&self, id: i64) -> Result<StoredTicket, TicketError> {
        self.storage
            .ticket(id)
            .await
            .map_err(unavailable)?
            .ok_or(ApiError::Unavailable)
    }

    /// The improvement action `id`, or why it cannot be shared.
    async fn action(&self, id: &str) -> Result<ActionDetail, TicketError> {
        self.securescore
            .action(id)
            .map_err(|_| ApiError::Unavailable)?
            .ok_or(TicketRefusal::UnknownAction.into())
    }

    /// The deep link back to the action `id`.
    fn action_link(&self, id: &str) -> String {
        format!("{}/securescore/actions/{id}", self.public_url)
    }

    /// The counts read less than [`CARD_COUNTS_TTL`] ago, if any.
    fn fresh_card_counts(&self) -> Option<Arc<CardCounts>> {
        self.card_counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .filter(|(at, _)| at.elapsed() < CARD_COUNTS_TTL)
            .map(|(_, counts)| counts.clone())
    }

    /// Counts per state of both tables, from the Aggregate API: read by one
    /// request at a time and reused for a while, so a busy home page costs
    /// ServiceNow two calls per [`CARD_COUNTS_TTL`].
    async fn card_counts(&self) -> Arc<CardCounts> {
        if let Some(counts) = self.fresh_card_counts() {
            return counts;
        }
        let _reading = self.card_reading.lock().await;
        if let Some(counts) = self.fresh_card_counts() {
            return counts;
        }
        let mut counts = CardCounts::new();
        let query = record::tenant_query(&self.securescore.tenant());
        for table in TicketTable::ALL {
            let query = query.clone();
            let read = self
                .servicenow
                .with_api(|api| async move { api.count_by(table.as_str(), &query, "state").await });
            let outcome = match tokio::time::timeout(CARD_COUNTS_WAIT, read).await {
                Ok(Ok(counts)) => Ok(counts),
                Ok(Err(error)) => Err(match call_error(error) {
                    ApiError::Refused(TicketRefusal::ServiceNow(kind)) => Some(kind),
                    _ => None,
                }),
                Err(_) => Err(Some(ProblemKind::Timeout)),
            };
            counts.insert(table, outcome);
        }
        let counts = Arc::new(counts);
        *self
            .card_counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((Instant::now(), counts.clone()));
        counts
    }

    /// Sends the new ticket `id` now, answering within [`INLINE_BUDGET`]; the
    /// attempt goes on in the background past it.
    async fn send_now(&self, id: i64) {
        let Some(service) = self.me.upgrade() else {
            return;
        };
        let attempt = tokio::spawn(async move { service.deliver(id).await });
        match tokio::time::timeout(INLINE_BUDGET, attempt).await {
            Ok(Ok(Ok(_))) | Err(_) => {}
            Ok(Ok(Err(error))) => tracing::error!(%error, ticket = id, "cannot send a ticket"),
            Ok(Err(error)) => tracing::error!(%error, ticket = id, "ticket sender failed"),
        }
        self.wake.notify_one();
    }

    /// Each action's newest ticket, open ones first, by action id.
    pub async fn latest_by_action(&self) -> Result<BTreeMap<String, Ticket>, TicketError> {
        let stored = self
            .storage
            .latest_ticket_per_action()
            .await
            .map_err(unavailable)?;
        if stored.is_empty() {
            return Ok(BTreeMap::new());
        }
        let view = self.view().await?;
        Ok(stored
            .into_iter()
            .filter_map(|stored| {
                let action = stored.ticket.action_id.clone()?;
                Some((action, view.ticket(stored)))
            })
            .collect())
    }
}

impl From<&TicketFilter> for TicketQuery {
    fn from(filter: &TicketFilter) -> Self {
        TicketQuery {
            ticket_table: filter.ticket_type.map(|t| t.as_str().to_owned()),
            state: filter.state.clone(),
            priority: filter.priority.map(|p| i64::from(p.value())),
            category: filter.category.clone(),
            source: filter.source.map(|s| s.as_str().to_owned()),
            action_id: filter.action_id.clone(),
            order: match filter.sort {
                TicketSort::Newest => TicketOrder::Newest,
                TicketSort::Oldest => TicketOrder::Oldest,
                TicketSort::DueDate => TicketOrder::DueDate,
                TicketSort::Priority => TicketOrder::Priority,
            },
        }
    }
}
