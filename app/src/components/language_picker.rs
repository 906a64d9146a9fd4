//! The language picker in the top bar.
//!
//! Once hydrated, choosing a language switches the page at once and stores the
//! choice in the locale cookie, and the Apply button disappears. Without
//! JavaScript the form is submitted to `/language`, which sets the cookie and
//! sends the user back.

use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// Name of the cookie that remembers the chosen locale.
pub const LOCALE_COOKIE: &str = "scorenow_locale";

/// Path of the server route that handles the picker without JavaScript.
pub const LANGUAGE_ROUTE: &str = "/language";

/// Select box listing every locale under its own name.
#[component]
pub fn LanguagePicker() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let return_to = move || {
        let (path, query) = (location.pathname.get(), location.search.get());
        if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        }
    };
    // Effects run only in the browser, so this turns true once hydrated.
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));
    let on_change = move |event| {
        if let Ok(locale) = event_target_value(&event).parse::<Locale>() {
            i18n.set_locale(locale);
        }
    };

    view! {
        <form class="language-picker" method="get" action=LANGUAGE_ROUTE>
            <label class="visually-hidden" for="language-picker">
                {t!(i18n, language.label)}
            </label>
            <select id="language-picker" name="locale" on:change=on_change>
                {Locale::get_all()
                    .iter()
                    .map(|&locale| {
                        view! {
                            <option
                                value=locale.as_str()
                                lang=locale.as_str()
                                selected=move || i18n.get_locale() == locale
                            >
                                {td_string!(locale, language_name)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <input type="hidden" name="next" value=return_to />
            <button type="submit" class="button button--subtle" hidden=hydrated>
                {t!(i18n, language.apply)}
            </button>
        </form>
    }
}
