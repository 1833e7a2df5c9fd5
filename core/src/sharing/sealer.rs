//! Sealing at rest for sharing data: the one seam between the sharing store and whatever key
//! protects this installation's records (the vault's data key). Everything private the sharing
//! store writes (identity keys, names, grant terms, received items) passes through a [`Sealer`]
//! first, with associated data naming the record so swapped ciphertexts fail to open.
//!
//! It also keeps the sharing store's rollback mark (the audit log's high-water mark) OUTSIDE
//! `sharing.db`: the vault keeps it sealed in `private.db`, so restoring an older `sharing.db`
//! alone is detected (see `audit`).

use std::sync::Mutex;

use zeroize::Zeroizing;

use super::store::StoreError;
use crate::crypto::hazmat::{AES_256_GCM_KEY_LEN, open_aes_gcm, seal_aes_gcm};

/// Why sealing or opening failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The key is not available (the vault is locked).
    #[error("the vault is locked")]
    Locked,
    /// The sealed bytes are damaged or belong to another record.
    #[error("sealed record failed its integrity check")]
    Damaged,
}

impl SealError {
    /// As a store error naming `what` was being opened.
    pub fn or_corrupt(self, what: &'static str) -> StoreError {
        match self {
            SealError::Locked => StoreError::Locked,
            SealError::Damaged => StoreError::Corrupt(what),
        }
    }
}

impl From<SealError> for StoreError {
    fn from(e: SealError) -> Self {
        e.or_corrupt("sealed record")
    }
}

/// Encrypts and authenticates records at rest.
pub trait Sealer: Send + Sync {
    /// Seals `plaintext`, binding `aad` (the record's name).
    fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SealError>;
    /// Opens what `seal` produced with the same `aad`.
    fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError>;
    /// The rollback mark last written, or `None` if none was ever written.
    fn read_mark(&self) -> Result<Option<Zeroizing<Vec<u8>>>, SealError>;
    /// Replaces the rollback mark (kept sealed, outside the sharing database).
    fn write_mark(&self, value: &[u8]) -> Result<(), SealError>;
}

/// AES-256-GCM under a 256-bit key held in memory (zeroized on drop), for tests and tools:
/// its rollback mark lives in memory, so it protects against rollback only for as long as the
/// same `KeySealer` is used (reopen a store with the same `Arc` to keep it).
pub struct KeySealer {
    key: Zeroizing<[u8; AES_256_GCM_KEY_LEN]>,
    mark: Mutex<Option<Zeroizing<Vec<u8>>>>,
}

impl std::fmt::Debug for KeySealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySealer").finish_non_exhaustive()
    }
}

impl KeySealer {
    /// A sealer over `key`.
    pub fn new(key: Zeroizing<[u8; AES_256_GCM_KEY_LEN]>) -> Self {
        KeySealer {
            key,
            mark: Mutex::new(None),
        }
    }
}

impl Sealer for KeySealer {
    fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        Ok(seal_aes_gcm(&self.key, aad, plaintext))
    }

    fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        open_aes_gcm(&self.key, aad, sealed).map_err(|_| SealError::Damaged)
    }

    fn read_mark(&self) -> Result<Option<Zeroizing<Vec<u8>>>, SealError> {
        Ok(self.mark.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    fn write_mark(&self, value: &[u8]) -> Result<(), SealError> {
        *self.mark.lock().unwrap_or_else(|p| p.into_inner()) = Some(Zeroizing::new(value.to_vec()));
        Ok(())
    }
}

/// The vault seals sharing records under the same data key as the journal, as records of kind
/// `sharing` named by their associated data.
impl Sealer for crate::vault::Vault {
    fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        self.seal_record(
            SHARING_RECORD_KIND,
            &String::from_utf8_lossy(aad),
            plaintext,
        )
        .map_err(vault_error)
    }

    fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        self.open_record(SHARING_RECORD_KIND, &String::from_utf8_lossy(aad), sealed)
            .map_err(vault_error)
    }

    fn read_mark(&self) -> Result<Option<Zeroizing<Vec<u8>>>, SealError> {
        crate::vault::Vault::read_mark(self, SHARING_MARK).map_err(vault_error)
    }

    fn write_mark(&self, value: &[u8]) -> Result<(), SealError> {
        crate::vault::Vault::write_mark(self, SHARING_MARK, value).map_err(vault_error)
    }
}

const SHARING_RECORD_KIND: &str = "sharing";
/// Name of the sharing audit log's rollback mark in the vault.
const SHARING_MARK: &str = "sharing-audit-head";

fn vault_error(e: crate::vault::VaultError) -> SealError {
    match e {
        crate::vault::VaultError::Locked | crate::vault::VaultError::NotSetUp => SealError::Locked,
        _ => SealError::Damaged,
    }
}
