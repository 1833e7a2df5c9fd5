//! The relay client and the content update over real HTTPS on 127.0.0.1: a server whose
//! certificate comes from a test certificate authority (rcgen) is reached once that CA is
//! trusted (through the test-only hook, or the relay client's extra root), and a server whose
//! certificate comes from another CA is refused by both.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpListener, TcpStream};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::trust_for_tests;
use crate::course::update::{self, Fetched};
use crate::crypto::hazmat::SigningKey;
use crate::sharing::relay_client::{RelayClient, RelayError, RetryPolicy};

struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        TestCa {
            issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    fn der(&self) -> CertificateDer<'static> {
        self.issuer.der().clone()
    }

    /// A server certificate for 127.0.0.1 and its key.
    fn leaf(&self) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.subject_alt_names = vec![SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST))];
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (
            cert.der().clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    }
}

/// An HTTPS server on 127.0.0.1 answering every request with `status` and `body`, on its own
/// thread for the life of the test process.
fn serve_https(ca: &TestCa, status: &'static str, body: &'static [u8]) -> String {
    let (cert, key) = ca.leaf();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || answer(config, stream, status, body));
        }
    });
    format!("https://{addr}")
}

fn answer(config: Arc<rustls::ServerConfig>, tcp: TcpStream, status: &str, body: &[u8]) {
    let Ok(conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    // Read the head and as much body as Content-Length says.
    loop {
        let Ok(n) = tls.read(&mut buf) else { return };
        if n == 0 {
            return;
        }
        request.extend_from_slice(&buf[..n]);
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if request.len() >= end + 4 + len {
                break;
            }
        }
    }
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = tls.write_all(head.as_bytes());
    let _ = tls.write_all(body);
    let _ = tls.flush();
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

fn once() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    }
}

#[test]
fn the_relay_client_speaks_https_to_a_trusted_ca_and_refuses_another() {
    let ca = TestCa::new("Lantern test relay CA");
    let other = TestCa::new("Someone else's CA");
    let answer = br#"{"mailbox_id":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#;
    let good = serve_https(&ca, "201 Created", answer);
    let forged = serve_https(&other, "201 Created", answer);
    let ca_pem = ca.issuer.pem();
    let key = SigningKey::make();

    let client = RelayClient::with_options(&good, once(), Some(ca_pem.as_bytes())).unwrap();
    assert_eq!(
        client.create_mailbox(&key).unwrap(),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    );
    // Same trusted CA, a server whose certificate another CA issued: refused.
    let client = RelayClient::with_options(&forged, once(), Some(ca_pem.as_bytes())).unwrap();
    let err = client.create_mailbox(&key).unwrap_err();
    assert!(matches!(err, RelayError::Unreachable(_)), "{err:?}");
    // And the carried roots alone do not trust a private CA.
    let client = RelayClient::with_options(&good, once(), None).unwrap();
    assert!(client.create_mailbox(&key).is_err());
}

#[test]
fn the_content_update_speaks_https_to_a_trusted_ca_and_refuses_another() {
    let ca = TestCa::new("Lantern test content CA");
    let other = TestCa::new("Another content CA");
    let good = serve_https(&ca, "200 OK", b"PACK-BYTES");
    let forged = serve_https(&other, "200 OK", b"PACK-BYTES");
    // Before the CA is trusted, even the right server is refused.
    let before = update::fetch(update::check_url(&format!("{good}/pack")).unwrap(), None);
    assert!(before.is_err());
    trust_for_tests(ca.der());
    match update::fetch(update::check_url(&format!("{good}/pack")).unwrap(), None).unwrap() {
        Fetched::Body { bytes, .. } => assert_eq!(bytes, b"PACK-BYTES"),
        Fetched::NotModified => panic!("expected a body"),
    }
    let refused = update::fetch(update::check_url(&format!("{forged}/pack")).unwrap(), None);
    assert!(refused.is_err());
}

#[test]
fn carried_roots_are_mozillas() {
    // The carried store is not empty and an extra root that is not PEM is refused.
    assert!(webpki_roots::TLS_SERVER_ROOTS.len() > 100);
    assert!(matches!(
        super::client_builder(Some(b"not a certificate")),
        Err(super::HttpsError::BadRootCertificate)
    ));
}
