//! `/admin/users`: user accounts and roles (admins).

use crate::components::page::{EmptyState, Page};
use crate::i18n::*;
use leptos::prelude::*;

/// `/admin/users`: user accounts and roles (admins).
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page title=|i18n| t_string!(i18n, admin_users.title).to_string()>
            <EmptyState>{t!(i18n, admin_users.empty)}</EmptyState>
        </Page>
    }
}
