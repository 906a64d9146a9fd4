//! `GET /language?locale=…&next=…`: the language picker without JavaScript.
//! Stores the choice in the locale cookie and returns to the page it came from.

use app::{LOCALE_COOKIE, i18n::Locale, safe_local_path};
use axum::{
    extract::Query,
    http::{HeaderValue, header::SET_COOKIE},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

/// A year, in seconds: how long the choice is remembered.
const COOKIE_MAX_AGE_SECS: u32 = 365 * 24 * 60 * 60;

/// Query string of the picker's form.
#[derive(Debug, Deserialize)]
pub struct LanguageChoice {
    locale: String,
    next: Option<String>,
}

/// Sets the cookie for a known locale (an unknown one is ignored) and
/// redirects to `next` when it is a path on this site, else to `/`.
pub async fn switch(Query(choice): Query<LanguageChoice>) -> Response {
    let target = choice
        .next
        .as_deref()
        .and_then(safe_local_path)
        .unwrap_or("/");
    let mut response = Redirect::to(target).into_response();
    if let Ok(locale) = choice.locale.parse::<Locale>() {
        let cookie = format!(
            "{LOCALE_COOKIE}={locale}; Path=/; Max-Age={COOKIE_MAX_AGE_SECS}; SameSite=Lax"
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(SET_COOKIE, value);
        }
    }
    response
}
