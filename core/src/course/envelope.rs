//! The signed pack envelope: `MAGIC (8 bytes) || Ed25519 signature (64) || JSON payload`.
//!
//! The signature covers `DOMAIN || payload`, so a signature made for anything else Lantern signs
//! can never pass as a pack signature. Pure byte layout, `std` only (included by `build.rs`);
//! verification lives in `pack.rs`. Never parse the payload before the signature is checked.

/// Identifies a Lantern content pack, envelope layout version 1.
pub const MAGIC: &[u8; 8] = b"LNTPACK1";
/// Length of the Ed25519 signature that follows the magic.
pub const SIGNATURE_LEN: usize = 64;
/// Domain separation prefix of the signed message.
pub const DOMAIN: &[u8] = b"lantern content pack v1\0";

/// The exact bytes the publisher signs for `payload`.
pub fn signed_message(payload: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + payload.len());
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(payload);
    m
}

/// Lays out an envelope from a payload and its signature.
pub fn seal(payload: &[u8], signature: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(MAGIC.len() + signature.len() + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(signature);
    out.extend_from_slice(payload);
    out
}

/// Splits an envelope into (signature, payload); `None` if it is not one.
pub fn split(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    if rest.len() <= SIGNATURE_LEN {
        return None;
    }
    Some(rest.split_at(SIGNATURE_LEN))
}
