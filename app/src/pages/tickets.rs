//! The tickets' pages: the list with its filters and export, and a new
//! ticket that is not tied to a Microsoft action.

pub mod list;
pub mod new;
