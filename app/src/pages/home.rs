//! `/`: the Secure Score summary and the ServiceNow ticket cards.

use crate::{
    api::{
        servicenow::{DismissServicenowOffer, home_servicenow},
        tickets::load_ticket_cards,
    },
    components::{
        page::{EmptyState, Page},
        score_summary::ScoreSummaryCard,
        ticket_cards::TicketCardsView,
    },
    domain::servicenow::HomeServiceNow,
    i18n::*,
};
use leptos::prelude::*;

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let dismiss = ServerAction::<DismissServicenowOffer>::new();
    let servicenow = Resource::new(move || dismiss.version().get(), |_| home_servicenow());
    let cards = Resource::new(|| (), |_| load_ticket_cards());
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
                            let cards = cards.await.ok().filter(|cards| !cards.cards.is_empty());
                            match (offer, cards) {
                                (Some(home), _) => view! { <ConnectionOffer home dismiss /> }.into_any(),
                                (None, Some(cards)) => view! { <TicketCardsView cards /> }.into_any(),
                                (None, None) => view! { <EmptyState>{t!(i18n, home.tickets_empty)}</EmptyState> }.into_any(),
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
