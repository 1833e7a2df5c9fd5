//! The peer's disclosure audit log: every grant, revocation, expiry, disclosure, withdrawal and
//! dropped envelope, append-only and hash-chained (each record hashes the one before), so a
//! changed, removed or reordered record fails [`verify`]. A sealed checkpoint of the newest
//! record also catches a log cut short at the end.
//!
//! Records are reference-only: item keys (opaque ids), versions, grant and envelope ids, times.
//! They never hold journal text, tags, names or purposes, so the log can sit in plaintext and be
//! exported and checked by anyone; the grant terms it refers to are stored sealed elsewhere.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::SharingStore;
use super::sealer::Sealer;
use super::store::{StoreError, meta_get, meta_put};
use crate::codec::hex;
use crate::crypto::hazmat::{constant_time_eq, derive_sha256};

impl SharingStore {
    /// Verifies the audit log's hash chain and checkpoint; returns how many records it holds.
    pub fn verify_audit(&self) -> Result<usize, AuditError> {
        verify(&self.db, self.sealer.as_ref())
    }

    /// The audit log, oldest first.
    pub fn audit_records(&self) -> Result<Vec<AuditRecord>, StoreError> {
        records(&self.db)
    }

    /// The audit log as JSON.
    pub fn export_audit(&self) -> Result<String, StoreError> {
        export_json(&self.db)
    }
}

const CHAIN_CONTEXT: &[u8] = b"lantern-audit-v1\n";
const HEAD_KEY: &str = "audit_head";
/// Version of the exported JSON document.
pub const EXPORT_FORMAT: u32 = 1;

/// One thing that happened to consent or disclosure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum AuditEvent {
    /// A grant was given (its signed terms hash to `terms_sha256`).
    GrantCreated {
        grant_id: String,
        connection_id: String,
        expires_at: i64,
        terms_sha256: String,
    },
    /// The peer revoked a grant.
    GrantRevoked {
        grant_id: String,
        connection_id: String,
    },
    /// A grant reached its expiry (noted at the first sync after).
    GrantExpired {
        grant_id: String,
        connection_id: String,
    },
    /// An item version was sealed for the recipient under a grant, in an envelope.
    Disclosed {
        connection_id: String,
        grant_id: String,
        item: String,
        version: u64,
        envelope_id: String,
    },
    /// A tombstone told the recipient to delete an item it held.
    Withdrawn {
        connection_id: String,
        item: String,
        version: u64,
        envelope_id: String,
    },
    /// A queued envelope lost its consent before it was sent and was dropped unsent.
    Dropped {
        connection_id: String,
        envelope_id: String,
    },
}

/// One record of the log as stored and exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: i64,
    pub event: AuditEvent,
    /// Hex SHA-256 of the previous record (all zeros for the first).
    pub prev_hash: String,
    /// Hex SHA-256 over this record's fields and `prev_hash`.
    pub hash: String,
}

/// The exported log: readable JSON that anyone can re-verify with [`verify_records`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditExport {
    pub format: u32,
    pub records: Vec<AuditRecord>,
}

/// Where verification failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    #[error("audit record {seq} was changed, removed or reordered")]
    Broken { seq: i64 },
    #[error("the audit log was cut short after record {seq}")]
    Truncated { seq: i64 },
    #[error("audit log storage: {0}")]
    Store(String),
}

fn chain_hash(seq: i64, at: i64, event_json: &str, prev: &[u8; 32]) -> [u8; 32] {
    let mut m = CHAIN_CONTEXT.to_vec();
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(&at.to_be_bytes());
    m.extend_from_slice(&(event_json.len() as u64).to_be_bytes());
    m.extend_from_slice(event_json.as_bytes());
    m.extend_from_slice(prev);
    derive_sha256(&m)
}

/// Appends `event` at time `at`. Call inside the transaction that does what it records, so the
/// log and the deed commit together.
pub fn append(
    conn: &Connection,
    sealer: &dyn Sealer,
    at: i64,
    event: &AuditEvent,
) -> Result<i64, StoreError> {
    let last: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => (
            s + 1,
            <[u8; 32]>::try_from(h.as_slice()).map_err(|_| StoreError::Corrupt("audit log"))?,
        ),
        None => (1, [0u8; 32]),
    };
    let json = serde_json::to_string(event).expect("audit events serialize");
    let hash = chain_hash(seq, at, &json, &prev);
    conn.execute(
        "INSERT INTO audit_log (seq, at, event, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![seq, at, json, prev.as_slice(), hash.as_slice()],
    )?;
    let mut head = seq.to_be_bytes().to_vec();
    head.extend_from_slice(&hash);
    meta_put(conn, HEAD_KEY, &sealer.seal(HEAD_KEY.as_bytes(), &head)?)?;
    Ok(seq)
}

/// Every record, oldest first, as stored (unverified; call [`verify`] to check).
pub fn records(conn: &Connection) -> Result<Vec<AuditRecord>, StoreError> {
    let mut stmt =
        conn.prepare("SELECT seq, at, event, prev_hash, hash FROM audit_log ORDER BY seq")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Vec<u8>>(3)?,
            r.get::<_, Vec<u8>>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, at, json, prev, hash) = row?;
        let event: AuditEvent =
            serde_json::from_str(&json).map_err(|_| StoreError::Corrupt("audit record"))?;
        out.push(AuditRecord {
            seq,
            at,
            event,
            prev_hash: hex(&prev),
            hash: hex(&hash),
        });
    }
    Ok(out)
}

/// Checks a list of records (for example an export): sequence numbers 1, 2, 3...; each
/// `prev_hash` is the hash before it; each `hash` matches its fields. Returns the last hash.
pub fn verify_records(records: &[AuditRecord]) -> Result<[u8; 32], AuditError> {
    let mut prev = [0u8; 32];
    for (i, r) in records.iter().enumerate() {
        let broken = AuditError::Broken { seq: r.seq };
        if r.seq != i as i64 + 1 || r.prev_hash != hex(&prev) {
            return Err(broken);
        }
        let json = serde_json::to_string(&r.event).map_err(|_| broken.clone())?;
        let h = chain_hash(r.seq, r.at, &json, &prev);
        if !constant_time_eq(hex(&h).as_bytes(), r.hash.as_bytes()) {
            return Err(broken);
        }
        prev = h;
    }
    Ok(prev)
}

/// Verifies the stored log: the chain over raw stored bytes, then the sealed checkpoint of the
/// newest record (so deleting records at the end is caught too). Returns how many records.
pub fn verify(conn: &Connection, sealer: &dyn Sealer) -> Result<usize, AuditError> {
    let store = |e: StoreError| AuditError::Store(e.to_string());
    // Re-hash the stored JSON text byte for byte (a parsed-and-reserialized copy could hide a
    // change that serde normalises away).
    let mut stmt = conn
        .prepare("SELECT seq, at, event, prev_hash, hash FROM audit_log ORDER BY seq")
        .map_err(|e| store(e.into()))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Vec<u8>>(3)?,
                r.get::<_, Vec<u8>>(4)?,
            ))
        })
        .map_err(|e| store(e.into()))?;
    let mut prev = [0u8; 32];
    let mut count: i64 = 0;
    for row in rows {
        let (seq, at, json, stored_prev, stored_hash) = row.map_err(|e| store(e.into()))?;
        let broken = AuditError::Broken { seq };
        if seq != count + 1 || !constant_time_eq(&stored_prev, &prev) {
            return Err(broken);
        }
        if serde_json::from_str::<AuditEvent>(&json).is_err() {
            return Err(broken);
        }
        let h = chain_hash(seq, at, &json, &prev);
        if !constant_time_eq(&h, &stored_hash) {
            return Err(broken);
        }
        prev = h;
        count = seq;
    }
    let head = meta_get(conn, HEAD_KEY).map_err(store)?;
    match head {
        None if count == 0 => Ok(0),
        None => Err(AuditError::Broken { seq: count }),
        Some(sealed) => {
            let head = sealer
                .open(HEAD_KEY.as_bytes(), &sealed)
                .map_err(|e| match e {
                    crate::sharing::sealer::SealError::Locked => AuditError::Store("locked".into()),
                    crate::sharing::sealer::SealError::Damaged => AuditError::Broken { seq: count },
                })?;
            let mut expect = count.to_be_bytes().to_vec();
            expect.extend_from_slice(&prev);
            if constant_time_eq(&head, &expect) {
                Ok(count as usize)
            } else {
                Err(AuditError::Truncated { seq: count })
            }
        }
    }
}

/// The whole log as pretty JSON for the peer to keep or hand on.
pub fn export_json(conn: &Connection) -> Result<String, StoreError> {
    let doc = AuditExport {
        format: EXPORT_FORMAT,
        records: records(conn)?,
    };
    Ok(serde_json::to_string_pretty(&doc).expect("audit export serializes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hazmat::make_key;
    use crate::sharing::sealer::KeySealer;
    use crate::sharing::store::open_in_memory;

    fn disclosed(n: u64) -> AuditEvent {
        AuditEvent::Disclosed {
            connection_id: "c1".into(),
            grant_id: "g1".into(),
            item: format!("entry:e{n}"),
            version: n,
            envelope_id: format!("env{n}"),
        }
    }

    fn log_of(n: u64) -> (Connection, KeySealer) {
        let conn = open_in_memory().expect("opens");
        let sealer = KeySealer::new(make_key());
        for i in 1..=n {
            append(&conn, &sealer, 1000 + i as i64, &disclosed(i)).expect("appends");
        }
        (conn, sealer)
    }

    #[test]
    fn an_untouched_log_verifies_and_exports() {
        let (conn, sealer) = log_of(5);
        assert_eq!(verify(&conn, &sealer), Ok(5));
        let json = export_json(&conn).expect("exports");
        let doc: AuditExport = serde_json::from_str(&json).expect("parses");
        assert_eq!(doc.records.len(), 5);
        assert!(verify_records(&doc.records).is_ok());
        assert_eq!(doc.records[2].event, disclosed(3));
        let (empty, s) = log_of(0);
        assert_eq!(verify(&empty, &s), Ok(0));
    }

    #[test]
    fn a_changed_record_fails() {
        let (conn, sealer) = log_of(5);
        conn.execute(
            "UPDATE audit_log SET event = replace(event, 'entry:e3', 'entry:e4') WHERE seq = 3",
            [],
        )
        .expect("tamper");
        assert_eq!(verify(&conn, &sealer), Err(AuditError::Broken { seq: 3 }));
        let (conn, sealer) = log_of(5);
        conn.execute("UPDATE audit_log SET at = at + 1 WHERE seq = 2", [])
            .expect("tamper");
        assert_eq!(verify(&conn, &sealer), Err(AuditError::Broken { seq: 2 }));
    }

    #[test]
    fn a_removed_or_reordered_record_fails() {
        let (conn, sealer) = log_of(5);
        conn.execute("DELETE FROM audit_log WHERE seq = 2", [])
            .expect("delete");
        assert_eq!(verify(&conn, &sealer), Err(AuditError::Broken { seq: 3 }));

        let (conn, sealer) = log_of(5);
        // Swap the contents of records 2 and 3 (keeping seq order).
        conn.execute_batch(
            "UPDATE audit_log SET seq = -2 WHERE seq = 2;
             UPDATE audit_log SET seq = 2 WHERE seq = 3;
             UPDATE audit_log SET seq = 3 WHERE seq = -2;",
        )
        .expect("swap");
        assert!(matches!(
            verify(&conn, &sealer),
            Err(AuditError::Broken { .. })
        ));

        let (conn, sealer) = log_of(5);
        conn.execute("DELETE FROM audit_log WHERE seq = 5", [])
            .expect("cut the tail");
        assert_eq!(
            verify(&conn, &sealer),
            Err(AuditError::Truncated { seq: 4 })
        );
    }

    #[test]
    fn an_edited_export_fails() {
        let (conn, _) = log_of(3);
        let mut doc: AuditExport =
            serde_json::from_str(&export_json(&conn).expect("exports")).expect("parses");
        doc.records[1].at += 60;
        assert_eq!(
            verify_records(&doc.records),
            Err(AuditError::Broken { seq: 2 })
        );
        let mut doc2: AuditExport =
            serde_json::from_str(&export_json(&conn).expect("exports")).expect("parses");
        doc2.records.remove(0);
        assert!(verify_records(&doc2.records).is_err());
    }
}
