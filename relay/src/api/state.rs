//! What every request of one relay process shares.

use std::sync::Arc;

use crate::client_addr::ClientAddrRule;
use crate::config::Config;
use crate::limits::RateLimiter;
use crate::metrics::Metrics;

/// Shared by all requests of one relay process.
pub struct AppState<S> {
    pub store: Arc<S>,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    /// Every request, per client address.
    pub per_ip: Arc<RateLimiter>,
    /// Owner requests per mailbox, posts per capability.
    pub per_key: Arc<RateLimiter>,
    /// Mailbox creations per client address.
    pub creations_per_ip: Arc<RateLimiter>,
    /// How a request's client address is named.
    pub client_addr: Arc<ClientAddrRule>,
}

impl<S> AppState<S> {
    /// State for `store` under `config` (which must have passed [`Config::validate`]).
    pub fn new(store: S, config: Config) -> Result<Self, String> {
        Ok(AppState {
            store: Arc::new(store),
            per_ip: Arc::new(RateLimiter::new(config.rate_per_ip, config.burst_per_ip)),
            per_key: Arc::new(RateLimiter::new(config.rate_per_key, config.burst_per_key)),
            creations_per_ip: Arc::new(RateLimiter::new(
                config.create_rate_per_ip,
                config.create_burst_per_ip,
            )),
            client_addr: Arc::new(ClientAddrRule::from_config(&config)?),
            metrics: Arc::new(Metrics::default()),
            config: Arc::new(config),
        })
    }
}

impl<S> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            store: Arc::clone(&self.store),
            config: Arc::clone(&self.config),
            metrics: Arc::clone(&self.metrics),
            per_ip: Arc::clone(&self.per_ip),
            per_key: Arc::clone(&self.per_key),
            creations_per_ip: Arc::clone(&self.creations_per_ip),
            client_addr: Arc::clone(&self.client_addr),
        }
    }
}
