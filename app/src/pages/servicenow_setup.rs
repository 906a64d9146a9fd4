//! `/servicenow/setup` (alias `/ticketProvisioning`): the connection wizard and status.

use crate::components::page::{EmptyState, Page};
use crate::i18n::*;
use leptos::prelude::*;

/// `/servicenow/setup` (alias `/ticketProvisioning`): the connection wizard and status.
#[component]
pub fn ServiceNowSetupPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page title=|i18n| t_string!(i18n, servicenow_setup.title).to_string()>
            <EmptyState>{t!(i18n, servicenow_setup.empty)}</EmptyState>
        </Page>
    }
}
