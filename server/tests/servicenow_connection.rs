//! Connecting ScoreNow to ServiceNow, end to end over HTTP against the
//! embedded simulator: the admin's form, the browser's trip through the
//! instance's sign-in and consent pages, the callback, and every way that
//! can fail; then tokens, status, settings and removal.

mod support;

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use server::servicenow_sim::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_INTEGRATION_USER};
use support::{
    DEMO_PASSWORD, NO_ARGUMENTS, TestServer, call, callback_outcome, confirm_password,
    connect_servicenow, consent_at_instance, free_port, location, page_html, post_connection_form,
    post_form, query_param, set_sim_faults, signed_in_cookie, sim_admin, start_authorization,
    stored_in_clear,
};

/// A fresh session of the demo admin.
async fn admin(server: &TestServer) -> String {
    signed_in_cookie(server, "admin@scorenow.demo").await
}

/// The connection's status as `cookie` reads it, which must succeed.
async fn status(server: &TestServer, cookie: &str) -> Value {
    let (code, body) = call(server, cookie, "servicenow_status", NO_ARGUMENTS).await;
    assert_eq!(code, 200, "{body}");
    body
}

/// Tests the connection as `cookie`; returns the status and the answer.
async fn test_connection(server: &TestServer, cookie: &str) -> (u16, Value) {
    call(server, cookie, "test_servicenow_connection", NO_ARGUMENTS).await
}

/// The ServiceNow settings as `cookie` reads them.
async fn read_settings(server: &TestServer, cookie: &str) -> Value {
    call(server, cookie, "servicenow_settings", NO_ARGUMENTS)
        .await
        .1
}

/// Submits the connection form for the embedded simulator and the demo
/// client with `secret` as a browser without JavaScript; returns where
/// ScoreNow sends the browser (the instance's authorisation URL).
async fn submit_connection(server: &TestServer, cookie: &str, secret: &str) -> String {
    start_authorization(server, cookie, server.simulator(), DEMO_CLIENT_ID, secret).await
}

/// Presses "Authorize again" without JavaScript; returns the authorisation URL.
async fn reauthorize(server: &TestServer, cookie: &str) -> String {
    let response = post_form(
        &server.url("/api/reauthorize_servicenow"),
        &[
            ("accept", "text/html"),
            ("referer", &server.url("/servicenow/settings")),
            ("cookie", cookie),
        ],
        &[],
    )
    .await;
    assert_eq!(response.status(), 302);
    location(&response)
}

/// The browser at the embedded simulator: signs in as the integration user
/// and answers the consent page; returns where the instance redirects to.
async fn consent(server: &TestServer, authorize_url: &str, action: &str) -> String {
    consent_at_instance(server.simulator(), authorize_url, action).await
}

/// A server whose demo admin submitted the connection form with the demo
/// credentials, and whose browser answered the instance's consent page with
/// `action`: the server, the admin's cookie and where the instance redirects to.
async fn consented(action: &str) -> (TestServer, String, String) {
    let server = TestServer::start_with_simulator_admin();
    let cookie = admin(&server).await;
    let authorize = submit_connection(&server, &cookie, DEMO_CLIENT_SECRET).await;
    let redirect = consent(&server, &authorize, action).await;
    (server, cookie, redirect)
}

/// The whole flow with the demo credentials; returns the admin's cookie.
async fn connect(server: &TestServer) -> String {
    let cookie = admin(server).await;
    connect_servicenow(server, &cookie, server.simulator()).await;
    cookie
}

/// Puts `faults` in force at the embedded simulator, alone.
async fn set_faults(server: &TestServer, faults: Value) {
    set_sim_faults(server.simulator(), faults).await;
}

/// Calls the embedded simulator's admin endpoint, which must succeed.
async fn sim(server: &TestServer, method: Method, path: &str, body: Option<Value>) -> Value {
    sim_admin(server.simulator(), method, path, body).await
}

/// Submits the connection form as JavaScript does; returns the status and answer.
async fn connection_form_answer(
    server: &TestServer,
    cookie: &str,
    instance: &str,
    client_id: &str,
    client_secret: &str,
) -> (u16, Value) {
    let form = [
        ("instance", instance),
        ("client_id", client_id),
        ("client_secret", client_secret),
    ];
    call(server, cookie, "connect_servicenow", &form).await
}

/// Asks to remove the connection as `cookie` with `form`; returns the status and the answer.
async fn remove_connection(
    server: &TestServer,
    cookie: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    call(server, cookie, "remove_servicenow_connection", form).await
}

#[tokio::test]
async fn an_admin_connects_and_the_secrets_stay_on_the_server_encrypted() {
    let server = TestServer::start_with_simulator_admin();
    let cookie = admin(&server).await;
    let before = status(&server, &cookie).await;
    assert_eq!(before["state"], "NotConfigured");
    let redirect_uri = before["redirect_uri"].as_str().unwrap().to_owned();
    assert_eq!(redirect_uri, server.url("/servicenow/callback"));

    let authorize = submit_connection(&server, &cookie, DEMO_CLIENT_SECRET).await;
    assert!(
        authorize.starts_with(&format!("{}/oauth_auth.do?", server.simulator())),
        "{authorize}"
    );
    assert_eq!(
        query_param(&authorize, "client_id").as_deref(),
        Some(DEMO_CLIENT_ID)
    );
    assert_eq!(query_param(&authorize, "redirect_uri"), Some(redirect_uri));
    assert_eq!(
        query_param(&authorize, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert!(query_param(&authorize, "state").is_some_and(|s| s.len() >= 16));
    assert_eq!(
        status(&server, &cookie).await["state"],
        "AwaitingAuthorization"
    );

    let redirect = consent(&server, &authorize, "allow").await;
    assert_eq!(callback_outcome(&redirect, &cookie).await, "connected");

    let after = status(&server, &cookie).await;
    assert_eq!(after["state"], "Connected", "{after}");
    assert_eq!(after["secret_stored"], true);
    assert!(
        after["integration_user"]
            .as_str()
            .unwrap()
            .contains(DEMO_INTEGRATION_USER),
        "{after}"
    );
    assert!(after["token_expires_at"].is_string(), "{after}");
    assert!(after["last_success_at"].is_string(), "{after}");
    let mut shown = after.clone();
    shown["demo"] = Value::Null; // the demo hints name the (public) demo secret
    assert!(!shown.to_string().contains(DEMO_CLIENT_SECRET));

    // Nothing secret is stored in the clear, and the key file is private.
    assert!(!stored_in_clear(&server, DEMO_CLIENT_SECRET));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = std::fs::metadata(server.data_dir().join("secret.key")).unwrap();
        assert_eq!(key.permissions().mode() & 0o777, 0o600);
    }

    let (code, tested) = test_connection(&server, &cookie).await;
    assert_eq!(code, 200, "{tested}");
    assert_eq!(tested["state"], "Connected");
    assert_eq!(tested["last_error"], Value::Null, "{tested}");

    let html = page_html(&server, "/servicenow/setup", &cookie).await;
    assert!(
        html.contains("ScoreNow Integration (scorenow.integration)"),
        "the status panel shows the user"
    );
}

#[tokio::test]
async fn a_callback_with_an_unknown_state_is_refused() {
    let server = TestServer::start_with_simulator_admin();
    let cookie = admin(&server).await;
    let outcome = callback_outcome(
        &server.url("/servicenow/callback?code=abc&state=forged"),
        &cookie,
    )
    .await;
    assert_eq!(outcome, "state_mismatch");
    let outcome = callback_outcome(&server.url("/servicenow/callback?code=abc"), "").await;
    assert_eq!(outcome, "state_mismatch");
    let after = status(&server, &cookie).await;
    assert_eq!(after["state"], "NotConfigured");
    assert_eq!(
        after["last_error"],
        Value::Null,
        "an anonymous caller changes nothing"
    );
}

#[tokio::test]
async fn a_callback_outside_the_admins_session_is_refused() {
    let (server, cookie, redirect) = consented("allow").await;
    // Another browser (no session), or another signed-in user, cannot finish it.
    let analyst = signed_in_cookie(&server, "analyst@scorenow.demo").await;
    assert_eq!(
        callback_outcome(&redirect, &analyst).await,
        "state_mismatch"
    );
    let after = status(&server, &cookie).await;
    assert_eq!(after["state"], "AwaitingAuthorization");
    assert_eq!(after["last_error"]["kind"], "StateMismatch");
    // The state is spent, so not even the admin can use it afterwards.
    assert_eq!(callback_outcome(&redirect, &cookie).await, "state_mismatch");
}

#[tokio::test]
async fn a_replayed_callback_or_code_is_refused() {
    let (server, cookie, redirect) = consented("allow").await;
    assert_eq!(callback_outcome(&redirect, &cookie).await, "connected");
    // The same callback again: its state was used up.
    assert_eq!(callback_outcome(&redirect, &cookie).await, "state_mismatch");

    // A new authorisation, answered with the old (spent) code.
    let authorize = reauthorize(&server, &cookie).await;
    let state = query_param(&authorize, "state").unwrap();
    let old_code = query_param(&redirect, "code").unwrap();
    let forged = server.url(&format!(
        "/servicenow/callback?code={old_code}&state={state}"
    ));
    assert_eq!(callback_outcome(&forged, &cookie).await, "refused");
    let after = status(&server, &cookie).await;
    assert_eq!(
        after["last_error"]["kind"], "AuthorizationRefused",
        "{after}"
    );
}

#[tokio::test]
async fn denied_consent_is_reported_with_its_advice() {
    let (server, cookie, redirect) = consented("deny").await;
    assert_eq!(
        query_param(&redirect, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(callback_outcome(&redirect, &cookie).await, "consent_denied");
    let after = status(&server, &cookie).await;
    assert_eq!(after["state"], "AwaitingAuthorization");
    assert_eq!(after["last_error"]["kind"], "ConsentDenied");

    let html = page_html(&server, "/servicenow/setup?outcome=consent_denied", &cookie).await;
    assert!(
        html.contains("Access was denied on the ServiceNow consent page"),
        "outcome notice"
    );
    assert!(
        html.contains("choose Allow on the ServiceNow page"),
        "advice"
    );
}

#[tokio::test]
async fn an_expired_code_or_a_wrong_secret_is_refused() {
    let (server, cookie, redirect) = consented("allow").await;
    sim(&server, Method::POST, "/codes/expire", None).await;
    assert_eq!(callback_outcome(&redirect, &cookie).await, "refused");

    let authorize = submit_connection(&server, &cookie, "not-the-secret").await;
    let redirect = consent(&server, &authorize, "allow").await;
    assert_eq!(callback_outcome(&redirect, &cookie).await, "refused");
    let after = status(&server, &cookie).await;
    assert_eq!(after["state"], "AwaitingAuthorization");
    assert_eq!(
        after["last_error"]["kind"], "AuthorizationRefused",
        "{after}"
    );
    assert_eq!(after["last_error"]["message"], "server_error", "{after}");
}

#[tokio::test]
async fn a_revoked_refresh_token_turns_the_connection_to_needs_reauthorization() {
    let server = TestServer::start_with_simulator_admin();
    let cookie = connect(&server).await;
    sim(&server, Method::POST, "/tokens/revoke", None).await;
    let (code, tested) = test_connection(&server, &cookie).await;
    assert_eq!(code, 200, "{tested}");
    assert_eq!(tested["state"], "NeedsReauthorization", "{tested}");
    assert_eq!(tested["last_error"]["kind"], "ReauthorizationNeeded");

    let admin_home = page_html(&server, "/", &cookie).await;
    assert!(admin_home.contains("Re-authorise now"), "admin banner");
    let reader = signed_in_cookie(&server, "reader@scorenow.demo").await;
    let reader_home = page_html(&server, "/tickets", &reader).await;
    assert!(
        reader_home.contains("needs attention from an administrator"),
        "reader banner"
    );
    assert!(!reader_home.contains("Re-authorise now"));

    // Authorising again brings it back.
    let authorize = reauthorize(&server, &cookie).await;
    let redirect = consent(&server, &authorize, "allow").await;
    assert_eq!(callback_outcome(&redirect, &cookie).await, "connected");
    assert_eq!(status(&server, &cookie).await["state"], "Connected");
}

#[tokio::test]
async fn the_cross_scope_refusal_gets_its_troubleshooting_advice() {
    let server = TestServer::start_with_simulator_admin();
    let cookie = connect(&server).await;
    set_faults(&server, json!({"cross_scope_oauth_entity": true})).await;
    let (_, tested) = test_connection(&server, &cookie).await;
    assert_eq!(tested["state"], "Connected");
    assert_eq!(tested["last_error"]["kind"], "CrossScopePolicy", "{tested}");
    assert_eq!(tested["last_error"]["status"], 403);
    let html = page_html(&server, "/servicenow/setup", &cookie).await;
    assert!(
        html.contains("Accessible from = All application scopes"),
        "advice shown"
    );
}

#[tokio::test]
async fn token_expiry_during_a_burst_of_200_calls_causes_exactly_one_refresh() {
    let server = TestServer::start_with_simulator_admin();
    let cookie = connect(&server).await;
    sim(&server, Method::POST, "/stats/reset", None).await;
    sim(&server, Method::POST, "/tokens/expire", None).await;

    let calls = (0..200).map(|_| test_connection(&server, &cookie));
    for (code, body) in join_all(calls).await {
        assert_eq!(code, 200, "{body}");
        assert_eq!(body["state"], "Connected", "{body}");
    }
    let stats = sim(&server, Method::GET, "/stats", None).await;
    assert_eq!(
        stats["token_requests"],
        json!({"refresh_token": 1}),
        "{stats}"
    );
    // 4 calls per test, each sent once more after the 401s.
    assert!(stats["rest_requests"].as_u64().unwrap() >= 800, "{stats}");
}

#[tokio::test]
async fn bad_instance_input_is_refused_next_to_the_field_and_kept() {
    let server = TestServer::start_with_simulator_admin();
    let cookie = admin(&server).await;
    for (instance, expected) in [
        ("", json!("Empty")),
        (
            "evil.example.com",
            json!({"HostNotAllowed": {"host": "evil.example.com"}}),
        ),
        ("http://acme.service-now.com", json!("NotHttps")),
        (
            "https://acme.service-now.com:8443",
            json!({"PortNotAllowed": {"host": "acme.service-now.com:8443"}}),
        ),
        (
            "https://169.254.169.254",
            json!({"HostNotAllowed": {"host": "169.254.169.254"}}),
        ),
    ] {
        let (code, body) = connection_form_answer(&server, &cookie, instance, "id", "s").await;
        assert_eq!(code, 500, "{body}");
        assert_eq!(body["reason"]["Instance"], expected, "{body}");
        assert_eq!(body["instance"], instance);
        assert_eq!(body["client_id"], "id");
    }
    for (client_id, client_secret, reason) in [
        (" ", "s", "MissingClientId"),
        ("id", "", "MissingClientSecret"),
    ] {
        let (_, body) =
            connection_form_answer(&server, &cookie, "acme", client_id, client_secret).await;
        assert_eq!(body["reason"], reason, "{body}");
    }
    assert_eq!(status(&server, &cookie).await["state"], "NotConfigured");
}

#[tokio::test]
async fn state_names_and_defaults_are_saved_checked_and_reset() {
    let server = TestServer::start_with_simulator_admin();
    let cookie = connect(&server).await;
    let (code, body) = call(
        &server,
        &cookie,
        "save_state_names",
        &[
            ("table", "change_request"),
            ("states[0][value]", "-5"),
            ("states[0][name]", "Proposed"),
            ("states[1][value]", "3"),
            ("states[1][name]", ""),
        ],
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let settings = read_settings(&server, &cookie).await;
    let change = &settings["state_names"]["change_request"];
    assert_eq!(change[0]["value"], "-5");
    assert_eq!(change[0]["custom_name"], "Proposed", "{settings}");
    assert_eq!(change[6]["custom_name"], Value::Null);

    let long = "x".repeat(41);
    let (code, body) = call(
        &server,
        &cookie,
        "save_state_names",
        &[
            ("table", "incident"),
            ("states[0][value]", "2"),
            ("states[0][name]", long.as_str()),
        ],
    )
    .await;
    assert_eq!(code, 500);
    assert_eq!(body, json!({"StateName": {"value": "2"}}));

    let (code, _) = call(
        &server,
        &cookie,
        "save_state_names",
        &[("table", "change_request"), ("reset", "true")],
    )
    .await;
    assert_eq!(code, 200);
    let settings = read_settings(&server, &cookie).await;
    assert_eq!(
        settings["state_names"]["change_request"][0]["custom_name"],
        Value::Null
    );

    let (code, _) = call(
        &server,
        &cookie,
        "save_ticket_defaults",
        &[
            ("ticket_type", "incident"),
            ("assignment_group", "Security"),
            ("category", "Security"),
        ],
    )
    .await;
    assert_eq!(code, 200);
    let settings = read_settings(&server, &cookie).await;
    assert_eq!(
        settings["defaults"],
        json!({"ticket_type": "incident", "assignment_group": "Security", "category": "Security"})
    );
}

#[tokio::test]
async fn removing_the_connection_needs_confirmation_revokes_and_wipes_the_secrets() {
    let server = TestServer::start_with_simulator_admin();
    let cookie = connect(&server).await;
    let (code, body) = remove_connection(&server, &cookie, NO_ARGUMENTS).await;
    assert_eq!(code, 500);
    assert_eq!(body, json!("ReauthenticationRequired"));
    assert_eq!(confirm_password(&server, &cookie, DEMO_PASSWORD).await, 200);
    let (code, body) = remove_connection(&server, &cookie, NO_ARGUMENTS).await;
    assert_eq!(code, 500);
    assert_eq!(body, json!("NotConfirmed"));
    assert_eq!(status(&server, &cookie).await["state"], "Connected");

    let (code, body) = remove_connection(&server, &cookie, &[("confirm", "true")]).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(status(&server, &cookie).await["state"], "NotConfigured");

    let storage = support::database::storage_of(server.data_dir()).await;
    let audit = storage.recent_audit(20).await.unwrap();
    let removed = audit
        .iter()
        .find(|record| record.event.action == "servicenow.removed")
        .expect("removal audited");
    assert_eq!(removed.event.actor, "admin@scorenow.demo");
    assert_eq!(
        removed.event.details["revoked"],
        json!(["refresh_token", "access_token"])
    );
    let actions: Vec<&str> = audit.iter().map(|r| r.event.action.as_str()).collect();
    for action in [
        "servicenow.configured",
        "servicenow.authorization_started",
        "servicenow.authorized",
    ] {
        assert!(actions.contains(&action), "{actions:?}");
    }
    storage.close().await;
    let html = page_html(&server, "/", &cookie).await;
    assert!(
        html.contains("Do you use ServiceNow?"),
        "the offer returns once disconnected"
    );
}

#[tokio::test]
async fn the_offer_card_can_be_dismissed_per_user() {
    let server = TestServer::start_with_simulator_admin();
    let analyst = signed_in_cookie(&server, "analyst@scorenow.demo").await;
    let html = page_html(&server, "/", &analyst).await;
    assert!(html.contains("Do you use ServiceNow?"));
    assert!(
        !html.contains(">Connect to ServiceNow<"),
        "no connect button for analysts"
    );
    let (code, _) = call(&server, &analyst, "dismiss_servicenow_offer", NO_ARGUMENTS).await;
    assert_eq!(code, 200);
    assert!(
        !page_html(&server, "/", &analyst)
            .await
            .contains("Do you use ServiceNow?")
    );
    let admin = admin(&server).await;
    assert!(
        page_html(&server, "/", &admin)
            .await
            .contains("Do you use ServiceNow?")
    );
}

#[tokio::test]
async fn reads_are_retried_after_a_rate_limit_and_a_dropped_connection() {
    let server = TestServer::start_with_simulator_admin();
    let cookie = connect(&server).await;
    set_faults(
        &server,
        json!({"rate_limit_next": 1, "retry_after_secs": 1, "drop_next": 1}),
    )
    .await;
    sim(&server, Method::POST, "/stats/reset", None).await;
    let (code, tested) = test_connection(&server, &cookie).await;
    assert_eq!(code, 200, "{tested}");
    assert_eq!(tested["last_error"], Value::Null, "{tested}");
    let stats = sim(&server, Method::GET, "/stats", None).await;
    assert_eq!(stats["rest_requests"], 6, "4 reads and 2 retries: {stats}");
}

#[tokio::test]
async fn an_unreachable_instance_is_a_network_problem_not_a_crash() {
    let host = format!("127.0.0.1:{}", free_port());
    let server = TestServer::start_with(&[
        "--demo",
        "--servicenow-sim-addr",
        "127.0.0.1:0",
        "--allowed-instance-hosts",
        &host,
    ]);
    let cookie = admin(&server).await;
    let instance = format!("http://{host}");
    let response = post_connection_form(&server, &cookie, &instance, "id", "secret").await;
    let authorize = location(&response);
    assert!(
        authorize.starts_with(&format!("{instance}/oauth_auth.do?")),
        "{authorize}"
    );
    let state = query_param(&authorize, "state").unwrap();
    let redirect = server.url(&format!(
        "/servicenow/callback?code=some-code&state={state}"
    ));
    assert_eq!(callback_outcome(&redirect, &cookie).await, "failed");
    let after = status(&server, &cookie).await;
    assert_eq!(after["last_error"]["kind"], "Network", "{after}");
    let html = page_html(&server, "/servicenow/setup", &cookie).await;
    assert!(
        html.contains("ScoreNow could not reach the instance."),
        "problem shown"
    );
}
