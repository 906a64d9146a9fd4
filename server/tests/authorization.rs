//! The authorisation matrix: every server function of `app::api::SERVER_FUNCTIONS`
//! (which `app`'s own test keeps complete), called as anonymous, reader,
//! analyst and admin, is allowed or refused exactly as declared there.

mod support;

use app::{api::SERVER_FUNCTIONS, domain::auth::Role};
use reqwest::header::{ACCEPT, COOKIE};
use support::{TestServer, client, signed_in_cookie};

/// Harmless arguments to call each server function with.
fn arguments(endpoint: &str) -> &'static [(&'static str, &'static str)] {
    match endpoint {
        "sign_in" => &[
            ("email", "nobody@example.com"),
            ("password", "wrong"),
            ("next", "/"),
        ],
        "confirm_password" => &[("password", "not the password")],
        "create_user" => &[
            ("email", "x"),
            ("display_name", "X"),
            ("role", "reader"),
            ("password", "short"),
        ],
        "change_role" => &[("user_id", "999999"), ("role", "reader")],
        "set_user_active" => &[("user_id", "999999"), ("active", "true")],
        "reset_password" => &[("user_id", "999999"), ("password", "short")],
        "connect_servicenow" => &[
            ("instance", "not a host"),
            ("client_id", "id"),
            ("client_secret", "secret"),
        ],
        "save_state_names" => &[("table", "incident")],
        "action_detail" => &[("id", "AdminMFAV2")],
        "save_graph_connection" => &[("tenant_id", ""), ("client_id", ""), ("client_secret", "")],
        "ticket" | "retry_ticket" => &[("id", "999999")],
        "save_ticket_defaults" => &[
            ("ticket_type", "incident"),
            ("assignment_group", ""),
            ("category", ""),
        ],
        _ => &[],
    }
}

#[tokio::test]
async fn every_server_function_is_allowed_or_refused_as_declared() {
    let server = TestServer::start();
    let callers = [
        (None, "anonymous"),
        (Some(Role::Reader), "reader"),
        (Some(Role::Analyst), "analyst"),
        (Some(Role::Admin), "admin"),
    ];
    for &(endpoint, needs) in SERVER_FUNCTIONS {
        for (role, name) in callers {
            let path = format!("/api/{endpoint}");
            // Each function is called with the method it is registered for
            // (a download link such as the CSV export is a GET).
            let method = leptos::server_fn::axum::server_fn_paths()
                .find(|(registered, _)| *registered == path)
                .map(|(_, method)| method)
                .expect("registered");
            let mut request = if method == http::Method::GET {
                client().get(server.url(&path)).query(arguments(endpoint))
            } else {
                client().post(server.url(&path)).form(arguments(endpoint))
            }
            .header(ACCEPT, "application/json");
            if role.is_some() {
                request = request.header(
                    COOKIE,
                    signed_in_cookie(&server, &format!("{name}@scorenow.demo")).await,
                );
            }
            let body = request.send().await.unwrap().text().await.unwrap();
            let error: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let reason = error.get("reason").unwrap_or(&error);
            let refused = reason == "NotSignedIn" || reason == "Forbidden";
            let allowed =
                needs.is_none_or(|needed| role.is_some_and(|role: Role| role.includes(needed)));
            assert_eq!(!refused, allowed, "{endpoint} as {name}: {body}");
        }
    }
}
