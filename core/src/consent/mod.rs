//! Consent: what a peer allows one supporter to see, for how long and why, and the ONE decision
//! every outgoing item passes through ([`decide`]).
//!
//! A grant states every element 42 CFR Part 2 §2.31 asks of a written consent (who discloses,
//! to whom, what kind and how much, why, until when, the right to revoke, signature and date);
//! it is signed by the peer's Ed25519 key, never changes once made (widening is a new grant),
//! and travels signed to the supporter so their core can check items again on arrival.
//!
//! A pure policy: no I/O, no clock (callers pass `now`), and nothing from sharing, the journal
//! or the FFI layer. It also owns the rules the apps and the CLI must apply the same way: tag
//! normalisation ([`normalize_tag`]), the scope grammar ([`Scope::parse`], [`Scope::to_text`]),
//! the scope's words ([`Scope::describe`]) and the grant limits ([`MIN_GRANT_SECONDS`],
//! [`MAX_GRANT_SECONDS`]). Grant storage and the audit log are in `crate::sharing`.

use serde::{Deserialize, Serialize};

use crate::codec::{b64_32, b64_bytes, make_id};
use crate::crypto::hazmat::{SigningKey, verify_ed25519};

/// Shortest consent: one hour.
pub const MIN_GRANT_SECONDS: i64 = 3600;
/// Longest consent may last: one year.
pub const MAX_GRANT_SECONDS: i64 = 365 * 24 * 3600;
/// Longest purpose text, in characters.
pub const MAX_PURPOSE_CHARS: usize = 500;
/// Longest tag, in characters (after normalisation). The journal's record format stores a
/// tag's length in one byte, so this bounds it (40 characters of at most 4 bytes each).
pub const MAX_TAG_CHARS: usize = 40;
/// Longest entry id a scope may name, in bytes.
const MAX_ENTRY_ID_BYTES: usize = 200;
/// Version of the signed grant format.
pub const GRANT_FORMAT_VERSION: u32 = 1;
/// Domain separation for grant signatures.
const GRANT_SIGNING_CONTEXT: &[u8] = b"lantern-consent-grant-v1\n";

/// The statement of the right to revoke every grant carries (42 CFR 2.31(a)(6)).
pub const RIGHT_TO_REVOKE: &str = "You may revoke this consent at any time, as easily as you gave it (in the app, or with `lantern consent revoke`). Revoking stops all further sharing at once and tells your supporter's device to delete everything it received under this consent. It cannot undo what your supporter has already read.";

/// Why consent work failed. Messages never hold user data (no purpose text, tags or names).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ConsentError {
    #[error("invalid consent: {0}")]
    Invalid(&'static str),
    #[error("a consent lasts at least one hour and at most one year")]
    ExpiryOutOfRange,
    #[error(
        "unknown scope (use mood-trends, checkins, entries:tag=TAG, entry:ID, course-progress, alerts, recovery-count)"
    )]
    UnknownScope,
    #[error("grant signature or format is invalid")]
    BadSignature,
    #[error("no such grant")]
    NotFound,
    #[error("a tag needs 1 to 40 characters")]
    BadTag,
}

/// The kinds of item that can ever leave the device. Crosses the FFI typed (a shared item's
/// kind, and what a reply answers).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, uniffi::Enum,
)]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    /// The derived mood trend (averages over time), one item.
    MoodTrends,
    /// One daily check-in.
    CheckIn,
    /// One journal entry.
    Entry,
    /// The course progress summary, one item.
    CourseProgress,
    /// One "I need support now" alert (an event: sent once, never re-sent).
    Alert,
    /// The recovery day count (days and latest milestone, never the start date), one item.
    RecoveryCount,
}

impl ItemKind {
    /// Stable short name, used in item keys and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::MoodTrends => "mood-trends",
            ItemKind::CheckIn => "checkin",
            ItemKind::Entry => "entry",
            ItemKind::CourseProgress => "course-progress",
            ItemKind::Alert => "alert",
            ItemKind::RecoveryCount => "recovery-count",
        }
    }

    /// The kind named `name` by [`ItemKind::as_str`], if any.
    pub fn from_name(name: &str) -> Option<ItemKind> {
        Some(match name {
            "mood-trends" => ItemKind::MoodTrends,
            "checkin" => ItemKind::CheckIn,
            "entry" => ItemKind::Entry,
            "course-progress" => ItemKind::CourseProgress,
            "alert" => ItemKind::Alert,
            "recovery-count" => ItemKind::RecoveryCount,
            _ => return None,
        })
    }
}

/// What the decision looks at: an item's kind, id and tags (never its text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemMeta {
    pub kind: ItemKind,
    /// Opaque id, unique within its kind (`mood-trends` and `course-progress` use a fixed id).
    pub id: String,
    /// Tags (entries only); compared case-insensitively.
    #[serde(default)]
    pub tags: Vec<String>,
}

impl ItemMeta {
    /// The key that names this item across versions: `kind:id`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.id)
    }
}

/// What one grant covers. Crosses the FFI as a typed enum; its words come from
/// [`Scope::describe`] and its text form (the CLI's) from [`Scope::to_text`].
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, uniffi::Enum,
)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Scope {
    /// The mood trend summary.
    MoodTrends,
    /// Every daily check-in.
    CheckIns,
    /// Every journal entry carrying `tag` (while it carries it).
    EntriesWithTag { tag: String },
    /// One hand-picked entry.
    Entry { id: String },
    /// Course progress.
    CourseProgress,
    /// "I need support now" alerts, with their optional short note.
    Alerts,
    /// The recovery day count and latest milestone only (never the start date or history).
    RecoveryCount,
}

/// THE tag rule, for journal tags and tag scopes alike: trimmed, lower case, 1 to
/// [`MAX_TAG_CHARS`] characters.
pub fn normalize_tag(tag: &str) -> Result<String, ConsentError> {
    let t = tag.trim().to_lowercase();
    if t.is_empty() || t.chars().count() > MAX_TAG_CHARS {
        return Err(ConsentError::BadTag);
    }
    Ok(t)
}

/// The same comparison form as [`normalize_tag`], for matching a stored tag (never fails).
fn tag_key(tag: &str) -> String {
    tag.trim().to_lowercase()
}

/// Checks how long a consent would last, `seconds` from when it is given.
pub fn check_duration(seconds: i64) -> Result<(), ConsentError> {
    if (MIN_GRANT_SECONDS..=MAX_GRANT_SECONDS).contains(&seconds) {
        Ok(())
    } else {
        Err(ConsentError::ExpiryOutOfRange)
    }
}

impl Scope {
    /// Parses the CLI form: `mood-trends`, `checkins`, `entries:tag=TAG`, `entry:ID`,
    /// `course-progress`, `alerts`, `recovery-count`.
    pub fn parse(text: &str) -> Result<Scope, ConsentError> {
        let text = text.trim();
        let scope = match text {
            "mood-trends" => Scope::MoodTrends,
            "checkins" => Scope::CheckIns,
            "course-progress" => Scope::CourseProgress,
            "alerts" => Scope::Alerts,
            "recovery-count" => Scope::RecoveryCount,
            _ => {
                if let Some(tag) = text.strip_prefix("entries:tag=") {
                    Scope::EntriesWithTag {
                        tag: normalize_tag(tag)?,
                    }
                } else if let Some(id) = text.strip_prefix("entry:") {
                    Scope::Entry {
                        id: id.trim().to_string(),
                    }
                } else {
                    return Err(ConsentError::UnknownScope);
                }
            }
        };
        scope.validate()?;
        Ok(scope)
    }

    /// Checks a scope built by hand (the apps build them typed) and returns it normalised:
    /// a tag scope's tag goes through [`normalize_tag`], an entry id is trimmed.
    pub fn normalized(self) -> Result<Scope, ConsentError> {
        let scope = match self {
            Scope::EntriesWithTag { tag } => Scope::EntriesWithTag {
                tag: normalize_tag(&tag)?,
            },
            Scope::Entry { id } => Scope::Entry {
                id: id.trim().to_string(),
            },
            other => other,
        };
        scope.validate()?;
        Ok(scope)
    }

    fn validate(&self) -> Result<(), ConsentError> {
        match self {
            Scope::EntriesWithTag { tag } if normalize_tag(tag).as_deref() != Ok(tag) => {
                Err(ConsentError::BadTag)
            }
            Scope::Entry { id } if id.is_empty() || id.len() > MAX_ENTRY_ID_BYTES => {
                Err(ConsentError::Invalid("an entry scope needs an entry id"))
            }
            _ => Ok(()),
        }
    }

    /// The text form (the CLI's), inverse of [`Scope::parse`].
    pub fn to_text(&self) -> String {
        match self {
            Scope::MoodTrends => "mood-trends".into(),
            Scope::CheckIns => "checkins".into(),
            Scope::EntriesWithTag { tag } => format!("entries:tag={tag}"),
            Scope::Entry { id } => format!("entry:{id}"),
            Scope::CourseProgress => "course-progress".into(),
            Scope::Alerts => "alerts".into(),
            Scope::RecoveryCount => "recovery-count".into(),
        }
    }

    /// Whether this scope covers `item`.
    pub fn covers(&self, item: &ItemMeta) -> bool {
        match (self, item.kind) {
            (Scope::MoodTrends, ItemKind::MoodTrends) => true,
            (Scope::CheckIns, ItemKind::CheckIn) => true,
            (Scope::CourseProgress, ItemKind::CourseProgress) => true,
            (Scope::Alerts, ItemKind::Alert) => true,
            (Scope::RecoveryCount, ItemKind::RecoveryCount) => true,
            (Scope::EntriesWithTag { tag }, ItemKind::Entry) => {
                item.tags.iter().any(|t| tag_key(t) == *tag)
            }
            (Scope::Entry { id }, ItemKind::Entry) => item.id == *id,
            _ => false,
        }
    }

    /// "What kind and how much" in plain words, as the signed grant states it.
    pub fn describe(&self) -> String {
        match self {
            Scope::MoodTrends => "your mood trend summary (weekly averages of your check-ins, never single check-ins), kept up to date".into(),
            Scope::CheckIns => "every daily check-in (mood and notes), including new ones and edits".into(),
            Scope::EntriesWithTag { tag } => format!("every journal entry tagged \"{tag}\" (full text, mood and tags), including new ones and edits, for as long as it carries the tag"),
            Scope::Entry { id } => format!("the one journal entry {id} (full text, mood and tags), including its edits"),
            Scope::CourseProgress => "your course progress (sections read and self-check results)".into(),
            Scope::Alerts => "your \"I need support now\" alerts, each with the short note you add, when you send them (and the replies this supporter sends back)".into(),
            Scope::RecoveryCount => "your count of days in recovery and the latest milestone reached, kept up to date (never your start date, nor earlier starts)".into(),
        }
    }
}

/// A named party of a consent, identified by their long-term signing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    #[serde(with = "b64_32")]
    pub signing_key: [u8; 32],
}

/// The signed content of a grant: every element of a valid consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantTerms {
    pub format: u32,
    pub id: String,
    /// The pairing this grant is for.
    pub connection_id: String,
    /// Who discloses: the peer, whose information this is, and who signs.
    pub discloser: Party,
    /// To whom.
    pub recipient: Party,
    /// What kind of information.
    pub scopes: Vec<Scope>,
    /// How much, in plain words (one line per scope).
    pub how_much: Vec<String>,
    /// Why, in the peer's words.
    pub purpose: String,
    /// Date signed (seconds since the Unix epoch).
    pub created_at: i64,
    /// Until when (seconds since the Unix epoch); required, at most a year after `created_at`.
    pub expires_at: i64,
    /// The statement of the right to revoke.
    pub right_to_revoke: String,
}

/// A grant as it is stored and sent: the exact signed bytes and the peer's signature over them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedGrant {
    #[serde(with = "b64_bytes")]
    pub terms: Vec<u8>,
    #[serde(with = "b64_bytes")]
    pub signature: Vec<u8>,
}

impl std::fmt::Debug for SignedGrant {
    // The terms hold names, tags and purpose: never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedGrant").finish_non_exhaustive()
    }
}

fn signing_message(terms: &[u8]) -> Vec<u8> {
    let mut m = GRANT_SIGNING_CONTEXT.to_vec();
    m.extend_from_slice(terms);
    m
}

impl SignedGrant {
    /// Checks the signature by `discloser_key` and returns the terms it covers.
    pub fn verify(&self, discloser_key: &[u8; 32]) -> Result<GrantTerms, ConsentError> {
        verify_ed25519(
            discloser_key,
            &signing_message(&self.terms),
            &self.signature,
        )
        .map_err(|_| ConsentError::BadSignature)?;
        let terms: GrantTerms =
            serde_json::from_slice(&self.terms).map_err(|_| ConsentError::BadSignature)?;
        if terms.format != GRANT_FORMAT_VERSION || terms.discloser.signing_key != *discloser_key {
            return Err(ConsentError::BadSignature);
        }
        Ok(terms)
    }
}

/// What the peer asks for when granting.
#[derive(Debug, Clone)]
pub struct GrantRequest {
    pub connection_id: String,
    pub discloser_name: String,
    pub recipient: Party,
    pub scopes: Vec<Scope>,
    pub purpose: String,
    pub expires_at: i64,
}

/// Builds and signs a new grant, checking every element a valid consent needs.
pub fn make_grant(
    req: GrantRequest,
    key: &SigningKey,
    now: i64,
) -> Result<(GrantTerms, SignedGrant), ConsentError> {
    let mut scopes = req.scopes;
    for s in &scopes {
        s.validate()?;
    }
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ConsentError::Invalid("a consent needs at least one scope"));
    }
    let purpose = req.purpose.trim().to_string();
    if purpose.is_empty() || purpose.chars().count() > MAX_PURPOSE_CHARS {
        return Err(ConsentError::Invalid(
            "a consent needs a purpose of 1 to 500 characters",
        ));
    }
    check_duration(req.expires_at.saturating_sub(now))?;
    if req.discloser_name.trim().is_empty() || req.recipient.name.trim().is_empty() {
        return Err(ConsentError::Invalid("both parties need a name"));
    }
    let terms = GrantTerms {
        format: GRANT_FORMAT_VERSION,
        id: make_id(),
        connection_id: req.connection_id,
        discloser: Party {
            name: req.discloser_name,
            signing_key: key.public_key(),
        },
        recipient: req.recipient,
        how_much: scopes.iter().map(Scope::describe).collect(),
        scopes,
        purpose,
        created_at: now,
        expires_at: req.expires_at,
        right_to_revoke: RIGHT_TO_REVOKE.to_string(),
    };
    // Strings, numbers and byte arrays only: serialising cannot fail.
    let bytes = serde_json::to_vec(&terms).map_err(|_| ConsentError::Invalid("grant terms"))?;
    let signature = key.sign(&signing_message(&bytes)).to_vec();
    Ok((
        terms,
        SignedGrant {
            terms: bytes,
            signature,
        },
    ))
}

/// A grant with its local state (revocation).
#[derive(Debug, Clone)]
pub struct Grant {
    pub terms: GrantTerms,
    pub signed: SignedGrant,
    pub revoked_at: Option<i64>,
}

/// Where a grant stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantState {
    Active,
    Revoked,
    Expired,
}

impl Grant {
    /// Active, revoked or expired at `now`.
    pub fn state(&self, now: i64) -> GrantState {
        if self.revoked_at.is_some() {
            GrantState::Revoked
        } else if now >= self.terms.expires_at {
            GrantState::Expired
        } else {
            GrantState::Active
        }
    }
}

/// The outcome of the one consent decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// This grant covers the item now.
    Allow { grant_id: String },
    /// Nothing covers it; it must not leave the device.
    Deny,
}

/// THE consent decision. Every item that leaves the device passes here, at send time: is
/// there a grant to this connection, active `now` (not revoked, not expired), whose scope
/// covers this item? If several do, the one lasting longest is named (ties: smallest id), so
/// the choice is stable across syncs.
pub fn decide(grants: &[Grant], connection_id: &str, item: &ItemMeta, now: i64) -> Decision {
    grants
        .iter()
        .filter(|g| g.terms.connection_id == connection_id)
        .filter(|g| g.state(now) == GrantState::Active)
        .filter(|g| g.terms.scopes.iter().any(|s| s.covers(item)))
        .max_by(|a, b| {
            a.terms
                .expires_at
                .cmp(&b.terms.expires_at)
                .then_with(|| b.terms.id.cmp(&a.terms.id))
        })
        .map_or(Decision::Deny, |g| Decision::Allow {
            grant_id: g.terms.id.clone(),
        })
}

/// Parses a duration like `30d`, `12h`, `90m`, `2w` or `1y` into seconds.
pub fn parse_duration(text: &str) -> Result<i64, ConsentError> {
    let text = text.trim();
    let bad = ConsentError::Invalid("durations look like 30d, 12h, 2w or 1y");
    let unit = text.chars().last().ok_or(bad.clone())?;
    let n: i64 = text[..text.len() - unit.len_utf8()]
        .parse()
        .map_err(|_| bad.clone())?;
    let secs = match unit {
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        'y' => 365 * 86_400,
        _ => return Err(bad),
    };
    if n <= 0 {
        return Err(bad);
    }
    n.checked_mul(secs).ok_or(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_kind_is_found_by_its_name() {
        let kinds = [
            ItemKind::MoodTrends,
            ItemKind::CheckIn,
            ItemKind::Entry,
            ItemKind::CourseProgress,
            ItemKind::Alert,
            ItemKind::RecoveryCount,
        ];
        for kind in kinds {
            // Exhaustive: a new kind fails to compile here until it is listed above.
            match kind {
                ItemKind::MoodTrends
                | ItemKind::CheckIn
                | ItemKind::Entry
                | ItemKind::CourseProgress
                | ItemKind::Alert
                | ItemKind::RecoveryCount => {}
            }
            assert_eq!(ItemKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(ItemKind::from_name("everything"), None);
        assert_eq!(ItemKind::from_name("Entry"), None);
    }

    const NOW: i64 = 1_800_000_000;

    fn entry(id: &str, tags: &[&str]) -> ItemMeta {
        ItemMeta {
            kind: ItemKind::Entry,
            id: id.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn grant(key: &SigningKey, conn: &str, scopes: &[&str], expires_in: i64) -> Grant {
        let (terms, signed) = make_grant(
            GrantRequest {
                connection_id: conn.into(),
                discloser_name: "Pat".into(),
                recipient: Party {
                    name: "Sam".into(),
                    signing_key: [9u8; 32],
                },
                scopes: scopes
                    .iter()
                    .map(|s| Scope::parse(s).expect("scope"))
                    .collect(),
                purpose: "weekly check-in calls".into(),
                expires_at: NOW + expires_in,
            },
            key,
            NOW,
        )
        .expect("valid grant");
        Grant {
            terms,
            signed,
            revoked_at: None,
        }
    }

    #[test]
    fn scopes_parse_round_trip_and_reject_unknown() {
        for s in [
            "mood-trends",
            "checkins",
            "entries:tag=family",
            "entry:abc",
            "course-progress",
            "alerts",
            "recovery-count",
        ] {
            assert_eq!(Scope::parse(s).expect("parses").to_text(), s);
        }
        assert_eq!(
            Scope::parse("entries:tag= Family ").expect("parses"),
            Scope::EntriesWithTag {
                tag: "family".into()
            }
        );
        assert_eq!(Scope::parse("everything"), Err(ConsentError::UnknownScope));
        assert_eq!(Scope::parse("entries:tag="), Err(ConsentError::BadTag));
        assert_eq!(
            Scope::parse(&format!("entries:tag={}", "x".repeat(41))),
            Err(ConsentError::BadTag)
        );
        // A typed scope from an app is normalised the same way, or refused.
        assert_eq!(
            Scope::EntriesWithTag {
                tag: " Family ".into()
            }
            .normalized(),
            Ok(Scope::EntriesWithTag {
                tag: "family".into()
            })
        );
        assert_eq!(
            Scope::EntriesWithTag { tag: "  ".into() }.normalized(),
            Err(ConsentError::BadTag)
        );
        assert!(Scope::parse("entry:").is_err());
    }

    #[test]
    fn decide_allows_only_covered_items_of_active_grants_to_that_connection() {
        let key = SigningKey::make();
        let tag = grant(&key, "c1", &["entries:tag=family"], 3600);
        let one = grant(&key, "c1", &["entry:e9"], 7200);
        let other_conn = grant(&key, "c2", &["checkins", "mood-trends"], 3600);
        let grants = vec![tag.clone(), one.clone(), other_conn];

        let allow = |g: &Grant| Decision::Allow {
            grant_id: g.terms.id.clone(),
        };
        assert_eq!(
            decide(&grants, "c1", &entry("e1", &["Family"]), NOW),
            allow(&tag)
        );
        assert_eq!(
            decide(&grants, "c1", &entry("e2", &["work"]), NOW),
            Decision::Deny
        );
        // Both cover e9: the longer-lasting grant is named.
        assert_eq!(
            decide(&grants, "c1", &entry("e9", &["family"]), NOW),
            allow(&one)
        );
        let checkin = ItemMeta {
            kind: ItemKind::CheckIn,
            id: "k1".into(),
            tags: vec![],
        };
        assert_eq!(decide(&grants, "c1", &checkin, NOW), Decision::Deny);
        assert!(matches!(
            decide(&grants, "c2", &checkin, NOW),
            Decision::Allow { .. }
        ));
        // Expiry is exclusive: at expires_at the grant no longer covers anything.
        assert_eq!(
            decide(&grants, "c1", &entry("e1", &["family"]), NOW + 3600),
            Decision::Deny
        );
        // Revoked: nothing.
        let mut revoked = tag.clone();
        revoked.revoked_at = Some(NOW);
        assert_eq!(
            decide(&[revoked], "c1", &entry("e1", &["family"]), NOW),
            Decision::Deny
        );
        // The recovery count scope covers the count and nothing else, and nothing else covers it.
        let count = ItemMeta {
            kind: ItemKind::RecoveryCount,
            id: "summary".into(),
            tags: vec![],
        };
        let counted = grant(&key, "c3", &["recovery-count"], 3600);
        let all_else = grant(
            &key,
            "c3",
            &[
                "mood-trends",
                "checkins",
                "course-progress",
                "entries:tag=family",
            ],
            3600,
        );
        assert_eq!(
            decide(std::slice::from_ref(&all_else), "c3", &count, NOW),
            Decision::Deny
        );
        assert_eq!(
            decide(&[all_else, counted.clone()], "c3", &count, NOW),
            allow(&counted)
        );
        assert_eq!(
            decide(std::slice::from_ref(&counted), "c3", &checkin, NOW),
            Decision::Deny
        );
        assert_eq!(
            decide(&[counted], "c3", &entry("e1", &["family"]), NOW),
            Decision::Deny
        );
        // An entry scope does not cover a check-in with the same id.
        let same_id = ItemMeta {
            kind: ItemKind::CheckIn,
            id: "e9".into(),
            tags: vec![],
        };
        assert_eq!(decide(&grants, "c1", &same_id, NOW), Decision::Deny);
    }

    #[test]
    fn only_the_alerts_scope_covers_alerts_and_it_covers_nothing_else() {
        let key = SigningKey::make();
        let alerts = grant(&key, "c1", &["alerts"], 3600);
        let everything_else = grant(
            &key,
            "c2",
            &[
                "mood-trends",
                "checkins",
                "entries:tag=family",
                "entry:a1",
                "course-progress",
            ],
            3600,
        );
        let grants = vec![alerts.clone(), everything_else];
        let alert = ItemMeta {
            kind: ItemKind::Alert,
            id: "a1".into(),
            tags: vec![],
        };
        assert_eq!(
            decide(&grants, "c1", &alert, NOW),
            Decision::Allow {
                grant_id: alerts.terms.id.clone()
            }
        );
        assert_eq!(decide(&grants, "c2", &alert, NOW), Decision::Deny);
        assert_eq!(
            decide(&grants, "c1", &entry("a1", &["family"]), NOW),
            Decision::Deny
        );
        assert!(Scope::Alerts.describe().contains("I need support now"));
    }

    #[test]
    fn grants_hold_every_consent_element_and_verify() {
        let key = SigningKey::make();
        let g = grant(&key, "c1", &["checkins", "entries:tag=family"], 30 * 86_400);
        let t = g.signed.verify(&key.public_key()).expect("verifies");
        assert_eq!(t, g.terms);
        assert_eq!(t.discloser.name, "Pat");
        assert_eq!(t.recipient.name, "Sam");
        assert_eq!(t.how_much.len(), 2);
        assert_eq!(t.purpose, "weekly check-in calls");
        assert_eq!(t.created_at, NOW);
        assert_eq!(t.expires_at, NOW + 30 * 86_400);
        assert!(t.right_to_revoke.contains("revoke"));
        // Another key, or a changed byte, fails.
        assert_eq!(
            g.signed.verify(&SigningKey::make().public_key()),
            Err(ConsentError::BadSignature)
        );
        let mut tampered = g.signed.clone();
        let text = String::from_utf8(tampered.terms.clone()).expect("utf8");
        tampered.terms = text.replace("family", "famine").into_bytes();
        assert_eq!(
            tampered.verify(&key.public_key()),
            Err(ConsentError::BadSignature)
        );
        assert!(!format!("{:?}", g.signed).contains("family"));
    }

    #[test]
    fn grants_need_expiry_within_a_year_purpose_and_scope() {
        let key = SigningKey::make();
        let req = |scopes: Vec<Scope>, purpose: &str, expires_at: i64| GrantRequest {
            connection_id: "c".into(),
            discloser_name: "Pat".into(),
            recipient: Party {
                name: "Sam".into(),
                signing_key: [1u8; 32],
            },
            scopes,
            purpose: purpose.into(),
            expires_at,
        };
        let ok = vec![Scope::CheckIns];
        assert!(make_grant(req(ok.clone(), "p", NOW + MAX_GRANT_SECONDS), &key, NOW).is_ok());
        assert!(make_grant(req(ok.clone(), "p", NOW + MAX_GRANT_SECONDS + 1), &key, NOW).is_err());
        assert_eq!(
            make_grant(req(ok.clone(), "p", NOW), &key, NOW).map(|_| ()),
            Err(ConsentError::ExpiryOutOfRange)
        );
        assert!(make_grant(req(ok.clone(), "p", NOW + MIN_GRANT_SECONDS), &key, NOW).is_ok());
        assert_eq!(
            make_grant(req(ok.clone(), "p", NOW + MIN_GRANT_SECONDS - 1), &key, NOW).map(|_| ()),
            Err(ConsentError::ExpiryOutOfRange)
        );
        // A hand-built tag scope that is not normalised is refused when granting.
        assert_eq!(
            make_grant(
                req(
                    vec![Scope::EntriesWithTag {
                        tag: "Family".into()
                    }],
                    "p",
                    NOW + 3600
                ),
                &key,
                NOW
            )
            .map(|_| ()),
            Err(ConsentError::BadTag)
        );
        assert!(make_grant(req(ok.clone(), "  ", NOW + 60), &key, NOW).is_err());
        assert!(make_grant(req(vec![], "p", NOW + 60), &key, NOW).is_err());
    }

    #[test]
    fn tags_normalise_once_for_everyone() {
        assert_eq!(normalize_tag("  Family "), Ok("family".into()));
        assert_eq!(normalize_tag("ÄRGER"), Ok("ärger".into()));
        assert_eq!(normalize_tag(" \t"), Err(ConsentError::BadTag));
        assert_eq!(normalize_tag(&"é".repeat(40)), Ok("é".repeat(40)));
        assert_eq!(normalize_tag(&"é".repeat(41)), Err(ConsentError::BadTag));
        assert!(check_duration(MIN_GRANT_SECONDS).is_ok());
        assert!(check_duration(MAX_GRANT_SECONDS).is_ok());
        assert!(check_duration(MAX_GRANT_SECONDS + 1).is_err());
        assert!(check_duration(0).is_err());
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("30d"), Ok(30 * 86_400));
        assert_eq!(parse_duration("12h"), Ok(12 * 3600));
        assert_eq!(parse_duration("1y"), Ok(MAX_GRANT_SECONDS));
        assert!(parse_duration("0d").is_err());
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("").is_err());
    }
}
