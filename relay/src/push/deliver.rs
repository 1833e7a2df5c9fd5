//! Sending one wake-up: an HTTP POST whose body is exactly the device's token, retried with
//! exponential backoff. The client follows no redirect, uses no proxy, and resolves names
//! itself ([`VettedResolver`]): it connects only to addresses the endpoint policy allows,
//! checked when the request is made, so a name that resolved to a public address at
//! registration and to a private one now (DNS rebinding) is refused.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::endpoint::EndpointPolicy;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::store::PushTarget;

/// How one wake-up ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    /// The endpoint answered 404 or 410: it no longer exists (the registration can go).
    Gone,
    /// Refused by policy, refused for good by the endpoint, or out of attempts.
    Failed,
}

/// One try's result.
enum Attempt {
    Sent,
    Gone,
    GiveUp,
    /// Try again, no sooner than this if the endpoint said (`Retry-After`).
    Retry(Option<Duration>),
}

/// Longest wait honoured from an endpoint's `Retry-After`.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// Resolves endpoint names and keeps only the addresses the policy allows; none left is an
/// error, so the request is never made.
struct VettedResolver {
    policy: Arc<EndpointPolicy>,
}

impl Resolve for VettedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| policy.address_allowed(a.ip()))
                .collect();
            if found.is_empty() {
                return Err("no address this relay may wake".into());
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

/// Sends wake-ups: one HTTP client for the whole process.
pub struct Sender {
    http: reqwest::Client,
    policy: Arc<EndpointPolicy>,
    max_attempts: u32,
    initial_backoff: Duration,
    metrics: Arc<Metrics>,
    /// Requests in flight at once.
    requests: tokio::sync::Semaphore,
}

/// Most wake-up requests in flight at once.
const MAX_REQUESTS: usize = 64;

impl Sender {
    pub fn new(config: &Config, metrics: Arc<Metrics>) -> Result<Self, String> {
        let policy = Arc::new(EndpointPolicy::from_config(config));
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("push tls: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(VettedResolver {
                policy: Arc::clone(&policy),
            }))
            .connect_timeout(Duration::from_secs(config.push_timeout_secs))
            .timeout(Duration::from_secs(config.push_timeout_secs))
            .build()
            .map_err(|e| format!("push client: {e}"))?;
        Ok(Sender {
            http,
            policy,
            max_attempts: config.push_max_attempts,
            initial_backoff: Duration::from_millis(config.push_initial_backoff_ms),
            metrics,
            requests: tokio::sync::Semaphore::new(MAX_REQUESTS),
        })
    }

    /// Sends one wake-up to `target`, retrying transient failures with doubling waits.
    pub async fn deliver(&self, target: &PushTarget) -> Delivery {
        let mut backoff = self.initial_backoff;
        for attempt in 1..=self.max_attempts {
            let outcome = match self.requests.acquire().await {
                Ok(_permit) => self.attempt(target).await,
                Err(_) => Attempt::GiveUp,
            };
            match outcome {
                Attempt::Sent => {
                    self.metrics.push_event(PushEvent::Sent);
                    return Delivery::Delivered;
                }
                Attempt::Gone => {
                    self.metrics.push_event(PushEvent::Gone);
                    return Delivery::Gone;
                }
                Attempt::GiveUp => break,
                Attempt::Retry(_) if attempt == self.max_attempts => break,
                Attempt::Retry(asked) => {
                    self.metrics.push_event(PushEvent::Retried);
                    let wait = asked.map_or(backoff, |a| a.min(MAX_RETRY_AFTER).max(backoff));
                    tokio::time::sleep(wait).await;
                    backoff = backoff.saturating_mul(2);
                }
            }
        }
        self.metrics.push_event(PushEvent::Failed);
        Delivery::Failed
    }

    async fn attempt(&self, target: &PushTarget) -> Attempt {
        // Checked again at every send: the operator's rules may have changed since, and a
        // literal address never goes through the resolver.
        let Ok(url) = self.policy.check(&target.endpoint) else {
            return Attempt::GiveUp;
        };
        let sent = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            // RFC 8030: how long a push service may keep it; a wake-up is stale after a day.
            .header("ttl", "86400")
            .header("urgency", "high")
            .body(target.token.clone())
            .send()
            .await;
        // Never logged: the error would name the endpoint.
        let Ok(resp) = sent else {
            return Attempt::Retry(None);
        };
        let status = resp.status();
        if status.is_success() {
            Attempt::Sent
        } else if status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
            Attempt::Gone
        } else if status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::REQUEST_TIMEOUT
            || status.is_server_error()
        {
            let asked = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            Attempt::Retry(asked)
        } else {
            Attempt::GiveUp
        }
    }
}

/// What the push counters count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushEvent {
    /// A wake-up the endpoint accepted.
    Sent,
    /// A try that failed and will be repeated.
    Retried,
    /// A wake-up given up (refused, or out of attempts).
    Failed,
    /// The endpoint said it no longer exists; its registration was removed.
    Gone,
    /// An envelope that arrived while its mailbox had just been woken (folded into the next).
    Coalesced,
    /// A wake-up not sent because the queue or the delivery slots were full.
    Dropped,
}
