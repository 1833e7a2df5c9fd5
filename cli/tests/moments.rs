//! `lantern remind ...` and `lantern recovery ...`, run as real processes on temporary data
//! directories (debug builds honour `LANTERN_KDF_ITERATIONS`, keeping the KDF cheap here).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Stdio};

const PASS: &str = "harbor lights at dusk";

/// Runs `lantern ARGS` with `TZ` set (the `--zone` default); returns (success, stdout, stderr).
fn lantern(dir: &Path, tz: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .args(args)
        .env("LANTERN_DATA_DIR", dir)
        .env("LANTERN_KDF_ITERATIONS", "2")
        .env("LANTERN_PASSPHRASE", PASS)
        .env("TZ", tz)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (success, stdout, stderr) = lantern(dir, "Europe/Madrid", args);
    assert!(success, "lantern {args:?} failed: {stderr}");
    stdout
}

fn fails(dir: &Path, args: &[&str], msg: &str) {
    let (success, _, stderr) = lantern(dir, "Europe/Madrid", args);
    assert!(!success, "lantern {args:?} should fail");
    assert!(stderr.contains(msg), "stderr: {stderr}");
}

#[test]
fn remind_set_list_next_off() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["journal", "init"]);
    assert_eq!(ok(dir.path(), &["remind", "list"]), "off\n");
    // The zone defaults to the system's (TZ here).
    let saved = ok(
        dir.path(),
        &[
            "remind", "set", "--day", "thu,mon", "--day", "mon", "--time", "20:00", "--time",
            "8:30",
        ],
    );
    assert_eq!(
        saved,
        "days\tmon,thu\ntimes\t08:30,20:00\nzone\tEurope/Madrid\n"
    );
    assert_eq!(ok(dir.path(), &["remind", "list"]), saved);
    let next = ok(dir.path(), &["remind", "next", "--count", "4"]);
    let lines: Vec<&str> = next.lines().collect();
    assert_eq!(lines.len(), 4);
    for l in &lines {
        let f: Vec<&str> = l.split('\t').collect();
        assert!(f[1] == "mon" || f[1] == "thu", "{l}");
        assert!(f[2] == "08:30" || f[2] == "20:00", "{l}");
        assert!(f[3] == "UTC+01:00" || f[3] == "UTC+02:00", "{l}");
    }
    fails(
        dir.path(),
        &["remind", "set", "--day", "someday", "--time", "08:00"],
        "unknown day",
    );
    fails(
        dir.path(),
        &["remind", "set", "--day", "mon", "--time", "25:00"],
        "hour 0-23",
    );
    fails(
        dir.path(),
        &[
            "remind",
            "set",
            "--day",
            "mon",
            "--time",
            "08:00",
            "--zone",
            "Mars/Base",
        ],
        "unknown time zone",
    );
    // A refused schedule changed nothing.
    assert_eq!(ok(dir.path(), &["remind", "list"]), saved);
    assert_eq!(ok(dir.path(), &["remind", "off"]), "off\n");
    assert_eq!(ok(dir.path(), &["remind", "list"]), "off\n");
    assert_eq!(ok(dir.path(), &["remind", "next"]), "");
}

#[test]
fn recovery_set_show_reset_history_clear() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["journal", "init"]);
    assert_eq!(ok(dir.path(), &["recovery", "show"]), "not set\n");
    fails(dir.path(), &["recovery", "reset"], "no recovery start date");
    let shown = ok(
        dir.path(),
        &[
            "recovery",
            "set",
            "2020-02-29",
            "--zone",
            "Pacific/Auckland",
        ],
    );
    assert!(shown.starts_with("start\t2020-02-29\n"), "{shown}");
    assert!(shown.contains("\tPacific/Auckland\n"), "{shown}");
    for m in [
        "reached\t24 hours\t2020-03-01",
        "reached\t1 week\t2020-03-07",
        "reached\t6 months\t2020-08-29",
        "reached\t1 year\t2021-02-28",
        "reached\t4 years\t2024-02-29",
    ] {
        assert!(shown.contains(m), "{m} missing from {shown}");
    }
    assert!(shown.lines().any(|l| l.starts_with("next\t")), "{shown}");
    assert_eq!(ok(dir.path(), &["recovery", "show"]), shown);
    fails(dir.path(), &["recovery", "set", "2999-01-01"], "future");
    fails(
        dir.path(),
        &["recovery", "set", "29/02/2020"],
        "dates look like",
    );

    let reset = ok(dir.path(), &["recovery", "reset", "--on", "2024-01-01"]);
    assert!(reset.starts_with("start\t2024-01-01\n"), "{reset}");
    assert_eq!(
        ok(dir.path(), &["recovery", "history"]),
        "2020-02-29\t2024-01-01\t1402 days\n"
    );
    assert_eq!(ok(dir.path(), &["recovery", "clear"]), "cleared\n");
    assert_eq!(ok(dir.path(), &["recovery", "show"]), "not set\n");
    assert_eq!(ok(dir.path(), &["recovery", "history"]), "");
}
