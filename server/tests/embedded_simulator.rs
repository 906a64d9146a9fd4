//! In demo mode ScoreNow starts the ServiceNow simulator beside itself, its
//! OAuth entity registered with ScoreNow's own callback URL.

mod support;

use server::servicenow_sim::DEMO_CLIENT_ID;
use support::{TestServer, client, scorenow};

fn authorize_url(simulator: &str, redirect_uri: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", DEMO_CLIENT_ID)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", "s")
        .finish();
    format!("{simulator}/oauth_auth.do?{query}")
}

#[tokio::test]
async fn demo_mode_starts_a_simulator_that_redirects_to_this_server() {
    let server = TestServer::start();
    let simulator = server
        .simulator_url
        .clone()
        .expect("embedded simulator started");
    let own_callback = format!("{}/servicenow/callback", server.base_url);

    let response = client()
        .get(authorize_url(&simulator, &own_callback))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("name=\"user_password\"")
    );

    let foreign = client()
        .get(authorize_url(
            &simulator,
            "http://127.0.0.1:1/servicenow/callback",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 400);
}

#[tokio::test]
async fn simulator_can_be_turned_off() {
    let server = TestServer::start_with(&["--servicenow-sim-addr", "off"]);
    assert!(server.simulator_url.is_none());
}

#[test]
fn simulator_port_in_use_names_its_setting() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = scorenow()
        .args([
            "--addr",
            "127.0.0.1:0",
            "--servicenow-sim-addr",
            &addr,
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "scorenow: cannot listen on {addr} (--servicenow-sim-addr): "
        )),
        "{stderr}"
    );
}
