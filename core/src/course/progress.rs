//! The person's course progress: sections read, self-check answers, bookmarks.
//!
//! Lives in `course.db` under the data directory (WAL). The database is opened lazily on the
//! first progress call, so a damaged or unwritable database never stops the course from being
//! listed, read or searched: only progress calls fail, with a Storage error. Ids are checked
//! against the pack by the caller; this module stores whatever it is given and never deletes a
//! database it cannot read.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, params};

use super::ContentError;
use crate::store;

/// File name of the progress database inside the data directory.
pub const DB_FILE: &str = "course.db";

const MIGRATIONS: &[&str] = &["
    CREATE TABLE section_read (
        unit_id TEXT NOT NULL, lesson_id TEXT NOT NULL, section_id TEXT NOT NULL,
        read_at INTEGER NOT NULL,
        PRIMARY KEY (unit_id, lesson_id, section_id)
    ) WITHOUT ROWID;
    CREATE TABLE self_check_answer (
        exercise_id TEXT PRIMARY KEY NOT NULL, choice INTEGER NOT NULL,
        correct INTEGER NOT NULL, answered_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    -- section_id is '' for a bookmark on a whole lesson (NULL would defeat the primary key).
    -- A rowid table: the rowid keeps the order bookmarks were added in.
    CREATE TABLE bookmark (
        unit_id TEXT NOT NULL, lesson_id TEXT NOT NULL, section_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (unit_id, lesson_id, section_id)
    );
"];

/// A stored bookmark (ids only; titles come from the pack).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBookmark {
    pub unit_id: String,
    pub lesson_id: String,
    pub section_id: Option<String>,
    pub created_at: i64,
}

/// Lazily opened progress database.
pub struct ProgressStore {
    path: PathBuf,
    conn: Mutex<Option<Connection>>,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn storage(what: &str, e: &rusqlite::Error) -> ContentError {
    // The SQLite error code tells corrupt from locked from read-only; it never holds user data.
    let code = match e {
        rusqlite::Error::SqliteFailure(f, _) => format!("{:?}", f.code),
        _ => "unexpected result".to_string(),
    };
    ContentError::Storage(format!("progress database {what} ({code})"))
}

impl ProgressStore {
    pub fn new(data_dir: &std::path::Path) -> Self {
        ProgressStore {
            path: data_dir.join(DB_FILE),
            conn: Mutex::new(None),
        }
    }

    fn with<T>(
        &self,
        what: &str,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, ContentError> {
        let mut guard = self
            .conn
            .lock()
            .map_err(|_| ContentError::Storage("progress database lock poisoned".into()))?;
        if guard.is_none() {
            // Not cached on failure: a later call retries (the file may have been repaired).
            let opened = store::open_database(&self.path).and_then(|mut conn| {
                store::migrate(&mut conn, "course", MIGRATIONS)?;
                Ok(conn)
            });
            let conn = opened.map_err(|e| {
                ContentError::Storage(format!("progress database cannot be opened ({e})"))
            })?;
            *guard = Some(conn);
        }
        let conn = guard
            .as_mut()
            .ok_or_else(|| ContentError::Internal("progress connection missing".into()))?;
        f(conn).map_err(|e| storage(what, &e))
    }

    pub fn mark_read(&self, unit: &str, lesson: &str, section: &str) -> Result<(), ContentError> {
        self.with("cannot record a section", |c| {
            c.execute(
                "INSERT OR IGNORE INTO section_read VALUES (?1, ?2, ?3, ?4)",
                params![unit, lesson, section, now()],
            )
            .map(|_| ())
        })
    }

    /// (lesson id, section id) pairs read in `unit`.
    pub fn read_sections(&self, unit: &str) -> Result<HashSet<(String, String)>, ContentError> {
        self.with("cannot be read", |c| {
            let mut st = c.prepare_cached(
                "SELECT lesson_id, section_id FROM section_read WHERE unit_id = ?1",
            )?;
            st.query_map([unit], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
    }

    pub fn record_answer(
        &self,
        exercise: &str,
        choice: u32,
        correct: bool,
    ) -> Result<(), ContentError> {
        self.with("cannot record an answer", |c| {
            c.execute(
                "INSERT INTO self_check_answer VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (exercise_id) DO UPDATE SET
                   choice = excluded.choice, correct = excluded.correct,
                   answered_at = excluded.answered_at",
                params![exercise, choice, correct, now()],
            )
            .map(|_| ())
        })
    }

    /// Latest answer per exercise id: whether it was correct.
    pub fn answers(&self) -> Result<HashMap<String, bool>, ContentError> {
        self.with("cannot be read", |c| {
            let mut st = c.prepare_cached("SELECT exercise_id, correct FROM self_check_answer")?;
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect()
        })
    }

    /// Adds a bookmark; returns false if it already existed.
    pub fn add_bookmark(
        &self,
        unit: &str,
        lesson: &str,
        section: Option<&str>,
    ) -> Result<bool, ContentError> {
        self.with("cannot add a bookmark", |c| {
            c.execute(
                "INSERT OR IGNORE INTO bookmark VALUES (?1, ?2, ?3, ?4)",
                params![unit, lesson, section.unwrap_or(""), now()],
            )
            .map(|n| n == 1)
        })
    }

    /// Removes a bookmark; returns false if there was none.
    pub fn remove_bookmark(
        &self,
        unit: &str,
        lesson: &str,
        section: Option<&str>,
    ) -> Result<bool, ContentError> {
        self.with("cannot remove a bookmark", |c| {
            c.execute(
                "DELETE FROM bookmark WHERE unit_id = ?1 AND lesson_id = ?2 AND section_id = ?3",
                params![unit, lesson, section.unwrap_or("")],
            )
            .map(|n| n == 1)
        })
    }

    /// All bookmarks, oldest first.
    pub fn bookmarks(&self) -> Result<Vec<StoredBookmark>, ContentError> {
        self.with("cannot be read", |c| {
            let mut st = c.prepare_cached(
                "SELECT unit_id, lesson_id, section_id, created_at FROM bookmark
                 ORDER BY rowid",
            )?;
            st.query_map([], |r| {
                let section: String = r.get(2)?;
                Ok(StoredBookmark {
                    unit_id: r.get(0)?,
                    lesson_id: r.get(1)?,
                    section_id: (!section.is_empty()).then_some(section),
                    created_at: r.get(3)?,
                })
            })?
            .collect()
        })
    }
}
