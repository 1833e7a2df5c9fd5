//! Content-free wake-ups: when an envelope is stored for a mailbox with push registrations,
//! each registered endpoint gets an HTTP POST whose body is the device's own opaque token, in
//! the UnifiedPush style, and nothing about the sender, the content or the mailbox.
//!
//! The post path only drops the mailbox id into a bounded queue ([`PushQueue::notify`], never
//! waits; a full queue drops the wake-up and counts it). One dispatcher task per process drains
//! the queue in batches, looks the registrations of a batch up in one query, and coalesces:
//! a mailbox woken less than `push_interval_ms` ago is not woken again at once, but marked, and
//! gets one more wake-up when its interval ends (so the last envelope is never left without
//! one). Deliveries run as their own tasks ([`deliver`]), retried with backoff. With several
//! relays on one PostgreSQL database, each process coalesces on its own.

pub mod deliver;
pub mod endpoint;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::metrics::Metrics;
use crate::store::{PushStore, PushTarget};
pub use deliver::{Delivery, PushEvent, Sender};
pub use endpoint::{EndpointError, EndpointPolicy};

/// Mailbox ids waiting for the dispatcher.
const QUEUE: usize = 16 * 1024;
/// Most queued mailbox ids looked up together.
const BATCH: usize = 512;
/// Most wake-ups being delivered or waiting to retry at once.
const MAX_DELIVERIES: usize = 4096;

/// The post path's end of the queue.
#[derive(Clone)]
pub struct PushQueue {
    tx: mpsc::Sender<String>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for PushQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushQueue").finish_non_exhaustive()
    }
}

/// The dispatcher's end of the queue.
pub struct PushReceiver(mpsc::Receiver<String>);

/// A new queue: the post path keeps the [`PushQueue`], [`dispatch`] takes the receiver.
pub fn queue(metrics: Arc<Metrics>) -> (PushQueue, PushReceiver) {
    let (tx, rx) = mpsc::channel(QUEUE);
    (PushQueue { tx, metrics }, PushReceiver(rx))
}

impl PushQueue {
    /// An envelope was stored for `mailbox`: wake its endpoints, if any. Never waits.
    pub fn notify(&self, mailbox: &str) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.tx.try_send(mailbox.to_owned()) {
            self.metrics.push_event(PushEvent::Dropped);
        }
    }
}

/// Runs until the queue closes: batches, coalesces, looks up, and starts deliveries.
pub async fn dispatch<S: PushStore>(
    store: Arc<S>,
    sender: Arc<Sender>,
    interval: Duration,
    metrics: Arc<Metrics>,
    PushReceiver(mut rx): PushReceiver,
) {
    // Mailboxes woken within the interval -> whether an envelope arrived since.
    let mut cooling: HashMap<String, bool> = HashMap::new();
    let mut ends: BinaryHeap<Reverse<(Instant, String)>> = BinaryHeap::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_DELIVERIES));
    loop {
        let next_end = ends.peek().map(|Reverse((at, _))| *at);
        let mut due: Vec<String> = Vec::new();
        tokio::select! {
            got = rx.recv() => {
                let Some(first) = got else { return };
                let mut batch = vec![first];
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(m) => batch.push(m),
                        Err(_) => break,
                    }
                }
                for mailbox in batch {
                    match cooling.get_mut(&mailbox) {
                        Some(pending) => {
                            *pending = true;
                            metrics.push_event(PushEvent::Coalesced);
                        }
                        None => due.push(mailbox),
                    }
                }
            }
            () = sleep_until(next_end), if next_end.is_some() => {
                let now = Instant::now();
                while let Some(Reverse((at, _))) = ends.peek() {
                    if *at > now {
                        break;
                    }
                    if let Some(Reverse((_, mailbox))) = ends.pop()
                        && cooling.remove(&mailbox) == Some(true)
                    {
                        due.push(mailbox);
                    }
                }
            }
        }
        if due.is_empty() {
            continue;
        }
        due.sort_unstable();
        due.dedup();
        let targets = match store.push_targets(due).await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "looking up push registrations failed");
                continue;
            }
        };
        let until = Instant::now() + interval;
        for target in targets {
            if cooling.insert(target.mailbox_id.clone(), false).is_none() {
                ends.push(Reverse((until, target.mailbox_id.clone())));
            }
            let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
                metrics.push_event(PushEvent::Dropped);
                continue;
            };
            tokio::spawn(deliver_one(
                Arc::clone(&store),
                Arc::clone(&sender),
                target,
                slot,
            ));
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at).await;
    }
}

async fn deliver_one<S: PushStore>(
    store: Arc<S>,
    sender: Arc<Sender>,
    target: PushTarget,
    _slot: tokio::sync::OwnedSemaphorePermit,
) {
    if sender.deliver(&target).await == Delivery::Gone
        && let Err(e) = store.unregister_push(&target.mailbox_id, &target.id).await
    {
        tracing::warn!(error = %e, "removing a gone push registration failed");
    }
}
