//! The relay's behaviour over real HTTP on 127.0.0.1, run against SQLite and PostgreSQL
//! (the latter when `LANTERN_TEST_POSTGRES_URL` is set; otherwise those tests say "skipped").
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::{Backend, TestRelay, fresh_nonce, now, raw, sign_headers, signed, start};
use lantern_core::LanternError;
use lantern_core::crypto::hazmat::{self, SigningKey};
use lantern_core::sync::relay_client::{self, RelayClient, RelayError, RetryPolicy};

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
