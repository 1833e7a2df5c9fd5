//! `lantern invite | pair | connections | consent | sync | inbox | audit`, run as real processes
//! on temporary data directories against a real relay on 127.0.0.1.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Stdio};

const PASS: &str = "test passphrase";

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn lantern(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .args(args)
        .env("LANTERN_DATA_DIR", dir)
        .env("LANTERN_KDF_ITERATIONS", "2")
        .env("LANTERN_PASSPHRASE", PASS)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let r = lantern(dir, args);
    assert!(r.ok, "{args:?} failed: {}", r.stderr);
    r.stdout
}

fn fails(dir: &Path, args: &[&str], msg: &str) {
    let r = lantern(dir, args);
    assert!(!r.ok, "{args:?} should have failed");
    assert!(
        r.stderr.starts_with("lantern: ") && r.stderr.contains(msg),
        "stderr: {}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1, "one-line error: {}", r.stderr);
}

#[test]
fn pair_grant_sync_revoke_and_audit_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = lantern_relay::spawn(lantern_relay::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: format!("sqlite:{}", tmp.path().join("relay.db").display()),
        ..lantern_relay::Config::default()
    })
    .unwrap();
    let (peer, sup) = (tmp.path().join("peer"), tmp.path().join("sup"));
    for d in [&peer, &sup] {
        ok(d, &["journal", "init"]);
    }
    ok(
        &peer,
        &[
            "journal",
            "add",
            "--text",
            // A terminal escape (set the window title, clear the screen) in shared text.
            "FAMILY-CANARY call\u{1b}]0;PWNED\u{7}\u{1b}[2J",
            "--tag",
            "family",
        ],
    );
    ok(
        &peer,
        &[
            "journal",
            "add",
            "--text",
            "WORK-CANARY stress",
            "--tag",
            "work",
        ],
    );
    ok(
        &peer,
        &["checkin", "--mood", "3", "--note", "CHECKIN-CANARY"],
    );

    let invite = ok(&sup, &["invite", "--relay", &relay.url(), "--name", "Sam"]);
    let invite = invite.trim();
    assert!(invite.starts_with("lantern:1:"));
    let paired = ok(&peer, &["pair", invite, "--name", "Pat"]);
    let mut lines = paired.lines();
    let conn = lines.next().unwrap().to_string();
    let number = lines.next().unwrap().to_string();
    assert_eq!(number.split(' ').count(), 12);
    ok(&peer, &["sync"]);
    ok(&sup, &["sync"]);
    let listed = ok(&sup, &["connections", "list"]);
    assert!(listed.contains(&conn) && listed.contains("Pat") && listed.contains(&number));

    fails(
        &peer,
        &[
            "consent",
            "grant",
            &conn,
            "--scope",
            "everything",
            "--purpose",
            "p",
            "--expires",
            "30d",
        ],
        "unknown scope",
    );
    fails(
        &peer,
        &[
            "consent",
            "grant",
            &conn,
            "--scope",
            "checkins",
            "--purpose",
            "p",
            "--expires",
            "2y",
        ],
        "at most one year",
    );
    let grant = ok(
        &peer,
        &[
            "consent",
            "grant",
            &conn,
            "--scope",
            "entries:tag=family",
            "--purpose",
            "weekly calls\u{1b}[31m\u{202e}",
            "--expires",
            "30d",
        ],
    );
    let grant = grant.trim().to_string();
    let list = ok(&peer, &["consent", "list"]);
    assert!(
        list.contains(&grant) && list.contains("active") && list.contains("entries:tag=family")
    );

    ok(&peer, &["sync"]);
    ok(&sup, &["sync"]);
    let inbox = ok(&sup, &["inbox"]);
    assert!(inbox.contains("FAMILY-CANARY"), "{inbox}");
    assert!(!inbox.contains("WORK-CANARY") && !inbox.contains("CHECKIN-CANARY"));
    assert!(inbox.contains("weekly calls"));
    // What the peer wrote reaches the terminal without its control characters.
    assert!(
        !inbox.contains('\u{1b}') && !inbox.contains('\u{7}') && !inbox.contains('\u{202e}'),
        "{inbox:?}"
    );
    assert!(
        inbox.contains("FAMILY-CANARY call ]0;PWNED  [2J"),
        "{inbox:?}"
    );

    ok(&peer, &["consent", "revoke", &grant]);
    assert!(ok(&peer, &["consent", "list"]).contains("revoked"));
    ok(&peer, &["sync"]);
    ok(&sup, &["sync"]);
    let inbox = ok(&sup, &["inbox", &conn]);
    assert!(!inbox.contains("item\t"), "{inbox}");

    let audit = ok(&peer, &["audit"]);
    assert!(
        audit.contains("grant-created")
            && audit.contains("disclosed")
            && audit.contains("grant-revoked")
    );
    assert!(!audit.contains("FAMILY-CANARY"));
    let json: serde_json::Value = serde_json::from_str(&ok(&peer, &["audit", "--json"])).unwrap();
    assert!(json["records"].as_array().unwrap().len() >= 4);
    assert!(ok(&peer, &["audit", "--verify"]).contains("verified"));

    // The exported log is signed: the supporter checks it against the peer's key as paired;
    // an edited copy, or checking it as someone else's, fails.
    let export = tmp.path().join("audit.json");
    std::fs::write(&export, ok(&peer, &["audit", "--json"])).unwrap();
    let path = export.to_str().unwrap();
    assert!(
        ok(&sup, &["audit", "--verify-export", path, "--from", &conn])
            .contains("audit export verified")
    );
    assert!(ok(&peer, &["audit", "--verify-export", path]).contains("signed by you"));
    fails(
        &sup,
        &["audit", "--verify-export", path],
        "signed by someone else",
    );
    let edited = std::fs::read_to_string(&export)
        .unwrap()
        .replace("grant-revoked", "grant-expired");
    std::fs::write(&export, edited).unwrap();
    fails(
        &sup,
        &["audit", "--verify-export", path, "--from", &conn],
        "integrity check failed",
    );

    // Someone who can write the files but lacks the passphrase un-revokes the grant: sync
    // refuses (nothing is disclosed) and --verify reports it.
    let db = rusqlite::Connection::open(peer.join("sharing.db")).unwrap();
    let revoked_at: i64 = db
        .query_row("SELECT revoked_at FROM grants", [], |r| r.get(0))
        .unwrap();
    db.execute("UPDATE grants SET revoked_at = NULL", [])
        .unwrap();
    drop(db);
    fails(&peer, &["sync"], "grant state was changed");
    fails(&peer, &["audit", "--verify"], "grant state was changed");
    assert!(ok(&peer, &["consent", "list"]).contains("revoked"));
    let db = rusqlite::Connection::open(peer.join("sharing.db")).unwrap();
    db.execute("UPDATE grants SET revoked_at = ?1", [revoked_at])
        .unwrap();
    drop(db);
    assert!(ok(&peer, &["audit", "--verify"]).contains("verified"));

    // Someone edits the log on disk: --verify fails with a one-line error.
    let db = rusqlite::Connection::open(peer.join("sharing.db")).unwrap();
    db.execute("UPDATE audit_log SET at = at + 3600 WHERE seq = 2", [])
        .unwrap();
    drop(db);
    fails(&peer, &["audit", "--verify"], "audit record 2");

    // Nothing readable on disk anywhere.
    for canary in [
        "FAMILY-CANARY",
        "WORK-CANARY",
        "CHECKIN-CANARY",
        "weekly calls",
    ] {
        for dir in [&peer, &sup] {
            for entry in std::fs::read_dir(dir).unwrap() {
                let bytes = std::fs::read(entry.unwrap().path()).unwrap();
                assert!(
                    !bytes.windows(canary.len()).any(|w| w == canary.as_bytes()),
                    "{canary}"
                );
            }
        }
    }
}

#[test]
fn the_demo_runs_and_exits_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let r = lantern(tmp.path(), &["demo"]);
    assert!(r.ok, "demo failed: {}", r.stderr);
    assert!(r.stdout.contains("the numbers match"));
    assert!(r.stdout.contains("Sam holds nothing from Pat any more"));
    assert!(r.stdout.contains("Demo complete"));
}

/// A hostile invite with an all-zero (low-order) X25519 key used to make `lantern pair` panic
/// (exit 101); it is now a one-line typed error and nothing is paired.
#[test]
fn pair_refuses_an_invite_with_a_low_order_key() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let tmp = tempfile::tempdir().unwrap();
    let peer = tmp.path().join("peer");
    ok(&peer, &["journal", "init"]);
    let b = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
    let json = serde_json::json!({
        "format": 1,
        "id": "hostile-invite",
        "relay_url": "http://127.0.0.1:9",
        "mailbox_id": "m".repeat(43),
        "capability": "cap",
        "name": "Mallory",
        "keys": {"signing": b(&[7u8; 32]), "receiving": b(&[0u8; 32])},
        "pair_secret": b(&[9u8; 32]),
    });
    let invite = format!("lantern:1:{}", b(json.to_string().as_bytes()));
    let r = lantern(&peer, &["pair", &invite, "--name", "Pat"]);
    assert!(!r.ok);
    assert!(!r.stderr.contains("panicked"), "no panic: {}", r.stderr);
    fails(&peer, &["pair", &invite, "--name", "Pat"], "receiving key");
    assert!(!ok(&peer, &["connections", "list"]).contains("Mallory"));
}

#[test]
fn reach_out_reply_and_replies_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let relay = lantern_relay::spawn(lantern_relay::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: format!("sqlite:{}", tmp.path().join("relay.db").display()),
        ..lantern_relay::Config::default()
    })
    .unwrap();
    let (peer, sup) = (tmp.path().join("peer"), tmp.path().join("sup"));
    for d in [&peer, &sup] {
        ok(d, &["journal", "init"]);
    }
    // Nobody can receive alerts yet: the help section shows all the same.
    let alone = lantern(&peer, &["reach-out", "--note", "anyone?"]);
    assert!(alone.ok, "{}", alone.stderr);
    assert!(alone.stdout.contains("Get help now"), "{}", alone.stdout);
    assert!(alone.stderr.contains("No supporter can receive alerts"));

    let invite = ok(&sup, &["invite", "--relay", &relay.url(), "--name", "Sam"]);
    let paired = ok(&peer, &["pair", invite.trim(), "--name", "Pat"]);
    let conn = paired.lines().next().unwrap().to_string();
    ok(&peer, &["sync"]);
    ok(&sup, &["sync"]);
    ok(
        &peer,
        &[
            "consent",
            "grant",
            &conn,
            "--scope",
            "alerts",
            "--purpose",
            "call me when I need it",
            "--expires",
            "30d",
        ],
    );
    ok(&peer, &["sync"]);
    fails(
        &peer,
        &["reach-out", "--note", &"x".repeat(281)],
        "at most 280 characters",
    );
    // A control character (a terminal escape) in the note is refused.
    fails(
        &peer,
        &["reach-out", "--note", "rough night\u{1b}[2J"],
        "no control characters",
    );
    let out = ok(&peer, &["reach-out", "--note", "rough night"]);
    let alert = out
        .lines()
        .find_map(|l| l.strip_prefix("alert\t"))
        .unwrap()
        .to_string();
    assert!(out.contains(&format!("to\t{conn}\tSam\tsent")), "{out}");
    assert!(out.contains("Get help now"));

    ok(&sup, &["sync"]);
    let inbox = ok(&sup, &["inbox"]);
    assert!(
        inbox.contains(&format!("alert\t{alert}")) && inbox.contains("rough night"),
        "{inbox}"
    );
    fails(
        &sup,
        &[
            "reply",
            &conn,
            &format!("alert:{alert}"),
            "--quick",
            "call-me-maybe",
        ],
        "unknown ready answer",
    );
    let sent = ok(
        &sup,
        &[
            "reply",
            &conn,
            &format!("alert:{alert}"),
            "--quick",
            "calling-now",
        ],
    );
    assert!(sent.starts_with("reply\tsent\t") && sent.contains("delivered"));
    ok(&peer, &["sync"]);
    let replies = ok(&peer, &["replies"]);
    assert!(
        replies.starts_with(&format!("reply\treceived\t{conn}\tSam\t"))
            && replies.contains(&format!("alert:{alert}"))
            && replies.contains("I'm calling you now."),
        "{replies}"
    );
    relay.shutdown().unwrap();
}
