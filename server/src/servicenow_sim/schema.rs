//! The tables the simulator serves and their fields, as on an uncustomised
//! instance: which fields exist, which are references, and the labels of
//! choice fields (for `sysparm_display_value`).

/// A table of the simulated instance.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    ChangeRequest,
    Incident,
    SysUser,
    OauthEntity,
}

/// Fields every `task` (change request, incident) carries.
const TASK_FIELDS: &[&str] = &[
    "number",
    "short_description",
    "description",
    "priority",
    "impact",
    "urgency",
    "state",
    "active",
    "due_date",
    "opened_at",
    "opened_by",
    "assigned_to",
    "assignment_group",
    "category",
    "correlation_id",
    "correlation_display",
    "work_notes",
    "comments",
    "sys_class_name",
];

const SYSTEM_FIELDS: &[&str] = &[
    "sys_id",
    "sys_created_on",
    "sys_created_by",
    "sys_updated_on",
    "sys_updated_by",
    "sys_mod_count",
];

const CHANGE_FIELDS: &[&str] = &[
    "type",
    "risk",
    "start_date",
    "end_date",
    "justification",
    "requested_by",
];
const INCIDENT_FIELDS: &[&str] = &[
    "caller_id",
    "hold_reason",
    "incident_state",
    "close_code",
    "close_notes",
];
const USER_FIELDS: &[&str] = &[
    "user_name",
    "name",
    "first_name",
    "last_name",
    "email",
    "active",
    "time_zone",
];
const OAUTH_ENTITY_FIELDS: &[&str] = &[
    "name",
    "client_id",
    "redirect_url",
    "access_token_lifespan",
    "refresh_token_lifespan",
    "active",
    "type",
];

impl Table {
    /// Every table, for iteration.
    pub const ALL: [Table; 4] = [
        Table::ChangeRequest,
        Table::Incident,
        Table::SysUser,
        Table::OauthEntity,
    ];

    /// Looks a table up by its ServiceNow name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|table| table.name() == name)
    }

    /// The ServiceNow table name.
    pub fn name(self) -> &'static str {
        match self {
            Table::ChangeRequest => "change_request",
            Table::Incident => "incident",
            Table::SysUser => "sys_user",
            Table::OauthEntity => "oauth_entity",
        }
    }

    /// Whether the Table API may write to it (the OAuth registry is read-only here).
    pub fn writable(self) -> bool {
        self != Table::OauthEntity
    }

    /// Record number prefix and first number, for tables that number records.
    pub fn numbering(self) -> Option<(&'static str, u64)> {
        match self {
            Table::ChangeRequest => Some(("CHG", 30001)),
            Table::Incident => Some(("INC", 10001)),
            Table::SysUser | Table::OauthEntity => None,
        }
    }

    /// The table's own fields followed by the system fields.
    pub fn fields(self) -> impl Iterator<Item = &'static str> {
        let own: &[&[&str]] = match self {
            Table::ChangeRequest => &[TASK_FIELDS, CHANGE_FIELDS],
            Table::Incident => &[TASK_FIELDS, INCIDENT_FIELDS],
            Table::SysUser => &[USER_FIELDS],
            Table::OauthEntity => &[OAUTH_ENTITY_FIELDS],
        };
        own.iter()
            .flat_map(|fields| fields.iter().copied())
            .chain(SYSTEM_FIELDS.iter().copied())
    }

    /// Whether `field` exists on this table.
    pub fn has_field(self, field: &str) -> bool {
        self.fields().any(|known| known == field)
    }

    /// The table a reference field points to, if `field` is a reference.
    pub fn reference_target(self, field: &str) -> Option<&'static str> {
        match field {
            "opened_by" | "assigned_to" | "caller_id" | "requested_by" => Some("sys_user"),
            "assignment_group" => Some("sys_user_group"),
            _ => None,
        }
    }

    /// Whether `field` holds a date and time (stored in UTC, displayed in
    /// the user's time zone).
    pub fn is_date_time(field: &str) -> bool {
        matches!(
            field,
            "sys_created_on"
                | "sys_updated_on"
                | "opened_at"
                | "due_date"
                | "start_date"
                | "end_date"
        )
    }

    /// The label of a choice value, for display values.
    pub fn choice_label(self, field: &str, value: &str) -> Option<&'static str> {
        let choices: &[(&str, &str)] = match (self, field) {
            (Table::ChangeRequest, "state") => &[
                ("-5", "New"),
                ("-4", "Assess"),
                ("-3", "Authorize"),
                ("-2", "Scheduled"),
                ("-1", "Implement"),
                ("0", "Review"),
                ("3", "Closed"),
                ("4", "Canceled"),
            ],
            (Table::Incident, "state" | "incident_state") => &[
                ("1", "New"),
                ("2", "In Progress"),
                ("3", "On Hold"),
                ("6", "Resolved"),
                ("7", "Closed"),
                ("8", "Canceled"),
            ],
            (_, "priority") => &[
                ("1", "1 - Critical"),
                ("2", "2 - High"),
                ("3", "3 - Moderate"),
                ("4", "4 - Low"),
                ("5", "5 - Planning"),
            ],
            (_, "impact" | "urgency") => {
                &[("1", "1 - High"), ("2", "2 - Medium"), ("3", "3 - Low")]
            }
            (Table::ChangeRequest, "type") => &[
                ("normal", "Normal"),
                ("standard", "Standard"),
                ("emergency", "Emergency"),
            ],
            (Table::ChangeRequest, "risk") => &[
                ("1", "Very High"),
                ("2", "High"),
                ("3", "Moderate"),
                ("4", "Low"),
            ],
            _ => &[],
        };
        choices
            .iter()
            .find(|(choice, _)| *choice == value)
            .map(|(_, label)| *label)
    }

    /// The state a new record starts in.
    pub fn initial_state(self) -> Option<&'static str> {
        match self {
            Table::ChangeRequest => Some("-5"),
            Table::Incident => Some("1"),
            Table::SysUser | Table::OauthEntity => None,
        }
    }

    /// States in which a task is no longer active.
    pub fn is_inactive_state(self, state: &str) -> bool {
        match self {
            Table::ChangeRequest => matches!(state, "3" | "4"),
            Table::Incident => matches!(state, "6" | "7" | "8"),
            Table::SysUser | Table::OauthEntity => false,
        }
    }
}

/// Incident priority from impact × urgency (the default priority lookup rules).
pub fn incident_priority(impact: &str, urgency: &str) -> &'static str {
    let level = |value: &str| {
        value
            .parse::<u8>()
            .ok()
            .filter(|v| (1..=3).contains(v))
            .unwrap_or(3)
    };
    match level(impact) + level(urgency) {
        2 => "1",
        3 => "2",
        4 => "3",
        5 => "4",
        _ => "5",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_priority_follows_the_lookup_table() {
        let expected = [["1", "2", "3"], ["2", "3", "4"], ["3", "4", "5"]];
        for (impact, row) in expected.iter().enumerate() {
            for (urgency, priority) in row.iter().enumerate() {
                let (i, u) = ((impact + 1).to_string(), (urgency + 1).to_string());
                assert_eq!(
                    incident_priority(&i, &u),
                    *priority,
                    "impact {i} urgency {u}"
                );
            }
        }
    }

    #[test]
    fn state_labels_match_the_spec() {
        assert_eq!(
            Table::ChangeRequest.choice_label("state", "-2"),
            Some("Scheduled")
        );
        assert_eq!(Table::Incident.choice_label("state", "6"), Some("Resolved"));
        assert_eq!(Table::Incident.choice_label("state", "-2"), None);
    }

    #[test]
    fn tables_resolve_by_name_only_when_known() {
        assert_eq!(
            Table::from_name("change_request"),
            Some(Table::ChangeRequest)
        );
        assert_eq!(Table::from_name("cmdb_ci"), None);
        assert!(Table::Incident.has_field("caller_id"));
        assert!(!Table::ChangeRequest.has_field("caller_id"));
    }
}
