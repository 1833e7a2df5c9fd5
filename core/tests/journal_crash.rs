//! Crash safety with real processes: this test binary re-runs itself as a child (the ignored
//! `crash_child` test, selected by an environment variable) that works on a journal and
//! prints what has returned; the parent SIGKILLs it at random moments, many times, then
//! checks that the database opens, passes `PRAGMA integrity_check`, and holds everything
//! whose call had returned. Total run time is a few seconds.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use lantern_core::LanternError;
use lantern_core::api::Journal;
use lantern_core::journal::NewEntry;
use lantern_core::vault::VaultOptions;

const FAST: VaultOptions = VaultOptions { kdf_iterations: 64 };
const PASS_A: &str = "passphrase A";
const PASS_B: &str = "passphrase B";

fn entry_text(run: u32, n: u32) -> String {
    format!("run {run} entry {n}: ").repeat(20)
}

/// The child side. Does nothing unless started by a parent below.
#[test]
#[ignore = "child process of the crash tests, started by them"]
fn crash_child() {
    let Ok(mode) = std::env::var("LANTERN_CRASH_CHILD") else {
        return;
    };
    let dir = std::env::var("LANTERN_CRASH_DIR").unwrap();
    let j = Journal::open(Path::new(&dir), FAST).unwrap();
    let mut out = std::io::stdout().lock();
    if mode == "add" {
        j.unlock(PASS_A.into()).unwrap();
    }
    // The parent starts its random delay from here, so kills land in the work, not in start-up.
    writeln!(out, "READY END").unwrap();
    out.flush().unwrap();
    match mode.as_str() {
        "add" => {
            let run: u32 = std::env::var("LANTERN_CRASH_RUN").unwrap().parse().unwrap();
            for n in 0.. {
                let e = j
                    .store()
                    .add_entry(NewEntry {
                        text: entry_text(run, n),
                        mood: Some((n % 5 + 1) as u8),
                        tags: vec![format!("run{run}")],
                        created_at_ms: None,
                    })
                    .unwrap();
                writeln!(out, "ADDED {} {run} {n} END", e.id).unwrap();
                out.flush().unwrap();
            }
        }
        "passphrase" => loop {
            j.change_passphrase(PASS_A.into(), PASS_B.into()).unwrap();
            writeln!(out, "NOW B END").unwrap();
            j.change_passphrase(PASS_B.into(), PASS_A.into()).unwrap();
            writeln!(out, "NOW A END").unwrap();
            out.flush().unwrap();
        },
        "recover" => {
            let mut code = std::env::var("LANTERN_CRASH_CODE").unwrap();
            for i in 0.. {
                let pass = if i % 2 == 0 { PASS_B } else { PASS_A };
                code = j.recover(code, pass.into()).unwrap();
                writeln!(out, "CODE {code} END").unwrap();
                out.flush().unwrap();
            }
        }
        other => panic!("unknown child mode {other}"),
    }
}

/// A small xorshift generator, seeded from the clock (the seed is printed for reruns).
struct Rng(u64);
impl Rng {
    fn new() -> Self {
        let seed = std::env::var("LANTERN_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("crash test seed: LANTERN_CRASH_SEED={seed}");
        Rng(seed)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Runs the child in `mode`, kills it with SIGKILL `delay` after it is ready, and returns
/// the complete lines it printed before dying.
fn run_child_and_kill(
    dir: &Path,
    mode: &str,
    env: &[(&str, String)],
    delay: Duration,
) -> Vec<String> {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "crash_child",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
        "-q",
    ])
    .env("LANTERN_CRASH_CHILD", mode)
    .env("LANTERN_CRASH_DIR", dir)
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(l) if l == "READY END" => break,
            Ok(_) => {}
            Err(e) => {
                child.kill().unwrap();
                panic!("the child never became ready: {e}");
            }
        }
    }
    std::thread::sleep(delay);
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    reader.join().unwrap();
    // Only complete lines count: a line cut by the kill has no " END".
    rx.into_iter().filter(|l| l.ends_with(" END")).collect()
}

fn integrity_ok(dir: &Path) {
    let conn = rusqlite::Connection::open(dir.join("private.db")).unwrap();
    let r: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(r, "ok");
}

fn setup(dir: &Path) -> String {
    let j = Journal::open(dir, FAST).unwrap();
    j.setup(PASS_A.into()).unwrap()
}

#[test]
fn killed_while_adding_entries_loses_nothing_that_was_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let mut rng = Rng::new();
    let mut acked: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let mut kills_mid_stream = 0;
    for run in 0..30u32 {
        let delay = Duration::from_millis(rng.below(40));
        let lines = run_child_and_kill(
            dir.path(),
            "add",
            &[("LANTERN_CRASH_RUN", run.to_string())],
            delay,
        );
        if !lines.is_empty() {
            kills_mid_stream += 1;
        }
        for l in lines {
            let f: Vec<&str> = l.split(' ').collect();
            assert_eq!(f.len(), 5, "{l}");
            acked.insert(
                f[1].to_string(),
                (f[2].parse().unwrap(), f[3].parse().unwrap()),
            );
        }
        integrity_ok(dir.path());
        let j = Journal::open(dir.path(), FAST).unwrap();
        j.unlock(PASS_A.into()).unwrap();
        for (id, (run, n)) in &acked {
            let e = j.store().get_entry(id).unwrap();
            assert_eq!(e.text, entry_text(*run, *n), "entry {id} intact");
        }
        // Nothing half-written either: every stored entry decrypts.
        let all = j.store().all_entries().unwrap();
        assert!(all.len() >= acked.len());
    }
    assert!(
        kills_mid_stream >= 5,
        "the child was killed while adding ({kills_mid_stream} runs)"
    );
    assert!(
        acked.len() > 50,
        "enough entries were acknowledged: {}",
        acked.len()
    );
    eprintln!(
        "{} acknowledged entries over {kills_mid_stream} killed runs",
        acked.len()
    );
}

fn count_and_unlock_with_either(dir: &Path, expected_entries: u64) -> &'static str {
    integrity_ok(dir);
    let j = Journal::open(dir, FAST).unwrap();
    let which = match j.unlock(PASS_A.into()) {
        Ok(()) => PASS_A,
        Err(LanternError::WrongPassphrase) => {
            j.unlock(PASS_B.into()).unwrap();
            PASS_B
        }
        Err(e) => panic!("unexpected {e:?}"),
    };
    assert_eq!(
        j.store().all_entries().unwrap().len() as u64,
        expected_entries
    );
    which
}

fn seed_entries(dir: &Path) -> u64 {
    let j = Journal::open(dir, FAST).unwrap();
    j.unlock(PASS_A.into()).unwrap();
    for n in 0..25 {
        j.store()
            .add_entry(NewEntry {
                text: entry_text(99, n),
                mood: None,
                tags: vec![],
                created_at_ms: None,
            })
            .unwrap();
    }
    25
}

#[test]
fn killed_while_changing_passphrase_opens_with_old_or_new_and_keeps_entries() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let n = seed_entries(dir.path());
    let mut rng = Rng::new();
    let mut changes = 0;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..15 {
        // The child must start on passphrase A; put it back if a run ended on B.
        if count_and_unlock_with_either(dir.path(), n) == PASS_B {
            Journal::open(dir.path(), FAST)
                .unwrap()
                .change_passphrase(PASS_B.into(), PASS_A.into())
                .unwrap();
        }
        let lines = run_child_and_kill(
            dir.path(),
            "passphrase",
            &[],
            Duration::from_millis(rng.below(40)),
        );
        changes += lines.len();
        seen.insert(count_and_unlock_with_either(dir.path(), n));
    }
    assert!(
        changes > 20,
        "the child changed the passphrase ({changes} times)"
    );
    eprintln!("ended on: {seen:?}");
}

#[test]
fn killed_while_recovering_opens_with_a_passphrase_and_keeps_entries() {
    // Each run starts from a copy of one closed template whose recovery code is known.
    let template = tempfile::tempdir().unwrap();
    let code = setup(template.path());
    let n = seed_entries(template.path());
    let mut rng = Rng::new();
    let mut recoveries = 0;
    for _ in 0..15 {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(template.path(), dir.path());
        let lines = run_child_and_kill(
            dir.path(),
            "recover",
            &[("LANTERN_CRASH_CODE", code.clone())],
            Duration::from_millis(rng.below(40)),
        );
        recoveries += lines.len();
        count_and_unlock_with_either(dir.path(), n);
    }
    assert!(recoveries > 10, "the child recovered ({recoveries} times)");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in std::fs::read_dir(from).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
    }
}
