//! The relay client does not follow redirects (issue: a 307 to another host received the
//! capability header and the envelope, and both envelopes were counted as delivered). Real
//! servers on 127.0.0.1: one answers every request `307` to a second one that records
//! whatever reaches it. After a sync, the recorder has received nothing, and both envelopes
//! (the pairing `Hello` and an update) are still queued. A server answering `200` with
//! something that is not the relay's documented answer does not count as a delivery either.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use common::{Relay, Side, checkin};
use lantern_core::consent::Scope;
use lantern_core::sharing::SharingError;
use lantern_core::sharing::relay_client::{RelayClient, RelayError};

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;

/// A plain HTTP server on 127.0.0.1 that keeps every request it receives (raw bytes) and
/// answers each with `response`. Returns its base URL and the log.
fn serve(response: String) -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = Vec::new();
            let mut buf = [0u8; 8192];
            // Read the head and its Content-Length worth of body.
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
                if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                    let len = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if request.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            seen.lock().unwrap().push(request);
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (url, log)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A supporter whose invite names `relay_url` for a real mailbox and capability on `relay`;
/// the peer pairs and grants check-ins. Returns the peer, the supporter and the token.
fn paired_through(relay: &Relay, relay_url: &str) -> (Side, Side, String) {
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let me = sup.s().identity().unwrap();
    let real = RelayClient::new(&relay.url()).unwrap();
    let mailbox = real.create_mailbox(&me.signing).unwrap();
    let cap = real.issue_capability(&me.signing).unwrap();
    let invite = sup
        .s()
        .create_invite(relay_url, &mailbox, &cap.token, "Sam", NOW)
        .unwrap();
    let conn = peer.s().pair(&invite.encode(), "Pat", NOW).unwrap();
    peer.s()
        .grant(
            &conn.id,
            vec![Scope::parse("checkins").unwrap()],
            "p",
            NOW + DAY,
            NOW,
        )
        .unwrap();
    (peer, sup, cap.token)
}

#[test]
fn a_redirect_is_not_followed_and_nothing_counts_as_delivered() {
    let relay = Relay::start();
    let (recorder, recorded) = serve(
        "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 29\r\n\
         connection: close\r\n\r\n{\"seq\":1,\"duplicate\":false}\r\n"
            .into(),
    );
    let (redirector, redirected) = serve(format!(
        "HTTP/1.1 307 Temporary Redirect\r\nlocation: {recorder}/v1/collect\r\n\
         content-length: 0\r\nconnection: close\r\n\r\n"
    ));
    let (mut peer, _sup, token) = paired_through(&relay, &redirector);
    let items = [checkin("k1", "REDIRECT-CANARY")];

    let err = peer.s().sync(&items, NOW + 1).unwrap_err();
    assert!(
        matches!(
            err,
            SharingError::Relay(RelayError::Redirected { status: 307 })
        ),
        "{err:?}"
    );
    // The redirector did get the post (so the test reached it)...
    let at_redirector = redirected.lock().unwrap().concat();
    assert!(contains(&at_redirector, token.as_bytes()));
    // ...and nothing, not the capability header nor any envelope, reached the recorder.
    assert!(recorded.lock().unwrap().is_empty());
    // Both envelopes (Hello and the update) stay queued for a later sync.
    let queued = peer.s().pending_envelopes().unwrap();
    assert_eq!(queued.len(), 2, "{queued:?}");
    // A second sync still sends nothing onward.
    assert!(peer.s().sync(&items, NOW + 2).is_err());
    assert!(recorded.lock().unwrap().is_empty());
    assert_eq!(peer.s().pending_envelopes().unwrap().len(), 2);
}

#[test]
fn only_the_relays_documented_answer_counts_as_delivered() {
    let relay = Relay::start();
    // 200 with an HTML page (a captive portal, a proxy's error page): not a delivery.
    let (portal, _) = serve(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 13\r\n\
         connection: close\r\n\r\n<html></html>"
            .into(),
    );
    let (mut peer, _sup, _) = paired_through(&relay, &portal);
    let err = peer
        .s()
        .sync(&[checkin("k1", "note")], NOW + 1)
        .unwrap_err();
    assert!(
        matches!(err, SharingError::Relay(RelayError::Protocol(_))),
        "{err:?}"
    );
    assert_eq!(peer.s().pending_envelopes().unwrap().len(), 2);
    // 200 JSON claiming a fresh store (the relay answers 201 for that): not a delivery.
    let (liar, _) = serve(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 27\r\n\
         connection: close\r\n\r\n{\"seq\":1,\"duplicate\":false}"
            .into(),
    );
    let (mut peer, _sup, _) = paired_through(&relay, &liar);
    assert!(peer.s().sync(&[checkin("k1", "note")], NOW + 1).is_err());
    assert_eq!(peer.s().pending_envelopes().unwrap().len(), 2);
}
