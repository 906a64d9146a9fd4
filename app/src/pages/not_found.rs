//! The page for every address that matches no route, served with status 404.

use crate::components::page::Page;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::components::A;

/// "Page not found", with a way back home.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <Page title=|i18n| t_string!(i18n, not_found.title).to_string()>
            <section class="card not-found">
                <p>{t!(i18n, not_found.body)}</p>
                <A href="/" attr:class="button button--primary">
                    {t!(i18n, not_found.home_link)}
                </A>
            </section>
        </Page>
    }
}
