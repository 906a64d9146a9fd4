//! What a server action's last call came to, for the forms that show it.
//! Both read the action's value, so a closure calling them tracks it.

use leptos::{prelude::*, server_fn::ServerFn};

/// The error of `action`'s last call, if it failed.
pub fn failure<S>(action: ServerAction<S>) -> Option<S::Error>
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
    S::Error: Clone + Send + Sync + 'static,
{
    action.value().get().and_then(Result::err)
}

/// The answer of `action`'s last call, if it succeeded.
pub fn success<S>(action: ServerAction<S>) -> Option<S::Output>
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
    S::Error: Clone + Send + Sync + 'static,
{
    action.value().get().and_then(Result::ok)
}
