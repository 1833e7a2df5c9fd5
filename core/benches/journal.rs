//! The journal's performance budgets (docs/design.md), measured side by side in one run:
//! the encrypted journal vs plain rusqlite doing the same SQL without encryption, and vs
//! SQLCipher (a separate crate, `benches/sqlcipher`, run as a subprocess because its SQLite
//! must not enter the workspace). Prints criterion's per-benchmark output, then a summary
//! of medians and ratios against the budgets.
//!
//! Run: `cargo bench -p lantern-core --bench journal` (builds the SQLCipher helper on first
//! use; set LANTERN_BENCH_NO_SQLCIPHER=1 to skip it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use std::hint::black_box;

use criterion::{BenchmarkGroup, Criterion, measurement::WallTime};
use lantern_core::crypto::hazmat;
use lantern_core::journal::{EntryQuery, JournalStore, NewEntry};
use lantern_core::vault::{Vault, VaultOptions};
use rusqlite::{Connection, params};

const N: usize = 10_000;
const SIZES: [usize; 2] = [2048, 512];
const DB: &str = "private.db";

/// (total ns, iterations) of every sample of every benchmark, from criterion's own runs.
static SAMPLES: Mutex<BTreeMap<String, Vec<(f64, u64)>>> = Mutex::new(BTreeMap::new());

fn record(name: &str, total: Duration, iters: u64) {
    SAMPLES
        .lock()
        .expect("samples lock")
        .entry(name.to_string())
        .or_default()
        .push((total.as_nanos() as f64, iters));
}

/// Median over samples of the time per iteration, in ms.
fn median_ms(name: &str) -> Option<f64> {
    let s = SAMPLES.lock().expect("samples lock");
    let mut v: Vec<f64> = s.get(name)?.iter().map(|(t, n)| t / *n as f64).collect();
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2] / 1e6)
}

/// Total time over total iterations, in ms: the right measure for a throughput whose
/// iterations are uneven (every ~1,000 commits a WAL checkpoint costs far more).
fn mean_ms(name: &str) -> Option<f64> {
    let s = SAMPLES.lock().expect("samples lock");
    let v = s.get(name)?;
    let (t, n) = v
        .iter()
        .fold((0.0, 0u64), |(t, n), (st, sn)| (t + st, n + sn));
    Some(t / n as f64 / 1e6)
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

fn new_entry(i: usize, size: usize) -> NewEntry {
    NewEntry {
        text: text(i, size),
        mood: Some((i % 5 + 1) as u8),
        tags: vec![],
        created_at_ms: Some(1_700_000_000_000 + i as i64 * 60_000),
    }
}

fn platform_key() -> Arc<zeroize::Zeroizing<[u8; 32]>> {
    Arc::new(hazmat::make_key())
}

/// A journal with `n` entries in `dir`, with a platform key so unlocking skips the KDF.
fn journal_with(dir: &Path, n: usize, size: usize, pk: &[u8; 32]) -> JournalStore {
    let path = dir.join(DB);
    let vault = Arc::new(Vault::open(&path, VaultOptions { kdf_iterations: 1 }).expect("vault"));
    vault.setup("bench harbor lights").expect("setup");
    vault
        .enable_platform_key(|dek| Ok(hazmat::seal_aes_gcm(pk, b"bench", dek)))
        .expect("platform key");
    let j = JournalStore::open(&path, vault).expect("journal");
    if n > 0 {
        j.add_entries((0..n).map(|i| new_entry(i, size)).collect())
            .expect("add");
    }
    j
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

fn plain_insert(c: &Connection, id: &str, i: usize, body: &[u8]) {
    c.prepare_cached("INSERT INTO entries (id, created_at_ms, body) VALUES (?1, ?2, ?3)")
        .expect("prepare")
        .execute(params![id, 1_700_000_000_000 + i as i64 * 60_000, body])
        .expect("insert");
}

fn plain_newest_50(c: &Connection) -> usize {
    c.prepare_cached(
        "SELECT id, created_at_ms, body FROM entries ORDER BY created_at_ms DESC, id DESC LIMIT 50",
    )
    .expect("prepare")
    .query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(2)?))
    })
    .expect("query")
    .map(|r| r.expect("row").1.len())
    .sum()
}

fn configure(g: &mut BenchmarkGroup<'_, WallTime>, secs: u64) {
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(secs));
}

fn bench_bulk_add(c: &mut Criterion) {
    for size in SIZES {
        let mut g = c.benchmark_group(format!("add_10k_one_tx_{size}B"));
        configure(&mut g, 3);
        let bodies: Vec<String> = (0..N).map(|i| text(i, size)).collect();
        let ids: Vec<String> = (0..N).map(|_| random_id()).collect();
        g.bench_function("plain_rusqlite", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let dir = tempfile::tempdir().expect("tmp");
                    let mut conn = plain_db(&dir.path().join("plain.db"));
                    let t = Instant::now();
                    let tx = conn.transaction().expect("tx");
                    for (i, body) in bodies.iter().enumerate() {
                        plain_insert(&tx, &ids[i], i, body.as_bytes());
                    }
                    tx.commit().expect("commit");
                    total += t.elapsed();
                }
                record(&format!("add_one_tx_{size}/plain"), total, iters);
                total
            })
        });
        let pk = platform_key();
        g.bench_function("journal", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let dir = tempfile::tempdir().expect("tmp");
                    let j = journal_with(dir.path(), 0, size, &pk);
                    let news: Vec<NewEntry> = (0..N).map(|i| new_entry(i, size)).collect();
                    let t = Instant::now();
                    black_box(j.add_entries(news).expect("add"));
                    total += t.elapsed();
                }
                record(&format!("add_one_tx_{size}/journal"), total, iters);
                total
            })
        });
        g.finish();
    }
}

fn bench_add_per_tx(c: &mut Criterion) {
    let size = 2048;
    let mut g = c.benchmark_group("add_one_entry_own_tx_2048B");
    configure(&mut g, 2);
    let dir = tempfile::tempdir().expect("tmp");
    let conn = plain_db(&dir.path().join("plain.db"));
    let body = text(1, size);
    let mut i = 0;
    g.bench_function("plain_rusqlite", |b| {
        b.iter_custom(|iters| {
            let ids: Vec<String> = (0..iters).map(|_| random_id()).collect();
            let t = Instant::now();
            for id in &ids {
                conn.execute_batch("BEGIN").expect("begin");
                plain_insert(&conn, id, i, body.as_bytes());
                conn.execute_batch("COMMIT").expect("commit");
                i += 1;
            }
            let d = t.elapsed();
            record("add_per_tx/plain", d, iters);
            d
        })
    });
    let pk = platform_key();
    let j = journal_with(dir.path(), 0, size, &pk);
    let mut k = 0;
    g.bench_function("journal", |b| {
        b.iter_custom(|iters| {
            let news: Vec<NewEntry> = (0..iters as usize)
                .map(|n| new_entry(k + n, size))
                .collect();
            k += iters as usize;
            let t = Instant::now();
            for e in news {
                black_box(j.add_entry(e).expect("add"));
            }
            let d = t.elapsed();
            record("add_per_tx/journal", d, iters);
            d
        })
    });
    g.finish();
}

fn bench_reads(c: &mut Criterion) {
    let size = 2048;
    let dir = tempfile::tempdir().expect("tmp");
    let pk = platform_key();
    let j = journal_with(dir.path(), N, size, &pk);
    drop(j);
    let plain_path = dir.path().join("plain.db");
    {
        let mut conn = plain_db(&plain_path);
        let tx = conn.transaction().expect("tx");
        for i in 0..N {
            plain_insert(&tx, &random_id(), i, text(i, size).as_bytes());
        }
        tx.commit().expect("commit");
    }

    let mut g = c.benchmark_group("open_unlock_newest_50_of_10k");
    configure(&mut g, 2);
    g.bench_function("plain_rusqlite", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                let conn = lantern_core::store::open_database(&plain_path).expect("open");
                assert!(plain_newest_50(&conn) > 0);
            }
            let d = t.elapsed();
            record("open_newest_50/plain", d, iters);
            d
        })
    });
    g.bench_function("journal_platform_key_unlock", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                let path = dir.path().join(DB);
                let vault = Arc::new(Vault::open(&path, VaultOptions::default()).expect("vault"));
                let j = JournalStore::open(&path, vault).expect("open");
                unlock_platform(&j, &pk);
                let page = j.list_entries(&EntryQuery::default()).expect("list");
                assert_eq!(page.entries.len(), 50);
            }
            let d = t.elapsed();
            record("open_newest_50/journal", d, iters);
            d
        })
    });
    g.finish();

    let path = dir.path().join(DB);
    let vault = Arc::new(Vault::open(&path, VaultOptions::default()).expect("vault"));
    let j = JournalStore::open(&path, vault).expect("open");
    unlock_platform(&j, &pk);
    let plain = lantern_core::store::open_database(&plain_path).expect("open");

    let mut g = c.benchmark_group("warm_newest_50_of_10k");
    configure(&mut g, 2);
    g.bench_function("plain_rusqlite", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                black_box(plain_newest_50(&plain));
            }
            let d = t.elapsed();
            record("warm_newest_50/plain", d, iters);
            d
        })
    });
    g.bench_function("journal", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                black_box(j.list_entries(&EntryQuery::default()).expect("list"));
            }
            let d = t.elapsed();
            record("warm_newest_50/journal", d, iters);
            d
        })
    });
    g.finish();

    let mut g = c.benchmark_group("read_all_10k");
    configure(&mut g, 3);
    g.bench_function("plain_rusqlite", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                let rows: Vec<(String, i64, Vec<u8>)> = plain
                    .prepare_cached(
                        "SELECT id, created_at_ms, body FROM entries ORDER BY created_at_ms, id",
                    )
                    .expect("prepare")
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .expect("query")
                    .collect::<Result<_, _>>()
                    .expect("rows");
                assert_eq!(rows.len(), N);
            }
            let d = t.elapsed();
            record("read_all/plain", d, iters);
            d
        })
    });
    g.bench_function("journal_decrypt", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                assert_eq!(j.all_entries().expect("all").len(), N);
            }
            let d = t.elapsed();
            record("read_all/journal", d, iters);
            d
        })
    });
    g.finish();

    let mut g = c.benchmark_group("search_10k");
    configure(&mut g, 3);
    g.bench_function("build_index_after_unlock", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                j.lock();
                unlock_platform(&j, &pk);
                let t = Instant::now();
                j.prepare_search().expect("index");
                total += t.elapsed();
            }
            record("search/build_index", total, iters);
            total
        })
    });
    j.prepare_search().expect("index");
    // Two common words (each in about half the entries: thousands of matches to rank), and
    // two ordinary words (a few percent of entries each: a typical journal search).
    for (name, q) in [
        ("two_common_words", "w40 w75"),
        ("two_ordinary_words", "w400 w900"),
    ] {
        assert!(!j.search(q, 20).expect("search").is_empty(), "{q} matches");
        g.bench_function(format!("{name}_top_20"), |b| {
            b.iter_custom(|iters| {
                let t = Instant::now();
                for _ in 0..iters {
                    black_box(j.search(q, 20).expect("search"));
                }
                let d = t.elapsed();
                record(&format!("search/{name}"), d, iters);
                d
            })
        });
    }
    g.finish();
}

/// Runs the SQLCipher helper (building it on first use) and returns its JSON line.
fn sqlcipher(size: usize) -> Option<serde_json::Value> {
    if std::env::var_os("LANTERN_BENCH_NO_SQLCIPHER").is_some() {
        return None;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = root.join("benches/sqlcipher/Cargo.toml");
    let bin = root.join("benches/sqlcipher/target/release/lantern-bench-sqlcipher");
    if !bin.exists() {
        eprintln!(
            "building the SQLCipher helper (vendored OpenSSL; several minutes the first time)..."
        );
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let ok = std::process::Command::new(cargo)
            .args(["build", "--release", "--manifest-path"])
            .arg(&manifest)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("SQLCipher helper did not build; SQLCipher ratios skipped");
            return None;
        }
    }
    let dir = tempfile::tempdir().expect("tmp");
    let out = std::process::Command::new(&bin)
        .arg(dir.path())
        .arg(N.to_string())
        .arg(size.to_string())
        .output()
        .ok()?;
    let line = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(line.trim()).ok()
}

fn summary() {
    let get = |k: &str| median_ms(k).unwrap_or(f64::NAN);
    let mut json = serde_json::Map::new();
    println!("\n=== journal benchmark summary: medians, {N} entries ===");
    for size in SIZES {
        let (j, p) = (
            get(&format!("add_one_tx_{size}/journal")),
            get(&format!("add_one_tx_{size}/plain")),
        );
        let sc = sqlcipher(size);
        let sc_ms = sc.as_ref().and_then(|v| v["insert_all_one_tx_ms"].as_f64());
        print!(
            "add {N} x {size} B, one transaction: journal {j:.1} ms, plain {p:.1} ms -> {:.2}x plain (budget <= 1.10x)",
            j / p
        );
        match sc_ms {
            Some(s) => println!(
                ", SQLCipher {s:.1} ms -> {:.2}x SQLCipher (budget <= 0.60x)",
                j / s
            ),
            None => println!(", SQLCipher not measured"),
        }
        json.insert(format!("add_one_tx_{size}_journal_ms"), j.into());
        json.insert(format!("add_one_tx_{size}_plain_ms"), p.into());
        if let Some(v) = sc {
            json.insert(format!("sqlcipher_{size}"), v);
        }
    }
    let mean = |k: &str| mean_ms(k).unwrap_or(f64::NAN);
    let (j, p) = (mean("add_per_tx/journal"), mean("add_per_tx/plain"));
    println!(
        "add one 2 KiB entry per transaction (mean): journal {:.0}/s, plain {:.0}/s -> {:.2}x plain (budget >= 30,000/s)",
        1000.0 / j,
        1000.0 / p,
        p / j
    );
    if let Some(s) = json
        .get("sqlcipher_2048")
        .and_then(|v| v["one_per_tx_per_s"].as_f64())
    {
        println!("    SQLCipher one per transaction: {s:.0}/s");
    }
    let (j, p) = (get("open_newest_50/journal"), get("open_newest_50/plain"));
    println!(
        "open + unlock (platform key, no KDF) + newest 50 of {N}: journal {j:.3} ms, plain open+select {p:.3} ms -> {:.2}x (budget <= 2 ms)",
        j / p
    );
    if let Some(s) = json
        .get("sqlcipher_2048")
        .and_then(|v| v["open_with_kdf_newest_50_ms"].as_f64())
    {
        println!("    SQLCipher open (its own KDF) + newest 50: {s:.1} ms");
    }
    let (j, p) = (get("warm_newest_50/journal"), get("warm_newest_50/plain"));
    println!(
        "warm newest 50: journal {j:.4} ms, plain {p:.4} ms -> {:.2}x (budget <= 0.1 ms)",
        j / p
    );
    let (j, p) = (get("read_all/journal"), get("read_all/plain"));
    print!(
        "decrypt and read all {N}: journal {j:.1} ms, plain {p:.1} ms -> {:.2}x plain (budget <= 1.5x)",
        j / p
    );
    match json
        .get("sqlcipher_2048")
        .and_then(|v| v["read_all_ms"].as_f64())
    {
        Some(s) => println!(", SQLCipher {s:.1} ms"),
        None => println!(),
    }
    let b = get("search/build_index");
    println!(
        "search index build after unlock: {b:.1} ms (budget <= 250 ms, built off the first page)"
    );
    for name in ["two_ordinary_words", "two_common_words"] {
        let q = get(&format!("search/{name}"));
        println!("{name} query, top 20: {q:.3} ms (budget <= 2 ms)");
    }
    let names: Vec<String> = SAMPLES
        .lock()
        .expect("samples lock")
        .keys()
        .cloned()
        .collect();
    for k in names {
        json.insert(format!("median_ms/{k}"), get(&k).into());
        json.insert(format!("mean_ms/{k}"), mean(&k).into());
    }
    println!("JSON {}", serde_json::Value::Object(json));
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench_bulk_add(&mut c);
    bench_add_per_tx(&mut c);
    bench_reads(&mut c);
    c.final_summary();
    // `cargo test --all-targets` runs each benchmark once as a smoke test (no `--bench`): the
    // summary would only print NaNs there, and must not build the SQLCipher helper in CI.
    if std::env::args().any(|a| a == "--bench") {
        summary();
    }
}
