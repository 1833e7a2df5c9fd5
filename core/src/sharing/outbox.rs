//! The peer's outbox: seals and queues what [`super::plan`] decided. For every connection where
//! this installation shares, the plan (pure, through [`crate::consent::decide`]) says which
//! item versions and tombstones to send; here they are sealed into envelopes and queued in the
//! same transaction as their audit records and the sent-item bookkeeping. Anything still
//! queued from an interrupted sync is decided again before it is posted and dropped if its
//! consent is gone ([`SharingStore::recheck_outbox`]).

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::audit::{self, AuditEvent};
use super::content::ShareableItem;
use super::envelope::{self, ItemMessage, Payload};
use super::identity::Identity;
use super::pairing::{ConnectionInfo, Role};
use super::plan::{self, Change, Plan, Sent, SentItem, item_mac};
use super::relay_client::mailbox_id;
use super::store::{StoreError, meta_get, meta_put};
use super::{SharingError, SharingStore};
use crate::codec::{hex, make_id};
use crate::consent::{Decision, GrantState, decide};
use crate::crypto::hazmat::{derive_hmac_sha256, make_key};

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
    /// A supporter's reply (`reach`): the key of the item it answers, which must still be held.
    #[serde(default)]
    reply_to: Option<String>,
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

/// Everything queueing one connection's envelopes needs, borrowed for one transaction.
struct Queue<'t> {
    tx: &'t Transaction<'t>,
    me: &'t Identity,
    conn: &'t ConnectionInfo,
    now: i64,
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

    /// Plans every connection where this installation shares (see [`plan::plan`]) and queues
    /// sealed envelopes for what changed, in one transaction. `items` is everything that could
    /// be shared (the consent decision picks); an item absent from it counts as deleted.
    pub fn prepare_outbox(
        &mut self,
        items: &[ShareableItem],
        now: i64,
    ) -> Result<PrepareReport, SharingError> {
        let me = self.identity()?;
        // Every decision below is made on grants whose state and log passed the tamper checks.
        let grants = self.verified_grants()?;
        let mac_key = self.mac_key()?;
        let fingerprint = |bytes: &[u8]| derive_hmac_sha256(&mac_key, bytes);
        let connections: Vec<ConnectionInfo> = self
            .connections()?
            .into_iter()
            .filter(|c| c.role == Role::Peer)
            .collect();
        let mut report = PrepareReport::default();
        let sealer = self.sealer.clone();
        let tx = self.db.transaction()?;
        SharingStore::log_expiries(&tx, sealer.as_ref(), &grants, now)?;
        for conn in &connections {
            let (next_seq, sent_grants_mac): (i64, Option<Vec<u8>>) = tx.query_row(
                "SELECT next_seq, sent_grants_mac FROM connections WHERE id = ?1",
                [&conn.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let sent = load_sent(&tx, &conn.id)?;
            let plan = plan::plan(
                &grants,
                Sent {
                    connection_id: &conn.id,
                    items: &sent,
                    grants_mac: sent_grants_mac.as_deref(),
                },
                items,
                now,
                &fingerprint,
            );
            report.too_large += plan.too_large;
            if plan.envelopes.is_empty() {
                continue;
            }
            let queue = Queue {
                tx: &tx,
                me: &me,
                conn,
                now,
            };
            let next = queue.plan(&plan, next_seq, &mut report)?;
            tx.execute(
                "UPDATE connections SET next_seq = ?2, sent_grants_mac = ?3 WHERE id = ?1",
                params![conn.id, next, plan.grants_mac.as_slice()],
            )?;
        }
        audit::checkpoint(&tx, sealer.as_ref())?;
        tx.commit()?;
        self.raise_mark()?;
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
    ) -> Result<usize, SharingError> {
        // Every decision below is made on grants whose state and log passed the tamper checks.
        let grants = self.verified_grants()?;
        let mac_key = self.mac_key()?;
        let fingerprint = |bytes: &[u8]| derive_hmac_sha256(&mac_key, bytes);
        let by_key: BTreeMap<String, &ShareableItem> =
            items.iter().map(|i| (i.meta().key(), i)).collect();
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
        // Replies answer what is held now: expired grants go first.
        self.purge_expired(now)?;
        let sealer = self.sealer.clone();
        let tx = self.db.transaction().map_err(StoreError::from)?;
        let mut dropped = 0;
        for (envelope_id, connection_id, refs) in queued {
            let refs: Refs =
                serde_json::from_str(&refs).map_err(|_| StoreError::Corrupt("outbox"))?;
            if refs.hello {
                continue;
            }
            if let Some(key) = &refs.reply_to {
                // A reply to something no longer held (its consent ended) is not sent. It is
                // the supporter's own words, not a disclosure: no audit record.
                let held = tx
                    .query_row(
                        "SELECT 1 FROM received_items WHERE connection_id = ?1 AND item_key = ?2",
                        params![connection_id, key],
                        |_| Ok(()),
                    )
                    .optional()
                    .map_err(StoreError::from)?
                    .is_some();
                if !held {
                    tx.execute("DELETE FROM outbox WHERE envelope_id = ?1", [&envelope_id])
                        .map_err(StoreError::from)?;
                    dropped += 1;
                }
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
                    hex(&item_mac(&fingerprint, item)) == *mac
                        && decide(&grants, &connection_id, item.meta(), now)
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
                now,
                &AuditEvent::Dropped {
                    connection_id: connection_id.clone(),
                    envelope_id: envelope_id.clone(),
                },
            )?;
            dropped += 1;
        }
        audit::checkpoint(&tx, sealer.as_ref())?;
        tx.commit().map_err(StoreError::from)?;
        self.raise_mark()?;
        Ok(dropped)
    }

    /// Every queued envelope that can be posted now, per connection in sequence order (a
    /// supporter's replies wait until the connection capability reached the peer).
    pub fn pending_envelopes(&self) -> Result<Vec<PendingEnvelope>, StoreError> {
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
        let mut cache: BTreeMap<String, ConnectionInfo> = BTreeMap::new();
        for (id, connection_id, seq, bytes) in rows {
            if !cache.contains_key(&connection_id) {
                let info = self
                    .connection(&connection_id)?
                    .ok_or(StoreError::Corrupt("outbox connection"))?;
                cache.insert(connection_id.clone(), info);
            }
            let info = &cache[&connection_id];
            let (mailbox_id, capability) = match info.role {
                Role::Peer => (info.mailbox_id.clone(), info.capability.clone()),
                // A supporter's reply goes to the peer's mailbox on the reply channel, and only
                // after the connection capability (sequence 1 on this direction) got there.
                Role::Supporter if info.capability_rotated => (
                    mailbox_id(&info.their_keys.signing),
                    info.reply_capability.clone(),
                ),
                Role::Supporter => continue,
            };
            out.push(PendingEnvelope {
                id,
                connection_id,
                seq,
                relay_url: info.relay_url.clone(),
                mailbox_id,
                capability,
                bytes,
            });
        }
        Ok(out)
    }

    /// Removes a posted envelope from the outbox (the relay confirmed it, new or duplicate).
    pub fn mark_posted(&self, envelope_id: &str) -> Result<(), StoreError> {
        self.db
            .execute("DELETE FROM outbox WHERE envelope_id = ?1", [envelope_id])
            .map_err(StoreError::from)?;
        Ok(())
    }
}

fn load_sent(
    tx: &Transaction<'_>,
    connection_id: &str,
) -> Result<BTreeMap<String, SentItem>, StoreError> {
    let mut stmt = tx.prepare(
        "SELECT item_key, version, mac, grant_id, present FROM sent_items WHERE connection_id = ?1",
    )?;
    let rows = stmt.query_map([connection_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            SentItem {
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
    tx: &Transaction<'_>,
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

impl Queue<'_> {
    /// Seals and queues the plan's envelopes from sequence number `seq`; returns the next one.
    fn plan(
        &self,
        plan: &Plan<'_>,
        mut seq: i64,
        report: &mut PrepareReport,
    ) -> Result<i64, SharingError> {
        let signed_grants: Vec<_> = plan.active.iter().map(|g| g.signed.clone()).collect();
        for changes in &plan.envelopes {
            let envelope_id = make_id();
            let mut refs = Refs {
                grants: plan.grant_ids.clone(),
                items: Vec::with_capacity(changes.len()),
                ..Refs::default()
            };
            let mut messages = Vec::with_capacity(changes.len());
            for change in changes {
                let (message, item_ref) = self.record(change, &envelope_id, report)?;
                messages.push(message);
                refs.items.push(item_ref);
            }
            let payload = Payload::Update {
                grants: signed_grants.clone(),
                items: messages,
            };
            self.enqueue(&envelope_id, seq, &refs, &payload)?;
            seq += 1;
            report.envelopes += 1;
        }
        Ok(seq)
    }

    /// Records one change (sent-item row and audit record) and returns its message.
    fn record(
        &self,
        change: &Change<'_>,
        envelope_id: &str,
        report: &mut PrepareReport,
    ) -> Result<(ItemMessage, ItemRef), SharingError> {
        let conn_id = &self.conn.id;
        Ok(match change {
            Change::Upsert {
                item,
                grant,
                mac,
                version,
            } => {
                let key = item.meta().key();
                upsert_sent(
                    self.tx,
                    conn_id,
                    &key,
                    *version,
                    Some(mac),
                    Some(grant),
                    true,
                )?;
                audit::append(
                    self.tx,
                    self.now,
                    &AuditEvent::Disclosed {
                        connection_id: conn_id.clone(),
                        grant_id: grant.clone(),
                        item: key.clone(),
                        version: *version,
                        envelope_id: envelope_id.to_string(),
                    },
                )?;
                report.disclosed += 1;
                (
                    ItemMessage::Upsert {
                        meta: item.meta().clone(),
                        version: *version,
                        grant_id: grant.clone(),
                        body: item.body().to_string(),
                    },
                    ItemRef {
                        key,
                        grant: Some(grant.clone()),
                        mac: Some(hex(mac)),
                    },
                )
            }
            Change::Tombstone { key, version } => {
                upsert_sent(self.tx, conn_id, key, *version, None, None, false)?;
                audit::append(
                    self.tx,
                    self.now,
                    &AuditEvent::Withdrawn {
                        connection_id: conn_id.clone(),
                        item: key.clone(),
                        version: *version,
                        envelope_id: envelope_id.to_string(),
                    },
                )?;
                report.withdrawn += 1;
                (
                    ItemMessage::Tombstone {
                        key: key.clone(),
                        version: *version,
                    },
                    ItemRef {
                        key: key.clone(),
                        grant: None,
                        mac: None,
                    },
                )
            }
        })
    }

    /// Seals `payload` to the supporter and queues it with its references.
    fn enqueue(
        &self,
        envelope_id: &str,
        seq: i64,
        refs: &Refs,
        payload: &Payload,
    ) -> Result<(), SharingError> {
        let bytes = envelope::seal(
            self.me,
            &self.conn.their_keys,
            envelope_id,
            &self.conn.id,
            seq as u64,
            self.now,
            payload,
        );
        // Ids, booleans and hex strings only: serialising cannot fail.
        let refs = serde_json::to_string(refs).map_err(|_| StoreError::Corrupt("outbox"))?;
        self.tx.execute(
            "INSERT INTO outbox (envelope_id, connection_id, seq, created_at, refs, bytes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![envelope_id, self.conn.id, seq, self.now, refs, bytes],
        )?;
        Ok(())
    }
}
