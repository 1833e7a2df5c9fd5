//! Resource bounds of a real relay (issue 12): the resident memory of the relay PROCESS under six
//! concurrent maximal lists, and slow clients trickling headers or a body cut off in time.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Backend, Reaped, free_port, start_binary};
use lantern_core::crypto::hazmat::SigningKey;
use lantern_core::sharing::relay_client::RelayClient;

/// A kernel figure of a process, in KiB (`VmRSS`, `VmHWM` = peak resident).
fn proc_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Stated bound: with the default `max_list_bytes` (4 MiB) a mailbox full of 64 KiB envelopes
/// listed by six owners at once keeps the relay under this peak resident size. Before the byte
/// bound one such list built about 87 MB and six took the relay to 792 MB.
const PEAK_RSS_BOUND_MIB: u64 = 100;

#[test]
fn six_concurrent_maximal_lists_stay_under_the_memory_bound() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Reaped(start_binary(
        &[
            "--database".into(),
            format!("sqlite:{}", dir.path().join("relay.db").display()),
        ],
        port,
    ));
    let url = format!("http://127.0.0.1:{port}");
    let client = RelayClient::new(&url).unwrap();
    let key = Arc::new(SigningKey::make());
    let id = client.create_mailbox(&key).unwrap();
    // 1,000 envelopes of 64 KiB: what one list of limit=1000 used to return whole (64 MiB).
    // Four senders, each within its capability's quota (16 MiB).
    let posters: Vec<_> = (0..4)
        .map(|t| {
            let token = client.issue_capability(&key).unwrap().token;
            let (url, id) = (url.clone(), id.clone());
            std::thread::spawn(move || {
                let c = RelayClient::new(&url).unwrap();
                let payload = vec![t as u8; 64 * 1024];
                for i in 0..250 {
                    c.post_envelope(&id, &token, &format!("t{t}-{i}"), &payload)
                        .unwrap();
                }
            })
        })
        .collect();
    for p in posters {
        p.join().unwrap();
    }
    let pid = child.0.id();
    let before = proc_kib(pid, "VmRSS:");
    let listers: Vec<_> = (0..6)
        .map(|_| {
            let (url, key) = (url.clone(), Arc::clone(&key));
            std::thread::spawn(move || {
                let c = RelayClient::new(&url).unwrap();
                let mut listed = 0;
                for _ in 0..3 {
                    let page = c.list_envelopes(&key, 0, 1000).unwrap();
                    assert!(page.more, "a maximal list is cut by bytes");
                    listed += page.envelopes.len();
                }
                listed
            })
        })
        .collect();
    let listed: Vec<usize> = listers.into_iter().map(|l| l.join().unwrap()).collect();
    let peak = proc_kib(pid, "VmHWM:");
    child.kill();
    eprintln!(
        "relay resident before the lists: {} MiB; peak with six concurrent maximal lists: {} MiB \
         (bound {PEAK_RSS_BOUND_MIB} MiB); envelopes per list: {}",
        before / 1024,
        peak / 1024,
        listed[0] / 3
    );
    // 4 MiB of 64 KiB payloads is 64 envelopes a list, not 1,000.
    assert!(listed.iter().all(|n| *n == 3 * 64), "{listed:?}");
    assert!(
        peak / 1024 < PEAK_RSS_BOUND_MIB,
        "peak resident {} MiB over the bound {PEAK_RSS_BOUND_MIB} MiB",
        peak / 1024
    );
}

/// Read timeouts used by the slow-client tests (the defaults are 10 s and 20 s).
const HEADER_TIMEOUT: u64 = 2;
const BODY_TIMEOUT: u64 = 2;
/// How much later than its timeout a trickling connection may still be open.
const SLACK: Duration = Duration::from_millis(1500);

/// Sends `first`, then one byte of `trickle` every 300 ms, until the relay closes the
/// connection; returns how long it stayed open and what the relay answered.
fn trickle(addr: std::net::SocketAddr, first: &[u8], trickle: &[u8]) -> (Duration, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let started = Instant::now();
    s.write_all(first).unwrap();
    let mut answer = Vec::new();
    let mut next = trickle.iter().cycle();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(45),
            "still open after 45 s"
        );
        let mut buf = [0u8; 1024];
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break, // reset
        }
        if s.write_all(&[*next.next().unwrap()]).is_err() {
            // The relay closed its side; collect whatever answer it sent.
            let _ = s.read_to_end(&mut answer);
            break;
        }
    }
    (
        started.elapsed(),
        String::from_utf8_lossy(&answer).into_owned(),
    )
}

#[test]
fn slow_clients_are_cut_off() {
    let relay = common::start(&Backend::Sqlite, |c| {
        c.header_read_timeout_secs = HEADER_TIMEOUT;
        c.body_read_timeout_secs = BODY_TIMEOUT;
    });
    let addr = relay.handle.as_ref().unwrap().addr;
    let cases: Vec<(&str, Vec<u8>, &[u8], u64)> = vec![
        // Headers, one byte at a time, never finished.
        (
            "trickled headers",
            b"POST /v1/mailboxes HTTP/1.1\r\nHost: x\r\nX-Pad: ".to_vec(),
            &b"a"[..],
            HEADER_TIMEOUT,
        ),
        // A connection that never sends a byte.
        ("silent connection", Vec::new(), &b""[..], HEADER_TIMEOUT),
        // A keep-alive connection left idle after one answered request.
        (
            "idle keep-alive",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            &b""[..],
            HEADER_TIMEOUT,
        ),
        // Complete headers announcing a body that trickles in.
        (
            "trickled body",
            b"POST /v1/mailboxes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 100000\r\n\r\n{"
                .to_vec(),
            &b" "[..],
            BODY_TIMEOUT,
        ),
    ];
    let handles: Vec<_> = cases
        .into_iter()
        .map(|(name, first, bytes, limit)| {
            std::thread::spawn(move || {
                let (open, answer) = if bytes.is_empty() {
                    silent(addr, &first)
                } else {
                    trickle(addr, &first, bytes)
                };
                (name, open, answer, limit)
            })
        })
        .collect();
    for h in handles {
        let (name, open, answer, limit) = h.join().unwrap();
        eprintln!("{name}: cut off after {open:?} (timeout {limit} s)");
        assert!(
            open >= Duration::from_secs(limit) - Duration::from_millis(300),
            "{name}: closed too early ({open:?})"
        );
        assert!(
            open <= Duration::from_secs(limit) + SLACK,
            "{name}: open for {open:?}"
        );
        if name == "idle keep-alive" {
            assert!(answer.starts_with("HTTP/1.1 200"), "{name}: {answer}");
        }
        if name == "trickled body" {
            assert!(answer.starts_with("HTTP/1.1 408"), "{name}: {answer}");
            assert!(answer.contains("\"timeout\""), "{name}: {answer}");
        }
    }
    // The relay itself is unharmed.
    relay.client().health().unwrap();
}

/// Connects, sends `request` (if any), reads its answer, then sends nothing more; returns how
/// long the relay kept the connection after the answer, and the answer.
fn silent(addr: std::net::SocketAddr, request: &[u8]) -> (Duration, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(45))).unwrap();
    let mut answer = Vec::new();
    if !request.is_empty() {
        s.write_all(request).unwrap();
        let mut buf = [0u8; 4096];
        let n = s.read(&mut buf).unwrap();
        answer.extend_from_slice(&buf[..n]);
    }
    let started = Instant::now();
    let _ = s.read_to_end(&mut answer);
    (
        started.elapsed(),
        String::from_utf8_lossy(&answer).into_owned(),
    )
}
