//! The sync engine: moves sealed envelopes between the outbox, the relay and the inbox.
//!
//! One `sync` = decide and seal (outbox), post everything queued in sequence order
//! ([`SharingStore::post_outbox`]), then fetch this installation's own mailboxes, apply each
//! envelope (inbox) and acknowledge it ([`SharingStore::fetch_mailboxes`]). Delivery
//! is at least once: an envelope leaves the outbox only after the relay confirmed it (a repost
//! of the same id is a duplicate the relay ignores), and is acknowledged only after it was
//! applied or refused for good (a second copy is a no-op). A crash or a dropped connection at
//! any point loses and duplicates nothing. Never called from inside an async runtime.
//!
//! [`SyncHooks`] lets the caller watch progress and cancel. Cancellation is checked between
//! steps (before each post, each page fetch and each apply); stopping there is as safe as a
//! dropped connection. Progress carries counts and connection ids only, never content.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::envelope::{self, Payload};
use super::identity::{Invite, validate_name};
use super::inbox::{Applied, ReceiveError};
use super::pairing::{ConnectionInfo, Role, update_connection};
use super::relay_client::{RelayClient, RelayError, mailbox_id};
use super::store::{StoreError, meta_get, meta_put};
use super::{ShareableItem, SharingError, SharingStore};

const MAILBOXES_KEY: &str = "own_mailboxes";
/// Envelopes fetched per page: at the relay's largest envelope (64 KiB) a page stays well
/// within the client's answer limit (`relay_client::MAX_LIST_ANSWER_BYTES`).
const PAGE: u32 = 100;

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Queued envelopes dropped unsent because their consent was gone.
    pub dropped: u64,
    /// Item versions disclosed and tombstones sent in new envelopes.
    pub disclosed: u64,
    pub withdrawn: u64,
    /// Items consent allowed that were too large to send.
    pub too_large: u64,
    /// Envelopes posted to supporters' mailboxes.
    pub posted: u64,
    /// Envelopes fetched from this installation's mailboxes and applied.
    pub applied: u64,
    /// Connections made by a peer's pairing message.
    pub paired: u64,
    /// Envelopes fetched that had been applied before (no-op).
    pub duplicates: u64,
    /// Envelopes refused (forged, replayed, reordered, out of consent, malformed).
    pub refused: u64,
    /// Received items deleted (tombstones, revocations, expiry).
    pub deleted: u64,
    /// Peer side: connections whose invite capability was replaced by their own.
    pub capabilities_replaced: u64,
    /// Supporter side: connections given their own capability (the invite's revoked).
    pub capabilities_issued: u64,
    /// Supporter side: "I need support now" alerts received.
    pub alerts_received: u64,
    /// Peer side: replies received from supporters.
    pub replies_received: u64,
}

/// Which step a sync is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPhase {
    /// An envelope was posted: `done` of `total` queued envelopes.
    Posting,
    /// A page of `total` envelopes was fetched from one of this installation's mailboxes.
    Fetching,
    /// `done` of the `total` envelopes of the current page were applied (or refused).
    Applying,
    /// The sync finished: `done` = `total` = envelopes posted plus envelopes fetched.
    Done,
}

/// One progress report: counts and an opaque connection id, never content or names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub done: u64,
    pub total: u64,
    /// The connection an envelope was posted for (`Posting` only).
    pub connection_id: Option<String>,
}

/// What the caller of [`SharingStore::sync_with`] watches and controls.
pub trait SyncHooks {
    /// Called after each step, in order; the last call of a finished sync is `Done`.
    fn progress(&mut self, progress: SyncProgress);
    /// Asked between steps; `true` stops the sync with `SharingError::Cancelled`.
    fn cancelled(&self) -> bool;
}

/// No progress, never cancelled: the plain [`SharingStore::sync`].
struct NoHooks;

impl SyncHooks for NoHooks {
    fn progress(&mut self, _: SyncProgress) {}
    fn cancelled(&self) -> bool {
        false
    }
}

fn check(hooks: &dyn SyncHooks) -> Result<(), SharingError> {
    if hooks.cancelled() {
        Err(SharingError::Cancelled)
    } else {
        Ok(())
    }
}

/// The mailboxes this installation owns (one per relay), with the listing cursor.
#[derive(Debug, Default, Serialize, Deserialize)]
struct OwnMailboxes {
    /// relay URL -> cursor (highest relay sequence number applied or refused).
    relays: BTreeMap<String, i64>,
}

/// The relay clients of one sync, one per relay URL, made on first use.
#[derive(Default)]
struct Clients {
    clients: BTreeMap<String, RelayClient>,
    /// `false`: the default retries (a sync); `true`: [`RelayClient::quick`], for an alert or
    /// reply that must not keep the person waiting (what fails stays queued for the next sync).
    quick: bool,
}

impl Clients {
    fn get(&mut self, url: &str) -> Result<&RelayClient, RelayError> {
        if !self.clients.contains_key(url) {
            let client = if self.quick {
                RelayClient::quick(url)?
            } else {
                RelayClient::new(url)?
            };
            self.clients.insert(url.to_string(), client);
        }
        self.clients
            .get(url)
            .ok_or_else(|| RelayError::Client("relay client missing".into()))
    }
}

impl SharingStore {
    fn own_mailboxes(&self) -> Result<OwnMailboxes, StoreError> {
        match meta_get(&self.db, MAILBOXES_KEY)? {
            Some(bytes) => {
                serde_json::from_slice(&bytes).map_err(|_| StoreError::Corrupt("mailbox list"))
            }
            None => Ok(OwnMailboxes::default()),
        }
    }

    /// The relays holding a mailbox of this installation.
    pub(super) fn own_relay_urls(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.own_mailboxes()?.relays.into_keys().collect())
    }

    fn save_mailboxes(&self, m: &OwnMailboxes) -> Result<(), StoreError> {
        meta_put(
            &self.db,
            MAILBOXES_KEY,
            &serde_json::to_vec(m).expect("mailbox list serializes"),
        )
    }

    /// Supporter: makes sure this installation has a mailbox on `relay_url`, asks the relay for
    /// a fresh posting capability and returns a new invite carrying both.
    pub fn invite_via_relay(
        &self,
        relay_url: &str,
        name: &str,
        now: i64,
    ) -> Result<Invite, SharingError> {
        validate_name(name)?;
        let client = RelayClient::new(relay_url)?;
        let me = self.identity()?;
        let mailbox_id = client.create_mailbox(&me.signing)?;
        let capability = client.issue_capability(&me.signing)?;
        let url = relay_url.trim_end_matches('/').to_string();
        let mut own = self.own_mailboxes()?;
        own.relays.entry(url.clone()).or_insert(0);
        self.save_mailboxes(&own)?;
        let invite = self.create_invite(&url, &mailbox_id, &capability.token, name, now)?;
        // Kept to revoke the invite's capability once the connection has its own.
        meta_put(
            &self.db,
            &invite_capability_key(&invite.id),
            capability.id.as_bytes(),
        )?;
        Ok(invite)
    }

    /// Peer: pairs with `invite_text` (see [`SharingStore::pair`]) and opens a mailbox of this
    /// installation's own on the invite's relay, with a capability the supporter uses once, to
    /// send the connection's own posting capability; the invite's is then revoked. Refuses a
    /// malformed or expired invite before any network use.
    pub fn pair_via_relay(
        &mut self,
        invite_text: &str,
        my_name: &str,
        now: i64,
    ) -> Result<ConnectionInfo, SharingError> {
        validate_name(my_name)?;
        let invite = Invite::parse(invite_text)?;
        if invite.is_expired(now) {
            return Err(super::identity::InviteError::Expired.into());
        }
        let client = RelayClient::new(&invite.relay_url)?;
        let me = self.identity()?;
        client.create_mailbox(&me.signing)?;
        let reply = client.issue_capability(&me.signing)?;
        let mut own = self.own_mailboxes()?;
        own.relays.entry(invite.relay_url.clone()).or_insert(0);
        self.save_mailboxes(&own)?;
        self.pair_with_reply(invite_text, my_name, Some(reply.token), now)
    }

    /// One sync at time `now` over `items` (everything that could be shared; the consent
    /// decision picks). Posts first, then fetches. On a network error the work done so far is
    /// kept and the rest is retried by the next sync.
    pub fn sync(&mut self, items: &[ShareableItem], now: i64) -> Result<SyncReport, SharingError> {
        self.sync_with(items, now, &mut NoHooks)
    }

    /// [`SharingStore::sync`] reporting progress to `hooks` and stopping with
    /// `SharingError::Cancelled` between steps once `hooks.cancelled()`. Cancelled before the
    /// start, it changes nothing; later, what was done is kept (posted envelopes leave the
    /// outbox, applied ones are acknowledged) and the next sync carries on from there.
    pub fn sync_with(
        &mut self,
        items: &[ShareableItem],
        now: i64,
        hooks: &mut dyn SyncHooks,
    ) -> Result<SyncReport, SharingError> {
        check(hooks)?;
        let mut report = SyncReport {
            dropped: self.recheck_outbox(items, now)? as u64,
            ..SyncReport::default()
        };
        let prepared = self.prepare_outbox(items, now)?;
        report.disclosed = prepared.disclosed as u64;
        report.withdrawn = prepared.withdrawn as u64;
        report.too_large = prepared.too_large as u64;

        let mut clients = Clients::default();
        let mut post_error = self.post_outbox(&mut clients, &mut report, hooks)?;
        let fetched = self.fetch_mailboxes(&mut clients, now, &mut report, hooks)?;
        if report.capabilities_replaced > 0 && post_error.is_some() {
            // Posts refused under the invite's (now revoked) capability go under the new one.
            post_error = self.post_outbox(&mut clients, &mut report, hooks)?;
        }
        match self.issue_connection_capabilities(&mut clients, now, &mut report) {
            // Replies queued behind a connection capability can go now.
            Ok(()) if report.capabilities_issued > 0 => {
                if let Some(e) = self.post_outbox(&mut clients, &mut report, hooks)? {
                    post_error.get_or_insert(e);
                }
            }
            Ok(()) => {}
            Err(e) => {
                post_error.get_or_insert(e);
            }
        }
        report.deleted += self.purge_expired(now)? as u64;
        if let Some(e) = post_error {
            return Err(e);
        }
        let steps = report.posted + fetched;
        hooks.progress(SyncProgress {
            phase: SyncPhase::Done,
            done: steps,
            total: steps,
            connection_id: None,
        });
        Ok(report)
    }

    /// Sends what is queued now, without fetching, in one short try per envelope
    /// ([`RelayClient::quick`]): for an alert or a reply, right after it was queued. Queued envelopes are decided again first (`items` as
    /// for [`SharingStore::sync`]); what cannot be posted stays queued for the next sync.
    /// Returns how many envelopes were posted, and the first failure if any.
    pub fn post_now(
        &mut self,
        items: &[ShareableItem],
        now: i64,
    ) -> Result<(u64, Option<SharingError>), SharingError> {
        self.recheck_outbox(items, now)?;
        let mut clients = Clients {
            quick: true,
            ..Clients::default()
        };
        let mut report = SyncReport::default();
        let mut error = self.post_outbox(&mut clients, &mut report, &mut NoHooks)?;
        let revoked = |e: &Option<SharingError>| {
            matches!(e, Some(SharingError::Relay(r))
                if r.code() == Some(lantern_protocol::relay::codes::CAPABILITY_REVOKED))
        };
        if revoked(&error) {
            // Just after pairing: the invite's capability was replaced and the new one waits in
            // my mailbox. Fetch it, then try once more.
            let fetched = self.fetch_mailboxes(&mut clients, now, &mut report, &mut NoHooks);
            if fetched.is_ok() && report.capabilities_replaced > 0 {
                error = self.post_outbox(&mut clients, &mut report, &mut NoHooks)?;
            }
        }
        Ok((report.posted, error))
    }

    /// Posts every queued envelope in sequence order. A connection whose post fails keeps its
    /// envelopes queued, in order, for the next sync, and the other connections still post;
    /// the first such failure is returned (as `Ok(Some(_))`) for the sync to report at the end.
    fn post_outbox(
        &mut self,
        clients: &mut Clients,
        report: &mut SyncReport,
        hooks: &mut dyn SyncHooks,
    ) -> Result<Option<SharingError>, SharingError> {
        let mut post_error: Option<SharingError> = None;
        let mut stalled: std::collections::BTreeSet<String> = Default::default();
        let pending = self.pending_envelopes()?;
        let total = pending.len() as u64;
        for (i, env) in pending.into_iter().enumerate() {
            check(hooks)?;
            if stalled.contains(&env.connection_id) {
                continue;
            }
            let posted = clients.get(&env.relay_url).and_then(|client| {
                client.post_envelope(&env.mailbox_id, &env.capability, &env.id, &env.bytes)
            });
            match posted {
                Ok(_) => {
                    self.mark_posted(&env.id)?;
                    report.posted += 1;
                    hooks.progress(SyncProgress {
                        phase: SyncPhase::Posting,
                        done: i as u64 + 1,
                        total,
                        connection_id: Some(env.connection_id.clone()),
                    });
                }
                Err(e) => {
                    stalled.insert(env.connection_id.clone());
                    post_error.get_or_insert(e.into());
                }
            }
        }
        Ok(post_error)
    }

    /// Fetches, applies and acknowledges everything waiting in this installation's mailboxes,
    /// page by page. Returns how many envelopes were fetched.
    fn fetch_mailboxes(
        &mut self,
        clients: &mut Clients,
        now: i64,
        report: &mut SyncReport,
        hooks: &mut dyn SyncHooks,
    ) -> Result<u64, SharingError> {
        let mut own = self.own_mailboxes()?;
        let urls: Vec<String> = own.relays.keys().cloned().collect();
        let mut fetched = 0u64;
        for url in urls {
            let client = clients.get(&url)?;
            let mut cursor = own.relays.get(&url).copied().unwrap_or(0);
            loop {
                check(hooks)?;
                let page = self.fetch_page(client, cursor, now, report, hooks)?;
                fetched += page.fetched;
                cursor = page.next_cursor;
                own.relays.insert(url.clone(), cursor);
                self.save_mailboxes(&own)?;
                if !page.more {
                    break;
                }
            }
        }
        Ok(fetched)
    }

    /// Fetches one page from `cursor`, applies each envelope and acknowledges those applied
    /// or refused for good. Cancelled part-way, it acknowledges what was applied and returns
    /// `Cancelled`; the rest stays on the relay and the cursor where it was.
    fn fetch_page(
        &mut self,
        client: &RelayClient,
        cursor: i64,
        now: i64,
        report: &mut SyncReport,
        hooks: &mut dyn SyncHooks,
    ) -> Result<FetchedPage, SharingError> {
        let me = self.identity()?;
        let page = client.list_envelopes(&me.signing, cursor, PAGE)?;
        let total = page.envelopes.len() as u64;
        hooks.progress(SyncProgress {
            phase: SyncPhase::Fetching,
            done: 0,
            total,
            connection_id: None,
        });
        let mut done = Vec::with_capacity(page.envelopes.len());
        for env in &page.envelopes {
            if hooks.cancelled() {
                if !done.is_empty() {
                    client.ack_envelopes(&me.signing, &done)?;
                }
                return Err(SharingError::Cancelled);
            }
            match self.receive(&env.payload, now) {
                Ok(Applied::Paired { .. }) => report.paired += 1,
                Ok(Applied::Updated { deleted, .. }) => {
                    report.applied += 1;
                    report.deleted += deleted as u64;
                }
                Ok(Applied::CapabilityReplaced { .. }) => {
                    report.applied += 1;
                    report.capabilities_replaced += 1;
                }
                Ok(Applied::Alerted { .. }) => {
                    report.applied += 1;
                    report.alerts_received += 1;
                }
                Ok(Applied::Replied { .. }) => {
                    report.applied += 1;
                    report.replies_received += 1;
                }
                Ok(Applied::Duplicate) => report.duplicates += 1,
                Err(ReceiveError::Refused(_)) => report.refused += 1,
                // Local trouble (locked, disk): stop before acknowledging, so the envelope
                // is fetched again next time.
                Err(e) => return Err(e.into()),
            }
            done.push(env.id.clone());
            hooks.progress(SyncProgress {
                phase: SyncPhase::Applying,
                done: done.len() as u64,
                total,
                connection_id: None,
            });
        }
        if !done.is_empty() {
            client.ack_envelopes(&me.signing, &done)?;
        }
        Ok(FetchedPage {
            fetched: total,
            next_cursor: page.next_cursor,
            more: page.more,
        })
    }
}

impl SharingStore {
    /// Supporter: every connection whose peer offered a reply capability and has not yet got
    /// its own gets one: issue it at the relay (kept sealed before use, so a crash re-sends
    /// the same), send it to the peer's mailbox, then revoke the invite's capability, so a
    /// copy of the used invite can post nothing more. Stops at the first network failure (the
    /// next sync carries on).
    fn issue_connection_capabilities(
        &mut self,
        clients: &mut Clients,
        now: i64,
        report: &mut SyncReport,
    ) -> Result<(), SharingError> {
        let me = self.identity()?;
        let pending: Vec<ConnectionInfo> = self
            .connections()?
            .into_iter()
            .filter(|c| {
                c.role == Role::Supporter && !c.reply_capability.is_empty() && !c.capability_rotated
            })
            .collect();
        for mut info in pending {
            let client = clients.get(&info.relay_url)?;
            let token_key = connection_capability_key(&info.id);
            let token = match meta_get(&self.db, &token_key)? {
                Some(sealed) => String::from_utf8(
                    self.sealer
                        .open(token_key.as_bytes(), &sealed)
                        .map_err(|e| e.or_corrupt("connection capability"))?
                        .to_vec(),
                )
                .map_err(|_| StoreError::Corrupt("connection capability"))?,
                None => {
                    let cap = client.issue_capability(&me.signing)?;
                    meta_put(
                        &self.db,
                        &token_key,
                        &self
                            .sealer
                            .seal(token_key.as_bytes(), cap.token.as_bytes())
                            .map_err(StoreError::from)?,
                    )?;
                    info.connection_capability_id = cap.id;
                    update_connection(&self.db, self.sealer.as_ref(), &info)
                        .map_err(SharingError::from)?;
                    cap.token
                }
            };
            let envelope_id = format!("cap-{}", info.id);
            let bytes = envelope::seal(
                &me,
                &info.their_keys,
                &envelope_id,
                &info.id,
                1,
                now,
                &Payload::ConnectionCapability { token },
            );
            match client.post_envelope(
                &mailbox_id(&info.their_keys.signing),
                &info.reply_capability,
                &envelope_id,
                &bytes,
            ) {
                Ok(_) => {}
                // Sealed again after a lost answer: the relay holds the first copy already.
                Err(e) if e.code() == Some(lantern_protocol::relay::codes::CONFLICT) => {}
                Err(e) => return Err(e.into()),
            }
            if let Some(cap_id) = meta_get(&self.db, &invite_capability_key(&info.invite_id))? {
                let cap_id = String::from_utf8(cap_id)
                    .map_err(|_| StoreError::Corrupt("invite capability"))?;
                match client.revoke_capability(&me.signing, &cap_id) {
                    Ok(()) => {}
                    Err(e)
                        if e.code()
                            == Some(lantern_protocol::relay::codes::CAPABILITY_NOT_FOUND) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            info.capability_rotated = true;
            update_connection(&self.db, self.sealer.as_ref(), &info).map_err(SharingError::from)?;
            report.capabilities_issued += 1;
        }
        Ok(())
    }
}

fn invite_capability_key(invite_id: &str) -> String {
    format!("invite_capability/{invite_id}")
}

fn connection_capability_key(connection_id: &str) -> String {
    format!("connection_capability/{connection_id}")
}

/// What one fetched page did to the cursor.
struct FetchedPage {
    fetched: u64,
    next_cursor: i64,
    more: bool,
}
