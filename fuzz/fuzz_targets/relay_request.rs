//! The relay's request handling: the whole axum `Router` from `lantern_relay::api::router`
//! (routing, path and query parsing, headers, owner signatures, capabilities, bodies, the
//! store), driven in process with `tower::ServiceExt::oneshot` on a tokio runtime against a real
//! SQLite store in a temporary directory.
//!
//! Input is a request in a small text form, so seeds are readable and mutations stay useful:
//!
//! ```text
//! POST /v1/mailboxes/@MAILBOX@/envelopes?after=0
//! x-lantern-capability: @CAP@
//! @SIGN@
//!
//! {"id":"e1","payload":"aGk="}
//! ```
//!
//! The first line is the method and the path with query; header lines follow until an empty
//! line; the rest is the body (any bytes). `@MAILBOX@`, `@CAP@`, `@CAPID@` and `@OWNERKEY@` are
//! replaced by the harness's mailbox id, capability token and id, and owner public key
//! (base64); a line `@SIGN@` adds valid owner signature headers (timestamp, fresh nonce,
//! Ed25519 signature over the final method, path, query and body). Requests `http` cannot
//! represent (bad header names or URIs) are skipped: hyper refuses them before the router.
//!
//! Checked on every request: no 5xx answer (the store is healthy, so a 5xx is a bug) and every
//! refusal carries the JSON error body the API documents (an answer to HEAD carries no body).
#![no_main]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use lantern_protocol::relay as wire;
use lantern_relay::Config;
use lantern_relay::api::{AppState, router};
use lantern_relay::store::sqlite::SqliteStore;
use libfuzzer_sys::fuzz_target;
use ring::signature::{Ed25519KeyPair, KeyPair};
use tower::ServiceExt as _;

struct Harness {
    _dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    app: axum::Router,
    owner: Ed25519KeyPair,
    mailbox: String,
    capability: String,
    capability_id: String,
}

static NONCE: AtomicU64 = AtomicU64::new(0);

/// A request before the placeholders are filled in.
struct Raw<'a> {
    method: &'a [u8],
    target: String,
    headers: Vec<(&'a [u8], String)>,
    sign: bool,
    body: Vec<u8>,
}

fn parse(data: &[u8]) -> Option<Raw<'_>> {
    let mut rest = data;
    let mut next_line = || {
        let end = rest.iter().position(|&b| b == b'\n')?;
        let (line, tail) = rest.split_at(end);
        rest = &tail[1..];
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    };
    let first = next_line()?;
    let space = first.iter().position(|&b| b == b' ')?;
    let (method, target) = (&first[..space], &first[space + 1..]);
    let mut headers = Vec::new();
    let mut sign = false;
    loop {
        let line = next_line()?;
        if line.is_empty() {
            break;
        }
        if line == b"@SIGN@" {
            sign = true;
            continue;
        }
        let colon = line.iter().position(|&b| b == b':')?;
        let value = String::from_utf8_lossy(&line[colon + 1..])
            .trim()
            .to_string();
        headers.push((&line[..colon], value));
    }
    Some(Raw {
        method,
        target: String::from_utf8_lossy(target).into_owned(),
        headers,
        sign,
        body: rest.to_vec(),
    })
}

impl Harness {
    fn new() -> Harness {
        let dir = tempfile::tempdir().expect("tempdir");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let config = Config {
            // Limits are not what this target is about: never refuse for rate.
            rate_per_ip: 1e9,
            burst_per_ip: 1e9,
            rate_per_key: 1e9,
            burst_per_key: 1e9,
            create_rate_per_ip: 1e9,
            create_burst_per_ip: 1e9,
            ..Config::default()
        };
        let store = rt.block_on(async {
            SqliteStore::open(&dir.path().join("relay.db"), false).expect("store opens")
        });
        // The push queue's receiver is dropped: wake-ups are not delivered (the fuzzer makes no
        // outbound requests), and a post with a closed queue goes on as with no registrations.
        let (state, _) = AppState::new(store, config).expect("a valid relay configuration");
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).expect("key");
        let owner = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("key");
        let mut h = Harness {
            _dir: dir,
            rt,
            app: router(state),
            owner,
            mailbox: String::new(),
            capability: String::new(),
            capability_id: String::new(),
        };
        h.ensure_mailbox();
        h
    }

    /// Creates the owner's mailbox (again, if a request deleted it) and a posting capability.
    fn ensure_mailbox(&mut self) {
        let key = STANDARD.encode(self.owner.public_key().as_ref());
        let create = format!("POST /v1/mailboxes\n@SIGN@\n\n{{\"public_key\":\"{key}\"}}");
        let (status, body) = self.send(create.as_bytes()).expect("create request");
        assert!(status.is_success(), "mailbox creation failed: {status}");
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        self.mailbox = v["mailbox_id"].as_str().expect("mailbox id").to_string();
        let issue = b"POST /v1/mailboxes/@MAILBOX@/capabilities\n@SIGN@\n\n";
        let (status, body) = self.send(issue).expect("issue request");
        assert_eq!(status, StatusCode::CREATED, "capability not issued");
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        self.capability = v["token"].as_str().expect("token").to_string();
        self.capability_id = v["capability_id"].as_str().expect("id").to_string();
    }

    fn fill(&self, s: &str) -> String {
        s.replace("@MAILBOX@", &self.mailbox)
            .replace("@CAPID@", &self.capability_id)
            .replace("@CAP@", &self.capability)
            .replace(
                "@OWNERKEY@",
                &STANDARD.encode(self.owner.public_key().as_ref()),
            )
    }

    /// Sends one request through the router; `None` if `http` cannot represent it.
    fn send(&self, data: &[u8]) -> Option<(StatusCode, Vec<u8>)> {
        let raw = parse(data)?;
        let method = Method::from_bytes(raw.method).ok()?;
        let target = self.fill(&raw.target);
        let body = match std::str::from_utf8(&raw.body) {
            Ok(text) => self.fill(text).into_bytes(),
            Err(_) => raw.body,
        };
        let mut req = Request::builder()
            .method(method.clone())
            .uri(target.as_str());
        for (name, value) in &raw.headers {
            req = req.header(*name, self.fill(value));
        }
        if raw.sign {
            let uri: axum::http::Uri = target.parse().ok()?;
            let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
            let ts = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock after 1970")
                .as_secs() as i64;
            let nonce = format!("fuzz-nonce-{:012}", NONCE.fetch_add(1, Ordering::Relaxed));
            let digest = ring::digest::digest(&ring::digest::SHA256, &body);
            let mut sha = [0u8; 32];
            sha.copy_from_slice(digest.as_ref());
            let message = wire::signing_message(method.as_str(), path, ts, &nonce, &sha);
            let sig = STANDARD.encode(self.owner.sign(&message).as_ref());
            req = req
                .header(wire::HEADER_TIMESTAMP, ts.to_string())
                .header(wire::HEADER_NONCE, nonce)
                .header(wire::HEADER_SIGNATURE, sig);
        }
        let mut req = req.body(Body::from(body)).ok()?;
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        let app = self.app.clone();
        Some(self.rt.block_on(async move {
            let resp = app.oneshot(req).await.expect("the router is infallible");
            let status = resp.status();
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .expect("response body");
            (status, body.to_vec())
        }))
    }
}

fn harness() -> &'static Mutex<Harness> {
    static H: OnceLock<Mutex<Harness>> = OnceLock::new();
    H.get_or_init(|| Mutex::new(Harness::new()))
}

fuzz_target!(|data: &[u8]| {
    let mut h = harness().lock().unwrap_or_else(|p| p.into_inner());
    let head = data.starts_with(b"HEAD ");
    let Some((status, body)) = h.send(data) else {
        return;
    };
    assert!(!status.is_server_error(), "server error {status}");
    if head {
        // An answer to HEAD never has a body (RFC 9110, 9.3.2), refusals included.
        assert!(body.is_empty(), "a HEAD answer with a body");
    } else if status.is_client_error() {
        let e: wire::ErrorBody = serde_json::from_slice(&body).expect("a refusal has a JSON body");
        assert!(!e.error.is_empty());
    }
    if status == StatusCode::NO_CONTENT {
        // A mailbox was deleted or the capability revoked: restore them for the next input.
        h.ensure_mailbox();
    }
});
