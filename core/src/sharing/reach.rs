//! Reaching out: the peer's "I need support now" alert and the supporter's replies.
//!
//! An alert is an item of kind `alert` that goes, through [`crate::consent::decide`], to exactly
//! the supporters whose active grant has the `alerts` scope: sealed and signed like every shared
//! item (an `Alert` envelope carrying the covering grant), queued in the outbox in the same
//! transaction as its `disclosed` audit record, and posted like any other envelope (re-decided
//! before posting; dropped if its consent went). It is an event: sent once, never re-sent, and
//! deleted on the supporter's device when the grant it came under ends.
//!
//! A reply goes the other way, supporter to peer, on the channel pairing set up for that
//! direction: the peer's own mailbox on the same relay and the capability the peer issued on it
//! (`ConnectionInfo::reply_capability`, first used for the connection capability). A reply
//! answers something the supporter still holds (an alert or a shared item), so it stops when
//! the consent does; the peer's core checks again on arrival that a grant covering what is
//! answered is active (both directions stop when consent ends).
//!
//! The text rules (a note or free-text reply: at most [`MAX_TEXT_CHARS`] characters, no control
//! characters but line breaks) live here once. Notes and replies are sealed at rest, never
//! logged, and their `Debug` never shows them.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::audit::{self, AuditEvent};
use super::content::{SharedContent, encode};
use super::envelope::{self, ItemMessage, Payload};
use super::pairing::{ConnectionInfo, Role, record_aad};
use super::store::StoreError;
use super::{SharingError, SharingStore};
use crate::codec::make_id;
use crate::consent::{Decision, GrantState, ItemKind, ItemMeta, decide};

/// Longest alert note or free-text reply, in characters.
pub const MAX_TEXT_CHARS: usize = 280;
/// Longest item id a reply may name, in bytes (as the consent scopes' entry ids).
const MAX_TARGET_ID_BYTES: usize = 200;

/// Why reaching out or replying was refused. Never holds the note or reply text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReachError {
    #[error("a note or reply has at most 280 characters and no control characters")]
    BadText,
    #[error("a reply needs some text")]
    EmptyReply,
    #[error("nothing held to reply to (never received, or the consent for it ended)")]
    NotHeld,
    #[error("only the supporting side of a connection replies")]
    NotTheSupportingSide,
    #[error("this connection has no reply channel (the peer paired with an older version)")]
    NoReplyChannel,
    #[error("malformed reply target (kind:id)")]
    BadTarget,
}

fn check_text(text: &str) -> Result<(), ReachError> {
    if text.chars().count() > MAX_TEXT_CHARS || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ReachError::BadText);
    }
    Ok(())
}

/// THE note rule: trimmed; empty means no note; at most [`MAX_TEXT_CHARS`] characters and no
/// control characters but line breaks.
pub fn normalize_note(note: Option<String>) -> Result<Option<String>, ReachError> {
    let Some(note) = note else { return Ok(None) };
    let note = note.trim();
    if note.is_empty() {
        return Ok(None);
    }
    check_text(note)?;
    Ok(Some(note.to_string()))
}

/// A ready answer a supporter can send with one tap. Its words come from [`QuickReply::words`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "kebab-case")]
pub enum QuickReply {
    /// "I'm calling you now."
    CallingNow,
    /// "I'll text you in 10 minutes."
    TextingIn10Minutes,
    /// "I'm on my way."
    OnMyWay,
    /// "I can't talk right now; I'll call you within the hour."
    CallingWithinTheHour,
    /// "I'm thinking of you. You're not alone."
    ThinkingOfYou,
}

impl QuickReply {
    /// Every ready answer, in the order the apps offer them.
    pub const ALL: [QuickReply; 5] = [
        QuickReply::CallingNow,
        QuickReply::TextingIn10Minutes,
        QuickReply::OnMyWay,
        QuickReply::CallingWithinTheHour,
        QuickReply::ThinkingOfYou,
    ];

    /// The words both people see.
    pub fn words(self) -> &'static str {
        match self {
            QuickReply::CallingNow => "I'm calling you now.",
            QuickReply::TextingIn10Minutes => "I'll text you in 10 minutes.",
            QuickReply::OnMyWay => "I'm on my way.",
            QuickReply::CallingWithinTheHour => {
                "I can't talk right now; I'll call you within the hour."
            }
            QuickReply::ThinkingOfYou => "I'm thinking of you. You're not alone.",
        }
    }

    /// The CLI's name (`calling-now`, `texting-in-10-minutes`, `on-my-way`,
    /// `calling-within-the-hour`, `thinking-of-you`).
    pub fn to_text(self) -> &'static str {
        match self {
            QuickReply::CallingNow => "calling-now",
            QuickReply::TextingIn10Minutes => "texting-in-10-minutes",
            QuickReply::OnMyWay => "on-my-way",
            QuickReply::CallingWithinTheHour => "calling-within-the-hour",
            QuickReply::ThinkingOfYou => "thinking-of-you",
        }
    }

    /// Inverse of [`QuickReply::to_text`].
    pub fn parse(text: &str) -> Option<QuickReply> {
        QuickReply::ALL
            .into_iter()
            .find(|q| q.to_text() == text.trim())
    }
}

/// What a reply says: a ready answer or a short text of the supporter's own.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ReplyAnswer {
    Quick {
        reply: QuickReply,
    },
    /// 1 to 280 characters (see [`ReplyAnswer::normalized`]).
    Text {
        text: String,
    },
}

impl std::fmt::Debug for ReplyAnswer {
    // The supporter's words are private: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplyAnswer::Quick { reply } => write!(f, "Quick({reply:?})"),
            ReplyAnswer::Text { .. } => f.write_str("Text(..)"),
        }
    }
}

impl ReplyAnswer {
    /// THE reply rule: free text trimmed, 1 to [`MAX_TEXT_CHARS`] characters, no control
    /// characters but line breaks.
    pub fn normalized(self) -> Result<ReplyAnswer, ReachError> {
        match self {
            ReplyAnswer::Quick { reply } => Ok(ReplyAnswer::Quick { reply }),
            ReplyAnswer::Text { text } => {
                let text = text.trim();
                if text.is_empty() {
                    return Err(ReachError::EmptyReply);
                }
                check_text(text)?;
                Ok(ReplyAnswer::Text {
                    text: text.to_string(),
                })
            }
        }
    }

    /// What both people see.
    pub fn words(&self) -> String {
        match self {
            ReplyAnswer::Quick { reply } => reply.words().to_string(),
            ReplyAnswer::Text { text } => text.clone(),
        }
    }
}

/// What a reply answers: an item the supporter received (an alert is an item of kind `Alert`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct ReplyTarget {
    pub kind: ItemKind,
    pub item_id: String,
}

impl ReplyTarget {
    /// The item key (`kind:id`), as items are named everywhere else.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.item_id)
    }

    /// Parses an item key (`alert:ID`, `entry:ID`, `checkin:ID`, `mood-trends:summary`...).
    pub fn parse(key: &str) -> Result<ReplyTarget, ReachError> {
        let (kind, id) = key.trim().split_once(':').ok_or(ReachError::BadTarget)?;
        let kind = ItemKind::from_name(kind).ok_or(ReachError::BadTarget)?;
        let target = ReplyTarget {
            kind,
            item_id: id.to_string(),
        };
        target.check()?;
        Ok(target)
    }

    fn check(&self) -> Result<(), ReachError> {
        if self.item_id.is_empty()
            || self.item_id.len() > MAX_TARGET_ID_BYTES
            || self.item_id.chars().any(char::is_control)
        {
            return Err(ReachError::BadTarget);
        }
        Ok(())
    }
}

/// Which way a reply went, seen from this installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "kebab-case")]
pub enum ReplyDirection {
    /// I (the supporter) sent it.
    Sent,
    /// My supporter sent it to me (the peer).
    Received,
}

impl ReplyDirection {
    fn as_str(self) -> &'static str {
        match self {
            ReplyDirection::Sent => "sent",
            ReplyDirection::Received => "received",
        }
    }
}

/// A reply as kept at rest (sealed).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredReply {
    pub id: String,
    pub connection_id: String,
    pub direction: ReplyDirection,
    pub in_reply_to: ReplyTarget,
    pub answer: ReplyAnswer,
    /// When the supporter sent it (seconds since the Unix epoch).
    pub sent_at: i64,
    /// When this installation stored it (sent: queued; received: applied).
    pub stored_at: i64,
}

impl std::fmt::Debug for StoredReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredReply")
            .field("id", &self.id)
            .field("direction", &self.direction)
            .finish_non_exhaustive()
    }
}

/// One supporter an alert was queued for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRecipient {
    pub connection_id: String,
    pub their_name: String,
    pub grant_id: String,
    pub envelope_id: String,
}

/// An alert as the peer keeps it (sealed): its note and who it was queued for.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SentAlert {
    pub id: String,
    pub note: Option<String>,
    pub sent_at: i64,
    pub recipients: Vec<AlertRecipient>,
}

impl std::fmt::Debug for SentAlert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentAlert")
            .field("id", &self.id)
            .field("recipients", &self.recipients.len())
            .finish_non_exhaustive()
    }
}

/// What the consent decision looks at for an alert.
pub(crate) fn alert_meta(alert_id: &str) -> ItemMeta {
    ItemMeta {
        kind: ItemKind::Alert,
        id: alert_id.to_string(),
        tags: Vec::new(),
    }
}

impl SharingStore {
    /// Peer: records an alert with `note` (already normalised or not: the rule is applied
    /// here) and queues it, through the consent decision, for every supporter whose active
    /// grant covers alerts, with one `disclosed` audit record each, in one transaction.
    /// Returns the alert with its recipients; when no grant covers alerts there are none and
    /// nothing is kept. Posting is the caller's (see `engine`): queued, it goes out with the
    /// next sync in any case.
    pub fn queue_alert(
        &mut self,
        note: Option<String>,
        now: i64,
    ) -> Result<SentAlert, SharingError> {
        let note = normalize_note(note)?;
        let me = self.identity()?;
        let grants = self.verified_grants()?;
        let id = make_id();
        let meta = alert_meta(&id);
        let body = encode(
            &id,
            &SharedContent::Alert {
                note: note.clone(),
                sent_at_ms: now.saturating_mul(1000),
            },
        );
        let connections: Vec<ConnectionInfo> = self
            .connections()?
            .into_iter()
            .filter(|c| c.role == Role::Peer)
            .collect();
        let mut alert = SentAlert {
            id: id.clone(),
            note,
            sent_at: now,
            recipients: Vec::new(),
        };
        let sealer = self.sealer.clone();
        let tx = self.db.transaction().map_err(StoreError::from)?;
        for conn in &connections {
            let Decision::Allow { grant_id } = decide(&grants, &conn.id, &meta, now) else {
                continue;
            };
            let Some(grant) = grants.iter().find(|g| g.terms.id == grant_id) else {
                continue;
            };
            let seq: i64 = tx.query_row(
                "SELECT next_seq FROM connections WHERE id = ?1",
                [&conn.id],
                |r| r.get(0),
            )?;
            let envelope_id = make_id();
            let payload = Payload::Alert {
                grant: grant.signed.clone(),
                alert: ItemMessage::Upsert {
                    meta: meta.clone(),
                    version: 1,
                    grant_id: grant_id.clone(),
                    body: body.clone(),
                },
            };
            let bytes = envelope::seal(
                &me,
                &conn.their_keys,
                &envelope_id,
                &conn.id,
                seq as u64,
                now,
                &payload,
            );
            // The outbox re-decides it before posting (`recheck_outbox`): dropped, with a
            // `dropped` audit record, if this grant is no longer active.
            let refs = serde_json::json!({ "grants": [grant_id] }).to_string();
            tx.execute(
                "INSERT INTO outbox (envelope_id, connection_id, seq, created_at, refs, bytes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![envelope_id, conn.id, seq, now, refs, bytes],
            )?;
            tx.execute(
                "UPDATE connections SET next_seq = ?2 WHERE id = ?1",
                params![conn.id, seq + 1],
            )?;
            audit::append(
                &tx,
                now,
                &AuditEvent::Disclosed {
                    connection_id: conn.id.clone(),
                    grant_id: grant_id.clone(),
                    item: meta.key(),
                    version: 1,
                    envelope_id: envelope_id.clone(),
                },
            )?;
            alert.recipients.push(AlertRecipient {
                connection_id: conn.id.clone(),
                their_name: conn.their_name.clone(),
                grant_id,
                envelope_id,
            });
        }
        if alert.recipients.is_empty() {
            // Nothing left the device: nothing to keep.
            return Ok(alert);
        }
        let plain = zeroize::Zeroizing::new(
            serde_json::to_vec(&alert).map_err(|_| StoreError::Corrupt("alert"))?,
        );
        tx.execute(
            "INSERT INTO alerts (id, created_at, sealed) VALUES (?1, ?2, ?3)",
            params![id, now, sealer.seal(&record_aad("alert", &id), &plain)?],
        )?;
        audit::checkpoint(&tx, sealer.as_ref())?;
        tx.commit().map_err(StoreError::from)?;
        self.raise_mark()?;
        Ok(alert)
    }

    /// Peer: the alerts I sent, newest first.
    pub fn sent_alerts(&self) -> Result<Vec<SentAlert>, StoreError> {
        let rows: Vec<(String, Vec<u8>)> = {
            let mut stmt = self
                .db
                .prepare("SELECT id, sealed FROM alerts ORDER BY created_at DESC, id")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        rows.into_iter()
            .map(|(id, sealed)| {
                let plain = self
                    .sealer
                    .open(&record_aad("alert", &id), &sealed)
                    .map_err(|e| e.or_corrupt("alert"))?;
                let alert: SentAlert =
                    serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("alert"))?;
                if alert.id != id {
                    return Err(StoreError::Corrupt("alert"));
                }
                Ok(alert)
            })
            .collect()
    }

    /// Whether the envelope `id` is still waiting in the outbox (not yet accepted by the relay).
    pub fn is_queued(&self, envelope_id: &str) -> Result<bool, StoreError> {
        Ok(self
            .db
            .query_row(
                "SELECT 1 FROM outbox WHERE envelope_id = ?1",
                [envelope_id],
                |_| Ok(true),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// Supporter: whether I still hold the item `key` from `connection_id` at `now` (expired
    /// grants are purged first, revoked ones were deleted when the peer said so).
    pub(crate) fn holds(
        &mut self,
        connection_id: &str,
        key: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.purge_expired(now)?;
        Ok(self
            .db
            .query_row(
                "SELECT 1 FROM received_items WHERE connection_id = ?1 AND item_key = ?2",
                params![connection_id, key],
                |_| Ok(true),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// Supporter: queues a reply on `connection_id` to `in_reply_to` (an item I still hold),
    /// sealed to the peer and signed, for the peer's mailbox on the reply channel. Returns the
    /// stored reply; the next post (or sync) sends it.
    pub fn queue_reply(
        &mut self,
        connection_id: &str,
        in_reply_to: ReplyTarget,
        answer: ReplyAnswer,
        now: i64,
    ) -> Result<StoredReply, SharingError> {
        let answer = answer.normalized()?;
        in_reply_to.check()?;
        let conn = self
            .connection(connection_id)?
            .ok_or(SharingError::NoSuchConnection)?;
        if conn.role != Role::Supporter {
            return Err(ReachError::NotTheSupportingSide.into());
        }
        if conn.reply_capability.is_empty() {
            return Err(ReachError::NoReplyChannel.into());
        }
        if !self.holds(&conn.id, &in_reply_to.key(), now)? {
            return Err(ReachError::NotHeld.into());
        }
        let me = self.identity()?;
        let reply = StoredReply {
            id: make_id(),
            connection_id: conn.id.clone(),
            direction: ReplyDirection::Sent,
            in_reply_to: in_reply_to.clone(),
            answer: answer.clone(),
            sent_at: now,
            stored_at: now,
        };
        let sealer = self.sealer.clone();
        let tx = self.db.transaction().map_err(StoreError::from)?;
        // Sequence 1 on this direction is the connection capability; replies follow it.
        let next: i64 = tx.query_row(
            "SELECT next_seq FROM connections WHERE id = ?1",
            [&conn.id],
            |r| r.get(0),
        )?;
        let seq = next.max(2);
        let bytes = envelope::seal(
            &me,
            &conn.their_keys,
            &reply.id,
            &conn.id,
            seq as u64,
            now,
            &Payload::Reply {
                in_reply_to: in_reply_to.clone(),
                answer,
            },
        );
        let refs = serde_json::json!({ "reply_to": in_reply_to.key() }).to_string();
        tx.execute(
            "INSERT INTO outbox (envelope_id, connection_id, seq, created_at, refs, bytes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![reply.id, conn.id, seq, now, refs, bytes],
        )?;
        tx.execute(
            "UPDATE connections SET next_seq = ?2 WHERE id = ?1",
            params![conn.id, seq + 1],
        )?;
        store_reply(&tx, sealer.as_ref(), &reply)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(reply)
    }

    /// Peer: whether a reply on `connection_id` to `target` may be accepted at `now`: what it
    /// answers was disclosed to this supporter and a grant covering it is active now (an alert:
    /// an active grant with the `alerts` scope; a shared item: the grant it was last disclosed
    /// under, as long as the supporter still holds it).
    pub(crate) fn reply_allowed(
        &self,
        connection_id: &str,
        target: &ReplyTarget,
        now: i64,
    ) -> Result<bool, SharingError> {
        // Fail closed: a grant whose state was tampered with counts as revoked here.
        let grants = self.grants()?;
        if target.kind == ItemKind::Alert {
            let sent_here = self.sent_alerts()?.into_iter().any(|a| {
                a.id == target.item_id
                    && a.recipients
                        .iter()
                        .any(|r| r.connection_id == connection_id)
            });
            return Ok(sent_here
                && matches!(
                    decide(&grants, connection_id, &alert_meta(&target.item_id), now),
                    Decision::Allow { .. }
                ));
        }
        let grant: Option<Option<String>> = self
            .db
            .query_row(
                "SELECT grant_id FROM sent_items
                 WHERE connection_id = ?1 AND item_key = ?2 AND present = 1",
                params![connection_id, target.key()],
                |r| r.get(0),
            )
            .optional()
            .map_err(StoreError::from)?;
        let Some(Some(grant)) = grant else {
            return Ok(false);
        };
        Ok(grants.iter().any(|g| {
            g.terms.id == grant
                && g.terms.connection_id == connection_id
                && g.state(now) == GrantState::Active
        }))
    }

    /// Replies sent (as a supporter) and received (as a peer), newest first, optionally for one
    /// connection.
    pub fn replies(&self, connection: Option<&str>) -> Result<Vec<StoredReply>, StoreError> {
        let rows: Vec<(String, Vec<u8>)> = {
            let mut stmt = self.db.prepare(
                "SELECT id, sealed FROM replies WHERE ?1 IS NULL OR connection_id = ?1
                 ORDER BY at DESC, id",
            )?;
            stmt.query_map([connection], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        rows.into_iter()
            .map(|(id, sealed)| {
                let plain = self
                    .sealer
                    .open(&record_aad("reply", &id), &sealed)
                    .map_err(|e| e.or_corrupt("reply"))?;
                let reply: StoredReply =
                    serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("reply"))?;
                if reply.id != id {
                    return Err(StoreError::Corrupt("reply"));
                }
                Ok(reply)
            })
            .collect()
    }
}

/// Writes a reply row (sealed) inside the caller's transaction.
pub(crate) fn store_reply(
    db: &rusqlite::Connection,
    sealer: &dyn super::sealer::Sealer,
    reply: &StoredReply,
) -> Result<(), StoreError> {
    let plain = zeroize::Zeroizing::new(
        serde_json::to_vec(reply).map_err(|_| StoreError::Corrupt("reply"))?,
    );
    db.execute(
        "INSERT INTO replies (id, connection_id, direction, at, sealed)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            reply.id,
            reply.connection_id,
            reply.direction.as_str(),
            reply.stored_at,
            sealer.seal(&record_aad("reply", &reply.id), &plain)?
        ],
    )?;
    Ok(())
}

/// Checks a received reply's content: a well-formed target and an answer within the rule.
pub(crate) fn check_received(target: &ReplyTarget, answer: &ReplyAnswer) -> bool {
    target.check().is_ok() && answer.clone().normalized().as_ref() == Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_and_replies_follow_one_rule() {
        assert_eq!(normalize_note(None), Ok(None));
        assert_eq!(normalize_note(Some("   ".into())), Ok(None));
        assert_eq!(
            normalize_note(Some("  rough night\nneed to talk ".into())),
            Ok(Some("rough night\nneed to talk".into()))
        );
        assert_eq!(
            normalize_note(Some("é".repeat(MAX_TEXT_CHARS))),
            Ok(Some("é".repeat(MAX_TEXT_CHARS)))
        );
        assert_eq!(
            normalize_note(Some("é".repeat(MAX_TEXT_CHARS + 1))),
            Err(ReachError::BadText)
        );
        assert_eq!(
            normalize_note(Some("a\u{1b}[2Jb".into())),
            Err(ReachError::BadText)
        );
        let text = |t: &str| ReplyAnswer::Text { text: t.into() };
        assert_eq!(text(" ok ").normalized(), Ok(text("ok")));
        assert_eq!(text("  ").normalized(), Err(ReachError::EmptyReply));
        assert_eq!(
            text(&"x".repeat(281)).normalized(),
            Err(ReachError::BadText)
        );
        assert!(text(&"x".repeat(280)).normalized().is_ok());
        assert!(!format!("{:?}", text("secret words")).contains("secret"));
        assert!(check_received(
            &ReplyTarget::parse("alert:abc").expect("parses"),
            &text("ok")
        ));
        assert!(!check_received(
            &ReplyTarget::parse("alert:abc").expect("parses"),
            &text(" not trimmed")
        ));
    }

    #[test]
    fn quick_replies_and_targets_round_trip() {
        for q in QuickReply::ALL {
            assert_eq!(QuickReply::parse(q.to_text()), Some(q));
            assert!(!q.words().is_empty());
        }
        assert_eq!(QuickReply::parse("call-me-maybe"), None);
        assert_eq!(
            ReplyAnswer::Quick {
                reply: QuickReply::CallingNow
            }
            .words(),
            "I'm calling you now."
        );
        let t = ReplyTarget::parse("entry:e1").expect("parses");
        assert_eq!(t.kind, ItemKind::Entry);
        assert_eq!(t.key(), "entry:e1");
        assert_eq!(
            ReplyTarget::parse("mood-trends:summary")
                .expect("parses")
                .kind,
            ItemKind::MoodTrends
        );
        assert_eq!(
            ReplyTarget::parse("recovery-count:summary")
                .expect("parses")
                .kind,
            ItemKind::RecoveryCount
        );
        assert_eq!(ReplyTarget::parse("entry:"), Err(ReachError::BadTarget));
        assert_eq!(ReplyTarget::parse("nothing"), Err(ReachError::BadTarget));
        assert_eq!(ReplyTarget::parse("poem:1"), Err(ReachError::BadTarget));
    }
}
