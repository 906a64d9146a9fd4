//! `/admin/users`: accounts and their roles (admins). Every form is a plain
//! form underneath, so the page works without JavaScript.

use crate::{
    api::{
        ApiError,
        users::{ChangeRole, CreateUser, ResetPassword, SetUserActive, list_users},
    },
    components::{
        form::{ChoiceOptions, Field},
        outcome::{failure, failure_at},
        page::Page,
        password_confirmation::PasswordConfirmation,
        table::{Column, Table},
    },
    domain::{
        auth::{AccountFieldError, Role},
        users::{UserSummary, UsersError, UsersRefusal},
    },
    i18n::*,
};
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// The localised message for a failed request.
fn error_message(i18n: I18nContext<Locale>, error: &UsersError) -> String {
    match error {
        ApiError::NotSignedIn => t_string!(i18n, admin_users.errors.not_signed_in).to_string(),
        ApiError::Forbidden => t_string!(i18n, admin_users.errors.forbidden).to_string(),
        ApiError::ReauthenticationRequired => t_string!(i18n, confirm_password.intro).to_string(),
        ApiError::Refused(UsersRefusal::Field(AccountFieldError::InvalidEmail)) => {
            t_string!(i18n, admin_users.errors.invalid_email).to_string()
        }
        ApiError::Refused(UsersRefusal::Field(AccountFieldError::InvalidName)) => {
            t_string!(i18n, admin_users.errors.invalid_name).to_string()
        }
        ApiError::Refused(UsersRefusal::Field(AccountFieldError::PasswordTooShort)) => {
            t_string!(i18n, admin_users.errors.password_too_short).to_string()
        }
        ApiError::Refused(UsersRefusal::Field(AccountFieldError::PasswordTooLong)) => {
            t_string!(i18n, admin_users.errors.password_too_long).to_string()
        }
        ApiError::Refused(UsersRefusal::Field(AccountFieldError::PasswordCommon)) => {
            t_string!(i18n, admin_users.errors.password_common).to_string()
        }
        ApiError::Refused(UsersRefusal::EmailTaken) => {
            t_string!(i18n, admin_users.errors.email_taken).to_string()
        }
        ApiError::Refused(UsersRefusal::LastAdmin) => {
            t_string!(i18n, admin_users.errors.last_admin).to_string()
        }
        ApiError::Refused(UsersRefusal::NotFound) => {
            t_string!(i18n, admin_users.errors.not_found).to_string()
        }
        ApiError::Refused(UsersRefusal::SingleSignOn) => {
            t_string!(i18n, admin_users.errors.single_sign_on).to_string()
        }
        ApiError::Unavailable | ApiError::ServerFn(_) => {
            t_string!(i18n, admin_users.errors.unavailable).to_string()
        }
    }
}

/// Where in the create form an error shows: next to a field, or below the form.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Email,
    Name,
    Password,
    Form,
}

fn place_of(error: &UsersError) -> Place {
    match error {
        ApiError::Refused(UsersRefusal::Field(AccountFieldError::InvalidEmail))
        | ApiError::Refused(UsersRefusal::EmailTaken) => Place::Email,
        ApiError::Refused(UsersRefusal::Field(AccountFieldError::InvalidName)) => Place::Name,
        ApiError::Refused(UsersRefusal::Field(
            AccountFieldError::PasswordTooShort
            | AccountFieldError::PasswordTooLong
            | AccountFieldError::PasswordCommon,
        )) => Place::Password,
        _ => Place::Form,
    }
}

/// The user administration page.
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<CreateUser>::new();
    let change_role = ServerAction::<ChangeRole>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let versions = move || {
        (
            create.version().get(),
            change_role.version().get(),
            set_active.version().get(),
            reset.version().get(),
        )
    };
    let users = Resource::new(versions, |_| list_users());

    let refused = move || failure(create);
    let create_error = move |place: Place| {
        move || failure_at(create, place, place_of).map(|error| error_message(i18n, &error))
    };
    let entered_email = move || refused().map(|error| error.input.email).unwrap_or_default();
    let entered_name = move || {
        refused()
            .map(|error| error.input.display_name)
            .unwrap_or_default()
    };
    let entered_role = move || {
        refused()
            .and_then(|error| error.input.role)
            .unwrap_or(Role::Reader)
    };
    let needs_confirmation = move || {
        failure(change_role).is_some_and(|error| error == ApiError::ReauthenticationRequired)
    };
    let row_error = move || {
        [failure(change_role), failure(set_active), failure(reset)]
            .into_iter()
            .flatten()
            .next()
            .map(|error| error_message(i18n, &error))
    };

    view! {
        <Page title=|i18n| t_string!(i18n, admin_users.title).to_string()>
            <section class="card" aria-labelledby="create-user-title">
                <h2 id="create-user-title" class="section__title">{t!(i18n, admin_users.create_heading)}</h2>
                <ActionForm action=create attr:class="form">
                    <Field id="new-user-email" label=t!(i18n, admin_users.email) error=create_error(Place::Email)>
                        <input id="new-user-email" type="email" name="email" required value=entered_email prop:value=entered_email aria-describedby="new-user-email-error" />
                    </Field>
                    <Field id="new-user-name" label=t!(i18n, admin_users.name) error=create_error(Place::Name)>
                        <input id="new-user-name" type="text" name="display_name" required value=entered_name prop:value=entered_name aria-describedby="new-user-name-error" />
                    </Field>
                    <Field id="new-user-role" label=t!(i18n, admin_users.role)>
                        {move || view! { <RoleSelect id="new-user-role" selected=entered_role() /> }}
                    </Field>
                    <Field id="new-user-password" label=t!(i18n, admin_users.password) error=create_error(Place::Password)>
                        <input id="new-user-password" type="password" name="password" autocomplete="new-password" required aria-describedby="new-user-password-error" />
                    </Field>
                    <p class="field__error" role="alert">{create_error(Place::Form)}</p>
                    <button type="submit" class="button button--primary">{t!(i18n, admin_users.create)}</button>
                </ActionForm>
            </section>
            <section class="card" aria-labelledby="users-title">
                <h2 id="users-title" class="section__title">{t!(i18n, admin_users.users_heading)}</h2>
                <p class="field__error" role="alert">{row_error}</p>
                {move || needs_confirmation().then(|| view! { <PasswordConfirmation id="role-confirm-password" /> })}
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let rows = users.await.unwrap_or_default();
                        let columns = vec![
                            Column::new(t!(i18n, admin_users.email)),
                            Column::new(t!(i18n, admin_users.name)),
                            Column::new(t!(i18n, admin_users.role)),
                            Column::new(t!(i18n, admin_users.status)),
                            Column::new(t!(i18n, admin_users.password)),
                        ];
                        view! {
                            <Table class="users-table" columns>
                                {rows.into_iter().map(|user| view! {
                                    <UserRow user change_role set_active reset />
                                }).collect_view()}
                            </Table>
                        }
                    })}
                </Suspense>
            </section>
        </Page>
    }
}

/// A role `<select>` named `role`.
#[component]
fn RoleSelect(#[prop(into)] id: String, selected: Role) -> impl IntoView {
    view! {
        <select id=id name="role">
            <ChoiceOptions choices=Role::ALL selected=selected.as_str() />
        </select>
    }
}

/// One account with its forms: role, active flag, password.
#[component]
fn UserRow(
    user: UserSummary,
    change_role: ServerAction<ChangeRole>,
    set_active: ServerAction<SetUserActive>,
    reset: ServerAction<ResetPassword>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = user.id.to_string();
    let (id_for_role, id_for_active) = (id.clone(), id.clone());
    let role_select = format!("user-{}-role", user.id);
    let password_input = format!("user-{}-password", user.id);
    let (email_for_role, email_for_password) = (user.email.clone(), user.email.clone());
    view! {
        <tr>
            <td>{user.email}</td>
            <td>{user.display_name}</td>
            <td>
                <ActionForm action=change_role attr:class="inline-form">
                    <input type="hidden" name="user_id" value=id_for_role />
                    <label class="visually-hidden" for=role_select.clone()>
                        {t!(i18n, admin_users.role_of, email = move || email_for_role.clone())}
                    </label>
                    <RoleSelect id=role_select selected=user.role />
                    <button type="submit" class="button">{t!(i18n, admin_users.change_role)}</button>
                </ActionForm>
            </td>
            <td>
                <ActionForm action=set_active attr:class="inline-form">
                    <input type="hidden" name="user_id" value=id_for_active />
                    <input type="hidden" name="active" value=(!user.active).to_string() />
                    <span>{move || if user.active { t_string!(i18n, admin_users.active).to_string() } else { t_string!(i18n, admin_users.inactive).to_string() }}</span>
                    <button type="submit" class="button">
                        {move || if user.active { t_string!(i18n, admin_users.deactivate).to_string() } else { t_string!(i18n, admin_users.reactivate).to_string() }}
                    </button>
                </ActionForm>
            </td>
            <td>
                {if user.single_sign_on {
                    view! { <span class="state-badge state-badge--off" data-testid="single-sign-on">{t!(i18n, admin_users.single_sign_on)}</span> }.into_any()
                } else {
                    view! {
                        <ActionForm action=reset attr:class="inline-form">
                            <input type="hidden" name="user_id" value=id />
                            <label class="visually-hidden" for=password_input.clone()>{t!(i18n, admin_users.new_password_of, email = move || email_for_password.clone())}</label>
                            <input id=password_input type="password" name="password" autocomplete="new-password" required />
                            <button type="submit" class="button">{t!(i18n, admin_users.reset_password)}</button>
                        </ActionForm>
                    }
                    .into_any()
                }}
            </td>
        </tr>
    }
}
