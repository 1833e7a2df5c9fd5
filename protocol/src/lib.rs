//! Wire types and the versioned envelope format shared by the core and the relay. No I/O.
//!
//! The relay API is HTTP/1.1 with JSON bodies; bytes travel as standard base64 (with padding).
//! `docs/relay-api.md` describes every route. This crate only names the shapes, the headers and
//! the exact bytes an owner signs; it never hashes, signs, sends or stores anything itself.

pub mod relay;

/// Version of the relay HTTP API this crate describes.
pub const RELAY_API_VERSION: u32 = 1;
