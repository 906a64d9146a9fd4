//! The application root: i18n, metadata, layout and every route of the product.

use crate::LOCALE_COOKIE;
use crate::components::{error_panel::ErrorPanel, layout::Layout};
use crate::i18n::{I18nContextProvider, Locale};
use crate::pages::{
    action_detail::ActionDetailPage, admin_users::AdminUsersPage, audit::AuditPage, home::HomePage,
    login::LoginPage, not_found::NotFoundPage, securescore::SecureScorePage,
    servicenow_settings::ServiceNowSettingsPage, servicenow_setup::ServiceNowSetupPage,
    ticket_new::TicketNewPage, tickets::TicketsPage,
};
use leptos::prelude::*;
use leptos_i18n::context::CookieOptions;
use leptos_meta::{Stylesheet, provide_meta_context};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

/// How long the language choice is remembered, in milliseconds (one year).
const LOCALE_COOKIE_MAX_AGE_MS: i64 = 365 * 24 * 60 * 60 * 1000;

/// The whole ScoreNow application.
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
                            <Route path=path!("/") view=HomePage />
                            <Route path=path!("/securescore") view=SecureScorePage />
                            <Route path=path!("/securescore/actions/:id") view=ActionDetailPage />
                            <Route path=path!("/tickets") view=TicketsPage />
                            <Route path=path!("/tickets/new") view=TicketNewPage />
                            <Route path=path!("/servicenow/setup") view=ServiceNowSetupPage />
                            <Route path=path!("/ticketProvisioning") view=ServiceNowSetupPage />
                            <Route path=path!("/servicenow/settings") view=ServiceNowSettingsPage />
                            <Route path=path!("/audit") view=AuditPage />
                            <Route path=path!("/login") view=LoginPage />
                            <Route path=path!("/admin/users") view=AdminUsersPage />
                        </Routes>
                    </ErrorBoundary>
                </Layout>
            </Router>
        </I18nContextProvider>
    }
}
