//! Fetching newer content packs over HTTP(S), and keeping the accepted one in the data directory.
//!
//! Production URLs are https (rustls with the `ring` provider); plain http is accepted only for
//! loopback hosts, for tests and local authoring, and redirects are never followed. Requests carry the stored ETag as
//! `If-None-Match`, so an unchanged pack costs a 304. This module moves bytes only: it never
//! decides whether a pack is acceptable (that is `pack::open` plus the version rule in `mod.rs`),
//! and it writes the stored pack atomically so a crash never leaves half a pack behind.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{ETAG, IF_NONE_MATCH};

use super::ContentError;
use crate::store::owner_only;

/// Largest pack accepted from the network.
pub const MAX_PACK_BYTES: u64 = 16 * 1024 * 1024;
/// File name of the accepted downloaded pack inside the data directory.
pub const STORED_PACK: &str = "course-pack.bin";
const STORED_ETAG: &str = "course-pack.etag";

/// What the server answered.
pub enum Fetched {
    /// 304: the pack we have is current.
    NotModified,
    /// 200 with a body (not yet verified).
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
    },
}

/// Checks the URL is https, or http to a loopback host.
pub fn check_url(url: &str) -> Result<Url, ContentError> {
    let parsed =
        Url::parse(url).map_err(|_| ContentError::InvalidInput("not a valid URL".into()))?;
    let host = parsed.host_str().unwrap_or("");
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback => Ok(parsed),
        _ => Err(ContentError::InvalidInput(
            "content updates need an https URL".into(),
        )),
    }
}

fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another part of the process may have installed one already; either is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

fn network(what: &str) -> ContentError {
    ContentError::Network(what.to_string())
}

/// GETs `url`, sending `etag` as If-None-Match. Blocking; never call from an async runtime.
pub fn fetch(url: Url, etag: Option<&str>) -> Result<Fetched, ContentError> {
    install_crypto_provider();
    let client = crate::https::client_builder(None)
        .map_err(|_| ContentError::Internal("cannot build the HTTP client".into()))?
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|_| ContentError::Internal("cannot build the HTTP client".into()))?;
    let mut request = client.get(url);
    if let Some(tag) = etag {
        request = request.header(IF_NONE_MATCH, tag);
    }
    let response = request.send().map_err(|e| {
        if e.is_timeout() {
            network("the content server did not answer in time")
        } else {
            network("cannot reach the content server")
        }
    })?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if !status.is_success() {
        return Err(ContentError::Network(format!(
            "the content server answered {}",
            status.as_u16()
        )));
    }
    let etag = response
        .headers()
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut bytes = Vec::new();
    response
        .take(MAX_PACK_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|_| network("the download was interrupted"))?;
    if bytes.len() as u64 > MAX_PACK_BYTES {
        return Err(ContentError::Rejected("the pack is too large".into()));
    }
    Ok(Fetched::Body { bytes, etag })
}

fn pack_path(data_dir: &Path) -> PathBuf {
    data_dir.join(STORED_PACK)
}

/// The stored pack's bytes and ETag, if any (unverified).
pub fn load_stored(data_dir: &Path) -> Option<(Vec<u8>, Option<String>)> {
    let bytes = std::fs::read(pack_path(data_dir)).ok()?;
    let etag = std::fs::read_to_string(data_dir.join(STORED_ETAG))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    Some((bytes, etag))
}

/// Stores an accepted pack (and its ETag) for the next open. Atomic per file; the ETag is
/// written after the pack, and a missing or stale ETag only costs one full download.
pub fn store(data_dir: &Path, bytes: &[u8], etag: Option<&str>) -> Result<(), ContentError> {
    let storage = |e: std::io::Error| {
        ContentError::Storage(format!("cannot store the content pack: {}", e.kind()))
    };
    let etag_path = data_dir.join(STORED_ETAG);
    // Drop the old ETag first: it must never be paired with a different pack.
    match std::fs::remove_file(&etag_path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(storage(e)),
        _ => {}
    }
    owner_only::write_atomically(&pack_path(data_dir), bytes).map_err(storage)?;
    if let Some(tag) = etag {
        owner_only::write_atomically(&etag_path, tag.as_bytes()).map_err(storage)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        assert!(check_url("https://content.example.org/pack").is_ok());
        assert!(check_url("http://127.0.0.1:8080/pack").is_ok());
        assert!(check_url("http://[::1]/pack").is_ok());
        assert!(check_url("http://localhost/pack").is_ok());
        for bad in [
            "http://example.org/pack",
            "ftp://127.0.0.1/x",
            "not a url",
            "",
        ] {
            assert!(
                matches!(check_url(bad), Err(ContentError::InvalidInput(_))),
                "{bad}"
            );
        }
    }
}
