//! The home page's Secure Score summary: current and maximum score, a bar
//! per category and the 90-day trend as an SVG drawn on the server.

use crate::{
    api::{ApiError, securescore::load_score_summary},
    components::{
        page::EmptyState,
        securescore::{FreshnessNote, category_label, points},
    },
    domain::securescore::{ScoreSummary, SecureScoreRefusal, TrendPoint},
    i18n::*,
};
use leptos::prelude::*;

/// Chart size in SVG user units; it scales to its container.
const CHART_WIDTH: f64 = 600.0;
const CHART_HEIGHT: f64 = 160.0;

/// The summary card, or why there is none.
#[component]
pub fn ScoreSummaryCard() -> impl IntoView {
    let i18n = use_i18n();
    let summary = Resource::new(|| (), |_| load_score_summary());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(summary) => view! { <Summary summary /> }.into_any(),
                    Err(ApiError::Refused(SecureScoreRefusal::NoData)) => view! { <EmptyState>{t!(i18n, home.score_empty)}</EmptyState> }.into_any(),
                    Err(_) => view! { <p class="field__error" role="alert">{t!(i18n, securescore.unavailable)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn percent(score: f64, max: f64) -> f64 {
    if max > 0.0 {
        (score / max * 100.0).clamp(0.0, 100.0)
    } else {
        0.0
    }
}

#[component]
fn Summary(summary: ScoreSummary) -> impl IntoView {
    let i18n = use_i18n();
    let (score, max) = (summary.score, summary.max_score);
    let share = percent(score, max);
    view! {
        <section class="card score-summary" data-testid="score-summary">
            <div class="section__header">
                <p class="score-summary__score">
                    <span class="score-summary__value" data-testid="current-score">{points(score)}</span>
                    <span class="score-summary__max">{move || t_string!(i18n, home.score_of, max = points(max)).to_string()}</span>
                    <span class="score-summary__percent">{format!("{share:.0} %")}</span>
                </p>
                <FreshnessNote freshness=summary.freshness.clone() />
            </div>
            <h3 class="status-panel__subtitle">{t!(i18n, home.by_category)}</h3>
            <ul class="category-bars">
                {summary.categories.into_iter().map(|category| {
                    let share = percent(category.score, category.max_score);
                    let name = category.category.clone();
                    view! {
                        <li>
                            <span class="category-bars__name">{move || category_label(i18n, &name)}</span>
                            // SVG attributes, not inline styles: the CSP allows no style attributes.
                            <svg class="category-bars__bar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">
                                <rect class="category-bars__track" width="100" height="8" rx="4" />
                                <rect class="category-bars__fill" width=format!("{share:.1}") height="8" rx="4" />
                            </svg>
                            <span class="category-bars__value">{format!("{} / {}", points(category.score), points(category.max_score))}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <TrendChart trend=summary.trend />
        </section>
    }
}

/// The score over time as a line, with its text alternative.
#[component]
fn TrendChart(trend: Vec<TrendPoint>) -> impl IntoView {
    let i18n = use_i18n();
    let (Some(first), Some(last)) = (trend.first().cloned(), trend.last().cloned()) else {
        return ().into_any();
    };
    let days = trend.len();
    let line = polyline(&trend);
    let area = format!("0,{CHART_HEIGHT} {line} {CHART_WIDTH},{CHART_HEIGHT}");
    let description = move || {
        t_string!(
            i18n,
            home.trend_description,
            days,
            from = points(first.score),
            to = points(last.score),
            max = points(last.max_score)
        )
        .to_string()
    };
    view! {
        <figure class="trend">
            <figcaption class="status-panel__subtitle">{move || t_string!(i18n, home.trend_heading, days).to_string()}</figcaption>
            <svg class="trend__chart" viewBox=format!("0 0 {CHART_WIDTH} {CHART_HEIGHT}") preserveAspectRatio="none"
                role="img" aria-labelledby="trend-description" data-testid="trend-chart">
                <polygon class="trend__area" points=area />
                <polyline class="trend__line" points=line />
            </svg>
            <p id="trend-description" class="trend__description">{description}</p>
        </figure>
    }
    .into_any()
}

/// SVG points of the trend, scaled to the chart (score against its maximum).
fn polyline(trend: &[TrendPoint]) -> String {
    let top = trend
        .iter()
        .map(|p| p.max_score)
        .fold(0.0, f64::max)
        .max(1.0);
    let step = if trend.len() > 1 {
        CHART_WIDTH / (trend.len() - 1) as f64
    } else {
        0.0
    };
    trend
        .iter()
        .enumerate()
        .map(|(index, point)| {
            let x = index as f64 * step;
            let y = CHART_HEIGHT - (point.score / top * CHART_HEIGHT);
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(score: f64) -> TrendPoint {
        TrendPoint {
            date: String::new(),
            score,
            max_score: 100.0,
        }
    }

    #[test]
    fn the_line_spans_the_chart_and_scales_to_the_maximum() {
        let line = polyline(&[point(0.0), point(50.0), point(100.0)]);
        assert_eq!(line, "0.0,160.0 300.0,80.0 600.0,0.0");
        assert_eq!(polyline(&[point(25.0)]), "0.0,120.0");
    }

    #[test]
    fn percentages_stay_in_range() {
        assert_eq!(percent(5.0, 0.0), 0.0);
        assert_eq!(percent(150.0, 100.0), 100.0);
    }
}
