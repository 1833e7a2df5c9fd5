//! FFI surface of check-in reminders: the `Reminders` object (reached through
//! `Lantern::reminders()`), the fixed notification words, a preview of a schedule not yet saved,
//! and naming the time zone database on platforms where the core does not find it. Thin
//! delegations to `crate::reminders` and `crate::tzdb`.

use std::path::Path;
use std::sync::Arc;

use crate::LanternError;
use crate::api::Lantern;
use crate::reminders::{
    self, ReminderInstant, ReminderSchedule, ReminderStore, schedule::next_instants,
};

/// The words of every reminder notification, fixed so a lock screen never shows anything
/// private. `key` names them in the app's own translations; `title` and `body` are English.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReminderNotification {
    pub key: String,
    pub title: String,
    pub body: String,
}

/// The person's check-in reminders: a schedule sealed under the vault's key, and the instants
/// to hand the OS as local notifications. Needs the vault unlocked. Every call blocks.
#[derive(uniffi::Object)]
pub struct Reminders {
    store: ReminderStore,
}

impl std::fmt::Debug for Reminders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reminders").finish_non_exhaustive()
    }
}

impl Reminders {
    /// Opens the reminders kept in `private.db` (called by `Lantern::open`).
    pub(crate) fn open(path: &Path, vault: Arc<crate::vault::Vault>) -> Result<Self, LanternError> {
        Ok(Reminders {
            store: ReminderStore::open(path, vault)?,
        })
    }

    /// The Rust API (for the CLI and tests).
    pub fn store(&self) -> &ReminderStore {
        &self.store
    }
}

fn now_ms() -> i64 {
    crate::sharing::unix_now().saturating_mul(1000)
}

#[uniffi::export]
impl Reminders {
    /// Saves the schedule (replacing any earlier one) and returns it normalised: days and times
    /// sorted, without repeats. `InvalidInput` for no day, no time, more than 12 times, a time
    /// out of range or an unknown time zone; `TimeZoneDataMissing` if the system has no time
    /// zone database. The app then (re)schedules its notifications from `next_reminders`.
    pub fn set_schedule(
        &self,
        schedule: ReminderSchedule,
    ) -> Result<ReminderSchedule, LanternError> {
        Ok(self.store.set(schedule)?)
    }

    /// The saved schedule, or None when reminders are off.
    pub fn schedule(&self) -> Result<Option<ReminderSchedule>, LanternError> {
        Ok(self.store.get()?)
    }

    /// Turns reminders off (the schedule is deleted). The app cancels its notifications.
    pub fn turn_off(&self) -> Result<(), LanternError> {
        Ok(self.store.clear()?)
    }

    /// The next `count` (1 to 200) reminders from now, earliest first; empty when off.
    pub fn next_reminders(&self, count: u32) -> Result<Vec<ReminderInstant>, LanternError> {
        Ok(self.store.next(now_ms(), count)?)
    }

    /// The next `count` reminders strictly after `after_ms` (Unix milliseconds).
    pub fn next_reminders_after(
        &self,
        after_ms: i64,
        count: u32,
    ) -> Result<Vec<ReminderInstant>, LanternError> {
        Ok(self.store.next(after_ms, count)?)
    }
}

#[uniffi::export]
impl Lantern {
    /// Check-in reminders.
    pub fn reminders(&self) -> Arc<Reminders> {
        Arc::clone(&self.reminders)
    }
}

/// The next `count` reminders of a schedule not saved yet, strictly after `after_ms`: for the
/// app to show "next: Sunday 03:00 (clocks change)" while the person picks. Needs no unlock.
#[uniffi::export]
pub fn preview_reminders(
    schedule: ReminderSchedule,
    after_ms: i64,
    count: u32,
) -> Result<Vec<ReminderInstant>, LanternError> {
    let (schedule, tz) = schedule.normalized()?;
    Ok(next_instants(&schedule, &tz, after_ms, count)?)
}

/// The words every reminder notification shows (never anything private).
#[uniffi::export]
pub fn reminder_notification() -> ReminderNotification {
    ReminderNotification {
        key: reminders::NOTIFICATION_KEY.into(),
        title: reminders::NOTIFICATION_TITLE.into(),
        body: reminders::NOTIFICATION_BODY.into(),
    }
}

/// Uses the time zone database at `path` (a zoneinfo directory, or Android's concatenated
/// `tzdata` file) for the rest of this process, for a platform where the core finds none
/// (`TimeZoneDataMissing`). `InvalidInput` when `path` holds no time zone database.
#[uniffi::export]
pub fn use_time_zone_database(path: String) -> Result<(), LanternError> {
    Ok(crate::tzdb::use_database(Path::new(&path))?)
}
