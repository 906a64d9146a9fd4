//! `/securescore`: the improvement actions of Microsoft Secure Score.

use crate::components::page::{EmptyState, Page};
use crate::i18n::*;
use leptos::prelude::*;

/// `/securescore`: the improvement actions of Microsoft Secure Score.
#[component]
pub fn SecureScorePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page title=|i18n| t_string!(i18n, securescore.title).to_string()>
            <EmptyState>{t!(i18n, securescore.empty)}</EmptyState>
        </Page>
    }
}
