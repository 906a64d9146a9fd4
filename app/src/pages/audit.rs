//! `/audit`: who did what, and when (admins).

use crate::components::page::{EmptyState, Page};
use crate::i18n::*;
use leptos::prelude::*;

/// `/audit`: who did what, and when (admins).
#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page title=|i18n| t_string!(i18n, audit.title).to_string()>
            <EmptyState>{t!(i18n, audit.empty)}</EmptyState>
        </Page>
    }
}
