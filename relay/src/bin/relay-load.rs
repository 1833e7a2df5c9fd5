//! Load generator for the relay: `C` concurrent clients posting envelopes, then fetching and
//! acknowledging them, reporting posts/s and p50/p99 latency; and a bounded soak (posting and
//! draining at once) that counts envelopes lost (must be 0).
//!
//! By default it starts an in-process relay (rate limits off) on a temporary SQLite file, or on
//! PostgreSQL with `--backend postgres` (URL from `--database` or LANTERN_TEST_POSTGRES_URL);
//! `--url` targets a running relay instead. It never runs longer than the durations given.
//!
//!   cargo run --release -p lantern-relay --bin relay-load -- --backend sqlite
//!   cargo run --release -p lantern-relay --bin relay-load -- --soak-secs 120

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clap::Parser;
use lantern_protocol::relay as wire;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair};
use tokio::sync::Mutex;

#[derive(Debug, Parser)]
#[command(
    name = "relay-load",
    about = "Load generator and soak for lantern-relay"
)]
struct Args {
    /// sqlite or postgres (in-process relay).
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// SQLite durability for the in-process relay: full (the relay's default) or normal.
    #[arg(long, default_value = "full")]
    sqlite_synchronous: String,
    /// PostgreSQL URL for --backend postgres [default: $LANTERN_TEST_POSTGRES_URL].
    #[arg(long)]
    database: Option<String>,
    /// Target a running relay instead (its rate limits must allow the load).
    #[arg(long)]
    url: Option<String>,
    /// Concurrent clients.
    #[arg(long, default_value_t = 50)]
    clients: usize,
    /// Mailboxes the clients post to (client i posts to mailbox i % mailboxes).
    #[arg(long, default_value_t = 50)]
    mailboxes: usize,
    /// Seconds of sustained posting.
    #[arg(long, default_value_t = 10)]
    post_secs: u64,
    /// Payload bytes per envelope.
    #[arg(long, default_value_t = 1024)]
    payload: usize,
    /// Seconds of soak (post and drain at once); 0 skips it.
    #[arg(long, default_value_t = 0)]
    soak_secs: u64,
    /// Only create the mailboxes on the relay at --url, write one `MAILBOX TOKEN` line per
    /// mailbox to this file, and exit (for an external load generator: scripts/relay-wrk.sh).
    #[arg(long, requires = "url")]
    wrk_setup: Option<std::path::PathBuf>,
}

struct Owner {
    pair: Ed25519KeyPair,
    mailbox: String,
    token: String,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn sha256(d: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, d).as_ref());
    out
}

fn signed(
    http: &reqwest::Client,
    base: &str,
    pair: &Ed25519KeyPair,
    method: reqwest::Method,
    path: &str,
    body: Vec<u8>,
) -> reqwest::RequestBuilder {
    let mut n = [0u8; 16];
    let _ = SystemRandom::new().fill(&mut n);
    let nonce = URL_SAFE_NO_PAD.encode(n);
    let ts = now();
    let msg = wire::signing_message(method.as_str(), path, ts, &nonce, &sha256(&body));
    http.request(method, format!("{base}{path}"))
        .header(wire::HEADER_TIMESTAMP, ts.to_string())
        .header(wire::HEADER_NONCE, nonce)
        .header(wire::HEADER_SIGNATURE, STANDARD.encode(pair.sign(&msg)))
        .body(body)
}

async fn setup_owner(http: &reqwest::Client, base: &str) -> Result<Owner, String> {
    let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| "keygen")?;
    let pair = Ed25519KeyPair::from_pkcs8(doc.as_ref()).map_err(|_| "key")?;
    let body = serde_json::to_vec(&wire::CreateMailboxRequest {
        public_key: wire::Base64Bytes(pair.public_key().as_ref().to_vec()),
    })
    .map_err(|e| e.to_string())?;
    let r: wire::CreateMailboxResponse = signed(
        http,
        base,
        &pair,
        reqwest::Method::POST,
        "/v1/mailboxes",
        body,
    )
    .send()
    .await
    .map_err(|e| e.to_string())?
    .json_or_err()
    .await?;
    let path = format!("/v1/mailboxes/{}/capabilities", r.mailbox_id);
    let cap: wire::IssueCapabilityResponse =
        signed(http, base, &pair, reqwest::Method::POST, &path, Vec::new())
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json_or_err()
            .await?;
    Ok(Owner {
        pair,
        mailbox: r.mailbox_id,
        token: cap.token,
    })
}

trait JsonOrErr {
    async fn json_or_err<T: serde::de::DeserializeOwned>(self) -> Result<T, String>;
}

impl JsonOrErr for reqwest::Response {
    async fn json_or_err<T: serde::de::DeserializeOwned>(self) -> Result<T, String> {
        let status = self.status();
        let bytes = self.bytes().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
        }
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    }
}

async fn post(
    http: &reqwest::Client,
    base: &str,
    owner: &Owner,
    id: &str,
    payload: &[u8],
) -> Result<(), String> {
    let body = serde_json::to_vec(&wire::PostEnvelopeRequest {
        id: id.to_owned(),
        payload: wire::Base64Bytes(payload.to_vec()),
    })
    .map_err(|e| e.to_string())?;
    let resp = http
        .post(format!("{base}/v1/mailboxes/{}/envelopes", owner.mailbox))
        .header(wire::HEADER_CAPABILITY, &owner.token)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let _: wire::PostEnvelopeResponse = resp.json_or_err().await?;
    Ok(())
}

/// Lists one page after `cursor` and acknowledges it; returns the ids and the new cursor.
async fn drain_page(
    http: &reqwest::Client,
    base: &str,
    owner: &Owner,
    cursor: i64,
) -> Result<(Vec<String>, i64, bool), String> {
    let path = format!(
        "/v1/mailboxes/{}/envelopes?after={cursor}&limit=500",
        owner.mailbox
    );
    let page: wire::ListEnvelopesResponse = signed(
        http,
        base,
        &owner.pair,
        reqwest::Method::GET,
        &path,
        Vec::new(),
    )
    .send()
    .await
    .map_err(|e| e.to_string())?
    .json_or_err()
    .await?;
    let ids: Vec<String> = page.envelopes.into_iter().map(|e| e.id).collect();
    if !ids.is_empty() {
        let body = serde_json::to_vec(&wire::AckRequest { ids: ids.clone() })
            .map_err(|e| e.to_string())?;
        let path = format!("/v1/mailboxes/{}/ack", owner.mailbox);
        let _: wire::AckResponse =
            signed(http, base, &owner.pair, reqwest::Method::POST, &path, body)
                .send()
                .await
                .map_err(|e| e.to_string())?
                .json_or_err()
                .await?;
    }
    Ok((ids, page.next_cursor, page.more))
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

async fn run(args: Args, base: String) -> Result<(), String> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients * 2)
        .build()
        .map_err(|e| e.to_string())?;
    let mut owners = Vec::new();
    for _ in 0..args.mailboxes.max(1) {
        owners.push(Arc::new(setup_owner(&http, &base).await?));
    }
    if let Some(file) = &args.wrk_setup {
        let lines: String = owners
            .iter()
            .map(|o| format!("{} {}\n", o.mailbox, o.token))
            .collect();
        std::fs::write(file, lines).map_err(|e| format!("{}: {e}", file.display()))?;
        return Ok(());
    }
    let payload: Arc<Vec<u8>> = Arc::new((0..args.payload).map(|i| (i * 31 % 251) as u8).collect());

    // Phase 0: the HTTP floor on this machine, same clients, same server: GET /healthz.
    let floor_secs = args.post_secs.clamp(1, 5);
    let deadline = Instant::now() + Duration::from_secs(floor_secs);
    let mut tasks = Vec::new();
    for _ in 0..args.clients {
        let (http, base) = (http.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                if let Ok(r) = http.get(format!("{base}/healthz")).send().await
                    && r.bytes().await.is_ok()
                {
                    lat.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                }
            }
            lat
        }));
    }
    let started = Instant::now();
    let mut floor = Vec::new();
    for t in tasks {
        floor.extend(t.await.map_err(|e| e.to_string())?);
    }
    let floor_rate = floor.len() as f64 / started.elapsed().as_secs_f64();
    floor.sort_unstable();
    println!(
        "baseline GET /healthz: {} clients: {floor_rate:.0} req/s; p50 {:.2} ms, p99 {:.2} ms",
        args.clients,
        percentile(&floor, 0.50),
        percentile(&floor, 0.99)
    );

    // Phase 1: sustained posting.
    let deadline = Instant::now() + Duration::from_secs(args.post_secs);
    let mut tasks = Vec::new();
    for c in 0..args.clients {
        let (http, base, owner, payload) = (
            http.clone(),
            base.clone(),
            Arc::clone(&owners[c % owners.len()]),
            Arc::clone(&payload),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut i = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                match post(&http, &base, &owner, &format!("p{c}-{i}"), &payload).await {
                    Ok(()) => lat.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32),
                    Err(_) => errors += 1,
                }
                i += 1;
            }
            (lat, errors)
        }));
    }
    let started = Instant::now();
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.map_err(|e| e.to_string())?;
        lat.extend(l);
        errors += e;
    }
    let secs = started.elapsed().as_secs_f64();
    lat.sort_unstable();
    let post_rate = lat.len() as f64 / secs;
    println!(
        "post: {} clients, {} mailboxes, {} B payload: {} posts in {:.1} s = {:.0} posts/s; p50 {:.2} ms, p99 {:.2} ms; errors {}",
        args.clients,
        owners.len(),
        args.payload,
        lat.len(),
        secs,
        lat.len() as f64 / secs,
        percentile(&lat, 0.50),
        percentile(&lat, 0.99),
        errors
    );
    println!(
        "post rate / HTTP floor = {:.2} (what storage and checks cost)",
        post_rate / floor_rate
    );

    // Phase 2: owners fetch and acknowledge everything.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for owner in &owners {
        let (http, base, owner) = (http.clone(), base.clone(), Arc::clone(owner));
        tasks.push(tokio::spawn(async move {
            let (mut n, mut cursor, mut lat) = (0usize, 0i64, Vec::new());
            loop {
                let t = Instant::now();
                let (ids, next, more) = drain_page(&http, &base, &owner, cursor).await?;
                lat.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                n += ids.len();
                cursor = next;
                if !more {
                    return Ok::<_, String>((n, lat));
                }
            }
        }));
    }
    let (mut fetched, mut lat) = (0, Vec::new());
    for t in tasks {
        let (n, l) = t.await.map_err(|e| e.to_string())??;
        fetched += n;
        lat.extend(l);
    }
    let secs = started.elapsed().as_secs_f64();
    lat.sort_unstable();
    println!(
        "fetch+ack: {fetched} envelopes in {secs:.1} s = {:.0} envelopes/s; per 500-envelope page (list+ack) p50 {:.2} ms, p99 {:.2} ms",
        fetched as f64 / secs,
        percentile(&lat, 0.50),
        percentile(&lat, 0.99)
    );

    if args.soak_secs > 0 {
        soak(&args, &http, &base, &owners, &payload).await?;
    }
    Ok(())
}

/// Posting and draining at once for a bounded time; then drains the rest and compares.
async fn soak(
    args: &Args,
    http: &reqwest::Client,
    base: &str,
    owners: &[Arc<Owner>],
    payload: &Arc<Vec<u8>>,
) -> Result<(), String> {
    let accepted = Arc::new(Mutex::new(HashSet::<String>::new()));
    let received = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(args.soak_secs);
    let mut posters = Vec::new();
    for c in 0..args.clients {
        let (http, base, owner, payload, accepted) = (
            http.clone(),
            base.to_owned(),
            Arc::clone(&owners[c % owners.len()]),
            Arc::clone(payload),
            Arc::clone(&accepted),
        );
        posters.push(tokio::spawn(async move {
            let mut i = 0u64;
            while Instant::now() < deadline {
                let id = format!("s{c}-{i}");
                if post(&http, &base, &owner, &id, &payload).await.is_ok() {
                    accepted.lock().await.insert(id);
                }
                i += 1;
                // A realistic mix, not a flood: leave room for the drainers.
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
    let mut drainers = Vec::new();
    for owner in owners {
        let (http, base, owner, received, stop) = (
            http.clone(),
            base.to_owned(),
            Arc::clone(owner),
            Arc::clone(&received),
            Arc::clone(&stop),
        );
        drainers.push(tokio::spawn(async move {
            let mut cursor = 0;
            loop {
                let done = stop.load(Ordering::Relaxed);
                match drain_page(&http, &base, &owner, cursor).await {
                    Ok((ids, next, more)) => {
                        cursor = next;
                        let empty = ids.is_empty();
                        received.lock().await.extend(ids);
                        if done && !more && empty {
                            return;
                        }
                        if !more {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        }));
    }
    for p in posters {
        p.await.map_err(|e| e.to_string())?;
    }
    stop.store(true, Ordering::Relaxed);
    for d in drainers {
        d.await.map_err(|e| e.to_string())?;
    }
    let accepted = accepted.lock().await;
    let received = received.lock().await;
    let unique: HashSet<&String> = received.iter().collect();
    let lost = accepted.iter().filter(|id| !unique.contains(id)).count();
    println!(
        "soak: {} s, {} envelopes accepted (2xx), {} delivered, {} duplicates, {} LOST",
        args.soak_secs,
        accepted.len(),
        unique.len(),
        received.len() - unique.len(),
        lost
    );
    if lost > 0 {
        return Err(format!("{lost} envelopes lost"));
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    // reqwest is built without a TLS provider; install ring's (an error means one is installed).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = match tempfile_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("relay-load: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut _relay = None;
    let base = match &args.url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let mut config = lantern_relay::Config {
                listen: ([127, 0, 0, 1], 0).into(),
                rate_per_ip: 0.0,
                rate_per_key: 0.0,
                create_rate_per_ip: 0.0,
                mailbox_max_envelopes: 10_000_000,
                mailbox_max_bytes: i64::MAX / 2,
                capability_max_envelopes: 10_000_000,
                capability_max_bytes: i64::MAX / 2,
                sqlite_synchronous: args.sqlite_synchronous.clone(),
                ..lantern_relay::Config::default()
            };
            match args.backend.as_str() {
                "sqlite" => config.database = format!("sqlite:{}", dir.join("load.db").display()),
                "postgres" => {
                    let Some(url) = args
                        .database
                        .clone()
                        .or_else(|| std::env::var("LANTERN_TEST_POSTGRES_URL").ok())
                    else {
                        eprintln!(
                            "relay-load: --database or LANTERN_TEST_POSTGRES_URL needed for postgres"
                        );
                        return std::process::ExitCode::FAILURE;
                    };
                    config.database = url;
                    config.postgres_schema = Some(format!("load_{}", now()));
                    config.postgres_pool_size = 32;
                }
                other => {
                    eprintln!("relay-load: unknown backend {other}");
                    return std::process::ExitCode::FAILURE;
                }
            }
            match lantern_relay::spawn(config) {
                Ok(h) => {
                    let url = h.url();
                    _relay = Some(h);
                    url
                }
                Err(e) => {
                    eprintln!("relay-load: {e}");
                    return std::process::ExitCode::FAILURE;
                }
            }
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("relay-load: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(run(args, base));
    drop(_relay);
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("relay-load: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// A private temporary directory for the SQLite file (no extra dependency).
fn tempfile_dir() -> Result<std::path::PathBuf, String> {
    let mut n = [0u8; 8];
    SystemRandom::new()
        .fill(&mut n)
        .map_err(|_| "random".to_owned())?;
    let dir = std::env::temp_dir().join(format!("relay-load-{}", URL_SAFE_NO_PAD.encode(n)));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}
