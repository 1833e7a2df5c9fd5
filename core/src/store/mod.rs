//! SQLite helpers shared by every capability: opening a database with the pragmas Lantern
//! relies on (WAL, foreign keys, synchronous=NORMAL) and running numbered migrations.

pub mod sqlite;

use std::path::Path;

use crate::LanternError;

/// Creates `dir` (and parents) and checks that it is writable.
pub fn ensure_data_dir(dir: &Path) -> Result<(), LanternError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        LanternError::Storage(format!("cannot create data directory: {}", e.kind()))
    })?;
    let probe = dir.join(".lantern-write-probe");
    std::fs::write(&probe, b"").map_err(|e| {
        LanternError::Storage(format!("data directory is not writable: {}", e.kind()))
    })?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}
