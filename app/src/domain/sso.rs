//! Single sign-on as the sign-in page sees it: whether there is a provider
//! to sign in with, who may still use the password form, and why a sign-in
//! through the provider was refused.

use serde::{Deserialize, Serialize};

/// Where the sign-in button sends the browser (`?next=` carries the deep link).
pub const SSO_START_PATH: &str = "/auth/oidc/start";
/// Where the identity provider sends the browser back.
pub const SSO_CALLBACK_PATH: &str = "/auth/oidc/callback";
/// The query parameter of `/login` that names an [`SsoRefusal`].
pub const SSO_REFUSAL_PARAM: &str = "sso";

/// What the sign-in page offers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInOptions {
    /// The identity provider's button, when single sign-on is set up.
    pub sso: Option<SsoButton>,
    /// Whether every local account may use the password form.
    pub local: LocalForm,
}

/// The single sign-on button and what a refused user is told to ask for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoButton {
    /// Its text as configured; `None`: "Sign in with Microsoft", translated.
    pub label: Option<String>,
    /// The provider's role (or group) values that give each role, lowest first:
    /// reader, analyst, admin.
    pub role_values: [Vec<String>; 3],
}

/// Who the password form is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LocalForm {
    /// Every local account.
    #[default]
    Open,
    /// Only the break-glass accounts the server names.
    BreakGlassOnly,
}

named_enum! {
    /// Why a sign-in through the identity provider was refused; the name
    /// travels in `/login?sso=…`, the page says it in the user's language.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum SsoRefusal {
        /// The claims carry none of the values that give a role.
        NoRole = "no_role",
        /// The ID token names another tenant than the configured one.
        WrongTenant = "wrong_tenant",
        /// The user is in too many groups for the token to list them.
        GroupsOverage = "groups_overage",
        /// The account is deactivated in ScoreNow.
        Deactivated = "deactivated",
        /// A local account already has this email.
        EmailTaken = "email_taken",
        /// The ID token has no usable email address.
        MissingEmail = "missing_email",
        /// The sign-in was not started by this browser, took too long, or was used already.
        Expired = "expired",
        /// The provider answered with an error (the user cancelled, or it refused).
        ProviderRefused = "provider_refused",
        /// The ID token failed a check (signature, issuer, audience, expiry, nonce).
        InvalidToken = "invalid_token",
        /// The provider could not be reached.
        Unavailable = "unavailable",
    }
}
