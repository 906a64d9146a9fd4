//! [`TicketStore`] on PostgreSQL: the `tickets` table (the outbox the senders
//! claim rows of, and what the sync and the list pages read) and the sync's
//! watermarks in `ticket_sync`.

use super::{Postgres, Statement};
use crate::storage::{
    StorageError, is_unique_violation,
    tickets::{
        Attached, Claim, CreatedRecord, NewTicket, Queued, Requeued, StoredTicket, TICKET_COLUMNS,
        TicketQuery, TicketStore, order_by, push_filters,
    },
};
use sqlx::QueryBuilder;

impl Postgres {
    /// Whether a ticket of `table` has the record `sys_id`.
    async fn has_record(&self, table: &str, sys_id: &str) -> Result<bool, StorageError> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM tickets WHERE ticket_table = $1 AND sys_id = $2",
        )
        .bind(table)
        .bind(sys_id)
        .fetch_one(&self.pool)
        .await?
            > 0)
    }

    /// Runs `update`, whose last two parameters are the `id` and
    /// `claim_token` of a queued ticket, with those of `claim`; whether the
    /// claim still held.
    async fn write_claimed<'q>(
        &self,
        update: Statement<'q>,
        claim: &'q Claim,
    ) -> Result<bool, StorageError> {
        self.changed_one(update.bind(claim.id).bind(&claim.token))
            .await
    }
}

#[async_trait::async_trait]
impl TicketStore for Postgres {
    async fn queue_ticket(&self, ticket: &NewTicket, now: i64) -> Result<Queued, StorageError> {
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO tickets (request_key, client_token, ticket_table, action_id, source, \
             category, short_description, description, priority, due_date, correlation_id, \
             created_by, created_at, delivery, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'queued', $14) \
             RETURNING id",
        )
        .bind(&ticket.request_key)
        .bind(&ticket.client_token)
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
        .fetch_one(&self.pool)
        .await;
        match inserted {
            Ok(id) => Ok(Queued::New(id)),
            Err(error) if is_unique_violation(&error) => {
                let same: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM tickets WHERE created_by = $1 AND client_token = $2",
                )
                .bind(&ticket.created_by)
                .bind(&ticket.client_token)
                .fetch_optional(&self.pool)
                .await?;
                if let Some(id) = same {
                    return Ok(Queued::SameRequest(id));
                }
                let open: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM tickets WHERE action_id = $1 AND ticket_table = $2 AND open",
                )
                .bind(&ticket.action_id)
                .bind(&ticket.ticket_table)
                .fetch_optional(&self.pool)
                .await?;
                open.map(Queued::OpenTicketExists)
                    .ok_or_else(|| StorageError::Query(error))
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn ticket(&self, id: i64) -> Result<Option<StoredTicket>, StorageError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn open_tickets_of_action(
        &self,
        action_id: &str,
    ) -> Result<Vec<StoredTicket>, StorageError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE action_id = $1 AND open ORDER BY ticket_table"
        ))
        .bind(action_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn claim_ticket(
        &self,
        id: i64,
        now: i64,
        until: i64,
    ) -> Result<Option<Claim>, StorageError> {
        let claim = Claim::new(id);
        let claimed = self
            .changed_one(
                sqlx::query(
                    "UPDATE tickets SET claimed_until = $1, claim_token = $2 WHERE id = $3 \
                     AND delivery = 'queued' AND (claimed_until IS NULL OR claimed_until < $4)",
                )
                .bind(until)
                .bind(&claim.token)
                .bind(id)
                .bind(now),
            )
            .await?;
        Ok(claimed.then_some(claim))
    }

    async fn due_tickets(&self, now: i64, limit: i64) -> Result<Vec<i64>, StorageError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM tickets WHERE delivery = 'queued' AND next_attempt_at <= $1 \
             AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY next_attempt_at, id LIMIT $3",
        )
        .bind(now)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn next_ticket_due(&self) -> Result<Option<i64>, StorageError> {
        Ok(sqlx::query_scalar(
            "SELECT min(GREATEST(next_attempt_at, coalesce(claimed_until, 0))) FROM tickets \
             WHERE delivery = 'queued'",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    async fn ticket_attempt_started(&self, claim: &Claim) -> Result<bool, StorageError> {
        self.write_claimed(
            sqlx::query(
                "UPDATE tickets SET maybe_sent = TRUE \
                 WHERE id = $1 AND claim_token = $2 AND delivery = 'queued'",
            ),
            claim,
        )
        .await
    }

    async fn ticket_created(
        &self,
        claim: &Claim,
        record: &CreatedRecord,
    ) -> Result<Attached, StorageError> {
        let stored = self
            .write_claimed(
                sqlx::query(
                    "UPDATE tickets SET delivery = 'created', sys_id = $1, number = $2, state = $3, \
                     open = $4, sys_updated_on = $5, claimed_until = NULL, claim_token = NULL, \
                     next_attempt_at = NULL, last_problem = NULL, problem_detail = NULL \
                     WHERE id = $6 AND claim_token = $7 AND delivery = 'queued'",
                )
                .bind(&record.sys_id)
                .bind(&record.number)
                .bind(&record.state)
                .bind(record.open)
                .bind(&record.sys_updated_on),
                claim,
            )
            .await;
        match stored {
            Ok(true) => Ok(Attached::Now),
            Ok(false) => Ok(Attached::ClaimLost),
            Err(StorageError::Query(error)) if is_unique_violation(&error) => {
                let owner: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM tickets WHERE sys_id = $1")
                        .bind(&record.sys_id)
                        .fetch_optional(&self.pool)
                        .await?;
                owner
                    .map(Attached::ToAnother)
                    .ok_or(StorageError::Query(error))
            }
            Err(error) => Err(error),
        }
    }

    async fn ticket_deferred(
        &self,
        claim: &Claim,
        next_attempt_at: i64,
        problem: &str,
        detail: &str,
    ) -> Result<bool, StorageError> {
        self.write_claimed(
            sqlx::query(
                "UPDATE tickets SET next_attempt_at = $1, last_problem = $2, problem_detail = $3, \
                 attempts = attempts + 1, claimed_until = NULL, claim_token = NULL \
                 WHERE id = $4 AND claim_token = $5 AND delivery = 'queued'",
            )
            .bind(next_attempt_at)
            .bind(problem)
            .bind(detail),
            claim,
        )
        .await
    }

    async fn ticket_refused(
        &self,
        claim: &Claim,
        problem: &str,
        detail: &str,
    ) -> Result<bool, StorageError> {
        self.write_claimed(
            sqlx::query(
                "UPDATE tickets SET delivery = 'refused', open = (open AND maybe_sent), last_problem = $1, \
                 problem_detail = $2, claimed_until = NULL, claim_token = NULL, \
                 next_attempt_at = NULL WHERE id = $3 AND claim_token = $4 AND delivery = 'queued'",
            )
            .bind(problem)
            .bind(detail),
            claim,
        )
        .await
    }

    async fn requeue_ticket(&self, id: i64, now: i64) -> Result<Requeued, StorageError> {
        let requeued = self
            .changed_one(
                sqlx::query(
                    "UPDATE tickets SET delivery = 'queued', open = TRUE, attempts = 0, last_problem = NULL, \
                     next_attempt_at = $1 WHERE id = $2 AND delivery = 'refused'",
                )
                .bind(now)
                .bind(id),
            )
            .await;
        match requeued {
            Ok(true) => Ok(Requeued::Queued),
            Ok(false) => Ok(Requeued::NotRefused),
            Err(StorageError::Query(error)) if is_unique_violation(&error) => {
                let open: Option<i64> = sqlx::query_scalar(
                    "SELECT other.id FROM tickets AS other JOIN tickets AS this \
                     ON other.action_id = this.action_id AND other.ticket_table = this.ticket_table \
                     WHERE this.id = $1 AND other.open",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                open.map(Requeued::OpenTicketExists)
                    .ok_or(StorageError::Query(error))
            }
            Err(error) => Err(error),
        }
    }

    async fn refused_tickets(&self) -> Result<Vec<i64>, StorageError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM tickets WHERE delivery = 'refused' ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn refused_ticket_counts(&self) -> Result<Vec<(String, i64)>, StorageError> {
        Ok(sqlx::query_as(
            "SELECT coalesce(last_problem, ''), count(*) FROM tickets WHERE delivery = 'refused' \
             GROUP BY last_problem ORDER BY count(*) DESC, last_problem",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn newest_records_of(
        &self,
        table: &str,
        limit: i64,
    ) -> Result<Vec<String>, StorageError> {
        Ok(sqlx::query_scalar(
            "SELECT sys_id FROM tickets WHERE ticket_table = $1 AND delivery = 'created' \
             ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(table)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn sync_ticket_state(
        &self,
        table: &str,
        sys_id: &str,
        state: &str,
        open: bool,
        sys_updated_on: &str,
    ) -> Result<bool, StorageError> {
        let updated = sqlx::query(
            "UPDATE tickets SET state = $1, open = $2, sys_updated_on = $3 \
             WHERE ticket_table = $4 AND sys_id = $5 \
             AND (sys_updated_on IS NULL OR sys_updated_on <= $3)",
        )
        .bind(state)
        .bind(open)
        .bind(sys_updated_on)
        .bind(table)
        .bind(sys_id)
        .execute(&self.pool)
        .await;
        match updated {
            Ok(done) if done.rows_affected() == 1 => Ok(true),
            // Unknown, or already newer than what this read saw.
            Ok(_) => self.has_record(table, sys_id).await,
            // Reopened while the action has another open ticket: take the
            // state, but only one ticket per action and type counts as open.
            Err(error) if is_unique_violation(&error) => {
                self.execute(
                    sqlx::query(
                        "UPDATE tickets SET state = $1, sys_updated_on = $2 \
                         WHERE ticket_table = $3 AND sys_id = $4 \
                         AND (sys_updated_on IS NULL OR sys_updated_on <= $2)",
                    )
                    .bind(state)
                    .bind(sys_updated_on)
                    .bind(table)
                    .bind(sys_id),
                )
                .await?;
                Ok(true)
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn first_ticket_created_at(&self, table: &str) -> Result<Option<i64>, StorageError> {
        Ok(
            sqlx::query_scalar("SELECT min(created_at) FROM tickets WHERE ticket_table = $1")
                .bind(table)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn ticket_watermark(&self, table: &str) -> Result<Option<String>, StorageError> {
        Ok(
            sqlx::query_scalar("SELECT watermark FROM ticket_sync WHERE ticket_table = $1")
                .bind(table)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn set_ticket_watermark(&self, table: &str, watermark: &str) -> Result<(), StorageError> {
        self.execute(
            sqlx::query(
                "INSERT INTO ticket_sync (ticket_table, watermark) VALUES ($1, $2) \
                 ON CONFLICT (ticket_table) DO UPDATE SET watermark = excluded.watermark",
            )
            .bind(table)
            .bind(watermark),
        )
        .await
    }

    async fn tickets_awaiting_completion_note(
        &self,
        action_ids: &[String],
    ) -> Result<Vec<StoredTicket>, StorageError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE delivery = 'created' AND open \
             AND NOT completion_noted AND note_problem IS NULL AND action_id = ANY($1)"
        ))
        .bind(action_ids)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn completion_noted(&self, id: i64) -> Result<(), StorageError> {
        self.execute(
            sqlx::query("UPDATE tickets SET completion_noted = TRUE WHERE id = $1").bind(id),
        )
        .await
    }

    async fn completion_note_failed(
        &self,
        id: i64,
        gave_up: Option<&str>,
    ) -> Result<(), StorageError> {
        self.execute(
            sqlx::query(
                "UPDATE tickets SET note_failures = note_failures + 1, note_problem = $1 \
                 WHERE id = $2",
            )
            .bind(gave_up)
            .bind(id),
        )
        .await
    }

    async fn ticket_page(
        &self,
        query: &TicketQuery,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<StoredTicket>, i64), StorageError> {
        let mut count = QueryBuilder::<sqlx::Postgres>::new("SELECT count(*) FROM tickets");
        push_filters(query, &mut count);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
        let mut page =
            QueryBuilder::<sqlx::Postgres>::new(format!("SELECT {TICKET_COLUMNS} FROM tickets"));
        push_filters(query, &mut page);
        page.push(order_by(query.order));
        page.push(" LIMIT ").push_bind(limit);
        page.push(" OFFSET ").push_bind(offset);
        let tickets = page.build_query_as().fetch_all(&self.pool).await?;
        Ok((tickets, total))
    }

    async fn queued_ticket_count(&self, table: &str) -> Result<i64, StorageError> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM tickets WHERE ticket_table = $1 AND delivery = 'queued'",
        )
        .bind(table)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn latest_ticket_per_action(&self) -> Result<Vec<StoredTicket>, StorageError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {TICKET_COLUMNS} FROM (SELECT *, row_number() OVER (PARTITION BY action_id \
             ORDER BY open DESC, created_at DESC, id DESC) AS rank FROM tickets \
             WHERE action_id IS NOT NULL) AS ranked WHERE rank = 1"
        ))
        .fetch_all(&self.pool)
        .await?)
    }
}
