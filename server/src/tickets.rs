//! Tickets: the share dialog's server side, the queue that never loses a
//! ticket, the background sync, the home cards and the tickets list.
//! Implements `app`'s `TicketDesk`.

mod outbox;
mod record;
mod sync;
mod view;

use crate::{
    clock::unix_now,
    securescore::SecureScoreService,
    servicenow::{CallError, ServiceNowService},
    storage::{
        Storage,
        tickets::{NewTicket, Queued, TicketOrder, TicketQuery},
    },
};
use app::{
    api::{
        securescore::{ActionDetail, ActionFilter, ActionStatus, Category, ssr::SecureScoreReader},
        servicenow::{ConnectionState, ProblemKind, ServiceNowError, TicketTable},
        tickets::{
            DESCRIPTION_MAX, NAME_MAX, Priority, ShareForm, ShareOutcome, Source, StateCount,
            Ticket, TicketCard, TicketCards, TicketDraft, TicketError, TicketFilter, TicketPage,
            TicketSort, date_text, ssr::TicketDesk,
        },
    },
    auth::{CurrentUser, Role},
};
use futures_util::StreamExt;
use leptos::server_fn::codec::TextStream;
use serde_json::json;
use std::{
    collections::{BTreeMap, HashSet},
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

/// Counts per state value of each table, or why ServiceNow gave none (when it said).
type CardCounts = BTreeMap<TicketTable, Result<Vec<(String, u64)>, Option<ProblemKind>>>;

/// The ticket self.
pub struct TicketService {
    storage: Storage,
    servicenow: Arc<ServiceNowService>,
    securescore: Arc<SecureScoreService>,
    /// ScoreNow's public URL, for deep links in tickets.
    public_url: String,
    /// Wakes the background sender.
    wake: tokio::sync::Notify,
    /// One sync at a time.
    sync_lock: tokio::sync::Mutex<()>,
    card_counts: Mutex<Option<(Instant, Arc<CardCounts>)>>,
    /// One reading of the counts at a time; the others wait for it and share it.
    card_reading: tokio::sync::Mutex<()>,
    /// This service, for sends that outlive the request starting them.
    me: Weak<TicketService>,
}

fn unavailable(error: impl std::fmt::Display) -> TicketError {
    tracing::error!(%error, "ticket storage failed");
    TicketError::Unavailable
}

/// A ticket error for a failed call through the connection.
fn call_error(error: CallError) -> TicketError {
    match error {
        CallError::Failed(failure) => TicketError::ServiceNow(failure.kind),
        CallError::Connection(ServiceNowError::NotConfigured) => TicketError::NotConnected,
        CallError::Connection(ServiceNowError::ServiceNow(kind)) => TicketError::ServiceNow(kind),
        CallError::Connection(_) => TicketError::Unavailable,
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
    /// The service; start [`Self::send_queued`] and [`Self::sync_every`] to run it.
    pub fn new(
        storage: Storage,
        servicenow: Arc<ServiceNowService>,
        securescore: Arc<SecureScoreService>,
        public_url: String,
    ) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            storage,
            servicenow,
            securescore,
            public_url,
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
            .map_err(|_| TicketError::Unavailable)?;
        let mut state_names = BTreeMap::new();
        for table in TicketTable::ALL {
            let custom = self
                .storage
                .servicenow_state_names(table.as_str())
                .await
                .map_err(unavailable)?;
            state_names.insert(table, TicketView::names_of(table, &custom));
        }
        let completed = ActionFilter {
            status: Some(ActionStatus::Completed),
            ..ActionFilter::default()
        };
        let completed_actions = self
            .securescore
            .actions(&completed, &Default::default())
            .await
            .map(|list| list.actions.into_iter().map(|action| action.id).collect())
            .unwrap_or_else(|_| HashSet::new());
        Ok(TicketView {
            connection,
            instance,
            state_names,
            completed_actions,
        })
    }

    /// The improvement action `id`, or why it cannot be shared.
    async fn action(&self, id: &str) -> Result<ActionDetail, TicketError> {
        self.securescore
            .action(id)
            .await
            .map_err(|_| TicketError::Unavailable)?
            .ok_or(TicketError::UnknownAction)
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
                    TicketError::ServiceNow(kind) => Some(kind),
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

#[async_trait::async_trait]
impl TicketDesk for TicketService {
    async fn share_form(
        &self,
        user: &CurrentUser,
        action_id: Option<&str>,
    ) -> Result<ShareForm, TicketError> {
        let view = self.view().await?;
        let ticket_type = self
            .storage
            .servicenow_ticket_defaults()
            .await
            .map_err(unavailable)?
            .map_or_else(|| "change_request".to_owned(), |(table, _, _)| table);
        let mut draft = TicketDraft {
            ticket_type,
            priority: Priority::Moderate.value().to_string(),
            due_date: date_text(today() + time::Duration::days(DUE_IN_DAYS)),
            request_key: new_request_key(),
            ..TicketDraft::default()
        };
        let (source, category, action_title, open_tickets) = match action_id {
            Some(id) => {
                let action = self.action(id).await?;
                let link = self.action_link(&action.summary.id);
                let remediation = record::plain_text(&action.remediation_html);
                let room = DESCRIPTION_MAX.saturating_sub(link.chars().count() + 2);
                draft.name = truncated(&action.summary.title, NAME_MAX);
                draft.description = format!("{}\n\n{link}", truncated(&remediation, room));
                draft.action_id = Some(action.summary.id.clone());
                let open = self
                    .storage
                    .open_tickets_of_action(id)
                    .await
                    .map_err(unavailable)?
                    .into_iter()
                    .map(|stored| view.ticket(stored))
                    .collect();
                (
                    Source::Microsoft,
                    Some(action.summary.category.clone()),
                    Some(action.summary.title),
                    open,
                )
            }
            None => (Source::User, None, None, Vec::new()),
        };
        Ok(ShareForm {
            draft,
            source,
            category,
            action_title,
            initiator: user.display_name.clone(),
            open_tickets,
            connection: view.connection,
            can_send: user.role.includes(Role::Analyst),
        })
    }

    async fn share(
        &self,
        user: &CurrentUser,
        draft: TicketDraft,
    ) -> Result<ShareOutcome, TicketError> {
        if !record::valid_request_key(&draft.request_key) {
            return Err(TicketError::BadRequestKey);
        }
        let valid = draft.validate(today()).map_err(TicketError::Invalid)?;
        let view = self.view().await?;
        if matches!(
            view.connection,
            ConnectionState::NotConfigured | ConnectionState::AwaitingAuthorization
        ) {
            return Err(TicketError::NotConnected);
        }
        let (source, category, link) = match &valid.action_id {
            Some(id) => {
                let action = self.action(id).await?;
                (
                    Source::Microsoft,
                    action.summary.category,
                    self.action_link(id),
                )
            }
            None => (
                Source::User,
                valid
                    .category
                    .clone()
                    .unwrap_or(Category::Other(String::new())),
                format!("{}/tickets", self.public_url),
            ),
        };
        let signed = format!("{} <{}>", user.display_name, user.email);
        let description = record::description(
            &valid.description,
            &record::Footer {
                user: &signed,
                source,
                category: &category,
                link: &link,
                request_key: &draft.request_key,
            },
        );
        let now = unix_now();
        let ticket = NewTicket {
            request_key: draft.request_key.clone(),
            ticket_table: valid.ticket_type.as_str().to_owned(),
            action_id: valid.action_id.clone(),
            source: source.as_str().to_owned(),
            category: category.as_str().to_owned(),
            short_description: valid.name.clone(),
            description,
            priority: i64::from(valid.priority.value()),
            due_date: date_text(valid.due_date),
            correlation_id: record::correlation_id(
                &self.securescore.tenant(),
                valid.action_id.as_deref(),
                &draft.request_key,
            ),
            created_by: user.email.clone(),
            created_at: now,
        };
        let (id, existing) = match self
            .storage
            .queue_ticket(&ticket, now)
            .await
            .map_err(unavailable)?
        {
            Queued::New(id) => (id, None),
            // The same dialog sent again: the one ticket it made, as it stands.
            Queued::SameRequest(id) => (id, Some(false)),
            Queued::OpenTicketExists(id) => (id, Some(true)),
        };
        if existing.is_none() {
            let action = match source {
                Source::Microsoft => "ticket.shared",
                Source::User => "ticket.requested",
            };
            self.storage.audit(
                &user.email,
                action,
                valid.action_id.clone().or(Some(valid.name.clone())),
                json!({ "ticket": id, "table": ticket.ticket_table, "priority": ticket.priority }),
            )
            .await;
            self.send_now(id).await;
        }
        let stored = self
            .storage
            .ticket(id)
            .await
            .map_err(unavailable)?
            .ok_or(TicketError::Unavailable)?;
        Ok(ShareOutcome {
            ticket: view.ticket(stored),
            existing: existing.unwrap_or(false),
        })
    }

    async fn ticket(&self, id: i64) -> Result<Option<Ticket>, TicketError> {
        let Some(stored) = self.storage.ticket(id).await.map_err(unavailable)? else {
            return Ok(None);
        };
        Ok(Some(self.view().await?.ticket(stored)))
    }

    async fn list(&self, filter: &TicketFilter) -> Result<TicketPage, TicketError> {
        let page_size = i64::from(app::api::tickets::PAGE_SIZE);
        let page = i64::from(filter.page.max(1));
        let (stored, total) = self
            .storage
            .ticket_page(
                &TicketQuery::from(filter),
                (page - 1) * page_size,
                page_size,
            )
            .await
            .map_err(unavailable)?;
        let view = self.view().await?;
        let states = TicketTable::ALL
            .into_iter()
            .map(|table| {
                let names = view.state_names.get(&table).cloned().unwrap_or_default();
                let ordered = table
                    .states()
                    .iter()
                    .map(|(value, _)| StateCount {
                        value: (*value).to_owned(),
                        name: names.get(*value).cloned().unwrap_or_default(),
                        count: 0,
                    })
                    .collect();
                (table, ordered)
            })
            .collect();
        let total = u64::try_from(total).unwrap_or(0);
        Ok(TicketPage {
            tickets: stored.into_iter().map(|t| view.ticket(t)).collect(),
            total,
            page: filter.page.max(1),
            pages: u32::try_from(total.div_ceil(page_size as u64))
                .unwrap_or(u32::MAX)
                .max(1),
            states,
            can_refresh: false,
        })
    }

    async fn export(&self, filter: TicketFilter) -> Result<TextStream<TicketError>, TicketError> {
        let view = self.view().await?;
        let header = futures_util::stream::once(async { Ok(view::csv_lines([view::CSV_HEADER])) });
        let rows = self
            .storage
            .ticket_stream(TicketQuery::from(&filter))
            .map(move |batch| {
                batch
                    .map(|batch| {
                        view::csv_lines(
                            batch
                                .into_iter()
                                .map(|stored| view::csv_record(&view.ticket(stored))),
                        )
                    })
                    .map_err(unavailable)
            });
        Ok(TextStream::new(header.chain(rows)))
    }

    async fn cards(&self, user: &CurrentUser) -> Result<TicketCards, TicketError> {
        let view = self.view().await?;
        let mut cards = Vec::new();
        if matches!(
            view.connection,
            ConnectionState::Connected | ConnectionState::NeedsReauthorization
        ) {
            let counts = self.card_counts().await;
            for table in TicketTable::ALL {
                let names = view.state_names.get(&table).cloned().unwrap_or_default();
                let (counts, problem) = match counts.get(&table) {
                    Some(Ok(counts)) => (Some(state_counts(table, &names, counts)), None),
                    Some(Err(kind)) => (None, *kind),
                    None => (None, None),
                };
                let latest = self
                    .storage
                    .latest_tickets(table.as_str(), CARD_LATEST)
                    .await
                    .map_err(unavailable)?
                    .into_iter()
                    .map(|stored| view.ticket(stored))
                    .collect();
                let queued = self
                    .storage
                    .queued_ticket_count(table.as_str())
                    .await
                    .map_err(unavailable)?;
                cards.push(TicketCard {
                    ticket_type: table,
                    counts,
                    problem,
                    queued: u64::try_from(queued).unwrap_or(0),
                    latest,
                });
            }
        }
        Ok(TicketCards {
            connection: view.connection,
            cards,
            can_create: user.role.includes(Role::Analyst),
            can_manage: user.role.includes(Role::Admin),
        })
    }

    async fn refresh(&self, user: &CurrentUser) -> Result<(), TicketError> {
        self.invalidate_cards();
        let report = self.sync().await.map_err(|error| match error {
            SyncError::ServiceNow(error) => call_error(error),
            SyncError::Storage(error) => unavailable(error),
        })?;
        tracing::info!(user = %user.email, read = report.read, "tickets synced on demand");
        Ok(())
    }

    async fn by_action(&self) -> Result<BTreeMap<String, Ticket>, TicketError> {
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

/// Counts of every state of `table` in workflow order, then any other value ServiceNow has.
fn state_counts(
    table: TicketTable,
    names: &BTreeMap<String, String>,
    counts: &[(String, u64)],
) -> Vec<StateCount> {
    let count_of = |value: &str| {
        counts
            .iter()
            .filter(|(v, _)| v == value)
            .map(|(_, n)| n)
            .sum()
    };
    let known = table.states().iter().map(|(value, _)| StateCount {
        value: (*value).to_owned(),
        name: names
            .get(*value)
            .cloned()
            .unwrap_or_else(|| (*value).to_owned()),
        count: count_of(value),
    });
    let others = counts
        .iter()
        .filter(|(value, _)| !table.states().iter().any(|(known, _)| known == value))
        .map(|(value, count)| StateCount {
            value: value.clone(),
            name: value.clone(),
            count: *count,
        });
    known.chain(others).collect()
}
