//! `/tickets/new`: a ticket not tied to a Microsoft improvement action.

use crate::components::page::{EmptyState, Page};
use crate::i18n::*;
use leptos::prelude::*;

/// `/tickets/new`: a ticket not tied to a Microsoft improvement action.
#[component]
pub fn TicketNewPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page title=|i18n| t_string!(i18n, ticket_new.title).to_string()>
            <EmptyState>{t!(i18n, ticket_new.empty)}</EmptyState>
        </Page>
    }
}
