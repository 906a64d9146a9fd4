//! Ticket delivery and the connection under the faults real instances and
//! their load balancers show: a 504 after the record committed, a commit
//! that comes late, records the integration user cannot see, permanent
//! refusals, a work note whose answer was lost, an update that commits
//! after newer ones, a bare 401 from the token endpoint, and a runaway
//! answer. Each fault is the simulator's; each test failed before the fix.

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use support::{
    NO_ARGUMENTS, TestServer, call, connect_servicenow, eventually, page_html, signed_in_cookie,
    sim_admin, tickets::*,
};

/// How long a ticket may take to get through after its fault clears.
const SETTLE: Duration = Duration::from_secs(60);

/// The ticket of the share `outcome`, once its delivery is `delivery`.
async fn ticket_once(server: &TestServer, cookie: &str, outcome: &Value, delivery: &str) -> Value {
    let id = &outcome["ticket"]["id"];
    eventually(&format!("ticket {id} is {delivery}"), SETTLE, || async {
        let ticket = ticket(server, cookie, id).await;
        (ticket["delivery"] == delivery).then_some(ticket)
    })
    .await
}

/// The audit log's entries of `action`.
async fn audit_entries(server: &TestServer, cookie: &str, action: &str) -> Vec<Value> {
    let (code, entries) = call(server, cookie, "audit_log", &[("filter[action]", action)]).await;
    assert_eq!(code, 200, "{entries}");
    entries.as_array().expect("entries").clone()
}

/// The connection's status, as the setup page reads it.
async fn connection_status(server: &TestServer, admin: &str) -> Value {
    let (code, status) = call(server, admin, "servicenow_status", NO_ARGUMENTS).await;
    assert_eq!(code, 200, "{status}");
    status
}

/// Asks, as `cookie`, to send the refused ticket `id` again.
async fn retry(server: &TestServer, cookie: &str, id: &Value) -> (u16, Value) {
    call(server, cookie, "retry_ticket", &[("id", id.to_string())]).await
}

/// The simulator's request counters.
async fn sim_stats(instance: &Instance) -> Value {
    sim_admin(&instance.url, Method::GET, "/stats", None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_504_after_the_record_committed_is_looked_up_not_sent_again() {
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    let analyst = connected_analyst(&server).await;
    instance
        .set_faults(json!({"commit_then_504_next": 1}))
        .await;
    let draft = Draft::user("Committed, then the gateway gave up");
    let outcome = shared(&server, &analyst, &draft).await;
    assert_eq!(outcome["ticket"]["delivery"], "Queued", "{outcome}");
    assert_eq!(outcome["ticket"]["problem"], "ServerError", "{outcome}");

    let created = ticket_once(&server, &analyst, &outcome, "Created").await;
    let record = instance.only_record_named(&draft.name).await;
    assert_eq!(created["number"], record["number"]);
    let admin = signed_in_cookie(&server, "admin@scorenow.demo").await;
    let recovered = audit_entries(&server, &admin, "ticket.recovered").await;
    assert_eq!(recovered[0]["target"], record["number"], "{recovered:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_that_commits_late_is_found_after_the_wait_not_sent_twice() {
    // The instance commits 4 s after answering 504; ScoreNow looks after 6 s.
    let server = TestServer::start_with_simulator_admin_waiting("6");
    let instance = Instance::embedded(&server);
    let analyst = connected_analyst(&server).await;
    instance
        .set_faults(json!({"commit_late_next": 1, "commit_late_secs": 4}))
        .await;
    let draft = Draft::user("Committed late by a long business rule");
    let outcome = shared(&server, &analyst, &draft).await;
    assert_eq!(outcome["ticket"]["delivery"], "Queued", "{outcome}");
    assert!(instance.records_named(&draft.name).await.is_empty());

    let created = ticket_once(&server, &analyst, &outcome, "Created").await;
    // Past the late commit and any second send.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let record = instance.only_record_named(&draft.name).await;
    assert_eq!(created["number"], record["number"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_acls_hide_is_refused_visibly_not_sent_again_then_retried() {
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    let analyst = connected_analyst(&server).await;
    let admin = signed_in_cookie(&server, "admin@scorenow.demo").await;
    let first = shared(
        &server,
        &analyst,
        &Draft::user("Seen by the integration user"),
    )
    .await;
    assert_eq!(first["ticket"]["delivery"], "Created", "{first}");

    instance
        .set_faults(json!({"hide_own_records": true, "commit_then_504_next": 1}))
        .await;
    let draft = Draft::user("Hidden by an ACL once created");
    let outcome = shared(&server, &analyst, &draft).await;
    let refused = ticket_once(&server, &analyst, &outcome, "Refused").await;
    assert_eq!(refused["problem"], "RecordsHidden", "{refused}");
    instance.clear_faults().await;
    assert_eq!(
        instance.records_named(&draft.name).await.len(),
        1,
        "not sent a second time"
    );
    let status = connection_status(&server, &admin).await;
    assert_eq!(
        status["refused_tickets"],
        json!([{"problem": "RecordsHidden", "count": 1}]),
        "{status}"
    );
    let audited = audit_entries(&server, &admin, "ticket.refused").await;
    let details: Value = serde_json::from_str(audited[0]["details"].as_str().expect("details"))
        .expect("JSON details");
    assert_eq!(details["problem"], "RecordsHidden", "{audited:?}");
    let page = page_html(&server, "/tickets?state=refused", &admin).await;
    assert!(
        page.contains("hides the tickets ScoreNow created"),
        "reason shown"
    );
    assert!(
        page.contains("data-testid=\"retry-ticket\""),
        "retry offered"
    );

    // The ACL fixed, an admin sends it again: it is found, not duplicated.
    let (code, body) = retry(&server, &analyst, &outcome["ticket"]["id"]).await;
    assert_eq!((code, body), (500, json!("Forbidden")), "admins only");
    let (code, body) = retry(&server, &admin, &outcome["ticket"]["id"]).await;
    assert_eq!(code, 200, "{body}");
    let created = ticket_once(&server, &analyst, &outcome, "Created").await;
    let record = instance.only_record_named(&draft.name).await;
    assert_eq!(created["number"], record["number"]);
    assert_eq!(
        connection_status(&server, &admin).await["refused_tickets"],
        json!([])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_keys_are_the_servers_and_a_look_up_never_takes_another_record() {
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    let analyst = connected_analyst(&server).await;
    let admin = signed_in_cookie(&server, "admin@scorenow.demo").await;
    let action = &actions_with_status(&server, &analyst, "ToAddress").await[0];
    let form = share_form(&server, &analyst, Some(action)).await;
    let draft = Draft::prefilled(&form);
    // A record that carries the browser's token and the action, made by
    // someone else: the look-up after a failed create must not take it.
    sim_admin(
        &instance.url,
        Method::POST,
        "/records/change_request",
        Some(json!({"count": 1, "record": {
            "short_description": "Decoy",
            "description": format!("mentions {}", draft.request_key),
            "correlation_display": CORRELATION_DISPLAY,
            "correlation_id": format!("scorenow:{DEMO_TENANT}:{action}"),
        }})),
    )
    .await;
    instance.set_faults(json!({"error_rate": 1.0})).await;
    let outcome = shared(&server, &analyst, &draft).await;
    assert_eq!(outcome["ticket"]["delivery"], "Queued", "{outcome}");
    instance.clear_faults().await;
    let created = ticket_once(&server, &analyst, &outcome, "Created").await;
    let decoy = instance.only_record_named("Decoy").await;
    assert_ne!(created["number"], decoy["number"], "not the decoy");
    let record = instance.only_record_named(&draft.name).await;
    assert_eq!(created["number"], record["number"]);
    assert_server_keyed(&record, &draft);

    // The same token from the same user is the same ticket; from another
    // user, a ticket of its own (here: the action's open one is offered).
    let again = shared(&server, &analyst, &draft).await;
    assert_eq!(again["ticket"]["id"], outcome["ticket"]["id"]);
    assert_eq!(again["existing"], false);
    let user_draft = Draft::user("Same token, other user").with("request_key", &draft.request_key);
    let other = shared(&server, &admin, &user_draft).await;
    assert_ne!(other["ticket"]["id"], outcome["ticket"]["id"], "{other}");
    assert_eq!(other["ticket"]["name"], "Same token, other user");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_403_on_create_ends_visibly_until_an_admin_retries() {
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    let analyst = connected_analyst(&server).await;
    let admin = signed_in_cookie(&server, "admin@scorenow.demo").await;
    instance.set_faults(json!({"refuse_writes": true})).await;
    let draft = Draft::user("Refused by an ACL on insert");
    let outcome = shared(&server, &analyst, &draft).await;
    let other = shared(&server, &analyst, &Draft::user("Also refused on insert")).await;
    let refused = ticket_once(&server, &analyst, &outcome, "Refused").await;
    assert_eq!(refused["problem"], "Forbidden", "{refused}");
    assert!(
        refused["problem_detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("ACL Exception")),
        "ServiceNow's words kept: {refused}"
    );
    ticket_once(&server, &analyst, &other, "Refused").await;
    let status = connection_status(&server, &admin).await;
    assert_eq!(
        status["refused_tickets"],
        json!([{"problem": "Forbidden", "count": 2}])
    );
    let html = page_html(&server, "/servicenow/setup", &admin).await;
    assert!(html.contains("Tickets not sent: 2."), "status panel");
    assert!(html.contains("roles to read and create"), "advice");

    // Fixed in ServiceNow: one retried on its own, then all the others.
    instance.clear_faults().await;
    let (code, body) = retry(&server, &admin, &outcome["ticket"]["id"]).await;
    assert_eq!(code, 200, "{body}");
    ticket_once(&server, &analyst, &outcome, "Created").await;
    let (code, body) = retry(&server, &admin, &outcome["ticket"]["id"]).await;
    assert_eq!((code, body), (500, json!("NotRefused")));
    let (code, count) = call(&server, &analyst, "retry_refused_tickets", NO_ARGUMENTS).await;
    assert_eq!((code, count), (500, json!("Forbidden")), "admins only");
    let (code, count) = call(&server, &admin, "retry_refused_tickets", NO_ARGUMENTS).await;
    assert_eq!((code, count), (200, json!(1)));
    ticket_once(&server, &analyst, &other, "Created").await;
    assert_eq!(instance.records_named(&draft.name).await.len(), 1);
    assert_eq!(
        connection_status(&server, &admin).await["refused_tickets"],
        json!([])
    );
    let asked = audit_entries(&server, &admin, "ticket.retry_requested").await;
    assert_eq!(asked.len(), 2, "{asked:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_completion_note_is_added_once_and_given_up_after_lasting_refusals() {
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    let analyst = connected_analyst(&server).await;
    let admin = signed_in_cookie(&server, "admin@scorenow.demo").await;
    let done = actions_with_status(&server, &analyst, "Completed").await;
    let share_done = async |action: &str| {
        let form = share_form(&server, &analyst, Some(action)).await;
        let draft = Draft::prefilled(&form);
        let outcome = shared(&server, &analyst, &draft).await;
        assert_eq!(outcome["ticket"]["delivery"], "Created", "{outcome}");
        (draft, outcome)
    };

    // The note commits but its answer is a 504: the next sync finds it.
    let (draft, _) = share_done(&done[0]).await;
    instance
        .set_faults(json!({"commit_then_504_next": 1}))
        .await;
    refreshed(&server, &analyst).await;
    refreshed(&server, &analyst).await;
    let record = instance.only_record_named(&draft.name).await;
    let notes = record["work_notes"].as_str().expect("work notes");
    assert_eq!(notes.matches(NOTE_MARKER).count(), 1, "{notes}");

    // Updates refused for good: three syncs, then the note is given up.
    let (_, outcome) = share_done(&done[1]).await;
    instance.set_faults(json!({"refuse_writes": true})).await;
    for _ in 0..4 {
        refreshed(&server, &analyst).await;
    }
    let given_up = ticket(&server, &analyst, &outcome["ticket"]["id"]).await;
    assert_eq!(given_up["note_problem"], "Forbidden", "{given_up}");
    let entries = audit_entries(&server, &admin, "ticket.completion_note_given_up").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let page = page_html(&server, "/tickets", &admin).await;
    assert!(
        page.contains("Completion note not added"),
        "shown on the ticket"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_that_commits_after_newer_ones_is_not_missed_by_the_sync() {
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    let analyst = connected_analyst(&server).await;
    let late = shared(&server, &analyst, &Draft::user("Updated by a slow rule")).await;
    let quick = shared(&server, &analyst, &Draft::user("Updated at once")).await;
    let sys_id = |name: &str| {
        let instance = &instance;
        let name = name.to_owned();
        async move {
            instance.only_record_named(&name).await["sys_id"]
                .as_str()
                .expect("sys_id")
                .to_owned()
        }
    };
    let (late_id, quick_id) = (
        sys_id("Updated by a slow rule").await,
        sys_id("Updated at once").await,
    );
    refreshed(&server, &analyst).await;

    instance
        .set_faults(json!({"commit_late_next": 1, "commit_late_secs": 3}))
        .await;
    let status = instance
        .update_status("change_request", &late_id, json!({"state": "-3"}))
        .await;
    assert_eq!(status, 504, "committed later, stamped now");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let status = instance
        .update_status("change_request", &quick_id, json!({"state": "-4"}))
        .await;
    assert_eq!(status, 200);
    refreshed(&server, &analyst).await;
    let read = ticket(&server, &analyst, &quick["ticket"]["id"]).await;
    assert_eq!(read["state"], "-4", "{read}");

    tokio::time::sleep(Duration::from_secs(3)).await;
    refreshed(&server, &analyst).await;
    let read = ticket(&server, &analyst, &late["ticket"]["id"]).await;
    assert_eq!(read["state"], "-3", "the late commit is read: {read}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_401_of_the_token_endpoint_is_retried_and_keeps_the_connection() {
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    let analyst = connected_analyst(&server).await;
    let admin = signed_in_cookie(&server, "admin@scorenow.demo").await;
    sim_admin(&instance.url, Method::POST, "/tokens/expire", None).await;
    instance.set_faults(json!({"token_401_next": 1})).await;
    let draft = Draft::user("Sent after the token endpoint recovered");
    let outcome = shared(&server, &analyst, &draft).await;
    assert_eq!(outcome["ticket"]["delivery"], "Queued", "{outcome}");
    assert_eq!(
        connection_status(&server, &admin).await["state"],
        "Connected"
    );
    ticket_once(&server, &analyst, &outcome, "Created").await;
    assert_eq!(
        connection_status(&server, &admin).await["state"],
        "Connected"
    );
    assert_eq!(instance.records_named(&draft.name).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_answer_is_cut_off_with_a_clear_problem() {
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    connected_analyst(&server).await;
    let admin = signed_in_cookie(&server, "admin@scorenow.demo").await;
    instance
        .set_faults(json!({"oversized_bytes": 40 * 1024 * 1024}))
        .await;
    let (code, tested) = call(&server, &admin, "test_servicenow_connection", NO_ARGUMENTS).await;
    assert_eq!(code, 200, "{tested}");
    assert_eq!(tested["last_error"]["kind"], "Malformed", "{tested}");
    assert!(
        tested["last_error"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("larger than")),
        "{tested}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_the_connection_revokes_the_old_tokens_with_client_authentication() {
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    let admin = signed_in_cookie(&server, "admin@scorenow.demo").await;
    connect_servicenow(&server, &admin, &instance.url).await;
    sim_admin(&instance.url, Method::POST, "/stats/reset", None).await;
    // Another client of the same instance: the old client's tokens go.
    assert_eq!(
        support::confirm_password(&server, &admin, support::DEMO_PASSWORD).await,
        200
    );
    let (code, body) = call(
        &server,
        &admin,
        "connect_servicenow",
        &[
            ("instance", instance.url.as_str()),
            ("client_id", "another-client"),
            ("client_secret", "another-secret"),
        ],
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let stats = sim_stats(&instance).await;
    assert_eq!(
        stats["revocations"],
        json!({"form_with_client": 2}),
        "refresh and access token, in a form body with the client: {stats}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_that_ends_after_the_connection_moved_stores_nothing() {
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    let analyst = connected_analyst(&server).await;
    let admin = signed_in_cookie(&server, "admin@scorenow.demo").await;
    assert_eq!(
        support::confirm_password(&server, &admin, support::DEMO_PASSWORD).await,
        200
    );
    sim_admin(&instance.url, Method::POST, "/tokens/expire", None).await;
    instance
        .set_faults(json!({"token_latency_ms": 4_000}))
        .await;
    // A share needs a refresh, which takes 4 s, while the admin moves the
    // connection to another client.
    let draft = Draft::user("Shared while the connection moved");
    let moving = async {
        tokio::time::sleep(Duration::from_millis(1_000)).await;
        let form = support::post_connection_form(
            &server,
            &admin,
            &instance.url,
            "another-client",
            "secret",
        );
        assert_eq!(form.await.status(), 302, "moved");
    };
    let (outcome, ()) = tokio::join!(share(&server, &analyst, &draft), moving);
    assert_eq!(outcome.0, 200, "{outcome:?}");
    let stats = sim_stats(&instance).await;
    assert_eq!(stats["token_requests"]["refresh_token"], 1, "{stats}");
    let status = connection_status(&server, &admin).await;
    assert_eq!(
        status["state"], "AwaitingAuthorization",
        "the old client's tokens were not stored for the new one: {status}"
    );
    assert_eq!(status["client_id"], "another-client");
    let queued = ticket(&server, &analyst, &outcome.1["ticket"]["id"]).await;
    assert_eq!(
        queued["delivery"], "Queued",
        "waits for the new authorisation: {queued}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_from_the_instance_is_reported_not_followed() {
    use axum::{Router, http::StatusCode, response::IntoResponse, routing::any};
    use std::sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    };
    /// Serves `app` on a free loopback port; its address.
    async fn serve(app: Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move { axum::serve(listener, app).await });
        address
    }
    // Where the redirect leads (a metadata service, say): counts its visitors.
    let visits = Arc::new(AtomicU64::new(0));
    let counter = visits.clone();
    let target = serve(Router::new().fallback(any(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { "secret metadata" }
    })))
    .await;
    let location = format!("http://{target}/latest/meta-data/");
    let instance = serve(Router::new().fallback(any(move || {
        let location = location.clone();
        async move { (StatusCode::FOUND, [("location", location)]).into_response() }
    })))
    .await;
    let server = TestServer::start_with(&[
        "--demo",
        "--servicenow-sim-addr",
        "127.0.0.1:0",
        "--allowed-instance-hosts",
        &instance,
    ]);
    let admin = signed_in_cookie(&server, "admin@scorenow.demo").await;
    let instance = format!("http://{instance}");
    let authorize = support::start_authorization(&server, &admin, &instance, "id", "secret").await;
    let state = support::query_param(&authorize, "state").expect("state");
    let callback = server.url(&format!("/servicenow/callback?code=c&state={state}"));
    assert_eq!(support::callback_outcome(&callback, &admin).await, "failed");
    let status = connection_status(&server, &admin).await;
    assert_eq!(status["last_error"]["kind"], "Redirected", "{status}");
    assert!(
        status["last_error"]["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("/latest/meta-data/")),
        "{status}"
    );
    assert_eq!(visits.load(Ordering::SeqCst), 0, "never followed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integration_user_in_another_time_zone_syncs_by_utc() {
    let server = TestServer::start_with_simulator_admin();
    let instance = Instance::embedded(&server);
    let analyst = connected_analyst(&server).await;
    instance
        .set_faults(json!({"user_time_zone": "Asia/Kolkata"}))
        .await;
    let draft = Draft::user("Tracked by a user in Kolkata");
    let outcome = shared(&server, &analyst, &draft).await;
    assert_eq!(outcome["ticket"]["delivery"], "Created", "{outcome}");
    refreshed(&server, &analyst).await;
    instance
        .update_record_named("change_request", &draft.name, json!({"state": "-4"}))
        .await;
    refreshed(&server, &analyst).await;
    let read = ticket(&server, &analyst, &outcome["ticket"]["id"]).await;
    assert_eq!(read["state"], "-4", "{read}");

    // The instance shows that user its dates 5 h 30 min ahead of UTC.
    let record = instance.only_record_named(&draft.name).await;
    let sys_id = format!("sys_id={}", record["sys_id"].as_str().expect("sys_id"));
    let shown = instance
        .records_with(
            "change_request",
            &sys_id,
            &[("sysparm_display_value", "all")],
        )
        .await;
    let updated = &shown[0]["sys_updated_on"];
    assert_eq!(updated["value"], record["sys_updated_on"], "{updated}");
    assert_ne!(updated["display_value"], updated["value"], "{updated}");
}
