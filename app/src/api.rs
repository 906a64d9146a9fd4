//! The server-function boundary, grouped by capability: the only door from
//! the browser to the server's powers.

pub mod auth;
