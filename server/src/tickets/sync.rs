//! Tracking: states of ScoreNow's tickets read from ServiceNow, only what
//! changed since the last read (`sys_updated_on`, with an overlap window for
//! records that commit long after their update time), page by page; and a
//! work note, at most once, on tickets whose action Secure Score shows completed.
//!
//! Dates in `sysparm_query` are read by the instance in UTC, the way it
//! stores them (its own documentation: the database value is UTC, the
//! display value is in the user's time zone), whatever the integration
//! user's time zone: the watermark is kept as ServiceNow's UTC value.

use super::{
    TicketService,
    record::{RECORD_FIELDS, RecordFields, tenant_query},
};
use crate::{
    clock::utc_text,
    servicenow::{CallError, failure::problem_name},
    storage::{StorageError, tickets::StoredTicket},
};
use app::domain::servicenow::{ProblemKind, TicketTable};
use serde_json::json;
use std::{sync::Arc, time::Duration};

/// Most changed records one query reads; the rest come next cycle.
const SYNC_PAGE: usize = 1_000;
/// Margin before the first ticket's creation for the first watermark (clock skew).
const FIRST_WATERMARK_MARGIN_SECS: i64 = 3_600;
/// How far before the watermark each sync reads again: a record whose
/// update commits late (a long business rule) carries an older
/// `sys_updated_on` than records read meanwhile.
const OVERLAP_SECS: i64 = 600;
/// Lasting failures after which the completion note is given up.
const NOTE_ATTEMPTS: i64 = 3;
/// What marks ScoreNow's completion note in a record's journal.
const NOTE_MARKER: &str = "[ScoreNow: completed in Secure Score]";

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("ServiceNow call failed: {0:?}")]
    ServiceNow(CallError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Another replica is syncing.
    #[error("another replica is syncing")]
    Busy,
}

impl From<CallError> for SyncError {
    fn from(error: CallError) -> Self {
        SyncError::ServiceNow(error)
    }
}

/// What a sync found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Records read.
    pub read: usize,
    /// Records ScoreNow does not know (an anomaly worth auditing).
    pub unknown: usize,
    /// Work notes added.
    pub notes: usize,
}

/// `watermark` (`yyyy-MM-dd HH:mm:ss`) moved by `seconds`, or itself when
/// it is not a ServiceNow date.
fn shifted(watermark: &str, seconds: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(watermark, format)
        .ok()
        .and_then(|at| (at + time::Duration::seconds(seconds)).format(format).ok())
        .unwrap_or_else(|| watermark.to_owned())
}

/// One sync of one table: what it selects by, and what it has found.
struct Cycle<'a> {
    table: TicketTable,
    /// The query part selecting this tenant's ScoreNow tickets.
    ours: &'a str,
    /// The newest `sys_updated_on` the previous sync saw.
    watermark: &'a str,
    /// The newest `sys_updated_on` seen so far.
    newest: String,
    report: &'a mut SyncReport,
}

/// The text of the work note added when Secure Score shows the action completed.
fn completion_note(action_title: &str, action_id: &str) -> String {
    format!(
        "Microsoft Secure Score now shows the improvement action \"{action_title}\" \
         ({action_id}) as completed. Please verify and close this ticket.\n{NOTE_MARKER}"
    )
}

impl TicketService {
    /// Syncs (see [`Self::sync_holding_the_lease`]) once no other sync runs
    /// in this replica, nor, within `patience`, in another.
    pub async fn sync(&self, patience: Duration) -> Result<SyncReport, SyncError> {
        let _one_at_a_time = self.sync_lock.lock().await;
        let held = self
            .sync_lease
            .take_within(patience)
            .await?
            .ok_or(SyncError::Busy)?;
        let outcome = self.sync_holding_the_lease().await;
        held.release().await;
        outcome
    }

    /// Reads changed states of both tables, then adds due completion notes.
    /// A table that fails does not hold up the other or the notes; the
    /// first failure is returned after them.
    async fn sync_holding_the_lease(&self) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        let mut failure = None;
        for table in TicketTable::ALL {
            if let Err(error) = self.sync_table(table, &mut report).await {
                failure.get_or_insert(error);
            }
        }
        if report.unknown > 0 {
            self.storage
                .audit(
                    "system",
                    "ticket.sync_unknown_records",
                    None,
                    json!({ "count": report.unknown }),
                )
                .await;
        }
        report.notes = self.note_completed_actions().await;
        if report.read > 0 {
            self.invalidate_cards();
        }
        failure.map_or(Ok(report), Err)
    }

    async fn sync_table(
        &self,
        table: TicketTable,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let watermark = match self.storage.ticket_watermark(table.as_str()).await? {
            Some(watermark) => watermark,
            None => match self.storage.first_ticket_created_at(table.as_str()).await? {
                Some(at) => utc_text(at - FIRST_WATERMARK_MARGIN_SECS),
                // Nothing sent to this table yet: nothing to track.
                None => return Ok(()),
            },
        };
        let ours = tenant_query(&self.securescore.tenant());
        let mut cycle = Cycle {
            table,
            ours: &ours,
            watermark: &watermark,
            newest: watermark.clone(),
            report,
        };
        let mut since = shifted(&watermark, -OVERLAP_SECS);
        loop {
            let query =
                format!("{ours}^sys_updated_on>={since}^ORDERBYsys_updated_on^ORDERBYsys_id");
            let records = self.changed_records(table, &query).await?;
            let full_page = records.len() == SYNC_PAGE;
            let (last_time, last_id) = records.last().map_or_else(Default::default, |last| {
                (last.sys_updated_on.clone(), last.sys_id.clone())
            });
            self.apply_states(&mut cycle, records).await?;
            if !full_page {
                break;
            }
            let next = if last_time == since {
                // A page of changes within one second: walk that second by
                // sys_id, then move past it (`>=` would read it for ever).
                self.walk_second(&mut cycle, &since, last_id).await?;
                shifted(&since, 1)
            } else {
                last_time
            };
            if next <= since {
                // Not a date ServiceNow writes (an ACL on the field?): stop
                // rather than read the same page again.
                tracing::warn!(table = table.as_str(), %since, %next, "the sync cannot move past this time");
                break;
            }
            since = next;
        }
        self.storage
            .set_ticket_watermark(table.as_str(), &cycle.newest)
            .await?;
        Ok(())
    }

    /// Reads every record of the cycle's table changed at the second `at`,
    /// after the `sys_id` `after`, a page at a time.
    async fn walk_second(
        &self,
        cycle: &mut Cycle<'_>,
        at: &str,
        after: String,
    ) -> Result<(), SyncError> {
        let mut after = Some(after);
        while let Some(last) = after.take() {
            let query = format!(
                "{}^sys_updated_on={at}^sys_id>{last}^ORDERBYsys_id",
                cycle.ours
            );
            let records = self.changed_records(cycle.table, &query).await?;
            if records.len() == SYNC_PAGE {
                after = records.last().map(|record| record.sys_id.clone());
            }
            self.apply_states(cycle, records).await?;
        }
        Ok(())
    }

    /// One page of ScoreNow's records of `table` that `query` selects.
    async fn changed_records(
        &self,
        table: TicketTable,
        query: &str,
    ) -> Result<Vec<RecordFields>, SyncError> {
        let query = query.to_owned();
        Ok(self
            .servicenow
            .with_api(|api| async move {
                api.list::<RecordFields>(table.as_str(), &query, RECORD_FIELDS, SYNC_PAGE)
                    .await
            })
            .await?)
    }

    /// Stores the states of `records` (each only if newer than the one
    /// stored); moves the cycle's newest time to the newest `sys_updated_on`
    /// among them. Records ScoreNow does not know are counted once: when
    /// they changed after the previous sync's newest time.
    async fn apply_states(
        &self,
        cycle: &mut Cycle<'_>,
        records: Vec<RecordFields>,
    ) -> Result<(), SyncError> {
        for record in records {
            cycle.report.read += 1;
            let known = self
                .storage
                .sync_ticket_state(
                    cycle.table.as_str(),
                    &record.sys_id,
                    &record.state,
                    record.active != "false",
                    &record.sys_updated_on,
                )
                .await?;
            if !known && record.sys_updated_on.as_str() > cycle.watermark {
                cycle.report.unknown += 1;
            }
            if record.sys_updated_on > cycle.newest {
                cycle.newest = record.sys_updated_on;
            }
        }
        Ok(())
    }

    /// Adds the completion work note to each open ticket whose action
    /// Secure Score shows completed; returns how many were added.
    async fn note_completed_actions(&self) -> usize {
        let completed = self.securescore.completed_actions();
        let ids: Vec<String> = completed.iter().map(|action| action.id.clone()).collect();
        let tickets = match self.storage.tickets_awaiting_completion_note(&ids).await {
            Ok(tickets) => tickets,
            Err(error) => {
                tracing::error!(%error, "cannot read tickets awaiting a completion note");
                return 0;
            }
        };
        let mut noted = 0;
        for ticket in tickets {
            let (Some(sys_id), Some(action_id), Some(table)) = (
                ticket.sys_id.clone(),
                ticket.ticket.action_id.clone(),
                TicketTable::parse(&ticket.ticket.ticket_table),
            ) else {
                continue;
            };
            let title = completed
                .iter()
                .find(|action| action.id == action_id)
                .map_or(action_id.as_str(), |action| action.title.as_str());
            let note = completion_note(title, &action_id);
            match self.add_note_once(table, &sys_id, note).await {
                Ok(found) => {
                    if let Err(error) = self.storage.completion_noted(ticket.id).await {
                        tracing::error!(%error, "cannot record a completion note");
                        continue;
                    }
                    noted += usize::from(!found);
                    self.storage
                        .audit(
                            "system",
                            "ticket.completion_noted",
                            ticket.number.clone(),
                            json!({ "ticket": ticket.id, "action_id": action_id, "found_on_record": found }),
                        )
                        .await;
                }
                Err(error) => self.note_failed(&ticket, error).await,
            }
        }
        noted
    }

    /// Adds `note` to the work notes of the record `sys_id`, unless its
    /// journal carries ScoreNow's marker already (a note whose answer was
    /// lost); whether it was found there.
    async fn add_note_once(
        &self,
        table: TicketTable,
        sys_id: &str,
        note: String,
    ) -> Result<bool, CallError> {
        let journal = self
            .servicenow
            .with_api(|api| async move { api.journal(table.as_str(), sys_id, "work_notes").await })
            .await?;
        if journal.contains(NOTE_MARKER) {
            return Ok(true);
        }
        let changes = json!({ "work_notes": note });
        self.servicenow
            .with_api(|api| async move {
                api.update::<RecordFields>(table.as_str(), sys_id, &changes, RECORD_FIELDS)
                    .await
            })
            .await?;
        Ok(false)
    }

    /// After the completion note of `ticket` failed with `error`: a failure
    /// that may pass is tried next cycle; a lasting one counts, and after
    /// [`NOTE_ATTEMPTS`] of them the note is given up, visibly.
    async fn note_failed(&self, ticket: &StoredTicket, error: CallError) {
        let lasting = match &error {
            CallError::Failed(failure) if !failure.is_transient() => Some(failure.kind),
            _ => None,
        };
        let Some(kind) = lasting.filter(|kind| *kind != ProblemKind::ReauthorizationNeeded) else {
            tracing::warn!(
                ?error,
                ticket = ticket.id,
                "cannot add a completion note; next cycle tries again"
            );
            return;
        };
        let gave_up = (ticket.note_failures + 1 >= NOTE_ATTEMPTS).then(|| problem_name(kind));
        if let Err(error) = self
            .storage
            .completion_note_failed(ticket.id, gave_up.as_deref())
            .await
        {
            tracing::error!(%error, "cannot record a failed completion note");
            return;
        }
        if let Some(problem) = gave_up {
            tracing::warn!(ticket = ticket.id, %problem, "completion note given up");
            self.storage
                .audit(
                    "system",
                    "ticket.completion_note_given_up",
                    ticket.number.clone(),
                    json!({ "ticket": ticket.id, "problem": problem, "attempts": NOTE_ATTEMPTS }),
                )
                .await;
        }
    }

    /// Syncs every `period` until the process ends.
    pub fn sync_every(self: &Arc<Self>, period: Duration) -> tokio::task::JoinHandle<()> {
        let service = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                match service.sync(Duration::ZERO).await {
                    Ok(report) if report.read > 0 || report.notes > 0 => {
                        tracing::info!(
                            read = report.read,
                            unknown = report.unknown,
                            notes = report.notes,
                            "tickets synced"
                        );
                    }
                    Ok(_) => {}
                    // Not connected yet, or ServiceNow failing: its status panel says so.
                    Err(error) => tracing::debug!(?error, "ticket sync skipped"),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watermarks_shift_across_days() {
        assert_eq!(shifted("2026-11-24 23:59:59", 1), "2026-11-25 00:00:00");
        assert_eq!(
            shifted("2026-11-25 00:05:00", -OVERLAP_SECS),
            "2026-11-24 23:55:00"
        );
        assert_eq!(shifted("not a date", 1), "not a date");
    }

    #[test]
    fn the_completion_note_names_the_action() {
        let note = completion_note("Require MFA for administrative roles", "AdminMFAV2");
        assert!(note.contains("\"Require MFA for administrative roles\" (AdminMFAV2)"));
        assert!(note.contains("completed"));
        assert!(note.ends_with(NOTE_MARKER));
    }
}
