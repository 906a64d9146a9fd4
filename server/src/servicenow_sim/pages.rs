//! The instance's own HTML pages: sign-in, consent and OAuth errors, in the
//! plain English of a default instance (they imitate ServiceNow, not ScoreNow).

use super::oauth::AuthRequest;
use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f6f8;color:#1f2a36;margin:0}\
main{max-width:420px;margin:64px auto;background:#fff;padding:32px;border-radius:8px;box-shadow:0 1px 3px #0003}\
label{display:block;margin:16px 0 4px}input[type=text],input[type=password]{width:100%;padding:8px;box-sizing:border-box}\
button{margin-top:24px;margin-right:8px;padding:8px 20px}.error{color:#b00020}.who{float:right}";

fn page(status: StatusCode, title: &str, body: String) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} | ServiceNow</title>\
         <style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        text(title)
    );
    (status, Html(html)).into_response()
}

/// The sign-in form; `return_to` is the authorisation query to resume.
pub fn login_page(return_to: &str, error: Option<&str>) -> Response {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", text(e)))
        .unwrap_or_default();
    page(
        StatusCode::OK,
        "Log in",
        format!(
            "<h1>Log in</h1>{error}<form method=\"post\" action=\"/login.do\">\
             <input type=\"hidden\" name=\"return_to\" value=\"{}\">\
             <label for=\"user_name\">User name</label><input type=\"text\" id=\"user_name\" name=\"user_name\" autocomplete=\"username\">\
             <label for=\"user_password\">Password</label><input type=\"password\" id=\"user_password\" name=\"user_password\" autocomplete=\"current-password\">\
             <button type=\"submit\">Log in</button></form>",
            attr(return_to)
        ),
    )
}

/// The Allow/Deny page naming the OAuth entity and the signed-in user.
pub fn consent_page(request: &AuthRequest, entity_name: &str, user_name: &str) -> Response {
    let query = request.to_query();
    let hidden: String = url::form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                attr(&name),
                attr(&value)
            )
        })
        .collect();
    page(
        StatusCode::OK,
        "Authorize",
        format!(
            "<p class=\"who\">{} · <a href=\"/logout.do?return_to={}\">Not you?</a></p>\
             <h1>Authorize</h1><p>{} would like to connect to your ServiceNow account.</p>\
             <form method=\"post\" action=\"/oauth_auth.do\">{hidden}\
             <button type=\"submit\" name=\"action\" value=\"allow\">Allow</button>\
             <button type=\"submit\" name=\"action\" value=\"deny\">Deny</button></form>",
            text(user_name),
            attr(&url::form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()),
            text(entity_name)
        ),
    )
}

/// An OAuth error the instance shows instead of redirecting.
pub fn error_page(status: StatusCode, message: &str, detail: &str) -> Response {
    page(
        status,
        "OAuth error",
        format!(
            "<h1 class=\"error\">{}</h1><p>{}</p>",
            text(message),
            text(detail)
        ),
    )
}
