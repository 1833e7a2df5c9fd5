//! Full-text search over entries with an index that lives only in memory: a small inverted
//! index (term -> postings of (document, term frequency)) ranked by BM25, built from the
//! decrypted entries after unlock (or on first search) and dropped on lock. It must never be
//! written to any file. Hand-built rather than SQLite FTS5: building it is several times
//! faster than FTS5 on the same text, and common-word queries do not rank every match
//! through SQL (see docs/journal.md for the figures).
//!
//! Tokens are maximal runs of alphanumeric characters, lower-cased (Unicode). A query
//! matches entries containing every one of its words (in the text or the tags).

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Mutex, MutexGuard};

use super::{Entry, JournalError, JournalStore, Result};
use crate::vault::{Vault, VaultError};

/// BM25 parameters (the usual defaults, as in SQLite FTS5 and Lucene).
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// A fast multiply-rotate hash (the FxHash construction) for the index's term map. Hash
/// flooding is not a concern: the only input is the person's own journal.
#[derive(Default, Clone, Copy)]
struct TermHasher(u64);

impl TermHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for TermHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(w));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn finish(&self) -> u64 {
        // The multiply mixes into the high bits; the table indexes by the low bits.
        self.0.rotate_left(26)
    }
}

type TermMap = HashMap<String, u32, BuildHasherDefault<TermHasher>>;

struct Doc {
    /// The entry id; `None` once the entry is deleted or replaced by an edit.
    id: Option<String>,
    /// Number of tokens.
    len: u32,
}

struct BuiltIndex {
    /// The vault epoch this index was built in; a lock or re-unlock makes it stale.
    epoch: u64,
    terms: TermMap,
    /// Per term id: (document number, term frequency), in increasing document order
    /// (documents are numbered in insertion order, so appending keeps them sorted).
    postings: Vec<Vec<(u32, u32)>>,
    docs: Vec<Doc>,
    doc_of: HashMap<String, u32>,
    live_docs: u32,
    live_len: u64,
}

/// Holds the index while unlocked; empty when locked or not yet built.
#[derive(Default)]
pub(super) struct SearchIndexSlot {
    state: Mutex<Option<BuiltIndex>>,
}

/// The tokens of `text`: alphanumeric runs, lower-cased (borrowed when already lower case).
fn tokens(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| {
            if t.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            {
                Cow::Borrowed(t)
            } else {
                Cow::Owned(t.to_lowercase())
            }
        })
}

impl BuiltIndex {
    fn new(epoch: u64) -> Self {
        BuiltIndex {
            epoch,
            terms: TermMap::default(),
            postings: Vec::new(),
            docs: Vec::new(),
            doc_of: HashMap::new(),
            live_docs: 0,
            live_len: 0,
        }
    }

    fn remove(&mut self, id: &str) {
        if let Some(d) = self.doc_of.remove(id) {
            let doc = &mut self.docs[d as usize];
            doc.id = None;
            self.live_docs -= 1;
            self.live_len -= u64::from(doc.len);
        }
        // Postings of removed documents stay until the next rebuild and are skipped.
    }

    fn term_id(&mut self, term: Cow<'_, str>) -> u32 {
        if let Some(&tid) = self.terms.get(term.as_ref()) {
            return tid;
        }
        let tid = self.postings.len() as u32;
        self.terms.insert(term.into_owned(), tid);
        self.postings.push(Vec::new());
        tid
    }

    fn upsert(&mut self, e: &Entry) {
        self.remove(&e.id);
        let d = self.docs.len() as u32;
        // One map lookup per token, then count repeats by sorting the term ids.
        let mut tids: Vec<u32> = Vec::with_capacity(e.text.len() / 4);
        for t in tokens(&e.text).chain(e.tags.iter().flat_map(|t| tokens(t))) {
            let tid = self.term_id(t);
            tids.push(tid);
        }
        let len = tids.len() as u32;
        tids.sort_unstable();
        for run in tids.chunk_by(|a, b| a == b) {
            self.postings[run[0] as usize].push((d, run.len() as u32));
        }
        self.docs.push(Doc {
            id: Some(e.id.clone()),
            len,
        });
        self.doc_of.insert(e.id.clone(), d);
        self.live_docs += 1;
        self.live_len += u64::from(len);
    }

    /// Appends an index built over later entries (its documents get numbers after ours).
    fn append(&mut self, other: BuiltIndex) {
        let offset = self.docs.len() as u32;
        let mut other_postings = other.postings;
        for (term, tid) in other.terms {
            let list = std::mem::take(&mut other_postings[tid as usize]);
            let target = self.term_id(Cow::Owned(term));
            self.postings[target as usize].extend(list.into_iter().map(|(d, tf)| (d + offset, tf)));
        }
        for (id, d) in other.doc_of {
            self.doc_of.insert(id, d + offset);
        }
        self.docs.extend(other.docs);
        self.live_docs += other.live_docs;
        self.live_len += other.live_len;
    }

    /// Live documents containing every term, best BM25 score first (newer first on ties).
    fn query(&self, words: &[String], limit: usize) -> Vec<String> {
        let mut lists: Vec<&Vec<(u32, u32)>> = Vec::with_capacity(words.len());
        for w in words {
            match self.terms.get(w) {
                Some(&tid) => lists.push(&self.postings[tid as usize]),
                None => return Vec::new(),
            }
        }
        lists.sort_by_key(|l| l.len());
        let n = f64::from(self.live_docs.max(1));
        let avg_len = (self.live_len as f64 / n).max(1.0);
        let idf: Vec<f64> = lists
            .iter()
            .map(|l| {
                let df = l.len() as f64;
                ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
            })
            .collect();
        let mut cursors = vec![0usize; lists.len()];
        let mut scored: Vec<(f64, u32)> = Vec::new();
        'docs: for &(d, tf0) in lists[0] {
            let doc = &self.docs[d as usize];
            if doc.id.is_none() {
                continue;
            }
            let norm = K1 * (1.0 - B + B * f64::from(doc.len) / avg_len);
            let term_score = |tf: u32, idf: f64| {
                let tf = f64::from(tf);
                idf * tf * (K1 + 1.0) / (tf + norm)
            };
            let mut score = term_score(tf0, idf[0]);
            for (k, list) in lists.iter().enumerate().skip(1) {
                // Postings are sorted by document: advance this list's cursor to `d`.
                let c = &mut cursors[k];
                *c += list[*c..].partition_point(|&(x, _)| x < d);
                match list.get(*c) {
                    Some(&(x, tf)) if x == d => score += term_score(tf, idf[k]),
                    Some(_) => continue 'docs,
                    None => break 'docs,
                }
            }
            scored.push((score, d));
        }
        let by_rank = |a: &(f64, u32), b: &(f64, u32)| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1));
        if scored.len() > limit {
            scored.select_nth_unstable_by(limit, by_rank);
            scored.truncate(limit);
        }
        scored.sort_by(by_rank);
        scored
            .into_iter()
            .filter_map(|(_, d)| self.docs[d as usize].id.clone())
            .collect()
    }
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

    /// Drops the index.
    pub(super) fn clear(&self) {
        *self.state() = None;
    }

    /// Builds the index if it is missing or from an earlier unlock. Holds the slot's lock
    /// while building so concurrent writes wait and then apply to the fresh index. The
    /// ciphertexts are read in one pass, then decrypted and indexed on up to four threads
    /// (contiguous slices, merged in order so postings stay sorted).
    fn ensure_built_locked(store: &JournalStore, state: &mut Option<BuiltIndex>) -> Result<()> {
        let epoch = store.vault.epoch();
        if state.as_ref().is_some_and(|b| b.epoch == epoch) {
            return Ok(());
        }
        *state = None;
        let rows: Vec<(String, i64, Vec<u8>)> = store
            .conn()
            .prepare_cached(
                "SELECT id, created_at_ms, body FROM journal_entries ORDER BY created_at_ms, id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let slice_len = rows.len().div_ceil(threads).max(1);
        let build_slice = |slice: &[(String, i64, Vec<u8>)]| -> Result<BuiltIndex> {
            let mut part = BuiltIndex::new(epoch);
            for (id, created, body) in slice {
                match store.open_entry(id, *created, body) {
                    Ok(e) => part.upsert(&e),
                    // Damaged records are reported by listing, not hidden in search.
                    Err(JournalError::Vault(VaultError::RecordIntegrity { .. })) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(part)
        };
        let parts: Vec<Result<BuiltIndex>> = std::thread::scope(|scope| {
            let handles: Vec<_> = rows
                .chunks(slice_len)
                .map(|slice| {
                    std::thread::Builder::new()
                        .name("lantern-search-index".into())
                        .spawn_scoped(scope, move || build_slice(slice))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| match h {
                    Ok(h) => h.join().unwrap_or_else(|_| {
                        Err(JournalError::Internal("search index thread panicked"))
                    }),
                    Err(_) => Err(JournalError::Internal("cannot start a thread")),
                })
                .collect()
        });
        let mut built = BuiltIndex::new(epoch);
        for part in parts {
            built.append(part?);
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
        let mut words: Vec<String> = tokens(query).map(Cow::into_owned).collect();
        words.sort();
        words.dedup();
        if words.is_empty() {
            return Err(JournalError::InvalidInput("the search has no words".into()));
        }
        let mut state = self.state();
        Self::ensure_built_locked(store, &mut state)?;
        let built = state
            .as_ref()
            .ok_or(JournalError::Vault(VaultError::Locked))?;
        Ok(built.query(&words, limit as usize))
    }

    /// Applies added or edited entries to a live index; a stale index is dropped instead.
    pub(super) fn upsert(&self, vault: &Vault, entries: &[Entry]) {
        let mut state = self.state();
        match state.as_mut() {
            Some(b) if b.epoch == vault.epoch() => entries.iter().for_each(|e| b.upsert(e)),
            // Rebuilt from the database on the next search.
            _ => *state = None,
        }
    }

    /// Removes a deleted entry from a live index.
    pub(super) fn remove(&self, id: &str) {
        if let Some(b) = self.state().as_mut() {
            b.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, text: &str, tags: &[&str]) -> Entry {
        Entry {
            id: id.into(),
            text: text.into(),
            mood: None,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            created_at_ms: 0,
            edited_at_ms: None,
        }
    }

    #[test]
    fn appended_parts_answer_like_one_index() {
        let docs = [
            entry("a", "calm river", &[]),
            entry("b", "river walk", &[]),
            entry("c", "calm walk", &["river"]),
            entry("d", "calm calm", &[]),
        ];
        let mut whole = BuiltIndex::new(0);
        docs.iter().for_each(|e| whole.upsert(e));
        let mut merged = BuiltIndex::new(0);
        for slice in docs.chunks(3) {
            let mut part = BuiltIndex::new(0);
            slice.iter().for_each(|e| part.upsert(e));
            merged.append(part);
        }
        let w = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        for q in [
            &["calm"][..],
            &["river"],
            &["calm", "river"],
            &["walk", "river"],
        ] {
            assert_eq!(merged.query(&w(q), 10), whole.query(&w(q), 10), "{q:?}");
        }
        merged.remove("d");
        merged.upsert(&entry("a", "changed", &[]));
        assert_eq!(merged.query(&w(&["calm"]), 10), ["c"]);
        assert_eq!(merged.query(&w(&["changed"]), 10), ["a"]);
    }

    #[test]
    fn tokens_are_lowercased_alphanumeric_runs() {
        let t: Vec<String> = tokens("Calm, RIVER-walk; Ünïcode 42x \"OR\" NEAR(b)*")
            .map(Cow::into_owned)
            .collect();
        assert_eq!(
            t,
            ["calm", "river", "walk", "ünïcode", "42x", "or", "near", "b"]
        );
    }

    #[test]
    fn every_word_must_match_ranked_by_bm25_and_edits_and_deletes_apply() {
        let mut ix = BuiltIndex::new(0);
        ix.upsert(&entry("a", "calm river calm river calm", &[]));
        ix.upsert(&entry(
            "b",
            "a calm day, the river was far away and the walk was long",
            &[],
        ));
        ix.upsert(&entry("c", "calm only", &["river"]));
        ix.upsert(&entry("d", "nothing here", &[]));
        let w = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        // "a" has the words most often in the shortest text; "b" is long.
        assert_eq!(ix.query(&w(&["calm", "river"]), 10), ["a", "c", "b"]);
        assert_eq!(ix.query(&w(&["calm", "river"]), 1), ["a"]);
        assert!(ix.query(&w(&["calm", "missing"]), 10).is_empty());
        ix.upsert(&entry("a", "now about something else", &[]));
        assert_eq!(ix.query(&w(&["calm", "river"]), 10), ["c", "b"]);
        ix.remove("c");
        assert_eq!(ix.query(&w(&["calm", "river"]), 10), ["b"]);
        assert_eq!(ix.query(&w(&["else"]), 10), ["a"]);
        assert_eq!((ix.live_docs, ix.doc_of.len()), (3, 3));
    }
}
