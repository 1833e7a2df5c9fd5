//! Envelope open and verify: everything a supporter's core does with bytes from the relay
//! (`SharingStore::receive`: parse, recipient and sender checks, signature, HPKE, payload
//! JSON, sequence, grants, items, apply), on a real supporter store on SQLite, paired for real
//! with a peer. The first byte picks how the rest is used (any other byte `b` picks by
//! `(b - b'R') mod 256 mod 3`):
//!
//! - `R`: the envelope's bytes as they come from the relay;
//! - `S`: an envelope payload, sealed and signed by the paired peer on its
//!   connection with the next sequence number, so the fuzzer reaches the payload checks;
//!   `@GRANT@` and `@GRANTID@` in it are replaced by a grant the peer really signed (scopes
//!   `checkins`, `mood-trends`, `course-progress`, `entries:tag=family`) and its id, so items
//!   can pass the consent check and be stored;
//! - `T`: a payload sealed by a stranger on a new connection for the supporter's open
//!   invite (a pairing `Hello`); `@INVITE@`, `@SECRET@` and `@KEYS@` in it are replaced by the
//!   open invite's id and secret and the stranger's public keys, so a pairing can succeed.
#![no_main]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use lantern_core::codec::b64;
use lantern_core::consent::Scope;
use lantern_core::crypto::hazmat::make_key;
use lantern_core::sharing::SharingStore;
use lantern_core::sharing::envelope::seal_bytes_for_fuzzing;
use lantern_core::sharing::identity::{Identity, Invite, connection_id};
use lantern_core::sharing::inbox::Applied;
use lantern_core::sharing::sealer::KeySealer;
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_800_000_000;

struct Harness {
    _dir: tempfile::TempDir,
    supporter: SharingStore,
    me: Identity,
    peer: Identity,
    stranger: Identity,
    connection: String,
    open_invite: Invite,
    grant: String,
    grant_id: String,
}

fn store(dir: &std::path::Path) -> SharingStore {
    SharingStore::open(dir, Arc::new(KeySealer::new(make_key()))).expect("store opens")
}

fn invite(s: &SharingStore) -> Invite {
    s.create_invite("http://127.0.0.1:1", "mbox", "cap", "Sam", NOW)
        .expect("invite")
}

fn harness() -> &'static Mutex<Harness> {
    static H: OnceLock<Mutex<Harness>> = OnceLock::new();
    H.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("s")).expect("dir");
        std::fs::create_dir_all(dir.path().join("p")).expect("dir");
        let mut supporter = store(&dir.path().join("s"));
        let mut peer = store(&dir.path().join("p"));
        let conn = peer
            .pair(&invite(&supporter).encode(), "Pat", NOW)
            .expect("pairs");
        for env in peer.pending_envelopes().expect("pending") {
            supporter.receive(&env.bytes, NOW).expect("hello applies");
        }
        let open_invite = invite(&supporter);
        let scopes = [
            "checkins",
            "mood-trends",
            "course-progress",
            "entries:tag=family",
        ]
        .iter()
        .map(|s| Scope::parse(s).expect("scope"))
        .collect();
        let grant = peer
            .grant(&conn.id, scopes, "fuzzing", NOW + 30 * 86_400, NOW)
            .expect("grant");
        Mutex::new(Harness {
            me: supporter.identity().expect("identity"),
            peer: peer.identity().expect("identity"),
            stranger: Identity::make(),
            supporter,
            _dir: dir,
            connection: conn.id,
            open_invite,
            grant: serde_json::to_string(&grant.signed).expect("grant encodes"),
            grant_id: grant.terms.id,
        })
    })
}

/// `data` with the placeholders replaced (when it is text; other bytes are used as they are).
fn fill(data: &[u8], fills: &[(&str, &str)]) -> Vec<u8> {
    match std::str::from_utf8(data) {
        Ok(text) => fills
            .iter()
            .fold(text.to_string(), |t, (from, to)| t.replace(from, to))
            .into_bytes(),
        Err(_) => data.to_vec(),
    }
}

static SEQ: AtomicU64 = AtomicU64::new(2);

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut h = harness().lock().unwrap_or_else(|p| p.into_inner());
    let h = &mut *h;
    let id = format!("fz{}", SEQ.fetch_add(1, Ordering::Relaxed));
    // `R`, `S` and `T` are 0, 1 and 2; every other byte picks one of the three too.
    let bytes = match mode.wrapping_sub(b'R') % 3 {
        0 => rest.to_vec(),
        1 => {
            let seq = SEQ.fetch_add(1, Ordering::Relaxed);
            let text = fill(rest, &[("@GRANTID@", &h.grant_id), ("@GRANT@", &h.grant)]);
            let c = &h.connection;
            seal_bytes_for_fuzzing(&h.peer, &h.me.public(), &id, c, seq, NOW, &text)
        }
        _ => {
            let keys = serde_json::to_string(&h.stranger.public()).expect("keys encode");
            let secret = b64(&h.open_invite.pair_secret);
            let fills = [
                ("@INVITE@", h.open_invite.id.as_str()),
                ("@SECRET@", &secret),
                ("@KEYS@", &keys),
            ];
            let text = fill(rest, &fills);
            let conn = connection_id(&h.open_invite.id, &h.stranger.signing.public_key());
            seal_bytes_for_fuzzing(&h.stranger, &h.me.public(), &id, &conn, 1, NOW, &text)
        }
    };
    if let Ok(Applied::Paired { .. }) = h.supporter.receive(&bytes, NOW) {
        // The invite is used up; the next stranger pairs with a fresh one.
        h.open_invite = invite(&h.supporter);
        h.stranger = Identity::make();
    }
});
