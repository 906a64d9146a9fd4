//! Microsoft Secure Score as pages see it: improvement actions (list and
//! detail) and the score summary with its trend. The server reads Graph (or
//! the built-in demo catalog) in the background; these calls read its copy.

use super::recommendation::Category;
use serde::{Deserialize, Serialize};

/// Implementation cost or user impact; unknown values are kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Level {
    Low,
    Moderate,
    High,
    Other(String),
}

impl Level {
    /// Graph's value, in any casing.
    pub fn parse(value: &str) -> Self {
        match value.trim().to_ascii_lowercase().as_str() {
            "low" => Level::Low,
            "moderate" | "medium" => Level::Moderate,
            "high" => Level::High,
            _ => Level::Other(value.trim().to_owned()),
        }
    }
}

named_enum! {
    /// Where an action stands, in display order; named so in URLs.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub enum ActionStatus {
        /// Points still to gain.
        ToAddress = "to_address",
        /// All points reached.
        Completed = "completed",
        /// Marked *Ignored* in Secure Score: the risk is accepted.
        RiskAccepted = "risk_accepted",
        /// Marked as resolved through a third party.
        ThirdParty = "third_party",
        /// Marked as reviewed.
        Reviewed = "reviewed",
    }
}

/// One row of the actions table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionSummary {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub service: String,
    pub score: f64,
    pub max_score: f64,
    /// `max_score - score`, never negative.
    pub points_achievable: f64,
    pub status: ActionStatus,
    /// Microsoft's priority (1 first); absent ranks sort last.
    pub rank: Option<u32>,
}

/// A recorded change of an action's state in Secure Score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateUpdate {
    pub state: String,
    pub comment: String,
    pub updated_by: String,
    pub updated_at: String,
}

/// Everything the detail page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionDetail {
    pub summary: ActionSummary,
    pub action_type: String,
    pub action_url: Option<String>,
    /// Remediation as sanitised HTML (safe to insert).
    pub remediation_html: String,
    pub remediation_impact: String,
    pub implementation_cost: Level,
    pub user_impact: Level,
    /// Threats as display text (`Account breach`).
    pub threats: Vec<String>,
    pub tier: Option<String>,
    pub deprecated: bool,
    pub state_updates: Vec<StateUpdate>,
}

/// How the actions table is sorted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionSort {
    /// Microsoft's rank, first first.
    #[default]
    Rank,
    /// Most points achievable first.
    Points,
}

impl ActionSort {
    /// The value used in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionSort::Rank => "rank",
            ActionSort::Points => "points",
        }
    }

    /// The sort spelled `value` in a URL (unknown: by rank).
    pub fn parse(value: &str) -> Self {
        if value == "points" {
            ActionSort::Points
        } else {
            ActionSort::Rank
        }
    }
}

/// The actions table's view, as kept in the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActionFilter {
    pub category: Option<String>,
    pub status: Option<ActionStatus>,
    pub service: Option<String>,
    /// `Some(true)`: only actions with a ticket; `Some(false)`: only without.
    pub has_ticket: Option<bool>,
    /// Words to find in the title, id or service.
    pub search: String,
    pub sort: ActionSort,
}

impl ActionFilter {
    /// The filter a URL's query names; unknown or empty values mean "any".
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Self {
            category: text("category"),
            status: text("status").and_then(|v| ActionStatus::parse(&v)),
            service: text("service"),
            has_ticket: match text("ticket").as_deref() {
                Some("yes") => Some(true),
                Some("no") => Some(false),
                _ => None,
            },
            search: text("q").unwrap_or_default(),
            sort: text("sort").map_or_else(ActionSort::default, |v| ActionSort::parse(&v)),
        }
    }

    /// Whether `action` (with or without a ticket) passes.
    pub fn admits(&self, action: &ActionSummary, has_ticket: bool) -> bool {
        self.category
            .as_deref()
            .is_none_or(|c| action.category.as_str().eq_ignore_ascii_case(c))
            && self.status.is_none_or(|s| action.status == s)
            && self
                .service
                .as_deref()
                .is_none_or(|s| action.service.eq_ignore_ascii_case(s))
            && self.has_ticket.is_none_or(|wanted| wanted == has_ticket)
            && self.finds(action)
    }

    /// Whether every word of the search is in the title, id or service.
    fn finds(&self, action: &ActionSummary) -> bool {
        if self.search.is_empty() {
            return true;
        }
        let haystack = format!("{} {} {}", action.title, action.id, action.service).to_lowercase();
        self.search
            .to_lowercase()
            .split_whitespace()
            .all(|word| haystack.contains(word))
    }

    /// Sorts `actions` as asked; ties keep Microsoft's rank, then the id.
    pub fn sort(&self, actions: &mut [ActionSummary]) {
        let rank = |a: &ActionSummary| a.rank.unwrap_or(u32::MAX);
        actions.sort_by(|a, b| {
            let primary = match self.sort {
                ActionSort::Rank => std::cmp::Ordering::Equal,
                ActionSort::Points => b.points_achievable.total_cmp(&a.points_achievable),
            };
            primary
                .then(rank(a).cmp(&rank(b)))
                .then_with(|| a.id.cmp(&b.id))
        });
    }
}

/// The actions table's content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionList {
    pub actions: Vec<ActionSummary>,
    /// Actions before filtering.
    pub total: usize,
    /// Every service, for the filter.
    pub services: Vec<String>,
    pub freshness: Freshness,
    /// The user may refresh the data now (admins).
    pub can_refresh: bool,
    /// Each listed action's newest ticket (open ones first), by action id.
    pub tickets: std::collections::BTreeMap<String, super::tickets::Ticket>,
}

/// Why the last read of Secure Score failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceProblem {
    /// Credentials or permission refused.
    Refused,
    /// Graph throttled the requests.
    Throttled,
    /// Graph failed (5xx).
    Server,
    /// Graph could not be reached.
    Network,
    /// Graph's answer had an unexpected shape.
    Malformed,
}

/// Where the data comes from and how fresh it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freshness {
    /// The built-in demo catalog, not a tenant.
    pub demo: bool,
    /// When the data was last read (UTC), if ever.
    pub updated_at: Option<String>,
    /// The last refresh failed (the data shown is older): why, and when (UTC).
    pub problem: Option<(SourceProblem, String)>,
}

/// One category's part of the score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryScore {
    pub category: Category,
    pub score: f64,
    pub max_score: f64,
}

/// One day of the trend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub score: f64,
    pub max_score: f64,
}

/// The home page's Secure Score summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreSummary {
    pub score: f64,
    pub max_score: f64,
    pub categories: Vec<CategoryScore>,
    /// Oldest first.
    pub trend: Vec<TrendPoint>,
    pub freshness: Freshness,
}

/// Who set the Microsoft Graph credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GraphConfiguredBy {
    /// Nobody: demo catalog (demo mode) or no data.
    Nobody,
    /// The environment (`SCORENOW_GRAPH_*`); the UI cannot change it.
    Environment,
    /// An admin, on this page.
    Admin,
}

/// The Microsoft Graph connection as the admin sees it; the secret only as "stored".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphConnection {
    pub configured_by: GraphConfiguredBy,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    /// The cloud, as configured by the operator.
    pub graph_url: String,
}

/// Longest tenant or client ID, in characters.
pub const GRAPH_ID_MAX: usize = 100;

/// Whether `tenant` can be a tenant ID or domain (it goes into a URL path).
pub fn valid_tenant_id(tenant: &str) -> bool {
    !tenant.is_empty()
        && tenant.len() <= GRAPH_ID_MAX
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// Why a Secure Score request was refused; each has a localised message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecureScoreRefusal {
    /// No data has been read yet.
    NoData,
    /// Reading the source failed.
    Source(SourceProblem),
    /// Not a tenant ID (a GUID) or domain.
    TenantId,
    /// No client ID, or too long.
    ClientId,
    /// No client secret (and none stored).
    ClientSecret,
    /// The environment sets the connection; the UI cannot change it.
    ManagedByEnvironment,
}

/// A Secure Score failure.
pub type SecureScoreError = crate::api::ApiError<SecureScoreRefusal>;

/// The non-secret fields of the Graph connection form, sent back with a refusal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphInput {
    pub tenant_id: String,
    pub client_id: String,
}

/// A refused Graph connection form, with what was entered.
pub type SaveGraphError = crate::api::FormError<SecureScoreRefusal, GraphInput>;

#[cfg(test)]
mod tests {
    use super::*;

    fn action(id: &str, category: Category, points: f64, rank: Option<u32>) -> ActionSummary {
        ActionSummary {
            id: id.into(),
            title: format!("Title of {id}"),
            category,
            service: "AzureAD".into(),
            score: 0.0,
            max_score: points,
            points_achievable: points,
            status: ActionStatus::ToAddress,
            rank,
        }
    }

    #[test]
    fn categories_and_levels_parse_in_any_casing_and_keep_unknown_values() {
        assert_eq!(Category::parse("IDENTITY"), Category::Identity);
        assert_eq!(Category::parse("Devices"), Category::Device);
        assert_eq!(
            Category::parse("Account"),
            Category::Other("Account".into())
        );
        assert_eq!(Level::parse("moderate"), Level::Moderate);
        assert_eq!(Level::parse("HIGH"), Level::High);
        assert_eq!(Level::parse("Unknown"), Level::Other("Unknown".into()));
    }

    #[test]
    fn the_filter_reads_the_url_and_ignores_what_it_does_not_know() {
        let query = |name: &str| match name {
            "category" => Some("Data".to_owned()),
            "status" => Some("bogus".to_owned()),
            "ticket" => Some("no".to_owned()),
            "q" => Some("  mfa  ".to_owned()),
            "sort" => Some("points".to_owned()),
            _ => None,
        };
        let filter = ActionFilter::from_query(query);
        assert_eq!(filter.category.as_deref(), Some("Data"));
        assert_eq!(filter.status, None);
        assert_eq!(filter.has_ticket, Some(false));
        assert_eq!(filter.search, "mfa");
        assert_eq!(filter.sort, ActionSort::Points);
    }

    #[test]
    fn filters_combine_and_search_matches_every_word() {
        let mfa = action("AdminMFAV2", Category::Identity, 10.0, Some(1));
        let filter = ActionFilter {
            category: Some("identity".into()),
            search: "title adminmfa".into(),
            ..ActionFilter::default()
        };
        assert!(filter.admits(&mfa, false));
        let wrong_category = ActionFilter {
            category: Some("Data".into()),
            ..ActionFilter::default()
        };
        assert!(!wrong_category.admits(&mfa, false));
        let with_ticket = ActionFilter {
            has_ticket: Some(true),
            ..ActionFilter::default()
        };
        assert!(!with_ticket.admits(&mfa, false));
        assert!(with_ticket.admits(&mfa, true));
    }

    #[test]
    fn sorting_by_points_breaks_ties_by_rank() {
        let mut actions = vec![
            action("c", Category::Data, 5.0, Some(3)),
            action("a", Category::Data, 9.0, Some(2)),
            action("b", Category::Data, 5.0, Some(1)),
            action("d", Category::Data, 5.0, None),
        ];
        let by_points = ActionFilter {
            sort: ActionSort::Points,
            ..ActionFilter::default()
        };
        by_points.sort(&mut actions);
        let ids: Vec<&str> = actions.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c", "d"]);
        ActionFilter::default().sort(&mut actions);
        let ids: Vec<&str> = actions.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["b", "a", "c", "d"]);
    }
}
