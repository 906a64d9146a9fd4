//! Several `scorenow` processes on one database, as replicas behind a load
//! balancer: a session or a throttle is the same on every replica, and a
//! token refresh happens once whichever replicas need it.

mod support;

use base64::Engine;
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::json;
use support::{
    NO_ARGUMENTS, TestServer, call, client,
    cluster::{ADMIN, Cluster, PASSWORD},
    connect_servicenow, scorenow, set_sim_faults, signed_in_cookie_with, sim_admin,
};

#[tokio::test]
async fn a_session_opened_on_one_replica_works_on_the_other() {
    let cluster = Cluster::start(2);
    let (a, b) = (cluster.replica(0), cluster.replica(1));
    let cookie = signed_in_cookie_with(a, ADMIN, PASSWORD).await;
    let (status, users) = call(b, &cookie, "list_users", NO_ARGUMENTS).await;
    assert_eq!(status, 200, "{users}");
    assert!(users.to_string().contains(ADMIN), "{users}");
}

#[tokio::test]
async fn the_sign_in_throttle_counts_attempts_made_on_every_replica() {
    let cluster = Cluster::start(2);
    let attempt = |replica: &TestServer, n: usize| {
        client()
            .post(replica.url("/api/sign_in"))
            .header("accept", "application/json")
            .form(&[
                ("email", ADMIN),
                ("password", &format!("wrong {n}")),
                ("next", "/"),
            ])
            .send()
    };
    // Five free attempts spread over both replicas; the sixth, on either, waits.
    for n in 0..5 {
        let status = attempt(cluster.replica(n % 2), n).await.unwrap().status();
        assert_ne!(status, 429, "attempt {n} was throttled too early");
    }
    for replica in [cluster.replica(0), cluster.replica(1)] {
        let response = attempt(replica, 5).await.unwrap();
        assert_eq!(response.status(), 429);
        assert!(response.headers().contains_key("retry-after"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_rotating_refresh_tokens_200_calls_across_two_replicas_refresh_once_per_expiry() {
    let cluster = Cluster::start(2);
    let (a, b) = (cluster.replica(0), cluster.replica(1));
    let cookie = signed_in_cookie_with(a, ADMIN, PASSWORD).await;
    connect_servicenow(a, &cookie, cluster.simulator()).await;
    // Both replicas have used the connection's first access token.
    for replica in [a, b] {
        let (status, body) =
            call(replica, &cookie, "test_servicenow_connection", NO_ARGUMENTS).await;
        assert_eq!(
            (status, &body["state"]),
            (200, &json!("Connected")),
            "{body}"
        );
    }
    // Each refresh token works once: a second refresh with it would fail.
    set_sim_faults(cluster.simulator(), json!({"rotate_refresh_tokens": true})).await;
    sim_admin(cluster.simulator(), Method::POST, "/stats/reset", None).await;
    for round in 1..=2 {
        sim_admin(cluster.simulator(), Method::POST, "/tokens/expire", None).await;
        let calls = (0..200).map(|n| {
            let replica = [a, b][n % 2];
            call(replica, &cookie, "test_servicenow_connection", NO_ARGUMENTS)
        });
        for (status, body) in join_all(calls).await {
            assert_eq!(
                (status, &body["state"]),
                (200, &json!("Connected")),
                "{body}"
            );
        }
        // One refresh per expiry, with the refresh token the last one stored.
        let stats = sim_admin(cluster.simulator(), Method::GET, "/stats", None).await;
        assert_eq!(
            stats["token_requests"],
            json!({"refresh_token": round}),
            "{stats}"
        );
    }
}

#[test]
fn a_replica_with_another_secret_key_refuses_to_start() {
    let database = tempfile::tempdir().expect("tempdir");
    let start = |key: &str| {
        let mut command = scorenow();
        command.args(["--admin-email", ADMIN, "--admin-password", PASSWORD]);
        command.env("SCORENOW_SECRET_KEY", key);
        command
    };
    let key_of = |byte: u8| base64::engine::general_purpose::STANDARD.encode([byte; 32]);
    let (key, other_key) = (key_of(1), key_of(2));
    drop(TestServer::start_command(
        start(&key),
        Some(database.path()),
    ));
    let mut other = start(&other_key);
    support::database::in_data_dir(other.args(["--addr", "127.0.0.1:0"]), database.path());
    let stderr = support::one_line_failure(&mut other);
    assert!(
        stderr.contains("SCORENOW_SECRET_KEY") && stderr.contains("same"),
        "{stderr}"
    );
}
