//! Microsoft Secure Score: Graph's resources read tolerantly, the built-in
//! demo catalog, and the service that keeps the last good data for pages.

mod catalog;
pub mod graph;
pub mod graph_model;
mod service;

pub use service::{SecureScoreService, SourceSetup};
