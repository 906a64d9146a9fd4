//! Sending queued tickets: each ticket is stored before it is sent, claimed
//! by one sender at a time, looked up in ServiceNow before it is sent again
//! (a lost answer must not make a second ticket), and put back in the queue
//! with backoff that honours `Retry-After` when ServiceNow cannot take it.

use super::{
    TicketService,
    record::{self, RECORD_FIELDS, RecordFields},
};
use crate::{
    clock::unix_now,
    servicenow::{CallError, failure::Failure},
    storage::{
        StorageError,
        tickets::{Claim, CreatedRecord, StoredTicket},
    },
};
use app::{
    api::ApiError,
    domain::{
        servicenow::{ProblemKind, ServiceNowRefusal, TicketTable},
        tickets::Priority,
    },
};
use backon::{BackoffBuilder, ExponentialBuilder};
use futures_util::StreamExt;
use serde_json::json;
use std::{sync::Arc, time::Duration};

/// How long a sender holds a ticket.
const LEASE_SECS: i64 = 60;
/// How long one attempt (look-up, token refresh, create) may take: well
/// within the lease, so no other sender can start while it runs.
const ATTEMPT_BUDGET: Duration = Duration::from_secs(45);
/// Wait before looking up a ticket whose create request timed out: the
/// instance may still be working on it.
const AFTER_TIMEOUT_SECS: i64 = 120;
/// Wait before retrying a ticket that may exist but could not be looked up
/// for a reason that does not clear quickly (permissions, redirects).
const SLOW_RETRY_SECS: i64 = 300;
/// Tickets sent at once by the background sender.
const PARALLEL_SENDS: usize = 8;
/// Longest wait between two looks at the queue.
const IDLE_WAIT: Duration = Duration::from_secs(30);
/// Wait before retrying while there is no usable connection.
const NO_CONNECTION_WAIT: i64 = 60;

/// What an attempt found out, before it is stored.
enum Outcome {
    /// The record, and how it came about (the audit action).
    Created(CreatedRecord, &'static str),
    Failed(CallError),
    /// Another sender took the ticket over.
    ClaimLost,
}

/// What one attempt at a ticket came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// Created now, or found after an earlier answer was lost.
    Created,
    /// Back in the queue.
    Deferred,
    /// Refused for good.
    Refused,
    /// Another sender holds it, or it is no longer queued.
    Skipped,
}

/// The delay before attempt `attempts + 1`: exponential from 1 s to 5 min, jittered.
fn backoff(attempts: i64) -> Duration {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_secs(1))
        .with_max_delay(Duration::from_secs(300))
        .with_jitter()
        .without_max_times()
        .build()
        .nth(usize::try_from(attempts.clamp(0, 16)).unwrap_or(0))
        .unwrap_or(Duration::from_secs(300))
}

/// Whether a failure may clear by itself, so the ticket stays queued.
fn worth_retrying(failure: &Failure) -> bool {
    failure.is_transient()
        || matches!(
            failure.kind,
            ProblemKind::ReauthorizationNeeded | ProblemKind::Malformed
        )
}

fn kind_name(kind: ProblemKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl TicketService {
    /// Sends the queued ticket `id` once, if no other sender holds it.
    pub(super) async fn deliver(&self, id: i64) -> Result<Attempt, StorageError> {
        let now = unix_now();
        let Some(claim) = self.storage.claim_ticket(id, now, now + LEASE_SECS).await? else {
            return Ok(Attempt::Skipped);
        };
        let Some(ticket) = self.storage.ticket(id).await? else {
            return Ok(Attempt::Skipped);
        };
        let Some(table) = TicketTable::parse(&ticket.ticket.ticket_table) else {
            return Err(StorageError::Corrupt(format!(
                "table {}",
                ticket.ticket.ticket_table
            )));
        };
        let outcome = tokio::time::timeout(ATTEMPT_BUDGET, self.attempt(&claim, &ticket, table))
            .await
            .unwrap_or_else(|_| {
                let failure = Failure::new(ProblemKind::Timeout, "the attempt took too long");
                Ok(Outcome::Failed(CallError::Failed(failure)))
            })?;
        match outcome {
            Outcome::Created(record, how) => {
                if self.storage.ticket_created(&claim, &record).await? {
                    self.audit_created(&ticket, &record, how).await;
                }
                Ok(Attempt::Created)
            }
            Outcome::Failed(error) => self.after_failure(&claim, &ticket, error).await,
            Outcome::ClaimLost => Ok(Attempt::Skipped),
        }
    }

    /// One attempt: look the ticket up when an earlier attempt may have
    /// created it, else create it.
    async fn attempt(
        &self,
        claim: &Claim,
        ticket: &StoredTicket,
        table: TicketTable,
    ) -> Result<Outcome, StorageError> {
        if ticket.maybe_sent {
            match self.look_up(ticket, table).await {
                Ok(Some(found)) => return Ok(Outcome::Created(found, "ticket.recovered")),
                Ok(None) => {}
                Err(error) => return Ok(Outcome::Failed(error)),
            }
        }
        if !self.storage.ticket_attempt_started(claim).await? {
            return Ok(Outcome::ClaimLost);
        }
        let body = self.record_body(ticket, table).await?;
        let created = self
            .servicenow
            .with_api(|api| async move {
                api.create::<RecordFields>(table.as_str(), &body, RECORD_FIELDS)
                    .await
            })
            .await;
        Ok(match created {
            Ok(fields) => {
                let how = if ticket.attempts == 0 {
                    "ticket.created"
                } else {
                    "ticket.retried"
                };
                Outcome::Created(CreatedRecord::from(fields), how)
            }
            Err(error) => Outcome::Failed(error),
        })
    }

    /// The ticket in ServiceNow, if an earlier attempt created it.
    async fn look_up(
        &self,
        ticket: &StoredTicket,
        table: TicketTable,
    ) -> Result<Option<CreatedRecord>, CallError> {
        let query = record::lookup_query(&ticket.ticket.correlation_id, &ticket.ticket.request_key);
        let found = self
            .servicenow
            .with_api(|api| async move {
                api.list::<RecordFields>(table.as_str(), &query, RECORD_FIELDS, 1)
                    .await
            })
            .await?;
        Ok(found.into_iter().next().map(CreatedRecord::from))
    }

    async fn record_body(
        &self,
        ticket: &StoredTicket,
        table: TicketTable,
    ) -> Result<serde_json::Value, StorageError> {
        let defaults = self
            .storage
            .servicenow_ticket_defaults()
            .await?
            .map(|(_, group, category)| (group, category))
            .unwrap_or_default();
        let priority =
            Priority::from_value(&ticket.ticket.priority.to_string()).unwrap_or(Priority::Moderate);
        Ok(record::new_record(
            table,
            &ticket.ticket.short_description,
            &ticket.ticket.description,
            priority,
            &record::due_date(&ticket.ticket.due_date),
            &ticket.ticket.correlation_id,
            &record::Defaults {
                assignment_group: &defaults.0,
                category: &defaults.1,
            },
        ))
    }

    /// Queues the ticket again, or marks it refused, after `error`. A ticket
    /// that may already exist in ServiceNow is never marked refused: it is
    /// looked up again later.
    async fn after_failure(
        &self,
        claim: &Claim,
        ticket: &StoredTicket,
        error: CallError,
    ) -> Result<Attempt, StorageError> {
        let timed_out = matches!(&error, CallError::Failed(f) if f.kind == ProblemKind::Timeout);
        let may_exist = ticket.maybe_sent || timed_out;
        let (problem, wait) = match &error {
            CallError::Failed(failure) if !worth_retrying(failure) && !may_exist => {
                let problem = kind_name(failure.kind);
                if self.storage.ticket_refused(claim, &problem).await? {
                    self.storage.audit(
                        "system",
                        "ticket.refused",
                        Some(ticket.ticket.short_description.clone()),
                        json!({ "ticket": ticket.id, "problem": problem, "status": failure.status }),
                    )
                    .await;
                }
                return Ok(Attempt::Refused);
            }
            CallError::Failed(failure) if !worth_retrying(failure) => {
                (kind_name(failure.kind), SLOW_RETRY_SECS)
            }
            CallError::Failed(failure) => {
                let wait = backoff(ticket.attempts).max(failure.retry_after.unwrap_or_default());
                let wait = i64::try_from(wait.as_secs()).unwrap_or(300).max(1);
                let wait = if timed_out {
                    wait.max(AFTER_TIMEOUT_SECS)
                } else {
                    wait
                };
                (kind_name(failure.kind), wait)
            }
            CallError::Connection(ApiError::Refused(ServiceNowRefusal::ServiceNow(kind))) => {
                (kind_name(*kind), NO_CONNECTION_WAIT)
            }
            // Not connected (any more), or storage failing: the ticket waits.
            CallError::Connection(_) => (
                kind_name(ProblemKind::ReauthorizationNeeded),
                NO_CONNECTION_WAIT,
            ),
        };
        let deferred = self
            .storage
            .ticket_deferred(claim, unix_now() + wait, &problem)
            .await?;
        if deferred && ticket.last_problem.is_none() {
            self.storage
                .audit(
                    "system",
                    "ticket.queued",
                    Some(ticket.ticket.short_description.clone()),
                    json!({ "ticket": ticket.id, "problem": problem, "retry_in_secs": wait }),
                )
                .await;
        }
        Ok(Attempt::Deferred)
    }

    async fn audit_created(&self, ticket: &StoredTicket, record: &CreatedRecord, action: &str) {
        self.invalidate_cards();
        self.storage
            .audit(
                "system",
                action,
                Some(record.number.clone()),
                json!({
                    "ticket": ticket.id,
                    "table": ticket.ticket.ticket_table,
                    "action_id": ticket.ticket.action_id,
                    "requested_by": ticket.ticket.created_by,
                    "failed_attempts": ticket.attempts,
                }),
            )
            .await;
    }

    /// Sends due tickets until the process ends; [`TicketService::wake_sender`]
    /// makes it look at once.
    pub fn send_queued(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let service = self.clone();
        tokio::spawn(async move {
            loop {
                let wait = match service.send_due().await {
                    Ok(wait) => wait,
                    Err(error) => {
                        tracing::error!(%error, "cannot read the ticket queue");
                        IDLE_WAIT
                    }
                };
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = service.wake.notified() => {}
                }
            }
        })
    }

    /// Sends what is due; returns how long to wait before looking again.
    async fn send_due(&self) -> Result<Duration, StorageError> {
        let now = unix_now();
        let due = self.storage.due_tickets(now, 64).await?;
        futures_util::stream::iter(due)
            .for_each_concurrent(PARALLEL_SENDS, |id| async move {
                if let Err(error) = self.deliver(id).await {
                    tracing::error!(%error, ticket = id, "cannot send a queued ticket");
                }
            })
            .await;
        let next = self.storage.next_ticket_due().await?;
        Ok(match next {
            Some(at) if at <= unix_now() => Duration::from_millis(200),
            Some(at) => {
                Duration::from_secs(u64::try_from(at - unix_now()).unwrap_or(1)).min(IDLE_WAIT)
            }
            None => IDLE_WAIT,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_within_five_minutes() {
        let first = backoff(0);
        assert!(
            first >= Duration::from_secs(1) && first <= Duration::from_secs(2),
            "{first:?}"
        );
        assert!(backoff(4) >= Duration::from_secs(16), "{:?}", backoff(4));
        assert!(backoff(40) <= Duration::from_secs(600), "{:?}", backoff(40));
    }

    #[test]
    fn only_lasting_refusals_end_the_queue() {
        let failure = |kind| Failure::new(kind, "x");
        for kind in [
            ProblemKind::ServerError,
            ProblemKind::RateLimited,
            ProblemKind::Network,
            ProblemKind::Timeout,
            ProblemKind::ReauthorizationNeeded,
            ProblemKind::Malformed,
        ] {
            assert!(worth_retrying(&failure(kind)), "{kind:?}");
        }
        for kind in [ProblemKind::Forbidden, ProblemKind::NotFound] {
            assert!(!worth_retrying(&failure(kind)), "{kind:?}");
        }
    }
}
