//! Conformance of the ServiceNow simulator with `shared/spec/SERVICENOW.md`:
//! status codes, headers and body shapes of OAuth, the Table API and the
//! Aggregate API, and every injectable fault.

mod support;

use reqwest::{Response, StatusCode, header};
use serde_json::{Value, json};
use server::servicenow_sim::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_INTEGRATION_PASSWORD, DEMO_INTEGRATION_USER, pkce_s256,
};
use support::{SIM_ADMIN_TOKEN, TestServer, client};

const REDIRECT_URI: &str = "http://127.0.0.1:3000/servicenow/callback";
const VERIFIER: &str = "a-sufficiently-long-pkce-code-verifier-0123456789";

// ---- helpers -------------------------------------------------------------

async fn token_request(sim: &TestServer, form: &[(&str, &str)]) -> Response {
    client()
        .post(sim.url("/oauth_token.do"))
        .form(form)
        .send()
        .await
        .expect("token request")
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

async fn get(sim: &TestServer, token: &str, path: &str) -> Response {
    client()
        .get(sim.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET")
}

async fn post(sim: &TestServer, token: &str, path: &str, body: Value) -> Response {
    client()
        .post(sim.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("POST")
}

/// Creates a record in `table` and returns it, asserting the 201.
async fn create(sim: &TestServer, token: &str, table: &str, body: Value) -> Value {
    let response = post(sim, token, &format!("/api/now/table/{table}"), body).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.expect("json")["result"].clone()
}

async fn set_faults(sim: &TestServer, faults: Value) {
    let response = client()
        .put(sim.url("/sim/admin/faults"))
        .bearer_auth(SIM_ADMIN_TOKEN)
        .json(&faults)
        .send()
        .await
        .expect("PUT faults");
    assert_eq!(response.status(), 200);
}

async fn admin_post(sim: &TestServer, path: &str) {
    let response = client()
        .post(sim.url(path))
        .bearer_auth(SIM_ADMIN_TOKEN)
        .send()
        .await
        .expect("admin");
    assert_eq!(response.status(), 204);
}

async fn assert_failure(response: Response, status: u16, message: &str) -> Value {
    assert_eq!(response.status().as_u16(), status);
    let body: Value = response.json().await.expect("json error body");
    assert_eq!(body["status"], "failure", "{body}");
    assert_eq!(body["error"]["message"], message, "{body}");
    assert!(body["error"]["detail"].is_string(), "{body}");
    body
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let parsed = url::Url::parse(url).expect("url");
    parsed
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

fn authorize_path(state: Option<&str>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("response_type", "code");
    query.append_pair("client_id", DEMO_CLIENT_ID);
    query.append_pair("redirect_uri", REDIRECT_URI);
    if let Some(state) = state {
        query.append_pair("state", state);
    }
    query.append_pair("code_challenge", &pkce_s256(VERIFIER));
    query.append_pair("code_challenge_method", "S256");
    format!("/oauth_auth.do?{}", query.finish())
}

/// Signs in on the instance's page; returns the session cookie.
async fn sign_in(sim: &TestServer, return_to: &str) -> String {
    let response = client()
        .post(sim.url("/login.do"))
        .form(&[
            ("user_name", DEMO_INTEGRATION_USER),
            ("user_password", DEMO_INTEGRATION_PASSWORD),
            ("return_to", return_to),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 303);
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

/// Runs the browser part of the flow and returns the redirect URL after the decision.
async fn decide(sim: &TestServer, action: &str, state: &str) -> String {
    let authorize = authorize_path(Some(state));
    let return_to = authorize.trim_start_matches("/oauth_auth.do?").to_owned();
    let session = sign_in(sim, &return_to).await;
    let mut form: Vec<(String, String)> = url::form_urlencoded::parse(return_to.as_bytes())
        .into_owned()
        .collect();
    form.push(("action".into(), action.into()));
    let response = client()
        .post(sim.url("/oauth_auth.do"))
        .header(header::COOKIE, session)
        .form(&form)
        .send()
        .await
        .expect("decision");
    assert_eq!(response.status(), 303);
    response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned()
}

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
    let response = client()
        .get(sim.url(&authorize_path(Some("s1"))))
        .send()
        .await
        .unwrap();
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
    let missing_state = client()
        .get(sim.url(&authorize_path(None)))
        .send()
        .await
        .unwrap();
    assert_eq!(missing_state.status(), 400);
    assert!(
        missing_state
            .text()
            .await
            .unwrap()
            .contains("Missing State parameter in request")
    );

    let unknown_client = authorize_path(Some("s")).replace(DEMO_CLIENT_ID, "nobody");
    let response = client().get(sim.url(&unknown_client)).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("Invalid client_id"));

    let wrong_redirect = authorize_path(Some("s")).replace("3000", "4000");
    let response = client().get(sim.url(&wrong_redirect)).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Invalid redirect_uri")
    );
}

#[tokio::test]
async fn consent_page_names_the_entity_and_offers_not_you() {
    let sim = TestServer::start_simulator(&[]);
    let authorize = authorize_path(Some("s2"));
    let session = sign_in(&sim, authorize.trim_start_matches("/oauth_auth.do?")).await;
    let html = client()
        .get(sim.url(&authorize))
        .header(header::COOKIE, &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
    let response = client()
        .get(sim.url(&logout))
        .header(header::COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let after = client()
        .get(sim.url(&authorize))
        .header(header::COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert!(
        after
            .text()
            .await
            .unwrap()
            .contains("name=\"user_password\""),
        "signed out after Not you?"
    );
}

#[tokio::test]
async fn wrong_password_shows_the_sign_in_form_again() {
    let sim = TestServer::start_simulator(&[]);
    let response = client()
        .post(sim.url("/login.do"))
        .form(&[
            ("user_name", DEMO_INTEGRATION_USER),
            ("user_password", "wrong"),
            ("return_to", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("User name or password invalid")
    );
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

    let user = get(
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
    admin_post(&sim, "/sim/admin/codes/expire").await;
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
    let form = |secret: &'static str, token: String| {
        vec![
            ("grant_type", "refresh_token".to_owned()),
            ("client_id", DEMO_CLIENT_ID.to_owned()),
            ("client_secret", secret.to_owned()),
            ("refresh_token", token),
        ]
    };
    let response = client()
        .post(sim.url("/oauth_token.do"))
        .form(&form(DEMO_CLIENT_SECRET, refresh.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["refresh_token"], refresh.as_str());
    assert_eq!(
        get(
            &sim,
            body["access_token"].as_str().unwrap(),
            "/api/now/table/incident"
        )
        .await
        .status(),
        200
    );

    let denied = client()
        .post(sim.url("/oauth_token.do"))
        .form(&form("wrong-secret", refresh))
        .send()
        .await
        .unwrap();
    assert_token_denied(denied).await;
}

#[tokio::test]
async fn revoked_refresh_token_is_dead_and_so_are_its_access_tokens() {
    let sim = TestServer::start_simulator(&[]);
    let (access, refresh) = tokens(&sim).await;
    let response = client()
        .get(sim.url(&format!("/oauth_revoke_token.do?token={refresh}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        get(&sim, &access, "/api/now/table/incident").await.status(),
        401
    );
    let refreshed = token_request(
        &sim,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("refresh_token", &refresh),
        ],
    )
    .await;
    assert_token_denied(refreshed).await;
}

#[tokio::test]
async fn token_lifetimes_come_from_the_oauth_entity() {
    let sim = TestServer::start_simulator(&["--access-token-lifespan", "1"]);
    let (access, _) = tokens(&sim).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let response = get(&sim, &access, "/api/now/table/incident").await;
    assert_failure(response, 401, "User Not Authenticated").await;
}

// ---- Table API -----------------------------------------------------------

#[tokio::test]
async fn table_api_requires_authentication() {
    let sim = TestServer::start_simulator(&[]);
    let response = client()
        .get(sim.url("/api/now/table/incident"))
        .send()
        .await
        .unwrap();
    assert_failure(response, 401, "User Not Authenticated").await;
    let response = client()
        .get(sim.url("/api/now/table/incident"))
        .bearer_auth("forged")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn basic_auth_works_for_the_integration_user_only_with_its_password() {
    let sim = TestServer::start_simulator(&[]);
    let ok = client()
        .get(sim.url("/api/now/table/incident"))
        .basic_auth(DEMO_INTEGRATION_USER, Some(DEMO_INTEGRATION_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let wrong = client()
        .get(sim.url("/api/now/table/incident"))
        .basic_auth(DEMO_INTEGRATION_USER, Some("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
}

#[tokio::test]
async fn creating_a_change_request_returns_201_location_and_string_values() {
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    let response = post(
        &sim,
        &token,
        "/api/now/table/change_request",
        json!({"short_description": "Enable MFA", "priority": 2, "correlation_id": "t1-AdminMFAV2", "type": "normal"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
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
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
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
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    for n in 0..5 {
        create(
            &sim,
            &token,
            "incident",
            json!({"short_description": format!("paged {n}"), "category": "paging"}),
        )
        .await;
    }
    let first = get(
        &sim,
        &token,
        "/api/now/table/incident?sysparm_query=category=paging&sysparm_limit=2",
    )
    .await;
    assert_eq!(first.headers()["x-total-count"], "5");
    let link = first.headers()[header::LINK].to_str().unwrap().to_owned();
    assert!(
        link.contains("sysparm_offset=0&sysparm_limit=2>;rel=\"first\""),
        "{link}"
    );
    assert!(
        link.contains("sysparm_offset=2&sysparm_limit=2>;rel=\"next\""),
        "{link}"
    );
    assert!(
        link.contains("sysparm_offset=4&sysparm_limit=2>;rel=\"last\""),
        "{link}"
    );
    assert!(!link.contains("rel=\"prev\""), "{link}");
    assert_eq!(
        first.json::<Value>().await.unwrap()["result"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let middle = get(
        &sim,
        &token,
        "/api/now/table/incident?sysparm_query=category=paging&sysparm_limit=2&sysparm_offset=2",
    )
    .await;
    let link = middle.headers()[header::LINK].to_str().unwrap().to_owned();
    assert!(
        link.contains("rel=\"prev\"") && link.contains("rel=\"next\""),
        "{link}"
    );

    let single = get(
        &sim,
        &token,
        "/api/now/table/incident?sysparm_query=category=paging",
    )
    .await;
    assert!(
        single.headers().get(header::LINK).is_none(),
        "no Link header for a single page"
    );
    let uncounted = get(
        &sim,
        &token,
        "/api/now/table/incident?sysparm_no_count=true",
    )
    .await;
    assert!(uncounted.headers().get("x-total-count").is_none());
}

#[tokio::test]
async fn list_filters_and_orders_by_encoded_query() {
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    for (description, state) in [("b", "2"), ("a", "1"), ("c", "6")] {
        create(
            &sim,
            &token,
            "incident",
            json!({"short_description": description, "state": state, "category": "q"}),
        )
        .await;
    }
    let response = get(&sim, &token, "/api/now/table/incident?sysparm_query=category=q^stateIN1,2^ORDERBYDESCshort_description&sysparm_fields=short_description,state").await;
    let result = response.json::<Value>().await.unwrap()["result"].clone();
    assert_eq!(
        result,
        json!([{"short_description": "b", "state": "2"}, {"short_description": "a", "state": "1"}])
    );
}

#[tokio::test]
async fn display_values_and_reference_links_follow_the_parameters() {
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    let sys_id = create(
        &sim,
        &token,
        "change_request",
        json!({"short_description": "d"}),
    )
    .await["sys_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = |params: &str| {
        format!("/api/now/table/change_request/{sys_id}?sysparm_fields=state,opened_by{params}")
    };

    let plain = get(&sim, &token, &path(""))
        .await
        .json::<Value>()
        .await
        .unwrap()["result"]
        .clone();
    assert_eq!(plain["state"], "-5");
    assert_eq!(plain["opened_by"].as_object().unwrap().len(), 2, "{plain}");

    let display = get(&sim, &token, &path("&sysparm_display_value=true"))
        .await
        .json::<Value>()
        .await
        .unwrap()["result"]
        .clone();
    assert_eq!(display["state"], "New");
    assert_eq!(
        display["opened_by"]["display_value"],
        "ScoreNow Integration"
    );

    let all = get(&sim, &token, &path("&sysparm_display_value=all"))
        .await
        .json::<Value>()
        .await
        .unwrap()["result"]
        .clone();
    assert_eq!(all["state"], json!({"display_value": "New", "value": "-5"}));

    let bare = get(&sim, &token, &path("&sysparm_exclude_reference_link=true"))
        .await
        .json::<Value>()
        .await
        .unwrap()["result"]
        .clone();
    assert!(bare["opened_by"].is_string(), "{bare}");
}

#[tokio::test]
async fn empty_lists_differ_between_v1_and_v2() {
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    let query = "?sysparm_query=short_description=nothing-matches";
    let v2 = get(&sim, &token, &format!("/api/now/v2/table/incident{query}")).await;
    assert_eq!(v2.status(), 200);
    assert_eq!(v2.json::<Value>().await.unwrap(), json!({"result": []}));
    let unversioned = get(&sim, &token, &format!("/api/now/table/incident{query}")).await;
    assert_eq!(unversioned.status(), 200);
    let v1 = get(&sim, &token, &format!("/api/now/v1/table/incident{query}")).await;
    assert_failure(v1, 404, "No Record found").await;
}

#[tokio::test]
async fn update_and_delete_maintain_system_fields() {
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    let sys_id =
        create(&sim, &token, "incident", json!({"short_description": "x"})).await["sys_id"]
            .as_str()
            .unwrap()
            .to_owned();
    let path = format!("/api/now/table/incident/{sys_id}");

    let patched = client()
        .patch(sim.url(&path))
        .bearer_auth(&token)
        .json(&json!({"state": "2", "work_notes": "looking"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let record = patched.json::<Value>().await.unwrap()["result"].clone();
    assert_eq!(record["state"], "2");
    assert_eq!(record["incident_state"], "2");
    assert_eq!(record["sys_mod_count"], "1");
    assert!(record["work_notes"].as_str().unwrap().contains("looking"));

    let put = client()
        .put(sim.url(&path))
        .bearer_auth(&token)
        .json(&json!({"state": "6"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        put.json::<Value>().await.unwrap()["result"]["active"],
        "false"
    );

    let deleted = client()
        .delete(sim.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_failure(get(&sim, &token, &path).await, 404, "No Record found").await;
    let missing = client()
        .patch(sim.url(&path))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn bad_requests_get_failure_bodies() {
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    assert_failure(
        get(&sim, &token, "/api/now/table/cmdb_ci").await,
        400,
        "Invalid table cmdb_ci",
    )
    .await;
    let invalid_json = client()
        .post(sim.url("/api/now/table/incident"))
        .bearer_auth(&token)
        .header(header::CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_failure(invalid_json, 400, "Exception while reading request").await;
    let wrong_type = client()
        .post(sim.url("/api/now/table/incident"))
        .bearer_auth(&token)
        .header(header::CONTENT_TYPE, "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn oauth_entity_is_readable_without_its_secret_and_not_writable() {
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    let response = get(&sim, &token, "/api/now/table/oauth_entity").await;
    let body = response.text().await.unwrap();
    assert!(
        body.contains(DEMO_CLIENT_ID) && !body.contains(DEMO_CLIENT_SECRET),
        "{body}"
    );
    let write = post(
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
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    for table in ["change_request", "incident"] {
        let response = get(
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
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
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
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    for state in ["1", "1", "2"] {
        post(
            &sim,
            &token,
            "/api/now/table/incident",
            json!({"state": state, "category": "agg"}),
        )
        .await;
    }
    let total = get(
        &sim,
        &token,
        "/api/now/stats/incident?sysparm_query=category=agg&sysparm_count=true",
    )
    .await;
    assert_eq!(
        total.json::<Value>().await.unwrap(),
        json!({"result": {"stats": {"count": "3"}}})
    );

    let grouped = get(&sim, &token, "/api/now/stats/incident?sysparm_query=category=agg&sysparm_count=true&sysparm_group_by=state").await;
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
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    set_faults(&sim, json!({"rate_limit_next": 2, "retry_after_secs": 7})).await;
    for _ in 0..2 {
        let response = get(&sim, &token, "/api/now/table/incident").await;
        assert_eq!(response.headers()["retry-after"], "7");
        assert!(response.headers().contains_key("x-ratelimit-limit"));
        assert!(response.headers().contains_key("x-ratelimit-reset"));
        assert!(response.headers().contains_key("x-ratelimit-rule"));
        assert!(!response.headers().contains_key("x-ratelimit-remaining"));
        assert_failure(response, 429, "Rate limit exceeded").await;
    }
    assert_eq!(
        get(&sim, &token, "/api/now/table/incident").await.status(),
        200
    );
}

#[tokio::test]
async fn error_rate_fault_answers_500_or_503() {
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    set_faults(&sim, json!({"error_rate": 1.0})).await;
    for _ in 0..6 {
        let status = get(&sim, &token, "/api/now/table/incident")
            .await
            .status()
            .as_u16();
        assert!(status == 500 || status == 503, "{status}");
    }
}

#[tokio::test]
async fn drop_fault_breaks_the_connection_mid_response() {
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    set_faults(&sim, json!({"drop_next": 1})).await;
    let response = get(&sim, &token, "/api/now/table/incident").await;
    assert_eq!(response.status(), 200, "headers arrive");
    assert!(response.bytes().await.is_err(), "body is cut off");
    assert_eq!(
        get(&sim, &token, "/api/now/table/incident").await.status(),
        200
    );
}

#[tokio::test]
async fn malformed_fault_sends_broken_json_once() {
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    set_faults(&sim, json!({"malformed_next": 1})).await;
    let broken = get(&sim, &token, "/api/now/table/incident").await;
    assert_eq!(broken.status(), 200);
    assert!(broken.json::<Value>().await.is_err());
    assert!(
        get(&sim, &token, "/api/now/table/incident")
            .await
            .json::<Value>()
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn latency_fault_delays_responses() {
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    set_faults(&sim, json!({"latency_ms": 300})).await;
    let started = std::time::Instant::now();
    assert_eq!(
        get(&sim, &token, "/api/now/table/incident").await.status(),
        200
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
}

#[tokio::test]
async fn cross_scope_fault_refuses_oauth_entity_reads_with_the_seed_message() {
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    set_faults(&sim, json!({"cross_scope_oauth_entity": true})).await;
    let response = get(&sim, &token, "/api/now/table/oauth_entity").await;
    assert_failure(
        response,
        403,
        "Read operation against 'oauth_entity' from scope 'x_mioms_m365ticket' has been refused due to the table's cross-scope access policy",
    )
    .await;
    assert_eq!(
        get(&sim, &token, "/api/now/table/incident").await.status(),
        200,
        "other tables unaffected"
    );
}

#[tokio::test]
async fn ip_filter_fault_refuses_api_and_oauth() {
    let sim = TestServer::start_simulator(&[]);
    let (token, _) = tokens(&sim).await;
    set_faults(&sim, json!({"ip_filtered": true})).await;
    assert_eq!(
        get(&sim, &token, "/api/now/table/incident").await.status(),
        403
    );
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
    admin_post(&sim, "/sim/admin/tokens/expire").await;
    assert_eq!(
        get(&sim, &access, "/api/now/table/incident").await.status(),
        401
    );
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", DEMO_CLIENT_ID),
        ("client_secret", DEMO_CLIENT_SECRET),
        ("refresh_token", refresh.as_str()),
    ];
    assert_eq!(
        token_request(&sim, &form).await.status(),
        200,
        "refresh token survives expiry"
    );
    admin_post(&sim, "/sim/admin/tokens/revoke").await;
    assert_token_denied(token_request(&sim, &form).await).await;
}

#[tokio::test]
async fn faults_can_be_set_by_configuration() {
    let sim = TestServer::start_simulator(&["--faults", r#"{"rate_limit_next": 1}"#]);
    let (token, _) = tokens(&sim).await;
    assert_eq!(
        get(&sim, &token, "/api/now/table/incident").await.status(),
        429
    );
    assert_eq!(
        get(&sim, &token, "/api/now/table/incident").await.status(),
        200
    );
}

#[tokio::test]
async fn admin_endpoint_requires_its_token_and_counts_requests() {
    let sim = TestServer::start_simulator(&[]);
    let anonymous = client()
        .get(sim.url("/sim/admin/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = client()
        .get(sim.url("/sim/admin/faults"))
        .bearer_auth("guess")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    let (token, refresh) = tokens(&sim).await;
    get(&sim, &token, "/api/now/table/incident").await;
    token_request(
        &sim,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("refresh_token", &refresh),
        ],
    )
    .await;
    let stats: Value = client()
        .get(sim.url("/sim/admin/stats"))
        .bearer_auth(SIM_ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
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
        let number = create(
            &sim,
            &token,
            "incident",
            json!({"short_description": "persisted"}),
        )
        .await["number"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(sim.terminate(std::time::Duration::from_secs(10)).success());
        number
    };
    let sim = TestServer::start_simulator(&["--snapshot", &snapshot_arg]);
    let (token, _) = tokens(&sim).await;
    let response = get(
        &sim,
        &token,
        &format!("/api/now/table/incident?sysparm_query=number={number}"),
    )
    .await;
    assert_eq!(response.headers()["x-total-count"], "1");
}
