//! Tickets in storage: the queue of tickets to send, what ServiceNow answered,
//! the states the sync reads, and the list pages and export read back; the
//! [`TicketStore`] every backend implements.

use super::{Storage, StorageError};
use futures_util::{Stream, stream};
use sqlx::{Database, Encode, QueryBuilder, Type};

/// A ticket about to be queued.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct NewTicket {
    /// The server's unguessable key of this ticket, carried by its
    /// `correlation_id` and footer in ServiceNow.
    pub request_key: String,
    /// The browser's idempotency token: one ticket per token and user.
    pub client_token: String,
    pub ticket_table: String,
    pub action_id: Option<String>,
    pub source: String,
    pub category: String,
    pub short_description: String,
    pub description: String,
    pub priority: i64,
    pub due_date: String,
    pub correlation_id: String,
    pub created_by: String,
    pub created_at: i64,
}

/// A stored ticket.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredTicket {
    pub id: i64,
    /// What was queued.
    #[sqlx(flatten)]
    pub ticket: NewTicket,
    pub delivery: String,
    pub attempts: i64,
    pub maybe_sent: bool,
    pub next_attempt_at: Option<i64>,
    pub last_problem: Option<String>,
    /// ServiceNow's own words about the last failure.
    pub problem_detail: Option<String>,
    pub sys_id: Option<String>,
    pub number: Option<String>,
    pub state: Option<String>,
    pub open: bool,
    pub completion_noted: bool,
    /// Lasting failures of the completion work note so far.
    pub note_failures: i64,
    /// Why the completion work note was given up, if it was.
    pub note_problem: Option<String>,
}

/// A sender's hold on a queued ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub id: i64,
    /// What proves the claim to later writes.
    pub(super) token: String,
}

impl Claim {
    /// A new claim on ticket `id`, with a random token no other claim has.
    pub(super) fn new(id: i64) -> Self {
        let token = rand::random::<[u8; 16]>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Self { id, token }
    }
}

/// What queuing a ticket did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queued {
    /// A new ticket, with this id.
    New(i64),
    /// This request key was queued before, as this ticket.
    SameRequest(i64),
    /// The action has an open ticket of this type already.
    OpenTicketExists(i64),
}

/// What recording a created record did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attached {
    /// The ticket now has its record.
    Now,
    /// Another sender took the ticket over, or it is no longer queued.
    ClaimLost,
    /// The record belongs to this other ticket already.
    ToAnother(i64),
}

/// What asking to send a refused ticket again did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requeued {
    /// Back in the queue, due now.
    Queued,
    /// The ticket is not refused (queued or created already, or unknown).
    NotRefused,
    /// Its action has another open ticket of the same type.
    OpenTicketExists(i64),
}

/// What ServiceNow answered for a created record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedRecord {
    pub sys_id: String,
    pub number: String,
    pub state: String,
    pub open: bool,
    pub sys_updated_on: String,
}

/// The stored tickets a list page or an export asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TicketQuery {
    pub ticket_table: Option<String>,
    /// A state value, `queued` for tickets not sent yet, `refused` for
    /// those waiting for an admin.
    pub state: Option<String>,
    pub priority: Option<i64>,
    pub category: Option<String>,
    pub source: Option<String>,
    pub action_id: Option<String>,
    pub order: TicketOrder,
}

/// The order of a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TicketOrder {
    #[default]
    Newest,
    Oldest,
    DueDate,
    Priority,
}

/// The columns a [`StoredTicket`] is read from.
pub(super) const TICKET_COLUMNS: &str = "id, request_key, client_token, ticket_table, action_id, \
    source, category, short_description, description, priority, due_date, correlation_id, \
    created_by, created_at, delivery, attempts, maybe_sent, next_attempt_at, last_problem, \
    problem_detail, sys_id, number, state, open, completion_noted, note_failures, note_problem";

/// The `ORDER BY` clause of `order`.
pub(super) fn order_by(order: TicketOrder) -> &'static str {
    match order {
        TicketOrder::Newest => " ORDER BY created_at DESC, id DESC",
        TicketOrder::Oldest => " ORDER BY created_at, id",
        TicketOrder::DueDate => " ORDER BY due_date, id",
        TicketOrder::Priority => " ORDER BY priority, due_date, id",
    }
}

/// Appends ` WHERE …` for the filters of `query`, in SQL every database reads.
pub(super) fn push_filters<'q, DB>(query: &'q TicketQuery, sql: &mut QueryBuilder<'q, DB>)
where
    DB: Database,
    String: Encode<'q, DB> + Type<DB>,
    &'q str: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
{
    sql.push(" WHERE 1 = 1");
    if let Some(table) = &query.ticket_table {
        sql.push(" AND ticket_table = ").push_bind(table);
    }
    match query.state.as_deref() {
        Some("queued") => {
            sql.push(" AND delivery = 'queued'");
        }
        Some("refused") => {
            sql.push(" AND delivery = 'refused'");
        }
        Some(state) => {
            sql.push(" AND state = ").push_bind(state);
        }
        None => {}
    }
    if let Some(priority) = query.priority {
        sql.push(" AND priority = ").push_bind(priority);
    }
    if let Some(category) = &query.category {
        sql.push(" AND category = ").push_bind(category);
    }
    if let Some(source) = &query.source {
        sql.push(" AND source = ").push_bind(source);
    }
    if let Some(action) = &query.action_id {
        sql.push(" AND action_id = ").push_bind(action);
    }
}

/// Rows an export reads at a time.
const EXPORT_BATCH: i64 = 500;

/// Where tickets are kept.
#[async_trait::async_trait]
pub trait TicketStore: Send + Sync {
    /// Queues `ticket`, unless its user queued its client token before or
    /// its action has an open ticket of the same type.
    async fn queue_ticket(&self, ticket: &NewTicket, now: i64) -> Result<Queued, StorageError>;

    /// The ticket `id`.
    async fn ticket(&self, id: i64) -> Result<Option<StoredTicket>, StorageError>;

    /// The open tickets of `action_id`.
    async fn open_tickets_of_action(
        &self,
        action_id: &str,
    ) -> Result<Vec<StoredTicket>, StorageError>;

    /// Takes the queued ticket `id` for sending until `until`, unless another
    /// sender holds it or it is no longer queued; returns the claim, which
    /// every later write of this attempt must present.
    async fn claim_ticket(
        &self,
        id: i64,
        now: i64,
        until: i64,
    ) -> Result<Option<Claim>, StorageError>;

    /// Queued tickets due by `now` that no sender holds, the longest waiting first.
    async fn due_tickets(&self, now: i64, limit: i64) -> Result<Vec<i64>, StorageError>;

    /// When the next queued ticket falls due, if any is queued.
    async fn next_ticket_due(&self) -> Result<Option<i64>, StorageError>;

    /// Records that the create request of `claim` is about to go out: from
    /// now on the ticket may exist in ServiceNow. False when the claim was lost.
    async fn ticket_attempt_started(&self, claim: &Claim) -> Result<bool, StorageError>;

    /// Records the record ServiceNow created for the ticket of `claim`,
    /// unless another ticket has that record already.
    async fn ticket_created(
        &self,
        claim: &Claim,
        record: &CreatedRecord,
    ) -> Result<Attached, StorageError>;

    /// Puts the ticket of `claim` back in the queue until `next_attempt_at`,
    /// after a failed attempt with `problem` (ServiceNow's words: `detail`).
    async fn ticket_deferred(
        &self,
        claim: &Claim,
        next_attempt_at: i64,
        problem: &str,
        detail: &str,
    ) -> Result<bool, StorageError>;

    /// Records that the ticket of `claim` cannot be sent until an admin
    /// asks again; it no longer counts as the action's open ticket, unless
    /// an attempt may have created it in ServiceNow.
    async fn ticket_refused(
        &self,
        claim: &Claim,
        problem: &str,
        detail: &str,
    ) -> Result<bool, StorageError>;

    /// Puts the refused ticket `id` back in the queue, due at `now`.
    async fn requeue_ticket(&self, id: i64, now: i64) -> Result<Requeued, StorageError>;

    /// The refused tickets, oldest first.
    async fn refused_tickets(&self) -> Result<Vec<i64>, StorageError>;

    /// How many tickets are refused, per problem.
    async fn refused_ticket_counts(&self) -> Result<Vec<(String, i64)>, StorageError>;

    /// The `sys_id`s of the `limit` newest created tickets of `table`.
    async fn newest_records_of(&self, table: &str, limit: i64)
    -> Result<Vec<String>, StorageError>;

    /// Applies a state read from ServiceNow to the ticket `sys_id` of
    /// `table`, unless the stored state is newer (`sys_updated_on`); false
    /// when no stored ticket has that `sys_id`.
    async fn sync_ticket_state(
        &self,
        table: &str,
        sys_id: &str,
        state: &str,
        open: bool,
        sys_updated_on: &str,
    ) -> Result<bool, StorageError>;

    /// When the first ticket of `table` was asked for, if any was.
    async fn first_ticket_created_at(&self, table: &str) -> Result<Option<i64>, StorageError>;

    /// The newest `sys_updated_on` the sync has read of `table`.
    async fn ticket_watermark(&self, table: &str) -> Result<Option<String>, StorageError>;

    /// Moves the sync's watermark of `table`.
    async fn set_ticket_watermark(&self, table: &str, watermark: &str) -> Result<(), StorageError>;

    /// Open, created tickets of `action_ids` whose completion is not noted yet.
    async fn tickets_awaiting_completion_note(
        &self,
        action_ids: &[String],
    ) -> Result<Vec<StoredTicket>, StorageError>;

    /// Records that ticket `id` got its "completed in Secure Score" work note.
    async fn completion_noted(&self, id: i64) -> Result<(), StorageError>;

    /// Records a lasting failure of ticket `id`'s completion note; with
    /// `gave_up`, the note is given up for that reason.
    async fn completion_note_failed(
        &self,
        id: i64,
        gave_up: Option<&str>,
    ) -> Result<(), StorageError>;

    /// One page of the tickets `query` names, and how many there are in all.
    async fn ticket_page(
        &self,
        query: &TicketQuery,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<StoredTicket>, i64), StorageError>;

    /// The `limit` newest tickets of `table`.
    async fn latest_tickets(
        &self,
        table: &str,
        limit: i64,
    ) -> Result<Vec<StoredTicket>, StorageError> {
        let query = TicketQuery {
            ticket_table: Some(table.to_owned()),
            ..TicketQuery::default()
        };
        Ok(self.ticket_page(&query, 0, limit).await?.0)
    }

    /// How many tickets of `table` wait in the queue.
    async fn queued_ticket_count(&self, table: &str) -> Result<i64, StorageError>;

    /// Each action's newest ticket, open ones first.
    async fn latest_ticket_per_action(&self) -> Result<Vec<StoredTicket>, StorageError>;
}

impl Storage {
    /// Every ticket `query` names, read in batches as the stream is consumed.
    pub fn ticket_stream(
        &self,
        query: TicketQuery,
    ) -> impl Stream<Item = Result<Vec<StoredTicket>, StorageError>> + Send + 'static {
        let storage = self.clone();
        stream::try_unfold(Some(0_i64), move |offset| {
            let storage = storage.clone();
            let query = query.clone();
            async move {
                let Some(offset) = offset else {
                    return Ok(None);
                };
                let (batch, _) = storage.ticket_page(&query, offset, EXPORT_BATCH).await?;
                let next = (batch.len() as i64 == EXPORT_BATCH).then_some(offset + EXPORT_BATCH);
                Ok(if batch.is_empty() {
                    None
                } else {
                    Some((batch, next))
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::testing::on_every_backend;

    fn ticket(key: &str, action: Option<&str>) -> NewTicket {
        NewTicket {
            request_key: format!("server-{key}"),
            client_token: key.into(),
            ticket_table: "change_request".into(),
            action_id: action.map(Into::into),
            source: "microsoft".into(),
            category: "Identity".into(),
            short_description: "Require MFA".into(),
            description: "Turn it on".into(),
            priority: 2,
            due_date: "2026-12-24".into(),
            correlation_id: "scorenow:demo:AdminMFAV2".into(),
            created_by: "analyst@scorenow.demo".into(),
            created_at: 100,
        }
    }

    fn record(sys_id: &str, open: bool) -> CreatedRecord {
        CreatedRecord {
            sys_id: sys_id.into(),
            number: "CHG0030001".into(),
            state: "-5".into(),
            open,
            sys_updated_on: "2026-11-24 10:00:00".into(),
        }
    }

    /// Queues the new ticket `key` of `action` and claims it; its id and the claim.
    async fn claimed(storage: &Storage, key: &str, action: Option<&str>) -> (i64, Claim) {
        let Queued::New(id) = storage
            .queue_ticket(&ticket(key, action), 100)
            .await
            .unwrap()
        else {
            panic!("{key} is new");
        };
        let claim = storage.claim_ticket(id, 100, 160).await.unwrap().unwrap();
        (id, claim)
    }

    /// Queues the ticket `key` of `action` and records that ServiceNow
    /// created it, open, as `sys_id`; its id.
    async fn created(storage: &Storage, key: &str, action: Option<&str>, sys_id: &str) -> i64 {
        let Queued::New(id) = storage
            .queue_ticket(&ticket(key, action), 100)
            .await
            .unwrap()
        else {
            panic!("{key} is new");
        };
        let claim = storage.claim_ticket(id, 100, 160).await.unwrap().unwrap();
        assert!(storage.ticket_attempt_started(&claim).await.unwrap());
        let record = record(sys_id, true);
        assert_eq!(
            storage.ticket_created(&claim, &record).await.unwrap(),
            Attached::Now
        );
        id
    }

    #[tokio::test]
    async fn a_request_key_and_an_open_action_ticket_each_queue_once() {
        on_every_backend(async |storage| {
            let Queued::New(first) = storage
                .queue_ticket(&ticket("k1", Some("A")), 100)
                .await
                .unwrap()
            else {
                panic!("first is new");
            };
            assert_eq!(
                storage
                    .queue_ticket(&ticket("k1", Some("A")), 100)
                    .await
                    .unwrap(),
                Queued::SameRequest(first)
            );
            assert_eq!(
                storage
                    .queue_ticket(&ticket("k2", Some("A")), 100)
                    .await
                    .unwrap(),
                Queued::OpenTicketExists(first)
            );
            // Closed in ServiceNow: the action may be shared again.
            let claim = storage
                .claim_ticket(first, 100, 160)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                storage
                    .ticket_created(&claim, &record("s1", true))
                    .await
                    .unwrap(),
                Attached::Now
            );
            assert!(
                storage
                    .sync_ticket_state("change_request", "s1", "3", false, "2026-11-25 00:00:00")
                    .await
                    .unwrap()
            );
            assert!(matches!(
                storage
                    .queue_ticket(&ticket("k3", Some("A")), 100)
                    .await
                    .unwrap(),
                Queued::New(_)
            ));
            // The first ticket reopened in ServiceNow: its state is taken, it stays closed here.
            assert!(
                storage
                    .sync_ticket_state("change_request", "s1", "-1", true, "2026-11-26 00:00:00")
                    .await
                    .unwrap()
            );
            let first = storage.ticket(first).await.unwrap().unwrap();
            assert_eq!((first.state.as_deref(), first.open), (Some("-1"), false));
            // User recommendations have no action: never "already open".
            for key in ["u1", "u2"] {
                assert!(matches!(
                    storage.queue_ticket(&ticket(key, None), 100).await.unwrap(),
                    Queued::New(_)
                ));
            }
        })
        .await;
    }

    #[tokio::test]
    async fn a_client_token_is_one_ticket_per_user_not_across_users() {
        on_every_backend(async |storage| {
            let Queued::New(first) = storage.queue_ticket(&ticket("t", None), 100).await.unwrap()
            else {
                panic!("first is new");
            };
            let mut again = ticket("t", None);
            again.request_key = "server-other".into();
            assert_eq!(
                storage.queue_ticket(&again, 100).await.unwrap(),
                Queued::SameRequest(first)
            );
            again.created_by = "someone.else@scorenow.demo".into();
            assert!(matches!(
                storage.queue_ticket(&again, 100).await.unwrap(),
                Queued::New(other) if other != first
            ));
        })
        .await;
    }

    #[tokio::test]
    async fn a_record_belongs_to_one_ticket_and_older_states_are_not_applied() {
        on_every_backend(async |storage| {
            let first = created(&storage, "k1", None, "s1").await;
            let Queued::New(second) = storage
                .queue_ticket(&ticket("k2", None), 100)
                .await
                .unwrap()
            else {
                panic!("second is new");
            };
            let claim = storage
                .claim_ticket(second, 100, 160)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                storage
                    .ticket_created(&claim, &record("s1", true))
                    .await
                    .unwrap(),
                Attached::ToAnother(first)
            );
            let newer = "2026-11-24 10:00:05";
            assert!(
                storage
                    .sync_ticket_state("change_request", "s1", "-4", true, newer)
                    .await
                    .unwrap()
            );
            assert!(
                storage
                    .sync_ticket_state("change_request", "s1", "-5", true, "2026-11-24 10:00:01")
                    .await
                    .unwrap(),
                "known, though older"
            );
            let stored = storage.ticket(first).await.unwrap().unwrap();
            assert_eq!(stored.state.as_deref(), Some("-4"), "the newer state stays");
            assert!(
                !storage
                    .sync_ticket_state("change_request", "nobody", "-4", true, newer)
                    .await
                    .unwrap()
            );
        })
        .await;
    }

    #[tokio::test]
    async fn a_refused_ticket_is_queued_again_on_request() {
        on_every_backend(async |storage| {
            let (id, claim) = claimed(&storage, "k", Some("A")).await;
            assert_eq!(
                storage.requeue_ticket(id, 120).await.unwrap(),
                Requeued::NotRefused
            );
            assert!(
                storage
                    .ticket_refused(&claim, "Forbidden", "ACL Exception")
                    .await
                    .unwrap()
            );
            assert_eq!(
                storage.refused_ticket_counts().await.unwrap(),
                vec![("Forbidden".to_owned(), 1)]
            );
            assert_eq!(storage.refused_tickets().await.unwrap(), vec![id]);
            let refused = storage.ticket(id).await.unwrap().unwrap();
            assert_eq!(refused.problem_detail.as_deref(), Some("ACL Exception"));
            assert!(!refused.open, "never sent: the action may be shared again");
            // Meanwhile the action was shared again: that ticket is the open one.
            let other = created(&storage, "k2", Some("A"), "s2").await;
            assert_eq!(
                storage.requeue_ticket(id, 120).await.unwrap(),
                Requeued::OpenTicketExists(other)
            );
            storage
                .sync_ticket_state("change_request", "s2", "3", false, "2026-11-25 00:00:00")
                .await
                .unwrap();
            assert_eq!(
                storage.requeue_ticket(id, 130).await.unwrap(),
                Requeued::Queued
            );
            assert_eq!(storage.due_tickets(130, 10).await.unwrap(), vec![id]);
            assert!(storage.refused_ticket_counts().await.unwrap().is_empty());
        })
        .await;
    }

    #[tokio::test]
    async fn a_refused_ticket_that_may_exist_stays_the_actions_open_ticket() {
        on_every_backend(async |storage| {
            let (id, claim) = claimed(&storage, "k", Some("A")).await;
            assert!(storage.ticket_attempt_started(&claim).await.unwrap());
            assert!(
                storage
                    .ticket_refused(&claim, "RecordsHidden", "")
                    .await
                    .unwrap()
            );
            assert_eq!(
                storage
                    .queue_ticket(&ticket("k2", Some("A")), 100)
                    .await
                    .unwrap(),
                Queued::OpenTicketExists(id)
            );
        })
        .await;
    }

    #[tokio::test]
    async fn a_claim_holds_a_ticket_until_it_lapses() {
        on_every_backend(async |storage| {
            let Queued::New(id) = storage.queue_ticket(&ticket("k", None), 100).await.unwrap()
            else {
                panic!("new");
            };
            assert_eq!(storage.due_tickets(100, 10).await.unwrap(), vec![id]);
            let stale = storage
                .claim_ticket(id, 100, 130)
                .await
                .unwrap()
                .expect("claimed");
            assert!(
                storage.claim_ticket(id, 120, 150).await.unwrap().is_none(),
                "held"
            );
            assert!(storage.due_tickets(120, 10).await.unwrap().is_empty());
            let claim = storage
                .claim_ticket(id, 131, 160)
                .await
                .unwrap()
                .expect("lapsed");
            // The sender whose claim lapsed can no longer write.
            assert!(!storage.ticket_attempt_started(&stale).await.unwrap());
            assert!(
                !storage
                    .ticket_refused(&stale, "Forbidden", "")
                    .await
                    .unwrap()
            );
            assert!(
                storage
                    .ticket_deferred(&claim, 200, "ServerError", "")
                    .await
                    .unwrap()
            );
            assert!(storage.due_tickets(199, 10).await.unwrap().is_empty());
            assert_eq!(storage.next_ticket_due().await.unwrap(), Some(200));
            let ticket = storage.ticket(id).await.unwrap().unwrap();
            assert_eq!((ticket.attempts, ticket.delivery.as_str()), (1, "queued"));
            let claim = storage.claim_ticket(id, 200, 260).await.unwrap().unwrap();
            assert_eq!(
                storage
                    .ticket_created(&claim, &record("s", true))
                    .await
                    .unwrap(),
                Attached::Now
            );
            assert!(
                storage.claim_ticket(id, 300, 330).await.unwrap().is_none(),
                "sent"
            );
            assert_eq!(storage.next_ticket_due().await.unwrap(), None);
        })
        .await;
    }

    #[tokio::test]
    async fn pages_filter_sort_and_stream() {
        on_every_backend(async |storage| {
            for n in 0..1_203 {
                let mut new = ticket(&format!("k{n}"), None);
                new.created_at = n;
                new.priority = n % 5 + 1;
                storage.queue_ticket(&new, 0).await.unwrap();
            }
            let query = TicketQuery {
                priority: Some(1),
                ..TicketQuery::default()
            };
            let (page, total) = storage.ticket_page(&query, 0, 25).await.unwrap();
            assert_eq!(total, 241);
            assert_eq!(page.len(), 25);
            assert_eq!(page[0].ticket.created_at, 1_200, "newest first");
            assert!(page.iter().all(|t| t.ticket.priority == 1));
            use futures_util::TryStreamExt;
            let batches: Vec<Vec<StoredTicket>> = storage
                .ticket_stream(TicketQuery::default())
                .try_collect()
                .await
                .unwrap();
            assert_eq!(batches.len(), 3);
            assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 1_203);
        })
        .await;
    }

    #[tokio::test]
    async fn completion_notes_watermarks_and_each_actions_latest_ticket() {
        on_every_backend(async |storage| {
            let done = created(&storage, "k1", Some("A"), "s1").await;
            storage
                .queue_ticket(&ticket("k2", Some("B")), 100)
                .await
                .unwrap();
            storage
                .queue_ticket(&ticket("k3", None), 100)
                .await
                .unwrap();

            let actions = ["A".to_owned(), "B".to_owned()];
            let awaiting = storage
                .tickets_awaiting_completion_note(&actions)
                .await
                .unwrap();
            assert_eq!(awaiting.iter().map(|t| t.id).collect::<Vec<_>>(), [done]);
            assert!(awaiting[0].maybe_sent);
            storage.completion_noted(done).await.unwrap();
            assert!(
                storage
                    .tickets_awaiting_completion_note(&actions)
                    .await
                    .unwrap()
                    .is_empty()
            );
            assert!(
                storage
                    .tickets_awaiting_completion_note(&[])
                    .await
                    .unwrap()
                    .is_empty()
            );
            let refused = created(&storage, "k4", Some("C"), "s4").await;
            let only_c = ["C".to_owned()];
            storage.completion_note_failed(refused, None).await.unwrap();
            let awaiting = storage
                .tickets_awaiting_completion_note(&only_c)
                .await
                .unwrap();
            assert_eq!((awaiting.len(), awaiting[0].note_failures), (1, 1));
            storage
                .completion_note_failed(refused, Some("Forbidden"))
                .await
                .unwrap();
            assert!(
                storage
                    .tickets_awaiting_completion_note(&only_c)
                    .await
                    .unwrap()
                    .is_empty(),
                "given up"
            );
            let given_up = storage.ticket(refused).await.unwrap().unwrap();
            assert_eq!(given_up.note_problem.as_deref(), Some("Forbidden"));

            let mut latest: Vec<_> = storage
                .latest_ticket_per_action()
                .await
                .unwrap()
                .into_iter()
                .map(|t| t.ticket.action_id)
                .collect();
            latest.sort();
            assert_eq!(
                latest,
                [
                    Some("A".to_owned()),
                    Some("B".to_owned()),
                    Some("C".to_owned())
                ]
            );
            let open: Vec<i64> = storage
                .open_tickets_of_action("A")
                .await
                .unwrap()
                .iter()
                .map(|t| t.id)
                .collect();
            assert_eq!(open, [done]);
            assert_eq!(
                storage.queued_ticket_count("change_request").await.unwrap(),
                2
            );
            assert_eq!(
                storage
                    .first_ticket_created_at("change_request")
                    .await
                    .unwrap(),
                Some(100)
            );
            assert_eq!(
                storage.first_ticket_created_at("incident").await.unwrap(),
                None
            );

            assert_eq!(storage.ticket_watermark("incident").await.unwrap(), None);
            for watermark in ["2026-11-24 10:00:00", "2026-11-25 10:00:00"] {
                storage
                    .set_ticket_watermark("incident", watermark)
                    .await
                    .unwrap();
            }
            assert_eq!(
                storage
                    .ticket_watermark("incident")
                    .await
                    .unwrap()
                    .as_deref(),
                Some("2026-11-25 10:00:00")
            );
        })
        .await;
    }
}
