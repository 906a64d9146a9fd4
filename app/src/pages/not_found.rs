//! The page for every address that matches no route, served with status 404.

use crate::components::page::StatusPage;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::components::A;

/// "Page not found", with a way back home.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <StatusPage status=http::StatusCode::NOT_FOUND title=|i18n| t_string!(i18n, not_found.title).to_string()>
            <p>{t!(i18n, not_found.body)}</p>
            <A href="/" attr:class="button button--primary">
                {t!(i18n, not_found.home_link)}
            </A>
        </StatusPage>
    }
}
