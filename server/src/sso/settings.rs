//! What single sign-on is set up with: the provider, the client ScoreNow is
//! registered as, which claim values give which role, and who may still use
//! the local sign-in form.

use crate::config::Secret;
use app::domain::auth::Role;

/// The OpenID Connect provider and ScoreNow's client registration there.
#[derive(Clone, Debug)]
pub struct SsoSettings {
    /// The issuer exactly as configured (what the tokens' `iss` must equal),
    /// discovered at `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// `None` for a public client (PKCE only).
    pub client_secret: Option<Secret>,
    /// Scopes requested besides `openid`.
    pub scopes: Vec<String>,
    /// The ID-token claim whose values give the role (`roles` or `groups`).
    pub role_claim: String,
    pub role_values: RoleValues,
    /// The tenant every ID token's `tid` must name (Microsoft Entra ID).
    pub tenant_id: Option<String>,
    /// The sign-in button's text; `None`: "Sign in with Microsoft", translated.
    pub button_label: Option<String>,
}

/// The claim values that make an admin, an analyst or a reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleValues {
    pub admin: Vec<String>,
    pub analyst: Vec<String>,
    pub reader: Vec<String>,
}

impl RoleValues {
    /// The highest role any of `values` gives, if any.
    pub fn role_for<'a>(&self, values: impl IntoIterator<Item = &'a str> + Clone) -> Option<Role> {
        [
            (Role::Admin, &self.admin),
            (Role::Analyst, &self.analyst),
            (Role::Reader, &self.reader),
        ]
        .into_iter()
        .find(|(_, wanted)| {
            values
                .clone()
                .into_iter()
                .any(|value| wanted.iter().any(|wanted| wanted == value))
        })
        .map(|(role, _)| role)
    }

    /// The values that give `role`.
    pub fn for_role(&self, role: Role) -> &[String] {
        match role {
            Role::Admin => &self.admin,
            Role::Analyst => &self.analyst,
            Role::Reader => &self.reader,
        }
    }
}

/// Who may use the local sign-in form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum LocalSignIn {
    /// Every local account.
    #[default]
    Open,
    /// Only these (normalised) emails: break-glass accounts for when the
    /// identity provider cannot be reached.
    BreakGlassOnly(Vec<String>),
}

impl LocalSignIn {
    /// Whether the account with this normalised email may sign in with a password.
    pub fn allows(&self, email: &str) -> bool {
        match self {
            LocalSignIn::Open => true,
            LocalSignIn::BreakGlassOnly(emails) => emails.iter().any(|allowed| allowed == email),
        }
    }
}

/// Microsoft Entra ID's sign-in hosts, public and sovereign clouds.
const ENTRA_HOSTS: [&str; 4] = [
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.partner.microsoftonline.cn",
    "login.chinacloudapi.cn",
];

/// The tenant of an Entra ID issuer (`https://<host>/<tenant>/v2.0`):
/// `Ok(None)` for other providers, `Err(segment)` for the multi-tenant
/// `common`, `organizations` and `consumers`, which would let other tenants in.
pub fn entra_tenant(issuer: &url::Url) -> Result<Option<String>, String> {
    if !issuer
        .host_str()
        .is_some_and(|host| ENTRA_HOSTS.contains(&host))
    {
        return Ok(None);
    }
    let tenant = issuer
        .path_segments()
        .and_then(|mut segments| segments.next())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match tenant.as_str() {
        "" | "common" | "organizations" | "consumers" => Err(tenant),
        _ => Ok(Some(tenant)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> RoleValues {
        RoleValues {
            admin: vec!["ScoreNow.Admin".into()],
            analyst: vec!["ScoreNow.Analyst".into(), "group-a".into()],
            reader: vec!["ScoreNow.Reader".into()],
        }
    }

    #[test]
    fn the_highest_role_of_the_claim_values_wins() {
        let values = values();
        assert_eq!(
            values.role_for(["ScoreNow.Reader", "ScoreNow.Admin"]),
            Some(Role::Admin)
        );
        assert_eq!(values.role_for(["group-a"]), Some(Role::Analyst));
        assert_eq!(
            values.role_for(["scorenow.admin", "Other"]),
            None,
            "exact values"
        );
        assert_eq!(values.role_for([]), None);
    }

    #[test]
    fn entra_issuers_name_their_tenant_and_multi_tenant_ones_are_refused() {
        let url = |text: &str| url::Url::parse(text).unwrap();
        assert_eq!(
            entra_tenant(&url("https://login.microsoftonline.com/Contoso-Id/v2.0")),
            Ok(Some("contoso-id".into()))
        );
        assert_eq!(
            entra_tenant(&url("https://login.microsoftonline.us/t1/v2.0")),
            Ok(Some("t1".into()))
        );
        assert_eq!(
            entra_tenant(&url("https://login.microsoftonline.com/common/v2.0")),
            Err("common".into())
        );
        assert_eq!(
            entra_tenant(&url("https://idp.example.com/realms/x")),
            Ok(None)
        );
    }

    #[test]
    fn break_glass_only_lets_the_named_accounts_in() {
        let local = LocalSignIn::BreakGlassOnly(vec!["root@example.com".into()]);
        assert!(local.allows("root@example.com"));
        assert!(!local.allows("ada@example.com"));
        assert!(LocalSignIn::Open.allows("ada@example.com"));
    }
}
