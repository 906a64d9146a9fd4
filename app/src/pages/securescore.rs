//! Secure Score's pages: the improvement actions table and one action.

pub mod action;
pub mod actions;
