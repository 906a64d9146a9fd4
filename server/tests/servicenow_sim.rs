//! Conformance of the ServiceNow simulator with `shared/spec/SERVICENOW.md`:
//! status codes, headers and body shapes of OAuth, the Table API and the
//! Aggregate API, and every injectable fault.

mod support;

use reqwest::{Method, Response, StatusCode, header};
use serde_json::{Value, json};
use server::servicenow_sim::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_INTEGRATION_PASSWORD, DEMO_INTEGRATION_USER, pkce_s256,
};
use support::{
    TestServer, assert_answer_contains, client, consent_at_instance, get, get_text, post_form,
    query_param, sign_in_at_instance, sim_admin_request,
};

const REDIRECT_URI: &str = "http://127.0.0.1:3000/servicenow/callback";
const VERIFIER: &str = "a-sufficiently-long-pkce-code-verifier-0123456789";
/// The Table API's incident table, where most requests of these tests go.
const INCIDENTS: &str = "/api/now/table/incident";

// ---- helpers -------------------------------------------------------------

/// Posts `form` to the token endpoint.
async fn token_request(sim: &TestServer, form: &[(&str, &str)]) -> Response {
    post_form(&sim.url("/oauth_token.do"), &[], form).await
}

/// Access and refresh tokens of the integration user (password grant).
async fn tokens(sim: &TestServer) -> (String, String) {
    let response = token_request(
        sim,
        &[
            ("grant_type", "password"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("username", DEMO_INTEGRATION_USER),
            ("password", DEMO_INTEGRATION_PASSWORD),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

/// The refresh grant for the `refresh` token, sent with the client secret `secret`.
async fn refresh_grant(sim: &TestServer, secret: &str, refresh: &str) -> Response {
    token_request(
        sim,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", secret),
            ("refresh_token", refresh),
        ],
    )
    .await
}

/// A fresh simulator and an access token of its integration user.
async fn simulator_with_token() -> (TestServer, String) {
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    (sim, token)
}

/// A fresh simulator, an access token of its integration user, then `faults` in force.
async fn simulator_with_faults(faults: Value) -> (TestServer, String) {
    let (sim, token) = simulator_with_token().await;
    set_faults(&sim, faults).await;
    (sim, token)
}

/// Sends `method path` with the bearer `token` and the JSON `body` if any.
async fn api_request(
    sim: &TestServer,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Response {
    let mut request = client().request(method, sim.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request
        .send()
        .await
        .unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// `GET path` with the bearer `token`.
async fn api_get(sim: &TestServer, token: &str, path: &str) -> Response {
    api_request(sim, token, Method::GET, path, None).await
}

/// `POST path` of the JSON `body` with the bearer `token`.
async fn api_post(sim: &TestServer, token: &str, path: &str, body: Value) -> Response {
    api_request(sim, token, Method::POST, path, Some(body)).await
}

/// The `result` of the JSON answer to `GET path` with the bearer `token`.
async fn api_result(sim: &TestServer, token: &str, path: &str) -> Value {
    let body: Value = api_get(sim, token, path).await.json().await.expect("json");
    body["result"].clone()
}

/// The status of listing incidents with the bearer `token`.
async fn incidents_status(sim: &TestServer, token: &str) -> StatusCode {
    api_get(sim, token, INCIDENTS).await.status()
}

/// Creates a record in `table` and returns it, asserting the 201.
async fn create(sim: &TestServer, token: &str, table: &str, body: Value) -> Value {
    let response = api_post(sim, token, &format!("/api/now/table/{table}"), body).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.expect("json")["result"].clone()
}

/// Puts `faults` in force through the admin endpoint, which must answer 200.
async fn set_faults(sim: &TestServer, faults: Value) {
    let response = sim_admin_request(&sim.base_url, Method::PUT, "/faults", Some(faults)).await;
    assert_eq!(response.status(), 200);
}

/// Posts to the admin endpoint's `path` (below `/sim/admin`), which must answer 204.
async fn admin_post(sim: &TestServer, path: &str) {
    let response = sim_admin_request(&sim.base_url, Method::POST, path, None).await;
    assert_eq!(response.status(), 204);
}

/// Asserts a Table API failure: `status`, and a failure body with `message`.
async fn assert_failure(response: Response, status: u16, message: &str) -> Value {
    assert_eq!(response.status().as_u16(), status);
    let body: Value = response.json().await.expect("json error body");
    assert_eq!(body["status"], "failure", "{body}");
    assert_eq!(body["error"]["message"], message, "{body}");
    assert!(body["error"]["detail"].is_string(), "{body}");
    body
}

/// The authorisation page's path for the demo client with PKCE, and `state` if given.
fn authorize_path(state: Option<&str>) -> String {
    support::authorize_path(REDIRECT_URI, state, Some(&pkce_s256(VERIFIER)))
}

/// Runs the browser part of the flow and returns the redirect URL after the decision.
async fn decide(sim: &TestServer, action: &str, state: &str) -> String {
    consent_at_instance(&sim.base_url, &authorize_path(Some(state)), action).await
}

/// Exchanges the authorisation `code` with the PKCE `verifier`.
async fn exchange(sim: &TestServer, code: &str, verifier: &str) -> Response {
    token_request(
        sim,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("code_verifier", verifier),
        ],
    )
    .await
}

/// Asserts the token endpoint's refusal: 401 and `access_denied`.
async fn assert_token_denied(response: Response) {
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "server_error", "error_description": "access_denied"})
    );
}

// ---- OAuth ---------------------------------------------------------------

#[tokio::test]
async fn authorization_page_asks_for_sign_in_first() {
    let sim = TestServer::start_simulator(&[]);
    let response = get(&sim.url(&authorize_path(Some("s1"))), &[]).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("name=\"user_name\"") && html.contains("name=\"user_password\""),
        "{html}"
    );
}

#[tokio::test]
async fn authorization_requests_fail_like_a_real_instance() {
    let sim = TestServer::start_simulator(&[]);
    let unknown_client = authorize_path(Some("s")).replace(DEMO_CLIENT_ID, "nobody");
    let wrong_redirect = authorize_path(Some("s")).replace("3000", "4000");
    for (path, message) in [
        (authorize_path(None), "Missing State parameter in request"),
        (unknown_client, "Invalid client_id"),
        (wrong_redirect, "Invalid redirect_uri"),
    ] {
        assert_answer_contains(get(&sim.url(&path), &[]).await, 400, message).await;
    }
}

#[tokio::test]
async fn consent_page_names_the_entity_and_offers_not_you() {
    let sim = TestServer::start_simulator(&[]);
    let authorize = authorize_path(Some("s2"));
    let return_to = authorize.trim_start_matches("/oauth_auth.do?");
    let session = sign_in_at_instance(&sim.base_url, return_to).await;
    let signed_in = [("cookie", session.as_str())];
    let html = get_text(&sim.url(&authorize), &signed_in).await;
    assert!(
        html.contains("ScoreNow would like to connect to your ServiceNow account"),
        "{html}"
    );
    assert!(html.contains("ScoreNow Integration") && html.contains("Not you?"));
    assert!(html.contains("value=\"allow\"") && html.contains("value=\"deny\""));

    let logout = html
        .split("href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let response = get(&sim.url(&logout), &signed_in).await;
    assert_eq!(response.status(), 303);
    let after = get_text(&sim.url(&authorize), &signed_in).await;
    assert!(
        after.contains("name=\"user_password\""),
        "signed out after Not you?"
    );
}

#[tokio::test]
async fn wrong_password_shows_the_sign_in_form_again() {
    let sim = TestServer::start_simulator(&[]);
    let form = [
        ("user_name", DEMO_INTEGRATION_USER),
        ("user_password", "wrong"),
        ("return_to", ""),
    ];
    let response = post_form(&sim.url("/login.do"), &[], &form).await;
    assert_answer_contains(response, 200, "User name or password invalid").await;
}

#[tokio::test]
async fn allow_then_code_exchange_with_pkce_returns_tokens_once() {
    let sim = TestServer::start_simulator(&[]);
    let location = decide(&sim, "allow", "state-123").await;
    assert!(location.starts_with(REDIRECT_URI));
    assert_eq!(
        query_param(&location, "state").as_deref(),
        Some("state-123")
    );
    let code = query_param(&location, "code").expect("code");

    let response = exchange(&sim, &code, VERIFIER).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["scope"], "useraccount");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 1799);
    assert!(body["access_token"].is_string() && body["refresh_token"].is_string());

    let user = api_get(
        &sim,
        body["access_token"].as_str().unwrap(),
        "/api/now/table/sys_user?sysparm_query=user_name=scorenow.integration",
    )
    .await;
    assert_eq!(user.status(), 200);

    assert_token_denied(exchange(&sim, &code, VERIFIER).await).await;
}

#[tokio::test]
async fn expired_code_is_refused() {
    let sim = TestServer::start_simulator(&[]);
    let code = query_param(&decide(&sim, "allow", "s").await, "code").unwrap();
    admin_post(&sim, "/codes/expire").await;
    assert_token_denied(exchange(&sim, &code, VERIFIER).await).await;
}

#[tokio::test]
async fn client_credentials_grant_is_off_by_default() {
    let sim = TestServer::start_simulator(&[]);
    let response = token_request(
        &sim,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
        ],
    )
    .await;
    assert_token_denied(response).await;
}

#[tokio::test]
async fn wrong_pkce_verifier_is_refused() {
    let sim = TestServer::start_simulator(&[]);
    let code = query_param(&decide(&sim, "allow", "s").await, "code").unwrap();
    assert_token_denied(exchange(&sim, &code, "another-verifier-that-does-not-match-at-all").await)
        .await;
}

#[tokio::test]
async fn deny_redirects_with_access_denied_and_state() {
    let sim = TestServer::start_simulator(&[]);
    let location = decide(&sim, "deny", "state-9").await;
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(query_param(&location, "state").as_deref(), Some("state-9"));
    assert_eq!(query_param(&location, "code"), None);
}

#[tokio::test]
async fn token_endpoint_accepts_form_bodies_only() {
    let sim = TestServer::start_simulator(&[]);
    let response = client()
        .post(sim.url("/oauth_token.do"))
        .json(&json!({"grant_type": "password", "client_id": DEMO_CLIENT_ID}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn refresh_grant_keeps_the_refresh_token_and_wrong_secret_is_denied() {
    let sim = TestServer::start_simulator(&[]);
    let (_, refresh) = tokens(&sim).await;
    let response = refresh_grant(&sim, DEMO_CLIENT_SECRET, &refresh).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["refresh_token"], refresh.as_str());
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(incidents_status(&sim, access).await, 200);

    assert_token_denied(refresh_grant(&sim, "wrong-secret", &refresh).await).await;
}

#[tokio::test]
async fn with_rotation_a_refresh_token_works_once_and_the_answer_carries_the_next() {
    let (sim, _) = simulator_with_faults(json!({"rotate_refresh_tokens": true})).await;
    let (_, first) = tokens(&sim).await;
    let response = refresh_grant(&sim, DEMO_CLIENT_SECRET, &first).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let next = body["refresh_token"].as_str().unwrap();
    assert_ne!(next, first);
    assert_eq!(
        incidents_status(&sim, body["access_token"].as_str().unwrap()).await,
        200
    );

    assert_token_denied(refresh_grant(&sim, DEMO_CLIENT_SECRET, &first).await).await;
    let again = refresh_grant(&sim, DEMO_CLIENT_SECRET, next).await;
    assert_eq!(again.status(), 200);
}

#[tokio::test]
async fn revoked_refresh_token_is_dead_and_so_are_its_access_tokens() {
    let sim = TestServer::start_simulator(&[]);
    let (access, refresh) = tokens(&sim).await;
    let revoke = format!("/oauth_revoke_token.do?token={refresh}");
    assert_eq!(get(&sim.url(&revoke), &[]).await.status(), 200);
    assert_eq!(incidents_status(&sim, &access).await, 401);
    assert_token_denied(refresh_grant(&sim, DEMO_CLIENT_SECRET, &refresh).await).await;
}

#[tokio::test]
async fn token_lifetimes_come_from_the_oauth_entity() {
    let sim = TestServer::start_simulator(&["--access-token-lifespan", "1"]);
    let (access, _) = tokens(&sim).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let response = api_get(&sim, &access, INCIDENTS).await;
    assert_failure(response, 401, "User Not Authenticated").await;
}

// ---- Table API -----------------------------------------------------------

#[tokio::test]
async fn table_api_requires_authentication() {
    let sim = TestServer::start_simulator(&[]);
    let response = get(&sim.url(INCIDENTS), &[]).await;
    assert_failure(response, 401, "User Not Authenticated").await;
    assert_eq!(incidents_status(&sim, "forged").await, 401);
}

#[tokio::test]
async fn basic_auth_works_for_the_integration_user_only_with_its_password() {
    let sim = TestServer::start_simulator(&[]);
    for (password, status) in [(DEMO_INTEGRATION_PASSWORD, 200), ("nope", 401)] {
        let response = client()
            .get(sim.url(INCIDENTS))
            .basic_auth(DEMO_INTEGRATION_USER, Some(password))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "password {password}");
    }
}

#[tokio::test]
async fn creating_a_change_request_returns_201_location_and_string_values() {
    let (sim, token) = simulator_with_token().await;
    let response = api_post(
        &sim,
        &token,
        "/api/now/table/change_request",
        json!({"short_description": "Enable MFA", "priority": 2, "correlation_id": "t1-AdminMFAV2", "type": "normal"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let location = support::location(&response);
    let record = response.json::<Value>().await.unwrap()["result"].clone();
    assert!(location.ends_with(&format!(
        "/api/now/table/change_request/{}",
        record["sys_id"].as_str().unwrap()
    )));
    assert!(record["number"].as_str().unwrap().starts_with("CHG003"));
    assert_eq!(record["state"], "-5");
    assert_eq!(
        record["priority"], "2",
        "numbers are stored and returned as strings"
    );
    assert_eq!(record["sys_mod_count"], "0");
    assert_eq!(record["active"], "true");
    let created = record["sys_created_on"].as_str().unwrap();
    assert_eq!(created.len(), "2026-11-24 10:00:00".len());
    assert!(
        record["opened_by"]["link"]
            .as_str()
            .unwrap()
            .contains("/api/now/table/sys_user/")
    );
    for (field, value) in record.as_object().unwrap() {
        assert!(
            value.is_string() || field == "opened_by",
            "{field} = {value}"
        );
    }
}

#[tokio::test]
async fn incident_priority_is_computed_from_impact_and_urgency() {
    let (sim, token) = simulator_with_token().await;
    let record = create(
        &sim,
        &token,
        "incident",
        json!({"impact": "1", "urgency": "2", "priority": "5"}),
    )
    .await;
    assert!(record["number"].as_str().unwrap().starts_with("INC001"));
    assert_eq!(record["priority"], "2");
    assert_eq!(record["state"], "1");
}

#[tokio::test]
async fn list_paginates_with_total_count_and_link_header() {
    let (sim, token) = simulator_with_token().await;
    for n in 0..5 {
        create(
            &sim,
            &token,
            "incident",
            json!({"short_description": format!("paged {n}"), "category": "paging"}),
        )
        .await;
    }
    let paged = "/api/now/table/incident?sysparm_query=category=paging";
    let first = api_get(&sim, &token, &format!("{paged}&sysparm_limit=2")).await;
    assert_eq!(first.headers()["x-total-count"], "5");
    let link = first.headers()[header::LINK].to_str().unwrap().to_owned();
    for relation in [
        "sysparm_offset=0&sysparm_limit=2>;rel=\"first\"",
        "sysparm_offset=2&sysparm_limit=2>;rel=\"next\"",
        "sysparm_offset=4&sysparm_limit=2>;rel=\"last\"",
    ] {
        assert!(link.contains(relation), "{link}");
    }
    assert!(!link.contains("rel=\"prev\""), "{link}");
    assert_eq!(
        first.json::<Value>().await.unwrap()["result"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let middle = api_get(
        &sim,
        &token,
        &format!("{paged}&sysparm_limit=2&sysparm_offset=2"),
    )
    .await;
    let link = middle.headers()[header::LINK].to_str().unwrap().to_owned();
    assert!(
        link.contains("rel=\"prev\"") && link.contains("rel=\"next\""),
        "{link}"
    );

    let single = api_get(&sim, &token, paged).await;
    assert!(
        single.headers().get(header::LINK).is_none(),
        "no Link header for a single page"
    );
    let uncounted = api_get(
        &sim,
        &token,
        "/api/now/table/incident?sysparm_no_count=true",
    )
    .await;
    assert!(uncounted.headers().get("x-total-count").is_none());
}

#[tokio::test]
async fn list_filters_and_orders_by_encoded_query() {
    let (sim, token) = simulator_with_token().await;
    for (description, state) in [("b", "2"), ("a", "1"), ("c", "6")] {
        create(
            &sim,
            &token,
            "incident",
            json!({"short_description": description, "state": state, "category": "q"}),
        )
        .await;
    }
    let result = api_result(&sim, &token, "/api/now/table/incident?sysparm_query=category=q^stateIN1,2^ORDERBYDESCshort_description&sysparm_fields=short_description,state").await;
    assert_eq!(
        result,
        json!([{"short_description": "b", "state": "2"}, {"short_description": "a", "state": "1"}])
    );
}

#[tokio::test]
async fn display_values_and_reference_links_follow_the_parameters() {
    let (sim, token) = simulator_with_token().await;
    let record = create(
        &sim,
        &token,
        "change_request",
        json!({"short_description": "d"}),
    )
    .await;
    let sys_id = record["sys_id"].as_str().unwrap();
    let path = |params: &str| {
        format!("/api/now/table/change_request/{sys_id}?sysparm_fields=state,opened_by{params}")
    };

    let plain = api_result(&sim, &token, &path("")).await;
    assert_eq!(plain["state"], "-5");
    assert_eq!(plain["opened_by"].as_object().unwrap().len(), 2, "{plain}");

    let display = api_result(&sim, &token, &path("&sysparm_display_value=true")).await;
    assert_eq!(display["state"], "New");
    assert_eq!(
        display["opened_by"]["display_value"],
        "ScoreNow Integration"
    );

    let all = api_result(&sim, &token, &path("&sysparm_display_value=all")).await;
    assert_eq!(all["state"], json!({"display_value": "New", "value": "-5"}));

    let bare = api_result(&sim, &token, &path("&sysparm_exclude_reference_link=true")).await;
    assert!(bare["opened_by"].is_string(), "{bare}");
}

#[tokio::test]
async fn empty_lists_differ_between_v1_and_v2() {
    let (sim, token) = simulator_with_token().await;
    let query = "?sysparm_query=short_description=nothing-matches";
    let v2 = api_get(&sim, &token, &format!("/api/now/v2/table/incident{query}")).await;
    assert_eq!(v2.status(), 200);
    assert_eq!(v2.json::<Value>().await.unwrap(), json!({"result": []}));
    let unversioned = api_get(&sim, &token, &format!("/api/now/table/incident{query}")).await;
    assert_eq!(unversioned.status(), 200);
    let v1 = api_get(&sim, &token, &format!("/api/now/v1/table/incident{query}")).await;
    assert_failure(v1, 404, "No Record found").await;
}

#[tokio::test]
async fn update_and_delete_maintain_system_fields() {
    let (sim, token) = simulator_with_token().await;
    let record = create(&sim, &token, "incident", json!({"short_description": "x"})).await;
    let sys_id = record["sys_id"].as_str().unwrap();
    let path = format!("/api/now/table/incident/{sys_id}");
    let send = |method: Method, body: Option<Value>| api_request(&sim, &token, method, &path, body);

    let patched = send(
        Method::PATCH,
        Some(json!({"state": "2", "work_notes": "looking"})),
    )
    .await;
    assert_eq!(patched.status(), 200);
    let record = patched.json::<Value>().await.unwrap()["result"].clone();
    assert_eq!(record["state"], "2");
    assert_eq!(record["incident_state"], "2");
    assert_eq!(record["sys_mod_count"], "1");
    assert!(record["work_notes"].as_str().unwrap().contains("looking"));

    let put = send(Method::PUT, Some(json!({"state": "6"}))).await;
    assert_eq!(
        put.json::<Value>().await.unwrap()["result"]["active"],
        "false"
    );

    let deleted = send(Method::DELETE, None).await;
    assert_eq!(deleted.status(), 204);
    assert_failure(api_get(&sim, &token, &path).await, 404, "No Record found").await;
    let missing = send(Method::PATCH, Some(json!({}))).await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn bad_requests_get_failure_bodies() {
    let (sim, token) = simulator_with_token().await;
    assert_failure(
        api_get(&sim, &token, "/api/now/table/cmdb_ci").await,
        400,
        "Invalid table cmdb_ci",
    )
    .await;
    let post_raw = |content_type: &'static str, body: &'static str| {
        client()
            .post(sim.url(INCIDENTS))
            .bearer_auth(&token)
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
    };
    let invalid_json = post_raw("application/json", "{not json").await.unwrap();
    assert_failure(invalid_json, 400, "Exception while reading request").await;
    let wrong_type = post_raw("text/plain", "x").await.unwrap();
    assert_eq!(wrong_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn oauth_entity_is_readable_without_its_secret_and_not_writable() {
    let (sim, token) = simulator_with_token().await;
    let response = api_get(&sim, &token, "/api/now/table/oauth_entity").await;
    let body = response.text().await.unwrap();
    assert!(
        body.contains(DEMO_CLIENT_ID) && !body.contains(DEMO_CLIENT_SECRET),
        "{body}"
    );
    let write = api_post(
        &sim,
        &token,
        "/api/now/table/oauth_entity",
        json!({"name": "x"}),
    )
    .await;
    assert_failure(write, 403, "Operation Failed").await;
}

#[tokio::test]
async fn seed_holds_tickets_not_created_by_scorenow() {
    let (sim, token) = simulator_with_token().await;
    for table in ["change_request", "incident"] {
        let response = api_get(
            &sim,
            &token,
            &format!("/api/now/table/{table}?sysparm_query=correlation_idISEMPTY"),
        )
        .await;
        let count: usize = response.headers()["x-total-count"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(count >= 3, "{table}: {count}");
    }
}

#[tokio::test]
async fn concurrent_creates_get_distinct_numbers() {
    let (sim, token) = simulator_with_token().await;
    let creates = (0..100).map(|n| {
        create(
            &sim,
            &token,
            "change_request",
            json!({"short_description": format!("c{n}")}),
        )
    });
    let records = futures_util::future::join_all(creates).await;
    let numbers: std::collections::BTreeSet<&str> = records
        .iter()
        .map(|record| record["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), 100);
}

// ---- Aggregate API -------------------------------------------------------

#[tokio::test]
async fn aggregate_counts_with_and_without_grouping() {
    let (sim, token) = simulator_with_token().await;
    for state in ["1", "1", "2"] {
        api_post(
            &sim,
            &token,
            INCIDENTS,
            json!({"state": state, "category": "agg"}),
        )
        .await;
    }
    let counted = "/api/now/stats/incident?sysparm_query=category=agg&sysparm_count=true";
    let total = api_get(&sim, &token, counted).await;
    assert_eq!(
        total.json::<Value>().await.unwrap(),
        json!({"result": {"stats": {"count": "3"}}})
    );

    let grouped = api_get(&sim, &token, &format!("{counted}&sysparm_group_by=state")).await;
    assert_eq!(
        grouped.json::<Value>().await.unwrap(),
        json!({"result": [
            {"stats": {"count": "2"}, "groupby_fields": [{"field": "state", "value": "1"}]},
            {"stats": {"count": "1"}, "groupby_fields": [{"field": "state", "value": "2"}]},
        ]})
    );
}

// ---- faults --------------------------------------------------------------

#[tokio::test]
async fn rate_limit_fault_answers_429_with_retry_after_for_the_next_n_requests() {
    let (sim, token) =
        simulator_with_faults(json!({"rate_limit_next": 2, "retry_after_secs": 7})).await;
    for _ in 0..2 {
        let response = api_get(&sim, &token, INCIDENTS).await;
        assert_eq!(response.headers()["retry-after"], "7");
        for header in ["x-ratelimit-limit", "x-ratelimit-reset", "x-ratelimit-rule"] {
            assert!(response.headers().contains_key(header), "{header}");
        }
        assert!(!response.headers().contains_key("x-ratelimit-remaining"));
        assert_failure(response, 429, "Rate limit exceeded").await;
    }
    assert_eq!(incidents_status(&sim, &token).await, 200);
}

#[tokio::test]
async fn error_rate_fault_answers_500_or_503() {
    let (sim, token) = simulator_with_faults(json!({"error_rate": 1.0})).await;
    for _ in 0..6 {
        let status = incidents_status(&sim, &token).await.as_u16();
        assert!(status == 500 || status == 503, "{status}");
    }
}

#[tokio::test]
async fn drop_fault_breaks_the_connection_mid_response() {
    let (sim, token) = simulator_with_faults(json!({"drop_next": 1})).await;
    let response = api_get(&sim, &token, INCIDENTS).await;
    assert_eq!(response.status(), 200, "headers arrive");
    assert!(response.bytes().await.is_err(), "body is cut off");
    assert_eq!(incidents_status(&sim, &token).await, 200);
}

#[tokio::test]
async fn malformed_fault_sends_broken_json_once() {
    let (sim, token) = simulator_with_faults(json!({"malformed_next": 1})).await;
    let broken = api_get(&sim, &token, INCIDENTS).await;
    assert_eq!(broken.status(), 200);
    assert!(broken.json::<Value>().await.is_err());
    let next = api_get(&sim, &token, INCIDENTS).await;
    assert!(next.json::<Value>().await.is_ok());
}

#[tokio::test]
async fn latency_fault_delays_responses() {
    let (sim, token) = simulator_with_faults(json!({"latency_ms": 300})).await;
    let started = std::time::Instant::now();
    assert_eq!(incidents_status(&sim, &token).await, 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
}

#[tokio::test]
async fn cross_scope_fault_refuses_oauth_entity_reads_with_the_seed_message() {
    let (sim, token) = simulator_with_faults(json!({"cross_scope_oauth_entity": true})).await;
    let response = api_get(&sim, &token, "/api/now/table/oauth_entity").await;
    assert_failure(
        response,
        403,
        "Read operation against 'oauth_entity' from scope 'x_mioms_m365ticket' has been refused due to the table's cross-scope access policy",
    )
    .await;
    assert_eq!(
        incidents_status(&sim, &token).await,
        200,
        "other tables unaffected"
    );
}

#[tokio::test]
async fn ip_filter_fault_refuses_api_and_oauth() {
    let (sim, token) = simulator_with_faults(json!({"ip_filtered": true})).await;
    assert_eq!(incidents_status(&sim, &token).await, 403);
    assert_eq!(
        token_request(&sim, &[("grant_type", "password")])
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn expiring_and_revoking_every_token() {
    let sim = TestServer::start_simulator(&[]);
    let (access, refresh) = tokens(&sim).await;
    admin_post(&sim, "/tokens/expire").await;
    assert_eq!(incidents_status(&sim, &access).await, 401);
    assert_eq!(
        refresh_grant(&sim, DEMO_CLIENT_SECRET, &refresh)
            .await
            .status(),
        200,
        "refresh token survives expiry"
    );
    admin_post(&sim, "/tokens/revoke").await;
    assert_token_denied(refresh_grant(&sim, DEMO_CLIENT_SECRET, &refresh).await).await;
}

#[tokio::test]
async fn faults_can_be_set_by_configuration() {
    let sim = TestServer::start_simulator(&["--faults", r#"{"rate_limit_next": 1}"#]);
    let (token, _) = tokens(&sim).await;
    assert_eq!(incidents_status(&sim, &token).await, 429);
    assert_eq!(incidents_status(&sim, &token).await, 200);
}

#[tokio::test]
async fn admin_endpoint_requires_its_token_and_counts_requests() {
    let sim = TestServer::start_simulator(&[]);
    let faults = sim.url("/sim/admin/faults");
    let anonymous = get(&faults, &[]).await;
    assert_eq!(anonymous.status(), 401);
    let wrong = get(&faults, &[("authorization", "Bearer guess")]).await;
    assert_eq!(wrong.status(), 401);

    let (token, refresh) = tokens(&sim).await;
    api_get(&sim, &token, INCIDENTS).await;
    refresh_grant(&sim, DEMO_CLIENT_SECRET, &refresh).await;
    let stats: Value = sim_admin_request(&sim.base_url, Method::GET, "/stats", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stats["rest_requests"], 1);
    assert_eq!(
        stats["token_requests"],
        json!({"password": 1, "refresh_token": 1})
    );
}

#[tokio::test]
async fn snapshot_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("instance.json");
    let snapshot_arg = snapshot.display().to_string();
    let number = {
        let sim = TestServer::start_simulator(&["--snapshot", &snapshot_arg]);
        let (token, _) = tokens(&sim).await;
        let record = create(
            &sim,
            &token,
            "incident",
            json!({"short_description": "persisted"}),
        )
        .await;
        let number = record["number"].as_str().unwrap().to_owned();
        assert!(sim.terminate(std::time::Duration::from_secs(10)).success());
        number
    };
    let sim = TestServer::start_simulator(&["--snapshot", &snapshot_arg]);
    let (token, _) = tokens(&sim).await;
    let response = api_get(
        &sim,
        &token,
        &format!("/api/now/table/incident?sysparm_query=number={number}"),
    )
    .await;
    assert_eq!(response.headers()["x-total-count"], "1");
}
