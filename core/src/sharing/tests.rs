//! Peer and supporter stores on real SQLite files, exchanging envelopes directly (the relay
//! legs are covered by the end-to-end tests in `tests/`).

use std::sync::Arc;

use super::envelope::EnvelopeError;
use super::inbox::{Applied, ReceiveError};
use super::sealer::KeySealer;
use super::{ShareableItem, SharedContent, SharingError, SharingStore, StoreError};
use crate::consent::Scope;
use crate::crypto::hazmat::make_key;
use crate::sharing::audit::AuditEvent;

const T0: i64 = 1_800_000_000;
const DAY: i64 = 86_400;

struct Side {
    _dir: tempfile::TempDir,
    store: SharingStore,
}

fn side() -> Side {
    let dir = tempfile::tempdir().expect("tempdir");
    let store =
        SharingStore::open(dir.path(), Arc::new(KeySealer::new(make_key()))).expect("opens");
    Side { _dir: dir, store }
}

fn entry(id: &str, tags: &[&str], text: &str) -> ShareableItem {
    ShareableItem::new(
        id,
        SharedContent::Entry {
            text: text.into(),
            mood: Some(3),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            created_at_ms: T0 * 1000,
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
            created_at_ms: T0 * 1000,
        },
    )
}

/// Pairs a peer with a supporter and delivers the Hello. Returns the connection id.
fn paired(peer: &mut Side, sup: &mut Side) -> String {
    let invite = sup
        .store
        .create_invite("http://127.0.0.1:1", "mbox", "cap", "Sam Supportername", T0)
        .expect("invite");
    let conn = peer
        .store
        .pair(&invite.encode(), "Pat Peername", T0)
        .expect("pairs");
    deliver(peer, sup, T0);
    assert_eq!(
        peer.store.safety_number(&conn.id).expect("peer number"),
        sup.store.safety_number(&conn.id).expect("supporter number")
    );
    conn.id
}

/// Posts everything queued on the peer straight into the supporter (what the relay does).
fn deliver(peer: &mut Side, sup: &mut Side, now: i64) -> Vec<Applied> {
    let mut out = Vec::new();
    for env in peer.store.pending_envelopes().expect("pending") {
        out.push(sup.store.receive(&env.bytes, now).expect("applies"));
        peer.store.mark_posted(&env.id).expect("posted");
    }
    out
}

fn sync(peer: &mut Side, sup: &mut Side, items: &[ShareableItem], now: i64) -> Vec<Applied> {
    peer.store.recheck_outbox(items, now).expect("recheck");
    peer.store.prepare_outbox(items, now).expect("prepare");
    deliver(peer, sup, now)
}

fn held_keys(sup: &mut Side, now: i64) -> Vec<String> {
    sup.store
        .received_items(None, now)
        .expect("items")
        .into_iter()
        .map(|i| i.meta.key())
        .collect()
}

#[test]
fn supporter_gets_exactly_the_granted_items_and_loses_them_on_revocation() {
    let (mut peer, mut sup) = (side(), side());
    let conn = paired(&mut peer, &mut sup);
    let items = vec![
        entry("e1", &["family"], "canary-family-1"),
        entry("e2", &["work"], "canary-work-2"),
        entry("e3", &["Family", "work"], "canary-both-3"),
        checkin("k1"),
    ];
    // Nothing granted yet: nothing goes out.
    sync(&mut peer, &mut sup, &items, T0 + 1);
    assert!(held_keys(&mut sup, T0 + 1).is_empty());

    let g = peer
        .store
        .grant(
            &conn,
            vec![Scope::parse("entries:tag=family").expect("scope")],
            "weekly calls",
            T0 + 30 * DAY,
            T0 + 2,
        )
        .expect("grants");
    sync(&mut peer, &mut sup, &items, T0 + 3);
    assert_eq!(held_keys(&mut sup, T0 + 3), vec!["entry:e1", "entry:e3"]);
    let held = sup.store.held_grants(Some(&conn), T0 + 3).expect("grants");
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].terms.purpose, "weekly calls");
    assert_eq!(held[0].terms.expires_at, T0 + 30 * DAY);

    // Edit e1 -> version 2; remove the tag from e3 -> tombstone.
    let edited = vec![
        entry("e1", &["family"], "canary-family-1-edited"),
        entry("e2", &["work"], "canary-work-2"),
        entry("e3", &["work"], "canary-both-3"),
        checkin("k1"),
    ];
    sync(&mut peer, &mut sup, &edited, T0 + 4);
    let got = sup.store.received_items(None, T0 + 4).expect("items");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].version, 2);
    assert!(matches!(
        &got[0].content,
        SharedContent::Entry { text, .. } if text == "canary-family-1-edited"
    ));

    // Nothing changed: nothing queued.
    peer.store.prepare_outbox(&edited, T0 + 5).expect("prepare");
    assert!(peer.store.pending_envelopes().expect("pending").is_empty());

    // Revoke: the next sync carries no grant and the supporter deletes everything.
    peer.store.revoke(&g.terms.id, T0 + 6).expect("revokes");
    sync(&mut peer, &mut sup, &edited, T0 + 7);
    assert!(held_keys(&mut sup, T0 + 7).is_empty());
    assert!(
        sup.store
            .held_grants(None, T0 + 7)
            .expect("grants")
            .is_empty()
    );

    // The audit log tells the story and verifies.
    let events: Vec<AuditEvent> = peer
        .store
        .audit_records()
        .expect("records")
        .into_iter()
        .map(|r| r.event)
        .collect();
    let disclosed: Vec<(String, u64)> = events
        .iter()
        .filter_map(|e| match e {
            AuditEvent::Disclosed { item, version, .. } => Some((item.clone(), *version)),
            _ => None,
        })
        .collect();
    assert_eq!(
        disclosed,
        vec![
            ("entry:e1".to_string(), 1),
            ("entry:e3".to_string(), 1),
            ("entry:e1".to_string(), 2)
        ]
    );
    assert!(matches!(events[0], AuditEvent::GrantCreated { .. }));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, AuditEvent::GrantRevoked { .. }))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, AuditEvent::Withdrawn { .. }))
    );
    assert_eq!(peer.store.verify_audit().expect("verifies"), events.len());
}

#[test]
fn expiry_removes_everything_on_both_sides_without_a_message() {
    let (mut peer, mut sup) = (side(), side());
    let conn = paired(&mut peer, &mut sup);
    let items = vec![checkin("k1"), checkin("k2")];
    peer.store
        .grant(&conn, vec![Scope::CheckIns], "p", T0 + DAY, T0)
        .expect("grants");
    sync(&mut peer, &mut sup, &items, T0 + 1);
    assert_eq!(held_keys(&mut sup, T0 + 1).len(), 2);
    // Past expiry the supporter's core deletes by itself, even if the peer never syncs again.
    assert!(held_keys(&mut sup, T0 + DAY).is_empty());
    // The peer's next sync sends no item and logs the expiry.
    sync(&mut peer, &mut sup, &items, T0 + DAY + 1);
    let expired = peer
        .store
        .audit_records()
        .expect("records")
        .iter()
        .filter(|r| matches!(r.event, AuditEvent::GrantExpired { .. }))
        .count();
    assert_eq!(expired, 1);
}

#[test]
fn queued_envelopes_that_lost_consent_are_dropped_before_sending() {
    let (mut peer, mut sup) = (side(), side());
    let conn = paired(&mut peer, &mut sup);
    let items = vec![entry("e1", &["family"], "secret")];
    let g = peer
        .store
        .grant(
            &conn,
            vec![Scope::parse("entries:tag=family").expect("scope")],
            "p",
            T0 + DAY,
            T0,
        )
        .expect("grants");
    // Sealed and queued, but the sync is interrupted before posting.
    peer.store.prepare_outbox(&items, T0 + 1).expect("prepare");
    assert_eq!(peer.store.pending_envelopes().expect("pending").len(), 1);
    peer.store.revoke(&g.terms.id, T0 + 2).expect("revokes");
    // The next sync re-decides the queue: the envelope is dropped, never posted.
    assert_eq!(
        peer.store.recheck_outbox(&items, T0 + 3).expect("recheck"),
        1
    );
    peer.store.prepare_outbox(&items, T0 + 3).expect("prepare");
    let pending = peer.store.pending_envelopes().expect("pending");
    assert_eq!(pending.len(), 1, "a revocation message replaces it");
    deliver(&mut peer, &mut sup, T0 + 3);
    assert!(held_keys(&mut sup, T0 + 3).is_empty());
    assert!(
        peer.store
            .audit_records()
            .expect("records")
            .iter()
            .any(|r| matches!(r.event, AuditEvent::Dropped { .. }))
    );
}

#[test]
fn replays_reorders_swaps_and_forgeries_are_refused() {
    let (mut peer, mut sup) = (side(), side());
    let conn = paired(&mut peer, &mut sup);
    peer.store
        .grant(&conn, vec![Scope::CheckIns], "p", T0 + DAY, T0)
        .expect("grants");
    peer.store
        .prepare_outbox(&[checkin("k1")], T0 + 1)
        .expect("prepare");
    peer.store
        .prepare_outbox(&[checkin("k1"), checkin("k2")], T0 + 2)
        .expect("prepare");
    let envs = peer.store.pending_envelopes().expect("pending");
    assert_eq!(envs.len(), 2);
    // Reorder: the newer one first, then the older one is refused as stale.
    assert!(matches!(
        sup.store.receive(&envs[1].bytes, T0 + 3).expect("applies"),
        Applied::Updated { .. }
    ));
    assert!(matches!(
        sup.store.receive(&envs[0].bytes, T0 + 3),
        Err(ReceiveError::Refused(EnvelopeError::Stale))
    ));
    // Replay of an applied envelope: a no-op.
    assert_eq!(
        sup.store.receive(&envs[1].bytes, T0 + 3).expect("no-op"),
        Applied::Duplicate
    );
    // Only the newer envelope's delta was applied: the refused older one is not smuggled in.
    assert_eq!(held_keys(&mut sup, T0 + 3), vec!["checkin:k2"]);
    for e in &envs {
        peer.store.mark_posted(&e.id).expect("posted");
    }

    // Swap: an envelope for another supporter is refused, nothing applied.
    let mut other = side();
    let conn2 = paired(&mut peer, &mut other);
    peer.store
        .grant(&conn2, vec![Scope::CheckIns], "p", T0 + DAY, T0 + 4)
        .expect("grants");
    peer.store
        .prepare_outbox(&[checkin("k3")], T0 + 5)
        .expect("prepare");
    let for_other: Vec<_> = peer
        .store
        .pending_envelopes()
        .expect("pending")
        .into_iter()
        .filter(|e| e.connection_id == conn2)
        .collect();
    assert!(matches!(
        sup.store.receive(&for_other[0].bytes, T0 + 5),
        Err(ReceiveError::Refused(EnvelopeError::WrongRecipient))
    ));

    // Forgery: a stranger who paired elsewhere signs for this connection.
    let mut stranger = side();
    let mut their_sup = side();
    paired(&mut stranger, &mut their_sup);
    let me = stranger.store.identity().expect("id");
    let sup_keys = sup.store.identity().expect("id").public();
    let forged = super::envelope::seal(
        &me,
        &sup_keys,
        "forged-1",
        &conn,
        99,
        T0,
        &super::envelope::Payload::Update {
            grants: vec![],
            items: vec![],
        },
    );
    assert!(matches!(
        sup.store.receive(&forged, T0 + 6),
        Err(ReceiveError::Refused(EnvelopeError::WrongSender))
    ));
    // Garbage: typed error.
    assert!(matches!(
        sup.store.receive(b"{\"header\":1}", T0 + 6),
        Err(ReceiveError::Refused(EnvelopeError::Malformed))
    ));
    assert_eq!(held_keys(&mut sup, T0 + 6), vec!["checkin:k2"]);
}

#[test]
fn a_peer_core_that_oversteps_its_grant_is_refused_by_the_supporter() {
    let (mut peer, mut sup) = (side(), side());
    let conn = paired(&mut peer, &mut sup);
    let g = peer
        .store
        .grant(&conn, vec![Scope::CheckIns], "p", T0 + DAY, T0)
        .expect("grants");
    // A buggy or malicious peer core sends an entry under a check-ins grant.
    let me = peer.store.identity().expect("id");
    let sup_keys = sup.store.identity().expect("id").public();
    let bytes = super::envelope::seal(
        &me,
        &sup_keys,
        "overstep",
        &conn,
        5,
        T0,
        &super::envelope::Payload::Update {
            grants: vec![g.signed.clone()],
            items: vec![super::envelope::ItemMessage::Upsert {
                meta: entry("e1", &[], "x").meta().clone(),
                version: 1,
                grant_id: g.terms.id.clone(),
                body: "secret".into(),
            }],
        },
    );
    assert!(matches!(
        sup.store.receive(&bytes, T0 + 1),
        Err(ReceiveError::Refused(EnvelopeError::ConsentViolation))
    ));
    assert!(held_keys(&mut sup, T0 + 1).is_empty());
}

#[test]
fn content_that_is_not_what_its_kind_says_is_refused_whole() {
    let (mut peer, mut sup) = (side(), side());
    let conn = paired(&mut peer, &mut sup);
    let g = peer
        .store
        .grant(&conn, vec![Scope::CheckIns], "p", T0 + DAY, T0)
        .expect("grants");
    let me = peer.store.identity().expect("id");
    let sup_keys = sup.store.identity().expect("id").public();
    // Covered by the grant, but the body is a mood summary's (or not content at all): the app
    // would be handed something its typed contract does not describe.
    for (seq, body) in [
        (5, r#"{"daily":[],"days":90,"weekly":[]}"#.to_string()),
        (6, "not json".to_string()),
    ] {
        let bytes = super::envelope::seal(
            &me,
            &sup_keys,
            &format!("bad-content-{seq}"),
            &conn,
            seq,
            T0,
            &super::envelope::Payload::Update {
                grants: vec![g.signed.clone()],
                items: vec![
                    super::envelope::ItemMessage::Upsert {
                        meta: checkin("k0").meta().clone(),
                        version: 1,
                        grant_id: g.terms.id.clone(),
                        body: checkin("k0").body().to_string(),
                    },
                    super::envelope::ItemMessage::Upsert {
                        meta: checkin("k1").meta().clone(),
                        version: 1,
                        grant_id: g.terms.id.clone(),
                        body,
                    },
                ],
            },
        );
        assert!(matches!(
            sup.store.receive(&bytes, T0 + 1),
            Err(ReceiveError::Refused(EnvelopeError::Malformed))
        ));
    }
    // Nothing of either envelope was applied, not even the well-formed item.
    assert!(held_keys(&mut sup, T0 + 1).is_empty());
}

#[test]
fn hello_needs_the_invite_secret_and_pairing_is_idempotent() {
    let (mut peer, mut sup) = (side(), side());
    let invite = sup
        .store
        .create_invite("http://127.0.0.1:1", "mbox", "cap", "Sam Supportername", T0)
        .expect("invite");
    let mut tampered = invite.clone();
    tampered.pair_secret = [7u8; 32];
    peer.store
        .pair(&tampered.encode(), "Pat Peername", T0)
        .expect("pairs locally");
    let env = &peer.store.pending_envelopes().expect("pending")[0];
    assert!(matches!(
        sup.store.receive(&env.bytes, T0),
        Err(ReceiveError::Refused(EnvelopeError::UnknownInvite))
    ));
    assert!(sup.store.connections().expect("list").is_empty());
    // Pairing again with the same invite returns the same connection.
    let again = peer
        .store
        .pair(&tampered.encode(), "Pat Peername", T0)
        .expect("pairs");
    assert_eq!(peer.store.connections().expect("list").len(), 1);
    assert_eq!(again.id, peer.store.connections().expect("list")[0].id);
}

#[test]
fn nothing_private_reaches_the_data_directories_in_plaintext() {
    let (mut peer, mut sup) = (side(), side());
    let conn = paired(&mut peer, &mut sup);
    let items = vec![entry("e1", &["canarytag"], "CANARY-TEXT-4711")];
    peer.store
        .grant(
            &conn,
            vec![Scope::parse("entries:tag=canarytag").expect("scope")],
            "CANARY-PURPOSE",
            T0 + DAY,
            T0,
        )
        .expect("grants");
    sync(&mut peer, &mut sup, &items, T0 + 1);
    assert_eq!(held_keys(&mut sup, T0 + 1).len(), 1);
    for s in [&peer, &sup] {
        for entry in std::fs::read_dir(s._dir.path()).expect("dir") {
            let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
            for canary in [
                "CANARY-TEXT-4711",
                "canarytag",
                "CANARY-PURPOSE",
                "Pat Peername",
                "Sam Supportername",
            ] {
                assert!(
                    !bytes.windows(canary.len()).any(|w| w == canary.as_bytes()),
                    "{canary} found on disk"
                );
            }
        }
    }
}

#[test]
fn with_the_vault_as_sealer_a_locked_vault_refuses_and_nothing_is_plaintext() {
    use crate::vault::{Vault, VaultOptions};
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = Arc::new(
        Vault::open(
            &dir.path().join("private.db"),
            VaultOptions {
                kdf_iterations: 1000,
            },
        )
        .expect("vault"),
    );
    let mut store = SharingStore::open(dir.path(), vault.clone()).expect("opens");
    // Not set up: nothing can be sealed.
    assert!(matches!(store.identity(), Err(StoreError::Locked)));
    vault.setup("a passphrase").expect("setup");
    let invite = store
        .create_invite("http://127.0.0.1:1", "mbox", "cap", "SUPPORTER-NAME", T0)
        .expect("invite");
    let before = store.identity().expect("identity").public();
    vault.lock();
    assert!(matches!(
        store.create_invite("http://127.0.0.1:1", "m", "c", "X", T0),
        Err(SharingError::Store(StoreError::Locked))
    ));
    vault.unlock("a passphrase").expect("unlock");
    store = SharingStore::open(dir.path(), vault.clone()).expect("reopens");
    assert_eq!(store.identity().expect("identity").public(), before);
    assert!(store.open_invite(&invite.id).expect("reads").is_some());
    for entry in std::fs::read_dir(dir.path()).expect("dir") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
        assert!(!bytes.windows(14).any(|w| w == b"SUPPORTER-NAME"));
    }
}
