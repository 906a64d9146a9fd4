//! The frame around every page: skip link, top bar, side navigation, content.

use super::{servicenow::ConnectionBanner, side_nav::SideNav, top_bar::TopBar};
use crate::{i18n::*, session::Session};
use leptos::prelude::*;

/// Id of the `<main>` element, the skip link's target.
const MAIN_ID: &str = "main-content";

/// Wraps the routed page in the application frame.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::form_errors::provide();
    Session::provide();
    let i18n = use_i18n();
    view! {
        <a class="skip-link" href=format!("#{MAIN_ID}")>
            {t!(i18n, skip_to_content)}
        </a>
        <div class="app-frame">
            <TopBar />
            <SideNav />
            <main id=MAIN_ID class="app-frame__main" tabindex="-1">
                <ConnectionBanner />
                {children()}
            </main>
        </div>
    }
}
