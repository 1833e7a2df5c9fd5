//! HTTP routes, limits and refusals.
//!
//! Every refusal is a status with `{"error": code, "message": ...}`; nothing here panics on
//! request data, and every store call is one transaction. Logs name the route template, the
//! status and the latency; never a payload, a key, a token or a mailbox id.

mod error;
mod owner;
mod push;
mod request;
mod state;

use std::net::SocketAddr;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lantern_protocol::relay::{
    self as wire, AckRequest, AckResponse, CreateMailboxRequest, CreateMailboxResponse,
    IssueCapabilityResponse, ListEnvelopesResponse, PostEnvelopeRequest, PostEnvelopeResponse,
    StoredEnvelope, codes,
};
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;

pub use error::{ApiError, RefusalCode};
pub use owner::{OwnerRequest, within_window};
pub use state::AppState;

use crate::config::Config;
use crate::store::{PostOutcome, Quota, Store};
use request::{
    OWNER_BODY_LIMIT, PathParams, check_mailbox_id, now_secs, parse_json, read_body, sha256,
};

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    (status, axum::Json(value)).into_response()
}

fn random_b64url<const N: usize>() -> Result<String, ApiError> {
    let mut buf = [0u8; N];
    SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| ApiError::internal("random source failed"))?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// The rate-limit key of a request's client, set by the per-address limiter.
#[derive(Debug, Clone)]
struct ClientKey(String);

/// Builds the router for a store. `/metrics` is on it unless `metrics_listen` moves it to
/// [`metrics_router`].
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
        .route(
            "/v1/mailboxes/{mailbox}/push",
            post(push::register::<S>).get(push::list::<S>),
        )
        .route(
            "/v1/mailboxes/{mailbox}/push/{registration}",
            delete(push::unregister::<S>),
        );
    let v1 = if state.config.metrics_listen.is_none() {
        v1.route("/metrics", get(metrics::<S>))
    } else {
        v1
    };
    finish(v1, state)
}

/// The router of the private metrics address: `/metrics` alone.
pub fn metrics_router<S: Store>(state: AppState<S>) -> Router {
    finish(Router::new().route("/metrics", get(metrics::<S>)), state)
}

/// Adds the per-address limit, health, fallbacks and request accounting.
fn finish<S: Store>(routes: Router<AppState<S>>, state: AppState<S>) -> Router {
    routes
        .layer(middleware::from_fn_with_state(
            state.clone(),
            limit_per_ip::<S>,
        ))
        .route("/healthz", get(healthz))
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
    mut req: Request,
    next: Next,
) -> Response {
    let key = st.client_addr.key(peer, req.headers());
    match st.per_ip.check(&key) {
        Ok(()) => {
            req.extensions_mut().insert(ClientKey(key));
            next.run(req).await
        }
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

/// Prometheus text from counters and the periodically refreshed totals: a scrape never queries
/// the store. With `metrics_token` set, only `Authorization: Bearer <token>` is answered.
async fn metrics<S: Store>(
    State(st): State<AppState<S>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = &st.config.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        // Digests compared, so timing says nothing about the token's bytes.
        if sha256(given.as_bytes()) != sha256(token.as_bytes()) {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                codes::UNAUTHORIZED,
                "metrics token missing or wrong",
            ));
        }
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        st.metrics.render(),
    )
        .into_response())
}

async fn create_mailbox<S: Store>(
    State(st): State<AppState<S>>,
    client: Option<axum::Extension<ClientKey>>,
    parts: Parts,
    body: Body,
) -> Result<Response, ApiError> {
    if let Some(axum::Extension(ClientKey(key))) = &client {
        st.creations_per_ip
            .check(key)
            .map_err(ApiError::rate_limited)?;
    }
    let body = read_body(body, OWNER_BODY_LIMIT, st.config.body_read_timeout()).await?;
    let req: CreateMailboxRequest = parse_json(&body)?;
    if req.public_key.0.len() != 32 {
        return Err(ApiError::malformed("public key must be 32 bytes"));
    }
    let mailbox_id = wire::mailbox_id_from_key_digest(&sha256(&req.public_key.0));
    owner::authenticate(&st, &mailbox_id, Some(&req.public_key.0), &parts, &body).await?;
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
    owner: OwnerRequest,
) -> Result<Response, ApiError> {
    let mailbox = owner.without_body()?;
    if !st.store.delete_mailbox(&mailbox).await? {
        return Err(ApiError::mailbox_not_found());
    }
    tracing::info!("mailbox deleted");
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn issue_capability<S: Store>(
    State(st): State<AppState<S>>,
    owner: OwnerRequest,
) -> Result<Response, ApiError> {
    let mailbox = owner.without_body()?;
    let capability_id = random_b64url::<12>()?;
    let token = random_b64url::<32>()?;
    let token_hash = token_hash(&token).ok_or_else(|| ApiError::internal("token"))?;
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
    PathParams((_, capability)): PathParams<(String, String)>,
    owner: OwnerRequest,
) -> Result<Response, ApiError> {
    let mailbox = owner.without_body()?;
    if !wire::is_valid_issued_id(&capability) {
        return Err(ApiError::malformed(
            "capability id must be [A-Za-z0-9_-]{16}",
        ));
    }
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
    if token.len() != 43 {
        return None;
    }
    let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
    (raw.len() == 32).then(|| sha256(&raw))
}

fn invalid_capability() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        codes::CAPABILITY_INVALID,
        "capability missing, unknown or for another mailbox",
    )
}

/// The hash of the capability token a post carries.
fn capability_of(headers: &HeaderMap) -> Result<[u8; 32], ApiError> {
    headers
        .get(wire::HEADER_CAPABILITY)
        .and_then(|v| v.to_str().ok())
        .and_then(token_hash)
        .ok_or_else(invalid_capability)
}

/// Reads and checks a post's body: JSON, a well-formed id, a payload within the size limit.
async fn read_post(config: &Config, body: Body) -> Result<PostEnvelopeRequest, ApiError> {
    let max = config.max_envelope_bytes;
    // Base64 grows 4/3; leave room for the id and JSON punctuation.
    let body = read_body(body, max / 3 * 4 + 4 + 1024, config.body_read_timeout()).await?;
    let req: PostEnvelopeRequest = parse_json(&body)?;
    if !wire::is_valid_envelope_id(&req.id) {
        return Err(ApiError::malformed(
            "envelope id must be [A-Za-z0-9_-]{1,128}",
        ));
    }
    if req.payload.0.len() > max {
        return Err(ApiError::too_large(format!(
            "envelope larger than {max} bytes"
        )));
    }
    Ok(req)
}

/// The quotas a post is checked against.
fn quota(config: &Config) -> Quota {
    Quota {
        max_envelopes: config.mailbox_max_envelopes,
        max_bytes: config.mailbox_max_bytes,
        capability_max_envelopes: config.capability_max_envelopes,
        capability_max_bytes: config.capability_max_bytes,
        reserved_envelopes: config.capability_reserved_envelopes,
        reserved_bytes: config.capability_reserved_bytes,
    }
}

/// The answer to a post's outcome.
fn post_answer(outcome: PostOutcome) -> Result<Response, ApiError> {
    let stored =
        |status, seq, duplicate| Ok(json(status, &PostEnvelopeResponse { seq, duplicate }));
    match outcome {
        PostOutcome::Stored { seq } => stored(StatusCode::CREATED, seq, false),
        PostOutcome::Duplicate { seq } => stored(StatusCode::OK, seq, true),
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
            "mailbox or capability quota reached",
        )),
    }
}

async fn post_envelope<S: Store>(
    State(st): State<AppState<S>>,
    PathParams(mailbox): PathParams<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_mailbox_id(&mailbox)?;
    let hash = capability_of(&headers)?;
    let req = read_post(&st.config, body).await?;
    st.per_key
        .check(&URL_SAFE_NO_PAD.encode(&hash[..12]))
        .map_err(ApiError::rate_limited)?;
    let payload_hash = sha256(&req.payload.0);
    let outcome = st
        .store
        .post_envelope(
            &mailbox,
            &hash,
            &req.id,
            req.payload.0,
            payload_hash,
            now_secs(),
            quota(&st.config),
        )
        .await?;
    if let PostOutcome::Stored { .. } = outcome {
        // Committed: wake the owner's devices (queued, never awaited here).
        st.push.notify(&mailbox);
    }
    post_answer(outcome)
}

/// Parses `after` and `limit` from the query string.
fn list_params(query: Option<&str>) -> Result<(i64, u32), ApiError> {
    let (mut after, mut limit) = (0i64, 100u32);
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let digits = !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
        match k {
            "after" => {
                after =
                    v.parse().ok().filter(|_| digits).ok_or_else(|| {
                        ApiError::malformed("after must be a non-negative integer")
                    })?
            }
            "limit" => {
                limit = v
                    .parse()
                    .ok()
                    .filter(|l: &u32| digits && *l >= 1)
                    .ok_or_else(|| ApiError::malformed("limit must be a positive integer"))?
            }
            _ => return Err(ApiError::malformed("unknown query parameter")),
        }
    }
    Ok((after, limit.min(wire::MAX_LIST_LIMIT)))
}

async fn list_envelopes<S: Store>(
    State(st): State<AppState<S>>,
    parts: Parts,
    owner: OwnerRequest,
) -> Result<Response, ApiError> {
    let (after, limit) = list_params(parts.uri.query())?;
    let mailbox = owner.without_body()?;
    let (rows, more) = st
        .store
        .list_envelopes(&mailbox, after, limit, st.config.max_list_bytes)
        .await?;
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
    owner: OwnerRequest,
) -> Result<Response, ApiError> {
    let req: AckRequest = parse_json(&owner.body)?;
    if req.ids.len() > wire::MAX_ACK_IDS || !req.ids.iter().all(|i| wire::is_valid_envelope_id(i)) {
        return Err(ApiError::malformed(format!(
            "ids: at most {} well-formed envelope ids",
            wire::MAX_ACK_IDS
        )));
    }
    let deleted = st
        .store
        .ack_envelopes(&owner.mailbox, req.ids, now_secs())
        .await?;
    Ok(json(StatusCode::OK, &AckResponse { deleted }))
}
