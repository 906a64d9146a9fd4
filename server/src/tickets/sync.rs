//! Tracking: states of ScoreNow's tickets read from ServiceNow, only what
//! changed since the last read (`sys_updated_on`), one query per table per
//! cycle; and a work note on tickets whose action Secure Score shows completed.

use super::{
    TicketService,
    record::{RECORD_FIELDS, RecordFields, tenant_query},
};
use crate::{clock::utc_text, servicenow::CallError, storage::StorageError};
use app::domain::servicenow::TicketTable;
use serde_json::json;
use std::{sync::Arc, time::Duration};

/// Most changed records one query reads; the rest come next cycle.
const SYNC_PAGE: usize = 1_000;
/// Margin before the first ticket's creation for the first watermark (clock skew).
const FIRST_WATERMARK_MARGIN_SECS: i64 = 3_600;

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

/// The second after `watermark` (`yyyy-MM-dd HH:mm:ss`), or `watermark` itself
/// when it is not a ServiceNow date.
fn next_second(watermark: &str) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(watermark, format)
        .ok()
        .and_then(|at| (at + time::Duration::seconds(1)).format(format).ok())
        .unwrap_or_else(|| watermark.to_owned())
}

/// The text of the work note added when Secure Score shows the action completed.
fn completion_note(action_title: &str, action_id: &str) -> String {
    format!(
        "Microsoft Secure Score now shows the improvement action \"{action_title}\" \
         ({action_id}) as completed. Added by ScoreNow: please verify and close this ticket."
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
        let changed = format!("{ours}^sys_updated_on>={watermark}");
        let records = self
            .changed_records(
                table,
                &format!("{changed}^ORDERBYsys_updated_on^ORDERBYsys_id"),
            )
            .await?;
        let full_page = records.len() == SYNC_PAGE;
        let mut last_id = records.last().map(|record| record.sys_id.clone());
        let mut newest = self
            .apply_states(table, records, &watermark, report)
            .await?;
        if full_page && newest == watermark {
            // More than a page changed within one second: walk that second by
            // sys_id, then move past it (a `>=` watermark would read the same
            // page for ever).
            while let Some(after) = last_id.take() {
                let query =
                    format!("{ours}^sys_updated_on={watermark}^sys_id>{after}^ORDERBYsys_id");
                let records = self.changed_records(table, &query).await?;
                if records.len() == SYNC_PAGE {
                    last_id = records.last().map(|record| record.sys_id.clone());
                }
                self.apply_states(table, records, &watermark, report)
                    .await?;
            }
            newest = next_second(&watermark);
        }
        self.storage
            .set_ticket_watermark(table.as_str(), &newest)
            .await?;
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

    /// Stores the states of `records`; returns the newest `sys_updated_on`
    /// among them and `watermark`.
    async fn apply_states(
        &self,
        table: TicketTable,
        records: Vec<RecordFields>,
        watermark: &str,
        report: &mut SyncReport,
    ) -> Result<String, SyncError> {
        let mut newest = watermark.to_owned();
        for record in records {
            report.read += 1;
            let known = self
                .storage
                .sync_ticket_state(
                    table.as_str(),
                    &record.sys_id,
                    &record.state,
                    record.active != "false",
                    &record.sys_updated_on,
                )
                .await?;
            if !known {
                report.unknown += 1;
            }
            if record.sys_updated_on > newest {
                newest = record.sys_updated_on;
            }
        }
        Ok(newest)
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
            let changes = json!({ "work_notes": completion_note(title, &action_id) });
            let outcome = self
                .servicenow
                .with_api(|api| async move {
                    api.update::<RecordFields>(table.as_str(), &sys_id, &changes, RECORD_FIELDS)
                        .await
                })
                .await;
            match outcome {
                Ok(_) => {
                    if let Err(error) = self.storage.completion_noted(ticket.id).await {
                        tracing::error!(%error, "cannot record a completion note");
                        continue;
                    }
                    noted += 1;
                    self.storage
                        .audit(
                            "system",
                            "ticket.completion_noted",
                            ticket.number.clone(),
                            json!({ "ticket": ticket.id, "action_id": action_id }),
                        )
                        .await;
                }
                Err(error) => {
                    tracing::warn!(
                        ?error,
                        ticket = ticket.id,
                        "cannot add a completion note; next cycle tries again"
                    );
                }
            }
        }
        noted
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
    fn the_watermark_moves_one_second_past_a_burst() {
        assert_eq!(next_second("2026-11-24 23:59:59"), "2026-11-25 00:00:00");
        assert_eq!(next_second("not a date"), "not a date");
    }

    #[test]
    fn the_completion_note_names_the_action() {
        let note = completion_note("Require MFA for administrative roles", "AdminMFAV2");
        assert!(note.contains("\"Require MFA for administrative roles\" (AdminMFAV2)"));
        assert!(note.contains("completed"));
    }
}
