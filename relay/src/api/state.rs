//! What every request of one relay process shares.

use std::sync::Arc;

use crate::client_addr::ClientAddrRule;
use crate::config::Config;
use crate::limits::RateLimiter;
use crate::metrics::Metrics;
use crate::push::{EndpointPolicy, PushQueue, PushReceiver};

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
    /// Where stored envelopes ask for wake-ups.
    pub push: PushQueue,
    /// Which push endpoints are accepted.
    pub push_policy: Arc<EndpointPolicy>,
}

impl<S> AppState<S> {
    /// State for `store` under `config` (which must have passed [`Config::validate`]), and the
    /// receiving end of its wake-up queue (for [`crate::push::dispatch`]).
    pub fn new(store: S, config: Config) -> Result<(Self, PushReceiver), String> {
        let metrics = Arc::new(Metrics::default());
        let (push, receiver) = crate::push::queue(Arc::clone(&metrics));
        let state = AppState {
            store: Arc::new(store),
            per_ip: Arc::new(RateLimiter::new(config.rate_per_ip, config.burst_per_ip)),
            per_key: Arc::new(RateLimiter::new(config.rate_per_key, config.burst_per_key)),
            creations_per_ip: Arc::new(RateLimiter::new(
                config.create_rate_per_ip,
                config.create_burst_per_ip,
            )),
            client_addr: Arc::new(ClientAddrRule::from_config(&config)?),
            metrics,
            push,
            push_policy: Arc::new(EndpointPolicy::from_config(&config)),
            config: Arc::new(config),
        };
        Ok((state, receiver))
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
            push: self.push.clone(),
            push_policy: Arc::clone(&self.push_policy),
        }
    }
}
