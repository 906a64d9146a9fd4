//! Security headers on every response.
//!
//! Pages send their own nonce-based Content-Security-Policy (see `app::csp`);
//! everything else gets the strict resource policy. Nothing but the built
//! assets may be stored by a browser or a cache (`Cache-Control: no-store`),
//! so a signed-in page, a server function's answer or the CSV export never
//! outlives the session. Over https, browsers are told to stay on https.

use app::csp::RESOURCE_POLICY;
use axum::{
    Router,
    extract::Request,
    http::{HeaderName, HeaderValue, header},
    middleware::{self, Next},
    response::Response,
};
use tower_http::set_header::SetResponseHeaderLayer;

/// Headers set on every response, overriding whatever a handler said.
const ALWAYS: [(HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "same-origin"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
];

/// Two years, with subdomains: the preload list's minimum.
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Where the built site's files are served from (`/pkg/…`, the favicon).
fn is_built_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.ico"
}

/// Marks every response but the built assets as not to be stored.
async fn no_store(request: Request, next: Next) -> Response {
    let asset = is_built_asset(request.uri().path());
    let mut response = next.run(request).await;
    if !asset {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Wraps `router` so each response carries the security headers; `https`
/// when browsers reach ScoreNow over https (its public URL).
pub fn apply<S: Clone + Send + Sync + 'static>(router: Router<S>, https: bool) -> Router<S> {
    let mut router = router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(RESOURCE_POLICY),
        ))
        .layer(middleware::from_fn(no_store));
    if https {
        router = router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        ));
    }
    ALWAYS.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ))
    })
}
