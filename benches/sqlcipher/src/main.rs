//! SQLCipher doing the journal benchmark's work, for the side-by-side ratios: the same schema,
//! the same synthetic bodies, the same random 32-hex ids and the same statements as the
//! plain-rusqlite baseline in `core/benches/journal.rs`. Prints milliseconds as one JSON line.
//!
//! Usage: `lantern-bench-sqlcipher DIR [ENTRIES] [BODY_BYTES] [bulk-once|bulk-once-unkeyed]`.
//! With `bulk-once` it times one bulk insert into a fresh database and exits, so the journal
//! benchmark can run it between its own rounds (paired, under the same machine load);
//! `bulk-once-unkeyed` does the same without a key (this SQLite build, no encryption: what
//! SQLCipher's page encryption itself costs). Without a mode it measures everything with
//! medians of its own rounds.

use std::time::{Duration, Instant};

use rusqlite::{Connection, params};

const KEY: &str = "bench passphrase";

fn open(path: &std::path::Path) -> Connection {
    open_keyed(path, true)
}

/// `keyed: false` is the same SQLite build without encryption (a check of the baseline).
fn open_keyed(path: &std::path::Path, keyed: bool) -> Connection {
    let c = Connection::open(path).expect("open");
    // SQLCipher 4 defaults: PBKDF2-HMAC-SHA512, 256,000 iterations, per-page HMAC.
    if keyed {
        c.pragma_update(None, "key", KEY).expect("key");
    }
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

/// The journal benchmark's synthetic prose (the same generator as `core/benches/journal.rs`).
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

fn body(i: usize, n: usize) -> Vec<u8> {
    text(i, n).into_bytes()
}

/// Random-looking 32-hex ids (xorshift seeded from the clock): inserts land at random places
/// in the id index, as the journal's random ids do. LANTERN_BENCH_SEQUENTIAL_IDS=1 gives the
/// ids this helper used before (`{i:032x}`, appended in order), to show what that changes.
fn ids(n: usize) -> Vec<String> {
    if std::env::var_os("LANTERN_BENCH_SEQUENTIAL_IDS").is_some() {
        return (0..n).map(|i| format!("{i:032x}")).collect();
    }
    let mut x = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|_| format!("{:016x}{:016x}", next(), next()))
        .collect()
}

fn insert_all(c: &mut Connection, ids: &[String], bodies: &[Vec<u8>]) {
    let tx = c.transaction().expect("tx");
    {
        let mut st = tx
            .prepare_cached("INSERT INTO entries (id, created_at_ms, body) VALUES (?1, ?2, ?3)")
            .expect("prepare");
        for (i, b) in bodies.iter().enumerate() {
            st.execute(params![ids[i], 1_700_000_000_000 + i as i64 * 60_000, b])
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
}

/// CPU time of this thread so far (as the journal benchmark measures), unless
/// LANTERN_BENCH_WALL is set or the kernel does not report it.
fn thread_cpu() -> Option<Duration> {
    if std::env::var_os("LANTERN_BENCH_WALL").is_some() {
        return None;
    }
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(s.split_whitespace().next()?.parse().ok()?))
}

/// One timed bulk insert into a fresh database (the key's KDF runs before the clock starts).
/// The same clock as the journal benchmark: this thread's CPU time when available.
fn bulk_once(path: &std::path::Path, n: usize, size: usize, keyed: bool) -> Duration {
    let bodies: Vec<Vec<u8>> = (0..n).map(|i| body(i, size)).collect();
    let ids = ids(n);
    let mut c = open_keyed(path, keyed);
    schema(&c);
    let (cpu, t) = (thread_cpu(), Instant::now());
    insert_all(&mut c, &ids, &bodies);
    match (cpu, thread_cpu()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => t.elapsed(),
    }
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
    let mode = args.next();
    if let Some(m @ ("bulk-once" | "bulk-once-unkeyed")) = mode.as_deref() {
        let t = bulk_once(&dir.join("bulk.db"), n, size, m == "bulk-once");
        println!("{{\"insert_all_one_tx_ms\":{:.3}}}", t.as_secs_f64() * 1000.0);
        return;
    }

    let mut bulk = Vec::new();
    for round in 0..5 {
        bulk.push(bulk_once(&dir.join(format!("bulk{round}.db")), n, size, true));
    }

    let per_tx_n = 2000;
    let mut c = open(&dir.join("pertx.db"));
    schema(&c);
    let pertx_ids = ids(per_tx_n);
    let t = Instant::now();
    for i in 0..per_tx_n {
        let tx = c.transaction().expect("tx");
        tx.prepare_cached("INSERT INTO entries (id, created_at_ms, body) VALUES (?1, ?2, ?3)")
            .expect("prepare")
            .execute(params![pertx_ids[i], i as i64, body(i, size)])
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
