//! FFI surface of reaching out, on the `Sharing` object: the peer's "I need support now"
//! (`reach_out`, which always hands back the course's "Get help now" section, whatever the
//! network or the vault does) and the supporter's replies (`reply`, `replies`). Thin
//! delegations to `crate::sharing::reach`, where the rules (note and reply limits, the ready
//! answers' words, who may receive what) live once.

use crate::LanternError;
use crate::api::course::HelpSection;
use crate::api::sharing::Sharing;
use crate::sharing::reach::{
    self, MAX_TEXT_CHARS, QuickReply, ReplyAnswer, ReplyDirection, ReplyTarget, SentAlert,
    StoredReply,
};
use crate::sharing::{SharingStore, unix_now};

/// Where an alert stands for one supporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AlertDelivery {
    /// The relay has it: the supporter's device gets it at its next sync (or wake-up).
    Sent,
    /// Not yet accepted by the relay (offline, relay down): it goes out with the next sync.
    Queued,
}

/// One supporter an alert went to.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AlertRecipient {
    pub connection_id: String,
    pub supporter_name: String,
    pub delivery: AlertDelivery,
}

/// Why an alert reached no one (the help section is there all the same).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ReachOutIssue {
    /// No supporter holds an active consent to receive alerts: nothing was sent. Offer to add
    /// the `Alerts` scope to a supporter's consent.
    NoSupporterReceivesAlerts,
    /// The vault is locked: unlock it and reach out again.
    Locked,
    /// The alert could not be recorded or queued; `reason` names no user data.
    Failed { reason: String },
}

/// What `reach_out` did, with the "Get help now" section to show at once.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReachOut {
    /// The course's crisis resources, from the bundled pack: always present, offline too.
    pub help: HelpSection,
    /// The alert's id (what replies name), when it went to someone.
    pub alert_id: Option<String>,
    /// Every supporter it was sent or queued for (exactly those whose consent covers alerts).
    pub recipients: Vec<AlertRecipient>,
    /// Set when the alert reached no one.
    pub issue: Option<ReachOutIssue>,
}

/// An alert I sent, with where it stands for each supporter.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct SentAlertView {
    pub alert_id: String,
    pub note: Option<String>,
    /// Seconds since the Unix epoch.
    pub sent_at: i64,
    pub recipients: Vec<AlertRecipient>,
}

/// A reply: to me from a supporter (as a peer), or from me to a peer (as a supporter).
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Reply {
    pub id: String,
    pub connection_id: String,
    /// Received: the supporter who answered. Sent: the peer I answered.
    pub their_name: String,
    pub direction: ReplyDirection,
    /// What it answers: an alert (`ItemKind::Alert`, the alert's id) or a shared item.
    pub in_reply_to: ReplyTarget,
    pub answer: ReplyAnswer,
    /// The words to show (a ready answer's words, or the free text).
    pub words: String,
    /// When the supporter sent it (seconds since the Unix epoch).
    pub sent_at: i64,
    /// Sent: accepted by the relay (false while queued). Received: always true.
    pub delivered: bool,
}

// Hand-written, like `SharedContent`'s: a note or a reply's words never land in logs, panics
// or test output.
impl std::fmt::Debug for SentAlertView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentAlertView")
            .field("alert_id", &self.alert_id)
            .field("sent_at", &self.sent_at)
            .field("recipients", &self.recipients)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply")
            .field("id", &self.id)
            .field("connection_id", &self.connection_id)
            .field("direction", &self.direction)
            .field("in_reply_to", &self.in_reply_to)
            .field("sent_at", &self.sent_at)
            .field("delivered", &self.delivered)
            .finish_non_exhaustive()
    }
}

/// The limits of what reaching out carries, for the apps' input fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ReachLimits {
    /// Longest alert note, in characters.
    pub max_note_chars: u32,
    /// Longest free-text reply, in characters.
    pub max_reply_chars: u32,
}

/// The limits of notes and replies (the core enforces them; the apps bound their fields).
#[uniffi::export]
pub fn reach_limits() -> ReachLimits {
    ReachLimits {
        max_note_chars: MAX_TEXT_CHARS as u32,
        max_reply_chars: MAX_TEXT_CHARS as u32,
    }
}

/// Every ready answer, in the order to offer them.
#[uniffi::export]
pub fn quick_replies() -> Vec<QuickReply> {
    QuickReply::ALL.to_vec()
}

/// The words of a ready answer, as both people see them.
#[uniffi::export]
pub fn quick_reply_words(reply: QuickReply) -> String {
    reply.words().to_string()
}

fn recipients(store: &SharingStore, alert: &SentAlert) -> Vec<AlertRecipient> {
    alert
        .recipients
        .iter()
        .map(|r| AlertRecipient {
            connection_id: r.connection_id.clone(),
            supporter_name: r.their_name.clone(),
            // Unknown counts as not yet sent.
            delivery: if store.is_queued(&r.envelope_id).unwrap_or(true) {
                AlertDelivery::Queued
            } else {
                AlertDelivery::Sent
            },
        })
        .collect()
}

fn issue(e: LanternError) -> ReachOutIssue {
    match e {
        LanternError::Locked => ReachOutIssue::Locked,
        e => ReachOutIssue::Failed {
            reason: e.to_string(),
        },
    }
}

impl Sharing {
    fn reply_view(&self, store: &SharingStore, r: StoredReply) -> Reply {
        let delivered = match r.direction {
            ReplyDirection::Received => true,
            ReplyDirection::Sent => !store.is_queued(&r.id).unwrap_or(true),
        };
        let their_name = store
            .connection(&r.connection_id)
            .ok()
            .flatten()
            .map(|c| c.their_name)
            .unwrap_or_default();
        Reply {
            words: r.answer.words(),
            id: r.id,
            connection_id: r.connection_id,
            their_name,
            direction: r.direction,
            in_reply_to: r.in_reply_to,
            answer: r.answer,
            sent_at: r.sent_at,
            delivered,
        }
    }
}

#[uniffi::export]
impl Sharing {
    /// Peer: "I need support now". Sends an alert, with an optional short `note` (at most
    /// `reach_limits().max_note_chars`), end to end encrypted and signed, to exactly the
    /// supporters whose active consent includes `Scope::Alerts`, trying the relay once (a few
    /// seconds at most); what does not get through stays queued for the next sync. Always
    /// returns the course's
    /// "Get help now" section: show it at once. Only a note over the limit is an error
    /// (`InvalidInput`, before anything is done); everything else is in the result.
    pub fn reach_out(&self, note: Option<String>) -> Result<ReachOut, LanternError> {
        let note = reach::normalize_note(note).map_err(LanternError::from)?;
        let help = self.course().help_now();
        let now = unix_now();
        let mut store = self.store();
        let alert = match store.queue_alert(note, now) {
            Ok(alert) => alert,
            Err(e) => {
                return Ok(ReachOut {
                    help,
                    alert_id: None,
                    recipients: Vec::new(),
                    issue: Some(issue(e.into())),
                });
            }
        };
        if alert.recipients.is_empty() {
            return Ok(ReachOut {
                help,
                alert_id: None,
                recipients: Vec::new(),
                issue: Some(ReachOutIssue::NoSupporterReceivesAlerts),
            });
        }
        // A network failure leaves it queued (shown per supporter); only a local failure is an
        // issue, and the alert is queued all the same.
        let posted = self
            .shareable_items(&store, now)
            .and_then(|items| Ok(store.post_now(&items, now)?));
        Ok(ReachOut {
            help,
            alert_id: Some(alert.id.clone()),
            recipients: recipients(&store, &alert),
            issue: posted.err().map(issue),
        })
    }

    /// Peer: the alerts I sent, newest first, with where each stands per supporter.
    pub fn sent_alerts(&self) -> Result<Vec<SentAlertView>, LanternError> {
        let store = self.store();
        Ok(store
            .sent_alerts()?
            .into_iter()
            .map(|a| SentAlertView {
                recipients: recipients(&store, &a),
                alert_id: a.id,
                note: a.note,
                sent_at: a.sent_at,
            })
            .collect())
    }

    /// Supporter: answers an alert or a shared item I still hold from the peer on
    /// `connection_id`, with a ready answer or free text (at most
    /// `reach_limits().max_reply_chars`), end to end encrypted and signed, on the reply channel
    /// the pairing set up; tried on the relay once, else queued for the next sync.
    /// `ConsentRequired` when the item is no longer held (its consent ended), `InvalidInput`
    /// for empty or too long text, or a connection I do not support or that has no reply
    /// channel (a peer paired by an older version).
    pub fn reply(
        &self,
        connection_id: String,
        in_reply_to: ReplyTarget,
        answer: ReplyAnswer,
    ) -> Result<Reply, LanternError> {
        let now = unix_now();
        let mut store = self.store();
        let stored = store.queue_reply(&connection_id, in_reply_to, answer, now)?;
        let items = self.shareable_items(&store, now)?;
        // A network failure leaves it queued: `delivered` says so.
        store.post_now(&items, now)?;
        Ok(self.reply_view(&store, stored))
    }

    /// Replies received (as a peer: who answered, to what, when) and sent (as a supporter),
    /// newest first, for all connections or one.
    pub fn replies(&self, connection_id: Option<String>) -> Result<Vec<Reply>, LanternError> {
        let store = self.store();
        Ok(store
            .replies(connection_id.as_deref())?
            .into_iter()
            .map(|r| self.reply_view(&store, r))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::ItemKind;

    #[test]
    fn debug_output_never_shows_a_note_or_a_reply() {
        let alert = SentAlertView {
            alert_id: "a1".into(),
            note: Some("NOTE-CANARY".into()),
            sent_at: 1,
            recipients: Vec::new(),
        };
        let reply = Reply {
            id: "r1".into(),
            connection_id: "c1".into(),
            their_name: "Sam".into(),
            direction: ReplyDirection::Received,
            in_reply_to: ReplyTarget {
                kind: ItemKind::Alert,
                item_id: "a1".into(),
            },
            answer: ReplyAnswer::Text {
                text: "REPLY-CANARY".into(),
            },
            words: "REPLY-CANARY".into(),
            sent_at: 2,
            delivered: true,
        };
        let shown = format!("{alert:?} {reply:?}");
        assert!(shown.contains("a1") && shown.contains("r1"), "{shown}");
        assert!(!shown.contains("CANARY"), "{shown}");
    }
}
