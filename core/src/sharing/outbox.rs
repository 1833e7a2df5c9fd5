//! The peer's outbox. Built ONLY through [`crate::consent::decide`]: at send time, for every
//! connection where this installation shares, each candidate item is decided against the
//! grants; what is allowed and new or changed goes out as a new version, what was sent and is no
//! longer allowed (deleted, tag removed, grant revoked or expired) goes out as a tombstone, and
//! the complete set of active grants travels with every envelope so a revocation reaches the
//! supporter even when no item changed. Envelopes are sealed and queued in the same transaction
//! as their audit records; anything still queued from an interrupted sync is decided again
//! before it is posted and dropped if its consent is gone.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::envelope::{self, ItemMessage, Payload};
use super::pairing::Role;
use super::store::{StoreError, meta_get, meta_put};
use super::{ShareableItem, SharingStore};
use crate::LanternError;
use crate::codec::{hex, make_id};
use crate::consent::{Decision, Grant, GrantState, decide};
use crate::crypto::hazmat::{derive_hmac_sha256, make_key};
use crate::sharing::audit::{self, AuditEvent};

/// Most items in one envelope.
pub const MAX_ITEMS_PER_ENVELOPE: usize = 100;
/// Estimated plaintext bytes per envelope. The relay's default limit is 64 KiB of envelope;
/// the envelope is about 4/3 of the plaintext (base64 ciphertext in JSON) plus the grants.
pub const MAX_PAYLOAD_BYTES_PER_ENVELOPE: usize = 32 * 1024;
/// Largest item body that can be shared (fits one envelope with room for the grants).
pub const MAX_ITEM_BODY_BYTES: usize = 28 * 1024;
const MAC_KEY: &str = "sent_mac_key";

/// What an envelope in the outbox refers to, so it can be decided again before posting.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Refs {
    #[serde(default)]
    hello: bool,
    #[serde(default)]
    grants: Vec<String>,
    #[serde(default)]
    items: Vec<ItemRef>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ItemRef {
    key: String,
    /// The grant an upsert was disclosed under; `None` for a tombstone.
    grant: Option<String>,
    /// Hex MAC of the content sealed (upserts).
    mac: Option<String>,
}

/// An envelope waiting to be posted to the supporter's mailbox.
pub struct PendingEnvelope {
    pub id: String,
    pub connection_id: String,
    pub seq: i64,
    pub relay_url: String,
    pub mailbox_id: String,
    pub capability: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for PendingEnvelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingEnvelope")
            .field("id", &self.id)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

/// What one call to [`SharingStore::prepare_outbox`] queued.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PrepareReport {
    pub envelopes: usize,
    pub disclosed: usize,
    pub withdrawn: usize,
    /// Items consent allowed but too large to send.
    pub too_large: usize,
}

struct SentRow {
    version: u64,
    mac: Option<Vec<u8>>,
    grant: Option<String>,
    present: bool,
}

enum Change<'a> {
    Upsert {
        item: &'a ShareableItem,
        grant: String,
        mac: [u8; 32],
        version: u64,
    },
    Tombstone {
        key: String,
        version: u64,
    },
}

impl SharingStore {
    fn mac_key(&self) -> Result<zeroize::Zeroizing<Vec<u8>>, StoreError> {
        if let Some(sealed) = meta_get(&self.db, MAC_KEY)? {
            return self
                .sealer
                .open(MAC_KEY.as_bytes(), &sealed)
                .map_err(|e| e.or_corrupt("sent-item key"));
        }
        let key = make_key();
        meta_put(
            &self.db,
            MAC_KEY,
            &self.sealer.seal(MAC_KEY.as_bytes(), key.as_slice())?,
        )?;
        Ok(zeroize::Zeroizing::new(key.to_vec()))
    }

    /// Decides every candidate item for every connection where this installation shares, and
    /// queues sealed envelopes for what changed. `items` is everything that could be shared
    /// (the consent decision picks); an item absent from it counts as deleted.
    pub fn prepare_outbox(
        &mut self,
        items: &[ShareableItem],
        now: i64,
    ) -> Result<PrepareReport, LanternError> {
        let me = self.identity()?;
        let grants = self.grants()?;
        let mac_key = self.mac_key()?;
        let connections: Vec<_> = self
            .connections()?
            .into_iter()
            .filter(|c| c.role == Role::Peer)
            .collect();
        let mut report = PrepareReport::default();
        let sealer = self.sealer.clone();
        let tx = self.db.transaction().map_err(StoreError::from)?;
        SharingStore::log_expiries(&tx, sealer.as_ref(), &grants, now)?;
        for conn in &connections {
            let active: Vec<&Grant> = grants
                .iter()
                .filter(|g| g.terms.connection_id == conn.id && g.state(now) == GrantState::Active)
                .collect();
            let mut grant_ids: Vec<String> = active.iter().map(|g| g.terms.id.clone()).collect();
            grant_ids.sort();
            let grants_mac = derive_hmac_sha256(&mac_key, grant_ids.join(",").as_bytes());
            let (next_seq, sent_grants_mac): (i64, Option<Vec<u8>>) = tx
                .query_row(
                    "SELECT next_seq, sent_grants_mac FROM connections WHERE id = ?1",
                    [&conn.id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(StoreError::from)?;
            let sent = load_sent(&tx, &conn.id)?;

            // THE decision, per item, now.
            let mut allowed: BTreeMap<String, (&ShareableItem, String)> = BTreeMap::new();
            for item in items {
                if let Decision::Allow { grant_id } = decide(&grants, &conn.id, &item.meta, now) {
                    // Consent allows it, but an item too big for one envelope cannot travel;
                    // it counts as not shared (a tombstone if an earlier version was sent).
                    if item.body.len() > MAX_ITEM_BODY_BYTES {
                        report.too_large += 1;
                        continue;
                    }
                    allowed.insert(item.meta.key(), (item, grant_id));
                }
            }
            let mut changes = Vec::new();
            for (key, (item, grant)) in &allowed {
                let mac = item_mac(&mac_key, item);
                let row = sent.get(key);
                let unchanged = row.is_some_and(|r| {
                    r.present
                        && r.grant.as_deref() == Some(grant.as_str())
                        && r.mac.as_deref() == Some(mac.as_slice())
                });
                if !unchanged {
                    changes.push(Change::Upsert {
                        item,
                        grant: grant.clone(),
                        mac,
                        version: row.map_or(1, |r| r.version + 1),
                    });
                }
            }
            for (key, row) in &sent {
                if row.present && !allowed.contains_key(key) {
                    changes.push(Change::Tombstone {
                        key: key.clone(),
                        version: row.version + 1,
                    });
                }
            }
            let grants_changed = sent_grants_mac.as_deref() != Some(grants_mac.as_slice());
            if changes.is_empty() && !grants_changed {
                continue;
            }
            let signed_grants: Vec<_> = active.iter().map(|g| g.signed.clone()).collect();
            let mut seq = next_seq;
            for chunk in chunk(changes) {
                let envelope_id = make_id();
                let mut refs = Refs {
                    hello: false,
                    grants: grant_ids.clone(),
                    items: Vec::new(),
                };
                let mut messages = Vec::with_capacity(chunk.len());
                for change in &chunk {
                    match change {
                        Change::Upsert {
                            item,
                            grant,
                            mac,
                            version,
                        } => {
                            messages.push(ItemMessage::Upsert {
                                meta: item.meta.clone(),
                                version: *version,
                                grant_id: grant.clone(),
                                body: item.body.clone(),
                            });
                            refs.items.push(ItemRef {
                                key: item.meta.key(),
                                grant: Some(grant.clone()),
                                mac: Some(hex(mac)),
                            });
                            upsert_sent(
                                &tx,
                                &conn.id,
                                &item.meta.key(),
                                *version,
                                Some(mac),
                                Some(grant),
                                true,
                            )?;
                            audit::append(
                                &tx,
                                sealer.as_ref(),
                                now,
                                &AuditEvent::Disclosed {
                                    connection_id: conn.id.clone(),
                                    grant_id: grant.clone(),
                                    item: item.meta.key(),
                                    version: *version,
                                    envelope_id: envelope_id.clone(),
                                },
                            )?;
                            report.disclosed += 1;
                        }
                        Change::Tombstone { key, version } => {
                            messages.push(ItemMessage::Tombstone {
                                key: key.clone(),
                                version: *version,
                            });
                            refs.items.push(ItemRef {
                                key: key.clone(),
                                grant: None,
                                mac: None,
                            });
                            upsert_sent(&tx, &conn.id, key, *version, None, None, false)?;
                            audit::append(
                                &tx,
                                sealer.as_ref(),
                                now,
                                &AuditEvent::Withdrawn {
                                    connection_id: conn.id.clone(),
                                    item: key.clone(),
                                    version: *version,
                                    envelope_id: envelope_id.clone(),
                                },
                            )?;
                            report.withdrawn += 1;
                        }
                    }
                }
                let payload = Payload::Update {
                    grants: signed_grants.clone(),
                    items: messages,
                };
                let bytes = envelope::seal(
                    &me,
                    &conn.their_keys,
                    &envelope_id,
                    &conn.id,
                    seq as u64,
                    now,
                    &payload,
                );
                tx.execute(
                    "INSERT INTO outbox (envelope_id, connection_id, seq, created_at, refs, bytes)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        envelope_id,
                        conn.id,
                        seq,
                        now,
                        serde_json::to_string(&refs).expect("refs serialize"),
                        bytes
                    ],
                )
                .map_err(StoreError::from)?;
                seq += 1;
                report.envelopes += 1;
            }
            tx.execute(
                "UPDATE connections SET next_seq = ?2, sent_grants_mac = ?3 WHERE id = ?1",
                params![conn.id, seq, grants_mac.as_slice()],
            )
            .map_err(StoreError::from)?;
        }
        tx.commit().map_err(StoreError::from)?;
        Ok(report)
    }

    /// Decides every queued envelope again (consent may have been revoked, may have expired, or
    /// an item may have changed or left scope since it was sealed) and drops those that no
    /// longer hold, so the next [`SharingStore::prepare_outbox`] re-decides their items.
    /// Returns how many were dropped.
    pub fn recheck_outbox(
        &mut self,
        items: &[ShareableItem],
        now: i64,
    ) -> Result<usize, LanternError> {
        let grants = self.grants()?;
        let mac_key = self.mac_key()?;
        let by_key: BTreeMap<String, &ShareableItem> =
            items.iter().map(|i| (i.meta.key(), i)).collect();
        let queued: Vec<(String, String, String)> = {
            let mut stmt = self
                .db
                .prepare("SELECT envelope_id, connection_id, refs FROM outbox ORDER BY connection_id, seq")
                .map_err(StoreError::from)?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(StoreError::from)?
                .collect::<Result<_, _>>()
                .map_err(StoreError::from)?
        };
        let sealer = self.sealer.clone();
        let tx = self.db.transaction().map_err(StoreError::from)?;
        let mut dropped = 0;
        for (envelope_id, connection_id, refs) in queued {
            let refs: Refs =
                serde_json::from_str(&refs).map_err(|_| StoreError::Corrupt("outbox"))?;
            if refs.hello {
                continue;
            }
            let active: BTreeSet<&str> = grants
                .iter()
                .filter(|g| {
                    g.terms.connection_id == connection_id && g.state(now) == GrantState::Active
                })
                .map(|g| g.terms.id.as_str())
                .collect();
            let grants_hold = refs.grants.iter().all(|g| active.contains(g.as_str()));
            let items_hold = refs.items.iter().all(|r| match (&r.grant, &r.mac) {
                (Some(grant), Some(mac)) => by_key.get(&r.key).is_some_and(|item| {
                    hex(&item_mac(&mac_key, item)) == *mac
                        && decide(&grants, &connection_id, &item.meta, now)
                            == Decision::Allow {
                                grant_id: grant.clone(),
                            }
                }),
                _ => true,
            });
            if grants_hold && items_hold {
                continue;
            }
            tx.execute("DELETE FROM outbox WHERE envelope_id = ?1", [&envelope_id])
                .map_err(StoreError::from)?;
            // The supporter may or may not hold these now: mark them unknown so the next
            // prepare sends a fresh version or a tombstone, and resends the grant set.
            for r in &refs.items {
                tx.execute(
                    "UPDATE sent_items SET mac = NULL, present = 1
                     WHERE connection_id = ?1 AND item_key = ?2",
                    params![connection_id, r.key],
                )
                .map_err(StoreError::from)?;
            }
            tx.execute(
                "UPDATE connections SET sent_grants_mac = NULL WHERE id = ?1",
                [&connection_id],
            )
            .map_err(StoreError::from)?;
            audit::append(
                &tx,
                sealer.as_ref(),
                now,
                &AuditEvent::Dropped {
                    connection_id: connection_id.clone(),
                    envelope_id: envelope_id.clone(),
                },
            )?;
            dropped += 1;
        }
        tx.commit().map_err(StoreError::from)?;
        Ok(dropped)
    }

    /// Every queued envelope, per connection in sequence order.
    pub fn pending_envelopes(&self) -> Result<Vec<PendingEnvelope>, LanternError> {
        let rows: Vec<(String, String, i64, Vec<u8>)> = {
            let mut stmt = self
                .db
                .prepare(
                    "SELECT envelope_id, connection_id, seq, bytes FROM outbox
                     ORDER BY connection_id, seq",
                )
                .map_err(StoreError::from)?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .map_err(StoreError::from)?
                .collect::<Result<_, _>>()
                .map_err(StoreError::from)?
        };
        let mut out = Vec::with_capacity(rows.len());
        let mut cache: BTreeMap<String, super::pairing::ConnectionInfo> = BTreeMap::new();
        for (id, connection_id, seq, bytes) in rows {
            if !cache.contains_key(&connection_id) {
                let info = self
                    .connection(&connection_id)?
                    .ok_or(StoreError::Corrupt("outbox connection"))?;
                cache.insert(connection_id.clone(), info);
            }
            let info = &cache[&connection_id];
            out.push(PendingEnvelope {
                id,
                connection_id,
                seq,
                relay_url: info.relay_url.clone(),
                mailbox_id: info.mailbox_id.clone(),
                capability: info.capability.clone(),
                bytes,
            });
        }
        Ok(out)
    }

    /// Removes a posted envelope from the outbox (the relay confirmed it, new or duplicate).
    pub fn mark_posted(&self, envelope_id: &str) -> Result<(), LanternError> {
        self.db
            .execute("DELETE FROM outbox WHERE envelope_id = ?1", [envelope_id])
            .map_err(StoreError::from)?;
        Ok(())
    }
}

fn item_mac(key: &[u8], item: &ShareableItem) -> [u8; 32] {
    let mut m = serde_json::to_vec(&item.meta).expect("item metadata serializes");
    m.push(0);
    m.extend_from_slice(item.body.as_bytes());
    derive_hmac_sha256(key, &m)
}

fn load_sent(
    tx: &rusqlite::Transaction<'_>,
    connection_id: &str,
) -> Result<BTreeMap<String, SentRow>, StoreError> {
    let mut stmt = tx.prepare(
        "SELECT item_key, version, mac, grant_id, present FROM sent_items WHERE connection_id = ?1",
    )?;
    let rows = stmt.query_map([connection_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            SentRow {
                version: r.get::<_, i64>(1)? as u64,
                mac: r.get(2)?,
                grant: r.get(3)?,
                present: r.get(4)?,
            },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn upsert_sent(
    tx: &rusqlite::Transaction<'_>,
    connection_id: &str,
    key: &str,
    version: u64,
    mac: Option<&[u8; 32]>,
    grant: Option<&String>,
    present: bool,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO sent_items (connection_id, item_key, version, mac, grant_id, present)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(connection_id, item_key) DO UPDATE SET
             version = excluded.version, mac = excluded.mac,
             grant_id = excluded.grant_id, present = excluded.present",
        params![
            connection_id,
            key,
            version as i64,
            mac.map(|m| m.to_vec()),
            grant,
            present
        ],
    )?;
    Ok(())
}

/// Splits changes into envelope-sized groups; always at least one (possibly empty) group, so
/// a grant change alone still sends an envelope.
fn chunk(changes: Vec<Change<'_>>) -> Vec<Vec<Change<'_>>> {
    let mut out = vec![Vec::new()];
    let mut bytes = 0usize;
    for c in changes {
        let size = match &c {
            // JSON escaping inside the payload grows a body by up to a fifth.
            Change::Upsert { item, .. } => item.body.len() * 6 / 5 + 200,
            Change::Tombstone { key, .. } => key.len() + 50,
        };
        let cur = out.last_mut().expect("out is never empty");
        if !cur.is_empty()
            && (cur.len() >= MAX_ITEMS_PER_ENVELOPE
                || bytes + size > MAX_PAYLOAD_BYTES_PER_ENVELOPE)
        {
            out.push(Vec::new());
            bytes = 0;
        }
        bytes += size;
        out.last_mut().expect("out is never empty").push(c);
    }
    out
}
