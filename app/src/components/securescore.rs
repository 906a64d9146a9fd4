//! Secure Score pieces several pages share: localised names of categories,
//! statuses, sort orders and levels, point formatting and the demo-data badge.

use crate::{
    domain::{
        recommendation::Category,
        securescore::{ActionSort, ActionStatus, Freshness, Level, SourceProblem},
    },
    i18n::*,
};
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// The localised name of a category; unknown ones as Graph spelled them.
pub fn category_label(i18n: I18nContext<Locale>, category: &Category) -> String {
    match category {
        Category::Identity => t_string!(i18n, securescore.categories.identity).to_string(),
        Category::Data => t_string!(i18n, securescore.categories.data).to_string(),
        Category::Device => t_string!(i18n, securescore.categories.device).to_string(),
        Category::Apps => t_string!(i18n, securescore.categories.apps).to_string(),
        Category::Infrastructure => {
            t_string!(i18n, securescore.categories.infrastructure).to_string()
        }
        Category::Other(value) => value.clone(),
    }
}

/// The localised name of a status.
pub fn status_label(i18n: I18nContext<Locale>, status: ActionStatus) -> String {
    match status {
        ActionStatus::ToAddress => t_string!(i18n, securescore.statuses.to_address),
        ActionStatus::Completed => t_string!(i18n, securescore.statuses.completed),
        ActionStatus::RiskAccepted => t_string!(i18n, securescore.statuses.risk_accepted),
        ActionStatus::ThirdParty => t_string!(i18n, securescore.statuses.third_party),
        ActionStatus::Reviewed => t_string!(i18n, securescore.statuses.reviewed),
    }
    .to_string()
}

/// The localised name of a sort order of the actions table.
pub fn sort_label(i18n: I18nContext<Locale>, sort: ActionSort) -> String {
    match sort {
        ActionSort::Rank => t_string!(i18n, securescore.sort_rank),
        ActionSort::Points => t_string!(i18n, securescore.sort_points),
    }
    .to_string()
}

/// The localised name of a cost or impact level; unknown ones as sent.
pub fn level_label(i18n: I18nContext<Locale>, level: &Level) -> String {
    match level {
        Level::Low => t_string!(i18n, securescore.levels.low).to_string(),
        Level::Moderate => t_string!(i18n, securescore.levels.moderate).to_string(),
        Level::High => t_string!(i18n, securescore.levels.high).to_string(),
        Level::Other(value) => value.clone(),
    }
}

/// Points without a needless `.0`.
pub fn points(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// Why reading Secure Score failed, in the user's language.
pub fn source_problem_text(i18n: I18nContext<Locale>, problem: SourceProblem) -> String {
    match problem {
        SourceProblem::Refused => t_string!(i18n, securescore.source_problems.refused),
        SourceProblem::Throttled => t_string!(i18n, securescore.source_problems.throttled),
        SourceProblem::Server => t_string!(i18n, securescore.source_problems.server),
        SourceProblem::Network => t_string!(i18n, securescore.source_problems.network),
        SourceProblem::Malformed => t_string!(i18n, securescore.source_problems.malformed),
    }
    .to_string()
}

/// "Demo data" when the numbers come from the built-in catalog, when they
/// were read, and why the last refresh failed if it did.
#[component]
pub fn FreshnessNote(freshness: Freshness) -> impl IntoView {
    let i18n = use_i18n();
    let updated = freshness.updated_at.clone();
    let problem = freshness.problem.clone();
    view! {
        {problem.map(|(problem, time)| view! {
            <p class="notice notice--error" role="status" data-testid="source-problem">
                {move || t_string!(i18n, securescore.stale, time = time.clone(), reason = source_problem_text(i18n, problem)).to_string()}
            </p>
        })}
        <p class="freshness">
            {freshness.demo.then(|| view! {
                <span class="demo-badge" data-testid="demo-data">{t!(i18n, securescore.demo_data)}</span>
            })}
            {updated.map(|time| view! {
                <span class="freshness__time">{move || t_string!(i18n, securescore.updated, time = time.clone()).to_string()}</span>
            })}
        </p>
    }
}
