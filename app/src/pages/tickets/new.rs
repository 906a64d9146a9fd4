//! `/tickets/new`: a ticket not tied to a Microsoft improvement action
//! (source: *User recommendation*; the user picks the category).

use crate::{
    api::tickets::load_share_form,
    components::{page::Page, ticket_form::TicketForm, tickets::ticket_error_text},
    i18n::*,
};
use leptos::prelude::*;

/// `/tickets/new`.
#[component]
pub fn TicketNewPage() -> impl IntoView {
    let i18n = use_i18n();
    let form = Resource::new(|| (), |_| load_share_form(None));
    view! {
        <Page title=|i18n| t_string!(i18n, ticket_new.title).to_string()>
            <section class="card">
                <p>{t!(i18n, ticket_new.intro)}</p>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match form.await {
                            Ok(form) => view! { <TicketForm form /> }.into_any(),
                            Err(error) => view! {
                                <p class="field__error" role="alert">{move || ticket_error_text(i18n, &error)}</p>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </Page>
    }
}
