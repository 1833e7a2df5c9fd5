//! Lantern's shared core.
//!
//! One module per capability, each owning its tables and errors:
//! `course` (course packs, progress, search), `crypto` (the only user of `ring`),
//! `store` (SQLite helpers), `vault` (the journal's key hierarchy, sealing records for any
//! module), `journal` (encrypted entries, check-ins, search, trends, backup).
//! The FFI surface lives in `api` and nowhere else.

uniffi::setup_scaffolding!();

pub mod api;
pub mod codec;
pub mod consent;
pub mod course;
pub mod crypto;
pub mod error;
pub mod https;
pub mod journal;
pub mod sharing;
pub mod store;
pub mod vault;

pub use error::LanternError;
