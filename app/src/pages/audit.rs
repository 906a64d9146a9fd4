//! `/audit`: who connected, shared, created, removed what, and when (admins).
//! Filters live in the URL (a GET form).

use crate::{
    api::audit::load_audit_log,
    components::page::{EmptyState, Page},
    domain::audit::AuditFilter,
    i18n::*,
};
use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};

/// The audit log page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let query = query.read();
        AuditFilter::from_query(|name| query.get(name))
    });
    let entries = Resource::new(move || filter.get(), load_audit_log);
    view! {
        <Page title=|i18n| t_string!(i18n, audit.title).to_string()>
            <section class="card" aria-label=move || t_string!(i18n, audit.filters).to_string()>
                <Form method="GET" action="/audit" attr:class="filters__form">
                    <div class="field">
                        <label for="audit-actor">{t!(i18n, audit.actor)}</label>
                        <input id="audit-actor" name="actor" type="search" class="input" value=move || filter.get().actor />
                    </div>
                    <div class="field">
                        <label for="audit-action">{t!(i18n, audit.action)}</label>
                        <input id="audit-action" name="action" type="search" class="input" placeholder="ticket." value=move || filter.get().action />
                    </div>
                    <div class="button-row filters__buttons">
                        <button type="submit" class="button button--primary">{t!(i18n, securescore.apply)}</button>
                        <a class="button button--subtle" href="/audit">{t!(i18n, securescore.reset)}</a>
                    </div>
                </Form>
            </section>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(entries) if entries.is_empty() => view! { <EmptyState>{t!(i18n, audit.empty)}</EmptyState> }.into_any(),
                        Ok(entries) => view! {
                            <section class="card">
                                <div class="table-scroll">
                                    <table class="audit-table" data-testid="audit-table">
                                        <thead>
                                            <tr>
                                                <th scope="col">{t!(i18n, audit.at)}</th>
                                                <th scope="col">{t!(i18n, audit.actor)}</th>
                                                <th scope="col">{t!(i18n, audit.action)}</th>
                                                <th scope="col">{t!(i18n, audit.target)}</th>
                                                <th scope="col">{t!(i18n, audit.details)}</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {entries.into_iter().map(|entry| view! {
                                                <tr>
                                                    <td>{entry.at}</td>
                                                    <td>{entry.actor}</td>
                                                    <td><code>{entry.action}</code></td>
                                                    <td>{entry.target.unwrap_or_default()}</td>
                                                    <td><code class="audit-details">{entry.details}</code></td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            </section>
                        }.into_any(),
                        Err(_) => view! {
                            <p class="field__error" role="alert">{t!(i18n, audit.unavailable)}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}
