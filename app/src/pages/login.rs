//! `/login`: sign-in.

use crate::components::page::{EmptyState, Page};
use crate::i18n::*;
use leptos::prelude::*;

/// `/login`: sign-in.
#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page title=move || t_string!(i18n, login.title).to_string()>
            <EmptyState>{t!(i18n, login.empty)}</EmptyState>
        </Page>
    }
}
