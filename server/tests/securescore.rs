//! Secure Score pages over HTTP, on the built-in demo catalog: the actions
//! table with its URL state, the detail page (and its 404), the home summary.

mod support;

use std::time::Duration;
use support::{
    NO_ARGUMENTS, TestServer, call_text, eventually, get, page_html, signed_in_cookie,
    signed_in_cookie_with, stored_in_clear,
};

/// A fresh session of the demo reader.
async fn reader(server: &TestServer) -> String {
    signed_in_cookie(server, "reader@scorenow.demo").await
}

/// A page's HTML without Leptos's hydration markers (`<!>`).
async fn page(server: &TestServer, path: &str, cookie: &str) -> String {
    page_html(server, path, cookie).await.replace("<!>", "")
}

/// Calls a server function as JavaScript does; returns the JSON body as text.
async fn call(server: &TestServer, cookie: &str, endpoint: &str, form: &[(&str, &str)]) -> String {
    call_text(server, cookie, endpoint, form).await.1
}

/// ScoreNow in demo mode using the fake Graph at `base` for Graph and its sign-in, plus `options`.
fn start_with_graph(base: &str, options: &[&str]) -> TestServer {
    let mut all = vec![
        "--demo",
        "--servicenow-sim-addr",
        "127.0.0.1:0",
        "--graph-url",
        base,
        "--login-url",
        base,
    ];
    all.extend(options);
    TestServer::start_with(&all)
}

/// The rows of the actions table.
fn rows(html: &str) -> Vec<&str> {
    let body = html.split("<tbody>").nth(1).unwrap_or_default();
    let body = body.split("</tbody>").next().unwrap_or_default();
    body.split("<tr>").skip(1).collect()
}

#[tokio::test]
async fn the_actions_table_lists_the_demo_catalog_by_rank() {
    let server = TestServer::start();
    let cookie = reader(&server).await;
    let html = page(&server, "/securescore", &cookie).await;
    assert!(
        html.contains("44 of 44 improvement actions"),
        "the deprecated one is hidden"
    );
    assert!(
        html.contains("data-testid=\"demo-data\""),
        "labelled demo data"
    );
    let rows = rows(&html);
    assert_eq!(rows.len(), 44);
    assert!(
        rows[0].contains("href=\"/securescore/actions/AdminMFAV2\""),
        "rank 1 first"
    );
}

#[tokio::test]
async fn filters_search_and_sort_come_from_the_url() {
    let server = TestServer::start();
    let cookie = reader(&server).await;
    let html = page(
        &server,
        "/securescore?category=Identity&q=multifactor&sort=points&status=&service=",
        &cookie,
    )
    .await;
    let rows = rows(&html);
    assert!(!rows.is_empty());
    for row in &rows {
        assert!(row.contains("<td>Identity</td>"), "{row}");
        assert!(row.to_lowercase().contains("multifactor"), "{row}");
    }
    assert!(
        html.contains("<option value=\"Identity\" selected"),
        "the form shows the filter"
    );
    assert!(html.contains("value=\"multifactor\""));
    assert!(html.contains("<option value=\"points\" selected"));

    let none = page(&server, "/securescore?q=no-such-action-anywhere", &cookie).await;
    assert!(none.contains("data-testid=\"no-actions\""));
    let with_ticket = page(&server, "/securescore?ticket=yes", &cookie).await;
    assert!(
        with_ticket.contains("0 of 44 improvement actions"),
        "no tickets exist yet"
    );
}

#[tokio::test]
async fn an_action_has_its_page_and_an_unknown_one_is_a_real_404() {
    let server = TestServer::start();
    let cookie = reader(&server).await;
    let response = get(
        &server.url("/securescore/actions/AdminMFAV2"),
        &[("cookie", &cookie)],
    )
    .await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("<h1 class=\"page__title\">Require multifactor authentication"));
    assert!(html.contains("Remediation"));
    assert!(!html.contains("<script>alert"), "remediation is sanitised");

    let missing = get(
        &server.url("/securescore/actions/NoSuchControl"),
        &[("cookie", &cookie)],
    )
    .await;
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn the_home_page_summarises_the_score_with_an_svg_trend() {
    let server = TestServer::start();
    let cookie = reader(&server).await;
    let html = page(&server, "/", &cookie).await;
    assert!(html.contains("data-testid=\"score-summary\""));
    let chart = html
        .split("data-testid=\"trend-chart\"")
        .nth(1)
        .expect("chart drawn on the server");
    let line = chart.split("<polyline").nth(1).expect("trend line");
    assert_eq!(
        line.split("</svg>").next().unwrap().matches(',').count(),
        90,
        "one point a day"
    );
    assert!(
        html.contains("Secure Score over the last 90 days: from "),
        "text alternative"
    );
    for category in ["Identity", "Data", "Devices", "Apps", "Infrastructure"] {
        assert!(
            html.contains(&format!(
                "<span class=\"category-bars__name\">{category}</span>"
            )),
            "{category}"
        );
    }
}

#[tokio::test]
async fn without_a_source_the_pages_say_there_is_no_data_yet() {
    let server = TestServer::start_with(&[
        "--servicenow-sim-addr",
        "off",
        "--admin-email",
        "root@example.com",
        "--admin-password",
        "a long enough password",
    ]);
    let cookie = signed_in_cookie_with(&server, "root@example.com", "a long enough password").await;
    let html = page(&server, "/securescore", &cookie).await;
    assert!(html.contains("No Secure Score data has been read yet."));
    let home = page(&server, "/", &cookie).await;
    assert!(home.contains("No Secure Score data yet."));
}

// Multi-threaded: the fake Graph must answer while the test waits for the server to start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_is_read_through_graph_and_a_failed_refresh_keeps_the_last_good_data() {
    use support::fake_graph::{self, Fault, SECRET, TENANT};
    let (base, fake) = fake_graph::start(&[]).await;
    let server = start_with_graph(
        &base,
        &[
            "--graph-tenant-id",
            TENANT,
            "--graph-client-id",
            "client",
            "--graph-client-secret",
            SECRET,
        ],
    );
    let admin = signed_in_cookie(&server, "admin@scorenow.demo").await;
    // The first read happens in the background, right after the start.
    let html = eventually(
        "the actions are read from Graph (3 of 3 improvement actions)",
        Duration::from_secs(20),
        || async {
            let html = page(&server, "/securescore", &admin).await;
            html.contains("3 of 3 improvement actions").then_some(html)
        },
    )
    .await;
    assert!(!html.contains("data-testid=\"demo-data\""), "not demo data");
    assert!(html.contains("Refresh now"), "admins may refresh");

    fake.lock().unwrap().faults.extend([Fault::ServerError; 4]);
    assert_eq!(
        call(&server, &admin, "refresh_secure_score", NO_ARGUMENTS).await,
        "{\"Source\":\"Server\"}"
    );
    let html = page(&server, "/securescore", &admin).await;
    assert!(
        html.contains("3 of 3 improvement actions"),
        "the last good data stays"
    );
    assert!(
        html.contains("data-testid=\"source-problem\""),
        "the failure is shown"
    );
    assert!(html.contains("Microsoft Graph had an internal error."));

    assert_eq!(
        call(&server, &admin, "refresh_secure_score", NO_ARGUMENTS).await,
        "null"
    );
    let html = page(&server, "/securescore", &admin).await;
    assert!(
        !html.contains("data-testid=\"source-problem\""),
        "cleared by a good refresh"
    );
    let reader = reader(&server).await;
    assert!(
        !page(&server, "/securescore", &reader)
            .await
            .contains("Refresh now")
    );

    let managed = call(
        &server,
        &admin,
        "save_graph_connection",
        &[
            ("tenant_id", "other"),
            ("client_id", "x"),
            ("client_secret", "y"),
        ],
    )
    .await;
    assert!(
        managed.contains("\"reason\":\"ManagedByEnvironment\""),
        "{managed}"
    );
}

// Multi-threaded: the fake Graph answers while the server reads it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_connects_a_tenant_in_the_ui_and_disconnects_it() {
    use support::fake_graph::{self, SECRET, TENANT};
    let (base, _fake) = fake_graph::start(&[]).await;
    let server = start_with_graph(&base, &[]);
    let admin = signed_in_cookie(&server, "admin@scorenow.demo").await;
    let save = |tenant: &'static str, secret: &'static str| {
        let form = [
            ("tenant_id", tenant),
            ("client_id", "app"),
            ("client_secret", secret),
        ];
        let (server, admin) = (&server, &admin);
        async move { call(server, admin, "save_graph_connection", &form).await }
    };
    assert!(
        page(&server, "/securescore", &admin)
            .await
            .contains("data-testid=\"demo-data\"")
    );

    let refused = save("../evil", "x").await;
    assert!(refused.contains("\"reason\":\"TenantId\""), "{refused}");
    assert!(
        refused.contains("\"tenant_id\":\"../evil\""),
        "the form comes back filled in"
    );

    let wrong = save(TENANT, "wrong").await;
    assert!(wrong.contains("{\"Source\":\"Refused\"}"), "{wrong}");
    let html = page(&server, "/securescore", &admin).await;
    assert!(
        html.contains("Secure Score could not be read: Microsoft Graph refused the credentials"),
        "no demo data mixed in"
    );

    // Right secret; then an empty secret keeps the stored one.
    assert_eq!(save(TENANT, SECRET).await, "null");
    assert_eq!(save(TENANT, "").await, "null");
    let html = page(&server, "/securescore", &admin).await;
    assert!(
        html.contains("3 of 3 improvement actions"),
        "read from the tenant"
    );
    assert!(!html.contains("data-testid=\"demo-data\""));
    assert!(html.contains("Reading tenant tenant-1."));
    assert!(!stored_in_clear(&server, SECRET), "the secret is sealed");

    let removed = call(&server, &admin, "remove_graph_connection", NO_ARGUMENTS).await;
    assert_eq!(removed, "null");
    let html = page(&server, "/securescore", &admin).await;
    assert!(
        html.contains("44 of 44 improvement actions"),
        "back to the demo catalog"
    );
}
