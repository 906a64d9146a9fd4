//! Access control for pages: a page is shown only to users whose role
//! includes the one it needs. The server checks the same before rendering,
//! and every server function checks again on its own.

use crate::{components::page::StatusPage, domain::auth::Role, i18n::*, session::Session};
use leptos::{either::EitherOf3, prelude::*};
use leptos_router::{components::Redirect, hooks::use_location};

/// The sign-in page's address that returns to `path_and_query` afterwards.
pub fn login_url(path_and_query: &str) -> String {
    let next: String = form_urlencoded::byte_serialize(path_and_query.as_bytes()).collect();
    format!("/login?next={next}")
}

/// Renders `children` for users with `role` (or more); sends everyone else to
/// sign in, coming back to this exact address; tells signed-in users without
/// the role that the page is not for them (403).
#[component]
pub fn Protected(role: Role, children: ChildrenFn) -> impl IntoView {
    let session = Session::expect();
    let location = use_location();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(user)) if user.role.includes(role) => EitherOf3::A(children.read_value()()),
                    Ok(Some(_)) => EitherOf3::B(view! { <ForbiddenPage /> }),
                    _ => {
                        let search = location.search.get_untracked();
                        let here = if search.is_empty() {
                            location.pathname.get_untracked()
                        } else {
                            format!("{}?{search}", location.pathname.get_untracked())
                        };
                        EitherOf3::C(view! { <Redirect path=login_url(&here) /> })
                    }
                }
            })}
        </Suspense>
    }
}

/// "Not for you": the user is signed in but lacks the role.
#[component]
fn ForbiddenPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <StatusPage status=http::StatusCode::FORBIDDEN title=|i18n| t_string!(i18n, forbidden.title).to_string()>
            <p>{t!(i18n, forbidden.body)}</p>
        </StatusPage>
    }
}

#[cfg(test)]
mod tests {
    use super::login_url;

    #[test]
    fn login_url_carries_the_whole_deep_link() {
        assert_eq!(
            login_url("/tickets?type=incident&state=-5"),
            "/login?next=%2Ftickets%3Ftype%3Dincident%26state%3D-5"
        );
    }
}
