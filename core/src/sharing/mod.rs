//! Consent-gated, end-to-end encrypted sync from a peer to their supporters.
//!
//! Sans-I/O core: `pairing` (identity, invites, connections, safety numbers), `outbox` (the
//! peer's side: what to send, decided only through [`crate::consent::decide`], sealed into
//! envelopes), `inbox` (the supporter's side: verify, check against the grants, store sealed,
//! delete on revocation or expiry). `engine` moves envelopes through the relay client.
//! Nothing here ever writes journal text, names or keys to disk unsealed, or logs them.

pub mod audit;
pub mod engine;
pub mod envelope;
pub mod grants;
pub mod identity;
pub mod inbox;
pub mod outbox;
pub mod pairing;
pub mod relay_client;
pub mod sealer;
pub mod sources;
pub mod store;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::Arc;

use rusqlite::Connection;

use crate::consent::ItemMeta;
use sealer::Sealer;
use store::StoreError;

/// One item the peer could share: what the consent decision looks at, and the content that
/// travels (JSON text) if a grant covers it.
#[derive(Clone, PartialEq, Eq)]
pub struct ShareableItem {
    pub meta: ItemMeta,
    pub body: String,
}

impl std::fmt::Debug for ShareableItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShareableItem")
            .field("kind", &self.meta.kind)
            .finish_non_exhaustive()
    }
}

/// The sharing database of one installation with the sealer that protects it.
pub struct SharingStore {
    pub(crate) db: Connection,
    pub(crate) sealer: Arc<dyn Sealer>,
}

impl std::fmt::Debug for SharingStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharingStore").finish_non_exhaustive()
    }
}

impl SharingStore {
    /// Opens the sharing database in `data_dir`, sealing private records with `sealer`.
    pub fn open(data_dir: &Path, sealer: Arc<dyn Sealer>) -> Result<Self, crate::LanternError> {
        Ok(SharingStore {
            db: store::open(data_dir)?,
            sealer,
        })
    }

    /// Verifies the audit log's hash chain and checkpoint; returns how many records it holds.
    pub fn verify_audit(&self) -> Result<usize, audit::AuditError> {
        audit::verify(&self.db, self.sealer.as_ref())
    }

    /// The audit log, oldest first.
    pub fn audit_records(&self) -> Result<Vec<audit::AuditRecord>, StoreError> {
        audit::records(&self.db)
    }

    /// The audit log as JSON.
    pub fn export_audit(&self) -> Result<String, StoreError> {
        audit::export_json(&self.db)
    }
}

/// Seconds since the Unix epoch, from the system clock.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
