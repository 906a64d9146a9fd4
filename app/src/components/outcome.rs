//! What a server action's last call came to, for the forms that show it.
//! Each reads the action's value, so a closure calling it tracks it.

use crate::api::{ApiError, FormError};
use leptos::{prelude::*, server_fn::ServerFn};

/// A server function whose action a form shows the outcome of.
pub trait Call:
    ServerFn<Output: Clone + Send + Sync + 'static, Error: Clone + Send + Sync + 'static>
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> Call for S
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
    S::Error: Clone + Send + Sync + 'static,
{
}

/// The error of `action`'s last call, if it failed.
pub fn failure<S: Call>(action: ServerAction<S>) -> Option<S::Error> {
    action.value().get().and_then(Result::err)
}

/// The answer of `action`'s last call, if it succeeded.
pub fn success<S: Call>(action: ServerAction<S>) -> Option<S::Output> {
    action.value().get().and_then(Result::ok)
}

/// Why the form of `action` was refused last, when `place_of` shows that
/// reason at `place` (next to one of its fields, or below the form).
pub fn failure_at<S, R, I, P>(
    action: ServerAction<S>,
    place: P,
    place_of: fn(&ApiError<R>) -> P,
) -> Option<ApiError<R>>
where
    S: Call<Error = FormError<R, I>>,
    R: 'static,
    I: 'static,
    P: PartialEq,
{
    failure(action)
        .map(|error| error.reason)
        .filter(|reason| place_of(reason) == place)
}
