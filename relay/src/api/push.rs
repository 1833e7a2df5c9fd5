//! Push registration routes, all owner-signed: register an endpoint to be woken when an
//! envelope arrives (`POST .../push`), list them (`GET .../push`), remove one
//! (`DELETE .../push/{registration}`). Logs never name the endpoint or the token.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lantern_protocol::relay::{
    self as wire, ListPushResponse, PushRegistrationView, RegisterPushRequest,
    RegisterPushResponse, codes,
};

use super::error::ApiError;
use super::owner::OwnerRequest;
use super::request::{now_secs, parse_json};
use super::state::AppState;
use super::{json, random_b64url};
use crate::push::EndpointError;
use crate::store::{RegisterOutcome, Store};

pub async fn register<S: Store>(
    State(st): State<AppState<S>>,
    owner: OwnerRequest,
) -> Result<Response, ApiError> {
    let req: RegisterPushRequest = parse_json(&owner.body)?;
    if !wire::is_valid_push_token(&req.token) {
        return Err(ApiError::malformed("token must be [A-Za-z0-9_-]{16,256}"));
    }
    match st.push_policy.check(&req.endpoint) {
        Ok(_) => {}
        Err(EndpointError::Malformed(m)) => return Err(ApiError::malformed(m)),
        Err(EndpointError::Refused(m)) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                codes::PUSH_ENDPOINT_REFUSED,
                m,
            ));
        }
    }
    let id = random_b64url::<12>()?;
    let outcome = st
        .store
        .register_push(
            &owner.mailbox,
            &id,
            &req.endpoint,
            &req.token,
            now_secs(),
            st.config.push_max_registrations,
        )
        .await?;
    let (status, registration_id) = match outcome {
        RegisterOutcome::Created { id } => {
            tracing::info!("push endpoint registered");
            (StatusCode::CREATED, id)
        }
        RegisterOutcome::Updated { id } => (StatusCode::OK, id),
        RegisterOutcome::LimitReached => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                codes::PUSH_LIMIT,
                "this mailbox has as many push registrations as the relay allows",
            ));
        }
        RegisterOutcome::MailboxNotFound => return Err(ApiError::mailbox_not_found()),
    };
    Ok(json(status, &RegisterPushResponse { registration_id }))
}

pub async fn list<S: Store>(
    State(st): State<AppState<S>>,
    owner: OwnerRequest,
) -> Result<Response, ApiError> {
    let mailbox = owner.without_body()?;
    let registrations = st
        .store
        .list_push(&mailbox)
        .await?
        .into_iter()
        .map(|r| PushRegistrationView {
            registration_id: r.id,
            endpoint: r.endpoint,
            created_at: r.created_at,
        })
        .collect();
    Ok(json(StatusCode::OK, &ListPushResponse { registrations }))
}

pub async fn unregister<S: Store>(
    State(st): State<AppState<S>>,
    Path((_, registration)): Path<(String, String)>,
    owner: OwnerRequest,
) -> Result<Response, ApiError> {
    let mailbox = owner.without_body()?;
    if !wire::is_valid_issued_id(&registration) {
        return Err(ApiError::malformed(
            "registration id must be [A-Za-z0-9_-]{16}",
        ));
    }
    if !st.store.unregister_push(&mailbox, &registration).await? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            codes::PUSH_NOT_FOUND,
            "no such push registration",
        ));
    }
    tracing::info!("push endpoint removed");
    Ok(StatusCode::NO_CONTENT.into_response())
}
