//! Consent-gated, end-to-end encrypted sharing from a peer to their supporters: everything of
//! sharing except the consent policy itself, which is the pure `crate::consent`.
//!
//! - `store`: the sharing database and [`SharingStore`], the one handle on it;
//! - `identity`, `pairing`: keys, invites, connections, safety numbers;
//! - `content`: what a shared item holds, typed ([`SharedContent`]), and its encoding in
//!   envelopes and at rest; `sources`: the shareable items of the journal and the course;
//! - `grants`: the peer's grants at rest; `audit`: the hash-chained audit log; `integrity`:
//!   tamper resistance of both (sealed grant state, signed checkpoint, rollback mark);
//! - `plan` (pure: grants, what was sent, current items, now -> the changes to send) and
//!   `outbox` (seals and queues them), `envelope` (the sealed, signed unit that travels);
//! - `inbox`: the supporter's side (verify an envelope, then apply it);
//! - `reach`: the peer's "I need support now" alerts and the supporter's replies;
//! - `engine`: one sync (post the outbox, fetch the mailboxes) through `relay_client`, the only
//!   HTTP client of the relay.
//!
//! Nothing here ever writes journal text, names or keys to disk unsealed, or logs them.

pub mod audit;
pub mod content;
pub mod engine;
pub mod envelope;
pub mod grants;
pub mod identity;
pub mod inbox;
pub mod integrity;
pub mod outbox;
pub mod pairing;
pub mod plan;
pub mod push;
pub mod reach;
pub mod relay_client;
pub mod sealer;
pub mod sources;
pub mod store;
#[cfg(test)]
mod tests;

pub use content::{ShareableItem, SharedContent, SharedUnitProgress};
pub use store::{SharingStore, StoreError};

use crate::consent::ConsentError;
use audit::AuditError;
use envelope::EnvelopeError;
use identity::InviteError;
use relay_client::RelayError;

/// Why a sharing operation failed. Messages never hold names, tags, content or keys.
#[derive(Debug, thiserror::Error)]
pub enum SharingError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Consent(#[from] ConsentError),
    #[error(transparent)]
    Invite(#[from] InviteError),
    #[error(transparent)]
    Relay(#[from] RelayError),
    #[error(transparent)]
    Refused(#[from] EnvelopeError),
    /// The sharing database failed its tamper checks (audit log, grant state, rollback mark).
    #[error(transparent)]
    Integrity(#[from] AuditError),
    #[error(transparent)]
    Reach(#[from] reach::ReachError),
    #[error("no such connection")]
    NoSuchConnection,
    #[error("only the sharing side of a connection can grant consent")]
    NotTheSharingSide,
    #[error("this invite was made on this device")]
    OwnInvite,
    #[error("cancelled")]
    Cancelled,
    #[error(transparent)]
    Push(#[from] push::PushError),
}

impl From<rusqlite::Error> for SharingError {
    fn from(e: rusqlite::Error) -> Self {
        SharingError::Store(e.into())
    }
}

impl From<sealer::SealError> for SharingError {
    fn from(e: sealer::SealError) -> Self {
        SharingError::Store(e.into())
    }
}

impl From<inbox::ReceiveError> for SharingError {
    fn from(e: inbox::ReceiveError) -> Self {
        match e {
            inbox::ReceiveError::Refused(e) => SharingError::Refused(e),
            inbox::ReceiveError::Store(e) => SharingError::Store(e),
        }
    }
}

/// Seconds since the Unix epoch, from the system clock.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
