//! The standard page body: document title, heading and content.

use super::icons::{Glyph, Icon};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_meta::Title;

/// How a page names itself, in the current language.
pub type TitleFn = fn(I18nContext<Locale>) -> String;

/// A page with `title` as both its `<h1>` and its document title.
///
/// The document title is a plain string fixed at render time: the server
/// reads titles after rendering, and under load the request's reactive
/// values may already be disposed by then (reading one panicked). The page
/// re-renders when the user navigates, which refreshes it.
#[component]
pub fn Page(
    /// The localised page title.
    title: TitleFn,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <DocumentTitle text=title(i18n) />
        <h1 class="page__title">{move || title(i18n)}</h1>
        {children()}
    }
}

/// A page named by its content (an improvement action's title, say), which
/// is not translated.
#[component]
pub fn NamedPage(name: String, children: Children) -> impl IntoView {
    view! {
        <DocumentTitle text=name.clone() />
        <h1 class="page__title">{name}</h1>
        {children()}
    }
}

/// `<title>`: the page's name, then the product's.
#[component]
fn DocumentTitle(text: String) -> impl IntoView {
    let i18n = use_i18n();
    view! { <Title text=format!("{text} · {}", t_string!(i18n, app_name)) /> }
}

/// A page answering with the HTTP `status` (404, 403) and a card saying why.
#[component]
pub fn StatusPage(
    status: http::StatusCode,
    /// The localised page title.
    title: TitleFn,
    children: Children,
) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
    view! {
        <Page title>
            <section class="card not-found">{children()}</section>
        </Page>
    }
}

/// An honest placeholder for a part of the product that is not built yet:
/// it says what will be here, and that it is not available in this version.
#[component]
pub fn EmptyState(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card empty-state">
            <Icon glyph=Glyph::Inbox />
            <p class="empty-state__text">{children()}</p>
            <p class="empty-state__note">{t!(i18n, not_yet_available)}</p>
        </section>
    }
}
