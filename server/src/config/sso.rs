//! Single sign-on's settings: flags and environment variables only (the
//! client secret belongs in the environment), checked together.

use super::{ConfigError, Secret, Source};
use crate::sso::{LocalSignIn, RoleValues, SsoSettings, entra_tenant};
use app::domain::auth::normalize_email;
use clap::Args;

/// The flags of single sign-on through OpenID Connect.
#[derive(Debug, Args)]
#[command(next_help_heading = "Single sign-on (OpenID Connect, e.g. Microsoft Entra ID)")]
pub(super) struct SsoArgs {
    /// Issuer URL of the OpenID Connect provider; for Microsoft Entra ID
    /// https://login.microsoftonline.com/<tenant-id>/v2.0 (sovereign clouds:
    /// their login host). With --oidc-client-id it turns single sign-on on
    #[arg(long, env = "SCORENOW_OIDC_ISSUER", value_name = "URL")]
    oidc_issuer: Option<String>,

    /// Client (application) ID ScoreNow is registered with at the provider
    #[arg(long, env = "SCORENOW_OIDC_CLIENT_ID", value_name = "ID")]
    oidc_client_id: Option<String>,

    /// Client secret of that registration; prefer the environment variable
    /// [default: none, a public client with PKCE]
    #[arg(
        long,
        env = "SCORENOW_OIDC_CLIENT_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    oidc_client_secret: Option<String>,

    /// Scopes to request besides `openid`, space- or comma-separated [default: profile email]
    #[arg(long, env = "SCORENOW_OIDC_SCOPES", value_name = "SCOPES")]
    oidc_scopes: Option<String>,

    /// The ID-token claim whose values give the role: `roles` (Entra app roles)
    /// or `groups` (group object IDs) [default: roles]
    #[arg(long, env = "SCORENOW_OIDC_ROLE_CLAIM", value_name = "CLAIM")]
    oidc_role_claim: Option<String>,

    /// Claim values that make an admin, comma-separated [default: ScoreNow.Admin]
    #[arg(long, env = "SCORENOW_OIDC_ADMIN_VALUES", value_name = "VALUES")]
    oidc_admin_values: Option<String>,

    /// Claim values that make an analyst, comma-separated [default: ScoreNow.Analyst]
    #[arg(long, env = "SCORENOW_OIDC_ANALYST_VALUES", value_name = "VALUES")]
    oidc_analyst_values: Option<String>,

    /// Claim values that make a reader, comma-separated [default: ScoreNow.Reader]
    #[arg(long, env = "SCORENOW_OIDC_READER_VALUES", value_name = "VALUES")]
    oidc_reader_values: Option<String>,

    /// The tenant every ID token's `tid` claim must name [default: the tenant
    /// in an Entra ID issuer; none for other providers]
    #[arg(long, env = "SCORENOW_OIDC_TENANT_ID", value_name = "ID")]
    oidc_tenant_id: Option<String>,

    /// Text of the single sign-on button [default: "Sign in with Microsoft", translated]
    #[arg(long, env = "SCORENOW_OIDC_BUTTON_LABEL", value_name = "TEXT")]
    oidc_button_label: Option<String>,

    /// Who may use the password form: `all` local accounts, or
    /// `break-glass` (only --break-glass-accounts; needs single sign-on) [default: all]
    #[arg(long, env = "SCORENOW_LOCAL_SIGN_IN", value_name = "WHO")]
    local_sign_in: Option<String>,

    /// Emails of the local accounts that may still sign in with a password
    /// when --local-sign-in is `break-glass`, comma-separated
    #[arg(long, env = "SCORENOW_BREAK_GLASS_ACCOUNTS", value_name = "EMAILS")]
    break_glass_accounts: Option<String>,
}

/// The default claim values of each role: Entra app role values.
const DEFAULT_VALUES: [&str; 3] = ["ScoreNow.Admin", "ScoreNow.Analyst", "ScoreNow.Reader"];

fn invalid(value: impl Into<String>, setting: &'static str, expected: &'static str) -> ConfigError {
    ConfigError::Invalid {
        value: value.into(),
        setting: Source::Flag(setting),
        expected,
    }
}

/// The items of a comma- (or space-) separated list, trimmed, without empty ones.
fn items(text: &str, separators: &[char]) -> Vec<String> {
    text.split(separators)
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

impl SsoArgs {
    /// Single sign-on's settings (`None` when off) and who may use the password form.
    pub(super) fn resolve(self) -> Result<(Option<SsoSettings>, LocalSignIn), ConfigError> {
        let sso = self.sso_settings()?;
        let local = match self.local_sign_in.as_deref().map(str::trim) {
            None | Some("all") => LocalSignIn::Open,
            Some("break-glass") => {
                if sso.is_none() {
                    return Err(invalid(
                        "break-glass",
                        "--local-sign-in",
                        "`break-glass` needs single sign-on (--oidc-issuer and --oidc-client-id)",
                    ));
                }
                let emails = items(self.break_glass_accounts.as_deref().unwrap_or(""), &[','])
                    .iter()
                    .map(|email| {
                        normalize_email(email).map_err(|_| {
                            invalid(email.clone(), "--break-glass-accounts", "expected emails")
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                if emails.is_empty() {
                    return Err(invalid(
                        "",
                        "--break-glass-accounts",
                        "name at least one local admin who can sign in when the provider cannot be reached",
                    ));
                }
                LocalSignIn::BreakGlassOnly(emails)
            }
            Some(other) => {
                return Err(invalid(
                    other,
                    "--local-sign-in",
                    "expected `all` or `break-glass`",
                ));
            }
        };
        Ok((sso, local))
    }

    fn sso_settings(&self) -> Result<Option<SsoSettings>, ConfigError> {
        let (issuer, client_id) = match (&self.oidc_issuer, &self.oidc_client_id) {
            (None, None) => return Ok(None),
            (Some(issuer), Some(client_id)) => (issuer.trim(), client_id.trim().to_owned()),
            (Some(issuer), None) => {
                return Err(invalid(
                    issuer.clone(),
                    "--oidc-issuer",
                    "it needs --oidc-client-id too",
                ));
            }
            (None, Some(id)) => {
                return Err(invalid(
                    id.clone(),
                    "--oidc-client-id",
                    "it needs --oidc-issuer too",
                ));
            }
        };
        let issuer_url = url::Url::parse(issuer)
            .ok()
            .filter(|url| {
                url.scheme() == "https"
                    || (url.scheme() == "http"
                        && matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")))
            })
            .ok_or_else(|| {
                invalid(
                    issuer,
                    "--oidc-issuer",
                    "expected an https:// URL (http:// only on this machine, for tests)",
                )
            })?;
        let from_issuer = entra_tenant(&issuer_url).map_err(|_| {
            invalid(
                issuer,
                "--oidc-issuer",
                "a multi-tenant issuer would let every tenant in: use https://login.microsoftonline.com/<tenant-id>/v2.0",
            )
        })?;
        let tenant_id = match (self.oidc_tenant_id.as_deref().map(str::trim), from_issuer) {
            (Some(given), Some(named)) if !given.eq_ignore_ascii_case(&named) => {
                return Err(invalid(
                    given,
                    "--oidc-tenant-id",
                    "it differs from the issuer's tenant",
                ));
            }
            (Some(given), _) => Some(given.to_ascii_lowercase()),
            (None, named) => named,
        };
        let values = |given: &Option<String>, default: &str| {
            items(given.as_deref().unwrap_or(default), &[','])
        };
        let scopes = items(
            self.oidc_scopes.as_deref().unwrap_or("profile email"),
            &[' ', ','],
        )
        .into_iter()
        .filter(|scope| scope != "openid")
        .collect();
        Ok(Some(SsoSettings {
            issuer: issuer.to_owned(),
            client_id,
            client_secret: self.oidc_client_secret.clone().map(Secret::from),
            scopes,
            role_claim: self
                .oidc_role_claim
                .as_deref()
                .map(str::trim)
                .unwrap_or("roles")
                .to_owned(),
            role_values: RoleValues {
                admin: values(&self.oidc_admin_values, DEFAULT_VALUES[0]),
                analyst: values(&self.oidc_analyst_values, DEFAULT_VALUES[1]),
                reader: values(&self.oidc_reader_values, DEFAULT_VALUES[2]),
            },
            tenant_id,
            button_label: self
                .oidc_button_label
                .as_deref()
                .map(str::trim)
                .filter(|label| !label.is_empty())
                .map(str::to_owned),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Config, test_support::args};

    fn config(extra: &[&str]) -> Result<Config, String> {
        let dir = tempfile::tempdir().unwrap();
        Config::try_from_args(args(extra, dir.path())).map_err(|error| error.to_string())
    }

    #[test]
    fn an_entra_issuer_gives_the_tenant_and_defaults_apply() {
        let config = config(&[
            "--oidc-issuer",
            "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0",
            "--oidc-client-id",
            "app",
        ])
        .unwrap();
        let sso = config.sso.unwrap();
        assert_eq!(
            sso.tenant_id.as_deref(),
            Some("11111111-2222-3333-4444-555555555555")
        );
        assert_eq!(sso.scopes, ["profile", "email"]);
        assert_eq!(sso.role_claim, "roles");
        assert_eq!(sso.role_values.admin, ["ScoreNow.Admin"]);
    }

    #[test]
    fn unsafe_or_incomplete_settings_are_refused_in_one_line() {
        for (flags, expected) in [
            (
                &[
                    "--oidc-issuer",
                    "https://login.microsoftonline.com/common/v2.0",
                    "--oidc-client-id",
                    "a",
                ][..],
                "multi-tenant issuer",
            ),
            (
                &[
                    "--oidc-issuer",
                    "http://idp.example.com",
                    "--oidc-client-id",
                    "a",
                ],
                "https://",
            ),
            (
                &["--oidc-issuer", "https://idp.example.com"],
                "--oidc-client-id too",
            ),
            (&["--local-sign-in", "break-glass"], "needs single sign-on"),
            (
                &[
                    "--oidc-issuer",
                    "https://idp.example.com",
                    "--oidc-client-id",
                    "a",
                    "--local-sign-in",
                    "break-glass",
                ],
                "at least one local admin",
            ),
            (&["--local-sign-in", "none"], "`all` or `break-glass`"),
        ] {
            let error = config(flags).unwrap_err();
            assert!(error.contains(expected), "{flags:?}: {error}");
        }
    }

    #[test]
    fn break_glass_accounts_are_normalised() {
        let config = config(&[
            "--oidc-issuer",
            "http://127.0.0.1:9/",
            "--oidc-client-id",
            "a",
            "--local-sign-in",
            "break-glass",
            "--break-glass-accounts",
            " Root@Example.com ,",
        ])
        .unwrap();
        assert_eq!(
            config.local_sign_in,
            crate::sso::LocalSignIn::BreakGlassOnly(vec!["root@example.com".into()])
        );
    }
}
