//! The core's one HTTPS set-up, shared by the relay client and content updates.
//!
//! rustls with the `ring` provider, verifying against Mozilla's root certificates carried in the
//! core (`webpki-roots`), so certificates are checked the same way on every platform: reqwest's
//! default, `rustls-platform-verifier`, panics on Android unless the app initialises it through
//! JNI. Redirects are never followed: a URL is checked before use (https, or http to loopback)
//! and a redirect would send the request, with its headers, somewhere that check never saw.
//!
//! TLS 1.3 only, with AES-GCM only, and no client certificates ([`provider`]): the core talks to
//! its relay and its content host, both ours to configure, and every cipher suite or protocol
//! version left out is code that is not in the 4 MiB library (docs/size.md, docs/security.md).

use std::net::IpAddr;
use std::sync::{Arc, Once};

use reqwest::Url;
use reqwest::blocking::ClientBuilder;
use rustls::RootCertStore;
use rustls::SignatureScheme;
use rustls::crypto::{
    CryptoProvider, GetRandomFailed, KeyProvider, SecureRandom, WebPkiSupportedAlgorithms,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::SigningKey;
use webpki::ring as algs;

use crate::crypto::hazmat;

/// Why an HTTPS client could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpsError {
    #[error("the extra root certificate is not a PEM certificate")]
    BadRootCertificate,
    #[error("cannot set up TLS")]
    Tls,
}

/// The core's TLS: rustls on ring, narrowed to what the relay and the content host need.
///
/// - TLS 1.3 only (the versions are set in [`client_builder`]): a server that speaks only
///   TLS 1.2 is refused. Every maintained server and CDN speaks 1.3.
/// - Cipher suites `TLS13_AES_128_GCM_SHA256` (mandatory for every TLS 1.3 server, RFC 8446
///   9.1) and `TLS13_AES_256_GCM_SHA384`; no ChaCha20-Poly1305 (~50 KB of ring code).
/// - Key exchange X25519, P-256, P-384 (ring's full list).
/// - Certificate signatures: ring's full list (ECDSA P-256/P-384, RSA PKCS#1 and PSS from 2048
///   bits, Ed25519), so every public CA's chain still verifies.
/// - No private keys: the core never presents a client certificate, so ring's RSA and ECDSA
///   signing code is left out.
fn provider() -> CryptoProvider {
    use rustls::crypto::ring::{cipher_suite, kx_group};
    CryptoProvider {
        cipher_suites: vec![
            cipher_suite::TLS13_AES_128_GCM_SHA256,
            cipher_suite::TLS13_AES_256_GCM_SHA384,
        ],
        kx_groups: vec![kx_group::X25519, kx_group::SECP256R1, kx_group::SECP384R1],
        signature_verification_algorithms: SIGNATURE_ALGORITHMS,
        secure_random: &OsRandom,
        key_provider: &NoPrivateKeys,
    }
}

/// rustls' ring provider's own table (`rustls::crypto::ring`, private there), written out because
/// asking `default_provider()` for it links every cipher suite and signer that provider holds. A
/// test checks it still equals rustls' table.
static SIGNATURE_ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        algs::ECDSA_P256_SHA256,
        algs::ECDSA_P256_SHA384,
        algs::ECDSA_P384_SHA256,
        algs::ECDSA_P384_SHA384,
        algs::ED25519,
        algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        algs::RSA_PKCS1_2048_8192_SHA256,
        algs::RSA_PKCS1_2048_8192_SHA384,
        algs::RSA_PKCS1_2048_8192_SHA512,
        algs::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        algs::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        algs::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    ],
    mapping: &[
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[algs::ECDSA_P384_SHA384, algs::ECDSA_P256_SHA384],
        ),
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[algs::ECDSA_P256_SHA256, algs::ECDSA_P384_SHA256],
        ),
        (SignatureScheme::ED25519, &[algs::ED25519]),
        (
            SignatureScheme::RSA_PSS_SHA512,
            &[algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA384,
            &[algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA256,
            &[algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA512,
            &[algs::RSA_PKCS1_2048_8192_SHA512],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA384,
            &[algs::RSA_PKCS1_2048_8192_SHA384],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA256,
            &[algs::RSA_PKCS1_2048_8192_SHA256],
        ),
    ],
};

/// Random bytes for TLS from the OS, through the core's one door to ring.
#[derive(Debug)]
struct OsRandom;

impl SecureRandom for OsRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        hazmat::fill_random(buf).map_err(|_| GetRandomFailed)
    }
}

/// Refuses every private key: the core authenticates with signatures inside its own protocol,
/// never with a TLS client certificate.
#[derive(Debug)]
struct NoPrivateKeys;

impl KeyProvider for NoPrivateKeys {
    fn load_private_key(
        &self,
        _key: PrivateKeyDer<'static>,
    ) -> Result<Arc<dyn SigningKey>, rustls::Error> {
        Err(rustls::Error::General(
            "the core uses no TLS client keys".into(),
        ))
    }
}

/// Installs the core's provider process-wide once (reqwest is built without a provider; this
/// makes anything that asks rustls for the default get the same narrowed one).
pub(crate) fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error means another part of the process installed one already: fine, the core's
        // own clients are built with `provider()` explicitly.
        let _ = provider().install_default();
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
/// CA), TLS 1.3 with [`provider`], no redirects.
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
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
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
