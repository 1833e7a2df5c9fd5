//! FFI surface of recovery milestones: the `Recovery` object (reached through
//! `Lantern::recovery()`) and the milestones' words. Thin delegations to `crate::recovery`.
//! Sharing the count is a consent scope (`Scope::RecoveryCount`), decided in `crate::consent`.

use std::path::Path;
use std::sync::Arc;

use crate::LanternError;
use crate::api::Lantern;
use crate::recovery::{Milestone, PreviousStart, RecoveryStatus, RecoveryStore};

/// The person's recovery start date, day count and milestones, and the private history of
/// earlier starts; all sealed under the vault's key. Needs the vault unlocked.
#[derive(uniffi::Object)]
pub struct Recovery {
    store: Arc<RecoveryStore>,
}

impl std::fmt::Debug for Recovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recovery").finish_non_exhaustive()
    }
}

impl Recovery {
    /// Opens the recovery record kept in `private.db` (called by `Lantern::open`).
    pub(crate) fn open(path: &Path, vault: Arc<crate::vault::Vault>) -> Result<Self, LanternError> {
        Ok(Recovery {
            store: Arc::new(RecoveryStore::open(path, vault)?),
        })
    }

    /// The Rust API (for sharing, the CLI and tests).
    pub fn store(&self) -> &Arc<RecoveryStore> {
        &self.store
    }
}

fn now_ms() -> i64 {
    crate::sharing::unix_now().saturating_mul(1000)
}

#[uniffi::export]
impl Recovery {
    /// Sets or corrects the start date (`YYYY-MM-DD`, not in the future), counted on the
    /// calendar of `time_zone` (the device's IANA zone). Not a reset: the history is unchanged.
    pub fn set_start(
        &self,
        start_date: String,
        time_zone: String,
    ) -> Result<RecoveryStatus, LanternError> {
        Ok(self.store.set_start(&start_date, &time_zone, now_ms())?)
    }

    /// Where recovery stands today (days, milestones reached, the next one), or None when no
    /// start date is set.
    pub fn status(&self) -> Result<Option<RecoveryStatus>, LanternError> {
        Ok(self.store.status(now_ms())?)
    }

    /// Starts the count again on `new_start` (`YYYY-MM-DD`; today when None), keeping the
    /// current start in the private history. `NotFound` when no start date is set.
    pub fn reset(&self, new_start: Option<String>) -> Result<RecoveryStatus, LanternError> {
        Ok(self.store.reset(new_start.as_deref(), now_ms())?)
    }

    /// Earlier starts, newest first (never shared).
    pub fn history(&self) -> Result<Vec<PreviousStart>, LanternError> {
        Ok(self.store.history()?)
    }

    /// Forgets the start date and the whole history. A shared count is withdrawn at the next sync.
    pub fn clear(&self) -> Result<(), LanternError> {
        Ok(self.store.clear()?)
    }
}

#[uniffi::export]
impl Lantern {
    /// Recovery start date, day count and milestones.
    pub fn recovery(&self) -> Arc<Recovery> {
        Arc::clone(&self.recovery)
    }
}

/// A milestone in words: `24 hours`, `1 week`, `30 days`, `60 days`, `90 days`, `6 months`,
/// `1 year`, `2 years`...
#[uniffi::export]
pub fn describe_milestone(milestone: Milestone) -> String {
    milestone.describe()
}
