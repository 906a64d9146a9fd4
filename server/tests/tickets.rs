//! Tickets end to end over HTTP: the share dialog's server functions against
//! the ServiceNow simulator, with faults injected, a server killed while a
//! ticket waits in its queue, states synced back from ServiceNow, hostile
//! input refused field by field, and the CSV export.

mod support;

use futures_util::{StreamExt, stream};
use reqwest::{Method, header};
use serde_json::{Value, json};
use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};
use support::{
    NO_ARGUMENTS, TestServer, UNKNOWN_OUTCOME_WAIT, call, client,
    cluster::{ADMIN, Cluster, PASSWORD},
    connect_servicenow, eventually, free_port, scorenow, signed_in_cookie, signed_in_cookie_with,
    sim_admin,
    tickets::*,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_shares_under_injected_faults_make_exactly_five_hundred_tickets() {
    const SHARES: usize = 500;
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    let analyst = connected_analyst(&server).await;
    instance.fail_one_call_in_five().await;
    let drafts = numbered_drafts("Share", SHARES);
    // Every tenth dialog is sent twice at once (a double click, a retry).
    let sends = drafts
        .iter()
        .enumerate()
        .flat_map(|(n, draft)| std::iter::repeat_n((n, draft), if n % 10 == 0 { 2 } else { 1 }));
    let (server_ref, analyst_ref) = (&server, analyst.as_str());
    let started = Instant::now();
    let answers: Vec<(usize, Value)> = stream::iter(sends)
        .map(|(n, draft)| async move { (n, shared(server_ref, analyst_ref, draft).await) })
        .buffer_unordered(16)
        .collect()
        .await;
    let answered_in = started.elapsed();
    assert_eq!(answers.len(), SHARES + SHARES / 10);

    // Each dialog got one ticket, the same in all its answers; a dialog sent
    // twice is told about its own ticket, not about an "existing" one.
    let mut answers_of: HashMap<usize, Vec<&Value>> = HashMap::new();
    for (n, outcome) in &answers {
        answers_of.entry(*n).or_default().push(outcome);
    }
    let mut dialog_of: HashMap<i64, usize> = HashMap::new();
    let mut queued_first = 0;
    for (n, outcomes) in &answers_of {
        let new: Vec<&&Value> = outcomes.iter().filter(|o| o["existing"] == false).collect();
        assert_eq!(new.len(), outcomes.len(), "dialog {n}: {outcomes:#?}");
        let id = new[0]["ticket"]["id"].as_i64().expect("id");
        for outcome in outcomes {
            assert_eq!(outcome["ticket"]["id"], id, "dialog {n}: one ticket");
        }
        assert_eq!(
            dialog_of.insert(id, *n),
            None,
            "ticket {id} answers two dialogs"
        );
        if new[0]["ticket"]["delivery"] == "Queued" {
            queued_first += 1;
        }
    }
    assert_eq!(dialog_of.len(), SHARES);

    instance.clear_faults().await;
    eventually("no ticket is queued", Duration::from_secs(180), || async {
        let queued = ticket_page(server_ref, analyst_ref, &[("state", "queued")]).await;
        (queued["total"] == 0).then_some(())
    })
    .await;
    let created_in = started.elapsed();
    let tickets = all_tickets(&server, &analyst).await;
    assert_eq!(tickets.len(), SHARES);

    let records = instance.scorenow_records("").await;
    assert_eq!(records.len(), SHARES, "one record per ticket, no duplicate");
    let names: HashSet<&str> = records
        .iter()
        .map(|record| record["short_description"].as_str().expect("name"))
        .collect();
    assert_eq!(names.len(), SHARES, "500 distinct short descriptions");
    let mut record_of: HashMap<&str, Vec<&Value>> = HashMap::new();
    for record in &records {
        record_of
            .entry(record["number"].as_str().expect("number"))
            .or_default()
            .push(record);
    }
    for ticket in &tickets {
        assert_eq!(ticket["delivery"], "Created", "{ticket}");
        let number = ticket["number"].as_str().expect("number");
        let found = record_of.get(number).map_or(&[][..], Vec::as_slice);
        assert_eq!(found.len(), 1, "{number} is in ServiceNow once");
        let draft = &drafts[dialog_of[&ticket["id"].as_i64().expect("id")]];
        assert_eq!(ticket["name"], draft.name.as_str());
        assert_eq!(ticket["ticket_type"], draft.ticket_type.as_str());
        assert_eq!(found[0]["short_description"], draft.name.as_str());
        assert_server_keyed(found[0], draft);
    }
    let admin = signed_in_cookie(&server, "admin@scorenow.demo").await;
    let recovered = recovered_entries(&server, &admin).await;
    println!(
        "{SHARES} shares (+{} repeated) answered in {answered_in:.1?}, {queued_first} of them \
         queued first; all created after {created_in:.1?}; {} found again after a lost answer",
        SHARES / 10,
        recovered.as_array().map_or(0, Vec::len),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_share_of_an_action_offers_the_open_ticket() {
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    let analyst = connected_analyst(&server).await;
    let action = "AdminMFAV2";

    let form = share_form(&server, &analyst, Some(action)).await;
    assert_eq!(form["open_tickets"], json!([]));
    assert_eq!(form["draft"]["action_id"], action);
    let first = shared(&server, &analyst, &Draft::prefilled(&form)).await;
    assert_eq!(first["existing"], false);
    assert_eq!(first["ticket"]["delivery"], "Created", "{first}");
    assert_eq!(first["ticket"]["source"], "Microsoft");
    let id = &first["ticket"]["id"];
    let number = first["ticket"]["number"].as_str().expect("number");
    assert!(number.starts_with("CHG"), "{number}");

    // The dialog opened again shows the open ticket; sending it anyway
    // (a new request key) answers with that ticket and creates nothing.
    let again = share_form(&server, &analyst, Some(action)).await;
    assert_eq!(again["open_tickets"][0]["id"], *id, "{again}");
    let draft = Draft::prefilled(&again);
    assert_ne!(draft.request_key, Draft::prefilled(&form).request_key);
    let second = shared(&server, &analyst, &draft).await;
    assert_eq!(second["existing"], true);
    assert_eq!(second["ticket"]["id"], *id);
    // Each ticket's correlation_id is the action's, then its own key.
    let correlation = format!("correlation_idSTARTSWITHscorenow:{DEMO_TENANT}:{action}:");
    let changes = instance.records("change_request", &correlation).await;
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0]["number"], number);

    // The same action as an incident is another ticket.
    let incident = Draft {
        ticket_type: "incident".into(),
        request_key: request_key(),
        ..draft
    };
    let third = shared(&server, &analyst, &incident).await;
    assert_eq!(third["existing"], false);
    assert_ne!(third["ticket"]["id"], *id);
    assert_eq!(third["ticket"]["delivery"], "Created", "{third}");
    assert_eq!(instance.records("incident", &correlation).await.len(), 1);
    assert_eq!(
        instance.records("change_request", &correlation).await.len(),
        1
    );
    let both = share_form(&server, &analyst, Some(action)).await;
    assert_eq!(
        both["open_tickets"].as_array().map(Vec::len),
        Some(2),
        "{both}"
    );

    // The home cards count ScoreNow's records only (the instance has others).
    let (code, cards) = call(&server, &analyst, "ticket_cards", NO_ARGUMENTS).await;
    assert_eq!(code, 200, "{cards}");
    let cards = cards["cards"].as_array().expect("cards");
    assert_eq!(cards.len(), 2, "{cards:?}");
    for (card, (table, new_state)) in cards.iter().zip(TABLES.into_iter().zip(["-5", "1"])) {
        assert_eq!(card["ticket_type"], table);
        let counts = card["counts"].as_array().expect("counts");
        let total: u64 = counts
            .iter()
            .map(|state| state["count"].as_u64().unwrap_or(0))
            .sum();
        let new = counts.iter().find(|state| state["value"] == new_state);
        assert_eq!(
            (total, new.map(|state| &state["count"])),
            (1, Some(&json!(1))),
            "{card}"
        );
        assert_eq!(card["latest"].as_array().map(Vec::len), Some(1), "{card}");
    }
}

/// The share dialog's answer naming only `field`'s problem.
fn invalid(field: &str, problem: Value) -> Value {
    let mut problems = json!({
        "ticket_type": null,
        "name": null,
        "description": null,
        "priority": null,
        "due_date": null,
        "category": null,
    });
    problems[field] = problem;
    json!({ "Invalid": problems })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_field_is_validated_on_the_server_against_hostile_input() {
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    let analyst = signed_in_cookie(&server, "analyst@scorenow.demo").await;
    let good = Draft::user("Review guest access");
    assert_eq!(
        share(&server, &analyst, &good).await,
        (500, json!("NotConnected")),
        "nothing is shared before ServiceNow is connected"
    );
    let analyst = connected_analyst(&server).await;

    // One field wrong: the answer names that field's problem only.
    let long_name = "n".repeat(161);
    let long_description = "d".repeat(10_000);
    let field_cases = [
        ("blank name", "name", "   ", json!("Required")),
        (
            "161-character name",
            "name",
            &long_name,
            json!({"TooLong": {"max": 160}}),
        ),
        (
            "10,000-character description",
            "description",
            &long_description,
            json!({"TooLong": {"max": 3500}}),
        ),
        (
            "bell in the name",
            "name",
            "Ring \u{7} the bell",
            json!("ControlCharacters"),
        ),
        (
            "NUL in the description",
            "description",
            "before\u{0}after",
            json!("ControlCharacters"),
        ),
        (
            "script in the name",
            "name",
            "<script>alert(1)</script>",
            json!("Markup"),
        ),
        ("past due date", "due_date", "2020-01-01", json!("PastDate")),
        (
            "impossible date",
            "due_date",
            "2030-02-30",
            json!("InvalidDate"),
        ),
        (
            "not a date",
            "due_date",
            "24/12/2030'; DROP TABLE tickets;--",
            json!("InvalidDate"),
        ),
        (
            "due date too far ahead",
            "due_date",
            "2099-01-01",
            json!("TooFarAhead"),
        ),
        ("priority 9", "priority", "9", json!("Unknown")),
        ("no priority", "priority", "", json!("Required")),
        (
            "ticket type problem",
            "ticket_type",
            "problem",
            json!("Unknown"),
        ),
        ("unknown category", "category", "Weather", json!("Unknown")),
        (
            "no category for a user recommendation",
            "category",
            "",
            json!("Required"),
        ),
    ];
    for (case, field, value, problem) in field_cases {
        let draft = Draft::user("Review guest access").with(field, value);
        let (code, answer) = share(&server, &analyst, &draft).await;
        assert_eq!((code, answer), (500, invalid(field, problem)), "{case}");
    }
    // A bad request key or action: the whole request is refused.
    let long_key = "k".repeat(65);
    let request_cases = [
        ("short request key", "request_key", "short", "BadRequestKey"),
        (
            "request key with spaces",
            "request_key",
            "has spaces and more",
            "BadRequestKey",
        ),
        (
            "request key with an encoded query",
            "request_key",
            "0123456789abcdef^ORactive=true",
            "BadRequestKey",
        ),
        (
            "65-character request key",
            "request_key",
            &long_key,
            "BadRequestKey",
        ),
        ("no request key", "request_key", "", "BadRequestKey"),
        (
            "unknown action",
            "action_id",
            "NoSuchAction",
            "UnknownAction",
        ),
        (
            "action id with an encoded query",
            "action_id",
            "AdminMFAV2^ORactive=true",
            "UnknownAction",
        ),
    ];
    for (case, field, value, refusal) in request_cases {
        let draft = Draft::user("Review guest access").with(field, value);
        let (code, answer) = share(&server, &analyst, &draft).await;
        assert_eq!((code, answer), (500, json!(refusal)), "{case}");
    }

    // Every field wrong at once: every problem at once.
    let hostile = Draft {
        ticket_type: "problem".into(),
        name: "<b>bold</b>".into(),
        description: "x".repeat(3_501),
        priority: "0".into(),
        due_date: "yesterday".into(),
        action_id: None,
        category: "Weather".into(),
        request_key: request_key(),
    };
    let (_, answer) = share(&server, &analyst, &hostile).await;
    assert_eq!(
        answer,
        json!({"Invalid": {
            "ticket_type": "Unknown",
            "name": "Markup",
            "description": {"TooLong": {"max": 3500}},
            "priority": "Unknown",
            "due_date": "InvalidDate",
            "category": "Unknown",
        }})
    );

    // Readers and strangers may not share.
    let reader = signed_in_cookie(&server, "reader@scorenow.demo").await;
    assert_eq!(
        share(&server, &reader, &good).await,
        (500, json!("Forbidden"))
    );
    assert_eq!(share(&server, "", &good).await, (500, json!("NotSignedIn")));

    assert_eq!(ticket_page(&server, &analyst, &[]).await["total"], 0);
    assert_eq!(instance.scorenow_records("").await, Vec::<Value>::new());
    // The good draft itself is fine: the refusals were the fields'.
    assert_eq!(shared(&server, &analyst, &good).await["existing"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_queued_when_the_server_is_killed_is_created_exactly_once_after_restart() {
    let addr = format!("127.0.0.1:{}", free_port());
    let simulator = TestServer::start_simulator(&[
        "--redirect-uri",
        &format!("http://{addr}/servicenow/callback"),
    ]);
    let instance = Instance {
        url: simulator.base_url.clone(),
    };
    let instance_host = instance.url.trim_start_matches("http://").to_owned();
    let data_dir = tempfile::tempdir().expect("tempdir");
    // ScoreNow alone (no embedded simulator, so no demo accounts), on a
    // fixed address so that it keeps its OAuth redirect URI across restarts.
    let start_scorenow = || {
        let mut command = scorenow();
        command.args(["--servicenow-sim-addr", "off"]);
        command.args(["--allowed-instance-hosts", &instance_host]);
        command.args(["--admin-email", ADMIN, "--admin-password", PASSWORD]);
        command.args(["--unknown-outcome-wait-secs", UNKNOWN_OUTCOME_WAIT]);
        TestServer::start_command_at(command, &addr, Some(data_dir.path()))
    };
    let server = start_scorenow();
    let admin = signed_in_cookie_with(&server, ADMIN, PASSWORD).await;
    connect_servicenow(&server, &admin, &instance.url).await;

    // The instance creates this one but the answer is lost on the way:
    // ScoreNow cannot know whether the ticket exists.
    let lost = Draft::user("Created, but the answer was lost");
    instance.set_faults(json!({"drop_rate": 1.0})).await;
    let lost_outcome = shared(&server, &admin, &lost).await;
    // And this one the instance refuses with 5xx: it does not exist.
    let failed = Draft::user("Failed while ServiceNow was down");
    instance.set_faults(json!({"error_rate": 1.0})).await;
    let failed_outcome = shared(&server, &admin, &failed).await;
    server.kill();

    for (outcome, problem) in [(&lost_outcome, "Network"), (&failed_outcome, "ServerError")] {
        assert_eq!(outcome["ticket"]["delivery"], "Queued", "{outcome}");
        assert_eq!(outcome["ticket"]["problem"], problem, "{outcome}");
    }
    instance.clear_faults().await;
    let lost_record = instance.only_record_named(&lost.name).await;
    assert_eq!(
        instance.records_named(&failed.name).await.len(),
        0,
        "the failed one is not in ServiceNow yet"
    );

    let server = start_scorenow();
    let admin = signed_in_cookie_with(&server, ADMIN, PASSWORD).await;
    // A sender killed mid-attempt holds its ticket until its lease (60 s) lapses.
    let wait = Duration::from_secs(150);
    let found = created(&server, &admin, &lost_outcome["ticket"]["id"], wait).await;
    let sent = created(&server, &admin, &failed_outcome["ticket"]["id"], wait).await;

    assert_eq!(
        found["number"], lost_record["number"],
        "found, not sent again"
    );
    assert_eq!(instance.only_record_named(&lost.name).await, lost_record);
    let failed_record = instance.only_record_named(&failed.name).await;
    assert_eq!(sent["number"], failed_record["number"]);
    assert_eq!(instance.scorenow_records("").await.len(), 2);
    let recovered = recovered_entries(&server, &admin).await;
    assert_eq!(recovered[0]["target"], lost_record["number"], "{recovered}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn states_sync_from_servicenow_and_a_completed_action_gets_a_work_note() {
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    let analyst = connected_analyst(&server).await;
    let open_action = &actions_with_status(&server, &analyst, "ToAddress").await[0];
    let done_action = &actions_with_status(&server, &analyst, "Completed").await[0];

    // Closed in ServiceNow: ScoreNow shows it closed after a sync.
    let form = share_form(&server, &analyst, Some(open_action)).await;
    let outcome = shared(&server, &analyst, &Draft::prefilled(&form)).await;
    let shared_ticket = &outcome["ticket"];
    assert_eq!(shared_ticket["delivery"], "Created", "{outcome}");
    assert_eq!(
        (&shared_ticket["state"], &shared_ticket["open"]),
        (&json!("-5"), &json!(true))
    );
    let name = Draft::prefilled(&form).name;
    instance
        .update_record_named("change_request", &name, json!({"state": "3"}))
        .await;
    refreshed(&server, &analyst).await;
    let synced = ticket(&server, &analyst, &shared_ticket["id"]).await;
    assert_eq!(synced["state"], "3", "{synced}");
    assert_eq!(synced["state_name"], "Closed");
    assert_eq!(synced["open"], false);

    // The closed ticket no longer holds the action: it may be shared again.
    let reopened = share_form(&server, &analyst, Some(open_action)).await;
    assert_eq!(reopened["open_tickets"], json!([]), "{reopened}");
    let again = shared(&server, &analyst, &Draft::prefilled(&reopened)).await;
    assert_eq!(again["existing"], false);
    assert_ne!(again["ticket"]["id"], shared_ticket["id"]);

    // An action Secure Score shows completed: its open ticket gets one work note.
    let form = share_form(&server, &analyst, Some(done_action)).await;
    let done = shared(&server, &analyst, &Draft::prefilled(&form)).await;
    assert_eq!(done["ticket"]["delivery"], "Created", "{done}");
    assert_eq!(done["ticket"]["action_completed"], true);
    for _ in 0..2 {
        refreshed(&server, &analyst).await;
    }
    let record = instance
        .only_record_named(&Draft::prefilled(&form).name)
        .await;
    let notes = record["work_notes"].as_str().expect("work notes");
    assert!(notes.contains("completed"), "{notes}");
    assert!(notes.contains(&format!("({done_action})")), "{notes}");
    assert_eq!(notes.matches(NOTE_MARKER).count(), 1, "one note: {notes}");

    let reader = signed_in_cookie(&server, "reader@scorenow.demo").await;
    let refused = refresh(&server, &reader).await;
    assert_eq!(refused, (500, json!("Forbidden")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_change_of_more_than_a_thousand_records_does_not_stall_the_sync() {
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    let analyst = connected_analyst(&server).await;
    let draft = Draft::user("Tracked through a bulk change");
    let outcome = shared(&server, &analyst, &draft).await;
    // 3,000 records of ScoreNow's correlation changed in one second, as a
    // mass update in ServiceNow stamps them; then the ticket changes.
    sim_admin(
        &instance.url,
        Method::POST,
        "/records/change_request",
        Some(json!({"count": 3000, "record": {
            "short_description": "Bulk",
            "correlation_display": CORRELATION_DISPLAY,
            "correlation_id": format!("scorenow:{DEMO_TENANT}:bulk"),
        }})),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    instance
        .update_record_named("change_request", &draft.name, json!({"state": "-1"}))
        .await;
    // Enough syncs to read 3,001 records a thousand at a time.
    for _ in 0..5 {
        refreshed(&server, &analyst).await;
    }
    let synced = ticket(&server, &analyst, &outcome["ticket"]["id"]).await;
    assert_eq!(synced["state"], "-1", "{synced}");
}

/// The CSV export (`query`: the tickets list's URL query) as `cookie` gets it.
async fn export(server: &TestServer, cookie: &str, query: &str) -> reqwest::Response {
    client()
        .get(server.url("/api/export_tickets"))
        .query(&[("query", query)])
        .header(header::COOKIE, cookie)
        .send()
        .await
        .expect("export")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csv_export_lists_every_ticket_and_defuses_formulas() {
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    let analyst = connected_analyst(&server).await;
    let formula = Draft {
        ticket_type: "incident".into(),
        ..Draft::user("=SUM(1)")
    };
    let quoted = Draft::user("Review \"guest\" access, quarterly");
    for draft in [&formula, &quoted] {
        let outcome = shared(&server, &analyst, draft).await;
        assert_eq!(outcome["ticket"]["delivery"], "Created", "{outcome}");
    }

    let reader = signed_in_cookie(&server, "reader@scorenow.demo").await;
    let response = export(&server, &reader, "").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .is_ok_and(|value| value.starts_with("attachment")),
        "a download"
    );
    let text = response.text().await.expect("CSV");
    let mut csv = csv::Reader::from_reader(text.as_bytes());
    let columns: Vec<String> = csv
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        columns,
        [
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
            "url"
        ]
    );
    let rows: Vec<HashMap<String, String>> =
        csv.deserialize().map(|row| row.expect("row")).collect();
    assert_eq!(rows.len(), 2, "{text}");
    let row_of = |name: &str| {
        rows.iter()
            .find(|row| row["short_description"] == name)
            .unwrap_or_else(|| panic!("no row {name} in {text}"))
    };
    let defused = row_of("'=SUM(1)");
    assert_eq!(defused["type"], "incident");
    assert_eq!(defused["delivery"], "created");
    assert_eq!(defused["created_by"], "analyst@scorenow.demo");
    let record = instance.only_record_named(&formula.name).await;
    assert_eq!(
        defused["number"],
        record["number"].as_str().expect("number")
    );
    assert_eq!(
        record["short_description"], "=SUM(1)",
        "ServiceNow gets the name as typed"
    );
    assert!(
        defused["url"].starts_with(&instance.url),
        "{}",
        defused["url"]
    );
    assert_eq!(row_of(&quoted.name)["type"], "change_request");

    // The list's filter applies.
    let incidents = export(&server, &reader, "type=incident")
        .await
        .text()
        .await
        .expect("CSV");
    assert_eq!(incidents.lines().count(), 2, "{incidents}");
    assert!(incidents.contains("'=SUM(1)"));
    // Strangers get no tickets.
    let stranger = export(&server, "", "").await;
    assert_ne!(stranger.status(), 200);
    assert!(!stranger.text().await.expect("body").contains("SUM"));
}

/// Shares `drafts` as `cookie`, spread over `replicas` in turn (16 at a
/// time); returns each draft's ticket id, in order.
async fn shared_round_robin(replicas: &[&TestServer], cookie: &str, drafts: &[Draft]) -> Vec<i64> {
    let answers: Vec<(usize, Value)> =
        stream::iter(drafts.iter().enumerate())
            .map(|(n, draft)| async move {
                (n, shared(replicas[n % replicas.len()], cookie, draft).await)
            })
            .buffer_unordered(16)
            .collect()
            .await;
    let mut ids = vec![0; drafts.len()];
    for (n, outcome) in answers {
        assert_eq!(outcome["existing"], false, "{outcome}");
        ids[n] = outcome["ticket"]["id"].as_i64().expect("id");
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_shares_across_three_replicas_one_crashing_make_exactly_five_hundred_tickets()
{
    const SHARES: usize = 500;
    /// The closed state of each table.
    const CLOSED: [(&str, &str); 2] = [("change_request", "3"), ("incident", "7")];
    let mut cluster = Cluster::start(3);
    let instance = Instance {
        url: cluster.simulator().to_owned(),
    };
    let admin = signed_in_cookie_with(cluster.replica(0), ADMIN, PASSWORD).await;
    connect_servicenow(cluster.replica(0), &admin, &instance.url).await;
    instance.fail_one_call_in_five().await;
    let drafts = numbered_drafts("Replicated share", SHARES);

    // Half over the three replicas; then replica 1 crashes with tickets in
    // its queue, maybe mid-send; the other half goes to the two left, and
    // replica 1 comes back.
    let (first, second) = drafts.split_at(SHARES / 2);
    let all = [cluster.replica(0), cluster.replica(1), cluster.replica(2)];
    let mut ids = shared_round_robin(&all, &admin, first).await;
    cluster.crash(1);
    let survivors = [cluster.replica(0), cluster.replica(2)];
    ids.extend(shared_round_robin(&survivors, &admin, second).await);
    cluster.restart(1);
    let unique: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), SHARES, "one ticket per dialog");

    instance.clear_faults().await;
    let replica = cluster.replica(1);
    // A ticket the crashed replica had claimed waits for its claim (60 s) to lapse.
    eventually("no ticket is queued", Duration::from_secs(240), || async {
        let queued = ticket_page(replica, &admin, &[("state", "queued")]).await;
        (queued["total"] == 0).then_some(())
    })
    .await;
    let tickets = all_tickets(replica, &admin).await;
    assert_eq!(tickets.len(), SHARES);
    assert!(tickets.iter().all(|ticket| ticket["delivery"] == "Created"));
    let records = instance.scorenow_records("").await;
    assert_eq!(records.len(), SHARES, "one record per ticket, no duplicate");
    for draft in &drafts {
        let named: Vec<&Value> = records
            .iter()
            .filter(|record| record["short_description"] == draft.name.as_str())
            .collect();
        assert_eq!(named.len(), 1, "{} is in ServiceNow once", draft.name);
        assert_server_keyed(named[0], draft);
    }

    // Every ticket is closed in ServiceNow; one sync, by whichever replica
    // holds the lease, brings every state back.
    for (table, closed) in CLOSED {
        let query = format!("correlation_display={CORRELATION_DISPLAY}");
        for record in instance.records(table, &query).await {
            let sys_id = record["sys_id"].as_str().expect("sys_id");
            instance
                .update(table, sys_id, json!({"state": closed}))
                .await;
        }
    }
    refreshed(cluster.replica(2), &admin).await;
    let synced = all_tickets(cluster.replica(0), &admin).await;
    let still_open: Vec<&Value> = synced.iter().filter(|t| t["open"] != false).collect();
    assert!(
        still_open.is_empty(),
        "{} still open: {:?}",
        still_open.len(),
        still_open.first()
    );
}
