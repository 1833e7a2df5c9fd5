//! The relay's behaviour over real HTTP on 127.0.0.1, run against SQLite and PostgreSQL
//! (the latter when `LANTERN_TEST_POSTGRES_URL` is set; otherwise those tests say "skipped").
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::{Backend, TestRelay, fresh_nonce, now, raw, sign_headers, signed, start};
use lantern_core::LanternError;
use lantern_core::crypto::hazmat::{self, SigningKey};
use lantern_core::sharing::relay_client::{self, RelayClient, RelayError, RetryPolicy};

/// Instantiates every case once per backend.
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $case() { super::$case(&super::Backend::Sqlite) } )*
        }
        mod postgres {
            $( #[test] fn $case() {
                if let Some(b) = super::common::postgres_backend() { super::$case(&b) }
            } )*
        }
    };
}

suite!(
    round_trip_duplicate_and_conflict,
    acked_id_reposted_is_duplicate_never_stored_again,
    ack_tombstone_expires_with_the_ttl,
    schema_1_storage_upgrades_in_place,
    foreign_key_cannot_read_ack_or_delete,
    bad_or_missing_signature_refused,
    stale_request_refused,
    timestamp_overflow_refused,
    one_capability_cannot_starve_another,
    list_answer_bounded_in_bytes,
    mailbox_creation_limited_per_address,
    metrics_cheap_limited_and_private,
    per_address_limit_behind_a_trusted_proxy,
    client_corrects_a_wrong_device_clock,
    replayed_request_refused,
    revoked_and_foreign_capabilities_cannot_post,
    oversize_envelope_refused,
    over_quota_refused_without_partial_write,
    over_rate_refused_with_retry_after,
    malformed_bodies_refused,
    unknown_mailbox_refused,
    concurrent_posts_listed_and_acked_exactly_once,
    storage_holds_no_plaintext,
    deleted_mailbox_is_gone,
    envelopes_expire_after_ttl,
    metrics_and_health,
);

/// Owner key, mailbox and one capability on a fresh relay.
fn mailbox(relay: &TestRelay) -> (RelayClient, SigningKey, String, relay_client::Capability) {
    let client = relay.client();
    let key = SigningKey::make();
    let id = client.create_mailbox(&key).unwrap();
    assert_eq!(id, relay_client::mailbox_id(&key.public_key()));
    let cap = client.issue_capability(&key).unwrap();
    (client, key, id, cap)
}

fn rejected_code(e: &RelayError) -> (u16, &str) {
    match e {
        RelayError::Rejected { status, code, .. } => (*status, code.as_str()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn round_trip_duplicate_and_conflict(b: &Backend) {
    let relay = start(b, |_| {});
    let (client, key, id, cap) = mailbox(&relay);
    // Creating again is idempotent.
    assert_eq!(client.create_mailbox(&key).unwrap(), id);
    let r1 = client
        .post_envelope(&id, &cap.token, "e1", b"ct-1")
        .unwrap();
    let r2 = client
        .post_envelope(&id, &cap.token, "e2", b"ct-2")
        .unwrap();
    assert!(!r1.duplicate && r2.seq > r1.seq);
    let again = client
        .post_envelope(&id, &cap.token, "e1", b"ct-1")
        .unwrap();
    assert_eq!(
        again,
        relay_client::PostReceipt {
            seq: r1.seq,
            duplicate: true
        }
    );
    let conflict = client
        .post_envelope(&id, &cap.token, "e1", b"other")
        .unwrap_err();
    assert_eq!(rejected_code(&conflict), (409, "conflict"));
    let page = client.list_envelopes(&key, 0, 1).unwrap();
    assert_eq!(page.envelopes.len(), 1);
    assert!(page.more);
    assert_eq!(page.envelopes[0].payload, b"ct-1");
    let page2 = client.list_envelopes(&key, page.next_cursor, 10).unwrap();
    assert_eq!(page2.envelopes.len(), 1);
    assert_eq!(page2.envelopes[0].id, "e2");
    assert!(!page2.more);
    assert_eq!(
        client
            .ack_envelopes(&key, &["e1".into(), "e2".into()])
            .unwrap(),
        2
    );
    assert_eq!(client.ack_envelopes(&key, &["e1".into()]).unwrap(), 0);
    assert!(
        client
            .list_envelopes(&key, 0, 10)
            .unwrap()
            .envelopes
            .is_empty()
    );
}

/// An acknowledged id posted again (a sender retrying after a lost response) is answered as a
/// duplicate from the tombstone and never delivered again; another payload under that id is a
/// conflict. Tombstones cost no quota and go with the mailbox.
fn acked_id_reposted_is_duplicate_never_stored_again(b: &Backend) {
    let relay = start(b, |c| {
        c.mailbox_max_envelopes = 1;
        c.mailbox_max_bytes = 100;
    });
    let (client, key, id, cap) = mailbox(&relay);
    let first = client
        .post_envelope(&id, &cap.token, "e1", &[1u8; 100])
        .unwrap();
    assert!(!first.duplicate);
    assert_eq!(client.ack_envelopes(&key, &["e1".into()]).unwrap(), 1);
    let again = client
        .post_envelope(&id, &cap.token, "e1", &[1u8; 100])
        .unwrap();
    assert_eq!(
        again,
        relay_client::PostReceipt {
            seq: first.seq,
            duplicate: true
        }
    );
    let conflict = client
        .post_envelope(&id, &cap.token, "e1", &[2u8; 100])
        .unwrap_err();
    assert_eq!(rejected_code(&conflict), (409, "conflict"));
    // Never listed again, not even from the start; acking it again finds nothing.
    let page = client.list_envelopes(&key, 0, 10).unwrap();
    assert!(page.envelopes.is_empty() && !page.more, "{page:?}");
    assert_eq!(client.ack_envelopes(&key, &["e1".into()]).unwrap(), 0);
    // The tombstone takes neither the one envelope slot nor the 100 bytes of quota.
    let e2 = client
        .post_envelope(&id, &cap.token, "e2", &[3u8; 100])
        .unwrap();
    assert!(!e2.duplicate && e2.seq > first.seq);
    let page = client.list_envelopes(&key, 0, 10).unwrap();
    let ids: Vec<&str> = page.envelopes.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["e2"]);
    common::metrics_with(
        &relay.url(),
        &[
            "lantern_relay_stored_envelopes 1",
            "lantern_relay_stored_bytes 100",
        ],
    );
    // Deleting the mailbox removes its tombstones: a fresh mailbox takes e1 as new.
    client.delete_mailbox(&key).unwrap();
    client.create_mailbox(&key).unwrap();
    let cap = client.issue_capability(&key).unwrap();
    let fresh = client
        .post_envelope(&id, &cap.token, "e1", &[2u8; 100])
        .unwrap();
    assert!(!fresh.duplicate);
    let page = client.list_envelopes(&key, 0, 10).unwrap();
    assert_eq!(page.envelopes.len(), 1);
    assert_eq!(page.envelopes[0].payload, [2u8; 100]);
}

/// The tombstone lives as long as the envelope could have: once the TTL sweep has passed, the
/// id is free again.
fn ack_tombstone_expires_with_the_ttl(b: &Backend) {
    let relay = start(b, |c| {
        c.envelope_ttl_secs = 4;
        c.sweep_interval_secs = 1;
    });
    let (client, key, id, cap) = mailbox(&relay);
    client.post_envelope(&id, &cap.token, "e1", b"one").unwrap();
    assert_eq!(client.ack_envelopes(&key, &["e1".into()]).unwrap(), 1);
    // Within the TTL the tombstone answers (the sweep cannot drop it before 4 s have passed).
    let e = client
        .post_envelope(&id, &cap.token, "e1", b"two")
        .unwrap_err();
    assert_eq!(rejected_code(&e), (409, "conflict"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let stored = loop {
        match client.post_envelope(&id, &cap.token, "e1", b"two") {
            Ok(r) => break r,
            Err(e) => assert_eq!(rejected_code(&e), (409, "conflict")),
        }
        assert!(
            std::time::Instant::now() < deadline,
            "tombstone not dropped after the TTL"
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
    };
    assert!(!stored.duplicate);
    let page = client.list_envelopes(&key, 0, 10).unwrap();
    assert_eq!(page.envelopes.len(), 1);
    assert_eq!(page.envelopes[0].payload, b"two");
}

/// Storage written before tombstones existed (schema 1) is migrated when a new relay starts on
/// it: stored envelopes stay, and acknowledging them then leaves working tombstones.
fn schema_1_storage_upgrades_in_place(b: &Backend) {
    let mut relay = start(b, |_| {});
    let (client, key, id, cap) = mailbox(&relay);
    let first = client.post_envelope(&id, &cap.token, "e1", b"one").unwrap();
    relay.stop();
    // Back to schema 1: migration 0002 only added the tombstone table (and its index), 0003
    // the capability counters, their triggers and the envelopes' capability column, 0004 the
    // push registrations.
    match &relay.backend {
        Backend::Sqlite => {
            let db = rusqlite::Connection::open(relay.dir.path().join("relay.db")).unwrap();
            db.execute_batch(
                "DROP TABLE acked_envelopes;
                 DROP TABLE push_registrations;
                 DROP TRIGGER envelopes_count_capability;
                 DROP TRIGGER envelopes_uncount_capability;
                 ALTER TABLE envelopes DROP COLUMN capability_hash;
                 ALTER TABLE capabilities DROP COLUMN envelope_count;
                 ALTER TABLE capabilities DROP COLUMN envelope_bytes;
                 PRAGMA user_version = 1;",
            )
            .unwrap();
        }
        Backend::Postgres(url) => {
            let schema = relay.config.postgres_schema.as_deref().unwrap();
            common::pg_execute(
                url,
                &format!(
                    "SET search_path TO {schema}; DROP TABLE acked_envelopes;
                     DROP TABLE push_registrations;
                     DROP TRIGGER envelopes_count_capability ON envelopes;
                     DROP FUNCTION lantern_count_capability();
                     ALTER TABLE envelopes DROP COLUMN capability_hash;
                     ALTER TABLE capabilities DROP COLUMN envelope_count,
                       DROP COLUMN envelope_bytes;
                     DELETE FROM schema_migrations WHERE version >= 2;"
                ),
            );
        }
    }
    relay.handle = Some(lantern_relay::spawn(relay.config.clone()).unwrap());
    let client = relay.client();
    let page = client.list_envelopes(&key, 0, 10).unwrap();
    assert_eq!(page.envelopes.len(), 1);
    assert_eq!(page.envelopes[0].payload, b"one");
    assert_eq!(client.ack_envelopes(&key, &["e1".into()]).unwrap(), 1);
    let again = client.post_envelope(&id, &cap.token, "e1", b"one").unwrap();
    assert_eq!((again.seq, again.duplicate), (first.seq, true));
    assert!(
        client
            .list_envelopes(&key, 0, 10)
            .unwrap()
            .envelopes
            .is_empty()
    );
}

fn foreign_key_cannot_read_ack_or_delete(b: &Backend) {
    let relay = start(b, |_| {});
    let (client, _key, id, cap) = mailbox(&relay);
    client
        .post_envelope(&id, &cap.token, "e1", b"secret-ct")
        .unwrap();
    let stranger = SigningKey::make();
    let base = relay.url();
    for (method, path, body) in [
        (
            "GET",
            format!("/v1/mailboxes/{id}/envelopes?after=0&limit=10"),
            Vec::new(),
        ),
        (
            "POST",
            format!("/v1/mailboxes/{id}/ack"),
            br#"{"ids":["e1"]}"#.to_vec(),
        ),
        ("DELETE", format!("/v1/mailboxes/{id}"), Vec::new()),
        (
            "POST",
            format!("/v1/mailboxes/{id}/capabilities"),
            Vec::new(),
        ),
    ] {
        let r = signed(&base, &stranger, method, &path, &body);
        assert_eq!(
            (r.status, r.code.as_deref()),
            (401, Some("signature_invalid")),
            "{method} {path}"
        );
    }
    // Still there, untouched.
    let owner_view = signed(
        &base,
        &_key,
        "GET",
        &format!("/v1/mailboxes/{id}/envelopes?after=0&limit=10"),
        b"",
    );
    assert_eq!(owner_view.status, 200);
    assert_eq!(owner_view.body["envelopes"].as_array().unwrap().len(), 1);
}

fn bad_or_missing_signature_refused(b: &Backend) {
    let relay = start(b, |_| {});
    let (_client, key, id, _cap) = mailbox(&relay);
    let base = relay.url();
    let path = format!("/v1/mailboxes/{id}/envelopes?after=0&limit=10");
    let r = raw(&base, "GET", &path, &[], b"");
    assert_eq!(
        (r.status, r.code.as_deref()),
        (401, Some("signature_missing"))
    );
    // Signed for a different path (query changed after signing).
    let h = sign_headers(
        &key,
        "GET",
        &format!("/v1/mailboxes/{id}/envelopes?after=5&limit=10"),
        b"",
        now(),
        &fresh_nonce(),
    );
    let r = raw(&base, "GET", &path, &h, b"");
    assert_eq!(
        (r.status, r.code.as_deref()),
        (401, Some("signature_invalid"))
    );
    // Body changed after signing.
    let ack = format!("/v1/mailboxes/{id}/ack");
    let h = sign_headers(
        &key,
        "POST",
        &ack,
        br#"{"ids":["a"]}"#,
        now(),
        &fresh_nonce(),
    );
    let r = raw(&base, "POST", &ack, &h, br#"{"ids":["b"]}"#);
    assert_eq!(
        (r.status, r.code.as_deref()),
        (401, Some("signature_invalid"))
    );
    // Garbage signature.
    let mut h = sign_headers(&key, "GET", &path, b"", now(), &fresh_nonce());
    h[2].1 = "AAAA".into();
    let r = raw(&base, "GET", &path, &h, b"");
    assert_eq!(
        (r.status, r.code.as_deref()),
        (401, Some("signature_invalid"))
    );
    // Creating a mailbox for a key one does not hold.
    let victim = SigningKey::make();
    let body = serde_json::to_vec(&serde_json::json!({
        "public_key": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, victim.public_key())
    }))
    .unwrap();
    let r = signed(&base, &key, "POST", "/v1/mailboxes", &body);
    assert_eq!(
        (r.status, r.code.as_deref()),
        (401, Some("signature_invalid"))
    );
}

fn stale_request_refused(b: &Backend) {
    let relay = start(b, |c| c.signature_window_secs = 120);
    let (_client, key, id, _cap) = mailbox(&relay);
    let path = format!("/v1/mailboxes/{id}/envelopes?after=0&limit=10");
    for ts in [now() - 500, now() + 500] {
        let h = sign_headers(&key, "GET", &path, b"", ts, &fresh_nonce());
        let r = raw(&relay.url(), "GET", &path, &h, b"");
        assert_eq!((r.status, r.code.as_deref()), (401, Some("stale_request")));
    }
    let h = sign_headers(&key, "GET", &path, b"", now() - 60, &fresh_nonce());
    assert_eq!(raw(&relay.url(), "GET", &path, &h, b"").status, 200);
}

/// Issue 11, item 8: `ts = now - 2^63` made `now - ts` wrap to `i64::MIN`, whose `abs()` wraps
/// too, so a release build took it as inside the window. Signed correctly, it is now stale, as
/// are the extremes; nothing is deleted by the refused acks.
fn timestamp_overflow_refused(b: &Backend) {
    let relay = start(b, |_| {});
    let (client, key, id, cap) = mailbox(&relay);
    client.post_envelope(&id, &cap.token, "e1", b"x").unwrap();
    let path = format!("/v1/mailboxes/{id}/ack");
    let body = br#"{"ids":["e1"]}"#;
    for ts in [now() + i64::MIN, i64::MIN, i64::MAX, now() - i64::MAX] {
        let h = sign_headers(&key, "POST", &path, body, ts, &fresh_nonce());
        let r = raw(&relay.url(), "POST", &path, &h, body);
        assert_eq!(
            (r.status, r.code.as_deref()),
            (401, Some("stale_request")),
            "ts {ts}"
        );
    }
    assert_eq!(
        client.list_envelopes(&key, 0, 10).unwrap().envelopes.len(),
        1
    );
}

fn client_corrects_a_wrong_device_clock(b: &Backend) {
    let relay = start(b, |_| {});
    let (client, key, id, cap) = mailbox(&relay);
    client.post_envelope(&id, &cap.token, "e1", b"x").unwrap();
    // As if the phone's clock were an hour behind: the first signature is stale; the client
    // learns the relay's time from its Date header and succeeds on the corrected retry.
    client.set_clock_offset(-3600);
    let page = client.list_envelopes(&key, 0, 10).unwrap();
    assert_eq!(page.envelopes.len(), 1);
    assert!(
        client.clock_offset().abs() <= 5,
        "offset {}",
        client.clock_offset()
    );
}

fn replayed_request_refused(b: &Backend) {
    let relay = start(b, |_| {});
    let (client, key, id, cap) = mailbox(&relay);
    client.post_envelope(&id, &cap.token, "e1", b"x").unwrap();
    let path = format!("/v1/mailboxes/{id}/ack");
    let body = br#"{"ids":["e1"]}"#;
    let h = sign_headers(&key, "POST", &path, body, now(), &fresh_nonce());
    let first = raw(&relay.url(), "POST", &path, &h, body);
    assert_eq!(first.status, 200);
    assert_eq!(first.body["deleted"], 1);
    let replay = raw(&relay.url(), "POST", &path, &h, body);
    assert_eq!(
        (replay.status, replay.code.as_deref()),
        (409, Some("replay"))
    );
}

fn revoked_and_foreign_capabilities_cannot_post(b: &Backend) {
    let relay = start(b, |_| {});
    let (client, key, id, cap) = mailbox(&relay);
    let other_cap = client.issue_capability(&key).unwrap();
    client
        .post_envelope(&id, &cap.token, "before", b"x")
        .unwrap();
    client.revoke_capability(&key, &cap.id).unwrap();
    let e = client
        .post_envelope(&id, &cap.token, "after", b"x")
        .unwrap_err();
    assert_eq!(rejected_code(&e), (403, "capability_revoked"));
    assert!(matches!(
        LanternError::from(e),
        LanternError::RelayRejected(_)
    ));
    // The other capability still works.
    client
        .post_envelope(&id, &other_cap.token, "after", b"x")
        .unwrap();
    // A capability of another mailbox cannot post here.
    let key2 = SigningKey::make();
    client.create_mailbox(&key2).unwrap();
    let cap2 = client.issue_capability(&key2).unwrap();
    let e = client
        .post_envelope(&id, &cap2.token, "x2", b"x")
        .unwrap_err();
    assert_eq!(rejected_code(&e), (403, "capability_invalid"));
    // A made-up or missing token.
    let fake = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, [1u8; 32]);
    let e = client.post_envelope(&id, &fake, "x3", b"x").unwrap_err();
    assert_eq!(rejected_code(&e), (403, "capability_invalid"));
    let r = raw(
        &relay.url(),
        "POST",
        &format!("/v1/mailboxes/{id}/envelopes"),
        &[],
        br#"{"id":"x4","payload":""}"#,
    );
    assert_eq!(
        (r.status, r.code.as_deref()),
        (403, Some("capability_invalid"))
    );
    // Revoking an unknown capability is a 404; a malformed id a 400.
    let e = client
        .revoke_capability(&key, "AAAAAAAAAAAAAAAA")
        .unwrap_err();
    assert_eq!(rejected_code(&e), (404, "capability_not_found"));
    let e = client.revoke_capability(&key, "nope").unwrap_err();
    assert_eq!(rejected_code(&e), (400, "malformed"));
    let ids: Vec<String> = client
        .list_envelopes(&key, 0, 10)
        .unwrap()
        .envelopes
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, vec!["before", "after"]);
}

fn oversize_envelope_refused(b: &Backend) {
    let relay = start(b, |c| c.max_envelope_bytes = 1000);
    let (client, key, id, cap) = mailbox(&relay);
    client
        .post_envelope(&id, &cap.token, "ok", &[7u8; 1000])
        .unwrap();
    let e = client
        .post_envelope(&id, &cap.token, "big", &[7u8; 1001])
        .unwrap_err();
    assert_eq!(rejected_code(&e), (413, "too_large"));
    let e = client
        .post_envelope(&id, &cap.token, "huge", &[7u8; 100_000])
        .unwrap_err();
    assert_eq!(rejected_code(&e), (413, "too_large"));
    assert_eq!(
        client.list_envelopes(&key, 0, 10).unwrap().envelopes.len(),
        1
    );
}

fn over_quota_refused_without_partial_write(b: &Backend) {
    let relay = start(b, |c| {
        c.mailbox_max_envelopes = 3;
        c.mailbox_max_bytes = 250;
        c.capability_reserved_envelopes = 0;
        c.capability_reserved_bytes = 0;
    });
    let (client, key, id, cap) = mailbox(&relay);
    for i in 0..3 {
        client
            .post_envelope(&id, &cap.token, &format!("e{i}"), &[1u8; 10])
            .unwrap();
    }
    let e = client
        .post_envelope(&id, &cap.token, "e3", &[1u8; 10])
        .unwrap_err();
    assert_eq!(rejected_code(&e), (413, "quota_exceeded"));
    // A duplicate of a stored envelope is still answered (nothing new is stored).
    assert!(
        client
            .post_envelope(&id, &cap.token, "e0", &[1u8; 10])
            .unwrap()
            .duplicate
    );
    // Acknowledging frees the quota.
    client
        .ack_envelopes(&key, &["e0".into(), "e1".into(), "e2".into()])
        .unwrap();
    client
        .post_envelope(&id, &cap.token, "b1", &[1u8; 200])
        .unwrap();
    let e = client
        .post_envelope(&id, &cap.token, "b2", &[1u8; 51])
        .unwrap_err();
    assert_eq!(rejected_code(&e), (413, "quota_exceeded"));
    client
        .post_envelope(&id, &cap.token, "b3", &[1u8; 50])
        .unwrap();
    let ids: Vec<String> = client
        .list_envelopes(&key, 0, 10)
        .unwrap()
        .envelopes
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, vec!["b1", "b3"]);
}

/// Issue 11, item 3: a capability (say, from an invite already used) floods the mailbox, with a
/// second capability helping; the peer's own capability can still deliver its revocation, each
/// capability stops at its own quota, and acknowledging releases a capability's quota.
fn one_capability_cannot_starve_another(b: &Backend) {
    let relay = start(b, |c| {
        c.mailbox_max_envelopes = 20;
        c.mailbox_max_bytes = 1 << 20;
        c.capability_max_envelopes = 15;
        c.capability_max_bytes = 1 << 20;
        c.capability_reserved_envelopes = 2;
        c.capability_reserved_bytes = 1000;
    });
    let (client, key, id, flood) = mailbox(&relay);
    let helper = client.issue_capability(&key).unwrap();
    let peer = client.issue_capability(&key).unwrap();
    let post = |token: &str, eid: &str| client.post_envelope(&id, token, eid, &[4u8; 100]);
    let mut flooded = 0;
    while post(&flood.token, &format!("f{flooded}")).is_ok() {
        flooded += 1;
        assert!(flooded <= 100, "the flood is never stopped");
    }
    assert_eq!(flooded, 15, "one capability stops at its own quota");
    let e = post(&flood.token, "f-more").unwrap_err();
    assert_eq!(rejected_code(&e), (413, "quota_exceeded"));
    let mut helped = 0;
    while post(&helper.token, &format!("h{helped}")).is_ok() {
        helped += 1;
    }
    // The helper already has more waiting than a reserve, so the mailbox quota stops it.
    assert_eq!(flooded + helped, 20, "the mailbox quota");
    // The mailbox is full; the peer's revocation and a withdrawal still get in...
    post(&peer.token, "revocation").unwrap();
    post(&peer.token, "withdrawal").unwrap();
    // ...within the peer's reserve, not beyond it.
    let e = post(&peer.token, "third").unwrap_err();
    assert_eq!(rejected_code(&e), (413, "quota_exceeded"));
    let mut ids = Vec::new();
    let mut cursor = 0;
    loop {
        let page = client.list_envelopes(&key, cursor, 1000).unwrap();
        ids.extend(page.envelopes.iter().map(|e| e.id.clone()));
        cursor = page.next_cursor;
        if !page.more {
            break;
        }
    }
    assert!(ids.contains(&"revocation".to_owned()) && ids.contains(&"withdrawal".to_owned()));
    assert_eq!(ids.len(), 22);
    // Acknowledging releases the flooding capability's own quota too.
    client.ack_envelopes(&key, &ids).unwrap();
    post(&flood.token, "after-ack").unwrap();
}

/// Issue 12: a list answer is bounded in bytes as well as in count, and paging by the cursor
/// still delivers every envelope exactly once; an envelope larger than the budget comes alone.
fn list_answer_bounded_in_bytes(b: &Backend) {
    let relay = start(b, |c| c.max_list_bytes = 1000);
    let (client, key, id, cap) = mailbox(&relay);
    for i in 0..10 {
        client
            .post_envelope(&id, &cap.token, &format!("e{i}"), &[i as u8; 300])
            .unwrap();
    }
    client
        .post_envelope(&id, &cap.token, "big", &[9u8; 2500])
        .unwrap();
    let (mut seen, mut cursor, mut pages) = (Vec::new(), 0, Vec::new());
    loop {
        let page = client.list_envelopes(&key, cursor, 1000).unwrap();
        let bytes: usize = page.envelopes.iter().map(|e| e.payload.len()).sum();
        pages.push((page.envelopes.len(), bytes));
        assert!(bytes <= 1000 || page.envelopes.len() == 1, "{pages:?}");
        seen.extend(page.envelopes.into_iter().map(|e| e.id));
        cursor = page.next_cursor;
        if !page.more {
            break;
        }
    }
    assert_eq!(pages, [(3, 900), (3, 900), (3, 900), (1, 300), (1, 2500)]);
    let mut expected: Vec<String> = (0..10).map(|i| format!("e{i}")).collect();
    expected.push("big".into());
    assert_eq!(seen, expected);
}

/// Issue 12: one address created 150 mailboxes in 0.3 s. Creation has its own per-address
/// budget (a burst, then a slow rate), separate from the general request rate.
fn mailbox_creation_limited_per_address(b: &Backend) {
    let relay = start(b, |c| {
        c.create_rate_per_ip = 0.01;
        c.create_burst_per_ip = 5.0;
    });
    let mut created = 0;
    let mut limited = None;
    for _ in 0..150 {
        let key = SigningKey::make();
        let body = serde_json::to_vec(&serde_json::json!({
            "public_key": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, key.public_key())
        }))
        .unwrap();
        let r = signed(&relay.url(), &key, "POST", "/v1/mailboxes", &body);
        match r.status {
            201 => created += 1,
            429 => limited = Some(r),
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 5);
    let limited = limited.expect("refused after the burst");
    assert_eq!(limited.code.as_deref(), Some("rate_limited"));
    assert!(limited.retry_after.unwrap().parse::<u64>().unwrap() >= 1);
    // Other requests of the same address are not affected.
    relay.client().health().unwrap();
}

/// Issue 12: `/metrics` never queries the store per scrape (totals refresh on a timer), is
/// rate limited like every route, and can require a token or move to a private address.
fn metrics_cheap_limited_and_private(b: &Backend) {
    let relay = start(b, |c| {
        c.metrics_refresh_secs = 2;
        c.rate_per_ip = 20.0;
        c.burst_per_ip = 100.0;
        c.metrics_token = Some("0123456789abcdef-token".into());
    });
    let http = reqwest::blocking::Client::new();
    let scrape = |token: Option<&str>| {
        let mut rb = http.get(format!("{}/metrics", relay.url()));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        let resp = rb.send().unwrap();
        (resp.status().as_u16(), resp.text().unwrap())
    };
    assert_eq!(scrape(None).0, 401);
    assert_eq!(scrape(Some("0123456789abcdef-wrong")).0, 401);
    let started = std::time::Instant::now();
    let mut statuses = HashMap::new();
    for _ in 0..300 {
        *statuses
            .entry(scrape(Some("0123456789abcdef-token")).0)
            .or_insert(0) += 1;
    }
    assert!(statuses.get(&429).copied().unwrap_or(0) > 0, "{statuses:?}");
    std::thread::sleep(std::time::Duration::from_secs(2));
    let (status, text) = scrape(Some("0123456789abcdef-token"));
    assert_eq!(status, 200);
    let refreshes: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("lantern_relay_totals_refreshes_total "))
        .unwrap()
        .parse()
        .unwrap();
    let bound = started.elapsed().as_secs() / 2 + 2;
    eprintln!(
        "metrics: 300 scrapes {statuses:?}; {refreshes} totals queries in {:?}",
        started.elapsed()
    );
    assert!(
        refreshes <= bound,
        "{refreshes} totals queries for 300 scrapes in {:?}",
        started.elapsed()
    );
    drop(relay);
    // On a private address: not on the public listener at all.
    let private = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let private_addr = private.local_addr().unwrap();
    drop(private);
    let relay = start(b, |c| c.metrics_listen = Some(private_addr));
    let public = raw(&relay.url(), "GET", "/metrics", &[], b"");
    assert_eq!(
        (public.status, public.code.as_deref()),
        (404, Some("not_found"))
    );
    let m = common::metrics_with(
        &format!("http://{private_addr}"),
        &["lantern_relay_mailboxes 0"],
    );
    assert!(m.contains("lantern_relay_requests_total"), "{m}");
}

/// Issue 11, item 11: behind a trusted proxy the per-address limit keys on the client the proxy
/// names (the last `X-Forwarded-For` entry), not on the proxy; from anyone else the header is
/// ignored.
fn per_address_limit_behind_a_trusted_proxy(b: &Backend) {
    let relay = start(b, |c| {
        c.rate_per_ip = 0.01;
        c.burst_per_ip = 2.0;
        c.client_ip_header = Some("x-forwarded-for".into());
        c.trusted_proxies = vec!["127.0.0.0/8".into()];
    });
    let get = |xff: &str| {
        raw(
            &relay.url(),
            "GET",
            "/v1/mailboxes/short/envelopes",
            &[("x-forwarded-for", xff.to_owned())],
            b"",
        )
        .status
    };
    // Client A spends its burst (400: the path is malformed, but the limit comes first).
    assert_eq!(get("203.0.113.1"), 400);
    assert_eq!(get("198.51.100.9, 203.0.113.1"), 400);
    assert_eq!(get("203.0.113.1"), 429, "forged left entries do not help");
    // Client B, behind the same proxy, has its own budget.
    assert_eq!(get("203.0.113.2"), 400);
    drop(relay);
    let relay = start(b, |c| {
        c.rate_per_ip = 0.01;
        c.burst_per_ip = 2.0;
        c.client_ip_header = Some("x-forwarded-for".into());
        c.trusted_proxies = vec!["10.0.0.0/8".into()];
    });
    // Not from a trusted proxy: the header is ignored and the peer (127.0.0.1) is limited.
    let statuses: Vec<u16> = (0..3)
        .map(|i| {
            raw(
                &relay.url(),
                "GET",
                "/v1/mailboxes/short/envelopes",
                &[("x-forwarded-for", format!("203.0.113.{i}"))],
                b"",
            )
            .status
        })
        .collect();
    assert_eq!(statuses, [400, 400, 429]);
}

fn over_rate_refused_with_retry_after(b: &Backend) {
    // A slow refill, so a busy machine cannot earn a token back between two requests.
    let relay = start(b, |c| {
        c.rate_per_key = 0.05;
        c.burst_per_key = 3.0;
    });
    let (_c, key, id, cap) = mailbox(&relay);
    let no_retry = RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    };
    let client = RelayClient::with_options(&relay.url(), no_retry, None).unwrap();
    let mut refused = None;
    for i in 0..6 {
        if let Err(e) = client.post_envelope(&id, &cap.token, &format!("r{i}"), b"x") {
            refused = Some(e);
            break;
        }
    }
    let e = refused.expect("the capability's rate limit refuses within 6 posts");
    assert!(
        matches!(
            e,
            RelayError::Busy {
                status: 429,
                retry_after: Some(_),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(matches!(LanternError::from(e), LanternError::Network(_)));
    // Owner requests have their own bucket (per mailbox key).
    let path = format!("/v1/mailboxes/{id}/envelopes?after=0&limit=1");
    let codes: Vec<u16> = (0..6)
        .map(|_| signed(&relay.url(), &key, "GET", &path, b"").status)
        .collect();
    assert!(codes.contains(&429), "{codes:?}");
    drop(relay);
    // Per address.
    let relay = start(b, |c| {
        c.rate_per_ip = 1.0;
        c.burst_per_ip = 2.0;
    });
    let statuses: Vec<(u16, Option<String>)> = (0..5)
        .map(|_| {
            let r = raw(&relay.url(), "POST", "/v1/mailboxes", &[], b"{}");
            (r.status, r.retry_after)
        })
        .collect();
    let limited = statuses
        .iter()
        .find(|(s, _)| *s == 429)
        .expect("rate limited per address");
    assert!(limited.1.as_deref().unwrap().parse::<u64>().unwrap() >= 1);
}

fn malformed_bodies_refused(b: &Backend) {
    let relay = start(b, |_| {});
    let (_client, key, id, cap) = mailbox(&relay);
    let base = relay.url();
    let post = format!("/v1/mailboxes/{id}/envelopes");
    let capability = [("x-lantern-capability", cap.token.clone())];
    for body in [
        &b"not json"[..],
        br#"{"id":"a"}"#,
        br#"{"id":"a","payload":"***"}"#,
        br#"{"id":"a/b","payload":""}"#,
        br#"{"id":"a","payload":"","extra":1}"#,
    ] {
        let r = raw(&base, "POST", &post, &capability, body);
        assert_eq!(
            (r.status, r.code.as_deref()),
            (400, Some("malformed")),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    let ack = format!("/v1/mailboxes/{id}/ack");
    let r = signed(&base, &key, "POST", &ack, br#"{"ids":"e1"}"#);
    assert_eq!((r.status, r.code.as_deref()), (400, Some("malformed")));
    let r = signed(
        &base,
        &key,
        "GET",
        &format!("/v1/mailboxes/{id}/envelopes?after=-1"),
        b"",
    );
    assert_eq!((r.status, r.code.as_deref()), (400, Some("malformed")));
    let r = signed(
        &base,
        &key,
        "POST",
        "/v1/mailboxes",
        br#"{"public_key":"AAAA"}"#,
    );
    assert_eq!((r.status, r.code.as_deref()), (400, Some("malformed")));
    let r = raw(&base, "GET", "/v1/mailboxes/short/envelopes", &[], b"");
    assert_eq!((r.status, r.code.as_deref()), (400, Some("malformed")));
    // Found by fuzzing (fuzz/fuzz_targets/relay_request.rs): a path segment that is not UTF-8
    // once percent-decoded was refused in plain text, not with the JSON error body.
    for (method, path) in [
        ("POST", "/v1/mailboxes/%FF/envelopes".to_owned()),
        ("DELETE", format!("/v1/mailboxes/{id}/capabilities/%C3%28")),
    ] {
        let r = raw(&base, method, &path, &capability, b"");
        let refusal = (r.status, r.code.as_deref());
        assert_eq!(refusal, (400, Some("malformed")), "{path}");
    }
    let r = raw(&base, "GET", "/no/such/route", &[], b"");
    assert_eq!((r.status, r.code.as_deref()), (404, Some("not_found")));
    let r = raw(&base, "PUT", &format!("/v1/mailboxes/{id}"), &[], b"");
    assert_eq!(
        (r.status, r.code.as_deref()),
        (405, Some("method_not_allowed"))
    );
}

fn unknown_mailbox_refused(b: &Backend) {
    let relay = start(b, |_| {});
    let (client, _key, _id, cap) = mailbox(&relay);
    let stranger = SigningKey::make();
    let unknown = relay_client::mailbox_id(&stranger.public_key());
    let e = client
        .post_envelope(&unknown, &cap.token, "e1", b"x")
        .unwrap_err();
    assert_eq!(rejected_code(&e), (404, "mailbox_not_found"));
    let e = client.list_envelopes(&stranger, 0, 10).unwrap_err();
    assert_eq!(rejected_code(&e), (404, "mailbox_not_found"));
    let e = client.delete_mailbox(&stranger).unwrap_err();
    assert_eq!(rejected_code(&e), (404, "mailbox_not_found"));
}

fn concurrent_posts_listed_and_acked_exactly_once(b: &Backend) {
    const SENDERS: usize = 12;
    const EACH: usize = 40;
    let relay = start(b, |_| {});
    let (client, key, id, _cap) = mailbox(&relay);
    let caps: Vec<_> = (0..SENDERS)
        .map(|_| client.issue_capability(&key).unwrap())
        .collect();
    let url = Arc::new(relay.url());
    let threads: Vec<_> = caps
        .into_iter()
        .enumerate()
        .map(|(s, cap)| {
            let (url, id) = (Arc::clone(&url), id.clone());
            std::thread::spawn(move || {
                let c = RelayClient::new(&url).unwrap();
                for i in 0..EACH {
                    let eid = format!("s{s}-{i}");
                    c.post_envelope(&id, &cap.token, &eid, eid.as_bytes())
                        .unwrap();
                    if i % 10 == 0 {
                        // A retried post must not duplicate, even when the owner already
                        // acknowledged the first one (the relay keeps a tombstone).
                        assert!(
                            c.post_envelope(&id, &cap.token, &eid, eid.as_bytes())
                                .unwrap()
                                .duplicate
                        );
                    }
                }
            })
        })
        .collect();
    // The owner drains while senders are still posting.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut cursor = 0;
    let mut acked = 0;
    let mut finished = false;
    let mut last_seq = 0;
    loop {
        let page = client.list_envelopes(&key, cursor, 37).unwrap();
        for e in &page.envelopes {
            assert!(e.seq > last_seq, "sequence strictly increases");
            last_seq = e.seq;
            assert_eq!(e.payload, e.id.as_bytes());
            *seen.entry(e.id.clone()).or_default() += 1;
        }
        let ids: Vec<String> = page.envelopes.iter().map(|e| e.id.clone()).collect();
        acked += client.ack_envelopes(&key, &ids).unwrap();
        cursor = page.next_cursor;
        if page.envelopes.is_empty() && !page.more {
            if finished {
                break;
            }
            if threads.iter().all(|t| t.is_finished()) {
                finished = true; // one more pass after every sender is done
            } else {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(seen.len(), SENDERS * EACH);
    assert!(
        seen.values().all(|n| *n == 1),
        "every envelope listed exactly once"
    );
    assert_eq!(
        acked,
        (SENDERS * EACH) as u64,
        "every envelope acknowledged exactly once"
    );
    assert!(
        client
            .list_envelopes(&key, 0, 10)
            .unwrap()
            .envelopes
            .is_empty()
    );
}

fn storage_holds_no_plaintext(b: &Backend) {
    const CANARY: &[u8] = b"CANARY-lantern-journal-7f3a91";
    const CONTROL: &[u8] = b"CONTROL-plaintext-posted-4c2e";
    let relay = start(b, |_| {});
    let (client, key, id, cap) = mailbox(&relay);
    let dek = hazmat::make_key();
    for i in 0..20 {
        let mut plaintext = CANARY.to_vec();
        plaintext.extend_from_slice(format!(" entry {i}").as_bytes());
        let sealed = hazmat::seal_aes_gcm(&dek, format!("c{i}").as_bytes(), &plaintext);
        client
            .post_envelope(&id, &cap.token, &format!("c{i}"), &sealed)
            .unwrap();
    }
    // Positive control: what a broken client would post in the clear is found by the scan.
    client
        .post_envelope(&id, &cap.token, "control", CONTROL)
        .unwrap();
    // The owner can still open what arrived.
    let page = client.list_envelopes(&key, 0, 100).unwrap();
    let first = page.envelopes.iter().find(|e| e.id == "c0").unwrap();
    assert!(
        hazmat::open_aes_gcm(&dek, b"c0", &first.payload)
            .unwrap()
            .starts_with(CANARY)
    );
    let found = |needle: &[u8]| -> bool {
        match &relay.backend {
            Backend::Sqlite => std::fs::read_dir(relay.dir.path()).unwrap().any(|f| {
                let bytes = std::fs::read(f.unwrap().path()).unwrap();
                bytes.windows(needle.len()).any(|w| w == needle)
            }),
            Backend::Postgres(url) => {
                let schema = relay.config.postgres_schema.as_deref().unwrap();
                let hex: String = needle.iter().map(|b| format!("{b:02x}")).collect();
                let text = String::from_utf8_lossy(needle).into_owned();
                [
                    "mailboxes",
                    "capabilities",
                    "envelopes",
                    "acked_envelopes",
                    "seen_nonces",
                ]
                .iter()
                .any(|t| {
                    // Every column of every row, as text (bytea shows as \x-hex).
                    common::pg_rows_as_text(url, schema, &format!("SELECT t::text FROM {t} t"))
                        .iter()
                        .any(|row| row.contains(&text) || row.contains(&hex))
                })
            }
        }
    };
    assert!(
        found(CONTROL),
        "the scan finds plaintext when there is some"
    );
    assert!(
        !found(CANARY),
        "client-encrypted canary never stored in the clear"
    );
}

fn deleted_mailbox_is_gone(b: &Backend) {
    let relay = start(b, |_| {});
    let (client, key, id, cap) = mailbox(&relay);
    client.post_envelope(&id, &cap.token, "e1", b"x").unwrap();
    client.delete_mailbox(&key).unwrap();
    let e = client
        .post_envelope(&id, &cap.token, "e2", b"x")
        .unwrap_err();
    assert_eq!(rejected_code(&e), (404, "mailbox_not_found"));
    let e = client.list_envelopes(&key, 0, 10).unwrap_err();
    assert_eq!(rejected_code(&e), (404, "mailbox_not_found"));
    // A fresh mailbox for the same key starts empty and old capabilities are void.
    client.create_mailbox(&key).unwrap();
    let e = client
        .post_envelope(&id, &cap.token, "e3", b"x")
        .unwrap_err();
    assert_eq!(rejected_code(&e), (403, "capability_invalid"));
    assert!(
        client
            .list_envelopes(&key, 0, 10)
            .unwrap()
            .envelopes
            .is_empty()
    );
}

fn envelopes_expire_after_ttl(b: &Backend) {
    let relay = start(b, |c| {
        c.envelope_ttl_secs = 1;
        c.sweep_interval_secs = 1;
    });
    let (client, key, id, cap) = mailbox(&relay);
    client
        .post_envelope(&id, &cap.token, "old", &[9u8; 100])
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if client
            .list_envelopes(&key, 0, 10)
            .unwrap()
            .envelopes
            .is_empty()
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "envelope not dropped after its TTL"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    // Counters were released with it: the full quota is usable again.
    common::metrics_with(
        &relay.url(),
        &[
            "lantern_relay_stored_envelopes 0",
            "lantern_relay_ttl_dropped_total 1",
        ],
    );
}

fn metrics_and_health(b: &Backend) {
    let relay = start(b, |_| {});
    let (client, _key, id, cap) = mailbox(&relay);
    client.health().unwrap();
    client
        .post_envelope(&id, &cap.token, "e1", &[5u8; 123])
        .unwrap();
    let _ = client.post_envelope(&id, "bad", "e2", b"x");
    let m = common::metrics_with(
        &relay.url(),
        &[
            "lantern_relay_stored_envelopes 1",
            "lantern_relay_stored_bytes 123",
        ],
    );
    assert!(
        m.contains("lantern_relay_refusals_total{reason=\"capability_invalid\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("route=\"/v1/mailboxes/{mailbox}/envelopes\",status=\"201\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("lantern_relay_request_duration_seconds_count"),
        "{m}"
    );
    assert!(!m.contains(&id), "metrics never name a mailbox");
}
