//! The signed-in user and the actions that change it, shared through context.

use crate::{
    api::auth::{SignIn, SignOut, SignOutEverywhere, signed_in_user},
    domain::auth::{AuthError, CurrentUser},
};
use leptos::prelude::*;

/// Who is signed in, refetched whenever someone signs in or out.
#[derive(Clone, Copy)]
pub struct Session {
    pub user: Resource<Result<Option<CurrentUser>, AuthError>>,
    pub sign_in: ServerAction<SignIn>,
    pub sign_out: ServerAction<SignOut>,
    pub sign_out_everywhere: ServerAction<SignOutEverywhere>,
}

impl Session {
    /// Creates the session state and provides it to every component below.
    /// Must run inside the router, after `form_errors::provide` (on the server), so
    /// its actions see the errors of forms sent without JavaScript.
    pub fn provide() -> Self {
        let sign_in = ServerAction::<SignIn>::new();
        let sign_out = ServerAction::<SignOut>::new();
        let sign_out_everywhere = ServerAction::<SignOutEverywhere>::new();
        let versions = move || {
            (
                sign_in.version().get(),
                sign_out.version().get(),
                sign_out_everywhere.version().get(),
            )
        };
        let user = Resource::new(versions, |_| signed_in_user());
        let session = Self {
            user,
            sign_in,
            sign_out,
            sign_out_everywhere,
        };
        provide_context(session);
        session
    }

    /// The session provided by [`Session::provide`].
    pub fn expect() -> Self {
        expect_context::<Self>()
    }
}
