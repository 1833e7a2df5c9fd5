//! Content-free wake-ups over real HTTP: a real relay (SQLite, and PostgreSQL when
//! `LANTERN_TEST_POSTGRES_URL` is set) and a push endpoint on 127.0.0.1 started by the test.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::wake::WakeEndpoint;
use common::{Backend, TestRelay, signed, start};
use lantern_core::crypto::hazmat::SigningKey;
use lantern_core::sharing::relay_client::{self, RelayClient, RelayError};

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
    new_envelope_wakes_with_the_token_only,
    mailbox_without_registration_wakes_nothing,
    burst_wakes_at_most_once_per_interval,
    removed_registration_wakes_nothing,
    private_and_loopback_endpoints_refused,
    name_resolving_to_loopback_is_never_woken,
    failing_endpoint_retried_with_backoff,
    gone_endpoint_is_unregistered,
    registrations_limited_per_mailbox,
);

const TOKEN: &str = "device-chosen-token_0123456789abcdef";

/// A relay that may wake the test's endpoint on 127.0.0.1 over plain HTTP.
fn relay_for_tests(b: &Backend, interval_ms: u64) -> TestRelay {
    start(b, |c| {
        c.push_allow_http = true;
        c.push_allow_private_addresses = true;
        c.push_interval_ms = interval_ms;
        c.push_initial_backoff_ms = 100;
        c.push_max_attempts = 3;
    })
}

struct Mailbox {
    client: RelayClient,
    key: SigningKey,
    id: String,
    cap: relay_client::Capability,
}

fn mailbox(relay: &TestRelay) -> Mailbox {
    let client = relay.client();
    let key = SigningKey::make();
    let id = client.create_mailbox(&key).unwrap();
    let cap = client.issue_capability(&key).unwrap();
    Mailbox {
        client,
        key,
        id,
        cap,
    }
}

fn post(m: &Mailbox, envelope: &str) {
    m.client
        .post_envelope(&m.id, &m.cap.token, envelope, b"CIPHERTEXT-CANARY")
        .unwrap();
}

fn refusal(e: RelayError) -> (u16, String) {
    match e {
        RelayError::Rejected { status, code } => (status, code),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn new_envelope_wakes_with_the_token_only(b: &Backend) {
    let relay = relay_for_tests(b, 500);
    let endpoint = WakeEndpoint::start();
    let m = mailbox(&relay);
    let reg = m
        .client
        .register_push(&m.key, &endpoint.url("/up/device-1"), TOKEN)
        .unwrap();
    assert_eq!(reg.len(), 16);
    post(&m, "envelope-1");
    let wakes = endpoint.wait_for(1, Duration::from_secs(10));
    assert_eq!(wakes.len(), 1, "one envelope, one wake-up");
    let w = &wakes[0];
    assert_eq!(w.method, "POST");
    assert_eq!(w.path, "/up/device-1");
    assert_eq!(w.body, TOKEN.as_bytes(), "the body is exactly the token");
    // Nothing names the mailbox, the sender (capability), the envelope or its content.
    let secrets = [
        m.id.as_str(),
        m.cap.id.as_str(),
        m.cap.token.as_str(),
        "envelope-1",
        "CIPHERTEXT",
    ];
    for (name, value) in &w.headers {
        assert!(
            [
                "host",
                "content-type",
                "content-length",
                "ttl",
                "urgency",
                "accept"
            ]
            .contains(&name.as_str()),
            "unexpected header {name}"
        );
        for s in secrets {
            assert!(
                !value.contains(s) && !name.contains(s),
                "header {name} leaks"
            );
        }
    }
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        endpoint.wakes().len(),
        1,
        "no second wake-up without a new envelope"
    );
}

fn mailbox_without_registration_wakes_nothing(b: &Backend) {
    let relay = relay_for_tests(b, 200);
    let endpoint = WakeEndpoint::start();
    let registered = mailbox(&relay);
    let silent = mailbox(&relay);
    registered
        .client
        .register_push(&registered.key, &endpoint.url("/up/a"), TOKEN)
        .unwrap();
    for i in 0..5 {
        post(&silent, &format!("silent-{i}"));
    }
    std::thread::sleep(Duration::from_millis(1000));
    assert!(
        endpoint.wakes().is_empty(),
        "posts to an unregistered mailbox woke someone"
    );
    // The same relay does wake the registered one (the silence above is not a broken relay).
    post(&registered, "loud");
    assert_eq!(endpoint.wait_for(1, Duration::from_secs(10)).len(), 1);
}

fn burst_wakes_at_most_once_per_interval(b: &Backend) {
    let interval = Duration::from_millis(1500);
    let relay = relay_for_tests(b, interval.as_millis() as u64);
    let endpoint = WakeEndpoint::start();
    let m = mailbox(&relay);
    m.client
        .register_push(&m.key, &endpoint.url("/up/burst"), TOKEN)
        .unwrap();
    post(&m, "first");
    let first = endpoint.wait_for(1, Duration::from_secs(10));
    assert_eq!(first.len(), 1);
    // A burst right after the first wake-up: folded into one more, when the interval ends.
    for i in 0..20 {
        post(&m, &format!("burst-{i}"));
    }
    let wakes = endpoint.wait_for(2, interval * 4);
    std::thread::sleep(interval + Duration::from_millis(500));
    let wakes_after = endpoint.wakes();
    assert_eq!(
        wakes_after.len(),
        2,
        "21 envelopes: the first wake-up and one after the interval, no more"
    );
    let gap = wakes[1].at.duration_since(wakes[0].at);
    assert!(
        gap >= interval - Duration::from_millis(50),
        "second wake-up {gap:?} after the first, inside the {interval:?} interval"
    );
    assert!(wakes_after.iter().all(|w| w.body == TOKEN.as_bytes()));
    let m_text = common::metrics_with(
        &relay.url(),
        &["lantern_relay_push_total{event=\"sent\"} 2"],
    );
    assert!(
        m_text.contains("lantern_relay_push_total{event=\"coalesced\"} 20"),
        "{m_text}"
    );
}

fn removed_registration_wakes_nothing(b: &Backend) {
    let relay = relay_for_tests(b, 200);
    let endpoint = WakeEndpoint::start();
    let m = mailbox(&relay);
    let reg = m
        .client
        .register_push(&m.key, &endpoint.url("/up/x"), TOKEN)
        .unwrap();
    post(&m, "before");
    assert_eq!(endpoint.wait_for(1, Duration::from_secs(10)).len(), 1);
    m.client.unregister_push(&m.key, &reg).unwrap();
    assert!(m.client.list_push(&m.key).unwrap().is_empty());
    // Removing again is harmless for the client; the relay says it is not there.
    m.client.unregister_push(&m.key, &reg).unwrap();
    let path = format!("/v1/mailboxes/{}/push/{reg}", m.id);
    let r = signed(&relay.url(), &m.key, "DELETE", &path, b"");
    assert_eq!((r.status, r.code.as_deref()), (404, Some("push_not_found")));
    std::thread::sleep(Duration::from_millis(400)); // past the interval
    post(&m, "after-1");
    post(&m, "after-2");
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(
        endpoint.wakes().len(),
        1,
        "woken after the registration was removed"
    );
}

fn private_and_loopback_endpoints_refused(b: &Backend) {
    // The default: https only, public addresses only.
    let strict = start(b, |_| {});
    let m = mailbox(&strict);
    let endpoint = WakeEndpoint::start();
    for url in [
        endpoint.url("/up"),
        format!("https://127.0.0.1:{}/up", endpoint.port),
        "https://10.0.0.7/up".into(),
        "https://192.168.1.20:8443/up".into(),
        "https://169.254.169.254/latest/meta-data".into(),
        "https://[::1]/up".into(),
        "https://[fe80::1]/up".into(),
        "https://[::ffff:127.0.0.1]/up".into(),
        "https://0x7f000001/up".into(),
        "https://localhost/up".into(),
        "ftp://push.example.org/up".into(),
    ] {
        let e = m.client.register_push(&m.key, &url, TOKEN).unwrap_err();
        assert_eq!(refusal(e), (403, "push_endpoint_refused".into()), "{url}");
    }
    assert!(m.client.list_push(&m.key).unwrap().is_empty());
    // Allowing plain http (for loopback tests) does not allow private addresses.
    let http_only = start(b, |c| c.push_allow_http = true);
    let m = mailbox(&http_only);
    let e = m
        .client
        .register_push(&m.key, &endpoint.url("/up"), TOKEN)
        .unwrap_err();
    assert_eq!(refusal(e), (403, "push_endpoint_refused".into()));
    // A public https endpoint is taken (never woken here: nothing is posted).
    m.client
        .register_push(&m.key, "https://push.example.org/up/abc?up=1", TOKEN)
        .unwrap();
    // Malformed tokens are the request's fault.
    for token in ["short", &"a".repeat(257), "has space in it 0123456789"] {
        let e = m
            .client
            .register_push(&m.key, "https://push.example.org/up", token)
            .unwrap_err();
        assert_eq!(refusal(e), (400, "malformed".into()), "{token}");
    }
    // An operator's host list narrows it further.
    let listed = start(b, |c| c.push_endpoint_hosts = vec!["ntfy.sh".into()]);
    let m = mailbox(&listed);
    m.client
        .register_push(&m.key, "https://ntfy.sh/upXYZ?up=1", TOKEN)
        .unwrap();
    let e = m
        .client
        .register_push(&m.key, "https://push.example.org/up", TOKEN)
        .unwrap_err();
    assert_eq!(refusal(e), (403, "push_endpoint_refused".into()));
}

/// DNS rebinding: a name accepted at registration that resolves to a loopback address when the
/// wake-up is sent is never connected to.
fn name_resolving_to_loopback_is_never_woken(b: &Backend) {
    use std::net::ToSocketAddrs as _;
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let loopback_only = !host.is_empty()
        && (host.as_str(), 80).to_socket_addrs().is_ok_and(|mut a| {
            let all: Vec<_> = a.by_ref().collect();
            !all.is_empty() && all.iter().all(|a| a.ip() == std::net::Ipv4Addr::LOCALHOST)
        });
    if !loopback_only {
        eprintln!("skipped: this machine's host name does not resolve to 127.0.0.1 only");
        return;
    }
    let endpoint = WakeEndpoint::start();
    let url = format!("http://{host}:{}/up/rebind", endpoint.port);
    // Control: allowed to wake private addresses, the relay reaches the endpoint by this name.
    let open = relay_for_tests(b, 200);
    let m = mailbox(&open);
    m.client.register_push(&m.key, &url, TOKEN).unwrap();
    post(&m, "control");
    assert_eq!(endpoint.wait_for(1, Duration::from_secs(10)).len(), 1);
    // Not allowed: the name passes registration (it is not a literal address) but resolves to
    // loopback at send time, so no connection is made.
    let strict = start(b, |c| {
        c.push_allow_http = true;
        c.push_interval_ms = 200;
        c.push_initial_backoff_ms = 50;
        c.push_max_attempts = 2;
    });
    let m = mailbox(&strict);
    m.client.register_push(&m.key, &url, TOKEN).unwrap();
    post(&m, "rebound");
    common::metrics_with(
        &strict.url(),
        &["lantern_relay_push_total{event=\"failed\"} 1"],
    );
    assert_eq!(
        endpoint.wakes().len(),
        1,
        "the loopback endpoint was reached"
    );
}

fn failing_endpoint_retried_with_backoff(b: &Backend) {
    let relay = start(b, |c| {
        c.push_allow_http = true;
        c.push_allow_private_addresses = true;
        c.push_interval_ms = 100;
        c.push_initial_backoff_ms = 150;
        c.push_max_attempts = 4;
    });
    let endpoint = WakeEndpoint::start();
    let m = mailbox(&relay);
    m.client
        .register_push(&m.key, &endpoint.url("/up/flaky"), TOKEN)
        .unwrap();
    endpoint.fail_next(&[503, 500]);
    post(&m, "one");
    let tries = endpoint.wait_for(3, Duration::from_secs(10));
    assert_eq!(tries.len(), 3, "two failures, then delivered");
    assert!(tries.iter().all(|t| t.body == TOKEN.as_bytes()));
    let (g1, g2) = (
        tries[1].at.duration_since(tries[0].at),
        tries[2].at.duration_since(tries[1].at),
    );
    assert!(g1 >= Duration::from_millis(140), "first wait {g1:?}");
    assert!(
        g2 >= Duration::from_millis(290),
        "second wait doubles: {g2:?}"
    );
    // An endpoint that keeps failing gets exactly max_attempts tries, then is left alone.
    std::thread::sleep(Duration::from_millis(200));
    endpoint.fail_next(&[503; 10]);
    post(&m, "two");
    std::thread::sleep(Duration::from_millis(150 + 300 + 600 + 1000));
    assert_eq!(endpoint.wakes().len(), 3 + 4, "bounded attempts");
    common::metrics_with(
        &relay.url(),
        &[
            "lantern_relay_push_total{event=\"failed\"} 1",
            "lantern_relay_push_total{event=\"sent\"} 1",
            "lantern_relay_push_total{event=\"retried\"} 5",
        ],
    );
}

fn gone_endpoint_is_unregistered(b: &Backend) {
    let relay = relay_for_tests(b, 100);
    let endpoint = WakeEndpoint::start();
    let m = mailbox(&relay);
    m.client
        .register_push(&m.key, &endpoint.url("/up/old"), TOKEN)
        .unwrap();
    endpoint.fail_next(&[410]);
    post(&m, "one");
    assert_eq!(endpoint.wait_for(1, Duration::from_secs(10)).len(), 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !m.client.list_push(&m.key).unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "gone registration kept"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    post(&m, "two");
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        endpoint.wakes().len(),
        1,
        "no retry and no new wake-up after 410"
    );
}

fn registrations_limited_per_mailbox(b: &Backend) {
    let relay = start(b, |c| c.push_max_registrations = 2);
    let m = mailbox(&relay);
    let a = m
        .client
        .register_push(&m.key, "https://push.example.org/a", TOKEN)
        .unwrap();
    let b2 = m
        .client
        .register_push(&m.key, "https://push.example.org/b", TOKEN)
        .unwrap();
    assert_ne!(a, b2);
    // The same endpoint again replaces its token and keeps its id (200, not a new row).
    let body = serde_json::json!({"endpoint": "https://push.example.org/a", "token": "another-token-0123456789"});
    let path = format!("/v1/mailboxes/{}/push", m.id);
    let r = signed(
        &relay.url(),
        &m.key,
        "POST",
        &path,
        body.to_string().as_bytes(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body["registration_id"], a.as_str());
    let e = m
        .client
        .register_push(&m.key, "https://push.example.org/c", TOKEN)
        .unwrap_err();
    assert_eq!(refusal(e), (409, "push_limit".into()));
    let listed = m.client.list_push(&m.key).unwrap();
    assert_eq!(listed.len(), 2);
    // Another mailbox has its own room; nobody else can register on mine.
    let other = mailbox(&relay);
    other
        .client
        .register_push(&other.key, "https://push.example.org/c", TOKEN)
        .unwrap();
    let r = signed(
        &relay.url(),
        &other.key,
        "POST",
        &path,
        body.to_string().as_bytes(),
    );
    assert_eq!(r.status, 401);
    // Removing one makes room again.
    m.client.unregister_push(&m.key, &b2).unwrap();
    m.client
        .register_push(&m.key, "https://push.example.org/c", TOKEN)
        .unwrap();
}
