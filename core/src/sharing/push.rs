//! Content-free wake-ups for this installation's mailboxes: the device's push endpoint (a
//! UnifiedPush endpoint on Android, an operator's APNs gateway on iOS) registered with every
//! relay holding a mailbox of this installation, so that a new envelope makes the relay POST the
//! endpoint a token this core chose, and nothing else. The app then syncs.
//!
//! The endpoint, the token and the relays' registration ids are kept sealed in `sharing.db`
//! (the endpoint names the person's push account). The rules for an endpoint live here once:
//! `https://`, no credentials or fragment, at most [`MAX_PUSH_ENDPOINT_LEN`] characters; plain
//! `http://` only to this device (tests). The relay applies its own rules on top (public
//! addresses only, unless its operator allows more).

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lantern_protocol::relay::MAX_PUSH_ENDPOINT_LEN;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::SharingError;
use super::SharingStore;
use super::pairing::record_aad;
use super::relay_client::RelayClient;
use super::store::{StoreError, meta_get, meta_put};
use crate::crypto::hazmat;

const PUSH_KEY: &str = "push_endpoint";

/// Why an endpoint is not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    #[error(
        "push endpoint must be an https URL of at most {MAX_PUSH_ENDPOINT_LEN} characters, without credentials or fragment"
    )]
    BadEndpoint,
}

/// What is kept (sealed) while wake-ups are on.
#[derive(Serialize, Deserialize)]
struct PushSettings {
    endpoint: String,
    /// Chosen here once; the whole body of every wake-up.
    token: String,
    /// Relay URL -> the relay's registration id.
    registrations: BTreeMap<String, String>,
}

/// Where wake-ups stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushState {
    pub endpoint: String,
    /// Relays that will wake the endpoint.
    pub registered_relays: Vec<String>,
    /// Relays holding a mailbox of this installation that are not registered yet (unreachable
    /// or refusing when last tried): enabling again retries them.
    pub pending_relays: Vec<String>,
}

/// Checks an endpoint against the rules above.
pub fn check_endpoint(endpoint: &str) -> Result<(), PushError> {
    if endpoint.is_empty() || endpoint.chars().count() > MAX_PUSH_ENDPOINT_LEN {
        return Err(PushError::BadEndpoint);
    }
    let url = reqwest::Url::parse(endpoint).map_err(|_| PushError::BadEndpoint)?;
    let scheme_ok = match url.scheme() {
        "https" => true,
        "http" => crate::https::is_loopback(&url),
        _ => false,
    };
    if !scheme_ok
        || url.host_str().is_none_or(str::is_empty)
        || !url.username().is_empty()
        || url.password().is_some()
        || url.fragment().is_some()
    {
        return Err(PushError::BadEndpoint);
    }
    Ok(())
}

impl SharingStore {
    fn push_settings(&self) -> Result<Option<PushSettings>, StoreError> {
        let Some(sealed) = meta_get(&self.db, PUSH_KEY)? else {
            return Ok(None);
        };
        let bytes = self
            .sealer
            .open(&record_aad("push", PUSH_KEY), &sealed)
            .map_err(|e| e.or_corrupt("push settings"))?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|_| StoreError::Corrupt("push settings"))
    }

    fn save_push_settings(&self, s: &PushSettings) -> Result<(), StoreError> {
        let bytes = Zeroizing::new(
            serde_json::to_vec(s).map_err(|_| StoreError::Corrupt("push settings"))?,
        );
        let sealed = self.sealer.seal(&record_aad("push", PUSH_KEY), &bytes)?;
        meta_put(&self.db, PUSH_KEY, &sealed)
    }

    /// Turns wake-ups on (or moves them to a new endpoint): registers `endpoint` with every
    /// relay holding a mailbox of this installation; mailboxes opened later are registered by
    /// [`SharingStore::push_catch_up`]. Each registration is kept as soon as it is made, so a
    /// failure part-way loses nothing and calling again finishes the job.
    pub fn enable_push(&self, endpoint: &str) -> Result<PushState, SharingError> {
        check_endpoint(endpoint)?;
        let mut settings = match self.push_settings()? {
            Some(s) if s.endpoint == endpoint => s,
            Some(old) => {
                // Moving: the old endpoint stops being woken first.
                let mut old = old;
                self.unregister_all(&mut old)?;
                PushSettings {
                    endpoint: endpoint.to_owned(),
                    token: old.token,
                    registrations: BTreeMap::new(),
                }
            }
            None => PushSettings {
                endpoint: endpoint.to_owned(),
                token: URL_SAFE_NO_PAD.encode(hazmat::make_random::<32>()),
                registrations: BTreeMap::new(),
            },
        };
        self.save_push_settings(&settings)?;
        self.register_missing(&mut settings)?;
        self.push_state()?
            .ok_or(SharingError::Store(StoreError::Corrupt("push settings")))
    }

    /// Registers the endpoint with relays that hold a mailbox of this installation but have
    /// no registration yet (after pairing on a new relay). Nothing to do when wake-ups are off.
    pub fn push_catch_up(&self) -> Result<(), SharingError> {
        if let Some(mut settings) = self.push_settings()? {
            self.register_missing(&mut settings)?;
        }
        Ok(())
    }

    fn register_missing(&self, settings: &mut PushSettings) -> Result<(), SharingError> {
        let me = self.identity()?;
        for url in self.own_relay_urls()? {
            if settings.registrations.contains_key(&url) {
                continue;
            }
            let client = RelayClient::new(&url)?;
            let id = client.register_push(&me.signing, &settings.endpoint, &settings.token)?;
            settings.registrations.insert(url, id);
            self.save_push_settings(settings)?;
        }
        Ok(())
    }

    fn unregister_all(&self, settings: &mut PushSettings) -> Result<(), SharingError> {
        let me = self.identity()?;
        while let Some((url, id)) = settings.registrations.pop_first() {
            let client = RelayClient::new(&url)?;
            if let Err(e) = client.unregister_push(&me.signing, &id) {
                settings.registrations.insert(url, id);
                self.save_push_settings(settings)?;
                return Err(e.into());
            }
            self.save_push_settings(settings)?;
        }
        Ok(())
    }

    /// Turns wake-ups off: every relay forgets the endpoint, then this installation does. A
    /// relay that cannot be reached keeps its registration here, and calling again retries it.
    pub fn disable_push(&self) -> Result<(), SharingError> {
        let Some(mut settings) = self.push_settings()? else {
            return Ok(());
        };
        self.unregister_all(&mut settings)?;
        self.db
            .execute("DELETE FROM meta WHERE key = ?1", [PUSH_KEY])
            .map_err(StoreError::from)?;
        Ok(())
    }

    /// Where wake-ups stand, or `None` when they are off.
    pub fn push_state(&self) -> Result<Option<PushState>, SharingError> {
        let Some(settings) = self.push_settings()? else {
            return Ok(None);
        };
        let pending = self
            .own_relay_urls()?
            .into_iter()
            .filter(|u| !settings.registrations.contains_key(u))
            .collect();
        Ok(Some(PushState {
            endpoint: settings.endpoint,
            registered_relays: settings.registrations.into_keys().collect(),
            pending_relays: pending,
        }))
    }

    /// Whether `body` (a push message the app received) is one of this installation's
    /// wake-ups: exactly its token. Compared in constant time.
    pub fn is_push_wake(&self, body: &[u8]) -> Result<bool, SharingError> {
        Ok(self
            .push_settings()?
            .is_some_and(|s| hazmat::constant_time_eq(s.token.as_bytes(), body)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_rules() {
        for ok in [
            "https://ntfy.sh/upAbC?up=1",
            "https://push.example.org:8443/wake/x",
            "http://127.0.0.1:9000/up",
            "http://[::1]:9000/up",
        ] {
            assert_eq!(check_endpoint(ok), Ok(()), "{ok}");
        }
        let long = format!("https://ntfy.sh/{}", "a".repeat(MAX_PUSH_ENDPOINT_LEN));
        for bad in [
            "",
            "ntfy.sh/up",
            "http://ntfy.sh/up",
            "ftp://ntfy.sh/up",
            "https://user:pw@ntfy.sh/up",
            "https://ntfy.sh/up#x",
            long.as_str(),
        ] {
            assert_eq!(check_endpoint(bad), Err(PushError::BadEndpoint), "{bad}");
        }
    }
}
