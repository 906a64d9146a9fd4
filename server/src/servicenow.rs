//! ScoreNow's side of ServiceNow: which instances may be contacted, OAuth,
//! tokens, the Table and Aggregate APIs, and the connection service that
//! puts them together.

pub mod connection;
pub(crate) mod failure;
mod http;
pub mod instance;
mod oauth;
pub(crate) mod table_api;
mod tokens;

pub use connection::{CallError, CallbackParams, ServiceNowService, ServiceNowSetup};
pub use instance::HostPolicy;
