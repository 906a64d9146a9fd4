//! What both sides share: the domain types pages show and server functions
//! carry, and the validation rules the browser and the server both apply.
//! Nothing here talks to the server; `crate::api` does.

/// Declares a fieldless enum whose values have stable names (in URLs,
/// forms and storage), written `Variant = "name"`, with `ALL` (every value,
/// in declaration order), `as_str` (the value's name) and `parse` (the
/// value of a name).
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $($(#[$variant_meta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The value's stable name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value named `name`.
            pub fn parse(name: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|value| value.as_str() == name)
            }
        }
    };
}

pub mod audit;
pub mod auth;
pub mod recommendation;
pub mod securescore;
pub mod servicenow;
pub mod sso;
pub mod tickets;
pub mod users;

#[cfg(test)]
mod tests {
    use super::{
        auth::Role,
        recommendation::Source,
        securescore::ActionStatus,
        servicenow::{CallbackOutcome, TicketTable},
        tickets::{Delivery, TicketSort},
    };
    use std::fmt::Debug;

    /// Asserts that `all` is named `names`, in order, and that only those names parse back.
    fn named<T: Copy + PartialEq + Debug>(
        all: &[T],
        as_str: fn(T) -> &'static str,
        parse: fn(&str) -> Option<T>,
        names: &[&str],
    ) {
        let spelled: Vec<&str> = all.iter().map(|value| as_str(*value)).collect();
        assert_eq!(spelled, names);
        for value in all {
            assert_eq!(parse(as_str(*value)), Some(*value));
        }
        assert_eq!(parse("unknown"), None);
    }

    #[test]
    fn named_enums_keep_their_stable_names() {
        named(
            &Role::ALL,
            Role::as_str,
            Role::parse,
            &["reader", "analyst", "admin"],
        );
        named(
            &TicketTable::ALL,
            TicketTable::as_str,
            TicketTable::parse,
            &["change_request", "incident"],
        );
        named(
            &ActionStatus::ALL,
            ActionStatus::as_str,
            ActionStatus::parse,
            &[
                "to_address",
                "completed",
                "risk_accepted",
                "third_party",
                "reviewed",
            ],
        );
        named(
            &Delivery::ALL,
            Delivery::as_str,
            Delivery::parse,
            &["queued", "created", "refused"],
        );
        named(
            &TicketSort::ALL,
            TicketSort::as_str,
            TicketSort::parse,
            &["newest", "oldest", "due", "priority"],
        );
        named(
            &CallbackOutcome::ALL,
            CallbackOutcome::as_str,
            CallbackOutcome::parse,
            &[
                "connected",
                "consent_denied",
                "state_mismatch",
                "refused",
                "failed",
            ],
        );
        named(
            &Source::ALL,
            Source::as_str,
            Source::parse,
            &["microsoft", "user"],
        );
    }
}
