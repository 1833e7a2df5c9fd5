//! The one flat error enum that crosses the FFI.
//!
//! Each capability keeps its own rich error type and converts into this one. Messages never
//! carry user data: no journal text, passphrases, keys or identifiers of other people.

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
}

impl From<uniffi::UnexpectedUniFFICallbackError> for LanternError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        LanternError::Internal(format!("callback failed: {}", e.reason))
    }
}
