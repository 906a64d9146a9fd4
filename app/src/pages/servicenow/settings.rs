//! `/servicenow/settings` (*Manage ServiceNow configuration*, admins): state
//! names, ticket defaults, re-authorisation and removal of the connection.

use crate::{
    api::{
        ApiError,
        servicenow::{
            ReauthorizeServicenow, RemoveServicenowConnection, SaveStateNames, SaveTicketDefaults,
            servicenow_settings,
        },
    },
    components::{
        form::{ChoiceOptions, Field},
        outcome::{failure, success},
        page::Page,
        password_confirmation::PasswordConfirmation,
        servicenow::{error_message, state_label},
    },
    domain::servicenow::{
        ConnectionState, DEFAULT_FIELD_MAX, STATE_NAME_MAX, ServiceNowRefusal, ServiceNowSettings,
        StateName, TicketDefaults, TicketTable,
    },
    i18n::*,
};
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// The localised name of a ticket table.
fn table_label(i18n: I18nContext<Locale>, table: TicketTable) -> String {
    match table {
        TicketTable::ChangeRequest => t_string!(i18n, servicenow_settings.table_change_request),
        TicketTable::Incident => t_string!(i18n, servicenow_settings.table_incident),
    }
    .to_string()
}

/// The settings page.
#[component]
pub fn ServiceNowSettingsPage() -> impl IntoView {
    let save_names = StateNameActions {
        change_request: ServerAction::new(),
        incident: ServerAction::new(),
    };
    let save_defaults = ServerAction::<SaveTicketDefaults>::new();
    let remove = ServerAction::<RemoveServicenowConnection>::new();
    let reauthorize = ServerAction::<ReauthorizeServicenow>::new();
    let settings = Resource::new(
        move || {
            (
                save_names.change_request.version().get(),
                save_names.incident.version().get(),
                save_defaults.version().get(),
                remove.version().get(),
            )
        },
        |_| servicenow_settings(),
    );
    let i18n = use_i18n();
    view! {
        <Page title=|i18n| t_string!(i18n, servicenow_settings.title).to_string()>
            {move || success(remove).map(|()| view! {
                <p class="notice notice--success" role="status">{t!(i18n, servicenow_settings.removed)}</p>
            })}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(settings) if settings.state == ConnectionState::NotConfigured => view! {
                            <section class="card">
                                <p>{t!(i18n, servicenow_settings.not_connected)}</p>
                                <a class="button button--primary" href="/servicenow/setup">{t!(i18n, servicenow_settings.connect_link)}</a>
                            </section>
                        }.into_any(),
                        Ok(settings) => view! {
                            <Settings settings save_names save_defaults remove reauthorize />
                        }.into_any(),
                        Err(error) => view! {
                            <p class="field__error" role="alert">{move || error_message(i18n, &error)}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}

/// One save action per table, so each form shows only its own outcome.
#[derive(Clone, Copy)]
struct StateNameActions {
    change_request: ServerAction<SaveStateNames>,
    incident: ServerAction<SaveStateNames>,
}

impl StateNameActions {
    fn of(self, table: TicketTable) -> ServerAction<SaveStateNames> {
        match table {
            TicketTable::ChangeRequest => self.change_request,
            TicketTable::Incident => self.incident,
        }
    }
}

/// The sections of a configured connection.
#[component]
fn Settings(
    settings: ServiceNowSettings,
    save_names: StateNameActions,
    save_defaults: ServerAction<SaveTicketDefaults>,
    remove: ServerAction<RemoveServicenowConnection>,
    reauthorize: ServerAction<ReauthorizeServicenow>,
) -> impl IntoView {
    let i18n = use_i18n();
    let state = settings.state;
    let instance = settings.instance.unwrap_or_default();
    let reauthorize_error = move || failure(reauthorize).map(|error| error_message(i18n, &error));
    view! {
        <section class="card" aria-labelledby="connection-title">
            <h2 id="connection-title" class="section__title">{t!(i18n, servicenow_settings.connection_heading)}</h2>
            <p><code>{instance}</code>" · "<span data-testid="connection-state">{move || state_label(i18n, state)}</span></p>
            <ActionForm action=reauthorize attr:class="inline-form">
                <button type="submit" class="button">{t!(i18n, servicenow_setup.reauthorize)}</button>
            </ActionForm>
            <p class="field__error" role="alert">{reauthorize_error}</p>
        </section>
        <section class="card" aria-labelledby="states-title">
            <h2 id="states-title" class="section__title">{t!(i18n, servicenow_settings.states_heading)}</h2>
            <p>{t!(i18n, servicenow_settings.states_intro)}</p>
            <div class="state-tables">
                {settings.state_names.into_iter().map(|(table, names)| view! {
                    <StateNamesForm table names save_names=save_names.of(table) />
                }).collect_view()}
            </div>
        </section>
        <DefaultsForm defaults=settings.defaults save_defaults />
        <RemoveForm remove />
    }
}

/// The state names of one table.
#[component]
fn StateNamesForm(
    table: TicketTable,
    names: Vec<StateName>,
    save_names: ServerAction<SaveStateNames>,
) -> impl IntoView {
    let i18n = use_i18n();
    let table_name = table.as_str();
    let refused = move || failure(save_names);
    let error_for = move |value: String| {
        move || {
            refused()
                .filter(|error| {
                    matches!(error.refusal(), Some(ServiceNowRefusal::StateName { value: refused }) if *refused == value)
                })
                .map(|error| error_message(i18n, &error))
        }
    };
    let form_error = move || {
        refused()
            .filter(|error| !matches!(error.refusal(), Some(ServiceNowRefusal::StateName { .. })))
            .map(|error| error_message(i18n, &error))
    };
    let heading_id = format!("states-{table_name}");
    view! {
        <div class="state-table" data-testid=format!("states-{table_name}")>
            <h3 id=heading_id.clone() class="status-panel__subtitle">{move || table_label(i18n, table)}</h3>
            <ActionForm action=save_names attr:class="form">
                <input type="hidden" name="table" value=table_name />
                {names.into_iter().enumerate().map(|(index, state)| {
                    let input_id = format!("state-{table_name}-{}", state.value);
                    let error_id = format!("{input_id}-error");
                    let error = error_for(state.value.clone());
                    let value = state.value.clone();
                    let label = view! {
                        {state.default_name.clone()}
                        <span class="field__hint">{move || t_string!(i18n, servicenow_settings.state_value, value = value.clone()).to_string()}</span>
                    };
                    view! {
                        <Field id=input_id.clone() label error modifier="field--inline">
                            <input type="hidden" name=format!("states[{index}][value]") value=state.value.clone() />
                            <input id=input_id type="text" name=format!("states[{index}][name]")
                                value=state.custom_name.clone().unwrap_or_default()
                                placeholder=state.default_name.clone()
                                maxlength=STATE_NAME_MAX.to_string()
                                aria-describedby=error_id />
                        </Field>
                    }
                }).collect_view()}
                <p class="field__error" role="alert">{form_error}</p>
                <button type="submit" class="button button--primary">{t!(i18n, servicenow_settings.save)}</button>
            </ActionForm>
            <ActionForm action=save_names attr:class="inline-form">
                <input type="hidden" name="table" value=table_name />
                <input type="hidden" name="reset" value="true" />
                <button type="submit" class="button button--subtle">{t!(i18n, servicenow_settings.reset)}</button>
            </ActionForm>
        </div>
    }
}

/// Default ticket type, assignment group and category.
#[component]
fn DefaultsForm(
    defaults: TicketDefaults,
    save_defaults: ServerAction<SaveTicketDefaults>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = move || failure(save_defaults).map(|error| error_message(i18n, &error));
    let saved = move || success(save_defaults).is_some();
    view! {
        <section class="card" aria-labelledby="defaults-title">
            <h2 id="defaults-title" class="section__title">{t!(i18n, servicenow_settings.defaults_heading)}</h2>
            <ActionForm action=save_defaults attr:class="form">
                <Field id="default-type" label=t!(i18n, servicenow_settings.ticket_type)>
                    <select id="default-type" name="ticket_type">
                        <ChoiceOptions choices=TicketTable::ALL selected=defaults.ticket_type.as_str() />
                    </select>
                </Field>
                <Field id="default-group" label=t!(i18n, servicenow_settings.assignment_group)>
                    <input id="default-group" type="text" name="assignment_group" value=defaults.assignment_group maxlength=DEFAULT_FIELD_MAX.to_string() />
                </Field>
                <Field id="default-category" label=t!(i18n, servicenow_settings.category)>
                    <input id="default-category" type="text" name="category" value=defaults.category maxlength=DEFAULT_FIELD_MAX.to_string() />
                </Field>
                <p class="field__error" role="alert">{error}</p>
                <p class="field__ok" role="status">{move || saved().then(|| t_string!(i18n, servicenow_settings.saved).to_string())}</p>
                <button type="submit" class="button button--primary">{t!(i18n, servicenow_settings.save)}</button>
            </ActionForm>
        </section>
    }
}

/// Removal, behind a confirmation.
#[component]
fn RemoveForm(remove: ServerAction<RemoveServicenowConnection>) -> impl IntoView {
    let i18n = use_i18n();
    let error = move || failure(remove).map(|error| error_message(i18n, &error));
    let needs_confirmation =
        move || failure(remove).is_some_and(|error| error == ApiError::ReauthenticationRequired);
    view! {
        <section class="card card--danger" aria-labelledby="remove-title">
            <h2 id="remove-title" class="section__title">{t!(i18n, servicenow_settings.remove_heading)}</h2>
            <p>{t!(i18n, servicenow_settings.remove_intro)}</p>
            <ActionForm action=remove attr:class="form">
                <label class="checkbox">
                    <input type="checkbox" name="confirm" value="true" aria-describedby="remove-error" />
                    {t!(i18n, servicenow_settings.remove_confirm)}
                </label>
                <p id="remove-error" class="field__error" role="alert">{error}</p>
                <button type="submit" class="button button--danger">{t!(i18n, servicenow_settings.remove)}</button>
            </ActionForm>
            {move || needs_confirmation().then(|| view! { <PasswordConfirmation id="remove-confirm-password" /> })}
        </section>
    }
}
