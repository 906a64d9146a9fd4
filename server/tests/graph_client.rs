//! The Microsoft Graph client against a local fake Graph: the token, two
//! pages of control profiles, and the failures Graph is known for.

mod support;

use server::securescore::graph::{
    GraphClient, GraphCredentials, GraphEndpoints, GraphError, GraphSettings,
};
use std::time::{Duration, Instant};
use support::fake_graph::{self, Fault, SECRET, Shared, TENANT};
use url::Url;

/// A Graph client with `secret` for a fresh fake Graph with `faults` queued, and the fake's state.
async fn start(faults: &[Fault], secret: &str) -> (GraphClient, Shared) {
    let (base, fake) = fake_graph::start(faults).await;
    let client = GraphClient::new(GraphSettings {
        credentials: GraphCredentials {
            tenant_id: TENANT.into(),
            client_id: "client".into(),
            client_secret: secret.to_owned().into(),
        },
        endpoints: GraphEndpoints {
            graph_url: Url::parse(&base).unwrap(),
            login_url: Url::parse(&base).unwrap(),
        },
    });
    (client, fake)
}

#[tokio::test]
async fn profiles_follow_next_links_and_the_token_is_reused() {
    let (client, fake) = start(&[], SECRET).await;
    let profiles = client.control_profiles().await.unwrap();
    let ids: Vec<&str> = profiles.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["A", "B", "C"]);
    assert_eq!(profiles[2].max(), 3.0, "a number sent as a string");
    let scores = client.secure_scores().await.unwrap();
    assert_eq!(scores[0].control_score("A"), 10.0);
    let fake = fake.lock().unwrap();
    assert_eq!(fake.token_requests, 1, "one token for every call");
    assert_eq!(fake.data_requests, 3);
}

#[tokio::test]
async fn a_401_renews_the_token_once() {
    let (client, fake) = start(&[Fault::Unauthorized], SECRET).await;
    assert_eq!(client.secure_scores().await.unwrap().len(), 1);
    assert_eq!(fake.lock().unwrap().token_requests, 2);
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let (client, _fake) = start(&[Fault::Throttled], SECRET).await;
    let started = Instant::now();
    assert_eq!(client.secure_scores().await.unwrap().len(), 1);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let (client, _fake) = start(&[Fault::ServerError], SECRET).await;
    assert!(client.secure_scores().await.is_ok(), "one 500 is retried");
    let (client, fake) = start(&[Fault::ServerError; 4], SECRET).await;
    assert_eq!(
        client.secure_scores().await.unwrap_err(),
        GraphError::Server { status: 500 }
    );
    assert_eq!(
        fake.lock().unwrap().data_requests,
        4,
        "first try and 3 retries"
    );
}

#[tokio::test]
async fn a_malformed_page_or_a_foreign_next_link_is_refused() {
    let (client, _fake) = start(&[Fault::Malformed], SECRET).await;
    assert!(matches!(
        client.control_profiles().await,
        Err(GraphError::Malformed(_))
    ));
    let (client, fake) = start(&[Fault::ForeignNextLink], SECRET).await;
    let error = client.control_profiles().await.unwrap_err();
    assert!(
        matches!(&error, GraphError::Malformed(message) if message.contains("attacker.example")),
        "{error}"
    );
    assert_eq!(
        fake.lock().unwrap().data_requests,
        1,
        "the foreign link is not fetched"
    );
}

#[tokio::test]
async fn a_runaway_answer_is_cut_off_not_buffered() {
    let (client, _fake) = start(&[Fault::Oversized], SECRET).await;
    let error = client.control_profiles().await.unwrap_err();
    assert!(
        matches!(&error, GraphError::Malformed(message) if message.contains("larger than")),
        "{error}"
    );
}

#[tokio::test]
async fn a_wrong_secret_is_refused_with_graphs_explanation() {
    let (client, _fake) = start(&[], "wrong").await;
    match client.secure_scores().await.unwrap_err() {
        GraphError::Refused { message, .. } => {
            assert!(message.contains("AADSTS7000215"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn settings_never_print_the_secret() {
    let credentials = GraphCredentials {
        tenant_id: "t".into(),
        client_id: "c".into(),
        client_secret: "very-secret".to_owned().into(),
    };
    let settings = GraphSettings::new(&GraphEndpoints::default(), credentials);
    assert!(!format!("{settings:?}").contains("very-secret"));
}
