//! The bar across the top: product name, signed-in user slot, language picker.

use super::{icons::ShieldIcon, language_picker::LanguagePicker};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::components::A;

/// Top bar shown on every page.
#[component]
pub fn TopBar() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <header class="top-bar">
            <a href="/" class="top-bar__brand">
                <ShieldIcon />
                <span class="top-bar__name">{t!(i18n, app_name)}</span>
            </a>
            <div class="top-bar__tools">
                <LanguagePicker />
                <div class="top-bar__user">
                    <span class="top-bar__user-status">{t!(i18n, user.not_signed_in)}</span>
                    <A href="/login" attr:class="button button--subtle">
                        {t!(i18n, user.sign_in)}
                    </A>
                </div>
            </div>
        </header>
    }
}
