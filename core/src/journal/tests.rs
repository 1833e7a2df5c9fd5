#![allow(clippy::unwrap_used)]

use super::*;
use crate::vault::VaultOptions;

const DAY: i64 = 86_400_000;

fn journal() -> (tempfile::TempDir, JournalStore) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("private.db");
    let vault = Arc::new(Vault::open(&path, VaultOptions { kdf_iterations: 2 }).unwrap());
    vault.setup("harbor lights at dusk").unwrap();
    let j = JournalStore::open(&path, vault).unwrap();
    (dir, j)
}

fn new(text: &str, mood: Option<u8>, tags: &[&str], at: i64) -> NewEntry {
    NewEntry {
        text: text.into(),
        mood,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        created_at_ms: Some(at),
    }
}

fn texts(p: &EntryPage) -> Vec<&str> {
    p.entries.iter().map(|e| e.text.as_str()).collect()
}

#[test]
fn add_show_edit_delete_keep_ids_and_times() {
    let (_d, j) = journal();
    let e = j
        .add_entry(new("first", Some(3), &[" Sleep ", "sleep", "Walk"], 1_000))
        .unwrap();
    assert_eq!(e.tags, vec!["sleep", "walk"]);
    assert_eq!(j.get_entry(&e.id).unwrap(), e);
    let edited = j
        .edit_entry(
            &e.id,
            EntryUpdate {
                text: Some("first, revised".into()),
                clear_mood: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(edited.id, e.id);
    assert_eq!(edited.created_at_ms, 1_000);
    assert!(edited.edited_at_ms.is_some());
    assert_eq!(edited.mood, None);
    assert_eq!(j.get_entry(&e.id).unwrap().text, "first, revised");
    j.delete_entry(&e.id).unwrap();
    assert!(matches!(
        j.get_entry(&e.id),
        Err(JournalError::NotFound { .. })
    ));
    assert!(matches!(
        j.delete_entry(&e.id),
        Err(JournalError::NotFound { .. })
    ));
    assert!(matches!(
        j.get_entry("../etc"),
        Err(JournalError::InvalidInput(_))
    ));
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let (_d, j) = journal();
    assert!(matches!(
        j.add_entry(new("  ", None, &[], 1)),
        Err(JournalError::InvalidInput(_))
    ));
    assert!(matches!(
        j.add_entry(new("x", Some(6), &[], 1)),
        Err(JournalError::InvalidInput(_))
    ));
    assert!(matches!(
        j.add_entry(new("x", Some(0), &[], 1)),
        Err(JournalError::InvalidInput(_))
    ));
    assert!(matches!(
        j.add_entry(new("x", None, &[""], 1)),
        Err(JournalError::InvalidInput(_))
    ));
    let long = "x".repeat(MAX_TEXT_BYTES + 1);
    assert!(matches!(
        j.add_entry(new(&long, None, &[], 1)),
        Err(JournalError::InvalidInput(_))
    ));
    assert!(matches!(
        j.add_checkin(9, None, None),
        Err(JournalError::InvalidInput(_))
    ));
    let batch = vec![new("ok", None, &[], 1), new("bad", Some(7), &[], 2)];
    assert!(j.add_entries(batch).is_err());
    assert_eq!(j.entry_count().unwrap(), 0);
    let e = j.add_entry(new("kept", Some(2), &[], 5)).unwrap();
    let bad = EntryUpdate {
        text: Some(String::new()),
        ..Default::default()
    };
    assert!(j.edit_entry(&e.id, bad).is_err());
    assert_eq!(j.get_entry(&e.id).unwrap(), e);
    assert!(matches!(
        j.list_entries(&EntryQuery {
            limit: 0,
            ..Default::default()
        }),
        Err(JournalError::InvalidInput(_))
    ));
}

#[test]
fn locked_journal_gives_locked_for_everything_and_changes_nothing() {
    let (_d, j) = journal();
    let e = j.add_entry(new("private", None, &[], 1)).unwrap();
    j.lock();
    let locked =
        |r: Result<(), JournalError>| matches!(r, Err(JournalError::Vault(VaultError::Locked)));
    assert!(locked(j.add_entry(new("more", None, &[], 2)).map(|_| ())));
    assert!(locked(j.get_entry(&e.id).map(|_| ())));
    assert!(locked(
        j.edit_entry(&e.id, EntryUpdate::default()).map(|_| ())
    ));
    assert!(locked(j.delete_entry(&e.id)));
    assert!(locked(j.list_entries(&EntryQuery::default()).map(|_| ())));
    assert!(locked(j.search("private", 5).map(|_| ())));
    assert!(locked(j.add_checkin(3, None, None).map(|_| ())));
    assert!(locked(j.mood_trends(0, i64::MAX, 0).map(|_| ())));
    assert!(locked(
        j.export_plaintext(PlaintextFormat::Json).map(|_| ())
    ));
    assert_eq!(j.entry_count().unwrap(), 1);
    j.vault().unlock("harbor lights at dusk").unwrap();
    assert_eq!(j.get_entry(&e.id).unwrap().text, "private");
}

#[test]
fn list_is_newest_first_with_paging_tag_and_date_filters() {
    let (_d, j) = journal();
    for i in 0..7 {
        let tags: &[&str] = if i % 2 == 0 { &["even"] } else { &["odd"] };
        j.add_entry(new(&format!("e{i}"), None, tags, i * DAY))
            .unwrap();
    }
    let p1 = j
        .list_entries(&EntryQuery {
            limit: 3,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(texts(&p1), vec!["e6", "e5", "e4"]);
    assert!(p1.has_more);
    let p3 = j
        .list_entries(&EntryQuery {
            offset: 6,
            limit: 3,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(texts(&p3), vec!["e0"]);
    assert!(!p3.has_more);
    let even = j
        .list_entries(&EntryQuery {
            tag: Some("EVEN".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(texts(&even), vec!["e6", "e4", "e2", "e0"]);
    let range = EntryQuery {
        from_ms: Some(2 * DAY),
        to_ms: Some(5 * DAY),
        ..Default::default()
    };
    assert_eq!(
        texts(&j.list_entries(&range).unwrap()),
        vec!["e4", "e3", "e2"]
    );
    let both = EntryQuery {
        tag: Some("odd".into()),
        ..range
    };
    assert_eq!(texts(&j.list_entries(&both).unwrap()), vec!["e3"]);
    let none = j
        .list_entries(&EntryQuery {
            tag: Some("missing".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(none.entries.is_empty());
    // Retagging moves the entry between tag filters.
    let id = even.entries[0].id.clone();
    j.edit_entry(
        &id,
        EntryUpdate {
            tags: Some(vec!["odd".into()]),
            ..Default::default()
        },
    )
    .unwrap();
    let even = j
        .list_entries(&EntryQuery {
            tag: Some("even".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(texts(&even), vec!["e4", "e2", "e0"]);
}

#[test]
fn search_finds_words_follows_edits_and_deletes_and_is_dropped_on_lock() {
    let (_d, j) = journal();
    let a = j
        .add_entry(new("A calm walk by the river", None, &["outdoors"], 1))
        .unwrap();
    let b = j
        .add_entry(new("Meeting went badly, craving was strong", None, &[], 2))
        .unwrap();
    let ids = |v: Vec<Entry>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(ids(j.search("calm river", 20).unwrap()), vec![a.id.clone()]);
    assert_eq!(ids(j.search("outdoors", 20).unwrap()), vec![a.id.clone()]);
    assert!(j.search("calm craving", 20).unwrap().is_empty());
    // Added after the index was built.
    let c = j
        .add_entry(new("Another calm evening", None, &[], 3))
        .unwrap();
    let mut found = ids(j.search("calm", 20).unwrap());
    found.sort();
    let mut want = vec![a.id.clone(), c.id.clone()];
    want.sort();
    assert_eq!(found, want);
    j.edit_entry(
        &b.id,
        EntryUpdate {
            text: Some("A calm meeting after all".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(ids(j.search("meeting", 20).unwrap()), vec![b.id.clone()]);
    assert!(j.search("craving", 20).unwrap().is_empty());
    j.delete_entry(&a.id).unwrap();
    assert!(j.search("river", 20).unwrap().is_empty());
    assert!(matches!(
        j.search("  ", 20),
        Err(JournalError::InvalidInput(_))
    ));
    j.lock();
    assert!(!j.index.is_built(), "index dropped on lock");
    j.vault().unlock("harbor lights at dusk").unwrap();
    assert_eq!(ids(j.search("evening", 20).unwrap()), vec![c.id]);
}

#[test]
fn index_from_an_earlier_unlock_is_not_reused() {
    let (_d, j) = journal();
    j.add_entry(new("lantern light", None, &[], 1)).unwrap();
    j.prepare_search().unwrap();
    // Lock through the vault directly (as another module might), then unlock again.
    j.vault().lock();
    j.vault().unlock("harbor lights at dusk").unwrap();
    let e = j.add_entry(new("second lantern", None, &[], 2)).unwrap();
    assert_eq!(j.search("second", 5).unwrap()[0].id, e.id);
}

#[test]
fn mood_trends_combine_entries_and_checkins() {
    let (_d, j) = journal();
    j.add_entry(new("good day", Some(4), &[], 10 * DAY + 1))
        .unwrap();
    j.add_entry(new("no mood", None, &[], 10 * DAY + 2))
        .unwrap();
    j.add_checkin(2, Some("tired".into()), Some(10 * DAY + 3))
        .unwrap();
    j.add_checkin(5, None, Some(11 * DAY)).unwrap();
    j.add_checkin(1, None, Some(30 * DAY)).unwrap(); // outside the range
    let t = j.mood_trends(0, 20 * DAY, 0).unwrap();
    assert_eq!(t.daily.len(), 2);
    assert_eq!((t.daily[0].average, t.daily[0].samples), (3.0, 2));
    assert_eq!((t.daily[1].average, t.daily[1].samples), (5.0, 1));
    assert_eq!(t.weekly.len(), 2, "day 10 is a Sunday, day 11 a Monday");
    let checkins = j.checkins_between(0, i64::MAX).unwrap();
    assert_eq!(
        checkins.iter().map(|c| c.mood).collect::<Vec<_>>(),
        vec![1, 5, 2]
    );
    assert_eq!(checkins[2].note.as_deref(), Some("tired"));
}

#[test]
fn backup_round_trip_merges_without_duplicates() {
    let (dir, j) = journal();
    let a = j.add_entry(new("alpha entry", Some(2), &["x"], 1)).unwrap();
    j.add_entry(new("beta entry", None, &[], 2)).unwrap();
    j.add_checkin(4, Some("ok".into()), Some(3)).unwrap();
    let file = dir.path().join("journal.lantern-backup");
    j.export_backup(&file, "backup meadow otter").unwrap();
    let raw = std::fs::read(&file).unwrap();
    assert!(
        !raw.windows(5).any(|w| w == b"alpha"),
        "backup is encrypted"
    );

    let (_d2, other) = journal();
    other.add_entry(new("already here", None, &[], 9)).unwrap();
    assert!(matches!(
        other.import_backup(&file, "nope"),
        Err(JournalError::WrongBackupPassphrase)
    ));
    assert_eq!(other.entry_count().unwrap(), 1);
    let r = other.import_backup(&file, "backup meadow otter").unwrap();
    assert_eq!(
        (r.entries_added, r.entries_skipped, r.checkins_added),
        (2, 0, 1)
    );
    let again = other.import_backup(&file, "backup meadow otter").unwrap();
    assert_eq!(
        (
            again.entries_added,
            again.entries_skipped,
            again.checkins_skipped
        ),
        (0, 2, 1)
    );
    assert_eq!(other.entry_count().unwrap(), 3);
    assert_eq!(other.get_entry(&a.id).unwrap(), a);
    assert_eq!(other.search("alpha", 5).unwrap()[0].id, a.id);
    assert_eq!(
        other
            .list_entries(&EntryQuery {
                tag: Some("x".into()),
                ..Default::default()
            })
            .unwrap()
            .entries[0]
            .id,
        a.id
    );

    // A changed byte in the payload is an integrity failure, and nothing is imported.
    let mut doc: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    let payload = doc["payload"].as_str().unwrap().to_string();
    let flipped = format!(
        "{}{}",
        if payload.starts_with('A') { "B" } else { "A" },
        &payload[1..]
    );
    doc["payload"] = flipped.into();
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let (_d3, third) = journal();
    assert!(matches!(
        third.import_backup(&file, "backup meadow otter"),
        Err(JournalError::BadBackup(_))
    ));
    assert_eq!(third.entry_count().unwrap(), 0);
    std::fs::write(&file, b"not json").unwrap();
    assert!(matches!(
        third.import_backup(&file, "backup meadow otter"),
        Err(JournalError::BadBackup(_))
    ));
}

// ---- Issue 11 items 6 and 7: hostile backup files and planted links ----

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn backup_export_never_follows_a_planted_link_and_is_owner_only() {
    let (dir, j) = journal();
    j.add_entry(new("alpha entry", None, &[], 1)).unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, b"someone else's file").unwrap();
    // The links an attacker would plant: the old predictable temporary name, and the target.
    let file = dir.path().join("journal.lantern-backup");
    std::os::unix::fs::symlink(&victim, dir.path().join(".journal.lantern-backup.tmp")).unwrap();
    std::os::unix::fs::symlink(&victim, &file).unwrap();
    j.export_backup(&file, "backup meadow otter").unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"someone else's file");
    assert!(!std::fs::symlink_metadata(&file).unwrap().is_symlink());
    assert_eq!(mode(&file), 0o600);

    // Onto an existing world-readable file: replaced, and owner-only.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    j.export_backup(&file, "backup meadow otter").unwrap();
    assert_eq!(mode(&file), 0o600);
    let (_d2, other) = journal();
    assert_eq!(
        other
            .import_backup(&file, "backup meadow otter")
            .unwrap()
            .entries_added,
        1
    );
}

#[test]
fn an_oversized_backup_is_refused_before_it_is_read() {
    let (dir, j) = journal();
    // 300 MB (sparse: costs no disk), as in the report; it is refused from its size alone.
    let big = dir.path().join("huge.lantern-backup");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(300 * 1024 * 1024).unwrap();
    drop(f);
    match j.import_backup(&big, "backup meadow otter") {
        Err(JournalError::InvalidInput(m)) => assert!(m.contains("larger than 64 MiB"), "{m}"),
        other => panic!("expected a size refusal, got {other:?}"),
    }
    // Just over the cap, with a valid start: the same.
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(backup::MAX_BACKUP_BYTES + 1).unwrap();
    drop(f);
    assert!(matches!(
        j.import_backup(&big, "backup meadow otter"),
        Err(JournalError::InvalidInput(_))
    ));
    assert_eq!(j.entry_count().unwrap(), 0);
}

#[test]
fn a_backup_asking_for_a_huge_kdf_work_factor_is_refused_before_deriving() {
    let (dir, j) = journal();
    j.add_entry(new("alpha entry", None, &[], 1)).unwrap();
    let file = dir.path().join("journal.lantern-backup");
    j.export_backup(&file, "backup meadow otter").unwrap();
    let (_d2, other) = journal();
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    for n in [10_000_000u64, u64::from(backup::MAX_ITERATIONS) + 1] {
        doc["iterations"] = n.into();
        std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
        match other.import_backup(&file, "backup meadow otter") {
            Err(JournalError::InvalidInput(m)) => assert!(m.contains("at most"), "{m}"),
            e => panic!("{n} iterations: expected a refusal, got {e:?}"),
        }
    }
    // Out of u32 range, or zero: not a backup.
    for n in [u64::from(u32::MAX) + 1, 0] {
        doc["iterations"] = n.into();
        std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
        assert!(other.import_backup(&file, "backup meadow otter").is_err());
    }
    assert_eq!(other.entry_count().unwrap(), 0);
}

#[test]
fn plaintext_export_only_on_request_in_both_formats() {
    let (_d, j) = journal();
    j.add_entry(new("Went to group tonight", Some(4), &["group"], DAY))
        .unwrap();
    j.add_checkin(3, Some("steady".into()), Some(DAY + 60_000))
        .unwrap();
    let md = j.export_plaintext(PlaintextFormat::Markdown).unwrap();
    assert!(md.contains("## 1970-01-02 00:00 UTC"));
    assert!(md.contains("Mood: 4/5 · Tags: group"));
    assert!(md.contains("Went to group tonight"));
    assert!(md.contains("- 1970-01-02 00:01 UTC: mood 3/5 (steady)"));
    let json: serde_json::Value =
        serde_json::from_str(&j.export_plaintext(PlaintextFormat::Json).unwrap()).unwrap();
    assert_eq!(json["entries"][0]["text"], "Went to group tonight");
    assert_eq!(json["checkins"][0]["note"], "steady");
}

#[test]
fn debug_output_never_shows_text() {
    let (_d, j) = journal();
    let e = j
        .add_entry(new("secret canary text", None, &["hidden-tag"], 1))
        .unwrap();
    let c = j.add_checkin(2, Some("note canary".into()), None).unwrap();
    let dbg = format!("{e:?} {c:?} {j:?} {:?}", j.vault());
    assert!(
        !dbg.contains("canary") && !dbg.contains("hidden-tag"),
        "{dbg}"
    );
}
