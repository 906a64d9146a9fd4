//! Tickets in storage: the queue of tickets to send, what ServiceNow answered,
//! the states the sync reads, and the list pages and export read back.

use super::{Backend, Storage, StorageError};
use futures_util::{Stream, stream};
use sqlx::{QueryBuilder, Sqlite};

/// A ticket about to be queued.
#[derive(Clone, Debug)]
pub struct NewTicket {
    pub request_key: String,
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
    pub request_key: String,
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
    pub delivery: String,
    pub attempts: i64,
    pub maybe_sent: bool,
    pub next_attempt_at: Option<i64>,
    pub last_problem: Option<String>,
    pub sys_id: Option<String>,
    pub number: Option<String>,
    pub state: Option<String>,
    pub open: bool,
    pub completion_noted: bool,
}

/// A sender's hold on a queued ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub id: i64,
    token: String,
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
    /// A state value, or `queued` for tickets not sent yet.
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

impl TicketOrder {
    fn sql(self) -> &'static str {
        match self {
            TicketOrder::Newest => " ORDER BY created_at DESC, id DESC",
            TicketOrder::Oldest => " ORDER BY created_at, id",
            TicketOrder::DueDate => " ORDER BY due_date, id",
            TicketOrder::Priority => " ORDER BY priority, due_date, id",
        }
    }
}

const COLUMNS: &str = "id, request_key, ticket_table, action_id, source, category, \
    short_description, description, priority, due_date, correlation_id, created_by, \
    created_at, delivery, attempts, maybe_sent, next_attempt_at, last_problem, sys_id, \
    number, state, open, completion_noted";

/// Rows an export reads at a time.
const EXPORT_BATCH: i64 = 500;

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl TicketQuery {
    /// Appends ` WHERE …` for this query's filters.
    fn push_filters<'q>(&'q self, sql: &mut QueryBuilder<'q, Sqlite>) {
        sql.push(" WHERE 1 = 1");
        if let Some(table) = &self.ticket_table {
            sql.push(" AND ticket_table = ").push_bind(table);
        }
        match self.state.as_deref() {
            Some("queued") => {
                sql.push(" AND delivery = 'queued'");
            }
            Some(state) => {
                sql.push(" AND state = ").push_bind(state);
            }
            None => {}
        }
        if let Some(priority) = self.priority {
            sql.push(" AND priority = ").push_bind(priority);
        }
        if let Some(category) = &self.category {
            sql.push(" AND category = ").push_bind(category);
        }
        if let Some(source) = &self.source {
            sql.push(" AND source = ").push_bind(source);
        }
        if let Some(action) = &self.action_id {
            sql.push(" AND action_id = ").push_bind(action);
        }
    }
}

impl Storage {
    /// Queues `ticket`, unless its request key was queued before or its
    /// action has an open ticket of the same type.
    pub async fn queue_ticket(&self, ticket: &NewTicket, now: i64) -> Result<Queued, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO tickets (request_key, ticket_table, action_id, source, category, \
             short_description, description, priority, due_date, correlation_id, created_by, \
             created_at, delivery, next_attempt_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?) RETURNING id",
        )
        .bind(&ticket.request_key)
        .bind(&ticket.ticket_table)
        .bind(&ticket.action_id)
        .bind(&ticket.source)
        .bind(&ticket.category)
        .bind(&ticket.short_description)
        .bind(&ticket.description)
        .bind(ticket.priority)
        .bind(&ticket.due_date)
        .bind(&ticket.correlation_id)
        .bind(&ticket.created_by)
        .bind(ticket.created_at)
        .bind(now)
        .fetch_one(pool)
        .await;
        match inserted {
            Ok(id) => Ok(Queued::New(id)),
            Err(error) if is_unique_violation(&error) => {
                let same: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM tickets WHERE request_key = ?")
                        .bind(&ticket.request_key)
                        .fetch_optional(pool)
                        .await?;
                if let Some(id) = same {
                    return Ok(Queued::SameRequest(id));
                }
                let open: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM tickets WHERE action_id = ? AND ticket_table = ? AND open = 1",
                )
                .bind(&ticket.action_id)
                .bind(&ticket.ticket_table)
                .fetch_optional(pool)
                .await?;
                open.map(Queued::OpenTicketExists)
                    .ok_or_else(|| StorageError::Query(error))
            }
            Err(error) => Err(error.into()),
        }
    }

    /// The ticket `id`.
    pub async fn ticket(&self, id: i64) -> Result<Option<StoredTicket>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM tickets WHERE id = ?"))
                .bind(id)
                .fetch_optional(pool)
                .await?,
        )
    }

    /// The open tickets of `action_id`.
    pub async fn open_tickets_of_action(
        &self,
        action_id: &str,
    ) -> Result<Vec<StoredTicket>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM tickets WHERE action_id = ? AND open = 1 ORDER BY ticket_table"
        ))
        .bind(action_id)
        .fetch_all(pool)
        .await?)
    }

    /// Takes the queued ticket `id` for sending until `until`, unless another
    /// sender holds it or it is no longer queued; returns the claim, which
    /// every later write of this attempt must present.
    pub async fn claim_ticket(
        &self,
        id: i64,
        now: i64,
        until: i64,
    ) -> Result<Option<Claim>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let token: String = rand::random::<[u8; 16]>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let claimed = sqlx::query(
            "UPDATE tickets SET claimed_until = ?, claim_token = ? WHERE id = ? \
             AND delivery = 'queued' AND (claimed_until IS NULL OR claimed_until < ?)",
        )
        .bind(until)
        .bind(&token)
        .bind(id)
        .bind(now)
        .execute(pool)
        .await?;
        Ok((claimed.rows_affected() == 1).then_some(Claim { id, token }))
    }

    /// Queued tickets due by `now` that no sender holds, the longest waiting first.
    pub async fn due_tickets(&self, now: i64, limit: i64) -> Result<Vec<i64>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        Ok(sqlx::query_scalar(
            "SELECT id FROM tickets WHERE delivery = 'queued' AND next_attempt_at <= ? \
             AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY next_attempt_at, id LIMIT ?",
        )
        .bind(now)
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await?)
    }

    /// When the next queued ticket falls due, if any is queued.
    pub async fn next_ticket_due(&self) -> Result<Option<i64>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        Ok(sqlx::query_scalar(
            "SELECT min(max(next_attempt_at, coalesce(claimed_until, 0))) FROM tickets \
             WHERE delivery = 'queued'",
        )
        .fetch_one(pool)
        .await?)
    }

    /// Records that the create request of `claim` is about to go out: from
    /// now on the ticket may exist in ServiceNow. False when the claim was lost.
    pub async fn ticket_attempt_started(&self, claim: &Claim) -> Result<bool, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let updated = sqlx::query(
            "UPDATE tickets SET maybe_sent = 1 \
             WHERE id = ? AND claim_token = ? AND delivery = 'queued'",
        )
        .bind(claim.id)
        .bind(&claim.token)
        .execute(pool)
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Records the record ServiceNow created for the ticket of `claim`.
    pub async fn ticket_created(
        &self,
        claim: &Claim,
        record: &CreatedRecord,
    ) -> Result<bool, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let updated = sqlx::query(
            "UPDATE tickets SET delivery = 'created', sys_id = ?, number = ?, state = ?, open = ?, \
             sys_updated_on = ?, claimed_until = NULL, claim_token = NULL, next_attempt_at = NULL, \
             last_problem = NULL WHERE id = ? AND claim_token = ? AND delivery = 'queued'",
        )
        .bind(&record.sys_id)
        .bind(&record.number)
        .bind(&record.state)
        .bind(record.open)
        .bind(&record.sys_updated_on)
        .bind(claim.id)
        .bind(&claim.token)
        .execute(pool)
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Puts the ticket of `claim` back in the queue until `next_attempt_at`,
    /// after a failed attempt with `problem`.
    pub async fn ticket_deferred(
        &self,
        claim: &Claim,
        next_attempt_at: i64,
        problem: &str,
    ) -> Result<bool, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let updated = sqlx::query(
            "UPDATE tickets SET next_attempt_at = ?, last_problem = ?, attempts = attempts + 1, \
             claimed_until = NULL, claim_token = NULL \
             WHERE id = ? AND claim_token = ? AND delivery = 'queued'",
        )
        .bind(next_attempt_at)
        .bind(problem)
        .bind(claim.id)
        .bind(&claim.token)
        .execute(pool)
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Records that ServiceNow refused the ticket of `claim` for good; it no
    /// longer counts as the action's open ticket.
    pub async fn ticket_refused(&self, claim: &Claim, problem: &str) -> Result<bool, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let updated = sqlx::query(
            "UPDATE tickets SET delivery = 'refused', open = 0, last_problem = ?, \
             claimed_until = NULL, claim_token = NULL, next_attempt_at = NULL \
             WHERE id = ? AND claim_token = ? AND delivery = 'queued'",
        )
        .bind(problem)
        .bind(claim.id)
        .bind(&claim.token)
        .execute(pool)
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Applies a state read from ServiceNow to the ticket `sys_id` of
    /// `table`; false when no stored ticket has that `sys_id`.
    pub async fn sync_ticket_state(
        &self,
        table: &str,
        sys_id: &str,
        state: &str,
        open: bool,
        sys_updated_on: &str,
    ) -> Result<bool, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let updated = sqlx::query(
            "UPDATE tickets SET state = ?, open = ?, sys_updated_on = ? \
             WHERE ticket_table = ? AND sys_id = ?",
        )
        .bind(state)
        .bind(open)
        .bind(sys_updated_on)
        .bind(table)
        .bind(sys_id)
        .execute(pool)
        .await;
        match updated {
            Ok(done) => Ok(done.rows_affected() == 1),
            // Reopened while the action has another open ticket: take the
            // state, but only one ticket per action and type counts as open.
            Err(error) if is_unique_violation(&error) => {
                sqlx::query(
                    "UPDATE tickets SET state = ?, sys_updated_on = ? \
                     WHERE ticket_table = ? AND sys_id = ?",
                )
                .bind(state)
                .bind(sys_updated_on)
                .bind(table)
                .bind(sys_id)
                .execute(pool)
                .await?;
                Ok(true)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// When the first ticket of `table` was asked for, if any was.
    pub async fn first_ticket_created_at(&self, table: &str) -> Result<Option<i64>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        Ok(
            sqlx::query_scalar("SELECT min(created_at) FROM tickets WHERE ticket_table = ?")
                .bind(table)
                .fetch_one(pool)
                .await?,
        )
    }

    /// The newest `sys_updated_on` the sync has read of `table`.
    pub async fn ticket_watermark(&self, table: &str) -> Result<Option<String>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        Ok(
            sqlx::query_scalar("SELECT watermark FROM ticket_sync WHERE ticket_table = ?")
                .bind(table)
                .fetch_optional(pool)
                .await?,
        )
    }

    /// Moves the sync's watermark of `table`.
    pub async fn set_ticket_watermark(
        &self,
        table: &str,
        watermark: &str,
    ) -> Result<(), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        sqlx::query(
            "INSERT INTO ticket_sync (ticket_table, watermark) VALUES (?, ?) \
             ON CONFLICT (ticket_table) DO UPDATE SET watermark = excluded.watermark",
        )
        .bind(table)
        .bind(watermark)
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Open, created tickets of `action_ids` whose completion is not noted yet.
    pub async fn tickets_awaiting_completion_note(
        &self,
        action_ids: &[String],
    ) -> Result<Vec<StoredTicket>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        if action_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {COLUMNS} FROM tickets WHERE delivery = 'created' AND open = 1 \
             AND completion_noted = 0 AND action_id IN ("
        ));
        let mut ids = sql.separated(", ");
        for id in action_ids {
            ids.push_bind(id);
        }
        sql.push(")");
        Ok(sql.build_query_as().fetch_all(pool).await?)
    }

    /// Records that ticket `id` got its "completed in Secure Score" work note.
    pub async fn completion_noted(&self, id: i64) -> Result<(), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        sqlx::query("UPDATE tickets SET completion_noted = 1 WHERE id = ?")
            .bind(id)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// One page of the tickets `query` names, and how many there are in all.
    pub async fn ticket_page(
        &self,
        query: &TicketQuery,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<StoredTicket>, i64), StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        let mut count = QueryBuilder::<Sqlite>::new("SELECT count(*) FROM tickets");
        query.push_filters(&mut count);
        let total: i64 = count.build_query_scalar().fetch_one(pool).await?;
        let mut page = QueryBuilder::<Sqlite>::new(format!("SELECT {COLUMNS} FROM tickets"));
        query.push_filters(&mut page);
        page.push(query.order.sql());
        page.push(" LIMIT ").push_bind(limit);
        page.push(" OFFSET ").push_bind(offset);
        let tickets = page.build_query_as().fetch_all(pool).await?;
        Ok((tickets, total))
    }

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

    /// The `limit` newest tickets of `table`.
    pub async fn latest_tickets(
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
    pub async fn queued_ticket_count(&self, table: &str) -> Result<i64, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM tickets WHERE ticket_table = ? AND delivery = 'queued'",
        )
        .bind(table)
        .fetch_one(pool)
        .await?)
    }

    /// Each action's newest ticket, open ones first.
    pub async fn latest_ticket_per_action(&self) -> Result<Vec<StoredTicket>, StorageError> {
        let Backend::Sqlite(pool) = &self.backend;
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM (SELECT *, row_number() OVER (PARTITION BY action_id \
             ORDER BY open DESC, created_at DESC, id DESC) AS rank FROM tickets \
             WHERE action_id IS NOT NULL) WHERE rank = 1"
        ))
        .fetch_all(pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(key: &str, action: Option<&str>) -> NewTicket {
        NewTicket {
            request_key: key.into(),
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

    #[tokio::test]
    async fn a_request_key_and_an_open_action_ticket_each_queue_once() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open_sqlite(dir.path()).await.unwrap();
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
        assert!(
            storage
                .ticket_created(&claim, &record("s1", true))
                .await
                .unwrap()
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
    }

    #[tokio::test]
    async fn a_claim_holds_a_ticket_until_it_lapses() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open_sqlite(dir.path()).await.unwrap();
        let Queued::New(id) = storage.queue_ticket(&ticket("k", None), 100).await.unwrap() else {
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
        assert!(!storage.ticket_refused(&stale, "Forbidden").await.unwrap());
        assert!(
            storage
                .ticket_deferred(&claim, 200, "ServerError")
                .await
                .unwrap()
        );
        assert!(storage.due_tickets(199, 10).await.unwrap().is_empty());
        assert_eq!(storage.next_ticket_due().await.unwrap(), Some(200));
        let ticket = storage.ticket(id).await.unwrap().unwrap();
        assert_eq!((ticket.attempts, ticket.delivery.as_str()), (1, "queued"));
        let claim = storage.claim_ticket(id, 200, 260).await.unwrap().unwrap();
        assert!(
            storage
                .ticket_created(&claim, &record("s", true))
                .await
                .unwrap()
        );
        assert!(
            storage.claim_ticket(id, 300, 330).await.unwrap().is_none(),
            "sent"
        );
        assert_eq!(storage.next_ticket_due().await.unwrap(), None);
    }

    #[tokio::test]
    async fn pages_filter_sort_and_stream() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open_sqlite(dir.path()).await.unwrap();
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
        assert_eq!(page[0].created_at, 1_200, "newest first");
        assert!(page.iter().all(|t| t.priority == 1));
        use futures_util::TryStreamExt;
        let batches: Vec<Vec<StoredTicket>> = storage
            .ticket_stream(TicketQuery::default())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(batches.len(), 3);
        assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 1_203);
    }
}
