//! The one error of every server function: the reasons any call can fail,
//! plus, where a capability has them, its own reasons (`Refused`).

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// Why a server function did not do what was asked. `R` is the capability's
/// own refusals (invalid fields, conflicts, a missing connection); the UI
/// shows each variant as a localised message, never as this debug text.
///
/// On the wire a refusal stands alone (`{"Invalid": …}`, `"NotConnected"`),
/// so `R`'s variants must not be called like the ones here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError<R = NoRefusal> {
    /// Nobody is signed in, or the session has ended.
    #[error("not signed in")]
    NotSignedIn,
    /// The signed-in user's role does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// One of the most sensitive changes: the user must confirm their
    /// password first (it then counts for a few minutes).
    #[error("password confirmation required")]
    ReauthenticationRequired,
    /// The server cannot do it now (its database or a part it needs
    /// failed; the log says which): try again later.
    #[error("unavailable")]
    Unavailable,
    /// The call did not arrive intact, or its answer could not be read.
    #[error("{0}")]
    ServerFn(ServerFnErrorErr),
    /// The capability refused the request for a reason of its own.
    #[error("refused: {0:?}")]
    #[serde(untagged)]
    Refused(R),
}

/// The refusals of a capability that has none of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoRefusal {}

impl<R> ApiError<R> {
    /// The capability's refusal, if that is what this is.
    pub fn refusal(&self) -> Option<&R> {
        match self {
            ApiError::Refused(refusal) => Some(refusal),
            _ => None,
        }
    }

    /// This failure with the form's `input`, to send it back.
    pub fn with_input<I>(self, input: I) -> FormError<R, I> {
        FormError {
            reason: self,
            input,
        }
    }
}

impl<R> From<R> for ApiError<R> {
    fn from(refusal: R) -> Self {
        ApiError::Refused(refusal)
    }
}

impl<R> FromServerFnError for ApiError<R>
where
    R: std::fmt::Debug + Serialize + DeserializeOwned + Send + Sync + 'static,
{
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ApiError::ServerFn(value)
    }
}

/// A failed form, with the non-secret fields as sent, so that a form sent
/// without JavaScript comes back filled in (secrets never do).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{reason}")]
pub struct FormError<R, I> {
    pub reason: ApiError<R>,
    #[serde(flatten)]
    pub input: I,
}

impl<R, I> FromServerFnError for FormError<R, I>
where
    R: std::fmt::Debug + Serialize + DeserializeOwned + Send + Sync + 'static,
    I: std::fmt::Debug + Default + Serialize + DeserializeOwned + Send + Sync + 'static,
{
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self {
            reason: ApiError::ServerFn(value),
            input: I::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    enum Refusal {
        NotConnected,
        Invalid { field: String },
    }

    #[test]
    fn a_refusal_stands_alone_on_the_wire_and_reads_back() {
        let cases: [(ApiError<Refusal>, serde_json::Value); 4] = [
            (ApiError::NotSignedIn, serde_json::json!("NotSignedIn")),
            (ApiError::Unavailable, serde_json::json!("Unavailable")),
            (
                Refusal::NotConnected.into(),
                serde_json::json!("NotConnected"),
            ),
            (
                Refusal::Invalid {
                    field: "name".into(),
                }
                .into(),
                serde_json::json!({"Invalid": {"field": "name"}}),
            ),
        ];
        for (error, wire) in cases {
            assert_eq!(serde_json::to_value(&error).unwrap(), wire);
            assert_eq!(
                serde_json::from_value::<ApiError<Refusal>>(wire).unwrap(),
                error
            );
        }
    }

    #[test]
    fn a_form_error_carries_its_input_beside_the_reason() {
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        struct Input {
            email: String,
        }
        let error = FormError {
            reason: ApiError::<Refusal>::Forbidden,
            input: Input {
                email: "ada@example.com".into(),
            },
        };
        let wire = serde_json::to_value(&error).unwrap();
        assert_eq!(
            wire,
            serde_json::json!({"reason": "Forbidden", "email": "ada@example.com"})
        );
        assert_eq!(
            serde_json::from_value::<FormError<Refusal, Input>>(wire).unwrap(),
            error
        );
    }
}
