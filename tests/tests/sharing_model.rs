//! Property test of consent-gated sync over a real relay: random sequences of edits, tag
//! changes, deletes, check-ins, grants, revocations, clock jumps (expiry), syncs and crashes.
//! After every step the supporter holds nothing a grant active now does not cover, nothing
//! under a revoked grant once a sync happened, and after every sync exactly what the active
//! grants cover, with the current content; the peer's audit log verifies and lists exactly
//! the envelopes that arrived.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Relay, Side, checkin, entry, mood_trends, pair};
use lantern_core::consent::{ItemKind, Scope};
use lantern_core::sharing::ShareableItem;
use lantern_core::sharing::audit::AuditEvent;
use proptest::prelude::*;

const HOUR: i64 = 3600;
const TAGS: [&str; 2] = ["a", "b"];

#[derive(Debug, Clone)]
enum Op {
    Add(u8),
    Edit(u8),
    SetTags(u8, u8),
    Delete(u8),
    Checkin,
    Grant(u8, u8, u8),
    Revoke(u8),
    Advance(u8),
    Sync,
    CrashPeer,
    CrashSupporter,
    CrashMidSync,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<u8>().prop_map(Op::Add),
        2 => any::<u8>().prop_map(Op::Edit),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(i, t)| Op::SetTags(i, t)),
        1 => any::<u8>().prop_map(Op::Delete),
        1 => Just(Op::Checkin),
        3 => (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(s, e, d)| Op::Grant(s, e, d)),
        2 => any::<u8>().prop_map(Op::Revoke),
        2 => any::<u8>().prop_map(Op::Advance),
        4 => Just(Op::Sync),
        1 => Just(Op::CrashPeer),
        1 => Just(Op::CrashSupporter),
        1 => Just(Op::CrashMidSync),
    ]
}

struct ModelGrant {
    id: String,
    scope: Scope,
    expires_at: i64,
    revoked: bool,
    /// Revoked, and a sync has happened since (the supporter must have deleted).
    revocation_delivered: bool,
}

#[derive(Default)]
struct Journal {
    next: u32,
    entries: BTreeMap<String, (Vec<String>, u32)>,
    checkins: Vec<String>,
}

impl Journal {
    fn items(&self) -> Vec<ShareableItem> {
        let mut out: Vec<ShareableItem> = self
            .entries
            .iter()
            .map(|(id, (tags, rev))| {
                let t: Vec<&str> = tags.iter().map(String::as_str).collect();
                entry(id, &t, &format!("text of {id} revision {rev}"))
            })
            .collect();
        out.extend(self.checkins.iter().map(|id| checkin(id, "note")));
        out.push(mood_trends(self.checkins.len() as f64));
        out
    }

    fn pick(&self, i: u8) -> Option<String> {
        if self.entries.is_empty() {
            return None;
        }
        self.entries
            .keys()
            .nth(i as usize % self.entries.len())
            .cloned()
    }
}

fn run(relay: &Relay, ops: &[Op]) {
    let (mut peer, mut sup) = (Side::new(), Side::new());
    let mut now = lantern_core::sharing::unix_now();
    let conn = pair(relay, &mut peer, &mut sup, now);
    let mut j = Journal::default();
    let mut grants: Vec<ModelGrant> = Vec::new();

    for op in ops {
        now += 1;
        match op {
            Op::Add(t) => {
                j.next += 1;
                let tags = TAGS
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| t & (1 << k) != 0)
                    .map(|(_, s)| s.to_string())
                    .collect();
                j.entries.insert(format!("e{}", j.next), (tags, 0));
            }
            Op::Edit(i) => {
                if let Some(id) = j.pick(*i) {
                    j.entries.get_mut(&id).unwrap().1 += 1;
                }
            }
            Op::SetTags(i, t) => {
                if let Some(id) = j.pick(*i) {
                    j.entries.get_mut(&id).unwrap().0 = TAGS
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| t & (1 << k) != 0)
                        .map(|(_, s)| s.to_string())
                        .collect();
                }
            }
            Op::Delete(i) => {
                if let Some(id) = j.pick(*i) {
                    j.entries.remove(&id);
                }
            }
            Op::Checkin => {
                j.next += 1;
                j.checkins.push(format!("k{}", j.next));
            }
            Op::Grant(s, e, d) => {
                let scope = match s % 5 {
                    0 => Scope::MoodTrends,
                    1 => Scope::CheckIns,
                    2 => Scope::parse("entries:tag=a").unwrap(),
                    3 => Scope::parse("entries:tag=b").unwrap(),
                    _ => match j.pick(*e) {
                        Some(id) => Scope::Entry { id },
                        None => Scope::CheckIns,
                    },
                };
                let expires_at = now + HOUR * (1 + i64::from(d % 48));
                let g = peer
                    .s()
                    .grant(&conn, vec![scope.clone()], "model", expires_at, now)
                    .unwrap();
                grants.push(ModelGrant {
                    id: g.terms.id,
                    scope,
                    expires_at,
                    revoked: false,
                    revocation_delivered: false,
                });
            }
            Op::Revoke(i) => {
                if !grants.is_empty() {
                    let k = *i as usize % grants.len();
                    peer.s().revoke(&grants[k].id, now).unwrap();
                    grants[k].revoked = true;
                }
            }
            Op::Advance(h) => now += HOUR * i64::from(h % 30),
            Op::Sync => {
                let items = j.items();
                peer.s().sync(&items, now).unwrap();
                let r = sup.s().sync(&[], now).unwrap();
                assert_eq!(r.refused, 0);
                for g in grants.iter_mut().filter(|g| g.revoked) {
                    g.revocation_delivered = true;
                }
                check_exact(&mut sup, &items, &grants, now);
                check_audit(&mut peer, &mut sup);
            }
            Op::CrashPeer => peer.reopen(),
            Op::CrashSupporter => sup.reopen(),
            Op::CrashMidSync => {
                // Decided, sealed and queued, then the process dies before posting.
                let items = j.items();
                peer.s().recheck_outbox(&items, now).unwrap();
                peer.s().prepare_outbox(&items, now).unwrap();
                peer.reopen();
            }
        }
        check_never_outside(&mut sup, &grants, now);
    }
}

fn active(g: &ModelGrant, now: i64) -> bool {
    !g.revoked && now < g.expires_at
}

fn covers(scope: &Scope, item: &ShareableItem) -> bool {
    match scope {
        Scope::MoodTrends => item.meta().kind == ItemKind::MoodTrends,
        Scope::CheckIns => item.meta().kind == ItemKind::CheckIn,
        Scope::EntriesWithTag { tag } => {
            item.meta().kind == ItemKind::Entry && item.meta().tags.contains(tag)
        }
        Scope::Entry { id } => item.meta().kind == ItemKind::Entry && item.meta().id == *id,
        Scope::CourseProgress => item.meta().kind == ItemKind::CourseProgress,
        Scope::Alerts => item.meta().kind == ItemKind::Alert,
        Scope::RecoveryCount => item.meta().kind == ItemKind::RecoveryCount,
    }
}

/// At any moment: every held item sits under a grant not expired now and not revoked-and-synced.
fn check_never_outside(sup: &mut Side, grants: &[ModelGrant], now: i64) {
    for got in sup.s().received_items(None, now).unwrap() {
        let g = grants.iter().find(|g| g.id == got.grant_id).unwrap();
        assert!(now < g.expires_at, "held under an expired grant");
        assert!(
            !g.revocation_delivered,
            "held under a revoked grant after sync"
        );
    }
}

/// Right after a sync: exactly the covered items, with current content, under a covering grant.
fn check_exact(sup: &mut Side, items: &[ShareableItem], grants: &[ModelGrant], now: i64) {
    let expected: BTreeMap<String, &ShareableItem> = items
        .iter()
        .filter(|i| grants.iter().any(|g| active(g, now) && covers(&g.scope, i)))
        .map(|i| (i.meta().key(), i))
        .collect();
    let got = sup.s().received_items(None, now).unwrap();
    let got_keys: BTreeSet<String> = got.iter().map(|i| i.meta.key()).collect();
    assert_eq!(got_keys, expected.keys().cloned().collect::<BTreeSet<_>>());
    for g in &got {
        let item = expected[&g.meta.key()];
        assert_eq!(&g.content, item.content(), "stale content");
        let grant = grants.iter().find(|m| m.id == g.grant_id).unwrap();
        assert!(active(grant, now) && covers(&grant.scope, item));
    }
}

/// The audit log verifies, and the envelopes it lists (minus those dropped unsent) are exactly
/// the update envelopes the supporter applied; every held version was logged as disclosed.
fn check_audit(peer: &mut Side, sup: &mut Side) {
    let records = peer.s().audit_records().unwrap();
    assert_eq!(peer.s().verify_audit().unwrap(), records.len());
    let mut logged = BTreeSet::new();
    let mut dropped = BTreeSet::new();
    let mut disclosed = BTreeSet::new();
    for r in &records {
        match &r.event {
            AuditEvent::Disclosed {
                envelope_id,
                item,
                version,
                grant_id,
                ..
            } => {
                logged.insert(envelope_id.clone());
                disclosed.insert((item.clone(), *version, grant_id.clone()));
            }
            AuditEvent::Withdrawn { envelope_id, .. } => {
                logged.insert(envelope_id.clone());
            }
            AuditEvent::Dropped { envelope_id, .. } => {
                dropped.insert(envelope_id.clone());
            }
            _ => {}
        }
    }
    let sent: BTreeSet<String> = logged.difference(&dropped).cloned().collect();
    let applied: BTreeSet<String> = sup
        .s()
        .applied_envelope_ids()
        .unwrap()
        .into_iter()
        .collect();
    // Applied = the pairing message + item-carrying envelopes + grant-only envelopes.
    assert!(sent.is_subset(&applied), "logged as sent but never arrived");
    let dropped_arrived: Vec<_> = dropped.intersection(&applied).collect();
    assert!(dropped_arrived.is_empty(), "dropped envelopes arrived");
    for got in sup
        .s()
        .received_items(None, i64::MIN + 1)
        .unwrap_or_default()
    {
        assert!(disclosed.contains(&(got.meta.key(), got.version, got.grant_id.clone())));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, max_shrink_iters: 50, ..ProptestConfig::default() })]
    #[test]
    fn supporter_only_ever_holds_what_an_active_grant_covers(ops in proptest::collection::vec(op(), 1..28)) {
        let relay = Relay::start();
        run(&relay, &ops);
    }
}
