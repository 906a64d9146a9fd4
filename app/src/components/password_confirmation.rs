//! The password confirmation the most sensitive changes ask for (removing
//! the ServiceNow connection, moving it to another instance, changing a
//! role): shown below the message of the refusal that asks for it (the
//! `confirm_password.intro` text), as a plain form that works without
//! JavaScript. Once confirmed, the user makes the change again.

use super::outcome::{failure, success};
use crate::{
    api::{ApiError, auth::ConfirmPassword},
    domain::auth::{AuthError, SignInRefusal},
    i18n::*,
};
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// The message for a refused confirmation.
fn refusal_text(i18n: I18nContext<Locale>, error: &AuthError) -> String {
    match error {
        ApiError::Refused(
            SignInRefusal::InvalidCredentials { .. } | SignInRefusal::InvalidEmail { .. },
        ) => t_string!(i18n, confirm_password.wrong).to_string(),
        ApiError::Refused(SignInRefusal::Throttled {
            retry_after_secs, ..
        }) => t_string!(i18n, login.throttled, seconds = *retry_after_secs).to_string(),
        ApiError::Refused(SignInRefusal::Busy {
            retry_after_secs, ..
        }) => t_string!(i18n, login.busy, seconds = *retry_after_secs).to_string(),
        ApiError::Refused(SignInRefusal::LocalSignInDisabled { .. }) => {
            t_string!(i18n, confirm_password.single_sign_on).to_string()
        }
        ApiError::NotSignedIn => t_string!(i18n, admin_users.errors.not_signed_in).to_string(),
        ApiError::Forbidden
        | ApiError::ReauthenticationRequired
        | ApiError::Unavailable
        | ApiError::ServerFn(_) => t_string!(i18n, login.unavailable).to_string(),
    }
}

/// The form; `id` names its password field.
#[component]
pub fn PasswordConfirmation(#[prop(into)] id: String) -> impl IntoView {
    let i18n = use_i18n();
    let confirm = ServerAction::<ConfirmPassword>::new();
    let error_id = format!("{id}-error");
    let described_by = error_id.clone();
    let refused = move || failure(confirm).map(|error| refusal_text(i18n, &error));
    view! {
        <div class="password-confirmation">
            <ActionForm action=confirm attr:class="inline-form">
                <label for=id.clone()>{t!(i18n, confirm_password.password)}</label>
                <input
                    id=id
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    required
                    aria-describedby=described_by
                />
                <button type="submit" class="button">{t!(i18n, confirm_password.submit)}</button>
            </ActionForm>
            <p id=error_id class="field__error" role="alert">{refused}</p>
            <p role="status">
                {move || success(confirm).map(|()| t!(i18n, confirm_password.confirmed))}
            </p>
        </div>
    }
}
