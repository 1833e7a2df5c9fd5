//! The one flat error enum that crosses the FFI, and every conversion into it.
//!
//! Each capability keeps its own error type (`StorageError`, `VaultError`, `JournalError`,
//! `ContentError`, `ConsentError`, `SharingError` and the sharing layers' own) and never wraps
//! this one; the FFI layer (`api`) converts with `?` through the `From` impls below, which are
//! the only ones into `LanternError`. Messages never carry user data: no journal text,
//! passphrases, keys or identifiers of other people.

use crate::consent::ConsentError;
use crate::course::ContentError;
use crate::journal::JournalError;
use crate::recovery::RecoveryError;
use crate::reminders::ReminderError;
use crate::sharing::audit::AuditError;
use crate::sharing::envelope::EnvelopeError;
use crate::sharing::identity::InviteError;
use crate::sharing::reach::ReachError;
use crate::sharing::relay_client::RelayError;
use crate::sharing::{SharingError, StoreError};
use crate::store::StorageError;
use crate::tzdb::ZoneError;
use crate::vault::{PlatformKeyError, VaultError};

/// Everything that can go wrong in a call into the core. The variant tells the app what to do;
/// the message is for logs and developers and never holds private data.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum LanternError {
    /// Input the caller can fix (empty query, mood out of range, malformed id...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The named unit, lesson, entry, grant or connection does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The data directory or database cannot be read or written.
    #[error("storage: {0}")]
    Storage(String),
    /// A content pack was refused (bad signature, bad format, older version).
    #[error("content pack refused: {0}")]
    ContentRejected(String),
    /// The journal vault has not been set up yet.
    #[error("the vault is not set up")]
    NotSetUp,
    /// The journal vault is already set up.
    #[error("the vault is already set up")]
    AlreadySetUp,
    /// The vault is locked; unlock it first.
    #[error("the vault is locked")]
    Locked,
    /// The passphrase does not unlock this vault.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// The recovery code does not match this vault.
    #[error("wrong recovery code")]
    WrongRecoveryCode,
    /// Stored or received data failed its integrity check; the message names the record.
    #[error("integrity check failed: {0}")]
    Integrity(String),
    /// No active consent covers this (never granted, revoked or expired).
    #[error("no active consent: {0}")]
    ConsentRequired(String),
    /// The network or relay is unreachable or busy: try again later.
    #[error("network unavailable, try later: {0}")]
    Network(String),
    /// The relay refused the request for good (bad signature, revoked capability, quota...).
    #[error("relay refused: {0}")]
    RelayRejected(String),
    /// The operation was cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
    /// Internal invariant broken; a bug. The message names the place, never user data.
    #[error("internal error: {0}")]
    Internal(String),
    /// This system has no time zone database the core can read (reminders and recovery days
    /// need one): install one, or name one with `use_time_zone_database`.
    #[error("no time zone database: {0}")]
    TimeZoneDataMissing(String),
}

/// A foreign `SyncObserver` that threw: its failure is dropped by the sync (see
/// `api::sharing`), so only the fact reaches the core.
impl From<uniffi::UnexpectedUniFFICallbackError> for LanternError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        LanternError::Internal(format!("callback failed: {}", e.reason))
    }
}

impl From<StorageError> for LanternError {
    fn from(e: StorageError) -> Self {
        LanternError::Storage(e.to_string())
    }
}

impl From<PlatformKeyError> for LanternError {
    fn from(e: PlatformKeyError) -> Self {
        match e {
            PlatformKeyError::Cancelled => LanternError::Cancelled,
            // The app's answer is the same as for a wrong passphrase: ask for the passphrase.
            PlatformKeyError::KeyUnavailable { .. } => LanternError::WrongPassphrase,
            PlatformKeyError::Failed { .. } => LanternError::Internal(e.to_string()),
        }
    }
}

impl From<VaultError> for LanternError {
    fn from(e: VaultError) -> Self {
        match e {
            VaultError::NotSetUp => LanternError::NotSetUp,
            VaultError::AlreadySetUp => LanternError::AlreadySetUp,
            VaultError::Locked => LanternError::Locked,
            // The app's answer is the same as for a wrong passphrase: ask for the passphrase.
            VaultError::WrongPassphrase | VaultError::PlatformKeyRejected => {
                LanternError::WrongPassphrase
            }
            VaultError::WrongRecoveryCode => LanternError::WrongRecoveryCode,
            VaultError::RecordIntegrity { kind, id } => {
                LanternError::Integrity(format!("record {kind}/{id}"))
            }
            VaultError::KeysDamaged(what) => LanternError::Integrity(format!("vault {what}")),
            VaultError::InvalidInput(m) => LanternError::InvalidInput(m),
            e @ VaultError::PlatformKeyNotEnabled => LanternError::InvalidInput(e.to_string()),
            VaultError::Storage(e) => e.into(),
            VaultError::PlatformKey(e) => e.into(),
        }
    }
}

impl From<JournalError> for LanternError {
    fn from(e: JournalError) -> Self {
        match e {
            JournalError::NotFound { kind, id } => LanternError::NotFound(format!("{kind} {id}")),
            JournalError::InvalidInput(m) => LanternError::InvalidInput(m),
            JournalError::BadBackup(what) => {
                LanternError::Integrity(format!("backup file: {what}"))
            }
            JournalError::WrongBackupPassphrase => LanternError::WrongPassphrase,
            e @ JournalError::BackupFile(_) => LanternError::Storage(e.to_string()),
            JournalError::Internal(what) => LanternError::Internal(what.to_string()),
            JournalError::Storage(e) => e.into(),
            JournalError::Vault(v) => v.into(),
        }
    }
}

impl From<ZoneError> for LanternError {
    fn from(e: ZoneError) -> Self {
        match e {
            ZoneError::DatabaseMissing => LanternError::TimeZoneDataMissing(e.to_string()),
            ZoneError::UnknownZone | ZoneError::NotADatabase => {
                LanternError::InvalidInput(e.to_string())
            }
        }
    }
}

impl From<ReminderError> for LanternError {
    fn from(e: ReminderError) -> Self {
        match e {
            ReminderError::InvalidInput(m) => LanternError::InvalidInput(m),
            ReminderError::Zone(e) => e.into(),
            ReminderError::Damaged => LanternError::Integrity(e.to_string()),
            ReminderError::Storage(e) => e.into(),
            ReminderError::Vault(e) => e.into(),
        }
    }
}

impl From<RecoveryError> for LanternError {
    fn from(e: RecoveryError) -> Self {
        match e {
            RecoveryError::InvalidInput(m) => LanternError::InvalidInput(m),
            RecoveryError::NotSet => LanternError::NotFound(e.to_string()),
            RecoveryError::Zone(e) => e.into(),
            RecoveryError::Damaged => LanternError::Integrity(e.to_string()),
            RecoveryError::Storage(e) => e.into(),
            RecoveryError::Vault(e) => e.into(),
        }
    }
}

impl From<ContentError> for LanternError {
    fn from(e: ContentError) -> Self {
        match e {
            ContentError::NotFound(m) => LanternError::NotFound(m),
            ContentError::Rejected(m) => LanternError::ContentRejected(m),
            ContentError::Storage(m) => LanternError::Storage(m),
            ContentError::Network(m) => LanternError::Network(m),
            ContentError::InvalidInput(m) => LanternError::InvalidInput(m),
            ContentError::Internal(m) => LanternError::Internal(m),
        }
    }
}

impl From<ConsentError> for LanternError {
    fn from(e: ConsentError) -> Self {
        match e {
            ConsentError::NotFound => LanternError::NotFound(e.to_string()),
            ConsentError::BadSignature => LanternError::Integrity(e.to_string()),
            ConsentError::Invalid(_)
            | ConsentError::UnknownScope
            | ConsentError::BadTag
            | ConsentError::ExpiryOutOfRange => LanternError::InvalidInput(e.to_string()),
        }
    }
}

impl From<StoreError> for LanternError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Sqlite(_) | StoreError::Storage(_) => LanternError::Storage(e.to_string()),
            StoreError::Corrupt(_) => LanternError::Integrity(e.to_string()),
            StoreError::Locked => LanternError::Locked,
        }
    }
}

impl From<EnvelopeError> for LanternError {
    fn from(e: EnvelopeError) -> Self {
        LanternError::Integrity(e.to_string())
    }
}

impl From<InviteError> for LanternError {
    fn from(e: InviteError) -> Self {
        LanternError::InvalidInput(e.to_string())
    }
}

impl From<RelayError> for LanternError {
    fn from(e: RelayError) -> Self {
        match e {
            RelayError::InvalidInput(m) => LanternError::InvalidInput(m),
            RelayError::Rejected { .. } | RelayError::Redirected { .. } => {
                LanternError::RelayRejected(e.to_string())
            }
            RelayError::Unreachable(_) | RelayError::Busy { .. } | RelayError::Protocol(_) => {
                LanternError::Network(e.to_string())
            }
            RelayError::Client(_) => LanternError::Internal(e.to_string()),
        }
    }
}

impl From<ReachError> for LanternError {
    fn from(e: ReachError) -> Self {
        match e {
            ReachError::NotHeld => LanternError::ConsentRequired(e.to_string()),
            ReachError::BadText
            | ReachError::EmptyReply
            | ReachError::NotTheSupportingSide
            | ReachError::NoReplyChannel
            | ReachError::BadTarget => LanternError::InvalidInput(e.to_string()),
        }
    }
}

impl From<AuditError> for LanternError {
    fn from(e: AuditError) -> Self {
        match e {
            AuditError::Locked => LanternError::Locked,
            AuditError::Store(_) => LanternError::Storage(e.to_string()),
            _ => LanternError::Integrity(e.to_string()),
        }
    }
}

impl From<SharingError> for LanternError {
    fn from(e: SharingError) -> Self {
        match e {
            SharingError::Store(e) => e.into(),
            SharingError::Consent(e) => e.into(),
            SharingError::Invite(e) => e.into(),
            SharingError::Relay(e) => e.into(),
            SharingError::Refused(e) => e.into(),
            SharingError::Integrity(e) => e.into(),
            SharingError::NoSuchConnection => LanternError::NotFound("connection".into()),
            e @ (SharingError::NotTheSharingSide
            | SharingError::OwnInvite
            | SharingError::Push(_)) => LanternError::InvalidInput(e.to_string()),
            SharingError::Cancelled => LanternError::Cancelled,
            SharingError::Reach(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_failures_tell_try_later_from_refused() {
        let busy = RelayError::Busy {
            status: 429,
            code: "rate_limited".into(),
            retry_after: Some(3),
        };
        assert!(matches!(LanternError::from(busy), LanternError::Network(_)));
        let refused = RelayError::Rejected {
            status: 403,
            code: "capability_revoked".into(),
        };
        assert!(matches!(
            LanternError::from(refused),
            LanternError::RelayRejected(_)
        ));
        assert!(matches!(
            LanternError::from(SharingError::Relay(RelayError::Unreachable("x".into()))),
            LanternError::Network(_)
        ));
    }

    #[test]
    fn a_platform_key_failure_keeps_its_meaning() {
        assert!(matches!(
            LanternError::from(VaultError::PlatformKey(PlatformKeyError::Cancelled)),
            LanternError::Cancelled
        ));
        assert!(matches!(
            LanternError::from(VaultError::PlatformKey(PlatformKeyError::KeyUnavailable {
                reason: "biometrics changed".into()
            })),
            LanternError::WrongPassphrase
        ));
        assert!(matches!(
            LanternError::from(PlatformKeyError::Failed {
                reason: "keystore".into()
            }),
            LanternError::Internal(_)
        ));
    }

    #[test]
    fn layered_errors_keep_their_class() {
        assert!(matches!(
            LanternError::from(JournalError::Vault(VaultError::Locked)),
            LanternError::Locked
        ));
        assert!(matches!(
            LanternError::from(SharingError::Store(StoreError::Corrupt("grant"))),
            LanternError::Integrity(_)
        ));
        assert!(matches!(
            LanternError::from(SharingError::Consent(ConsentError::BadTag)),
            LanternError::InvalidInput(_)
        ));
        assert!(matches!(
            LanternError::from(SharingError::NoSuchConnection),
            LanternError::NotFound(_)
        ));
        assert!(matches!(
            LanternError::from(ReminderError::Zone(ZoneError::DatabaseMissing)),
            LanternError::TimeZoneDataMissing(_)
        ));
        assert!(matches!(
            LanternError::from(RecoveryError::Zone(ZoneError::UnknownZone)),
            LanternError::InvalidInput(_)
        ));
        assert!(matches!(
            LanternError::from(RecoveryError::Vault(VaultError::Locked)),
            LanternError::Locked
        ));
    }
}
