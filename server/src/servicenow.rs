//! ScoreNow's side of ServiceNow: which instances may be contacted, OAuth,
//! tokens, the Table and Aggregate APIs, and the connection service that
//! puts them together.

mod admin;
mod authorization;
mod connection;
pub(crate) mod failure;
mod http;
pub mod instance;
mod oauth;
mod revocation;
mod stored_tokens;
pub(crate) mod table_api;
mod tokens;

pub use authorization::CallbackParams;
pub use connection::{CallError, ServiceNowService, ServiceNowSetup};
pub use instance::HostPolicy;
