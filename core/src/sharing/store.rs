//! The sharing database (`sharing.db` in the data directory; `sharing.sqlite3` before, renamed on
//! open) and [`SharingStore`], the one handle on it: identity, invites, connections, grants,
//! the audit log, the outbox, what was sent and what was received, alerts and replies.
//!
//! Private content (keys, names, relay capabilities, grant terms, received items) is sealed with
//! the installation's [`Sealer`](super::sealer::Sealer) before it is written. Plaintext metadata,
//! kept so the database can be queried without unsealing: opaque ids (connections, grants,
//! envelopes, item keys such as `entry:<id>`), peers' public signing keys, times, sequence
//! numbers, versions, and the reference-only audit log.

use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, params};

use super::sealer::Sealer;
use crate::store::StorageError;

/// Why the sharing store failed. Messages name tables or records, never their contents.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sharing database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("sharing database: {0}")]
    Storage(#[from] StorageError),
    #[error("stored {0} failed its integrity check")]
    Corrupt(&'static str),
    #[error("the vault is locked")]
    Locked,
}

/// File name of the sharing database inside the data directory.
pub const DB_FILE: &str = "sharing.db";
/// Its name before every database file was `<component>.db`.
const LEGACY_DB_FILE: &str = "sharing.sqlite3";

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
    pub fn open(data_dir: &Path, sealer: Arc<dyn Sealer>) -> Result<Self, StoreError> {
        Ok(SharingStore {
            db: open(data_dir)?,
            sealer,
        })
    }
}

/// Name of this schema in `schema_versions`.
const COMPONENT: &str = "sharing";

/// Numbered schema steps; never edit one that has shipped, add a new one.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE meta (
         key TEXT PRIMARY KEY NOT NULL,
         value BLOB NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE invites (
         id TEXT PRIMARY KEY NOT NULL,
         created_at INTEGER NOT NULL,
         used_by TEXT,
         sealed BLOB NOT NULL
     ) WITHOUT ROWID;
     -- role: this installation's role in the connection ('peer' shares, 'supporter' receives).
     CREATE TABLE connections (
         id TEXT PRIMARY KEY NOT NULL,
         role TEXT NOT NULL CHECK (role IN ('peer', 'supporter')),
         remote_signing_key BLOB NOT NULL,
         created_at INTEGER NOT NULL,
         next_seq INTEGER NOT NULL DEFAULT 1,
         last_applied_seq INTEGER NOT NULL DEFAULT 0,
         sent_grants_mac BLOB,
         sealed BLOB NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE grants (
         id TEXT PRIMARY KEY NOT NULL,
         connection_id TEXT NOT NULL REFERENCES connections(id),
         created_at INTEGER NOT NULL,
         expires_at INTEGER NOT NULL,
         revoked_at INTEGER,
         expiry_logged INTEGER NOT NULL DEFAULT 0,
         sealed BLOB NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE audit_log (
         seq INTEGER PRIMARY KEY,
         at INTEGER NOT NULL,
         event TEXT NOT NULL,
         prev_hash BLOB NOT NULL,
         hash BLOB NOT NULL
     );
     -- What the recipient was last sent, per item: mac is keyed over the item's content, so a
     -- change is seen without storing the content; NULL mac forces a resend.
     CREATE TABLE sent_items (
         connection_id TEXT NOT NULL REFERENCES connections(id),
         item_key TEXT NOT NULL,
         version INTEGER NOT NULL,
         mac BLOB,
         grant_id TEXT,
         present INTEGER NOT NULL,
         PRIMARY KEY (connection_id, item_key)
     ) WITHOUT ROWID;
     CREATE TABLE outbox (
         envelope_id TEXT PRIMARY KEY NOT NULL,
         connection_id TEXT NOT NULL REFERENCES connections(id),
         seq INTEGER NOT NULL,
         created_at INTEGER NOT NULL,
         refs TEXT NOT NULL,
         bytes BLOB NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE applied_envelopes (
         envelope_id TEXT PRIMARY KEY NOT NULL,
         connection_id TEXT NOT NULL,
         seq INTEGER NOT NULL,
         applied_at INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE received_grants (
         grant_id TEXT PRIMARY KEY NOT NULL,
         connection_id TEXT NOT NULL REFERENCES connections(id),
         expires_at INTEGER NOT NULL,
         sealed BLOB NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE received_items (
         connection_id TEXT NOT NULL REFERENCES connections(id),
         item_key TEXT NOT NULL,
         grant_id TEXT NOT NULL,
         version INTEGER NOT NULL,
         received_at INTEGER NOT NULL,
         sealed BLOB NOT NULL,
         PRIMARY KEY (connection_id, item_key)
     ) WITHOUT ROWID;",
    // Grant state (revocation, expiry noted) sealed under the vault's key, so an edit of the
    // plaintext columns is seen. NULL until the one-time upgrade (see `integrity`) seals it.
    "ALTER TABLE grants ADD COLUMN state_seal BLOB;",
    // Reaching out (`reach`): the peer's alerts (note and recipients sealed) and replies, sent
    // by a supporter or received by a peer (target and answer sealed).
    "CREATE TABLE alerts (
         id TEXT PRIMARY KEY NOT NULL,
         created_at INTEGER NOT NULL,
         sealed BLOB NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE replies (
         id TEXT PRIMARY KEY NOT NULL,
         connection_id TEXT NOT NULL REFERENCES connections(id),
         direction TEXT NOT NULL CHECK (direction IN ('sent', 'received')),
         at INTEGER NOT NULL,
         sealed BLOB NOT NULL
     ) WITHOUT ROWID;",
];

/// Opens (creating and migrating) the sharing database in `data_dir`, with the pragmas every
/// Lantern database uses (WAL, secure_delete, temp_store=MEMORY...).
pub fn open(data_dir: &Path) -> Result<Connection, StorageError> {
    crate::store::adopt_legacy_name(data_dir, LEGACY_DB_FILE, DB_FILE)?;
    let mut conn = crate::store::open_database(&data_dir.join(DB_FILE))?;
    crate::store::migrate(&mut conn, COMPONENT, MIGRATIONS)?;
    Ok(conn)
}

/// An in-memory sharing database with the same schema, for unit tests.
#[cfg(test)]
pub fn open_in_memory() -> Result<Connection, StorageError> {
    let mut conn = Connection::open_in_memory()?;
    crate::store::migrate(&mut conn, COMPONENT, MIGRATIONS)?;
    Ok(conn)
}

/// Reads a `meta` value.
pub fn meta_get(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

/// Writes a `meta` value.
pub fn meta_put(conn: &Connection, key: &str, value: &[u8]) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_twice_without_re_running_migrations() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = open(dir.path()).expect("opens");
        meta_put(&conn, "k", b"v").expect("writes");
        drop(conn);
        let conn = open(dir.path()).expect("reopens");
        assert_eq!(meta_get(&conn, "k").expect("reads"), Some(b"v".to_vec()));
        let v: i64 = conn
            .query_row(
                "SELECT version FROM schema_versions WHERE component = 'sharing'",
                [],
                |r| r.get(0),
            )
            .expect("version");
        assert_eq!(v, MIGRATIONS.len() as i64);
    }
}
