//! Blocking client for the Lantern relay API (see docs/relay-api.md).
//!
//! Owner requests are signed with the mailbox's Ed25519 key over method, path+query, timestamp,
//! a fresh nonce and the body's SHA-256; posts carry a capability token. Transient failures
//! (connect errors, timeouts, 5xx, 429) are retried with bounded exponential backoff, honouring
//! `Retry-After`; refusals are returned at once. Errors tell "try later"
//! ([`RelayError::is_transient`]) from "refused" ([`RelayError::Rejected`]).
//!
//! Must never be called from inside a tokio runtime (blocking reqwest panics there), never logs
//! or formats payloads, keys or tokens, and never sends plaintext: payloads are ciphertext.
//!
//! What the relay says is not trusted beyond its documented answers: HTTPS is required (plain
//! http only to loopback), redirects are never followed (a 3xx is a refusal: the capability
//! header and the envelope stay here), a request succeeded only on the exact status the API
//! documents for it, answers are read up to a size limit, and the relay's free-form error text
//! is dropped: errors carry our own words and a code from the documented list.

use std::io::Read as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use lantern_protocol::relay::{
    self as wire, AckRequest, AckResponse, Base64Bytes, CreateMailboxRequest,
    CreateMailboxResponse, ErrorBody, IssueCapabilityResponse, ListEnvelopesResponse,
    ListPushResponse, PostEnvelopeRequest, PostEnvelopeResponse, RegisterPushRequest,
    RegisterPushResponse,
};
use reqwest::blocking::{Client, Response};
use reqwest::{Method, StatusCode};

use crate::crypto::hazmat::{self, SigningKey};
use crate::https;

/// How often and how patiently transient failures are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total tries, including the first (1 = no retry).
    pub max_attempts: u32,
    /// Wait before the second try; doubles each time.
    pub initial_backoff: Duration,
    /// Longest single wait (also the longest `Retry-After` honoured before giving up).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// A relay client failure. `Display` never contains payloads, keys or tokens, nor anything
/// the relay wrote: codes are from the documented list (`unknown` otherwise), text is ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayError {
    /// The relay could not be reached or did not answer in time: try later.
    #[error("relay unreachable: {0}")]
    Unreachable(String),
    /// The relay is overloaded, rate-limiting or failing (408/429/5xx): try later.
    #[error("the relay is busy, try later ({status} {code})")]
    Busy {
        status: u16,
        code: String,
        /// Seconds the relay asked us to wait, if it said.
        retry_after: Option<u64>,
    },
    /// The relay refused the request for good (4xx other than 408 and 429).
    #[error("the relay refused the request ({status} {code})")]
    Rejected { status: u16, code: String },
    /// The server answered with a redirect, which is never followed: nothing was delivered.
    #[error("the relay address answered with a redirect, which is not followed")]
    Redirected { status: u16 },
    /// The relay answered something this client cannot understand.
    #[error("unexpected relay answer: {0}")]
    Protocol(String),
    /// Bad input from the caller (malformed id, key...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The HTTP client could not be built (a bug or a broken TLS setup).
    #[error("http client: {0}")]
    Client(String),
}

impl RelayError {
    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            RelayError::Unreachable(_) | RelayError::Busy { .. } | RelayError::Protocol(_)
        )
    }

    /// Whether the relay refused a post because the mailbox or this capability is full.
    pub fn is_quota(&self) -> bool {
        self.code() == Some(wire::codes::QUOTA_EXCEEDED)
    }

    /// The relay's error code for a refusal (`capability_revoked`, `quota_exceeded`...).
    pub fn code(&self) -> Option<&str> {
        match self {
            RelayError::Busy { code, .. } | RelayError::Rejected { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// The longest a [`RelayClient::quick`] request may take.
pub const QUICK_TIMEOUT: Duration = Duration::from_secs(4);

/// A posting capability: hand `token` to the sender inside an invite; keep `id` to revoke it.
#[derive(Clone, PartialEq, Eq)]
pub struct Capability {
    pub id: String,
    pub token: String,
}

impl std::fmt::Debug for Capability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capability")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// What a post did: stored now, or already stored earlier under the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostReceipt {
    pub seq: i64,
    pub duplicate: bool,
}

/// An envelope fetched from the owner's mailbox.
#[derive(Clone, PartialEq, Eq)]
pub struct RelayEnvelope {
    pub id: String,
    pub seq: i64,
    pub received_at: i64,
    /// Ciphertext as posted by the sender.
    pub payload: Vec<u8>,
}

impl std::fmt::Debug for RelayEnvelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayEnvelope")
            .field("id", &self.id)
            .field("seq", &self.seq)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopePage {
    pub envelopes: Vec<RelayEnvelope>,
    /// Pass as `after` for the next page (and persist it once the page is applied).
    pub next_cursor: i64,
    /// More envelopes wait beyond this page.
    pub more: bool,
}

/// Largest answer read from the relay for anything but a listing.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;
/// Largest listing read: a page of `PAGE` envelopes of the relay's largest size (64 KiB,
/// base64 in JSON) fits with room; a relay sending more is refusing to follow its API.
pub const MAX_LIST_ANSWER_BYTES: u64 = 16 * 1024 * 1024;
/// Largest error body read (the code is all we keep).
const MAX_ERROR_BYTES: u64 = 4 * 1024;

/// The documented error codes; anything else is reported as `unknown`.
const KNOWN_CODES: &[&str] = &[
    wire::codes::MALFORMED,
    wire::codes::SIGNATURE_MISSING,
    wire::codes::SIGNATURE_INVALID,
    wire::codes::STALE_REQUEST,
    wire::codes::CAPABILITY_INVALID,
    wire::codes::CAPABILITY_REVOKED,
    wire::codes::MAILBOX_NOT_FOUND,
    wire::codes::CAPABILITY_NOT_FOUND,
    wire::codes::NOT_FOUND,
    wire::codes::METHOD_NOT_ALLOWED,
    wire::codes::REPLAY,
    wire::codes::CONFLICT,
    wire::codes::TOO_LARGE,
    wire::codes::QUOTA_EXCEEDED,
    wire::codes::RATE_LIMITED,
    wire::codes::INTERNAL,
    wire::codes::UNAVAILABLE,
    wire::codes::PUSH_NOT_FOUND,
    wire::codes::PUSH_ENDPOINT_REFUSED,
    wire::codes::PUSH_LIMIT,
    "timeout",
];

/// The mailbox id the relay derives from an owner's public key.
pub fn mailbox_id(public_key: &[u8; hazmat::ED25519_PUBLIC_KEY_LEN]) -> String {
    wire::mailbox_id_from_key_digest(&hazmat::derive_sha256(public_key))
}

/// Blocking client for one relay.
#[derive(Debug, Clone)]
pub struct RelayClient {
    base: String,
    http: Client,
    retry: RetryPolicy,
    /// Seconds added to the local clock when signing (learned from the relay's `Date`).
    clock_offset: Arc<AtomicI64>,
}

struct Request<'a> {
    method: Method,
    path_and_query: String,
    body: Vec<u8>,
    owner: Option<&'a SigningKey>,
    capability: Option<&'a str>,
    /// The statuses the API documents as success for this request; any other is not one.
    success: &'static [StatusCode],
    /// Largest answer body read.
    max_answer: u64,
}

const OK: &[StatusCode] = &[StatusCode::OK];
const CREATED: &[StatusCode] = &[StatusCode::CREATED];
const OK_OR_CREATED: &[StatusCode] = &[StatusCode::OK, StatusCode::CREATED];
const NO_CONTENT: &[StatusCode] = &[StatusCode::NO_CONTENT];

/// An answer with one of the documented success statuses, its body read within the limit.
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

impl RelayClient {
    /// A client for the relay at `base_url` (`https://host[:port]`, or `http://` to a loopback
    /// address; no path).
    pub fn new(base_url: &str) -> Result<Self, RelayError> {
        Self::with_options(base_url, RetryPolicy::default(), None)
    }

    /// Like [`RelayClient::new`] with a retry policy and optionally an extra trusted root
    /// certificate in PEM (a relay with a private CA, or tests).
    pub fn with_options(
        base_url: &str,
        retry: RetryPolicy,
        extra_root_pem: Option<&[u8]>,
    ) -> Result<Self, RelayError> {
        Self::build(base_url, retry, extra_root_pem, Duration::from_secs(30))
    }

    /// One try, and at most [`QUICK_TIMEOUT`] per request: for an alert or a reply sent while
    /// the person waits (what fails stays queued for the next sync).
    pub fn quick(base_url: &str) -> Result<Self, RelayError> {
        let once = RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        };
        Self::build(base_url, once, None, QUICK_TIMEOUT)
    }

    fn build(
        base_url: &str,
        retry: RetryPolicy,
        extra_root_pem: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<Self, RelayError> {
        let base = base_url.trim_end_matches('/');
        let parsed = reqwest::Url::parse(base)
            .map_err(|_| RelayError::InvalidInput("relay url is malformed".into()))?;
        if parsed.path() != "/" || parsed.query().is_some() {
            return Err(RelayError::InvalidInput(
                "relay url must be https://host[:port] without a path".into(),
            ));
        }
        match parsed.scheme() {
            "https" => {}
            "http" if https::is_loopback(&parsed) => {}
            _ => {
                return Err(RelayError::InvalidInput(
                    "relay url must be https (plain http only to this device)".into(),
                ));
            }
        }
        let http = https::client_builder(extra_root_pem)
            .map_err(|e| match e {
                https::HttpsError::BadRootCertificate => {
                    RelayError::InvalidInput("root certificate is not PEM".into())
                }
                https::HttpsError::Tls => RelayError::Client("cannot set up TLS".into()),
            })?
            .connect_timeout(Duration::from_secs(5).min(timeout))
            .timeout(timeout)
            .build()
            .map_err(|_| RelayError::Client("cannot build the HTTP client".into()))?;
        Ok(RelayClient {
            base: base.to_owned(),
            http,
            retry,
            clock_offset: Arc::new(AtomicI64::new(0)),
        })
    }

    /// Seconds this client adds to the device clock when signing owner requests. It is learned
    /// from the relay's `Date` header when the relay refuses a request as stale (a phone with a
    /// wrong clock), so an app may persist it and restore it with [`Self::set_clock_offset`].
    pub fn clock_offset(&self) -> i64 {
        self.clock_offset.load(Ordering::Relaxed)
    }

    /// Sets the offset described in [`Self::clock_offset`].
    pub fn set_clock_offset(&self, seconds: i64) {
        self.clock_offset.store(seconds, Ordering::Relaxed);
    }

    /// Creates (or confirms) the mailbox owned by `key`; returns its id.
    pub fn create_mailbox(&self, key: &SigningKey) -> Result<String, RelayError> {
        let body = to_json(&CreateMailboxRequest {
            public_key: Base64Bytes(key.public_key().to_vec()),
        })?;
        let resp: CreateMailboxResponse = self.call(Request {
            method: Method::POST,
            path_and_query: "/v1/mailboxes".into(),
            body,
            owner: Some(key),
            capability: None,
            success: OK_OR_CREATED,
            max_answer: MAX_ANSWER_BYTES,
        })?;
        Ok(resp.mailbox_id)
    }

    /// Deletes the mailbox owned by `key` with everything in it.
    pub fn delete_mailbox(&self, key: &SigningKey) -> Result<(), RelayError> {
        self.call_empty(Request {
            method: Method::DELETE,
            path_and_query: format!("/v1/mailboxes/{}", mailbox_id(&key.public_key())),
            body: Vec::new(),
            owner: Some(key),
            capability: None,
            success: NO_CONTENT,
            max_answer: MAX_ANSWER_BYTES,
        })
    }

    /// Issues a new posting capability for the mailbox owned by `key`.
    pub fn issue_capability(&self, key: &SigningKey) -> Result<Capability, RelayError> {
        let resp: IssueCapabilityResponse = self.call(Request {
            method: Method::POST,
            path_and_query: format!(
                "/v1/mailboxes/{}/capabilities",
                mailbox_id(&key.public_key())
            ),
            body: Vec::new(),
            owner: Some(key),
            capability: None,
            success: CREATED,
            max_answer: MAX_ANSWER_BYTES,
        })?;
        Ok(Capability {
            id: resp.capability_id,
            token: resp.token,
        })
    }

    /// Revokes a capability: its holder can no longer post.
    pub fn revoke_capability(
        &self,
        key: &SigningKey,
        capability_id: &str,
    ) -> Result<(), RelayError> {
        if !wire::is_valid_envelope_id(capability_id) {
            return Err(RelayError::InvalidInput("malformed capability id".into()));
        }
        self.call_empty(Request {
            method: Method::DELETE,
            path_and_query: format!(
                "/v1/mailboxes/{}/capabilities/{capability_id}",
                mailbox_id(&key.public_key())
            ),
            body: Vec::new(),
            owner: Some(key),
            capability: None,
            success: NO_CONTENT,
            max_answer: MAX_ANSWER_BYTES,
        })
    }

    /// Posts ciphertext to `mailbox_id` under the sender-chosen `envelope_id`. Posting the same
    /// id and payload again is safe (answered as a duplicate), so retries never duplicate.
    pub fn post_envelope(
        &self,
        mailbox_id: &str,
        capability_token: &str,
        envelope_id: &str,
        payload: &[u8],
    ) -> Result<PostReceipt, RelayError> {
        check_mailbox_id(mailbox_id)?;
        if !wire::is_valid_envelope_id(envelope_id) {
            return Err(RelayError::InvalidInput(
                "envelope id must be [A-Za-z0-9_-]{1,128}".into(),
            ));
        }
        let body = to_json(&PostEnvelopeRequest {
            id: envelope_id.to_owned(),
            payload: Base64Bytes(payload.to_vec()),
        })?;
        let answer = self.send_with_retry(&Request {
            method: Method::POST,
            path_and_query: format!("/v1/mailboxes/{mailbox_id}/envelopes"),
            body,
            owner: None,
            capability: Some(capability_token),
            success: OK_OR_CREATED,
            max_answer: MAX_ANSWER_BYTES,
        })?;
        let resp: PostEnvelopeResponse = parse_json(&answer.body)?;
        // Delivered only on the relay's own answer: 201 stored, or 200 for a duplicate it
        // already holds, with a sequence number; anything else is not a delivery.
        let consistent = if answer.status == StatusCode::CREATED {
            !resp.duplicate
        } else {
            resp.duplicate
        };
        if !consistent || resp.seq <= 0 {
            return Err(RelayError::Protocol(
                "the relay's answer to a post is not the documented one".into(),
            ));
        }
        Ok(PostReceipt {
            seq: resp.seq,
            duplicate: resp.duplicate,
        })
    }

    /// Lists envelopes in `key`'s mailbox with `seq > after`, oldest first, at most `limit`.
    pub fn list_envelopes(
        &self,
        key: &SigningKey,
        after: i64,
        limit: u32,
    ) -> Result<EnvelopePage, RelayError> {
        let resp: ListEnvelopesResponse = self.call(Request {
            method: Method::GET,
            path_and_query: format!(
                "/v1/mailboxes/{}/envelopes?after={}&limit={}",
                mailbox_id(&key.public_key()),
                after.max(0),
                limit.clamp(1, wire::MAX_LIST_LIMIT)
            ),
            body: Vec::new(),
            owner: Some(key),
            capability: None,
            success: OK,
            max_answer: MAX_LIST_ANSWER_BYTES,
        })?;
        Ok(EnvelopePage {
            envelopes: resp
                .envelopes
                .into_iter()
                .map(|e| RelayEnvelope {
                    id: e.id,
                    seq: e.seq,
                    received_at: e.received_at,
                    payload: e.payload.0,
                })
                .collect(),
            next_cursor: resp.next_cursor,
            more: resp.more,
        })
    }

    /// Acknowledges (deletes) envelopes by id; returns how many were still there. Sent in
    /// chunks of the relay's maximum; acknowledging twice is harmless.
    pub fn ack_envelopes(&self, key: &SigningKey, ids: &[String]) -> Result<u64, RelayError> {
        let mut deleted = 0;
        for chunk in ids.chunks(wire::MAX_ACK_IDS) {
            let body = to_json(&AckRequest {
                ids: chunk.to_vec(),
            })?;
            let resp: AckResponse = self.call(Request {
                method: Method::POST,
                path_and_query: format!("/v1/mailboxes/{}/ack", mailbox_id(&key.public_key())),
                body,
                owner: Some(key),
                capability: None,
                success: OK,
                max_answer: MAX_ANSWER_BYTES,
            })?;
            deleted += resp.deleted;
        }
        Ok(deleted)
    }

    /// Asks the relay to wake `endpoint` (a POST whose body is exactly `token`) whenever an
    /// envelope arrives in `key`'s mailbox. Registering the same endpoint again replaces its
    /// token and keeps its id. Returns the registration id (to remove it).
    pub fn register_push(
        &self,
        key: &SigningKey,
        endpoint: &str,
        token: &str,
    ) -> Result<String, RelayError> {
        let body = to_json(&RegisterPushRequest {
            endpoint: endpoint.to_owned(),
            token: token.to_owned(),
        })?;
        let resp: RegisterPushResponse = self.call(Request {
            method: Method::POST,
            path_and_query: format!("/v1/mailboxes/{}/push", mailbox_id(&key.public_key())),
            body,
            owner: Some(key),
            capability: None,
            success: OK_OR_CREATED,
            max_answer: MAX_ANSWER_BYTES,
        })?;
        if !wire::is_valid_issued_id(&resp.registration_id) {
            return Err(RelayError::Protocol(
                "the relay's registration id is malformed".into(),
            ));
        }
        Ok(resp.registration_id)
    }

    /// Removes a push registration of `key`'s mailbox. Removing one the relay no longer has
    /// (it removes registrations whose endpoint is gone) is not an error.
    pub fn unregister_push(
        &self,
        key: &SigningKey,
        registration_id: &str,
    ) -> Result<(), RelayError> {
        if !wire::is_valid_issued_id(registration_id) {
            return Err(RelayError::InvalidInput("malformed registration id".into()));
        }
        let removed = self.call_empty(Request {
            method: Method::DELETE,
            path_and_query: format!(
                "/v1/mailboxes/{}/push/{registration_id}",
                mailbox_id(&key.public_key())
            ),
            body: Vec::new(),
            owner: Some(key),
            capability: None,
            success: NO_CONTENT,
            max_answer: MAX_ANSWER_BYTES,
        });
        match removed {
            Err(e) if e.code() == Some(wire::codes::PUSH_NOT_FOUND) => Ok(()),
            other => other,
        }
    }

    /// The push registrations of `key`'s mailbox: `(registration id, endpoint)`, oldest first.
    pub fn list_push(&self, key: &SigningKey) -> Result<Vec<(String, String)>, RelayError> {
        let resp: ListPushResponse = self.call(Request {
            method: Method::GET,
            path_and_query: format!("/v1/mailboxes/{}/push", mailbox_id(&key.public_key())),
            body: Vec::new(),
            owner: Some(key),
            capability: None,
            success: OK,
            max_answer: MAX_ANSWER_BYTES,
        })?;
        Ok(resp
            .registrations
            .into_iter()
            .map(|r| (r.registration_id, r.endpoint))
            .collect())
    }

    /// Whether the relay answers its health check.
    pub fn health(&self) -> Result<(), RelayError> {
        self.send_with_retry(&Request {
            method: Method::GET,
            path_and_query: "/healthz".into(),
            body: Vec::new(),
            owner: None,
            capability: None,
            success: OK,
            max_answer: MAX_ERROR_BYTES,
        })
        .map(drop)
    }

    fn call<T: serde::de::DeserializeOwned>(&self, req: Request<'_>) -> Result<T, RelayError> {
        parse_json(&self.send_with_retry(&req)?.body)
    }

    fn call_empty(&self, req: Request<'_>) -> Result<(), RelayError> {
        self.send_with_retry(&req).map(drop)
    }

    fn send_with_retry(&self, req: &Request<'_>) -> Result<Answer, RelayError> {
        let mut backoff = self.retry.initial_backoff;
        let mut attempt = 1;
        let mut clock_corrected = false;
        loop {
            let err = match self.send_once(req) {
                Ok(resp) => return Ok(resp),
                Err(e) => e,
            };
            // A stale refusal taught us the relay's clock (send_once stored the offset): sign
            // again once with the corrected time.
            if err.code() == Some(wire::codes::STALE_REQUEST) && !clock_corrected {
                clock_corrected = true;
                continue;
            }
            if !err.is_transient() || attempt >= self.retry.max_attempts.max(1) {
                return Err(err);
            }
            let wait = match &err {
                RelayError::Busy {
                    retry_after: Some(secs),
                    ..
                } => {
                    let asked = Duration::from_secs(*secs);
                    if asked > self.retry.max_backoff {
                        return Err(err); // the caller schedules a later sync instead
                    }
                    asked.max(backoff)
                }
                _ => backoff,
            };
            std::thread::sleep(wait.min(self.retry.max_backoff));
            backoff = (backoff * 2).min(self.retry.max_backoff);
            attempt += 1;
        }
    }

    /// One attempt. Owner requests are signed afresh (new timestamp and nonce) every time, so a
    /// retry is never mistaken for a replay.
    fn send_once(&self, req: &Request<'_>) -> Result<Answer, RelayError> {
        let url = format!("{}{}", self.base, req.path_and_query);
        let mut builder = self
            .http
            .request(req.method.clone(), &url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(req.body.clone());
        if let Some(key) = req.owner {
            let ts = unix_now() + self.clock_offset();
            let nonce = URL_SAFE_NO_PAD.encode(hazmat::make_random::<16>());
            let message = wire::signing_message(
                req.method.as_str(),
                &req.path_and_query,
                ts,
                &nonce,
                &hazmat::derive_sha256(&req.body),
            );
            builder = builder
                .header(wire::HEADER_TIMESTAMP, ts.to_string())
                .header(wire::HEADER_NONCE, nonce)
                .header(wire::HEADER_SIGNATURE, STANDARD.encode(key.sign(&message)));
        }
        if let Some(token) = req.capability {
            builder = builder.header(wire::HEADER_CAPABILITY, token);
        }
        let resp = builder
            .send()
            .map_err(|e| RelayError::Unreachable(describe(&e)))?;
        let status = resp.status();
        if req.success.contains(&status) {
            let body = read_limited(resp, req.max_answer)?;
            return Ok(Answer { status, body });
        }
        if status.is_redirection() {
            return Err(RelayError::Redirected {
                status: status.as_u16(),
            });
        }
        if status.is_success() || status.is_informational() {
            return Err(RelayError::Protocol(format!(
                "the relay answered {} where the API says otherwise",
                status.as_u16()
            )));
        }
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let relay_time = resp
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date);
        let body: Option<ErrorBody> = read_limited(resp, MAX_ERROR_BYTES)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        // Only a documented code is kept; the relay's message is never passed on.
        let code = body
            .and_then(|b| KNOWN_CODES.iter().find(|c| **c == b.error).copied())
            .unwrap_or("unknown")
            .to_owned();
        if code == wire::codes::STALE_REQUEST
            && let Some(relay_time) = relay_time
        {
            self.set_clock_offset(relay_time - unix_now());
        }
        if status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::REQUEST_TIMEOUT
            || status.is_server_error()
        {
            Err(RelayError::Busy {
                status: status.as_u16(),
                code,
                retry_after,
            })
        } else {
            Err(RelayError::Rejected {
                status: status.as_u16(),
                code,
            })
        }
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Parses an IMF-fixdate (`Wed, 25 Nov 2026 09:30:00 GMT`, RFC 9110) into Unix seconds.
fn parse_http_date(s: &str) -> Option<i64> {
    let mut parts = s.split_ascii_whitespace().skip(1);
    let day: i64 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, mo) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * mo + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + m * 60 + sec)
}

/// Reads a body of at most `max` bytes; a longer one is a protocol failure, not a delivery.
fn read_limited(resp: Response, max: u64) -> Result<Vec<u8>, RelayError> {
    if resp.content_length().is_some_and(|n| n > max) {
        return Err(RelayError::Protocol(
            "the relay's answer is too large".into(),
        ));
    }
    let mut body = Vec::new();
    resp.take(max + 1)
        .read_to_end(&mut body)
        .map_err(|_| RelayError::Unreachable("connection broken while reading".into()))?;
    if body.len() as u64 > max {
        return Err(RelayError::Protocol(
            "the relay's answer is too large".into(),
        ));
    }
    Ok(body)
}

fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, RelayError> {
    serde_json::from_slice(bytes)
        .map_err(|_| RelayError::Protocol("answer is not the expected JSON".into()))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, RelayError> {
    serde_json::to_vec(value).map_err(|_| RelayError::InvalidInput("cannot encode request".into()))
}

fn check_mailbox_id(id: &str) -> Result<(), RelayError> {
    if id.len() == 43
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(())
    } else {
        Err(RelayError::InvalidInput("malformed mailbox id".into()))
    }
}

/// A transport error without the URL (it holds mailbox ids) or any body.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "cannot connect".into()
    } else if e.is_body() || e.is_decode() {
        "connection broken while reading".into()
    } else {
        "request failed".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_tell_try_later_from_refused() {
        let busy = RelayError::Busy {
            status: 429,
            code: "rate_limited".into(),
            retry_after: Some(3),
        };
        assert!(busy.is_transient());
        let refused = RelayError::Rejected {
            status: 403,
            code: "capability_revoked".into(),
        };
        assert!(!refused.is_transient());
        assert_eq!(refused.code(), Some("capability_revoked"));
        assert!(RelayError::Unreachable("cannot connect".into()).is_transient());
    }

    #[test]
    fn http_dates_parse() {
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_http_date("Wed, 25 Nov 2026 09:30:00 GMT"),
            Some(1_795_599_000)
        );
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2028 23:59:59 GMT"),
            Some(1_835_481_599)
        );
        assert_eq!(parse_http_date("Wed, 25 Nov 2026 09:30:00 CET"), None);
        assert_eq!(parse_http_date("garbage"), None);
    }

    #[test]
    fn urls_ids_and_debug_are_checked() {
        assert!(RelayClient::new("http://127.0.0.1:8787").is_ok());
        assert!(RelayClient::new("http://localhost:8787").is_ok());
        assert!(RelayClient::new("http://[::1]:8787").is_ok());
        assert!(RelayClient::new("https://relay.example/").is_ok());
        // Plain http beyond this device could be read and changed on the way.
        for url in [
            "http://relay.example",
            "http://10.0.0.2:8787",
            "http://127.0.0.1.example",
        ] {
            assert!(
                matches!(RelayClient::new(url), Err(RelayError::InvalidInput(_))),
                "{url}"
            );
        }
        assert!(RelayClient::new("ftp://relay.example").is_err());
        assert!(RelayClient::new("https://relay.example/prefix").is_err());
        let c = RelayClient::new("http://127.0.0.1:1").expect("valid url");
        let e = c
            .post_envelope("short", "token", "e1", b"x")
            .expect_err("malformed mailbox id");
        assert!(matches!(e, RelayError::InvalidInput(_)));
        let cap = Capability {
            id: "cap-1".into(),
            token: "SECRET-TOKEN".into(),
        };
        assert!(!format!("{cap:?}").contains("SECRET"));
        let env = RelayEnvelope {
            id: "e".into(),
            seq: 1,
            received_at: 0,
            payload: b"CIPHERTEXT".to_vec(),
        };
        assert!(!format!("{env:?}").contains("CIPHERTEXT"));
        let key = SigningKey::make();
        assert_eq!(mailbox_id(&key.public_key()).len(), 43);
    }
}
