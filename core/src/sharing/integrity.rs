//! Tamper resistance of `sharing.db` against someone who can write the data files but does not
//! hold the passphrase: the one-time upgrade of stores written before it, the full check that
//! runs before anything is granted, revoked or disclosed, and the rollback mark.
//!
//! What is checked (see `docs/sync.md`, "Tamper resistance"): the audit log's chain, its
//! sealed checkpoint signed with the identity key, the vault's rollback mark in `private.db`
//! (the log may not be older than the mark), every grant row against its sealed state, and
//! grant rows against the log (each grant was created in the log; revoked and expiry-noted in
//! the table exactly when the log says so). Any failure is an [`AuditError`]: typed, and
//! naming no user data.

use super::audit::{self, AuditError, Checkpoints, Head};
use super::grants::{RowSeal, StoredGrant, grant_rows};
use super::store::{StoreError, meta_get, meta_put};
use super::{SharingError, SharingStore};
use crate::consent::Grant;

/// `meta` key recording that the store's integrity data is in the current format.
const FORMAT_KEY: &str = "integrity_format";
const FORMAT: &[u8] = b"2";

impl SharingStore {
    /// Brings a store written before grant states were sealed and the audit head signed up to
    /// date, once, on first use with the vault unlocked: the log must verify as earlier
    /// versions wrote it (so nothing tampered with is blessed), the vault's mark is set to its
    /// head first, then every grant's state is sealed and the checkpoint re-written signed.
    pub(crate) fn upgrade_integrity(&self) -> Result<(), SharingError> {
        if meta_get(&self.db, FORMAT_KEY)?.as_deref() == Some(FORMAT) {
            return Ok(());
        }
        let sealer = self.sealer.as_ref();
        let log = audit::verify(&self.db, sealer, Checkpoints::AlsoUnsigned)?;
        // Only a store written before the upgrade is upgraded: a signed checkpoint or a sealed
        // grant state means it was upgraded already and the note saying so was removed (to
        // have edited grant rows sealed as they are now).
        let rows = grant_rows(&self.db)?;
        if log.signed || rows.iter().any(|g| g.state_seal.is_some()) {
            return Err(AuditError::Downgraded.into());
        }
        // Creates the identity of a new store (needed to sign).
        self.identity()?;
        // The mark first: a crash before the commit below leaves the old store with a mark
        // equal to its head, which the next attempt accepts.
        audit::write_mark(sealer, log.head).map_err(StoreError::from)?;
        let tx = self.db.unchecked_transaction()?;
        for row in rows.into_iter().map(|g| g.row) {
            tx.execute(
                "UPDATE grants SET state_seal = ?2 WHERE id = ?1",
                rusqlite::params![row.id, row.seal(sealer)?],
            )?;
        }
        if log.head.seq > 0 {
            audit::write_checkpoint(&tx, sealer, log.head)?;
        }
        meta_put(&tx, FORMAT_KEY, FORMAT)?;
        tx.commit()?;
        Ok(())
    }

    /// Checks everything an attacker with write access to the files could change (see the
    /// module's comment) and moves the vault's mark up to the log's head. Returns how many
    /// audit records the log holds.
    pub fn check_integrity(&self) -> Result<usize, SharingError> {
        self.upgrade_integrity()?;
        let sealer = self.sealer.as_ref();
        let log = audit::verify(&self.db, sealer, Checkpoints::SignedOnly)?;
        let rows = grant_rows(&self.db)?;
        let h = &log.grants;
        for StoredGrant {
            row, state_seal, ..
        } in &rows
        {
            let intact = row.check(sealer, state_seal.as_deref())? == RowSeal::Intact;
            if !intact
                || !h.created.contains(&row.id)
                || row.revoked_at.is_some() != h.revoked.contains_key(&row.id)
                || row.expiry_logged != h.expired.contains(&row.id)
            {
                return Err(AuditError::GrantTampered.into());
            }
        }
        // A grant the log created must still be there (an empty table beside a log that gave
        // grants, or the reverse, is tampering too).
        if h.created.len() != rows.len() {
            return Err(AuditError::GrantTampered.into());
        }
        audit::raise_mark(sealer, &log).map_err(StoreError::from)?;
        Ok(log.head.seq as usize)
    }

    /// The grants, after [`SharingStore::check_integrity`] passed: what every disclosure
    /// decision is made on.
    pub(crate) fn verified_grants(&self) -> Result<Vec<Grant>, SharingError> {
        self.check_integrity()?;
        self.grants()
    }

    /// After a transaction that appended to the audit log commits: moves the vault's rollback
    /// mark up to the new head, so restoring the database as it was before is detected.
    pub(crate) fn raise_mark(&self) -> Result<(), SharingError> {
        let last: Option<(i64, Vec<u8>)> =
            rusqlite::OptionalExtension::optional(self.db.query_row(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            ))?;
        let Some((seq, hash)) = last else {
            return Ok(());
        };
        let hash: [u8; 32] = hash
            .try_into()
            .map_err(|_| StoreError::Corrupt("audit log"))?;
        audit::write_mark(self.sealer.as_ref(), Head { seq, hash }).map_err(StoreError::from)?;
        Ok(())
    }
}
