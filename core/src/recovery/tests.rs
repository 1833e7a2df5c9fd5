#![allow(clippy::unwrap_used)]

use super::*;
use crate::vault::VaultOptions;

fn utc(text: &str) -> i64 {
    text.parse::<Timestamp>().unwrap().as_millisecond()
}

fn open(dir: &Path) -> (Arc<Vault>, RecoveryStore) {
    let path = dir.join("private.db");
    let vault = Arc::new(Vault::open(&path, VaultOptions { kdf_iterations: 2 }).unwrap());
    if !vault.is_set_up().unwrap() {
        vault.setup("harbor lights at dusk").unwrap();
    } else {
        vault.unlock("harbor lights at dusk").unwrap();
    }
    let store = RecoveryStore::open(&path, vault.clone()).unwrap();
    (vault, store)
}

#[test]
fn days_are_counted_on_the_persons_calendar() {
    let dir = tempfile::tempdir().unwrap();
    let (_vault, store) = open(dir.path());
    assert_eq!(store.status(0).unwrap(), None);
    // 23:30 UTC on 10 March is already 11 March in Madrid, still 10 March in New York.
    let now = utc("2026-03-10T23:30:00Z");
    let s = store.set_start("2026-03-04", "Europe/Madrid", now).unwrap();
    assert_eq!((s.today.as_str(), s.days), ("2026-03-11", 7));
    assert_eq!(
        s.reached
            .iter()
            .map(|m| (m.milestone, m.date.as_str(), m.days))
            .collect::<Vec<_>>(),
        vec![
            (Milestone::Hours24, "2026-03-05", 1),
            (Milestone::OneWeek, "2026-03-11", 7)
        ]
    );
    let next = s.next.clone().unwrap();
    assert_eq!(
        (next.milestone, next.date.as_str()),
        (Milestone::Days30, "2026-04-03")
    );
    assert_eq!(s.days_to_next, Some(23));
    assert_eq!(store.status(now).unwrap(), Some(s));
    let ny = store
        .set_start("2026-03-04", "America/New_York", now)
        .unwrap();
    assert_eq!((ny.today.as_str(), ny.days), ("2026-03-10", 6));
    assert_eq!(
        store.shared_count(now).unwrap(),
        Some(SharedCount {
            days: 6,
            milestone: Some(Milestone::Hours24)
        })
    );
    // The first day: nothing reached yet, 24 hours next.
    let first = store
        .set_start("2026-03-10", "America/New_York", now)
        .unwrap();
    assert_eq!(first.days, 0);
    assert!(first.reached.is_empty());
    assert_eq!(first.next.unwrap().milestone, Milestone::Hours24);
    assert_eq!(
        store.shared_count(now).unwrap(),
        Some(SharedCount {
            days: 0,
            milestone: None
        })
    );
}

#[test]
fn bad_dates_and_zones_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (_vault, store) = open(dir.path());
    let now = utc("2026-03-10T12:00:00Z");
    store.set_start("2025-01-01", "Europe/Madrid", now).unwrap();
    for (date, zone) in [
        ("2026-03-11", "Europe/Madrid"),
        ("2026-02-30", "Europe/Madrid"),
        ("26-03-01", "Europe/Madrid"),
        ("yesterday", "Europe/Madrid"),
        ("1899-12-31", "Europe/Madrid"),
        ("2025-01-01", "Europe/Nowhere"),
    ] {
        assert!(
            store.set_start(date, zone, now).is_err(),
            "{date} {zone} accepted"
        );
    }
    assert_eq!(store.status(now).unwrap().unwrap().start_date, "2025-01-01");
    assert!(matches!(
        store.reset(Some("2024-12-31"), now),
        Err(RecoveryError::InvalidInput(_))
    ));
    assert!(matches!(
        store.reset(Some("2026-03-11"), now),
        Err(RecoveryError::InvalidInput(_))
    ));
    assert!(store.history().unwrap().is_empty());
    store.clear().unwrap();
    assert!(matches!(store.reset(None, now), Err(RecoveryError::NotSet)));
}

#[test]
fn reset_keeps_a_sealed_private_history() {
    let dir = tempfile::tempdir().unwrap();
    let (vault, store) = open(dir.path());
    let now = utc("2026-06-01T12:00:00Z");
    store.set_start("2019-03-17", "Europe/Madrid", now).unwrap();
    let s = store.reset(Some("2026-05-02"), now).unwrap();
    assert_eq!((s.start_date.as_str(), s.days), ("2026-05-02", 30));
    let s = store.reset(None, now).unwrap();
    assert_eq!((s.start_date.as_str(), s.days), ("2026-06-01", 0));
    assert_eq!(
        store.history().unwrap(),
        vec![
            PreviousStart {
                start_date: "2026-05-02".into(),
                ended_on: "2026-06-01".into(),
                days: 30
            },
            PreviousStart {
                start_date: "2019-03-17".into(),
                ended_on: "2026-05-02".into(),
                days: 2603
            },
        ]
    );
    // Correcting the start date keeps the history.
    store.set_start("2026-05-31", "Europe/Madrid", now).unwrap();
    assert_eq!(store.history().unwrap().len(), 2);
    drop(store);
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for canary in [&b"2019-03-17"[..], b"2026-05-02", b"Madrid"] {
            assert!(
                !bytes.windows(canary.len()).any(|w| w == canary),
                "plaintext recovery data on disk"
            );
        }
    }
    let (_, store) = open(dir.path());
    vault.lock();
    let store_locked = RecoveryStore::open(&dir.path().join("private.db"), vault.clone()).unwrap();
    assert!(matches!(
        store_locked.status(now),
        Err(RecoveryError::Vault(VaultError::Locked))
    ));
    assert!(matches!(
        store_locked.clear(),
        Err(RecoveryError::Vault(VaultError::Locked))
    ));
    assert_eq!(store.history().unwrap().len(), 2);
    store.clear().unwrap();
    assert_eq!(store.status(now).unwrap(), None);
    assert!(store.history().unwrap().is_empty());
}
