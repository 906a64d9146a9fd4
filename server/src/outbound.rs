//! What every outbound HTTP call of ScoreNow (ServiceNow, Microsoft Graph,
//! the identity platform) shares: answers read with a size limit, and a DNS
//! resolver that keeps calls away from this machine and private networks.

mod capped;
mod resolver;

pub use capped::{BodyError, MAX_ANSWER_BYTES, oauth_client, read_capped};
pub use resolver::{GuardedResolver, is_internal};

use std::time::Duration;

/// How long connecting to any outside service may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The start of every outbound HTTP client: rustls, no redirects followed
/// (a redirect could lead anywhere), calls cut off after `timeout`.
pub fn client_builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .use_rustls_tls()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("ScoreNow/", env!("CARGO_PKG_VERSION")))
}
