//! What both sides share: the domain types pages show and server functions
//! carry, and the validation rules the browser and the server both apply.
//! Nothing here talks to the server; `crate::api` does.

pub mod audit;
pub mod auth;
pub mod recommendation;
pub mod securescore;
pub mod servicenow;
pub mod tickets;
pub mod users;
