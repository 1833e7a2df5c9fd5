//! `lantern-relay`: a store-and-forward mailbox server that only ever holds ciphertext.
//!
//! Owners (identified by an Ed25519 key) create mailboxes, hand out posting capabilities in
//! invites, list and acknowledge envelopes with signed requests, and may register a push
//! endpoint to be woken (content-free) when an envelope arrives; senders post opaque envelopes
//! with a capability. Storage is SQLite (default) or PostgreSQL behind [`store::Store`].
//!
//! Use as a binary (`lantern-relay --help`) or in-process: [`spawn`] starts a relay with its own
//! tokio runtime on a background thread, so blocking callers (tests, the CLI demo) can use it.

use std::net::SocketAddr;
use std::time::Duration;

pub mod api;
pub mod client_addr;
pub mod config;
pub mod limits;
pub mod metrics;
pub mod push;
pub mod store;

pub use config::{Config, Database};

use api::AppState;
use store::Store;
use store::postgres::PostgresStore;
use store::sqlite::SqliteStore;

/// A relay running on a background thread. Dropping it shuts the relay down gracefully.
#[derive(Debug)]
pub struct RelayHandle {
    /// The address it listens on (useful with port 0).
    pub addr: SocketAddr,
    tls: bool,
    handle: axum_server::Handle<SocketAddr>,
    thread: Option<std::thread::JoinHandle<Result<(), String>>>,
}

impl RelayHandle {
    /// `http://addr`, or `https://addr` when a TLS certificate was configured.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops accepting connections, lets requests in flight finish, and waits for the thread.
    pub fn shutdown(mut self) -> Result<(), String> {
        self.stop()
    }

    fn stop(&mut self) -> Result<(), String> {
        self.handle.graceful_shutdown(Some(Duration::from_secs(10)));
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| "relay thread panicked".to_owned())?,
            None => Ok(()),
        }
    }
}

impl Drop for RelayHandle {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// Starts a relay for `config` on a new thread with its own tokio runtime and returns once it
/// listens (bind `127.0.0.1:0` for a free port).
pub fn spawn(config: Config) -> Result<RelayHandle, String> {
    config.validate()?;
    let listener = std::net::TcpListener::bind(config.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("no local address: {e}"))?;
    let tls = config.tls_cert.is_some();
    let handle = axum_server::Handle::new();
    let server_handle = handle.clone();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
    let thread = std::thread::Builder::new()
        .name("lantern-relay".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start runtime: {e}"))?;
            rt.block_on(serve_listener(
                config,
                listener,
                server_handle,
                Some(ready_tx),
            ))
        })
        .map_err(|e| format!("cannot start relay thread: {e}"))?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(RelayHandle {
            addr,
            tls,
            handle,
            thread: Some(thread),
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => Err(match thread.join() {
            Ok(Err(e)) => e,
            _ => "relay thread ended before starting".into(),
        }),
    }
}

/// Runs a relay until `shutdown` completes, then drains requests in flight (for `main`).
pub async fn serve(
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    config.validate()?;
    let listener = std::net::TcpListener::bind(config.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let handle = axum_server::Handle::new();
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down, finishing requests in flight");
        h.graceful_shutdown(Some(grace));
    });
    serve_listener(config, listener, handle, None).await
}

async fn serve_listener(
    config: Config,
    listener: std::net::TcpListener,
    handle: axum_server::Handle<SocketAddr>,
    ready: Option<std::sync::mpsc::Sender<Result<(), String>>>,
) -> Result<(), String> {
    let opened = async {
        Ok::<_, String>(match config.database()? {
            Database::Sqlite(path) => AnyStore::Sqlite(
                SqliteStore::open(&path, config.sqlite_synchronous == "full")
                    .map_err(|e| e.to_string())?,
            ),
            Database::Postgres(url) => AnyStore::Postgres(
                PostgresStore::open_with_ca(
                    &url,
                    config.postgres_schema.as_deref(),
                    config.postgres_pool_size,
                    config.postgres_ca_file.as_deref(),
                )
                .await
                .map_err(|e| e.to_string())?,
            ),
        })
    }
    .await;
    let store = match opened {
        Ok(s) => s,
        Err(e) => {
            if let Some(r) = ready {
                let _ = r.send(Err(e.clone()));
            }
            return Err(e);
        }
    };
    match store {
        AnyStore::Sqlite(s) => run(s, config, listener, handle, ready).await,
        AnyStore::Postgres(s) => run(s, config, listener, handle, ready).await,
    }
}

enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

/// Answers `ready` (if anyone waits) with `result` and passes it on.
fn report(
    ready: Option<std::sync::mpsc::Sender<Result<(), String>>>,
    result: Result<(), String>,
) -> Result<(), String> {
    if let Some(r) = ready {
        let _ = r.send(result.clone());
    }
    result
}

/// Applies the read timeouts: a connection must send complete headers within
/// `header_read_timeout_secs` (HTTP/1 per request; any protocol for the first request), or it
/// is closed. Bodies have their own timeout where they are read.
fn with_timeouts<A: axum_server::Address, Acc>(
    server: axum_server::Server<A, Acc>,
    config: &Config,
) -> axum_server::Server<A, Acc> {
    let mut server = server.first_request_timeout(config.header_read_timeout());
    server
        .http_builder()
        .http1()
        .header_read_timeout(config.header_read_timeout());
    server
}

async fn run<S: Store>(
    store: S,
    config: Config,
    listener: std::net::TcpListener,
    handle: axum_server::Handle<SocketAddr>,
    ready: Option<std::sync::mpsc::Sender<Result<(), String>>>,
) -> Result<(), String> {
    let (state, push_receiver) = match AppState::new(store, config) {
        Ok(s) => s,
        Err(e) => return report(ready, Err(e)),
    };
    let sender = match push::Sender::new(&state.config, state.metrics.clone()) {
        Ok(s) => std::sync::Arc::new(s),
        Err(e) => return report(ready, Err(e)),
    };
    let metrics_server = match &state.config.metrics_listen {
        Some(addr) => match serve_metrics(state.clone(), *addr, handle.clone()) {
            Ok(task) => Some(task),
            Err(e) => return report(ready, Err(e)),
        },
        None => None,
    };
    let background = [
        tokio::spawn(sweep_loop(state.clone())),
        tokio::spawn(totals_loop(state.clone())),
        tokio::spawn(push::dispatch(
            state.store.clone(),
            sender,
            Duration::from_millis(state.config.push_interval_ms),
            state.metrics.clone(),
            push_receiver,
        )),
    ];
    let app = api::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let config = &state.config;
    if config.tls_cert.is_none() && !config.listen.ip().is_loopback() {
        tracing::warn!(
            "plain HTTP on a non-loopback address: put a TLS proxy in front or pass --tls-cert/--tls-key"
        );
    }
    tracing::info!(
        listen = %listener.local_addr().map_or_else(|_| "?".into(), |a| a.to_string()),
        database = %config.redacted_database(),
        tls = config.tls_cert.is_some(),
        "lantern-relay listening"
    );
    let served = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => {
            let tls = match axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await {
                Ok(t) => t,
                Err(e) => {
                    return report(ready, Err(format!("cannot load TLS certificate/key: {e}")));
                }
            };
            let server = match axum_server::from_tcp_rustls(listener, tls) {
                Ok(s) => with_timeouts(s, config),
                Err(e) => return report(ready, Err(format!("cannot serve: {e}"))),
            };
            let _ = report(ready, Ok(()));
            server.handle(handle).serve(app).await
        }
        _ => {
            let server = match axum_server::from_tcp(listener) {
                Ok(s) => with_timeouts(s, config),
                Err(e) => return report(ready, Err(format!("cannot serve: {e}"))),
            };
            let _ = report(ready, Ok(()));
            server.handle(handle).serve(app).await
        }
    };
    for task in background {
        task.abort();
    }
    if let Some(task) = metrics_server {
        let _ = task.await;
    }
    served.map_err(|e| format!("server failed: {e}"))
}

/// Serves `/metrics` alone on its own (private) address until the main server shuts down.
fn serve_metrics<S: Store>(
    state: AppState<S>,
    addr: SocketAddr,
    main: axum_server::Handle<SocketAddr>,
) -> Result<tokio::task::JoinHandle<()>, String> {
    let listener = std::net::TcpListener::bind(addr)
        .map_err(|e| format!("cannot listen on {addr} for metrics: {e}"))?;
    let server =
        axum_server::from_tcp(listener).map_err(|e| format!("cannot serve metrics: {e}"))?;
    let server = with_timeouts(server, &state.config);
    let app = api::metrics_router(state).into_make_service_with_connect_info::<SocketAddr>();
    // The main server's handle: its graceful shutdown stops this one too.
    Ok(tokio::spawn(async move {
        if let Err(e) = server.handle(main).serve(app).await {
            tracing::error!(error = %e, "metrics server failed");
        }
    }))
}

/// Reads the stored totals for `/metrics` every `metrics_refresh_secs`, so scrapes never query
/// the store (on SQLite that would be the single writer thread).
async fn totals_loop<S: Store>(state: AppState<S>) {
    let every = Duration::from_secs(state.config.metrics_refresh_secs);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match state.store.totals().await {
            Ok(t) => state.metrics.set_totals(t),
            Err(e) => tracing::warn!(error = %e, "reading totals for metrics failed"),
        }
    }
}

/// Drops envelopes and ack tombstones past their TTL and expired nonces, and forgets idle rate buckets.
async fn sweep_loop<S: Store>(state: AppState<S>) {
    let mut tick = tokio::time::interval(Duration::from_secs(state.config.sweep_interval_secs));
    loop {
        tick.tick().await;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        match state
            .store
            .sweep(now, now - state.config.envelope_ttl_secs)
            .await
        {
            Ok(stats) => {
                state.metrics.add_ttl_dropped(stats.envelopes_dropped);
                if stats.envelopes_dropped > 0 || stats.tombstones_dropped > 0 {
                    tracing::info!(
                        dropped = stats.envelopes_dropped,
                        tombstones = stats.tombstones_dropped,
                        "expired envelopes and tombstones dropped"
                    );
                }
            }
            Err(e) => tracing::warn!(error = %e, "sweep failed"),
        }
        state.per_ip.prune();
        state.per_key.prune();
        state.creations_per_ip.prune();
    }
}
