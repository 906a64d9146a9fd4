//! The ServiceNow connection's pages: the setup wizard and status, and the
//! settings (*Manage ServiceNow configuration*).

pub mod settings;
pub mod setup;
