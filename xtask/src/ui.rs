//! The Kotlin side on the JVM (Maven): the test run (UI tests headless, the desktop window test
//! under `xvfb-run` when it is installed), `cargo xtask screenshots`, `cargo xtask desktop` and
//! the UI budget figures (`cargo xtask bench-ui`).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::{Knobs, Result, bindings, root, run};

/// Maven from android/, under `xvfb-run` when there is no display and Xvfb is installed.
fn maven(with_display: bool) -> Command {
    let needs_xvfb = with_display && std::env::var_os("DISPLAY").is_none() && has("xvfb-run");
    let mut c = if needs_xvfb {
        let mut c = Command::new("xvfb-run");
        c.args(["-a", "-s", "-screen 0 1280x1024x24", "mvn"]);
        c
    } else {
        Command::new("mvn")
    };
    c.current_dir(root().join("android"))
        .args(["-B", "-q", "-ntp"]);
    c
}

/// A Maven run of some of the UI module's tests ([tests] is Surefire's `-Dtest` pattern) against
/// the library in [lib_dir]. The other modules run no test then, which must not fail the build.
fn ui_tests(tests: &str, with_display: bool, lib_dir: &Path) -> Command {
    let mut c = maven(with_display);
    c.args(["-pl", "ui", "-am", "test"])
        .arg(format!("-Dtest={tests}"))
        .args([
            "-Dsurefire.failIfNoSpecifiedTests=false",
            "-Dlantern.failIfNoTests=false",
        ])
        .arg(format!("-Djna.library.path={}", lib_dir.display()));
    c
}

fn has(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Process ids of Kotlin compiler daemons now running (read from /proc).
fn kotlin_daemons() -> BTreeSet<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return BTreeSet::new();
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains("KotlinCompileDaemon"))
                .unwrap_or(false)
        })
        .collect()
}

/// Every JVM test: bindings, view models, and the shared UI (window test under Xvfb when possible).
pub fn maven_tests(lib_dir: &Path) -> Result {
    if std::env::var_os("DISPLAY").is_none() && !has("xvfb-run") {
        eprintln!(
            "xtask: no display and no xvfb-run: the desktop window test will be skipped (install xvfb)"
        );
    }
    let before = kotlin_daemons();
    let result = run(
        "Kotlin on the JVM: bindings, view models, Compose UI (Maven, JUnit 5, JNA)",
        maven(true)
            .arg("test")
            .arg(format!("-Djna.library.path={}", lib_dir.display())),
    );
    let left: Vec<u32> = kotlin_daemons().difference(&before).copied().collect();
    if !left.is_empty() {
        return Err(format!(
            "the Maven run left Kotlin compiler daemons running (pids {left:?}); kotlin.compiler.daemon must stay false"
        ));
    }
    result
}

pub fn screenshots() -> Result {
    let lib = bindings(Knobs::ForTests)?;
    let out = root().join("target/screenshots");
    let _ = std::fs::remove_dir_all(&out);
    run(
        "render every screen (light, dark, Spanish, font scale 2.0)",
        ui_tests(
            "ScreenshotRender",
            false,
            lib.parent().expect("library dir"),
        )
        .arg(format!("-Dlantern.screenshots={}", out.display())),
    )?;
    println!("screenshots: {}", out.join("index.html").display());
    Ok(())
}

/// Builds the UI module and returns the java command line that starts Lantern Desktop.
fn desktop_command(lib_dir: &Path, display_needed: bool, jvm_args: &[&str]) -> Result<Command> {
    let cp_file = root().join("target/android-jvm/desktop.classpath");
    run(
        "build Lantern Desktop",
        maven(false)
            .args([
                "-pl",
                "ui",
                "-am",
                "package",
                "dependency:build-classpath",
                "-DskipTests",
            ])
            .arg(format!("-Dmdep.outputFile={}", cp_file.display())),
    )?;
    let deps =
        std::fs::read_to_string(&cp_file).map_err(|e| format!("{}: {e}", cp_file.display()))?;
    let classes = root().join("target/android-jvm/lantern-ui/classes");
    let classpath = format!("{}:{}", classes.display(), deps.trim());
    let mut c = if display_needed && std::env::var_os("DISPLAY").is_none() && has("xvfb-run") {
        let mut c = Command::new("xvfb-run");
        c.args(["-a", "-s", "-screen 0 1280x1024x24", "java"]);
        c
    } else {
        Command::new("java")
    };
    c.arg("-cp")
        .arg(classpath)
        .arg(format!("-Djna.library.path={}", lib_dir.display()))
        .args(jvm_args)
        .arg("org.lantern.desktop.MainKt");
    Ok(c)
}

/// `cargo xtask desktop [--measure] [--data-dir DIR] [--lang es] [--dark]`.
pub fn desktop(args: &[String]) -> Result {
    let lib = bindings(Knobs::Shipping)?;
    let lib_dir = lib.parent().expect("library dir").to_path_buf();
    let measure = args.iter().any(|a| a == "--measure");
    if !measure && std::env::var_os("DISPLAY").is_none() {
        return Err("Lantern Desktop needs a display (DISPLAY is not set)".into());
    }
    // Measuring under Xvfb: Skia's software rasteriser, as the tests use.
    let jvm: &[&str] = if measure {
        &["-Dskiko.renderApi=SOFTWARE"]
    } else {
        &[]
    };
    let mut cmd = desktop_command(&lib_dir, measure, jvm)?;
    run("Lantern Desktop", cmd.args(args))
}

/// The UI budgets, printed as figures against their budgets (no timed test asserts them).
pub fn bench_ui() -> Result {
    let lib = bindings(Knobs::ForTests)?;
    let lib_dir = lib.parent().expect("library dir").to_path_buf();
    // Warm the build first so the suite's figure is test time, not compilation.
    run(
        "compile the UI module and its tests",
        maven(false).args(["-pl", "ui", "-am", "test-compile"]),
    )?;
    let started = Instant::now();
    run(
        "UI test suite",
        &mut ui_tests("org/lantern/ui/**", true, &lib_dir),
    )?;
    let suite = started.elapsed().as_secs_f64();
    println!(
        "UI test suite (the org.lantern.ui tests, already compiled): {suite:.0} s wall ({:.2}x of the 240 s budget)",
        suite / 240.0
    );
    // A supporter's data directory with a caseload of 20 peers (real cores, a real relay), which
    // the memory figure opens. The passphrase only guards this throw-away directory.
    let data = tempdir()?;
    let passphrase = "bench-ui caseload supporter";
    run(
        "seed a caseload of 20 peers",
        ui_tests("CaseloadSeed", false, &lib_dir)
            .arg(format!("-Dlantern.seedCaseload={}", data.display()))
            .arg(format!("-Dlantern.seedPassphrase={passphrase}")),
    )?;
    // Built once, then started several times (the first right after the build): a single start
    // swings by up to a second on this 2-core machine, so the figures are read together.
    let mut cmd = desktop_command(&lib_dir, true, &["-Dskiko.renderApi=SOFTWARE"])?;
    cmd.args(["--measure", "--data-dir"])
        .arg(&data)
        .env("LANTERN_MEASURE_PASSPHRASE", passphrase);
    for start in 1..=DESKTOP_STARTS {
        println!("desktop, start {start} of {DESKTOP_STARTS}:");
        run("Lantern Desktop --measure", &mut cmd)?;
    }
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}

/// Starts of Lantern Desktop that `bench-ui` measures.
const DESKTOP_STARTS: usize = 6;

fn tempdir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("lantern-bench-ui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}
