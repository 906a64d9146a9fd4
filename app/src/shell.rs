//! The HTML document every server-rendered page is poured into.

use crate::App;
use leptos::prelude::*;
use leptos_meta::MetaTags;

/// Renders `<html>`, `<head>` and `<body>` around [`App`].
///
/// `<html lang>` is not written here: the i18n provider inside [`App`] sets it
/// to the locale chosen for this request. The server sends the
/// Content-Security-Policy whose nonce matches the hydration scripts
/// (`server/src/web/page_policy.rs`).
pub fn shell(options: LeptosOptions) -> impl IntoView {
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
