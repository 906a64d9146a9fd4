//! User administration (admins only): the accounts as the admin page shows
//! them and why a change is refused.

use super::auth::{AccountFieldError, Role};
use serde::{Deserialize, Serialize};

/// One account as the admin page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    /// Signs in through the identity provider (no password in ScoreNow).
    pub single_sign_on: bool,
}

/// Why a user-administration request was refused; each has a localised message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UsersRefusal {
    /// A field breaks the account rules.
    Field(AccountFieldError),
    /// Another account has this email.
    EmailTaken,
    /// The change would leave no active admin.
    LastAdmin,
    /// No such user.
    NotFound,
    /// The account signs in through the identity provider: it has no password to reset.
    SingleSignOn,
}

/// A user-administration failure.
pub type UsersError = crate::api::ApiError<UsersRefusal>;

/// The non-secret fields of the account-creation form, sent back with a
/// refusal so that a form sent without JavaScript comes back filled in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUserInput {
    pub email: String,
    pub display_name: String,
    pub role: Option<Role>,
}

/// A refused account creation, with what was entered.
pub type CreateUserError = crate::api::FormError<UsersRefusal, NewUserInput>;
