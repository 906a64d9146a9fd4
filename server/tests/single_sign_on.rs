//! Single sign-on through a real, certified OpenID Connect provider (npm's
//! `oidc-provider`, see `end2end/oidc/provider.mjs`) against the real
//! binary: a sign-in for each role, the refusals and their messages, forged
//! and tampered answers, a key rotation, the groups overage, a role removed
//! at the provider, break-glass-only local sign-in and signing out.

mod support;

use serde_json::{Value, json};
use support::{
    NO_ARGUMENTS, call, get_text, location, oidc::Browser, oidc::SsoSetup, post_form, query_param,
    sign_in, signed_in_cookie,
};

const DEEP_LINK: &str = "/securescore/actions/AdminMFAV2?share=servicenow";

/// The signed-in user of the session `cookie` (JSON `null` when none).
async fn user(setup: &SsoSetup, cookie: &str) -> Value {
    call(&setup.server, cookie, "signed_in_user", NO_ARGUMENTS)
        .await
        .1
}

/// The reason a sign-in sent the browser back to `/login` with.
fn refusal(location: &str) -> String {
    assert!(location.starts_with("/login?"), "{location}");
    query_param(&format!("http://x{location}"), "sso").expect("an sso reason")
}

/// The audit log as the demo admin reads it, as text.
async fn audit_text(setup: &SsoSetup) -> String {
    let admin = signed_in_cookie(&setup.server, "admin@scorenow.demo").await;
    call(&setup.server, &admin, "audit_log", NO_ARGUMENTS)
        .await
        .1
        .to_string()
}

#[tokio::test]
async fn each_role_signs_in_through_the_provider_and_lands_on_the_deep_link() {
    let setup = SsoSetup::start(&[]);
    for (login, role, email) in [
        ("admin", "admin", "ada.admin@contoso.example"),
        ("analyst", "analyst", "alan.analyst@contoso.example"),
        ("reader", "reader", "rita.reader@contoso.example"),
    ] {
        let (landed, session) = Browser::default().sign_in(&setup, login, DEEP_LINK).await;
        assert_eq!(landed, DEEP_LINK, "{login}");
        let user = user(&setup, &session.expect("a session")).await;
        assert_eq!(user["role"], role, "{login}: {user}");
        assert_eq!(user["email"], email);
    }
    let audit = audit_text(&setup).await;
    assert!(audit.contains(r#"\"via\":\"sso\""#), "{audit}");
    assert!(audit.contains("ada.admin@contoso.example"), "{audit}");
}

#[tokio::test]
async fn the_sign_in_page_offers_the_provider_and_keeps_the_deep_link() {
    let setup = SsoSetup::start(&["--oidc-button-label", "Sign in with Contoso"]);
    let html = get_text(
        &setup.server.url("/login?next=%2Ftickets%3Ftype%3Dincident"),
        &[],
    )
    .await;
    assert!(html.contains("Sign in with Contoso"), "{html}");
    assert!(
        html.contains("/auth/oidc/start?next=%2Ftickets%3Ftype%3Dincident"),
        "{html}"
    );
    // Signing out without JavaScript may end at the provider's sign-out page.
    let page = support::get(&setup.server.url("/login"), &[]).await;
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains(&format!("form-action 'self' {};", setup.provider.issuer)),
        "{policy}"
    );

    // A link to somewhere else is not followed after the round trip.
    let (landed, _) = Browser::default()
        .sign_in(&setup, "reader", "https://evil.example/")
        .await;
    assert_eq!(landed, "/");
}

#[tokio::test]
async fn users_without_a_role_or_from_another_tenant_are_refused_with_the_reason() {
    let setup = SsoSetup::start(&[]);
    let (landed, session) = Browser::default()
        .sign_in(&setup, "norole", DEEP_LINK)
        .await;
    assert_eq!(refusal(&landed), "no_role");
    assert!(session.is_none());
    assert_eq!(
        query_param(&format!("http://x{landed}"), "next").as_deref(),
        Some(DEEP_LINK),
        "the deep link is kept for the next try"
    );
    let page = get_text(&setup.server.url(&landed), &[]).await;
    assert!(page.contains("none of ScoreNow"), "{page}");
    assert!(
        page.contains("ScoreNow.Reader"),
        "names the role to ask for: {page}"
    );
    let german = get_text(&setup.server.url(&landed), &[("accept-language", "de")]).await;
    assert!(german.contains("keine der Rollen"), "{german}");

    let (landed, session) = Browser::default().sign_in(&setup, "outsider", "/").await;
    assert_eq!(refusal(&landed), "wrong_tenant");
    assert!(session.is_none());
    let audit = audit_text(&setup).await;
    assert!(audit.contains("user.sso_refused"), "{audit}");
    assert!(
        audit.contains("99999999-8888-7777-6666-555555555555"),
        "the tid is named: {audit}"
    );
}

#[tokio::test]
async fn forged_replayed_and_foreign_answers_are_refused() {
    let setup = SsoSetup::start(&[]);
    let browser = Browser::default();

    // Another state than the one this sign-in was started with.
    let callback = browser.at_provider(&setup, "reader", "/").await;
    let state = query_param(&callback, "state").unwrap();
    let forged = callback.replace(&state, "forged-state");
    assert_eq!(refusal(&browser.complete(&forged).await.0), "expired");

    // The real answer works once; sent again it is refused.
    let callback = browser.at_provider(&setup, "reader", "/").await;
    let (landed, session) = browser.complete(&callback).await;
    assert_eq!(landed, "/");
    assert!(session.is_some());
    assert_eq!(refusal(&browser.complete(&callback).await.0), "expired");

    // A used code with a fresh state: the provider refuses the code.
    let code = query_param(&callback, "code").unwrap();
    let fresh = browser.at_provider(&setup, "reader", "/").await;
    let fresh_code = query_param(&fresh, "code").unwrap();
    let replayed = fresh.replace(&fresh_code, &code);
    assert_eq!(refusal(&browser.complete(&replayed).await.0), "expired");

    // An answer carried to another browser than the one that started it.
    let callback = browser.at_provider(&setup, "reader", "/").await;
    assert_eq!(
        refusal(&Browser::default().complete(&callback).await.0),
        "expired"
    );
    let audit = audit_text(&setup).await;
    assert!(audit.contains("unknown or already used state"), "{audit}");
    assert!(audit.contains("refused the code"), "{audit}");
    assert!(audit.contains("started in another browser"), "{audit}");
}

#[tokio::test]
async fn tampered_id_tokens_are_refused() {
    let setup = SsoSetup::start(&[]);
    for (mischief, cause) in [
        (json!({ "nonce": "another-nonce" }), "nonce"),
        (json!({ "aud": "another-client" }), "audience"),
        (json!({ "expired": true }), "expired"),
        (json!({ "unknownKey": true }), "key"),
    ] {
        setup.provider.mischief(mischief.clone()).await;
        let (landed, session) = Browser::default().sign_in(&setup, "admin", "/").await;
        assert_eq!(refusal(&landed), "invalid_token", "{mischief}");
        assert!(session.is_none(), "{mischief}");
        let audit = audit_text(&setup).await.to_lowercase();
        assert!(audit.contains(cause), "{mischief}: no {cause:?} in {audit}");
    }
}

#[tokio::test]
async fn a_key_rotation_is_followed_after_one_fetch_of_the_key_set() {
    let setup = SsoSetup::start(&[]);
    let (landed, _) = Browser::default().sign_in(&setup, "reader", "/").await;
    assert_eq!(landed, "/");
    let fetched = setup.provider.jwks_fetches().await;

    setup.provider.rotate_keys().await;
    let (landed, session) = Browser::default().sign_in(&setup, "reader", "/").await;
    assert_eq!(landed, "/", "signed in with the new key");
    assert!(session.is_some());
    assert_eq!(
        setup.provider.jwks_fetches().await,
        fetched + 1,
        "one refetch"
    );

    let (landed, _) = Browser::default().sign_in(&setup, "analyst", "/").await;
    assert_eq!(landed, "/");
    assert_eq!(
        setup.provider.jwks_fetches().await,
        fetched + 1,
        "the new key is cached"
    );
}

#[tokio::test]
async fn groups_overage_is_refused_with_advice_to_use_app_roles() {
    let setup = SsoSetup::start(&[
        "--oidc-role-claim",
        "groups",
        "--oidc-reader-values",
        "g-readers",
    ]);
    setup
        .provider
        .set_user(
            "reader",
            json!({ "name": "Rita", "email": "rita.reader@contoso.example", "tid": support::oidc::TENANT, "groups": ["g-readers"] }),
        )
        .await;
    let (landed, _) = Browser::default().sign_in(&setup, "reader", "/").await;
    assert_eq!(landed, "/", "group object ids give roles too");

    let (landed, session) = Browser::default().sign_in(&setup, "overage", "/").await;
    assert_eq!(refusal(&landed), "groups_overage");
    assert!(session.is_none());
    let page = get_text(&setup.server.url(&landed), &[]).await;
    assert!(page.contains("as app roles instead of groups"), "{page}");
}

#[tokio::test]
async fn a_role_changed_at_the_provider_applies_at_the_next_sign_in() {
    let setup = SsoSetup::start(&[]);
    let (_, first) = Browser::default().sign_in(&setup, "admin", "/").await;
    let first = first.unwrap();
    assert_eq!(user(&setup, &first).await["role"], "admin");

    let mut claims = json!({ "name": "Ada Admin", "email": "ada.admin@contoso.example", "tid": support::oidc::TENANT });
    claims["roles"] = json!(["ScoreNow.Reader"]);
    setup.provider.set_user("admin", claims.clone()).await;
    let (_, second) = Browser::default().sign_in(&setup, "admin", "/").await;
    assert_eq!(user(&setup, &second.unwrap()).await["role"], "reader");
    assert_eq!(
        user(&setup, &first).await,
        Value::Null,
        "the admin session ended"
    );
    let audit = audit_text(&setup).await;
    assert!(audit.contains("user.role_changed"), "{audit}");
    assert!(audit.contains("identity provider"), "{audit}");

    claims["roles"] = json!([]);
    setup.provider.set_user("admin", claims).await;
    let (landed, _) = Browser::default().sign_in(&setup, "admin", "/").await;
    assert_eq!(refusal(&landed), "no_role", "every role removed: refused");
}

#[tokio::test]
async fn an_sso_account_deactivated_in_scorenow_stays_out() {
    let setup = SsoSetup::start(&[]);
    let (_, session) = Browser::default().sign_in(&setup, "analyst", "/").await;
    let id = user(&setup, &session.unwrap()).await["id"].clone();

    let admin = signed_in_cookie(&setup.server, "admin@scorenow.demo").await;
    let (_, users) = call(&setup.server, &admin, "list_users", NO_ARGUMENTS).await;
    let listed = users
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["id"] == id)
        .cloned()
        .unwrap();
    assert_eq!(listed["single_sign_on"], true, "{listed}");
    let (_, refused) = call(
        &setup.server,
        &admin,
        "reset_password",
        &[
            ("user_id", id.to_string().as_str()),
            ("password", "a long and new passphrase"),
        ],
    )
    .await;
    assert!(
        refused.to_string().contains("SingleSignOn"),
        "no password for an SSO account: {refused}"
    );
    let (status, _) = call(
        &setup.server,
        &admin,
        "set_user_active",
        &[("user_id", id.to_string().as_str()), ("active", "false")],
    )
    .await;
    assert_eq!(status, 200);
    let (landed, session) = Browser::default().sign_in(&setup, "analyst", "/").await;
    assert_eq!(refusal(&landed), "deactivated");
    assert!(session.is_none());
}

#[tokio::test]
async fn with_local_sign_in_off_only_break_glass_accounts_use_the_password_form() {
    let setup = SsoSetup::start(&[
        "--local-sign-in",
        "break-glass",
        "--break-glass-accounts",
        "admin@scorenow.demo",
    ]);
    let (status, refusal) = call(
        &setup.server,
        "",
        "sign_in",
        &[
            ("email", "analyst@scorenow.demo"),
            ("password", support::DEMO_PASSWORD),
            ("next", "/"),
        ],
    )
    .await;
    assert_eq!(status, 500, "{refusal}");
    assert!(
        refusal.to_string().contains("LocalSignInDisabled"),
        "{refusal}"
    );
    let (status, wrong) = call(
        &setup.server,
        "",
        "sign_in",
        &[
            ("email", "analyst@scorenow.demo"),
            ("password", "wrong-password"),
            ("next", "/"),
        ],
    )
    .await;
    assert!(
        wrong.to_string().contains("InvalidCredentials"),
        "a wrong password does not tell who is break-glass: {status} {wrong}"
    );
    let admin = sign_in(
        &setup.server,
        "admin@scorenow.demo",
        support::DEMO_PASSWORD,
        "/",
    )
    .await;
    assert!(
        admin.headers().contains_key("set-cookie"),
        "the break-glass admin signs in"
    );
    let html = get_text(&setup.server.url("/login"), &[]).await;
    assert!(html.contains("break-glass"), "{html}");
}

/// Sends the sign-out form (`action`) of the session `cookie` without
/// JavaScript; where the browser is sent.
async fn sign_out(setup: &SsoSetup, action: &str, cookie: &str) -> String {
    let answer = post_form(
        &setup.server.url(action),
        &[
            ("accept", "text/html"),
            ("cookie", cookie),
            ("referer", &setup.server.url("/")),
        ],
        &[],
    )
    .await;
    location(&answer)
}

#[tokio::test]
async fn signing_out_goes_through_the_providers_sign_out_back_to_scorenow() {
    let setup = SsoSetup::start(&[]);
    let (_, session) = Browser::default().sign_in(&setup, "reader", "/").await;
    let session = session.unwrap();
    let html = get_text(&setup.server.url("/"), &[("cookie", &session)]).await;
    let action = support::form_action(&html, "/api/sign_out");
    let end_session = sign_out(&setup, &action, &session).await;
    assert!(
        end_session.starts_with(&format!("{}/session/end", setup.provider.issuer)),
        "{end_session}"
    );
    assert_eq!(
        query_param(&end_session, "post_logout_redirect_uri"),
        Some(setup.server.url("/login"))
    );
    assert_eq!(
        user(&setup, &session).await,
        Value::Null,
        "the session ended"
    );
    let provider_page = Browser::default().get(&end_session).await;
    assert!(
        provider_page.status().is_success(),
        "{}",
        provider_page.status()
    );

    // A local account signs out to the sign-in page as before.
    let local = signed_in_cookie(&setup.server, "reader@scorenow.demo").await;
    assert_eq!(sign_out(&setup, &action, &local).await, "/login");
}
