//! Stored tickets as pages show them (state names, links, badges) and as
//! CSV lines for the export.

use super::record;
use crate::{
    clock::utc_text, servicenow::failure::problem_from_name, storage::tickets::StoredTicket,
};
use app::domain::{
    recommendation::{Category, Source},
    servicenow::{ConnectionState, StateName, TicketTable},
    tickets::{Delivery, Priority, Ticket},
};
use std::collections::{BTreeMap, HashSet};

/// What turning stored tickets into pages' tickets needs, read once per request.
pub struct TicketView {
    pub connection: ConnectionState,
    /// The instance's URL, for links to records.
    pub instance: Option<String>,
    /// Per table: state value → shown name (the admin's, else ServiceNow's).
    pub state_names: BTreeMap<TicketTable, BTreeMap<String, String>>,
    /// Actions Secure Score shows completed.
    pub completed_actions: HashSet<String>,
}

/// A state's shown name in `names`, else the value itself.
fn state_name(names: Option<&BTreeMap<String, String>>, value: &str) -> String {
    names
        .and_then(|names| names.get(value))
        .cloned()
        .unwrap_or_else(|| value.to_owned())
}

impl TicketView {
    /// The shown name of each state value: the admin's where set, else ServiceNow's.
    pub fn shown_names(names: &[StateName]) -> BTreeMap<String, String> {
        names
            .iter()
            .map(|name| (name.value.clone(), name.shown().to_owned()))
            .collect()
    }

    /// `stored` as pages show it.
    pub fn ticket(&self, stored: StoredTicket) -> Ticket {
        let ticket_type =
            TicketTable::parse(&stored.ticket.ticket_table).unwrap_or(TicketTable::Incident);
        let delivery = Delivery::parse(&stored.delivery).unwrap_or(Delivery::Queued);
        let url = match (&self.instance, &stored.sys_id) {
            (Some(instance), Some(sys_id)) => {
                Some(record::record_url(instance, ticket_type, sys_id))
            }
            _ => None,
        };
        let state_name = stored
            .state
            .as_deref()
            .map(|state| state_name(self.state_names.get(&ticket_type), state));
        let problem = stored.last_problem.as_deref().and_then(problem_from_name);
        let note_problem = stored.note_problem.as_deref().and_then(problem_from_name);
        let action_completed = stored.open
            && stored
                .ticket
                .action_id
                .as_ref()
                .is_some_and(|action| self.completed_actions.contains(action));
        Ticket {
            id: stored.id,
            ticket_type,
            delivery,
            number: stored.number,
            url,
            state: stored.state,
            state_name,
            open: stored.open,
            name: stored.ticket.short_description,
            priority: Priority::from_value(&stored.ticket.priority.to_string())
                .unwrap_or(Priority::Moderate),
            due_date: stored.ticket.due_date,
            category: Category::parse(&stored.ticket.category),
            source: Source::parse(&stored.ticket.source).unwrap_or(Source::User),
            action_id: stored.ticket.action_id,
            created_by: stored.ticket.created_by,
            created_at: utc_text(stored.ticket.created_at),
            problem,
            problem_detail: stored.problem_detail.filter(|detail| !detail.is_empty()),
            note_problem,
            action_completed,
        }
    }
}

/// The export's columns.
pub const CSV_HEADER: [&str; 13] = [
    "number",
    "type",
    "state",
    "priority",
    "due_date",
    "category",
    "source",
    "action_id",
    "short_description",
    "created_by",
    "created_at",
    "delivery",
    "url",
];

/// `cell` made inert for spreadsheets, which run cells starting with
/// `=`, `+`, `-` or `@` as formulas (CSV injection).
fn inert(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// One ticket as a CSV record.
pub fn csv_record(ticket: &Ticket) -> [String; 13] {
    [
        ticket.number.clone().unwrap_or_default(),
        ticket.ticket_type.as_str().to_owned(),
        ticket.state_name.clone().unwrap_or_default(),
        format!("{} - {}", ticket.priority.value(), ticket.priority.name()),
        ticket.due_date.clone(),
        ticket.category.as_str().to_owned(),
        ticket.source.as_str().to_owned(),
        ticket.action_id.clone().unwrap_or_default(),
        ticket.name.clone(),
        ticket.created_by.clone(),
        ticket.created_at.clone(),
        ticket.delivery.as_str().to_owned(),
        ticket.url.clone().unwrap_or_default(),
    ]
    .map(inert)
}

/// Writes `records` as CSV text (RFC 4180 quoting), one line each.
pub fn csv_lines<I, R>(records: I) -> String
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in records {
        // Writing to memory cannot fail.
        let _ = writer.write_record(record);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let text = csv_lines([["a,b", "say \"hi\"", "line\nbreak", "=plain"]]);
        assert_eq!(text, "\"a,b\",\"say \"\"hi\"\"\",\"line\nbreak\",=plain\n");
    }

    #[test]
    fn formulas_are_made_inert() {
        assert_eq!(inert("=HYPERLINK(\"x\")".into()), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("@SUM(A1)".into()), "'@SUM(A1)");
        assert_eq!(inert("Require MFA".into()), "Require MFA");
    }

    #[test]
    fn custom_state_names_win_over_servicenows() {
        let state = |value: &str, default_name: &str, custom_name: Option<&str>| StateName {
            value: value.into(),
            default_name: default_name.into(),
            custom_name: custom_name.map(Into::into),
        };
        let names = TicketView::shown_names(&[
            state("-5", "New", Some("Triage")),
            state("3", "Closed", None),
        ]);
        assert_eq!(names["-5"], "Triage");
        assert_eq!(names["3"], "Closed");
    }
}
