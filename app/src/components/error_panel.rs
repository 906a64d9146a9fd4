//! What the user sees when part of a page fails to render.

use super::icons::{Glyph, Icon};
use crate::i18n::*;
use leptos::prelude::*;

/// Friendly fallback of the application's error boundary. The details stay in
/// the server log; the user gets a plain explanation and a way to retry.
#[component]
pub fn ErrorPanel() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card error-panel" role="alert">
            <Icon glyph=Glyph::Warning />
            <h1 class="page__title">{t!(i18n, error.title)}</h1>
            <p>{t!(i18n, error.body)}</p>
            <a class="button button--primary" href="">
                {t!(i18n, error.reload)}
            </a>
        </section>
    }
}
