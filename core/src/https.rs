//! The core's one HTTPS set-up, shared by the relay client and content updates.
//!
//! rustls with the `ring` provider, verifying against Mozilla's root certificates carried in the
//! core (`webpki-roots`), so certificates are checked the same way on every platform: reqwest's
//! default, `rustls-platform-verifier`, panics on Android unless the app initialises it through
//! JNI. Redirects are never followed: a URL is checked before use (https, or http to loopback)
//! and a redirect would send the request, with its headers, somewhere that check never saw.

use std::net::IpAddr;
use std::sync::{Arc, Once};

use reqwest::Url;
use reqwest::blocking::ClientBuilder;
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// Why an HTTPS client could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpsError {
    #[error("the extra root certificate is not a PEM certificate")]
    BadRootCertificate,
    #[error("cannot set up TLS")]
    Tls,
}

/// Installs rustls' ring provider process-wide once (reqwest is built without a provider).
pub(crate) fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error means another part of the process installed one already: fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Whether `url` names a loopback host (`localhost`, 127.0.0.0/8, `[::1]`), where plain http
/// cannot be overheard.
pub fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or("");
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A blocking client builder: carried roots (plus `extra_roots_pem`, for a relay with a private
/// CA), TLS 1.2+, no redirects.
pub(crate) fn client_builder(extra_roots_pem: Option<&[u8]>) -> Result<ClientBuilder, HttpsError> {
    install_crypto_provider();
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let mut extra: Vec<CertificateDer<'static>> = test_roots();
    if let Some(pem) = extra_roots_pem {
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| HttpsError::BadRootCertificate)?;
        if certs.is_empty() {
            return Err(HttpsError::BadRootCertificate);
        }
        extra.extend(certs);
    }
    for cert in extra {
        roots
            .add(cert)
            .map_err(|_| HttpsError::BadRootCertificate)?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|_| HttpsError::Tls)?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_backend_preconfigured(config))
}

#[cfg(not(test))]
fn test_roots() -> Vec<CertificateDer<'static>> {
    Vec::new()
}

/// Test-only hook: roots every client of this test process also trusts (the content update
/// has no parameter for one). Absent from non-test builds.
#[cfg(test)]
static TEST_ROOTS: std::sync::Mutex<Vec<CertificateDer<'static>>> =
    std::sync::Mutex::new(Vec::new());

#[cfg(test)]
fn test_roots() -> Vec<CertificateDer<'static>> {
    TEST_ROOTS.lock().map(|r| r.clone()).unwrap_or_default()
}

#[cfg(test)]
pub(crate) fn trust_for_tests(cert: CertificateDer<'static>) {
    if let Ok(mut roots) = TEST_ROOTS.lock() {
        roots.push(cert);
    }
}

#[cfg(test)]
mod tests;
