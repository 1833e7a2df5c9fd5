//! Consent-gated sync end to end over real HTTP: a real relay on 127.0.0.1, a peer's and a
//! supporter's sharing stores on real SQLite files.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Relay, Side, checkin, course_progress, entry, files_containing, mood_trends, pair};
use lantern_core::consent::Scope;
use lantern_core::sharing::audit::AuditEvent;
use lantern_core::sharing::engine::{SyncHooks, SyncPhase, SyncProgress};
use lantern_core::sharing::envelope::{self, Payload};
use lantern_core::sharing::relay_client::RelayClient;
use lantern_core::sharing::{ShareableItem, SharingError};

const DAY: i64 = 86_400;

fn now() -> i64 {
    lantern_core::sharing::unix_now()
}

fn world() -> Vec<ShareableItem> {
    vec![
        entry("e1", &["family"], "canary-entry-one"),
        entry("e2", &["work"], "canary-entry-two"),
        entry("e3", &["Family", "work"], "canary-entry-three"),
        entry("e4", &[], "canary-entry-four"),
        checkin("k1", "canary-checkin-one"),
        checkin("k2", "canary-checkin-two"),
        mood_trends(3.5),
        course_progress(1),
    ]
}

#[test]
fn each_scope_kind_delivers_exactly_its_items_and_revocation_removes_them() {
    let relay = Relay::start();
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let t = now();
    let conn = pair(&relay, &mut peer, &mut sup, t);
    let items = world();

    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("mood-trends", vec!["mood-trends:summary"]),
        ("checkins", vec!["checkin:k1", "checkin:k2"]),
        ("entries:tag=family", vec!["entry:e1", "entry:e3"]),
        ("entry:e4", vec!["entry:e4"]),
        ("course-progress", vec!["course-progress:summary"]),
    ];
    for (i, (scope, expected)) in cases.iter().enumerate() {
        let at = t + 10 * (i as i64 + 1);
        let g = peer
            .s()
            .grant(
                &conn,
                vec![Scope::parse(scope).unwrap()],
                "weekly check-in call",
                at + 30 * DAY,
                at,
            )
            .unwrap();
        peer.s().sync(&items, at + 1).unwrap();
        sup.s().sync(&[], at + 1).unwrap();
        assert_eq!(sup.held(at + 1), *expected, "scope {scope}");
        // Bodies arrive intact.
        for got in sup.s().received_items(None, at + 1).unwrap() {
            let sent = items
                .iter()
                .find(|i| i.meta().key() == got.meta.key())
                .unwrap();
            assert_eq!(&got.content, sent.content());
        }
        let held = sup.s().held_grants(Some(&conn), at + 1).unwrap();
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].terms.expires_at, at + 30 * DAY);

        peer.s().revoke(&g.terms.id, at + 2).unwrap();
        peer.s().sync(&items, at + 3).unwrap();
        let r = sup.s().sync(&[], at + 3).unwrap();
        assert!(sup.held(at + 3).is_empty(), "revoked {scope}");
        assert!(r.deleted as usize >= expected.len());
    }

    // Several grants at once: the union, nothing else.
    let at = t + 100;
    for scope in ["checkins", "entry:e2"] {
        peer.s()
            .grant(&conn, vec![Scope::parse(scope).unwrap()], "p", at + DAY, at)
            .unwrap();
    }
    peer.s().sync(&items, at).unwrap();
    sup.s().sync(&[], at).unwrap();
    assert_eq!(sup.held(at), vec!["checkin:k1", "checkin:k2", "entry:e2"]);
    assert_eq!(
        peer.s().verify_audit().unwrap(),
        peer.s().audit_records().unwrap().len()
    );
}

#[test]
fn no_plaintext_in_the_relay_or_either_data_directory() {
    let relay = Relay::start();
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let t = now();
    let conn = pair(&relay, &mut peer, &mut sup, t);
    let items = vec![
        entry("e1", &["canarytag"], "CANARY-ENTRY-TEXT"),
        checkin("k1", "CANARY-CHECKIN-NOTE"),
    ];
    peer.s()
        .grant(
            &conn,
            vec![
                Scope::parse("entries:tag=canarytag").unwrap(),
                Scope::CheckIns,
            ],
            "CANARY-PURPOSE",
            t + DAY,
            t,
        )
        .unwrap();
    // Post, but let the relay hold the envelopes (the supporter has not fetched yet).
    peer.s().sync(&items, t + 1).unwrap();
    let relay_hits: Vec<String> = [
        "CANARY-ENTRY-TEXT",
        "CANARY-CHECKIN-NOTE",
        "canarytag",
        "CANARY-PURPOSE",
    ]
    .iter()
    .flat_map(|c| files_containing(relay.dir.path(), c.as_bytes()))
    .collect();
    assert!(
        relay_hits.is_empty(),
        "plaintext in relay storage: {relay_hits:?}"
    );
    sup.s().sync(&[], t + 1).unwrap();
    assert_eq!(sup.held(t + 1).len(), 2);
    for canary in [
        "CANARY-ENTRY-TEXT",
        "CANARY-CHECKIN-NOTE",
        "canarytag",
        "CANARY-PURPOSE",
        "Pat Peername",
        "Sam Supportername",
    ] {
        for dir in [peer.dir.path(), sup.dir.path(), relay.dir.path()] {
            let hits = files_containing(dir, canary.as_bytes());
            assert!(hits.is_empty(), "{canary} in {hits:?}");
        }
    }
}

#[test]
fn a_relay_that_swaps_replays_reorders_or_forges_is_detected_and_nothing_wrong_applies() {
    let relay = Relay::start();
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let mut other_sup = Side::new();
    let t = now();
    let conn = pair(&relay, &mut peer, &mut sup, t);
    let conn2 = pair(&relay, &mut peer, &mut other_sup, t);
    for c in [&conn, &conn2] {
        peer.s()
            .grant(c, vec![Scope::CheckIns], "p", t + DAY, t)
            .unwrap();
    }
    // The test plays a hostile relay: it takes the sealed envelopes itself and posts them in
    // the wrong order, twice, and into the wrong mailbox.
    peer.s()
        .prepare_outbox(&[checkin("k1", "one")], t + 1)
        .unwrap();
    peer.s()
        .prepare_outbox(&[checkin("k1", "one"), checkin("k2", "two")], t + 2)
        .unwrap();
    let pending = peer.s().pending_envelopes().unwrap();
    let to_sup: Vec<_> = pending.iter().filter(|e| e.connection_id == conn).collect();
    let to_other: Vec<_> = pending
        .iter()
        .filter(|e| e.connection_id == conn2)
        .collect();
    assert_eq!((to_sup.len(), to_other.len()), (2, 2));
    let client = RelayClient::new(&relay.url()).unwrap();
    let post =
        |env: &lantern_core::sharing::outbox::PendingEnvelope, relay_id: &str, bytes: &[u8]| {
            client
                .post_envelope(&env.mailbox_id, &env.capability, relay_id, bytes)
                .unwrap();
        };
    // Reorder: newer first; replay: the newer one again under another relay id.
    post(to_sup[1], "a1", &to_sup[1].bytes);
    post(to_sup[0], "a2", &to_sup[0].bytes);
    post(to_sup[1], "a3", &to_sup[1].bytes);
    // Swap: the other supporter's envelope into this supporter's mailbox.
    post(to_sup[0], "a4", &to_other[0].bytes);
    // Forge: a stranger's signature, claiming this connection.
    let stranger = lantern_core::sharing::identity::Identity::make();
    let sup_keys = sup.s().identity().unwrap().public();
    let forged = envelope::seal(
        &stranger,
        &sup_keys,
        "forged1",
        &conn,
        50,
        t,
        &Payload::Update {
            grants: vec![],
            items: vec![],
        },
    );
    post(to_sup[0], "a5", &forged);
    // Garbage.
    post(to_sup[0], "a6", b"not an envelope");

    let r = sup.s().sync(&[], t + 3).unwrap();
    assert_eq!(r.applied, 1, "only the genuine newest envelope applies");
    assert_eq!(r.duplicates, 1, "the replay is a no-op");
    assert_eq!(r.refused, 4, "reordered, swapped, forged, garbage");
    // The newer envelope carried only what changed since the older one (k2): the refused
    // older one did not slip in, nor anything from the swap.
    assert_eq!(sup.held(t + 3), vec!["checkin:k2"]);
    // Everything was acknowledged (refused ones too), so nothing is left to block the mailbox.
    let again = sup.s().sync(&[], t + 4).unwrap();
    assert_eq!(again.applied + again.refused + again.duplicates, 0);
}

#[test]
fn crash_between_post_and_bookkeeping_loses_and_duplicates_nothing() {
    let relay = Relay::start();
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let t = now();
    let conn = pair(&relay, &mut peer, &mut sup, t);
    peer.s()
        .grant(&conn, vec![Scope::CheckIns], "p", t + DAY, t)
        .unwrap();
    let items = vec![checkin("k1", "a"), checkin("k2", "b")];
    peer.s().prepare_outbox(&items, t + 1).unwrap();
    // Posted, but the process dies before it records that.
    let client = RelayClient::new(&relay.url()).unwrap();
    for env in peer.s().pending_envelopes().unwrap() {
        client
            .post_envelope(&env.mailbox_id, &env.capability, &env.id, &env.bytes)
            .unwrap();
    }
    peer.reopen();
    let r = peer.s().sync(&items, t + 2).unwrap();
    assert_eq!(
        r.posted, 1,
        "the queued envelope is posted again (relay: duplicate)"
    );
    sup.reopen();
    let r = sup.s().sync(&[], t + 2).unwrap();
    assert_eq!((r.applied, r.duplicates), (1, 0));
    assert_eq!(sup.held(t + 2), vec!["checkin:k1", "checkin:k2"]);
    let disclosed = peer
        .s()
        .audit_records()
        .unwrap()
        .iter()
        .filter(|r| matches!(r.event, AuditEvent::Disclosed { .. }))
        .count();
    assert_eq!(disclosed, 2);
}

#[test]
fn an_unreachable_supporter_relay_does_not_hold_up_the_others() {
    let (relay_a, relay_b) = (Relay::start(), Relay::start());
    let (mut peer, mut sup_a, mut sup_b) = (Side::new(), Side::new(), Side::new());
    let t = now();
    let conn_a = pair(&relay_a, &mut peer, &mut sup_a, t);
    let conn_b = pair(&relay_b, &mut peer, &mut sup_b, t);
    for c in [&conn_a, &conn_b] {
        peer.s()
            .grant(c, vec![Scope::CheckIns], "p", t + DAY, t)
            .unwrap();
    }
    drop(relay_b);
    let items = vec![checkin("k1", "a")];
    let err = peer.s().sync(&items, t + 1).unwrap_err();
    assert!(
        matches!(err, SharingError::Relay(ref e) if e.is_transient()),
        "{err}"
    );
    sup_a.s().sync(&[], t + 1).unwrap();
    assert_eq!(sup_a.held(t + 1), vec!["checkin:k1"]);
    // B's envelope stays queued, in order, for when its relay is back.
    let queued: Vec<_> = peer
        .s()
        .pending_envelopes()
        .unwrap()
        .into_iter()
        .map(|e| e.connection_id)
        .collect();
    assert_eq!(queued, vec![conn_b]);
}

/// Records every progress report; cancels once `stop_at` says so.
struct Recorder {
    seen: Vec<SyncProgress>,
    stop_at: fn(&SyncProgress) -> bool,
    cancelled: bool,
}

impl Recorder {
    fn new(stop_at: fn(&SyncProgress) -> bool) -> Recorder {
        Recorder {
            seen: Vec::new(),
            stop_at,
            cancelled: false,
        }
    }

    fn steps(&self) -> Vec<(SyncPhase, u64, u64)> {
        self.seen
            .iter()
            .map(|p| (p.phase, p.done, p.total))
            .collect()
    }
}

impl SyncHooks for Recorder {
    fn progress(&mut self, progress: SyncProgress) {
        self.cancelled |= (self.stop_at)(&progress);
        self.seen.push(progress);
    }
    fn cancelled(&self) -> bool {
        self.cancelled
    }
}

fn disclosed(side: &mut Side) -> usize {
    side.s()
        .audit_records()
        .unwrap()
        .iter()
        .filter(|r| matches!(r.event, AuditEvent::Disclosed { .. }))
        .count()
}

#[test]
fn progress_is_reported_in_order_and_ends_with_done() {
    let relay = Relay::start();
    let (mut peer, mut sup_a, mut sup_b) = (Side::new(), Side::new(), Side::new());
    let t = now();
    let conn_a = pair(&relay, &mut peer, &mut sup_a, t);
    let conn_b = pair(&relay, &mut peer, &mut sup_b, t);
    for c in [&conn_a, &conn_b] {
        peer.s()
            .grant(c, vec![Scope::CheckIns], "p", t + DAY, t)
            .unwrap();
    }
    let mut rec = Recorder::new(|_| false);
    let r = peer
        .s()
        .sync_with(&[checkin("k1", "canary-progress")], t + 1, &mut rec)
        .unwrap();
    assert_eq!(r.posted, 2);
    use SyncPhase::*;
    assert_eq!(
        rec.steps(),
        vec![(Posting, 1, 2), (Posting, 2, 2), (Done, 2, 2)]
    );
    let mut conns: Vec<_> = rec.seen[..2]
        .iter()
        .map(|p| p.connection_id.clone().unwrap())
        .collect();
    conns.sort();
    let mut expected = vec![conn_a, conn_b];
    expected.sort();
    assert_eq!(conns, expected);
    // Progress carries no content or names.
    let debug = format!("{:?}", rec.seen);
    assert!(!debug.contains("canary") && !debug.contains("Supportername"));

    // The supporter: one page fetched, each envelope applied, then Done.
    for t2 in [t + 2, t + 3] {
        peer.s()
            .sync(&[checkin(&format!("k{t2}"), "x")], t2)
            .unwrap();
    }
    let mut rec = Recorder::new(|_| false);
    let r = sup_a.s().sync_with(&[], t + 4, &mut rec).unwrap();
    assert_eq!(r.applied, 3);
    assert_eq!(
        rec.steps(),
        vec![
            (Fetching, 0, 3),
            (Applying, 1, 3),
            (Applying, 2, 3),
            (Applying, 3, 3),
            (Done, 3, 3)
        ]
    );
}

#[test]
fn cancelled_before_the_start_posts_nothing() {
    let relay = Relay::start();
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let t = now();
    let conn = pair(&relay, &mut peer, &mut sup, t);
    peer.s()
        .grant(&conn, vec![Scope::CheckIns], "p", t + DAY, t)
        .unwrap();
    let items = vec![checkin("k1", "a")];
    let mut rec = Recorder::new(|_| false);
    rec.cancelled = true;
    let err = peer.s().sync_with(&items, t + 1, &mut rec).unwrap_err();
    assert!(matches!(err, SharingError::Cancelled), "{err}");
    assert!(rec.seen.is_empty());
    assert!(peer.s().pending_envelopes().unwrap().is_empty());
    assert_eq!(disclosed(&mut peer), 0);
    let r = sup.s().sync(&[], t + 1).unwrap();
    assert_eq!((r.applied, r.refused), (0, 0));
    assert!(sup.held(t + 1).is_empty());
}

#[test]
fn cancelled_mid_way_then_resumed_delivers_everything_exactly_once() {
    let relay = Relay::start();
    let (mut peer, mut sup_a, mut sup_b) = (Side::new(), Side::new(), Side::new());
    let t = now();
    let conn_a = pair(&relay, &mut peer, &mut sup_a, t);
    let conn_b = pair(&relay, &mut peer, &mut sup_b, t);
    for c in [&conn_a, &conn_b] {
        peer.s()
            .grant(c, vec![Scope::CheckIns], "p", t + DAY, t)
            .unwrap();
    }
    let mut items = vec![checkin("k1", "a"), entry("e1", &["family"], "not granted")];

    // Peer: cancelled after the first post; the other envelope stays queued.
    let mut rec = Recorder::new(|_| true);
    let err = peer.s().sync_with(&items, t + 1, &mut rec).unwrap_err();
    assert!(matches!(err, SharingError::Cancelled), "{err}");
    assert_eq!(rec.steps(), vec![(SyncPhase::Posting, 1, 2)]);
    assert_eq!(peer.s().pending_envelopes().unwrap().len(), 1);
    let r = peer.s().sync(&items, t + 2).unwrap();
    assert_eq!((r.posted, r.disclosed), (1, 0));

    // Two more envelopes for each supporter.
    items.push(checkin("k2", "b"));
    peer.s().sync(&items, t + 3).unwrap();
    items.push(checkin("k3", "c"));
    peer.s().sync(&items, t + 4).unwrap();

    // Supporter: cancelled after the first apply; the rest is fetched again next time.
    let mut rec = Recorder::new(|p| p.phase == SyncPhase::Applying);
    let err = sup_a.s().sync_with(&[], t + 5, &mut rec).unwrap_err();
    assert!(matches!(err, SharingError::Cancelled), "{err}");
    assert_eq!(
        rec.steps(),
        vec![(SyncPhase::Fetching, 0, 3), (SyncPhase::Applying, 1, 3)]
    );
    assert_eq!(sup_a.held(t + 5), vec!["checkin:k1"]);
    let r = sup_a.s().sync(&[], t + 6).unwrap();
    assert_eq!((r.applied, r.duplicates, r.refused), (2, 0, 0));

    let expected = vec!["checkin:k1", "checkin:k2", "checkin:k3"];
    assert_eq!(sup_a.held(t + 6), expected);
    let r = sup_b.s().sync(&[], t + 6).unwrap();
    assert_eq!((r.applied, r.duplicates, r.refused), (3, 0, 0));
    assert_eq!(sup_b.held(t + 6), expected);
    // Each item disclosed once per supporter, and the chain holds.
    assert_eq!(disclosed(&mut peer), 6);
    assert_eq!(
        peer.s().verify_audit().unwrap(),
        peer.s().audit_records().unwrap().len()
    );
}
