//! Full-text search over entries, with an index that lives only in memory: an in-memory
//! SQLite FTS5 database (temp_store=MEMORY, so nothing spills to temp files) built from the
//! decrypted entries after unlock and dropped on lock. It must never be attached to, or
//! copied into, any file.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, params};

use super::{Entry, JournalError, JournalStore, Result};
use crate::store::storage_error;
use crate::vault::{Vault, VaultError};

struct BuiltIndex {
    /// The vault epoch this index was built in; a lock or re-unlock makes it stale.
    epoch: u64,
    conn: Connection,
    rowid_of: HashMap<String, i64>,
    id_of: HashMap<i64, String>,
    next_rowid: i64,
}

/// Holds the index while unlocked; empty when locked or not yet built.
#[derive(Default)]
pub(super) struct SearchIndexSlot {
    state: Mutex<Option<BuiltIndex>>,
}

fn tags_text(e: &Entry) -> String {
    e.tags.join(" ")
}

impl BuiltIndex {
    fn new(epoch: u64) -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(storage_error)?;
        conn.execute_batch(
            "PRAGMA temp_store = MEMORY;
             CREATE VIRTUAL TABLE entry_text USING fts5(
                 text, tags, tokenize = 'unicode61 remove_diacritics 2');",
        )
        .map_err(storage_error)?;
        Ok(BuiltIndex {
            epoch,
            conn,
            rowid_of: HashMap::new(),
            id_of: HashMap::new(),
            next_rowid: 1,
        })
    }

    fn remove(&mut self, id: &str) -> Result<()> {
        if let Some(rowid) = self.rowid_of.remove(id) {
            self.id_of.remove(&rowid);
            self.conn
                .prepare_cached("DELETE FROM entry_text WHERE rowid = ?1")?
                .execute([rowid])?;
        }
        Ok(())
    }

    fn upsert(&mut self, e: &Entry) -> Result<()> {
        self.remove(&e.id)?;
        let rowid = self.next_rowid;
        self.next_rowid += 1;
        self.conn
            .prepare_cached("INSERT INTO entry_text (rowid, text, tags) VALUES (?1, ?2, ?3)")?
            .execute(params![rowid, e.text, tags_text(e)])?;
        self.rowid_of.insert(e.id.clone(), rowid);
        self.id_of.insert(rowid, e.id.clone());
        Ok(())
    }
}

/// Turns free text into an FTS5 query: every word must match (AND), each quoted so that
/// FTS5 operators in the input are taken literally.
fn fts_query(query: &str) -> Option<String> {
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\""))
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

impl SearchIndexSlot {
    fn state(&self) -> MutexGuard<'_, Option<BuiltIndex>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether an index is held (tests check it is gone after lock).
    #[cfg(test)]
    pub(super) fn is_built(&self) -> bool {
        self.state().is_some()
    }

    /// Drops the index (its memory is freed with the in-memory database).
    pub(super) fn clear(&self) {
        *self.state() = None;
    }

    /// Builds the index if it is missing or from an earlier unlock. Holds the slot's lock
    /// while building so concurrent writes wait and then apply to the fresh index.
    fn ensure_built_locked(store: &JournalStore, state: &mut Option<BuiltIndex>) -> Result<()> {
        let epoch = store.vault.epoch();
        if state.as_ref().is_some_and(|b| b.epoch == epoch) {
            return Ok(());
        }
        *state = None;
        let mut built = BuiltIndex::new(epoch)?;
        {
            let conn = store.conn();
            let mut stmt = conn.prepare("SELECT id, created_at_ms, body FROM journal_entries")?;
            let mut rows = stmt.query([])?;
            built.conn.execute_batch("BEGIN")?;
            while let Some(r) = rows.next()? {
                let id: String = r.get(0)?;
                let body = r.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
                match store.open_entry(&id, r.get(1)?, body) {
                    Ok(e) => built.upsert(&e)?,
                    // Damaged records are reported by listing, not hidden in search.
                    Err(JournalError::Vault(VaultError::RecordIntegrity { .. })) => {}
                    Err(e) => return Err(e),
                }
            }
            built.conn.execute_batch("COMMIT")?;
        }
        // Locked (or re-unlocked) while building: this index belongs to no live unlock.
        if store.vault.epoch() != epoch || !store.vault.is_unlocked() {
            return Err(VaultError::Locked.into());
        }
        *state = Some(built);
        Ok(())
    }

    pub(super) fn ensure_built(&self, store: &JournalStore) -> Result<()> {
        Self::ensure_built_locked(store, &mut self.state())
    }

    /// Ids of the best matches for `query`, best first.
    pub(super) fn search(
        &self,
        store: &JournalStore,
        query: &str,
        limit: u32,
    ) -> Result<Vec<String>> {
        let q = fts_query(query)
            .ok_or_else(|| JournalError::InvalidInput("the search has no words".into()))?;
        let mut state = self.state();
        Self::ensure_built_locked(store, &mut state)?;
        let built = state
            .as_ref()
            .ok_or(JournalError::Vault(VaultError::Locked))?;
        let mut stmt = built.conn.prepare_cached(
            "SELECT rowid FROM entry_text WHERE entry_text MATCH ?1 ORDER BY rank LIMIT ?2",
        )?;
        let rowids = stmt
            .query_map(params![q, limit], |r| r.get::<_, i64>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rowids
            .into_iter()
            .filter_map(|r| built.id_of.get(&r).cloned())
            .collect())
    }

    /// Applies an added or edited entry to a live index; a stale index is dropped instead.
    pub(super) fn upsert(&self, vault: &Vault, e: &Entry) {
        let mut state = self.state();
        if let Some(b) = state.as_mut()
            && (b.epoch != vault.epoch() || b.upsert(e).is_err())
        {
            // Rebuilt from the database on the next search.
            *state = None;
        }
    }

    /// Removes a deleted entry from a live index.
    pub(super) fn remove(&self, id: &str) {
        let mut state = self.state();
        if let Some(b) = state.as_mut()
            && b.remove(id).is_err()
        {
            *state = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn fts_query_quotes_words_and_neutralizes_operators() {
        assert_eq!(
            fts_query("calm  walk").as_deref(),
            Some("\"calm\" AND \"walk\"")
        );
        assert_eq!(
            fts_query("a\" OR NEAR(b)*").as_deref(),
            Some("\"a\" AND \"OR\" AND \"NEAR\" AND \"b\"")
        );
        assert_eq!(fts_query(" -- \"\" "), None);
    }
}
