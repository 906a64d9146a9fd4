//! Microsoft Graph's Secure Score resources, read tolerantly: enum values in
//! any casing, unknown values kept, numbers sent as strings, optional fields
//! missing. See `shared/spec/SECURESCORE.md`.

use app::domain::{
    recommendation::Category,
    securescore::{ActionDetail, ActionStatus, ActionSummary, Level, StateUpdate},
};
use serde::{Deserialize, Serialize};

/// A number Graph sends as a number or, *observed*, as a string.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Number {
    Value(f64),
    Text(String),
}

impl Number {
    /// The value; text that is not a number counts as 0.
    pub fn get(&self) -> f64 {
        match self {
            Number::Value(value) => *value,
            Number::Text(text) => text.trim().parse().unwrap_or(0.0),
        }
    }
}

fn number(value: &Option<Number>) -> f64 {
    value.as_ref().map_or(0.0, Number::get)
}

/// `secureScoreControlProfile`: one improvement action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlProfile {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub control_category: Option<String>,
    #[serde(default)]
    pub action_type: Option<String>,
    #[serde(default)]
    pub action_url: Option<String>,
    #[serde(default)]
    pub max_score: Option<Number>,
    #[serde(default)]
    pub rank: Option<Number>,
    #[serde(default)]
    pub remediation: Option<String>,
    #[serde(default)]
    pub remediation_impact: Option<String>,
    #[serde(default)]
    pub implementation_cost: Option<String>,
    #[serde(default)]
    pub user_impact: Option<String>,
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub threats: Option<Vec<String>>,
    #[serde(default)]
    pub tier: Option<String>,
    #[serde(default)]
    pub deprecated: Option<bool>,
    #[serde(default)]
    pub control_state_updates: Option<Vec<ControlStateUpdate>>,
}

/// One entry of `controlStateUpdates`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlStateUpdate {
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub updated_by: Option<String>,
    #[serde(default)]
    pub updated_date_time: Option<String>,
}

/// `secureScore`: one daily snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreSnapshot {
    #[serde(default)]
    pub created_date_time: Option<String>,
    #[serde(default)]
    pub current_score: Option<Number>,
    #[serde(default)]
    pub max_score: Option<Number>,
    #[serde(default)]
    pub control_scores: Vec<ControlScore>,
}

/// One control's score in a snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlScore {
    pub control_name: String,
    #[serde(default)]
    pub control_category: Option<String>,
    #[serde(default)]
    pub score: Option<Number>,
}

/// A Graph collection page: `value` and maybe `@odata.nextLink`.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    pub value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default)]
    pub next_link: Option<String>,
}

impl ScoreSnapshot {
    /// The snapshot's day, `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        self.created_date_time
            .as_deref()
            .unwrap_or_default()
            .chars()
            .take(10)
            .collect()
    }

    pub fn score(&self) -> f64 {
        number(&self.current_score)
    }

    pub fn max(&self) -> f64 {
        number(&self.max_score)
    }

    /// The score of control `id` in this snapshot (0 when absent).
    pub fn control_score(&self, id: &str) -> f64 {
        self.control_scores
            .iter()
            .find(|control| control.control_name.eq_ignore_ascii_case(id))
            .map_or(0.0, |control| number(&control.score))
    }
}

/// `accountBreach` or `Account breach` → `Account breach`.
pub fn threat_label(threat: &str) -> String {
    let threat = threat.trim();
    if threat.contains(' ') || threat.is_empty() {
        return threat.to_owned();
    }
    let mut words = String::new();
    for (index, c) in threat.chars().enumerate() {
        if index == 0 {
            words.extend(c.to_uppercase());
        } else if c.is_uppercase() {
            words.push(' ');
            words.extend(c.to_lowercase());
        } else {
            words.push(c);
        }
    }
    words
}

impl ControlProfile {
    pub fn max(&self) -> f64 {
        number(&self.max_score)
    }

    /// The newest state update, if any.
    fn latest_update(&self) -> Option<&ControlStateUpdate> {
        self.control_state_updates
            .as_deref()
            .unwrap_or_default()
            .iter()
            .max_by(|a, b| a.updated_date_time.cmp(&b.updated_date_time))
    }

    /// The action's status given its current `score`: completed once all
    /// points are reached, else what an admin marked it as.
    pub fn status(&self, score: f64) -> ActionStatus {
        if self.max() > 0.0 && score >= self.max() {
            return ActionStatus::Completed;
        }
        let state = self
            .latest_update()
            .and_then(|update| update.state.as_deref())
            .unwrap_or_default()
            .to_ascii_lowercase();
        match state.as_str() {
            "ignored" => ActionStatus::RiskAccepted,
            "thirdparty" => ActionStatus::ThirdParty,
            "reviewed" => ActionStatus::Reviewed,
            _ => ActionStatus::ToAddress,
        }
    }

    /// The table row for this action at `score`.
    pub fn summary(&self, score: f64) -> ActionSummary {
        let max = self.max();
        ActionSummary {
            id: self.id.clone(),
            title: self.title.clone().unwrap_or_else(|| self.id.clone()),
            category: Category::parse(self.control_category.as_deref().unwrap_or_default()),
            service: self.service.clone().unwrap_or_default(),
            score: score.min(max),
            max_score: max,
            points_achievable: (max - score).max(0.0),
            status: self.status(score),
            rank: self
                .rank
                .as_ref()
                .map(Number::get)
                .filter(|rank| *rank >= 1.0)
                .map(|rank| rank as u32),
        }
    }

    /// The detail page's content at `score`, remediation sanitised.
    pub fn detail(&self, score: f64) -> ActionDetail {
        let level = |value: &Option<String>| Level::parse(value.as_deref().unwrap_or("Unknown"));
        ActionDetail {
            summary: self.summary(score),
            action_type: self.action_type.clone().unwrap_or_default(),
            action_url: self
                .action_url
                .clone()
                .filter(|url| url.starts_with("https://")),
            remediation_html: ammonia::clean(self.remediation.as_deref().unwrap_or_default()),
            remediation_impact: self.remediation_impact.clone().unwrap_or_default(),
            implementation_cost: level(&self.implementation_cost),
            user_impact: level(&self.user_impact),
            threats: self
                .threats
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|threat| threat_label(threat))
                .collect(),
            tier: self.tier.clone(),
            deprecated: self.deprecated.unwrap_or(false),
            state_updates: self
                .control_state_updates
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|update| StateUpdate {
                    state: update.state.clone().unwrap_or_default(),
                    comment: update.comment.clone().unwrap_or_default(),
                    updated_by: update.updated_by.clone().unwrap_or_default(),
                    updated_at: update.updated_date_time.clone().unwrap_or_default(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A payload as Graph sends it, quirks included.
    fn quirky_profile() -> ControlProfile {
        serde_json::from_value(json!({
            "id": "AdminMFAV2",
            "title": "Ensure multifactor authentication is enabled for all users in administrative roles",
            "controlCategory": "IDENTITY",
            "actionType": "Config",
            "actionUrl": "https://entra.microsoft.com/#view/x",
            "maxScore": "10",
            "rank": 1,
            "remediation": "<p>Turn it on.</p><script>alert(1)</script><ol><li><a href=\"https://aka.ms/x\" onclick=\"x()\">Open</a></li></ol>",
            "implementationCost": "low",
            "userImpact": "Unknown",
            "service": "AzureAD",
            "threats": ["accountBreach", "Elevation of privilege"],
            "deprecated": false,
            "controlStateUpdates": [
                {"state": "Default", "updatedDateTime": "2026-01-01T00:00:00Z"},
                {"state": "Ignored", "comment": "Break-glass accounts", "updatedBy": "a@contoso.com", "updatedDateTime": "2026-02-01T00:00:00Z"}
            ],
            "someFutureField": {"nested": true}
        }))
        .expect("parses")
    }

    #[test]
    fn quirky_payloads_parse_and_derive_their_values() {
        let profile = quirky_profile();
        assert_eq!(profile.max(), 10.0);
        let summary = profile.summary(4.0);
        assert_eq!(summary.category, Category::Identity);
        assert_eq!(summary.points_achievable, 6.0);
        assert_eq!(summary.rank, Some(1));
        assert_eq!(
            summary.status,
            ActionStatus::RiskAccepted,
            "newest state wins"
        );
        let detail = profile.detail(4.0);
        assert_eq!(detail.implementation_cost, Level::Low);
        assert_eq!(detail.user_impact, Level::Other("Unknown".into()));
        assert_eq!(detail.threats, ["Account breach", "Elevation of privilege"]);
        assert!(!detail.remediation_html.contains("script"));
        assert!(!detail.remediation_html.contains("onclick"));
        assert!(
            detail
                .remediation_html
                .contains("<a href=\"https://aka.ms/x\"")
        );
        assert_eq!(detail.remediation_impact, "", "missing optional field");
    }

    #[test]
    fn all_points_mean_completed_whatever_the_state() {
        let profile = quirky_profile();
        assert_eq!(profile.status(10.0), ActionStatus::Completed);
        assert_eq!(profile.summary(12.0).points_achievable, 0.0);
    }

    #[test]
    fn a_minimal_profile_is_enough() {
        let profile: ControlProfile = serde_json::from_value(json!({"id": "X"})).unwrap();
        let summary = profile.summary(0.0);
        assert_eq!(summary.title, "X");
        assert_eq!(summary.category, Category::Other(String::new()));
        assert_eq!(summary.status, ActionStatus::ToAddress);
        assert_eq!(summary.rank, None);
    }

    #[test]
    fn snapshots_read_string_numbers_and_find_control_scores() {
        let snapshot: ScoreSnapshot = serde_json::from_value(json!({
            "id": "t_2026-11-24",
            "createdDateTime": "2026-11-24T00:00:00Z",
            "currentScore": 41.5,
            "maxScore": "120",
            "controlScores": [
                {"controlName": "AdminMFAV2", "controlCategory": "Identity", "score": "10", "count": "3", "total": "3"},
                {"controlName": "Other", "score": 1}
            ]
        }))
        .unwrap();
        assert_eq!(snapshot.date(), "2026-11-24");
        assert_eq!(snapshot.score(), 41.5);
        assert_eq!(snapshot.max(), 120.0);
        assert_eq!(snapshot.control_score("adminmfav2"), 10.0);
        assert_eq!(snapshot.control_score("missing"), 0.0);
    }

    #[test]
    fn threats_read_as_display_text() {
        assert_eq!(threat_label("dataExfiltration"), "Data exfiltration");
        assert_eq!(threat_label("Data exfiltration"), "Data exfiltration");
        assert_eq!(threat_label("spoofing"), "Spoofing");
    }
}
