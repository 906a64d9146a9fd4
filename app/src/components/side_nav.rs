//! The main navigation: Home, Secure Score, Tickets, ServiceNow.

use super::icons::{Glyph, Icon};
use crate::{domain::auth::Role, i18n::*, session::Session};
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::components::A;

/// A section the navigation links to, and how the link names it.
#[derive(Clone, Copy)]
struct Section {
    href: &'static str,
    /// Whether only the path itself is current (Home), not the paths below it.
    exact: bool,
    glyph: Glyph,
    label: Label,
}

/// A link's text in the user's language.
type Label = fn(I18nContext<Locale>) -> &'static str;

impl Section {
    const fn new(href: &'static str, glyph: Glyph, label: Label) -> Self {
        Self {
            href,
            exact: false,
            glyph,
            label,
        }
    }

    const fn exact(self) -> Self {
        Self {
            exact: true,
            ..self
        }
    }
}

/// The sections everyone signed in can use (a table, one section a line).
#[rustfmt::skip]
const SECTIONS: [Section; 4] = [
    Section::new("/", Glyph::Home, |i18n| t_string!(i18n, nav.home)).exact(),
    Section::new("/securescore", Glyph::Score, |i18n| t_string!(i18n, nav.securescore)),
    Section::new("/tickets", Glyph::Ticket, |i18n| t_string!(i18n, nav.tickets)),
    Section::new("/servicenow/setup", Glyph::Plug, |i18n| t_string!(i18n, nav.servicenow)),
];

/// The sections only admins can use: users and the audit log.
#[rustfmt::skip]
const ADMIN_SECTIONS: [Section; 2] = [
    Section::new("/admin/users", Glyph::People, |i18n| t_string!(i18n, nav.users)),
    Section::new("/audit", Glyph::Checklist, |i18n| t_string!(i18n, nav.audit)),
];

/// Left navigation on wide screens, a scrollable strip on narrow ones.
/// The router's `<A>` marks the current section with `aria-current="page"`.
#[component]
pub fn SideNav() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="side-nav" aria-label=move || t_string!(i18n, nav.label)>
            <ul class="side-nav__list">
                <SectionLinks sections=&SECTIONS />
                <AdminLinks />
            </ul>
        </nav>
    }
}

/// The links to `sections`, one list item each.
#[component]
fn SectionLinks(sections: &'static [Section]) -> impl IntoView {
    let i18n = use_i18n();
    sections
        .iter()
        .map(
            |&Section {
                 href,
                 exact,
                 glyph,
                 label,
             }| {
                view! {
                    <li>
                        <A href exact attr:class="side-nav__link">
                            <Icon glyph />
                            <span>{move || label(i18n)}</span>
                        </A>
                    </li>
                }
            },
        )
        .collect_view()
}

/// Links only admins can use.
#[component]
fn AdminLinks() -> impl IntoView {
    let session = Session::expect();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let is_admin = matches!(session.user.await, Ok(Some(user)) if user.role.includes(Role::Admin));
                is_admin.then(|| view! { <SectionLinks sections=&ADMIN_SECTIONS /> })
            })}
        </Transition>
    }
}
