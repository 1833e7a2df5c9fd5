#![allow(clippy::unwrap_used)]

use super::schedule::next_instants;
use super::*;
use crate::vault::VaultOptions;

/// Unix ms of a UTC instant written out by hand (the expected offsets are the zones' published
/// rules, not computed by the code under test).
fn utc(text: &str) -> i64 {
    text.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

fn schedule(zone: &str, days: &[Weekday], times: &[(u8, u8)]) -> ReminderSchedule {
    ReminderSchedule {
        days: days.to_vec(),
        times: times
            .iter()
            .map(|&(hour, minute)| ReminderTime { hour, minute })
            .collect(),
        time_zone: zone.into(),
    }
}

fn next(s: ReminderSchedule, after: &str, count: u32) -> Vec<ReminderInstant> {
    let (s, tz) = s.normalized().unwrap();
    next_instants(&s, &tz, utc(after), count).unwrap()
}

fn at(r: &[ReminderInstant]) -> Vec<(i64, &str, ReminderShift)> {
    r.iter()
        .map(|r| (r.at_ms, r.local_time.as_str(), r.shift))
        .collect()
}

use ReminderShift::{AfterGap, FirstOfRepeated, OnTime};
use Weekday::Sunday;

#[test]
fn new_york_spring_forward_fires_after_the_gap_and_once_for_two_times_in_it() {
    // 2026-03-08: 02:00 EST (-05) jumps to 03:00 EDT (-04); 02:00-02:59 does not exist.
    let r = next(
        schedule("America/New_York", &[Sunday], &[(2, 15), (2, 45), (8, 0)]),
        "2026-03-07T12:00:00Z",
        3,
    );
    assert_eq!(
        at(&r),
        vec![
            (utc("2026-03-08T07:00:00Z"), "03:00", AfterGap),
            (utc("2026-03-08T12:00:00Z"), "08:00", OnTime),
            // A week later, 02:15 exists again (EDT).
            (utc("2026-03-15T06:15:00Z"), "02:15", OnTime),
        ]
    );
    assert_eq!(r[0].local_date, "2026-03-08");
    assert_eq!(r[0].utc_offset_seconds, -4 * 3600);
    assert_eq!(
        r[0].scheduled,
        ReminderTime {
            hour: 2,
            minute: 15
        }
    );
}

#[test]
fn new_york_fall_back_fires_once_at_the_earlier_time() {
    // 2026-11-01: 02:00 EDT (-04) falls back to 01:00 EST (-05); 01:30 happens twice.
    let r = next(
        schedule("America/New_York", &[Sunday], &[(1, 30)]),
        "2026-10-31T12:00:00Z",
        2,
    );
    assert_eq!(
        at(&r),
        vec![
            (utc("2026-11-01T05:30:00Z"), "01:30", FirstOfRepeated),
            (utc("2026-11-08T06:30:00Z"), "01:30", OnTime),
        ]
    );
    // Asked from between the two 01:30s: the second one is not a reminder.
    let r = next(
        schedule("America/New_York", &[Sunday], &[(1, 30)]),
        "2026-11-01T06:00:00Z",
        1,
    );
    assert_eq!(r[0].at_ms, utc("2026-11-08T06:30:00Z"));
}

#[test]
fn madrid_spring_forward_and_fall_back() {
    // 2026-03-29: 02:00 CET (+01) jumps to 03:00 CEST (+02).
    let r = next(
        schedule("Europe/Madrid", &[Sunday], &[(2, 30)]),
        "2026-03-28T00:00:00Z",
        2,
    );
    assert_eq!(
        at(&r),
        vec![
            (utc("2026-03-29T01:00:00Z"), "03:00", AfterGap),
            (utc("2026-04-05T00:30:00Z"), "02:30", OnTime),
        ]
    );
    // 2026-10-25: 03:00 CEST (+02) falls back to 02:00 CET (+01); 02:30 happens twice.
    let r = next(
        schedule("Europe/Madrid", &[Sunday], &[(2, 30)]),
        "2026-10-24T00:00:00Z",
        2,
    );
    assert_eq!(
        at(&r),
        vec![
            (utc("2026-10-25T00:30:00Z"), "02:30", FirstOfRepeated),
            (utc("2026-11-01T01:30:00Z"), "02:30", OnTime),
        ]
    );
}

#[test]
fn sydney_southern_hemisphere_transitions() {
    // 2026-04-05: 03:00 AEDT (+11) falls back to 02:00 AEST (+10); 02:30 happens twice.
    let r = next(
        schedule("Australia/Sydney", &[Sunday], &[(2, 30)]),
        "2026-04-03T00:00:00Z",
        1,
    );
    assert_eq!(
        at(&r),
        vec![(utc("2026-04-04T15:30:00Z"), "02:30", FirstOfRepeated)]
    );
    assert_eq!(r[0].local_date, "2026-04-05");
    assert_eq!(r[0].utc_offset_seconds, 11 * 3600);
    // 2026-10-04: 02:00 AEST (+10) jumps to 03:00 AEDT (+11).
    let r = next(
        schedule("Australia/Sydney", &[Sunday], &[(2, 30)]),
        "2026-10-02T00:00:00Z",
        1,
    );
    assert_eq!(
        at(&r),
        vec![(utc("2026-10-03T16:00:00Z"), "03:00", AfterGap)]
    );
    assert_eq!(r[0].local_date, "2026-10-04");
}

#[test]
fn a_daily_time_keeps_its_clock_time_across_a_change() {
    let r = next(
        schedule("Europe/Madrid", &Weekday::ALL, &[(9, 0)]),
        "2026-03-27T12:00:00Z",
        4,
    );
    assert!(
        r.iter()
            .all(|r| r.local_time == "09:00" && r.shift == OnTime)
    );
    let dates: Vec<&str> = r.iter().map(|r| r.local_date.as_str()).collect();
    assert_eq!(
        dates,
        vec!["2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31"]
    );
    // The night of the change is an hour shorter.
    assert_eq!(r[1].at_ms - r[0].at_ms, 23 * 3_600_000);
    assert_eq!(r[2].at_ms - r[1].at_ms, 24 * 3_600_000);
}

#[test]
fn only_the_chosen_days_and_strictly_after() {
    // Thursday 2026-12-03 08:00 in New York (EST) is 13:00Z.
    let s = schedule(
        "America/New_York",
        &[Weekday::Thursday, Weekday::Monday],
        &[(20, 0), (8, 0)],
    );
    let r = next(s, "2026-12-03T13:00:00Z", 3);
    let got: Vec<(Weekday, String)> = r
        .iter()
        .map(|r| (r.weekday, r.scheduled.to_text()))
        .collect();
    assert_eq!(
        got,
        vec![
            (Weekday::Thursday, "20:00".into()),
            (Weekday::Monday, "08:00".into()),
            (Weekday::Monday, "20:00".into()),
        ]
    );
    assert_eq!(r[0].at_ms, utc("2026-12-04T01:00:00Z"));
}

#[test]
fn bad_schedules_get_typed_errors() {
    let bad = |s: ReminderSchedule| s.normalized().map(|_| ()).unwrap_err();
    assert!(matches!(
        bad(schedule("Europe/Madrid", &[], &[(9, 0)])),
        ReminderError::InvalidInput(_)
    ));
    assert!(matches!(
        bad(schedule("Europe/Madrid", &[Sunday], &[])),
        ReminderError::InvalidInput(_)
    ));
    assert!(matches!(
        bad(schedule("Europe/Madrid", &[Sunday], &[(24, 0)])),
        ReminderError::InvalidInput(_)
    ));
    assert!(matches!(
        bad(schedule("Europe/Madrid", &[Sunday], &[(9, 60)])),
        ReminderError::InvalidInput(_)
    ));
    let many: Vec<(u8, u8)> = (0..13).map(|h| (h, 0)).collect();
    assert!(matches!(
        bad(schedule("Europe/Madrid", &[Sunday], &many)),
        ReminderError::InvalidInput(_)
    ));
    assert!(matches!(
        bad(schedule("Europe/Nowhere", &[Sunday], &[(9, 0)])),
        ReminderError::Zone(ZoneError::UnknownZone)
    ));
    let (s, tz) = schedule("Europe/Madrid", &[Sunday], &[(9, 0)])
        .normalized()
        .unwrap();
    assert!(next_instants(&s, &tz, 0, 0).is_err());
    assert!(next_instants(&s, &tz, 0, MAX_COUNT + 1).is_err());
    assert!(next_instants(&s, &tz, i64::MAX, 1).is_err());
    assert_eq!(ReminderTime::parse("7:05").unwrap().to_text(), "07:05");
    assert!(ReminderTime::parse("7").is_err());
    assert!(ReminderTime::parse("07:5").is_err());
    assert!(ReminderTime::parse("25:00").is_err());
    assert_eq!(Weekday::parse("MON"), Some(Weekday::Monday));
    assert_eq!(Weekday::parse("sunday"), Some(Sunday));
    assert_eq!(Weekday::parse("su"), None);
}

#[test]
fn the_schedule_is_sealed_at_rest_and_needs_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("private.db");
    let vault = Arc::new(Vault::open(&path, VaultOptions { kdf_iterations: 2 }).unwrap());
    vault.setup("harbor lights at dusk").unwrap();
    let store = ReminderStore::open(&path, vault.clone()).unwrap();
    assert_eq!(store.get().unwrap(), None);
    assert!(store.next(0, 3).unwrap().is_empty());
    let saved = store
        .set(schedule(
            " Australia/Lord_Howe ",
            &[Sunday, Weekday::Monday, Sunday],
            &[(21, 45), (7, 5), (7, 5)],
        ))
        .unwrap();
    // Normalised: sorted, without repeats, the zone name trimmed.
    assert_eq!(saved.days, vec![Weekday::Monday, Sunday]);
    assert_eq!(saved.times.len(), 2);
    assert_eq!(saved.time_zone, "Australia/Lord_Howe");
    assert_eq!(store.get().unwrap(), Some(saved.clone()));
    assert_eq!(store.next(utc("2026-12-01T00:00:00Z"), 5).unwrap().len(), 5);
    drop(store);

    // Nothing of it is readable in any file of the directory.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for canary in [&b"Lord_Howe"[..], b"21:45", b"monday"] {
            assert!(
                !bytes.windows(canary.len()).any(|w| w == canary),
                "plaintext schedule on disk"
            );
        }
    }

    let store = ReminderStore::open(&path, vault.clone()).unwrap();
    vault.lock();
    assert!(matches!(
        store.get(),
        Err(ReminderError::Vault(VaultError::Locked))
    ));
    assert!(matches!(
        store.set(saved.clone()),
        Err(ReminderError::Vault(VaultError::Locked))
    ));
    assert!(matches!(
        store.clear(),
        Err(ReminderError::Vault(VaultError::Locked))
    ));
    vault.unlock("harbor lights at dusk").unwrap();
    assert_eq!(store.get().unwrap(), Some(saved));
    store.clear().unwrap();
    assert_eq!(store.get().unwrap(), None);
}
