//! The home page's *Change management tickets* and *Incident management
//! tickets* cards: counts per state under the admin's names, the newest
//! tickets, and the ways on.

use super::{servicenow::problem_text, tickets::TicketBadge};
use crate::{
    domain::{
        servicenow::TicketTable,
        tickets::{TicketCard, TicketCards},
    },
    i18n::*,
};
use leptos::prelude::*;

/// Both cards.
#[component]
pub fn TicketCardsView(cards: TicketCards) -> impl IntoView {
    let i18n = use_i18n();
    let (can_create, can_manage) = (cards.can_create, cards.can_manage);
    view! {
        <div class="ticket-cards">
            {cards.cards.into_iter().map(|card| view! { <TicketCardView card /> }).collect_view()}
        </div>
        <div class="button-row">
            {can_create.then(|| view! {
                <a class="button button--primary" href="/tickets/new">{t!(i18n, home_tickets.create)}</a>
            })}
            <a class="button" href="/tickets">{t!(i18n, home_tickets.view_all)}</a>
            {can_manage.then(|| view! {
                <a class="button" href="/servicenow/settings">{t!(i18n, home_tickets.manage)}</a>
            })}
        </div>
    }
}

/// One table's card.
#[component]
fn TicketCardView(card: TicketCard) -> impl IntoView {
    let i18n = use_i18n();
    let table = card.ticket_type;
    let heading_id = format!("card-{}", table.as_str());
    let list_link = format!("/tickets?type={}", table.as_str());
    view! {
        <section class="card ticket-card" aria-labelledby=heading_id.clone() data-testid=format!("card-{}", table.as_str())>
            <h3 id=heading_id.clone() class="ticket-card__title">
                {move || match table {
                    TicketTable::ChangeRequest => t_string!(i18n, home_tickets.change_heading).to_string(),
                    TicketTable::Incident => t_string!(i18n, home_tickets.incident_heading).to_string(),
                }}
            </h3>
            {match card.counts {
                Some(counts) => view! {
                    <ul class="state-counts">
                        {counts.into_iter().map(|state| {
                            let link = format!("{list_link}&state={}", state.value);
                            view! {
                                <li><a href=link>
                                    <span class="state-counts__count" data-testid=format!("count-{}", state.value)>{state.count}</span>
                                    <span class="state-counts__name">{state.name}</span>
                                </a></li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
                None => {
                    let problem = card.problem;
                    view! {
                        <p class="notice notice--warning" role="status">
                            {t!(i18n, home_tickets.counts_unavailable)}" "
                            {move || problem.map(|kind| problem_text(i18n, kind))}
                        </p>
                    }.into_any()
                }
            }}
            {(card.queued > 0).then(|| view! {
                <p class="notice notice--info" data-testid="queued-count">
                    {move || t_string!(i18n, home_tickets.queued, count = card.queued).to_string()}
                </p>
            })}
            <h4 class="status-panel__subtitle">{t!(i18n, home_tickets.latest)}</h4>
            {if card.latest.is_empty() {
                view! { <p class="field__hint">{t!(i18n, home_tickets.none)}</p> }.into_any()
            } else {
                view! {
                    <ul class="latest-tickets">
                        {card.latest.into_iter().map(|ticket| {
                            let name = ticket.name.clone();
                            view! { <li><TicketBadge ticket />" "<span class="latest-tickets__name">{name}</span></li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
