//! What every outbound HTTP call of ScoreNow (ServiceNow, Microsoft Graph,
//! the identity platform) shares: answers read with a size limit, and a DNS
//! resolver that keeps calls away from this machine and private networks.

mod capped;
mod resolver;

pub use capped::{BodyError, MAX_ANSWER_BYTES, oauth_client, read_capped};
pub use resolver::{GuardedResolver, is_internal};
