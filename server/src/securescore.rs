//! Microsoft Secure Score: Graph's resources read tolerantly, the built-in
//! demo catalog, the service that keeps the last good data, where it is
//! read from, and what pages read of it.

mod catalog;
pub mod graph;
mod graph_connection;
pub mod graph_model;
mod reader;
mod service;

pub use reader::ActionReader;
pub use service::{SecureScoreService, SourceSetup};
