//! What ScoreNow writes to ServiceNow for a ticket: the record's fields, the
//! description's footer, and the correlation that finds the ticket again.

use crate::storage::tickets::CreatedRecord;
use app::domain::{
    recommendation::{Category, Source},
    servicenow::TicketTable,
    tickets::Priority,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// How tickets from ScoreNow are recognisable in ServiceNow (`correlation_display`).
pub const CORRELATION_DISPLAY: &str = "Microsoft 365 Security and Configuration Change Request";
/// Longest `correlation_id` ServiceNow keeps.
const CORRELATION_ID_MAX: usize = 100;

/// A dialog's idempotency token: 16–64 letters, digits and dashes (a UUID fits).
pub fn valid_request_key(key: &str) -> bool {
    (16..=64).contains(&key.len()) && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The `correlation_id` of one ticket: tenant, action (`user` for a user
/// recommendation) and the ticket's server-made request key, so that a
/// look-up finds this ticket's record and no other.
pub fn correlation_id(tenant: &str, action_id: Option<&str>, request_key: &str) -> String {
    let id = format!(
        "scorenow:{tenant}:{}:{request_key}",
        action_id.unwrap_or("user")
    );
    if id.len() <= CORRELATION_ID_MAX {
        id
    } else {
        // Keep the tenant prefix the counts and the sync select by.
        let digest: String = Sha256::digest(id.as_bytes())
            .iter()
            .take(20)
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{}h:{digest}", tenant_prefix(tenant))
    }
}

/// The start of every `correlation_id` ScoreNow writes for `tenant`.
fn tenant_prefix(tenant: &str) -> String {
    format!("scorenow:{tenant}:")
}

/// The encoded query selecting the tickets ScoreNow made for `tenant`.
pub fn tenant_query(tenant: &str) -> String {
    format!(
        "correlation_display={CORRELATION_DISPLAY}^correlation_idSTARTSWITH{}",
        tenant_prefix(tenant)
    )
}

/// The encoded query that finds the record of the ticket with
/// `correlation_id` and `request_key`: the exact `correlation_id`, which
/// carries the key; when it does not (a long id, hashed, or a ticket queued
/// before ids carried keys, shared by every ticket of its action), the
/// key in the description's footer too.
pub fn lookup_query(correlation_id: &str, request_key: &str) -> String {
    if correlation_id.ends_with(&format!(":{request_key}")) {
        format!("correlation_id={correlation_id}")
    } else {
        format!("correlation_id={correlation_id}^descriptionLIKEScoreNow request: {request_key}")
    }
}

/// The footer's facts.
pub struct Footer<'a> {
    pub user: &'a str,
    pub source: Source,
    pub category: &'a Category,
    /// The deep link back to the action (or to ScoreNow's tickets).
    pub link: &'a str,
    pub request_key: &'a str,
}

/// Longest `description` ServiceNow keeps by default.
const DESCRIPTION_LIMIT: usize = 4_000;

/// The description as sent: the user's text, then ScoreNow's footer (in
/// English, the one language every ServiceNow team reads alike). The text is
/// cut so that the whole stays within ServiceNow's limit: the footer's
/// request key is what finds the ticket again after a lost answer.
pub fn description(text: &str, footer: &Footer<'_>) -> String {
    let source = match footer.source {
        Source::Microsoft => "Microsoft recommendation",
        Source::User => "User recommendation",
    };
    let footer = format!(
        "\n\n--\nScoreNow request: {key}\nShared from ScoreNow by {user}\n\
         Recommendation source: {source}\nRecommendation category: {category}\nLink: {link}",
        key = footer.request_key,
        user = footer.user,
        category = footer.category.as_str(),
        link = footer.link,
    );
    let room = DESCRIPTION_LIMIT.saturating_sub(footer.chars().count());
    let text: String = text.chars().take(room).collect();
    format!("{text}{footer}")
}

/// ServiceNow's `due_date` for the day `date` (`yyyy-mm-dd`): its end, UTC.
pub fn due_date(date: &str) -> String {
    format!("{date} 23:59:59")
}

/// Ticket defaults an admin set (empty: none).
pub struct Defaults<'a> {
    pub assignment_group: &'a str,
    pub category: &'a str,
}

/// The record to create.
pub fn new_record(
    table: TicketTable,
    short_description: &str,
    description: &str,
    priority: Priority,
    due_date: &str,
    correlation_id: &str,
    defaults: &Defaults<'_>,
) -> Value {
    let (impact, urgency) = priority.impact_urgency();
    let mut record = Map::new();
    record.insert("short_description".into(), json!(short_description));
    record.insert("description".into(), json!(description));
    record.insert("impact".into(), json!(impact.to_string()));
    record.insert("urgency".into(), json!(urgency.to_string()));
    record.insert("due_date".into(), json!(due_date));
    record.insert("correlation_id".into(), json!(correlation_id));
    record.insert("correlation_display".into(), json!(CORRELATION_DISPLAY));
    if table == TicketTable::ChangeRequest {
        // Incidents compute priority from impact and urgency; changes take it as sent.
        record.insert("priority".into(), json!(priority.value().to_string()));
        record.insert("type".into(), json!("normal"));
    }
    for (field, value) in [
        ("assignment_group", defaults.assignment_group),
        ("category", defaults.category),
    ] {
        if !value.is_empty() {
            record.insert(field.into(), json!(value));
        }
    }
    Value::Object(record)
}

/// The fields ScoreNow reads back from a ticket's record.
pub const RECORD_FIELDS: &[&str] = &["sys_id", "number", "state", "active", "sys_updated_on"];

/// A record as the Table API returns [`RECORD_FIELDS`].
#[derive(Debug, Deserialize)]
pub struct RecordFields {
    pub sys_id: String,
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub active: String,
    #[serde(default)]
    pub sys_updated_on: String,
}

impl From<RecordFields> for CreatedRecord {
    fn from(fields: RecordFields) -> Self {
        CreatedRecord {
            open: fields.active != "false",
            sys_id: fields.sys_id,
            number: fields.number,
            state: fields.state,
            sys_updated_on: fields.sys_updated_on,
        }
    }
}

/// The link to a record in ServiceNow's UI.
pub fn record_url(instance: &str, table: TicketTable, sys_id: &str) -> String {
    let target = format!("{}.do?sys_id={sys_id}", table.as_str());
    let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
    format!("{}/nav_to.do?uri={encoded}", instance.trim_end_matches('/'))
}

/// Remediation HTML (already sanitised) as plain text for a ticket.
pub fn plain_text(html: &str) -> String {
    html2text::config::plain_no_decorate()
        .string_from_read(html.as_bytes(), 4_000)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlation_ids_name_one_ticket_and_fit_servicenow() {
        assert_eq!(
            correlation_id("demo", Some("AdminMFAV2"), "k1"),
            "scorenow:demo:AdminMFAV2:k1"
        );
        assert_ne!(
            correlation_id("demo", Some("AdminMFAV2"), "k2"),
            correlation_id("demo", Some("AdminMFAV2"), "k1"),
            "two tickets of one action, two ids"
        );
        assert!(correlation_id("t", None, "key-1").ends_with(":user:key-1"));
        let tenant = "0b6f0c1e-8d4b-4a7e-9a53-2f1d8c3b9e10";
        let long = correlation_id(tenant, Some(&"a".repeat(80)), "k");
        assert!(long.len() <= CORRELATION_ID_MAX, "{long}");
        assert!(long.starts_with(&tenant_prefix(tenant)), "{long}");
    }

    #[test]
    fn a_look_up_is_exact_and_names_the_key_where_the_id_does_not() {
        let key = "0b6f0c1e8d4b4a7e9a532f1d8c3b9e10";
        let id = correlation_id("demo", Some("AdminMFAV2"), key);
        assert_eq!(lookup_query(&id, key), format!("correlation_id={id}"));
        assert_eq!(
            lookup_query("scorenow:demo:AdminMFAV2", key),
            format!(
                "correlation_id=scorenow:demo:AdminMFAV2^descriptionLIKEScoreNow request: {key}"
            )
        );
    }

    #[test]
    fn request_keys_are_checked() {
        assert!(valid_request_key("0b6f0c1e-8d4b-4a7e-9a53-2f1d8c3b9e10"));
        assert!(!valid_request_key("short"));
        assert!(!valid_request_key("has^caret-and-more-chars"));
        assert!(!valid_request_key(&"k".repeat(65)));
    }

    #[test]
    fn a_change_request_carries_priority_and_type_an_incident_does_not() {
        let defaults = Defaults {
            assignment_group: "Security",
            category: "",
        };
        let change = new_record(
            TicketTable::ChangeRequest,
            "name",
            "text",
            Priority::High,
            "2026-12-24 23:59:59",
            "scorenow:demo:A",
            &defaults,
        );
        assert_eq!(change["priority"], "2");
        assert_eq!(change["impact"], "1");
        assert_eq!(change["urgency"], "2");
        assert_eq!(change["type"], "normal");
        assert_eq!(change["correlation_display"], CORRELATION_DISPLAY);
        assert_eq!(change["assignment_group"], "Security");
        assert!(
            change.get("category").is_none(),
            "empty defaults are left out"
        );
        let incident = new_record(
            TicketTable::Incident,
            "name",
            "text",
            Priority::Planning,
            "2026-12-24 23:59:59",
            "scorenow:demo:A",
            &defaults,
        );
        assert!(incident.get("priority").is_none());
        assert!(incident.get("type").is_none());
        assert_eq!(
            (&incident["impact"], &incident["urgency"]),
            (&json!("3"), &json!("3"))
        );
    }

    #[test]
    fn the_footer_carries_user_source_category_link_and_key() {
        let text = description(
            "Turn on MFA.",
            &Footer {
                user: "Ana Analyst <analyst@scorenow.demo>",
                source: Source::Microsoft,
                category: &Category::Identity,
                link: "https://scorenow.example/securescore/actions/AdminMFAV2",
                request_key: "0b6f0c1e-8d4b-4a7e",
            },
        );
        assert!(text.starts_with("Turn on MFA.\n\n--\nScoreNow request: "));
        for part in [
            "Ana Analyst <analyst@scorenow.demo>",
            "Recommendation source: Microsoft recommendation",
            "Recommendation category: Identity",
            "Link: https://scorenow.example/securescore/actions/AdminMFAV2",
            "ScoreNow request: 0b6f0c1e-8d4b-4a7e",
        ] {
            assert!(text.contains(part), "{part}");
        }
    }

    #[test]
    fn a_long_text_is_cut_so_that_the_footer_fits() {
        let user = format!("{} <{}@example.com>", "N".repeat(100), "e".repeat(235));
        let text = description(
            &"x".repeat(3_500),
            &Footer {
                user: &user,
                source: Source::User,
                category: &Category::Data,
                link: "https://scorenow.example/tickets",
                request_key: "0b6f0c1e-8d4b-4a7e",
            },
        );
        assert_eq!(text.chars().count(), DESCRIPTION_LIMIT);
        assert!(text.contains("ScoreNow request: 0b6f0c1e-8d4b-4a7e"));
        assert!(text.ends_with("Link: https://scorenow.example/tickets"));
    }

    #[test]
    fn record_links_open_the_record_in_servicenow() {
        assert_eq!(
            record_url(
                "https://acme.service-now.com/",
                TicketTable::Incident,
                "abc123"
            ),
            "https://acme.service-now.com/nav_to.do?uri=incident.do%3Fsys_id%3Dabc123"
        );
    }

    #[test]
    fn remediation_html_becomes_plain_text() {
        let text = plain_text(
            "<p>Turn on <b>MFA</b> &amp; check:</p><ul><li>admins</li><li>users</li></ul>",
        );
        assert!(!text.contains('<'), "{text}");
        assert!(text.contains("Turn on MFA & check"), "{text}");
        assert!(text.contains("admins") && text.contains("users"), "{text}");
    }
}
