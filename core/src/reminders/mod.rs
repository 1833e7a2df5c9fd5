//! Check-in reminders: the days and times the person wants a nudge to check in, in their time
//! zone, kept sealed under the vault's key, and the next instants to fire (`schedule`).
//!
//! The schedule is private (when someone checks in says something about their day), so it is
//! sealed like a journal record; only an opaque row is on disk. The apps turn the instants into
//! local notifications whose words are [`NOTIFICATION_TITLE`] and [`NOTIFICATION_BODY`]: fixed,
//! with nothing from the journal, the schedule or recovery in them (see `docs/moments.md`).
//! This module must never put the schedule in an error message or a log.

pub mod schedule;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension};

use crate::store::{self, StorageError};
use crate::tzdb::ZoneError;
use crate::vault::{Vault, VaultError};

pub use schedule::{
    MAX_COUNT, MAX_TIMES, ReminderInstant, ReminderSchedule, ReminderShift, ReminderTime, Weekday,
};

/// Record kind and id of the sealed schedule (part of its associated data).
const KIND_SCHEDULE: &str = "reminders.schedule";
const SCHEDULE_ID: &str = "schedule";

/// The localisation key of the reminder notification's words, and its English text. Fixed on
/// purpose: a lock screen shows it to anyone nearby, so it says nothing about recovery, moods
/// or the journal, and nothing the person wrote.
pub const NOTIFICATION_KEY: &str = "reminder.check_in";
pub const NOTIFICATION_TITLE: &str = "Lantern";
pub const NOTIFICATION_BODY: &str = "A moment to check in with yourself.";

const MIGRATIONS: &[&str] = &["
    -- One row: the schedule, sealed under the vault DEK (kind 'reminders.schedule').
    CREATE TABLE reminder_schedule (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        body BLOB NOT NULL
    );
"];

/// What reminders can refuse. Messages never hold the schedule.
#[derive(Debug, thiserror::Error)]
pub enum ReminderError {
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error(transparent)]
    Zone(#[from] ZoneError),
    /// The stored schedule does not decode (its seal held, so a bug or an older format).
    #[error("the stored reminder schedule is damaged")]
    Damaged,
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl From<rusqlite::Error> for ReminderError {
    fn from(e: rusqlite::Error) -> Self {
        ReminderError::Storage(e.into())
    }
}

/// The sealed schedule in `private.db`, beside the vault whose key seals it.
pub struct ReminderStore {
    vault: Arc<Vault>,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for ReminderStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReminderStore").finish_non_exhaustive()
    }
}

impl ReminderStore {
    /// Opens (creating) the reminder table in the database at `path`, sealing with `vault`.
    pub fn open(path: &Path, vault: Arc<Vault>) -> Result<Self, ReminderError> {
        let mut conn = store::open_database(path)?;
        store::migrate(&mut conn, "reminders", MIGRATIONS)?;
        Ok(ReminderStore {
            vault,
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // SQLite rolls back an interrupted statement: a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Checks, normalises and seals `schedule`, replacing any earlier one. Needs unlocked.
    pub fn set(&self, schedule: ReminderSchedule) -> Result<ReminderSchedule, ReminderError> {
        let (schedule, _) = schedule.normalized()?;
        let plain = zeroize::Zeroizing::new(
            serde_json::to_vec(&schedule).map_err(|_| ReminderError::Damaged)?,
        );
        let sealed = self.vault.seal_record(KIND_SCHEDULE, SCHEDULE_ID, &plain)?;
        self.conn().execute(
            "INSERT INTO reminder_schedule (id, body) VALUES (1, ?1)
             ON CONFLICT(id) DO UPDATE SET body = excluded.body",
            [sealed],
        )?;
        Ok(schedule)
    }

    /// The schedule, or `None` when reminders are off. Needs unlocked.
    pub fn get(&self) -> Result<Option<ReminderSchedule>, ReminderError> {
        if !self.vault.is_unlocked() {
            return Err(VaultError::Locked.into());
        }
        let sealed: Option<Vec<u8>> = self
            .conn()
            .query_row("SELECT body FROM reminder_schedule WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let plain = self
            .vault
            .open_record(KIND_SCHEDULE, SCHEDULE_ID, &sealed)?;
        serde_json::from_slice(&plain)
            .map(Some)
            .map_err(|_| ReminderError::Damaged)
    }

    /// Turns reminders off: the sealed schedule is deleted (its pages zeroed by
    /// `secure_delete`). Needs unlocked, so only the owner can change it. Idempotent.
    pub fn clear(&self) -> Result<(), ReminderError> {
        if !self.vault.is_unlocked() {
            return Err(VaultError::Locked.into());
        }
        self.conn()
            .execute("DELETE FROM reminder_schedule WHERE id = 1", [])?;
        Ok(())
    }

    /// The next `count` reminders strictly after `after_ms` (empty when reminders are off).
    pub fn next(&self, after_ms: i64, count: u32) -> Result<Vec<ReminderInstant>, ReminderError> {
        match self.get()? {
            None => Ok(Vec::new()),
            Some(s) => {
                let (s, tz) = s.normalized()?;
                schedule::next_instants(&s, &tz, after_ms, count)
            }
        }
    }
}

#[cfg(test)]
mod tests;
