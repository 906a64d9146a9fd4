//! `/securescore/actions/:id`: one improvement action. An unknown id gets the
//! real 404 page, with status 404.

use crate::{
    api::{
        ApiError,
        securescore::load_action,
        servicenow::home_servicenow,
        tickets::{list_tickets, load_share_form},
    },
    components::{
        page::{EmptyState, NamedPage, Page},
        securescore::{category_label, level_label, points, status_label},
        share_dialog::ShareDialog,
        share_menu::ShareMenu,
        tickets::{TicketBadge, priority_label, type_label},
    },
    domain::{
        securescore::{ActionDetail, SecureScoreRefusal},
        servicenow::ConnectionState,
        tickets::{ShareForm, Ticket, TicketError, TicketFilter},
    },
    i18n::*,
    pages::not_found::NotFoundPage,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The detail page of the improvement action named in the URL.
#[component]
pub fn ActionDetailPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let query = use_query_map();
    let share_asked = move || query.read().get("share").as_deref() == Some("servicenow");
    // Every resource of the page is awaited by the one Transition (nested
    // suspense would hydrate out of step), which keeps the page in place
    // while the dialog's form loads.
    let detail = Resource::new(id, load_action);
    let connection = Resource::new(|| (), |_| home_servicenow());
    let tickets = Resource::new(
        move || (id(), share_asked()),
        |(id, _)| {
            list_tickets(TicketFilter {
                action_id: Some(id),
                ..TicketFilter::default()
            })
        },
    );
    let share_form = Resource::new(
        move || (id(), share_asked()),
        |(id, asked)| async move {
            match asked {
                true => load_share_form(Some(id)).await.map(Some),
                false => Ok(None),
            }
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let servicenow = connection
                    .await
                    .is_ok_and(|home| home.state == ConnectionState::Connected);
                let tickets = tickets.await.map(|page| page.tickets).unwrap_or_default();
                let share_form = share_form.await.transpose();
                match detail.await {
                    Ok(Some(detail)) => view! { <ActionView detail servicenow tickets share_form /> }.into_any(),
                    Ok(None) => view! { <NotFoundPage /> }.into_any(),
                    Err(ApiError::Refused(SecureScoreRefusal::NoData)) => view! {
                        <Page title=|i18n| t_string!(i18n, action.title).to_string()>
                            <EmptyState>{t!(i18n, securescore.no_data)}</EmptyState>
                        </Page>
                    }.into_any(),
                    Err(_) => view! {
                        <Page title=|i18n| t_string!(i18n, action.title).to_string()>
                            <p class="field__error" role="alert">{t!(i18n, securescore.unavailable)}</p>
                        </Page>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// One action, fully, with its tickets and (when asked for) the share dialog.
#[component]
fn ActionView(
    detail: ActionDetail,
    servicenow: bool,
    tickets: Vec<Ticket>,
    share_form: Option<Result<ShareForm, TicketError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let summary = detail.summary.clone();
    let category = summary.category.clone();
    let status = summary.status;
    let (cost, impact) = (
        detail.implementation_cost.clone(),
        detail.user_impact.clone(),
    );
    let threats = detail.threats.join(", ");
    let dialog_path = format!("/securescore/actions/{}", summary.id);
    view! {
        <NamedPage name=summary.title.clone()>
            <div class="section__header">
                <p class="breadcrumb"><a href="/securescore">{t!(i18n, action.back)}</a></p>
                <ShareMenu action_id=summary.id.clone() title=summary.title.clone() servicenow />
            </div>
            {share_form.map(|form| view! { <ShareDialog form page_path=dialog_path /> })}
            <section class="card" aria-labelledby="action-facts">
                <h2 id="action-facts" class="section__title">{t!(i18n, action.overview)}</h2>
                <dl class="facts">
                    <dt>{t!(i18n, securescore.status)}</dt>
                    <dd><span class=format!("status status--{}", status.as_str()) data-testid="action-status">{move || status_label(i18n, status)}</span></dd>
                    <dt>{t!(i18n, securescore.points)}</dt>
                    <dd>{move || t_string!(i18n, action.points_of, achievable = points(summary.points_achievable), max = points(summary.max_score)).to_string()}</dd>
                    <dt>{t!(i18n, securescore.category)}</dt>
                    <dd>{move || category_label(i18n, &category)}</dd>
                    <dt>{t!(i18n, securescore.service)}</dt>
                    <dd>{summary.service.clone()}</dd>
                    <dt>{t!(i18n, securescore.rank)}</dt>
                    <dd>{summary.rank.map(|rank| rank.to_string()).unwrap_or_default()}</dd>
                    <dt>{t!(i18n, action.tier)}</dt>
                    <dd>{detail.tier.clone().unwrap_or_default()}</dd>
                    <dt>{t!(i18n, action.cost)}</dt>
                    <dd>{move || level_label(i18n, &cost)}</dd>
                    <dt>{t!(i18n, action.user_impact)}</dt>
                    <dd>{move || level_label(i18n, &impact)}</dd>
                    <dt>{t!(i18n, action.threats)}</dt>
                    <dd>{threats}</dd>
                    <dt>{t!(i18n, action.id)}</dt>
                    <dd><code>{summary.id.clone()}</code></dd>
                </dl>
            </section>
            <section class="card" aria-labelledby="action-remediation">
                <h2 id="action-remediation" class="section__title">{t!(i18n, action.remediation)}</h2>
                // Sanitised on the server (ammonia): only harmless markup remains.
                <div class="remediation" inner_html=detail.remediation_html.clone()></div>
                {detail.action_url.clone().map(|url| view! {
                    <p><a class="button" href=url target="_blank" rel="noopener noreferrer">{t!(i18n, action.open_portal)}</a></p>
                })}
            </section>
            {(!detail.remediation_impact.is_empty()).then(|| view! {
                <section class="card" aria-labelledby="action-impact">
                    <h2 id="action-impact" class="section__title">{t!(i18n, action.impact)}</h2>
                    <p>{detail.remediation_impact.clone()}</p>
                </section>
            })}
            <section class="card" aria-labelledby="action-history">
                <h2 id="action-history" class="section__title">{t!(i18n, action.history)}</h2>
                {if detail.state_updates.is_empty() {
                    view! { <p>{t!(i18n, action.no_history)}</p> }.into_any()
                } else {
                    view! {
                        <ul class="history">
                            {detail.state_updates.iter().map(|update| view! {
                                <li>
                                    <strong>{update.state.clone()}</strong>" · "{update.updated_at.clone()}" · "{update.updated_by.clone()}
                                    {(!update.comment.is_empty()).then(|| view! { <p>{update.comment.clone()}</p> })}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <h3 class="status-panel__subtitle">{t!(i18n, action.tickets)}</h3>
                <LinkedTickets tickets />
            </section>
        </NamedPage>
    }
}

/// Every ticket of the action, newest first.
#[component]
fn LinkedTickets(tickets: Vec<Ticket>) -> impl IntoView {
    let i18n = use_i18n();
    if tickets.is_empty() {
        return view! { <p>{t!(i18n, action.no_tickets)}</p> }.into_any();
    }
    view! {
        <ul class="linked-tickets" data-testid="linked-tickets">
            {tickets.into_iter().map(|ticket| {
                let (table, priority, due) = (ticket.ticket_type, ticket.priority, ticket.due_date.clone());
                view! {
                    <li>
                        <TicketBadge ticket />" · "{move || type_label(i18n, table)}
                        " · "{move || priority_label(i18n, priority)}" · "{due}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
