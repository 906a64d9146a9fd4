//! `/audit`: who connected, shared, created, removed what, and when (admins).
//! Filters live in the URL (a GET form).

use crate::{
    api::audit::load_audit_log,
    components::{
        filters::{FilterForm, use_query_filter},
        form::Field,
        page::{EmptyState, Page},
        table::{Column, Table},
    },
    domain::audit::AuditFilter,
    i18n::*,
};
use leptos::prelude::*;

/// The audit log page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let filter = use_query_filter(|get| AuditFilter::from_query(get));
    let entries = Resource::new(move || filter.get(), load_audit_log);
    view! {
        <Page title=|i18n| t_string!(i18n, audit.title).to_string()>
            <section class="card" aria-label=move || t_string!(i18n, audit.filters).to_string()>
                <FilterForm action="/audit">
                    <Field id="audit-actor" label=t!(i18n, audit.actor)>
                        <input id="audit-actor" name="actor" type="search" class="input" value=move || filter.get().actor />
                    </Field>
                    <Field id="audit-action" label=t!(i18n, audit.action)>
                        <input id="audit-action" name="action" type="search" class="input" placeholder="ticket." value=move || filter.get().action />
                    </Field>
                </FilterForm>
            </section>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(entries) if entries.is_empty() => view! { <EmptyState>{t!(i18n, audit.empty)}</EmptyState> }.into_any(),
                        Ok(entries) => {
                            let columns = vec![
                                Column::new(t!(i18n, audit.at)),
                                Column::new(t!(i18n, audit.actor)),
                                Column::new(t!(i18n, audit.action)),
                                Column::new(t!(i18n, audit.target)),
                                Column::new(t!(i18n, audit.details)),
                            ];
                            view! {
                                <section class="card">
                                    <Table class="audit-table" testid="audit-table" columns>
                                        {entries.into_iter().map(|entry| view! {
                                            <tr>
                                                <td>{entry.at}</td>
                                                <td>{entry.actor}</td>
                                                <td><code>{entry.action}</code></td>
                                                <td>{entry.target.unwrap_or_default()}</td>
                                                <td><code class="audit-details">{entry.details}</code></td>
                                            </tr>
                                        }).collect_view()}
                                    </Table>
                                </section>
                            }.into_any()
                        }
                        Err(_) => view! {
                            <p class="field__error" role="alert">{t!(i18n, audit.unavailable)}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}
