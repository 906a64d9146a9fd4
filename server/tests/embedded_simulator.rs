//! In demo mode ScoreNow starts the ServiceNow simulator beside itself, its
//! OAuth entity registered with ScoreNow's own callback URL.

mod support;

use support::{
    TestServer, assert_answer_contains, authorize_path, get, one_line_failure, scorenow,
    taken_address,
};

#[tokio::test]
async fn demo_mode_starts_a_simulator_that_redirects_to_this_server() {
    let server = TestServer::start();
    let simulator = server
        .simulator_url
        .clone()
        .expect("embedded simulator started");
    let authorize = |redirect_uri: &str| {
        format!(
            "{simulator}{}",
            authorize_path(redirect_uri, Some("s"), None)
        )
    };
    let own_callback = format!("{}/servicenow/callback", server.base_url);

    let response = get(&authorize(&own_callback), &[]).await;
    assert_answer_contains(response, 200, "name=\"user_password\"").await;

    let foreign = get(&authorize("http://127.0.0.1:1/servicenow/callback"), &[]).await;
    assert_eq!(foreign.status(), 400);
}

#[tokio::test]
async fn simulator_can_be_turned_off() {
    let server = TestServer::start_with(&["--demo", "--servicenow-sim-addr", "off"]);
    assert!(server.simulator_url.is_none());
}

#[test]
fn simulator_port_in_use_names_its_setting() {
    let dir = tempfile::tempdir().unwrap();
    let (_taken, addr) = taken_address();
    let stderr = one_line_failure(
        scorenow()
            .args([
                "--addr",
                "127.0.0.1:0",
                "--demo",
                "--servicenow-sim-addr",
                &addr,
                "--data-dir",
            ])
            .arg(dir.path()),
    );
    assert!(
        stderr.starts_with(&format!(
            "scorenow: cannot listen on {addr} (--servicenow-sim-addr): "
        )),
        "{stderr}"
    );
}
