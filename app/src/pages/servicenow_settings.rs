//! `/servicenow/settings`: state names, ticket defaults, re-authorisation, removal.

use crate::components::page::{EmptyState, Page};
use crate::i18n::*;
use leptos::prelude::*;

/// `/servicenow/settings`: state names, ticket defaults, re-authorisation, removal.
#[component]
pub fn ServiceNowSettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page title=|i18n| t_string!(i18n, servicenow_settings.title).to_string()>
            <EmptyState>{t!(i18n, servicenow_settings.empty)}</EmptyState>
        </Page>
    }
}
