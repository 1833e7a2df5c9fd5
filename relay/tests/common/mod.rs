//! Shared helpers for the relay's integration tests: start a real relay (SQLite in a temp dir,
//! or PostgreSQL in a fresh schema), and send raw, deliberately wrong requests.
#![allow(dead_code, clippy::unwrap_used)]

pub mod wake;

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use lantern_core::crypto::hazmat::{self, SigningKey};
use lantern_protocol::relay as wire;
use lantern_relay::{Config, RelayHandle};

pub const PG_ENV: &str = "LANTERN_TEST_POSTGRES_URL";

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

/// The PostgreSQL backend if `LANTERN_TEST_POSTGRES_URL` is set; otherwise says it skips.
pub fn postgres_backend() -> Option<Backend> {
    match std::env::var(PG_ENV) {
        Ok(url) if !url.is_empty() => Some(Backend::Postgres(url)),
        _ => {
            eprintln!("skipped: {PG_ENV} not set (run scripts/start-postgres.sh)");
            None
        }
    }
}

pub struct TestRelay {
    pub handle: Option<RelayHandle>,
    pub dir: tempfile::TempDir,
    pub config: Config,
    pub backend: Backend,
}

impl TestRelay {
    pub fn url(&self) -> String {
        self.handle.as_ref().unwrap().url()
    }
    pub fn client(&self) -> lantern_core::sharing::relay_client::RelayClient {
        lantern_core::sharing::relay_client::RelayClient::new(&self.url()).unwrap()
    }
    /// Stops the relay (graceful), keeping its storage.
    pub fn stop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.shutdown().unwrap();
        }
    }
}

fn random_hex(n: usize) -> String {
    hazmat::make_random::<16>()[..n.min(16)]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A config for `backend` with test-friendly limits (no rate limits), tweaked by `f`.
pub fn test_config(backend: &Backend, dir: &std::path::Path) -> Config {
    let mut c = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        rate_per_ip: 0.0,
        rate_per_key: 0.0,
        create_rate_per_ip: 0.0,
        metrics_refresh_secs: 1,
        postgres_pool_size: 4,
        ..Config::default()
    };
    match backend {
        Backend::Sqlite => {
            c.database = format!("sqlite:{}", dir.join("relay.db").display());
        }
        Backend::Postgres(url) => {
            c.database = url.clone();
            c.postgres_schema = Some(random_schema());
        }
    }
    c
}

pub fn start(backend: &Backend, tweak: impl FnOnce(&mut Config)) -> TestRelay {
    start_result(backend, tweak).unwrap()
}

/// As [`start`], returning the relay's start-up error instead of failing.
pub fn start_result(
    backend: &Backend,
    tweak: impl FnOnce(&mut Config),
) -> Result<TestRelay, String> {
    // Raw reqwest clients below need a TLS provider even for plain HTTP.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(backend, dir.path());
    tweak(&mut config);
    let handle = lantern_relay::spawn(config.clone())?;
    Ok(TestRelay {
        handle: Some(handle),
        dir,
        config,
        backend: backend.clone(),
    })
}

impl Drop for TestRelay {
    fn drop(&mut self) {
        self.stop();
        if let (Backend::Postgres(url), Some(schema)) =
            (&self.backend, &self.config.postgres_schema)
        {
            pg_execute(url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// Runs one statement on PostgreSQL from a blocking test.
pub fn pg_execute(url: &str, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, conn) = url
            .parse::<tokio_postgres::Config>()
            .unwrap()
            .connect(tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        client.batch_execute(sql).await.unwrap();
    });
}

pub fn random_schema() -> String {
    format!("t_{}", random_hex(8))
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn fresh_nonce() -> String {
    URL_SAFE_NO_PAD.encode(hazmat::make_random::<16>())
}

/// Signature headers for a request, with every part controllable.
pub fn sign_headers(
    key: &SigningKey,
    method: &str,
    path: &str,
    body: &[u8],
    ts: i64,
    nonce: &str,
) -> Vec<(&'static str, String)> {
    let msg = wire::signing_message(method, path, ts, nonce, &hazmat::derive_sha256(body));
    vec![
        (wire::HEADER_TIMESTAMP, ts.to_string()),
        (wire::HEADER_NONCE, nonce.to_owned()),
        (wire::HEADER_SIGNATURE, STANDARD.encode(key.sign(&msg))),
    ]
}

/// A raw answer: status, `error` code (if any), Retry-After, body.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub code: Option<String>,
    pub retry_after: Option<String>,
    pub body: serde_json::Value,
}

pub fn raw(base: &str, method: &str, path: &str, headers: &[(&str, String)], body: &[u8]) -> Raw {
    let http = reqwest::blocking::Client::new();
    let mut rb = http
        .request(method.parse().unwrap(), format!("{base}{path}"))
        .body(body.to_vec());
    for (k, v) in headers {
        rb = rb.header(*k, v);
    }
    let resp = rb.send().unwrap();
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = resp.bytes().unwrap();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    let code = body
        .get("error")
        .and_then(|c| c.as_str())
        .map(str::to_owned);
    if status >= 400 {
        assert!(
            body.get("message").and_then(|m| m.as_str()).is_some(),
            "refusal {status} without JSON message"
        );
    }
    Raw {
        status,
        code,
        retry_after,
        body,
    }
}

/// A signed owner request sent raw.
pub fn signed(base: &str, key: &SigningKey, method: &str, path: &str, body: &[u8]) -> Raw {
    let h = sign_headers(key, method, path, body, now(), &fresh_nonce());
    raw(base, method, path, &h, body)
}

/// Runs an async PostgreSQL query from a blocking test.
pub fn pg_rows_as_text(url: &str, schema: &str, sql: &str) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut cfg: tokio_postgres::Config = url.parse().unwrap();
        cfg.options(format!("-c search_path={schema}"));
        let (client, conn) = cfg.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        client
            .query(sql, &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect()
    })
}

/// `/metrics` once every `want` line is in it (the stored totals refresh periodically), or
/// fails after 10 s showing the last answer.
pub fn metrics_with(base: &str, want: &[&str]) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let m = reqwest::blocking::get(format!("{base}/metrics"))
            .unwrap()
            .text()
            .unwrap();
        if want.iter().all(|w| m.contains(w)) {
            return m;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "metrics never showed {want:?}:\n{m}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// A relay process killed (SIGKILL) and reaped when dropped, also when a test panics.
pub struct Reaped(pub std::process::Child);

impl Reaped {
    /// Kills the process now (SIGKILL: no graceful shutdown) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the binary without rate limits and waits until `/healthz` answers.
pub fn start_binary(db_args: &[String], port: u16) -> std::process::Child {
    let mut args: Vec<String> = [
        "--rate-per-ip",
        "0",
        "--rate-per-key",
        "0",
        "--create-rate-per-ip",
        "0",
    ]
    .map(str::to_owned)
    .to_vec();
    args.extend_from_slice(db_args);
    start_binary_with(&args, port)
}

/// Starts the binary with exactly these flags (besides `--listen`) and waits until `/healthz`
/// answers.
pub fn start_binary_with(args: &[String], port: u16) -> std::process::Child {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lantern-relay"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let client = lantern_core::sharing::relay_client::RelayClient::with_options(
        &format!("http://127.0.0.1:{port}"),
        lantern_core::sharing::relay_client::RetryPolicy {
            max_attempts: 1,
            ..lantern_core::sharing::relay_client::RetryPolicy::default()
        },
        None,
    )
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while client.health().is_err() {
        assert!(child.try_wait().unwrap().is_none(), "relay exited at start");
        assert!(std::time::Instant::now() < deadline, "relay did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child
}
