//! The peer's grants at rest: the signed terms sealed (they name people, tags and a purpose),
//! with id, connection, times and revocation in plaintext columns for queries. Giving and
//! revoking write their audit record in the same transaction.

use rusqlite::params;

use super::audit::{self, AuditEvent};
use crate::codec::hex;
use crate::consent::{
    ConsentError, Grant, GrantRequest, GrantState, GrantTerms, Party, Scope, SignedGrant,
};
use crate::crypto::hazmat::derive_sha256;
use crate::sharing::pairing::{Role, record_aad};
use crate::sharing::store::StoreError;
use crate::sharing::{SharingError, SharingStore};

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
        let tx = self.db.transaction()?;
        tx.execute(
            "INSERT INTO grants (id, connection_id, created_at, expires_at, sealed)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                terms.id,
                terms.connection_id,
                terms.created_at,
                terms.expires_at,
                self.sealer.seal(&record_aad("grant", &terms.id), &bytes)?
            ],
        )
        .map_err(StoreError::from)?;
        audit::append(
            &tx,
            self.sealer.as_ref(),
            now,
            &AuditEvent::GrantCreated {
                grant_id: terms.id.clone(),
                connection_id: terms.connection_id.clone(),
                expires_at: terms.expires_at,
                terms_sha256: hex(&derive_sha256(&signed.terms)),
            },
        )?;
        tx.commit().map_err(StoreError::from)?;
        Ok(Grant {
            terms,
            signed,
            revoked_at: None,
        })
    }

    /// Every grant this installation gave, oldest first.
    pub fn grants(&self) -> Result<Vec<Grant>, StoreError> {
        let mut stmt = self
            .db
            .prepare("SELECT id, revoked_at, sealed FROM grants ORDER BY created_at, id")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, revoked_at, sealed) in rows {
            let bytes = self
                .sealer
                .open(&record_aad("grant", &id), &sealed)
                .map_err(|e| e.or_corrupt("grant"))?;
            let signed: SignedGrant =
                serde_json::from_slice(&bytes).map_err(|_| StoreError::Corrupt("grant"))?;
            let terms: GrantTerms =
                serde_json::from_slice(&signed.terms).map_err(|_| StoreError::Corrupt("grant"))?;
            if terms.id != id {
                return Err(StoreError::Corrupt("grant"));
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
        let grant = self
            .grants()?
            .into_iter()
            .find(|g| g.terms.id == grant_id)
            .ok_or(ConsentError::NotFound)?;
        if grant.state(now) == GrantState::Revoked {
            return Ok(());
        }
        let tx = self.db.transaction().map_err(StoreError::from)?;
        tx.execute(
            "UPDATE grants SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![grant_id, now],
        )
        .map_err(StoreError::from)?;
        audit::append(
            &tx,
            self.sealer.as_ref(),
            now,
            &AuditEvent::GrantRevoked {
                grant_id: grant_id.to_string(),
                connection_id: grant.terms.connection_id.clone(),
            },
        )?;
        tx.commit().map_err(StoreError::from)?;
        Ok(())
    }

    /// Writes a `GrantExpired` audit record for each grant that has expired by `now` and was
    /// not yet noted. Called in the sync's transaction.
    pub(crate) fn log_expiries(
        tx: &rusqlite::Transaction<'_>,
        sealer: &dyn crate::sharing::sealer::Sealer,
        grants: &[Grant],
        now: i64,
    ) -> Result<(), StoreError> {
        for g in grants
            .iter()
            .filter(|g| g.state(now) == GrantState::Expired)
        {
            let changed = tx.execute(
                "UPDATE grants SET expiry_logged = 1 WHERE id = ?1 AND expiry_logged = 0",
                [&g.terms.id],
            )?;
            if changed == 1 {
                audit::append(
                    tx,
                    sealer,
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
