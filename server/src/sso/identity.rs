//! From the checked claims of an ID token to the ScoreNow account they
//! stand for: the tenant, the role the configured claim gives, the email
//! and the name — or why they do not make one.

use super::{SsoSettings, provider::Claims};
use crate::storage::sso::SsoIdentity;
use app::domain::{
    auth::{normalize_email, normalize_name},
    sso::SsoRefusal,
};
use serde_json::Value;

/// A refusal with what the log and the audit entry say about it.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub reason: SsoRefusal,
    /// The specific cause, for admins (never shown to the user).
    pub detail: String,
}

impl Refusal {
    pub fn new(reason: SsoRefusal, detail: impl Into<String>) -> Self {
        Self {
            reason,
            detail: detail.into(),
        }
    }
}

/// The identity `claims` stand for under `settings`.
pub fn identity(claims: &Claims, settings: &SsoSettings) -> Result<SsoIdentity, Refusal> {
    let other = &claims.additional_claims().0;
    if let Some(tenant) = &settings.tenant_id {
        let tid = other.get("tid").and_then(Value::as_str).unwrap_or("");
        if !tid.eq_ignore_ascii_case(tenant) {
            return Err(Refusal::new(
                SsoRefusal::WrongTenant,
                format!("the token's tid is {tid:?}, expected {tenant:?}"),
            ));
        }
    }
    let role = role(other, settings)?;
    let email = claims
        .email()
        .map(|email| email.as_str().to_owned())
        .or_else(|| {
            claims
                .preferred_username()
                .map(|name| name.as_str().to_owned())
        })
        .and_then(|email| normalize_email(&email).ok())
        .ok_or_else(|| {
            Refusal::new(
                SsoRefusal::MissingEmail,
                "neither `email` nor `preferred_username` is an email address",
            )
        })?;
    let display_name = claims
        .name()
        .and_then(|name| name.get(None))
        .and_then(|name| normalize_name(name.as_str()).ok())
        .unwrap_or_else(|| email.chars().take(100).collect());
    Ok(SsoIdentity {
        subject: format!("{}#{}", claims.issuer().as_str(), claims.subject().as_str()),
        email,
        display_name,
        role,
    })
}

/// The role the configured claim's values give.
fn role(
    other: &serde_json::Map<String, Value>,
    settings: &SsoSettings,
) -> Result<app::domain::auth::Role, Refusal> {
    let claim = settings.role_claim.as_str();
    let Some(values) = other.get(claim) else {
        // Entra ID leaves out a `groups` claim too long for a token and
        // points at Microsoft Graph instead ("groups overage").
        let overage = other
            .get("_claim_names")
            .and_then(|names| names.get(claim))
            .is_some();
        return Err(if overage {
            Refusal::new(
                SsoRefusal::GroupsOverage,
                format!("the token has no `{claim}` claim but a `_claim_names` pointer to it"),
            )
        } else {
            Refusal::new(
                SsoRefusal::NoRole,
                format!("the token has no `{claim}` claim"),
            )
        });
    };
    let values: Vec<&str> = match values {
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        Value::String(one) => vec![one.as_str()],
        _ => Vec::new(),
    };
    settings
        .role_values
        .role_for(values.iter().copied())
        .ok_or_else(|| {
            Refusal::new(
                SsoRefusal::NoRole,
                format!("`{claim}` has none of the configured values: {values:?}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sso::RoleValues;
    use app::domain::auth::Role;

    fn settings(tenant: Option<&str>) -> SsoSettings {
        SsoSettings {
            issuer: "https://idp.example.com".into(),
            client_id: "scorenow".into(),
            client_secret: None,
            scopes: vec![],
            role_claim: "roles".into(),
            role_values: RoleValues {
                admin: vec!["ScoreNow.Admin".into()],
                analyst: vec!["ScoreNow.Analyst".into()],
                reader: vec!["ScoreNow.Reader".into()],
            },
            tenant_id: tenant.map(str::to_owned),
            button_label: None,
        }
    }

    /// Claims as a provider would send them, with `extra` on top of the standard ones.
    fn claims(extra: Value) -> Claims {
        let mut claims = serde_json::json!({
            "iss": "https://idp.example.com",
            "sub": "abc",
            "aud": ["scorenow"],
            "exp": 2_000_000_000,
            "iat": 1_000_000_000,
            "name": "Ada Lovelace",
            "email": "Ada@Example.com",
        });
        claims
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(claims).unwrap()
    }

    #[test]
    fn claims_become_an_identity_with_the_highest_role() {
        let identity = identity(
            &claims(serde_json::json!({ "roles": ["ScoreNow.Reader", "ScoreNow.Analyst"], "tid": "T1" })),
            &settings(Some("t1")),
        )
        .unwrap();
        assert_eq!(identity.subject, "https://idp.example.com#abc");
        assert_eq!(identity.email, "ada@example.com");
        assert_eq!(identity.display_name, "Ada Lovelace");
        assert_eq!(identity.role, Role::Analyst);
    }

    #[test]
    fn refusals_name_their_reason() {
        let reason = |extra: Value, tenant: Option<&str>| {
            identity(&claims(extra), &settings(tenant))
                .unwrap_err()
                .reason
        };
        assert_eq!(
            reason(
                serde_json::json!({ "roles": ["ScoreNow.Admin"], "tid": "other" }),
                Some("t1")
            ),
            SsoRefusal::WrongTenant
        );
        assert_eq!(
            reason(
                serde_json::json!({ "roles": ["ScoreNow.Admin"] }),
                Some("t1")
            ),
            SsoRefusal::WrongTenant,
            "a token without tid is not from the tenant"
        );
        assert_eq!(
            reason(serde_json::json!({ "roles": ["Other"] }), None),
            SsoRefusal::NoRole
        );
        assert_eq!(reason(serde_json::json!({}), None), SsoRefusal::NoRole);
        assert_eq!(
            reason(
                serde_json::json!({ "_claim_names": { "roles": "src1" }, "_claim_sources": { "src1": { "endpoint": "https://graph" } } }),
                None
            ),
            SsoRefusal::GroupsOverage
        );
        assert_eq!(
            reason(
                serde_json::json!({ "roles": ["ScoreNow.Admin"], "email": "not an email" }),
                None
            ),
            SsoRefusal::MissingEmail
        );
    }

    #[test]
    fn preferred_username_stands_in_for_a_missing_email() {
        let mut claims = claims(
            serde_json::json!({ "roles": "ScoreNow.Reader", "preferred_username": "bob@example.com" }),
        );
        claims = serde_json::from_value({
            let mut value = serde_json::to_value(&claims).unwrap();
            value.as_object_mut().unwrap().remove("email");
            value
        })
        .unwrap();
        let identity = identity(&claims, &settings(None)).unwrap();
        assert_eq!(identity.email, "bob@example.com");
        assert_eq!(identity.role, Role::Reader);
    }
}
