//! `/securescore`: the improvement actions, filtered, searched and sorted.
//! The whole view lives in the URL (a GET form), so a copied link restores
//! it and the page works without JavaScript.

use crate::{
    api::{
        ApiError,
        securescore::{
            RefreshSecureScore, RemoveGraphConnection, SaveGraphConnection, list_actions,
        },
        servicenow::home_servicenow,
    },
    components::{
        filters::{AnyOption, ChoiceFilter, FilterForm, FilterSelect, chosen, use_query_filter},
        form::Field,
        graph_connection::GraphConnectionCard,
        page::{EmptyState, Page},
        securescore::{FreshnessNote, category_label, points, source_problem_text, status_label},
        share_menu::ShareMenu,
        table::{Column, Table},
        tickets::TicketBadge,
    },
    domain::{
        auth::Role,
        recommendation::Category,
        securescore::{ActionFilter, ActionList, ActionSort, ActionStatus, SecureScoreRefusal},
        servicenow::ConnectionState,
    },
    i18n::*,
    session::Session,
};
use leptos::prelude::*;

/// The improvement actions page.
#[component]
pub fn SecureScorePage() -> impl IntoView {
    let i18n = use_i18n();
    let filter = use_query_filter(|get| ActionFilter::from_query(get));
    let session = Session::expect();
    let refresh = ServerAction::<RefreshSecureScore>::new();
    let save_graph = ServerAction::<SaveGraphConnection>::new();
    let remove_graph = ServerAction::<RemoveGraphConnection>::new();
    let list = Resource::new(
        move || {
            (
                filter.get(),
                refresh.version().get(),
                save_graph.version().get(),
                remove_graph.version().get(),
            )
        },
        |(filter, ..)| list_actions(filter),
    );
    let connection = Resource::new(|| (), |_| home_servicenow());
    view! {
        <Page title=|i18n| t_string!(i18n, securescore.title).to_string()>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let servicenow = connection
                        .await
                        .is_ok_and(|home| home.state == ConnectionState::Connected);
                    // From the session, not the list: an admin must reach the card when there is no data yet.
                    let admin = session
                        .user
                        .await
                        .ok()
                        .flatten()
                        .is_some_and(|user| user.role.includes(Role::Admin));
                    let graph_card = admin.then(|| view! { <GraphConnectionCard save=save_graph remove=remove_graph /> });
                    let content = match list.await {
                        Ok(list) => view! {
                            <Filters filter=filter.get_untracked() services=list.services.clone() />
                            <ActionsTable list servicenow refresh />
                        }.into_any(),
                        Err(ApiError::Refused(SecureScoreRefusal::NoData)) => view! {
                            <EmptyState>{t!(i18n, securescore.no_data)}</EmptyState>
                        }.into_any(),
                        Err(ApiError::Refused(SecureScoreRefusal::Source(problem))) => view! {
                            <p class="notice notice--error" role="alert">
                                {move || t_string!(i18n, securescore.source_failed, reason = source_problem_text(i18n, problem)).to_string()}
                            </p>
                        }.into_any(),
                        Err(_) => view! {
                            <p class="field__error" role="alert">{t!(i18n, securescore.unavailable)}</p>
                        }.into_any(),
                    };
                    view! { {content} {graph_card} }
                })}
            </Suspense>
        </Page>
    }
}

/// The filter bar: a GET form whose fields are the URL's query.
#[component]
fn Filters(filter: ActionFilter, services: Vec<String>) -> impl IntoView {
    let i18n = use_i18n();
    let category = filter.category.unwrap_or_default();
    let service = filter.service.unwrap_or_default();
    let status = chosen(filter.status);
    let ticket = match filter.has_ticket {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    };
    let (search, sort) = (filter.search, filter.sort.as_str());
    view! {
        <section class="card filters" aria-labelledby="filters-title">
            <h2 id="filters-title" class="visually-hidden">{t!(i18n, securescore.filters)}</h2>
            <FilterForm action="/securescore">
                <Field id="filter-q" label=t!(i18n, securescore.search) modifier="filters__search">
                    <input id="filter-q" type="search" name="q" value=search />
                </Field>
                <ChoiceFilter name="category" label=t!(i18n, securescore.category) choices=Category::KNOWN selected=category ignore_case=true />
                <ChoiceFilter name="status" label=t!(i18n, securescore.status) choices=ActionStatus::ALL selected=status />
                <ChoiceFilter name="service" label=t!(i18n, securescore.service) choices=services selected=service ignore_case=true />
                <FilterSelect name="ticket" label=t!(i18n, securescore.ticket)>
                    <AnyOption selected=ticket.is_empty() />
                    <option value="yes" selected=ticket == "yes">{t!(i18n, securescore.with_ticket)}</option>
                    <option value="no" selected=ticket == "no">{t!(i18n, securescore.without_ticket)}</option>
                </FilterSelect>
                <ChoiceFilter name="sort" label=t!(i18n, securescore.sort) choices=[ActionSort::Rank, ActionSort::Points] selected=sort any=false />
            </FilterForm>
        </section>
    }
}

/// The actions that passed the filter.
#[component]
fn ActionsTable(
    list: ActionList,
    servicenow: bool,
    refresh: ServerAction<RefreshSecureScore>,
) -> impl IntoView {
    let i18n = use_i18n();
    let shown = list.actions.len();
    let total = list.total;
    let freshness = list.freshness.clone();
    view! {
        <section class="card" aria-labelledby="actions-title">
            <div class="section__header">
                <h2 id="actions-title" class="section__title">
                    {move || t_string!(i18n, securescore.count, shown, total).to_string()}
                </h2>
                <FreshnessNote freshness />
                {list.can_refresh.then(|| view! {
                    <ActionForm action=refresh attr:class="inline-form">
                        <button type="submit" class="button" disabled=move || refresh.pending().get()>{t!(i18n, securescore.refresh)}</button>
                    </ActionForm>
                })}
            </div>
            {if list.actions.is_empty() {
                view! { <p data-testid="no-actions">{t!(i18n, securescore.no_match)}</p> }.into_any()
            } else {
                let columns = vec![
                    Column::new(t!(i18n, securescore.rank)),
                    Column::new(t!(i18n, securescore.action)),
                    Column::new(t!(i18n, securescore.category)),
                    Column::new(t!(i18n, securescore.service)),
                    Column::numeric(t!(i18n, securescore.points)),
                    Column::new(t!(i18n, securescore.status)),
                    Column::new(t!(i18n, securescore.ticket)),
                    Column::new(view! { <span class="visually-hidden">{t!(i18n, share.button)}</span> }),
                ];
                view! {
                    <Table class="actions-table" columns>
                        {list.actions.into_iter().map(|action| {
                            let ticket = list.tickets.get(&action.id).cloned();
                            let href = format!("/securescore/actions/{}", action.id);
                            let category = action.category.clone();
                            let status = action.status;
                            let (id, title) = (action.id.clone(), action.title.clone());
                            view! {
                                <tr>
                                    <td class="numeric">{action.rank.map(|rank| rank.to_string()).unwrap_or_default()}</td>
                                    <td><a href=href>{action.title}</a></td>
                                    <td>{move || category_label(i18n, &category)}</td>
                                    <td>{action.service}</td>
                                    <td class="numeric">{points(action.points_achievable)}" / "{points(action.max_score)}</td>
                                    <td><span class=format!("status status--{}", status.as_str())>{move || status_label(i18n, status)}</span></td>
                                    <td>{match ticket {
                                        Some(ticket) => view! { <TicketBadge ticket /> }.into_any(),
                                        None => "—".into_any(),
                                    }}</td>
                                    <td><ShareMenu action_id=id title servicenow /></td>
                                </tr>
                            }
                        }).collect_view()}
                    </Table>
                }.into_any()
            }}
        </section>
    }
}
