//! Opening a SQLite database the way every Lantern store expects it: WAL, synchronous=NORMAL,
//! foreign keys on, a busy timeout, and numbered migrations tracked in `PRAGMA user_version`.
//! Never swallow a migration error: a half-migrated database must not be used.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

/// Opens (creating if needed) the database at `path` and applies `migrations` in order:
/// migration `i` (0-based) brings the schema to `user_version = i + 1`, in one transaction.
pub fn open_with_migrations(path: &Path, migrations: &[&str]) -> rusqlite::Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in (0i64..)
        .zip(migrations)
        .skip(usize::try_from(current).unwrap_or(0))
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(conn)
}
