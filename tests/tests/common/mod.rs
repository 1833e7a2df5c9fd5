//! Helpers for the sharing end-to-end tests: a real relay on 127.0.0.1 (SQLite in a temp dir)
//! and peer/supporter sharing stores on real files that can be closed and reopened ("crash").
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use lantern_core::crypto::hazmat::make_key;
use lantern_core::journal::MoodPoint;
use lantern_core::sharing::sealer::KeySealer;
use lantern_core::sharing::{ShareableItem, SharedContent, SharedUnitProgress, SharingStore};
use lantern_relay::{Config, RelayHandle};

/// A relay running in-process on a free loopback port, storing in a temp dir.
pub struct Relay {
    pub handle: RelayHandle,
    pub dir: tempfile::TempDir,
}

impl Relay {
    pub fn start() -> Relay {
        Self::start_with(|_| {})
    }

    /// As [`Relay::start`], with the configuration changed by `tweak` first.
    pub fn start_with(tweak: impl FnOnce(&mut Config)) -> Relay {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: format!("sqlite:{}", dir.path().join("relay.db").display()),
            rate_per_ip: 0.0,
            rate_per_key: 0.0,
            ..Config::default()
        };
        tweak(&mut config);
        Relay {
            handle: lantern_relay::spawn(config).unwrap(),
            dir,
        }
    }

    pub fn url(&self) -> String {
        self.handle.url()
    }
}

/// One installation's sharing store on disk. The sealer (its key, and the rollback mark it
/// keeps as the vault would in `private.db`) outlives the store, so the store can be reopened
/// after a crash.
pub struct Side {
    pub dir: tempfile::TempDir,
    sealer: Arc<KeySealer>,
    pub store: Option<SharingStore>,
}

impl Side {
    pub fn new() -> Side {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Side {
            dir,
            sealer: Arc::new(KeySealer::new(make_key())),
            store: None,
        };
        s.reopen();
        s
    }

    /// Drops the open store (as a crash would) and opens it again from disk.
    pub fn reopen(&mut self) {
        self.store = None;
        let sealer = self.sealer.clone();
        self.store = Some(SharingStore::open(self.dir.path(), sealer).unwrap());
    }

    pub fn s(&mut self) -> &mut SharingStore {
        self.store.as_mut().unwrap()
    }

    /// Item keys held (as a supporter) at `now`, sorted.
    pub fn held(&mut self, now: i64) -> Vec<String> {
        self.s()
            .received_items(None, now)
            .unwrap()
            .into_iter()
            .map(|i| i.meta.key())
            .collect()
    }
}

pub fn entry(id: &str, tags: &[&str], text: &str) -> ShareableItem {
    ShareableItem::new(
        id,
        SharedContent::Entry {
            text: text.into(),
            mood: Some(3),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            created_at_ms: 1_800_000_000_000,
            edited_at_ms: None,
        },
    )
}

pub fn checkin(id: &str, note: &str) -> ShareableItem {
    ShareableItem::new(
        id,
        SharedContent::CheckIn {
            mood: 3,
            note: Some(note.into()),
            created_at_ms: 1_800_000_000_000,
        },
    )
}

/// The mood trend summary with one day averaging `average`.
pub fn mood_trends(average: f64) -> ShareableItem {
    ShareableItem::new(
        "summary",
        SharedContent::MoodTrends {
            days: 90,
            daily: vec![MoodPoint {
                period_start: "2027-01-15".into(),
                average,
                samples: 2,
            }],
            weekly: vec![],
        },
    )
}

/// The course progress summary: one unit, `read` sections read.
pub fn course_progress(read: u32) -> ShareableItem {
    ShareableItem::new(
        "summary",
        SharedContent::CourseProgress {
            units: vec![SharedUnitProgress {
                unit_id: "peer-supporter".into(),
                sections_read: read,
                sections_total: 11,
                self_checks_answered: 0,
                self_checks_correct: 0,
                self_checks_total: 3,
            }],
        },
    )
}

/// Supporter invites through the relay, peer pairs, both sync: returns the connection id.
pub fn pair(relay: &Relay, peer: &mut Side, sup: &mut Side, now: i64) -> String {
    let invite = sup
        .s()
        .invite_via_relay(&relay.url(), "Sam Supportername", now)
        .unwrap();
    let conn = peer
        .s()
        .pair(&invite.encode(), "Pat Peername", now)
        .unwrap();
    peer.s().sync(&[], now).unwrap();
    let r = sup.s().sync(&[], now).unwrap();
    assert_eq!(r.paired, 1);
    assert_eq!(
        peer.s().safety_number(&conn.id).unwrap(),
        sup.s().safety_number(&conn.id).unwrap()
    );
    conn.id
}

/// Every file under `dir` (recursively) that contains `needle`.
pub fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p)
                && bytes.windows(needle.len()).any(|w| w == needle)
            {
                hits.push(p.display().to_string());
            }
        }
    }
    hits
}

/// Pairs through the relay as the apps do (`pair_via_relay`, which sets up the reply channel),
/// both sides syncing until the peer holds the connection's own capability and the supporter
/// may reply. Returns the connection id.
pub fn pair_with_reply_channel(
    relay: &Relay,
    peer: &mut Side,
    sup: &mut Side,
    sup_name: &str,
    now: i64,
) -> String {
    let invite = sup
        .s()
        .invite_via_relay(&relay.url(), sup_name, now)
        .unwrap();
    let conn = peer
        .s()
        .pair_via_relay(&invite.encode(), "Pat Peername", now)
        .unwrap();
    peer.s().sync(&[], now).unwrap();
    let r = sup.s().sync(&[], now).unwrap();
    assert_eq!((r.paired, r.capabilities_issued), (1, 1));
    let r = peer.s().sync(&[], now).unwrap();
    assert_eq!(r.capabilities_replaced, 1);
    conn.id
}
