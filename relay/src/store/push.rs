//! Push registrations in the store: which endpoint to wake, with which token, for a mailbox.
//! A separate trait from [`super::Store`] (which requires it), so the push queries stay apart
//! from the post path: the dispatcher looks registrations up after a post has committed.

use std::future::Future;

use super::StoreError;

/// What a registration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterOutcome {
    Created {
        id: String,
    },
    /// The mailbox had this endpoint already: its token is replaced, its id kept.
    Updated {
        id: String,
    },
    /// The mailbox has `max` registrations already.
    LimitReached,
    MailboxNotFound,
}

/// A registration as listed to its owner.
#[derive(Clone, PartialEq, Eq)]
pub struct PushRegistration {
    pub id: String,
    pub endpoint: String,
    pub created_at: i64,
}

impl std::fmt::Debug for PushRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushRegistration")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Where one wake-up goes: never logged (the endpoint names the device's push account).
#[derive(Clone, PartialEq, Eq)]
pub struct PushTarget {
    pub mailbox_id: String,
    pub id: String,
    pub endpoint: String,
    pub token: String,
}

impl std::fmt::Debug for PushTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushTarget").finish_non_exhaustive()
    }
}

/// Push registration storage (both backends).
pub trait PushStore: Send + Sync + 'static {
    /// Registers `endpoint` for `mailbox_id` (or replaces the token of the same endpoint), at
    /// most `max` per mailbox; `id` is used when a new row is made. One transaction.
    fn register_push(
        &self,
        mailbox_id: &str,
        id: &str,
        endpoint: &str,
        token: &str,
        now: i64,
        max: u32,
    ) -> impl Future<Output = Result<RegisterOutcome, StoreError>> + Send;

    /// Removes a registration; `Ok(false)` if the mailbox has no such registration.
    fn unregister_push(
        &self,
        mailbox_id: &str,
        id: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// A mailbox's registrations, oldest first.
    fn list_push(
        &self,
        mailbox_id: &str,
    ) -> impl Future<Output = Result<Vec<PushRegistration>, StoreError>> + Send;

    /// Every registration of these mailboxes (one query for a batch of posts).
    fn push_targets(
        &self,
        mailbox_ids: Vec<String>,
    ) -> impl Future<Output = Result<Vec<PushTarget>, StoreError>> + Send;
}
