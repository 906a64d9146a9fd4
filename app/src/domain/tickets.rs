//! Tickets in ServiceNow created through ScoreNow as pages see them: the
//! share dialog (draft and validation), the home cards, the tickets list and
//! its filter. The server keeps every ticket it sends, queues what
//! ServiceNow cannot take yet, and syncs states in the background.

mod draft;

pub use draft::{
    DESCRIPTION_MAX, DUE_DAYS_MAX, DraftProblems, FieldProblem, NAME_MAX, Priority, TicketDraft,
    ValidDraft, date_text,
};

use super::{
    recommendation::{Category, Source},
    servicenow::{ConnectionState, ProblemKind, TicketTable},
};
use serde::{Deserialize, Serialize};

named_enum! {
    /// Where a ticket ScoreNow sends stands; named so in storage.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub enum Delivery {
        /// Kept by ScoreNow, to be sent when ServiceNow takes it.
        Queued = "queued",
        /// Created in ServiceNow.
        Created = "created",
        /// ServiceNow refused it for good (permissions, data policy).
        Refused = "refused",
    }
}

/// A ticket as pages show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// ScoreNow's own id.
    pub id: i64,
    pub ticket_type: TicketTable,
    pub delivery: Delivery,
    /// `CHG0030001`, once created.
    pub number: Option<String>,
    /// The record in ServiceNow, once created.
    pub url: Option<String>,
    /// ServiceNow's state value.
    pub state: Option<String>,
    /// The state under the admin's custom name.
    pub state_name: Option<String>,
    /// Not closed or canceled (queued tickets are open).
    pub open: bool,
    pub name: String,
    pub priority: Priority,
    /// `yyyy-mm-dd`, UTC.
    pub due_date: String,
    pub category: Category,
    pub source: Source,
    pub action_id: Option<String>,
    pub created_by: String,
    /// UTC, `yyyy-mm-dd hh:mm:ss`.
    pub created_at: String,
    /// Why the last attempt failed (queued or refused tickets).
    pub problem: Option<ProblemKind>,
    /// ServiceNow's own words about that failure, if it said any.
    pub problem_detail: Option<String>,
    /// Why the "completed in Secure Score" work note was given up, if it was.
    pub note_problem: Option<ProblemKind>,
    /// Secure Score shows the action completed while the ticket is open.
    pub action_completed: bool,
}

/// What sending the dialog did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShareOutcome {
    pub ticket: Ticket,
    /// The ticket existed already (an open ticket of the action and type, or
    /// this very dialog sent before): nothing new was created.
    pub existing: bool,
}

/// Everything the share dialog starts from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShareForm {
    /// The prefilled fields and the dialog's request key.
    pub draft: TicketDraft,
    pub source: Source,
    /// The action's category (`None` on `/tickets/new`, where the user picks).
    pub category: Option<Category>,
    /// The shared action's title.
    pub action_title: Option<String>,
    /// Who is sending: the signed-in user's name.
    pub initiator: String,
    /// Open tickets of the action, one per type at most.
    pub open_tickets: Vec<Ticket>,
    pub connection: ConnectionState,
    /// The user may send (analysts and admins).
    pub can_send: bool,
}

/// Tickets of one state on a home card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCount {
    pub value: String,
    pub name: String,
    pub count: u64,
}

/// A home-page card: one table's tickets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketCard {
    pub ticket_type: TicketTable,
    /// Counts per state from the Aggregate API; `None` when ServiceNow failed.
    pub counts: Option<Vec<StateCount>>,
    /// Why the counts are missing.
    pub problem: Option<ProblemKind>,
    /// Tickets waiting in ScoreNow's queue.
    pub queued: u64,
    /// The five newest tickets.
    pub latest: Vec<Ticket>,
}

/// The home page's ticket cards.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketCards {
    pub connection: ConnectionState,
    pub cards: Vec<TicketCard>,
    /// The user may create tickets.
    pub can_create: bool,
    /// The user may manage the configuration.
    pub can_manage: bool,
}

named_enum! {
    /// How the tickets list is sorted, default first; named so in URLs.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub enum TicketSort {
        #[default]
        Newest = "newest",
        Oldest = "oldest",
        DueDate = "due",
        Priority = "priority",
    }
}

/// Tickets per page of the list.
pub const PAGE_SIZE: u32 = 25;

/// The tickets list's view, as kept in the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketFilter {
    pub ticket_type: Option<TicketTable>,
    /// A ServiceNow state value (`-5`), or `queued`.
    pub state: Option<String>,
    pub priority: Option<Priority>,
    pub category: Option<String>,
    pub source: Option<Source>,
    pub action_id: Option<String>,
    pub sort: TicketSort,
    /// 1-based.
    pub page: u32,
}

impl TicketFilter {
    /// The filter a URL's query names; unknown or empty values mean "any".
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        // State values overlap between tables (`3` is Closed or On Hold), so
        // the filter's states are `table:value`; the state's table wins.
        let (state_table, state) = match text("state") {
            Some(state) => match state.split_once(':') {
                Some((table, value)) => (TicketTable::parse(table), Some(value.to_owned())),
                None => (None, Some(state)),
            },
            None => (None, None),
        };
        Self {
            ticket_type: state_table.or_else(|| text("type").and_then(|v| TicketTable::parse(&v))),
            state,
            priority: text("priority").and_then(|v| Priority::from_value(&v)),
            category: text("category"),
            source: text("source").and_then(|v| Source::parse(&v)),
            action_id: text("action"),
            sort: text("sort")
                .and_then(|v| TicketSort::parse(&v))
                .unwrap_or_default(),
            page: text("page")
                .and_then(|v| v.parse().ok())
                .filter(|page| *page > 0)
                .unwrap_or(1),
        }
    }

    /// The filter a URL query string (`type=incident&page=2`) names.
    pub fn from_query_string(query: &str) -> Self {
        Self::from_query(|name| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into_owned())
        })
    }

    /// The filter as a URL query (without the page), the inverse of [`Self::from_query`].
    pub fn query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        let pairs = [
            ("type", self.ticket_type.map(|t| t.as_str().to_owned())),
            ("state", self.state.clone()),
            ("priority", self.priority.map(|p| p.value().to_string())),
            ("category", self.category.clone()),
            ("source", self.source.map(|s| s.as_str().to_owned())),
            ("action", self.action_id.clone()),
            (
                "sort",
                (self.sort != TicketSort::default()).then(|| self.sort.as_str().to_owned()),
            ),
        ];
        for (name, value) in pairs {
            if let Some(value) = value {
                query.append_pair(name, &value);
            }
        }
        query.finish()
    }
}

/// One page of the tickets list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketPage {
    pub tickets: Vec<Ticket>,
    /// Tickets matching the filter, on every page.
    pub total: u64,
    pub page: u32,
    pub pages: u32,
    /// Every state name per table, for the filter.
    pub states: Vec<(TicketTable, Vec<StateCount>)>,
    /// The user may sync now.
    pub can_refresh: bool,
    /// The user may send refused tickets again (admins).
    pub can_retry: bool,
}

/// Why a ticket request was refused; each has a localised message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TicketRefusal {
    /// ServiceNow is not connected: nothing can be shared.
    NotConnected,
    /// Fields to correct, each with its problem.
    Invalid(DraftProblems),
    /// The dialog's request key is missing or malformed.
    BadRequestKey,
    /// No improvement action has this id.
    UnknownAction,
    /// Only a refused ticket can be sent again (this one is queued or created).
    NotRefused,
    /// The action has another open ticket of this type: that one counts.
    OtherOpenTicket,
    /// ServiceNow failed (the sync could not run).
    ServiceNow(ProblemKind),
}

/// A ticket failure.
pub type TicketError = crate::api::ApiError<TicketRefusal>;

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(query: &str) -> TicketFilter {
        TicketFilter::from_query_string(query)
    }

    #[test]
    fn a_state_names_its_table_and_unknown_values_mean_any() {
        let parsed = filter("type=change_request&state=incident:3&priority=9&source=user&page=0");
        assert_eq!(
            parsed.ticket_type,
            Some(TicketTable::Incident),
            "the state's table wins"
        );
        assert_eq!(parsed.state.as_deref(), Some("3"));
        assert_eq!((parsed.priority, parsed.source), (None, Some(Source::User)));
        assert_eq!(parsed.page, 1);
    }

    #[test]
    fn the_query_round_trips_without_the_page() {
        let parsed = filter("type=incident&state=2&priority=1&category=Data&sort=due&page=3");
        assert_eq!(
            parsed.query(),
            "type=incident&state=2&priority=1&category=Data&sort=due"
        );
        assert_eq!(filter(&parsed.query()), TicketFilter { page: 1, ..parsed });
    }
}
