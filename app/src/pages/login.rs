//! `/login`: sign-in through the identity provider (when single sign-on is
//! set up) and with a ScoreNow account. A link and a plain form underneath,
//! so both work without JavaScript; errors come back next to them.

use crate::{
    api::{
        ApiError,
        auth::{demo_accounts, load_sign_in_options},
    },
    components::{form::Field, outcome::failure, page::Page, user_slot::role_label},
    domain::{
        auth::SignInRefusal,
        sso::{LocalForm, SSO_REFUSAL_PARAM, SSO_START_PATH, SignInOptions, SsoButton, SsoRefusal},
    },
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
            ApiError::Refused(SignInRefusal::LocalSignInDisabled { .. }) => {
                t_string!(i18n, login.local_disabled).to_string()
            }
            // Signing in checks no role: the rest means it could not be checked now.
            ApiError::NotSignedIn
            | ApiError::Forbidden
            | ApiError::ReauthenticationRequired
            | ApiError::Unavailable
            | ApiError::ServerFn(_) => t_string!(i18n, login.unavailable).to_string(),
        })
    };

    let options = Resource::new(|| (), |_| load_sign_in_options());
    let form = view! {
            <ActionForm action=session.sign_in attr:class="form">
                <input type="hidden" name="next" value=next />
                <Field id="login-email" label=t!(i18n, login.email)>
                    <input
                        id="login-email"
                        type="email"
                        name="email"
                        autocomplete="username"
                        required
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
    };

    view! {
        <Page title=|i18n| t_string!(i18n, login.title).to_string()>
            <section class="card login">
                // Only what the options decide waits for them: the form stays
                // put while the page hydrates, with whatever was typed in it.
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let SignInOptions { sso, local } = options.await.unwrap_or_default();
                        let refused = move || query.read().get(SSO_REFUSAL_PARAM).and_then(|name| SsoRefusal::parse(&name));
                        let intro = match (local, &sso) {
                            (LocalForm::BreakGlassOnly, Some(_)) => view! {
                                <h2 class="section__title">{t!(i18n, login.break_glass_summary)}</h2>
                                <p>{t!(i18n, login.break_glass_note)}</p>
                            }
                            .into_any(),
                            (_, Some(_)) => view! { <p>{t!(i18n, login.or_local)}</p> }.into_any(),
                            (_, None) => view! { <p>{t!(i18n, login.intro)}</p> }.into_any(),
                        };
                        view! {
                            {sso.map(|button| view! { <SsoSignIn button refused next=next() /> })}
                            {intro}
                        }
                    })}
                </Suspense>
                {form}
            </section>
            <DemoAccounts />
        </Page>
    }
}

/// The identity provider's button, and why its last sign-in was refused.
#[component]
fn SsoSignIn(
    button: SsoButton,
    refused: impl Fn() -> Option<SsoRefusal> + Send + Sync + 'static,
    next: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let href = format!(
        "{SSO_START_PATH}?next={}",
        form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
    );
    let label = button.label.clone();
    let [reader, analyst, admin] = button.role_values.map(|values| values.join(", "));
    let message = move || {
        refused().map(|refusal| match refusal {
            SsoRefusal::NoRole => t_string!(
                i18n,
                login.sso_errors.no_role,
                reader = reader.clone(),
                analyst = analyst.clone(),
                admin = admin.clone()
            )
            .to_string(),
            SsoRefusal::WrongTenant => t_string!(i18n, login.sso_errors.wrong_tenant).to_string(),
            SsoRefusal::GroupsOverage => {
                t_string!(i18n, login.sso_errors.groups_overage).to_string()
            }
            SsoRefusal::Deactivated => t_string!(i18n, login.sso_errors.deactivated).to_string(),
            SsoRefusal::EmailTaken => t_string!(i18n, login.sso_errors.email_taken).to_string(),
            SsoRefusal::MissingEmail => t_string!(i18n, login.sso_errors.missing_email).to_string(),
            SsoRefusal::Expired => t_string!(i18n, login.sso_errors.expired).to_string(),
            SsoRefusal::ProviderRefused => {
                t_string!(i18n, login.sso_errors.provider_refused).to_string()
            }
            SsoRefusal::InvalidToken => t_string!(i18n, login.sso_errors.invalid_token).to_string(),
            SsoRefusal::Unavailable => t_string!(i18n, login.sso_errors.unavailable).to_string(),
        })
    };
    view! {
        <div class="login__sso">
            // `rel="external"`: a full navigation to the server route, not the client-side router.
            <a class="button button--primary login__sso-button" href=href rel="external" data-testid="sso-sign-in">
                {move || label.clone().unwrap_or_else(|| t_string!(i18n, login.sso_button).to_string())}
            </a>
            <p class="field__error" role="alert" data-testid="sso-refusal">{message}</p>
        </div>
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
