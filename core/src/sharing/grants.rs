//! The peer's grants at rest: the signed terms sealed (they name people, tags and a purpose),
//! with id, connection, times and revocation in plaintext columns for queries, and those
//! columns' values sealed again as the row's state (`state_seal`), so a grant whose revocation
//! or expiry was edited on disk without the vault's key is seen: it counts as revoked, never as
//! active, and `check_integrity` reports it. Giving and revoking write their audit record in the
//! same transaction, after checking the store's integrity.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::audit::{self, AuditEvent};
use crate::codec::hex;
use crate::consent::{
    ConsentError, Grant, GrantRequest, GrantState, GrantTerms, Party, Scope, SignedGrant,
};
use crate::crypto::hazmat::derive_sha256;
use crate::sharing::pairing::{Role, record_aad};
use crate::sharing::sealer::{SealError, Sealer};
use crate::sharing::store::StoreError;
use crate::sharing::{SharingError, SharingStore};

/// A grant row's plaintext state, as sealed in `state_seal`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct GrantRow {
    pub id: String,
    pub connection_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub expiry_logged: bool,
}

/// What the seal of a row's state says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RowSeal {
    /// The columns are what Lantern wrote.
    Intact,
    /// The columns were edited; the sealed state (if it opened) is what Lantern wrote.
    Tampered(Option<GrantRow>),
}

impl GrantRow {
    fn aad(id: &str) -> Vec<u8> {
        record_aad("grant-state", id)
    }

    pub(crate) fn seal(&self, sealer: &dyn Sealer) -> Result<Vec<u8>, SealError> {
        // Strings, integers and a boolean: serialising cannot fail.
        let bytes = serde_json::to_vec(self).map_err(|_| SealError::Damaged)?;
        sealer.seal(&Self::aad(&self.id), &bytes)
    }

    /// Compares the columns with their sealed copy (a missing seal counts as tampered).
    pub(crate) fn check(
        &self,
        sealer: &dyn Sealer,
        seal: Option<&[u8]>,
    ) -> Result<RowSeal, StoreError> {
        let Some(seal) = seal else {
            return Ok(RowSeal::Tampered(None));
        };
        let sealed = match sealer.open(&Self::aad(&self.id), seal) {
            Ok(bytes) => serde_json::from_slice::<GrantRow>(&bytes).ok(),
            Err(SealError::Locked) => return Err(StoreError::Locked),
            Err(SealError::Damaged) => None,
        };
        Ok(match sealed {
            Some(s) if s == *self => RowSeal::Intact,
            other => RowSeal::Tampered(other),
        })
    }
}

/// A grant row as stored: its plaintext state, the seal of that state, the sealed terms.
pub(crate) struct StoredGrant {
    pub row: GrantRow,
    pub state_seal: Option<Vec<u8>>,
    pub sealed: Vec<u8>,
}

/// Every grant row with its state seal, oldest first.
pub(crate) fn grant_rows(db: &Connection) -> Result<Vec<StoredGrant>, StoreError> {
    let mut stmt = db.prepare(
        "SELECT id, connection_id, created_at, expires_at, revoked_at, expiry_logged,
                state_seal, sealed
         FROM grants ORDER BY created_at, id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(StoredGrant {
                row: GrantRow {
                    id: r.get(0)?,
                    connection_id: r.get(1)?,
                    created_at: r.get(2)?,
                    expires_at: r.get(3)?,
                    revoked_at: r.get(4)?,
                    expiry_logged: r.get::<_, i64>(5)? != 0,
                },
                state_seal: r.get(6)?,
                sealed: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Grant ids the audit log records as revoked, with when. Read without verifying the chain:
/// it only ever makes a grant count as revoked, which is the safe direction.
fn revoked_in_log(db: &Connection) -> Result<Vec<(String, i64)>, StoreError> {
    let mut stmt = db.prepare(
        "SELECT at, event FROM audit_log WHERE event LIKE '{\"event\":\"grant-revoked\"%'",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(at, json)| match serde_json::from_str(&json) {
            Ok(AuditEvent::GrantRevoked { grant_id, .. }) => Some((grant_id, at)),
            _ => None,
        })
        .collect())
}

impl SharingStore {
    /// Peer: gives a new grant to a connection where this installation is the peer.
    pub fn grant(
        &mut self,
        connection_id: &str,
        scopes: Vec<Scope>,
        purpose: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<Grant, SharingError> {
        let conn = self
            .connection(connection_id)?
            .ok_or(SharingError::NoSuchConnection)?;
        if conn.role != Role::Peer {
            return Err(SharingError::NotTheSharingSide);
        }
        self.check_integrity()?;
        let me = self.identity()?;
        let (terms, signed) = crate::consent::make_grant(
            GrantRequest {
                connection_id: conn.id.clone(),
                discloser_name: conn.my_name.clone(),
                recipient: Party {
                    name: conn.their_name.clone(),
                    signing_key: conn.their_keys.signing,
                },
                scopes,
                purpose: purpose.to_string(),
                expires_at,
            },
            &me.signing,
            now,
        )?;
        // Two base64 strings: serialising cannot fail.
        let bytes = serde_json::to_vec(&signed).map_err(|_| StoreError::Corrupt("grant"))?;
        let state = GrantRow {
            id: terms.id.clone(),
            connection_id: terms.connection_id.clone(),
            created_at: terms.created_at,
            expires_at: terms.expires_at,
            revoked_at: None,
            expiry_logged: false,
        };
        let tx = self.db.transaction()?;
        tx.execute(
            "INSERT INTO grants (id, connection_id, created_at, expires_at, sealed, state_seal)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                terms.id,
                terms.connection_id,
                terms.created_at,
                terms.expires_at,
                self.sealer.seal(&record_aad("grant", &terms.id), &bytes)?,
                state.seal(self.sealer.as_ref())?
            ],
        )
        .map_err(StoreError::from)?;
        audit::append(
            &tx,
            now,
            &AuditEvent::GrantCreated {
                grant_id: terms.id.clone(),
                connection_id: terms.connection_id.clone(),
                expires_at: terms.expires_at,
                terms_sha256: hex(&derive_sha256(&signed.terms)),
            },
        )?;
        audit::checkpoint(&tx, self.sealer.as_ref())?;
        tx.commit().map_err(StoreError::from)?;
        self.raise_mark()?;
        Ok(Grant {
            terms,
            signed,
            revoked_at: None,
        })
    }

    /// Every grant this installation gave, oldest first. A grant whose state on disk does not
    /// match its sealed copy, or that the audit log records as revoked, counts as revoked (the
    /// tamper itself is reported by [`SharingStore::check_integrity`]).
    pub fn grants(&self) -> Result<Vec<Grant>, SharingError> {
        self.upgrade_integrity()?;
        let revoked_in_log = revoked_in_log(&self.db)?;
        let mut out = Vec::new();
        for StoredGrant {
            row,
            state_seal,
            sealed,
        } in grant_rows(&self.db)?
        {
            let id = &row.id;
            let bytes = self
                .sealer
                .open(&record_aad("grant", id), &sealed)
                .map_err(|e| e.or_corrupt("grant"))?;
            let signed: SignedGrant =
                serde_json::from_slice(&bytes).map_err(|_| StoreError::Corrupt("grant"))?;
            let terms: GrantTerms =
                serde_json::from_slice(&signed.terms).map_err(|_| StoreError::Corrupt("grant"))?;
            if terms.id != *id {
                return Err(StoreError::Corrupt("grant").into());
            }
            let mut revoked_at = match row.check(self.sealer.as_ref(), state_seal.as_deref())? {
                RowSeal::Intact => row.revoked_at,
                // Fail closed: what Lantern sealed if it says revoked, else revoked since it
                // was given.
                RowSeal::Tampered(sealed) => Some(
                    sealed
                        .and_then(|s| s.revoked_at)
                        .or(row.revoked_at)
                        .unwrap_or(terms.created_at),
                ),
            };
            if let Some((_, at)) = revoked_in_log.iter().find(|(g, _)| g == id) {
                revoked_at = revoked_at.or(Some(*at));
            }
            out.push(Grant {
                terms,
                signed,
                revoked_at,
            });
        }
        Ok(out)
    }

    /// Peer: revokes a grant now. Revoking an already revoked grant changes nothing.
    pub fn revoke(&mut self, grant_id: &str, now: i64) -> Result<(), SharingError> {
        self.check_integrity()?;
        let grant = self
            .grants()?
            .into_iter()
            .find(|g| g.terms.id == grant_id)
            .ok_or(ConsentError::NotFound)?;
        if grant.state(now) == GrantState::Revoked {
            return Ok(());
        }
        let expiry_logged = grant_rows(&self.db)?
            .into_iter()
            .any(|g| g.row.id == grant_id && g.row.expiry_logged);
        let state = GrantRow {
            id: grant.terms.id.clone(),
            connection_id: grant.terms.connection_id.clone(),
            created_at: grant.terms.created_at,
            expires_at: grant.terms.expires_at,
            revoked_at: Some(now),
            expiry_logged,
        };
        let tx = self.db.transaction().map_err(StoreError::from)?;
        tx.execute(
            "UPDATE grants SET revoked_at = ?2, state_seal = ?3
             WHERE id = ?1 AND revoked_at IS NULL",
            params![grant_id, now, state.seal(self.sealer.as_ref())?],
        )
        .map_err(StoreError::from)?;
        audit::append(
            &tx,
            now,
            &AuditEvent::GrantRevoked {
                grant_id: grant_id.to_string(),
                connection_id: grant.terms.connection_id.clone(),
            },
        )?;
        audit::checkpoint(&tx, self.sealer.as_ref())?;
        tx.commit().map_err(StoreError::from)?;
        self.raise_mark()?;
        Ok(())
    }

    /// Writes a `GrantExpired` audit record for each grant that has expired by `now` and was
    /// not yet noted. Called in the sync's transaction.
    pub(crate) fn log_expiries(
        tx: &rusqlite::Transaction<'_>,
        sealer: &dyn Sealer,
        grants: &[Grant],
        now: i64,
    ) -> Result<(), StoreError> {
        for g in grants
            .iter()
            .filter(|g| g.state(now) == GrantState::Expired)
        {
            let state = GrantRow {
                id: g.terms.id.clone(),
                connection_id: g.terms.connection_id.clone(),
                created_at: g.terms.created_at,
                expires_at: g.terms.expires_at,
                revoked_at: g.revoked_at,
                expiry_logged: true,
            };
            let changed = tx.execute(
                "UPDATE grants SET expiry_logged = 1, state_seal = ?2
                 WHERE id = ?1 AND expiry_logged = 0",
                params![g.terms.id, state.seal(sealer)?],
            )?;
            if changed == 1 {
                audit::append(
                    tx,
                    now,
                    &AuditEvent::GrantExpired {
                        grant_id: g.terms.id.clone(),
                        connection_id: g.terms.connection_id.clone(),
                    },
                )?;
            }
        }
        Ok(())
    }
}
