//! `/login`: sign-in with a ScoreNow account. A plain form underneath, so it
//! works without JavaScript; errors come back next to the fields.

use crate::{
    api::{ApiError, auth::demo_accounts},
    components::{form::Field, outcome::failure, page::Page, user_slot::role_label},
    domain::auth::SignInRefusal,
    i18n::*,
    session::Session,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The sign-in page.
#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = Session::expect();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".to_owned());
    let error = move || failure(session.sign_in);
    let invalid = move || error().is_some().to_string();
    let entered_email = move || {
        error()
            .and_then(|error| error.refusal().map(|refusal| refusal.email().to_owned()))
            .unwrap_or_default()
    };
    let message = move || {
        error().map(|error| match error {
            ApiError::Refused(SignInRefusal::InvalidCredentials { .. }) => {
                t_string!(i18n, login.invalid_credentials).to_string()
            }
            ApiError::Refused(SignInRefusal::InvalidEmail { .. }) => {
                t_string!(i18n, login.invalid_email).to_string()
            }
            ApiError::Refused(SignInRefusal::Throttled {
                retry_after_secs, ..
            }) => t_string!(i18n, login.throttled, seconds = retry_after_secs).to_string(),
            ApiError::Refused(SignInRefusal::Busy {
                retry_after_secs, ..
            }) => t_string!(i18n, login.busy, seconds = retry_after_secs).to_string(),
            // Signing in checks no role: the rest means it could not be checked now.
            ApiError::NotSignedIn
            | ApiError::Forbidden
            | ApiError::ReauthenticationRequired
            | ApiError::Unavailable
            | ApiError::ServerFn(_) => t_string!(i18n, login.unavailable).to_string(),
        })
    };

    view! {
        <Page title=|i18n| t_string!(i18n, login.title).to_string()>
            <section class="card login">
                <p>{t!(i18n, login.intro)}</p>
                <ActionForm action=session.sign_in attr:class="form">
                    <input type="hidden" name="next" value=next />
                    <Field id="login-email" label=t!(i18n, login.email)>
                        <input
                            id="login-email"
                            type="email"
                            name="email"
                            autocomplete="username"
                            required
                            prop:value=entered_email
                            value=entered_email
                            aria-invalid=invalid
                            aria-describedby="login-error"
                        />
                    </Field>
                    <Field id="login-password" label=t!(i18n, login.password)>
                        <input
                            id="login-password"
                            type="password"
                            name="password"
                            autocomplete="current-password"
                            required
                            aria-invalid=invalid
                            aria-describedby="login-error"
                        />
                    </Field>
                    <p id="login-error" class="field__error" role="alert">{message}</p>
                    <button type="submit" class="button button--primary">{t!(i18n, login.submit)}</button>
                </ActionForm>
            </section>
            <DemoAccounts />
        </Page>
    }
}

/// In demo mode, the accounts a visitor can try.
#[component]
fn DemoAccounts() -> impl IntoView {
    let i18n = use_i18n();
    let accounts = Resource::new(|| (), |_| demo_accounts());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let accounts = accounts.await.unwrap_or_default();
                let password = accounts.first().map(|account| account.password.clone()).unwrap_or_default();
                (!accounts.is_empty()).then(|| view! {
                    <section class="card demo-accounts" aria-labelledby="demo-accounts-title">
                        <h2 id="demo-accounts-title" class="section__title">{t!(i18n, login.demo_heading)}</h2>
                        <p>{t!(i18n, login.demo_intro, password)}</p>
                        <ul class="demo-accounts__list">
                            {accounts.into_iter().map(|account| view! {
                                <li><code>{account.email}</code>" · "{role_label(i18n, account.role)}</li>
                            }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Suspense>
    }
}
