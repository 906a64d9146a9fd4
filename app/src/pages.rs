//! One module per route of the product.

pub mod action_detail;
pub mod admin_users;
pub mod audit;
pub mod home;
pub mod login;
pub mod not_found;
pub mod securescore;
pub mod servicenow_settings;
pub mod servicenow_setup;
pub mod ticket_new;
pub mod tickets;
