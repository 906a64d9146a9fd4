//! The server-function boundary, grouped by capability: the only door from
//! the browser to the server's powers. Each `#[server]` body checks the
//! role, then makes one call into a service of [`services::Services`];
//! every one fails with an [`ApiError`]. Modules here import `error`,
//! `request` and `services`, never each other.

pub mod audit;
pub mod auth;
mod error;
#[cfg(feature = "ssr")]
pub mod request;
pub mod securescore;
pub mod servicenow;
#[cfg(feature = "ssr")]
pub mod services;
pub mod tickets;
pub mod users;

pub use error::{ApiError, FormError, NoRefusal};

use crate::domain::auth::Role;

/// Every server function's endpoint (under `/api/`) and the role it needs
/// (`None`: anyone, signed in or not). Each function checks its role itself;
/// this table is what the authorisation tests hold them to.
pub const SERVER_FUNCTIONS: &[(&str, Option<Role>)] = &[
    ("signed_in_user", None),
    ("sign_in", None),
    ("sign_out", None),
    ("confirm_password", Some(Role::Reader)),
    ("sign_out_everywhere", None),
    ("demo_accounts", None),
    ("sign_in_options", None),
    ("list_users", Some(Role::Admin)),
    ("create_user", Some(Role::Admin)),
    ("change_role", Some(Role::Admin)),
    ("set_user_active", Some(Role::Admin)),
    ("reset_password", Some(Role::Admin)),
    ("servicenow_status", Some(Role::Admin)),
    ("connect_servicenow", Some(Role::Admin)),
    ("reauthorize_servicenow", Some(Role::Admin)),
    ("test_servicenow_connection", Some(Role::Admin)),
    ("servicenow_settings", Some(Role::Admin)),
    ("save_state_names", Some(Role::Admin)),
    ("save_ticket_defaults", Some(Role::Admin)),
    ("remove_servicenow_connection", Some(Role::Admin)),
    ("home_servicenow", Some(Role::Reader)),
    ("list_actions", Some(Role::Reader)),
    ("action_detail", Some(Role::Reader)),
    ("score_summary", Some(Role::Reader)),
    ("refresh_secure_score", Some(Role::Admin)),
    ("graph_connection", Some(Role::Admin)),
    ("save_graph_connection", Some(Role::Admin)),
    ("remove_graph_connection", Some(Role::Admin)),
    ("dismiss_servicenow_offer", Some(Role::Reader)),
    ("share_form", Some(Role::Reader)),
    ("share_ticket", Some(Role::Analyst)),
    ("ticket", Some(Role::Reader)),
    ("list_tickets", Some(Role::Reader)),
    ("export_tickets", Some(Role::Reader)),
    ("ticket_cards", Some(Role::Reader)),
    ("refresh_tickets", Some(Role::Analyst)),
    ("retry_ticket", Some(Role::Admin)),
    ("retry_refused_tickets", Some(Role::Admin)),
    ("audit_log", Some(Role::Admin)),
];

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::SERVER_FUNCTIONS;

    #[test]
    fn every_server_function_declares_its_role() {
        let registered: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _)| path)
            .collect();
        assert_eq!(registered.len(), SERVER_FUNCTIONS.len(), "{registered:?}");
        for path in registered {
            let endpoint = path.strip_prefix("/api/").unwrap_or(path);
            assert!(
                SERVER_FUNCTIONS.iter().any(|(known, _)| *known == endpoint),
                "server function {path} is missing from SERVER_FUNCTIONS"
            );
        }
    }
}

#[cfg(test)]
mod layering {
    /// The capability modules of the boundary, each in `src/api/<name>.rs`.
    const CAPABILITIES: [&str; 6] = [
        "audit",
        "auth",
        "securescore",
        "servicenow",
        "tickets",
        "users",
    ];

    #[test]
    fn capability_modules_never_import_each_other() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
        for module in CAPABILITIES {
            let source = std::fs::read_to_string(dir.join(format!("{module}.rs"))).unwrap();
            for other in CAPABILITIES.iter().filter(|other| **other != module) {
                for path in [format!("super::{other}"), format!("crate::api::{other}")] {
                    assert!(
                        !source.contains(&path),
                        "api/{module}.rs uses {path}: capabilities meet in services, not in each other"
                    );
                }
            }
        }
    }
}
