//! A fixed workload for instruction-level profiling of the journal's hot paths (the timing
//! benchmark is `benches/journal.rs`). Under callgrind only `measured` is counted, so the
//! setup (vault, key, bodies, the 10,000 rows a read needs) stays out of the profile:
//!
//! ```sh
//! cargo build --profile bench -p lantern-core --example journal_profile
//! valgrind --tool=callgrind --toggle-collect=journal_profile::measured \
//!     target/release/examples/journal_profile add 512      # or: plain-add, page, plain-page, all, plain-all
//! callgrind_annotate --inclusive=yes callgrind.out.<pid> | head -60
//! ```
//!
//! `add SIZE`: 10,000 entries of SIZE bytes in one transaction. `page SIZE`: the newest 50 of
//! 10,000, 200 times, warm. `all SIZE`: decrypt all 10,000 once. `plain-*`: the benchmark's
//! baseline (the same SQL on plain rusqlite, no encryption).

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use lantern_core::crypto::hazmat;
use lantern_core::journal::{EntryQuery, JournalStore, NewEntry};
use lantern_core::vault::{Vault, VaultOptions};
use rusqlite::{Connection, params};

const N: usize = 10_000;
const PAGES: usize = 200;

/// The benchmark's synthetic prose (same generator as `benches/journal.rs`).
fn text(seed: usize, bytes: usize) -> String {
    let mut x = (seed as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
        | 1;
    let mut s = String::with_capacity(bytes + 16);
    while s.len() < bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let r = (x % 1_000_000) as f64 / 1_000_000.0;
        let w = (2000.0f64.powf(r * r)) as usize;
        s.push_str(&format!("w{w} "));
    }
    s.truncate(bytes);
    s
}

fn new_entry(i: usize, size: usize) -> NewEntry {
    NewEntry {
        text: text(i, size),
        mood: Some((i % 5 + 1) as u8),
        tags: vec![],
        created_at_ms: Some(1_700_000_000_000 + i as i64 * 60_000),
    }
}

fn journal(dir: &Path) -> JournalStore {
    let path = dir.join("private.db");
    let vault = Arc::new(Vault::open(&path, VaultOptions { kdf_iterations: 1 }).expect("vault"));
    vault.setup("harbor lights at dusk").expect("setup");
    JournalStore::open(&path, vault).expect("journal")
}

fn plain(dir: &Path) -> Connection {
    let c = lantern_core::store::open_database(&dir.join("plain.db")).expect("plain db");
    c.execute_batch(
        "CREATE TABLE IF NOT EXISTS entries (id TEXT PRIMARY KEY NOT NULL,
             created_at_ms INTEGER NOT NULL, body BLOB NOT NULL);
         CREATE INDEX IF NOT EXISTS entries_by_time ON entries (created_at_ms, id);",
    )
    .expect("schema");
    c
}

fn random_id() -> String {
    hazmat::make_random::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn plain_add(c: &mut Connection, ids: &[String], bodies: &[String]) {
    let tx = c.transaction().expect("tx");
    // One prepared statement for the run, as the journal does.
    let mut insert = tx
        .prepare("INSERT INTO entries (id, created_at_ms, body) VALUES (?1, ?2, ?3)")
        .expect("prepare");
    for (i, body) in bodies.iter().enumerate() {
        insert
            .execute(params![
                ids[i],
                1_700_000_000_000 + i as i64 * 60_000,
                body.as_bytes()
            ])
            .expect("insert");
    }
    drop(insert);
    tx.commit().expect("commit");
}

fn plain_rows(c: &Connection, sql: &str) -> usize {
    c.prepare_cached(sql)
        .expect("prepare")
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })
        .expect("query")
        .map(|r| r.expect("row").2.len())
        .sum()
}

enum Work<'a> {
    Add(&'a JournalStore, Vec<NewEntry>),
    PlainAdd(&'a mut Connection, Vec<String>, Vec<String>),
    Page(&'a JournalStore),
    PlainPage(&'a Connection),
    All(&'a JournalStore),
    PlainAll(&'a Connection),
}

/// The only function callgrind counts (`--toggle-collect`).
#[inline(never)]
fn measured(work: Work<'_>) -> usize {
    match work {
        Work::Add(j, news) => j.add_entries(news).expect("add").len(),
        Work::PlainAdd(c, ids, bodies) => {
            plain_add(c, &ids, &bodies);
            ids.len()
        }
        Work::Page(j) => (0..PAGES)
            .map(|_| {
                j.list_entries(&EntryQuery::default())
                    .expect("list")
                    .entries
                    .len()
            })
            .sum(),
        Work::PlainPage(c) => (0..PAGES)
            .map(|_| {
                plain_rows(
                    c,
                    "SELECT id, created_at_ms, body FROM entries
                     ORDER BY created_at_ms DESC, id DESC LIMIT 50",
                )
            })
            .sum(),
        Work::All(j) => j.all_entries().expect("all").len(),
        Work::PlainAll(c) => plain_rows(
            c,
            "SELECT id, created_at_ms, body FROM entries ORDER BY created_at_ms, id",
        ),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "add".into());
    let size: usize = args
        .next()
        .map_or(512, |s| s.parse().expect("SIZE is a number"));
    let dir = tempfile::tempdir().expect("tmp");
    let news = || (0..N).map(|i| new_entry(i, size)).collect::<Vec<_>>();
    let n = match mode.as_str() {
        "add" => {
            let j = journal(dir.path());
            measured(Work::Add(&j, news()))
        }
        "plain-add" => {
            let mut c = plain(dir.path());
            let ids = (0..N).map(|_| random_id()).collect();
            let bodies = (0..N).map(|i| text(i, size)).collect();
            measured(Work::PlainAdd(&mut c, ids, bodies))
        }
        "page" | "all" => {
            let j = journal(dir.path());
            j.add_entries(news()).expect("add");
            // Warm the page cache and the statement cache as the benchmark's warm runs do.
            j.list_entries(&EntryQuery::default()).expect("list");
            j.all_entries().expect("all");
            measured(if mode == "page" {
                Work::Page(&j)
            } else {
                Work::All(&j)
            })
        }
        "plain-page" | "plain-all" => {
            let mut c = plain(dir.path());
            let ids: Vec<String> = (0..N).map(|_| random_id()).collect();
            let bodies: Vec<String> = (0..N).map(|i| text(i, size)).collect();
            plain_add(&mut c, &ids, &bodies);
            plain_rows(&c, "SELECT id, created_at_ms, body FROM entries");
            measured(if mode == "plain-page" {
                Work::PlainPage(&c)
            } else {
                Work::PlainAll(&c)
            })
        }
        other => panic!("unknown mode {other}"),
    };
    black_box(n);
}
