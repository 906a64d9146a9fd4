//! `/tickets`: every ticket created through ScoreNow, filtered, sorted and
//! paginated on the server. The view lives in the URL (a GET form), so
//! `/tickets?type=incident&state=2` is a deep link; the export takes the same query.

use crate::{
    api::tickets::{RefreshTickets, RetryTicket, list_tickets},
    components::{
        filters::{AnyOption, ChoiceFilter, FilterForm, FilterSelect, chosen, use_query_filter},
        outcome::failure,
        page::{EmptyState, Page},
        securescore::category_label,
        table::{Column, Table},
        tickets::{TicketBadge, priority_label, source_label, ticket_error_text, type_label},
    },
    domain::{
        recommendation::{Category, Source},
        servicenow::TicketTable,
        tickets::{Delivery, Priority, TicketFilter, TicketPage, TicketSort},
    },
    i18n::*,
};
use leptos::prelude::*;

/// The tickets page.
#[component]
pub fn TicketsPage() -> impl IntoView {
    let i18n = use_i18n();
    let filter = use_query_filter(|get| TicketFilter::from_query(get));
    let refresh = ServerAction::<RefreshTickets>::new();
    let retry = ServerAction::<RetryTicket>::new();
    let page = Resource::new(
        move || (filter.get(), refresh.version().get(), retry.version().get()),
        |(filter, _, _)| list_tickets(filter),
    );
    let refresh_error = move || {
        failure(refresh)
            .or_else(|| failure(retry))
            .map(|error| ticket_error_text(i18n, &error))
    };
    view! {
        <Page title=|i18n| t_string!(i18n, tickets.title).to_string()>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! {
                            <Filters filter=filter.get_untracked() page=page.clone() />
                            <section class="card" aria-labelledby="tickets-title">
                                <div class="section__header">
                                    <h2 id="tickets-title" class="section__title" data-testid="ticket-total">
                                        {move || t_string!(i18n, tickets.count, total = page.total).to_string()}
                                    </h2>
                                    <div class="button-row">
                                        <a class="button" data-testid="export-csv" download="scorenow-tickets.csv"
                                            href=format!("/api/export_tickets?query={}", encoded(&filter.get_untracked().query()))>
                                            {t!(i18n, tickets.export)}
                                        </a>
                                        {page.can_refresh.then(|| view! {
                                            <ActionForm action=refresh attr:class="inline-form">
                                                <button type="submit" class="button" disabled=move || refresh.pending().get()>
                                                    {t!(i18n, tickets.refresh)}
                                                </button>
                                            </ActionForm>
                                        })}
                                    </div>
                                </div>
                                <p class="field__error" role="alert">{refresh_error}</p>
                                <TicketsTable page=page.clone() filter=filter.get_untracked() retry />
                            </section>
                        }.into_any(),
                        Err(error) => view! {
                            <p class="field__error" role="alert">{move || ticket_error_text(i18n, &error)}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}

fn encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The filter bar: a GET form whose fields are the URL's query.
#[component]
fn Filters(filter: TicketFilter, page: TicketPage) -> impl IntoView {
    let i18n = use_i18n();
    let state = match (filter.ticket_type, filter.state.as_deref()) {
        (_, Some(delivery @ ("queued" | "refused"))) => delivery.to_owned(),
        (Some(table), Some(value)) => format!("{}:{value}", table.as_str()),
        _ => String::new(),
    };
    let category = filter.category.unwrap_or_default();
    let (ticket_type, priority, source) = (
        chosen(filter.ticket_type),
        chosen(filter.priority),
        chosen(filter.source),
    );
    let sort = filter.sort.as_str();
    view! {
        <section class="card" aria-label=move || t_string!(i18n, tickets.filters).to_string()>
            <FilterForm action="/tickets">
                <ChoiceFilter name="type" label=t!(i18n, tickets.type_column) choices=TicketTable::ALL selected=ticket_type />
                <FilterSelect name="state" label=t!(i18n, tickets.state_column)>
                    <AnyOption />
                    <option value="queued" selected=state == "queued">{t!(i18n, ticket.queued)}</option>
                    <option value="refused" selected=state == "refused">{t!(i18n, ticket.refused)}</option>
                    {page.states.into_iter().map(|(table, states)| view! {
                        <optgroup label=move || type_label(i18n, table)>
                            {states.into_iter().map(|known| {
                                let value = format!("{}:{}", table.as_str(), known.value);
                                let selected = value == state;
                                view! { <option value=value selected=selected>{known.name}</option> }
                            }).collect_view()}
                        </optgroup>
                    }).collect_view()}
                </FilterSelect>
                <ChoiceFilter name="priority" label=t!(i18n, tickets.priority_column) choices=Priority::ALL selected=priority />
                <ChoiceFilter name="category" label=t!(i18n, tickets.category_column) choices=Category::KNOWN selected=category />
                <ChoiceFilter name="source" label=t!(i18n, tickets.source_column) choices=[Source::Microsoft, Source::User] selected=source />
                <ChoiceFilter name="sort" label=t!(i18n, securescore.sort) choices=TicketSort::ALL selected=sort any=false />
            </FilterForm>
        </section>
    }
}

/// One page of tickets and the page links.
#[component]
fn TicketsTable(
    page: TicketPage,
    filter: TicketFilter,
    retry: ServerAction<RetryTicket>,
) -> impl IntoView {
    let i18n = use_i18n();
    if page.tickets.is_empty() {
        return view! { <EmptyState>{t!(i18n, tickets.empty)}</EmptyState> }.into_any();
    }
    let query = filter.query();
    let page_link = move |number: u32| {
        let separator = if query.is_empty() { "" } else { "&" };
        format!("/tickets?{query}{separator}page={number}")
    };
    let (current, pages, can_retry) = (page.page, page.pages, page.can_retry);
    let columns = vec![
        Column::new(t!(i18n, tickets.number_column)),
        Column::new(t!(i18n, tickets.name_column)),
        Column::new(t!(i18n, tickets.type_column)),
        Column::new(t!(i18n, tickets.priority_column)),
        Column::new(t!(i18n, tickets.due_column)),
        Column::new(t!(i18n, tickets.category_column)),
        Column::new(t!(i18n, tickets.source_column)),
        Column::new(t!(i18n, tickets.creator_column)),
    ];
    view! {
        <Table class="tickets-table" testid="tickets-table" columns>
            {page.tickets.into_iter().map(|ticket| {
                let (table, priority, source) = (ticket.ticket_type, ticket.priority, ticket.source);
                let category = ticket.category.clone();
                let name = ticket.name.clone();
                let action = ticket.action_id.clone().map(|id| format!("/securescore/actions/{id}"));
                let (due, creator) = (ticket.due_date.clone(), ticket.created_by.clone());
                let retryable = (can_retry && ticket.delivery == Delivery::Refused).then_some(ticket.id);
                view! {
                    <tr>
                        <td>
                            <TicketBadge ticket />
                            {retryable.map(|id| view! {
                                <ActionForm action=retry attr:class="inline-form">
                                    <input type="hidden" name="id" value=id />
                                    <button type="submit" class="button" data-testid="retry-ticket"
                                        disabled=move || retry.pending().get()>
                                        {t!(i18n, ticket.retry)}
                                    </button>
                                </ActionForm>
                            })}
                        </td>
                        <td>{match action {
                            Some(href) => view! { <a href=href>{name}</a> }.into_any(),
                            None => name.into_any(),
                        }}</td>
                        <td>{move || type_label(i18n, table)}</td>
                        <td>{move || priority_label(i18n, priority)}</td>
                        <td>{due}</td>
                        <td>{move || category_label(i18n, &category)}</td>
                        <td>{move || source_label(i18n, source)}</td>
                        <td>{creator}</td>
                    </tr>
                }
            }).collect_view()}
        </Table>
        <nav class="pagination" aria-label=move || t_string!(i18n, tickets.pages).to_string()>
            {(current > 1).then(|| view! { <a class="button" rel="prev" href=page_link(current - 1)>{t!(i18n, tickets.previous)}</a> })}
            <span data-testid="page-of">{move || t_string!(i18n, tickets.page_of, page = current, pages = pages).to_string()}</span>
            {(current < pages).then(|| view! { <a class="button" rel="next" href=page_link(current + 1)>{t!(i18n, tickets.next)}</a> })}
        </nav>
    }
    .into_any()
}
