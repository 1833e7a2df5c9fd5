//! The peer's disclosure audit log: every grant, revocation, expiry, disclosure, withdrawal and
//! dropped envelope, append-only and hash-chained (each record hashes the one before), so a
//! changed, removed or reordered record fails [`verify`].
//!
//! The newest record (the head: its sequence number and hash) is also kept as a checkpoint,
//! signed with this installation's identity key and sealed under the vault's key, so a log cut
//! short at the end, or emptied, fails too; and the vault keeps a copy of the head in
//! `private.db` (the rollback mark, see `sealer`), so restoring an older `sharing.db` with its
//! older checkpoint fails as well. Exports carry the signed head, so anyone holding the peer's
//! public key (their supporter) can check one with [`verify_export`].
//!
//! Records are reference-only: item keys (opaque ids), versions, grant and envelope ids, times.
//! They never hold journal text, tags, names or purposes, so the log can sit in plaintext and be
//! exported and checked by anyone; the grant terms it refers to are stored sealed elsewhere.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::identity::{self, Identity};
use super::sealer::{SealError, Sealer};
use super::store::{StoreError, meta_get, meta_put};
use super::{SharingError, SharingStore};
use crate::codec::{b64, b64_32, hex, unb64_array};
use crate::crypto::hazmat::{
    ED25519_SIGNATURE_LEN, constant_time_eq, derive_sha256, verify_ed25519,
};

impl SharingStore {
    /// Verifies the audit log (chain, signed checkpoint, rollback mark) and the grants against
    /// it (see `integrity`); returns how many records it holds.
    pub fn verify_audit(&self) -> Result<usize, SharingError> {
        self.check_integrity()
    }

    /// The audit log, oldest first (unverified: call [`SharingStore::verify_audit`]).
    pub fn audit_records(&self) -> Result<Vec<AuditRecord>, StoreError> {
        records(&self.db)
    }

    /// The audit log as JSON with its head signed by this installation's identity, after it
    /// verified (a tampered log is never signed).
    pub fn export_audit(&self) -> Result<String, SharingError> {
        self.check_integrity()?;
        Ok(export_json(&self.db, &self.identity()?)?)
    }

    /// Verifies an exported audit log: chain and signature, and that it was signed by the peer
    /// paired on `connection_id` (their key as sealed at pairing), or by this installation when
    /// `None`. Returns how many records it holds.
    pub fn verify_audit_export(
        &self,
        json: &str,
        connection_id: Option<&str>,
    ) -> Result<usize, SharingError> {
        let signer = match connection_id {
            Some(id) => {
                self.connection(id)?
                    .ok_or(SharingError::NoSuchConnection)?
                    .their_keys
                    .signing
            }
            None => self.identity()?.signing.public_key(),
        };
        Ok(verify_export(json, Some(&signer))?.records)
    }
}

const CHAIN_CONTEXT: &[u8] = b"lantern-audit-v1\n";
/// What the identity key signs: the log of this signer holds `seq` records ending in `hash`.
const HEAD_CONTEXT: &[u8] = b"lantern-audit-head-v2\n";
const HEAD_KEY: &str = "audit_head";
/// Sealed checkpoint formats: 1 was `seq || hash` (before signing); 2 is
/// `2 || seq || hash || signature`.
const CHECKPOINT_V2: u8 = 2;
const CHECKPOINT_V1_LEN: usize = 8 + 32;
const CHECKPOINT_V2_LEN: usize = 1 + 8 + 32 + ED25519_SIGNATURE_LEN;
/// Version of the exported JSON document (1 was unsigned and is refused).
pub const EXPORT_FORMAT: u32 = 2;

/// One thing that happened to consent or disclosure. Crosses the FFI as it is: the apps get
/// typed fields (ids, versions, times; never content), nothing to parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
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

impl AuditEvent {
    /// The event's stable name, as in the exported log (`grant-created`, `disclosed`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            AuditEvent::GrantCreated { .. } => "grant-created",
            AuditEvent::GrantRevoked { .. } => "grant-revoked",
            AuditEvent::GrantExpired { .. } => "grant-expired",
            AuditEvent::Disclosed { .. } => "disclosed",
            AuditEvent::Withdrawn { .. } => "withdrawn",
            AuditEvent::Dropped { .. } => "dropped",
        }
    }

    /// The record's references in one line, for the CLI (ids and versions only).
    pub fn references(&self) -> String {
        match self {
            AuditEvent::GrantCreated {
                grant_id,
                connection_id,
                expires_at,
                ..
            } => format!("grant {grant_id} to {connection_id}, expires {expires_at}"),
            AuditEvent::GrantRevoked {
                grant_id,
                connection_id,
            }
            | AuditEvent::GrantExpired {
                grant_id,
                connection_id,
            } => format!("grant {grant_id} to {connection_id}"),
            AuditEvent::Disclosed {
                item,
                version,
                envelope_id,
                ..
            }
            | AuditEvent::Withdrawn {
                item,
                version,
                envelope_id,
                ..
            } => format!("{item} v{version} (envelope {envelope_id})"),
            AuditEvent::Dropped {
                connection_id,
                envelope_id,
            } => format!("envelope {envelope_id} to {connection_id}"),
        }
    }
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

/// The exported log: readable JSON that anyone can re-verify with [`verify_export`]: the
/// records' chain, and the signer's Ed25519 signature over its head.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditExport {
    pub format: u32,
    /// The peer's public signing key (the one their supporter was paired with).
    #[serde(with = "b64_32")]
    pub signer: [u8; 32],
    pub records: Vec<AuditRecord>,
    /// Base64url Ed25519 signature by `signer` over the head (record count and last hash).
    pub signature: String,
}

/// Where verification failed. Messages name sequence numbers, never contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    #[error("audit record {seq} was changed, removed or reordered")]
    Broken { seq: i64 },
    #[error("the audit log was cut short after record {seq}")]
    Truncated { seq: i64 },
    #[error("the audit log's signed head does not verify")]
    BadSignature,
    #[error("the sharing database is older than this device's record of it (rolled back)")]
    RolledBack,
    #[error("grant state was changed outside Lantern or disagrees with the audit log")]
    GrantTampered,
    #[error("the sharing database's tamper-resistance data was removed")]
    Downgraded,
    #[error("not a signed Lantern audit export")]
    NotAnExport,
    #[error("the audit export was signed by someone else")]
    WrongSigner,
    #[error("the vault is locked")]
    Locked,
    #[error("audit log storage: {0}")]
    Store(String),
}

impl From<StoreError> for AuditError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Locked => AuditError::Locked,
            e => AuditError::Store(e.to_string()),
        }
    }
}

impl From<rusqlite::Error> for AuditError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::from(e).into()
    }
}

impl From<SealError> for AuditError {
    fn from(e: SealError) -> Self {
        match e {
            SealError::Locked => AuditError::Locked,
            SealError::Damaged => AuditError::RolledBack,
        }
    }
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

/// The head of a log: how many records, and the hash of the last (zeros when empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: [u8; 32],
}

impl Head {
    fn to_bytes(self) -> Vec<u8> {
        let mut b = self.seq.to_be_bytes().to_vec();
        b.extend_from_slice(&self.hash);
        b
    }

    fn from_bytes(b: &[u8]) -> Option<Head> {
        if b.len() != CHECKPOINT_V1_LEN {
            return None;
        }
        Some(Head {
            seq: i64::from_be_bytes(b[..8].try_into().ok()?),
            hash: b[8..].try_into().ok()?,
        })
    }

    /// What the identity key signs for this head.
    fn signed_message(self, signer: &[u8; 32]) -> Vec<u8> {
        let mut m = HEAD_CONTEXT.to_vec();
        m.extend_from_slice(signer);
        m.extend_from_slice(&self.to_bytes());
        m
    }

    fn sign(self, me: &Identity) -> [u8; ED25519_SIGNATURE_LEN] {
        me.signing
            .sign(&self.signed_message(&me.signing.public_key()))
    }

    fn signature_ok(self, signer: &[u8; 32], signature: &[u8]) -> bool {
        verify_ed25519(signer, &self.signed_message(signer), signature).is_ok()
    }
}

/// Appends `event` at time `at`. Call inside the transaction that does what it records, so the
/// log and the deed commit together; before that transaction commits, call [`checkpoint`]
/// (once, however many records it appended: one signature per transaction), and after it,
/// `SharingStore::raise_mark`.
pub fn append(conn: &Connection, at: i64, event: &AuditEvent) -> Result<i64, StoreError> {
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
    // Tagged enum of strings and integers: serialising cannot fail.
    let json = serde_json::to_string(event).map_err(|_| StoreError::Corrupt("audit record"))?;
    let hash = chain_hash(seq, at, &json, &prev);
    conn.execute(
        "INSERT INTO audit_log (seq, at, event, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![seq, at, json, prev.as_slice(), hash.as_slice()],
    )?;
    Ok(seq)
}

/// Moves the signed, sealed checkpoint to the newest record (nothing for an empty log). Call
/// in every transaction that appended, before it commits: a log ahead of its checkpoint
/// fails [`verify`].
pub fn checkpoint(conn: &Connection, sealer: &dyn Sealer) -> Result<(), StoreError> {
    let last: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((seq, hash)) = last else {
        return Ok(());
    };
    let hash =
        <[u8; 32]>::try_from(hash.as_slice()).map_err(|_| StoreError::Corrupt("audit log"))?;
    write_checkpoint(conn, sealer, Head { seq, hash })
}

/// Seals the checkpoint of `head`, signed with the stored identity.
pub(crate) fn write_checkpoint(
    conn: &Connection,
    sealer: &dyn Sealer,
    head: Head,
) -> Result<(), StoreError> {
    let me = identity::load_stored(conn, sealer)?.ok_or(StoreError::Corrupt("identity"))?;
    let mut cp = vec![CHECKPOINT_V2];
    cp.extend_from_slice(&head.to_bytes());
    cp.extend_from_slice(&head.sign(&me));
    meta_put(conn, HEAD_KEY, &sealer.seal(HEAD_KEY.as_bytes(), &cp)?)
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
/// `prev_hash` is the hash before it; each `hash` matches its fields. Returns the head.
pub fn verify_records(records: &[AuditRecord]) -> Result<Head, AuditError> {
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
    Ok(Head {
        seq: records.len() as i64,
        hash: prev,
    })
}

/// What the grant records of a verified log say, per grant id: when it was revoked, whether
/// it was created and whether its expiry was noted.
#[derive(Debug, Default)]
pub struct GrantHistory {
    pub created: BTreeSet<String>,
    pub revoked: BTreeMap<String, i64>,
    pub expired: BTreeSet<String>,
}

/// A stored log that passed [`verify`].
#[derive(Debug)]
pub struct VerifiedLog {
    pub head: Head,
    pub grants: GrantHistory,
    /// The rollback mark as the vault holds it (`None`: never written).
    pub mark: Option<Head>,
    /// Whether the checkpoint was the signed format (`false`: none, or the earlier unsigned).
    pub signed: bool,
}

/// Which checkpoint formats [`verify`] accepts: an upgraded store only the signed one; the
/// one-time upgrade also the unsigned format earlier versions wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checkpoints {
    SignedOnly,
    AlsoUnsigned,
}

/// Verifies the stored log: the chain over raw stored bytes; the sealed checkpoint of the head
/// (so records deleted at the end, or all of them, are caught), its signature by this
/// installation's identity; and the vault's rollback mark (so an older copy of `sharing.db`
/// with its older checkpoint is caught: the log may be ahead of the mark, after a crash
/// between the two writes, but never behind it or forked from it).
pub fn verify(
    conn: &Connection,
    sealer: &dyn Sealer,
    accept: Checkpoints,
) -> Result<VerifiedLog, AuditError> {
    // Re-hash the stored JSON text byte for byte (a parsed-and-reserialized copy could hide a
    // change that serde normalises away).
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
    let mut prev = [0u8; 32];
    let mut count: i64 = 0;
    let mut grants = GrantHistory::default();
    for row in rows {
        let (seq, at, json, stored_prev, stored_hash) = row?;
        let broken = AuditError::Broken { seq };
        if seq != count + 1 || !constant_time_eq(&stored_prev, &prev) {
            return Err(broken);
        }
        let event = serde_json::from_str::<AuditEvent>(&json).map_err(|_| broken.clone())?;
        let h = chain_hash(seq, at, &json, &prev);
        if !constant_time_eq(&h, &stored_hash) {
            return Err(broken);
        }
        match event {
            AuditEvent::GrantCreated { grant_id, .. } => {
                grants.created.insert(grant_id);
            }
            AuditEvent::GrantRevoked { grant_id, .. } => {
                grants.revoked.insert(grant_id, at);
            }
            AuditEvent::GrantExpired { grant_id, .. } => {
                grants.expired.insert(grant_id);
            }
            _ => {}
        }
        prev = h;
        count = seq;
    }
    let head = Head {
        seq: count,
        hash: prev,
    };
    let signed = check_checkpoint(conn, sealer, head, accept)?;
    let mark = match sealer.read_mark()? {
        None => None,
        Some(bytes) => Some(Head::from_bytes(&bytes).ok_or(AuditError::RolledBack)?),
    };
    match mark {
        // Upgraded stores always have a mark (written before the upgrade commits).
        None if accept == Checkpoints::SignedOnly => return Err(AuditError::RolledBack),
        Some(m) if m.seq > head.seq => return Err(AuditError::RolledBack),
        Some(m) if m.seq == head.seq && !constant_time_eq(&m.hash, &head.hash) => {
            return Err(AuditError::RolledBack);
        }
        _ => {}
    }
    Ok(VerifiedLog {
        head,
        grants,
        mark,
        signed,
    })
}

/// Checks the sealed checkpoint against `head`; returns whether it was the signed format.
fn check_checkpoint(
    conn: &Connection,
    sealer: &dyn Sealer,
    head: Head,
    accept: Checkpoints,
) -> Result<bool, AuditError> {
    let Some(sealed) = meta_get(conn, HEAD_KEY)? else {
        // Only an empty log may lack its checkpoint.
        return if head.seq == 0 {
            Ok(false)
        } else {
            Err(AuditError::Broken { seq: head.seq })
        };
    };
    let cp = sealer
        .open(HEAD_KEY.as_bytes(), &sealed)
        .map_err(|e| match e {
            SealError::Locked => AuditError::Locked,
            SealError::Damaged => AuditError::Broken { seq: head.seq },
        })?;
    let (stored, signature) = match (cp.len(), cp.first()) {
        (CHECKPOINT_V2_LEN, Some(&CHECKPOINT_V2)) => (
            Head::from_bytes(&cp[1..1 + CHECKPOINT_V1_LEN]),
            Some(&cp[1 + CHECKPOINT_V1_LEN..]),
        ),
        (CHECKPOINT_V1_LEN, _) if accept == Checkpoints::AlsoUnsigned => {
            (Head::from_bytes(&cp), None)
        }
        _ => (None, None),
    };
    let stored = stored.ok_or(AuditError::Broken { seq: head.seq })?;
    if stored.seq != head.seq || !constant_time_eq(&stored.hash, &head.hash) {
        return Err(AuditError::Truncated { seq: head.seq });
    }
    let Some(signature) = signature else {
        return Ok(false);
    };
    let me = identity::load_stored(conn, sealer)?.ok_or(AuditError::BadSignature)?;
    if !head.signature_ok(&me.signing.public_key(), signature) {
        return Err(AuditError::BadSignature);
    }
    Ok(true)
}

/// Moves the vault's rollback mark up to `head` (never down). Call after the transaction that
/// appended commits: a crash before this leaves the log ahead of the mark, which is accepted.
pub fn raise_mark(sealer: &dyn Sealer, log: &VerifiedLog) -> Result<(), SealError> {
    match log.mark {
        Some(m) if m.seq >= log.head.seq => Ok(()),
        _ => sealer.write_mark(&log.head.to_bytes()),
    }
}

/// Sets the rollback mark to `head` (the one-time upgrade writes it before it commits).
pub(crate) fn write_mark(sealer: &dyn Sealer, head: Head) -> Result<(), SealError> {
    sealer.write_mark(&head.to_bytes())
}

/// The whole log as pretty JSON, with the head signed by `me`, for the peer to keep or hand on.
/// Only a log that verified should be exported (the caller checks first).
pub fn export_json(conn: &Connection, me: &Identity) -> Result<String, StoreError> {
    let records = records(conn)?;
    let head = verify_records(&records).map_err(|_| StoreError::Corrupt("audit log"))?;
    let doc = AuditExport {
        format: EXPORT_FORMAT,
        signer: me.signing.public_key(),
        records,
        signature: b64(&head.sign(me)),
    };
    serde_json::to_string_pretty(&doc).map_err(|_| StoreError::Corrupt("audit log"))
}

/// An export that verified: how many records, and who signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedExport {
    pub records: usize,
    pub signer: [u8; 32],
}

/// Verifies an exported log: its format, its chain, and the signature over its head by the
/// key it names; when `expected_signer` is given, that key must be the one (a supporter passes
/// the peer's key as paired, so a log re-signed by someone else fails).
pub fn verify_export(
    json: &str,
    expected_signer: Option<&[u8; 32]>,
) -> Result<VerifiedExport, AuditError> {
    let doc: AuditExport = serde_json::from_str(json).map_err(|_| AuditError::NotAnExport)?;
    if doc.format != EXPORT_FORMAT {
        return Err(AuditError::NotAnExport);
    }
    let head = verify_records(&doc.records)?;
    let signature: [u8; ED25519_SIGNATURE_LEN] =
        unb64_array(&doc.signature).ok_or(AuditError::BadSignature)?;
    if !head.signature_ok(&doc.signer, &signature) {
        return Err(AuditError::BadSignature);
    }
    if expected_signer.is_some_and(|k| !constant_time_eq(k, &doc.signer)) {
        return Err(AuditError::WrongSigner);
    }
    Ok(VerifiedExport {
        records: doc.records.len(),
        signer: doc.signer,
    })
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

    /// A log of `n` records with an identity to sign its head, and the mark raised to it.
    fn log_of(n: u64) -> (Connection, KeySealer, Identity) {
        let conn = open_in_memory().expect("opens");
        let sealer = KeySealer::new(make_key());
        let me = Identity::make();
        meta_put(
            &conn,
            identity::IDENTITY_KEY,
            &sealer
                .seal(identity::IDENTITY_KEY.as_bytes(), &me.to_secret_bytes())
                .expect("seals"),
        )
        .expect("stores identity");
        write_mark(&sealer, Head::from_bytes(&[0u8; 40]).expect("head")).expect("mark");
        for i in 1..=n {
            append(&conn, 1000 + i as i64, &disclosed(i)).expect("appends");
        }
        checkpoint(&conn, &sealer).expect("checkpoint");
        let log = verify(&conn, &sealer, Checkpoints::SignedOnly).expect("verifies");
        raise_mark(&sealer, &log).expect("raises");
        (conn, sealer, me)
    }

    fn check(conn: &Connection, sealer: &KeySealer) -> Result<i64, AuditError> {
        verify(conn, sealer, Checkpoints::SignedOnly).map(|l| l.head.seq)
    }

    #[test]
    fn an_untouched_log_verifies_and_exports_signed() {
        let (conn, sealer, me) = log_of(5);
        assert_eq!(check(&conn, &sealer), Ok(5));
        let json = export_json(&conn, &me).expect("exports");
        let doc: AuditExport = serde_json::from_str(&json).expect("parses");
        assert_eq!(doc.records.len(), 5);
        assert_eq!(doc.records[2].event, disclosed(3));
        let ok = verify_export(&json, Some(&me.signing.public_key())).expect("verifies");
        assert_eq!(ok.records, 5);
        assert_eq!(ok.signer, me.signing.public_key());
        let (empty, s, _) = log_of(0);
        assert_eq!(check(&empty, &s), Ok(0));
    }

    #[test]
    fn a_changed_record_fails() {
        let (conn, sealer, _) = log_of(5);
        conn.execute(
            "UPDATE audit_log SET event = replace(event, 'entry:e3', 'entry:e4') WHERE seq = 3",
            [],
        )
        .expect("tamper");
        assert_eq!(check(&conn, &sealer), Err(AuditError::Broken { seq: 3 }));
        let (conn, sealer, _) = log_of(5);
        conn.execute("UPDATE audit_log SET at = at + 1 WHERE seq = 2", [])
            .expect("tamper");
        assert_eq!(check(&conn, &sealer), Err(AuditError::Broken { seq: 2 }));
    }

    #[test]
    fn a_removed_or_reordered_record_fails() {
        let (conn, sealer, _) = log_of(5);
        conn.execute("DELETE FROM audit_log WHERE seq = 2", [])
            .expect("delete");
        assert_eq!(check(&conn, &sealer), Err(AuditError::Broken { seq: 3 }));

        let (conn, sealer, _) = log_of(5);
        // Swap the contents of records 2 and 3 (keeping seq order).
        conn.execute_batch(
            "UPDATE audit_log SET seq = -2 WHERE seq = 2;
             UPDATE audit_log SET seq = 2 WHERE seq = 3;
             UPDATE audit_log SET seq = 3 WHERE seq = -2;",
        )
        .expect("swap");
        assert!(matches!(
            check(&conn, &sealer),
            Err(AuditError::Broken { .. })
        ));

        let (conn, sealer, _) = log_of(5);
        conn.execute("DELETE FROM audit_log WHERE seq = 5", [])
            .expect("cut the tail");
        assert_eq!(check(&conn, &sealer), Err(AuditError::Truncated { seq: 4 }));
    }

    #[test]
    fn an_old_checkpoint_with_a_cut_log_is_a_rollback() {
        let (conn, sealer, _) = log_of(3);
        let saved: Vec<u8> = conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [HEAD_KEY], |r| {
                r.get(0)
            })
            .expect("checkpoint");
        for i in 4..=5 {
            append(&conn, 2000 + i, &disclosed(i as u64)).expect("appends");
        }
        checkpoint(&conn, &sealer).expect("checkpoint");
        let log = verify(&conn, &sealer, Checkpoints::SignedOnly).expect("verifies");
        raise_mark(&sealer, &log).expect("raises");
        conn.execute("DELETE FROM audit_log WHERE seq > 3", [])
            .expect("cut");
        meta_put(&conn, HEAD_KEY, &saved).expect("restore");
        assert_eq!(check(&conn, &sealer), Err(AuditError::RolledBack));
        // Emptied altogether, checkpoint and all: still behind the mark.
        conn.execute("DELETE FROM audit_log", []).expect("empty");
        conn.execute("DELETE FROM meta WHERE key = ?1", [HEAD_KEY])
            .expect("drop checkpoint");
        assert_eq!(check(&conn, &sealer), Err(AuditError::RolledBack));
    }

    #[test]
    fn records_appended_without_moving_the_checkpoint_fail() {
        let (conn, sealer, _) = log_of(2);
        append(&conn, 3000, &disclosed(3)).expect("appends");
        assert_eq!(check(&conn, &sealer), Err(AuditError::Truncated { seq: 3 }));
    }

    #[test]
    fn a_checkpoint_signed_by_another_key_fails() {
        let (conn, sealer, _) = log_of(2);
        let other = Identity::make();
        meta_put(
            &conn,
            identity::IDENTITY_KEY,
            &sealer
                .seal(identity::IDENTITY_KEY.as_bytes(), &other.to_secret_bytes())
                .expect("seals"),
        )
        .expect("swaps identity");
        assert_eq!(check(&conn, &sealer), Err(AuditError::BadSignature));
    }

    #[test]
    fn an_edited_or_unsigned_export_fails() {
        let (conn, _, me) = log_of(3);
        let key = me.signing.public_key();
        let json = export_json(&conn, &me).expect("exports");
        let mut doc: AuditExport = serde_json::from_str(&json).expect("parses");
        doc.records[1].at += 60;
        let edited = serde_json::to_string(&doc).expect("json");
        assert_eq!(
            verify_export(&edited, Some(&key)),
            Err(AuditError::Broken { seq: 2 })
        );
        // Cut at the end and re-chained consistently: the signature no longer covers it.
        let mut cut: AuditExport = serde_json::from_str(&json).expect("parses");
        cut.records.pop();
        let cut = serde_json::to_string(&cut).expect("json");
        assert_eq!(
            verify_export(&cut, Some(&key)),
            Err(AuditError::BadSignature)
        );
        // Re-signed by someone else: verifies alone, not as the peer's.
        let mallory = Identity::make();
        let forged = export_json(&conn, &mallory).expect("exports");
        assert!(verify_export(&forged, None).is_ok());
        assert_eq!(
            verify_export(&forged, Some(&key)),
            Err(AuditError::WrongSigner)
        );
        // The unsigned format of earlier versions, or no signature at all, is refused.
        let mut v1: serde_json::Value = serde_json::from_str(&json).expect("parses");
        v1["format"] = 1.into();
        assert_eq!(
            verify_export(&v1.to_string(), Some(&key)),
            Err(AuditError::NotAnExport)
        );
        let mut unsigned: serde_json::Value = serde_json::from_str(&json).expect("parses");
        unsigned
            .as_object_mut()
            .expect("object")
            .remove("signature");
        assert_eq!(
            verify_export(&unsigned.to_string(), Some(&key)),
            Err(AuditError::NotAnExport)
        );
    }
}
