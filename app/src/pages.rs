//! One module per route of the product; a feature with several pages has a
//! folder of them.

pub mod admin_users;
pub mod audit;
pub mod home;
pub mod login;
pub mod not_found;
pub mod securescore;
pub mod servicenow;
pub mod tickets;
