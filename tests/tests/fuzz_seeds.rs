//! The fuzz targets' seed corpus (`fuzz/corpus/<target>/`, see `docs/fuzzing.md`): real inputs
//! the code produced, so each fuzz run starts from valid packs, invites, envelopes, backups and
//! audit exports rather than from nothing.
//!
//! `write_fuzz_seeds` (ignored: it writes into the source tree) regenerates the generated seeds:
//! `cargo test -p lantern-tests --test fuzz_seeds -- --ignored write_fuzz_seeds`. The relay's
//! seeds and the envelope and pairing templates are written by hand (their placeholders are
//! described in each target's header). `committed_seeds_are_real_inputs` checks that the
//! committed seeds are still what they claim to be, so a format change that makes them stale
//! fails here instead of silently weakening the fuzzing.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use lantern_core::consent::Scope;
use lantern_core::course::model::Pack;
use lantern_core::course::{envelope as pack_envelope, pack};
use lantern_core::crypto::hazmat::{SigningKey, make_key};
use lantern_core::journal::{JournalStore, NewEntry};
use lantern_core::sharing::audit::{AuditExport, verify_records};
use lantern_core::sharing::envelope::{self, Payload};
use lantern_core::sharing::identity::Invite;
use lantern_core::sharing::sealer::KeySealer;
use lantern_core::sharing::{ShareableItem, SharedContent, SharingStore};
use lantern_core::vault::{Vault, VaultOptions};

/// The passphrase the backup seeds are exported with; the backup target imports with it.
const BACKUP_PASSPHRASE: &str = "fuzz-backup-passphrase";
const T0: i64 = 1_800_000_000;
const DAY: i64 = 86_400;

fn corpus(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

fn content_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../content")
}

fn with_mode(mode: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![mode];
    out.extend_from_slice(bytes);
    out
}

fn journal(dir: &Path) -> JournalStore {
    let path = dir.join("private.db");
    let vault = Arc::new(Vault::open(&path, VaultOptions { kdf_iterations: 2 }).unwrap());
    vault.setup("harbor lights at dusk").unwrap();
    JournalStore::open(&path, vault).unwrap()
}

fn sharing_store(dir: &Path) -> SharingStore {
    std::fs::create_dir_all(dir).unwrap();
    SharingStore::open(dir, Arc::new(KeySealer::new(make_key()))).unwrap()
}

/// What a peer and a supporter exchange: an invite, the Hello, one update with a grant, an
/// entry and a check-in, and the peer's audit log after the grant is revoked.
struct Exchange {
    invite: String,
    hello: Vec<u8>,
    update: Vec<u8>,
    update_payload: Payload,
    audit_export: String,
}

fn exchange(dir: &Path) -> Exchange {
    let mut peer = sharing_store(&dir.join("peer"));
    let mut sup = sharing_store(&dir.join("supporter"));
    let invite = sup
        .create_invite("https://relay.example", "mbox", "cap", "Sam", T0)
        .unwrap()
        .encode();
    let conn = peer.pair(&invite, "Pat", T0).unwrap();
    let hello = peer.pending_envelopes().unwrap().remove(0);
    sup.receive(&hello.bytes, T0).unwrap();
    peer.mark_posted(&hello.id).unwrap();
    let g = peer
        .grant(
            &conn.id,
            vec![
                Scope::parse("entries:tag=family").unwrap(),
                Scope::parse("checkins").unwrap(),
            ],
            "weekly calls",
            T0 + 30 * DAY,
            T0,
        )
        .unwrap();
    let items = vec![
        ShareableItem::new(
            "e1",
            SharedContent::Entry {
                text: "a good walk".into(),
                mood: Some(4),
                tags: vec!["family".into()],
                created_at_ms: T0 * 1000,
                edited_at_ms: None,
            },
        ),
        ShareableItem::new(
            "k1",
            SharedContent::CheckIn {
                mood: 3,
                note: Some("tired".into()),
                created_at_ms: T0 * 1000,
            },
        ),
    ];
    peer.recheck_outbox(&items, T0 + 1).unwrap();
    peer.prepare_outbox(&items, T0 + 1).unwrap();
    let update = peer.pending_envelopes().unwrap().remove(0);
    let update_payload = envelope::parse(&update.bytes)
        .unwrap()
        .open(
            &sup.identity().unwrap(),
            &peer.identity().unwrap().signing.public_key(),
        )
        .unwrap();
    sup.receive(&update.bytes, T0 + 1).unwrap();
    peer.mark_posted(&update.id).unwrap();
    peer.revoke(&g.terms.id, T0 + 2).unwrap();
    Exchange {
        invite,
        hello: hello.bytes,
        update: update.bytes,
        update_payload,
        audit_export: peer.export_audit().unwrap(),
    }
}

/// The update's payload as a template for the envelope target's `S` mode: its grants replaced by
/// the harness's `@GRANT@` and the items' grant ids by `@GRANTID@`.
fn update_template(payload: &Payload) -> String {
    let mut v = serde_json::to_value(payload).unwrap();
    v["grants"] = serde_json::json!(["@GRANT@"]);
    for item in v["items"].as_array_mut().unwrap() {
        if item.get("grant_id").is_some() {
            item["grant_id"] = serde_json::json!("@GRANTID@");
        }
    }
    serde_json::to_string(&v)
        .unwrap()
        .replace("\"@GRANT@\"", "@GRANT@")
}

#[test]
#[ignore = "writes the generated fuzz seeds into the source tree"]
fn write_fuzz_seeds() {
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = corpus(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    };
    // The course sources as the build reads them: manifest, help, units, NUL-separated.
    let content = content_dir();
    let mut sources = std::fs::read(content.join("pack.txt")).unwrap();
    sources.push(0);
    sources.extend(std::fs::read(content.join("help.txt")).unwrap());
    let mut units: Vec<_> = std::fs::read_dir(content.join("units"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    units.sort();
    for unit in units {
        sources.push(0);
        sources.extend(std::fs::read(unit).unwrap());
    }
    write("course_source", "content", &sources);

    write("content_pack", "bundled.pack", pack::BUNDLED_PACK);
    let (_, payload) = pack_envelope::split(pack::BUNDLED_PACK).unwrap();
    write("content_pack", "bundled-payload.json", payload);

    let dir = tempfile::tempdir().unwrap();
    let ex = exchange(dir.path());
    write("invite", "invite.txt", ex.invite.as_bytes());
    write("envelope", "R-hello", &with_mode(b'R', &ex.hello));
    write("envelope", "R-update", &with_mode(b'R', &ex.update));
    write(
        "envelope",
        "S-update.json",
        &with_mode(b'S', update_template(&ex.update_payload).as_bytes()),
    );
    write("audit_export", "export.json", ex.audit_export.as_bytes());

    let j = journal(dir.path());
    j.add_entry(NewEntry {
        text: "first entry".into(),
        mood: Some(3),
        tags: vec!["family".into(), "sleep".into()],
        created_at_ms: Some(T0 * 1000),
    })
    .unwrap();
    j.add_checkin(4, Some("rested".into()), Some(T0 * 1000 + 1))
        .unwrap();
    let file = dir.path().join("backup.json");
    j.export_backup(&file, BACKUP_PASSPHRASE).unwrap();
    write(
        "backup_import",
        "R-backup.json",
        &with_mode(b'R', &std::fs::read(&file).unwrap()),
    );
    let contents = serde_json::json!({
        "entries": j.all_entries().unwrap(),
        "checkins": j.checkins_between(i64::MIN, i64::MAX).unwrap(),
    });
    write(
        "backup_import",
        "S-contents.json",
        &with_mode(b'S', contents.to_string().as_bytes()),
    );
}

fn seed(target: &str, name: &str) -> Vec<u8> {
    std::fs::read(corpus(target).join(name))
        .unwrap_or_else(|e| panic!("fuzz seed {target}/{name}: {e}"))
}

#[test]
fn committed_seeds_are_real_inputs() {
    // Course sources: the seed compiles (today's content may have moved on; the seed need not
    // match it, only still be a valid course).
    let sources = String::from_utf8(seed("course_source", "content")).unwrap();
    let mut parts = sources.split('\0');
    let (manifest, help) = (parts.next().unwrap(), parts.next().unwrap());
    let units: Vec<(String, String)> = parts
        .enumerate()
        .map(|(i, t)| (format!("unit{i}"), t.to_string()))
        .collect();
    lantern_core::course::source::compile_pack(("pack", manifest), ("help", help), &units)
        .expect("the course source seed compiles");

    // Packs: an envelope, and a payload that opens once signed.
    assert!(pack_envelope::split(&seed("content_pack", "bundled.pack")).is_some());
    let payload = seed("content_pack", "bundled-payload.json");
    let key = SigningKey::make();
    let signed = pack_envelope::seal(
        &payload,
        &key.sign(&pack_envelope::signed_message(&payload)),
    );
    let opened: Pack = pack::open(&signed, &key.public_key()).expect("the pack seed opens");
    assert!(!opened.units.is_empty());

    let invite = String::from_utf8(seed("invite", "invite.txt")).unwrap();
    Invite::parse(&invite).expect("the invite seed parses");

    for name in ["R-hello", "R-update"] {
        let bytes = seed("envelope", name);
        assert_eq!(bytes[0], b'R');
        envelope::parse(&bytes[1..]).expect("the envelope seed parses");
    }
    for name in ["S-update.json", "T-hello.json"] {
        let bytes = seed("envelope", name);
        let filled = String::from_utf8(bytes[1..].to_vec())
            .unwrap()
            .replace("@GRANTID@", "g")
            .replace("@GRANT@", r#"{"terms":"","signature":""}"#)
            .replace("@KEYS@", r#"{"signing":"","receiving":""}"#);
        serde_json::from_str::<serde_json::Value>(&filled)
            .unwrap_or_else(|e| panic!("envelope template {name} is not JSON: {e}"));
    }

    let export: AuditExport = serde_json::from_slice(&seed("audit_export", "export.json")).unwrap();
    assert!(export.records.len() >= 3);
    verify_records(&export.records).expect("the audit export seed verifies");

    let dir = tempfile::tempdir().unwrap();
    let j = journal(dir.path());
    let file = dir.path().join("backup.json");
    let bytes = seed("backup_import", "R-backup.json");
    assert_eq!(bytes[0], b'R');
    std::fs::write(&file, &bytes[1..]).unwrap();
    let report = j
        .import_backup(&file, BACKUP_PASSPHRASE)
        .expect("the backup seed imports");
    assert_eq!((report.entries_added, report.checkins_added), (1, 1));

    // Relay requests: a method, a path and a blank line ending the headers.
    let relay = corpus("relay_request");
    let mut n = 0;
    for entry in std::fs::read_dir(&relay).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let first = text.lines().next().unwrap();
        assert!(
            first.contains(" /"),
            "relay seed starts with a request line"
        );
        assert!(text.contains("\n\n"), "relay seed ends its headers");
        n += 1;
    }
    assert!(n >= 8);
}
