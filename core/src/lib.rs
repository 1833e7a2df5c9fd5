//! Lantern's shared core.
//!
//! One module per capability, each owning its tables and its error type:
//! `course` (course packs, progress, search), `crypto` (the only user of `ring`), `codec`
//! (encoding helpers), `store` (SQLite helpers), `vault` (the key hierarchy, sealing records
//! for any module), `journal` (encrypted entries, check-ins, search, trends, backup), `consent`
//! (the pure consent policy: scopes, tag rule, grant limits, the one decision), `sharing`
//! (pairing, envelopes, outbox, inbox, sync, audit), `reminders` (the sealed check-in reminder
//! schedule and its next instants), `recovery` (the sealed start date, day count, milestones and
//! history) and `tzdb` (the system's time zone database). The FFI surface lives in `api` and nowhere
//! else; `error` holds the FFI's error and every conversion into it. See ARCHITECTURE.md.

uniffi::setup_scaffolding!();

pub mod api;
pub mod codec;
pub mod consent;
pub mod course;
pub mod crypto;
pub mod error;
pub mod https;
pub mod journal;
pub mod recovery;
pub mod reminders;
pub mod sharing;
pub mod store;
pub mod tzdb;
pub mod vault;

pub use error::LanternError;
