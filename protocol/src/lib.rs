//! Wire types and the versioned envelope format shared by the core and the relay. No I/O.

/// Version of the relay HTTP API this crate describes.
pub const RELAY_API_VERSION: u32 = 1;
