//! HTTP routes, owner-signature checks, limits and refusals.
//!
//! Every refusal is a status with `{"error": code, "message": ...}`; nothing here panics on
//! request data, and every store call is one transaction. Logs name the route template, the
//! status and the latency; never a payload, a key, a token or a mailbox id.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, MatchedPath, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use lantern_protocol::relay::{
    self as wire, AckRequest, AckResponse, CreateMailboxRequest, CreateMailboxResponse, ErrorBody,
    IssueCapabilityResponse, ListEnvelopesResponse, PostEnvelopeRequest, PostEnvelopeResponse,
    StoredEnvelope, codes,
};
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;

use crate::config::Config;
use crate::limits::RateLimiter;
use crate::metrics::Metrics;
use crate::store::{PostOutcome, Quota, Store, StoreError};

/// Shared by all requests of one relay process.
pub struct AppState<S> {
    pub store: Arc<S>,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    pub per_ip: Arc<RateLimiter>,
    pub per_key: Arc<RateLimiter>,
}

impl<S> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            store: Arc::clone(&self.store),
            config: Arc::clone(&self.config),
            metrics: Arc::clone(&self.metrics),
            per_ip: Arc::clone(&self.per_ip),
            per_key: Arc::clone(&self.per_key),
        }
    }
}

/// A refusal or failure, rendered as a status and a JSON error body.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

/// The error code of a refusal, attached to the response for metrics.
#[derive(Debug, Clone, Copy)]
struct RefusalCode(&'static str);

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::MALFORMED, message)
    }
    fn rate_limited(retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                codes::RATE_LIMITED,
                "too many requests",
            )
        }
    }
    fn mailbox_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            codes::MAILBOX_NOT_FOUND,
            "no such mailbox",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "store failure");
        match e {
            StoreError::Unavailable(_) => ApiError {
                retry_after: Some(1),
                ..Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    codes::UNAVAILABLE,
                    "storage unavailable, try later",
                )
            },
            StoreError::Failed(_) => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                codes::INTERNAL,
                "storage failed, try later",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code.to_owned(),
            message: self.message,
        };
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp.extensions_mut().insert(RefusalCode(self.code));
        resp
    }
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    (status, axum::Json(value)).into_response()
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

fn random_b64url<const N: usize>() -> Result<String, ApiError> {
    let mut buf = [0u8; N];
    SystemRandom::new().fill(&mut buf).map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "random source failed",
        )
    })?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// Builds the router for a store.
pub fn router<S: Store>(state: AppState<S>) -> Router {
    let v1 = Router::new()
        .route("/v1/mailboxes", post(create_mailbox::<S>))
        .route("/v1/mailboxes/{mailbox}", delete(delete_mailbox::<S>))
        .route(
            "/v1/mailboxes/{mailbox}/capabilities",
            post(issue_capability::<S>),
        )
        .route(
            "/v1/mailboxes/{mailbox}/capabilities/{capability}",
            delete(revoke_capability::<S>),
        )
        .route(
            "/v1/mailboxes/{mailbox}/envelopes",
            post(post_envelope::<S>).get(list_envelopes::<S>),
        )
        .route("/v1/mailboxes/{mailbox}/ack", post(ack_envelopes::<S>))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            limit_per_ip::<S>,
        ));
    Router::new()
        .merge(v1)
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::<S>))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), observe::<S>))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(state)
}

/// Counts and logs every answered request (route template, status, latency; nothing else).
async fn observe<S: Store>(State(st): State<AppState<S>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let resp = next.run(req).await;
    let secs = start.elapsed().as_secs_f64();
    let refusal = resp.extensions().get::<RefusalCode>().map(|c| c.0);
    st.metrics
        .observe(&route, resp.status().as_u16(), refusal, secs);
    tracing::debug!(%method, route, status = resp.status().as_u16(), refusal, micros = (secs * 1e6) as u64, "request");
    resp
}

async fn limit_per_ip<S: Store>(
    State(st): State<AppState<S>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    match st.per_ip.check(&peer.ip().to_string()) {
        Ok(()) => next.run(req).await,
        Err(retry) => ApiError::rate_limited(retry).into_response(),
    }
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        codes::METHOD_NOT_ALLOWED,
        "method not allowed on this route",
    )
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn metrics<S: Store>(State(st): State<AppState<S>>) -> Response {
    let totals = st.store.totals().await.ok();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        st.metrics.render(totals),
    )
        .into_response()
}

async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::TOO_LARGE,
            "request body too large",
        )
    })
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|_| ApiError::malformed("body is not the expected JSON"))
}

fn check_mailbox_id(id: &str) -> Result<(), ApiError> {
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

/// Limit for owner request bodies (acks, key registration); posts have their own.
const OWNER_BODY_LIMIT: usize = 256 * 1024;

/// Verifies an owner-signed request for `mailbox_id`. `registering` carries the key being
/// registered (mailbox creation); otherwise the stored key is used. Consumes the nonce.
async fn authenticate_owner<S: Store>(
    st: &AppState<S>,
    mailbox_id: &str,
    registering: Option<&[u8]>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
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
    let ts: i64 = ts
        .parse()
        .map_err(|_| ApiError::malformed("timestamp is not an integer"))?;
    let window = st.config.signature_window_secs;
    let now = now_secs();
    if (now - ts).abs() > window {
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
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let message = wire::signing_message(method.as_str(), path, ts, nonce, &sha256(body));
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &key)
        .verify(&message, &sig)
        .map_err(|_| bad_signature())?;
    st.per_key
        .check(mailbox_id)
        .map_err(ApiError::rate_limited)?;
    // Kept until the timestamp can no longer pass the window check; then the sweep drops it.
    if !st
        .store
        .record_nonce(mailbox_id, nonce, ts + window + 1)
        .await?
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            codes::REPLAY,
            "request already seen",
        ));
    }
    Ok(())
}

async fn create_mailbox<S: Store>(
    State(st): State<AppState<S>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let body = read_body(body, OWNER_BODY_LIMIT).await?;
    let req: CreateMailboxRequest = parse_json(&body)?;
    if req.public_key.0.len() != 32 {
        return Err(ApiError::malformed("public key must be 32 bytes"));
    }
    let mailbox_id = wire::mailbox_id_from_key_digest(&sha256(&req.public_key.0));
    authenticate_owner(
        &st,
        &mailbox_id,
        Some(&req.public_key.0),
        &method,
        &uri,
        &headers,
        &body,
    )
    .await?;
    let created = st
        .store
        .create_mailbox(&mailbox_id, &req.public_key.0, now_secs())
        .await?;
    let status = if created {
        tracing::info!("mailbox created");
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, &CreateMailboxResponse { mailbox_id }))
}

async fn delete_mailbox<S: Store>(
    State(st): State<AppState<S>>,
    Path(mailbox): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_mailbox_id(&mailbox)?;
    let body = read_body(body, OWNER_BODY_LIMIT).await?;
    authenticate_owner(&st, &mailbox, None, &method, &uri, &headers, &body).await?;
    if !st.store.delete_mailbox(&mailbox).await? {
        return Err(ApiError::mailbox_not_found());
    }
    tracing::info!("mailbox deleted");
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn issue_capability<S: Store>(
    State(st): State<AppState<S>>,
    Path(mailbox): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_mailbox_id(&mailbox)?;
    let body = read_body(body, OWNER_BODY_LIMIT).await?;
    authenticate_owner(&st, &mailbox, None, &method, &uri, &headers, &body).await?;
    let capability_id = random_b64url::<12>()?;
    let token = random_b64url::<32>()?;
    let token_hash = token_hash(&token).ok_or_else(|| ApiError::malformed("token"))?;
    if !st
        .store
        .add_capability(&mailbox, &capability_id, &token_hash, now_secs())
        .await?
    {
        return Err(ApiError::mailbox_not_found());
    }
    Ok(json(
        StatusCode::CREATED,
        &IssueCapabilityResponse {
            capability_id,
            token,
        },
    ))
}

async fn revoke_capability<S: Store>(
    State(st): State<AppState<S>>,
    Path((mailbox, capability)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_mailbox_id(&mailbox)?;
    let body = read_body(body, OWNER_BODY_LIMIT).await?;
    authenticate_owner(&st, &mailbox, None, &method, &uri, &headers, &body).await?;
    if !st
        .store
        .revoke_capability(&mailbox, &capability, now_secs())
        .await?
    {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            codes::CAPABILITY_NOT_FOUND,
            "no such capability",
        ));
    }
    tracing::info!("capability revoked");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// SHA-256 of a capability token's 32 decoded bytes; `None` if it is not such a token.
fn token_hash(token: &str) -> Option<[u8; 32]> {
    let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
    (raw.len() == 32).then(|| sha256(&raw))
}

async fn post_envelope<S: Store>(
    State(st): State<AppState<S>>,
    Path(mailbox): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_mailbox_id(&mailbox)?;
    let invalid_capability = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            codes::CAPABILITY_INVALID,
            "capability missing, unknown or for another mailbox",
        )
    };
    let hash = headers
        .get(wire::HEADER_CAPABILITY)
        .and_then(|v| v.to_str().ok())
        .and_then(token_hash)
        .ok_or_else(invalid_capability)?;
    let max = st.config.max_envelope_bytes;
    // Base64 grows 4/3; leave room for the id and JSON punctuation.
    let body = read_body(body, max / 3 * 4 + 4 + 1024).await?;
    let req: PostEnvelopeRequest = parse_json(&body)?;
    if !wire::is_valid_envelope_id(&req.id) {
        return Err(ApiError::malformed(
            "envelope id must be [A-Za-z0-9_-]{1,128}",
        ));
    }
    if req.payload.0.len() > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::TOO_LARGE,
            format!("envelope larger than {max} bytes"),
        ));
    }
    let key = URL_SAFE_NO_PAD.encode(&hash[..12]);
    st.per_key.check(&key).map_err(ApiError::rate_limited)?;
    let payload_hash = sha256(&req.payload.0);
    let quota = Quota {
        max_envelopes: st.config.mailbox_max_envelopes,
        max_bytes: st.config.mailbox_max_bytes,
    };
    let outcome = st
        .store
        .post_envelope(
            &mailbox,
            &hash,
            &req.id,
            req.payload.0,
            payload_hash,
            now_secs(),
            quota,
        )
        .await?;
    match outcome {
        PostOutcome::Stored { seq } => Ok(json(
            StatusCode::CREATED,
            &PostEnvelopeResponse {
                seq,
                duplicate: false,
            },
        )),
        PostOutcome::Duplicate { seq } => Ok(json(
            StatusCode::OK,
            &PostEnvelopeResponse {
                seq,
                duplicate: true,
            },
        )),
        PostOutcome::Conflict => Err(ApiError::new(
            StatusCode::CONFLICT,
            codes::CONFLICT,
            "envelope id already used for different content",
        )),
        PostOutcome::MailboxNotFound => Err(ApiError::mailbox_not_found()),
        PostOutcome::CapabilityInvalid => Err(invalid_capability()),
        PostOutcome::CapabilityRevoked => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            codes::CAPABILITY_REVOKED,
            "capability revoked",
        )),
        PostOutcome::QuotaExceeded => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::QUOTA_EXCEEDED,
            "mailbox quota reached",
        )),
    }
}

/// Parses `after` and `limit` from the query string.
fn list_params(uri: &Uri) -> Result<(i64, u32), ApiError> {
    let (mut after, mut limit) = (0i64, 100u32);
    for pair in uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "after" => {
                after =
                    v.parse().ok().filter(|a: &i64| *a >= 0).ok_or_else(|| {
                        ApiError::malformed("after must be a non-negative integer")
                    })?
            }
            "limit" => {
                limit = v
                    .parse()
                    .ok()
                    .filter(|l: &u32| *l >= 1)
                    .ok_or_else(|| ApiError::malformed("limit must be a positive integer"))?
            }
            _ => return Err(ApiError::malformed("unknown query parameter")),
        }
    }
    Ok((after, limit.min(wire::MAX_LIST_LIMIT)))
}

async fn list_envelopes<S: Store>(
    State(st): State<AppState<S>>,
    Path(mailbox): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_mailbox_id(&mailbox)?;
    let (after, limit) = list_params(&uri)?;
    let body = read_body(body, OWNER_BODY_LIMIT).await?;
    authenticate_owner(&st, &mailbox, None, &method, &uri, &headers, &body).await?;
    let (rows, more) = st.store.list_envelopes(&mailbox, after, limit).await?;
    let next_cursor = rows.last().map_or(after, |r| r.seq);
    let envelopes = rows
        .into_iter()
        .map(|r| StoredEnvelope {
            id: r.id,
            seq: r.seq,
            received_at: r.received_at,
            payload: wire::Base64Bytes(r.payload),
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        &ListEnvelopesResponse {
            envelopes,
            next_cursor,
            more,
        },
    ))
}

async fn ack_envelopes<S: Store>(
    State(st): State<AppState<S>>,
    Path(mailbox): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_mailbox_id(&mailbox)?;
    let body = read_body(body, OWNER_BODY_LIMIT).await?;
    let req: AckRequest = parse_json(&body)?;
    if req.ids.len() > wire::MAX_ACK_IDS || !req.ids.iter().all(|i| wire::is_valid_envelope_id(i)) {
        return Err(ApiError::malformed(format!(
            "ids: at most {} well-formed envelope ids",
            wire::MAX_ACK_IDS
        )));
    }
    authenticate_owner(&st, &mailbox, None, &method, &uri, &headers, &body).await?;
    let deleted = st
        .store
        .ack_envelopes(&mailbox, req.ids, now_secs())
        .await?;
    Ok(json(StatusCode::OK, &AckResponse { deleted }))
}
