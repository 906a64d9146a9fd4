//! Tickets in ServiceNow created through ScoreNow: the share dialog, the
//! home cards, the tickets list and its CSV export, and the on-demand sync.

#[cfg(feature = "ssr")]
use super::{request::require, services::services};
#[cfg(feature = "ssr")]
use crate::domain::auth::Role;
use crate::domain::tickets::{
    ShareForm, ShareOutcome, Ticket, TicketCards, TicketDraft, TicketError, TicketFilter,
    TicketPage,
};
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, StreamingText, TextStream};

/// The share dialog's starting point: prefilled fields and a fresh request key.
#[server(endpoint = "share_form")]
pub async fn load_share_form(action_id: Option<String>) -> Result<ShareForm, TicketError> {
    let user = require(Role::Reader).await?;
    services()?
        .tickets
        .share_form(&user, action_id.as_deref())
        .await
}

/// Sends the dialog: creates the ticket, or queues it when ServiceNow cannot take it now.
#[server(endpoint = "share_ticket")]
pub async fn share_ticket(
    #[server(default)] draft: TicketDraft,
) -> Result<ShareOutcome, TicketError> {
    let user = require(Role::Analyst).await?;
    services()?.tickets.share(&user, draft).await
}

/// One ticket (the dialog follows a queued ticket with it).
#[server(endpoint = "ticket")]
pub async fn load_ticket(id: i64) -> Result<Option<Ticket>, TicketError> {
    require(Role::Reader).await?;
    services()?.tickets.ticket(id).await
}

/// Sends a refused ticket again (admins).
#[server(endpoint = "retry_ticket")]
pub async fn retry_ticket(id: i64) -> Result<Ticket, TicketError> {
    let user = require(Role::Admin).await?;
    services()?.tickets.retry(&user, id).await
}

/// Sends every refused ticket again (admins); how many went back in the queue.
#[server(endpoint = "retry_refused_tickets")]
pub async fn retry_refused_tickets() -> Result<u64, TicketError> {
    let user = require(Role::Admin).await?;
    services()?.tickets.retry_all(&user).await
}

/// One page of the tickets list.
#[server(endpoint = "list_tickets")]
pub async fn list_tickets(
    #[server(default)] filter: TicketFilter,
) -> Result<TicketPage, TicketError> {
    let user = require(Role::Reader).await?;
    services()?.tickets.list(&user, &filter).await
}

/// Every ticket matching the list's URL query, as a CSV download.
#[server(endpoint = "export_tickets", input = GetUrl, output = StreamingText)]
pub async fn export_tickets(
    #[server(default)] query: String,
) -> Result<TextStream<TicketError>, TicketError> {
    use http::{HeaderValue, header};
    require(Role::Reader).await?;
    let lines = services()?
        .tickets
        .export(TicketFilter::from_query_string(&query))
        .await?;
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        response.insert_header(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"scorenow-tickets.csv\""),
        );
    }
    Ok(lines)
}

/// The home page's ticket cards.
#[server(endpoint = "ticket_cards")]
pub async fn load_ticket_cards() -> Result<TicketCards, TicketError> {
    let user = require(Role::Reader).await?;
    services()?.tickets.cards(&user).await
}

/// Syncs ticket states from ServiceNow now.
#[server(endpoint = "refresh_tickets")]
pub async fn refresh_tickets() -> Result<(), TicketError> {
    let user = require(Role::Analyst).await?;
    services()?.tickets.refresh(&user).await
}
