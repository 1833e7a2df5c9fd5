//! Course benchmarks: cold open of the core plus listing the units (fresh data directory each
//! time), and search over the course. Run: `cargo bench -p lantern-core --bench course`.
//!
//! After criterion's report, prints medians measured in this same process side by side with a
//! baseline (opening a bare rusqlite connection and running one query on a fresh directory) and the
//! docs/design.md budget (cold open + list units <= 20 ms), as ratios.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion};
use lantern_core::api::Lantern;

const BUDGET_COLD_OPEN: Duration = Duration::from_millis(20);

fn fresh_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn cold_open_and_list(dir: &tempfile::TempDir) -> usize {
    let lantern = Lantern::open(dir.path().display().to_string()).expect("opens");
    lantern.course().list_units().len()
}

fn bare_sqlite_open(dir: &tempfile::TempDir) -> i64 {
    let conn = rusqlite::Connection::open(dir.path().join("bare.db")).expect("opens");
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .expect("query")
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("course");
    g.bench_function("baseline_bare_rusqlite_open", |b| {
        b.iter_batched(
            fresh_dir,
            |d| {
                black_box(bare_sqlite_open(&d));
                d
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("cold_open_core_and_list_units", |b| {
        b.iter_batched(
            fresh_dir,
            |d| {
                black_box(cold_open_and_list(&d));
                d
            },
            BatchSize::PerIteration,
        )
    });
    let dir = fresh_dir();
    let lantern = Lantern::open(dir.path().display().to_string()).expect("opens");
    let course = lantern.course();
    course.search("warm".into()).expect("builds the index");
    g.bench_function("search_two_words_warm", |b| {
        b.iter(|| {
            black_box(
                course
                    .search("confidentiality trust".into())
                    .expect("search"),
            )
        })
    });
    g.bench_function("first_search_with_index_build", |b| {
        b.iter_batched(
            fresh_dir,
            |d| {
                let l = Lantern::open(d.path().display().to_string()).expect("opens");
                black_box(
                    l.course()
                        .search("confidentiality trust".into())
                        .expect("search"),
                );
                d
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("reopen_core_list_units_and_progress", |b| {
        let d = with_progress();
        b.iter(|| black_box(reopen_with_progress(&d)))
    });
    g.finish();
}

/// A data directory whose progress database already exists (an app's second start).
fn with_progress() -> tempfile::TempDir {
    let d = fresh_dir();
    let l = Lantern::open(d.path().display().to_string()).expect("opens");
    l.course()
        .mark_section_read(
            "peer-supporter".into(),
            "role-model".into(),
            "introduction".into(),
        )
        .expect("records");
    d
}

fn reopen_with_progress(d: &tempfile::TempDir) -> u32 {
    let l = Lantern::open(d.path().display().to_string()).expect("opens");
    let c = l.course();
    black_box(c.list_units());
    c.progress().expect("progress")[0].sections_read
}

/// Median wall time of `runs` calls of `f` on fresh directories (directory creation excluded).
fn median_fresh<T>(runs: usize, mut f: impl FnMut(&tempfile::TempDir) -> T) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let d = fresh_dir();
            let t = Instant::now();
            black_box(f(&d));
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn ratios() {
    let runs = 101;
    let baseline = median_fresh(runs, bare_sqlite_open);
    let cold = median_fresh(runs, cold_open_and_list);
    let dir = fresh_dir();
    let lantern = Lantern::open(dir.path().display().to_string()).expect("opens");
    let course = lantern.course();
    course.search("warm".into()).expect("builds the index");
    let mut search: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(
                course
                    .search("confidentiality trust".into())
                    .expect("search"),
            );
            t.elapsed()
        })
        .collect();
    search.sort();
    let search = search[runs / 2];
    let existing = with_progress();
    let mut reopen: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(reopen_with_progress(&existing));
            t.elapsed()
        })
        .collect();
    reopen.sort();
    let reopen = reopen[runs / 2];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!();
    println!("course medians ({runs} runs each, same process):");
    println!(
        "  baseline: bare rusqlite open + 1 query, fresh dir {:8.3} ms",
        ms(baseline)
    );
    println!(
        "  cold open core + list units, fresh dir            {:8.3} ms  = {:.2}x baseline, {:.3}x budget (20 ms)",
        ms(cold),
        cold.as_secs_f64() / baseline.as_secs_f64(),
        cold.as_secs_f64() / BUDGET_COLD_OPEN.as_secs_f64()
    );
    println!(
        "  search two words, warm index                      {:8.3} ms  = {:.2}x baseline",
        ms(search),
        search.as_secs_f64() / baseline.as_secs_f64()
    );
    println!(
        "  reopen core + list units + progress (course.db)   {:8.3} ms  = {:.2}x baseline, {:.3}x budget (20 ms)",
        ms(reopen),
        reopen.as_secs_f64() / baseline.as_secs_f64(),
        reopen.as_secs_f64() / BUDGET_COLD_OPEN.as_secs_f64()
    );
}

fn main() {
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    benches(&mut c);
    c.final_summary();
    ratios();
}
