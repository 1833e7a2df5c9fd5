//! Someone who can write a peer's or supporter's data files but does not know the passphrase
//! (a backup tool, another app with file access, a thief with the unlocked disk) tries to roll
//! back revocation and the audit log, or to swap a peer's key. Each test performs the attack on
//! real data directories (vaults, `sharing.db`, `private.db`) with rusqlite, then syncs over a
//! real relay on 127.0.0.1, and shows it now fails safely: nothing is disclosed, the tamper is a
//! typed `LanternError::Integrity` whose message holds no user data.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use lantern_core::LanternError;
use lantern_core::api::Lantern;
use lantern_core::api::sharing::GrantStatus;
use lantern_core::consent::Scope;
use lantern_core::journal::NewEntry;
use lantern_core::sharing::SharingStore;
use lantern_core::sharing::envelope::{self, EnvelopeError, Payload};
use lantern_core::sharing::identity::Identity;
use lantern_core::sharing::inbox::ReceiveError;
use lantern_core::vault::VaultOptions;
use lantern_relay::{Config, RelayHandle};

const PASS: &str = "tamper test passphrase";

/// A peer sharing entries tagged `family` with a supporter, over a real relay, with one
/// entry delivered.
struct World {
    _relay: RelayHandle,
    _tmp: tempfile::TempDir,
    peer_dir: PathBuf,
    sup_dir: PathBuf,
    conn: String,
    grant: String,
}

fn open(dir: &Path) -> Arc<Lantern> {
    let l = Lantern::open_with(dir.to_path_buf(), VaultOptions { kdf_iterations: 2 }).unwrap();
    if l.journal().is_set_up().unwrap() {
        l.journal().unlock(PASS.into()).unwrap();
    } else {
        l.journal().setup(PASS.into()).unwrap();
    }
    l
}

fn add_family_entry(l: &Lantern, text: &str) {
    l.journal()
        .add_entry(NewEntry {
            text: text.into(),
            mood: Some(3),
            tags: vec!["family".into()],
            created_at_ms: None,
        })
        .unwrap();
}

fn holds(sup: &Lantern, canary: &str) -> bool {
    sup.sharing().inbox(None).unwrap().into_iter().any(|i| {
        matches!(&i.content, lantern_core::sharing::SharedContent::Entry { text, .. } if text == canary)
    })
}

impl World {
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let relay = lantern_relay::spawn(Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: format!("sqlite:{}", tmp.path().join("relay.db").display()),
            rate_per_ip: 0.0,
            rate_per_key: 0.0,
            ..Config::default()
        })
        .unwrap();
        let (peer_dir, sup_dir) = (tmp.path().join("peer"), tmp.path().join("sup"));
        let (peer, sup) = (open(&peer_dir), open(&sup_dir));
        add_family_entry(&peer, "FIRST-CANARY");
        let invite = sup
            .sharing()
            .create_invite(relay.url(), "Sam".into())
            .unwrap();
        let conn = peer.sharing().pair(invite, "Pat".into()).unwrap().id;
        peer.sharing().sync().unwrap();
        assert_eq!(sup.sharing().sync().unwrap().paired, 1);
        let grant = peer
            .sharing()
            .grant(
                conn.clone(),
                vec![Scope::EntriesWithTag {
                    tag: "family".into(),
                }],
                "weekly calls".into(),
                30 * 86_400,
            )
            .unwrap()
            .id;
        assert_eq!(peer.sharing().sync().unwrap().disclosed, 1);
        sup.sharing().sync().unwrap();
        assert!(holds(&sup, "FIRST-CANARY"));
        World {
            _relay: relay,
            _tmp: tmp,
            peer_dir,
            sup_dir,
            conn,
            grant,
        }
    }

    fn peer(&self) -> Arc<Lantern> {
        open(&self.peer_dir)
    }

    fn sup(&self) -> Arc<Lantern> {
        open(&self.sup_dir)
    }

    /// The peer revokes; both sync; the supporter no longer holds anything.
    fn revoke_and_deliver(&self) {
        let (peer, sup) = (self.peer(), self.sup());
        peer.sharing().revoke(self.grant.clone()).unwrap();
        peer.sharing().sync().unwrap();
        sup.sharing().sync().unwrap();
        assert!(sup.sharing().inbox(None).unwrap().is_empty());
    }

    /// The attacker's handle on a database file (the app is closed while they write).
    fn db(&self, side: &str, file: &str) -> rusqlite::Connection {
        let dir = if side == "peer" {
            &self.peer_dir
        } else {
            &self.sup_dir
        };
        rusqlite::Connection::open(dir.join(file)).unwrap()
    }

    /// A typed integrity failure whose message names none of the peer's data.
    fn assert_integrity(&self, r: Result<impl std::fmt::Debug, LanternError>, says: &str) {
        match r {
            Err(LanternError::Integrity(msg)) => {
                assert!(msg.contains(says), "{msg}");
                for private in [
                    self.grant.as_str(),
                    self.conn.as_str(),
                    "family",
                    "Pat",
                    "Sam",
                    "weekly calls",
                    "CANARY",
                ] {
                    assert!(!msg.contains(private), "{msg} names {private}");
                }
            }
            other => panic!("expected an integrity error, got {other:?}"),
        }
    }

    /// After the attack: the peer writes a new family entry and syncs; the sync is refused as
    /// an integrity failure and the supporter receives nothing.
    fn next_sync_discloses_nothing(&self, says: &str) {
        let (peer, sup) = (self.peer(), self.sup());
        add_family_entry(&peer, "SECOND-CANARY");
        self.assert_integrity(peer.sharing().sync(), says);
        self.assert_integrity(peer.sharing().verify_audit(), says);
        let got = sup.sharing().sync().unwrap();
        assert_eq!(got.applied, 0);
        assert!(!holds(&sup, "SECOND-CANARY"));
    }

    /// The supporter holds nothing (what was revoked stays deleted).
    fn supporter_holds_nothing(&self) {
        assert!(self.sup().sharing().inbox(None).unwrap().is_empty());
    }
}

fn meta(db: &rusqlite::Connection, key: &str) -> Vec<u8> {
    db.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .unwrap()
}

#[test]
fn un_revoking_a_grant_on_disk_discloses_nothing_and_is_reported() {
    let w = World::new();
    let old_state: Vec<u8> = w
        .db("peer", "sharing.db")
        .query_row("SELECT state_seal FROM grants", [], |r| r.get(0))
        .unwrap();
    w.revoke_and_deliver();

    w.db("peer", "sharing.db")
        .execute("UPDATE grants SET revoked_at = NULL", [])
        .unwrap();
    // The grant still counts as revoked (never active) and the tamper is reported.
    let peer = w.peer();
    let g = peer.sharing().list_grants().unwrap();
    assert_eq!(g[0].status, GrantStatus::Revoked);
    drop(peer);
    w.next_sync_discloses_nothing("grant state was changed");

    // With the grant's sealed state from before the revocation put back as well, the state
    // matches its seal, but not the audit log, which records the revocation.
    w.db("peer", "sharing.db")
        .execute("UPDATE grants SET state_seal = ?1", [old_state])
        .unwrap();
    let peer = w.peer();
    assert_eq!(
        peer.sharing().list_grants().unwrap()[0].status,
        GrantStatus::Revoked
    );
    drop(peer);
    w.next_sync_discloses_nothing("grant state was changed");
    w.supporter_holds_nothing();
}

#[test]
fn cutting_the_audit_log_back_and_restoring_an_old_checkpoint_fails_verification() {
    let w = World::new();
    // What the attacker saved before the revocation.
    let (records, checkpoint, state): (i64, Vec<u8>, Vec<u8>) = {
        let db = w.db("peer", "sharing.db");
        let n = db
            .query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0))
            .unwrap();
        let s = db
            .query_row("SELECT state_seal FROM grants", [], |r| r.get(0))
            .unwrap();
        (n, meta(&db, "audit_head"), s)
    };
    w.revoke_and_deliver();
    assert!(w.peer().sharing().verify_audit().unwrap() as i64 > records);

    // The attack as reported: un-revoke, cut the log back, restore the checkpoint (and here
    // even the grant's sealed state from then, and what was sent, so the plan would resend).
    let db = w.db("peer", "sharing.db");
    db.execute(
        "UPDATE grants SET revoked_at = NULL, state_seal = ?1",
        [state],
    )
    .unwrap();
    db.execute("DELETE FROM audit_log WHERE seq > ?1", [records])
        .unwrap();
    db.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'audit_head'",
        [checkpoint],
    )
    .unwrap();
    db.execute("DELETE FROM sent_items", []).unwrap();
    drop(db);
    w.next_sync_discloses_nothing("rolled back");
    w.supporter_holds_nothing();
}

#[test]
fn restoring_an_older_copy_of_the_whole_sharing_database_fails_verification() {
    let w = World::new();
    // All connections are closed: sharing.db is whole (no WAL beside it).
    let saved = std::fs::read(w.peer_dir.join("sharing.db")).unwrap();
    assert!(!w.peer_dir.join("sharing.db-wal").exists());
    w.revoke_and_deliver();
    std::fs::write(w.peer_dir.join("sharing.db"), saved).unwrap();
    // The rollback mark in private.db is ahead of the restored log.
    w.next_sync_discloses_nothing("rolled back");
    w.supporter_holds_nothing();
}

#[test]
fn an_emptied_audit_log_with_grants_present_fails_verification() {
    let w = World::new();
    let db = w.db("peer", "sharing.db");
    db.execute("DELETE FROM audit_log", []).unwrap();
    db.execute("DELETE FROM meta WHERE key = 'audit_head'", [])
        .unwrap();
    drop(db);
    // Before this fix: "0 records". Now the vault's mark says the log had records.
    w.assert_integrity(w.peer().sharing().verify_audit(), "rolled back");

    // Also removing the vault's mark and the store's note that it was upgraded: the grant
    // rows' sealed state shows it was.
    w.db("peer", "private.db")
        .execute("DELETE FROM vault_marks", [])
        .unwrap();
    w.db("peer", "sharing.db")
        .execute("DELETE FROM meta WHERE key = 'integrity_format'", [])
        .unwrap();
    w.next_sync_discloses_nothing("tamper-resistance data was removed");

    // And the grants' sealed state too, so the store looks as if written before tamper
    // resistance: the grant has no record in the (empty) log.
    w.db("peer", "sharing.db")
        .execute("UPDATE grants SET state_seal = NULL", [])
        .unwrap();
    w.next_sync_discloses_nothing("grant state");
}

#[test]
fn removing_the_upgrade_note_does_not_get_edited_grant_rows_sealed_again() {
    let w = World::new();
    let db = w.db("peer", "sharing.db");
    db.execute(
        "UPDATE grants SET expires_at = expires_at + 365 * 86400",
        [],
    )
    .unwrap();
    db.execute("DELETE FROM meta WHERE key = 'integrity_format'", [])
        .unwrap();
    drop(db);
    w.next_sync_discloses_nothing("tamper-resistance data was removed");
}

#[test]
fn a_swapped_plaintext_peer_key_does_not_change_whose_envelopes_verify() {
    let w = World::new();
    let mallory = Identity::make();
    w.db("sup", "sharing.db")
        .execute(
            "UPDATE connections SET remote_signing_key = ?1",
            [mallory.signing.public_key().to_vec()],
        )
        .unwrap();

    // The real peer's next envelope still verifies (against the key sealed at pairing).
    let (peer, sup) = (w.peer(), w.sup());
    add_family_entry(&peer, "SECOND-CANARY");
    assert_eq!(peer.sharing().sync().unwrap().disclosed, 1);
    assert_eq!(sup.sharing().sync().unwrap().applied, 1);
    assert!(holds(&sup, "SECOND-CANARY"));

    // An envelope from the key in the column is refused, and changes nothing: it carries no
    // grants, which would have deleted everything the supporter holds.
    let mut store = SharingStore::open(&w.sup_dir, sup.journal().vault().clone()).unwrap();
    let sup_keys = store.identity().unwrap().public();
    let forged = envelope::seal(
        &mallory,
        &sup_keys,
        "forged-1",
        &w.conn,
        1_000,
        lantern_core::sharing::unix_now(),
        &Payload::Update {
            grants: vec![],
            items: vec![],
        },
    );
    let refused = store.receive(&forged, lantern_core::sharing::unix_now());
    assert!(
        matches!(
            refused,
            Err(ReceiveError::Refused(EnvelopeError::WrongSender))
        ),
        "{refused:?}"
    );
    drop(store);
    assert!(holds(&sup, "FIRST-CANARY") && holds(&sup, "SECOND-CANARY"));
    assert_eq!(sup.sharing().inbox(None).unwrap().len(), 2);
}

#[test]
fn a_tampered_exported_log_fails_verification() {
    let w = World::new();
    w.revoke_and_deliver();
    let (peer, sup) = (w.peer(), w.sup());
    let export = peer.sharing().export_audit().unwrap();
    let n = peer.sharing().verify_audit().unwrap();
    // The supporter checks it against the peer's key as paired; the peer against their own.
    assert_eq!(
        sup.sharing()
            .verify_audit_export(export.clone(), Some(w.conn.clone()))
            .unwrap(),
        n
    );
    assert_eq!(
        peer.sharing()
            .verify_audit_export(export.clone(), None)
            .unwrap(),
        n
    );
    // Checked as the supporter's own, it is someone else's.
    w.assert_integrity(
        sup.sharing().verify_audit_export(export.clone(), None),
        "signed by someone else",
    );

    let doc: serde_json::Value = serde_json::from_str(&export).unwrap();
    // The revocation erased from the export (the records after it re-chained would need the
    // signature too): a record removed.
    let mut cut = doc.clone();
    let records = cut["records"].as_array_mut().unwrap();
    let revoked = records
        .iter()
        .position(|r| r["event"]["event"] == "grant-revoked")
        .unwrap();
    records.truncate(revoked);
    w.assert_integrity(
        sup.sharing()
            .verify_audit_export(cut.to_string(), Some(w.conn.clone())),
        "signed head",
    );
    // A record's time moved.
    let mut moved = doc.clone();
    moved["records"][0]["at"] = (doc["records"][0]["at"].as_i64().unwrap() + 3600).into();
    w.assert_integrity(
        sup.sharing()
            .verify_audit_export(moved.to_string(), Some(w.conn.clone())),
        "audit record 1",
    );
    // The signature dropped.
    let mut unsigned = doc.clone();
    unsigned.as_object_mut().unwrap().remove("signature");
    w.assert_integrity(
        sup.sharing()
            .verify_audit_export(unsigned.to_string(), Some(w.conn.clone())),
        "not a signed Lantern audit export",
    );
}
