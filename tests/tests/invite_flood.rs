//! Invites are used once, expire, and their posting capability dies after pairing (issue: the
//! capability of an already-used invite posted 1,024 x 64 KiB and the peer's revocation then
//! failed with `quota_exceeded`, so the supporter kept the revoked entry). Against a real
//! relay on 127.0.0.1 with a small mailbox quota.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Side, checkin};
use lantern_core::consent::Scope;
use lantern_core::sharing::SharingError;
use lantern_core::sharing::identity::{INVITE_TTL_SECS, Invite, InviteError};
use lantern_core::sharing::relay_client::{RelayClient, RelayError, RetryPolicy};
use lantern_relay::{Config, RelayHandle};

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;
/// Mailbox quota of the test relay: small, so a flood fills it quickly.
const QUOTA: i64 = 40;

fn relay(dir: &tempfile::TempDir) -> RelayHandle {
    lantern_relay::spawn(Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: format!("sqlite:{}", dir.path().join("relay.db").display()),
        rate_per_ip: 0.0,
        rate_per_key: 0.0,
        mailbox_max_envelopes: QUOTA,
        ..Config::default()
    })
    .unwrap()
}

fn no_retry(url: &str) -> RelayClient {
    RelayClient::with_options(
        url,
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
        None,
    )
    .unwrap()
}

/// Pairs through the relay as the apps do (`pair_via_relay`), both sides syncing until the
/// peer holds the connection's own capability. Returns the invite and the connection id.
fn pair_fully(url: &str, peer: &mut Side, sup: &mut Side) -> (Invite, String) {
    let invite = sup.s().invite_via_relay(url, "Sam", NOW).unwrap();
    let conn = peer
        .s()
        .pair_via_relay(&invite.encode(), "Pat", NOW)
        .unwrap();
    assert_eq!(
        peer.s().connection(&conn.id).unwrap().unwrap().capability,
        invite.capability
    );
    peer.s().sync(&[], NOW).unwrap();
    let r = sup.s().sync(&[], NOW).unwrap();
    assert_eq!((r.paired, r.capabilities_issued), (1, 1));
    let r = peer.s().sync(&[], NOW).unwrap();
    assert_eq!(r.capabilities_replaced, 1);
    let own = peer.s().connection(&conn.id).unwrap().unwrap().capability;
    assert_ne!(
        own, invite.capability,
        "the peer posts under its own capability now"
    );
    (invite, conn.id)
}

fn flood(url: &str, mailbox: &str, token: &str, tag: &str, n: usize) -> (usize, Vec<RelayError>) {
    let client = no_retry(url);
    let payload = vec![0x5a; 1024];
    let mut stored = 0;
    let mut refusals = Vec::new();
    for i in 0..n {
        match client.post_envelope(mailbox, token, &format!("{tag}-{i}"), &payload) {
            Ok(_) => stored += 1,
            Err(e) => refusals.push(e),
        }
    }
    (stored, refusals)
}

#[test]
fn a_used_invites_capability_posts_nothing_and_the_revocation_gets_through() {
    let dir = tempfile::tempdir().unwrap();
    let relay = relay(&dir);
    let url = relay.url();
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let (invite, conn) = pair_fully(&url, &mut peer, &mut sup);

    // The peer shares, the supporter receives.
    let items = [checkin("k1", "FLOOD-CANARY")];
    let grant = peer
        .s()
        .grant(
            &conn,
            vec![Scope::parse("checkins").unwrap()],
            "p",
            NOW + DAY,
            NOW,
        )
        .unwrap();
    peer.s().sync(&items, NOW + 1).unwrap();
    sup.s().sync(&[], NOW + 1).unwrap();
    assert_eq!(sup.held(NOW + 1), vec!["checkin:k1"]);

    // The attack: whoever kept a copy of the used invite floods the supporter's mailbox.
    let (stored, refusals) = flood(
        &url,
        &invite.mailbox_id,
        &invite.capability,
        "x",
        2 * QUOTA as usize,
    );
    assert_eq!(
        stored, 0,
        "the used invite's capability was revoked at the relay"
    );
    assert!(
        refusals
            .iter()
            .all(|e| e.code() == Some("capability_revoked")),
        "{refusals:?}"
    );

    // The peer revokes; the revocation is delivered and applied.
    peer.s().revoke(&grant.terms.id, NOW + 2).unwrap();
    peer.s().sync(&items, NOW + 2).unwrap();
    assert!(peer.s().pending_envelopes().unwrap().is_empty());
    sup.s().sync(&[], NOW + 2).unwrap();
    assert!(
        sup.held(NOW + 2).is_empty(),
        "the supporter deleted what it held"
    );

    // Someone else pairing with the used invite gets nowhere: the supporter's core refuses a
    // second Hello, and the relay refuses the invite's capability before that.
    let mut mallory = Side::new();
    mallory
        .s()
        .pair(&invite.encode(), "Mallory", NOW + 3)
        .unwrap();
    let err = mallory.s().sync(&[], NOW + 3).unwrap_err();
    assert!(
        matches!(&err, SharingError::Relay(e) if e.code() == Some("capability_revoked")),
        "{err:?}"
    );
    assert_eq!(sup.s().connections().unwrap().len(), 1);
}

#[test]
fn invites_expire_on_both_sides() {
    let dir = tempfile::tempdir().unwrap();
    let relay = relay(&dir);
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let invite = sup.s().invite_via_relay(&relay.url(), "Sam", NOW).unwrap();
    assert_eq!(invite.expires_at, Some(NOW + INVITE_TTL_SECS));
    // Too late to pair.
    let late = NOW + INVITE_TTL_SECS;
    let err = peer
        .s()
        .pair_via_relay(&invite.encode(), "Pat", late)
        .unwrap_err();
    assert!(
        matches!(err, SharingError::Invite(InviteError::Expired)),
        "{err:?}"
    );
    // Paired in time (offline), but the Hello reaches the supporter after expiry: refused.
    peer.s().pair(&invite.encode(), "Pat", NOW + 10).unwrap();
    peer.s().sync(&[], NOW + 10).unwrap();
    let r = sup.s().sync(&[], late).unwrap();
    // The Hello, and the update behind it on a connection that does not exist, are refused.
    assert_eq!(r.paired, 0);
    assert!(r.refused >= 1, "{r:?}");
    assert!(sup.s().connections().unwrap().is_empty());
}

/// A capability that was never used (a second invite still waiting) fills the mailbox; the
/// peer's revocation must still be delivered: the relay keeps room for every capability
/// (per-capability quotas with a reserve, docs/relay-api.md "Quotas").
#[test]
fn a_flood_from_another_capability_leaves_room_for_the_revocation() {
    let dir = tempfile::tempdir().unwrap();
    let relay = relay(&dir);
    let url = relay.url();
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let (_, conn) = pair_fully(&url, &mut peer, &mut sup);
    let items = [checkin("k1", "FLOOD-CANARY")];
    let grant = peer
        .s()
        .grant(
            &conn,
            vec![Scope::parse("checkins").unwrap()],
            "p",
            NOW + DAY,
            NOW,
        )
        .unwrap();
    peer.s().sync(&items, NOW + 1).unwrap();
    sup.s().sync(&[], NOW + 1).unwrap();
    assert_eq!(sup.held(NOW + 1), vec!["checkin:k1"]);

    let spare = sup.s().invite_via_relay(&url, "Sam", NOW + 1).unwrap();
    let (stored, refusals) = flood(
        &url,
        &spare.mailbox_id,
        &spare.capability,
        "y",
        2 * QUOTA as usize,
    );
    assert!(
        stored > 0 && !refusals.is_empty(),
        "the flood filled the mailbox"
    );
    assert!(refusals.iter().all(RelayError::is_quota), "{refusals:?}");

    peer.s().revoke(&grant.terms.id, NOW + 2).unwrap();
    peer.s().sync(&items, NOW + 2).unwrap();
    sup.s().sync(&[], NOW + 2).unwrap();
    assert!(sup.held(NOW + 2).is_empty());
}
