//! Safe by default: demo mode only when asked for, sign-in that cannot
//! exhaust the machine or be guessed in parallel, throttling that sees
//! through trusted proxies only, sessions that rotate and expire, answers
//! no cache keeps, and account changes that hold under concurrency.

mod support;

use futures_util::future::join_all;
use serde_json::{Value, json};
use std::{
    process::Stdio,
    time::{Duration, Instant},
};
use support::{
    DEMO_PASSWORD, NO_ARGUMENTS, TestServer, call, client, confirm_password,
    confirm_password_answer, database, get, one_line_failure, page_html, scorenow,
    signed_in_cookie, signed_in_cookie_with,
};

const ROOT: &str = "root@example.com";
const ROOT_PASSWORD: &str = "a long enough password";

/// A production server (no `--demo`) whose first admin is [`ROOT`].
fn production(options: &[&str]) -> TestServer {
    let mut all = vec!["--admin-email", ROOT, "--admin-password", ROOT_PASSWORD];
    all.extend(options);
    TestServer::start_with(&all)
}

/// Signs in through the server function, as JavaScript does, from behind
/// `forwarded_for` when given; returns the status and the JSON answer.
async fn sign_in_json(
    server: &TestServer,
    email: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> (u16, Value) {
    let mut request = client()
        .post(server.url("/api/sign_in"))
        .header("accept", "application/json")
        .form(&[("email", email), ("password", password), ("next", "/")]);
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    let response = request.send().await.expect("sign in");
    let status = response.status().as_u16();
    let body = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

/// The id of the account `email` in the answer of `list_users`.
fn id_of(users: &Value, email: &str) -> String {
    users
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["email"] == email)
        .map(|user| user["id"].to_string())
        .unwrap()
}

/// The failed-sign-in audit records of `email`.
async fn failed_sign_ins(server: &TestServer, email: &str) -> usize {
    let storage = database::storage_of(server.data_dir()).await;
    let records = storage.recent_audit(10_000).await.unwrap();
    storage.close().await;
    records
        .iter()
        .filter(|r| {
            r.event.action == "user.sign_in_failed" && r.event.target.as_deref() == Some(email)
        })
        .count()
}

/// The resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

#[tokio::test]
async fn a_default_start_has_no_simulator_demo_accounts_or_hints() {
    let server = production(&[]);
    assert!(
        server.simulator_url.is_none(),
        "no simulator without --demo"
    );
    let login = page_html(&server, "/login", "").await;
    assert!(!login.contains("Demo accounts"), "no demo hints");
    assert!(!login.contains(DEMO_PASSWORD), "no published password");
    assert_eq!(
        call(&server, "", "demo_accounts", NO_ARGUMENTS).await,
        (200, json!([]))
    );
    let (_, refused) = sign_in_json(&server, "admin@scorenow.demo", DEMO_PASSWORD, None).await;
    assert_eq!(
        refused,
        json!({"InvalidCredentials": {"email": "admin@scorenow.demo"}})
    );
    let root = signed_in_cookie_with(&server, ROOT, ROOT_PASSWORD).await;
    let (_, status) = call(&server, &root, "servicenow_status", NO_ARGUMENTS).await;
    assert_eq!(
        status["demo"],
        Value::Null,
        "no demo hints on the setup page"
    );
}

#[tokio::test]
async fn demo_mode_has_the_demo_accounts_and_their_hints() {
    let server = TestServer::start();
    let login = page_html(&server, "/login", "").await;
    assert!(login.contains("Demo accounts"), "{login}");
    let (_, accounts) = call(&server, "", "demo_accounts", NO_ARGUMENTS).await;
    assert_eq!(accounts.as_array().map(Vec::len), Some(3), "{accounts}");
    let admin = signed_in_cookie(&server, "admin@scorenow.demo").await;
    let (_, status) = call(&server, &admin, "servicenow_status", NO_ARGUMENTS).await;
    assert_eq!(status["demo"]["client_id"], "scorenow-demo");
}

#[tokio::test]
async fn production_refuses_a_database_with_demo_accounts_until_they_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let mut demo = scorenow();
    demo.args(["--demo", "--servicenow-sim-addr", "off"]);
    drop(TestServer::start_command(demo, Some(dir.path())));

    let stderr = one_line_failure(database::in_data_dir(
        scorenow().args(["--addr", "127.0.0.1:0"]),
        dir.path(),
    ));
    assert!(
        stderr.starts_with("scorenow: the database holds the demo accounts admin@scorenow.demo, analyst@scorenow.demo, reader@scorenow.demo"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`scorenow admin remove-demo-accounts`"),
        "{stderr}"
    );

    let removed = database::in_data_dir(
        scorenow().args(["admin", "remove-demo-accounts"]),
        dir.path(),
    )
    .stdin(Stdio::null())
    .output()
    .unwrap();
    assert!(removed.status.success(), "{removed:?}");
    assert_eq!(
        String::from_utf8(removed.stdout).unwrap().trim(),
        "Removed the demo accounts admin@scorenow.demo, analyst@scorenow.demo, reader@scorenow.demo."
    );

    let mut production = scorenow();
    production.args(["--admin-email", ROOT, "--admin-password", ROOT_PASSWORD]);
    let server = TestServer::start_command(production, Some(dir.path()));
    let (_, refused) = sign_in_json(&server, "admin@scorenow.demo", DEMO_PASSWORD, None).await;
    assert!(refused.get("InvalidCredentials").is_some(), "{refused}");
}

/// Sends 200 wrong passwords for `target` at once while probing `/healthz`;
/// returns each answer and the slowest probe.
async fn burst_of_guesses(server: &TestServer, target: &str) -> (Vec<(u16, Value)>, Duration) {
    let health = async {
        let started = Instant::now();
        let mut slowest = Duration::ZERO;
        while started.elapsed() < Duration::from_secs(2) {
            let asked = Instant::now();
            assert_eq!(get(&server.url("/healthz"), &[]).await.status(), 200);
            slowest = slowest.max(asked.elapsed());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        slowest
    };
    let guesses = join_all((0..200).map(|n| async move {
        sign_in_json(server, target, &format!("wrong guess {n}"), None).await
    }));
    tokio::join!(guesses, health)
}

#[tokio::test]
async fn parallel_wrong_passwords_are_stopped_by_the_throttle_and_the_server_keeps_answering() {
    let server = TestServer::start();
    let target = "admin@scorenow.demo";
    let at_start = rss_kib(server.pid());
    let (outcomes, slowest_health) = burst_of_guesses(&server, target).await;
    let after_one = rss_kib(server.pid());
    let (again, _) = burst_of_guesses(&server, target).await;
    let after_two = rss_kib(server.pid());

    let count = |status: u16| outcomes.iter().filter(|(s, _)| *s == status).count();
    let (checked, throttled, busy) = (count(500), count(429), count(503));
    println!(
        "200 parallel wrong passwords: {checked} checked, {throttled} throttled, {busy} busy; \
         slowest /healthz {slowest_health:?}; RSS {at_start} KiB at start, {after_one} KiB \
         after the burst, {after_two} KiB after a second one"
    );
    assert_eq!(checked + throttled + busy, 200, "{outcomes:?}");
    for (status, body) in &outcomes {
        let refusal = match status {
            500 => "InvalidCredentials",
            429 => "Throttled",
            _ => "Busy",
        };
        assert!(body.get(refusal).is_some(), "{status}: {body}");
    }
    // Five free attempts, then the waits begin: the rest are turned away unhashed.
    assert!(
        (1..=5).contains(&checked),
        "{checked} passwords were checked"
    );
    assert!(
        throttled >= 150,
        "the throttle stopped the rest: {throttled}"
    );
    assert!(
        again.iter().filter(|(status, _)| *status != 429).count() <= 1,
        "one attempt a doubling wait, however many try: {again:?}"
    );
    assert!(failed_sign_ins(&server, target).await <= 5);
    assert!(
        slowest_health < Duration::from_secs(1),
        "{slowest_health:?}"
    );
    assert!(
        after_one < at_start + 32 * 1024 && after_two < after_one + 8 * 1024,
        "memory does not grow with the guesses: {at_start} → {after_one} → {after_two} KiB"
    );
}

#[tokio::test]
async fn a_throttled_or_busy_answer_says_when_to_retry() {
    let server = TestServer::start();
    for n in 0..5 {
        sign_in_json(&server, "reader@scorenow.demo", &format!("wrong {n}"), None).await;
    }
    let response = client()
        .post(server.url("/api/sign_in"))
        .header("accept", "application/json")
        .form(&[
            ("email", "reader@scorenow.demo"),
            ("password", "wrong"),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
}

#[tokio::test]
async fn a_huge_email_gets_a_field_error_and_writes_no_large_row() {
    let server = TestServer::start();
    let huge = format!("{}@example.com", "a".repeat(1024 * 1024));
    let (status, body) = sign_in_json(&server, &huge, "whatever password", None).await;
    assert_eq!(
        status,
        500,
        "{}",
        &body.to_string()[..200.min(body.to_string().len())]
    );
    let shown = body["InvalidEmail"]["email"]
        .as_str()
        .expect("InvalidEmail");
    assert_eq!(
        shown.chars().count(),
        254,
        "only what a form can show comes back"
    );
    let storage = database::storage_of(server.data_dir()).await;
    let records = storage.recent_audit(10_000).await.unwrap();
    storage.close().await;
    assert!(
        records
            .iter()
            .all(|r| r.event.target.as_deref().is_none_or(|t| t.len() < 1000)),
        "no large audit row"
    );
    assert_eq!(
        failed_sign_ins(&server, &huge).await,
        0,
        "nothing was checked"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_throttle_keys_on_the_forwarded_address() {
    let server = TestServer::start_with(&[
        "--demo",
        "--servicenow-sim-addr",
        "off",
        "--trusted-proxies",
        "127.0.0.1/32,::1",
    ]);
    // Each guess names another account: only the address key adds up.
    for n in 0..5 {
        let email = format!("guess{n}@example.com");
        let (status, _) = sign_in_json(&server, &email, "wrong", Some("203.0.113.9")).await;
        assert_eq!(status, 500);
    }
    let (status, body) =
        sign_in_json(&server, "guess5@example.com", "wrong", Some("203.0.113.9")).await;
    assert_eq!(status, 429, "{body}");
    let (status, body) =
        sign_in_json(&server, "guess6@example.com", "wrong", Some("203.0.113.10")).await;
    assert_eq!(
        status, 500,
        "another client behind the proxy is not throttled: {body}"
    );
}

#[tokio::test]
async fn from_an_untrusted_peer_a_forwarding_header_is_ignored() {
    let server = TestServer::start();
    for n in 0..5 {
        let email = format!("guess{n}@example.com");
        let forged = format!("198.51.100.{n}");
        let (status, _) = sign_in_json(&server, &email, "wrong", Some(&forged)).await;
        assert_eq!(status, 500);
    }
    let (status, body) = sign_in_json(
        &server,
        "guess5@example.com",
        "wrong",
        Some("198.51.100.99"),
    )
    .await;
    assert_eq!(status, 429, "keyed on the peer, whatever it claims: {body}");
}

#[tokio::test]
async fn sessions_rotate_at_sign_in_and_end_when_idle_or_old() {
    let server = TestServer::start_with(&[
        "--demo",
        "--servicenow-sim-addr",
        "off",
        "--session-idle-timeout",
        "3s",
        "--session-lifetime",
        "4s",
    ]);
    let user = |cookie: String| {
        let server = &server;
        async move {
            call(server, &cookie, "signed_in_user", NO_ARGUMENTS)
                .await
                .1
        }
    };
    let first = signed_in_cookie(&server, "reader@scorenow.demo").await;
    // Signing in again from the same browser replaces its session.
    let again = client()
        .post(server.url("/api/sign_in"))
        .header("accept", "application/json")
        .header("cookie", &first)
        .form(&[
            ("email", "reader@scorenow.demo"),
            ("password", DEMO_PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    let second = support::session_cookie(&again);
    assert_ne!(first, second);
    assert_eq!(user(first).await, Value::Null, "the previous session ended");
    assert_eq!(user(second.clone()).await["email"], "reader@scorenow.demo");

    // Sessions count whole seconds: 4.5 s unused is more than 3 s however they fall.
    tokio::time::sleep(Duration::from_millis(4_500)).await;
    assert_eq!(user(second).await, Value::Null, "idle for longer than 3 s");

    let busy = signed_in_cookie(&server, "reader@scorenow.demo").await;
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(3_500) {
        assert_eq!(user(busy.clone()).await["email"], "reader@scorenow.demo");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Used 2 s ago (not idle), signed in more than 4 s ago (whole seconds).
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    assert_eq!(
        user(busy).await,
        Value::Null,
        "used all along, but older than 4 s"
    );
}

#[tokio::test]
async fn signed_in_answers_are_not_stored_but_built_assets_may_be() {
    let server = TestServer::start();
    let cookie = signed_in_cookie(&server, "analyst@scorenow.demo").await;
    for path in ["/", "/tickets", "/api/export_tickets?query=", "/login"] {
        let response = get(&server.url(path), &[("cookie", cookie.as_str())]).await;
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    let answer = client()
        .post(server.url("/api/signed_in_user"))
        .header("cookie", &cookie)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["cache-control"], "no-store");
    let asset = get(&server.url("/pkg/scorenow.css"), &[]).await;
    assert!(
        asset
            .headers()
            .get("cache-control")
            .is_none_or(|value| value != "no-store")
    );
}

#[tokio::test]
async fn demoting_the_last_two_admins_at_once_leaves_one() {
    let server = TestServer::start();
    let first = signed_in_cookie(&server, "admin@scorenow.demo").await;
    let (code, _) = call(
        &server,
        &first,
        "create_user",
        &[
            ("email", "second@example.com"),
            ("display_name", "Second"),
            ("role", "admin"),
            ("password", ROOT_PASSWORD),
        ],
    )
    .await;
    assert_eq!(code, 200);
    let second = signed_in_cookie_with(&server, "second@example.com", ROOT_PASSWORD).await;
    assert_eq!(confirm_password(&server, &first, DEMO_PASSWORD).await, 200);
    assert_eq!(confirm_password(&server, &second, ROOT_PASSWORD).await, 200);
    let (_, users) = call(&server, &first, "list_users", NO_ARGUMENTS).await;
    let (first_id, second_id) = (
        id_of(&users, "admin@scorenow.demo"),
        id_of(&users, "second@example.com"),
    );
    let demote = |cookie: String, id: String| {
        let server = &server;
        async move {
            call(
                server,
                &cookie,
                "change_role",
                &[("user_id", id.as_str()), ("role", "reader")],
            )
            .await
        }
    };
    let (one, other) = tokio::join!(
        demote(first.clone(), second_id),
        demote(second.clone(), first_id)
    );
    let outcomes = [one, other];
    assert_eq!(
        outcomes.iter().filter(|(code, _)| *code == 200).count(),
        1,
        "{outcomes:?}"
    );
    // The other is refused: as the last admin, or, when the first demotion
    // landed before its role check, as no longer an admin.
    assert!(
        outcomes
            .iter()
            .any(|(_, body)| *body == json!("LastAdmin") || *body == json!("Forbidden")),
        "{outcomes:?}"
    );
    let root = if outcomes[0].0 == 200 {
        &first
    } else {
        &second
    };
    let (_, users) = call(&server, root, "list_users", NO_ARGUMENTS).await;
    let admins = users
        .as_array()
        .unwrap()
        .iter()
        .filter(|user| user["role"] == "admin" && user["active"] == true)
        .count();
    assert_eq!(admins, 1);
}

#[tokio::test]
async fn a_role_change_needs_the_password_confirmed() {
    let server = TestServer::start();
    let admin = signed_in_cookie(&server, "admin@scorenow.demo").await;
    let (_, users) = call(&server, &admin, "list_users", NO_ARGUMENTS).await;
    let reader = id_of(&users, "reader@scorenow.demo");
    let change = [("user_id", reader.as_str()), ("role", "analyst")];
    assert_eq!(
        call(&server, &admin, "change_role", &change).await,
        (500, json!("ReauthenticationRequired"))
    );
    let (code, wrong) = confirm_password_answer(&server, &admin, "not it at all").await;
    assert_eq!(code, 500);
    assert!(wrong.get("InvalidCredentials").is_some(), "{wrong}");
    assert_eq!(confirm_password(&server, &admin, DEMO_PASSWORD).await, 200);
    assert_eq!(call(&server, &admin, "change_role", &change).await.0, 200);
}

#[tokio::test]
async fn a_common_breached_password_is_refused_with_its_reason() {
    let server = TestServer::start();
    let admin = signed_in_cookie(&server, "admin@scorenow.demo").await;
    let (code, body) = call(
        &server,
        &admin,
        "create_user",
        &[
            ("email", "weak@example.com"),
            ("display_name", "Weak"),
            ("role", "reader"),
            ("password", "password1234"),
        ],
    )
    .await;
    assert_eq!(code, 500);
    assert_eq!(body["reason"], json!({"Field": "PasswordCommon"}), "{body}");
}
