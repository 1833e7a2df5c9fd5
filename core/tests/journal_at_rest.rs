//! Encryption at rest, checked from outside: canary strings never reach any file of the data
//! directory, and changed or swapped ciphertexts are caught and named.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use lantern_core::LanternError;
use lantern_core::api::Journal;
use lantern_core::journal::{EntryQuery, EntryUpdate, JournalError, NewEntry};
use lantern_core::vault::{VaultError, VaultOptions};

const FAST: VaultOptions = VaultOptions { kdf_iterations: 2 };

fn open(dir: &Path) -> Journal {
    Journal::open(dir, FAST).unwrap()
}

fn entry(text: &str, tags: &[&str]) -> NewEntry {
    NewEntry {
        text: text.into(),
        mood: Some(2),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        created_at_ms: None,
    }
}

/// Every file under `dir` (recursively) with the names of the canaries found in it.
fn scan(dir: &Path, canaries: &[&str]) -> Vec<(String, String)> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for f in std::fs::read_dir(&d).unwrap() {
            let p = f.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let bytes = std::fs::read(&p).unwrap();
            for c in canaries {
                // Also look for the lower-cased form: tags are normalized to lower case.
                for needle in [c.to_string(), c.to_lowercase()] {
                    if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                        hits.push((p.display().to_string(), c.to_string()));
                    }
                }
            }
        }
    }
    hits
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn the_scanner_finds_a_canary_in_an_unencrypted_database() {
    // Control: the same scan over plain SQLite (WAL) does see the text, so a clean scan of
    // the journal means something.
    let dir = tempfile::tempdir().unwrap();
    let conn = lantern_core::store::open_database(&dir.path().join("plain.db")).unwrap();
    conn.execute_batch("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('CANARY-PLAIN-7731');")
        .unwrap();
    assert!(!scan(dir.path(), &["CANARY-PLAIN-7731"]).is_empty());
}

#[test]
fn no_canary_reaches_any_file_open_or_closed_before_and_after_edits_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let canaries = [
        "CANARY-ENTRY-9f3a",
        "CANARY-TAG-51c2",
        "CANARY-NOTE-0d7e",
        "CANARY-EDIT-a4b9",
        "CANARY-DELETED-77e1",
        "CANARY-BACKUP-PASS",
    ];
    let j = open(dir.path());
    let _code = j.setup("a passphrase".into()).unwrap();
    let store = j.store();
    let mut ids = Vec::new();
    for i in 0..40 {
        let text = format!("day {i}: CANARY-ENTRY-9f3a felt the pull again, called my sponsor");
        ids.push(
            store
                .add_entry(entry(&text, &["CANARY-TAG-51c2", "sleep"]))
                .unwrap()
                .id,
        );
    }
    let doomed = store
        .add_entry(entry("CANARY-DELETED-77e1 gone soon", &["CANARY-TAG-51c2"]))
        .unwrap();
    store
        .add_checkin(3, Some("CANARY-NOTE-0d7e steady".into()), None)
        .unwrap();
    // Build the search index: it must stay in memory.
    assert_eq!(store.search("sponsor", 5).unwrap().len(), 5);
    assert!(
        files(dir.path()).iter().any(|f| f.ends_with("-wal")),
        "WAL file scanned"
    );
    assert_eq!(scan(dir.path(), &canaries), vec![], "open, after adds");

    store
        .edit_entry(
            &ids[0],
            EntryUpdate {
                text: Some("CANARY-EDIT-a4b9 rewritten".into()),
                ..Default::default()
            },
        )
        .unwrap();
    store.delete_entry(&doomed.id).unwrap();
    let backup = tempfile::tempdir().unwrap();
    store
        .export_backup(&backup.path().join("b"), "CANARY-BACKUP-PASS")
        .unwrap();
    assert_eq!(store.search("rewritten", 5).unwrap().len(), 1);
    assert_eq!(
        scan(dir.path(), &canaries),
        vec![],
        "open, after edit and delete"
    );
    assert_eq!(scan(backup.path(), &canaries), vec![], "encrypted backup");

    j.lock();
    drop(j);
    assert_eq!(scan(dir.path(), &canaries), vec![], "closed");

    // Reopened and unlocked, everything is still there.
    let j = open(dir.path());
    j.unlock("a passphrase".into()).unwrap();
    assert_eq!(
        j.store().get_entry(&ids[0]).unwrap().text,
        "CANARY-EDIT-a4b9 rewritten"
    );
    let tagged = EntryQuery {
        tag: Some("canary-tag-51c2".into()),
        limit: 100,
        ..Default::default()
    };
    assert_eq!(j.store().list_entries(&tagged).unwrap().entries.len(), 40);
    assert_eq!(scan(dir.path(), &canaries), vec![], "reopened");
}

fn raw(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("private.db")).unwrap()
}

fn body(conn: &rusqlite::Connection, table: &str, id: &str) -> Vec<u8> {
    conn.query_row(
        &format!("SELECT body FROM {table} WHERE id = ?1"),
        [id],
        |r| r.get(0),
    )
    .unwrap()
}

fn set_body(conn: &rusqlite::Connection, table: &str, id: &str, b: &[u8]) {
    conn.execute(
        &format!("UPDATE {table} SET body = ?2 WHERE id = ?1"),
        rusqlite::params![id, b],
    )
    .unwrap();
}

/// A digest of every stored row of the vault and journal tables.
fn logical_dump(dir: &Path) -> [u8; 32] {
    let conn = raw(dir);
    let mut all = Vec::new();
    for (table, cols) in [
        (
            "vault_slots",
            "slot, iterations, salt, kek_check, wrapped_dek",
        ),
        ("vault_meta", "id, dek_check"),
        ("journal_entries", "id, created_at_ms, body"),
        ("journal_checkins", "id, created_at_ms, body"),
        ("journal_entry_tags", "tag_index, entry_id"),
    ] {
        let mut stmt = conn
            .prepare(&format!("SELECT {cols} FROM {table} ORDER BY 1"))
            .unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            for i in 0..n {
                all.extend_from_slice(format!("{:?}|", r.get_ref(i).unwrap()).as_bytes());
            }
        }
    }
    lantern_core::crypto::hazmat::derive_sha256(&all)
}

fn integrity_names(r: Result<impl std::fmt::Debug, JournalError>, id: &str) {
    match r {
        Err(JournalError::Vault(e @ VaultError::RecordIntegrity { .. })) => {
            let public = LanternError::from(e);
            assert!(
                matches!(&public, LanternError::Integrity(m) if m.contains(id)),
                "{public:?}"
            );
        }
        other => panic!("expected an integrity error for {id}, got {other:?}"),
    }
}

#[test]
fn flipped_byte_or_swapped_ciphertexts_give_integrity_errors_naming_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let j = open(dir.path());
    j.setup("harbor lights at dusk".into()).unwrap();
    let s = j.store();
    let a = s.add_entry(entry("alpha", &[])).unwrap();
    let b = s.add_entry(entry("bravo", &[])).unwrap();
    let c = s.add_entry(entry("charlie", &[])).unwrap();
    let d = s.add_entry(entry("delta", &[])).unwrap();
    let ck = s.add_checkin(4, Some("note".into()), None).unwrap();

    let conn = raw(dir.path());
    let mut flipped = body(&conn, "journal_entries", &b.id);
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x01;
    set_body(&conn, "journal_entries", &b.id, &flipped);
    integrity_names(s.get_entry(&b.id), &b.id);
    assert_eq!(s.get_entry(&a.id).unwrap().text, "alpha");

    let (bc, bd) = (
        body(&conn, "journal_entries", &c.id),
        body(&conn, "journal_entries", &d.id),
    );
    set_body(&conn, "journal_entries", &c.id, &bd);
    set_body(&conn, "journal_entries", &d.id, &bc);
    integrity_names(s.get_entry(&c.id), &c.id);
    integrity_names(s.get_entry(&d.id), &d.id);

    // The sort key is bound too: moving an entry in time is detected.
    conn.execute(
        "UPDATE journal_entries SET created_at_ms = created_at_ms + 1 WHERE id = ?1",
        [&a.id],
    )
    .unwrap();
    integrity_names(s.get_entry(&a.id), &a.id);
    conn.execute(
        "UPDATE journal_entries SET created_at_ms = created_at_ms - 1 WHERE id = ?1",
        [&a.id],
    )
    .unwrap();

    // Listing still shows the good entries and names the damaged ones.
    let page = s.list_entries(&EntryQuery::default()).unwrap();
    assert_eq!(
        page.entries
            .iter()
            .map(|e| e.text.as_str())
            .collect::<Vec<_>>(),
        vec!["alpha"]
    );
    let mut damaged = page.damaged_ids.clone();
    damaged.sort();
    let mut want = vec![b.id.clone(), c.id.clone(), d.id.clone()];
    want.sort();
    assert_eq!(damaged, want);
    // Search skips damaged entries instead of failing.
    assert_eq!(s.search("alpha", 5).unwrap().len(), 1);

    // A check-in's ciphertext moved onto an entry is refused (kind is bound as well).
    set_body(
        &conn,
        "journal_entries",
        &a.id,
        &body(&conn, "journal_checkins", &ck.id),
    );
    integrity_names(s.get_entry(&a.id), &a.id);
    let mut ckb = body(&conn, "journal_checkins", &ck.id);
    ckb[5] ^= 0x80;
    set_body(&conn, "journal_checkins", &ck.id, &ckb);
    integrity_names(s.checkins_between(i64::MIN, i64::MAX), &ck.id);
}

#[test]
fn wrong_passphrase_and_recovery_code_are_typed_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let j = open(dir.path());
    assert!(matches!(j.unlock("x".into()), Err(LanternError::NotSetUp)));
    let code = j.setup("the right passphrase".into()).unwrap();
    let e = j.store().add_entry(entry("kept", &[])).unwrap();
    j.lock();
    let before = logical_dump(dir.path());
    assert!(matches!(
        j.unlock("wrong".into()),
        Err(LanternError::WrongPassphrase)
    ));
    assert!(matches!(
        j.change_passphrase("wrong".into(), "new kettle on the stove".into()),
        Err(LanternError::WrongPassphrase)
    ));
    let bad_code = "0000-0000-0000-0000-0000-0000-0000-0000".to_string();
    assert!(matches!(
        j.recover(bad_code, "new kettle on the stove".into()),
        Err(LanternError::WrongRecoveryCode)
    ));
    assert!(matches!(
        j.recover("garbage".into(), "new kettle on the stove".into()),
        Err(LanternError::WrongRecoveryCode)
    ));
    assert!(matches!(
        j.setup("once again by the sea".into()),
        Err(LanternError::AlreadySetUp)
    ));
    assert!(!j.is_unlocked());
    assert!(matches!(
        j.get_entry(e.id.clone()),
        Err(LanternError::Locked)
    ));
    assert!(matches!(j.add_checkin(3, None), Err(LanternError::Locked)));
    assert!(
        logical_dump(dir.path()) == before,
        "a refused call changed stored rows"
    );
    drop(j);
    let j = open(dir.path());
    j.unlock("the right passphrase".into()).unwrap();
    assert_eq!(j.get_entry(e.id.clone()).unwrap().text, "kept");
    j.lock();
    j.recover(code, "newer kettle on the stove".into()).unwrap();
    assert_eq!(j.get_entry(e.id).unwrap().text, "kept");
}

/// Mode bits of every entry of `dir`, by name.
#[cfg(unix)]
fn modes(dir: &Path) -> Vec<(String, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out: Vec<(String, u32)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let mode = e.metadata().unwrap().permissions().mode() & 0o777;
            (e.file_name().into_string().unwrap(), mode)
        })
        .collect();
    out.sort();
    out
}

/// Issue 11 item 7: another account on the machine must not read the data directory or its
/// databases, whether the directory is new or was left 0755/0644 by an older version.
#[cfg(unix)]
#[test]
fn the_data_directory_and_its_databases_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lantern");
    // Every database of the data directory, with something written to each.
    let use_everything = |data: &Path| {
        let l = lantern_core::api::Lantern::open(data.display().to_string()).unwrap();
        l.course()
            .mark_section_read(
                "peer-supporter".into(),
                "role-model".into(),
                "introduction".into(),
            )
            .unwrap();
        let j = open(data);
        if j.is_set_up().unwrap() {
            j.unlock("a long journal passphrase".into()).unwrap();
        } else {
            j.setup("a long journal passphrase".into()).unwrap();
        }
        j.add_entry(entry("canary-mode", &[])).unwrap();
        (l, j)
    };
    let l = use_everything(&data);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    let files = modes(&data);
    assert!(files.iter().any(|(n, _)| n.ends_with("-wal")), "{files:?}");
    assert!(files.iter().all(|(_, m)| *m == 0o600), "{files:?}");
    drop(l);

    // A directory from an older version: 0755 and 0644 everywhere. The next open narrows it.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    for (name, _) in modes(&data) {
        std::fs::set_permissions(data.join(name), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let _l = use_everything(&data);
    assert_eq!(mode(&data), 0o700);
    let files = modes(&data);
    assert!(files.iter().all(|(_, m)| *m == 0o600), "{files:?}");
}
