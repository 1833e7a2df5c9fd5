//! The IANA time zone database, read from the system (never bundled: the shipping library has
//! no room for the ~200 KiB of zone data, and the system copy is the one the OS keeps updated).
//!
//! Where it is found, in order (see `docs/moments.md`): a database the app named with
//! [`use_database`]; jiff's own search (`TZDIR`, `/usr/share/zoneinfo` and the other Unix
//! directories, Android's concatenated `tzdata` under `ANDROID_ROOT` / `ANDROID_DATA`); then the
//! places jiff does not look itself: Android 10+'s time zone APEX and the Apple platforms'
//! `/var/db/timezone/zoneinfo`. With none of them, a lookup fails with
//! [`ZoneError::DatabaseMissing`], never with a panic or a silent UTC.

use std::path::Path;
use std::sync::{OnceLock, RwLock};

use jiff::tz::{TimeZone, TimeZoneDatabase};

/// Android 10+ ships the database in an updatable APEX (jiff looks only in the older places).
const ANDROID_APEX_TZDATA: &str = "/apex/com.android.tzdata/etc/tz/tzdata";
/// iOS and macOS keep it here (`/usr/share/zoneinfo` links to it on macOS, not always on iOS).
const APPLE_ZONEINFO: &str = "/var/db/timezone/zoneinfo";

/// Longest zone name accepted (the longest IANA name is about 30 characters).
pub const MAX_ZONE_NAME_BYTES: usize = 64;

/// Why a time zone could not be had. Never holds anything but the zone name the caller gave.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    /// No time zone database was found on this system (see the module comment).
    #[error(
        "no time zone database on this system (install tzdata, or name one with use_time_zone_database)"
    )]
    DatabaseMissing,
    /// The database has no zone by this name.
    #[error("unknown time zone")]
    UnknownZone,
    /// The path given to [`use_database`] holds no time zone database.
    #[error("no time zone database at the given path")]
    NotADatabase,
}

fn app_database() -> &'static RwLock<Option<TimeZoneDatabase>> {
    static APP: OnceLock<RwLock<Option<TimeZoneDatabase>>> = OnceLock::new();
    APP.get_or_init(|| RwLock::new(None))
}

fn system_database() -> &'static TimeZoneDatabase {
    static SYSTEM: OnceLock<TimeZoneDatabase> = OnceLock::new();
    SYSTEM.get_or_init(|| {
        let db = jiff::tz::db();
        if !db.is_definitively_empty() {
            return db.clone();
        }
        open_path(Path::new(ANDROID_APEX_TZDATA))
            .or_else(|| open_path(Path::new(APPLE_ZONEINFO)))
            .unwrap_or_else(TimeZoneDatabase::none)
    })
}

/// A zoneinfo directory or a concatenated `tzdata` file at `path`, if it holds any zone.
fn open_path(path: &Path) -> Option<TimeZoneDatabase> {
    let db = if path.is_dir() {
        TimeZoneDatabase::from_dir(path).ok()?
    } else {
        TimeZoneDatabase::from_concatenated_path(path).ok()?
    };
    (!db.is_definitively_empty()).then_some(db)
}

/// Uses the database at `path` (a zoneinfo directory, or Android's concatenated `tzdata`
/// file) for every later lookup in this process, in place of the system's.
pub fn use_database(path: &Path) -> Result<(), ZoneError> {
    let db = open_path(path).ok_or(ZoneError::NotADatabase)?;
    *app_database().write().unwrap_or_else(|p| p.into_inner()) = Some(db);
    Ok(())
}

/// The time zone `name` (an IANA identifier such as `Europe/Madrid`).
pub fn zone(name: &str) -> Result<TimeZone, ZoneError> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_ZONE_NAME_BYTES {
        return Err(ZoneError::UnknownZone);
    }
    let app = app_database().read().unwrap_or_else(|p| p.into_inner());
    lookup(app.as_ref().unwrap_or_else(|| system_database()), name)
}

fn lookup(db: &TimeZoneDatabase, name: &str) -> Result<TimeZone, ZoneError> {
    if db.is_definitively_empty() {
        return Err(ZoneError::DatabaseMissing);
    }
    db.get(name).map_err(|_| ZoneError::UnknownZone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_and_bad_ones_are_refused() {
        assert!(zone("America/New_York").is_ok());
        assert!(zone(" Europe/Madrid ").is_ok());
        assert_eq!(zone("Mars/Olympus_Mons"), Err(ZoneError::UnknownZone));
        assert_eq!(zone(""), Err(ZoneError::UnknownZone));
        assert_eq!(zone(&"x".repeat(65)), Err(ZoneError::UnknownZone));
        let nowhere = tempfile::tempdir().expect("temp dir");
        assert_eq!(
            use_database(&nowhere.path().join("missing")),
            Err(ZoneError::NotADatabase)
        );
        assert_eq!(use_database(nowhere.path()), Err(ZoneError::NotADatabase));
        // A system without any database: a typed error, not UTC.
        assert_eq!(
            lookup(&TimeZoneDatabase::none(), "Europe/Madrid"),
            Err(ZoneError::DatabaseMissing)
        );
    }
}
