//! SQLite helpers shared by every capability: opening a database with the pragmas Lantern
//! relies on (WAL, foreign keys, synchronous=NORMAL) and running numbered migrations.

pub mod owner_only;

use std::path::Path;

use crate::LanternError;

/// Creates `dir` (and parents) readable by its owner only, and checks that it is writable.
pub fn ensure_data_dir(dir: &Path) -> Result<(), LanternError> {
    owner_only::create_dir(dir).map_err(|e| {
        LanternError::Storage(format!("cannot create data directory: {}", e.kind()))
    })?;
    let probe = dir.join(".lantern-write-probe");
    let _ = std::fs::remove_file(&probe);
    owner_only::create_new(&probe).map_err(|e| {
        LanternError::Storage(format!("data directory is not writable: {}", e.kind()))
    })?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Opens (creating if needed) the SQLite database at `path` with the pragmas every Lantern
/// database relies on: WAL, synchronous=NORMAL, foreign keys, a busy timeout, temporary tables
/// in memory (never temp files on disk) and secure_delete (freed pages are zeroed).
pub fn open_database(path: &Path) -> Result<rusqlite::Connection, LanternError> {
    owner_only::prepare_database(path)
        .map_err(|e| LanternError::Storage(format!("cannot create database: {}", e.kind())))?;
    let conn = rusqlite::Connection::open(path)
        .map_err(|e| LanternError::Storage(format!("cannot open database: {e}")))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(storage_error)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA secure_delete = ON;",
    )
    .map_err(storage_error)?;
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
) -> Result<(), LanternError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_versions (
             component TEXT PRIMARY KEY NOT NULL,
             version INTEGER NOT NULL
         ) WITHOUT ROWID;",
    )
    .map_err(storage_error)?;
    let current: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_versions WHERE component = ?1",
            [component],
            |r| r.get(0),
        )
        .map_err(storage_error)?;
    if current > steps.len() as i64 {
        return Err(LanternError::Storage(format!(
            "{component} schema version {current} is newer than this build knows"
        )));
    }
    for (i, step) in steps.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction().map_err(storage_error)?;
        tx.execute_batch(step).map_err(storage_error)?;
        tx.execute(
            "INSERT INTO schema_versions (component, version) VALUES (?1, ?2)
             ON CONFLICT(component) DO UPDATE SET version = excluded.version",
            rusqlite::params![component, i as i64 + 1],
        )
        .map_err(storage_error)?;
        tx.commit().map_err(storage_error)?;
    }
    Ok(())
}

/// Maps a SQLite error to `Storage`. SQLite messages name tables and constraints, never values.
pub fn storage_error(e: rusqlite::Error) -> LanternError {
    LanternError::Storage(e.to_string())
}
