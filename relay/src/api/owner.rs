//! Owner-signed requests: the signature check, and [`OwnerRequest`], the extractor every route on
//! an existing mailbox starts with (mailbox id checked, body read, owner authenticated, nonce
//! consumed), so a handler only ever sees requests its mailbox's owner signed.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use lantern_protocol::relay::{self as wire, codes};

use super::error::ApiError;
use super::request::{OWNER_BODY_LIMIT, check_mailbox_id, now_secs, read_body, sha256};
use super::state::AppState;
use crate::store::Store;

/// Whether `ts` is at most `window` seconds from `now`, either way. Checked: a timestamp near
/// `i64::MIN` or `i64::MAX` must not wrap around into the window.
pub fn within_window(now: i64, ts: i64, window: i64) -> bool {
    now.checked_sub(ts)
        .and_then(i64::checked_abs)
        .is_some_and(|d| d <= window)
}

/// Verifies an owner-signed request for `mailbox_id`. `registering` carries the key being
/// registered (mailbox creation); otherwise the stored key is used. Consumes the nonce.
pub async fn authenticate<S: Store>(
    st: &AppState<S>,
    mailbox_id: &str,
    registering: Option<&[u8]>,
    parts: &Parts,
    body: &[u8],
) -> Result<(), ApiError> {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(ts), Some(nonce), Some(sig)) = (
        header(wire::HEADER_TIMESTAMP),
        header(wire::HEADER_NONCE),
        header(wire::HEADER_SIGNATURE),
    ) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            codes::SIGNATURE_MISSING,
            "owner signature headers missing",
        ));
    };
    let ts = parse_timestamp(ts)?;
    let window = st.config.signature_window_secs;
    if !within_window(now_secs(), ts, window) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            codes::STALE_REQUEST,
            "timestamp outside the accepted window",
        ));
    }
    if !wire::is_valid_nonce(nonce) {
        return Err(ApiError::malformed("malformed nonce"));
    }
    let bad_signature = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            codes::SIGNATURE_INVALID,
            "signature does not verify",
        )
    };
    let sig = STANDARD.decode(sig).map_err(|_| bad_signature())?;
    let key = match registering {
        Some(k) => k.to_vec(),
        None => st
            .store
            .mailbox_key(mailbox_id)
            .await?
            .ok_or_else(ApiError::mailbox_not_found)?,
    };
    let path = parts
        .uri
        .path_and_query()
        .map_or(parts.uri.path(), |p| p.as_str());
    let message = wire::signing_message(parts.method.as_str(), path, ts, nonce, &sha256(body));
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &key)
        .verify(&message, &sig)
        .map_err(|_| bad_signature())?;
    st.per_key
        .check(mailbox_id)
        .map_err(ApiError::rate_limited)?;
    // Kept until the timestamp can no longer pass the window check; then the sweep drops it.
    let expires = ts.saturating_add(window).saturating_add(1);
    if !st.store.record_nonce(mailbox_id, nonce, expires).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            codes::REPLAY,
            "request already seen",
        ));
    }
    Ok(())
}

/// Whole seconds in decimal ASCII: an optional `-` and digits, within `i64`.
fn parse_timestamp(ts: &str) -> Result<i64, ApiError> {
    let digits = ts.strip_prefix('-').unwrap_or(ts);
    if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::malformed("timestamp is not an integer"));
    }
    ts.parse()
        .map_err(|_| ApiError::malformed("timestamp is not an integer"))
}

/// A request its mailbox's owner signed: the mailbox id from the path (well formed) and the body
/// the signature covers. Refusals, in order: 400 malformed id, 413/408 body, 401, 404, 429, 409.
#[derive(Debug)]
pub struct OwnerRequest {
    pub mailbox: String,
    pub body: Bytes,
}

impl OwnerRequest {
    /// The mailbox of a request that must not carry a body (400 if it does).
    pub fn without_body(self) -> Result<String, ApiError> {
        if self.body.is_empty() {
            Ok(self.mailbox)
        } else {
            Err(ApiError::malformed("this request takes no body"))
        }
    }
}

impl<S: Store> FromRequest<AppState<S>> for OwnerRequest {
    type Rejection = ApiError;

    async fn from_request(req: Request, st: &AppState<S>) -> Result<Self, ApiError> {
        let (mut parts, body) = req.into_parts();
        let params = RawPathParams::from_request_parts(&mut parts, st)
            .await
            .map_err(|_| ApiError::malformed("malformed path"))?;
        let mailbox = params
            .iter()
            .find_map(|(name, value)| (name == "mailbox").then(|| value.to_owned()))
            .ok_or_else(|| ApiError::malformed("no mailbox in the path"))?;
        check_mailbox_id(&mailbox)?;
        let body = read_body(body, OWNER_BODY_LIMIT, st.config.body_read_timeout()).await?;
        authenticate(st, &mailbox, None, &parts, &body).await?;
        Ok(OwnerRequest { mailbox, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_arithmetic_cannot_wrap() {
        let now = 1_800_000_000;
        assert!(within_window(now, now - 120, 120));
        assert!(within_window(now, now + 120, 120));
        assert!(!within_window(now, now - 121, 120));
        assert!(!within_window(now, now + i64::MIN, 120)); // now - 2^63: wrapped before
        assert!(!within_window(now, i64::MIN, 120));
        assert!(!within_window(now, i64::MAX, 120));
        assert!(!within_window(-1, i64::MAX, 120));
        assert!(parse_timestamp("+5").is_err());
        assert!(parse_timestamp(" 5").is_err());
        assert!(parse_timestamp("9223372036854775808").is_err());
        assert_eq!(
            parse_timestamp("-999999999999999999").ok(),
            Some(-999_999_999_999_999_999)
        );
    }
}
