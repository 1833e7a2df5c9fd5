//! Benchmark: "I need support now" from the peer's press to the relay holding the alert, and to
//! the supporter's core having verified and stored it (one sync), through a relay on 127.0.0.1.
//! The press is what `Sharing::reach_out` does below the FFI: decide for every connection,
//! seal, sign, audit and queue (one transaction), re-decide the outbox, post once. The peer
//! shares 500 journal entries with the same supporter, so the press runs beside real state.
//! Baseline, measured in the same process: posting opaque bytes of the same size through the
//! same relay (the HTTP and relay cost alone). Budget (docs/design.md): press to the supporter's
//! wake-up POST p99 <= 500 ms; the wake-up itself is the relay's (issue 13.3), so this measures
//! the core's share of it. Prints p50 and p99 and the ratios.
//!
//! Run: `cargo bench -p lantern-tests --bench reach`
#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Relay, Side, entry, pair_with_reply_channel};
use lantern_core::consent::Scope;
use lantern_core::crypto::hazmat::SigningKey;
use lantern_core::sharing::ShareableItem;
use lantern_core::sharing::relay_client::RelayClient;

const PRESSES: usize = 200;

fn percentile(v: &[Duration], p: f64) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this once as a smoke test.
    let presses = if std::env::args().any(|a| a == "--bench") {
        PRESSES
    } else {
        3
    };
    let relay = Relay::start();
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let t = lantern_core::sharing::unix_now();
    let conn = pair_with_reply_channel(&relay, &mut peer, &mut sup, "Sam", t);
    peer.s()
        .grant(
            &conn,
            vec![Scope::Alerts, Scope::parse("entries:tag=shared").unwrap()],
            "benchmark",
            t + 86_400,
            t,
        )
        .unwrap();
    let items: Vec<ShareableItem> = (0..500)
        .map(|i| {
            entry(
                &format!("e{i}"),
                &["shared"],
                &"a day of recovery ".repeat(40),
            )
        })
        .collect();
    peer.s().sync(&items, t).unwrap();
    sup.s().sync(&[], t).unwrap();

    let note = "Rough evening, cravings are strong. Can you call?".to_string();
    let (mut to_relay, mut to_supporter) = (Vec::new(), Vec::new());
    let mut size = 0;
    for i in 0..presses {
        let now = t + 1 + i as i64;
        let start = Instant::now();
        let alert = peer.s().queue_alert(Some(note.clone()), now).unwrap();
        if i == 0 {
            size = peer.s().pending_envelopes().unwrap()[0].bytes.len();
        }
        let (posted, error) = peer.s().post_now(&items, now).unwrap();
        to_relay.push(start.elapsed());
        assert!(error.is_none() && posted == 1 && alert.recipients.len() == 1);
        let got = sup.s().sync(&[], now).unwrap();
        to_supporter.push(start.elapsed());
        assert_eq!(got.alerts_received, 1);
    }

    // Baseline: opaque bytes of the alert envelope's size through the same relay, one try.
    let owner = SigningKey::make();
    let client = RelayClient::quick(&relay.url()).unwrap();
    let mailbox = client.create_mailbox(&owner).unwrap();
    let cap = client.issue_capability(&owner).unwrap();
    let payload = vec![0x5a; size];
    let mut base = Vec::new();
    for i in 0..presses {
        let start = Instant::now();
        client
            .post_envelope(&mailbox, &cap.token, &format!("b{i}"), &payload)
            .unwrap();
        base.push(start.elapsed());
    }

    let row = |label: &str, v: &[Duration]| {
        println!(
            "  {label:<44} p50 {:>7.2} ms   p99 {:>7.2} ms   ({:.1}x / {:.1}x the baseline)",
            ms(percentile(v, 0.5)),
            ms(percentile(v, 0.99)),
            ms(percentile(v, 0.5)) / ms(percentile(&base, 0.5)),
            ms(percentile(v, 0.99)) / ms(percentile(&base, 0.99)),
        );
    };
    println!(
        "\"I need support now\" over a relay on loopback: {presses} presses, alert envelope {size} B, 500 entries shared beside it"
    );
    row("press -> relay holds the alert", &to_relay);
    row(
        "press -> supporter's core verified and stored it",
        &to_supporter,
    );
    println!(
        "  {:<44} p50 {:>7.2} ms   p99 {:>7.2} ms",
        "baseline: post of opaque bytes, same size",
        ms(percentile(&base, 0.5)),
        ms(percentile(&base, 0.99))
    );
    if presses == PRESSES {
        println!(
            "  core's share of the 500 ms p99 budget (press -> relay): {}",
            if percentile(&to_relay, 0.99) <= Duration::from_millis(500) {
                "within"
            } else {
                "OVER"
            }
        );
    } else {
        println!("  (smoke run in a test build: timings are not meaningful; use cargo bench)");
    }
}
