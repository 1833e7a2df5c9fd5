//! Benchmark: 1,000 consented items from a peer through a relay on 127.0.0.1 to a supporter,
//! end to end (decide, seal, sign, post; list, verify, open, check, store sealed, ack). Budget
//! (docs/design.md): at most 1 s. Baseline, measured in the same process: the same number of
//! envelopes of the same sizes posted, listed and acknowledged as opaque bytes, i.e. the
//! relay and HTTP cost alone. Prints medians and the ratio.
//!
//! Run: `cargo bench -p lantern-tests --bench sync`
#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Relay, Side, checkin, entry, pair};
use lantern_core::consent::Scope;
use lantern_core::crypto::hazmat::SigningKey;
use lantern_core::sharing::ShareableItem;
use lantern_core::sharing::relay_client::RelayClient;

const ITEMS: usize = 1000;
const RUNS: usize = 7;

/// 1,000 items: 800 entries of 300 B to 2 KiB (realistic sizes) and 200 check-ins.
fn items(round: usize) -> Vec<ShareableItem> {
    let mut out = Vec::with_capacity(ITEMS);
    for i in 0..800 {
        let len = 300 + (i * 37) % 1750;
        let text: String = format!("round {round} entry {i} ")
            .chars()
            .cycle()
            .take(len)
            .collect();
        out.push(entry(&format!("e{i}"), &["shared"], &text));
    }
    for i in 0..200 {
        out.push(checkin(
            &format!("k{i}"),
            &format!("round {round} note {i}"),
        ));
    }
    out
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this once as a smoke test.
    let runs = if std::env::args().any(|a| a == "--bench") {
        RUNS
    } else {
        1
    };
    let relay = Relay::start();
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let t = lantern_core::sharing::unix_now();
    let conn = pair(&relay, &mut peer, &mut sup, t);
    peer.s()
        .grant(
            &conn,
            vec![Scope::parse("entries:tag=shared").unwrap(), Scope::CheckIns],
            "benchmark",
            t + 86_400,
            t,
        )
        .unwrap();

    let mut full = Vec::new();
    let mut sizes: Vec<usize> = Vec::new();
    for round in 0..runs {
        let items = items(round);
        let now = t + round as i64 + 1;
        let start = Instant::now();
        peer.s().recheck_outbox(&items, now).unwrap();
        peer.s().prepare_outbox(&items, now).unwrap();
        if round == 0 {
            sizes = peer
                .s()
                .pending_envelopes()
                .unwrap()
                .iter()
                .map(|e| e.bytes.len())
                .collect();
        }
        let sent = peer.s().sync(&items, now).unwrap();
        let got = sup.s().sync(&[], now).unwrap();
        full.push(start.elapsed());
        assert_eq!(sup.held(now).len(), ITEMS);
        assert!(sent.posted > 0 && got.applied == sent.posted);
    }

    // Baseline: the same envelope count and sizes as opaque bytes through the same relay.
    let owner = SigningKey::make();
    let client = RelayClient::new(&relay.url()).unwrap();
    let mailbox = client.create_mailbox(&owner).unwrap();
    let cap = client.issue_capability(&owner).unwrap();
    let mut base = Vec::new();
    for round in 0..runs {
        let start = Instant::now();
        for (i, size) in sizes.iter().enumerate() {
            let payload = vec![(i % 251) as u8; *size];
            client
                .post_envelope(&mailbox, &cap.token, &format!("r{round}e{i}"), &payload)
                .unwrap();
        }
        let mut after = 0;
        loop {
            let page = client.list_envelopes(&owner, after, 1000).unwrap();
            let ids: Vec<String> = page.envelopes.iter().map(|e| e.id.clone()).collect();
            if !ids.is_empty() {
                client.ack_envelopes(&owner, &ids).unwrap();
            }
            after = page.next_cursor;
            if !page.more {
                break;
            }
        }
        base.push(start.elapsed());
    }

    let (f, b) = (median(full), median(base));
    let total: usize = sizes.iter().sum();
    println!(
        "sync of {ITEMS} consented items peer -> relay -> supporter on loopback ({} envelopes, {} KiB on the wire)",
        sizes.len(),
        total / 1024
    );
    println!(
        "  end to end (median of {runs}):          {:>8.1} ms",
        f.as_secs_f64() * 1e3
    );
    println!(
        "  baseline, same envelopes as opaque bytes: {:>8.1} ms",
        b.as_secs_f64() * 1e3
    );
    println!(
        "  ratio end to end / transport only:  {:>8.2}x",
        f.as_secs_f64() / b.as_secs_f64()
    );
    if runs == RUNS {
        println!(
            "  budget <= 1000 ms: {}",
            if f <= Duration::from_secs(1) {
                "met"
            } else {
                "MISSED"
            }
        );
    } else {
        println!("  (smoke run in a test build: timings are not meaningful; use cargo bench)");
    }
}
