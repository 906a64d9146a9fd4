//! The built-in demo data: improvement actions written in Graph's JSON shape
//! (`catalog/control_profiles.json`) and 90 days of score history derived
//! from them, so the demo's numbers add up.

use super::graph_model::{ControlProfile, Page, ScoreSnapshot};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

/// Days of history, as `secureScores?$top=90` returns.
pub const HISTORY_DAYS: i64 = 90;

const PROFILES: &str = include_str!("catalog/control_profiles.json");

/// The demo improvement actions.
pub fn profiles() -> Vec<ControlProfile> {
    let page: Page<ControlProfile> =
        serde_json::from_str(PROFILES).expect("the built-in catalog is valid (tested)");
    page.value
}

/// A stable number in 0..100 for `id` (FNV-1a), so the demo is the same every day.
fn spread(id: &str) -> u64 {
    let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    hash % 100
}

/// The score `profile` reaches, and how many days ago it got there.
fn progress(profile: &ControlProfile) -> (f64, i64) {
    let share = spread(&profile.id);
    let max = profile.max();
    let score = match share {
        0..40 => max,
        40..55 => (max / 2.0).floor(),
        _ => 0.0,
    };
    (score, (share as i64 * 7) % HISTORY_DAYS)
}

/// Daily snapshots for the last [`HISTORY_DAYS`] days up to `today`, newest
/// first, in Graph's JSON shape: each action's points appear on the day it
/// was (notionally) implemented.
pub fn history(profiles: &[ControlProfile], today: OffsetDateTime) -> Vec<ScoreSnapshot> {
    let active: Vec<&ControlProfile> = profiles
        .iter()
        .filter(|profile| profile.deprecated != Some(true))
        .collect();
    let max_score: f64 = active.iter().map(|profile| profile.max()).sum();
    (0..HISTORY_DAYS)
        .map(|days_ago| {
            let day = (today - Duration::days(days_ago)).date();
            let controls: Vec<Value> = active
                .iter()
                .map(|profile| {
                    let (score, reached) = progress(profile);
                    let score = if days_ago <= reached { score } else { 0.0 };
                    json!({
                        "controlName": profile.id,
                        "controlCategory": profile.control_category,
                        "score": score,
                    })
                })
                .collect();
            let current: f64 = controls
                .iter()
                .map(|control| control["score"].as_f64().unwrap_or(0.0))
                .sum();
            let snapshot = json!({
                "id": format!("demo_{day}"),
                "createdDateTime": format!("{day}T00:00:00Z"),
                "currentScore": current,
                "maxScore": max_score,
                "controlScores": controls,
            });
            serde_json::from_value(snapshot).expect("a snapshot built in Graph's shape parses")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::{recommendation::Category, securescore::ActionStatus};
    use std::collections::HashSet;

    #[test]
    fn the_catalog_covers_every_category_and_many_services() {
        let profiles = profiles();
        assert!(profiles.len() >= 40, "{}", profiles.len());
        let ids: HashSet<&str> = profiles.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), profiles.len(), "ids are unique");
        for category in Category::KNOWN {
            let count = profiles
                .iter()
                .filter(|p| p.summary(0.0).category == category)
                .count();
            assert!(count >= 5, "{category:?}: {count}");
        }
        let services: HashSet<String> = profiles.iter().filter_map(|p| p.service.clone()).collect();
        assert!(services.len() >= 6, "{services:?}");
        for profile in &profiles {
            let detail = profile.detail(0.0);
            assert!(!detail.remediation_html.is_empty(), "{}", profile.id);
            assert!(profile.max() > 0.0, "{}", profile.id);
        }
    }

    #[test]
    fn the_history_adds_up_and_only_grows() {
        let profiles = profiles();
        let today = OffsetDateTime::now_utc();
        let history = history(&profiles, today);
        assert_eq!(history.len(), HISTORY_DAYS as usize);
        let newest = &history[0];
        assert_eq!(newest.date(), today.date().to_string());
        let sum: f64 = profiles
            .iter()
            .filter(|p| p.deprecated != Some(true))
            .map(|p| newest.control_score(&p.id))
            .sum();
        assert_eq!(newest.score(), sum);
        assert!(newest.score() > 0.0 && newest.score() < newest.max());
        for pair in history.windows(2) {
            assert!(
                pair[0].score() >= pair[1].score(),
                "scores grow towards today"
            );
        }
        let completed = profiles
            .iter()
            .filter(|p| p.status(newest.control_score(&p.id)) == ActionStatus::Completed)
            .count();
        assert!(completed > 0 && completed < profiles.len());
    }
}
