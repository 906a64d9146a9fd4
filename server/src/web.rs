//! HTTP: the Leptos pages, health probes, the no-JavaScript language switch,
//! and the layers every response passes through.

mod cross_site;
mod health;
mod language;
mod security_headers;
mod servicenow_callback;

use crate::{
    audit_log::StoredAuditLog, config::Config, securescore::SecureScoreService,
    servicenow::ServiceNowService, sessions::LocalAuth, storage::Storage, tickets::TicketService,
    user_admin::LocalUserAdmin,
};
use app::{
    App, LANGUAGE_ROUTE,
    api::{
        audit::ssr::AuditReader,
        auth::ssr::{AuthService, RequestUser},
        securescore::ssr::SecureScoreReader,
        servicenow::ssr::ServiceNowAdmin,
        tickets::ssr::TicketDesk,
        users::ssr::UserAdmin,
    },
    shell,
};
use axum::{Router, extract::FromRef, middleware, routing::get};
use leptos::prelude::{LeptosOptions, provide_context};
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use std::sync::Arc;
use tower_http::{compression::CompressionLayer, trace::TraceLayer};

/// What every handler may reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    leptos_options: LeptosOptions,
    storage: Storage,
    auth: Arc<dyn AuthService>,
    servicenow: Arc<ServiceNowService>,
}

/// Name of the WASM/JS/CSS bundle under `/pkg`, as built by cargo-leptos.
const BUNDLE_NAME: &str = "scorenow";

/// Builds the complete router for the given configuration.
pub fn router(
    config: &Config,
    storage: Storage,
    servicenow: Arc<ServiceNowService>,
    securescore: Arc<SecureScoreService>,
    tickets: Arc<TicketService>,
) -> Router {
    let leptos_options = LeptosOptions::builder()
        .output_name(BUNDLE_NAME)
        .site_root(config.site_root.value.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.addr.value)
        .build();
    let demo_mode = config.servicenow_sim_addr.value.is_some();
    let auth: Arc<dyn AuthService> = Arc::new(LocalAuth::new(storage.clone(), demo_mode));
    let users: Arc<dyn UserAdmin> = Arc::new(LocalUserAdmin::new(storage.clone()));
    let auth_for_routes = auth.clone();
    let connection: Arc<dyn ServiceNowAdmin> = servicenow.clone();
    let score: Arc<dyn SecureScoreReader> = securescore;
    let desk: Arc<dyn TicketDesk> = tickets;
    let audit: Arc<dyn AuditReader> = Arc::new(StoredAuditLog {
        storage: storage.clone(),
    });
    let services = move || {
        provide_context(RequestUser::default());
        provide_context(auth.clone());
        provide_context(users.clone());
        provide_context(connection.clone());
        provide_context(score.clone());
        provide_context(desk.clone());
        provide_context(audit.clone());
    };
    let state = AppState {
        leptos_options: leptos_options.clone(),
        storage,
        auth: auth_for_routes,
        servicenow,
    };
    let pages = generate_route_list(App);

    let router = Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route(LANGUAGE_ROUTE, get(language::switch))
        .route(
            servicenow_callback::PATH,
            get(servicenow_callback::complete),
        )
        .leptos_routes_with_context(&state, pages, services.clone(), move || {
            shell(leptos_options.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            services, shell,
        ));
    security_headers::apply(router)
        .layer(middleware::from_fn(cross_site::refuse_cross_site))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
