//! The real `lantern-relay` binary: SIGKILL loses no envelope whose post was answered 2xx,
//! SIGTERM shuts down cleanly, and TLS (rustls) serves the same API.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Backend, free_port, start_binary};
use lantern_core::crypto::hazmat::SigningKey;
use lantern_core::sharing::relay_client::{RelayClient, RetryPolicy};

fn sigkill_loses_no_acknowledged_post(db_args: Vec<String>) {
    let port = free_port();
    let mut child = start_binary(&db_args, port);
    let url = format!("http://127.0.0.1:{port}");
    let client = RelayClient::new(&url).unwrap();
    let key = SigningKey::make();
    let id = client.create_mailbox(&key).unwrap();
    let cap = client.issue_capability(&key).unwrap();
    let accepted = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let posters: Vec<_> = (0..4)
        .map(|t| {
            let (url, id, token) = (url.clone(), id.clone(), cap.token.clone());
            let (accepted, stop) = (Arc::clone(&accepted), Arc::clone(&stop));
            std::thread::spawn(move || {
                let once = RetryPolicy {
                    max_attempts: 1,
                    ..RetryPolicy::default()
                };
                let c = RelayClient::with_options(&url, once, None).unwrap();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let eid = format!("t{t}-{i}");
                    match c.post_envelope(&id, &token, &eid, eid.as_bytes()) {
                        Ok(_) => accepted.lock().unwrap().push(eid),
                        Err(_) => return, // the relay is gone
                    }
                    i += 1;
                }
            })
        })
        .collect();
    // Kill mid-stream, once posts are flowing (however slow the machine is).
    let deadline = Instant::now() + Duration::from_secs(60);
    while accepted.lock().unwrap().len() < 50 {
        assert!(Instant::now() < deadline, "posts are not flowing");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for p in posters {
        p.join().unwrap();
    }
    let accepted = accepted.lock().unwrap().clone();
    assert!(
        accepted.len() >= 50,
        "posts were flowing before the kill ({})",
        accepted.len()
    );
    let mut child = start_binary(&db_args, port);
    let mut stored = std::collections::HashSet::new();
    let mut cursor = 0;
    loop {
        let page = client.list_envelopes(&key, cursor, 1000).unwrap();
        stored.extend(page.envelopes.into_iter().map(|e| e.id));
        cursor = page.next_cursor;
        if !page.more {
            break;
        }
    }
    let lost: Vec<_> = accepted.iter().filter(|e| !stored.contains(*e)).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged envelopes lost: {lost:?}",
        lost.len()
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn sqlite_sigkill_loses_no_acknowledged_post() {
    let dir = tempfile::tempdir().unwrap();
    sigkill_loses_no_acknowledged_post(vec![
        "--database".into(),
        format!("sqlite:{}", dir.path().join("relay.db").display()),
    ]);
}

#[test]
fn postgres_sigkill_loses_no_acknowledged_post() {
    let Some(Backend::Postgres(url)) = common::postgres_backend() else {
        return;
    };
    let schema = common::random_schema();
    sigkill_loses_no_acknowledged_post(vec![
        "--database".into(),
        url.clone(),
        "--postgres-schema".into(),
        schema.clone(),
    ]);
    common::pg_execute(&url, &format!("DROP SCHEMA {schema} CASCADE"));
}

#[test]
fn sigterm_shuts_down_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = start_binary(
        &[
            "--database".into(),
            format!("sqlite:{}", dir.path().join("r.db").display()),
        ],
        port,
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "relay ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn bad_configuration_is_refused_at_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_lantern-relay"))
        .args(["--database", "mysql://nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("database must be"));
}

#[test]
fn tls_serves_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    // A self-signed leaf marked CA:FALSE: webpki refuses a CA certificate as the server's own.
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !matches!(made, Ok(s) if s.success()) {
        eprintln!("skipped: openssl is not available to make a test certificate");
        return;
    }
    let relay = common::start(&Backend::Sqlite, |c| {
        c.tls_cert = Some(cert.clone());
        c.tls_key = Some(key.clone());
    });
    let addr = relay.handle.as_ref().unwrap().addr;
    assert_eq!(relay.url(), format!("https://{addr}"));
    let pem = std::fs::read(&cert).unwrap();
    let client = RelayClient::with_options(
        &format!("https://{addr}"),
        RetryPolicy::default(),
        Some(&pem),
    )
    .unwrap();
    one_envelope_round_trip(&client);
    // Without trusting the certificate the client refuses to talk.
    let untrusting = RelayClient::with_options(
        &format!("https://{addr}"),
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
        None,
    )
    .unwrap();
    assert!(untrusting.health().is_err());
    // Plain HTTP to the TLS port gets no answer.
    let plain = RelayClient::with_options(
        &format!("http://{addr}"),
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
        None,
    )
    .unwrap();
    assert!(plain.health().is_err());
}

#[test]
fn unreachable_relay_is_try_later() {
    let port = free_port();
    let client = RelayClient::with_options(
        &format!("http://127.0.0.1:{port}"),
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(40),
        },
        None,
    )
    .unwrap();
    let started = Instant::now();
    let err = client.create_mailbox(&SigningKey::make()).unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(30),
        "it backed off between tries"
    );
    assert!(matches!(
        lantern_core::LanternError::from(err),
        lantern_core::LanternError::Network(_)
    ));
}

#[test]
fn graceful_shutdown_answers_or_refuses_cleanly() {
    let relay_dir = tempfile::tempdir().unwrap();
    let backend = Backend::Sqlite;
    let mut config = common::test_config(&backend, relay_dir.path());
    config.shutdown_grace_secs = 10;
    let handle = lantern_relay::spawn(config.clone()).unwrap();
    let url = handle.url();
    let client = RelayClient::new(&url).unwrap();
    let key = SigningKey::make();
    let id = client.create_mailbox(&key).unwrap();
    let cap = client.issue_capability(&key).unwrap();
    let accepted = Arc::new(Mutex::new(Vec::<String>::new()));
    let outcomes = Arc::new(Mutex::new(Vec::<String>::new()));
    let posters: Vec<_> = (0..6)
        .map(|t| {
            let (url, id, token) = (url.clone(), id.clone(), cap.token.clone());
            let (accepted, outcomes) = (Arc::clone(&accepted), Arc::clone(&outcomes));
            std::thread::spawn(move || {
                let once = RetryPolicy {
                    max_attempts: 1,
                    ..RetryPolicy::default()
                };
                let c = RelayClient::with_options(&url, once, None).unwrap();
                for i in 0.. {
                    let eid = format!("g{t}-{i}");
                    match c.post_envelope(&id, &token, &eid, &[3u8; 2000]) {
                        Ok(_) => accepted.lock().unwrap().push(eid),
                        Err(e) => {
                            outcomes.lock().unwrap().push(format!("{e:?}"));
                            return;
                        }
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while accepted.lock().unwrap().len() < 50 {
        assert!(Instant::now() < deadline, "posts are not flowing");
        std::thread::sleep(Duration::from_millis(10));
    }
    handle.shutdown().unwrap();
    for p in posters {
        p.join().unwrap();
    }
    // After shutdown a sender only ever sees "cannot reach" (try later), never a server error.
    for o in outcomes.lock().unwrap().iter() {
        assert!(o.starts_with("Unreachable"), "{o}");
    }
    let again = lantern_relay::spawn(config).unwrap();
    let client = RelayClient::new(&again.url()).unwrap();
    let mut stored = std::collections::HashSet::new();
    let mut cursor = 0;
    loop {
        let page = client.list_envelopes(&key, cursor, 1000).unwrap();
        stored.extend(page.envelopes.into_iter().map(|e| e.id));
        cursor = page.next_cursor;
        if !page.more {
            break;
        }
    }
    let accepted = accepted.lock().unwrap();
    assert!(
        accepted.iter().all(|e| stored.contains(e)),
        "an answered post was lost"
    );
}

/// Issue 11, item 11: the relay talks TLS to PostgreSQL when the URL says `sslmode=require`
/// (rustls on ring, the server's certificate verified), and without the CA it refuses to start
/// rather than fall back to plain text.
#[test]
fn postgres_over_tls_is_verified() {
    let Some(Backend::Postgres(url)) = common::postgres_backend() else {
        return;
    };
    let Ok(ca) = std::env::var("LANTERN_TEST_POSTGRES_CA") else {
        eprintln!("skipped: LANTERN_TEST_POSTGRES_CA not set (scripts/start-postgres.sh sets it)");
        return;
    };
    let app = format!("relay_tls_{}", common::random_schema());
    let sep = if url.contains('?') { '&' } else { '?' };
    let tls_url = format!("{url}{sep}sslmode=require&application_name={app}");
    // The plain URL is the backend (the test's own cleanup); the relay gets the TLS one.
    let backend = Backend::Postgres(url.clone());
    let Err(err) = common::start_result(&backend, |c| c.database = tls_url.clone()) else {
        panic!("an unverifiable server certificate must be refused");
    };
    eprintln!("without the CA: {err}");
    assert!(err.contains("postgres"), "{err}");
    let relay = common::start(&backend, |c| {
        c.database = tls_url.clone();
        c.postgres_ca_file = Some(ca.clone().into());
    });
    let client = relay.client();
    one_envelope_round_trip(&client);
    let seen = common::pg_rows_as_text(
        &url,
        "public",
        &format!(
            "SELECT count(*) FILTER (WHERE s.ssl)::text || '/' || count(*)::text
             FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
             WHERE a.application_name = '{app}'"
        ),
    );
    let (tls, all) = seen[0].split_once('/').unwrap();
    assert!(
        all.parse::<u32>().unwrap() >= 1,
        "the relay's connections: {seen:?}"
    );
    assert_eq!(tls, all, "every relay connection is TLS");
}

/// A mailbox, a capability, one post and the list that returns it, through `client`.
fn one_envelope_round_trip(client: &RelayClient) {
    let owner = SigningKey::make();
    let id = client.create_mailbox(&owner).unwrap();
    let cap = client.issue_capability(&owner).unwrap();
    client.post_envelope(&id, &cap.token, "e1", b"ct").unwrap();
    let listed = client.list_envelopes(&owner, 0, 10).unwrap().envelopes;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].payload, b"ct");
}
