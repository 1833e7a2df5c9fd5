//! FFI surface of content-free wake-ups (reached through `Lantern::sharing()`): the app turns
//! them on with the endpoint its push system gave it (a UnifiedPush distributor on Android, the
//! operator's APNs gateway on iOS) when the person turns notifications on, and off again. The
//! relays then POST that endpoint a token this core chose whenever an envelope arrives, and
//! nothing else; the app checks it with `is_push_wake` and syncs. See docs/push.md.

use crate::LanternError;
use crate::api::sharing::Sharing;
use crate::sharing::push::PushState;

/// Where wake-ups stand.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PushStatus {
    /// The endpoint the relays wake.
    pub endpoint: String,
    /// Relays that will wake it.
    pub registered_relays: Vec<String>,
    /// Relays holding a mailbox of this installation that are not registered yet (they could
    /// not be reached, or refused): `enable_push` again retries them.
    pub pending_relays: Vec<String>,
}

impl From<PushState> for PushStatus {
    fn from(s: PushState) -> Self {
        PushStatus {
            endpoint: s.endpoint,
            registered_relays: s.registered_relays,
            pending_relays: s.pending_relays,
        }
    }
}

#[uniffi::export]
impl Sharing {
    /// Turns wake-ups on, or moves them to a new `endpoint` (`https://`, at most 1024
    /// characters, no credentials): every relay holding a mailbox of this installation is told
    /// to wake it. `InvalidInput` for an endpoint that breaks the rules, `RelayRejected` when a
    /// relay will not wake it (a private address, a host its operator does not allow, too many
    /// registrations), `Network` to try later. What succeeded is kept; calling again finishes.
    pub fn enable_push(&self, endpoint: String) -> Result<PushStatus, LanternError> {
        Ok(self.store().enable_push(&endpoint)?.into())
    }

    /// Turns wake-ups off: every relay forgets the endpoint. `Network` if one could not be
    /// reached (it is remembered; calling again retries).
    pub fn disable_push(&self) -> Result<(), LanternError> {
        Ok(self.store().disable_push()?)
    }

    /// Where wake-ups stand, or `None` when they are off.
    pub fn push_status(&self) -> Result<Option<PushStatus>, LanternError> {
        Ok(self.store().push_state()?.map(Into::into))
    }

    /// Whether a push message's body is one of this installation's wake-ups (then sync).
    pub fn is_push_wake(&self, body: Vec<u8>) -> Result<bool, LanternError> {
        Ok(self.store().is_push_wake(&body)?)
    }
}
