//! `/tickets`: every ticket created through ScoreNow.

use crate::components::page::{EmptyState, Page};
use crate::i18n::*;
use leptos::prelude::*;

/// `/tickets`: every ticket created through ScoreNow.
#[component]
pub fn TicketsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page title=|i18n| t_string!(i18n, tickets.title).to_string()>
            <EmptyState>{t!(i18n, tickets.empty)}</EmptyState>
        </Page>
    }
}
