//! Benchmark: from posting an envelope to the owner's push endpoint receiving its wake-up,
//! through a real relay on 127.0.0.1 (SQLite, `synchronous=FULL`; and PostgreSQL when
//! `LANTERN_TEST_POSTGRES_URL` is set) with the endpoint on 127.0.0.1. Budget (issue 13): p99
//! under 500 ms from "I need support" to the supporter's endpoint. Two ways in:
//! - a post as the core's relay client makes it (what every sealed alert or item becomes);
//!   baseline, in the same samples: that post's own round trip (201 received);
//! - a peer's whole sync of one new check-in (decide, seal, sign, post); baseline: the sync.
//!
//! Prints p50/p90/p99/max and ratios. Run: `cargo bench -p lantern-tests --bench push`
#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../../relay/tests/common/wake.rs"]
mod wake;

use std::time::{Duration, Instant};

use common::{Relay, Side, checkin, pair};
use lantern_core::consent::Scope;
use lantern_core::crypto::hazmat::SigningKey;
use lantern_core::sharing::relay_client::RelayClient;
use lantern_relay::Config;
use wake::WakeEndpoint;

const POSTS: usize = 400;
const SYNCS: usize = 100;

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn report(what: &str, mut wake: Vec<Duration>, base_name: &str, mut base: Vec<Duration>) {
    wake.sort();
    base.sort();
    println!("  {what} ({} samples)", wake.len());
    println!(
        "    {:<34} {:>8} {:>8} {:>8} {:>8}",
        "", "p50", "p90", "p99", "max"
    );
    for (name, v) in [("to the endpoint's POST", &wake), (base_name, &base)] {
        println!(
            "    {name:<34} {:>6.2}ms {:>6.2}ms {:>6.2}ms {:>6.2}ms",
            ms(pct(v, 0.5)),
            ms(pct(v, 0.9)),
            ms(pct(v, 0.99)),
            ms(pct(v, 1.0))
        );
    }
    let p99 = pct(&wake, 0.99);
    println!(
        "    ratio wake-up / baseline: p50 {:.2}x, p99 {:.2}x; budget p99 < 500 ms: {}",
        pct(&wake, 0.5).as_secs_f64() / pct(&base, 0.5).as_secs_f64(),
        p99.as_secs_f64() / pct(&base, 0.99).as_secs_f64(),
        if p99 < Duration::from_millis(500) {
            "met"
        } else {
            "MISSED"
        }
    );
}

fn tweak(database: Option<&str>) -> impl FnOnce(&mut Config) + '_ {
    move |c: &mut Config| {
        c.push_allow_http = true;
        c.push_allow_private_addresses = true;
        // Each sample waits for its wake-up before the next post: a 1 ms interval never
        // coalesces them, so every sample is a first wake-up.
        c.push_interval_ms = 1;
        if let Some(url) = database {
            c.database = url.to_owned();
            c.postgres_schema = Some(format!("bench_push_{}", lantern_core::sharing::unix_now()));
        }
    }
}

fn posts(relay: &Relay, n: usize) -> (Vec<Duration>, Vec<Duration>) {
    let endpoint = WakeEndpoint::start();
    let client = RelayClient::new(&relay.url()).unwrap();
    let owner = SigningKey::make();
    let mailbox = client.create_mailbox(&owner).unwrap();
    let cap = client.issue_capability(&owner).unwrap();
    client
        .register_push(&owner, &endpoint.url("/up/bench"), "bench-token-0123456789")
        .unwrap();
    let payload = vec![7u8; 600]; // about an alert's sealed size
    let (mut wake, mut post) = (Vec::new(), Vec::new());
    for i in 0..n + 10 {
        let start = Instant::now();
        client
            .post_envelope(&mailbox, &cap.token, &format!("e{i}"), &payload)
            .unwrap();
        let posted = start.elapsed();
        let got = endpoint.wait_for(i + 1, Duration::from_secs(10));
        assert_eq!(got.len(), i + 1, "wake-up {i} missing");
        if i >= 10 {
            // The first ten warm the connections up.
            wake.push(got[i].at.duration_since(start));
            post.push(posted);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    (wake, post)
}

fn syncs(relay: &Relay, n: usize) -> (Vec<Duration>, Vec<Duration>) {
    let endpoint = WakeEndpoint::start();
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let t = lantern_core::sharing::unix_now();
    let conn = pair(relay, &mut peer, &mut sup, t);
    peer.s()
        .grant(&conn, vec![Scope::CheckIns], "benchmark", t + 86_400, t)
        .unwrap();
    sup.s().enable_push(&endpoint.url("/up/supporter")).unwrap();
    let (mut wake, mut sync) = (Vec::new(), Vec::new());
    let mut items = Vec::new();
    for i in 0..n + 3 {
        items.push(checkin(&format!("k{i}"), "I need support now"));
        let start = Instant::now();
        let r = peer.s().sync(&items, t + 1 + i as i64).unwrap();
        let synced = start.elapsed();
        assert_eq!(r.posted, 1);
        let got = endpoint.wait_for(i + 1, Duration::from_secs(10));
        assert_eq!(got.len(), i + 1, "wake-up {i} missing");
        if i >= 3 {
            wake.push(got[i].at.duration_since(start));
            sync.push(synced);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    (wake, sync)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this once as a smoke test.
    let full = std::env::args().any(|a| a == "--bench");
    let (n_posts, n_syncs) = if full { (POSTS, SYNCS) } else { (5, 3) };
    let pg = std::env::var("LANTERN_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let mut backends = vec![("SQLite (synchronous=FULL)", None)];
    if let Some(url) = &pg {
        backends.push(("PostgreSQL", Some(url.as_str())));
    } else {
        println!("(PostgreSQL skipped: LANTERN_TEST_POSTGRES_URL not set)");
    }
    for (name, db) in backends {
        let relay = Relay::start_with(tweak(db));
        println!("wake-up latency through a relay on 127.0.0.1, {name}");
        let (wake, post) = posts(&relay, n_posts);
        report(
            "a post as the core makes it",
            wake,
            "baseline: the post's round trip",
            post,
        );
        let (wake, sync) = syncs(&relay, n_syncs);
        report(
            "a peer's sync of one new check-in",
            wake,
            "baseline: the sync itself",
            sync,
        );
    }
    if !full {
        println!("  (smoke run in a test build: timings are not meaningful; use cargo bench)");
    }
}
