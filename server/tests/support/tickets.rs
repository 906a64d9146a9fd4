//! What the ticket tests share: the share dialog's drafts and server
//! functions, the tickets list read back, and the ServiceNow simulator as
//! the tests look into it (faults, records).

use super::{
    NO_ARGUMENTS, TestServer, call, client, connect_servicenow, eventually, set_sim_faults,
    signed_in_cookie,
};
use app::domain::tickets::date_text;
use serde_json::{Value, json};
use server::servicenow_sim::{DEMO_INTEGRATION_PASSWORD, DEMO_INTEGRATION_USER};
use std::time::Duration;

/// How ScoreNow's tickets are recognisable in ServiceNow (`correlation_display`).
pub const CORRELATION_DISPLAY: &str = "Microsoft 365 Security and Configuration Change Request";
/// The tables ScoreNow creates tickets in.
pub const TABLES: [&str; 2] = ["change_request", "incident"];
/// The tenant of the built-in demo catalog, part of every `correlation_id`.
pub const DEMO_TENANT: &str = "demo";
/// What marks ScoreNow's completion note in a record's work notes.
pub const NOTE_MARKER: &str = "[ScoreNow: completed in Secure Score]";

/// Connects `server` to its embedded simulator as the demo admin; returns
/// the demo analyst's cookie (analysts share tickets).
pub async fn connected_analyst(server: &TestServer) -> String {
    let admin = signed_in_cookie(server, "admin@scorenow.demo").await;
    connect_servicenow(server, &admin, &Instance::embedded(server).url).await;
    signed_in_cookie(server, "analyst@scorenow.demo").await
}

/// A fresh request key, as the share dialog gets one per opening.
pub fn request_key() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// The share dialog's fields, as `share_ticket` takes them (`draft[…]`).
#[derive(Clone, Debug)]
pub struct Draft {
    pub ticket_type: String,
    pub name: String,
    pub description: String,
    pub priority: String,
    pub due_date: String,
    pub action_id: Option<String>,
    pub category: String,
    pub request_key: String,
}

impl Draft {
    /// A valid user recommendation (no action) named `name`, with a fresh request key.
    pub fn user(name: &str) -> Self {
        let due = time::OffsetDateTime::now_utc().date() + time::Duration::days(30);
        Self {
            ticket_type: "change_request".into(),
            name: name.into(),
            description: format!("Please look into this.\nAsked for as \"{name}\"."),
            priority: "3".into(),
            due_date: date_text(due),
            action_id: None,
            category: "Identity".into(),
            request_key: request_key(),
        }
    }

    /// The draft a `share_form` answer prefilled, sent as it is.
    pub fn prefilled(form: &Value) -> Self {
        let draft = &form["draft"];
        let text = |field: &str| draft[field].as_str().unwrap_or_default().to_owned();
        Self {
            ticket_type: text("ticket_type"),
            name: text("name"),
            description: text("description"),
            priority: text("priority"),
            due_date: text("due_date"),
            action_id: draft["action_id"].as_str().map(str::to_owned),
            category: text("category"),
            request_key: text("request_key"),
        }
    }

    /// This draft with `field` (named as in the form, `action_id` too) set to `value`.
    pub fn with(mut self, field: &str, value: &str) -> Self {
        let value = value.to_owned();
        match field {
            "ticket_type" => self.ticket_type = value,
            "name" => self.name = value,
            "description" => self.description = value,
            "priority" => self.priority = value,
            "due_date" => self.due_date = value,
            "action_id" => self.action_id = Some(value),
            "category" => self.category = value,
            "request_key" => self.request_key = value,
            _ => panic!("a draft has no field {field}"),
        }
        self
    }

    /// The draft as a form, bracket style (`draft[name]=…`); no action, no `draft[action_id]`.
    pub fn form(&self) -> Vec<(String, String)> {
        let mut fields = vec![
            ("ticket_type", self.ticket_type.clone()),
            ("name", self.name.clone()),
            ("description", self.description.clone()),
            ("priority", self.priority.clone()),
            ("due_date", self.due_date.clone()),
            ("category", self.category.clone()),
            ("request_key", self.request_key.clone()),
        ];
        if let Some(action) = &self.action_id {
            fields.push(("action_id", action.clone()));
        }
        fields
            .into_iter()
            .map(|(field, value)| (format!("draft[{field}]"), value))
            .collect()
    }
}

/// `count` user recommendations named `<prefix> 0000`…, alternately change
/// requests and incidents.
pub fn numbered_drafts(prefix: &str, count: usize) -> Vec<Draft> {
    (0..count)
        .map(|n| Draft {
            ticket_type: TABLES[n % 2].into(),
            ..Draft::user(&format!("{prefix} {n:04}"))
        })
        .collect()
}

/// Sends the share dialog; returns the status and the answer.
pub async fn share(server: &TestServer, cookie: &str, draft: &Draft) -> (u16, Value) {
    call(server, cookie, "share_ticket", &draft.form()).await
}

/// Sends the share dialog, which must be accepted; returns the `ShareOutcome`.
pub async fn shared(server: &TestServer, cookie: &str, draft: &Draft) -> Value {
    let (code, outcome) = share(server, cookie, draft).await;
    assert_eq!(code, 200, "{draft:?} was refused: {outcome}");
    outcome
}

/// The share dialog's starting point, for `action` or a user recommendation.
pub async fn share_form(server: &TestServer, cookie: &str, action: Option<&str>) -> Value {
    let form: Vec<(&str, &str)> = action.map(|id| ("action_id", id)).into_iter().collect();
    let (code, body) = call(server, cookie, "share_form", &form).await;
    assert_eq!(code, 200, "{body}");
    body
}

/// The ticket `id` as the pages show it.
pub async fn ticket(server: &TestServer, cookie: &str, id: &Value) -> Value {
    let (code, body) = call(server, cookie, "ticket", &[("id", id.to_string())]).await;
    assert_eq!(code, 200, "{body}");
    body
}

/// The ticket `id` once it is created in ServiceNow (the background sender
/// retries queued tickets); panics after `timeout`.
pub async fn created(server: &TestServer, cookie: &str, id: &Value, timeout: Duration) -> Value {
    eventually(&format!("ticket {id} is created"), timeout, || async {
        let ticket = ticket(server, cookie, id).await;
        assert_ne!(ticket["delivery"], "Refused", "{ticket}");
        (ticket["delivery"] == "Created").then_some(ticket)
    })
    .await
}

/// A page of the tickets list with the filter `filter` (`("state", "queued")`…).
pub async fn ticket_page(server: &TestServer, cookie: &str, filter: &[(&str, &str)]) -> Value {
    let form: Vec<(String, &str)> = filter
        .iter()
        .map(|(field, value)| (format!("filter[{field}]"), *value))
        .collect();
    let (code, page) = call(server, cookie, "list_tickets", &form).await;
    assert_eq!(code, 200, "{page}");
    page
}

/// Every stored ticket, read page by page from the tickets list.
pub async fn all_tickets(server: &TestServer, cookie: &str) -> Vec<Value> {
    let mut tickets = Vec::new();
    let mut page = 1;
    loop {
        let number = page.to_string();
        let answer = ticket_page(server, cookie, &[("page", &number)]).await;
        tickets.extend(
            answer["tickets"]
                .as_array()
                .expect("tickets")
                .iter()
                .cloned(),
        );
        if page >= answer["pages"].as_u64().expect("pages") {
            assert_eq!(tickets.len() as u64, answer["total"], "pages add up");
            return tickets;
        }
        page += 1;
    }
}

/// Refreshes ticket states from ServiceNow now, as `cookie`; returns the status and answer.
pub async fn refresh(server: &TestServer, cookie: &str) -> (u16, Value) {
    call(server, cookie, "refresh_tickets", NO_ARGUMENTS).await
}

/// Refreshes ticket states from ServiceNow now, as `cookie`, which must succeed.
pub async fn refreshed(server: &TestServer, cookie: &str) {
    let (code, body) = refresh(server, cookie).await;
    assert_eq!(code, 200, "{body}");
}

/// The audit log's `ticket.recovered` entries (found again after a lost answer).
pub async fn recovered_entries(server: &TestServer, cookie: &str) -> Value {
    call(
        server,
        cookie,
        "audit_log",
        &[("filter[action]", "ticket.recovered")],
    )
    .await
    .1
}

/// Ids of the demo catalog's actions of `status` (`ToAddress`, `Completed`).
pub async fn actions_with_status(server: &TestServer, cookie: &str, status: &str) -> Vec<String> {
    let (code, list) = call(
        server,
        cookie,
        "list_actions",
        &[("filter[status]", status)],
    )
    .await;
    assert_eq!(code, 200, "{list}");
    let ids: Vec<String> = list["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|action| action["id"].as_str().expect("id").to_owned())
        .collect();
    assert!(!ids.is_empty(), "the demo catalog has {status} actions");
    ids
}

/// A ServiceNow instance (the simulator) as the tests look into it: its
/// faults, and its records read as the integration user.
pub struct Instance {
    pub url: String,
}

impl Instance {
    /// The simulator embedded in `server`.
    pub fn embedded(server: &TestServer) -> Self {
        Self {
            url: server.simulator().to_owned(),
        }
    }

    /// Puts `faults` (the simulator's `Faults` as JSON) in force instead of any others.
    pub async fn set_faults(&self, faults: Value) {
        set_sim_faults(&self.url, faults).await;
    }

    /// About one call in five fails: 500/503, 429 with Retry-After, an
    /// answer lost after the instance created the record, or a 504 from a
    /// gateway after it did.
    pub async fn fail_one_call_in_five(&self) {
        self.set_faults(json!({
            "error_rate": 0.08,
            "rate_limit_rate": 0.04,
            "retry_after_secs": 1,
            "drop_rate": 0.04,
            "commit_then_504_rate": 0.05,
        }))
        .await;
    }

    /// Ends every fault (needed before the tests read records, too).
    pub async fn clear_faults(&self) {
        self.set_faults(json!({})).await;
    }

    /// A Table API request on `path` (after `/api/now/table/`), with basic
    /// authentication as the integration user.
    pub fn table_api(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        client()
            .request(method, format!("{}/api/now/table/{path}", self.url))
            .basic_auth(DEMO_INTEGRATION_USER, Some(DEMO_INTEGRATION_PASSWORD))
    }

    /// Records of `table` matching the encoded `query`, with `extra`
    /// parameters, read as the integration user.
    pub async fn records_with(
        &self,
        table: &str,
        query: &str,
        extra: &[(&str, &str)],
    ) -> Vec<Value> {
        let response = self
            .table_api(reqwest::Method::GET, table)
            .query(&[("sysparm_query", query)])
            .query(extra)
            .send()
            .await
            .expect("Table API");
        assert_eq!(response.status(), 200, "reading {table}");
        let body: Value = response.json().await.expect("JSON");
        body["result"].as_array().expect("result").clone()
    }

    /// Records of `table` matching the encoded `query`, read as the integration user.
    pub async fn records(&self, table: &str, query: &str) -> Vec<Value> {
        self.records_with(table, query, &[]).await
    }

    /// Every record ScoreNow made (`correlation_display`), in both tables,
    /// whose fields also match `query` (empty: every one).
    pub async fn scorenow_records(&self, query: &str) -> Vec<Value> {
        let mut records = Vec::new();
        for table in TABLES {
            let query = format!("correlation_display={CORRELATION_DISPLAY}^{query}");
            records.extend(self.records(table, &query).await);
        }
        records
    }

    /// Changes the record `sys_id` of `table` as a ServiceNow user would;
    /// the answer's status.
    pub async fn update_status(&self, table: &str, sys_id: &str, changes: Value) -> u16 {
        self.table_api(reqwest::Method::PATCH, &format!("{table}/{sys_id}"))
            .json(&changes)
            .send()
            .await
            .expect("Table API")
            .status()
            .as_u16()
    }

    /// Changes the record `sys_id` of `table` as a ServiceNow user would.
    pub async fn update(&self, table: &str, sys_id: &str, changes: Value) {
        let status = self.update_status(table, sys_id, changes).await;
        assert_eq!(status, 200, "updating {table} {sys_id}");
    }

    /// Changes the one ScoreNow record of `table` named `name`, as a ServiceNow user.
    pub async fn update_record_named(&self, table: &str, name: &str, changes: Value) {
        let record = self.only_record_named(name).await;
        let sys_id = record["sys_id"].as_str().expect("sys_id");
        self.update(table, sys_id, changes).await;
    }

    /// The one ScoreNow record whose short description is `name`; panics
    /// unless there is exactly one.
    pub async fn only_record_named(&self, name: &str) -> Value {
        let mut records = self.records_named(name).await;
        assert_eq!(records.len(), 1, "records named {name}: {records:#?}");
        records.remove(0)
    }

    /// The ScoreNow records whose short description is `name`.
    pub async fn records_named(&self, name: &str) -> Vec<Value> {
        self.scorenow_records("")
            .await
            .into_iter()
            .filter(|record| record["short_description"] == name)
            .collect()
    }
}

/// Checks that `record` carries a request key of the server's making in
/// its `correlation_id` and footer, not the browser's `draft` token.
pub fn assert_server_keyed(record: &Value, draft: &Draft) {
    let correlation = record["correlation_id"].as_str().expect("correlation_id");
    let description = record["description"].as_str().expect("description");
    let key = correlation.rsplit(':').next().expect("a key");
    assert_eq!(key.len(), 32, "{correlation}");
    assert_ne!(key, draft.request_key, "the browser's token is not the key");
    assert!(
        description.contains(&format!("ScoreNow request: {key}")),
        "{description}"
    );
}
