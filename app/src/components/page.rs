//! The standard page body: document title, heading and content.

use super::icons::InboxIcon;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;

/// A page with `title` as both its `<h1>` and its document title.
#[component]
pub fn Page(
    /// The localised page title.
    #[prop(into)]
    title: Signal<String>,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    let app_name = move || t_string!(i18n, app_name).to_string();
    view! {
        <Title text=move || format!("{} · {}", title.get(), app_name()) />
        <h1 class="page__title">{move || title.get()}</h1>
        {children()}
    }
}

/// An honest placeholder for a part of the product that is not built yet:
/// it says what will be here, and that it is not available in this version.
#[component]
pub fn EmptyState(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card empty-state">
            <InboxIcon />
            <p class="empty-state__text">{children()}</p>
            <p class="empty-state__note">{t!(i18n, not_yet_available)}</p>
        </section>
    }
}
