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
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

/// How long the language choice is remembered, in milliseconds (one year).
const LOCALE_COOKIE_MAX_AGE_MS: i64 = 365 * 24 * 60 * 60 * 1000;

/// The whole ScoreNow application.
///
/// Every route streams in order: content behind `<Suspense>` (the signed-in
/// user, data) arrives in place in the HTML, so pages are complete without
/// JavaScript.
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
                            <Route path=path!("/") view=HomePage ssr=SsrMode::InOrder />
                            <Route path=path!("/securescore") view=SecureScorePage ssr=SsrMode::InOrder />
                            <Route path=path!("/securescore/actions/:id") view=ActionDetailPage ssr=SsrMode::InOrder />
                            <Route path=path!("/tickets") view=TicketsPage ssr=SsrMode::InOrder />
                            <Route path=path!("/tickets/new") view=TicketNewPage ssr=SsrMode::InOrder />
                            <Route path=path!("/servicenow/setup") view=ServiceNowSetupPage ssr=SsrMode::InOrder />
                            <Route path=path!("/ticketProvisioning") view=ServiceNowSetupPage ssr=SsrMode::InOrder />
                            <Route path=path!("/servicenow/settings") view=ServiceNowSettingsPage ssr=SsrMode::InOrder />
                            <Route path=path!("/audit") view=AuditPage ssr=SsrMode::InOrder />
                            <Route path=path!("/login") view=LoginPage ssr=SsrMode::InOrder />
                            <Route path=path!("/admin/users") view=AdminUsersPage ssr=SsrMode::InOrder />
                        </Routes>
                    </ErrorBoundary>
                </Layout>
            </Router>
        </I18nContextProvider>
    }
}
