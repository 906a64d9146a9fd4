//! The audit log (admins): who connected, shared, created, removed what and when.

use serde::{Deserialize, Serialize};

/// Most records one page of the log shows.
pub const AUDIT_PAGE: u32 = 200;

/// The log's view, as kept in the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    /// Part of the actor's email.
    pub actor: String,
    /// The start of the action's dotted name (`ticket.`, `servicenow.connected`).
    pub action: String,
}

impl AuditFilter {
    /// The filter a URL's query names.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |name: &str| get(name).map(|v| v.trim().to_owned()).unwrap_or_default();
        Self {
            actor: text("actor"),
            action: text("action"),
        }
    }
}

/// One record of the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// UTC, `yyyy-mm-dd hh:mm:ss`.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    /// Further facts as compact JSON.
    pub details: String,
}

/// Why the log cannot be shown.
pub type AuditError = crate::api::ApiError;
