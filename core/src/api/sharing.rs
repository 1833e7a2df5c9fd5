//! FFI surface of consent-gated sharing: the `Sharing` object (reached through
//! `Lantern::sharing()`). Pairing by invite and safety number, consent grants, sync through the
//! relay, what a supporter received (typed `SharedContent`), and the peer's audit log; and the
//! consent rules the apps apply the same way as the core (tag normalisation, the scope grammar
//! and words, grant limits). Thin delegations to `crate::sharing` and `crate::consent`; every
//! call blocks (sync does network I/O). A sync can report progress to a foreign `SyncObserver`
//! and be stopped through a `SyncCancellation`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::LanternError;
use crate::api::Lantern;
use crate::api::course::Course;
use crate::api::journal::Journal;
use crate::consent::{self, Grant, GrantState, GrantTerms, ItemKind, Scope};
use crate::recovery::RecoveryStore;
use crate::sharing::audit::{AuditEvent, AuditRecord};
use crate::sharing::engine::{self, SyncHooks, SyncReport};
use crate::sharing::inbox::{HeldGrant, ReceivedItem};
use crate::sharing::pairing::{ConnectionInfo, Role};
use crate::sharing::{
    ShareableItem, SharedContent, SharedUnitProgress, SharingStore, sources, unix_now,
};

/// Sharing with supporters (as a peer) and receiving from peers (as a supporter). Needs the
/// vault unlocked: every record it keeps is sealed under the vault's key.
#[derive(uniffi::Object)]
pub struct Sharing {
    store: Mutex<SharingStore>,
    journal: Arc<Journal>,
    course: Arc<Course>,
    recovery: Arc<RecoveryStore>,
}

impl std::fmt::Debug for Sharing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sharing").finish_non_exhaustive()
    }
}

/// This installation's side of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConnectionRole {
    /// I share with them: they are my supporter.
    Sharing,
    /// I receive from them: they are a peer I support.
    Supporting,
}

/// A pairing between a peer and a supporter.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SharingConnection {
    pub id: String,
    pub role: ConnectionRole,
    /// The other person's display name.
    pub their_name: String,
    /// The name I go by in this connection.
    pub my_name: String,
    /// Twelve groups of five digits; the same on both phones when no one is in the middle.
    pub safety_number: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
}

/// Where a grant stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum GrantStatus {
    Active,
    Revoked,
    Expired,
}

/// A consent: every element a valid consent states (42 CFR 2.31), and its status.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsentGrant {
    pub id: String,
    pub connection_id: String,
    /// Who discloses (the peer).
    pub discloser_name: String,
    /// To whom.
    pub recipient_name: String,
    /// What, typed (`format_scope` gives the text form, `describe_scope` the words).
    pub scopes: Vec<Scope>,
    /// What kind and how much, in plain words (one line per scope).
    pub how_much: Vec<String>,
    /// Why.
    pub purpose: String,
    /// When it was given (seconds since the Unix epoch).
    pub created_at: i64,
    /// Until when.
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub status: GrantStatus,
    /// The statement of the right to revoke.
    pub right_to_revoke: String,
}

/// Something a peer shared with me.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SharedItem {
    pub connection_id: String,
    /// What kind of item (with `item_id`, what a reply names as `ReplyTarget`).
    pub kind: ItemKind,
    pub item_id: String,
    /// Goes up with every edit the peer shares.
    pub version: u64,
    /// What was shared, typed (its `Debug` never shows the content).
    pub content: SharedContent,
    pub grant_id: String,
    pub received_at: i64,
}

impl From<ReceivedItem> for SharedItem {
    fn from(i: ReceivedItem) -> Self {
        SharedItem {
            connection_id: i.connection_id,
            kind: i.meta.kind,
            item_id: i.meta.id,
            version: i.version,
            content: i.content,
            grant_id: i.grant_id,
            received_at: i.received_at,
        }
    }
}

/// How long a consent may last, in seconds: the apps offer choices within these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct GrantLimits {
    pub min_seconds: u64,
    pub max_seconds: u64,
}

/// The one tag rule (trimmed, lower case, 1 to 40 characters), for journal tags and tag
/// scopes alike. `InvalidInput` says what is wrong.
#[uniffi::export]
pub fn normalize_tag(tag: String) -> Result<String, LanternError> {
    Ok(consent::normalize_tag(&tag)?)
}

/// Reads a scope in its text form (`mood-trends`, `checkins`, `entries:tag=TAG`, `entry:ID`,
/// `course-progress`, `alerts`, `recovery-count`), as the CLI writes it.
#[uniffi::export]
pub fn parse_scope(text: String) -> Result<Scope, LanternError> {
    Ok(Scope::parse(&text)?)
}

/// A scope's text form, the inverse of `parse_scope`.
#[uniffi::export]
pub fn format_scope(scope: Scope) -> String {
    scope.to_text()
}

/// What a scope lets a supporter see, in plain words (as the signed grant states it).
#[uniffi::export]
pub fn describe_scope(scope: Scope) -> String {
    scope.describe()
}

/// The shortest and longest a consent may last.
#[uniffi::export]
pub fn grant_limits() -> GrantLimits {
    GrantLimits {
        min_seconds: consent::MIN_GRANT_SECONDS as u64,
        max_seconds: consent::MAX_GRANT_SECONDS as u64,
    }
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncSummary {
    pub posted: u64,
    pub disclosed: u64,
    pub withdrawn: u64,
    pub dropped: u64,
    pub too_large: u64,
    pub applied: u64,
    pub paired: u64,
    pub duplicates: u64,
    pub refused: u64,
    pub deleted: u64,
    /// Supporter: "I need support now" alerts received.
    pub alerts_received: u64,
    /// Peer: replies received from supporters.
    pub replies_received: u64,
}

/// Which step a sync is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncPhase {
    /// An envelope was posted: `done` of `total` queued envelopes.
    Posting,
    /// A page of `total` envelopes was fetched from my mailboxes.
    Fetching,
    /// `done` of the `total` envelopes of the current page were applied.
    Applying,
    /// The sync finished (always the last report of a sync that succeeded).
    Done,
}

/// How far a sync got: counts and an opaque connection id only, never content or names.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub done: u64,
    pub total: u64,
    /// The connection an envelope was posted for (`Posting` only).
    pub connection_id: Option<String>,
}

impl From<engine::SyncProgress> for SyncProgress {
    fn from(p: engine::SyncProgress) -> Self {
        SyncProgress {
            phase: match p.phase {
                engine::SyncPhase::Posting => SyncPhase::Posting,
                engine::SyncPhase::Fetching => SyncPhase::Fetching,
                engine::SyncPhase::Applying => SyncPhase::Applying,
                engine::SyncPhase::Done => SyncPhase::Done,
            },
            done: p.done,
            total: p.total,
            connection_id: p.connection_id,
        }
    }
}

/// Implemented by the app to follow a sync. Called on the syncing thread, in order; must
/// return quickly and must not call back into `Sharing` (the sync holds it). An error it
/// returns (or an exception it throws) is ignored: it cannot stop or break the sync.
#[uniffi::export(foreign)]
pub trait SyncObserver: Send + Sync {
    /// One step of the sync is done.
    fn on_progress(&self, progress: SyncProgress) -> Result<(), LanternError>;
}

/// Stops a running sync between steps: create one, pass it to `Sharing::sync_with`, call
/// `cancel()` from any thread. The sync then returns `LanternError::Cancelled`; what it did
/// so far is kept and the next sync continues from there.
#[derive(Debug, Default, uniffi::Object)]
pub struct SyncCancellation {
    cancelled: AtomicBool,
}

#[uniffi::export]
impl SyncCancellation {
    /// A token that is not cancelled yet.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Asks the sync to stop at its next step. Idempotent; cannot be undone.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether `cancel()` was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

/// Bridges the FFI observer and token to the engine's hooks.
struct ForeignHooks {
    observer: Option<Arc<dyn SyncObserver>>,
    cancel: Option<Arc<SyncCancellation>>,
}

impl SyncHooks for ForeignHooks {
    fn progress(&mut self, progress: engine::SyncProgress) {
        if let Some(o) = &self.observer {
            // The app's failure is its own: its message may hold anything, so it is dropped
            // unlogged, and the sync goes on.
            let _ = o.on_progress(progress.into());
        }
    }

    fn cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(|c| c.is_cancelled())
    }
}

/// One audit record: who saw what, when (reference-only, hash-chained).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    /// What happened, with its ids and versions (never content).
    pub event: AuditEvent,
    pub hash: String,
}

fn status(s: GrantState) -> GrantStatus {
    match s {
        GrantState::Active => GrantStatus::Active,
        GrantState::Revoked => GrantStatus::Revoked,
        GrantState::Expired => GrantStatus::Expired,
    }
}

fn grant_view(terms: &GrantTerms, revoked_at: Option<i64>, state: GrantState) -> ConsentGrant {
    ConsentGrant {
        id: terms.id.clone(),
        connection_id: terms.connection_id.clone(),
        discloser_name: terms.discloser.name.clone(),
        recipient_name: terms.recipient.name.clone(),
        scopes: terms.scopes.clone(),
        how_much: terms.how_much.clone(),
        purpose: terms.purpose.clone(),
        created_at: terms.created_at,
        expires_at: terms.expires_at,
        revoked_at,
        status: status(state),
        right_to_revoke: terms.right_to_revoke.clone(),
    }
}

impl From<&Grant> for ConsentGrant {
    fn from(g: &Grant) -> Self {
        grant_view(&g.terms, g.revoked_at, g.state(unix_now()))
    }
}

impl From<HeldGrant> for ConsentGrant {
    fn from(g: HeldGrant) -> Self {
        grant_view(&g.terms, None, GrantState::Active)
    }
}

impl From<SyncReport> for SyncSummary {
    fn from(r: SyncReport) -> Self {
        SyncSummary {
            posted: r.posted,
            disclosed: r.disclosed,
            withdrawn: r.withdrawn,
            dropped: r.dropped,
            too_large: r.too_large,
            applied: r.applied,
            paired: r.paired,
            duplicates: r.duplicates,
            refused: r.refused,
            deleted: r.deleted,
            alerts_received: r.alerts_received,
            replies_received: r.replies_received,
        }
    }
}

impl From<AuditRecord> for AuditEntry {
    fn from(r: AuditRecord) -> Self {
        AuditEntry {
            seq: r.seq,
            at: r.at,
            event: r.event,
            hash: r.hash,
        }
    }
}

impl Sharing {
    /// Opens sharing on `data_dir`, sealing with the journal's vault (called by `Lantern::open`).
    pub(crate) fn open(
        data_dir: &std::path::Path,
        journal: Arc<Journal>,
        course: Arc<Course>,
        recovery: Arc<RecoveryStore>,
    ) -> Result<Self, LanternError> {
        let sealer = journal.vault().clone();
        Ok(Sharing {
            store: Mutex::new(SharingStore::open(data_dir, sealer)?),
            journal,
            course,
            recovery,
        })
    }

    /// The course (its "Get help now" section goes with every alert).
    pub(super) fn course(&self) -> &Course {
        &self.course
    }

    pub(super) fn store(&self) -> MutexGuard<'_, SharingStore> {
        // A panic mid-call leaves SQLite consistent (transactions roll back): keep using it.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn connection_view(
        &self,
        store: &SharingStore,
        c: ConnectionInfo,
    ) -> Result<SharingConnection, LanternError> {
        Ok(SharingConnection {
            safety_number: store.safety_number(&c.id)?,
            id: c.id,
            role: match c.role {
                Role::Peer => ConnectionRole::Sharing,
                Role::Supporter => ConnectionRole::Supporting,
            },
            their_name: c.their_name,
            my_name: c.my_name,
            created_at: c.created_at,
        })
    }

    fn sync_at(&self, now: i64, hooks: &mut dyn SyncHooks) -> Result<SyncSummary, LanternError> {
        // Cancelled before the start: not even the journal is read.
        if hooks.cancelled() {
            return Err(LanternError::Cancelled);
        }
        let mut store = self.store();
        let items = self.shareable_items(&store, now)?;
        Ok(store.sync_with(&items, now, hooks)?.into())
    }

    /// Everything that could be shared at `now` (the consent decision picks): read only when
    /// this installation shares with someone; a supporter-only installation sends nothing.
    pub(super) fn shareable_items(
        &self,
        store: &SharingStore,
        now: i64,
    ) -> Result<Vec<ShareableItem>, LanternError> {
        let sharing = store.connections()?.iter().any(|c| c.role == Role::Peer);
        Ok(if sharing {
            let mut items = sources::journal_items(self.journal.store(), now * 1000)?;
            let units = self
                .course
                .progress()?
                .into_iter()
                .map(|u| SharedUnitProgress {
                    unit_id: u.unit_id,
                    sections_read: u.sections_read,
                    sections_total: u.sections_total,
                    self_checks_answered: u.self_checks_answered,
                    self_checks_correct: u.self_checks_correct,
                    self_checks_total: u.self_checks_total,
                });
            items.push(sources::course_item(units.collect()));
            // The count only, never the start date; none when no start is set (a count shared
            // before is then withdrawn).
            if let Some(count) = self.recovery.shared_count(now.saturating_mul(1000))? {
                items.push(sources::recovery_item(count));
            }
            items
        } else {
            Vec::new()
        })
    }
}

#[uniffi::export]
impl Lantern {
    /// Consent-gated sharing with supporters, and what peers shared with me.
    pub fn sharing(&self) -> Arc<Sharing> {
        self.sharing.clone()
    }
}

#[uniffi::export]
impl Sharing {
    /// Supporter: creates an invite for a peer (one line of text, fit for a QR code) using a
    /// mailbox on the relay at `relay_url`; `name` is how the peer will see me.
    pub fn create_invite(&self, relay_url: String, name: String) -> Result<String, LanternError> {
        let store = self.store();
        let invite = store
            .invite_via_relay(&relay_url, &name, unix_now())?
            .encode();
        // A new relay's mailbox joins the wake-ups; if it cannot now, `push_status` lists it
        // as pending and `enable_push` retries it.
        let _ = store.push_catch_up();
        Ok(invite)
    }

    /// Peer: pairs with a supporter's invite; `name` is how the supporter will see me. Compare
    /// the returned safety number with the supporter's in person before granting anything.
    /// Needs the invite's relay (this device gets a mailbox there for the supporter's one
    /// reply: the connection's own posting capability).
    pub fn pair(&self, invite: String, name: String) -> Result<SharingConnection, LanternError> {
        let mut store = self.store();
        let c = store.pair_via_relay(&invite, &name, unix_now())?;
        let _ = store.push_catch_up(); // as in create_invite
        self.connection_view(&store, c)
    }

    /// Every connection, oldest first.
    pub fn connections(&self) -> Result<Vec<SharingConnection>, LanternError> {
        let store = self.store();
        store
            .connections()?
            .into_iter()
            .map(|c| self.connection_view(&store, c))
            .collect()
    }

    /// The safety number of a connection.
    pub fn safety_number(&self, connection_id: String) -> Result<String, LanternError> {
        Ok(self.store().safety_number(&connection_id)?)
    }

    /// Peer: gives a supporter consent to see `scopes` for `purpose`, for `expires_in_seconds`
    /// (within `grant_limits()`). A tag scope's tag is normalised like a journal tag. Widening
    /// later means a new grant; this one never changes.
    pub fn grant(
        &self,
        connection_id: String,
        scopes: Vec<Scope>,
        purpose: String,
        expires_in_seconds: u64,
    ) -> Result<ConsentGrant, LanternError> {
        let scopes = scopes
            .into_iter()
            .map(Scope::normalized)
            .collect::<Result<Vec<_>, _>>()?;
        let now = unix_now();
        let expires_at = now.saturating_add(i64::try_from(expires_in_seconds).unwrap_or(i64::MAX));
        let g = self
            .store()
            .grant(&connection_id, scopes, &purpose, expires_at, now)?;
        Ok((&g).into())
    }

    /// Peer: every grant I gave, oldest first, with its status.
    pub fn list_grants(&self) -> Result<Vec<ConsentGrant>, LanternError> {
        Ok(self.store().grants()?.iter().map(Into::into).collect())
    }

    /// Peer: revokes a grant now. The next sync tells the supporter's core to delete everything
    /// received under it; nothing more is shared under it from this moment.
    pub fn revoke(&self, grant_id: String) -> Result<(), LanternError> {
        Ok(self.store().revoke(&grant_id, unix_now())?)
    }

    /// Posts what consent allows and fetches what peers shared. Safe to repeat or interrupt.
    pub fn sync(&self) -> Result<SyncSummary, LanternError> {
        self.sync_with(None, None)
    }

    /// `sync()` reporting each step to `observer` and stopping with `Cancelled` between steps
    /// once `cancel` is cancelled. Stopping is as safe as a dropped connection: nothing is lost
    /// or applied twice, and the next sync carries on.
    pub fn sync_with(
        &self,
        observer: Option<Arc<dyn SyncObserver>>,
        cancel: Option<Arc<SyncCancellation>>,
    ) -> Result<SyncSummary, LanternError> {
        self.sync_at(unix_now(), &mut ForeignHooks { observer, cancel })
    }

    /// Supporter: what peers shared and I may still see (all peers, or one connection).
    pub fn inbox(&self, connection_id: Option<String>) -> Result<Vec<SharedItem>, LanternError> {
        let items = self
            .store()
            .received_items(connection_id.as_deref(), unix_now())?;
        Ok(items.into_iter().map(Into::into).collect())
    }

    /// Supporter: the consents peers gave me that are active now: what I may see, why, until when.
    pub fn received_grants(
        &self,
        connection_id: Option<String>,
    ) -> Result<Vec<ConsentGrant>, LanternError> {
        Ok(self
            .store()
            .held_grants(connection_id.as_deref(), unix_now())?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Peer: the audit log, oldest first.
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>, LanternError> {
        Ok(self
            .store()
            .audit_records()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Peer: checks the audit log (hash chain, the checkpoint signed with my identity key, the
    /// vault's rollback mark) and my grants against it; returns how many records it holds, or
    /// an `Integrity` error when the sharing data was changed or rolled back outside Lantern.
    pub fn verify_audit(&self) -> Result<u64, LanternError> {
        Ok(self.store().verify_audit().map(|n| n as u64)?)
    }

    /// Peer: the audit log as JSON with its head signed by my identity key, for keeping or
    /// handing on (anyone with my public key can re-check it). Refused if the log fails
    /// `verify_audit`.
    pub fn export_audit(&self) -> Result<String, LanternError> {
        Ok(self.store().export_audit()?)
    }

    /// Checks an exported audit log: its hash chain and its signature by the peer paired on
    /// `connection_id` (as a supporter checking what a peer handed me), or by me when `None`.
    /// Returns how many records it holds; `Integrity` if it was changed or signed by anyone else.
    pub fn verify_audit_export(
        &self,
        export: String,
        connection_id: Option<String>,
    ) -> Result<u64, LanternError> {
        Ok(self
            .store()
            .verify_audit_export(&export, connection_id.as_deref())
            .map(|n| n as u64)?)
    }
}
