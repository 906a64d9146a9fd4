//! The Content-Security-Policy of server-rendered pages. Each page request
//! gets a fresh nonce here: the page's inline scripts carry it (Leptos reads
//! it from context, where [`provide_page_nonce`] puts it) and the response
//! carries the policy naming it. Setting the header here, rather than from
//! inside the render through Leptos' response options, puts it on every page
//! response: a page that went out with the resource policy instead could not
//! run its own scripts and never hydrated.

use app::csp::page_policy;
use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use leptos::{nonce::Nonce, prelude::provide_context};
use std::sync::{Arc, OnceLock};

/// The nonce the page rendered for this request used, once it made one.
#[derive(Clone, Default)]
struct PageNonce(Arc<OnceLock<String>>);

/// Origins besides ours that forms may lead to (see [`page_policy`]).
#[derive(Clone)]
pub struct FormTargets(pub Arc<[String]>);

/// Gives the request a place for its page's nonce, and the response the
/// page policy when a page was rendered with one.
pub async fn send(
    State(targets): State<FormTargets>,
    mut request: Request,
    next: Next,
) -> Response {
    let slot = PageNonce::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if let Some(nonce) = slot.0.get().filter(|_| is_page)
        && let Ok(policy) = HeaderValue::from_str(&page_policy(nonce, &targets.0))
    {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// Makes this request's nonce and provides it to the render (Leptos'
/// `use_nonce`); called in the context of every rendered request.
pub fn provide_page_nonce() {
    let slot = leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageNonce>().cloned());
    if let Some(slot) = slot {
        let nonce = Nonce::new();
        // A request renders one page: the first nonce is the one it uses.
        if slot.0.set(nonce.to_string()).is_ok() {
            provide_context(nonce);
        }
    }
}
