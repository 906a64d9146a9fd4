//! The simulated instance's data: table records and OAuth grants, behind one
//! lock so that concurrent requests see a consistent instance.

use super::schema::{Table, incident_priority};
use indexmap::IndexMap;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use time::{OffsetDateTime, format_description::FormatItem, macros::format_description};

/// One record: every value is a string, references hold the target's `sys_id`.
pub type Record = BTreeMap<String, String>;

/// ServiceNow's date-time format, always UTC here.
const DATE_TIME: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

/// Now, formatted as ServiceNow stores dates.
pub fn now_string() -> String {
    OffsetDateTime::now_utc()
        .format(DATE_TIME)
        .unwrap_or_default()
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// A new 32-hex-digit identifier, the shape of a `sys_id`.
pub fn new_sys_id() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new opaque token (authorisation codes, access and refresh tokens).
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
}

/// A pending authorisation code.
#[derive(Clone, Debug)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub user_sys_id: String,
    pub code_challenge: Option<String>,
    pub expires_at: i64,
}

/// An issued access or refresh token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Grant {
    pub client_id: String,
    pub user_sys_id: String,
    pub expires_at: i64,
    /// For access tokens: the refresh token they came from.
    pub refresh_token: Option<String>,
}

/// Everything the instance knows.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Instance {
    tables: BTreeMap<Table, IndexMap<String, Record>>,
    next_number: BTreeMap<Table, u64>,
    pub access_tokens: HashMap<String, Grant>,
    pub refresh_tokens: HashMap<String, Grant>,
    #[serde(skip)]
    pub auth_codes: HashMap<String, AuthCode>,
    /// Browser sessions of the sign-in page: session id → user `sys_id`.
    #[serde(skip)]
    pub sessions: HashMap<String, String>,
    /// Passwords of users who may sign in: user `sys_id` → password.
    pub passwords: HashMap<String, String>,
    /// Client secrets of OAuth entities: client id → secret.
    pub client_secrets: HashMap<String, String>,
}

/// Why a write was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum WriteError {
    /// No record with that `sys_id`.
    NotFound,
}

impl Instance {
    /// The records of `table`, in insertion order.
    pub fn records(&self, table: Table) -> impl Iterator<Item = &Record> {
        self.tables
            .get(&table)
            .into_iter()
            .flat_map(|records| records.values())
    }

    /// One record by `sys_id`.
    pub fn get(&self, table: Table, sys_id: &str) -> Option<&Record> {
        self.tables.get(&table)?.get(sys_id)
    }

    /// Finds the first record of `table` whose `field` equals `value`.
    pub fn find(&self, table: Table, field: &str, value: &str) -> Option<&Record> {
        self.records(table)
            .find(|record| record.get(field).is_some_and(|v| v == value))
    }

    /// Creates a record from client-supplied fields, filling in what the
    /// instance maintains itself (number, state, priority, `sys_*`).
    pub fn insert(
        &mut self,
        table: Table,
        input: Record,
        user_name: &str,
        user_sys_id: &str,
    ) -> Record {
        let now = now_string();
        let mut record: Record = input
            .into_iter()
            .filter(|(field, _)| table.has_field(field))
            .collect();
        let sys_id = new_sys_id();
        if let Some((prefix, first)) = table.numbering() {
            let next = self.next_number.entry(table).or_insert(first);
            record.insert("number".into(), format!("{prefix}{next:07}"));
            *next += 1;
            record.insert("opened_at".into(), now.clone());
            record
                .entry("opened_by".into())
                .or_insert_with(|| user_sys_id.to_owned());
            record.insert("sys_class_name".into(), table.name().into());
        }
        if let Some(state) = table.initial_state() {
            record
                .entry("state".into())
                .or_insert_with(|| state.to_owned());
            record.entry("impact".into()).or_insert_with(|| "3".into());
            record.entry("urgency".into()).or_insert_with(|| "3".into());
        }
        if table == Table::ChangeRequest {
            record
                .entry("type".into())
                .or_insert_with(|| "normal".into());
            record
                .entry("priority".into())
                .or_insert_with(|| "4".into());
        }
        record.insert("sys_id".into(), sys_id.clone());
        record.insert("sys_created_on".into(), now.clone());
        record.insert("sys_created_by".into(), user_name.to_owned());
        record.insert("sys_mod_count".into(), "0".into());
        Self::maintain(table, &mut record, user_name, &now);
        self.tables
            .entry(table)
            .or_default()
            .insert(sys_id, record.clone());
        record
    }

    /// Applies client-supplied fields to an existing record.
    pub fn update(
        &mut self,
        table: Table,
        sys_id: &str,
        input: Record,
        user_name: &str,
    ) -> Result<Record, WriteError> {
        let record = self
            .tables
            .get_mut(&table)
            .and_then(|records| records.get_mut(sys_id))
            .ok_or(WriteError::NotFound)?;
        for (field, value) in input {
            let protected = field.starts_with("sys_") || field == "number";
            if table.has_field(&field) && !protected {
                if field == "work_notes" || field == "comments" {
                    append_journal(record, &field, &value, user_name);
                } else {
                    record.insert(field, value);
                }
            }
        }
        let count = record
            .get("sys_mod_count")
            .and_then(|c| c.parse::<u64>().ok())
            .unwrap_or(0);
        record.insert("sys_mod_count".into(), (count + 1).to_string());
        Self::maintain(table, record, user_name, &now_string());
        Ok(record.clone())
    }

    /// Gives the record `sys_id` the update time `stamp` (and the creation
    /// time, when it was created then): what a transaction that committed
    /// long after it started leaves behind.
    pub fn backdate(&mut self, table: Table, sys_id: &str, stamp: &str) {
        let Some(record) = self
            .tables
            .get_mut(&table)
            .and_then(|records| records.get_mut(sys_id))
        else {
            return;
        };
        if record
            .get("sys_mod_count")
            .is_some_and(|count| count == "0")
        {
            for field in ["sys_created_on", "opened_at"] {
                if record.contains_key(field) {
                    record.insert(field.into(), stamp.to_owned());
                }
            }
        }
        record.insert("sys_updated_on".into(), stamp.to_owned());
    }

    /// Deletes a record.
    pub fn delete(&mut self, table: Table, sys_id: &str) -> Result<(), WriteError> {
        self.tables
            .get_mut(&table)
            .and_then(|records| records.shift_remove(sys_id))
            .map(drop)
            .ok_or(WriteError::NotFound)
    }

    /// Inserts a record exactly as given (seed data, other tables' fixtures).
    pub fn insert_raw(&mut self, table: Table, record: Record) {
        if let Some(sys_id) = record.get("sys_id").cloned() {
            self.tables.entry(table).or_default().insert(sys_id, record);
        }
    }

    /// Derived fields every write keeps right.
    fn maintain(table: Table, record: &mut Record, user_name: &str, now: &str) {
        if table == Table::Incident {
            let priority = incident_priority(
                record.get("impact").map_or("3", String::as_str),
                record.get("urgency").map_or("3", String::as_str),
            );
            record.insert("priority".into(), priority.into());
            if let Some(state) = record.get("state").cloned() {
                record.insert("incident_state".into(), state);
            }
        }
        if let Some(state) = record.get("state").cloned() {
            let active = !table.is_inactive_state(&state);
            record.insert("active".into(), active.to_string());
        }
        record.insert("sys_updated_on".into(), now.to_owned());
        record.insert("sys_updated_by".into(), user_name.to_owned());
    }

    /// Revokes every token (a fault to inject, or an instance reset).
    pub fn revoke_all_tokens(&mut self) {
        self.access_tokens.clear();
        self.refresh_tokens.clear();
    }

    /// Makes every pending authorisation code expired.
    pub fn expire_auth_codes(&mut self) {
        for code in self.auth_codes.values_mut() {
            code.expires_at = 0;
        }
    }

    /// Makes every access token expired, keeping refresh tokens valid.
    pub fn expire_access_tokens(&mut self) {
        for grant in self.access_tokens.values_mut() {
            grant.expires_at = 0;
        }
    }
}

/// Journal fields keep every entry, newest first, as a list view shows them.
fn append_journal(record: &mut Record, field: &str, entry: &str, user_name: &str) {
    let previous = record.remove(field).unwrap_or_default();
    let header = format!("{} - {user_name} ({field})", now_string());
    let journal = if previous.is_empty() {
        format!("{header}\n{entry}")
    } else {
        format!("{header}\n{entry}\n\n{previous}")
    };
    record.insert(field.to_owned(), journal);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Record {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn insert_numbers_records_and_maintains_system_fields() {
        let mut instance = Instance::default();
        let first = instance.insert(
            Table::ChangeRequest,
            fields(&[("short_description", "A")]),
            "int",
            "u1",
        );
        let second = instance.insert(Table::ChangeRequest, fields(&[("bogus", "x")]), "int", "u1");
        assert_eq!(first["number"], "CHG0030001");
        assert_eq!(second["number"], "CHG0030002");
        assert_eq!(first["state"], "-5");
        assert_eq!(first["sys_mod_count"], "0");
        assert_eq!(first["opened_by"], "u1");
        assert_eq!(first["sys_id"].len(), 32);
        assert!(!second.contains_key("bogus"), "unknown fields are dropped");
        let incident = instance.insert(
            Table::Incident,
            fields(&[("impact", "1"), ("urgency", "2")]),
            "int",
            "u1",
        );
        assert_eq!(incident["number"], "INC0010001");
        assert_eq!(incident["priority"], "2");
        assert_eq!(incident["incident_state"], "1");
    }

    #[test]
    fn update_recomputes_derived_fields_and_counts_modifications() {
        let mut instance = Instance::default();
        let incident = instance.insert(Table::Incident, Record::new(), "int", "u1");
        let sys_id = incident["sys_id"].clone();
        let updated = instance
            .update(
                Table::Incident,
                &sys_id,
                fields(&[
                    ("state", "7"),
                    ("impact", "1"),
                    ("urgency", "1"),
                    ("number", "X"),
                ]),
                "int",
            )
            .expect("update");
        assert_eq!(updated["priority"], "1");
        assert_eq!(updated["incident_state"], "7");
        assert_eq!(updated["active"], "false");
        assert_eq!(updated["sys_mod_count"], "1");
        assert_eq!(updated["number"], "INC0010001", "number is read-only");
        assert_eq!(
            instance.update(Table::Incident, "nope", Record::new(), "int"),
            Err(WriteError::NotFound)
        );
    }

    #[test]
    fn work_notes_accumulate_newest_first() {
        let mut instance = Instance::default();
        let change = instance.insert(Table::ChangeRequest, Record::new(), "int", "u1");
        let sys_id = change["sys_id"].clone();
        instance
            .update(
                Table::ChangeRequest,
                &sys_id,
                fields(&[("work_notes", "first")]),
                "int",
            )
            .unwrap();
        let record = instance
            .update(
                Table::ChangeRequest,
                &sys_id,
                fields(&[("work_notes", "second")]),
                "int",
            )
            .unwrap();
        let notes = &record["work_notes"];
        assert!(
            notes.find("second").unwrap() < notes.find("first").unwrap(),
            "{notes}"
        );
    }
}
