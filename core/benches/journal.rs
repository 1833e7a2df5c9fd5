//! The journal's performance budgets, as ratios measured side by side in one run: the
//! encrypted journal vs plain rusqlite doing the same SQL on the same data without
//! encryption, and vs SQLCipher (a separate crate, `benches/sqlcipher`, run as a subprocess
//! because its SQLite must not enter the workspace).
//!
//! The machine this runs on is shared and its load changes by the second, so every budget is
//! measured in paired rounds: each round runs the baseline and the journal back to back
//! (alternating which goes first), and the ratio reported is the median of the per-round
//! ratios. Times are the measuring thread's own CPU time (`/proc/thread-self/schedstat`:
//! time actually on a CPU, so not the time other processes held it), falling back to wall
//! time where that file does not exist; LANTERN_BENCH_WALL=1 uses wall time. Absolute times
//! (medians) are printed for context only.
//!
//! Run: `cargo bench -p lantern-core --bench journal` (builds the SQLCipher helper on first
//! use; LANTERN_BENCH_NO_SQLCIPHER=1 skips it; LANTERN_BENCH_ROUNDS=n changes the rounds).
//! Without `--bench` (as `cargo test --all-targets` runs it) it is a quick smoke run.
//! Instruction-level profiles of the same work: `examples/journal_profile.rs`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lantern_core::crypto::hazmat;
use lantern_core::journal::{EntryQuery, JournalStore, NewEntry};
use lantern_core::vault::{Vault, VaultOptions};
use rusqlite::{Connection, params};

const SIZES: [usize; 3] = [128, 512, 2048];
const DB: &str = "private.db";

/// How much work one run does: full for `--bench`, tiny for the smoke run.
struct Plan {
    clock: Clock,
    n: usize,
    rounds: usize,
    per_tx: usize,
    warm_pages: usize,
    sqlcipher: bool,
}

/// Deterministic journal-like text of about `bytes` bytes from a 2,000-word vocabulary with
/// a skewed (Zipf-like) distribution, so searches behave as on real prose.
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
        let w = (2000.0f64.powf(r * r)) as usize; // skewed towards low word numbers
        s.push_str(&format!("w{w} "));
    }
    s.truncate(bytes);
    s
}

fn created(i: usize) -> i64 {
    1_700_000_000_000 + i as i64 * 60_000
}

fn new_entry(i: usize, size: usize) -> NewEntry {
    NewEntry {
        text: text(i, size),
        mood: Some((i % 5 + 1) as u8),
        tags: vec![],
        created_at_ms: Some(created(i)),
    }
}

/// A journal in `dir` with a platform key, so unlocking skips the KDF.
fn journal_in(dir: &Path, pk: &[u8; 32]) -> JournalStore {
    let path = dir.join(DB);
    let vault = Arc::new(Vault::open(&path, VaultOptions { kdf_iterations: 1 }).expect("vault"));
    vault.setup("harbor lights at dusk").expect("setup");
    vault
        .enable_platform_key(|dek| Ok(hazmat::seal_aes_gcm(pk, b"bench", dek)))
        .expect("platform key");
    JournalStore::open(&path, vault).expect("journal")
}

fn unlock_platform(j: &JournalStore, pk: &[u8; 32]) {
    j.vault()
        .unlock_with_platform_key(|w| {
            Ok(hazmat::open_aes_gcm(pk, b"bench", w)
                .expect("platform unwrap")
                .to_vec())
        })
        .expect("unlock");
}

/// Plain rusqlite: the same table shape and pragmas, bodies stored as they are.
fn plain_db(path: &Path) -> Connection {
    let c = lantern_core::store::open_database(path).expect("plain db");
    c.execute_batch(
        "CREATE TABLE IF NOT EXISTS entries (id TEXT PRIMARY KEY NOT NULL,
             created_at_ms INTEGER NOT NULL, body BLOB NOT NULL);
         CREATE INDEX IF NOT EXISTS entries_by_time ON entries (created_at_ms, id);",
    )
    .expect("schema");
    c
}

/// A random 32-hex id, as the journal makes: the baseline's id index sees the same random
/// insert pattern as the journal's.
fn random_id() -> String {
    hazmat::make_random::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const PLAIN_INSERT: &str = "INSERT INTO entries (id, created_at_ms, body) VALUES (?1, ?2, ?3)";

fn plain_insert(c: &Connection, id: &str, i: usize, body: &[u8]) {
    c.prepare_cached(PLAIN_INSERT)
        .expect("prepare")
        .execute(params![id, created(i), body])
        .expect("insert");
}

/// What an app's list screen needs from plain SQLite: id, time and body of each row.
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

const PLAIN_NEWEST_50: &str =
    "SELECT id, created_at_ms, body FROM entries ORDER BY created_at_ms DESC, id DESC LIMIT 50";
const PLAIN_ALL: &str = "SELECT id, created_at_ms, body FROM entries ORDER BY created_at_ms, id";

/// Per-round times (ms) of each contender of every scenario.
#[derive(Default)]
struct Results {
    times: BTreeMap<String, BTreeMap<&'static str, Vec<f64>>>,
}

impl Results {
    fn push(&mut self, scenario: &str, who: &'static str, ms: f64) {
        self.times
            .entry(scenario.to_string())
            .or_default()
            .entry(who)
            .or_default()
            .push(ms);
    }

    fn median(&self, scenario: &str, who: &str) -> Option<f64> {
        median(self.times.get(scenario)?.get(who)?.clone())
    }

    /// Median over rounds of `who`'s time divided by `base`'s time in the same round.
    fn ratio(&self, scenario: &str, who: &str, base: &str) -> Option<f64> {
        let s = self.times.get(scenario)?;
        let (a, b) = (s.get(who)?, s.get(base)?);
        median(a.iter().zip(b).map(|(x, y)| x / y).collect())
    }

    /// Smallest and largest per-round ratio, to show the spread.
    fn spread(&self, scenario: &str, who: &str, base: &str) -> Option<(f64, f64)> {
        let s = self.times.get(scenario)?;
        let r: Vec<f64> = s
            .get(who)?
            .iter()
            .zip(s.get(base)?)
            .map(|(x, y)| x / y)
            .collect();
        Some((
            r.iter().copied().fold(f64::INFINITY, f64::min),
            r.iter().copied().fold(0.0, f64::max),
        ))
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A clock for the measuring thread: its CPU time (see the module comment) or wall time.
#[derive(Clone, Copy)]
enum Clock {
    Cpu,
    Wall,
}

/// A started measurement.
struct Timer(Clock, Duration, Instant);

/// CPU time of this thread so far (nanoseconds on a CPU), if the kernel reports it.
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(
        s.split_whitespace().next()?.parse().ok()?,
    ))
}

impl Clock {
    fn pick() -> Clock {
        if std::env::var_os("LANTERN_BENCH_WALL").is_none() && thread_cpu().is_some() {
            Clock::Cpu
        } else {
            Clock::Wall
        }
    }

    fn start(self) -> Timer {
        Timer(self, self.cpu(), Instant::now())
    }

    fn cpu(self) -> Duration {
        match self {
            Clock::Cpu => thread_cpu().unwrap_or_default(),
            Clock::Wall => Duration::ZERO,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Clock::Cpu => "CPU time of the measuring thread",
            Clock::Wall => "wall time",
        }
    }
}

impl Timer {
    fn ms(&self) -> f64 {
        match self.0 {
            Clock::Cpu => ms(self.0.cpu().saturating_sub(self.1)),
            Clock::Wall => ms(self.2.elapsed()),
        }
    }
}

/// Runs the contenders of one round, the first one alternating from round to round.
fn paired(round: usize, mut steps: Vec<Box<dyn FnMut() + '_>>) {
    if round % 2 == 1 {
        steps.reverse();
    }
    for step in &mut steps {
        step();
    }
}

/// The SQLCipher helper (built on first use), or `None` when skipped or unbuildable.
fn sqlcipher_helper() -> Option<PathBuf> {
    if std::env::var_os("LANTERN_BENCH_NO_SQLCIPHER").is_some() {
        return None;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = root.join("benches/sqlcipher/Cargo.toml");
    let bin = root.join("benches/sqlcipher/target/release/lantern-bench-sqlcipher");
    eprintln!("building the SQLCipher helper if needed (vendored OpenSSL: long the first time)...");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let ok = std::process::Command::new(cargo)
        .args(["build", "--release", "--manifest-path"])
        .arg(&manifest)
        .status()
        .is_ok_and(|s| s.success());
    if !ok || !bin.exists() {
        eprintln!("SQLCipher helper did not build; SQLCipher ratios skipped");
        return None;
    }
    Some(bin)
}

/// Runs the helper once; its JSON line.
fn sqlcipher_run(
    bin: &Path,
    clock: Clock,
    n: usize,
    size: usize,
    mode: Option<&str>,
) -> Option<serde_json::Value> {
    let dir = tempfile::tempdir().expect("tmp");
    let mut cmd = std::process::Command::new(bin);
    cmd.arg(dir.path()).arg(n.to_string()).arg(size.to_string());
    if matches!(clock, Clock::Wall) {
        cmd.env("LANTERN_BENCH_WALL", "1");
    }
    if let Some(m) = mode {
        cmd.arg(m);
    }
    let out = cmd.output().ok()?;
    serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).ok()
}

/// Adding `n` entries in one transaction: plain, journal and (if built) SQLCipher per round.
fn bench_add_one_tx(plan: &Plan, sqlcipher: Option<&Path>, res: &mut Results) {
    let pk = hazmat::make_key();
    for size in SIZES {
        let scenario = format!("add_one_tx_{size}");
        let bodies: Vec<String> = (0..plan.n).map(|i| text(i, size)).collect();
        for round in 0..plan.rounds {
            let mut t_plain = 0.0;
            let mut t_journal = 0.0;
            let mut t_cipher = None;
            let mut steps: Vec<Box<dyn FnMut() + '_>> = vec![
                Box::new(|| {
                    let dir = tempfile::tempdir().expect("tmp");
                    let mut conn = plain_db(&dir.path().join("plain.db"));
                    let ids: Vec<String> = (0..plan.n).map(|_| random_id()).collect();
                    let t = plan.clock.start();
                    let tx = conn.transaction().expect("tx");
                    // One prepared statement for the run, as the journal does.
                    let mut insert = tx.prepare(PLAIN_INSERT).expect("prepare");
                    for (i, body) in bodies.iter().enumerate() {
                        insert
                            .execute(params![ids[i], created(i), body.as_bytes()])
                            .expect("insert");
                    }
                    drop(insert);
                    tx.commit().expect("commit");
                    t_plain = t.ms();
                }),
                Box::new(|| {
                    let dir = tempfile::tempdir().expect("tmp");
                    let j = journal_in(dir.path(), &pk);
                    let news: Vec<NewEntry> = (0..plan.n).map(|i| new_entry(i, size)).collect();
                    let t = plan.clock.start();
                    let added = black_box(j.add_entries(news).expect("add"));
                    t_journal = t.ms();
                    drop(added);
                }),
            ];
            if let Some(bin) = sqlcipher {
                steps.push(Box::new(|| {
                    t_cipher = sqlcipher_run(bin, plan.clock, plan.n, size, Some("bulk-once"))
                        .and_then(|v| v["insert_all_one_tx_ms"].as_f64());
                }));
            }
            paired(round, steps);
            res.push(&scenario, "plain", t_plain);
            res.push(&scenario, "journal", t_journal);
            if let Some(t) = t_cipher {
                res.push(&scenario, "sqlcipher", t);
            }
        }
    }
}

/// One entry per transaction (commit included), `per_tx` of them per round, into databases
/// that keep growing over the rounds as a real journal does.
fn bench_add_per_tx(plan: &Plan, res: &mut Results) {
    let pk = hazmat::make_key();
    for size in SIZES {
        let scenario = format!("add_per_tx_{size}");
        let dir = tempfile::tempdir().expect("tmp");
        let conn = plain_db(&dir.path().join("plain.db"));
        let j = journal_in(dir.path(), &pk);
        let body = text(1, size);
        let mut next_plain = 0;
        let mut next_journal = 0;
        for round in 0..plan.rounds {
            let (mut t_plain, mut t_journal) = (0.0, 0.0);
            paired(
                round,
                vec![
                    Box::new(|| {
                        let ids: Vec<String> = (0..plan.per_tx).map(|_| random_id()).collect();
                        let t = plan.clock.start();
                        for id in &ids {
                            conn.execute_batch("BEGIN").expect("begin");
                            plain_insert(&conn, id, next_plain, body.as_bytes());
                            conn.execute_batch("COMMIT").expect("commit");
                            next_plain += 1;
                        }
                        t_plain = t.ms();
                    }),
                    Box::new(|| {
                        let news: Vec<NewEntry> = (0..plan.per_tx)
                            .map(|k| new_entry(next_journal + k, size))
                            .collect();
                        next_journal += plan.per_tx;
                        let t = plan.clock.start();
                        for e in news {
                            black_box(j.add_entry(e).expect("add"));
                        }
                        t_journal = t.ms();
                    }),
                ],
            );
            // Per entry, so the summary reads as a rate.
            res.push(&scenario, "plain", t_plain / plan.per_tx as f64);
            res.push(&scenario, "journal", t_journal / plan.per_tx as f64);
        }
    }
}

/// Warm newest-50 page and decrypt-all, per size; plus cold open+unlock+page and search at
/// 2 KiB (absolute budgets).
fn bench_reads(plan: &Plan, res: &mut Results) {
    let pk = hazmat::make_key();
    for size in SIZES {
        let dir = tempfile::tempdir().expect("tmp");
        let j = journal_in(dir.path(), &pk);
        j.add_entries((0..plan.n).map(|i| new_entry(i, size)).collect())
            .expect("add");
        let plain_path = dir.path().join("plain.db");
        let plain = plain_db(&plain_path);
        {
            let tx = plain.unchecked_transaction().expect("tx");
            for i in 0..plan.n {
                plain_insert(&tx, &random_id(), i, text(i, size).as_bytes());
            }
            tx.commit().expect("commit");
        }
        // Warm both: page cache and statement caches.
        plain_rows(&plain, PLAIN_ALL);
        j.all_entries().expect("all");

        let warm = format!("warm_newest_50_{size}");
        let all = format!("read_all_{size}");
        for round in 0..plan.rounds {
            let (mut tp, mut tj) = (0.0, 0.0);
            paired(
                round,
                vec![
                    Box::new(|| {
                        let t = plan.clock.start();
                        for _ in 0..plan.warm_pages {
                            black_box(plain_rows(&plain, PLAIN_NEWEST_50));
                        }
                        tp = t.ms() / plan.warm_pages as f64;
                    }),
                    Box::new(|| {
                        let t = plan.clock.start();
                        for _ in 0..plan.warm_pages {
                            black_box(j.list_entries(&EntryQuery::default()).expect("list"));
                        }
                        tj = t.ms() / plan.warm_pages as f64;
                    }),
                ],
            );
            res.push(&warm, "plain", tp);
            res.push(&warm, "journal", tj);
            paired(
                round,
                vec![
                    Box::new(|| {
                        let t = plan.clock.start();
                        assert!(plain_rows(&plain, PLAIN_ALL) > 0);
                        tp = t.ms();
                    }),
                    Box::new(|| {
                        let t = plan.clock.start();
                        assert_eq!(j.all_entries().expect("all").len(), plan.n);
                        tj = t.ms();
                    }),
                ],
            );
            res.push(&all, "plain", tp);
            res.push(&all, "journal", tj);
        }
        if size != 2048 {
            continue;
        }
        drop(j);
        let path = dir.path().join(DB);
        for round in 0..plan.rounds {
            let (mut tp, mut tj) = (0.0, 0.0);
            paired(
                round,
                vec![
                    Box::new(|| {
                        let t = plan.clock.start();
                        let conn = lantern_core::store::open_database(&plain_path).expect("open");
                        assert!(plain_rows(&conn, PLAIN_NEWEST_50) > 0);
                        tp = t.ms();
                    }),
                    Box::new(|| {
                        let t = plan.clock.start();
                        let vault =
                            Arc::new(Vault::open(&path, VaultOptions::default()).expect("vault"));
                        let j = JournalStore::open(&path, vault).expect("open");
                        unlock_platform(&j, &pk);
                        let page = j.list_entries(&EntryQuery::default()).expect("list");
                        assert_eq!(page.entries.len(), 50.min(plan.n));
                        tj = t.ms();
                    }),
                ],
            );
            res.push("open_unlock_newest_50", "plain", tp);
            res.push("open_unlock_newest_50", "journal", tj);
        }
        let vault = Arc::new(Vault::open(&path, VaultOptions::default()).expect("vault"));
        let j = JournalStore::open(&path, vault).expect("open");
        for _ in 0..plan.rounds.min(5) {
            j.lock();
            unlock_platform(&j, &pk);
            let t = plan.clock.start();
            j.prepare_search().expect("index");
            res.push("search_build_index", "journal", t.ms());
        }
        // Two common words (each in about half the entries: thousands of matches to rank),
        // and two ordinary words (a few percent of entries each: a typical journal search).
        for (name, q) in [
            ("search_two_common_words", "w40 w75"),
            ("search_two_ordinary_words", "w400 w900"),
        ] {
            for _ in 0..plan.rounds {
                let t = plan.clock.start();
                for _ in 0..20 {
                    black_box(j.search(q, 20).expect("search"));
                }
                res.push(name, "journal", t.ms() / 20.0);
            }
        }
    }
}

/// Prints every budget with its paired ratio, its spread and whether it is met; then JSON.
fn summary(plan: &Plan, res: &Results, sqlcipher_full: Option<serde_json::Value>) {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "\n=== journal benchmark: {} entries, {} paired rounds, load average {} ===",
        plan.n,
        plan.rounds,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "ratio = median over rounds of journal/baseline in the same round [lowest-highest round]; times are {}",
        plan.clock.name()
    );
    let line = |what: String, scenario: &str, base: &str, op: &str, budget: f64, unit: &str| {
        let (Some(r), Some((lo, hi))) = (
            res.ratio(scenario, "journal", base),
            res.spread(scenario, "journal", base),
        ) else {
            println!("{what}: not measured");
            return;
        };
        let (j, b) = (
            res.median(scenario, "journal").unwrap_or(f64::NAN),
            res.median(scenario, base).unwrap_or(f64::NAN),
        );
        let met = if op == "<=" { r <= budget } else { r >= budget };
        println!(
            "{what}: journal {j:.4} {unit}, {base} {b:.4} {unit} -> {r:.2}x {base} [{lo:.2}-{hi:.2}] (budget {op} {budget}x): {}",
            if met { "met" } else { "NOT MET" }
        );
    };
    for size in SIZES {
        let s = format!("add_one_tx_{size}");
        line(
            format!("add {} x {size} B, one transaction", plan.n),
            &s,
            "plain",
            "<=",
            1.1,
            "ms",
        );
        line(
            format!("add {} x {size} B, one transaction", plan.n),
            &s,
            "sqlcipher",
            "<=",
            0.6,
            "ms",
        );
    }
    for size in SIZES {
        // Time per entry: journal/plain <= 1/0.95 is the same as rate >= 0.95x plain.
        let s = format!("add_per_tx_{size}");
        if let Some(r) = res.ratio(&s, "journal", "plain") {
            let (j, p) = (
                res.median(&s, "journal").unwrap_or(f64::NAN),
                res.median(&s, "plain").unwrap_or(f64::NAN),
            );
            let rate = 1.0 / r;
            println!(
                "one {size} B entry per transaction: journal {:.0}/s, plain {:.0}/s -> {rate:.2}x plain's rate (budget >= 0.95x): {}",
                1000.0 / j,
                1000.0 / p,
                if rate >= 0.95 { "met" } else { "NOT MET" }
            );
        }
    }
    for size in SIZES {
        line(
            format!("warm newest 50 of {}, {size} B", plan.n),
            &format!("warm_newest_50_{size}"),
            "plain",
            "<=",
            1.5,
            "ms",
        );
    }
    for size in SIZES {
        line(
            format!("decrypt and read all {}, {size} B", plan.n),
            &format!("read_all_{size}"),
            "plain",
            "<=",
            1.2,
            "ms",
        );
    }
    let abs = |name: &str| res.median(name, "journal").unwrap_or(f64::NAN);
    println!(
        "open + unlock (platform key, no KDF) + newest 50 of {}, 2 KiB: journal {:.3} ms, plain open+select {:.3} ms (budget <= 2 ms)",
        plan.n,
        abs("open_unlock_newest_50"),
        res.median("open_unlock_newest_50", "plain")
            .unwrap_or(f64::NAN)
    );
    println!(
        "search index build after unlock: {:.1} ms (budget <= 250 ms, built off the first page)",
        abs("search_build_index")
    );
    for name in ["search_two_ordinary_words", "search_two_common_words"] {
        println!("{name}, top 20: {:.3} ms (budget <= 2 ms)", abs(name));
    }
    if let Some(v) = &sqlcipher_full {
        println!("SQLCipher alone, 2 KiB (its own medians, for context): {v}");
    }
    let mut json = serde_json::Map::new();
    for (scenario, who) in &res.times {
        for (w, v) in who {
            json.insert(format!("{scenario}/{w}"), serde_json::json!(v));
        }
    }
    if let Some(v) = sqlcipher_full {
        json.insert("sqlcipher_2048_full".into(), v);
    }
    println!("JSON {}", serde_json::Value::Object(json));
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let rounds = std::env::var("LANTERN_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok());
    let plan = if full {
        Plan {
            clock: Clock::pick(),
            n: 10_000,
            rounds: rounds.unwrap_or(9),
            per_tx: 500,
            warm_pages: 300,
            sqlcipher: true,
        }
    } else {
        // `cargo test --all-targets`: every path once, small, and never the SQLCipher build.
        Plan {
            clock: Clock::pick(),
            n: 200,
            rounds: rounds.unwrap_or(1),
            per_tx: 5,
            warm_pages: 2,
            sqlcipher: false,
        }
    };
    let helper = if plan.sqlcipher {
        sqlcipher_helper()
    } else {
        None
    };
    let mut res = Results::default();
    bench_add_one_tx(&plan, helper.as_deref(), &mut res);
    bench_add_per_tx(&plan, &mut res);
    bench_reads(&plan, &mut res);
    let full_cipher = helper
        .as_deref()
        .and_then(|bin| sqlcipher_run(bin, plan.clock, plan.n, 2048, None));
    summary(&plan, &res, full_cipher);
}
