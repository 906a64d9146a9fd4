//! ServiceNow pieces several pages share: localised names of states,
//! problems and errors, the problem panel with its troubleshooting advice,
//! the re-authorisation banner and the copy button.

use super::clipboard::copy_to_clipboard;
use crate::{
    api::{ApiError, servicenow::home_servicenow},
    domain::servicenow::{
        ConnectionState, InstanceProblem, Problem, ProblemKind, ServiceNowError, ServiceNowRefusal,
    },
    i18n::*,
};
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// The localised name of a connection state.
pub fn state_label(i18n: I18nContext<Locale>, state: ConnectionState) -> String {
    match state {
        ConnectionState::NotConfigured => t_string!(i18n, servicenow.state.not_configured),
        ConnectionState::AwaitingAuthorization => {
            t_string!(i18n, servicenow.state.awaiting_authorization)
        }
        ConnectionState::Connected => t_string!(i18n, servicenow.state.connected),
        ConnectionState::NeedsReauthorization => {
            t_string!(i18n, servicenow.state.needs_reauthorization)
        }
    }
    .to_string()
}

/// What went wrong, in the user's language.
pub fn problem_text(i18n: I18nContext<Locale>, kind: ProblemKind) -> String {
    problem_texts(i18n, kind).0.to_string()
}

/// The seed's troubleshooting advice for a problem.
pub fn advice_text(i18n: I18nContext<Locale>, kind: ProblemKind) -> String {
    problem_texts(i18n, kind).1.to_string()
}

/// A problem's two texts: what went wrong, and what to do about it.
fn problem_texts(i18n: I18nContext<Locale>, kind: ProblemKind) -> (&'static str, &'static str) {
    match kind {
        ProblemKind::ReauthorizationNeeded => (
            t_string!(i18n, servicenow.problem.reauthorization_needed),
            t_string!(i18n, servicenow.advice.reauthorization_needed),
        ),
        ProblemKind::Forbidden => (
            t_string!(i18n, servicenow.problem.forbidden),
            t_string!(i18n, servicenow.advice.forbidden),
        ),
        ProblemKind::CrossScopePolicy => (
            t_string!(i18n, servicenow.problem.cross_scope_policy),
            t_string!(i18n, servicenow.advice.cross_scope_policy),
        ),
        ProblemKind::NotFound => (
            t_string!(i18n, servicenow.problem.not_found),
            t_string!(i18n, servicenow.advice.not_found),
        ),
        ProblemKind::RateLimited => (
            t_string!(i18n, servicenow.problem.rate_limited),
            t_string!(i18n, servicenow.advice.rate_limited),
        ),
        ProblemKind::ServerError => (
            t_string!(i18n, servicenow.problem.server_error),
            t_string!(i18n, servicenow.advice.server_error),
        ),
        ProblemKind::Network => (
            t_string!(i18n, servicenow.problem.network),
            t_string!(i18n, servicenow.advice.network),
        ),
        ProblemKind::Timeout => (
            t_string!(i18n, servicenow.problem.timeout),
            t_string!(i18n, servicenow.advice.timeout),
        ),
        ProblemKind::Malformed => (
            t_string!(i18n, servicenow.problem.malformed),
            t_string!(i18n, servicenow.advice.malformed),
        ),
        ProblemKind::Redirected => (
            t_string!(i18n, servicenow.problem.redirected),
            t_string!(i18n, servicenow.advice.redirected),
        ),
        ProblemKind::Rejected => (
            t_string!(i18n, servicenow.problem.rejected),
            t_string!(i18n, servicenow.advice.rejected),
        ),
        ProblemKind::ConsentDenied => (
            t_string!(i18n, servicenow.problem.consent_denied),
            t_string!(i18n, servicenow.advice.consent_denied),
        ),
        ProblemKind::StateMismatch => (
            t_string!(i18n, servicenow.problem.state_mismatch),
            t_string!(i18n, servicenow.advice.state_mismatch),
        ),
        ProblemKind::AuthorizationRefused => (
            t_string!(i18n, servicenow.problem.authorization_refused),
            t_string!(i18n, servicenow.advice.authorization_refused),
        ),
        ProblemKind::IpRestricted => (
            t_string!(i18n, servicenow.problem.ip_restricted),
            t_string!(i18n, servicenow.advice.ip_restricted),
        ),
        ProblemKind::RecordsHidden => (
            t_string!(i18n, servicenow.problem.records_hidden),
            t_string!(i18n, servicenow.advice.records_hidden),
        ),
        ProblemKind::RecordConflict => (
            t_string!(i18n, servicenow.problem.record_conflict),
            t_string!(i18n, servicenow.advice.record_conflict),
        ),
    }
}

/// The localised message for a refused request.
pub fn error_message(i18n: I18nContext<Locale>, error: &ServiceNowError) -> String {
    match error {
        ApiError::NotSignedIn => t_string!(i18n, servicenow.errors.not_signed_in).to_string(),
        ApiError::Forbidden => t_string!(i18n, servicenow.errors.forbidden).to_string(),
        ApiError::ReauthenticationRequired => t_string!(i18n, confirm_password.intro).to_string(),
        ApiError::Refused(ServiceNowRefusal::Instance(InstanceProblem::Empty)) => {
            t_string!(i18n, servicenow.errors.instance_empty).to_string()
        }
        ApiError::Refused(ServiceNowRefusal::Instance(InstanceProblem::Invalid)) => {
            t_string!(i18n, servicenow.errors.instance_invalid).to_string()
        }
        ApiError::Refused(ServiceNowRefusal::Instance(InstanceProblem::NotHttps)) => {
            t_string!(i18n, servicenow.errors.instance_not_https).to_string()
        }
        ApiError::Refused(ServiceNowRefusal::Instance(InstanceProblem::HostNotAllowed {
            host,
        })) => {
            let host = host.clone();
            t_string!(i18n, servicenow.errors.instance_not_allowed, host).to_string()
        }
        ApiError::Refused(ServiceNowRefusal::Instance(InstanceProblem::PortNotAllowed {
            host,
        })) => {
            let host = host.clone();
            t_string!(i18n, servicenow.errors.instance_port_not_allowed, host).to_string()
        }
        ApiError::Refused(ServiceNowRefusal::MissingClientId) => {
            t_string!(i18n, servicenow.errors.client_id_missing).to_string()
        }
        ApiError::Refused(ServiceNowRefusal::MissingClientSecret) => {
            t_string!(i18n, servicenow.errors.client_secret_missing).to_string()
        }
        ApiError::Refused(ServiceNowRefusal::NotConfigured) => {
            t_string!(i18n, servicenow.errors.not_configured).to_string()
        }
        ApiError::Refused(ServiceNowRefusal::StateName { .. }) => {
            t_string!(i18n, servicenow.errors.state_name).to_string()
        }
        ApiError::Refused(ServiceNowRefusal::DefaultTooLong) => {
            t_string!(i18n, servicenow.errors.default_too_long).to_string()
        }
        ApiError::Refused(ServiceNowRefusal::NotConfirmed) => {
            t_string!(i18n, servicenow.errors.not_confirmed).to_string()
        }
        ApiError::Refused(ServiceNowRefusal::ServiceNow(_)) => {
            t_string!(i18n, servicenow.errors.servicenow).to_string()
        }
        ApiError::Unavailable | ApiError::ServerFn(_) => {
            t_string!(i18n, servicenow.errors.unavailable).to_string()
        }
    }
}

/// One recorded problem: what happened, ServiceNow's own words, and what to do.
#[component]
pub fn ProblemPanel(problem: Problem) -> impl IntoView {
    let i18n = use_i18n();
    let kind = problem.kind;
    let status = problem.status;
    let retry = problem.retry_after_secs;
    let at = problem.at.clone();
    let words = [problem.message, problem.detail]
        .into_iter()
        .filter(|text| !text.is_empty())
        .collect::<Vec<_>>()
        .join(" — ");
    view! {
        <div class="problem" role="status">
            <p class="problem__what">
                <strong>{move || problem_text(i18n, kind)}</strong>
                " "
                <span class="problem__when">{move || t_string!(i18n, servicenow_setup.utc, time = at.clone()).to_string()}</span>
            </p>
            {status.map(|status| view! {
                <p class="problem__http">
                    {move || t_string!(i18n, servicenow_setup.http_status, status).to_string()}
                    {retry.map(|seconds| view! { " · " {move || t_string!(i18n, servicenow_setup.retry_after, seconds).to_string()} })}
                </p>
            })}
            {(!words.is_empty()).then(|| view! { <p class="problem__words"><code>{words}</code></p> })}
            <p class="problem__advice">{move || advice_text(i18n, kind)}</p>
        </div>
    }
}

/// On every page: the connection needs re-authorisation. Admins get the way
/// to fix it; everyone else learns that an admin must.
#[component]
pub fn ConnectionBanner() -> impl IntoView {
    let i18n = use_i18n();
    let health = Resource::new(|| (), |_| home_servicenow());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let home = health.await.ok()?;
                (home.state == ConnectionState::NeedsReauthorization).then(|| view! {
                    <div class="banner banner--warning" role="alert">
                        {if home.can_connect {
                            view! {
                                <p>{t!(i18n, servicenow.banner.admin)}</p>
                                <a class="button button--primary" href="/servicenow/setup">{t!(i18n, servicenow.banner.admin_action)}</a>
                            }.into_any()
                        } else {
                            view! { <p>{t!(i18n, servicenow.banner.other)}</p> }.into_any()
                        }}
                    </div>
                })
            })}
        </Suspense>
    }
}

/// A button that copies `text` to the clipboard.
#[component]
pub fn CopyButton(text: String) -> impl IntoView {
    let i18n = use_i18n();
    let copied = RwSignal::new(false);
    let copy = move |_| {
        copy_to_clipboard(&text);
        copied.set(true);
    };
    view! {
        <button type="button" class="button" on:click=copy>
            {move || if copied.get() {
                t_string!(i18n, servicenow_setup.copied).to_string()
            } else {
                t_string!(i18n, servicenow_setup.copy).to_string()
            }}
        </button>
    }
}
