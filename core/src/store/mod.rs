//! SQLite helpers shared by every capability: opening a database with the pragmas Lantern
//! relies on (WAL, foreign keys, synchronous=NORMAL), running numbered migrations, and moving a
//! database file from an older name to the current one. Errors are [`StorageError`]; the
//! capabilities wrap it in their own error types.

pub mod owner_only;

use std::path::Path;

/// Why the data directory or a database could not be used. SQLite's messages name tables and
/// constraints, never values; paths are not included.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot create data directory: {0}")]
    CreateDir(std::io::ErrorKind),
    #[error("data directory is not writable: {0}")]
    NotWritable(std::io::ErrorKind),
    #[error("cannot open database: {0}")]
    Open(rusqlite::Error),
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{component} schema version {version} is newer than this build knows")]
    SchemaTooNew { component: String, version: i64 },
    #[error("cannot rename a database file to its current name: {0}")]
    Rename(std::io::ErrorKind),
}

/// Creates `dir` (and parents) readable by its owner only, and checks that it is writable.
pub fn ensure_data_dir(dir: &Path) -> Result<(), StorageError> {
    owner_only::create_dir(dir).map_err(|e| StorageError::CreateDir(e.kind()))?;
    let probe = dir.join(".lantern-write-probe");
    let _ = std::fs::remove_file(&probe);
    owner_only::create_new(&probe).map_err(|e| StorageError::NotWritable(e.kind()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Every database file in a data directory is named `<component>.db`. A file written under an
/// older name (`legacy`) is renamed to `current` before it is opened, with its WAL and shared
/// memory files, so data directories from earlier versions keep opening. Nothing happens when
/// `current` already exists or `legacy` does not.
pub fn adopt_legacy_name(dir: &Path, legacy: &str, current: &str) -> Result<(), StorageError> {
    let (old, new) = (dir.join(legacy), dir.join(current));
    if new.exists() || !old.exists() {
        return Ok(());
    }
    // Side files first: if this stops half-way, the next open finds `legacy` again and ends
    // the job; SQLite ignores a WAL that does not belong to its database.
    for suffix in ["-wal", "-shm", "-journal"] {
        let side = dir.join(format!("{legacy}{suffix}"));
        if side.exists() {
            std::fs::rename(&side, dir.join(format!("{current}{suffix}")))
                .map_err(|e| StorageError::Rename(e.kind()))?;
        }
    }
    std::fs::rename(&old, &new).map_err(|e| StorageError::Rename(e.kind()))
}

/// Opens (creating if needed) the SQLite database at `path` with the pragmas every Lantern
/// database relies on: WAL, synchronous=NORMAL, foreign keys, a busy timeout, temporary tables
/// in memory (never temp files on disk) and secure_delete (freed pages are zeroed).
pub fn open_database(path: &Path) -> Result<rusqlite::Connection, StorageError> {
    owner_only::prepare_database(path).map_err(|e| StorageError::CreateDir(e.kind()))?;
    let conn = rusqlite::Connection::open(path).map_err(StorageError::Open)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA secure_delete = ON;",
    )?;
    Ok(conn)
}

/// Runs the numbered migrations of one `component` (its tables only) that have not run yet.
/// Versions are tracked per component in `schema_versions`, so several capabilities can share
/// one database file without sharing `PRAGMA user_version`. Each step runs in a transaction
/// with its version bump, so a crash leaves the schema at a whole step.
pub fn migrate(
    conn: &mut rusqlite::Connection,
    component: &str,
    steps: &[&str],
) -> Result<(), StorageError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_versions (
             component TEXT PRIMARY KEY NOT NULL,
             version INTEGER NOT NULL
         ) WITHOUT ROWID;",
    )?;
    let current: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_versions WHERE component = ?1",
        [component],
        |r| r.get(0),
    )?;
    if current > steps.len() as i64 {
        return Err(StorageError::SchemaTooNew {
            component: component.to_string(),
            version: current,
        });
    }
    for (i, step) in steps.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.execute(
            "INSERT INTO schema_versions (component, version) VALUES (?1, ?2)
             ON CONFLICT(component) DO UPDATE SET version = excluded.version",
            rusqlite::params![component, i as i64 + 1],
        )?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_legacy_database_name_is_adopted_with_its_side_files_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("old.sqlite3"), b"main").expect("write");
        std::fs::write(dir.path().join("old.sqlite3-wal"), b"wal").expect("write");
        adopt_legacy_name(dir.path(), "old.sqlite3", "new.db").expect("renames");
        assert_eq!(
            std::fs::read(dir.path().join("new.db")).expect("main"),
            b"main"
        );
        assert_eq!(
            std::fs::read(dir.path().join("new.db-wal")).expect("wal"),
            b"wal"
        );
        assert!(!dir.path().join("old.sqlite3").exists());
        // With both present, the current file wins and the legacy one is left alone.
        std::fs::write(dir.path().join("old.sqlite3"), b"stale").expect("write");
        adopt_legacy_name(dir.path(), "old.sqlite3", "new.db").expect("no-op");
        assert_eq!(
            std::fs::read(dir.path().join("new.db")).expect("main"),
            b"main"
        );
    }
}
