//! The application root: i18n, metadata, layout and every route of the product.

use crate::LOCALE_COOKIE;
use crate::components::{error_panel::ErrorPanel, layout::Layout, protected::Protected};
use crate::domain::auth::Role;
use crate::i18n::{I18nContextProvider, Locale};
use crate::pages::{
    admin_users::AdminUsersPage,
    audit::AuditPage,
    home::HomePage,
    login::LoginPage,
    not_found::NotFoundPage,
    securescore::{action::ActionDetailPage, actions::SecureScorePage},
    servicenow::{settings::ServiceNowSettingsPage, setup::ServiceNowSetupPage},
    tickets::{list::TicketsPage, new::TicketNewPage},
};
use leptos::prelude::*;
use leptos_i18n::context::CookieOptions;
use leptos_meta::{Stylesheet, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

/// How long the language choice is remembered, in milliseconds (one year).
const LOCALE_COOKIE_MAX_AGE_MS: i64 = 365 * 24 * 60 * 60 * 1000;

/// The whole ScoreNow application.
///
/// This table is where each page declares the role it needs. Pages render
/// in `Async` mode: the server waits for the signed-in user (and data) before
/// sending anything, so it can still redirect to sign-in, and every page is
/// complete without JavaScript.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let cookie_options = CookieOptions::<Locale>::default()
        .path("/")
        .max_age(LOCALE_COOKIE_MAX_AGE_MS);

    view! {
        <I18nContextProvider cookie_name=LOCALE_COOKIE cookie_options>
            <Stylesheet id="scorenow" href="/pkg/scorenow.css" />
            <Router>
                <Layout>
                    <ErrorBoundary fallback=|_errors| view! { <ErrorPanel /> }>
                        <Routes fallback=NotFoundPage>
                            <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                            <Route path=path!("/") view=|| guarded(Role::Reader, HomePage) ssr=SsrMode::Async />
                            <Route path=path!("/securescore") view=|| guarded(Role::Reader, SecureScorePage) ssr=SsrMode::Async />
                            <Route path=path!("/securescore/actions/:id") view=|| guarded(Role::Reader, ActionDetailPage) ssr=SsrMode::Async />
                            <Route path=path!("/tickets") view=|| guarded(Role::Reader, TicketsPage) ssr=SsrMode::Async />
                            <Route path=path!("/tickets/new") view=|| guarded(Role::Analyst, TicketNewPage) ssr=SsrMode::Async />
                            <Route path=path!("/servicenow/setup") view=|| guarded(Role::Admin, ServiceNowSetupPage) ssr=SsrMode::Async />
                            <Route path=path!("/ticketProvisioning") view=|| guarded(Role::Admin, ServiceNowSetupPage) ssr=SsrMode::Async />
                            <Route path=path!("/servicenow/settings") view=|| guarded(Role::Admin, ServiceNowSettingsPage) ssr=SsrMode::Async />
                            <Route path=path!("/audit") view=|| guarded(Role::Admin, AuditPage) ssr=SsrMode::Async />
                            <Route path=path!("/admin/users") view=|| guarded(Role::Admin, AdminUsersPage) ssr=SsrMode::Async />
                        </Routes>
                    </ErrorBoundary>
                </Layout>
            </Router>
        </I18nContextProvider>
    }
}

/// `page` behind a check for `role`.
fn guarded<V: IntoView + 'static>(role: Role, page: fn() -> V) -> impl IntoView {
    view! { <Protected role>{move || page()}</Protected> }
}
