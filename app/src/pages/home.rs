//! `/`: the Secure Score summary and the ServiceNow ticket cards.

use crate::components::page::{EmptyState, Page};
use crate::i18n::*;
use leptos::prelude::*;

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page title=|i18n| t_string!(i18n, home.title).to_string()>
            <div class="home-grid">
                <section aria-labelledby="home-score">
                    <h2 id="home-score" class="section__title">{t!(i18n, home.score_heading)}</h2>
                    <EmptyState>{t!(i18n, home.score_empty)}</EmptyState>
                </section>
                <section aria-labelledby="home-tickets">
                    <h2 id="home-tickets" class="section__title">{t!(i18n, home.tickets_heading)}</h2>
                    <EmptyState>{t!(i18n, home.tickets_empty)}</EmptyState>
                </section>
            </div>
        </Page>
    }
}
