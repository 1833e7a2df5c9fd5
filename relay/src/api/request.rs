//! Reading requests: bodies within a size and a time limit, JSON, ids, hashes and the clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use lantern_protocol::relay::codes;

use super::error::ApiError;

/// Limit for owner request bodies (acks, key registration); posts have their own.
pub const OWNER_BODY_LIMIT: usize = 256 * 1024;

/// Reads a whole body of at most `limit` bytes that must arrive within `timeout`.
pub async fn read_body(body: Body, limit: usize, timeout: Duration) -> Result<Bytes, ApiError> {
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(ApiError::too_large("request body too large")),
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            codes::TIMEOUT,
            "request body not received in time",
        )),
    }
}

/// Path parameters, refused with the JSON error body like every other refusal (axum's own
/// `Path` answers a segment that is not UTF-8 once percent-decoded, such as `%FF`, in plain
/// text).
pub struct PathParams<T>(pub T);

impl<T, S> FromRequestParts<S> for PathParams<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(params)| PathParams(params))
            .map_err(|_| ApiError::malformed("malformed path"))
    }
}

pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|_| ApiError::malformed("body is not the expected JSON"))
}

/// A mailbox id is base64url (no padding) of a SHA-256: 43 characters.
pub fn check_mailbox_id(id: &str) -> Result<(), ApiError> {
    let ok = id.len() == 43
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::malformed("malformed mailbox id"))
    }
}

pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}
