//! SQLCipher doing the journal benchmark's work, for the side-by-side ratios: the same schema,
//! the same 2 KiB bodies, the same statements as the plain-rusqlite baseline in
//! `core/benches/journal.rs`. Prints medians in milliseconds as one JSON line on stdout.
//! Usage: `lantern-bench-sqlcipher DIR [ENTRIES] [BODY_BYTES]`.

use std::time::{Duration, Instant};

use rusqlite::{Connection, params};

const KEY: &str = "bench passphrase";

fn open(path: &std::path::Path) -> Connection {
    let c = Connection::open(path).expect("open");
    // SQLCipher 4 defaults: PBKDF2-HMAC-SHA512, 256,000 iterations, per-page HMAC.
    c.pragma_update(None, "key", KEY).expect("key");
    c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .expect("pragmas");
    c
}

fn schema(c: &Connection) {
    c.execute_batch(
        "CREATE TABLE IF NOT EXISTS entries (id TEXT PRIMARY KEY NOT NULL,
             created_at_ms INTEGER NOT NULL, body BLOB NOT NULL);
         CREATE INDEX IF NOT EXISTS entries_by_time ON entries (created_at_ms, id);",
    )
    .expect("schema");
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

fn body(i: usize, n: usize) -> Vec<u8> {
    (0..n).map(|j| (i * 31 + j * 7) as u8).collect()
}

fn insert_all(c: &mut Connection, n: usize, size: usize) {
    let tx = c.transaction().expect("tx");
    {
        let mut st = tx
            .prepare_cached("INSERT INTO entries (id, created_at_ms, body) VALUES (?1, ?2, ?3)")
            .expect("prepare");
        for i in 0..n {
            st.execute(params![format!("{i:032x}"), i as i64, body(i, size)])
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
}

fn newest_50(c: &Connection) -> usize {
    let mut st = c
        .prepare_cached(
            "SELECT id, created_at_ms, body FROM entries ORDER BY created_at_ms DESC, id DESC LIMIT 50",
        )
        .expect("prepare");
    let rows = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(2)?)))
        .expect("query");
    rows.map(|r| r.expect("row").1.len()).sum()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("usage: DIR [ENTRIES] [BODY_BYTES]"));
    let n: usize = args.next().map_or(10_000, |s| s.parse().expect("ENTRIES"));
    let size: usize = args.next().map_or(2048, |s| s.parse().expect("BODY_BYTES"));
    std::fs::create_dir_all(&dir).expect("dir");

    let mut bulk = Vec::new();
    for round in 0..5 {
        let path = dir.join(format!("bulk{round}.db"));
        let mut c = open(&path);
        schema(&c);
        let t = Instant::now();
        insert_all(&mut c, n, size);
        bulk.push(t.elapsed());
    }

    let per_tx_n = 2000;
    let mut c = open(&dir.join("pertx.db"));
    schema(&c);
    let t = Instant::now();
    for i in 0..per_tx_n {
        let tx = c.transaction().expect("tx");
        tx.prepare_cached("INSERT INTO entries (id, created_at_ms, body) VALUES (?1, ?2, ?3)")
            .expect("prepare")
            .execute(params![format!("{i:032x}"), i as i64, body(i, size)])
            .expect("insert");
        tx.commit().expect("commit");
    }
    let per_tx_rate = per_tx_n as f64 / t.elapsed().as_secs_f64();

    let path = dir.join("bulk0.db");
    let mut open_first = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let c = open(&path);
        assert!(newest_50(&c) > 0);
        open_first.push(t.elapsed());
    }
    let c = open(&path);
    newest_50(&c);
    let mut warm = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        newest_50(&c);
        warm.push(t.elapsed());
    }
    let mut read_all = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let mut st = c
            .prepare_cached("SELECT id, created_at_ms, body FROM entries")
            .expect("prepare");
        let total: usize = st
            .query_map([], |r| r.get::<_, Vec<u8>>(2))
            .expect("query")
            .map(|r| r.expect("row").len())
            .sum();
        assert_eq!(total, n * size);
        read_all.push(t.elapsed());
    }
    println!(
        "{{\"entries\":{n},\"body_bytes\":{size},\"insert_all_one_tx_ms\":{:.3},\"one_per_tx_per_s\":{:.0},\"open_with_kdf_newest_50_ms\":{:.3},\"warm_newest_50_ms\":{:.4},\"read_all_ms\":{:.3}}}",
        median(bulk),
        per_tx_rate,
        median(open_first),
        median(warm),
        median(read_all)
    );
}
