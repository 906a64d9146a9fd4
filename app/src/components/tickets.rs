//! Ticket pieces several pages share: localised names of ticket types,
//! priorities, sources, sort orders and problems, and the ticket badge.

use super::servicenow::problem_text;
use crate::{
    api::ApiError,
    domain::{
        recommendation::Source,
        servicenow::TicketTable,
        tickets::{
            Delivery, FieldProblem, Priority, Ticket, TicketError, TicketRefusal, TicketSort,
        },
    },
    i18n::*,
};
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// The localised name of a ticket type.
pub fn type_label(i18n: I18nContext<Locale>, table: TicketTable) -> String {
    match table {
        TicketTable::ChangeRequest => t_string!(i18n, ticket.type_change_request),
        TicketTable::Incident => t_string!(i18n, ticket.type_incident),
    }
    .to_string()
}

/// The localised name of a priority.
pub fn priority_label(i18n: I18nContext<Locale>, priority: Priority) -> String {
    match priority {
        Priority::Critical => t_string!(i18n, ticket.priority_critical),
        Priority::High => t_string!(i18n, ticket.priority_high),
        Priority::Moderate => t_string!(i18n, ticket.priority_moderate),
        Priority::Low => t_string!(i18n, ticket.priority_low),
        Priority::Planning => t_string!(i18n, ticket.priority_planning),
    }
    .to_string()
}

/// The localised name of a recommendation source.
pub fn source_label(i18n: I18nContext<Locale>, source: Source) -> String {
    match source {
        Source::Microsoft => t_string!(i18n, ticket.source_microsoft),
        Source::User => t_string!(i18n, ticket.source_user),
    }
    .to_string()
}

/// The localised name of a sort order of the tickets list.
pub fn sort_label(i18n: I18nContext<Locale>, sort: TicketSort) -> String {
    match sort {
        TicketSort::Newest => t_string!(i18n, tickets.sort_newest),
        TicketSort::Oldest => t_string!(i18n, tickets.sort_oldest),
        TicketSort::DueDate => t_string!(i18n, tickets.sort_due),
        TicketSort::Priority => t_string!(i18n, tickets.sort_priority),
    }
    .to_string()
}

/// What is wrong with a field, in the user's language.
pub fn field_problem_text(i18n: I18nContext<Locale>, problem: FieldProblem) -> String {
    match problem {
        FieldProblem::Required => t_string!(i18n, ticket.problem_required).to_string(),
        FieldProblem::TooLong { max } => {
            t_string!(i18n, ticket.problem_too_long, max = max).to_string()
        }
        FieldProblem::ControlCharacters => t_string!(i18n, ticket.problem_control).to_string(),
        FieldProblem::Markup => t_string!(i18n, ticket.problem_markup).to_string(),
        FieldProblem::Unknown => t_string!(i18n, ticket.problem_unknown).to_string(),
        FieldProblem::InvalidDate => t_string!(i18n, ticket.problem_invalid_date).to_string(),
        FieldProblem::PastDate => t_string!(i18n, ticket.problem_past_date).to_string(),
        FieldProblem::TooFarAhead => t_string!(i18n, ticket.problem_too_far).to_string(),
    }
}

/// A ticket request's failure, in the user's language.
pub fn ticket_error_text(i18n: I18nContext<Locale>, error: &TicketError) -> String {
    match error {
        ApiError::NotSignedIn => t_string!(i18n, servicenow.errors.not_signed_in).to_string(),
        ApiError::Forbidden => t_string!(i18n, ticket.error_forbidden).to_string(),
        ApiError::Refused(TicketRefusal::NotConnected) => {
            t_string!(i18n, ticket.error_not_connected).to_string()
        }
        ApiError::Refused(TicketRefusal::Invalid(_)) => {
            t_string!(i18n, ticket.error_invalid).to_string()
        }
        ApiError::Refused(TicketRefusal::BadRequestKey) => {
            t_string!(i18n, ticket.error_request_key).to_string()
        }
        ApiError::Refused(TicketRefusal::UnknownAction) => {
            t_string!(i18n, ticket.error_unknown_action).to_string()
        }
        ApiError::Refused(TicketRefusal::NotRefused) => {
            t_string!(i18n, ticket.error_not_refused).to_string()
        }
        ApiError::Refused(TicketRefusal::OtherOpenTicket) => {
            t_string!(i18n, ticket.error_other_open_ticket).to_string()
        }
        ApiError::Refused(TicketRefusal::ServiceNow(kind)) => problem_text(i18n, *kind),
        ApiError::ReauthenticationRequired | ApiError::Unavailable | ApiError::ServerFn(_) => {
            t_string!(i18n, ticket.error_unavailable).to_string()
        }
    }
}

/// A ticket in a line: its number (a link to the record) and state, or
/// *queued* / *refused*, and the badge when Secure Score shows the action
/// completed while the ticket is open.
#[component]
pub fn TicketBadge(ticket: Ticket) -> impl IntoView {
    let i18n = use_i18n();
    let state = ticket.state_name.clone().unwrap_or_default();
    let label = match ticket.delivery {
        Delivery::Created => view! {
            <a class="ticket-badge__number" href=ticket.url.clone().unwrap_or_default()
                target="_blank" rel="noopener noreferrer">{ticket.number.clone().unwrap_or_default()}</a>
            <span class="ticket-badge__state">{state}</span>
        }
        .into_any(),
        Delivery::Queued => view! {
            <span class="ticket-badge__queued">{t!(i18n, ticket.queued)}</span>
        }
        .into_any(),
        Delivery::Refused => view! {
            <span class="ticket-badge__refused">{t!(i18n, ticket.refused)}</span>
        }
        .into_any(),
    };
    // Why it was not sent, or why its completion note was given up; the
    // instance's own words in the tooltip.
    let reason = match (ticket.delivery, ticket.problem, ticket.note_problem) {
        (Delivery::Refused, Some(kind), _) => Some(problem_text(i18n, kind)),
        (Delivery::Created, _, Some(kind)) => {
            let problem = problem_text(i18n, kind);
            Some(t_string!(i18n, ticket.note_given_up, problem).to_string())
        }
        _ => None,
    };
    let detail = ticket.problem_detail.clone().unwrap_or_default();
    view! {
        <span class="ticket-badge" data-testid="ticket-badge">
            {label}
            {reason.map(|reason| view! {
                <span class="ticket-badge__reason" data-testid="ticket-reason" title=detail>{reason}</span>
            })}
            {ticket.action_completed.then(|| view! {
                <span class="ticket-badge__completed" title=move || t_string!(i18n, ticket.completed_hint).to_string()>
                    {t!(i18n, ticket.completed)}
                </span>
            })}
        </span>
    }
}
