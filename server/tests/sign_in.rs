//! Signing in and out through the sign-in server function, as a browser
//! without JavaScript does it.

mod support;

use reqwest::header::{ACCEPT, COOKIE, LOCATION, REFERER, SET_COOKIE};
use support::{TestServer, client};

/// The sign-in form's action (the server function's URL), read from the page.
async fn sign_in_url(server: &TestServer) -> String {
    let html = client()
        .get(server.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("/api/sign_in").expect("sign-in form");
    let end = start + html[start..].find('"').unwrap();
    server.url(&html[start..end])
}

/// Posts the sign-in form; returns the response.
async fn sign_in(
    server: &TestServer,
    email: &str,
    password: &str,
    next: &str,
) -> reqwest::Response {
    client()
        .post(sign_in_url(server).await)
        .header(ACCEPT, "text/html")
        .header(REFERER, server.url("/login"))
        .form(&[("email", email), ("password", password), ("next", next)])
        .send()
        .await
        .unwrap()
}

fn session_cookie(response: &reqwest::Response) -> String {
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn signing_in_sets_an_http_only_cookie_and_returns_to_next() {
    let server = TestServer::start();
    let response = sign_in(
        &server,
        "Analyst@ScoreNow.demo",
        "scorenow-demo",
        "/tickets?type=incident",
    )
    .await;
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()[LOCATION], "/tickets?type=incident");
    let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(set_cookie.starts_with("scorenow_session="), "{set_cookie}");
    assert!(
        set_cookie.contains("HttpOnly")
            && set_cookie.contains("SameSite=Lax")
            && set_cookie.contains("Path=/")
    );
    assert!(!set_cookie.contains("Secure"), "plain HTTP here");

    let html = client()
        .get(server.url("/tickets"))
        .header(COOKIE, session_cookie(&response))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("top-bar__user-name\">Demo Analyst"),
        "signed-in user shown"
    );
}

#[tokio::test]
async fn next_may_only_be_a_local_path() {
    let server = TestServer::start();
    for hostile in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
    ] {
        let response = sign_in(&server, "reader@scorenow.demo", "scorenow-demo", hostile).await;
        assert_eq!(response.headers()[LOCATION], "/", "{hostile}");
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_account_fail_alike() {
    let server = TestServer::start();
    let wrong = sign_in(&server, "admin@scorenow.demo", "not-the-password", "/").await;
    let unknown = sign_in(&server, "nobody@scorenow.demo", "not-the-password", "/").await;
    for response in [&wrong, &unknown] {
        assert_eq!(response.status(), 302);
        assert!(response.headers().get(SET_COOKIE).is_none());
        let location = response.headers()[LOCATION].to_str().unwrap();
        assert!(
            location.contains("/login?") && location.contains("__err="),
            "{location}"
        );
    }
    let error = |response: &reqwest::Response| -> serde_json::Value {
        let location = url::Url::parse(response.headers()[LOCATION].to_str().unwrap()).unwrap();
        let (_, encoded) = location
            .query_pairs()
            .find(|(name, _)| name == "__err")
            .unwrap();
        let engine = base64::engine::general_purpose::URL_SAFE;
        let decoded = base64::Engine::decode(&engine, encoded.as_bytes()).unwrap();
        serde_json::from_slice(&decoded).unwrap()
    };
    assert_eq!(
        error(&wrong),
        serde_json::json!({"InvalidCredentials": {"email": "admin@scorenow.demo"}})
    );
    assert_eq!(
        error(&unknown),
        serde_json::json!({"InvalidCredentials": {"email": "nobody@scorenow.demo"}})
    );
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let server = TestServer::start();
    let cookie =
        session_cookie(&sign_in(&server, "admin@scorenow.demo", "scorenow-demo", "/").await);
    let html = client()
        .get(server.url("/"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("/api/sign_out").expect("sign-out form");
    let sign_out = &html[start..start + html[start..].find('"').unwrap()];

    let response = client()
        .post(server.url(sign_out))
        .header(ACCEPT, "text/html")
        .header(REFERER, server.url("/"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[LOCATION], "/login");
    assert!(
        response.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );

    let html = client()
        .get(server.url("/"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("top-bar__user-name"),
        "the old cookie no longer signs in"
    );
}
