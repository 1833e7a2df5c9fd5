//! The recovery journal: entries (text, optional mood, tags), daily check-ins, paging,
//! tag and date filters, in-memory full-text search, mood trends, backup and export.
//!
//! Every private field is sealed by the [`Vault`] before it reaches SQLite; on disk stay only
//! opaque ids, creation times (the sort key) and keyed blind indexes of tags (see
//! `docs/journal-storage.md`). This module must never write plaintext to disk, never build a
//! search index anywhere but in memory, and never put journal text in an error message.

mod backup;
mod codec;
mod search;
pub(crate) mod trends;

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::crypto::hazmat;
use crate::store::{self, StorageError};
use crate::vault::{RecordKeys, Vault, VaultError};

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub use backup::seal_backup_for_fuzzing;
pub use backup::{ImportReport, MAX_ITERATIONS, PlaintextFormat};
pub use trends::{MoodPoint, MoodTrends, format_utc};

/// Record kinds used in the sealed records' associated data.
pub const KIND_ENTRY: &str = "journal.entry";
pub const KIND_CHECKIN: &str = "journal.checkin";
const TAG_INDEX_DOMAIN: &str = "journal.tag";

/// Longest entry text, in bytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Longest check-in note, in characters.
pub const MAX_NOTE_CHARS: usize = 500;
/// Most tags on one entry, and the longest tag in characters.
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = crate::consent::MAX_TAG_CHARS;
/// Largest page `list_entries` returns.
pub const MAX_PAGE: u32 = 500;

const MIGRATIONS: &[&str] = &["
    -- Plaintext on disk: the opaque id and the creation time (the sort key). `body` is
    -- AES-256-GCM under the vault DEK, bound to (kind, id, version).
    CREATE TABLE journal_entries (
        id TEXT PRIMARY KEY NOT NULL,
        created_at_ms INTEGER NOT NULL,
        body BLOB NOT NULL
    );
    CREATE INDEX journal_entries_by_time ON journal_entries (created_at_ms, id);
    -- Tags only as keyed blind indexes: HMAC(index key, tag).
    CREATE TABLE journal_entry_tags (
        tag_index BLOB NOT NULL,
        entry_id TEXT NOT NULL REFERENCES journal_entries (id) ON DELETE CASCADE,
        PRIMARY KEY (tag_index, entry_id)
    ) WITHOUT ROWID;
    CREATE INDEX journal_entry_tags_by_entry ON journal_entry_tags (entry_id);
    CREATE TABLE journal_checkins (
        id TEXT PRIMARY KEY NOT NULL,
        created_at_ms INTEGER NOT NULL,
        body BLOB NOT NULL
    );
    CREATE INDEX journal_checkins_by_time ON journal_checkins (created_at_ms, id);
"];

/// A journal entry, decrypted.
#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Entry {
    /// Opaque id (32 hex characters); stays the same across edits.
    pub id: String,
    pub text: String,
    /// 1 (very low) to 5 (very good), if given.
    pub mood: Option<u8>,
    /// Normalized tags (trimmed, lower case), in the order given.
    pub tags: Vec<String>,
    /// Unix milliseconds.
    pub created_at_ms: i64,
    /// Unix milliseconds of the last edit, if edited.
    pub edited_at_ms: Option<i64>,
}

// Hand-written so that journal text never lands in logs, panics or test output.
impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("id", &self.id)
            .field("text_len", &self.text.len())
            .field("mood", &self.mood)
            .field("tags", &self.tags.len())
            .field("created_at_ms", &self.created_at_ms)
            .field("edited_at_ms", &self.edited_at_ms)
            .finish()
    }
}

/// A new entry to add.
#[derive(Clone, uniffi::Record)]
pub struct NewEntry {
    pub text: String,
    #[uniffi(default = None)]
    pub mood: Option<u8>,
    #[uniffi(default = [])]
    pub tags: Vec<String>,
    /// Creation time in Unix milliseconds; now when absent (imports and tests set it).
    #[uniffi(default = None)]
    pub created_at_ms: Option<i64>,
}

/// Changes to an entry; absent fields stay as they are.
#[derive(Clone, Default, uniffi::Record)]
pub struct EntryUpdate {
    #[uniffi(default = None)]
    pub text: Option<String>,
    #[uniffi(default = None)]
    pub mood: Option<u8>,
    /// Removes the mood (wins over `mood`).
    #[uniffi(default = false)]
    pub clear_mood: bool,
    #[uniffi(default = None)]
    pub tags: Option<Vec<String>>,
}

/// Which entries to list: newest first, `offset`/`limit` paging, optional filters.
#[derive(Clone, uniffi::Record)]
pub struct EntryQuery {
    #[uniffi(default = 0)]
    pub offset: u32,
    #[uniffi(default = 50)]
    pub limit: u32,
    #[uniffi(default = None)]
    pub tag: Option<String>,
    /// Inclusive lower bound on creation time (Unix ms).
    #[uniffi(default = None)]
    pub from_ms: Option<i64>,
    /// Exclusive upper bound on creation time (Unix ms).
    #[uniffi(default = None)]
    pub to_ms: Option<i64>,
}

impl Default for EntryQuery {
    fn default() -> Self {
        EntryQuery {
            offset: 0,
            limit: 50,
            tag: None,
            from_ms: None,
            to_ms: None,
        }
    }
}

/// One page of entries. Records that fail their integrity check are not returned but named
/// in `damaged_ids`, so one damaged record never hides the rest of the journal.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EntryPage {
    pub entries: Vec<Entry>,
    pub damaged_ids: Vec<String>,
    /// Whether more entries follow this page.
    pub has_more: bool,
}

/// A daily check-in: a mood and an optional short note.
#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct CheckIn {
    pub id: String,
    /// 1 (very low) to 5 (very good).
    pub mood: u8,
    pub note: Option<String>,
    pub created_at_ms: i64,
}

impl std::fmt::Debug for CheckIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckIn")
            .field("id", &self.id)
            .field("mood", &self.mood)
            .field("has_note", &self.note.is_some())
            .field("created_at_ms", &self.created_at_ms)
            .finish()
    }
}

/// What the journal can refuse. Messages never carry journal text.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("the backup file is damaged or not a Lantern backup: {0}")]
    BadBackup(&'static str),
    #[error("the backup passphrase is wrong")]
    WrongBackupPassphrase,
    #[error("backup file: {0}")]
    BackupFile(std::io::ErrorKind),
    /// Internal invariant broken; names the place, never user data.
    #[error("internal error: {0}")]
    Internal(&'static str),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl From<rusqlite::Error> for JournalError {
    fn from(e: rusqlite::Error) -> Self {
        JournalError::Storage(e.into())
    }
}

type Result<T, E = JournalError> = std::result::Result<T, E>;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A new opaque id: 16 fresh random bytes as 32 lower-case hex characters.
fn make_id(random: &Mutex<hazmat::RandomPool>) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes: [u8; 16] = random.lock().unwrap_or_else(|p| p.into_inner()).take();
    let mut hex = [0u8; 32];
    for (i, b) in bytes.into_iter().enumerate() {
        hex[2 * i] = HEX[usize::from(b >> 4)];
        hex[2 * i + 1] = HEX[usize::from(b & 15)];
    }
    String::from_utf8(hex.to_vec()).expect("hex digits are ASCII")
}

const INSERT_ENTRY: &str =
    "INSERT INTO journal_entries (id, created_at_ms, body) VALUES (?1, ?2, ?3)";
const INSERT_TAG: &str =
    "INSERT OR IGNORE INTO journal_entry_tags (tag_index, entry_id) VALUES (?1, ?2)";

/// A write transaction whose BEGIN and COMMIT are cached statements: one entry per
/// transaction is the common case on a phone, and parsing both statements every time cost
/// more than sealing the entry. Rolls back unless committed (also on a panic).
struct WriteTx<'a> {
    conn: &'a Connection,
    committed: bool,
}

impl<'a> WriteTx<'a> {
    fn begin(conn: &'a Connection) -> Result<Self> {
        conn.prepare_cached("BEGIN")?.execute([])?;
        Ok(WriteTx {
            conn,
            committed: false,
        })
    }

    fn commit(mut self) -> Result<()> {
        self.conn.prepare_cached("COMMIT")?.execute([])?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for WriteTx<'_> {
    fn drop(&mut self) {
        if !self.committed && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// Ids are 32 lower-case hex characters; anything else is refused before touching SQL.
pub fn check_id(id: &str) -> Result<()> {
    if id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(JournalError::InvalidInput("malformed id".into()))
    }
}

fn check_mood(mood: u8) -> Result<u8> {
    if (1..=5).contains(&mood) {
        Ok(mood)
    } else {
        Err(JournalError::InvalidInput("mood must be 1 to 5".into()))
    }
}

fn check_text(text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(JournalError::InvalidInput("the entry text is empty".into()));
    }
    if text.len() > MAX_TEXT_BYTES {
        return Err(JournalError::InvalidInput(format!(
            "the entry text is longer than {MAX_TEXT_BYTES} bytes"
        )));
    }
    Ok(())
}

/// Trims and lower-cases a tag; refuses empty or over-long tags. The rule is the consent
/// module's, so a tag scope matches exactly the tags the journal stores.
pub fn normalize_tag(tag: &str) -> Result<String> {
    crate::consent::normalize_tag(tag).map_err(|e| JournalError::InvalidInput(e.to_string()))
}

fn normalize_tags(tags: &[String]) -> Result<Vec<String>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for t in tags {
        let t = normalize_tag(t)?;
        if seen.insert(t.clone()) {
            out.push(t);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(JournalError::InvalidInput(format!(
            "more than {MAX_TAGS} tags"
        )));
    }
    Ok(out)
}

fn check_note(note: Option<String>) -> Result<Option<String>> {
    match note {
        Some(n) if n.trim().is_empty() => Ok(None),
        Some(n) if n.chars().count() > MAX_NOTE_CHARS => Err(JournalError::InvalidInput(format!(
            "the note is longer than {MAX_NOTE_CHARS} characters"
        ))),
        other => Ok(other),
    }
}

/// The journal over one database file, sharing the [`Vault`] for its keys.
pub struct JournalStore {
    vault: Arc<Vault>,
    conn: Mutex<Connection>,
    index: search::SearchIndexSlot,
    /// Random bytes for new ids, fetched from the OS a block at a time.
    ids: Mutex<hazmat::RandomPool>,
}

impl std::fmt::Debug for JournalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalStore").finish_non_exhaustive()
    }
}

impl JournalStore {
    /// Opens the journal tables in the database at `path` (creating them), using `vault`.
    pub fn open(path: &Path, vault: Arc<Vault>) -> Result<Self> {
        let mut conn = store::open_database(path)?;
        store::migrate(&mut conn, "journal", MIGRATIONS)?;
        Ok(JournalStore {
            vault,
            conn: Mutex::new(conn),
            index: search::SearchIndexSlot::default(),
            ids: Mutex::new(hazmat::RandomPool::default()),
        })
    }

    /// The vault whose keys this journal uses.
    pub fn vault(&self) -> &Arc<Vault> {
        &self.vault
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // SQLite rolls back an interrupted transaction, so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Locks the vault and drops the in-memory search index.
    pub fn lock(&self) {
        self.index.clear();
        self.vault.lock();
    }

    fn require_unlocked(&self) -> Result<()> {
        if self.vault.is_unlocked() {
            Ok(())
        } else {
            Err(VaultError::Locked.into())
        }
    }

    fn tag_index(&self, tag: &str) -> Result<[u8; 32]> {
        Ok(self.vault.blind_index(TAG_INDEX_DOMAIN, tag.as_bytes())?)
    }

    /// Encodes the entry straight into the buffer the vault encrypts in place.
    fn seal_entry(keys: &RecordKeys<'_>, e: &Entry) -> Vec<u8> {
        let len = codec::entry_len_bound(&e.tags, &e.text);
        keys.seal_with(KIND_ENTRY, &e.id, len, |out| {
            codec::encode_entry(
                out,
                e.mood,
                e.created_at_ms,
                e.edited_at_ms,
                &e.tags,
                &e.text,
            )
        })
    }

    /// Decrypts and decodes an entry row. Any failure, including a sort key on disk that
    /// differs from the sealed creation time, is an integrity error naming the record.
    fn open_entry(&self, id: &str, created_at_ms: i64, sealed: &[u8]) -> Result<Entry> {
        Self::open_entry_with(
            &self.vault.records()?,
            id.to_string(),
            created_at_ms,
            sealed,
        )
    }

    fn open_entry_with(
        keys: &RecordKeys<'_>,
        id: String,
        created_at_ms: i64,
        sealed: &[u8],
    ) -> Result<Entry> {
        let plain = keys.open(KIND_ENTRY, &id, sealed)?;
        let Some(f) = codec::decode_entry(plain).filter(|f| f.created_at_ms == created_at_ms)
        else {
            return Err(VaultError::RecordIntegrity {
                kind: KIND_ENTRY.into(),
                id,
            }
            .into());
        };
        Ok(Entry {
            id,
            text: f.text,
            mood: f.mood,
            tags: f.tags,
            created_at_ms,
            edited_at_ms: f.edited_at_ms,
        })
    }

    fn validate_new(&self, new: NewEntry) -> Result<Entry> {
        check_text(&new.text)?;
        Ok(Entry {
            id: make_id(&self.ids),
            mood: new.mood.map(check_mood).transpose()?,
            tags: normalize_tags(&new.tags)?,
            created_at_ms: new.created_at_ms.unwrap_or_else(now_ms),
            edited_at_ms: None,
            text: new.text,
        })
    }

    /// Inserts one entry and its tag indexes (used by imports too).
    fn insert_entry(&self, tx: &Connection, e: &Entry) -> Result<()> {
        self.insert_entries(tx, std::slice::from_ref(e))
    }

    /// Inserts entries with one lookup of the keys and of each statement for the whole run.
    fn insert_entries(&self, tx: &Connection, entries: &[Entry]) -> Result<()> {
        let keys = self.vault.records()?;
        let mut insert = tx.prepare_cached(INSERT_ENTRY)?;
        let mut insert_tag = if entries.iter().any(|e| !e.tags.is_empty()) {
            Some(tx.prepare_cached(INSERT_TAG)?)
        } else {
            None
        };
        for e in entries {
            let sealed = Self::seal_entry(&keys, e);
            insert.execute(params![e.id, e.created_at_ms, sealed])?;
            if let Some(stmt) = insert_tag.as_mut() {
                for t in &e.tags {
                    let index = keys.blind_index(TAG_INDEX_DOMAIN, t.as_bytes());
                    stmt.execute(params![&index[..], e.id])?;
                }
            }
        }
        Ok(())
    }

    /// Replaces the blind tag indexes of entry `id`.
    fn replace_tags(&self, tx: &Connection, id: &str, tags: &[String]) -> Result<()> {
        tx.prepare_cached("DELETE FROM journal_entry_tags WHERE entry_id = ?1")?
            .execute([id])?;
        let mut stmt = tx.prepare_cached(INSERT_TAG)?;
        for t in tags {
            stmt.execute(params![&self.tag_index(t)?[..], id])?;
        }
        Ok(())
    }

    /// Adds one entry in its own transaction; returns it with its new id.
    pub fn add_entry(&self, new: NewEntry) -> Result<Entry> {
        self.require_unlocked()?;
        let e = self.validate_new(new)?;
        let conn = self.conn();
        let tx = WriteTx::begin(&conn)?;
        self.insert_entry(&conn, &e)?;
        tx.commit()?;
        drop(conn);
        self.index.upsert(&self.vault, std::slice::from_ref(&e));
        Ok(e)
    }

    /// Adds many entries in one transaction (all or none); returns them in order.
    pub fn add_entries(&self, news: Vec<NewEntry>) -> Result<Vec<Entry>> {
        self.require_unlocked()?;
        let entries = news
            .into_iter()
            .map(|n| self.validate_new(n))
            .collect::<Result<Vec<_>>>()?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        self.insert_entries(&tx, &entries)?;
        tx.commit()?;
        drop(conn);
        self.index.upsert(&self.vault, &entries);
        Ok(entries)
    }

    /// One entry by id.
    pub fn get_entry(&self, id: &str) -> Result<Entry> {
        check_id(id)?;
        self.require_unlocked()?;
        let row: Option<(i64, Vec<u8>)> = self
            .conn()
            .prepare_cached("SELECT created_at_ms, body FROM journal_entries WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (created, body) = row.ok_or_else(|| JournalError::NotFound {
            kind: "entry",
            id: id.into(),
        })?;
        self.open_entry(id, created, &body)
    }

    /// Changes an entry's text, mood or tags, keeping its id and creation time.
    pub fn edit_entry(&self, id: &str, update: EntryUpdate) -> Result<Entry> {
        let mut e = self.get_entry(id)?;
        if let Some(text) = update.text {
            check_text(&text)?;
            e.text = text;
        }
        if update.clear_mood {
            e.mood = None;
        } else if let Some(m) = update.mood {
            e.mood = Some(check_mood(m)?);
        }
        let tags_changed = update.tags.is_some();
        if let Some(tags) = update.tags {
            e.tags = normalize_tags(&tags)?;
        }
        e.edited_at_ms = Some(now_ms().max(e.created_at_ms));
        let sealed = Self::seal_entry(&self.vault.records()?, &e);
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "UPDATE journal_entries SET body = ?2 WHERE id = ?1",
            params![e.id, sealed],
        )?;
        if n == 0 {
            return Err(JournalError::NotFound {
                kind: "entry",
                id: id.into(),
            });
        }
        if tags_changed {
            self.replace_tags(&tx, &e.id, &e.tags)?;
        }
        tx.commit()?;
        drop(conn);
        self.index.upsert(&self.vault, std::slice::from_ref(&e));
        Ok(e)
    }

    /// Deletes an entry (its pages are zeroed by `secure_delete`).
    pub fn delete_entry(&self, id: &str) -> Result<()> {
        check_id(id)?;
        self.require_unlocked()?;
        let n = self
            .conn()
            .execute("DELETE FROM journal_entries WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(JournalError::NotFound {
                kind: "entry",
                id: id.into(),
            });
        }
        self.index.remove(id);
        Ok(())
    }

    /// Entries newest first, filtered and paged by `q`.
    pub fn list_entries(&self, q: &EntryQuery) -> Result<EntryPage> {
        self.require_unlocked()?;
        if q.limit == 0 || q.limit > MAX_PAGE {
            return Err(JournalError::InvalidInput(format!(
                "limit must be 1 to {MAX_PAGE}"
            )));
        }
        let from = q.from_ms.unwrap_or(i64::MIN);
        let to = q.to_ms.unwrap_or(i64::MAX);
        let fetch = i64::from(q.limit) + 1;
        let offset = i64::from(q.offset);
        let tag_index = match &q.tag {
            Some(tag) => Some(self.tag_index(&normalize_tag(tag)?)?.to_vec()),
            None => None,
        };
        // The page size is part of the SQL text (a validated integer, never request text):
        // SQLite reads a bound LIMIT's value when planning, which makes it prepare the
        // statement again on every run (a full parse and plan per page, the largest cost of
        // a warm page after decryption). Apps use one or two page sizes, so the statement
        // cache keeps one statement per size.
        let sql = match tag_index {
            Some(_) => format!(
                "SELECT e.id, e.created_at_ms, e.body FROM journal_entry_tags t
                 JOIN journal_entries e ON e.id = t.entry_id
                 WHERE t.tag_index = ?4 AND e.created_at_ms >= ?1 AND e.created_at_ms < ?2
                 ORDER BY e.created_at_ms DESC, e.id DESC LIMIT {fetch} OFFSET ?3"
            ),
            None => format!(
                "SELECT id, created_at_ms, body FROM journal_entries
                 WHERE created_at_ms >= ?1 AND created_at_ms < ?2
                 ORDER BY created_at_ms DESC, id DESC LIMIT {fetch} OFFSET ?3"
            ),
        };
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = match &tag_index {
            Some(ti) => stmt.query(params![from, to, offset, ti])?,
            None => stmt.query(params![from, to, offset])?,
        };
        let mut page = EntryPage {
            entries: Vec::with_capacity(q.limit.min(64) as usize),
            damaged_ids: Vec::new(),
            has_more: false,
        };
        let mut seen = 0u32;
        let keys = self.vault.records()?;
        // Decrypt straight from SQLite's row buffer: no intermediate copy of the body.
        while let Some(r) = rows.next()? {
            if seen == q.limit {
                page.has_more = true;
                break;
            }
            seen += 1;
            let id: String = r.get(0)?;
            let body = r.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
            match Self::open_entry_with(&keys, id, r.get(1)?, body) {
                Ok(e) => page.entries.push(e),
                Err(JournalError::Vault(VaultError::RecordIntegrity { id, .. })) => {
                    page.damaged_ids.push(id)
                }
                Err(e) => return Err(e),
            }
        }
        Ok(page)
    }

    /// Every entry, oldest first, for export, index building and trends. Damaged records
    /// fail the whole call with an integrity error naming the first one.
    pub fn all_entries(&self) -> Result<Vec<Entry>> {
        self.entries_between(i64::MIN, i64::MAX)
    }

    /// Entries created in `[from_ms, to_ms)`, oldest first.
    pub fn entries_between(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Entry>> {
        self.require_unlocked()?;
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, created_at_ms, body FROM journal_entries
             WHERE created_at_ms >= ?1 AND created_at_ms < ?2 ORDER BY created_at_ms, id",
        )?;
        let mut rows = stmt.query(params![from_ms, to_ms])?;
        let keys = self.vault.records()?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let body = r.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
            out.push(Self::open_entry_with(&keys, id, r.get(1)?, body)?);
        }
        Ok(out)
    }

    /// Number of entries (a count is plaintext metadata anyway).
    pub fn entry_count(&self) -> Result<u64> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM journal_entries", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
    }

    /// Adds a check-in (mood 1-5, optional short note) now, or at `created_at_ms`.
    pub fn add_checkin(
        &self,
        mood: u8,
        note: Option<String>,
        created_at_ms: Option<i64>,
    ) -> Result<CheckIn> {
        self.require_unlocked()?;
        let c = CheckIn {
            id: make_id(&self.ids),
            mood: check_mood(mood)?,
            note: check_note(note)?,
            created_at_ms: created_at_ms.unwrap_or_else(now_ms),
        };
        let conn = self.conn();
        let tx = WriteTx::begin(&conn)?;
        self.insert_checkin(&conn, &c)?;
        tx.commit()?;
        Ok(c)
    }

    fn insert_checkin(&self, tx: &Connection, c: &CheckIn) -> Result<()> {
        let note = c.note.as_deref();
        let sealed = self.vault.records()?.seal_with(
            KIND_CHECKIN,
            &c.id,
            codec::checkin_len_bound(note),
            |out| codec::encode_checkin(out, c.mood, c.created_at_ms, note),
        );
        tx.prepare_cached(
            "INSERT INTO journal_checkins (id, created_at_ms, body) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![c.id, c.created_at_ms, sealed])?;
        Ok(())
    }

    fn open_checkin(&self, id: &str, created_at_ms: i64, sealed: &[u8]) -> Result<CheckIn> {
        let plain = self.vault.open_record(KIND_CHECKIN, id, sealed)?;
        let f = codec::decode_checkin(plain)
            .filter(|f| f.created_at_ms == created_at_ms)
            .ok_or_else(|| VaultError::RecordIntegrity {
                kind: KIND_CHECKIN.into(),
                id: id.into(),
            })?;
        Ok(CheckIn {
            id: id.into(),
            mood: f.mood,
            note: f.note,
            created_at_ms,
        })
    }

    /// Check-ins created in `[from_ms, to_ms)`, newest first.
    pub fn checkins_between(&self, from_ms: i64, to_ms: i64) -> Result<Vec<CheckIn>> {
        self.require_unlocked()?;
        let rows: Vec<(String, i64, Vec<u8>)> = self
            .conn()
            .prepare_cached(
                "SELECT id, created_at_ms, body FROM journal_checkins
                 WHERE created_at_ms >= ?1 AND created_at_ms < ?2
                 ORDER BY created_at_ms DESC, id DESC",
            )?
            .query_map(params![from_ms, to_ms], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<Result<_, _>>()?;
        rows.iter()
            .map(|(id, created, body)| self.open_checkin(id, *created, body))
            .collect()
    }

    /// Deletes a check-in.
    pub fn delete_checkin(&self, id: &str) -> Result<()> {
        check_id(id)?;
        self.require_unlocked()?;
        let n = self
            .conn()
            .execute("DELETE FROM journal_checkins WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(JournalError::NotFound {
                kind: "check-in",
                id: id.into(),
            });
        }
        Ok(())
    }

    /// Full-text search over entry text and tags, best matches first (at most `limit`).
    /// Builds the in-memory index on first use after unlock (see [`Self::prepare_search`]).
    pub fn search(&self, query: &str, limit: u32) -> Result<Vec<Entry>> {
        self.require_unlocked()?;
        let limit = limit.clamp(1, MAX_PAGE);
        let ids = self.index.search(self, query, limit)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            match self.get_entry(&id) {
                Ok(e) => out.push(e),
                // Deleted between the index hit and the read: skip it.
                Err(JournalError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Builds the in-memory search index now (apps call this on a background thread right
    /// after unlock so the first search is instant). Idempotent.
    pub fn prepare_search(&self) -> Result<()> {
        self.require_unlocked()?;
        self.index.ensure_built(self)
    }

    /// Average mood per day and per ISO week (Monday start) over `[from_ms, to_ms)`, from
    /// entries with a mood and from check-ins. Days are local to `utc_offset_minutes`.
    pub fn mood_trends(
        &self,
        from_ms: i64,
        to_ms: i64,
        utc_offset_minutes: i32,
    ) -> Result<MoodTrends> {
        if !(-18 * 60..=18 * 60).contains(&utc_offset_minutes) {
            return Err(JournalError::InvalidInput("UTC offset out of range".into()));
        }
        let mut samples: Vec<(i64, u8)> = self
            .entries_between(from_ms, to_ms)?
            .into_iter()
            .filter_map(|e| e.mood.map(|m| (e.created_at_ms, m)))
            .collect();
        samples.extend(
            self.checkins_between(from_ms, to_ms)?
                .into_iter()
                .map(|c| (c.created_at_ms, c.mood)),
        );
        Ok(trends::compute(&samples, utc_offset_minutes))
    }
}

#[cfg(test)]
mod tests;
