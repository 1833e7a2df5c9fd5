//! Prometheus text-format metrics: requests by route and status, refusals by reason, a latency
//! histogram, TTL drops, and stored envelopes/bytes read from the store every
//! `metrics_refresh_secs` by a background task: a scrape never touches the store.
//!
//! Labels are route templates and error codes only: never a mailbox id, key, token or payload.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::push::PushEvent;
use crate::store::Totals;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// Counters shared by all requests of one process.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    refusals: Mutex<BTreeMap<&'static str, u64>>,
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_sum_micros: AtomicU64,
    latency_count: AtomicU64,
    ttl_dropped: AtomicU64,
    totals: Mutex<Option<Totals>>,
    totals_refreshes: AtomicU64,
    /// Wake-up counters, indexed by [`PushEvent`] in the order of `PUSH_EVENTS`.
    push: [AtomicU64; PUSH_EVENTS.len()],
}

/// Every push counter with its label, in index order.
const PUSH_EVENTS: [(PushEvent, &str); 6] = [
    (PushEvent::Sent, "sent"),
    (PushEvent::Retried, "retried"),
    (PushEvent::Failed, "failed"),
    (PushEvent::Gone, "gone"),
    (PushEvent::Coalesced, "coalesced"),
    (PushEvent::Dropped, "dropped"),
];

impl Metrics {
    /// Records one answered request.
    pub fn observe(&self, route: &str, status: u16, refusal: Option<&'static str>, seconds: f64) {
        *self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((route.to_owned(), status))
            .or_default() += 1;
        if let Some(code) = refusal {
            *self
                .refusals
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(code)
                .or_default() += 1;
        }
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.latency_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
        self.latency_count.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one wake-up event.
    pub fn push_event(&self, event: PushEvent) {
        if let Some(i) = PUSH_EVENTS.iter().position(|(e, _)| *e == event) {
            self.push[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records envelopes dropped by the TTL sweep.
    pub fn add_ttl_dropped(&self, n: u64) {
        self.ttl_dropped.fetch_add(n, Ordering::Relaxed);
    }

    /// Replaces the stored totals (called by the periodic refresh only).
    pub fn set_totals(&self, totals: Totals) {
        *self.totals.lock().unwrap_or_else(|p| p.into_inner()) = Some(totals);
        self.totals_refreshes.fetch_add(1, Ordering::Relaxed);
    }

    /// Renders everything in Prometheus text exposition format.
    pub fn render(&self) -> String {
        let totals = *self.totals.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        out.push_str(
            "# HELP lantern_relay_requests_total Requests answered, by route and status.\n",
        );
        out.push_str("# TYPE lantern_relay_requests_total counter\n");
        for ((route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "lantern_relay_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP lantern_relay_refusals_total Refused requests, by reason.\n");
        out.push_str("# TYPE lantern_relay_refusals_total counter\n");
        for (code, n) in self
            .refusals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(out, "lantern_relay_refusals_total{{reason=\"{code}\"}} {n}");
        }
        out.push_str("# HELP lantern_relay_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE lantern_relay_request_duration_seconds histogram\n");
        for (i, bound) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "lantern_relay_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                self.latency_buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "lantern_relay_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "lantern_relay_request_duration_seconds_sum {}",
            self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "lantern_relay_request_duration_seconds_count {count}");
        out.push_str("# HELP lantern_relay_ttl_dropped_total Envelopes dropped undelivered after their TTL.\n");
        out.push_str("# TYPE lantern_relay_ttl_dropped_total counter\n");
        let _ = writeln!(
            out,
            "lantern_relay_ttl_dropped_total {}",
            self.ttl_dropped.load(Ordering::Relaxed)
        );
        out.push_str("# HELP lantern_relay_totals_refreshes_total Times the stored totals were read from the store.\n# TYPE lantern_relay_totals_refreshes_total counter\n");
        let _ = writeln!(
            out,
            "lantern_relay_totals_refreshes_total {}",
            self.totals_refreshes.load(Ordering::Relaxed)
        );
        out.push_str("# HELP lantern_relay_push_total Wake-ups, by outcome (sent, retried, failed, gone, coalesced, dropped).\n# TYPE lantern_relay_push_total counter\n");
        for (i, (_, label)) in PUSH_EVENTS.iter().enumerate() {
            let _ = writeln!(
                out,
                "lantern_relay_push_total{{event=\"{label}\"}} {}",
                self.push[i].load(Ordering::Relaxed)
            );
        }
        if let Some(t) = totals {
            out.push_str("# HELP lantern_relay_mailboxes Mailboxes in the store.\n# TYPE lantern_relay_mailboxes gauge\n");
            let _ = writeln!(out, "lantern_relay_mailboxes {}", t.mailboxes);
            out.push_str("# HELP lantern_relay_stored_envelopes Envelopes waiting in the store.\n# TYPE lantern_relay_stored_envelopes gauge\n");
            let _ = writeln!(out, "lantern_relay_stored_envelopes {}", t.envelopes);
            out.push_str("# HELP lantern_relay_stored_bytes Payload bytes waiting in the store.\n# TYPE lantern_relay_stored_bytes gauge\n");
            let _ = writeln!(out, "lantern_relay_stored_bytes {}", t.bytes);
        }
        out
    }
}
