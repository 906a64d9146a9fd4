//! The signed-in user slot of the top bar: name, role and sign-out, or a
//! sign-in link.

use crate::{domain::auth::Role, i18n::*, session::Session};
use leptos::{either::Either, prelude::*};
use leptos_router::components::A;

/// The localised name of a role.
pub fn role_label(i18n: leptos_i18n::I18nContext<Locale>, role: Role) -> String {
    match role {
        Role::Admin => t_string!(i18n, role.admin).to_string(),
        Role::Analyst => t_string!(i18n, role.analyst).to_string(),
        Role::Reader => t_string!(i18n, role.reader).to_string(),
    }
}

/// Shows who is signed in; works before hydration (the sign-out button is a form).
#[component]
pub fn UserSlot() -> impl IntoView {
    let i18n = use_i18n();
    let session = Session::expect();
    view! {
        <div class="top-bar__user">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match session.user.await {
                        Ok(Some(user)) => Either::Left(view! {
                            <span class="top-bar__user-name">{user.display_name}</span>
                            <span class="top-bar__user-role">{role_label(i18n, user.role)}</span>
                            <ActionForm action=session.sign_out attr:class="top-bar__sign-out">
                                <button type="submit" class="button button--subtle">
                                    {t!(i18n, user.sign_out)}
                                </button>
                            </ActionForm>
                            <ActionForm action=session.sign_out_everywhere attr:class="top-bar__sign-out">
                                <button type="submit" class="button button--subtle">
                                    {t!(i18n, user.sign_out_everywhere)}
                                </button>
                            </ActionForm>
                        }),
                        _ => Either::Right(view! {
                            <span class="top-bar__user-status">{t!(i18n, user.not_signed_in)}</span>
                            <A href="/login" attr:class="button button--subtle">
                                {t!(i18n, user.sign_in)}
                            </A>
                        }),
                    }
                })}
            </Transition>
        </div>
    }
}
