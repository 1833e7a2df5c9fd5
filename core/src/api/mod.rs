//! The whole FFI surface. Only this module carries `#[uniffi::export]`; every method is a thin
//! delegation to a capability module, so a reader sees the app-facing API in one place.
//! All calls are blocking: apps call them off the main thread (see `docs/design.md`, "Threading").

pub mod course;
pub mod journal;
pub mod push;
pub mod reach;
pub mod recovery;
pub mod reminders;
pub mod sharing;

use std::path::PathBuf;
use std::sync::Arc;

use crate::LanternError;
use crate::vault::VaultOptions;

pub use journal::{Journal, PlatformKeyProvider};

/// One installation's core, opened on a data directory the app owns.
#[derive(uniffi::Object)]
pub struct Lantern {
    data_dir: PathBuf,
    course: Arc<course::Course>,
    journal: Arc<Journal>,
    sharing: Arc<sharing::Sharing>,
    reminders: Arc<reminders::Reminders>,
    recovery: Arc<recovery::Recovery>,
}

#[uniffi::export]
impl Lantern {
    /// Opens the core on `data_dir`, creating it if needed.
    #[uniffi::constructor]
    pub fn open(data_dir: String) -> Result<Arc<Self>, LanternError> {
        Self::open_with(PathBuf::from(data_dir), VaultOptions::default())
    }

    /// The data directory this core was opened on.
    pub fn data_dir(&self) -> String {
        self.data_dir.display().to_string()
    }
}

impl Lantern {
    /// Rust callers only (the CLI, tests): opens with chosen vault options, such as a lower
    /// KDF work factor for tests. Not part of the FFI.
    pub fn open_with(data_dir: PathBuf, options: VaultOptions) -> Result<Arc<Self>, LanternError> {
        crate::store::ensure_data_dir(&data_dir)?;
        let course = Arc::new(course::Course::open(&data_dir)?);
        let journal = Arc::new(Journal::open(&data_dir, options)?);
        let private_db = data_dir.join(journal::PRIVATE_DB_FILE);
        let reminders = Arc::new(reminders::Reminders::open(
            &private_db,
            journal.vault().clone(),
        )?);
        let recovery = Arc::new(recovery::Recovery::open(
            &private_db,
            journal.vault().clone(),
        )?);
        let sharing = Arc::new(sharing::Sharing::open(
            &data_dir,
            journal.clone(),
            course.clone(),
            recovery.store().clone(),
        )?);
        Ok(Arc::new(Lantern {
            data_dir,
            course,
            journal,
            sharing,
            reminders,
            recovery,
        }))
    }
}
