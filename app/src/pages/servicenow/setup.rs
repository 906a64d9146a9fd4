//! `/servicenow/setup` (alias `/ticketProvisioning`): connection status, the
//! installation checklist and the connection form. Every form is a plain
//! form underneath, so the page works without JavaScript.

use crate::{
    api::{
        ApiError,
        servicenow::{
            ConnectServicenow, ReauthorizeServicenow, TestServicenowConnection, servicenow_status,
        },
        tickets::RetryRefusedTickets,
    },
    components::{
        form::Field,
        outcome::{failure, failure_at},
        page::Page,
        password_confirmation::PasswordConfirmation,
        servicenow::{
            CopyButton, ProblemPanel, advice_text, error_message, problem_text, state_label,
        },
        tickets::ticket_error_text,
    },
    domain::servicenow::{
        CallbackOutcome, ConnectionState, ConnectionStatus, RefusedTickets, ServiceNowError,
        ServiceNowRefusal,
    },
    i18n::*,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Where in the connection form an error shows: next to a field, or below the form.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Instance,
    ClientId,
    ClientSecret,
    Form,
}

fn place_of(error: &ServiceNowError) -> Place {
    match error {
        ApiError::Refused(ServiceNowRefusal::Instance(_)) => Place::Instance,
        ApiError::Refused(ServiceNowRefusal::MissingClientId) => Place::ClientId,
        ApiError::Refused(ServiceNowRefusal::MissingClientSecret) => Place::ClientSecret,
        _ => Place::Form,
    }
}

/// The connection wizard and status page.
#[component]
pub fn ServiceNowSetupPage() -> impl IntoView {
    let connect = ServerAction::<ConnectServicenow>::new();
    let test = ServerAction::<TestServicenowConnection>::new();
    let reauthorize = ServerAction::<ReauthorizeServicenow>::new();
    let retry = ServerAction::<RetryRefusedTickets>::new();
    let status = Resource::new(
        move || {
            (
                connect.version().get(),
                test.version().get(),
                retry.version().get(),
            )
        },
        |_| servicenow_status(),
    );
    view! {
        <Page title=|i18n| t_string!(i18n, servicenow_setup.title).to_string()>
            <OutcomeNotice />
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(status) => view! {
                            <StatusPanel status=status.clone() test reauthorize retry />
                            <Checklist status=status.clone() />
                            <ConnectionFormCard status connect />
                        }.into_any(),
                        Err(error) => view! { <RequestError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}

/// A refused request, as a message.
#[component]
fn RequestError(error: ServiceNowError) -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="field__error" role="alert">{move || error_message(i18n, &error)}</p> }
}

/// How the last authorisation ended, when the instance sent the browser back here.
#[component]
fn OutcomeNotice() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    move || {
        let outcome = query
            .read()
            .get("outcome")
            .and_then(|name| CallbackOutcome::parse(&name))?;
        let class = if outcome == CallbackOutcome::Connected {
            "notice notice--success"
        } else {
            "notice notice--error"
        };
        let text = match outcome {
            CallbackOutcome::Connected => t_string!(i18n, servicenow.outcome.connected),
            CallbackOutcome::ConsentDenied => t_string!(i18n, servicenow.outcome.consent_denied),
            CallbackOutcome::StateMismatch => t_string!(i18n, servicenow.outcome.state_mismatch),
            CallbackOutcome::Refused => t_string!(i18n, servicenow.outcome.refused),
            CallbackOutcome::Failed => t_string!(i18n, servicenow.outcome.failed),
        }
        .to_string();
        Some(view! { <p class=class role="status">{text}</p> })
    }
}

/// Connected or not, with what is known about the connection.
#[component]
fn StatusPanel(
    status: ConnectionStatus,
    test: ServerAction<TestServicenowConnection>,
    reauthorize: ServerAction<ReauthorizeServicenow>,
    retry: ServerAction<RetryRefusedTickets>,
) -> impl IntoView {
    let i18n = use_i18n();
    let state = status.state;
    let configured = state != ConnectionState::NotConfigured;
    let connected = state == ConnectionState::Connected;
    let or_unknown = move |value: Option<String>| {
        value.unwrap_or_else(|| t_string!(i18n, servicenow_setup.unknown).to_string())
    };
    let utc = move |value: Option<String>, fallback: String| match value {
        Some(time) => t_string!(i18n, servicenow_setup.utc, time).to_string(),
        None => fallback,
    };
    let instance = or_unknown(status.instance);
    let user = or_unknown(status.integration_user);
    let expiry = utc(
        status.token_expires_at,
        t_string!(i18n, servicenow_setup.unknown).to_string(),
    );
    let success = utc(
        status.last_success_at,
        t_string!(i18n, servicenow_setup.never).to_string(),
    );
    // What "Retry all" did (the counts above are read again after it).
    let retried = move || match retry.value().get() {
        Some(Ok(count)) => Some(t_string!(i18n, servicenow_setup.retried, count).to_string()),
        Some(Err(error)) => Some(ticket_error_text(i18n, &error)),
        None => None,
    };
    let action_error = move || {
        [failure(test), failure(reauthorize)]
            .into_iter()
            .flatten()
            .next()
            .map(|error| error_message(i18n, &error))
    };
    view! {
        <section class="card status-panel" aria-labelledby="status-title">
            <h2 id="status-title" class="section__title">{t!(i18n, servicenow_setup.status_heading)}</h2>
            <p>
                <span class=format!("state-badge state-badge--{}", state_class(state)) data-testid="connection-state">
                    {move || state_label(i18n, state)}
                </span>
            </p>
            {configured.then(|| view! {
                <dl class="facts">
                    <dt>{t!(i18n, servicenow_setup.instance)}</dt>
                    <dd data-testid="connection-instance">{instance}</dd>
                    <dt>{t!(i18n, servicenow_setup.integration_user)}</dt>
                    <dd data-testid="integration-user">{user}</dd>
                    <dt>{t!(i18n, servicenow_setup.token_expiry)}</dt>
                    <dd>{expiry}</dd>
                    <dt>{t!(i18n, servicenow_setup.last_success)}</dt>
                    <dd>{success}</dd>
                </dl>
            })}
            {status.last_error.map(|problem| view! {
                <h3 class="status-panel__subtitle">{t!(i18n, servicenow_setup.last_error)}</h3>
                <ProblemPanel problem />
            })}
            <RefusedTicketsPanel refused=status.refused_tickets retry />
            <p role="status" data-testid="retry-refused-outcome">{retried}</p>
            <p class="field__error" role="alert">{action_error}</p>
            {configured.then(|| view! {
                <div class="button-row">
                    {connected.then(|| view! {
                        <ActionForm action=test attr:class="inline-form">
                            <button type="submit" class="button" disabled=move || test.pending().get()>
                                {move || if test.pending().get() {
                                    t_string!(i18n, servicenow_setup.testing).to_string()
                                } else {
                                    t_string!(i18n, servicenow_setup.test).to_string()
                                }}
                            </button>
                        </ActionForm>
                    })}
                    <ActionForm action=reauthorize attr:class="inline-form">
                        <button type="submit" class="button">{t!(i18n, servicenow_setup.reauthorize)}</button>
                    </ActionForm>
                    {connected.then(|| view! {
                        <a class="button button--subtle" href="/servicenow/settings">{t!(i18n, servicenow_setup.manage)}</a>
                    })}
                </div>
            })}
        </section>
    }
}

/// The tickets waiting for an admin, per reason, each with its advice.
#[component]
fn RefusedTicketsPanel(
    refused: Vec<RefusedTickets>,
    retry: ServerAction<RetryRefusedTickets>,
) -> impl IntoView {
    let i18n = use_i18n();
    (!refused.is_empty()).then(|| view! {
        <div class="status-panel__refused" data-testid="refused-tickets">
            <ul>
                {refused.into_iter().map(|RefusedTickets { problem, count }| view! {
                    <li>
                        <p class="status-panel__subtitle">
                            {move || {
                                let problem = problem_text(i18n, problem);
                                t_string!(i18n, servicenow_setup.refused_tickets, count, problem).to_string()
                            }}
                        </p>
                        <p class="field__hint">{move || advice_text(i18n, problem)}</p>
                    </li>
                }).collect_view()}
            </ul>
            <div class="button-row">
                <ActionForm action=retry attr:class="inline-form">
                    <button type="submit" class="button" data-testid="retry-refused" disabled=move || retry.pending().get()>
                        {t!(i18n, servicenow_setup.retry_refused)}
                    </button>
                </ActionForm>
                <a class="button button--subtle" href="/tickets?state=refused">{t!(i18n, servicenow_setup.show_refused)}</a>
            </div>
        </div>
    })
}

/// The CSS modifier of a state badge.
fn state_class(state: ConnectionState) -> &'static str {
    match state {
        ConnectionState::NotConfigured => "off",
        ConnectionState::AwaitingAuthorization => "pending",
        ConnectionState::Connected => "ok",
        ConnectionState::NeedsReauthorization => "warning",
    }
}

/// The installation checklist, with the redirect URI to register.
#[component]
fn Checklist(status: ConnectionStatus) -> impl IntoView {
    let i18n = use_i18n();
    let redirect_uri = status.redirect_uri;
    view! {
        <section class="card" aria-labelledby="checklist-title">
            <h2 id="checklist-title" class="section__title">{t!(i18n, servicenow_setup.checklist_heading)}</h2>
            <p>{t!(i18n, servicenow_setup.checklist_intro)}</p>
            <ol class="checklist">
                <li>
                    <p id="redirect-uri-label">{t!(i18n, servicenow_setup.step_oauth)}</p>
                    <div class="copy-field">
                        <input id="redirect-uri" type="text" readonly value=redirect_uri.clone() aria-labelledby="redirect-uri-label" data-testid="redirect-uri" />
                        <CopyButton text=redirect_uri />
                    </div>
                </li>
                <li>{t!(i18n, servicenow_setup.step_user)}</li>
                <li>{t!(i18n, servicenow_setup.step_authorize)}</li>
                <li>{t!(i18n, servicenow_setup.step_sign_in)}</li>
            </ol>
            {status.demo.map(|demo| {
                let (user, password) = (demo.integration_user.clone(), demo.integration_password.clone());
                view! {
                    <div class="demo-hints" data-testid="demo-hints">
                        <h3 class="status-panel__subtitle">{t!(i18n, servicenow_setup.demo_heading)}</h3>
                        <p>{t!(i18n, servicenow_setup.demo_intro, user = move || user.clone(), password = move || password.clone())}</p>
                        <dl class="facts">
                            <dt>{t!(i18n, servicenow_setup.instance_label)}</dt>
                            <dd><code>{demo.instance}</code></dd>
                            <dt>{t!(i18n, servicenow_setup.client_id)}</dt>
                            <dd><code>{demo.client_id}</code></dd>
                            <dt>{t!(i18n, servicenow_setup.client_secret)}</dt>
                            <dd><code>{demo.client_secret}</code></dd>
                        </dl>
                    </div>
                }
            })}
        </section>
    }
}

/// Instance, client ID and secret, and the Authorize button.
#[component]
fn ConnectionFormCard(
    status: ConnectionStatus,
    connect: ServerAction<ConnectServicenow>,
) -> impl IntoView {
    let i18n = use_i18n();
    let refused = move || failure(connect);
    let error_at = move |place: Place| {
        failure_at(connect, place, place_of).map(|error| error_message(i18n, &error))
    };
    let stored_instance = status.instance.clone().unwrap_or_default();
    let stored_client = status.client_id.clone().unwrap_or_default();
    let instance = move || refused().map_or_else(|| stored_instance.clone(), |e| e.input.instance);
    let client_id = move || refused().map_or_else(|| stored_client.clone(), |e| e.input.client_id);
    let secret_stored = status.secret_stored;
    let needs_confirmation =
        move || refused().is_some_and(|error| error.reason == ApiError::ReauthenticationRequired);
    let invalid = move |place: Place| move || error_at(place).is_some().to_string();
    view! {
        <section class="card" aria-labelledby="connect-title">
            <h2 id="connect-title" class="section__title">{t!(i18n, servicenow_setup.form_heading)}</h2>
            <ActionForm action=connect attr:class="form">
                <Field id="instance" label=t!(i18n, servicenow_setup.instance_label) error=move || error_at(Place::Instance)>
                    <input id="instance" type="text" name="instance" autocomplete="off" spellcheck="false" required
                        value=instance.clone() prop:value=instance aria-invalid=invalid(Place::Instance)
                        aria-describedby="instance-hint instance-error" />
                    <p id="instance-hint" class="field__hint">{t!(i18n, servicenow_setup.instance_hint)}</p>
                </Field>
                <Field id="client-id" label=t!(i18n, servicenow_setup.client_id) error=move || error_at(Place::ClientId)>
                    <input id="client-id" type="text" name="client_id" autocomplete="off" spellcheck="false" required
                        value=client_id.clone() prop:value=client_id aria-invalid=invalid(Place::ClientId)
                        aria-describedby="client-id-error" />
                </Field>
                <Field id="client-secret" label=t!(i18n, servicenow_setup.client_secret) error=move || error_at(Place::ClientSecret)>
                    <input id="client-secret" type="password" name="client_secret" autocomplete="new-password"
                        required=!secret_stored aria-invalid=invalid(Place::ClientSecret)
                        aria-describedby="client-secret-hint client-secret-error" />
                    {secret_stored.then(|| view! {
                        <p id="client-secret-hint" class="field__hint" data-testid="secret-stored">{t!(i18n, servicenow_setup.secret_stored)}</p>
                    })}
                </Field>
                <p class="field__error" role="alert">{move || error_at(Place::Form)}</p>
                <button type="submit" class="button button--primary">{t!(i18n, servicenow_setup.authorize)}</button>
            </ActionForm>
            {move || needs_confirmation().then(|| view! { <PasswordConfirmation id="connect-confirm-password" /> })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::servicenow::InstanceProblem;

    #[test]
    fn field_errors_go_next_to_their_field() {
        assert!(
            place_of(&ApiError::Refused(ServiceNowRefusal::Instance(
                InstanceProblem::Empty
            ))) == Place::Instance
        );
        assert!(
            place_of(&ApiError::Refused(ServiceNowRefusal::MissingClientId)) == Place::ClientId
        );
        assert!(
            place_of(&ApiError::Refused(ServiceNowRefusal::MissingClientSecret))
                == Place::ClientSecret
        );
        assert!(place_of(&ApiError::Unavailable) == Place::Form);
    }
}
