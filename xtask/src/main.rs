//! Build and test automation: `cargo xtask <command>`.
//!
//! - `test`     every test: fmt, clippy, Rust (incl. PostgreSQL relay suite), the relay against its
//!   OpenAPI spec (schemathesis), Kotlin on the JVM, Python, and a short run of every fuzz target
//! - `relay-spec` only the relay against its OpenAPI spec (part of `test`)
//! - `bindings` release cdylib + Kotlin, Swift and Python bindings (uniffi library mode) in target/bindings,
//!   as shipped (no test knobs; `test` builds them with `lantern-core/test-knobs`)
//! - `demo`     the whole product on an in-process relay and temporary data (`lantern demo`)
//! - `bench`    the benchmarks, figures printed with ratios against their baselines
//! - `size`     the size-optimised shipping library (LTO, stripped) and its size
//! - `strings`  iOS Localizable.strings and Android strings.xml from the shared string tables (`--check`)
//! - `screenshots` every screen of the shared Compose UI rendered headless to PNG + an HTML contact sheet
//! - `desktop`  Lantern Desktop (`--measure`: first-frame and memory figures, then exit)
//! - `bench-ui` the UI budgets: UI test suite wall time, desktop first frame and memory
//! - `ship`     the same library as a release: fails without a real course publisher key
//!   (`LANTERN_PACK_SIGNING_KEY`, never the committed development key) or over budget
//! - `fuzz`     `[TARGET] [SECONDS]`: the fuzz targets (cargo fuzz, nightly), each for SECONDS
//!
//! Plain `std::process` only, so this crate builds in seconds on a fresh machine.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod strings;
mod ui;

pub(crate) type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("bindings") => bindings(Knobs::Shipping).map(|_| ()),
        Some("demo") => demo(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("size") => size().map(|_| ()),
        Some("ship") => ship(),
        Some("relay-spec") => relay_spec(RelayBuild::Build),
        Some("fuzz") => fuzz_command(&args[1..]),
        Some("strings") => strings::strings(&args[1..]),
        Some("screenshots") => ui::screenshots(),
        Some("desktop") => ui::desktop(&args[1..]),
        Some("bench-ui") => ui::bench_ui(),
        _ => Err("usage: cargo xtask <test|relay-spec|bindings|demo|bench|bench-ui|size|ship|fuzz|strings|screenshots|desktop>".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn cargo() -> Command {
    let mut c = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

pub(crate) fn run(what: &str, cmd: &mut Command) -> Result {
    eprintln!("xtask: == {what}");
    let status = cmd
        .status()
        .map_err(|e| format!("{what}: cannot start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// Whether the library exposes the test knobs (`lantern-core/test-knobs`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Knobs {
    /// What apps ship: no test knobs in the FFI.
    Shipping,
    /// For the Kotlin and Python suites only (`Journal::set_kdf_iterations_for_tests`).
    ForTests,
}

/// Builds the release cdylib (symbols kept for uniffi's library mode) and generates the
/// bindings for every language into `target/bindings/<language>`. Returns the library path.
pub(crate) fn bindings(knobs: Knobs) -> Result<PathBuf> {
    let mut build = cargo();
    build.args([
        "build",
        "--release",
        "-p",
        "lantern-core",
        "-p",
        "uniffi-bindgen",
    ]);
    if knobs == Knobs::ForTests {
        build.args(["--features", "lantern-core/test-knobs"]);
    }
    run("release build of the core library", &mut build)?;
    let target = root().join("target");
    // liblantern_core.so on Linux, .dylib on macOS (where ios/scripts/build-xcframework.sh runs).
    let lib_name = format!(
        "{}lantern_core{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let lib = target.join("release").join(&lib_name);
    let bindgen = target.join("release/uniffi-bindgen");
    for lang in ["kotlin", "swift", "python"] {
        let out = target.join("bindings").join(lang);
        let _ = std::fs::remove_dir_all(&out);
        run(
            &format!("{lang} bindings"),
            Command::new(&bindgen)
                .current_dir(root().join("core"))
                .args(["generate", "--library"])
                .arg(&lib)
                .args(["--language", lang, "--no-format", "--out-dir"])
                .arg(&out),
        )?;
    }
    // Python loads the library from the module's own directory; expose it as `lantern`.
    let py = target.join("bindings/python");
    std::fs::copy(&lib, py.join(&lib_name)).map_err(|e| format!("copy cdylib: {e}"))?;
    std::fs::write(
        py.join("lantern.py"),
        "# Generated by `cargo xtask bindings`: the public name of the uniffi module.\nfrom lantern_core import *  # noqa: F401,F403\n",
    )
    .map_err(|e| format!("write lantern.py: {e}"))?;
    Ok(lib)
}

/// The PostgreSQL server the relay's Postgres suite runs against: the one named by
/// `LANTERN_TEST_POSTGRES_URL`, or a throwaway cluster from `scripts/start-postgres.sh`
/// that is stopped again when this guard drops.
struct Postgres {
    url: String,
    cluster_dir: Option<String>,
    /// The certificate the cluster serves TLS with (the relay's `sslmode=require` test).
    ca: Option<String>,
}

impl Postgres {
    fn start() -> Result<Self> {
        if let Ok(url) = env::var("LANTERN_TEST_POSTGRES_URL") {
            return Ok(Postgres {
                url,
                cluster_dir: None,
                ca: env::var("LANTERN_TEST_POSTGRES_CA").ok(),
            });
        }
        let out = Command::new("bash")
            .arg(root().join("scripts/start-postgres.sh"))
            .current_dir(root())
            .output()
            .map_err(|e| format!("start-postgres.sh: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "start-postgres.sh failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let exported = |name: &str| {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}=")))
                .map(|v| v.trim_matches(|c| c == '\'' || c == '"').to_string())
        };
        let url = exported("LANTERN_TEST_POSTGRES_URL")
            .ok_or("start-postgres.sh printed no LANTERN_TEST_POSTGRES_URL")?;
        Ok(Postgres {
            url,
            cluster_dir: exported("LANTERN_PG_DIR"),
            ca: exported("LANTERN_TEST_POSTGRES_CA"),
        })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(dir) = &self.cluster_dir {
            let _ = Command::new("bash")
                .arg(root().join("scripts/start-postgres.sh"))
                .args(["--stop", dir])
                .status();
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn test() -> Result {
    run(
        "cargo fmt --check",
        cargo().args(["fmt", "--all", "--", "--check"]),
    )?;
    run(
        "cargo clippy",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    let pg = Postgres::start()?;
    eprintln!("xtask: PostgreSQL for the relay suite is up");
    let mut rust_tests = cargo();
    rust_tests
        .args(["test", "--workspace", "--all-targets"])
        .env("LANTERN_TEST_POSTGRES_URL", &pg.url);
    if let Some(ca) = &pg.ca {
        rust_tests.env("LANTERN_TEST_POSTGRES_CA", ca);
    }
    run("Rust tests", &mut rust_tests)?;
    // The relay suite's integration tests built target/debug/lantern-relay with the
    // workspace's features; `cargo build -p lantern-relay` would resolve features anew and
    // rebuild most dependencies.
    relay_spec(RelayBuild::AlreadyBuilt)?;
    run(
        "generated string files are current",
        cargo().args(["xtask", "strings", "--check"]),
    )?;
    let lib = bindings(Knobs::ForTests)?;
    let lib_dir = lib.parent().expect("library has a directory").to_path_buf();
    ui::maven_tests(&lib_dir)?;
    run(
        "Python bindings (pytest)",
        Command::new("python3")
            .current_dir(root())
            .args(["-m", "pytest", "-q", "tests/python"])
            .env("PYTHONPATH", root().join("target/bindings/python")),
    )?;
    // Every fuzz target briefly (seeds, then a few seconds of fuzzing): a new crash fails here.
    fuzz(&FUZZ_TARGETS, FUZZ_SMOKE_SECS)?;
    eprintln!("xtask: all tests passed");
    Ok(())
}

/// Whether the spec run builds the relay binary or finds it built by the Rust tests.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RelayBuild {
    Build,
    AlreadyBuilt,
}

/// Cases per operation in the schemathesis run: about a minute on the project's machine.
const SPEC_MAX_EXAMPLES: &str = "40";

/// A child process killed (and reaped) when dropped, so no relay outlives a failed step.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The relay against its own spec: schemathesis (PyPI, installed by `.ci/run`) runs
/// `docs/relay-openapi.yaml` against the relay binary on 127.0.0.1 (SQLite in a temporary
/// directory), with hooks that sign owner requests (`tests/schemathesis/hooks.py`): every
/// check, all phases including the stateful flows, bounded by `--max-examples`.
fn relay_spec(build: RelayBuild) -> Result {
    if build == RelayBuild::Build {
        run(
            "build the relay for the spec run",
            cargo().args(["build", "-p", "lantern-relay", "--bin", "lantern-relay"]),
        )?;
    }
    let target = env::var("CARGO_TARGET_DIR").map_or_else(|_| root().join("target"), PathBuf::from);
    let dir = env::temp_dir().join(format!("lantern-relay-spec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("temp dir: {e}"))?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let url = format!("http://127.0.0.1:{port}");
    // Rate limits off: the run checks answers, not the limiter (the relay's suite does that).
    let relay = Reaped(
        Command::new(target.join("debug/lantern-relay"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--database")
            .arg(format!("sqlite:{}", dir.join("relay.db").display()))
            .args([
                "--rate-per-ip",
                "0",
                "--rate-per-key",
                "0",
                "--create-rate-per-ip",
                "0",
                // Push endpoints: only 127.0.0.1 (the hooks steer generated ones to its discard
                // port), so the run never sends a wake-up off this machine.
                "--push-allow-http",
                "--push-allow-private-addresses",
                "--push-endpoint-host",
                "127.0.0.1",
                "--push-max-attempts",
                "2",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start lantern-relay: {e}"))?,
    );
    wait_for_health(port)?;
    let tested = run(
        "the relay against docs/relay-openapi.yaml (schemathesis)",
        Command::new("python3")
            .current_dir(root())
            .args([
                "-m",
                "schemathesis.cli",
                "--config-file",
                "tests/schemathesis/schemathesis.toml",
                "run",
                "docs/relay-openapi.yaml",
                "--url",
                &url,
                "--max-examples",
                SPEC_MAX_EXAMPLES,
                // One worker: with two, hypothesis 6.170's lambda-source cache raised
                // "AST constructor recursion depth mismatch" inside schemathesis.
                "--workers",
                "1",
                "--no-color",
            ])
            .env("LANTERN_RELAY_URL", &url),
    );
    drop(relay);
    let _ = std::fs::remove_dir_all(&dir);
    tested
}

/// Waits up to 30 s until `/healthz` on 127.0.0.1:`port` answers 200.
fn wait_for_health(port: u16) -> Result {
    use std::io::{Read, Write};
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let answered = std::net::TcpStream::connect(("127.0.0.1", port)).and_then(|mut s| {
            s.write_all(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
            let mut out = String::new();
            s.read_to_string(&mut out)?;
            Ok(out.starts_with("HTTP/1.0 200") || out.starts_with("HTTP/1.1 200"))
        });
        if matches!(answered, Ok(true)) {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err("lantern-relay did not answer /healthz within 30 s".into());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The cargo-fuzz targets in `fuzz/` (see docs/fuzzing.md).
const FUZZ_TARGETS: [&str; 7] = [
    "course_source",
    "content_pack",
    "invite",
    "envelope",
    "backup_import",
    "audit_export",
    "relay_request",
];
/// Seconds each target runs in `cargo xtask test`: a smoke run that replays the seed corpus
/// and fuzzes briefly, so a new crash shows up without the long runs (docs/fuzzing.md).
const FUZZ_SMOKE_SECS: u32 = 10;
/// The cargo-fuzz version `.ci/run` installs.
const CARGO_FUZZ_VERSION: &str = "0.13.1";
/// libFuzzer limits: more memory than this, or one input running longer, is a failure.
const FUZZ_RSS_LIMIT_MB: u32 = 2048;
const FUZZ_TIMEOUT_SECS: u32 = 10;

/// `cargo xtask fuzz [TARGET] [SECONDS]`: every target (or one) for SECONDS each (default 60).
fn fuzz_command(args: &[String]) -> Result {
    let (targets, secs): (Vec<&str>, u32) = match args {
        [] => (FUZZ_TARGETS.to_vec(), 60),
        [t] | [t, _] if !FUZZ_TARGETS.contains(&t.as_str()) => {
            return Err(format!(
                "unknown fuzz target `{t}`; targets: {}",
                FUZZ_TARGETS.join(", ")
            ));
        }
        [t] => (vec![t.as_str()], 60),
        [t, secs] => (
            vec![t.as_str()],
            secs.parse()
                .map_err(|_| format!("`{secs}` is not a number of seconds"))?,
        ),
        _ => return Err("usage: cargo xtask fuzz [TARGET] [SECONDS]".into()),
    };
    fuzz(&targets, secs)
}

fn nightly_cargo() -> Command {
    let mut c = Command::new("cargo");
    c.current_dir(root());
    // The workspace's cargo (stable) must not leak its toolchain choice into the nightly one.
    c.env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .arg("+nightly");
    c
}

/// Builds the fuzz targets (nightly, AddressSanitizer, debug assertions) and runs each for
/// `secs` seconds from its committed seeds, new units going to a scratch directory.
fn fuzz(targets: &[&str], secs: u32) -> Result {
    let nightly = nightly_cargo().arg("--version").output();
    if !nightly.is_ok_and(|o| o.status.success()) {
        return Err(
            "fuzzing needs the nightly toolchain, which is missing: run \
             `rustup toolchain install nightly --profile minimal` (.ci/run does)"
                .into(),
        );
    }
    let fuzz = nightly_cargo().args(["fuzz", "--version"]).output();
    if !fuzz.is_ok_and(|o| o.status.success()) {
        return Err(format!(
            "fuzzing needs cargo-fuzz, which is missing: run \
             `cargo install cargo-fuzz --locked --version {CARGO_FUZZ_VERSION}` (.ci/run does)"
        ));
    }
    run(
        "fuzz targets build (cargo fuzz, nightly)",
        nightly_cargo().args(["fuzz", "build", "--debug-assertions"]),
    )?;
    let scratch = root().join("fuzz/work");
    for target in targets {
        let work = scratch.join(target);
        std::fs::create_dir_all(&work).map_err(|e| format!("create {}: {e}", work.display()))?;
        let seeds = root().join("fuzz/corpus").join(target);
        run(
            &format!("fuzz {target} for {secs} s"),
            nightly_cargo()
                .args(["fuzz", "run", "--debug-assertions", target])
                .arg(&work)
                .arg(&seeds)
                .arg("--")
                .arg(format!("-max_total_time={secs}"))
                .arg(format!("-rss_limit_mb={FUZZ_RSS_LIMIT_MB}"))
                .arg(format!("-timeout={FUZZ_TIMEOUT_SECS}"))
                .arg("-print_final_stats=1"),
        )
        .map_err(|e| {
            format!(
                "{e}: the crashing input is in fuzz/artifacts/{target}/; reproduce with \
                 `cargo +nightly fuzz run --debug-assertions {target} <file>`, then add it as a \
                 regression test (docs/fuzzing.md)"
            )
        })?;
    }
    Ok(())
}

fn demo(extra: &[String]) -> Result {
    run(
        "lantern demo",
        cargo()
            .args([
                "run",
                "--quiet",
                "--release",
                "-p",
                "lantern-cli",
                "--",
                "demo",
            ])
            .args(extra),
    )
}

fn bench(extra: &[String]) -> Result {
    run(
        "benchmarks",
        cargo().args(["bench", "--workspace"]).args(extra),
    )
}

/// The size budget of the shipping core library (docs/size.md).
const SIZE_BUDGET: u64 = 4 * 1024 * 1024;

fn size() -> Result<u64> {
    ship_build(false)
}

/// A shipping build: the course pack signed by the real publisher (`build.rs` enforces it again
/// with `LANTERN_SHIPPING=1`), and the library inside its size budget.
fn ship() -> Result {
    let key = env::var_os("LANTERN_PACK_SIGNING_KEY").map(PathBuf::from);
    check_publisher_key(key.as_deref())?;
    let bytes = ship_build(true)?;
    if bytes > SIZE_BUDGET {
        return Err(format!(
            "the library is {bytes} bytes, over the {SIZE_BUDGET}-byte budget"
        ));
    }
    println!("shipping library ready: target/ship/liblantern_core.stripped.so");
    Ok(())
}

/// Refuses a missing, unreadable or committed (development) course signing key.
fn check_publisher_key(key: Option<&Path>) -> Result {
    let key = key.ok_or(
        "a shipping build needs LANTERN_PACK_SIGNING_KEY=/path/to/publisher.pkcs8.hex \
         (kept outside the repository); see docs/content-format.md",
    )?;
    let text = std::fs::read_to_string(key)
        .map_err(|e| format!("LANTERN_PACK_SIGNING_KEY {}: {e}", key.display()))?;
    let dev = std::fs::read_to_string(root().join("content/keys/dev-publisher.pkcs8.hex"))
        .map_err(|e| format!("content/keys/dev-publisher.pkcs8.hex: {e}"))?;
    if text.trim().eq_ignore_ascii_case(dev.trim()) {
        return Err("LANTERN_PACK_SIGNING_KEY is the committed development key".into());
    }
    Ok(())
}

fn ship_build(shipping: bool) -> Result<u64> {
    let mut build = cargo();
    build.args([
        "rustc",
        "--profile",
        "ship",
        "-p",
        "lantern-core",
        "--lib",
        "--crate-type",
        "cdylib",
        // Only the final link: packed relative relocations (RELR; glibc >= 2.36 loads them,
        // an older one refuses the library by its GLIBC_ABI_DT_RELR version). The phones'
        // builds pack theirs too (core/build.rs for Android; Apple's linker on iOS).
        "--",
        "-C",
        "link-arg=-Wl,-z,pack-relative-relocs",
    ]);
    if shipping {
        build.env("LANTERN_SHIPPING", "1");
    }
    run("shipping build (LTO, opt-level z)", &mut build)?;
    let lib = root().join("target/ship/liblantern_core.so");
    let shipped = root().join("target/ship/liblantern_core.stripped.so");
    std::fs::copy(&lib, &shipped).map_err(|e| format!("copy: {e}"))?;
    run("strip", Command::new("strip").arg("-s").arg(&shipped))?;
    let bytes = std::fs::metadata(&shipped)
        .map_err(|e| format!("stat: {e}"))?
        .len();
    println!(
        "stripped LTO core library: {} bytes ({:.2} MiB; budget 4 MiB)",
        bytes,
        bytes as f64 / (1024.0 * 1024.0)
    );
    Ok(bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_shipping_build_refuses_a_missing_or_committed_publisher_key() {
        assert!(check_publisher_key(None).is_err());
        let dev = root().join("content/keys/dev-publisher.pkcs8.hex");
        let refused = check_publisher_key(Some(&dev)).unwrap_err();
        assert!(refused.contains("development key"), "{refused}");
        assert!(check_publisher_key(Some(Path::new("/nonexistent/key.hex"))).is_err());
        let dir = env::temp_dir().join(format!("xtask-ship-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let other = dir.join("publisher.pkcs8.hex");
        std::fs::write(&other, "00ff").unwrap();
        assert_eq!(check_publisher_key(Some(&other)), Ok(()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
