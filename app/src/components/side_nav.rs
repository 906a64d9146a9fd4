//! The main navigation: Home, Secure Score, Tickets, ServiceNow.

use super::icons::{ChecklistIcon, HomeIcon, PeopleIcon, PlugIcon, ScoreIcon, TicketIcon};
use crate::{domain::auth::Role, i18n::*, session::Session};
use leptos::prelude::*;
use leptos_router::components::A;

/// Left navigation on wide screens, a scrollable strip on narrow ones.
/// The router's `<A>` marks the current section with `aria-current="page"`.
#[component]
pub fn SideNav() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="side-nav" aria-label=move || t_string!(i18n, nav.label)>
            <ul class="side-nav__list">
                <li>
                    <A href="/" exact=true attr:class="side-nav__link">
                        <HomeIcon />
                        <span>{t!(i18n, nav.home)}</span>
                    </A>
                </li>
                <li>
                    <A href="/securescore" attr:class="side-nav__link">
                        <ScoreIcon />
                        <span>{t!(i18n, nav.securescore)}</span>
                    </A>
                </li>
                <li>
                    <A href="/tickets" attr:class="side-nav__link">
                        <TicketIcon />
                        <span>{t!(i18n, nav.tickets)}</span>
                    </A>
                </li>
                <li>
                    <A href="/servicenow/setup" attr:class="side-nav__link">
                        <PlugIcon />
                        <span>{t!(i18n, nav.servicenow)}</span>
                    </A>
                </li>
                <AdminLinks />
            </ul>
        </nav>
    }
}

/// Links only admins can use: users and the audit log.
#[component]
fn AdminLinks() -> impl IntoView {
    let i18n = use_i18n();
    let session = Session::expect();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let is_admin = matches!(session.user.await, Ok(Some(user)) if user.role.includes(Role::Admin));
                is_admin.then(|| view! {
                    <li>
                        <A href="/admin/users" attr:class="side-nav__link">
                            <PeopleIcon />
                            <span>{t!(i18n, nav.users)}</span>
                        </A>
                    </li>
                    <li>
                        <A href="/audit" attr:class="side-nav__link">
                            <ChecklistIcon />
                            <span>{t!(i18n, nav.audit)}</span>
                        </A>
                    </li>
                })
            })}
        </Transition>
    }
}
