//! Reaching out end to end over real HTTP: a real relay on 127.0.0.1, a peer's and supporters'
//! sharing stores on real SQLite files. An alert reaches exactly the supporters whose consent
//! covers alerts, within one sync; a reply returns on the reply channel; ending the consent
//! (revoked or expired) stops both directions; no note or reply text is stored in plaintext
//! anywhere, the relay included.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Relay, Side, checkin, files_containing, pair_with_reply_channel};
use lantern_core::consent::{ItemKind, Scope};
use lantern_core::sharing::audit::AuditEvent;
use lantern_core::sharing::reach::{
    QuickReply, ReachError, ReplyAnswer, ReplyDirection, ReplyTarget,
};
use lantern_core::sharing::{ShareableItem, SharedContent, SharingError};

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

fn now() -> i64 {
    lantern_core::sharing::unix_now()
}

fn alert_target(id: &str) -> ReplyTarget {
    ReplyTarget {
        kind: ItemKind::Alert,
        item_id: id.into(),
    }
}

fn quick(reply: QuickReply) -> ReplyAnswer {
    ReplyAnswer::Quick { reply }
}

/// Alert keys a supporter holds.
fn alerts_held(sup: &mut Side, at: i64) -> Vec<String> {
    sup.held(at)
        .into_iter()
        .filter(|k| k.starts_with("alert:"))
        .collect()
}

#[test]
fn an_alert_reaches_exactly_the_supporters_with_the_alerts_scope_within_one_sync() {
    let relay = Relay::start();
    let mut peer = Side::new();
    let (mut with_alerts, mut checkins_only, mut no_consent) =
        (Side::new(), Side::new(), Side::new());
    let t = now();
    let a = pair_with_reply_channel(&relay, &mut peer, &mut with_alerts, "Sam", t);
    let b = pair_with_reply_channel(&relay, &mut peer, &mut checkins_only, "Robin", t);
    pair_with_reply_channel(&relay, &mut peer, &mut no_consent, "Kim", t);
    peer.s()
        .grant(
            &a,
            vec![Scope::Alerts],
            "call me when I need it",
            t + 30 * DAY,
            t,
        )
        .unwrap();
    peer.s()
        .grant(&b, vec![Scope::CheckIns], "weekly calls", t + 30 * DAY, t)
        .unwrap();
    let items: Vec<ShareableItem> = vec![checkin("k1", "slept badly")];
    peer.s().sync(&items, t).unwrap();

    let alert = peer
        .s()
        .queue_alert(Some("  rough night, need to talk  ".into()), t + 1)
        .unwrap();
    assert_eq!(alert.note.as_deref(), Some("rough night, need to talk"));
    let to: Vec<&str> = alert
        .recipients
        .iter()
        .map(|r| r.connection_id.as_str())
        .collect();
    assert_eq!(
        to,
        vec![a.as_str()],
        "only the supporter whose consent covers alerts"
    );
    let (posted, error) = peer.s().post_now(&items, t + 1).unwrap();
    assert!(error.is_none());
    assert_eq!(posted, 1);
    assert!(
        !peer
            .s()
            .is_queued(&alert.recipients[0].envelope_id)
            .unwrap()
    );

    // One sync each.
    let r = with_alerts.s().sync(&[], t + 2).unwrap();
    assert_eq!(r.alerts_received, 1);
    let got = with_alerts.s().received_items(Some(&a), t + 2).unwrap();
    let held = got.iter().find(|i| i.meta.kind == ItemKind::Alert).unwrap();
    assert_eq!(held.meta.id, alert.id);
    assert_eq!(
        held.content,
        SharedContent::Alert {
            note: Some("rough night, need to talk".into()),
            sent_at_ms: (t + 1) * 1000,
        }
    );
    for other in [&mut checkins_only, &mut no_consent] {
        let r = other.s().sync(&[], t + 2).unwrap();
        assert_eq!(r.alerts_received, 0);
        assert!(alerts_held(other, t + 2).is_empty());
    }
    assert_eq!(checkins_only.held(t + 2), vec!["checkin:k1"]);

    // Audited like every disclosure; the log still verifies.
    let disclosed: Vec<AuditEvent> = peer
        .s()
        .audit_records()
        .unwrap()
        .into_iter()
        .map(|r| r.event)
        .filter(|e| matches!(e, AuditEvent::Disclosed { item, .. } if item.starts_with("alert:")))
        .collect();
    assert_eq!(disclosed.len(), 1);
    assert!(peer.s().verify_audit().is_ok());

    // An alert is an event: a supporter given the scope later does not get earlier alerts,
    // and no later sync sends it again.
    peer.s()
        .grant(&b, vec![Scope::Alerts], "also alerts", t + 30 * DAY, t + 3)
        .unwrap();
    peer.s().sync(&items, t + 3).unwrap();
    assert_eq!(
        checkins_only.s().sync(&[], t + 3).unwrap().alerts_received,
        0
    );
    assert_eq!(with_alerts.s().sync(&[], t + 3).unwrap().alerts_received, 0);
    assert_eq!(alerts_held(&mut with_alerts, t + 3).len(), 1);

    // Too long a note is refused before anything is queued.
    let err = peer
        .s()
        .queue_alert(Some("x".repeat(281)), t + 4)
        .unwrap_err();
    assert!(matches!(err, SharingError::Reach(ReachError::BadText)));
    assert_eq!(peer.s().sent_alerts().unwrap().len(), 1);
}

#[test]
fn a_reply_returns_and_the_peer_sees_who_answered_what_and_when() {
    let relay = Relay::start();
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let t = now();
    let conn = pair_with_reply_channel(&relay, &mut peer, &mut sup, "Sam", t);
    peer.s()
        .grant(
            &conn,
            vec![Scope::Alerts, Scope::CheckIns],
            "support",
            t + 30 * DAY,
            t,
        )
        .unwrap();
    let items = vec![checkin("k1", "hard day")];
    peer.s().sync(&items, t).unwrap();
    let alert = peer.s().queue_alert(None, t + 1).unwrap();
    peer.s().sync(&items, t + 1).unwrap();
    sup.s().sync(&[], t + 2).unwrap();

    let r1 = sup
        .s()
        .queue_reply(
            &conn,
            alert_target(&alert.id),
            quick(QuickReply::CallingNow),
            t + 3,
        )
        .unwrap();
    let r2 = sup
        .s()
        .queue_reply(
            &conn,
            ReplyTarget::parse("checkin:k1").unwrap(),
            ReplyAnswer::Text {
                text: " Proud of you for writing it down. ".into(),
            },
            t + 4,
        )
        .unwrap();
    // Not held: never shared, or another peer's.
    assert!(matches!(
        sup.s()
            .queue_reply(
                &conn,
                ReplyTarget::parse("entry:e9").unwrap(),
                quick(QuickReply::OnMyWay),
                t + 4
            )
            .unwrap_err(),
        SharingError::Reach(ReachError::NotHeld)
    ));
    // The peer's side does not reply (no channel that way).
    assert!(matches!(
        peer.s()
            .queue_reply(
                &conn,
                alert_target(&alert.id),
                quick(QuickReply::OnMyWay),
                t + 4
            )
            .unwrap_err(),
        SharingError::Reach(ReachError::NotTheSupportingSide)
    ));
    let s = sup.s().sync(&[], t + 5).unwrap();
    assert_eq!(s.posted, 2);

    let p = peer.s().sync(&items, t + 6).unwrap();
    assert_eq!(p.replies_received, 2);
    let got = peer.s().replies(None).unwrap();
    assert_eq!(got.len(), 2);
    let by_id = |id: &str| got.iter().find(|r| r.id == id).unwrap();
    let (g1, g2) = (by_id(&r1.id), by_id(&r2.id));
    assert_eq!(g1.direction, ReplyDirection::Received);
    assert_eq!(g1.connection_id, conn);
    assert_eq!(g1.in_reply_to, alert_target(&alert.id));
    assert_eq!(g1.answer, quick(QuickReply::CallingNow));
    assert_eq!(g1.sent_at, t + 3);
    assert_eq!(g2.in_reply_to.key(), "checkin:k1");
    assert_eq!(g2.answer.words(), "Proud of you for writing it down.");
    assert_eq!(g2.sent_at, t + 4);
    // The supporter keeps what it sent.
    let sent = sup.s().replies(Some(&conn)).unwrap();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|r| r.direction == ReplyDirection::Sent));
    // Applied once: a second sync changes nothing.
    assert_eq!(peer.s().sync(&items, t + 7).unwrap().replies_received, 0);
    assert_eq!(peer.s().replies(None).unwrap().len(), 2);
}

#[test]
fn revoking_the_consent_stops_alerts_and_replies_both_ways() {
    let relay = Relay::start();
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let t = now();
    let conn = pair_with_reply_channel(&relay, &mut peer, &mut sup, "Sam", t);
    let g = peer
        .s()
        .grant(&conn, vec![Scope::Alerts], "alerts", t + 30 * DAY, t)
        .unwrap();
    peer.s().sync(&[], t).unwrap();
    let first = peer.s().queue_alert(Some("first".into()), t + 1).unwrap();
    peer.s().sync(&[], t + 1).unwrap();
    sup.s().sync(&[], t + 1).unwrap();
    assert_eq!(alerts_held(&mut sup, t + 1).len(), 1);

    // The supporter answers; the peer revokes before that reply arrives, and before a second
    // alert leaves the outbox.
    sup.s()
        .queue_reply(
            &conn,
            alert_target(&first.id),
            quick(QuickReply::CallingNow),
            t + 2,
        )
        .unwrap();
    sup.s().sync(&[], t + 2).unwrap();
    let second = peer.s().queue_alert(Some("second".into()), t + 3).unwrap();
    assert_eq!(second.recipients.len(), 1);
    peer.s().revoke(&g.terms.id, t + 4).unwrap();

    // Peer -> supporter: the queued alert is dropped unsent, and no new one is queued.
    let r = peer.s().sync(&[], t + 5).unwrap();
    assert_eq!(r.dropped, 1);
    assert!(
        !peer
            .s()
            .is_queued(&second.recipients[0].envelope_id)
            .unwrap()
    );
    assert!(
        peer.s()
            .queue_alert(None, t + 5)
            .unwrap()
            .recipients
            .is_empty()
    );
    // Supporter -> peer: the reply that was in flight is refused on arrival.
    assert_eq!(r.replies_received, 0);
    assert_eq!(r.refused, 1);
    assert!(peer.s().replies(None).unwrap().is_empty());

    // The supporter's copy is deleted at its next sync, and it can no longer answer it.
    let s = sup.s().sync(&[], t + 6).unwrap();
    assert_eq!(s.alerts_received, 0);
    assert!(s.deleted >= 1);
    assert!(alerts_held(&mut sup, t + 6).is_empty());
    assert!(matches!(
        sup.s()
            .queue_reply(
                &conn,
                alert_target(&first.id),
                quick(QuickReply::OnMyWay),
                t + 6
            )
            .unwrap_err(),
        SharingError::Reach(ReachError::NotHeld)
    ));
    assert!(peer.s().verify_audit().is_ok());
}

#[test]
fn an_expired_consent_carries_nothing_either_way() {
    let relay = Relay::start();
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let t = now();
    let conn = pair_with_reply_channel(&relay, &mut peer, &mut sup, "Sam", t);
    peer.s()
        .grant(&conn, vec![Scope::Alerts], "one hour", t + HOUR, t)
        .unwrap();
    peer.s().sync(&[], t).unwrap();
    let alert = peer.s().queue_alert(None, t + 1).unwrap();
    peer.s().sync(&[], t + 1).unwrap();
    sup.s().sync(&[], t + 1).unwrap();
    // A reply queued and posted while the consent lasted, applied by the peer after it ended.
    sup.s()
        .queue_reply(
            &conn,
            alert_target(&alert.id),
            quick(QuickReply::TextingIn10Minutes),
            t + 2,
        )
        .unwrap();
    sup.s().sync(&[], t + 2).unwrap();

    let late = t + 2 * HOUR;
    let r = peer.s().sync(&[], late).unwrap();
    assert_eq!((r.replies_received, r.refused), (0, 1));
    assert!(
        peer.s()
            .queue_alert(None, late)
            .unwrap()
            .recipients
            .is_empty()
    );
    assert!(alerts_held(&mut sup, late).is_empty());
    assert!(matches!(
        sup.s()
            .queue_reply(
                &conn,
                alert_target(&alert.id),
                quick(QuickReply::CallingNow),
                late
            )
            .unwrap_err(),
        SharingError::Reach(ReachError::NotHeld)
    ));
}

#[test]
fn an_alert_queued_while_the_relay_is_down_goes_out_with_the_next_sync() {
    let relay = Relay::start();
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let t = now();
    let conn = pair_with_reply_channel(&relay, &mut peer, &mut sup, "Sam", t);
    peer.s()
        .grant(&conn, vec![Scope::Alerts], "alerts", t + DAY, t)
        .unwrap();
    peer.s().sync(&[], t).unwrap();
    let listen = relay.handle.url().trim_start_matches("http://").to_string();
    let db = relay.dir.path().join("relay.db");
    let Relay { handle, dir } = relay;
    handle.shutdown().unwrap();

    let alert = peer
        .s()
        .queue_alert(Some("are you there".into()), t + 1)
        .unwrap();
    let (posted, error) = peer.s().post_now(&[], t + 1).unwrap();
    assert_eq!(posted, 0);
    assert!(error.is_some(), "the relay is down");
    assert!(
        peer.s()
            .is_queued(&alert.recipients[0].envelope_id)
            .unwrap()
    );

    // The relay comes back on the same address and storage; the next sync delivers.
    let handle = lantern_relay::spawn(lantern_relay::Config {
        listen: listen.parse().unwrap(),
        database: format!("sqlite:{}", db.display()),
        rate_per_ip: 0.0,
        rate_per_key: 0.0,
        ..lantern_relay::Config::default()
    })
    .unwrap();
    let relay = Relay { handle, dir };
    assert_eq!(peer.s().sync(&[], t + 2).unwrap().posted, 1);
    assert_eq!(sup.s().sync(&[], t + 2).unwrap().alerts_received, 1);
    drop(relay);
}

#[test]
fn no_note_or_reply_text_in_the_relay_or_either_data_directory() {
    let relay = Relay::start();
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let t = now();
    let conn = pair_with_reply_channel(&relay, &mut peer, &mut sup, "Sam", t);
    peer.s()
        .grant(&conn, vec![Scope::Alerts], "alerts", t + DAY, t)
        .unwrap();
    peer.s().sync(&[], t).unwrap();
    let alert = peer
        .s()
        .queue_alert(Some("CANARY-ALERT-NOTE".into()), t + 1)
        .unwrap();
    peer.s().post_now(&[], t + 1).unwrap();
    sup.s().sync(&[], t + 2).unwrap();
    sup.s()
        .queue_reply(
            &conn,
            alert_target(&alert.id),
            ReplyAnswer::Text {
                text: "CANARY-REPLY-TEXT".into(),
            },
            t + 3,
        )
        .unwrap();
    sup.s()
        .queue_reply(
            &conn,
            alert_target(&alert.id),
            quick(QuickReply::CallingNow),
            t + 3,
        )
        .unwrap();
    // Posted but not yet fetched: the relay holds the reply envelopes now.
    sup.s().sync(&[], t + 4).unwrap();
    let scan = |label: &str, peer: &Side, sup: &Side| {
        for canary in [
            "CANARY-ALERT-NOTE",
            "CANARY-REPLY-TEXT",
            QuickReply::CallingNow.words(),
            "calling-now",
        ] {
            for dir in [relay.dir.path(), peer.dir.path(), sup.dir.path()] {
                assert!(
                    files_containing(dir, canary.as_bytes()).is_empty(),
                    "{label}: {canary} found in plaintext"
                );
            }
        }
    };
    scan("in flight", &peer, &sup);
    assert_eq!(peer.s().sync(&[], t + 5).unwrap().replies_received, 2);
    let words: Vec<String> = peer
        .s()
        .replies(None)
        .unwrap()
        .iter()
        .map(|r| r.answer.words())
        .collect();
    assert!(words.contains(&"CANARY-REPLY-TEXT".to_string()));
    peer.reopen();
    sup.reopen();
    scan("delivered", &peer, &sup);
}
