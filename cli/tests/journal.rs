//! The `lantern journal` and `lantern checkin` commands, run as real processes on temporary
//! data directories. `LANTERN_KDF_ITERATIONS` (honoured by debug builds only) keeps the KDF
//! cheap here.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn lantern(dir: &Path, pass: Option<&str>, extra_env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lantern"));
    cmd.args(args)
        .env("LANTERN_DATA_DIR", dir)
        .env("LANTERN_KDF_ITERATIONS", "2")
        .env_remove("LANTERN_PASSPHRASE")
        .env_remove("LANTERN_NEW_PASSPHRASE")
        .env_remove("LANTERN_RECOVERY_CODE")
        .env_remove("LANTERN_BACKUP_PASSPHRASE")
        .stdin(Stdio::null());
    if let Some(p) = pass {
        cmd.env("LANTERN_PASSPHRASE", p);
    }
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    Run {
        ok: status.success(),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn ok(r: Run) -> String {
    assert!(r.ok, "command failed: {}", r.stderr);
    r.stdout
}

fn fails_with(r: Run, msg: &str) {
    assert!(!r.ok, "command should have failed");
    assert!(
        r.stderr.starts_with("lantern: ") && r.stderr.contains(msg),
        "stderr: {}",
        r.stderr
    );
}

fn init(dir: &Path, pass: &str) -> String {
    let code = ok(lantern(dir, Some(pass), &[], &["journal", "init"]))
        .trim()
        .to_string();
    // Never echo the code itself, even in a failing test's output.
    assert_eq!(code.len(), 39, "init prints one recovery code, XXXX-...");
    code
}

#[test]
fn add_list_show_edit_search_delete_trends_checkin() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let pw = Some("harbor lights at dusk");
    init(dir, "harbor lights at dusk");
    fails_with(
        lantern(dir, pw, &[], &["journal", "init"]),
        "already set up",
    );
    let a = ok(lantern(
        dir,
        pw,
        &[],
        &[
            "journal",
            "add",
            "--text",
            "A calm walk by the river",
            "--mood",
            "4",
            "--tag",
            "Outdoors",
            "--tag",
            "sleep",
        ],
    ))
    .trim()
    .to_string();
    assert_eq!(a.len(), 32);
    let b = ok(lantern(
        dir,
        pw,
        &[],
        &["journal", "add", "--text", "Hard meeting today"],
    ))
    .trim()
    .to_string();
    let list = ok(lantern(dir, pw, &[], &["journal", "list"]));
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with(&b) || lines[1].starts_with(&b));
    let tagged = ok(lantern(
        dir,
        pw,
        &[],
        &["journal", "list", "--tag", "outdoors"],
    ));
    assert_eq!(tagged.lines().count(), 1);
    assert!(tagged.starts_with(&a) && tagged.contains("\t4\toutdoors,sleep\tA calm walk"));
    assert_eq!(
        ok(lantern(dir, pw, &[], &["journal", "list", "--limit", "1"]))
            .lines()
            .count(),
        1
    );

    let show = ok(lantern(dir, pw, &[], &["journal", "show", &a]));
    assert!(
        show.contains("mood: 4")
            && show.contains("tags: outdoors, sleep")
            && show.ends_with("A calm walk by the river\n")
    );
    assert_eq!(
        ok(lantern(
            dir,
            pw,
            &[],
            &["journal", "edit", &a, "--text", "A quiet walk by the lake"]
        ))
        .trim(),
        a
    );
    let show = ok(lantern(dir, pw, &[], &["journal", "show", &a]));
    assert!(show.contains("edited: ") && show.contains("quiet walk by the lake"));

    assert!(ok(lantern(dir, pw, &[], &["journal", "search", "quiet lake"])).starts_with(&a));
    assert_eq!(
        ok(lantern(dir, pw, &[], &["journal", "search", "river"])),
        ""
    );

    let c = ok(lantern(
        dir,
        pw,
        &[],
        &["checkin", "--mood", "2", "--note", "tired"],
    ));
    assert_eq!(c.trim().len(), 32);
    fails_with(
        lantern(dir, pw, &[], &["checkin", "--mood", "9"]),
        "mood must be 1 to 5",
    );
    let trends = ok(lantern(dir, pw, &[], &["journal", "trends"]));
    assert!(
        trends
            .lines()
            .any(|l| l.starts_with("day\t") && l.ends_with("\t3.00\t2")),
        "{trends}"
    );
    assert!(trends.lines().any(|l| l.starts_with("week\t")));

    ok(lantern(dir, pw, &[], &["journal", "delete", &b]));
    fails_with(lantern(dir, pw, &[], &["journal", "show", &b]), "not found");
    fails_with(
        lantern(dir, pw, &[], &["journal", "delete", "nonsense"]),
        "malformed id",
    );
    assert_eq!(
        ok(lantern(dir, pw, &[], &["journal", "list"]))
            .lines()
            .count(),
        1
    );
}

#[test]
fn wrong_or_missing_passphrase_fails_cleanly_and_changes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    fails_with(
        lantern(
            dir,
            Some("harbor lights at dusk"),
            &[],
            &["journal", "list"],
        ),
        "not set up",
    );
    init(dir, "harbor lights at dusk");
    ok(lantern(
        dir,
        Some("harbor lights at dusk"),
        &[],
        &["journal", "add", "--text", "one"],
    ));
    fails_with(
        lantern(dir, Some("nope"), &[], &["journal", "add", "--text", "two"]),
        "wrong passphrase",
    );
    fails_with(
        lantern(dir, None, &[], &["journal", "list"]),
        "set LANTERN_PASSPHRASE",
    );
    assert_eq!(
        ok(lantern(
            dir,
            Some("harbor lights at dusk"),
            &[],
            &["journal", "list"]
        ))
        .lines()
        .count(),
        1
    );
}

#[test]
fn passphrase_change_and_recovery() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let code = init(dir, "old kettle on the stove");
    ok(lantern(
        dir,
        Some("old kettle on the stove"),
        &[],
        &["journal", "add", "--text", "kept"],
    ));
    fails_with(
        lantern(
            dir,
            Some("wrong"),
            &[("LANTERN_NEW_PASSPHRASE", "new kettle on the stove")],
            &["journal", "passphrase"],
        ),
        "wrong passphrase",
    );
    ok(lantern(
        dir,
        Some("old kettle on the stove"),
        &[("LANTERN_NEW_PASSPHRASE", "new kettle on the stove")],
        &["journal", "passphrase"],
    ));
    fails_with(
        lantern(
            dir,
            Some("old kettle on the stove"),
            &[],
            &["journal", "list"],
        ),
        "wrong passphrase",
    );
    assert!(
        ok(lantern(
            dir,
            Some("new kettle on the stove"),
            &[],
            &["journal", "list"]
        ))
        .contains("kept")
    );

    let bogus = "0000-0000-0000-0000-0000-0000-0000-0000";
    fails_with(
        lantern(
            dir,
            None,
            &[
                ("LANTERN_RECOVERY_CODE", bogus),
                ("LANTERN_NEW_PASSPHRASE", "x marks the spot here"),
            ],
            &["journal", "recover"],
        ),
        "wrong recovery code",
    );
    let next = ok(lantern(
        dir,
        None,
        &[
            ("LANTERN_RECOVERY_CODE", &code),
            ("LANTERN_NEW_PASSPHRASE", "fresh paint on the fence"),
        ],
        &["journal", "recover"],
    ));
    assert_eq!(next.trim().len(), 39);
    assert_ne!(next.trim(), code);
    assert!(
        ok(lantern(
            dir,
            Some("fresh paint on the fence"),
            &[],
            &["journal", "list"]
        ))
        .contains("kept")
    );
    fails_with(
        lantern(
            dir,
            None,
            &[
                ("LANTERN_RECOVERY_CODE", &code),
                ("LANTERN_NEW_PASSPHRASE", "y marks another spot"),
            ],
            &["journal", "recover"],
        ),
        "wrong recovery code",
    );
}

#[test]
fn encrypted_backup_import_and_explicit_plaintext_export() {
    let d = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dir = d.path();
    init(dir, "harbor lights at dusk");
    ok(lantern(
        dir,
        Some("harbor lights at dusk"),
        &[],
        &[
            "journal",
            "add",
            "--text",
            "CANARY-CLI-31 first",
            "--tag",
            "t1",
        ],
    ));
    ok(lantern(
        dir,
        Some("harbor lights at dusk"),
        &[],
        &["checkin", "--mood", "5"],
    ));
    let backup = out.path().join("journal.backup");
    let bk = backup.to_str().unwrap();
    ok(lantern(
        dir,
        Some("harbor lights at dusk"),
        &[("LANTERN_BACKUP_PASSPHRASE", "backup meadow otter")],
        &["journal", "export", "--out", bk],
    ));
    let raw = std::fs::read(&backup).unwrap();
    assert!(!raw.windows(9).any(|w| w == b"CANARY-CL"));

    let d2 = tempfile::tempdir().unwrap();
    init(d2.path(), "other harbor lights");
    fails_with(
        lantern(
            d2.path(),
            Some("other harbor lights"),
            &[],
            &["journal", "import", bk],
        ),
        "wrong passphrase",
    );
    let r = ok(lantern(
        d2.path(),
        Some("other harbor lights"),
        &[("LANTERN_BACKUP_PASSPHRASE", "backup meadow otter")],
        &["journal", "import", bk],
    ));
    assert_eq!(
        r.trim(),
        "entries added 1 skipped 0; check-ins added 1 skipped 0"
    );
    let r = ok(lantern(
        d2.path(),
        Some("other harbor lights"),
        &[("LANTERN_BACKUP_PASSPHRASE", "backup meadow otter")],
        &["journal", "import", bk],
    ));
    assert_eq!(
        r.trim(),
        "entries added 0 skipped 1; check-ins added 0 skipped 1"
    );
    assert!(
        ok(lantern(
            d2.path(),
            Some("other harbor lights"),
            &[],
            &["journal", "list", "--tag", "t1"]
        ))
        .contains("CANARY-CLI-31")
    );

    let md = out.path().join("journal.md");
    ok(lantern(
        dir,
        Some("harbor lights at dusk"),
        &[],
        &[
            "journal",
            "export",
            "--out",
            md.to_str().unwrap(),
            "--plaintext",
        ],
    ));
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.starts_with("# Lantern journal") && text.contains("CANARY-CLI-31 first"));
    let json = out.path().join("journal.json");
    ok(lantern(
        dir,
        Some("harbor lights at dusk"),
        &[],
        &[
            "journal",
            "export",
            "--out",
            json.to_str().unwrap(),
            "--plaintext",
            "--format",
            "json",
        ],
    ));
    assert!(
        std::fs::read_to_string(&json)
            .unwrap()
            .contains("\"text\": \"CANARY-CLI-31 first\"")
    );
}

/// Issue 11 item 7: a plaintext export onto an existing world-readable file, or through a
/// planted link, ends up as the person's own 0600 file and overwrites nothing else.
#[cfg(unix)]
#[test]
fn plaintext_export_is_owner_only_even_onto_an_existing_file_or_a_planted_link() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dir = d.path();
    init(dir, "harbor lights at dusk");
    ok(lantern(
        dir,
        Some("harbor lights at dusk"),
        &[],
        &["journal", "add", "--text", "CANARY-MODE"],
    ));
    let mode = |p: &Path| std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777;

    let md = out.path().join("journal.md");
    std::fs::write(&md, b"old").unwrap();
    std::fs::set_permissions(&md, std::fs::Permissions::from_mode(0o644)).unwrap();
    let victim = out.path().join("victim");
    std::fs::write(&victim, b"someone else's").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = out.path().join("link.md");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    for target in [&md, &link] {
        ok(lantern(
            dir,
            Some("harbor lights at dusk"),
            &[],
            &[
                "journal",
                "export",
                "--out",
                target.to_str().unwrap(),
                "--plaintext",
            ],
        ));
        assert_eq!(mode(target), 0o600);
        assert!(
            std::fs::read_to_string(target)
                .unwrap()
                .contains("CANARY-MODE")
        );
    }
    assert_eq!(std::fs::read(&victim).unwrap(), b"someone else's");
    assert_eq!(mode(&victim), 0o644);
}

/// Issue 11 item 10: the core's passphrase rule reaches the CLI; nothing is set up.
#[test]
fn weak_passphrases_are_refused_and_nothing_is_set_up() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    fails_with(
        lantern(dir, Some("pw"), &[], &["journal", "init"]),
        "too short",
    );
    fails_with(
        lantern(dir, Some("Password2024!"), &[], &["journal", "init"]),
        "too common",
    );
    fails_with(
        lantern(
            dir,
            Some("harbor lights at dusk"),
            &[],
            &["journal", "list"],
        ),
        "not set up",
    );
    init(dir, "harbor lights at dusk");
    fails_with(
        lantern(
            dir,
            Some("harbor lights at dusk"),
            &[("LANTERN_NEW_PASSPHRASE", "qwertyuiop")],
            &["journal", "passphrase"],
        ),
        "too common",
    );
    let out = tempfile::tempdir().unwrap();
    let bk = out.path().join("b");
    fails_with(
        lantern(
            dir,
            Some("harbor lights at dusk"),
            &[("LANTERN_BACKUP_PASSPHRASE", "letmein2024")],
            &["journal", "export", "--out", bk.to_str().unwrap()],
        ),
        "too common",
    );
    assert!(!bk.exists());
}
