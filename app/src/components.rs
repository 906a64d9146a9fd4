//! Reusable building blocks of the user interface.

mod clipboard;
pub mod error_panel;
pub mod filters;
pub mod form;
pub mod graph_connection;
pub mod icons;
pub mod language_picker;
pub mod layout;
pub mod outcome;
pub mod page;
pub mod password_confirmation;
pub mod protected;
pub mod score_summary;
pub mod securescore;
pub mod servicenow;
pub mod share_dialog;
pub mod share_menu;
mod side_nav;
pub mod table;
pub mod ticket_cards;
pub mod ticket_form;
pub mod tickets;
mod top_bar;
pub mod user_slot;
