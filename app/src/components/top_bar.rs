//! The bar across the top: product name, signed-in user slot, language picker.

use super::{
    icons::{Glyph, Icon},
    language_picker::LanguagePicker,
    user_slot::UserSlot,
};
use crate::i18n::*;
use leptos::prelude::*;

/// Top bar shown on every page.
#[component]
pub fn TopBar() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <header class="top-bar">
            <a href="/" class="top-bar__brand">
                <Icon glyph=Glyph::Shield />
                <span class="top-bar__name">{t!(i18n, app_name)}</span>
            </a>
            <div class="top-bar__tools">
                <LanguagePicker />
                <UserSlot />
            </div>
        </header>
    }
}
