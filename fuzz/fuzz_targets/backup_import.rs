//! Backup import (`JournalStore::import_backup`): a backup file chosen by the person, maybe
//! damaged or crafted, imported into a real, unlocked journal on SQLite. The first byte picks
//! how the rest is used:
//!
//! - `R` (even): the file's bytes, imported with the passphrase `fuzz-backup-passphrase`
//!   (the committed seeds were exported with it, so the fuzzer starts past the KDF check);
//! - `S` (odd): the decrypted contents (entries and check-ins as JSON), sealed into a backup
//!   file under that passphrase, so the fuzzer reaches the validation and merge.
//!
//! Files asking for more than a few KDF iterations (but no more than the core accepts) are
//! skipped: they are valid and only slow, and the seeds use 2, the smallest useful count.
//!
//! A refused import must change nothing: the journal's entry and check-in counts are checked
//! before and after every import that failed.
#![no_main]

use std::sync::{Arc, Mutex, OnceLock};

use lantern_core::journal::{JournalStore, MAX_ITERATIONS, seal_backup_for_fuzzing};
use lantern_core::vault::{Vault, VaultOptions};
use libfuzzer_sys::fuzz_target;

/// The passphrase of the committed seed backups (see `tests/tests/fuzz_seeds.rs`).
const PASSPHRASE: &str = "fuzz-backup-passphrase";

struct Harness {
    dir: tempfile::TempDir,
    journal: JournalStore,
}

/// A fresh, unlocked journal in its own directory.
fn fresh() -> Harness {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("private.db");
    let vault =
        Arc::new(Vault::open(&path, VaultOptions { kdf_iterations: 2 }).expect("vault opens"));
    vault.setup("fuzz-vault-passphrase").expect("vault set up");
    let journal = JournalStore::open(&path, vault).expect("journal opens");
    Harness { dir, journal }
}

fn harness() -> &'static Mutex<Harness> {
    static H: OnceLock<Mutex<Harness>> = OnceLock::new();
    H.get_or_init(|| Mutex::new(fresh()))
}

/// Past this many records the journal is replaced, so runs stay fast.
const MAX_RECORDS: usize = 200;

fn counts(j: &JournalStore) -> (usize, usize) {
    (
        j.all_entries().expect("entries").len(),
        j.checkins_between(i64::MIN, i64::MAX)
            .expect("check-ins")
            .len(),
    )
}

/// Most KDF iterations the harness lets a file ask for. Any count up to
/// [`MAX_ITERATIONS`] is accepted by the core and only costs time (seconds at the cap under
/// AddressSanitizer, which would starve the fuzzer); the check above the cap stays reachable,
/// and a wrong count fails the passphrase check like any other wrong header.
const HARNESS_MAX_ITERATIONS: u64 = 64;

/// Whether `file` is a JSON object asking for more iterations than the harness allows but no
/// more than the core accepts.
fn slow_kdf(file: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(file)
        .ok()
        .and_then(|v| v.get("iterations")?.as_u64())
        .is_some_and(|n| n > HARNESS_MAX_ITERATIONS && n <= u64::from(MAX_ITERATIONS))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut h = harness().lock().unwrap_or_else(|p| p.into_inner());
    let file = if mode % 2 == 0 {
        if slow_kdf(rest) {
            return;
        }
        rest.to_vec()
    } else {
        seal_backup_for_fuzzing(rest, PASSPHRASE, 2)
    };
    let path = h.dir.path().join("backup.json");
    std::fs::write(&path, &file).expect("write the backup file");
    let before = counts(&h.journal);
    let imported = h.journal.import_backup(&path, PASSPHRASE);
    let after = counts(&h.journal);
    match imported {
        Err(_) => assert_eq!(after, before, "a refused import changed the journal"),
        Ok(r) => {
            let added = (r.entries_added as usize, r.checkins_added as usize);
            assert_eq!((after.0 - before.0, after.1 - before.1), added);
            if after.0 + after.1 > MAX_RECORDS {
                *h = fresh();
            }
        }
    }
});
