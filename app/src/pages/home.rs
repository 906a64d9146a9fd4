//! `/`: the Secure Score summary and the ServiceNow ticket cards.

use crate::{
    api::servicenow::{ConnectionState, DismissServicenowOffer, HomeServiceNow, home_servicenow},
    components::{
        page::{EmptyState, Page},
        score_summary::ScoreSummaryCard,
    },
    i18n::*,
};
use leptos::prelude::*;

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let dismiss = ServerAction::<DismissServicenowOffer>::new();
    let servicenow = Resource::new(move || dismiss.version().get(), |_| home_servicenow());
    view! {
        <Page title=|i18n| t_string!(i18n, home.title).to_string()>
            <div class="home-grid">
                <section aria-labelledby="home-score">
                    <h2 id="home-score" class="section__title">{t!(i18n, home.score_heading)}</h2>
                    <ScoreSummaryCard />
                </section>
                <section aria-labelledby="home-tickets">
                    <h2 id="home-tickets" class="section__title">{t!(i18n, home.tickets_heading)}</h2>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let home = servicenow.await.ok();
                            let offer = home.as_ref().filter(|home| home.offer_connection).cloned();
                            let connected = home.is_some_and(|home| home.state == ConnectionState::Connected);
                            match offer {
                                Some(home) => view! { <ConnectionOffer home dismiss /> }.into_any(),
                                None if connected => view! { <EmptyState>{t!(i18n, home.tickets_connected)}</EmptyState> }.into_any(),
                                None => view! { <EmptyState>{t!(i18n, home.tickets_empty)}</EmptyState> }.into_any(),
                            }
                        })}
                    </Suspense>
                </section>
            </div>
        </Page>
    }
}

/// "Do you use ServiceNow?": connect (admins) or hide it for this user.
#[component]
fn ConnectionOffer(
    home: HomeServiceNow,
    dismiss: ServerAction<DismissServicenowOffer>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card offer" aria-labelledby="offer-title" data-testid="servicenow-offer">
            <h3 id="offer-title" class="offer__title">{t!(i18n, home.offer.heading)}</h3>
            <p>{t!(i18n, home.offer.body)}</p>
            {(!home.can_connect).then(|| view! { <p class="field__hint">{t!(i18n, home.offer.ask_admin)}</p> })}
            <div class="button-row">
                {home.can_connect.then(|| view! {
                    <a class="button button--primary" href="/servicenow/setup">{t!(i18n, home.offer.connect)}</a>
                })}
                <ActionForm action=dismiss attr:class="inline-form">
                    <button type="submit" class="button">{t!(i18n, home.offer.no)}</button>
                </ActionForm>
            </div>
        </section>
    }
}
