//! Storage behind one trait: SQLite (default, one WAL file) and PostgreSQL (several relays, one
//! database). Every operation is one transaction: it either happens whole or not at all.
//!
//! The store keeps only what a relay needs across requests and processes: mailboxes (public key
//! and counters), capability token HASHES, ciphertext envelopes, tombstones of acknowledged
//! envelopes (id, seq, payload hash, times: no payload) until their TTL would have ended,
//! recently seen request nonces, and push registrations (endpoint and the owner's wake-up
//! token). It never stores a capability token itself and never interprets a payload.

use std::future::Future;

pub mod postgres;
mod postgres_push;
pub mod push;
pub mod sqlite;
mod sqlite_push;

pub use push::{PushRegistration, PushStore, PushTarget, RegisterOutcome};

/// A storage failure. The message names the operation, never a payload or key.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("storage failed: {0}")]
    Failed(String),
}

/// Quotas applied when posting: per mailbox, per capability, and the room each capability
/// keeps in a full mailbox (so one capability filling the mailbox cannot starve the others).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub max_envelopes: i64,
    pub max_bytes: i64,
    pub capability_max_envelopes: i64,
    pub capability_max_bytes: i64,
    pub reserved_envelopes: i64,
    pub reserved_bytes: i64,
}

/// Envelopes and payload bytes waiting (in a mailbox, or from one capability).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub envelopes: i64,
    pub bytes: i64,
}

impl Usage {
    fn fits(self, len: i64, max_envelopes: i64, max_bytes: i64) -> bool {
        self.envelopes.saturating_add(1) <= max_envelopes
            && self.bytes.saturating_add(len) <= max_bytes
    }
}

impl Quota {
    /// Whether one more envelope of `len` bytes from a capability fits. The capability's own
    /// quota always applies; the mailbox's is waived while the capability stays within its
    /// reserved room, so a mailbox holds at most the mailbox quota plus one reserve per live
    /// capability, and a capability that has not flooded can always deliver (a revocation, a
    /// withdrawal).
    pub fn admits(&self, mailbox: Usage, capability: Usage, len: i64) -> bool {
        capability.fits(
            len,
            self.capability_max_envelopes,
            self.capability_max_bytes,
        ) && (mailbox.fits(len, self.max_envelopes, self.max_bytes)
            || capability.fits(len, self.reserved_envelopes, self.reserved_bytes))
    }
}

/// What a post did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostOutcome {
    Stored {
        seq: i64,
    },
    /// Same id and same payload already stored, or already acknowledged (tombstone): nothing
    /// written; `seq` is the one the envelope got when it was first stored.
    Duplicate {
        seq: i64,
    },
    /// Same id already stored (or acknowledged) with a different payload: nothing written.
    Conflict,
    MailboxNotFound,
    /// No capability with this hash, or it belongs to another mailbox.
    CapabilityInvalid,
    CapabilityRevoked,
    QuotaExceeded,
}

/// An envelope row as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeRow {
    pub id: String,
    pub seq: i64,
    pub received_at: i64,
    pub payload: Vec<u8>,
}

/// What a TTL sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepStats {
    pub envelopes_dropped: u64,
    /// Tombstones of acknowledged envelopes whose TTL ended.
    pub tombstones_dropped: u64,
    pub nonces_dropped: u64,
}

/// Totals for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub mailboxes: i64,
    pub envelopes: i64,
    pub bytes: i64,
}

/// The relay's storage. Implementations must be safe to share between many relay processes
/// (PostgreSQL) or at least between all tasks of one process (SQLite).
pub trait Store: PushStore + Send + Sync + 'static {
    /// Creates a mailbox; `Ok(false)` when it already exists with this key.
    /// `Err` never; a different key for the same id cannot happen (the id is the key's hash).
    fn create_mailbox(
        &self,
        mailbox_id: &str,
        public_key: &[u8],
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The owner's public key, or `None` for an unknown mailbox.
    fn mailbox_key(
        &self,
        mailbox_id: &str,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;

    /// Records a request nonce; `Ok(false)` when it was already seen (a replay).
    fn record_nonce(
        &self,
        mailbox_id: &str,
        nonce: &str,
        expires_at: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Deletes a mailbox with its envelopes, tombstones and capabilities; `Ok(false)` if unknown.
    fn delete_mailbox(
        &self,
        mailbox_id: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Stores a capability's token hash; `Ok(false)` if the mailbox is unknown.
    fn add_capability(
        &self,
        mailbox_id: &str,
        capability_id: &str,
        token_hash: &[u8; 32],
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Revokes a capability; `Ok(false)` if the mailbox has no such capability.
    fn revoke_capability(
        &self,
        mailbox_id: &str,
        capability_id: &str,
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Checks the capability, duplicates (stored envelopes and tombstones) and quota and stores
    /// the envelope, all in one transaction.
    #[allow(clippy::too_many_arguments)]
    fn post_envelope(
        &self,
        mailbox_id: &str,
        token_hash: &[u8; 32],
        envelope_id: &str,
        payload: Vec<u8>,
        payload_hash: [u8; 32],
        now: i64,
        quota: Quota,
    ) -> impl Future<Output = Result<PostOutcome, StoreError>> + Send;

    /// Envelopes with `seq > after`, oldest first, at most `limit` and, after the first, at
    /// most `max_bytes` of payload in all; plus whether more exist.
    fn list_envelopes(
        &self,
        mailbox_id: &str,
        after: i64,
        limit: u32,
        max_bytes: usize,
    ) -> impl Future<Output = Result<(Vec<EnvelopeRow>, bool), StoreError>> + Send;

    /// Deletes the listed envelopes, leaving a tombstone (no payload, acked at `now`) for each,
    /// in one transaction; returns how many existed. Tombstones do not count in the quota.
    fn ack_envelopes(
        &self,
        mailbox_id: &str,
        ids: Vec<String>,
        now: i64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Drops envelopes and tombstones received before `cutoff`, and nonces expired before `now`.
    fn sweep(
        &self,
        now: i64,
        cutoff: i64,
    ) -> impl Future<Output = Result<SweepStats, StoreError>> + Send;

    /// Counts for `/metrics` (read periodically, never per scrape).
    fn totals(&self) -> impl Future<Output = Result<Totals, StoreError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_capability_cannot_take_the_room_of_another() {
        let q = Quota {
            max_envelopes: 10,
            max_bytes: 1000,
            capability_max_envelopes: 8,
            capability_max_bytes: 800,
            reserved_envelopes: 2,
            reserved_bytes: 100,
        };
        let used = |envelopes, bytes| Usage { envelopes, bytes };
        assert!(q.admits(used(0, 0), used(0, 0), 10));
        // The capability's own quota, whatever room the mailbox has.
        assert!(!q.admits(used(8, 80), used(8, 80), 10));
        assert!(!q.admits(used(1, 795), used(1, 795), 10));
        // A full mailbox still takes a post from a capability within its reserve...
        assert!(q.admits(used(10, 900), used(0, 0), 50));
        assert!(q.admits(used(11, 950), used(1, 50), 50));
        // ...but not beyond the reserve, nor a reserve's worth from the flooding one.
        assert!(!q.admits(used(12, 1000), used(2, 100), 1));
        assert!(!q.admits(used(10, 900), used(0, 0), 101));
        assert!(!q.admits(used(10, 900), used(8, 800), 1));
        assert!(!q.admits(used(i64::MAX, i64::MAX), used(0, 0), i64::MAX));
    }
}
