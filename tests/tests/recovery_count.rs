//! Sharing the recovery count end to end, through the whole core (`Lantern` on real data
//! directories) and a real relay on 127.0.0.1: a supporter with the `recovery-count` scope
//! receives the count and the latest milestone; one without it receives nothing of it; the
//! start date, the time zone and the earlier starts are in no file anywhere, relay included.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{Relay, files_containing};
use lantern_core::api::Lantern;
use lantern_core::consent::Scope;
use lantern_core::sharing::SharedContent;
use lantern_core::vault::VaultOptions;

const PASSPHRASE: &str = "lantern recovery test passphrase";
/// The sealed secrets: the first start (now in the history), the current start, the zone.
const CANARIES: [&str; 4] = ["2019-03-17", "2023-06-11", "Pacific/Chatham", "20190317"];

fn open(dir: &Path) -> Arc<Lantern> {
    let l = Lantern::open_with(dir.to_path_buf(), VaultOptions { kdf_iterations: 2 }).unwrap();
    l.journal().setup(PASSPHRASE.into()).unwrap();
    l
}

/// Pairs `sup` (inviting) with `peer` through the relay; returns the connection id.
fn pair(relay: &Relay, peer: &Lantern, sup: &Lantern, name: &str) -> String {
    let invite = sup
        .sharing()
        .create_invite(relay.url(), name.into())
        .unwrap();
    let conn = peer.sharing().pair(invite, "Pat".into()).unwrap();
    peer.sharing().sync().unwrap();
    assert_eq!(sup.sharing().sync().unwrap().paired, 1);
    conn.id
}

fn leaks(dirs: &[&Path]) -> Vec<String> {
    CANARIES
        .iter()
        .flat_map(|c| dirs.iter().flat_map(|d| files_containing(d, c.as_bytes())))
        .collect()
}

#[test]
fn only_a_supporter_with_the_scope_gets_the_count_and_never_the_start_date() {
    let relay = Relay::start();
    let (peer_dir, with_dir, without_dir) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let peer = open(peer_dir.path());
    let with = open(with_dir.path());
    let without = open(without_dir.path());
    let c_with = pair(&relay, &peer, &with, "Sam");
    let c_without = pair(&relay, &peer, &without, "Alex");

    let recovery = peer.recovery();
    recovery
        .set_start("2019-03-17".into(), "Pacific/Chatham".into())
        .unwrap();
    let status = recovery.reset(Some("2023-06-11".into())).unwrap();
    assert!(status.days > 365, "the current start is years ago");
    assert_eq!(recovery.history().unwrap()[0].start_date, "2019-03-17");
    peer.journal().add_checkin(4, None).unwrap();

    peer.sharing()
        .grant(
            c_with,
            vec![Scope::RecoveryCount],
            "So Sam can cheer my milestones.".into(),
            30 * 86_400,
        )
        .unwrap();
    peer.sharing()
        .grant(
            c_without.clone(),
            vec![Scope::CheckIns],
            "Check-ins only.".into(),
            30 * 86_400,
        )
        .unwrap();
    let sent = peer.sharing().sync().unwrap();
    assert_eq!(
        sent.disclosed, 2,
        "the count to one, the check-in to the other"
    );
    // The relay holds the envelopes now: nothing readable in its storage.
    assert_eq!(leaks(&[relay.dir.path()]), Vec::<String>::new());

    with.sharing().sync().unwrap();
    without.sharing().sync().unwrap();
    let got = with.sharing().inbox(None).unwrap();
    assert_eq!(got.len(), 1);
    // Read the status again: the count is today's (a day may have turned since the reset).
    let status = recovery.status().unwrap().unwrap();
    assert_eq!(
        got[0].content,
        SharedContent::RecoveryCount {
            days: status.days,
            milestone: status.reached.last().map(|m| m.milestone),
        }
    );
    let other = without.sharing().inbox(None).unwrap();
    assert_eq!(other.len(), 1);
    assert!(matches!(other[0].content, SharedContent::CheckIn { .. }));

    // No start date, zone or earlier start anywhere: not on the relay, not at either
    // supporter, not in the peer's own files (sealed).
    assert_eq!(
        leaks(&[
            relay.dir.path(),
            peer_dir.path(),
            with_dir.path(),
            without_dir.path()
        ]),
        Vec::<String>::new()
    );

    // Forgetting the start withdraws the count from the supporter's device at the next sync.
    recovery.clear().unwrap();
    let r = peer.sharing().sync().unwrap();
    assert_eq!(r.withdrawn, 1);
    with.sharing().sync().unwrap();
    assert!(with.sharing().inbox(None).unwrap().is_empty());
}
