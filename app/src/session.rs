//! The signed-in user and the actions that change it, shared through context.

use crate::{
    api::auth::{AuthError, SignIn, SignOut, SignOutEverywhere, signed_in_user},
    auth::CurrentUser,
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
    /// Must run inside the router, which carries the errors of forms sent
    /// without JavaScript.
    pub fn provide() -> Self {
        #[cfg(feature = "ssr")]
        provide_form_error_from_url();
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

/// A form sent without JavaScript comes back, on error, with the error in the
/// URL (`__path`, `__err`). The router reads them in the browser only; this
/// does the same during server rendering, so the error shows up before (and
/// without) hydration.
#[cfg(feature = "ssr")]
fn provide_form_error_from_url() {
    let Some(parts) = use_context::<http::request::Parts>() else {
        return;
    };
    let query = parts.uri.query().unwrap_or_default();
    let (mut path, mut error) = (None, None);
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "__path" => path = Some(value.into_owned()),
            "__err" => error = Some(value.into_owned()),
            _ => {}
        }
    }
    if let (Some(path), Some(error)) = (path, error) {
        provide_context(leptos::server::ServerActionError::new(&path, &error));
    }
}
