//! Configuration: defaults, overridden by an optional TOML file, overridden by environment
//! variables and command-line flags (clap merges those two; flags win).
//!
//! Never log the database URL as given: it may carry a password (see [`Config::redacted_database`]).

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

/// Where envelopes are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    /// Parses `sqlite:PATH` or `postgres://...` / `postgresql://...`.
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err("sqlite: needs a file path".into());
            }
            Ok(Database::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Database::Postgres(url.to_owned()))
        } else {
            Err("database must be sqlite:PATH or postgres://...".into())
        }
    }
}

/// Everything the relay can be told. Field names are also the TOML keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// `sqlite:PATH` or `postgres://user@host:port/db`.
    pub database: String,
    /// SQLite durability: `full` (the default: fsync of the WAL at every group commit, so a 2xx
    /// survives power loss) or `normal` (no fsync at commit: a 2xx survives a relay crash, but
    /// a power loss or OS crash can lose posts that were already acknowledged).
    pub sqlite_synchronous: String,
    /// PostgreSQL schema to use (created if missing); default: the server's search_path.
    pub postgres_schema: Option<String>,
    /// PostgreSQL connection pool size per relay process.
    pub postgres_pool_size: usize,
    /// PEM certificate chain; with `tls_key`, serve HTTPS (rustls, ring).
    pub tls_cert: Option<PathBuf>,
    /// PEM private key.
    pub tls_key: Option<PathBuf>,
    /// Largest envelope payload, in bytes (decoded).
    pub max_envelope_bytes: usize,
    /// Most envelopes waiting in one mailbox.
    pub mailbox_max_envelopes: i64,
    /// Most payload bytes waiting in one mailbox.
    pub mailbox_max_bytes: i64,
    /// Sustained requests per second per client address (0: no limit).
    pub rate_per_ip: f64,
    /// Burst allowance per client address.
    pub burst_per_ip: f64,
    /// Sustained requests per second per key (mailbox owner key or capability; 0: no limit).
    pub rate_per_key: f64,
    /// Burst allowance per key.
    pub burst_per_key: f64,
    /// Undelivered envelopes older than this are dropped by the sweep, in seconds.
    pub envelope_ttl_secs: i64,
    /// How often the sweep runs, in seconds.
    pub sweep_interval_secs: u64,
    /// Owner signatures are accepted this many seconds either side of the relay's clock.
    pub signature_window_secs: i64,
    /// Requests in flight get this long to finish on shutdown, in seconds.
    pub shutdown_grace_secs: u64,
    /// Log format: `text` or `json`.
    pub log_format: String,
    /// Most payload bytes one list answer carries (at least one envelope is always listed);
    /// bounds the memory a list costs, with `MAX_LIST_LIMIT` bounding the count.
    pub max_list_bytes: usize,
    /// A connection must deliver a request's headers within this many seconds, or it is closed.
    pub header_read_timeout_secs: u64,
    /// A request body must arrive within this many seconds (`408 timeout`, connection closed).
    pub body_read_timeout_secs: u64,
    /// Sustained mailbox creations per second per client address (0: no limit).
    pub create_rate_per_ip: f64,
    /// Burst of mailbox creations per client address.
    pub create_burst_per_ip: f64,
    /// Header naming the client address set by a trusted reverse proxy (`x-forwarded-for` or
    /// `x-real-ip`); honoured only on connections from `trusted_proxies`. None: the TCP peer.
    pub client_ip_header: Option<String>,
    /// Addresses or CIDR blocks of the reverse proxies whose `client_ip_header` is believed.
    pub trusted_proxies: Vec<String>,
    /// Per-address limits key IPv6 clients on this prefix length (one /64 is one subscriber).
    pub ipv6_prefix_len: u8,
    /// Serve `/metrics` on this separate address only (not on `listen`).
    pub metrics_listen: Option<SocketAddr>,
    /// Require `Authorization: Bearer <token>` on `/metrics`.
    pub metrics_token: Option<String>,
    /// The stored totals on `/metrics` are refreshed this often, in seconds (never per scrape).
    pub metrics_refresh_secs: u64,
    /// Most envelopes waiting in a mailbox from one capability.
    pub capability_max_envelopes: i64,
    /// Most payload bytes waiting in a mailbox from one capability.
    pub capability_max_bytes: i64,
    /// Room every capability keeps in a full mailbox: while it has fewer than this many
    /// envelopes (and `capability_reserved_bytes`) waiting, its posts pass the mailbox quota.
    pub capability_reserved_envelopes: i64,
    /// Bytes of reserved room per capability (see `capability_reserved_envelopes`).
    pub capability_reserved_bytes: i64,
    /// PEM file of extra CA certificates trusted for PostgreSQL TLS (besides the OS roots).
    pub postgres_ca_file: Option<PathBuf>,
    /// Most push registrations per mailbox (0: the relay takes none).
    pub push_max_registrations: u32,
    /// At most one wake-up per mailbox in this many milliseconds; envelopes arriving meanwhile
    /// get one more wake-up when the interval ends.
    pub push_interval_ms: u64,
    /// Tries per wake-up, the first included (failures: no connection, 408, 429, 5xx).
    pub push_max_attempts: u32,
    /// Wait before the second try, in milliseconds; doubles with each further try.
    pub push_initial_backoff_ms: u64,
    /// Each try's time limit, in seconds.
    pub push_timeout_secs: u64,
    /// Accept `http://` push endpoints (loopback tests only: wake-ups then travel in clear).
    pub push_allow_http: bool,
    /// Accept and wake endpoints on loopback, private, link-local or other non-public
    /// addresses (an operator's gateway on a private network, or tests). Off: refused at
    /// registration (literal addresses, `localhost`) and at every send (resolved addresses).
    pub push_allow_private_addresses: bool,
    /// If not empty, the only endpoint hosts accepted: `host` exactly, or `.suffix` for every
    /// name under it (e.g. `ntfy.sh`, `.push.example.org`).
    pub push_endpoint_hosts: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            database: "sqlite:lantern-relay.db".into(),
            sqlite_synchronous: "full".into(),
            postgres_schema: None,
            postgres_pool_size: 16,
            tls_cert: None,
            tls_key: None,
            max_envelope_bytes: 64 * 1024,
            mailbox_max_envelopes: 10_000,
            mailbox_max_bytes: 64 * 1024 * 1024,
            rate_per_ip: 200.0,
            burst_per_ip: 400.0,
            rate_per_key: 100.0,
            burst_per_key: 200.0,
            envelope_ttl_secs: 14 * 24 * 3600,
            sweep_interval_secs: 60,
            signature_window_secs: 120,
            shutdown_grace_secs: 30,
            log_format: "text".into(),
            max_list_bytes: 4 * 1024 * 1024,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 20,
            create_rate_per_ip: 0.1,
            create_burst_per_ip: 20.0,
            client_ip_header: None,
            trusted_proxies: Vec::new(),
            ipv6_prefix_len: 64,
            metrics_listen: None,
            metrics_token: None,
            metrics_refresh_secs: 15,
            capability_max_envelopes: 2_000,
            capability_max_bytes: 16 * 1024 * 1024,
            capability_reserved_envelopes: 16,
            capability_reserved_bytes: 1024 * 1024,
            postgres_ca_file: None,
            push_max_registrations: 4,
            push_interval_ms: 15_000,
            push_max_attempts: 5,
            push_initial_backoff_ms: 1_000,
            push_timeout_secs: 10,
            push_allow_http: false,
            push_allow_private_addresses: false,
            push_endpoint_hosts: Vec::new(),
        }
    }
}

impl Config {
    /// How long a request body may take to arrive.
    pub fn body_read_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.body_read_timeout_secs)
    }

    /// How long a connection may take to send a request's headers.
    pub fn header_read_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.header_read_timeout_secs)
    }

    /// Parsed database setting.
    pub fn database(&self) -> Result<Database, String> {
        Database::parse(&self.database)
    }

    /// The database URL without any password, for logs.
    pub fn redacted_database(&self) -> String {
        match self.database() {
            Ok(Database::Sqlite(p)) => format!("sqlite:{}", p.display()),
            Ok(Database::Postgres(url)) => match url.split_once("://") {
                Some((scheme, rest)) => {
                    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
                    let host = host.split_once('?').map_or(host, |(h, _)| h);
                    format!("{scheme}://{host}")
                }
                None => "postgres".into(),
            },
            Err(_) => "invalid".into(),
        }
    }

    /// Checks values that would make the relay misbehave.
    pub fn validate(&self) -> Result<(), String> {
        self.database()?;
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err("--tls-cert and --tls-key go together".into());
        }
        if self.max_envelope_bytes == 0
            || self.mailbox_max_envelopes <= 0
            || self.mailbox_max_bytes <= 0
        {
            return Err("size limits and quotas must be positive".into());
        }
        if self.rate_per_ip < 0.0 || self.rate_per_key < 0.0 {
            return Err("rates must be >= 0 (0 disables)".into());
        }
        if self.envelope_ttl_secs <= 0
            || self.sweep_interval_secs == 0
            || self.signature_window_secs <= 0
        {
            return Err("ttl, sweep interval and signature window must be positive".into());
        }
        if !matches!(self.sqlite_synchronous.as_str(), "normal" | "full") {
            return Err("sqlite synchronous must be normal or full".into());
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err("log format must be text or json".into());
        }
        self.validate_limits()
    }

    /// Checks the settings that bound resources and name clients.
    fn validate_limits(&self) -> Result<(), String> {
        if self.max_list_bytes == 0
            || self.header_read_timeout_secs == 0
            || self.body_read_timeout_secs == 0
            || self.metrics_refresh_secs == 0
        {
            return Err("list bytes, read timeouts and metrics refresh must be positive".into());
        }
        if self.create_rate_per_ip < 0.0 {
            return Err("create rate must be >= 0 (0 disables)".into());
        }
        if self.capability_max_envelopes <= 0
            || self.capability_max_bytes <= 0
            || self.capability_reserved_envelopes < 0
            || self.capability_reserved_bytes < 0
        {
            return Err("capability quotas must be positive (reserves >= 0)".into());
        }
        if self.ipv6_prefix_len == 0 || self.ipv6_prefix_len > 128 {
            return Err("ipv6 prefix length must be 1 to 128".into());
        }
        crate::client_addr::ClientAddrRule::from_config(self)?;
        if self.metrics_token.as_deref().is_some_and(|t| t.len() < 16) {
            return Err("metrics token must be at least 16 characters".into());
        }
        self.validate_push()
    }

    /// Checks the push (wake-up) settings.
    fn validate_push(&self) -> Result<(), String> {
        if self.push_interval_ms == 0
            || self.push_max_attempts == 0
            || self.push_initial_backoff_ms == 0
            || self.push_timeout_secs == 0
        {
            return Err("push interval, attempts, backoff and timeout must be positive".into());
        }
        if self.push_max_attempts > 20 {
            return Err("push attempts must be at most 20".into());
        }
        if let Some(bad) = self.push_endpoint_hosts.iter().find(|h| {
            let name = h.strip_prefix('.').unwrap_or(h);
            name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        }) {
            return Err(format!(
                "push endpoint host {bad:?} is not a host name or .suffix"
            ));
        }
        Ok(())
    }

    /// Reads a TOML file (all keys optional).
    pub fn from_toml_file(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("bad config {}: {e}", path.display()))
    }
}

/// Command-line flags; each also reads an environment variable. Unset ones keep the file's or
/// the default value.
#[derive(Debug, clap::Parser)]
#[command(
    name = "lantern-relay",
    version,
    about = "Lantern store-and-forward relay (ciphertext only)"
)]
pub struct Args {
    /// Optional TOML configuration file (keys as the long flags, with underscores).
    #[arg(long, env = "LANTERN_RELAY_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8787].
    #[arg(long, env = "LANTERN_RELAY_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// sqlite:PATH or postgres://... [default: sqlite:lantern-relay.db].
    #[arg(long, env = "LANTERN_RELAY_DATABASE")]
    pub database: Option<String>,
    /// SQLite durability: full, or normal (can lose acknowledged posts on power loss)
    /// [default: full].
    #[arg(long, env = "LANTERN_RELAY_SQLITE_SYNCHRONOUS")]
    pub sqlite_synchronous: Option<String>,
    /// PostgreSQL schema (created if missing).
    #[arg(long, env = "LANTERN_RELAY_POSTGRES_SCHEMA")]
    pub postgres_schema: Option<String>,
    /// PostgreSQL pool size [default: 16].
    #[arg(long, env = "LANTERN_RELAY_POSTGRES_POOL_SIZE")]
    pub postgres_pool_size: Option<usize>,
    /// PEM certificate chain for HTTPS.
    #[arg(long, env = "LANTERN_RELAY_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS.
    #[arg(long, env = "LANTERN_RELAY_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Largest envelope payload in bytes [default: 65536].
    #[arg(long, env = "LANTERN_RELAY_MAX_ENVELOPE_BYTES")]
    pub max_envelope_bytes: Option<usize>,
    /// Most envelopes per mailbox [default: 10000].
    #[arg(long, env = "LANTERN_RELAY_MAILBOX_MAX_ENVELOPES")]
    pub mailbox_max_envelopes: Option<i64>,
    /// Most payload bytes per mailbox [default: 67108864].
    #[arg(long, env = "LANTERN_RELAY_MAILBOX_MAX_BYTES")]
    pub mailbox_max_bytes: Option<i64>,
    /// Requests/s per client address, 0 = unlimited [default: 200].
    #[arg(long, env = "LANTERN_RELAY_RATE_PER_IP")]
    pub rate_per_ip: Option<f64>,
    /// Burst per client address [default: 400].
    #[arg(long, env = "LANTERN_RELAY_BURST_PER_IP")]
    pub burst_per_ip: Option<f64>,
    /// Requests/s per key, 0 = unlimited [default: 100].
    #[arg(long, env = "LANTERN_RELAY_RATE_PER_KEY")]
    pub rate_per_key: Option<f64>,
    /// Burst per key [default: 200].
    #[arg(long, env = "LANTERN_RELAY_BURST_PER_KEY")]
    pub burst_per_key: Option<f64>,
    /// Envelope time-to-live in seconds [default: 1209600 = 14 days].
    #[arg(long, env = "LANTERN_RELAY_ENVELOPE_TTL_SECS")]
    pub envelope_ttl_secs: Option<i64>,
    /// Sweep interval in seconds [default: 60].
    #[arg(long, env = "LANTERN_RELAY_SWEEP_INTERVAL_SECS")]
    pub sweep_interval_secs: Option<u64>,
    /// Signature time window in seconds [default: 120].
    #[arg(long, env = "LANTERN_RELAY_SIGNATURE_WINDOW_SECS")]
    pub signature_window_secs: Option<i64>,
    /// Grace period for requests in flight on shutdown, seconds [default: 30].
    #[arg(long, env = "LANTERN_RELAY_SHUTDOWN_GRACE_SECS")]
    pub shutdown_grace_secs: Option<u64>,
    /// Log format, text or json [default: text].
    #[arg(long, env = "LANTERN_RELAY_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Most payload bytes in one list answer [default: 4194304].
    #[arg(long, env = "LANTERN_RELAY_MAX_LIST_BYTES")]
    pub max_list_bytes: Option<usize>,
    /// Seconds a connection has to send a request's headers [default: 10].
    #[arg(long, env = "LANTERN_RELAY_HEADER_READ_TIMEOUT_SECS")]
    pub header_read_timeout_secs: Option<u64>,
    /// Seconds a request has to send its body [default: 20].
    #[arg(long, env = "LANTERN_RELAY_BODY_READ_TIMEOUT_SECS")]
    pub body_read_timeout_secs: Option<u64>,
    /// Mailbox creations/s per client address, 0 = unlimited [default: 0.1].
    #[arg(long, env = "LANTERN_RELAY_CREATE_RATE_PER_IP")]
    pub create_rate_per_ip: Option<f64>,
    /// Burst of mailbox creations per client address [default: 20].
    #[arg(long, env = "LANTERN_RELAY_CREATE_BURST_PER_IP")]
    pub create_burst_per_ip: Option<f64>,
    /// Client address header set by a trusted proxy (x-forwarded-for or x-real-ip) [default: none].
    #[arg(long, env = "LANTERN_RELAY_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,
    /// Proxy address or CIDR whose client address header is believed (repeat, or comma-separated).
    #[arg(
        long = "trusted-proxy",
        env = "LANTERN_RELAY_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Option<Vec<String>>,
    /// IPv6 prefix length per-address limits key on [default: 64].
    #[arg(long, env = "LANTERN_RELAY_IPV6_PREFIX_LEN")]
    pub ipv6_prefix_len: Option<u8>,
    /// Serve /metrics on this separate (private) address instead of --listen.
    #[arg(long, env = "LANTERN_RELAY_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Require "Authorization: Bearer TOKEN" on /metrics.
    #[arg(long, env = "LANTERN_RELAY_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Seconds between refreshes of the stored totals on /metrics [default: 15].
    #[arg(long, env = "LANTERN_RELAY_METRICS_REFRESH_SECS")]
    pub metrics_refresh_secs: Option<u64>,
    /// Most envelopes waiting per capability [default: 2000].
    #[arg(long, env = "LANTERN_RELAY_CAPABILITY_MAX_ENVELOPES")]
    pub capability_max_envelopes: Option<i64>,
    /// Most payload bytes waiting per capability [default: 16777216].
    #[arg(long, env = "LANTERN_RELAY_CAPABILITY_MAX_BYTES")]
    pub capability_max_bytes: Option<i64>,
    /// Envelopes each capability may still post into a full mailbox [default: 16].
    #[arg(long, env = "LANTERN_RELAY_CAPABILITY_RESERVED_ENVELOPES")]
    pub capability_reserved_envelopes: Option<i64>,
    /// Bytes each capability may still post into a full mailbox [default: 1048576].
    #[arg(long, env = "LANTERN_RELAY_CAPABILITY_RESERVED_BYTES")]
    pub capability_reserved_bytes: Option<i64>,
    /// Extra CA certificates (PEM) for PostgreSQL TLS (`sslmode=require` in the URL).
    #[arg(long, env = "LANTERN_RELAY_POSTGRES_CA_FILE")]
    pub postgres_ca_file: Option<PathBuf>,
    /// Most push registrations per mailbox, 0 = none [default: 4].
    #[arg(long, env = "LANTERN_RELAY_PUSH_MAX_REGISTRATIONS")]
    pub push_max_registrations: Option<u32>,
    /// At most one wake-up per mailbox per this many milliseconds [default: 15000].
    #[arg(long, env = "LANTERN_RELAY_PUSH_INTERVAL_MS")]
    pub push_interval_ms: Option<u64>,
    /// Tries per wake-up [default: 5].
    #[arg(long, env = "LANTERN_RELAY_PUSH_MAX_ATTEMPTS")]
    pub push_max_attempts: Option<u32>,
    /// Milliseconds before the second try, doubling after [default: 1000].
    #[arg(long, env = "LANTERN_RELAY_PUSH_INITIAL_BACKOFF_MS")]
    pub push_initial_backoff_ms: Option<u64>,
    /// Seconds each wake-up try may take [default: 10].
    #[arg(long, env = "LANTERN_RELAY_PUSH_TIMEOUT_SECS")]
    pub push_timeout_secs: Option<u64>,
    /// Accept http:// push endpoints (loopback tests only).
    #[arg(long, env = "LANTERN_RELAY_PUSH_ALLOW_HTTP", num_args = 0..=1, default_missing_value = "true")]
    pub push_allow_http: Option<bool>,
    /// Wake endpoints on loopback, private or link-local addresses.
    #[arg(
        long,
        env = "LANTERN_RELAY_PUSH_ALLOW_PRIVATE_ADDRESSES",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub push_allow_private_addresses: Option<bool>,
    /// The only push endpoint hosts accepted: HOST or .SUFFIX (repeat, or comma-separated)
    /// [default: any public host].
    #[arg(
        long = "push-endpoint-host",
        env = "LANTERN_RELAY_PUSH_ENDPOINT_HOSTS",
        value_delimiter = ','
    )]
    pub push_endpoint_hosts: Option<Vec<String>>,
}

impl Args {
    /// Defaults, then the TOML file, then these flags/env values.
    pub fn into_config(self) -> Result<Config, String> {
        let mut c = match &self.config {
            Some(path) => Config::from_toml_file(path)?,
            None => Config::default(),
        };
        macro_rules! take {
            ($($f:ident),*) => { $( if let Some(v) = self.$f { c.$f = v; } )* };
        }
        take!(
            listen,
            database,
            postgres_pool_size,
            max_envelope_bytes,
            mailbox_max_envelopes,
            mailbox_max_bytes,
            rate_per_ip,
            burst_per_ip,
            rate_per_key,
            burst_per_key,
            envelope_ttl_secs,
            sweep_interval_secs,
            signature_window_secs,
            shutdown_grace_secs,
            log_format,
            max_list_bytes,
            header_read_timeout_secs,
            body_read_timeout_secs,
            create_rate_per_ip,
            create_burst_per_ip,
            trusted_proxies,
            ipv6_prefix_len,
            metrics_refresh_secs,
            capability_max_envelopes,
            capability_max_bytes,
            capability_reserved_envelopes,
            capability_reserved_bytes,
            push_max_registrations,
            push_interval_ms,
            push_max_attempts,
            push_initial_backoff_ms,
            push_timeout_secs,
            push_allow_http,
            push_allow_private_addresses,
            push_endpoint_hosts
        );
        if self.postgres_schema.is_some() {
            c.postgres_schema = self.postgres_schema;
        }
        if self.client_ip_header.is_some() {
            c.client_ip_header = self.client_ip_header;
        }
        if self.metrics_listen.is_some() {
            c.metrics_listen = self.metrics_listen;
        }
        if self.metrics_token.is_some() {
            c.metrics_token = self.metrics_token;
        }
        if self.postgres_ca_file.is_some() {
            c.postgres_ca_file = self.postgres_ca_file;
        }
        if self.tls_cert.is_some() {
            c.tls_cert = self.tls_cert;
        }
        if self.tls_key.is_some() {
            c.tls_key = self.tls_key;
        }
        c.validate()?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn defaults_file_then_flags() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("relay.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\nmax_envelope_bytes = 10\n",
        )
        .expect("write");
        let args = Args::try_parse_from([
            "lantern-relay",
            "--config",
            file.to_str().expect("utf-8 path"),
            "--max-envelope-bytes",
            "20",
        ])
        .expect("parses");
        let c = args.into_config().expect("valid");
        assert_eq!(c.listen, "127.0.0.1:9000".parse().expect("addr"));
        assert_eq!(c.max_envelope_bytes, 20);
        assert_eq!(c.database, "sqlite:lantern-relay.db");
    }

    #[test]
    fn database_urls_and_redaction() {
        assert_eq!(
            Database::parse("sqlite:/tmp/x.db"),
            Ok(Database::Sqlite("/tmp/x.db".into()))
        );
        assert!(Database::parse("mysql://x").is_err());
        let c = Config {
            database: "postgres://u:secret@h:5432/db?options=x".into(),
            ..Config::default()
        };
        assert_eq!(c.redacted_database(), "postgres://h:5432/db");
        let bad = Config {
            tls_cert: Some("c.pem".into()),
            ..Config::default()
        };
        assert!(bad.validate().is_err());
    }
}
