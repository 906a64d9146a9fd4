//! Errors of forms sent without JavaScript.
//!
//! When a server function called from a plain form fails, the server sends the
//! browser back with the error in the URL (`__path`, `__err`), and each
//! `ServerAction` picks it up from context when it is created. The router
//! provides that context in the browser only; this does the same during server
//! rendering, so the error is on the page before (and without) hydration.

use leptos::prelude::*;

/// Provides the failed form's error from the request URL. Call it inside the
/// router, before creating any `ServerAction`.
pub fn provide() {
    let Some(parts) = use_context::<http::request::Parts>() else {
        return;
    };
    let query = parts.uri.query().unwrap_or_default();
    let (mut path, mut error) = (None, None);
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "__path" => path = Some(value.into_owned()),
            "__err" => error = Some(value.into_owned()),
            _ => {}
        }
    }
    if let (Some(path), Some(error)) = (path, error) {
        provide_context(leptos::server::ServerActionError::new(&path, &error));
    }
}
