//! HTTP: the Leptos pages, health probes, the no-JavaScript language switch,
//! and the layers every response passes through.

mod client_address;
mod cross_site;
mod health;
mod language;
mod page_policy;
mod security_headers;
mod servicenow_callback;
mod single_sign_on;

use crate::{config::Config, servicenow::ServiceNowService, sso::Sso, storage::Storage};
use app::{
    App, LANGUAGE_ROUTE,
    api::{request::RequestUser, services::Services},
    domain::sso::{SSO_CALLBACK_PATH, SSO_START_PATH},
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
    services: Services,
    servicenow: Arc<ServiceNowService>,
    sso: Option<Arc<Sso>>,
}

/// Name of the WASM/JS/CSS bundle under `/pkg`, as built by cargo-leptos.
const BUNDLE_NAME: &str = "scorenow";

/// Builds the complete router: `services` go to every server function,
/// `servicenow` to the OAuth callback, `sso` to the single sign-on routes.
pub fn router(
    config: &Config,
    storage: Storage,
    services: Services,
    servicenow: Arc<ServiceNowService>,
    sso: Option<Arc<Sso>>,
) -> Router {
    let leptos_options = LeptosOptions::builder()
        .output_name(BUNDLE_NAME)
        .site_root(config.site_root.value.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.addr.value)
        .build();
    let form_targets =
        page_policy::FormTargets(sso.iter().filter_map(|sso| sso.origin()).collect());
    let state = AppState {
        leptos_options: leptos_options.clone(),
        storage,
        services: services.clone(),
        servicenow,
        sso,
    };
    let context = move || {
        provide_context(services.clone());
        provide_context(RequestUser::default());
        page_policy::provide_page_nonce();
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
        .route(SSO_START_PATH, get(single_sign_on::start))
        .route(SSO_CALLBACK_PATH, get(single_sign_on::callback))
        .leptos_routes_with_context(&state, pages, context.clone(), move || {
            shell(leptos_options.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            context, shell,
        ));
    let trusted = client_address::TrustedProxies::new(config.trusted_proxies.value.clone());
    let router = router.layer(middleware::from_fn_with_state(
        form_targets,
        page_policy::send,
    ));
    security_headers::apply(router, config.serves_https())
        .layer(middleware::from_fn_with_state(
            trusted,
            client_address::resolve,
        ))
        .layer(middleware::from_fn(cross_site::refuse_cross_site))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
