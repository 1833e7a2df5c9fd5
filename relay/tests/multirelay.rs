//! Several relay PROCESSES on one PostgreSQL database (issue 12): clients alternate between two
//! real `lantern-relay` binaries sharing a schema. Delivery stays exactly once, a nonce replayed
//! to the other process is refused, acks and tombstones agree, per-process rate limits add up as
//! documented, and killing one process mid-load loses nothing either process acknowledged.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{
    Backend, Reaped, free_port, fresh_nonce, now, raw, sign_headers, start_binary,
    start_binary_with,
};
use lantern_core::crypto::hazmat::SigningKey;
use lantern_core::sharing::relay_client::{RelayClient, RelayError, RetryPolicy};

/// Two relay processes on one PostgreSQL schema (dropped, and the processes killed, on drop).
struct Pair {
    children: Vec<Reaped>,
    urls: Vec<String>,
    pg_url: String,
    schema: String,
}

impl Pair {
    fn start(extra: &[&str]) -> Option<Pair> {
        let Some(Backend::Postgres(pg_url)) = common::postgres_backend() else {
            return None;
        };
        let schema = common::random_schema();
        let mut args: Vec<String> = extra.iter().map(|a| (*a).to_owned()).collect();
        args.extend([
            "--database".into(),
            pg_url.clone(),
            "--postgres-schema".into(),
            schema.clone(),
        ]);
        let ports = [free_port(), free_port()];
        // Both at once: migrations run once, under PostgreSQL's advisory lock.
        let starts: Vec<_> = ports
            .iter()
            .map(|port| {
                let (args, port) = (args.clone(), *port);
                let limited = !extra.is_empty();
                std::thread::spawn(move || {
                    if limited {
                        start_binary_with(&args, port)
                    } else {
                        start_binary(&args, port)
                    }
                })
            })
            .collect();
        // Every start joined and guarded before anything can fail: no process outlives the test.
        let started: Vec<_> = starts.into_iter().map(|s| s.join()).collect();
        let children = started
            .into_iter()
            .map(|s| Reaped(s.unwrap_or_else(|_| panic!("a relay process did not start"))))
            .collect();
        Some(Pair {
            children,
            urls: ports
                .iter()
                .map(|p| format!("http://127.0.0.1:{p}"))
                .collect(),
            pg_url,
            schema,
        })
    }

    /// SIGKILL: no graceful anything.
    fn kill(&mut self, i: usize) {
        self.children[i].kill();
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        for c in &mut self.children {
            c.kill();
        }
        common::pg_execute(
            &self.pg_url,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema),
        );
    }
}

fn once() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    }
}

/// Under load from senders and an owner alternating between the two processes, one process is
/// SIGKILLed: every post either process answered 2xx is delivered exactly once, and nothing
/// either acknowledged comes back.
#[test]
fn two_processes_deliver_exactly_once_and_survive_a_kill() {
    let Some(mut pair) = Pair::start(&[]) else {
        return;
    };
    let key = Arc::new(SigningKey::make());
    let admin = RelayClient::new(&pair.urls[0]).unwrap();
    let id = admin.create_mailbox(&key).unwrap();
    let accepted = Arc::new(Mutex::new(HashSet::<String>::new()));
    let delivered = Arc::new(Mutex::new(HashMap::<String, u32>::new()));
    let acked = Arc::new(Mutex::new(HashSet::<String>::new()));
    let b_dead = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..4)
        .map(|t| {
            // Each sender's capability is issued through the other process than its first post.
            let token = RelayClient::new(&pair.urls[1 - t % 2])
                .unwrap()
                .issue_capability(&key)
                .unwrap()
                .token;
            let clients: Vec<RelayClient> = pair
                .urls
                .iter()
                .map(|u| RelayClient::with_options(u, once(), None).unwrap())
                .collect();
            let (id, accepted, stop, b_dead) = (
                id.clone(),
                Arc::clone(&accepted),
                Arc::clone(&stop),
                Arc::clone(&b_dead),
            );
            std::thread::spawn(move || {
                let mut i = 0usize;
                while !stop.load(Ordering::Relaxed) && i < 400 {
                    let eid = format!("s{t}-{i}");
                    // Alternate processes; a post the dead one did not answer goes to the
                    // other (same id: a retry, answered as a duplicate if it had been stored).
                    let mut which = (t + i) % 2;
                    loop {
                        if which == 1 && b_dead.load(Ordering::Relaxed) {
                            which = 0;
                        }
                        match clients[which].post_envelope(&id, &token, &eid, eid.as_bytes()) {
                            Ok(_) => {
                                accepted.lock().unwrap().insert(eid.clone());
                                break;
                            }
                            Err(e) if e.is_transient() => which = 1 - which,
                            Err(e) => panic!("post refused: {e:?}"),
                        }
                    }
                    i += 1;
                }
            })
        })
        .collect();
    let owner = {
        let clients: Vec<RelayClient> = pair
            .urls
            .iter()
            .map(|u| RelayClient::with_options(u, once(), None).unwrap())
            .collect();
        let (key, delivered, acked, stop, b_dead) = (
            Arc::clone(&key),
            Arc::clone(&delivered),
            Arc::clone(&acked),
            Arc::clone(&stop),
            Arc::clone(&b_dead),
        );
        std::thread::spawn(move || {
            let mut cursor = 0;
            let mut turn = 0usize;
            loop {
                let finishing = stop.load(Ordering::Relaxed);
                turn += 1;
                let which = if b_dead.load(Ordering::Relaxed) {
                    0
                } else {
                    turn % 2
                };
                let page = match clients[which].list_envelopes(&key, cursor, 50) {
                    Ok(p) => p,
                    Err(e) if e.is_transient() => continue,
                    Err(e) => panic!("list refused: {e:?}"),
                };
                let ids: Vec<String> = page.envelopes.iter().map(|e| e.id.clone()).collect();
                for e in &page.envelopes {
                    assert_eq!(e.payload, e.id.as_bytes(), "payload intact");
                    *delivered.lock().unwrap().entry(e.id.clone()).or_default() += 1;
                }
                cursor = page.next_cursor;
                // Acknowledge through the OTHER process than the one that listed.
                let ack_on = if b_dead.load(Ordering::Relaxed) {
                    0
                } else {
                    1 - which
                };
                if !ids.is_empty() {
                    loop {
                        let ack_on = if b_dead.load(Ordering::Relaxed) {
                            0
                        } else {
                            ack_on
                        };
                        match clients[ack_on].ack_envelopes(&key, &ids) {
                            Ok(_) => break,
                            Err(e) if e.is_transient() => continue,
                            Err(e) => panic!("ack refused: {e:?}"),
                        }
                    }
                    acked.lock().unwrap().extend(ids);
                }
                if finishing && !page.more && page.envelopes.is_empty() {
                    return;
                }
                if page.envelopes.is_empty() {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        })
    };
    // Kill process B once a good share of the load has gone through it.
    let deadline = Instant::now() + Duration::from_secs(120);
    while accepted.lock().unwrap().len() < 400 {
        assert!(Instant::now() < deadline, "posts are not flowing");
        std::thread::sleep(Duration::from_millis(10));
    }
    b_dead.store(true, Ordering::Relaxed);
    pair.kill(1);
    let killed_at = accepted.lock().unwrap().len();
    for s in senders {
        s.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    owner.join().unwrap();
    let accepted = accepted.lock().unwrap().clone();
    let delivered = delivered.lock().unwrap().clone();
    let twice: Vec<_> = delivered.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    let lost: Vec<_> = accepted
        .iter()
        .filter(|e| !delivered.contains_key(*e))
        .collect();
    assert!(lost.is_empty(), "accepted but never delivered: {lost:?}");
    assert_eq!(accepted.len(), 1600);
    assert_eq!(
        delivered.len(),
        1600,
        "nothing delivered that was not posted"
    );
    // Nothing acknowledged (through either process) is listed again; every id re-posted to the
    // surviving process after its ack is a duplicate, never stored again.
    let survivor = RelayClient::new(&pair.urls[0]).unwrap();
    let page = survivor.list_envelopes(&key, 0, 1000).unwrap();
    assert!(
        page.envelopes.is_empty(),
        "{} came back",
        page.envelopes.len()
    );
    eprintln!(
        "two processes: {} posts accepted ({killed_at} before the kill), {} delivered once, \
         {} acknowledged, 0 lost, 0 twice",
        accepted.len(),
        delivered.len(),
        acked.lock().unwrap().len()
    );
}

/// A signed request accepted by one process is refused as a replay by the other; an ack
/// through one process leaves a tombstone the other answers from.
#[test]
fn replays_and_tombstones_are_shared_between_processes() {
    let Some(pair) = Pair::start(&[]) else {
        return;
    };
    let (a, b) = (&pair.urls[0], &pair.urls[1]);
    let key = SigningKey::make();
    let client_a = RelayClient::new(a).unwrap();
    let client_b = RelayClient::new(b).unwrap();
    let id = client_a.create_mailbox(&key).unwrap();
    let cap = client_b.issue_capability(&key).unwrap();
    let first = client_a
        .post_envelope(&id, &cap.token, "e1", b"one")
        .unwrap();
    let path = format!("/v1/mailboxes/{id}/ack");
    let body = br#"{"ids":["e1"]}"#;
    let h = sign_headers(&key, "POST", &path, body, now(), &fresh_nonce());
    let on_a = raw(a, "POST", &path, &h, body);
    assert_eq!((on_a.status, on_a.body["deleted"].as_u64()), (200, Some(1)));
    let on_b = raw(b, "POST", &path, &h, body);
    assert_eq!(
        (on_b.status, on_b.code.as_deref()),
        (409, Some("replay")),
        "the nonce A consumed is refused by B"
    );
    // The tombstone A wrote answers B: same payload a duplicate with the original seq, other
    // payload a conflict; B never lists it.
    let again = client_b
        .post_envelope(&id, &cap.token, "e1", b"one")
        .unwrap();
    assert_eq!((again.seq, again.duplicate), (first.seq, true));
    let other = client_b
        .post_envelope(&id, &cap.token, "e1", b"two")
        .unwrap_err();
    assert!(
        matches!(&other, RelayError::Rejected { status: 409, code, .. } if code == "conflict"),
        "{other:?}"
    );
    assert!(
        client_b
            .list_envelopes(&key, 0, 10)
            .unwrap()
            .envelopes
            .is_empty()
    );
    assert_eq!(client_b.ack_envelopes(&key, &["e1".into()]).unwrap(), 0);
    // A capability revoked through B cannot post through A.
    client_b.revoke_capability(&key, &cap.id).unwrap();
    let e = client_a
        .post_envelope(&id, &cap.token, "e2", b"x")
        .unwrap_err();
    assert!(
        matches!(&e, RelayError::Rejected { status: 403, code, .. } if code == "capability_revoked"),
        "{e:?}"
    );
}

/// Rate limits are per process (docs/relay.md): with a burst of B per capability and N
/// processes, one capability gets at most N x B quick posts, and never more.
#[test]
fn rate_limits_add_up_per_process() {
    const BURST: usize = 3;
    let burst = BURST.to_string();
    let Some(pair) = Pair::start(&[
        "--rate-per-key",
        "0.001",
        "--burst-per-key",
        &burst,
        "--rate-per-ip",
        "0",
        "--create-rate-per-ip",
        "0",
    ]) else {
        return;
    };
    let key = SigningKey::make();
    let admin = RelayClient::new(&pair.urls[0]).unwrap();
    let id = admin.create_mailbox(&key).unwrap();
    let cap = RelayClient::new(&pair.urls[1])
        .unwrap()
        .issue_capability(&key)
        .unwrap();
    let clients: Vec<RelayClient> = pair
        .urls
        .iter()
        .map(|u| RelayClient::with_options(u, once(), None).unwrap())
        .collect();
    let mut accepted = [0usize; 2];
    for i in 0..20 {
        let which = i % 2;
        match clients[which].post_envelope(&id, &cap.token, &format!("r{i}"), b"x") {
            Ok(_) => accepted[which] += 1,
            Err(RelayError::Busy { status: 429, .. }) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(
        accepted,
        [BURST, BURST],
        "each process allows its own burst, so the pair allows 2 x {BURST}"
    );
}
