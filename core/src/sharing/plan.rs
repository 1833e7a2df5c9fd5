//! The outbox plan, pure: from the grants, what was sent to one connection, the items that
//! could be shared and the time, the changes to send. Every item is decided through
//! [`crate::consent::decide`]: what is allowed and new or changed goes out as a new version,
//! what was sent and is no longer allowed (deleted, tag removed, grant revoked or expired) goes
//! out as a tombstone, and a change in the set of active grants alone still sends an envelope,
//! so a revocation reaches the supporter even when no item changed. No I/O and no clock: the
//! sealing and queueing around it are in `outbox`.

use std::collections::BTreeMap;

use super::content::ShareableItem;
use crate::consent::{Decision, Grant, GrantState, decide};

/// Most items in one envelope.
pub const MAX_ITEMS_PER_ENVELOPE: usize = 100;
/// Estimated plaintext bytes per envelope. The relay's default limit is 64 KiB of envelope;
/// the envelope is about 4/3 of the plaintext (base64 ciphertext in JSON) plus the grants.
pub const MAX_PAYLOAD_BYTES_PER_ENVELOPE: usize = 32 * 1024;
/// Largest item body that can be shared (fits one envelope with room for the grants).
pub const MAX_ITEM_BODY_BYTES: usize = 28 * 1024;

/// A keyed fingerprint (HMAC under the installation's sent-item key in production), so what
/// was sent can be compared without keeping it.
pub type Fingerprint<'f> = &'f dyn Fn(&[u8]) -> [u8; 32];

/// What was last sent of one item to one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentItem {
    pub version: u64,
    /// Fingerprint of the content sent; `None` after a tombstone, or when unknown.
    pub mac: Option<Vec<u8>>,
    /// The grant it was disclosed under.
    pub grant: Option<String>,
    /// Whether the supporter holds it (as far as this side knows).
    pub present: bool,
}

/// What is known about one connection before planning.
#[derive(Debug, Clone, Copy)]
pub struct Sent<'a> {
    pub connection_id: &'a str,
    /// Item key -> what was last sent of it.
    pub items: &'a BTreeMap<String, SentItem>,
    /// Fingerprint of the set of grant ids last sent, if any.
    pub grants_mac: Option<&'a [u8]>,
}

/// One change to send.
#[derive(Debug, Clone, PartialEq)]
pub enum Change<'a> {
    /// A new item, or a new version of one, disclosed under `grant`.
    Upsert {
        item: &'a ShareableItem,
        grant: String,
        mac: [u8; 32],
        version: u64,
    },
    /// The supporter must delete `key`.
    Tombstone { key: String, version: u64 },
}

/// The changes for one connection.
#[derive(Debug)]
pub struct Plan<'a> {
    /// The grants active for this connection now; all of them travel with every envelope.
    pub active: Vec<&'a Grant>,
    /// Their ids, sorted.
    pub grant_ids: Vec<String>,
    /// Fingerprint of `grant_ids`, stored once the plan is queued.
    pub grants_mac: [u8; 32],
    /// Envelope-sized groups of changes; empty when nothing needs sending.
    pub envelopes: Vec<Vec<Change<'a>>>,
    /// Items consent allowed but too large to send (not shared; withdrawn if sent before).
    pub too_large: usize,
}

/// The fingerprint of an item's metadata and content.
pub fn item_mac(mac: Fingerprint<'_>, item: &ShareableItem) -> [u8; 32] {
    // ItemMeta holds strings and an enum: serialising cannot fail.
    let mut m = serde_json::to_vec(item.meta()).unwrap_or_default();
    m.push(0);
    m.extend_from_slice(item.body().as_bytes());
    mac(&m)
}

/// Plans what to send on one connection at `now`.
pub fn plan<'a>(
    grants: &'a [Grant],
    sent: Sent<'_>,
    items: &'a [ShareableItem],
    now: i64,
    mac: Fingerprint<'_>,
) -> Plan<'a> {
    let active: Vec<&Grant> = grants
        .iter()
        .filter(|g| g.terms.connection_id == sent.connection_id)
        .filter(|g| g.state(now) == GrantState::Active)
        .collect();
    let mut grant_ids: Vec<String> = active.iter().map(|g| g.terms.id.clone()).collect();
    grant_ids.sort();
    let grants_mac = mac(grant_ids.join(",").as_bytes());

    let (allowed, too_large) = allowed_items(grants, sent.connection_id, items, now);
    let mut changes = upserts(&allowed, sent.items, mac);
    changes.extend(tombstones(&allowed, sent.items));
    let grants_changed = sent.grants_mac != Some(grants_mac.as_slice());
    let envelopes = if changes.is_empty() && !grants_changed {
        Vec::new()
    } else {
        chunk(changes)
    };
    Plan {
        active,
        grant_ids,
        grants_mac,
        envelopes,
        too_large,
    }
}

/// THE decision, per item, now: item key -> (item, the grant allowing it). Items consent
/// allows but too big for one envelope cannot travel and count as not shared.
fn allowed_items<'a>(
    grants: &[Grant],
    connection_id: &str,
    items: &'a [ShareableItem],
    now: i64,
) -> (BTreeMap<String, (&'a ShareableItem, String)>, usize) {
    let mut allowed = BTreeMap::new();
    let mut too_large = 0;
    for item in items {
        if let Decision::Allow { grant_id } = decide(grants, connection_id, item.meta(), now) {
            if item.body().len() > MAX_ITEM_BODY_BYTES {
                too_large += 1;
                continue;
            }
            allowed.insert(item.meta().key(), (item, grant_id));
        }
    }
    (allowed, too_large)
}

/// Allowed items that are new, changed, or now disclosed under another grant.
fn upserts<'a>(
    allowed: &BTreeMap<String, (&'a ShareableItem, String)>,
    sent: &BTreeMap<String, SentItem>,
    mac: Fingerprint<'_>,
) -> Vec<Change<'a>> {
    let mut out = Vec::new();
    for (key, (item, grant)) in allowed {
        let fingerprint = item_mac(mac, item);
        let row = sent.get(key);
        let unchanged = row.is_some_and(|r| {
            r.present
                && r.grant.as_deref() == Some(grant.as_str())
                && r.mac.as_deref() == Some(fingerprint.as_slice())
        });
        if !unchanged {
            out.push(Change::Upsert {
                item,
                grant: grant.clone(),
                mac: fingerprint,
                version: row.map_or(1, |r| r.version + 1),
            });
        }
    }
    out
}

/// Items the supporter holds that are no longer allowed.
fn tombstones<'a>(
    allowed: &BTreeMap<String, (&ShareableItem, String)>,
    sent: &BTreeMap<String, SentItem>,
) -> Vec<Change<'a>> {
    sent.iter()
        .filter(|(key, row)| row.present && !allowed.contains_key(*key))
        .map(|(key, row)| Change::Tombstone {
            key: key.clone(),
            version: row.version + 1,
        })
        .collect()
}

/// Splits changes into envelope-sized groups; always at least one (possibly empty) group, so
/// a grant change alone still sends an envelope.
fn chunk(changes: Vec<Change<'_>>) -> Vec<Vec<Change<'_>>> {
    let mut out: Vec<Vec<Change<'_>>> = vec![Vec::new()];
    let mut bytes = 0usize;
    for c in changes {
        let size = match &c {
            // JSON escaping inside the payload grows a body by up to a fifth.
            Change::Upsert { item, .. } => item.body().len() * 6 / 5 + 200,
            Change::Tombstone { key, .. } => key.len() + 50,
        };
        let full = out.last().is_some_and(|cur| {
            !cur.is_empty()
                && (cur.len() >= MAX_ITEMS_PER_ENVELOPE
                    || bytes + size > MAX_PAYLOAD_BYTES_PER_ENVELOPE)
        });
        if full {
            out.push(Vec::new());
            bytes = 0;
        }
        bytes += size;
        if let Some(cur) = out.last_mut() {
            cur.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::{GrantRequest, Party, Scope, make_grant};
    use crate::crypto::hazmat::{SigningKey, derive_sha256};
    use crate::sharing::content::SharedContent;

    const NOW: i64 = 1_800_000_000;
    const DAY: i64 = 86_400;

    fn fp(bytes: &[u8]) -> [u8; 32] {
        derive_sha256(bytes)
    }

    fn grant(conn: &str, scopes: Vec<Scope>, expires_in: i64) -> Grant {
        let (terms, signed) = make_grant(
            GrantRequest {
                connection_id: conn.into(),
                discloser_name: "Pat".into(),
                recipient: Party {
                    name: "Sam".into(),
                    signing_key: [7; 32],
                },
                scopes,
                purpose: "calls".into(),
                expires_at: NOW + expires_in,
            },
            &SigningKey::make(),
            NOW,
        )
        .expect("grant");
        Grant {
            terms,
            signed,
            revoked_at: None,
        }
    }

    fn entry(id: &str, tag: &str, text: &str) -> ShareableItem {
        ShareableItem::new(
            id,
            SharedContent::Entry {
                text: text.into(),
                mood: None,
                tags: vec![tag.into()],
                created_at_ms: 1,
                edited_at_ms: None,
            },
        )
    }

    fn checkin(id: &str) -> ShareableItem {
        ShareableItem::new(
            id,
            SharedContent::CheckIn {
                mood: 3,
                note: None,
                created_at_ms: 1,
            },
        )
    }

    /// What the outbox would record after sending `plan`.
    fn record(plan: &Plan<'_>, sent: &mut BTreeMap<String, SentItem>) -> Vec<u8> {
        for change in plan.envelopes.iter().flatten() {
            match change {
                Change::Upsert {
                    item,
                    grant,
                    mac,
                    version,
                } => sent.insert(
                    item.meta().key(),
                    SentItem {
                        version: *version,
                        mac: Some(mac.to_vec()),
                        grant: Some(grant.clone()),
                        present: true,
                    },
                ),
                Change::Tombstone { key, version } => sent.insert(
                    key.clone(),
                    SentItem {
                        version: *version,
                        mac: None,
                        grant: None,
                        present: false,
                    },
                ),
            };
        }
        plan.grants_mac.to_vec()
    }

    fn keys(plan: &Plan<'_>) -> Vec<String> {
        plan.envelopes
            .iter()
            .flatten()
            .map(|c| match c {
                Change::Upsert { item, version, .. } => format!("+{}@{version}", item.meta().key()),
                Change::Tombstone { key, version } => format!("-{key}@{version}"),
            })
            .collect()
    }

    #[test]
    fn sends_only_what_a_grant_covers_then_nothing_until_something_changes() {
        let grants = vec![grant(
            "c1",
            vec![Scope::EntriesWithTag {
                tag: "family".into(),
            }],
            30 * DAY,
        )];
        let items = vec![
            entry("e1", "family", "one"),
            entry("e2", "work", "two"),
            checkin("k1"),
        ];
        let mut sent = BTreeMap::new();
        let first = plan(
            &grants,
            Sent {
                connection_id: "c1",
                items: &sent,
                grants_mac: None,
            },
            &items,
            NOW,
            &fp,
        );
        assert_eq!(keys(&first), vec!["+entry:e1@1"]);
        assert_eq!(first.grant_ids, vec![grants[0].terms.id.clone()]);
        let grants_mac = record(&first, &mut sent);
        // Nothing changed: nothing to send, not even the grants.
        let again = plan(
            &grants,
            Sent {
                connection_id: "c1",
                items: &sent,
                grants_mac: Some(&grants_mac),
            },
            &items,
            NOW + 1,
            &fp,
        );
        assert!(again.envelopes.is_empty());
        // An edit is a new version; another connection gets nothing.
        let edited = vec![entry("e1", "family", "one, edited")];
        let next = plan(
            &grants,
            Sent {
                connection_id: "c1",
                items: &sent,
                grants_mac: Some(&grants_mac),
            },
            &edited,
            NOW + 2,
            &fp,
        );
        assert_eq!(keys(&next), vec!["+entry:e1@2"]);
        let other = plan(
            &grants,
            Sent {
                connection_id: "c2",
                items: &BTreeMap::new(),
                grants_mac: None,
            },
            &items,
            NOW,
            &fp,
        );
        assert!(other.active.is_empty());
        assert!(other.envelopes.iter().flatten().next().is_none());
    }

    #[test]
    fn what_leaves_scope_becomes_a_tombstone_and_expiry_alone_sends_the_grant_set() {
        let grants = vec![grant("c1", vec![Scope::CheckIns], DAY)];
        let items = vec![checkin("k1"), checkin("k2")];
        let mut sent = BTreeMap::new();
        let first = plan(
            &grants,
            Sent {
                connection_id: "c1",
                items: &sent,
                grants_mac: None,
            },
            &items,
            NOW,
            &fp,
        );
        let grants_mac = record(&first, &mut sent);
        // k2 deleted from the journal: a tombstone.
        let fewer = plan(
            &grants,
            Sent {
                connection_id: "c1",
                items: &sent,
                grants_mac: Some(&grants_mac),
            },
            &items[..1],
            NOW + 1,
            &fp,
        );
        assert_eq!(keys(&fewer), vec!["-checkin:k2@2"]);
        // At expiry everything held is withdrawn and the (now empty) grant set travels.
        let expired = plan(
            &grants,
            Sent {
                connection_id: "c1",
                items: &sent,
                grants_mac: Some(&grants_mac),
            },
            &items,
            NOW + DAY,
            &fp,
        );
        assert!(expired.active.is_empty());
        assert_eq!(keys(&expired), vec!["-checkin:k1@2", "-checkin:k2@2"]);
        let mut revoked = grants.clone();
        revoked[0].revoked_at = Some(NOW + 5);
        let after = plan(
            &revoked,
            Sent {
                connection_id: "c1",
                items: &BTreeMap::new(),
                grants_mac: Some(&grants_mac),
            },
            &items,
            NOW + 6,
            &fp,
        );
        assert_eq!(after.envelopes.len(), 1, "the grant change alone is sent");
        assert!(after.envelopes[0].is_empty());
    }

    #[test]
    fn oversized_items_are_not_sent_and_many_changes_split_into_envelopes() {
        let grants = vec![grant(
            "c1",
            vec![Scope::CheckIns, Scope::Entry { id: "big".into() }],
            DAY,
        )];
        let mut items: Vec<ShareableItem> = (0..MAX_ITEMS_PER_ENVELOPE + 5)
            .map(|i| checkin(&format!("k{i}")))
            .collect();
        items.push(ShareableItem::new(
            "big",
            SharedContent::Entry {
                text: "x".repeat(MAX_ITEM_BODY_BYTES),
                mood: None,
                tags: vec![],
                created_at_ms: 1,
                edited_at_ms: None,
            },
        ));
        let p = plan(
            &grants,
            Sent {
                connection_id: "c1",
                items: &BTreeMap::new(),
                grants_mac: None,
            },
            &items,
            NOW,
            &fp,
        );
        assert_eq!(p.too_large, 1);
        assert_eq!(p.envelopes.len(), 2);
        assert_eq!(p.envelopes[0].len(), MAX_ITEMS_PER_ENVELOPE);
        assert_eq!(p.envelopes[1].len(), 5);
    }
}
