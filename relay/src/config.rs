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
        }
    }
}

impl Config {
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
            log_format
        );
        if self.postgres_schema.is_some() {
            c.postgres_schema = self.postgres_schema;
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
