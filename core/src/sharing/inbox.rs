//! The supporter's side: apply envelopes from paired peers, keep what they shared sealed, show
//! per peer what may be seen and until when, and delete it when consent ends.
//!
//! An envelope is applied whole or not at all, in one transaction, and only if: it parses; it
//! is addressed to this installation; it is signed by the peer paired on that connection (or,
//! for a `Hello`, proves the invite's secret); its payload decrypts with HPKE bound to sender,
//! recipient and header; it was not applied before (a second copy is a no-op); its sequence
//! number is above the last applied (older ones are replays or reorders); and every item in it
//! is covered by a grant it carries, signed by the peer, naming this supporter, not expired
//! (defence in depth: the peer's core decided the same already).

use std::collections::BTreeSet;

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::SharingStore;
use super::content::{self, SharedContent};
use super::envelope::{self, EnvelopeError, Header, ItemMessage, Payload};
use super::identity::{Identity, connection_id};
use super::pairing::{ConnectionInfo, Role, insert_connection, record_aad};
use super::reach::{self, ReplyAnswer, ReplyDirection, ReplyTarget, StoredReply};
use super::sealer::Sealer;
use super::store::StoreError;
use crate::consent::{GrantTerms, ItemKind, ItemMeta, SignedGrant};
use crate::crypto::hazmat::constant_time_eq;

/// What applying one envelope did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// A new connection was made from a `Hello`.
    Paired { connection_id: String },
    /// Items and grants were updated.
    Updated {
        connection_id: String,
        stored: usize,
        deleted: usize,
    },
    /// Peer side: the supporter sent this connection's own posting capability.
    CapabilityReplaced { connection_id: String },
    /// An "I need support now" alert from a peer was stored.
    Alerted { connection_id: String },
    /// Peer side: a supporter's reply was stored.
    Replied { connection_id: String },
    /// This envelope was applied before; nothing changed.
    Duplicate,
}

/// Why applying failed: a refused envelope (nothing applied) or local storage.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error(transparent)]
    Refused(#[from] EnvelopeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<super::sealer::SealError> for ReceiveError {
    fn from(e: super::sealer::SealError) -> Self {
        ReceiveError::Store(e.into())
    }
}

impl From<rusqlite::Error> for ReceiveError {
    fn from(e: rusqlite::Error) -> Self {
        ReceiveError::Store(e.into())
    }
}

/// An item as kept at rest (sealed): the content as it travelled. Unchanged since the first
/// version, so items received by earlier versions keep reading.
#[derive(Serialize, Deserialize)]
struct StoredItem {
    connection_id: String,
    meta: ItemMeta,
    version: u64,
    grant_id: String,
    body: String,
    received_at: i64,
}

/// An item a peer shared, as the supporter sees it.
#[derive(Clone, PartialEq)]
pub struct ReceivedItem {
    pub connection_id: String,
    pub meta: ItemMeta,
    pub version: u64,
    pub grant_id: String,
    pub content: SharedContent,
    pub received_at: i64,
}

impl std::fmt::Debug for ReceivedItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceivedItem")
            .field("kind", &self.meta.kind)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// A grant the supporter holds from a peer: what may be seen, why, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldGrant {
    pub connection_id: String,
    pub terms: GrantTerms,
}

/// An update that passed every check: from the peer paired on its connection, to me, newer
/// than anything applied, each item covered by a grant it carries and its content well formed.
struct VerifiedUpdate {
    header: Header,
    /// Whether `active` is the complete set of the connection's grants (an `Update`: any held
    /// grant missing from it ended), or just the one an alert came under.
    complete: bool,
    /// The grants it carries that are still active, with their verified terms.
    active: Vec<(SignedGrant, GrantTerms)>,
    items: Vec<ItemMessage>,
}

/// What verifying an envelope found.
enum Verified {
    /// A pairing request for one of my invites (not yet checked against the invite).
    Hello {
        header: Header,
        payload: Payload,
    },
    Update(VerifiedUpdate),
    /// Peer side: the connection capability from the supporter paired on that connection.
    ConnectionCapability {
        header: Header,
        token: String,
    },
    /// Peer side: a well-formed reply from the supporter paired on that connection (not yet
    /// checked against consent).
    Reply {
        header: Header,
        in_reply_to: ReplyTarget,
        answer: ReplyAnswer,
    },
}

impl SharingStore {
    /// Supporter: applies one envelope from the relay at time `now`: verify, then apply.
    pub fn receive(&mut self, bytes: &[u8], now: i64) -> Result<Applied, ReceiveError> {
        let parsed = envelope::parse(bytes)?;
        if self.was_applied(&parsed.header.id)? {
            return Ok(Applied::Duplicate);
        }
        match self.verify(parsed, now)? {
            Verified::Hello { header, payload } => self.apply_hello(&header, payload, now),
            Verified::Update(update) => self.apply_update(update, now),
            Verified::ConnectionCapability { header, token } => {
                self.apply_connection_capability(&header, token, now)
            }
            Verified::Reply {
                header,
                in_reply_to,
                answer,
            } => self.apply_reply(&header, in_reply_to, answer, now),
        }
    }

    fn was_applied(&self, envelope_id: &str) -> Result<bool, StoreError> {
        Ok(self
            .db
            .query_row(
                "SELECT 1 FROM applied_envelopes WHERE envelope_id = ?1",
                [envelope_id],
                |_| Ok(true),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// Every check an envelope must pass before anything of it is applied. Reads only.
    fn verify(&self, parsed: envelope::Parsed, now: i64) -> Result<Verified, ReceiveError> {
        let me = self.identity()?;
        let h = parsed.header.clone();
        let row: Option<(String, i64)> = self
            .db
            .query_row(
                "SELECT role, last_applied_seq FROM connections WHERE id = ?1",
                [&h.connection_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((role, last_seq)) = row else {
            // Unknown connection: only a valid Hello for an open invite may create one.
            let payload = parsed.open(&me, &h.sender)?;
            return Ok(Verified::Hello { header: h, payload });
        };
        if role != "supporter" && role != "peer" {
            return Err(EnvelopeError::WrongRecipient.into());
        }
        // The peer's key as sealed at pairing, never the plaintext `remote_signing_key` column
        // (kept for queries only), which anyone who can write the file could swap.
        let remote = self
            .connection(&h.connection_id)?
            .ok_or(StoreError::Corrupt("connection"))?
            .their_keys
            .signing;
        let payload = parsed.open(&me, &remote)?;
        if h.seq as i64 <= last_seq {
            return Err(EnvelopeError::Stale.into());
        }
        if role == "peer" {
            // What a supporter sends its peer: the connection capability, then replies.
            return match payload {
                Payload::ConnectionCapability { token } if is_token(&token) => {
                    Ok(Verified::ConnectionCapability { header: h, token })
                }
                Payload::Reply {
                    in_reply_to,
                    answer,
                } if reach::check_received(&in_reply_to, &answer) => Ok(Verified::Reply {
                    header: h,
                    in_reply_to,
                    answer,
                }),
                _ => Err(EnvelopeError::Malformed.into()),
            };
        }
        let (grants, items, complete) = match payload {
            Payload::Update { grants, items } => (grants, items, true),
            // One alert under the one grant that covers it, and nothing else.
            Payload::Alert { grant, alert } => match &alert {
                ItemMessage::Upsert { meta, .. } if meta.kind == ItemKind::Alert => {
                    (vec![grant], vec![alert], false)
                }
                _ => return Err(EnvelopeError::Malformed.into()),
            },
            _ => return Err(EnvelopeError::Malformed.into()),
        };
        let active = active_grants(grants, &h, &remote, &me, now)?;
        check_items(&items, &active)?;
        let carries_alert = |m: &ItemMessage| matches!(m, ItemMessage::Upsert { meta, .. } if meta.kind == ItemKind::Alert);
        if complete && items.iter().any(carries_alert) {
            // An alert travels alone in its own envelope, never inside an update.
            return Err(EnvelopeError::Malformed.into());
        }
        Ok(Verified::Update(VerifiedUpdate {
            header: h,
            complete,
            active,
            items,
        }))
    }

    /// Applies a verified update in one transaction: grants missing from it were revoked or
    /// expired (everything received under them goes), then its grants and items are stored.
    fn apply_update(&mut self, u: VerifiedUpdate, now: i64) -> Result<Applied, ReceiveError> {
        let sealer = self.sealer.clone();
        let tx = self.db.transaction()?;
        let conn_id = u.header.connection_id.clone();
        let keep: BTreeSet<&str> = u.active.iter().map(|(_, t)| t.id.as_str()).collect();
        let mut deleted = if u.complete {
            drop_grants_not_in(&tx, &conn_id, &keep)?
        } else {
            0
        };
        for (signed, terms) in &u.active {
            store_grant(&tx, sealer.as_ref(), &conn_id, signed, terms)?;
        }
        let mut stored = 0usize;
        for m in u.items {
            match m {
                ItemMessage::Upsert {
                    meta,
                    version,
                    grant_id,
                    body,
                } => {
                    let item = StoredItem {
                        connection_id: conn_id.clone(),
                        meta,
                        version,
                        grant_id,
                        body,
                        received_at: now,
                    };
                    store_item(&tx, sealer.as_ref(), &item)?;
                    stored += 1;
                }
                ItemMessage::Tombstone { key, .. } => {
                    deleted += tx.execute(
                        "DELETE FROM received_items WHERE connection_id = ?1 AND item_key = ?2",
                        params![conn_id, key],
                    )?;
                }
            }
        }
        mark_applied(&tx, &u.header, now)?;
        tx.execute(
            "UPDATE connections SET last_applied_seq = ?2 WHERE id = ?1",
            params![conn_id, u.header.seq as i64],
        )?;
        tx.commit()?;
        if !u.complete {
            return Ok(Applied::Alerted {
                connection_id: conn_id,
            });
        }
        Ok(Applied::Updated {
            connection_id: conn_id,
            stored,
            deleted,
        })
    }

    /// Peer: stores a supporter's reply if what it answers is still covered by an active grant
    /// on that connection (refused otherwise: a connection whose consent ended carries none).
    fn apply_reply(
        &mut self,
        h: &Header,
        in_reply_to: ReplyTarget,
        answer: ReplyAnswer,
        now: i64,
    ) -> Result<Applied, ReceiveError> {
        let allowed = self
            .reply_allowed(&h.connection_id, &in_reply_to, now)
            .map_err(|e| match e {
                super::SharingError::Store(e) => ReceiveError::Store(e),
                // Tampered grant state: refuse the reply, as with no consent.
                _ => ReceiveError::Refused(EnvelopeError::ConsentViolation),
            })?;
        if !allowed {
            return Err(EnvelopeError::ConsentViolation.into());
        }
        let reply = StoredReply {
            id: h.id.clone(),
            connection_id: h.connection_id.clone(),
            direction: ReplyDirection::Received,
            in_reply_to,
            answer,
            sent_at: h.sent_at,
            stored_at: now,
        };
        let tx = self.db.transaction()?;
        reach::store_reply(&tx, self.sealer.as_ref(), &reply)?;
        mark_applied(&tx, h, now)?;
        tx.execute(
            "UPDATE connections SET last_applied_seq = ?2 WHERE id = ?1",
            params![h.connection_id, h.seq as i64],
        )?;
        tx.commit()?;
        Ok(Applied::Replied {
            connection_id: h.connection_id.clone(),
        })
    }

    fn apply_hello(
        &mut self,
        h: &Header,
        payload: Payload,
        now: i64,
    ) -> Result<Applied, ReceiveError> {
        let Payload::Hello {
            invite_id,
            pair_secret,
            name,
            keys,
            reply_capability,
        } = payload
        else {
            return Err(EnvelopeError::WrongSender.into());
        };
        // One use (`open_invite` returns unused invites only) and not after it expired.
        let invite = self
            .open_invite(&invite_id)?
            .filter(|i| !i.is_expired(now))
            .ok_or(EnvelopeError::UnknownInvite)?;
        let reply_capability = reply_capability.unwrap_or_default();
        if !reply_capability.is_empty() && !is_token(&reply_capability) {
            return Err(EnvelopeError::Malformed.into());
        }
        if !constant_time_eq(&invite.pair_secret, &pair_secret)
            || keys.signing != h.sender
            || connection_id(&invite_id, &h.sender) != h.connection_id
        {
            return Err(EnvelopeError::UnknownInvite.into());
        }
        super::identity::validate_name(&name).map_err(|_| EnvelopeError::Malformed)?;
        if !crate::crypto::hpke::is_usable_public_key(&keys.receiving) {
            return Err(EnvelopeError::Malformed.into());
        }
        let info = ConnectionInfo {
            id: h.connection_id.clone(),
            role: Role::Supporter,
            my_name: invite.name.clone(),
            their_name: name,
            their_keys: keys,
            relay_url: invite.relay_url.clone(),
            mailbox_id: invite.mailbox_id.clone(),
            capability: String::new(),
            invite_id: invite_id.clone(),
            created_at: now,
            reply_capability,
            connection_capability_id: String::new(),
            capability_rotated: false,
        };
        let tx = self.db.transaction()?;
        insert_connection(&tx, self.sealer.as_ref(), &info, 1, h.seq as i64)?;
        tx.execute(
            "UPDATE invites SET used_by = ?2 WHERE id = ?1",
            params![invite_id, info.id],
        )?;
        mark_applied(&tx, h, now)?;
        tx.commit()?;
        Ok(Applied::Paired {
            connection_id: info.id,
        })
    }

    /// Peer: the supporter's connection capability replaces the invite's for every later post.
    fn apply_connection_capability(
        &mut self,
        h: &Header,
        token: String,
        now: i64,
    ) -> Result<Applied, ReceiveError> {
        let mut info = self
            .connection(&h.connection_id)?
            .ok_or(EnvelopeError::WrongRecipient)?;
        info.capability = token;
        let tx = self.db.transaction()?;
        super::pairing::update_connection(&tx, self.sealer.as_ref(), &info)?;
        mark_applied(&tx, h, now)?;
        tx.execute(
            "UPDATE connections SET last_applied_seq = ?2 WHERE id = ?1",
            params![info.id, h.seq as i64],
        )?;
        tx.commit()?;
        Ok(Applied::CapabilityReplaced {
            connection_id: info.id,
        })
    }

    /// Supporter: ids of every envelope applied so far (pairing messages included), for
    /// checking a peer's audit log against what actually arrived.
    pub fn applied_envelope_ids(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .db
            .prepare("SELECT envelope_id FROM applied_envelopes ORDER BY connection_id, seq")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    }

    /// Supporter: deletes every grant that has expired by `now` and everything received under
    /// it. Returns how many items were deleted. Runs before every read and sync.
    pub fn purge_expired(&mut self, now: i64) -> Result<usize, StoreError> {
        let tx = self.db.transaction()?;
        let n = tx.execute(
            "DELETE FROM received_items WHERE grant_id IN
                 (SELECT grant_id FROM received_grants WHERE expires_at <= ?1)",
            [now],
        )?;
        tx.execute("DELETE FROM received_grants WHERE expires_at <= ?1", [now])?;
        tx.commit()?;
        Ok(n)
    }

    /// Supporter: what peers shared and may still be seen at `now` (expired grants are purged
    /// first), optionally for one connection.
    pub fn received_items(
        &mut self,
        connection: Option<&str>,
        now: i64,
    ) -> Result<Vec<ReceivedItem>, StoreError> {
        self.purge_expired(now)?;
        let rows: Vec<(String, String, Vec<u8>)> = {
            let mut stmt = self.db.prepare(
                "SELECT connection_id, item_key, sealed FROM received_items
                 WHERE ?1 IS NULL OR connection_id = ?1
                 ORDER BY connection_id, item_key",
            )?;
            stmt.query_map([connection], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?
        };
        rows.into_iter()
            .map(|(c, k, sealed)| {
                let plain = self
                    .sealer
                    .open(&item_aad(&c, &k), &sealed)
                    .map_err(|e| e.or_corrupt("received item"))?;
                let item: StoredItem = serde_json::from_slice(&plain)
                    .map_err(|_| StoreError::Corrupt("received item"))?;
                if item.connection_id != c || item.meta.key() != k {
                    return Err(StoreError::Corrupt("received item"));
                }
                let content = content::decode(&item.meta, &item.body)
                    .map_err(|_| StoreError::Corrupt("received item"))?;
                Ok(ReceivedItem {
                    connection_id: item.connection_id,
                    meta: item.meta,
                    version: item.version,
                    grant_id: item.grant_id,
                    content,
                    received_at: item.received_at,
                })
            })
            .collect()
    }

    /// Supporter: the grants held at `now` (what each peer allows, why, until when).
    pub fn held_grants(
        &mut self,
        connection: Option<&str>,
        now: i64,
    ) -> Result<Vec<HeldGrant>, StoreError> {
        self.purge_expired(now)?;
        let rows: Vec<(String, String, Vec<u8>)> = {
            let mut stmt = self.db.prepare(
                "SELECT grant_id, connection_id, sealed FROM received_grants
                 WHERE ?1 IS NULL OR connection_id = ?1 ORDER BY connection_id, expires_at",
            )?;
            stmt.query_map([connection], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?
        };
        rows.into_iter()
            .map(|(gid, c, sealed)| {
                let plain = self
                    .sealer
                    .open(&record_aad("received-grant", &gid), &sealed)
                    .map_err(|e| e.or_corrupt("received grant"))?;
                let signed: SignedGrant = serde_json::from_slice(&plain)
                    .map_err(|_| StoreError::Corrupt("received grant"))?;
                let terms: GrantTerms = serde_json::from_slice(&signed.terms)
                    .map_err(|_| StoreError::Corrupt("received grant"))?;
                Ok(HeldGrant {
                    connection_id: c,
                    terms,
                })
            })
            .collect()
    }
}

fn item_aad(connection_id: &str, key: &str) -> Vec<u8> {
    record_aad("received-item", &format!("{connection_id}/{key}"))
}

/// The grants an update carries must all be the peer's, for this connection, to me; those
/// still active at `now` are kept.
fn active_grants(
    grants: Vec<SignedGrant>,
    h: &Header,
    remote: &[u8; 32],
    me: &Identity,
    now: i64,
) -> Result<Vec<(SignedGrant, GrantTerms)>, EnvelopeError> {
    let mut active = Vec::new();
    for g in grants {
        let terms = g.verify(remote).map_err(|_| EnvelopeError::BadGrant)?;
        if terms.connection_id != h.connection_id
            || terms.recipient.signing_key != me.signing.public_key()
        {
            return Err(EnvelopeError::BadGrant);
        }
        if terms.expires_at > now {
            active.push((g, terms));
        }
    }
    Ok(active)
}

/// Defence in depth: each item needs a grant in this envelope that covers it, and content
/// that is what its kind says (and, for an entry, carries the tags consent was decided on).
fn check_items(
    items: &[ItemMessage],
    active: &[(SignedGrant, GrantTerms)],
) -> Result<(), EnvelopeError> {
    for m in items {
        if let ItemMessage::Upsert {
            meta,
            grant_id,
            body,
            ..
        } = m
        {
            let covered = active
                .iter()
                .any(|(_, t)| t.id == *grant_id && t.scopes.iter().any(|s| s.covers(meta)));
            if !covered {
                return Err(EnvelopeError::ConsentViolation);
            }
            content::decode(meta, body).map_err(|_| EnvelopeError::Malformed)?;
        }
    }
    Ok(())
}

/// Deletes the held grants of `connection_id` not in `keep`, and everything received under
/// them. Returns how many items were deleted.
fn drop_grants_not_in(
    tx: &Transaction<'_>,
    connection_id: &str,
    keep: &BTreeSet<&str>,
) -> Result<usize, rusqlite::Error> {
    let held: Vec<String> = {
        let mut stmt =
            tx.prepare("SELECT grant_id FROM received_grants WHERE connection_id = ?1")?;
        stmt.query_map([connection_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    let mut deleted = 0;
    for gid in held.iter().filter(|g| !keep.contains(g.as_str())) {
        deleted += tx.execute(
            "DELETE FROM received_items WHERE connection_id = ?1 AND grant_id = ?2",
            params![connection_id, gid],
        )?;
        tx.execute("DELETE FROM received_grants WHERE grant_id = ?1", [gid])?;
    }
    Ok(deleted)
}

fn store_grant(
    tx: &Transaction<'_>,
    sealer: &dyn Sealer,
    connection_id: &str,
    signed: &SignedGrant,
    terms: &GrantTerms,
) -> Result<(), ReceiveError> {
    // Two base64 strings: serialising cannot fail.
    let bytes = serde_json::to_vec(signed).map_err(|_| StoreError::Corrupt("received grant"))?;
    tx.execute(
        "INSERT INTO received_grants (grant_id, connection_id, expires_at, sealed)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(grant_id) DO NOTHING",
        params![
            terms.id,
            connection_id,
            terms.expires_at,
            sealer.seal(&record_aad("received-grant", &terms.id), &bytes)?
        ],
    )?;
    Ok(())
}

fn store_item(
    tx: &Transaction<'_>,
    sealer: &dyn Sealer,
    item: &StoredItem,
) -> Result<(), ReceiveError> {
    let key = item.meta.key();
    let plain = zeroize::Zeroizing::new(
        serde_json::to_vec(item).map_err(|_| StoreError::Corrupt("received item"))?,
    );
    tx.execute(
        "INSERT INTO received_items
             (connection_id, item_key, grant_id, version, received_at, sealed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(connection_id, item_key) DO UPDATE SET
             grant_id = excluded.grant_id, version = excluded.version,
             received_at = excluded.received_at, sealed = excluded.sealed",
        params![
            item.connection_id,
            key,
            item.grant_id,
            item.version as i64,
            item.received_at,
            sealer.seal(&item_aad(&item.connection_id, &key), &plain)?
        ],
    )?;
    Ok(())
}

fn mark_applied(tx: &Transaction<'_>, h: &Header, now: i64) -> Result<(), rusqlite::Error> {
    tx.execute(
        "INSERT INTO applied_envelopes (envelope_id, connection_id, seq, applied_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![h.id, h.connection_id, h.seq as i64, now],
    )?;
    Ok(())
}

/// A relay capability token as the relay issues it (base64url, bounded).
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
