//! The Microsoft Graph connection card (admins): which tenant Secure Score
//! is read from, set here or by the environment.

use crate::{
    api::{
        ApiError,
        securescore::{RemoveGraphConnection, SaveGraphConnection, load_graph_connection},
    },
    components::{
        form::Field,
        outcome::{failure, failure_at, success},
        securescore::source_problem_text,
    },
    domain::securescore::{
        GraphConfiguredBy, GraphConnection, SecureScoreError, SecureScoreRefusal,
    },
    i18n::*,
};
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// Where in the form an error shows: next to a field, or below the form.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Tenant,
    Client,
    Secret,
    Form,
}

fn place_of(error: &SecureScoreError) -> Place {
    match error {
        ApiError::Refused(SecureScoreRefusal::TenantId) => Place::Tenant,
        ApiError::Refused(SecureScoreRefusal::ClientId) => Place::Client,
        ApiError::Refused(SecureScoreRefusal::ClientSecret) => Place::Secret,
        _ => Place::Form,
    }
}

/// The localised message for a refused change.
fn error_message(i18n: I18nContext<Locale>, error: &SecureScoreError) -> String {
    match error {
        ApiError::Refused(SecureScoreRefusal::TenantId) => {
            t_string!(i18n, securescore.graph.errors.tenant_id).to_string()
        }
        ApiError::Refused(SecureScoreRefusal::ClientId) => {
            t_string!(i18n, securescore.graph.errors.client_id).to_string()
        }
        ApiError::Refused(SecureScoreRefusal::ClientSecret) => {
            t_string!(i18n, securescore.graph.errors.client_secret).to_string()
        }
        ApiError::Refused(SecureScoreRefusal::ManagedByEnvironment) => {
            t_string!(i18n, securescore.graph.errors.managed).to_string()
        }
        ApiError::Refused(SecureScoreRefusal::Source(problem)) => {
            source_problem_text(i18n, *problem)
        }
        _ => t_string!(i18n, securescore.unavailable).to_string(),
    }
}

/// The card; `save` and `remove` are the page's, so its table follows.
#[component]
pub fn GraphConnectionCard(
    save: ServerAction<SaveGraphConnection>,
    remove: ServerAction<RemoveGraphConnection>,
) -> impl IntoView {
    let i18n = use_i18n();
    let connection = Resource::new(
        move || (save.version().get(), remove.version().get()),
        |_| load_graph_connection(),
    );
    view! {
        // Stays open once the form was used: its outcome must stay in view.
        <details class="card graph-connection" data-testid="graph-connection"
            open=move || save.value().with(Option::is_some) || remove.value().with(Option::is_some)>
            <summary class="section__title">{t!(i18n, securescore.graph.heading)}</summary>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    connection.await.ok().map(|connection| view! { <GraphForm connection save remove /> })
                })}
            </Suspense>
        </details>
    }
}

#[component]
fn GraphForm(
    connection: GraphConnection,
    save: ServerAction<SaveGraphConnection>,
    remove: ServerAction<RemoveGraphConnection>,
) -> impl IntoView {
    let i18n = use_i18n();
    let tenant = connection.tenant_id.clone().unwrap_or_default();
    let client = connection.client_id.clone().unwrap_or_default();
    let url = connection.graph_url.clone();
    if connection.configured_by == GraphConfiguredBy::Environment {
        return view! {
            <p>{move || t_string!(i18n, securescore.graph.env, tenant = tenant.clone(), client = client.clone()).to_string()}</p>
        }
        .into_any();
    }
    let stored = connection.configured_by == GraphConfiguredBy::Admin;
    let refused = move || failure(save);
    let error_at = move |place: Place| {
        move || failure_at(save, place, place_of).map(|error| error_message(i18n, &error))
    };
    let saved = move || success(save).is_some();
    let entered_tenant = {
        let tenant = tenant.clone();
        move || refused().map_or_else(|| tenant.clone(), |error| error.input.tenant_id)
    };
    let entered_client =
        move || refused().map_or_else(|| client.clone(), |error| error.input.client_id);
    let remove_error = move || failure(remove).map(|error| error_message(i18n, &error));
    view! {
        <p>{move || t_string!(i18n, securescore.graph.intro, url = url.clone()).to_string()}</p>
        <p data-testid="graph-state">
            {move || if stored {
                t_string!(i18n, securescore.graph.connected, tenant = tenant.clone()).to_string()
            } else {
                t_string!(i18n, securescore.graph.none).to_string()
            }}
        </p>
        <ActionForm action=save attr:class="form">
            <Field id="graph-tenant" label=t!(i18n, securescore.graph.tenant_id) error=error_at(Place::Tenant)>
                <input id="graph-tenant" type="text" name="tenant_id" required spellcheck="false" autocomplete="off"
                    value=entered_tenant.clone() prop:value=entered_tenant aria-describedby="graph-tenant-error" />
            </Field>
            <Field id="graph-client" label=t!(i18n, securescore.graph.client_id) error=error_at(Place::Client)>
                <input id="graph-client" type="text" name="client_id" required spellcheck="false" autocomplete="off"
                    value=entered_client.clone() prop:value=entered_client aria-describedby="graph-client-error" />
            </Field>
            <Field id="graph-secret" label=t!(i18n, securescore.graph.client_secret) error=error_at(Place::Secret)>
                <input id="graph-secret" type="password" name="client_secret" autocomplete="new-password"
                    required=!stored aria-describedby="graph-secret-hint graph-secret-error" />
                {stored.then(|| view! { <p id="graph-secret-hint" class="field__hint">{t!(i18n, securescore.graph.secret_stored)}</p> })}
            </Field>
            <p class="field__error" role="alert">{error_at(Place::Form)}</p>
            <p class="field__ok" role="status">{move || saved().then(|| t_string!(i18n, securescore.graph.saved).to_string())}</p>
            <button type="submit" class="button button--primary" disabled=move || save.pending().get()>{t!(i18n, securescore.graph.save)}</button>
        </ActionForm>
        {stored.then(|| view! {
            <ActionForm action=remove attr:class="inline-form">
                <button type="submit" class="button">{t!(i18n, securescore.graph.remove)}</button>
            </ActionForm>
            <p class="field__error" role="alert">{remove_error}</p>
        })}
    }
    .into_any()
}
