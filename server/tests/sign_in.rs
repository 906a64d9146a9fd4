//! Signing in and out through the sign-in server function, as a browser
//! without JavaScript does it.

mod support;

use reqwest::header::{LOCATION, SET_COOKIE};
use support::{
    DEMO_PASSWORD, TestServer, form_action, get, page_html, post_form, session_cookie, sign_in,
    sign_in_url, signed_in_cookie,
};

/// The error a failed no-JavaScript form submission carries back in `__err`.
fn form_error(response: &reqwest::Response) -> serde_json::Value {
    let location = url::Url::parse(response.headers()[LOCATION].to_str().unwrap()).unwrap();
    let (_, encoded) = location
        .query_pairs()
        .find(|(name, _)| name == "__err")
        .expect("__err");
    let engine = base64::engine::general_purpose::URL_SAFE;
    let decoded = base64::Engine::decode(&engine, encoded.as_bytes()).unwrap();
    serde_json::from_slice(&decoded).unwrap()
}

#[tokio::test]
async fn signing_in_sets_an_http_only_cookie_and_returns_to_next() {
    let server = TestServer::start();
    let response = sign_in(
        &server,
        "Analyst@ScoreNow.demo",
        DEMO_PASSWORD,
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

    let html = page_html(&server, "/tickets", &session_cookie(&response)).await;
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
        let response = sign_in(&server, "reader@scorenow.demo", DEMO_PASSWORD, hostile).await;
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
    assert_eq!(
        form_error(&wrong),
        serde_json::json!({"InvalidCredentials": {"email": "admin@scorenow.demo"}})
    );
    assert_eq!(
        form_error(&unknown),
        serde_json::json!({"InvalidCredentials": {"email": "nobody@scorenow.demo"}})
    );
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let server = TestServer::start();
    let cookie = session_cookie(&sign_in(&server, "admin@scorenow.demo", DEMO_PASSWORD, "/").await);
    let html = page_html(&server, "/", &cookie).await;
    let sign_out = form_action(&html, "/api/sign_out");

    let headers = [
        ("accept", "text/html"),
        ("referer", &server.url("/")),
        ("cookie", &cookie),
    ];
    let response = post_form(&server.url(&sign_out), &headers, &[]).await;
    assert_eq!(response.headers()[LOCATION], "/login");
    assert!(
        response.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );

    let html = page_html(&server, "/", &cookie).await;
    assert!(
        !html.contains("top-bar__user-name"),
        "the old cookie no longer signs in"
    );
}

#[tokio::test]
async fn pages_send_anonymous_visitors_to_sign_in_and_back() {
    let server = TestServer::start();
    let response = get(
        &server.url("/tickets?type=incident&state=-5"),
        &[("accept", "text/html")],
    )
    .await;
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()[LOCATION],
        "/login?next=%2Ftickets%3Ftype%3Dincident%26state%3D-5"
    );

    let back = sign_in(
        &server,
        "reader@scorenow.demo",
        DEMO_PASSWORD,
        "/tickets?type=incident&state=-5",
    )
    .await;
    assert_eq!(back.headers()[LOCATION], "/tickets?type=incident&state=-5");
}

#[tokio::test]
async fn pages_for_a_higher_role_answer_403() {
    let server = TestServer::start();
    let mut roles = Vec::new();
    for role in ["reader", "analyst", "admin"] {
        let cookie = signed_in_cookie(&server, &format!("{role}@scorenow.demo")).await;
        roles.push((role, cookie));
    }
    // The page table of PRODUCT.md with the role each page needs.
    for (path, needs) in [
        ("/", "reader"),
        ("/securescore", "reader"),
        ("/securescore/actions/AdminMFAV2", "reader"),
        ("/tickets", "reader"),
        ("/tickets/new", "analyst"),
        ("/servicenow/setup", "admin"),
        ("/ticketProvisioning", "admin"),
        ("/servicenow/settings", "admin"),
        ("/audit", "admin"),
        ("/admin/users", "admin"),
    ] {
        let expected = |role: &str| match (role, needs) {
            (_, "reader") | ("analyst" | "admin", "analyst") | ("admin", "admin") => 200,
            _ => 403,
        };
        let anonymous = get(&server.url(path), &[("accept", "text/html")]).await;
        assert_eq!(anonymous.status(), 302, "anonymous on {path}");
        assert!(
            anonymous.headers()[LOCATION]
                .to_str()
                .unwrap()
                .starts_with("/login?next="),
            "anonymous on {path}"
        );
        for (role, cookie) in &roles {
            let response = get(&server.url(path), &[("cookie", cookie)]).await;
            assert_eq!(response.status(), expected(role), "{role} on {path}");
        }
    }
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let server = TestServer::start();
    let url = sign_in_url(&server).await;
    let form = [
        ("email", "admin@scorenow.demo"),
        ("password", DEMO_PASSWORD),
        ("next", "/"),
    ];
    let forged = post_form(&url, &[("sec-fetch-site", "cross-site")], &form).await;
    assert_eq!(forged.status(), 403);
    assert!(forged.headers().get(SET_COOKIE).is_none());
    let foreign_origin = post_form(&url, &[("origin", "https://evil.example")], &form).await;
    assert_eq!(foreign_origin.status(), 403);
    let same_origin_headers = [("sec-fetch-site", "same-origin"), ("accept", "text/html")];
    let same_origin = post_form(&url, &same_origin_headers, &form).await;
    assert_eq!(same_origin.status(), 302);
    assert!(same_origin.headers().get(SET_COOKIE).is_some());
}

#[tokio::test]
async fn repeated_failures_slow_sign_in_down_even_with_the_right_password() {
    let server = TestServer::start();
    for _ in 0..5 {
        let response = sign_in(&server, "admin@scorenow.demo", "not-the-password", "/").await;
        assert!(form_error(&response).get("InvalidCredentials").is_some());
    }
    let response = sign_in(&server, "admin@scorenow.demo", DEMO_PASSWORD, "/").await;
    assert!(response.headers().get(SET_COOKIE).is_none());
    let error = form_error(&response);
    assert_eq!(
        error["Throttled"]["email"], "admin@scorenow.demo",
        "{error}"
    );
    assert!(
        error["Throttled"]["retry_after_secs"].as_u64().unwrap() >= 1,
        "{error}"
    );
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session() {
    let server = TestServer::start();
    let laptop = signed_in_cookie(&server, "analyst@scorenow.demo").await;
    let phone = signed_in_cookie(&server, "analyst@scorenow.demo").await;
    let html = page_html(&server, "/", &laptop).await;
    let action = form_action(&html, "/api/sign_out_everywhere");
    let headers = [("accept", "text/html"), ("cookie", laptop.as_str())];
    let response = post_form(&server.url(&action), &headers, &[]).await;
    assert_eq!(response.headers()[LOCATION], "/login");
    for cookie in [&laptop, &phone] {
        let html = page_html(&server, "/login", cookie).await;
        assert!(!html.contains("top-bar__user-name"), "session still alive");
    }
}

#[tokio::test]
async fn the_public_url_not_a_client_header_makes_the_session_cookie_secure() {
    let form = [
        ("email", "reader@scorenow.demo"),
        ("password", DEMO_PASSWORD),
        ("next", "/"),
    ];
    let headers = [("accept", "text/html"), ("x-forwarded-proto", "https")];
    let plain = TestServer::start();
    let response = post_form(&sign_in_url(&plain).await, &headers, &form).await;
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("scorenow_session="), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "a client-sent header decides nothing: {cookie}"
    );
    assert!(!response.headers().contains_key("strict-transport-security"));

    let https = TestServer::start_with(&[
        "--demo",
        "--servicenow-sim-addr",
        "127.0.0.1:0",
        "--public-url",
        "https://scorenow.example.com",
    ]);
    let response = post_form(
        &sign_in_url(&https).await,
        &[("accept", "text/html")],
        &form,
    )
    .await;
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("__Host-scorenow_session="), "{cookie}");
    for attribute in ["; Secure", "Path=/", "HttpOnly", "SameSite=Lax"] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=63072000; includeSubDomains"
    );
}
