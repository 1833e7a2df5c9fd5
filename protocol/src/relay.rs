//! The relay's request and response bodies, headers, error codes and owner-signature layout.
//!
//! Never put plaintext in these types: `payload` is ciphertext produced by the sender's core.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

/// Header carrying the owner's request time, in whole seconds since the Unix epoch.
pub const HEADER_TIMESTAMP: &str = "x-lantern-timestamp";
/// Header carrying a fresh random nonce (base64url, 16 to 64 characters) per owner request.
pub const HEADER_NONCE: &str = "x-lantern-nonce";
/// Header carrying the owner's Ed25519 signature (standard base64) over [`signing_message`].
pub const HEADER_SIGNATURE: &str = "x-lantern-signature";
/// Header carrying a posting capability token (base64url) on `POST .../envelopes`.
pub const HEADER_CAPABILITY: &str = "x-lantern-capability";

/// Domain separation prefix of the signed message; changes with the API version.
pub const SIGNING_CONTEXT: &str = "lantern-relay-v1";

/// Longest envelope id, in characters (ids are `[A-Za-z0-9_-]{1,128}`).
pub const MAX_ENVELOPE_ID_LEN: usize = 128;

/// The exact bytes an owner signs: the context, method, path with query, timestamp, nonce and the
/// lowercase hex SHA-256 of the body, one per line. The caller computes the hash (no crypto here).
pub fn signing_message(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body_sha256: &[u8; 32],
) -> Vec<u8> {
    let mut hex = String::with_capacity(64);
    for b in body_sha256 {
        hex.push_str(&format!("{b:02x}"));
    }
    format!(
        "{SIGNING_CONTEXT}\n{}\n{path_and_query}\n{timestamp}\n{nonce}\n{hex}",
        method.to_ascii_uppercase()
    )
    .into_bytes()
}

/// A mailbox id from the SHA-256 of its owner's Ed25519 public key: base64url without padding.
pub fn mailbox_id_from_key_digest(public_key_sha256: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(public_key_sha256)
}

/// Whether `id` is a well-formed envelope id (`[A-Za-z0-9_-]{1,128}`).
pub fn is_valid_envelope_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ENVELOPE_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `nonce` is a well-formed request nonce (base64url alphabet, 16 to 64 characters).
pub fn is_valid_nonce(nonce: &str) -> bool {
    (16..=64).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Opaque bytes that serialize as standard base64.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Base64Bytes(pub Vec<u8>);

impl std::fmt::Debug for Base64Bytes {
    // Never print contents: they may be keys or ciphertext that must not reach logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Base64Bytes({} bytes)", self.0.len())
    }
}

impl Serialize for Base64Bytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Base64Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        STANDARD
            .decode(s.as_bytes())
            .map(Base64Bytes)
            .map_err(|_| serde::de::Error::custom("invalid base64"))
    }
}

/// `POST /v1/mailboxes`, signed by the key being registered (proof of possession).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CreateMailboxRequest {
    /// The owner's 32-byte Ed25519 public key.
    pub public_key: Base64Bytes,
}

/// Answer to a mailbox creation (201 new, 200 already existed for this key).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CreateMailboxResponse {
    pub mailbox_id: String,
}

/// Answer to `POST /v1/mailboxes/{id}/capabilities`: the token is shown once and stored only
/// hashed by the relay.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IssueCapabilityResponse {
    pub capability_id: String,
    pub token: String,
}

impl std::fmt::Debug for IssueCapabilityResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssueCapabilityResponse")
            .field("capability_id", &self.capability_id)
            .finish_non_exhaustive()
    }
}

/// `POST /v1/mailboxes/{id}/envelopes` with a capability header.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PostEnvelopeRequest {
    /// Sender-chosen id; posting the same id with the same payload again stores nothing new.
    pub id: String,
    /// Ciphertext.
    pub payload: Base64Bytes,
}

/// Answer to a post: 201 stored, 200 already stored (`duplicate`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PostEnvelopeResponse {
    pub seq: i64,
    pub duplicate: bool,
}

/// One stored envelope as listed to its owner.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredEnvelope {
    pub id: String,
    /// Per-mailbox sequence number, strictly increasing in posting order.
    pub seq: i64,
    /// Seconds since the Unix epoch when the relay stored it.
    pub received_at: i64,
    pub payload: Base64Bytes,
}

/// Answer to `GET /v1/mailboxes/{id}/envelopes?after=N&limit=M`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListEnvelopesResponse {
    pub envelopes: Vec<StoredEnvelope>,
    /// Pass as `after` to continue; equals the request's `after` when nothing was listed.
    pub next_cursor: i64,
    /// More envelopes wait beyond this page.
    pub more: bool,
}

/// `POST /v1/mailboxes/{id}/ack`: delete these envelopes (unknown ids are ignored).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AckRequest {
    pub ids: Vec<String>,
}

/// Answer to an acknowledgement.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AckResponse {
    /// How many of the given ids were present and are now deleted.
    pub deleted: u64,
}

/// Longest push endpoint URL, in characters.
pub const MAX_PUSH_ENDPOINT_LEN: usize = 1024;
/// Shortest and longest push token, in characters (`[A-Za-z0-9_-]`).
pub const PUSH_TOKEN_LEN: std::ops::RangeInclusive<usize> = 16..=256;

/// Whether `token` is a well-formed push token: the opaque value a device chose, which is the
/// whole body of every wake-up the relay sends it (`[A-Za-z0-9_-]{16,256}`).
pub fn is_valid_push_token(token: &str) -> bool {
    PUSH_TOKEN_LEN.contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `id` has the form of the ids this relay issues for capabilities and push
/// registrations (12 random bytes, base64url without padding: 16 characters).
pub fn is_valid_issued_id(id: &str) -> bool {
    id.len() == 16
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `POST /v1/mailboxes/{id}/push`: wake this endpoint when an envelope arrives. The relay
/// sends it an HTTP POST whose body is exactly `token`, nothing else about the mailbox.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RegisterPushRequest {
    /// The push endpoint (a UnifiedPush endpoint or an operator's gateway), `https://`.
    pub endpoint: String,
    /// Chosen by the device; see [`is_valid_push_token`].
    pub token: String,
}

impl std::fmt::Debug for RegisterPushRequest {
    // The endpoint names the device's push account and the token authenticates wake-ups.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterPushRequest")
            .finish_non_exhaustive()
    }
}

/// Answer to a push registration: 201 new, 200 the same endpoint was registered already (its
/// token is replaced).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RegisterPushResponse {
    pub registration_id: String,
}

/// One push registration as listed to its owner (the token is not shown again).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PushRegistrationView {
    pub registration_id: String,
    pub endpoint: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
}

impl std::fmt::Debug for PushRegistrationView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushRegistrationView")
            .field("registration_id", &self.registration_id)
            .finish_non_exhaustive()
    }
}

/// Answer to `GET /v1/mailboxes/{id}/push`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListPushResponse {
    pub registrations: Vec<PushRegistrationView>,
}

/// Every refusal's body: a stable machine code and a short human message (never user data).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}

/// Most entries a list answer holds; larger `limit`s are clamped to it.
pub const MAX_LIST_LIMIT: u32 = 1000;
/// Most ids one acknowledgement may carry.
pub const MAX_ACK_IDS: usize = 1000;

/// The stable error codes of [`ErrorBody::error`], with their HTTP status.
pub mod codes {
    /// 400: body or query cannot be parsed or breaks a format rule.
    pub const MALFORMED: &str = "malformed";
    /// 401: owner signature headers missing.
    pub const SIGNATURE_MISSING: &str = "signature_missing";
    /// 401: owner signature does not verify.
    pub const SIGNATURE_INVALID: &str = "signature_invalid";
    /// 401: timestamp outside the accepted window.
    pub const STALE_REQUEST: &str = "stale_request";
    /// 403: capability missing, unknown or for another mailbox.
    pub const CAPABILITY_INVALID: &str = "capability_invalid";
    /// 403: capability revoked by the mailbox owner.
    pub const CAPABILITY_REVOKED: &str = "capability_revoked";
    /// 404: no such mailbox.
    pub const MAILBOX_NOT_FOUND: &str = "mailbox_not_found";
    /// 404: no such capability (revoke).
    pub const CAPABILITY_NOT_FOUND: &str = "capability_not_found";
    /// 404: no such push registration (unregister).
    pub const PUSH_NOT_FOUND: &str = "push_not_found";
    /// 403: the relay will not send wake-ups to this endpoint (not https, a private or
    /// loopback address, a host the operator does not allow, or not a usable URL).
    pub const PUSH_ENDPOINT_REFUSED: &str = "push_endpoint_refused";
    /// 409: the mailbox has as many push registrations as the relay allows.
    pub const PUSH_LIMIT: &str = "push_limit";
    /// 404: no such route.
    pub const NOT_FOUND: &str = "not_found";
    /// 405: the route exists but not with this method.
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    /// 401: `/metrics` token missing or wrong.
    pub const UNAUTHORIZED: &str = "unauthorized";
    /// 408: the request body did not arrive in time; the connection is closed.
    pub const TIMEOUT: &str = "timeout";
    /// 409: this signed request was already seen.
    pub const REPLAY: &str = "replay";
    /// 409: the envelope id is taken by different content.
    pub const CONFLICT: &str = "conflict";
    /// 413: envelope or body too large.
    pub const TOO_LARGE: &str = "too_large";
    /// 413: mailbox quota (count or bytes) reached.
    pub const QUOTA_EXCEEDED: &str = "quota_exceeded";
    /// 429: request rate too high; see `Retry-After`.
    pub const RATE_LIMITED: &str = "rate_limited";
    /// 500: the relay failed; try later.
    pub const INTERNAL: &str = "internal";
    /// 503: the relay is shutting down or its storage is unavailable; try later.
    pub const UNAVAILABLE: &str = "unavailable";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_message_binds_every_field() {
        let h = [7u8; 32];
        let base = signing_message("get", "/v1/x?after=1", 10, "nonce-nonce-nonce", &h);
        assert!(base.starts_with(b"lantern-relay-v1\nGET\n/v1/x?after=1\n10\n"));
        for other in [
            signing_message("POST", "/v1/x?after=1", 10, "nonce-nonce-nonce", &h),
            signing_message("GET", "/v1/x?after=2", 10, "nonce-nonce-nonce", &h),
            signing_message("GET", "/v1/x?after=1", 11, "nonce-nonce-nonce", &h),
            signing_message("GET", "/v1/x?after=1", 10, "nonce-nonce-noncf", &h),
            signing_message("GET", "/v1/x?after=1", 10, "nonce-nonce-nonce", &[8u8; 32]),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn ids_and_nonces_are_checked() {
        assert!(is_valid_envelope_id("abc-DEF_09"));
        assert!(!is_valid_envelope_id(""));
        assert!(!is_valid_envelope_id("a/b"));
        assert!(!is_valid_envelope_id(&"a".repeat(129)));
        assert!(is_valid_nonce("AAAAAAAAAAAAAAAAAAAAAA"));
        assert!(!is_valid_nonce("short"));
        assert!(!is_valid_nonce("AAAAAAAAAAAAAAAAAAAA=="));
    }

    #[test]
    fn base64_bytes_round_trip_and_reject_garbage() {
        let req = PostEnvelopeRequest {
            id: "e1".into(),
            payload: Base64Bytes(vec![0, 1, 2, 255]),
        };
        let json = serde_json::to_string(&req).expect("serializes");
        assert_eq!(json, r#"{"id":"e1","payload":"AAEC/w=="}"#);
        let back: PostEnvelopeRequest = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, req);
        assert!(
            serde_json::from_str::<PostEnvelopeRequest>(r#"{"id":"e1","payload":"!!"}"#).is_err()
        );
        assert!(format!("{:?}", req.payload).contains("4 bytes"));
    }
}
