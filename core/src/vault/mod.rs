//! The vault: the journal's key hierarchy. It owns the data key (DEK) that encrypts every
//! private record, stores that key only wrapped (by a passphrase-derived key, by a one-time
//! recovery code, and optionally by a platform-held key the app supplies), and seals/opens
//! records for any module while unlocked.
//!
//! It must never write an unwrapped key to disk, log a secret, or keep keys after `lock`
//! (they are zeroized on lock and on drop). See `docs/journal-storage.md` for the hierarchy.

pub mod passphrase_policy;
mod recovery_code;

use std::num::NonZeroU32;
use std::path::Path;
use std::sync::{Mutex, RwLock, RwLockReadGuard};

use rusqlite::{Connection, OptionalExtension, params};
use zeroize::Zeroizing;

use crate::crypto::hazmat::{self, AES_256_GCM_KEY_LEN};
use crate::store::{self, StorageError};

pub use recovery_code::RecoveryCode;

/// The production KDF work factor: PBKDF2-HMAC-SHA256 iterations for passphrase and recovery
/// code (OWASP 2023 guidance for PBKDF2-HMAC-SHA256).
pub const DEFAULT_KDF_ITERATIONS: u32 = 600_000;

/// Version of the sealed-record format; part of every record's associated data.
pub const RECORD_FORMAT_VERSION: u8 = 1;

const KDF_NAME: &str = "pbkdf2-hmac-sha256";
const SALT_LEN: usize = 16;
const KEK_CHECK_LABEL: &[u8] = b"lantern vault kek check v1";
const DEK_CHECK_LABEL: &[u8] = b"lantern vault dek check v1";
const INDEX_KEY_LABEL: &[u8] = b"lantern vault blind index key v1";

/// Record kind of the sealed marks in `vault_marks`.
const MARK_KIND: &str = "mark";

const SLOT_PASSPHRASE: &str = "passphrase";
const SLOT_RECOVERY: &str = "recovery";
const SLOT_PLATFORM: &str = "platform";

const MIGRATIONS: &[&str] = &[
    "
    -- One row per way to unwrap the DEK. Nothing here is secret without the slot's secret.
    CREATE TABLE vault_slots (
        slot TEXT PRIMARY KEY NOT NULL,  -- 'passphrase' | 'recovery' | 'platform'
        kdf TEXT,                        -- 'pbkdf2-hmac-sha256'; NULL for 'platform'
        iterations INTEGER,
        salt BLOB,
        kek_check BLOB,                  -- HMAC(KEK, label): tells a wrong secret from damage
        wrapped_dek BLOB NOT NULL        -- AES-256-GCM(KEK, aad = slot name, DEK)
    ) WITHOUT ROWID;
    CREATE TABLE vault_meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        dek_check BLOB NOT NULL,         -- HMAC(DEK, label): verifies a DEK however unwrapped
        created_at_ms INTEGER NOT NULL
    );
",
    "
    -- Small sealed values other components keep here rather than in their own database, so
    -- rolling their database back alone is seen (the sharing audit log's high-water mark).
    CREATE TABLE vault_marks (
        name TEXT PRIMARY KEY NOT NULL,
        sealed BLOB NOT NULL             -- seal_record('mark', name, value)
    ) WITHOUT ROWID;
",
];

/// Rust-level vault settings. Apps use the default; tests lower the KDF work factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VaultOptions {
    /// PBKDF2 iterations for new wrappings; stored wrappings below this are raised on unlock.
    pub kdf_iterations: u32,
}

impl Default for VaultOptions {
    fn default() -> Self {
        VaultOptions {
            kdf_iterations: DEFAULT_KDF_ITERATIONS,
        }
    }
}

/// Everything the vault can refuse. Messages never hold secrets or record contents.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the vault is not set up")]
    NotSetUp,
    #[error("the vault is already set up")]
    AlreadySetUp,
    #[error("the vault is locked")]
    Locked,
    #[error("wrong passphrase")]
    WrongPassphrase,
    #[error("wrong recovery code")]
    WrongRecoveryCode,
    #[error("the platform key does not unlock this vault")]
    PlatformKeyRejected,
    #[error("unlocking with a platform key is not enabled")]
    PlatformKeyNotEnabled,
    /// A stored or received record failed authentication (changed, swapped or replayed).
    #[error("record {kind}/{id} failed its integrity check")]
    RecordIntegrity { kind: String, id: String },
    /// The vault's own key material is damaged.
    #[error("vault key material is damaged: {0}")]
    KeysDamaged(&'static str),
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The app's platform key provider failed (its own typed error).
    #[error(transparent)]
    PlatformKey(#[from] PlatformKeyError),
}

impl From<rusqlite::Error> for VaultError {
    fn from(e: rusqlite::Error) -> Self {
        VaultError::Storage(e.into())
    }
}

/// How an app's platform key provider (Android Keystore, iOS Keychain) reports a failure.
/// Its own error, not the flat `LanternError`, so a Kotlin or Swift provider can raise it and
/// the core receives it typed. `reason` is the platform's wording and must not hold secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum PlatformKeyError {
    /// The person dismissed the prompt (biometrics, device passcode).
    #[error("the platform key prompt was cancelled")]
    Cancelled,
    /// The platform key is gone or refuses (biometrics re-enrolled, key invalidated): unlock
    /// with the passphrase instead.
    #[error("the platform key is unavailable: {reason}")]
    KeyUnavailable { reason: String },
    /// Any other failure of the platform's keystore.
    #[error("the platform keystore failed: {reason}")]
    Failed { reason: String },
}

/// A provider that threw something other than a `PlatformKeyError` (a bug in the app).
impl From<uniffi::UnexpectedUniFFICallbackError> for PlatformKeyError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        PlatformKeyError::Failed { reason: e.reason }
    }
}

/// The unwrapped keys, present only while unlocked. Zeroized on drop.
struct VaultKeys {
    dek: Zeroizing<[u8; AES_256_GCM_KEY_LEN]>,
    /// The DEK's AES key schedule, computed once per unlock (sealing is per record).
    record_key: hazmat::GcmKey,
    /// The blind-index HMAC key's prepared state, computed once per unlock.
    index_key: hazmat::HmacKey,
    /// Fresh random nonces, fetched from the OS a block at a time (one system call per ~340
    /// records instead of one per record). A new pool per unlock.
    nonces: Mutex<hazmat::RandomPool>,
}

impl VaultKeys {
    fn from_dek(dek: Zeroizing<[u8; AES_256_GCM_KEY_LEN]>) -> Self {
        let index_key = Zeroizing::new(hazmat::derive_hmac_sha256(dek.as_ref(), INDEX_KEY_LABEL));
        VaultKeys {
            record_key: hazmat::GcmKey::new(&dek),
            index_key: hazmat::HmacKey::new(index_key.as_ref()),
            nonces: Mutex::new(hazmat::RandomPool::default()),
            dek,
        }
    }
}

/// Length of the sealed-record overhead: version, nonce and tag.
pub const RECORD_OVERHEAD: usize = 1 + hazmat::AES_256_GCM_NONCE_LEN + hazmat::AES_256_GCM_TAG_LEN;

/// The unlocked keys, held for a run of records (a page, a batch of inserts) so the lock
/// state is checked once, not per record. Obtained from [`Vault::records`]; holding it keeps
/// `lock` waiting, so drop it when the run ends.
pub struct RecordKeys<'a> {
    guard: RwLockReadGuard<'a, Option<VaultKeys>>,
}

impl RecordKeys<'_> {
    fn keys(&self) -> &VaultKeys {
        self.guard
            .as_ref()
            .expect("RecordKeys exist only while unlocked")
    }

    /// Seals the record `kind`/`id` whose plaintext `write` appends to the buffer it is given
    /// (at most `max_len` bytes), encrypting it in place: no copy of the plaintext is made.
    /// Output: `version || nonce || ciphertext || tag`.
    pub fn seal_with(
        &self,
        kind: &str,
        id: &str,
        max_len: usize,
        write: impl FnOnce(&mut Vec<u8>),
    ) -> Vec<u8> {
        let keys = self.keys();
        let mut out = Vec::with_capacity(RECORD_OVERHEAD + max_len);
        out.push(RECORD_FORMAT_VERSION);
        out.extend_from_slice(&[0u8; hazmat::AES_256_GCM_NONCE_LEN]);
        write(&mut out);
        debug_assert!(out.len() <= out.capacity() - hazmat::AES_256_GCM_TAG_LEN);
        let nonce = keys
            .nonces
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .nonce();
        let aad = RecordAad::new(RECORD_FORMAT_VERSION, kind, id);
        keys.record_key
            .seal_in_place(nonce, aad.as_bytes(), &mut out, 1);
        out
    }

    /// Opens a record sealed for the same `kind` and `id`. A changed byte, or a ciphertext
    /// from another record, gives `RecordIntegrity` naming the record.
    pub fn open(
        &self,
        kind: &str,
        id: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let damaged = || VaultError::RecordIntegrity {
            kind: kind.to_string(),
            id: id.to_string(),
        };
        let (&version, body) = sealed.split_first().ok_or_else(damaged)?;
        if version != RECORD_FORMAT_VERSION {
            return Err(damaged());
        }
        self.keys()
            .record_key
            .open(RecordAad::new(version, kind, id).as_bytes(), body)
            .map_err(|_| damaged())
    }

    /// See [`Vault::blind_index`].
    pub fn blind_index(&self, domain: &str, value: &[u8]) -> [u8; 32] {
        self.keys()
            .index_key
            .sign(&[domain.as_bytes(), &[0], value])
    }
}

/// One stored wrapping of the DEK under a secret-derived key.
struct Slot {
    iterations: u32,
    salt: Vec<u8>,
    kek_check: Vec<u8>,
    wrapped_dek: Vec<u8>,
}

/// The vault over one database file. Thread-safe; shared as `Arc<Vault>`.
pub struct Vault {
    conn: Mutex<Connection>,
    keys: RwLock<Option<VaultKeys>>,
    kdf_iterations: std::sync::atomic::AtomicU32,
    /// Bumped on every lock and unlock, so caches of decrypted data (the journal's search
    /// index) can tell they belong to an earlier unlock and must be dropped.
    epoch: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("unlocked", &self.is_unlocked())
            .finish_non_exhaustive()
    }
}

fn label_for_slot(slot: &str) -> Vec<u8> {
    format!("lantern vault v1 slot {slot}").into_bytes()
}

fn iterations(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).expect("max(1) is non-zero")
}

fn derive_kek(secret: &[u8], salt: &[u8], n: u32) -> Zeroizing<[u8; AES_256_GCM_KEY_LEN]> {
    hazmat::derive_pbkdf2_key(secret, salt, iterations(n))
}

fn dek_from_bytes(bytes: &[u8]) -> Option<Zeroizing<[u8; AES_256_GCM_KEY_LEN]>> {
    let mut dek = Zeroizing::new([0u8; AES_256_GCM_KEY_LEN]);
    if bytes.len() != AES_256_GCM_KEY_LEN {
        return None;
    }
    dek.copy_from_slice(bytes);
    Some(dek)
}

/// Associated data binding a sealed record to its kind, id and format version, so a
/// ciphertext moved to another row, another kind, or replayed under another id fails:
/// `"lantern record\0" || version || len(kind) u32 BE || kind || len(id) u32 BE || id`.
/// Built on the stack for the usual short kinds and ids (it is made once per record).
enum RecordAad {
    Inline([u8; 128], usize),
    Heap(Vec<u8>),
}

impl RecordAad {
    const PREFIX: &'static [u8] = b"lantern record\0";

    fn new(version: u8, kind: &str, id: &str) -> Self {
        let len = Self::PREFIX.len() + 1 + 4 + kind.len() + 4 + id.len();
        let parts: [&[u8]; 6] = [
            Self::PREFIX,
            &[version],
            &(kind.len() as u32).to_be_bytes(),
            kind.as_bytes(),
            &(id.len() as u32).to_be_bytes(),
            id.as_bytes(),
        ];
        if len <= 128 {
            let mut buf = [0u8; 128];
            let mut at = 0;
            for p in parts {
                buf[at..at + p.len()].copy_from_slice(p);
                at += p.len();
            }
            RecordAad::Inline(buf, len)
        } else {
            RecordAad::Heap(parts.concat())
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            RecordAad::Inline(buf, len) => &buf[..*len],
            RecordAad::Heap(v) => v,
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A passphrase being chosen must pass the policy (existing ones still unlock).
fn check_passphrase(p: &str) -> Result<(), VaultError> {
    passphrase_policy::check_new_passphrase(p).map_err(|e| VaultError::InvalidInput(e.to_string()))
}

impl Vault {
    /// Opens the vault stored in the database at `path` (creating its tables), locked.
    pub fn open(path: &Path, options: VaultOptions) -> Result<Self, VaultError> {
        let mut conn = store::open_database(path)?;
        store::migrate(&mut conn, "vault", MIGRATIONS)?;
        Ok(Vault {
            conn: Mutex::new(conn),
            keys: RwLock::new(None),
            kdf_iterations: options.kdf_iterations.max(1).into(),
            epoch: 0.into(),
        })
    }

    /// Changes the KDF work factor for future wrappings (tests use a low one).
    pub fn set_kdf_iterations(&self, n: u32) {
        self.kdf_iterations
            .store(n.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    /// Changes on every lock and unlock (see the field's comment).
    pub fn epoch(&self) -> u64 {
        self.epoch.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The KDF work factor for new wrappings (also used for passphrase-protected backups).
    pub fn target_iterations(&self) -> u32 {
        self.kdf_iterations
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back), so a poisoned lock is still safe to use.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a passphrase has been set up.
    pub fn is_set_up(&self) -> Result<bool, VaultError> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM vault_meta", [], |r| r.get(0))?;
        Ok(n > 0)
    }

    /// Whether the keys are in memory.
    pub fn is_unlocked(&self) -> bool {
        self.keys.read().map(|k| k.is_some()).unwrap_or(false)
    }

    fn set_keys(&self, keys: Option<VaultKeys>) {
        let mut guard = self.keys.write().unwrap_or_else(|p| p.into_inner());
        *guard = keys; // the previous keys (if any) are dropped here and zeroized
        self.epoch.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    fn make_slot(&self, secret: &[u8], slot: &str, dek: &[u8; AES_256_GCM_KEY_LEN]) -> Slot {
        let salt: [u8; SALT_LEN] = hazmat::make_random();
        let n = self.target_iterations();
        let kek = derive_kek(secret, &salt, n);
        Slot {
            iterations: n,
            salt: salt.to_vec(),
            kek_check: hazmat::derive_hmac_sha256(kek.as_ref(), KEK_CHECK_LABEL).to_vec(),
            wrapped_dek: hazmat::seal_aes_gcm(&kek, &label_for_slot(slot), dek.as_ref()),
        }
    }

    fn write_slot(conn: &Connection, name: &str, s: &Slot) -> Result<(), VaultError> {
        conn.execute(
            "INSERT INTO vault_slots (slot, kdf, iterations, salt, kek_check, wrapped_dek)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(slot) DO UPDATE SET kdf = excluded.kdf, iterations = excluded.iterations,
                 salt = excluded.salt, kek_check = excluded.kek_check,
                 wrapped_dek = excluded.wrapped_dek",
            params![
                name,
                KDF_NAME,
                s.iterations,
                s.salt,
                s.kek_check,
                s.wrapped_dek
            ],
        )?;
        Ok(())
    }

    fn read_slot(conn: &Connection, name: &str) -> Result<Option<Slot>, VaultError> {
        conn.query_row(
            "SELECT iterations, salt, kek_check, wrapped_dek FROM vault_slots WHERE slot = ?1",
            [name],
            |r| {
                Ok(Slot {
                    iterations: r.get::<_, Option<u32>>(0)?.unwrap_or(0),
                    salt: r.get::<_, Option<Vec<u8>>>(1)?.unwrap_or_default(),
                    kek_check: r.get::<_, Option<Vec<u8>>>(2)?.unwrap_or_default(),
                    wrapped_dek: r.get(3)?,
                })
            },
        )
        .optional()
        .map_err(Into::into)
    }

    fn dek_check(conn: &Connection) -> Result<Vec<u8>, VaultError> {
        conn.query_row("SELECT dek_check FROM vault_meta WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or(VaultError::NotSetUp)
    }

    /// Unwraps `slot` with `secret`. `wrong` is the error for a secret that does not match.
    fn unwrap_slot(
        conn: &Connection,
        name: &str,
        secret: &[u8],
        wrong: VaultError,
    ) -> Result<(Zeroizing<[u8; AES_256_GCM_KEY_LEN]>, Slot), VaultError> {
        let slot = Self::read_slot(conn, name)?.ok_or(VaultError::NotSetUp)?;
        let kek = derive_kek(secret, &slot.salt, slot.iterations);
        let check = hazmat::derive_hmac_sha256(kek.as_ref(), KEK_CHECK_LABEL);
        if !hazmat::constant_time_eq(&check, &slot.kek_check) {
            return Err(wrong);
        }
        let dek = hazmat::open_aes_gcm(&kek, &label_for_slot(name), &slot.wrapped_dek)
            .ok()
            .and_then(|b| dek_from_bytes(&b))
            .ok_or(VaultError::KeysDamaged("wrapped data key"))?;
        Self::verify_dek(conn, &dek)?;
        Ok((dek, slot))
    }

    fn verify_dek(conn: &Connection, dek: &[u8; AES_256_GCM_KEY_LEN]) -> Result<(), VaultError> {
        let stored = Self::dek_check(conn)?;
        let check = hazmat::derive_hmac_sha256(dek.as_ref(), DEK_CHECK_LABEL);
        if hazmat::constant_time_eq(&check, &stored) {
            Ok(())
        } else {
            Err(VaultError::KeysDamaged("data key check value"))
        }
    }

    /// First-time setup: makes a fresh DEK, wraps it under `passphrase` and under a new
    /// recovery code, and leaves the vault unlocked. The returned code is shown once.
    pub fn setup(&self, passphrase: &str) -> Result<RecoveryCode, VaultError> {
        check_passphrase(passphrase)?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if tx.query_row("SELECT COUNT(*) FROM vault_meta", [], |r| {
            r.get::<_, i64>(0)
        })? > 0
        {
            return Err(VaultError::AlreadySetUp);
        }
        let dek = hazmat::make_key();
        let code = RecoveryCode::make();
        let pass_slot = self.make_slot(passphrase.as_bytes(), SLOT_PASSPHRASE, &dek);
        let rec_slot = self.make_slot(code.normalized().as_bytes(), SLOT_RECOVERY, &dek);
        tx.execute(
            "INSERT INTO vault_meta (id, dek_check, created_at_ms) VALUES (1, ?1, ?2)",
            params![
                hazmat::derive_hmac_sha256(dek.as_ref(), DEK_CHECK_LABEL).to_vec(),
                now_ms()
            ],
        )?;
        Self::write_slot(&tx, SLOT_PASSPHRASE, &pass_slot)?;
        Self::write_slot(&tx, SLOT_RECOVERY, &rec_slot)?;
        tx.commit()?;
        drop(conn);
        self.set_keys(Some(VaultKeys::from_dek(dek)));
        Ok(code)
    }

    /// Unlocks with the passphrase. Raises the stored KDF work factor if it is below the
    /// current target (one re-wrap of the DEK, atomic).
    pub fn unlock(&self, passphrase: &str) -> Result<(), VaultError> {
        let conn = self.conn();
        let (dek, slot) = Self::unwrap_slot(
            &conn,
            SLOT_PASSPHRASE,
            passphrase.as_bytes(),
            VaultError::WrongPassphrase,
        )?;
        if slot.iterations < self.target_iterations() {
            let fresh = self.make_slot(passphrase.as_bytes(), SLOT_PASSPHRASE, &dek);
            Self::write_slot(&conn, SLOT_PASSPHRASE, &fresh)?;
        }
        drop(conn);
        self.set_keys(Some(VaultKeys::from_dek(dek)));
        Ok(())
    }

    /// Forgets the keys (zeroized). Idempotent.
    pub fn lock(&self) {
        self.set_keys(None);
    }

    /// Re-wraps the DEK under `new` after checking `old`. Never re-encrypts any record; one
    /// atomic row update, so an interruption leaves either the old or the new passphrase.
    pub fn change_passphrase(&self, old: &str, new: &str) -> Result<(), VaultError> {
        check_passphrase(new)?;
        let conn = self.conn();
        let (dek, _) = Self::unwrap_slot(
            &conn,
            SLOT_PASSPHRASE,
            old.as_bytes(),
            VaultError::WrongPassphrase,
        )?;
        let fresh = self.make_slot(new.as_bytes(), SLOT_PASSPHRASE, &dek);
        Self::write_slot(&conn, SLOT_PASSPHRASE, &fresh)?;
        drop(conn);
        self.set_keys(Some(VaultKeys::from_dek(dek)));
        Ok(())
    }

    /// Uses the one-time recovery code to set `new_passphrase`. The used code is replaced by
    /// a new one (returned, to be shown once); both changes commit together. Leaves the
    /// vault unlocked.
    pub fn recover(&self, code: &str, new_passphrase: &str) -> Result<RecoveryCode, VaultError> {
        check_passphrase(new_passphrase)?;
        let normalized = RecoveryCode::normalize(code).ok_or(VaultError::WrongRecoveryCode)?;
        let mut conn = self.conn();
        let (dek, _) = Self::unwrap_slot(
            &conn,
            SLOT_RECOVERY,
            normalized.as_bytes(),
            VaultError::WrongRecoveryCode,
        )?;
        let next_code = RecoveryCode::make();
        let pass_slot = self.make_slot(new_passphrase.as_bytes(), SLOT_PASSPHRASE, &dek);
        let rec_slot = self.make_slot(next_code.normalized().as_bytes(), SLOT_RECOVERY, &dek);
        let tx = conn.transaction()?;
        Self::write_slot(&tx, SLOT_PASSPHRASE, &pass_slot)?;
        Self::write_slot(&tx, SLOT_RECOVERY, &rec_slot)?;
        tx.commit()?;
        drop(conn);
        self.set_keys(Some(VaultKeys::from_dek(dek)));
        Ok(next_code)
    }

    /// Adds a platform-held wrapping of the DEK: `wrap` receives the DEK and returns it
    /// encrypted by a key the platform keeps (Android Keystore, iOS Keychain). Needs unlocked.
    pub fn enable_platform_key(
        &self,
        wrap: impl FnOnce(&[u8]) -> Result<Vec<u8>, PlatformKeyError>,
    ) -> Result<(), VaultError> {
        let wrapped = {
            let guard = self.keys.read().unwrap_or_else(|p| p.into_inner());
            let keys = guard.as_ref().ok_or(VaultError::Locked)?;
            wrap(keys.dek.as_ref())?
        };
        self.conn().execute(
            "INSERT INTO vault_slots (slot, wrapped_dek) VALUES (?1, ?2)
             ON CONFLICT(slot) DO UPDATE SET wrapped_dek = excluded.wrapped_dek",
            params![SLOT_PLATFORM, wrapped],
        )?;
        Ok(())
    }

    /// Removes the platform-held wrapping. Needs unlocked, so only the owner can change it.
    pub fn disable_platform_key(&self) -> Result<(), VaultError> {
        if !self.is_unlocked() {
            return Err(VaultError::Locked);
        }
        self.conn()
            .execute("DELETE FROM vault_slots WHERE slot = ?1", [SLOT_PLATFORM])?;
        Ok(())
    }

    /// Whether a platform-held wrapping exists.
    pub fn platform_key_enabled(&self) -> Result<bool, VaultError> {
        Ok(Self::read_slot(&self.conn(), SLOT_PLATFORM)?.is_some())
    }

    /// Unlocks with the platform: `unwrap` receives the stored blob and returns the DEK.
    pub fn unlock_with_platform_key(
        &self,
        unwrap: impl FnOnce(&[u8]) -> Result<Vec<u8>, PlatformKeyError>,
    ) -> Result<(), VaultError> {
        let conn = self.conn();
        Self::dek_check(&conn)?;
        let slot =
            Self::read_slot(&conn, SLOT_PLATFORM)?.ok_or(VaultError::PlatformKeyNotEnabled)?;
        let bytes = Zeroizing::new(unwrap(&slot.wrapped_dek)?);
        let dek = dek_from_bytes(&bytes).ok_or(VaultError::PlatformKeyRejected)?;
        Self::verify_dek(&conn, &dek).map_err(|_| VaultError::PlatformKeyRejected)?;
        drop(conn);
        self.set_keys(Some(VaultKeys::from_dek(dek)));
        Ok(())
    }

    /// The unlocked keys for a run of records (`Locked` otherwise); see [`RecordKeys`].
    pub fn records(&self) -> Result<RecordKeys<'_>, VaultError> {
        let guard = self.keys.read().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            return Err(VaultError::Locked);
        }
        Ok(RecordKeys { guard })
    }

    /// Encrypts `plaintext` as the record `kind`/`id` under the DEK (AES-256-GCM, fresh
    /// nonce). Output: `version || nonce || ciphertext || tag`. Needs unlocked.
    pub fn seal_record(
        &self,
        kind: &str,
        id: &str,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        Ok(self.records()?.seal_with(kind, id, plaintext.len(), |out| {
            out.extend_from_slice(plaintext)
        }))
    }

    /// Opens a record sealed by [`Vault::seal_record`] for the same `kind` and `id`. A changed
    /// byte, or a ciphertext from another record, gives `RecordIntegrity` naming the record.
    pub fn open_record(
        &self,
        kind: &str,
        id: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        self.records()?.open(kind, id, sealed)
    }

    /// A keyed blind index of `value` within `domain` (for example a tag), so equality can be
    /// looked up on disk without storing the value. Needs unlocked.
    pub fn blind_index(&self, domain: &str, value: &[u8]) -> Result<[u8; 32], VaultError> {
        Ok(self.records()?.blind_index(domain, value))
    }

    /// The mark `name` (see `vault_marks`), opened; `None` if never written. Needs unlocked.
    pub fn read_mark(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
        let sealed: Option<Vec<u8>> = self
            .conn()
            .query_row(
                "SELECT sealed FROM vault_marks WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        sealed
            .map(|s| self.open_record(MARK_KIND, name, &s))
            .transpose()
    }

    /// Seals `value` as the mark `name`, replacing the previous one. Needs unlocked.
    pub fn write_mark(&self, name: &str, value: &[u8]) -> Result<(), VaultError> {
        let sealed = self.seal_record(MARK_KIND, name, value)?;
        self.conn().execute(
            "INSERT INTO vault_marks (name, sealed) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET sealed = excluded.sealed",
            params![name, sealed],
        )?;
        Ok(())
    }

    /// Stored KDF iterations of the passphrase slot (for tests and diagnostics).
    pub fn passphrase_kdf_iterations(&self) -> Result<u32, VaultError> {
        Ok(Self::read_slot(&self.conn(), SLOT_PASSPHRASE)?
            .ok_or(VaultError::NotSetUp)?
            .iterations)
    }
}

#[cfg(test)]
mod tests;
