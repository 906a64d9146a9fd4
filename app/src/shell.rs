//! The HTML document every server-rendered page is poured into.

use crate::App;
use leptos::prelude::*;
use leptos_meta::MetaTags;

/// Renders `<html>`, `<head>` and `<body>` around [`App`].
///
/// `<html lang>` is not written here: the i18n provider inside [`App`] sets it
/// to the locale chosen for this request. On the server the shell also sends
/// the Content-Security-Policy whose nonce matches the hydration scripts.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    send_content_security_policy();

    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Adds this response's CSP header, built around the request's nonce.
#[cfg(feature = "ssr")]
fn send_content_security_policy() {
    use http::{HeaderValue, header::CONTENT_SECURITY_POLICY};
    use leptos::nonce::use_nonce;
    use leptos_axum::ResponseOptions;

    let (Some(response), Some(nonce)) = (use_context::<ResponseOptions>(), use_nonce()) else {
        return;
    };
    let targets = use_context::<crate::csp::FormTargets>().unwrap_or_default();
    if let Ok(value) = HeaderValue::from_str(&crate::csp::page_policy(&nonce.to_string(), &targets))
    {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}
