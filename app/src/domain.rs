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
pub mod tickets;
pub mod users;
