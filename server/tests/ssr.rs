//! The server renders real, localised pages with the expected headers.

mod support;

use reqwest::header::COOKIE;
use support::{TestServer, client, get, get_text, signed_in_cookie};

/// The server and a fresh session cookie of the demo reader.
async fn start_as_reader() -> (TestServer, String) {
    let server = TestServer::start();
    let cookie = signed_in_cookie(&server, "reader@scorenow.demo").await;
    (server, cookie)
}

#[tokio::test]
async fn home_is_server_rendered_in_english_by_default() {
    let (server, cookie) = start_as_reader().await;
    let response = get(&server.url("/"), &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.expect("body");
    assert!(
        html.starts_with("<!DOCTYPE html><html lang=\"en\""),
        "{}",
        &html[..80]
    );
    for part in [
        "<title>Home · ScoreNow</title>",
        "<h1 class=\"page__title\">Home<",
        "aria-label=\"Main navigation\"",
        "Do you use ServiceNow?",
    ] {
        assert!(html.contains(part), "{part}");
    }
    assert!(
        html.contains("/pkg/scorenow.js"),
        "hydration script is linked"
    );
}

#[tokio::test]
async fn first_response_follows_accept_language() {
    let (server, cookie) = start_as_reader().await;
    let headers = [
        ("cookie", cookie.as_str()),
        ("accept-language", "sv-SE,sv;q=0.9,en;q=0.5"),
    ];
    let html = get_text(&server.url("/securescore"), &headers).await;
    assert!(html.contains("<html lang=\"sv\""));
    assert!(html.contains("<h1 class=\"page__title\">Förbättringsåtgärder<"));
}

#[tokio::test]
async fn locale_cookie_wins_over_accept_language() {
    let (server, session) = start_as_reader().await;
    let cookie = format!("{}=zh-CN; {session}", app::LOCALE_COOKIE);
    let headers = [("accept-language", "sv"), ("cookie", cookie.as_str())];
    let html = get_text(&server.url("/"), &headers).await;
    assert!(html.contains("<html lang=\"zh-CN\""));
    assert!(html.contains("<title>主页 · ScoreNow</title>"));
}

#[tokio::test]
async fn unknown_path_is_the_404_page() {
    let server = TestServer::start();
    let response = get(&server.url("/does/not/exist"), &[]).await;
    assert_eq!(response.status(), 404);
    let html = response.text().await.expect("body");
    assert!(html.contains("<h1 class=\"page__title\">Page not found<"));
}

#[tokio::test]
async fn pages_carry_a_nonce_csp_matching_their_inline_script() {
    let server = TestServer::start();
    let response = get(&server.url("/login"), &[]).await;
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = response.text().await.expect("body");

    let nonce = csp
        .split_whitespace()
        .find_map(|token| token.strip_prefix("'nonce-")?.strip_suffix('\''))
        .expect("nonce in CSP");
    assert!(html.contains(&format!("<script type=\"module\" nonce=\"{nonce}\">")));
    assert!(!csp.contains("unsafe-inline"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");

    let second = get(&server.url("/login"), &[]).await;
    assert_ne!(
        second.headers()["content-security-policy"]
            .to_str()
            .unwrap(),
        csp,
        "nonce is per response"
    );
}

#[tokio::test]
async fn other_responses_get_the_strict_policy() {
    let server = TestServer::start();
    let response = get(&server.url("/healthz"), &[]).await;
    assert_eq!(
        response.headers()["content-security-policy"],
        app::csp::RESOURCE_POLICY
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let server = TestServer::start();
    let response = get(&server.url("/login"), &[("accept-encoding", "gzip")]).await;
    assert_eq!(response.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn health_and_readiness_probes_answer() {
    let server = TestServer::start();
    for (probe, answer) in [
        ("/healthz", r#"{"status":"ok"}"#),
        ("/readyz", r#"{"database":"ok","status":"ready"}"#),
    ] {
        let response = get(&server.url(probe), &[]).await;
        assert_eq!(response.status(), 200, "{probe}");
        assert_eq!(response.text().await.unwrap(), answer);
    }
}

#[tokio::test]
async fn language_route_sets_the_cookie_and_returns_only_to_local_paths() {
    let server = TestServer::start();
    let response = get(
        &server.url("/language?locale=de&next=/tickets%3Ftype%3Dincident"),
        &[],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/tickets?type=incident");
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with(&format!("{}=de;", app::LOCALE_COOKIE)),
        "{cookie}"
    );
    assert!(cookie.contains("Path=/"));

    let hostile = get(&server.url("/language?locale=xx&next=//evil.example/"), &[]).await;
    assert_eq!(hostile.headers()["location"], "/");
    assert!(
        hostile.headers().get("set-cookie").is_none(),
        "unknown locale is ignored"
    );
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let server = TestServer::start();
    let status = server.terminate(std::time::Duration::from_secs(10));
    assert!(status.success(), "exit status {status:?}");
}

/// Under concurrent load the server once read a page title whose reactive
/// owner was already disposed, and panicked; every response must stay whole.
#[tokio::test]
async fn concurrent_page_renders_all_complete() {
    let (server, cookie) = start_as_reader().await;
    let requests = (0..200).map(|_| {
        let request = client().get(server.url("/")).header(COOKIE, cookie.clone());
        async move { request.send().await?.text().await }
    });
    for body in futures_util::future::join_all(requests).await {
        let html = body.expect("complete response");
        let title = html
            .split("<title>")
            .nth(1)
            .and_then(|rest| rest.split("</title>").next());
        assert_eq!(title, Some("Home · ScoreNow"));
    }
}
