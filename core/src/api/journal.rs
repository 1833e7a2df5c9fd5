//! FFI surface of the encrypted journal and its vault: the `Journal` object (reached through
//! `Lantern::journal()`) and the `PlatformKeyProvider` foreign trait. Thin delegations to
//! `crate::vault` and `crate::journal`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::LanternError;
use crate::api::Lantern;
use crate::journal::{
    CheckIn, Entry, EntryPage, EntryQuery, EntryUpdate, ImportReport, JournalStore, MoodTrends,
    NewEntry, PlaintextFormat,
};
use crate::vault::passphrase_policy::{self, PassphraseProblem};
use crate::vault::{PlatformKeyError, Vault, VaultOptions};

/// The file in the data directory that holds the vault and the journal (all sealed).
pub const PRIVATE_DB_FILE: &str = "private.db";

/// A key the platform holds (Android Keystore, iOS Keychain / Secure Enclave), offered as a
/// second way to unlock. The core hands over its data key to be wrapped and later asks for
/// it back; the platform key itself never leaves the platform. A failure is raised as a
/// `PlatformKeyError` and reaches the caller of the unlock typed (`Cancelled` as
/// `LanternError::Cancelled`, `KeyUnavailable` as `WrongPassphrase`: ask for the passphrase).
#[uniffi::export(foreign)]
pub trait PlatformKeyProvider: Send + Sync {
    /// Encrypts `key` with the platform-held key and returns the result (stored by the core).
    fn wrap_key(&self, key: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError>;
    /// Decrypts what `wrap_key` returned (may ask for biometrics); an error aborts the unlock.
    fn unwrap_key(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError>;
}

/// The encrypted recovery journal: vault (passphrase, recovery code, platform key) and
/// entries, check-ins, search, trends, backup. Every call blocks; call off the main thread.
#[derive(uniffi::Object)]
pub struct Journal {
    store: JournalStore,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").finish_non_exhaustive()
    }
}

impl Journal {
    /// Opens the vault and journal in `data_dir` (Rust callers choose the vault options).
    pub fn open(data_dir: &Path, options: VaultOptions) -> Result<Self, LanternError> {
        let path = data_dir.join(PRIVATE_DB_FILE);
        let vault = Arc::new(Vault::open(&path, options)?);
        Ok(Journal {
            store: JournalStore::open(&path, vault)?,
        })
    }

    /// The journal's Rust API (for the CLI and other core modules such as sync).
    pub fn store(&self) -> &JournalStore {
        &self.store
    }

    /// The vault, for other core modules that seal their own records under the same DEK.
    pub fn vault(&self) -> &Arc<Vault> {
        self.store.vault()
    }
}

#[uniffi::export]
impl Journal {
    /// Whether the vault has been set up (a passphrase chosen).
    pub fn is_set_up(&self) -> Result<bool, LanternError> {
        Ok(self.vault().is_set_up()?)
    }

    /// Whether the vault is unlocked.
    pub fn is_unlocked(&self) -> bool {
        self.vault().is_unlocked()
    }

    /// First-time setup with `passphrase`; leaves the vault unlocked and returns the recovery
    /// code, which the app shows once and never again.
    pub fn setup(&self, passphrase: String) -> Result<String, LanternError> {
        let passphrase = Zeroizing::new(passphrase);
        Ok(self.vault().setup(&passphrase)?.display())
    }

    /// Unlocks with the passphrase.
    pub fn unlock(&self, passphrase: String) -> Result<(), LanternError> {
        let passphrase = Zeroizing::new(passphrase);
        Ok(self.vault().unlock(&passphrase)?)
    }

    /// Locks: keys are zeroized and the in-memory search index dropped.
    pub fn lock(&self) {
        self.store.lock()
    }

    /// Changes the passphrase (re-wraps the data key; the journal is not re-encrypted).
    pub fn change_passphrase(&self, old: String, new: String) -> Result<(), LanternError> {
        let (old, new) = (Zeroizing::new(old), Zeroizing::new(new));
        Ok(self.vault().change_passphrase(&old, &new)?)
    }

    /// Sets a new passphrase with the recovery code; returns the NEW recovery code (the used
    /// one stops working), to be shown once. Leaves the vault unlocked.
    pub fn recover(
        &self,
        recovery_code: String,
        new_passphrase: String,
    ) -> Result<String, LanternError> {
        let (code, new) = (
            Zeroizing::new(recovery_code),
            Zeroizing::new(new_passphrase),
        );
        Ok(self.vault().recover(&code, &new)?.display())
    }

    /// Lets `provider` unlock the vault from now on. Needs the vault unlocked.
    pub fn enable_platform_key(
        &self,
        provider: Arc<dyn PlatformKeyProvider>,
    ) -> Result<(), LanternError> {
        Ok(self
            .vault()
            .enable_platform_key(|dek| provider.wrap_key(dek.to_vec()))?)
    }

    /// Stops unlocking with the platform key. Needs the vault unlocked.
    pub fn disable_platform_key(&self) -> Result<(), LanternError> {
        Ok(self.vault().disable_platform_key()?)
    }

    /// Whether a platform key can unlock the vault.
    pub fn platform_key_enabled(&self) -> Result<bool, LanternError> {
        Ok(self.vault().platform_key_enabled()?)
    }

    /// Unlocks with the platform-held key.
    pub fn unlock_with_platform_key(
        &self,
        provider: Arc<dyn PlatformKeyProvider>,
    ) -> Result<(), LanternError> {
        Ok(self
            .vault()
            .unlock_with_platform_key(|w| provider.unwrap_key(w.to_vec()))?)
    }

    /// Adds an entry; returns it with its new id.
    pub fn add_entry(&self, entry: NewEntry) -> Result<Entry, LanternError> {
        Ok(self.store.add_entry(entry)?)
    }

    /// One entry by id.
    pub fn get_entry(&self, id: String) -> Result<Entry, LanternError> {
        Ok(self.store.get_entry(&id)?)
    }

    /// Edits an entry's text, mood or tags; the id stays the same.
    pub fn edit_entry(&self, id: String, update: EntryUpdate) -> Result<Entry, LanternError> {
        Ok(self.store.edit_entry(&id, update)?)
    }

    /// Deletes an entry.
    pub fn delete_entry(&self, id: String) -> Result<(), LanternError> {
        Ok(self.store.delete_entry(&id)?)
    }

    /// Entries newest first, paged and filtered (tag, date range).
    pub fn list_entries(&self, query: EntryQuery) -> Result<EntryPage, LanternError> {
        Ok(self.store.list_entries(&query)?)
    }

    /// Full-text search (every word must match), best first, at most `limit` entries.
    pub fn search(&self, query: String, limit: u32) -> Result<Vec<Entry>, LanternError> {
        Ok(self.store.search(&query, limit)?)
    }

    /// Builds the in-memory search index now; call on a background thread after unlock.
    pub fn prepare_search(&self) -> Result<(), LanternError> {
        Ok(self.store.prepare_search()?)
    }

    /// Adds a check-in: mood 1-5 and an optional short note.
    pub fn add_checkin(&self, mood: u8, note: Option<String>) -> Result<CheckIn, LanternError> {
        Ok(self.store.add_checkin(mood, note, None)?)
    }

    /// Deletes a check-in.
    pub fn delete_checkin(&self, id: String) -> Result<(), LanternError> {
        Ok(self.store.delete_checkin(&id)?)
    }

    /// Check-ins created in `[from_ms, to_ms)`, newest first.
    pub fn list_checkins(&self, from_ms: i64, to_ms: i64) -> Result<Vec<CheckIn>, LanternError> {
        Ok(self.store.checkins_between(from_ms, to_ms)?)
    }

    /// Average mood per day and per week over `[from_ms, to_ms)`, days local to the offset.
    pub fn mood_trends(
        &self,
        from_ms: i64,
        to_ms: i64,
        utc_offset_minutes: i32,
    ) -> Result<MoodTrends, LanternError> {
        Ok(self.store.mood_trends(from_ms, to_ms, utc_offset_minutes)?)
    }

    /// Writes an encrypted backup of the whole journal to `path`, protected by `passphrase`.
    pub fn export_backup(&self, path: String, passphrase: String) -> Result<(), LanternError> {
        let passphrase = Zeroizing::new(passphrase);
        Ok(self
            .store
            .export_backup(&PathBuf::from(path), &passphrase)?)
    }

    /// Merges an encrypted backup into this journal (records already present are skipped).
    pub fn import_backup(
        &self,
        path: String,
        passphrase: String,
    ) -> Result<ImportReport, LanternError> {
        let passphrase = Zeroizing::new(passphrase);
        Ok(self
            .store
            .import_backup(&PathBuf::from(path), &passphrase)?)
    }

    /// The whole journal as plaintext, only when the person explicitly asks for a copy.
    pub fn export_plaintext(&self, format: PlaintextFormat) -> Result<String, LanternError> {
        Ok(self.store.export_plaintext(format)?)
    }
}

/// Test knobs, compiled only with the `test-knobs` feature: the library `cargo xtask test`
/// builds for the Kotlin and Python suites has them, the shipped library does not.
#[cfg(feature = "test-knobs")]
#[uniffi::export]
impl Journal {
    /// Lowers the passphrase KDF work factor (default 600,000 PBKDF2 iterations) so
    /// foreign-language tests run fast.
    pub fn set_kdf_iterations_for_tests(&self, iterations: u32) {
        self.vault().set_kdf_iterations(iterations)
    }
}

#[uniffi::export]
impl Lantern {
    /// The encrypted recovery journal.
    pub fn journal(&self) -> Arc<Journal> {
        Arc::clone(&self.journal)
    }
}

/// Checks a passphrase the person is choosing (journal setup, change, recovery, backup) against
/// the core's one rule; None when it may be used. Setup and the others refuse the same
/// passphrases with InvalidInput, so an app may call this to explain why as the person types.
#[uniffi::export]
pub fn check_new_passphrase(passphrase: String) -> Option<PassphraseProblem> {
    passphrase_policy::check_new_passphrase(&passphrase).err()
}

/// The fewest characters a new passphrase may have (for the app's hint text).
#[uniffi::export]
pub fn min_passphrase_chars() -> u32 {
    passphrase_policy::MIN_PASSPHRASE_CHARS
}
