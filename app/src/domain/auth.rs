//! Who may do what: roles, the signed-in user, the rules for account fields
//! and why a sign-in is refused. The rules live here, in the crate both
//! sides share, so the browser and the server check exactly the same thing.

use serde::{Deserialize, Serialize};

named_enum! {
    /// What a user may do, least powerful first. Each role includes
    /// everything of the roles below it; its name is stored in the database
    /// and used in URLs.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "lowercase")]
    pub enum Role {
        /// Views the dashboard, actions and tickets.
        Reader = "reader",
        /// Also shares actions and creates tickets.
        Analyst = "analyst",
        /// Also manages connections, settings, users and the audit log.
        Admin = "admin",
    }
}

impl Role {
    /// Whether this role may do what `required` may.
    pub fn includes(self, required: Role) -> bool {
        self >= required
    }
}

/// The signed-in user as the UI sees it: no secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

/// Why a sign-in was refused. None of them tells whether an account exists;
/// each carries the email back so the form can show it again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInRefusal {
    /// Not an email address (too long, or malformed); nothing was checked.
    InvalidEmail { email: String },
    /// Wrong email or password (or an inactive account).
    InvalidCredentials { email: String },
    /// Too many failed attempts for this account or from this address.
    Throttled {
        email: String,
        retry_after_secs: u64,
    },
    /// Too many sign-ins at this moment for the server to check another.
    Busy {
        email: String,
        retry_after_secs: u64,
    },
    /// The account signs in through the identity provider: the password
    /// form is only for break-glass accounts, and its confirmation is a new
    /// sign-in at the provider.
    LocalSignInDisabled { email: String },
}

impl SignInRefusal {
    /// The email the form sent, to show it again.
    pub fn email(&self) -> &str {
        match self {
            SignInRefusal::InvalidEmail { email }
            | SignInRefusal::InvalidCredentials { email }
            | SignInRefusal::Throttled { email, .. }
            | SignInRefusal::Busy { email, .. }
            | SignInRefusal::LocalSignInDisabled { email } => email,
        }
    }
}

/// A sign-in or session failure.
pub type AuthError = crate::api::ApiError<SignInRefusal>;

/// A demo account shown on the sign-in page in demo mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoAccount {
    pub email: String,
    pub role: Role,
    pub password: String,
}

/// Why an account field was refused; the UI turns each into a localised message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AccountFieldError {
    #[error("the email address is not valid")]
    InvalidEmail,
    #[error("the name is empty or longer than {MAX_NAME_CHARS} characters")]
    InvalidName,
    #[error("the password has fewer than {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error("the password has more than {MAX_PASSWORD_CHARS} characters")]
    PasswordTooLong,
    #[error("the password is one of the most common passwords in breaches")]
    PasswordCommon,
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (bounds the hashing work an attacker can cause).
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Longest display name accepted.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest email address accepted (RFC 5321).
const MAX_EMAIL_CHARS: usize = 254;

/// Normalises and checks an email address: trimmed, lower-cased, one `@`
/// with text on both sides, a dot in the domain, no spaces or control characters.
pub fn normalize_email(input: &str) -> Result<String, AccountFieldError> {
    let email = input.trim().to_lowercase();
    let valid = email.chars().count() <= MAX_EMAIL_CHARS
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(email)
    } else {
        Err(AccountFieldError::InvalidEmail)
    }
}

/// Trims and checks a display name.
pub fn normalize_name(input: &str) -> Result<String, AccountFieldError> {
    let name = input.trim();
    let valid = !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && !name.chars().any(char::is_control);
    if valid {
        Ok(name.to_owned())
    } else {
        Err(AccountFieldError::InvalidName)
    }
}

/// Checks a new password's length (in characters, not bytes).
pub fn check_password(password: &str) -> Result<(), AccountFieldError> {
    match password.chars().count() {
        n if n < MIN_PASSWORD_CHARS => Err(AccountFieldError::PasswordTooShort),
        n if n > MAX_PASSWORD_CHARS => Err(AccountFieldError::PasswordTooLong),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Role::Admin.includes(Role::Analyst));
        assert!(Role::Analyst.includes(Role::Reader));
        assert!(!Role::Reader.includes(Role::Analyst));
        assert!(!Role::Analyst.includes(Role::Admin));
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(
            normalize_email("  Ada@Example.COM ").as_deref(),
            Ok("ada@example.com")
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "a b@example.com",
            "ada@@example.com",
            "ada@example.com.",
            "ada\u{0}@x.com",
        ] {
            assert_eq!(
                normalize_email(bad),
                Err(AccountFieldError::InvalidEmail),
                "{bad:?}"
            );
        }
        assert!(normalize_email(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            normalize_name("  Ada Lovelace ").as_deref(),
            Ok("Ada Lovelace")
        );
        assert_eq!(normalize_name("   "), Err(AccountFieldError::InvalidName));
        assert_eq!(
            normalize_name(&"x".repeat(101)),
            Err(AccountFieldError::InvalidName)
        );
        assert_eq!(
            normalize_name("bell\u{7}"),
            Err(AccountFieldError::InvalidName)
        );
    }

    #[test]
    fn passwords_are_counted_in_characters() {
        assert_eq!(
            check_password("short"),
            Err(AccountFieldError::PasswordTooShort)
        );
        assert_eq!(
            check_password("ééééééééééé"),
            Err(AccountFieldError::PasswordTooShort),
            "11 characters, 22 bytes"
        );
        assert_eq!(check_password("correct horse battery"), Ok(()));
        assert_eq!(
            check_password(&"x".repeat(257)),
            Err(AccountFieldError::PasswordTooLong)
        );
    }
}
