//! The share dialog's draft and its validation. The same rules run in the
//! browser (before anything is sent) and on the server (which trusts nothing).

use crate::domain::{recommendation::Category, servicenow::TicketTable};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, format_description::BorrowedFormatItem, macros::format_description};

/// Longest task name: ServiceNow's `short_description` holds 160 characters.
pub const NAME_MAX: usize = 160;
/// Longest description the user writes; ScoreNow's footer comes on top, and
/// both stay within `description`'s 4,000 characters.
pub const DESCRIPTION_MAX: usize = 3_500;
/// Furthest due date, in days from today.
pub const DUE_DAYS_MAX: i64 = 5 * 366;

/// `2026-11-24`, the date input's format.
const DATE_FORMAT: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// A ticket's priority, as the dialog offers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Priority {
    Critical,
    High,
    Moderate,
    Low,
    Planning,
}

impl Priority {
    /// Every priority, most urgent first.
    pub const ALL: [Priority; 5] = [
        Priority::Critical,
        Priority::High,
        Priority::Moderate,
        Priority::Low,
        Priority::Planning,
    ];

    /// ServiceNow's value (`1` Critical … `5` Planning).
    pub fn value(self) -> u8 {
        match self {
            Priority::Critical => 1,
            Priority::High => 2,
            Priority::Moderate => 3,
            Priority::Low => 4,
            Priority::Planning => 5,
        }
    }

    /// ServiceNow's English name of the priority.
    pub fn name(self) -> &'static str {
        match self {
            Priority::Critical => "Critical",
            Priority::High => "High",
            Priority::Moderate => "Moderate",
            Priority::Low => "Low",
            Priority::Planning => "Planning",
        }
    }

    /// The priority of ServiceNow's value.
    pub fn from_value(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|priority| priority.value().to_string() == value.trim())
    }

    /// The impact and urgency whose product is this priority in ServiceNow's
    /// default lookup (incidents compute their priority from them).
    pub fn impact_urgency(self) -> (u8, u8) {
        match self {
            Priority::Critical => (1, 1),
            Priority::High => (1, 2),
            Priority::Moderate => (2, 2),
            Priority::Low => (2, 3),
            Priority::Planning => (3, 3),
        }
    }
}

/// What the dialog sends, as typed: every field is checked by [`TicketDraft::validate`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketDraft {
    /// `change_request` or `incident`.
    pub ticket_type: String,
    pub name: String,
    pub description: String,
    /// ServiceNow's value, `1`–`5`.
    pub priority: String,
    /// `yyyy-mm-dd`.
    pub due_date: String,
    /// The improvement action shared; `None` for a user recommendation.
    pub action_id: Option<String>,
    /// A user recommendation's category (an action brings its own).
    pub category: String,
    /// One per opened dialog: sending it twice creates one ticket.
    pub request_key: String,
}

/// Why a field's value cannot be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldProblem {
    Required,
    TooLong {
        max: usize,
    },
    /// Control characters (a line break is fine in a description only).
    ControlCharacters,
    /// HTML tags in a name (a title never needs one).
    Markup,
    /// Not one of the offered values.
    Unknown,
    /// Not a date.
    InvalidDate,
    /// Before today.
    PastDate,
    /// More than five years ahead.
    TooFarAhead,
}

/// Every field's problem; all `None` when the draft is good.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftProblems {
    pub ticket_type: Option<FieldProblem>,
    pub name: Option<FieldProblem>,
    pub description: Option<FieldProblem>,
    pub priority: Option<FieldProblem>,
    pub due_date: Option<FieldProblem>,
    pub category: Option<FieldProblem>,
}

impl DraftProblems {
    /// Whether no field has a problem.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A draft that passed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidDraft {
    pub ticket_type: TicketTable,
    pub name: String,
    pub description: String,
    pub priority: Priority,
    pub due_date: Date,
    /// `None` for a Microsoft action, whose category the server looks up.
    pub category: Option<Category>,
    pub action_id: Option<String>,
}

impl TicketDraft {
    /// The draft checked against every rule, `today` being the UTC date.
    pub fn validate(&self, today: Date) -> Result<ValidDraft, DraftProblems> {
        let ticket_type = TicketTable::parse(self.ticket_type.trim());
        let priority = Priority::from_value(&self.priority);
        let due_date = Date::parse(self.due_date.trim(), DATE_FORMAT).ok();
        let category = Category::KNOWN
            .into_iter()
            .find(|known| known.as_str() == self.category.trim());
        let problems = DraftProblems {
            ticket_type: ticket_type.is_none().then_some(FieldProblem::Unknown),
            name: text_problem(&self.name, NAME_MAX, false)
                .or_else(|| has_tag(&self.name).then_some(FieldProblem::Markup)),
            // Plain text, shown escaped everywhere: remediation steps may
            // rightly say `Set-User -Identity <UPN>`.
            description: text_problem(&self.description, DESCRIPTION_MAX, true),
            priority: match (self.priority.trim().is_empty(), priority) {
                (true, _) => Some(FieldProblem::Required),
                (false, None) => Some(FieldProblem::Unknown),
                (false, Some(_)) => None,
            },
            due_date: due_date_problem(self.due_date.trim(), due_date, today),
            category: match (&self.action_id, &category, self.category.trim().is_empty()) {
                (Some(_), _, _) | (None, Some(_), _) => None,
                (None, None, true) => Some(FieldProblem::Required),
                (None, None, false) => Some(FieldProblem::Unknown),
            },
        };
        match (ticket_type, priority, due_date) {
            (Some(ticket_type), Some(priority), Some(due_date)) if problems.is_empty() => {
                Ok(ValidDraft {
                    ticket_type,
                    name: self.name.trim().to_owned(),
                    description: self.description.trim().to_owned(),
                    priority,
                    due_date,
                    category: self.action_id.is_none().then_some(category).flatten(),
                    action_id: self.action_id.clone(),
                })
            }
            _ => Err(problems),
        }
    }
}

/// A date as the date input writes it.
pub fn date_text(date: Date) -> String {
    date.format(DATE_FORMAT).unwrap_or_default()
}

/// The problem of a required text field, if any.
fn text_problem(value: &str, max: usize, multiline: bool) -> Option<FieldProblem> {
    let value = value.trim();
    let allowed_control = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if value.is_empty() {
        Some(FieldProblem::Required)
    } else if value.chars().count() > max {
        Some(FieldProblem::TooLong { max })
    } else if value.chars().any(|c| c.is_control() && !allowed_control(c)) {
        Some(FieldProblem::ControlCharacters)
    } else {
        None
    }
}

/// Whether `text` holds something a browser would read as an HTML tag
/// (`<script`, `</p`, `<!--`), as opposed to a plain `a < b`.
fn has_tag(text: &str) -> bool {
    text.match_indices('<').any(|(at, _)| {
        text[at + 1..]
            .chars()
            .next()
            .is_some_and(|next| next.is_ascii_alphabetic() || matches!(next, '/' | '!' | '?'))
    })
}

/// The due date's problem: the ticket is due at the end of the day in UTC,
/// so the earliest due date is today in UTC.
fn due_date_problem(text: &str, date: Option<Date>, today: Date) -> Option<FieldProblem> {
    match date {
        _ if text.is_empty() => Some(FieldProblem::Required),
        None => Some(FieldProblem::InvalidDate),
        Some(date) if date < today => Some(FieldProblem::PastDate),
        Some(date) if date > today + Duration::days(DUE_DAYS_MAX) => {
            Some(FieldProblem::TooFarAhead)
        }
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 24);

    fn good() -> TicketDraft {
        TicketDraft {
            ticket_type: "change_request".into(),
            name: "Require MFA for administrative roles".into(),
            description: "Turn on MFA.\nThen check the sign-in logs.".into(),
            priority: "2".into(),
            due_date: "2026-12-24".into(),
            action_id: Some("AdminMFAV2".into()),
            category: String::new(),
            request_key: "key".into(),
        }
    }

    #[test]
    fn a_good_draft_passes_trimmed() {
        let mut draft = good();
        draft.name = format!("  {}  ", draft.name);
        let valid = draft.validate(TODAY).expect("valid");
        assert_eq!(valid.name, "Require MFA for administrative roles");
        assert_eq!(valid.priority, Priority::High);
        assert_eq!(valid.ticket_type, TicketTable::ChangeRequest);
        assert_eq!(valid.due_date, date!(2026 - 12 - 24));
        assert_eq!(valid.category, None);
    }

    #[test]
    fn every_field_reports_its_own_problem() {
        let draft = TicketDraft {
            ticket_type: "problem".into(),
            name: " ".into(),
            description: "x".repeat(10_000),
            priority: "9".into(),
            due_date: "2026-11-01".into(),
            action_id: None,
            category: "Weather".into(),
            request_key: String::new(),
        };
        let problems = draft.validate(TODAY).expect_err("invalid");
        assert_eq!(
            problems,
            DraftProblems {
                ticket_type: Some(FieldProblem::Unknown),
                name: Some(FieldProblem::Required),
                description: Some(FieldProblem::TooLong {
                    max: DESCRIPTION_MAX
                }),
                priority: Some(FieldProblem::Unknown),
                due_date: Some(FieldProblem::PastDate),
                category: Some(FieldProblem::Unknown),
            }
        );
    }

    #[test]
    fn hostile_text_is_refused() {
        let with = |name: &str, description: &str| {
            let mut draft = good();
            draft.name = name.into();
            draft.description = description.into();
            draft.validate(TODAY).expect_err("refused")
        };
        let problems = with("<script>alert(1)</script>", "ok");
        assert_eq!(problems.name, Some(FieldProblem::Markup));
        let problems = with("tab\tin a name", "bell \u{7} here");
        assert_eq!(problems.name, Some(FieldProblem::ControlCharacters));
        assert_eq!(problems.description, Some(FieldProblem::ControlCharacters));
        let problems = with(&"n".repeat(NAME_MAX + 1), "ok");
        assert_eq!(problems.name, Some(FieldProblem::TooLong { max: NAME_MAX }));
    }

    #[test]
    fn a_description_is_plain_text_and_may_hold_angle_brackets() {
        let mut draft = good();
        draft.description = "Run Set-User -Identity <UPN> for each admin.".into();
        assert!(draft.validate(TODAY).is_ok());
    }

    #[test]
    fn plain_comparisons_and_line_breaks_are_not_markup() {
        let mut draft = good();
        draft.name = "Keep sessions < 8 hours".into();
        draft.description = "Line one\r\nLine 2 < 3 > 1".into();
        assert!(draft.validate(TODAY).is_ok());
    }

    #[test]
    fn due_dates_are_checked_against_today() {
        let at = |due: &str| {
            let mut draft = good();
            draft.due_date = due.into();
            draft.validate(TODAY).err().and_then(|p| p.due_date)
        };
        assert_eq!(at(""), Some(FieldProblem::Required));
        assert_eq!(at("24/12/2026"), Some(FieldProblem::InvalidDate));
        assert_eq!(at("2026-02-30"), Some(FieldProblem::InvalidDate));
        assert_eq!(at("2026-11-23"), Some(FieldProblem::PastDate));
        assert_eq!(at("2026-11-24"), None, "today");
        assert_eq!(at("2040-01-01"), Some(FieldProblem::TooFarAhead));
    }

    #[test]
    fn a_user_recommendation_needs_a_known_category() {
        let mut draft = good();
        draft.action_id = None;
        assert_eq!(
            draft.validate(TODAY).unwrap_err().category,
            Some(FieldProblem::Required)
        );
        draft.category = "Device".into();
        assert_eq!(
            draft.validate(TODAY).unwrap().category,
            Some(Category::Device)
        );
    }

    #[test]
    fn priorities_map_to_impact_and_urgency_as_servicenow_computes_them() {
        // ServiceNow's default lookup: priority = impact + urgency - 1.
        for priority in Priority::ALL {
            let (impact, urgency) = priority.impact_urgency();
            assert_eq!(impact + urgency - 1, priority.value(), "{priority:?}");
        }
    }
}
