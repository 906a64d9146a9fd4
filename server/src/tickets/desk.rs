//! What pages ask of tickets (`app`'s `TicketDesk`): the share dialog's
//! form and sending, one ticket, the list and its export, the home cards
//! and the on-demand sync.

use super::{
    CARD_LATEST, DUE_IN_DAYS, ON_DEMAND_SYNC_PATIENCE, SyncError, TicketService, call_error,
    new_request_key, record, today, truncated, unavailable, view,
};
use crate::{
    clock::unix_now,
    storage::tickets::{NewTicket, Queued, Requeued, TicketQuery},
};
use app::{
    api::services::TicketDesk,
    domain::{
        auth::{CurrentUser, Role},
        recommendation::{Category, Source},
        servicenow::{ConnectionState, TicketTable},
        tickets::{
            DESCRIPTION_MAX, NAME_MAX, Priority, ShareForm, ShareOutcome, StateCount, Ticket,
            TicketCard, TicketCards, TicketDraft, TicketError, TicketFilter, TicketPage,
            TicketRefusal, date_text,
        },
    },
};
use futures_util::StreamExt;
use leptos::server_fn::codec::TextStream;
use serde_json::json;
use std::collections::BTreeMap;

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
            return Err(TicketRefusal::BadRequestKey.into());
        }
        let valid = draft.validate(today()).map_err(TicketRefusal::Invalid)?;
        let view = self.view().await?;
        if matches!(
            view.connection,
            ConnectionState::NotConfigured | ConnectionState::AwaitingAuthorization
        ) {
            return Err(TicketRefusal::NotConnected.into());
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
        // The browser's key only makes a repeated send idempotent; what goes
        // to ServiceNow is the server's own, which no browser chooses.
        let request_key = new_request_key();
        let signed = format!("{} <{}>", user.display_name, user.email);
        let description = record::description(
            &valid.description,
            &record::Footer {
                user: &signed,
                source,
                category: &category,
                link: &link,
                request_key: &request_key,
            },
        );
        let now = unix_now();
        let ticket = NewTicket {
            client_token: draft.request_key.clone(),
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
                &request_key,
            ),
            created_by: user.email.clone(),
            created_at: now,
            request_key,
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
        let stored = self.existing(id).await?;
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

    async fn list(
        &self,
        user: &CurrentUser,
        filter: &TicketFilter,
    ) -> Result<TicketPage, TicketError> {
        let page_size = i64::from(app::domain::tickets::PAGE_SIZE);
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
            can_refresh: user.role.includes(Role::Analyst),
            can_retry: user.role.includes(Role::Admin),
        })
    }

    async fn retry(&self, user: &CurrentUser, id: i64) -> Result<Ticket, TicketError> {
        match self
            .storage
            .requeue_ticket(id, unix_now())
            .await
            .map_err(unavailable)?
        {
            Requeued::Queued => {}
            Requeued::NotRefused => return Err(TicketRefusal::NotRefused.into()),
            Requeued::OpenTicketExists(_) => return Err(TicketRefusal::OtherOpenTicket.into()),
        }
        self.storage
            .audit(
                &user.email,
                "ticket.retry_requested",
                None,
                json!({ "ticket": id }),
            )
            .await;
        self.send_now(id).await;
        let stored = self.existing(id).await?;
        Ok(self.view().await?.ticket(stored))
    }

    async fn retry_all(&self, user: &CurrentUser) -> Result<u64, TicketError> {
        let now = unix_now();
        let mut queued = 0;
        for id in self.storage.refused_tickets().await.map_err(unavailable)? {
            if self
                .storage
                .requeue_ticket(id, now)
                .await
                .map_err(unavailable)?
                == Requeued::Queued
            {
                queued += 1;
            }
        }
        self.storage
            .audit(
                &user.email,
                "ticket.retry_requested",
                None,
                json!({ "tickets": queued }),
            )
            .await;
        self.wake.notify_one();
        Ok(queued)
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
        let report = self
            .sync(ON_DEMAND_SYNC_PATIENCE)
            .await
            .map_err(|error| match error {
                SyncError::ServiceNow(error) => call_error(error),
                SyncError::Storage(error) => unavailable(error),
                SyncError::Busy => unavailable("another replica's sync is taking too long"),
            })?;
        tracing::info!(user = %user.email, read = report.read, "tickets synced on demand");
        Ok(())
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
