//! Content-free wake-ups end to end: the supporter's core registers a push endpoint (on
//! 127.0.0.1, started by the test) with the relay holding its mailbox; the peer's sync posts an
//! envelope; the endpoint receives the core's token and nothing else; the supporter recognises
//! it and syncs. Moving and turning wake-ups off are honoured by the relay.
#![allow(clippy::unwrap_used)]

mod common;

#[path = "../../relay/tests/common/wake.rs"]
mod wake;

use std::time::Duration;

use common::{Relay, Side, checkin, files_containing, pair};
use lantern_core::consent::Scope;
use lantern_core::sharing::SharingError;
use lantern_core::sharing::push::PushError;
use lantern_core::sharing::relay_client::RelayError;
use wake::WakeEndpoint;

fn now() -> i64 {
    lantern_core::sharing::unix_now()
}

fn relay_for_tests() -> Relay {
    Relay::start_with(|c| {
        c.push_allow_http = true;
        c.push_allow_private_addresses = true;
        c.push_interval_ms = 100;
        c.push_initial_backoff_ms = 50;
    })
}

#[test]
fn a_shared_item_wakes_the_supporters_endpoint_with_the_token_only() {
    let relay = relay_for_tests();
    let endpoint = WakeEndpoint::start();
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let t = now();
    let conn = pair(&relay, &mut peer, &mut sup, t);
    let url = endpoint.url("/up/supporter");
    let state = sup.s().enable_push(&url).unwrap();
    assert_eq!(state.endpoint, url);
    assert_eq!(state.registered_relays, vec![relay.url()]);
    assert!(state.pending_relays.is_empty());
    // Enabling again changes nothing at the relay (same registration).
    sup.s().enable_push(&url).unwrap();

    peer.s()
        .grant(
            &conn,
            vec![Scope::parse("checkins").unwrap()],
            "daily",
            t + 86_400,
            t,
        )
        .unwrap();
    peer.s()
        .sync(&[checkin("k1", "canary-note-for-push")], t + 1)
        .unwrap();
    let wakes = endpoint.wait_for(1, Duration::from_secs(10));
    assert_eq!(wakes.len(), 1);
    let body = &wakes[0].body;
    assert!(!body.is_empty());
    assert!(!String::from_utf8_lossy(body).contains("canary"));
    assert!(sup.s().is_push_wake(body).unwrap());
    assert!(!sup.s().is_push_wake(b"someone-else-token-000000").unwrap());
    assert!(
        !peer.s().is_push_wake(body).unwrap(),
        "the peer has no wake-ups on"
    );
    // The wake-up leads to a sync that brings the item.
    sup.s().sync(&[], t + 2).unwrap();
    assert_eq!(sup.held(t + 2), vec!["checkin:k1"]);
    // The endpoint and token are sealed on the supporter's disk.
    drop(sup.store.take());
    assert!(files_containing(sup.dir.path(), b"/up/supporter").is_empty());
    assert!(files_containing(sup.dir.path(), body).is_empty());
    sup.reopen();
    assert!(sup.s().is_push_wake(body).unwrap(), "kept across a restart");
}

#[test]
fn moving_or_turning_off_wake_ups_is_honoured_by_the_relay() {
    let relay = relay_for_tests();
    let (old, new) = (WakeEndpoint::start(), WakeEndpoint::start());
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let t = now();
    let conn = pair(&relay, &mut peer, &mut sup, t);
    peer.s()
        .grant(
            &conn,
            vec![Scope::parse("checkins").unwrap()],
            "daily",
            t + 86_400,
            t,
        )
        .unwrap();
    sup.s().enable_push(&old.url("/up/old")).unwrap();
    let moved = sup.s().enable_push(&new.url("/up/new")).unwrap();
    assert_eq!(moved.registered_relays, vec![relay.url()]);
    peer.s().sync(&[checkin("k1", "one")], t + 1).unwrap();
    let got = new.wait_for(1, Duration::from_secs(10));
    assert_eq!(got.len(), 1);
    assert!(sup.s().is_push_wake(&got[0].body).unwrap());
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        old.wakes().is_empty(),
        "the old endpoint was woken after the move"
    );

    sup.s().disable_push().unwrap();
    assert_eq!(sup.s().push_state().unwrap(), None);
    std::thread::sleep(Duration::from_millis(200));
    peer.s().sync(&[checkin("k2", "two")], t + 2).unwrap();
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(new.wakes().len(), 1, "woken after wake-ups were turned off");
}

#[test]
fn bad_endpoints_are_refused_before_or_by_the_relay() {
    let strict = Relay::start(); // the default: public https endpoints only
    let (mut peer, mut sup) = (Side::new(), Side::new());
    pair(&strict, &mut peer, &mut sup, now());
    for bad in [
        "http://push.example.org/up",
        "https://user:pw@push.example.org/up",
        "",
    ] {
        assert!(
            matches!(
                sup.s().enable_push(bad),
                Err(SharingError::Push(PushError::BadEndpoint))
            ),
            "{bad}"
        );
    }
    // A loopback endpoint passes the core's rules (tests) but this relay refuses it.
    let e = sup.s().enable_push("http://127.0.0.1:9/up").unwrap_err();
    assert!(
        matches!(&e, SharingError::Relay(RelayError::Rejected { status: 403, code }) if code == "push_endpoint_refused"),
        "{e:?}"
    );
    // Nothing registered; the relay stays pending for a later try.
    let state = sup.s().push_state().unwrap().unwrap();
    assert!(state.registered_relays.is_empty());
    assert_eq!(state.pending_relays, vec![strict.url()]);
    sup.s().disable_push().unwrap();
    assert_eq!(sup.s().push_state().unwrap(), None);
}
