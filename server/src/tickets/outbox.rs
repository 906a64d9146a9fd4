//! Sending queued tickets: each ticket is stored before it is sent, claimed
//! by one sender at a time, and put back in the queue with backoff (capped,
//! honouring `Retry-After`) when ServiceNow cannot take it now.
//!
//! A create whose answer never came (a timeout, a dropped connection, a 5xx
//! from a gateway while the instance went on committing) has an unknown
//! outcome: the ticket is looked up by its exact `correlation_id`, after a
//! wait longer than the instance's transaction timeout, before it is ever
//! sent again. A refusal that will not pass by itself (403, a rejected
//! field, records the integration user cannot see, a record that belongs
//! to another ticket) ends the attempts: the ticket shows the reason, the
//! audit log records it, and an admin can send it again.

use super::{
    TicketService,
    record::{self, RECORD_FIELDS, RecordFields},
};
use crate::{
    clock::unix_now,
    servicenow::{
        CallError,
        failure::{Failure, problem_name},
    },
    storage::{
        StorageError,
        tickets::{Attached, Claim, CreatedRecord, StoredTicket},
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
/// Longest wait between two attempts at a ticket.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// Longest `Retry-After` honoured: an instance asking for more is asked again then.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3_600);
/// Tickets sent at once by the background sender.
const PARALLEL_SENDS: usize = 8;
/// Longest wait between two looks at the queue.
const IDLE_WAIT: Duration = Duration::from_secs(30);
/// Records ScoreNow created that must be readable for a look-up to count.
const VISIBILITY_SAMPLE: i64 = 3;
/// Wait before retrying while there is no usable connection.
const NO_CONNECTION_WAIT: i64 = 60;

/// What an attempt found out, before it is stored.
enum Outcome {
    /// The record, and how it came about (the audit action).
    Created(CreatedRecord, &'static str),
    /// The attempt failed; `create_sent` when the failure answered the
    /// create request itself (so the record may exist).
    Failed { error: CallError, create_sent: bool },
    /// Another sender took the ticket over.
    ClaimLost,
}

impl Outcome {
    /// A failure before any create request went out.
    fn before_create(error: CallError) -> Self {
        Self::Failed {
            error,
            create_sent: false,
        }
    }
}

/// What one attempt at a ticket came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// Created now, or found after an earlier answer was lost.
    Created,
    /// Back in the queue.
    Deferred,
    /// Refused until an admin sends it again.
    Refused,
    /// Another sender holds it, or it is no longer queued.
    Skipped,
}

/// The delay before attempt `attempts + 1`: exponential from 1 s to
/// [`MAX_BACKOFF`], jittered.
fn backoff(attempts: i64) -> Duration {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_secs(1))
        .with_max_delay(MAX_BACKOFF)
        .with_jitter()
        .without_max_times()
        .build()
        .nth(usize::try_from(attempts.clamp(0, 16)).unwrap_or(0))
        .unwrap_or(MAX_BACKOFF)
}

/// Whether a failure may clear without anything done to this ticket, so
/// it stays queued: transient failures, and those of the whole connection
/// (re-authorisation, an IP address restriction), which the status panel
/// shows once and whose fix lets every queued ticket through.
fn worth_retrying(failure: &Failure) -> bool {
    failure.is_transient()
        || matches!(
            failure.kind,
            ProblemKind::ReauthorizationNeeded | ProblemKind::Malformed | ProblemKind::IpRestricted
        )
}

/// Whether a create request that failed so may still have made the record:
/// no answer, a lost answer, a 5xx (a gateway gives up while the instance
/// commits), or a success whose body could not be read.
fn outcome_unknown(failure: &Failure) -> bool {
    matches!(
        failure.kind,
        ProblemKind::Timeout
            | ProblemKind::Network
            | ProblemKind::ServerError
            | ProblemKind::Malformed
    )
}

/// Seconds of `wait`, at least one.
fn whole_secs(wait: Duration) -> i64 {
    i64::try_from(wait.as_secs()).unwrap_or(i64::MAX).max(1)
}

/// The wait before the next attempt after `failure`: the backoff, or the
/// instance's `Retry-After` when longer (up to [`MAX_RETRY_AFTER`]).
fn retry_wait(attempts: i64, failure: &Failure) -> Duration {
    let asked = failure.retry_after.unwrap_or_default().min(MAX_RETRY_AFTER);
    backoff(attempts).max(asked)
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
                // The create may have been under way.
                Ok(Outcome::Failed {
                    error: CallError::Failed(failure),
                    create_sent: true,
                })
            })?;
        match outcome {
            Outcome::Created(record, how) => {
                match self.storage.ticket_created(&claim, &record).await? {
                    Attached::Now => {
                        self.audit_created(&ticket, &record, how).await;
                        Ok(Attempt::Created)
                    }
                    Attached::ClaimLost => Ok(Attempt::Skipped),
                    Attached::ToAnother(other) => {
                        let failure = Failure::new(
                            ProblemKind::RecordConflict,
                            format!("{} belongs to ticket {other}", record.number),
                        );
                        let details = json!({ "record": record.number, "other_ticket": other });
                        self.refuse(&claim, &ticket, &failure, details).await
                    }
                }
            }
            Outcome::Failed { error, create_sent } => {
                self.after_failure(&claim, &ticket, error, create_sent)
                    .await
            }
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
                Err(error) => return Ok(Outcome::before_create(error)),
            }
            if let Err(error) = self.records_visible(table).await? {
                return Ok(Outcome::before_create(error));
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
            Err(error) => Outcome::Failed {
                error,
                create_sent: true,
            },
        })
    }

    /// The ticket in ServiceNow, if an earlier attempt created it: the
    /// record of its exact `correlation_id` (see [`record::lookup_query`]).
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

    /// Whether a look-up that found nothing can be trusted: the integration
    /// user must see the records ScoreNow created. When ACLs hide them, the
    /// ticket may exist unseen, and sending it again would make a second.
    /// The newest few are asked for: one deleted in ServiceNow is no sign.
    async fn records_visible(
        &self,
        table: TicketTable,
    ) -> Result<Result<(), CallError>, StorageError> {
        let known = self
            .storage
            .newest_records_of(table.as_str(), VISIBILITY_SAMPLE)
            .await?;
        if known.is_empty() {
            // Nothing created in this table yet: nothing to check against.
            return Ok(Ok(()));
        }
        let query = format!("sys_idIN{}", known.join(","));
        let seen = self
            .servicenow
            .with_api(|api| async move {
                api.list::<RecordFields>(table.as_str(), &query, &["sys_id"], known.len())
                    .await
            })
            .await;
        Ok(match seen {
            Ok(records) if records.is_empty() => Err(CallError::Failed(Failure::new(
                ProblemKind::RecordsHidden,
                format!(
                    "the integration user cannot read ScoreNow's {}s",
                    table.as_str()
                ),
            ))),
            Ok(_) => Ok(()),
            Err(error) => Err(error),
        })
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

    /// Queues the ticket again after `error`, or refuses it when the error
    /// will not pass by itself. A create whose outcome is unknown is looked
    /// up (after [`TicketService::unknown_outcome_wait`]) before it is sent again.
    async fn after_failure(
        &self,
        claim: &Claim,
        ticket: &StoredTicket,
        error: CallError,
        create_sent: bool,
    ) -> Result<Attempt, StorageError> {
        let (problem, detail, wait) = match &error {
            CallError::Failed(failure) if create_sent && outcome_unknown(failure) => {
                let wait = backoff(ticket.attempts).max(self.unknown_outcome_wait);
                (failure.kind, failure.instance_words(), whole_secs(wait))
            }
            CallError::Failed(failure) if worth_retrying(failure) => {
                let wait = retry_wait(ticket.attempts, failure);
                (failure.kind, failure.instance_words(), whole_secs(wait))
            }
            CallError::Failed(failure) => {
                let details = json!({ "status": failure.status });
                return self.refuse(claim, ticket, failure, details).await;
            }
            CallError::Connection(ApiError::Refused(ServiceNowRefusal::ServiceNow(kind))) => {
                (*kind, String::new(), NO_CONNECTION_WAIT)
            }
            // Not connected (any more), or storage failing: the ticket waits.
            CallError::Connection(_) => (
                ProblemKind::ReauthorizationNeeded,
                String::new(),
                NO_CONNECTION_WAIT,
            ),
        };
        let problem = problem_name(problem);
        let deferred = self
            .storage
            .ticket_deferred(claim, unix_now().saturating_add(wait), &problem, &detail)
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

    /// Ends the attempts at the ticket of `claim` with `failure`, visibly:
    /// its reason on the ticket, an audit entry (with `details`). An admin
    /// can send it again; a ticket that may exist is looked up first then.
    async fn refuse(
        &self,
        claim: &Claim,
        ticket: &StoredTicket,
        failure: &Failure,
        details: serde_json::Value,
    ) -> Result<Attempt, StorageError> {
        let problem = problem_name(failure.kind);
        tracing::warn!(ticket = ticket.id, %failure, "ticket refused until an admin sends it again");
        if self
            .storage
            .ticket_refused(claim, &problem, &failure.instance_words())
            .await?
        {
            self.storage
                .audit(
                    "system",
                    "ticket.refused",
                    Some(ticket.ticket.short_description.clone()),
                    json!({ "ticket": ticket.id, "problem": problem, "details": details }),
                )
                .await;
        }
        Ok(Attempt::Refused)
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
    fn retry_after_is_honoured_up_to_an_hour() {
        let asking = |secs| Failure {
            retry_after: Some(Duration::from_secs(secs)),
            ..Failure::new(ProblemKind::RateLimited, "x")
        };
        assert_eq!(retry_wait(0, &asking(42)), Duration::from_secs(42));
        assert_eq!(retry_wait(0, &asking(u64::MAX)), MAX_RETRY_AFTER);
        assert!(whole_secs(retry_wait(0, &asking(u64::MAX))) <= 3_600);
    }

    #[test]
    fn a_create_without_a_clear_answer_may_have_made_the_record() {
        let failure = |kind| Failure::new(kind, "x");
        for kind in [
            ProblemKind::Timeout,
            ProblemKind::Network,
            ProblemKind::ServerError,
            ProblemKind::Malformed,
        ] {
            assert!(outcome_unknown(&failure(kind)), "{kind:?}");
        }
        for kind in [
            ProblemKind::RateLimited,
            ProblemKind::Forbidden,
            ProblemKind::Rejected,
            ProblemKind::ReauthorizationNeeded,
        ] {
            assert!(!outcome_unknown(&failure(kind)), "{kind:?}");
        }
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
            ProblemKind::IpRestricted,
        ] {
            assert!(worth_retrying(&failure(kind)), "{kind:?}");
        }
        for kind in [
            ProblemKind::Forbidden,
            ProblemKind::NotFound,
            ProblemKind::Rejected,
            ProblemKind::RecordsHidden,
            ProblemKind::RecordConflict,
        ] {
            assert!(!worth_retrying(&failure(kind)), "{kind:?}");
        }
    }
}
