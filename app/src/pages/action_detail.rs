//! `/securescore/actions/:id`: one improvement action.

use crate::components::page::{EmptyState, Page};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The detail page of the improvement action named in the URL.
#[component]
pub fn ActionDetailPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    view! {
        <Page title=|i18n| t_string!(i18n, action.title).to_string()>
            <EmptyState>{t!(i18n, action.empty, id)}</EmptyState>
        </Page>
    }
}
