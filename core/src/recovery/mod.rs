//! Recovery milestones: the date the person's recovery started, the days since, the milestones
//! reached and the next one (`milestones`), and a private history of earlier starts kept when
//! the count is reset.
//!
//! The start date and the history are sealed under the vault's key as one record; on disk is
//! only an opaque row. What may leave the device is the count alone ([`SharedCount`]: days and
//! the latest milestone), and only under a `recovery-count` consent; never the start date, the
//! time zone or the history. Nothing here goes into an error message or a log.

pub mod milestones;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::store::{self, StorageError};
use crate::tzdb::ZoneError;
use crate::vault::{Vault, VaultError};

pub use milestones::Milestone;

/// Record kind and id of the sealed state (part of its associated data).
const KIND_STATE: &str = "recovery.state";
const STATE_ID: &str = "state";
/// Earliest start date accepted.
const EARLIEST_START: Date = jiff::civil::date(1900, 1, 1);

const MIGRATIONS: &[&str] = &["
    -- One row: start date, time zone and earlier starts, sealed under the vault DEK
    -- (kind 'recovery.state').
    CREATE TABLE recovery_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        body BLOB NOT NULL
    );
"];

/// What recovery milestones can refuse. Messages never hold dates.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// No start date is set (nothing to reset).
    #[error("no recovery start date is set")]
    NotSet,
    #[error(transparent)]
    Zone(#[from] ZoneError),
    /// The stored state does not decode (its seal held, so a bug or an older format).
    #[error("the stored recovery state is damaged")]
    Damaged,
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl From<rusqlite::Error> for RecoveryError {
    fn from(e: rusqlite::Error) -> Self {
        RecoveryError::Storage(e.into())
    }
}

/// One milestone and the day it falls on.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MilestoneDay {
    pub milestone: Milestone,
    /// `YYYY-MM-DD`, on the person's calendar.
    pub date: String,
    /// Days from the start to that day.
    pub days: u32,
}

/// Where the person's recovery stands today.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecoveryStatus {
    /// `YYYY-MM-DD`.
    pub start_date: String,
    /// The IANA time zone whose calendar counts the days.
    pub time_zone: String,
    /// Today there, `YYYY-MM-DD`.
    pub today: String,
    /// Whole days since the start (0 on the first day).
    pub days: u32,
    /// Every milestone reached, in order.
    pub reached: Vec<MilestoneDay>,
    /// The next milestone.
    pub next: Option<MilestoneDay>,
    /// Days until the next milestone.
    pub days_to_next: Option<u32>,
}

/// An earlier start, kept (privately) when the count was reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
pub struct PreviousStart {
    /// `YYYY-MM-DD`.
    pub start_date: String,
    /// The day the count was reset (the new start), `YYYY-MM-DD`.
    pub ended_on: String,
    /// Days counted from that start until the reset.
    pub days: u32,
}

/// The only thing of recovery that can be shared: the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedCount {
    pub days: u32,
    /// The latest milestone reached, if any.
    pub milestone: Option<Milestone>,
}

/// The sealed record.
#[derive(Serialize, Deserialize)]
struct State {
    start: String,
    time_zone: String,
    /// Newest last.
    history: Vec<PreviousStart>,
}

fn parse_date(text: &str) -> Result<Date, RecoveryError> {
    let bad = || RecoveryError::InvalidInput("dates look like 2026-03-17".into());
    let text = text.trim();
    if text.len() != 10 {
        return Err(bad());
    }
    text.parse::<Date>().map_err(|_| bad())
}

fn today_in(tz: &jiff::tz::TimeZone, now_ms: i64) -> Result<Date, RecoveryError> {
    let now = Timestamp::from_millisecond(now_ms)
        .map_err(|_| RecoveryError::InvalidInput("time out of range".into()))?;
    Ok(tz.to_datetime(now).date())
}

fn day_count(from: Date, to: Date) -> u32 {
    u32::try_from(milestones::days_between(from, to).max(0)).unwrap_or(u32::MAX)
}

/// Checks that `start` can be a start date on `today`.
fn check_start(start: Date, today: Date) -> Result<(), RecoveryError> {
    if start > today {
        return Err(RecoveryError::InvalidInput(
            "a start date cannot be in the future".into(),
        ));
    }
    if start < EARLIEST_START || today.year() - start.year() >= milestones::MAX_YEARS as i16 {
        return Err(RecoveryError::InvalidInput(
            "a start date cannot be that long ago".into(),
        ));
    }
    Ok(())
}

/// The standing of a recovery started on `start` when it is `today`.
fn status_of(start: Date, time_zone: &str, today: Date) -> RecoveryStatus {
    let (reached, next) = milestones::standing(start, today);
    let day = |(m, d): (Milestone, Date)| MilestoneDay {
        milestone: m,
        date: d.to_string(),
        days: day_count(start, d),
    };
    RecoveryStatus {
        start_date: start.to_string(),
        time_zone: time_zone.to_string(),
        today: today.to_string(),
        days: day_count(start, today),
        reached: reached.into_iter().map(day).collect(),
        days_to_next: next.map(|(_, d)| day_count(today, d)),
        next: next.map(day),
    }
}

/// The sealed start date and history in `private.db`, beside the vault whose key seals them.
pub struct RecoveryStore {
    vault: Arc<Vault>,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for RecoveryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecoveryStore").finish_non_exhaustive()
    }
}

impl RecoveryStore {
    /// Opens (creating) the recovery table in the database at `path`, sealing with `vault`.
    pub fn open(path: &Path, vault: Arc<Vault>) -> Result<Self, RecoveryError> {
        let mut conn = store::open_database(path)?;
        store::migrate(&mut conn, "recovery", MIGRATIONS)?;
        Ok(RecoveryStore {
            vault,
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // SQLite rolls back an interrupted statement: a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) -> Result<Option<State>, RecoveryError> {
        if !self.vault.is_unlocked() {
            return Err(VaultError::Locked.into());
        }
        let sealed: Option<Vec<u8>> = self
            .conn()
            .query_row("SELECT body FROM recovery_state WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let plain = self.vault.open_record(KIND_STATE, STATE_ID, &sealed)?;
        serde_json::from_slice(&plain)
            .map(Some)
            .map_err(|_| RecoveryError::Damaged)
    }

    fn write(&self, state: &State) -> Result<(), RecoveryError> {
        let plain =
            zeroize::Zeroizing::new(serde_json::to_vec(state).map_err(|_| RecoveryError::Damaged)?);
        let sealed = self.vault.seal_record(KIND_STATE, STATE_ID, &plain)?;
        self.conn().execute(
            "INSERT INTO recovery_state (id, body) VALUES (1, ?1)
             ON CONFLICT(id) DO UPDATE SET body = excluded.body",
            [sealed],
        )?;
        Ok(())
    }

    /// Sets (or corrects) the start date `start` (`YYYY-MM-DD`, not in the future), counted on
    /// the calendar of `time_zone`. Earlier starts stay in the history; correcting a date is
    /// not a reset. Needs unlocked.
    pub fn set_start(
        &self,
        start: &str,
        time_zone: &str,
        now_ms: i64,
    ) -> Result<RecoveryStatus, RecoveryError> {
        let start = parse_date(start)?;
        let time_zone = time_zone.trim().to_string();
        let tz = crate::tzdb::zone(&time_zone)?;
        let today = today_in(&tz, now_ms)?;
        check_start(start, today)?;
        let history = self.read()?.map(|s| s.history).unwrap_or_default();
        self.write(&State {
            start: start.to_string(),
            time_zone: time_zone.clone(),
            history,
        })?;
        Ok(status_of(start, &time_zone, today))
    }

    /// Where recovery stands at `now_ms`, or `None` when no start date is set. Needs unlocked.
    pub fn status(&self, now_ms: i64) -> Result<Option<RecoveryStatus>, RecoveryError> {
        let Some(state) = self.read()? else {
            return Ok(None);
        };
        let start = parse_date(&state.start).map_err(|_| RecoveryError::Damaged)?;
        let tz = crate::tzdb::zone(&state.time_zone)?;
        Ok(Some(status_of(
            start,
            &state.time_zone,
            today_in(&tz, now_ms)?,
        )))
    }

    /// Starts the count again on `new_start` (today when `None`), keeping the current start in
    /// the private history. Needs a start date set, and unlocked.
    pub fn reset(
        &self,
        new_start: Option<&str>,
        now_ms: i64,
    ) -> Result<RecoveryStatus, RecoveryError> {
        let mut state = self.read()?.ok_or(RecoveryError::NotSet)?;
        let old = parse_date(&state.start).map_err(|_| RecoveryError::Damaged)?;
        let tz = crate::tzdb::zone(&state.time_zone)?;
        let today = today_in(&tz, now_ms)?;
        let new_start = match new_start {
            Some(d) => parse_date(d)?,
            None => today,
        };
        check_start(new_start, today)?;
        if new_start < old {
            return Err(RecoveryError::InvalidInput(
                "a new start cannot be before the current one (set the start date instead)".into(),
            ));
        }
        state.history.push(PreviousStart {
            start_date: old.to_string(),
            ended_on: new_start.to_string(),
            days: day_count(old, new_start),
        });
        state.start = new_start.to_string();
        self.write(&state)?;
        Ok(status_of(new_start, &state.time_zone, today))
    }

    /// The earlier starts, newest first. Needs unlocked.
    pub fn history(&self) -> Result<Vec<PreviousStart>, RecoveryError> {
        let mut history = self.read()?.map(|s| s.history).unwrap_or_default();
        history.reverse();
        Ok(history)
    }

    /// Forgets the start date and the whole history (the row is deleted and its pages zeroed
    /// by `secure_delete`). A shared count is withdrawn at the next sync. Needs unlocked.
    pub fn clear(&self) -> Result<(), RecoveryError> {
        if !self.vault.is_unlocked() {
            return Err(VaultError::Locked.into());
        }
        self.conn()
            .execute("DELETE FROM recovery_state WHERE id = 1", [])?;
        Ok(())
    }

    /// The count as it may be shared (days and latest milestone), or `None` with no start.
    pub fn shared_count(&self, now_ms: i64) -> Result<Option<SharedCount>, RecoveryError> {
        Ok(self.status(now_ms)?.map(|s| SharedCount {
            days: s.days,
            milestone: s.reached.last().map(|m| m.milestone),
        }))
    }
}

#[cfg(test)]
mod tests;
